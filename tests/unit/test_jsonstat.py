"""The JSON-stat datasets on a small fabricated warehouse: valid against the JSON-stat 2.0 schema, read back by
pyjstat with the warehouse's values and flags, the same cube in both languages, delivered text escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from itip_pipeline.core.escaping import for_json
from itip_pipeline.report.jsonstat import write_jsonstat
from itip_pipeline.report.published import Family, PublishedWarehouse

from support.jsonstat_reading import problems, read_cells
from support.report_fixture import SUPPRESSED_N, _breakdown, _distribution, _rows

YEARS = [2024, 2025]


def _warehouse(tmp_path: Path, synthetic: bool = True, label: str | None = None) -> PublishedWarehouse:
    fact = pd.DataFrame(
        _rows("ai_adoption", "ai_adoption", {None: ("Har tatt i bruk KI", "Has adopted AI")}, YEARS, break_year=2025)
        + _rows(
            "infosec_statement",
            "infosec_statement",
            {"overview": ("God oversikt", "A good overview"), "competence": ("Nok kompetanse", "Enough competence")},
            YEARS,
        )
    )
    if label is not None:
        fact.loc[fact["indicator_id"] == "ai_adoption", "label_no"] = label
    breakdown = _breakdown(YEARS)
    if label is not None:
        breakdown.loc[0, "category"] = label
    distribution = _distribution()
    distribution["scale"] = "agree5"
    rates = pd.DataFrame(
        {
            "population": ["kommune", "kommune", "stat"],
            "year": [2025, 2025, 2025],
            "breakdown": [None, "county_2024", None],
            "category": [None, "Agder", None],
            "frame_units": [357, 25, None],
            "delivered_units": [300, 20, 150],
            "responding_units": [280, 19, 140],
            "response_rate_pct": [280 / 357 * 100, 76.0, None],
        }
    )
    populations = pd.DataFrame(
        {
            "population": ["stat", "kommune"],
            "label_no": ["Statlige virksomheter", "Kommuner"],
            "label_en": ["State agencies", "Municipalities"],
            "estimand": ["Share of the state agencies that answered.", "Share of the municipalities that answered."],
        }
    )
    provenance = pd.DataFrame({"survey": ["org"], "is_synthetic": [synthetic]})
    tables = {
        "fct_indicator": fact,
        "fct_indicator_breakdown": breakdown,
        "fct_answer_distribution": distribution,
        "fct_response_rate": rates,
        "dim_population": populations,
        "published_provenance": provenance,
    }
    comments = {"fct_indicator": {"share_pct": "Share of the base answering with a success code, per cent."}}
    adoption = fact[fact["family"] == "ai_adoption"].reset_index(drop=True)
    families = [
        Family("ai_adoption", "mart_ai_adoption", "Bruk av KI", "Adoption of AI", "", adoption),
        Family("ai_adoption_breakdown", "mart_ai_adoption_breakdown", "KI etter fylke", "AI by county", "", breakdown),
    ]
    return PublishedWarehouse(
        tmp_path / "itip.duckdb",
        tables,
        {"fct_indicator": "One row per indicator, population and year."},
        comments,
        families,
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Written once for the module's tests that only read the files."""
    folder = tmp_path_factory.mktemp("jsonstat")
    published = _warehouse(folder)
    return published, {p.name: p for p in write_jsonstat(published, folder / "jsonstat", "v1")}


def test_every_file_is_valid_json_stat_2_and_the_collection_lists_each_dataset(written):
    _, files = written
    documents = {name: json.loads(path.read_text(encoding="utf-8")) for name, path in files.items()}
    assert {name: problems(doc) for name, doc in documents.items()} == {name: [] for name in documents}
    for lang, suffix in (("no", ""), ("en", "_en")):
        listed = [item["href"] for item in documents[f"collection{suffix}.json"]["link"]["item"]]
        datasets = sorted(n for n, d in documents.items() if d["class"] == "dataset" and n.endswith(f"{suffix}.json"))
        if lang == "no":
            datasets = [n for n in datasets if not n.endswith("_en.json")]
        assert sorted(listed) == datasets
    assert "fct_answer_distribution_agree5.json" in documents and "fct_response_rate_en.json" in documents


