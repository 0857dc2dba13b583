"""Disclosure control's second process (int_disclosure_control.Worker): questions protected in another Python
process get the pattern, the cache entries and the list of computed blocks they get in one process, and a
second process that fails changes nothing. Real processes, so in the full tier; the fabricated questions are
SYNTHETIC (tests/support/disclosure_frames.py)."""

from __future__ import annotations

import pytest

from support.disclosure_frames import two_questions
from support.disclosure_model import control

UNANIMOUS_FROM_N = 50


@pytest.fixture
def answered(monkeypatch) -> list[set[str]]:
    """Two questions are enough blocks for a second process here; records what each one answered."""
    monkeypatch.setattr(control, "WORKER_FROM_BLOCKS", 1)
    answers = []
    rows = control.Worker.rows

    def recorded(worker):
        result = rows(worker)
        answers.append(set(result))
        return result

    monkeypatch.setattr(control.Worker, "rows", recorded)
    return answers


def _one_process():
    cells, inner = two_questions()
    cache = control.BlockCache(version="rule")
    return control.protect(cells, inner, UNANIMOUS_FROM_N, cache), cache


def test_a_second_process_gives_the_pattern_of_one(answered):
    expected, alone = _one_process()
    cells, inner = two_questions()
    shared = control.BlockCache(version="rule")
    assert control.protect(cells, inner, UNANIMOUS_FROM_N, shared, worker=True).equals(expected)
    assert answered == [{"ai_benefit"}]  # the second process did protect a question
    assert shared.used == alone.used and shared.computed == alone.computed
    # a later build that finds every block in the cache starts no second process
    warm = control.BlockCache({key: reasons for key, (_, _, reasons) in shared.used.items()}, version="rule")
    assert control.protect(cells, inner, UNANIMOUS_FROM_N, warm, worker=True).equals(expected)
    assert warm.computed == [] and len(answered) == 1


def test_a_failed_second_process_changes_nothing(answered, monkeypatch):
    expected, alone = _one_process()
    monkeypatch.setattr(control, "WORKER_MAIN", "raise SystemExit(3)")
    cells, inner = two_questions()
    shared = control.BlockCache(version="rule")
    assert control.protect(cells, inner, UNANIMOUS_FROM_N, shared, worker=True).equals(expected)
    assert answered == [set()]  # it answered nothing, and its questions were protected here
    assert shared.used == alone.used and shared.computed == alone.computed
