"""dbt's events that none of its loggers will write are not formatted.

dbt formats every event it fires, debug ones included: it builds the event's message (for a query event, the
whole statement), wraps it in a protobuf envelope, and each logger turns that into a JSON line. Only then does
Python's logging drop the line, when the logger's level is above the event's. Dagster runs dbt at dbt's default
level, info, with no log file (environment.py), so most of a build's events (a few per statement) are formatted
for nobody, on the one core dbt's own Python keeps busy.

`skip_unwritten_events` makes dbt, in this process, return from firing an event at once when nothing would come of
it: its level is debug (or test, which dbt logs as debug), no logger of the invocation is open to that level, it
is not one of the events dbt prints whatever the level, and no callback other than dbt's own tracking of
behaviour-change warnings (which looks at no other event) listens. Every line dbt writes is therefore the line it
would have written: `dbt --debug`, a debug log file or a callback turn the shortcut off. A warning is never
skipped, so `--warn-error` is unchanged.

`skip_unwritten_events` is called, before dbt runs, in each dbt process the pipeline starts (dbt_process.py). A
dbt whose event classes are not shaped as this expects is left as it is.
"""

from __future__ import annotations

import logging
import os

from itip_pipeline.defs.dbt.wrap_once import wrap_once

# dbt's event levels as Python's logging levels (dbt_common.events.logger maps them the same way).
_LEVELS = {"debug": logging.DEBUG, "test": logging.DEBUG}
# dbt's own test aid: set, every event fired is serialised as a check, so none is skipped.
BINARY_CHECK = "DBT_TEST_BINARY_SERIALIZATION"


def skip_unwritten_events() -> bool:
    """Installed in this process's dbt; False when this dbt is not shaped as expected (dbt left as it is)."""
    try:
        from dbt.tracking import track_behavior_change_warn
        from dbt_common.events.event_manager import EventManager
        from dbt_common.events.logger import PRINT_EVENT_NAMES
    except ImportError:
        return False

    def unwritten(manager: EventManager, event, level) -> bool:
        named = type(event).__name__
        level = str(getattr(level, "value", level)) if level is not None else event.level_tag().value
        return (
            level in _LEVELS
            and not os.environ.get(BINARY_CHECK)
            and named not in PRINT_EVENT_NAMES
            and all(callback is track_behavior_change_warn for callback in manager.callbacks)
            and not any(_writes(logger, _LEVELS[level]) for logger in manager.loggers)
        )

    def skipping_unwritten(fire):
        def fire_event(manager, e, level=None, node=None, force_warn_or_error_handling=False):
            if not force_warn_or_error_handling and unwritten(manager, e, level):
                return None
            return fire(manager, e, level, node, force_warn_or_error_handling)

        return fire_event

    return wrap_once((EventManager,), "fire_event", skipping_unwritten)


def _writes(logger, level: int) -> bool:
    """Whether dbt's `logger` would write a line at Python logging `level`: it writes through a Python logger,
    which drops what is below its level; one without (a test's capture) is taken to write everything."""
    python_logger = getattr(logger, "_python_logger", None)
    return python_logger is None or python_logger.isEnabledFor(level)