def test_the_schema_check_refuses_a_broken_dataset(written):
    _, files = written
    document = json.loads(files["fct_indicator.json"].read_text(encoding="utf-8"))
    document["dimension"]["Tid"]["category"]["colour"] = "red"  # a key the schema does not allow in a category
    document["value"] = document["value"][:-1]
    found = problems(document)
    assert found and any("colour" in p for p in found)
    del document["dimension"]["Tid"]["category"]["colour"]
    assert problems(document) == [f"{len(document['value'])} values for a cube of {len(document['value']) + 1} cells"]


def test_pyjstat_reads_the_warehouse_values_and_each_cells_flag(written):
    published, files = written
    cells = read_cells(files["fct_indicator.json"].read_text(encoding="utf-8"))
    assert list(cells.columns) == ["indikator", "populasjon", "Tid", "ContentsCode", "value", "status"]
    fact = published.table("fct_indicator")
    indicator = fact["indicator_id"].where(fact["item"].isna(), fact["indicator_id"] + ":" + fact["item"])
    for metric in ("share_pct", "ci_low_pct", "ci_high_pct", "n_base", "n_effective"):
        expected = pd.DataFrame(
            {
                "indikator": indicator,
                "populasjon": fact["population"],
                "Tid": fact["year"].astype(str),
                "value": fact[metric],
                "flag": fact["flag"] if metric.endswith("_pct") else None,
            }
        )
        got = cells[cells["ContentsCode"] == metric].merge(expected, on=["indikator", "populasjon", "Tid"])
        assert len(got) == len(fact)
        assert got["value_x"].astype(float).fillna(-1).tolist() == pytest.approx(got["value_y"].fillna(-1).tolist())
        assert got["status"].tolist() == got["flag"].where(got["flag"].notna(), None).tolist()
    # The withheld cell: too few answers, value null, status c, its count still published.
    withheld = cells[(cells["indikator"] == "ai_adoption") & (cells["populasjon"] == "stat") & (cells["Tid"] == "2025")]
    by_metric = withheld.set_index("ContentsCode")
    assert pd.isna(by_metric.loc["share_pct", "value"]) and by_metric.loc["share_pct", "status"] == "bc"
    assert by_metric.loc["n_base", "value"] == SUPPRESSED_N and pd.isna(by_metric.loc["n_base", "status"])
    # A cell that does not exist (the breakdown is asked of municipalities only) is null without a status.
    rates = read_cells(files["fct_response_rate.json"].read_text(encoding="utf-8"))
    agder_stat = rates[(rates["populasjon"] == "stat") & (rates["gruppe"] == "county_2024:Agder")]
    assert len(agder_stat) == 4 and agder_stat[["value", "status"]].isna().all().all()


def test_the_flags_are_explained_in_the_dataset_in_the_shared_words(written):
    _, files = written
    document = json.loads(files["fct_indicator_en.json"].read_text(encoding="utf-8"))
    assert document["role"] == {"time": ["Tid"], "metric": ["ContentsCode"]}
    assert document["extension"]["status"]["bc"].startswith("b = break in series")
    assert "c = confidential, value withheld" in document["extension"]["status"]["bc"]
    withheld = next(i for i, s in document["status"].items() if s == "bc")
    assert document["value"][int(withheld)] is None
    assert "too few respondents (n = 7, at least 10 needed)" in document["extension"]["reason"][withheld]
    unit = document["dimension"]["ContentsCode"]["category"]["unit"]
    assert unit["share_pct"] == {"label": "per cent", "decimals": 1, "symbol": "%", "position": "end"}
    assert unit["n_base"]["decimals"] == 0
    assert document["note"][0].startswith("SYNTHETIC DATA")
    assert "SYNTHETIC" in document["label"]
    assert document["dimension"]["populasjon"]["category"]["note"]["stat"] == [
        "Share of the state agencies that answered."
    ]


