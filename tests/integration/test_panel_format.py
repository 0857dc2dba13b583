"""`itip generate --panel-format`: the panel as Parquet or CSV whatever the plan says, same rows and values,
and the loader reads it exactly as it reads the planned format (codebook and contract unchanged)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from itip_pipeline.ingest.loading.loader import load_year
from itip_pipeline.synthetic.generator import generate_deliveries
from itip_pipeline.synthetic.panel_formats import PANEL_FORMATS
from itip_pipeline.warehouse.working_db import open_for_writing

from support.synthetic_files import PLAN, read_delivery

YEAR = 2024  # its planned panel is an xlsx with a title row, so every override changes the format
SCALE = 0.2  # 200 panel respondents: small, but every question still has answers and blanks
PANEL_COLUMNS = "survey_year, respondent_key, weight, gender, age_group, region"


def _generate(root, panel_format=None):
    generate_deliveries(root, [YEAR], seed=2025, scale=SCALE, panel_format=panel_format)
    return root / str(YEAR)


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp("planned"))


@pytest.mark.parametrize("panel_format", sorted(PANEL_FORMATS))
def test_the_panel_is_written_in_the_asked_format_with_the_same_rows_and_values(planned, tmp_path, panel_format):
    year_dir = _generate(tmp_path, panel_format)
    planned_panel = planned / PLAN[YEAR]["panel"][0]["file"]
    panel = year_dir / PANEL_FORMATS[panel_format]["file"]
    assert planned_panel.suffix == ".xlsx" and panel.suffix == f".{panel_format}"
    assert sorted(p.name for p in year_dir.glob("citizen_panel*")) == [panel.name]
    frame = read_delivery(panel)
    assert len(frame) == round(1000 * SCALE)
    pd.testing.assert_frame_equal(frame, read_delivery(planned_panel).rename_axis(columns=None))
    # Everything else is the planned delivery, byte for byte.
    for other in planned.iterdir():
        if not other.name.startswith("citizen_panel") and other.name != "SYNTHETIC_README.txt":
            assert (year_dir / other.name).read_bytes() == other.read_bytes(), other.name


def _panel_tables(con) -> tuple[list, list]:
    """The panel's respondents (in file order) and answers as loaded, without where in the file they were."""
    respondents = con.execute(f"select {PANEL_COLUMNS} from raw.panel_respondents order by source_row").fetchall()
    answers = con.execute("select * from raw.panel_answers order by all").fetchall()
    return respondents, answers


@pytest.mark.parametrize("panel_format", sorted(PANEL_FORMATS))
def test_the_loader_reads_the_panel_in_either_format_into_the_same_raw_rows(settings, planned, panel_format):
    landed = settings.landing_dir / str(YEAR)
    shutil.copytree(planned, landed)
    with open_for_writing(settings.work_db) as con:
        assert load_year(con, settings, YEAR)["panel"].status == "loaded"
        from_plan = _panel_tables(con)
    assert len(from_plan[0]) == round(1000 * SCALE) and from_plan[1]

    shutil.rmtree(landed)
    _generate(settings.landing_dir, panel_format)
    with open_for_writing(settings.work_db) as con:
        outcome = load_year(con, settings, YEAR)["panel"]
        assert outcome.status == "loaded" and list(outcome.files) == [PANEL_FORMATS[panel_format]["file"]]
        assert _panel_tables(con) == from_plan
        assert con.execute("select distinct source_file from raw.panel_respondents").fetchall() == [
            (PANEL_FORMATS[panel_format]["file"],)
        ]


def test_an_unknown_panel_format_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="'xlsx' is none of parquet, csv"):
        generate_deliveries(tmp_path, [YEAR], panel_format="xlsx")
    assert not any(tmp_path.iterdir())
