"""dbt's events that no logger will write are not formatted (itip_pipeline/defs/dbt/quiet_events.py), and every
line a logger writes is the line it wrote before: dbt's own event manager, in this process, with a JSON logger
on a stream as dbt's stdout logger is made."""

from __future__ import annotations

import io
import json

import pytest
from dbt_common.events import event_manager as manager_module
from dbt_common.events.base_types import EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.functions import get_stdout_config
from dbt_common.events.logger import LineFormat
from dbt_common.events.types import Note, PrintEvent, SystemExecutingCmd

from itip_pipeline.defs.dbt.quiet_events import skip_unwritten_events
from itip_pipeline.defs.dbt.wrap_once import WRAPPED

# Each event with the level it is fired at (None: its own). SystemExecutingCmd is a debug event of its own, Note
# an info one, PrintEvent one that dbt writes whatever the level.
FIRED = [
    (SystemExecutingCmd(cmd=["a", "debug", "event"]), None),
    (Note(msg="a debug note"), EventLevel.DEBUG),
    (Note(msg="an info note"), EventLevel.INFO),
    (Note(msg="a warning"), EventLevel.WARN),
    (PrintEvent(msg="printed at any level"), None),
    (Note(msg="a test-level note"), EventLevel.TEST),
    (Note(msg="an error"), EventLevel.ERROR),
]


@pytest.fixture
def restored(monkeypatch):
    """dbt's event manager as it was after the test, whatever the test installed."""
    monkeypatch.setattr(EventManager, "fire_event", EventManager.fire_event)
    formatted = []
    made = manager_module.msg_from_base_event

    def counting(event, level=None):
        formatted.append(event.message())
        return made(event, level=level)

    monkeypatch.setattr(manager_module, "msg_from_base_event", counting)
    return formatted


def _fire(level: EventLevel, callbacks=()) -> list[tuple[str, str, str]]:
    """The lines a JSON logger at `level` writes for FIRED: (event name, level, message)."""
    stream = io.StringIO()
    config = get_stdout_config(LineFormat.Json, use_colors=False, level=level, log_cache_events=False)
    config.output_stream = stream
    manager = EventManager()
    manager.add_logger(config)
    for callback in callbacks:
        manager.add_callback(callback)
    for event, at in FIRED:
        manager.fire_event(event, level=at)
    lines = [json.loads(line)["info"] for line in stream.getvalue().splitlines()]
    return [(line["name"], line["level"], line["msg"]) for line in lines]


@pytest.mark.parametrize("level", [EventLevel.INFO, EventLevel.DEBUG, EventLevel.WARN])
def test_every_line_is_written_as_before(restored, level):
    before = _fire(level)
    assert skip_unwritten_events()
    assert _fire(level) == before
    assert ("PrintEvent", "info", "printed at any level") in before
    assert (("Note", "debug", "a debug note") in before) == (level == EventLevel.DEBUG)


def test_an_event_no_logger_writes_is_not_formatted(restored):
    assert skip_unwritten_events()
    written = _fire(EventLevel.INFO)
    assert "a debug note" not in restored and "a test-level note" not in restored
    assert not any("debug" in message and "event" in message for message in restored)
    assert {"an info note", "a warning", "printed at any level", "an error"} <= set(restored)
    assert [message for _, _, message in written] == ["an info note", "a warning", "printed at any level", "an error"]


def test_a_debug_logger_or_a_callback_still_gets_every_event(restored):
    assert skip_unwritten_events()
    assert ("Note", "debug", "a debug note") in _fire(EventLevel.DEBUG)
    heard = []
    _fire(EventLevel.INFO, callbacks=[lambda message: heard.append(message.info.msg)])
    assert "a debug note" in heard and "a test-level note" in heard
    assert any("debug" in message and "event" in message for message in heard)


def test_installing_twice_wraps_once(restored):
    assert skip_unwritten_events() and skip_unwritten_events()
    wrapper = EventManager.fire_event
    wrapped = [cell.cell_contents for cell in wrapper.__closure__ if callable(cell.cell_contents)]
    assert getattr(wrapper, WRAPPED) and not any(getattr(f, WRAPPED, False) for f in wrapped)