def test_both_editions_hold_the_same_cube_with_labels_in_their_language(written):
    _, files = written
    no = json.loads(files["fct_indicator.json"].read_text(encoding="utf-8"))
    en = json.loads(files["fct_indicator_en.json"].read_text(encoding="utf-8"))
    for key in ("id", "size", "value", "status", "role"):
        assert no[key] == en[key], key
    assert no["dimension"]["populasjon"]["category"]["label"]["stat"] == "Statlige virksomheter"
    assert en["dimension"]["populasjon"]["category"]["label"]["stat"] == "State agencies"
    assert no["dimension"]["ContentsCode"]["category"]["label"]["share_pct"] == "Andel"
    assert no["note"][0].startswith("SYNTETISKE DATA")


def test_real_deliveries_get_no_synthetic_warning(tmp_path):
    files = write_jsonstat(_warehouse(tmp_path, synthetic=False), tmp_path / "jsonstat", "v1")
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert "SYNTHETIC" not in document["label"] and "SYNTETISKE" not in document["label"], path.name
        assert not any("SYNTHETIC" in n or "SYNTETISKE" in n for n in document["note"]), path.name


def test_a_delivered_label_cannot_act_as_markup_or_hide_text(tmp_path):
    label = "</script><img src=x onerror=alert(1)>\u202eevil"
    files = {p.name: p for p in write_jsonstat(_warehouse(tmp_path, label=label), tmp_path / "jsonstat", "v1")}
    for path in files.values():
        raw = path.read_text(encoding="utf-8")
        assert "<" not in raw and ">" not in raw and "\u202e" not in raw, path.name
    document = json.loads(files["fct_indicator.json"].read_text(encoding="utf-8"))
    assert label in document["dimension"]["indikator"]["category"]["label"].values()
    breakdown = json.loads(files["fct_indicator_breakdown.json"].read_text(encoding="utf-8"))
    assert any(label in text for text in breakdown["dimension"]["gruppe"]["category"]["label"].values())


def test_two_rows_in_one_cell_are_refused_with_the_rows(tmp_path):
    published = _warehouse(tmp_path)
    fact = published.tables["fct_indicator"]
    published.tables["fct_indicator"] = pd.concat([fact, fact.head(1)], ignore_index=True)
    with pytest.raises(ValueError, match="Two rows of fct_indicator fall in one cell of the JSON-stat cube"):
        write_jsonstat(published, tmp_path / "jsonstat", "v1")


def test_for_json_escapes_only_what_could_act_and_reads_back_as_written():
    text = "Møre og Romsdal – 50 % <b>&\u202e\u00ad\x1b\x7f\U000e0001 → Σ"
    document = json.dumps({"label": text}, ensure_ascii=False)
    escaped = for_json(document)
    assert json.loads(escaped) == {"label": text}
    assert "Møre og Romsdal – 50 %" in escaped and "→ Σ" in escaped  # letters and signs stay readable
    for code in ("\\u003c", "\\u003e", "\\u0026", "\\u202e", "\\u00ad", "\\u001b", "\\u007f", "\\udb40\\udc01"):
        assert code in escaped, code


def _written_again(tmp_path: Path, change) -> dict[str, dict]:
    published = _warehouse(tmp_path)
    change(published.tables)
    return {p.name: json.loads(p.read_text()) for p in write_jsonstat(published, tmp_path / "jsonstat", "v1")}


def test_every_dataset_names_its_release_and_is_updated_when_it_was_published(tmp_path):
    def with_releases(tables):
        tables["releases"] = pd.DataFrame(
            {
                "release_id": ["2025.1", "2025.2"],
                "published_at": pd.to_datetime(["2026-05-01 10:00", "2026-06-02 08:30"]),
            }
        )

    files = _written_again(tmp_path, with_releases)
    for name, document in files.items():
        assert document["updated"] == "2026-06-02T08:30:00Z", name
        if document["class"] == "dataset":
            assert document["extension"]["release_id"] == "2025.2"
            assert "2025.2" in document["source"]


