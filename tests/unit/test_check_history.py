"""The Great Expectations results kept per mart: the newest runs stay, with their pages; older ones go."""

from pathlib import Path

from itip_pipeline.quality.mart_suite import prune_check_runs


def _result(root: Path, mart: str, run_name: str, run_time: str) -> tuple[Path, Path]:
    gx = root / "gx" / "uncommitted"
    stored = gx / "validations" / mart / run_name / run_time / f"itip_marts-{mart}.json"
    page = gx / "data_docs" / "local_site" / "validations" / mart / run_name / run_time / f"itip_marts-{mart}.html"
    for path in (stored, page):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    return stored, page


def test_only_the_newest_runs_of_each_mart_are_kept_with_their_pages(tmp_path):
    # Run names do not sort by time (they carry Dagster's random run id); run times do.
    times = [f"20261201T0{i}0000.000000Z" for i in range(6)]
    names = ["dagster-run-f", "dagster-run-a", "dagster-run-c", "dagster-run-b", "dagster-run-e", "dagster-run-d"]
    fct = [_result(tmp_path, "fct_indicator", n, t) for n, t in zip(names, times, strict=True)]
    # A mart validated in fewer runs keeps all of them.
    dim = [_result(tmp_path, "dim_population", n, t) for n, t in zip(names[4:], times[4:], strict=True)]

    removed = prune_check_runs(tmp_path, keep=2)

    assert sorted(str(p) for p in removed) == sorted(
        str(Path("fct_indicator", n, t)) for n, t in zip(names[:4], times[:4], strict=True)
    )
    assert [stored.exists() and page.exists() for stored, page in fct] == [False] * 4 + [True] * 2
    assert all(stored.exists() and page.exists() for stored, page in dim)
    # No empty run folders are left behind.
    assert not (tmp_path / "gx" / "uncommitted" / "validations" / "fct_indicator" / names[0]).exists()
    assert not (tmp_path / "gx/uncommitted/data_docs/local_site/validations/fct_indicator" / names[0]).exists()


def test_a_report_folder_without_results_is_left_alone(tmp_path):
    assert prune_check_runs(tmp_path) == []
