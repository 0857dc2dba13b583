"""dbt's docs as one file that opens from disk, starting on the project's own overview."""

from __future__ import annotations

from itip_pipeline.core.settings import get_settings
from itip_pipeline.runner.dbt_docs import generate_static_docs


def test_the_static_docs_page_carries_the_manifest_and_the_overview(dbt_manifest):
    # Written where `make docs` writes it, the project's target/: in the session's copy of the project
    # (tests/conftest.py), beside the session's manifest and dbt's partial-parse state, which it reuses.
    settings = get_settings()
    page = generate_static_docs(settings, manifest_only=True)
    assert page == dbt_manifest.parent / "static_index.html" and page.is_file()
    text = page.read_text(encoding="utf-8")
    assert '"nodes"' in text, "the manifest is inside the page, not fetched beside it"
    assert "model.itip.fct_indicator" in text and "model.itip.published_provenance" in text
    assert "the IT i praksis warehouse" in text and "## Estimands" in text, "the overview replaces dbt's welcome"


def test_the_lineage_ends_at_what_people_open(dbt_manifest):
    """The figure book and the workbook read every family mart, the CSV/Parquet exports every mart."""
    import json

    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    marts = {
        n["unique_id"] for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["schema"] == "marts"
    }
    families = {m for m in marts if m.split(".")[-1].startswith("mart_")}
    reads = {e["name"]: set(e["depends_on"]["nodes"]) for e in manifest["exposures"].values()}
    assert set(reads) == {"figure_book", "excel_workbook", "csv_and_parquet_exports"}
    assert reads["csv_and_parquet_exports"] == marts
    for exposure in ("figure_book", "excel_workbook"):
        assert families | {"model.itip.fct_indicator", "model.itip.published_provenance"} <= reads[exposure] <= marts