def test_a_scale_whose_codes_mean_other_answers_per_question_is_a_dataset_per_question(tmp_path):
    def choice(tables):
        answers = tables["fct_answer_distribution"]
        answers["scale"] = "choice"
        competence = answers["question_id"] == "infosec_statement_competence"
        answers.loc[competence, "answer_label_no"] = "Et annet svar " + answers.loc[competence, "answer_code"].astype(
            str
        )

    files = _written_again(tmp_path, choice)
    split = sorted(n for n in files if n.startswith("fct_answer_distribution_choice") and not n.endswith("_en.json"))
    assert split == [
        "fct_answer_distribution_choice_infosec_statement_competence.json",
        "fct_answer_distribution_choice_infosec_statement_overview.json",
    ]
    labels = files[split[0]]["dimension"]["svar"]["category"]["label"]
    assert labels["1"] == "Et annet svar 1"
    assert files[split[1]]["dimension"]["svar"]["category"]["label"]["1"] == "Helt uenig"


def test_a_groups_category_is_labelled_in_the_editions_language(tmp_path):
    def by_gender(tables):
        tables["fct_indicator_breakdown"].loc[0, "category"] = "kvinne"

    files = _written_again(tmp_path, by_gender)
    labels = {
        lang: files[f"fct_indicator_breakdown{suffix}.json"]["dimension"]["gruppe"]["category"]["label"]
        for lang, suffix in (("no", ""), ("en", "_en"))
    }
    key = next(k for k in labels["no"] if k.endswith(":kvinne"))
    assert labels["no"][key].endswith(": Kvinne") and labels["en"][key].endswith(": Woman")


def test_the_response_rates_explain_an_empty_rate_without_a_flag_legend(written):
    _, files = written
    notes = json.loads(files["fct_response_rate_en.json"].read_text())["note"]
    assert any("has no response rate" in note for note in notes)
    assert not any("not asked of that population" in note or "flag column" in note for note in notes)


def test_the_headline_and_breakdown_datasets_carry_each_familys_quality_declaration(written):
    """The declaration's figures against the tables they are counted from, in both editions alike."""
    published, files = written
    no = json.loads(files["fct_indicator.json"].read_text(encoding="utf-8"))
    en = json.loads(files["fct_indicator_en.json"].read_text(encoding="utf-8"))
    assert no["extension"]["quality"] == en["extension"]["quality"]
    declared = no["extension"]["quality"]["ai_adoption"]
    fact = published.table("fct_indicator")
    adoption = fact[fact["family"] == "ai_adoption"]
    disclosure = declared["disclosure"]
    assert (disclosure["cells"], disclosure["withheld"]) == (len(adoption), int(adoption["suppressed"].sum()))
    assert disclosure["low_reliability"] == int((adoption["low_reliability"] & ~adoption["suppressed"]).sum())
    assert disclosure["thresholds"]["min_base_n"] == 10  # dbt_project.yml's var
    rates = published.table("fct_response_rate")
    kommune = rates[(rates["population"] == "kommune") & rates["breakdown"].isna()]
    by = {p["population"]: p for p in declared["populations"]}
    assert by["kommune"]["design"] == "census"
    assert [r["response_rate_pct"] for r in by["kommune"]["response"]] == pytest.approx(
        kommune["response_rate_pct"].tolist()
    )
    assert [r["year"] for r in by["kommune"]["response"]] == kommune["year"].tolist()
    assert [(b["year"], b["population"]) for b in declared["series_breaks"]] == [(2025, "kommune"), (2025, "stat")]
    assert by["stat"]["estimand"] == "Share of the state agencies that answered."
    assert any("extension.quality" in note for note in no["note"])
    breakdown = json.loads(files["fct_indicator_breakdown.json"].read_text(encoding="utf-8"))
    assert list(breakdown["extension"]["quality"]) == ["ai_adoption_breakdown"]
    assert "quality" not in json.loads(files["fct_response_rate.json"].read_text(encoding="utf-8"))["extension"]
