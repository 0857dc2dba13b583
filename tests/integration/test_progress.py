"""The terminal of `itip run`: progress lines, the years' summary, load reports and failures as sentences."""

from __future__ import annotations

import io
import json
import re
import time
from contextlib import nullcontext
from types import SimpleNamespace

import dagster as dg
import pytest

from itip_pipeline.cli import build_parser, years_line
from itip_pipeline.core import progress
from itip_pipeline.ingest.loading import load_report
from itip_pipeline.ingest.loading.loader import LoadOutcome
from itip_pipeline.ingest.problems import DeliveryRejected, Problem

STAMP = r"\[\d\d:\d\d:\d\d\] "


def test_progress_is_silent_unless_a_terminal_was_handed_over(capsys):
    progress.say("nobody hears this")
    with progress.step("publish"):
        pass
    assert capsys.readouterr() == ("", "") and not progress.enabled()


def test_a_step_prints_its_start_and_its_end_with_the_time_it_took():
    out = io.StringIO()
    with progress.to_terminal(out), progress.step("publish") as step:
        step.done("12 tables as version 3")
    lines = out.getvalue().splitlines()
    assert re.fullmatch(STAMP + "publish: started", lines[0])
    assert re.fullmatch(STAMP + r"publish: 12 tables as version 3 \(\d+\.\d s\)", lines[1])
    assert not progress.enabled(), "the terminal is handed back when the block ends"


def test_a_step_that_raises_says_failed():
    out = io.StringIO()
    with pytest.raises(RuntimeError), progress.to_terminal(out), progress.step("checks"):
        raise RuntimeError("boom")
    assert re.search(r"checks: FAILED \(\d+\.\d s\)", out.getvalue())


@pytest.mark.parametrize("total", [7, 180, 1000])
def test_dbt_progress_prints_about_every_tenth_and_the_last_node(total):
    out = io.StringIO()
    with progress.to_terminal(out):
        counter = progress.NodeCounter(total)
        for _ in range(total):
            counter.tick()
    counts = [int(m) for m in re.findall(rf"dbt (\d+)/{total} nodes", out.getvalue())]
    assert counts[-1] == total and counts == sorted(counts)
    assert min(total, 9) <= len(counts) <= 11


def test_more_nodes_than_expected_never_reads_past_the_total():
    out = io.StringIO()
    with progress.to_terminal(out):
        counter = progress.NodeCounter(3)
        for _ in range(5):
            counter.tick()
    pairs = [(int(a), int(b)) for a, b in re.findall(r"dbt (\d+)/(\d+) nodes", out.getvalue())]
    assert pairs[-1] == (5, 5) and all(seen <= total for seen, total in pairs)


def test_a_node_reported_twice_is_counted_once():
    out = io.StringIO()
    with progress.to_terminal(out):
        counter = progress.NodeCounter(3)
        for node in ("model.a", "test.b", "test.b", "test.b", "model.c"):  # a test on two tables reports twice
            counter.tick(node)
        counter.finish()
    pairs = [(int(a), int(b)) for a, b in re.findall(r"dbt (\d+)/(\d+) nodes", out.getvalue())]
    assert pairs[-1] == (3, 3) and pairs.count((3, 3)) == 1


def test_a_quiet_step_says_it_is_still_running_and_what_it_is_at(monkeypatch):
    monkeypatch.setattr(progress, "QUIET_LIMIT_S", 0.3)
    out = io.StringIO()
    with progress.to_terminal(out), progress.step("dbt build") as step:
        counter = progress.NodeCounter(10)
        step.detail = counter.at
        counter.tick("model.itip.fct_indicator")
        time.sleep(1.5)
    lines = out.getvalue().splitlines()
    still = [line for line in lines if "still running" in line]
    assert still and all(
        re.fullmatch(STAMP + r"dbt build: still running \(\d+ s; dbt 1/10 nodes, last finished fct_indicator\)", line)
        for line in still
    ), lines
    assert len(still) <= 1.5 / 0.3 + 1, "once per quiet spell, not once per poll"
    assert re.fullmatch(STAMP + r"dbt build: done \(\d+\.\d s\)", lines[-1]), "nothing after the step ends"


def test_only_the_innermost_step_says_it_is_still_running(monkeypatch):
    monkeypatch.setattr(progress, "QUIET_LIMIT_S", 0.3)
    out = io.StringIO()
    with progress.to_terminal(out), progress.step("outer"), progress.step("inner"):
        time.sleep(1.0)
    still = [line for line in out.getvalue().splitlines() if "still running" in line]
    assert still and all("inner: still running" in line for line in still)


