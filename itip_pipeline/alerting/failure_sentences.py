"""A failed Dagster run's step failures as sentences a person reads: the error's own words, without Python or
Dagster class names. One place for `itip run`'s terminal summary and the run-failure alert mail."""

from __future__ import annotations

from collections.abc import Iterable

NO_STEP_FAILURE = "the run failed (see the Dagster UI)"
# The steps that run only after a publish succeeded, in words: their failure leaves the new version published.
AFTER_PUBLISH_STEPS = {"write_figure_book_and_exports": "the figure book and exports step"}


def after_publish_failures(step_keys: Iterable[str]) -> list[str]:
    """The failed steps among `step_keys` that ran after a publish (so a version was published), in words."""
    return [AFTER_PUBLISH_STEPS[key] for key in step_keys if key in AFTER_PUBLISH_STEPS]


def step_failures(events: Iterable) -> list[tuple[str, str]]:
    """(step key, sentence) for each STEP_FAILURE event among `events` (Dagster events of one run)."""
    return [
        (event.step_key, step_failure_sentence(event.step_key, event.event_specific_data.error))
        for event in events
        if event.event_type_value == "STEP_FAILURE" and event.event_specific_data.error
    ]


def failure_text(events: Iterable) -> str:
    """Each failed step's sentence, one a line."""
    return "\n".join(sentence for _, sentence in step_failures(events)) or NO_STEP_FAILURE


def step_failure_sentence(step_key: str, error) -> str:
    # An exception the step did not raise on purpose comes wrapped ("Error occurred while executing op");
    # its cause says what happened.
    if error.cause is not None and "DagsterExecutionStepExecutionError" in error.message.partition(":")[0]:
        return f"The step {step_key} stopped on an unexpected error: {_without_class_name(error.cause.message.strip())}"
    return _without_class_name(error.message.strip())


def _without_class_name(message: str) -> str:
    """'dagster._core.definitions.events.Failure: Could not publish ...' -> 'Could not publish ...'."""
    head, sep, rest = message.partition(": ")
    is_class = (
        head.replace(".", "").replace("_", "").isalnum()
        and head[:1].isalpha()
        and ("." in head or head.endswith(("Error", "Exception", "Failure", "Interrupt")))
    )
    return rest if sep and is_class else message
