"""Labels read as the report prints them: the cases a review found cut short, against the report's own words.

The expected texts are transcribed from the 2025 report (../shared/reference/it_i_praksis_2025_report_ocr.txt,
the line numbers given), with the OCR's letters restored (ø, å, KI); a label shortened again fails here.
"""

from __future__ import annotations

import pandas as pd
import pytest

from itip_pipeline.core.settings import get_settings

REPORT_WORDING = {
    # lines 864-866
    (
        "ai_strategy",
        "integrated_with_plan",
    ): "Bruk av KI er integrert i vårt daglige virke, og vi har en plan for hvordan dette støtter virksomhetens mål",
    # lines 868-871
    (
        "ai_strategy",
        "fully_integrated",
    ): "Bruk av KI er fullt ut integrert i vår virksomhetsstrategi og brukes systematisk for å drive innovasjon og "
    "endre måten vi arbeider på",
    # lines 720-723: "… enige i påstanden om at det er greit at KI benyttes innen helsesektoren til
    # beslutningsstøtte for diagnoser og behandlingsforløp"
    (
        "citizen_ai_health_decision_support",
        None,
    ): "Det er greit at KI benyttes innen helsesektoren til beslutningsstøtte for diagnoser og behandlingsforløp",
}


@pytest.fixture(scope="module")
def catalogue() -> pd.DataFrame:
    frame = pd.read_csv(get_settings().dbt_project_dir / "seeds" / "indicator_catalogue.csv", dtype=str)
    return frame.where(frame.notna(), None)


@pytest.mark.parametrize(("key", "wording"), REPORT_WORDING.items(), ids=lambda v: str(v)[:40])
def test_the_label_is_the_reports_wording(catalogue, key, wording):
    indicator, item = key
    rows = catalogue[
        (catalogue["indicator_id"] == indicator)
        & (catalogue["item"].isna() if item is None else catalogue["item"] == item)
    ]
    assert rows["label_no"].tolist() == [wording]