def _outcome(part, status="loaded", warnings=()):
    return LoadOutcome(part, 2025, status, "abc123", {f"{part}.csv": "f" * 64}, 10, 40, list(warnings))


def test_an_accepted_load_writes_a_report_per_part_with_its_warnings(tmp_path):
    warning = Problem("org_survey.csv", "unknown column: not in the codebook, not loaded", column="extra")
    outcomes = {p: _outcome(p, warnings=[warning] if p == "org" else []) for p in ("codebook", "org", "panel")}
    for report in load_report.accepted_reports(outcomes):
        load_report.write(report, tmp_path)
    for part in ("codebook", "org", "panel"):
        data = json.loads((tmp_path / "loads" / "2025" / part / "report.json").read_text(encoding="utf-8"))
        assert data["status"] == "loaded" and data["files"] == {f"{part}.csv": "f" * 64}
        assert len(data["warnings"]) == (part == "org")
    md = (tmp_path / "loads" / "2025" / "org" / "report.md").read_text(encoding="utf-8")
    assert "LOADED" in md and "1 warning(s)" in md and "'extra'" not in md and "| extra |" in md


def test_an_unchanged_load_says_it_was_skipped(tmp_path):
    [report] = load_report.accepted_reports({"panel": _outcome("panel", status="unchanged")})
    md = (load_report.write(report, tmp_path) / "report.md").read_text(encoding="utf-8")
    assert "UNCHANGED" in md and "nothing was reloaded" in md


@pytest.mark.parametrize("part", ["codebook", "org", "panel", "delivery"])
def test_a_refused_load_writes_its_report_under_the_quarantined_part(tmp_path, part):
    quarantined = tmp_path / "quarantine" / "2025" / part / "20251128T160000000000Z"
    rejected = SimpleNamespace(
        problems=[Problem("citizen_panel.csv", "weights must be positive", 4, "vekt", "-1")],
        quarantine_folder=quarantined,
    )
    folder = load_report.write(load_report.refused_report(2025, rejected), tmp_path / "reports")
    assert folder == tmp_path / "reports" / "loads" / "2025" / part
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert data["status"] == "refused" and data["quarantine_folder"] == str(quarantined)
    assert data["problems"][0] == {
        "file": "citizen_panel.csv",
        "rule": "weights must be positive",
        "row": 4,
        "column": "vekt",
        "value": "-1",
    }
    assert str(quarantined) in (folder / "report.md").read_text(encoding="utf-8")
    assert not list(folder.glob("*.partial"))


def test_the_summary_puts_each_year_in_one_category():
    summary = SimpleNamespace(years=[2025], unchanged=[2021, 2022], refused=[2023])
    assert years_line(summary) == (
        "Loaded: 2025. Unchanged since their last load (skipped): 2021, 2022. Refused or failed: 2023."
    )
    assert "Loaded: none." in years_line(SimpleNamespace(years=[], unchanged=[2025], refused=[]))


def _failing_job(error: Exception):
    @dg.op(name="itip_dbt")
    def fails():
        raise error

    @dg.job(name="fails")
    def job():
        fails()

    return job.execute_in_process(raise_on_error=False, instance=dg.DagsterInstance.ephemeral())


@pytest.mark.parametrize(
    "error, sentence",
    [
        (
            dg.Failure(description="delivery 2025 rejected; quarantined to /q\n1 problem(s) in the delivery"),
            "delivery 2025 rejected; quarantined to /q\n1 problem(s) in the delivery",
        ),
        (DeliveryRejected([Problem("org.csv", "orgnr must have 9 digits")]), None),
        (
            ValueError("the candidate has no marts"),
            "The step itip_dbt stopped on an unexpected error: the candidate has no marts",
        ),
    ],
)
def test_failures_read_as_sentences_without_class_names(error, sentence):
    from itip_pipeline.alerting.failure_sentences import failure_text

    text = failure_text(_failing_job(error).all_events)
    assert "Error occurred while executing" not in text and "dagster." not in text
    assert not re.search(r"\b[A-Za-z_.]*(Error|Exception|Failure|Rejected):", text), text
    if sentence:
        assert text == sentence
    else:
        assert "orgnr must have 9 digits" in text


def test_a_failed_dbt_build_names_its_failed_nodes():
    from itip_pipeline.defs.dbt.assets import _build_failure

    results = [
        {"unique_id": "model.itip.mart_ai_adoption", "status": "error"},
        {"unique_id": "test.itip.not_null_x", "status": "fail"},
        {"unique_id": "model.itip.stg_org", "status": "success"},
    ]
    invocation = SimpleNamespace(get_artifact=lambda name: {"results": results})
    text = _build_failure(invocation)
    assert text.startswith(
        "dbt build failed: 2 of 3 nodes did not pass: model.itip.mart_ai_adoption (error), test.itip.not_null_x (fail)."
    )
    assert "stg_org" not in text

    def missing(name):
        raise FileNotFoundError(name)

    assert "before building any node" in _build_failure(SimpleNamespace(get_artifact=missing))


@pytest.mark.parametrize(
    ("message", "said"),
    [
        (
            "Runtime Error in model fct_indicator\n  Constraint Error: CHECK constraint failed on table "
            '"fct_indicator__dbt_tmp" with expression CHECK((n_base BETWEEN 1 AND 1000000))',
            "model.itip.fct_indicator (error: a row breaks its rule (n_base BETWEEN 1 AND 1000000))",
        ),
        (
            'Constraint Error: NOT NULL constraint failed: fct_indicator__dbt_tmp."year"',
            "model.itip.fct_indicator (error: a row has no year, which its contract requires)",
        ),
        ("Conversion Error: Could not convert string 'x' to INT32", "model.itip.fct_indicator (error)."),
    ],
)
def test_a_contract_refusal_names_the_rule_and_no_value(message, said):
    from itip_pipeline.defs.dbt.assets import _build_failure

    results = [{"unique_id": "model.itip.fct_indicator", "status": "error", "message": message}]
    text = _build_failure(SimpleNamespace(get_artifact=lambda name: {"results": results}))
    assert said in text
    assert "'x'" not in text


def test_every_option_of_every_command_has_a_help_text():
    parser = build_parser()
    [sub] = parser._subparsers._group_actions
    assert set(sub.choices) == {"generate", "run", "check", "ui", "serve", "purge", "docs"}
    for name, command in sub.choices.items():
        for action in command._actions:
            assert action.help, f"itip {name} {'/'.join(action.option_strings) or action.dest} has no help"


def test_a_build_that_stops_early_still_shows_its_last_count():
    out = io.StringIO()
    with progress.to_terminal(out):
        counter = progress.NodeCounter(100)
        for _ in range(13):
            counter.tick()
        counter.finish()
        counter.finish()
    assert out.getvalue().count("dbt 13/100 nodes") == 1 and "dbt 10/100 nodes" in out.getvalue()


@pytest.mark.parametrize("failed, code", [({}, 0), ({2023: "delivery 2023 rejected; quarantined to /q"}, 1)])
def test_itip_run_prints_the_years_by_category_and_how_it_ended(monkeypatch, tmp_path, capsys, failed, code):
    from itip_pipeline import cli
    from itip_pipeline.runner import itip_run as pipeline_run

    summary = pipeline_run.RunSummary(
        years=[2025],
        unchanged=[2021, 2022],
        refused=sorted(failed),
        generated=False,
        failed_years=failed,
        skipped={},
        orphaned_runs=[],
        published=not failed,
        warnings=[],
        seconds=1.0,
        log=tmp_path / "itip_run.log",
    )
    monkeypatch.setenv("ITIP_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(pipeline_run, "run_all", lambda settings, years=None, force=False: summary)
    with pytest.raises(SystemExit) if code else nullcontext():
        cli.main(["run"])
    out = capsys.readouterr().out
    assert years_line(summary) in out and "Loaded [" not in out
    assert ("FAILED 2023:\ndelivery 2023 rejected" in out) == bool(failed)
    assert ("Built, checked and published" in out) != bool(failed)


def test_a_watched_stretch_says_only_that_it_is_still_running_between_its_steps(monkeypatch):
    monkeypatch.setattr(progress, "QUIET_LIMIT_S", 0.3)
    out = io.StringIO()
    with progress.to_terminal(out), progress.watch("itip run"):
        time.sleep(0.8)
        with progress.step("publish"):
            pass
    lines = out.getvalue().splitlines()
    assert re.fullmatch(STAMP + r"itip run: still running \(\d+ s\)", lines[0]), lines
    assert not any(line.endswith(("itip run: started", "itip run: done")) for line in lines)
    assert re.fullmatch(STAMP + r"publish: done \(\d+\.\d s\)", lines[-1])
