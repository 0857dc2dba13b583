"""The JSON-stat datasets of a whole pipeline run, read as statistics clients read them: every file valid
against the JSON-stat 2.0 schema; pyjstat and the JSON-stat JavaScript Toolkit (npm jsonstat-toolkit, run by
node) find exactly the Parquet files' values and, for every flagged row, its flag as the cell's status (a
withheld cell null with status c); and pyjstat reads them over HTTP from a static server on 127.0.0.1."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import pandas as pd
import pytest
from pyjstat import pyjstat

from itip_pipeline.report.jsonstat import JSONSTAT_DIR, SHARE_METRICS

from support.jsonstat_reading import problems, read_cells
from support.local_servers import free_port, stop_process

JS_DIR = Path(__file__).resolve().parents[1] / "js"
RATE_METRICS = ("frame_units", "delivered_units", "responding_units", "response_rate_pct")
FLAGGED = {m.column for m in SHARE_METRICS if m.flagged}


@pytest.fixture(scope="module")
def folder(published_once) -> Path:
    settings, summary, _ = published_once
    assert summary.version, "the shared run published nothing"
    return settings.marts_dir / JSONSTAT_DIR


def _indicator(frame: pd.DataFrame) -> pd.Series:
    return frame["indicator_id"].where(frame["item"].isna(), frame["indicator_id"] + ":" + frame["item"].astype(str))


def _group(frame: pd.DataFrame) -> pd.Series:
    return (frame["breakdown"].astype(str) + ":" + frame["category"].astype(str)).where(
        frame["breakdown"].notna(), "total"
    )


def _expected(marts: Path) -> dict[str, tuple[pd.DataFrame, list[str], tuple[str, ...]]]:
    """Per dataset file (Norwegian edition): the Parquet rows with each dimension's category id, the dimension
    columns, and the measures."""
    fact = pd.read_parquet(marts / "fct_indicator.parquet")
    breakdown = pd.read_parquet(marts / "fct_indicator_breakdown.parquet")
    answers = pd.read_parquet(marts / "fct_answer_distribution.parquet")
    rates = pd.read_parquet(marts / "fct_response_rate.parquet")
    shares = tuple(m.column for m in SHARE_METRICS)
    expected = {
        "fct_indicator.json": (
            fact.assign(indikator=_indicator(fact), populasjon=fact["population"]),
            ["indikator", "populasjon"],
            shares,
        ),
        "fct_indicator_breakdown.json": (
            breakdown.assign(
                indikator=_indicator(breakdown), populasjon=breakdown["population"], gruppe=_group(breakdown)
            ),
            ["indikator", "populasjon", "gruppe"],
            shares,
        ),
        "fct_response_rate.json": (
            rates.assign(populasjon=rates["population"], gruppe=_group(rates)),
            ["populasjon", "gruppe"],
            RATE_METRICS,
        ),
    }
    for scale, rows in answers.groupby("scale"):
        expected[f"fct_answer_distribution_{scale}.json"] = (
            rows.assign(
                sporsmal=rows["question_id"], populasjon=rows["population"], svar=rows["answer_code"].astype(str)
            ),
            ["sporsmal", "populasjon", "svar"],
            shares,
        )
    return expected


def _long(rows: pd.DataFrame, dims: list[str], metrics: tuple[str, ...]) -> pd.DataFrame:
    """The Parquet rows as cells: one per row and measure, with the status the row's flag gives that measure."""
    cells = []
    for metric in metrics:
        flag = rows["flag"] if metric in FLAGGED and "flag" in rows else pd.Series(None, index=rows.index)
        cells.append(
            rows[dims].assign(
                Tid=rows["year"].astype(str),
                ContentsCode=metric,
                value=rows[metric].astype(float),
                status=flag.astype(object).where(flag.notna(), None),
            )
        )
    return pd.concat(cells, ignore_index=True)


def _present(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells that exist: a value or a status (a null without status is a cell the table has no row for)."""
    return cells[cells["value"].notna() | cells["status"].notna()]


def _same(got: pd.DataFrame, want: pd.DataFrame, keys: list[str], what: str) -> None:
    got = _present(got).assign(value=lambda f: f["value"].astype(float))
    want = _present(want)
    joined = got.merge(want, on=keys, how="outer", suffixes=("_got", "_want"), indicator=True)
    unmatched = joined[joined["_merge"] != "both"]
    assert unmatched.empty, f"{what}: cells only on one side:\n{unmatched.head(10).to_string()}"
    values = joined[["value_got", "value_want"]].fillna(-1.0)
    assert values["value_got"].tolist() == pytest.approx(values["value_want"].tolist(), rel=1e-12), what
    assert joined["status_got"].fillna("").tolist() == joined["status_want"].fillna("").tolist(), what


def test_every_file_is_valid_json_stat_and_listed_in_its_collection(folder, published_once):
    settings, _, _ = published_once
    assert folder.is_symlink() and folder.resolve().parent.name.startswith("exports-"), "a link through the pointer"
    files = sorted(folder.glob("*.json"))
    documents = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in files}
    assert {name: problems(doc) for name, doc in documents.items()} == {name: [] for name in documents}
    listed = [item["href"] for item in documents["collection.json"]["link"]["item"]]
    listed_en = [item["href"] for item in documents["collection_en.json"]["link"]["item"]]
    assert sorted(listed) == sorted(set(_expected(settings.marts_dir)))
    assert listed_en == [name.replace(".json", "_en.json") for name in listed]
    assert all(doc["extension"]["synthetic"] is True for doc in documents.values() if doc["class"] == "dataset")


def test_pyjstat_finds_the_parquet_values_and_every_flag(folder, published_once):
    settings, _, _ = published_once
    withheld = 0
    for name, (rows, dims, metrics) in _expected(settings.marts_dir).items():
        keys = [*dims, "Tid", "ContentsCode"]
        want = _long(rows, dims, metrics)
        for edition in (name, name.replace(".json", "_en.json")):
            got = read_cells((folder / edition).read_text(encoding="utf-8"))
            assert len(got) == math.prod(json.loads((folder / edition).read_text(encoding="utf-8"))["size"])
            _same(got, want, keys, edition)
        hidden = want[want["status"].fillna("").str.contains("c") & want["ContentsCode"].eq("share_pct")]
        assert hidden["value"].isna().all(), f"{name}: a withheld share has a value in the Parquet file"
        withheld += len(hidden)
    assert withheld > 0, "the shared run withheld no cell: the status of a withheld cell went untested"


def test_the_javascript_toolkit_reads_what_pyjstat_reads(folder, tmp_path):
    node = shutil.which("node")
    assert node, "needs node and npm (apt: nodejs npm); `make test-all` installs the toolkit from tests/js"
    assert (JS_DIR / "node_modules" / "jsonstat-toolkit").is_dir(), "run `npm ci` in tests/js (make test-all does)"
    files = sorted(str(p) for p in folder.glob("*.json"))
    done = subprocess.run(
        [node, str(JS_DIR / "read_jsonstat.cjs"), *files], check=True, capture_output=True, text=True, timeout=120
    )
    read = json.loads(done.stdout)
    for file in files:
        found = read[file]
        document = json.loads(Path(file).read_text(encoding="utf-8"))
        if document["class"] == "collection":
            assert found["items"] == [item["href"] for item in document["link"]["item"]]
            continue
        assert found["id"] == document["id"] and found["size"] == document["size"]
        assert found["role"]["time"] == ["Tid"] and found["role"]["metric"] == ["ContentsCode"]
        toolkit = pd.DataFrame(found["cells"])
        toolkit["value"] = toolkit["value"].astype(float)
        _same(toolkit, read_cells(Path(file).read_text(encoding="utf-8")), document["id"], Path(file).name)


def test_pyjstat_reads_the_datasets_over_http(folder):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "collection.json", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the static server did not start"
                time.sleep(0.2)
        collection = pyjstat.Collection.read(base + "collection.json")
        hrefs = [item["href"] for item in collection["link"]["item"]]
        assert "fct_indicator.json" in hrefs
        for href in hrefs:
            over_http = pyjstat.Dataset.read(urljoin(base + "collection.json", href))
            from_file = json.loads((folder / href).read_text(encoding="utf-8"))
            assert over_http["value"] == from_file["value"] and over_http.get("status") == from_file.get("status")
        frame = pyjstat.Dataset.read(base + "fct_indicator_en.json").write("dataframe")
        assert {"Indicator", "Population", "Year", "Statistical variable", "value"} <= set(frame.columns)
    finally:
        stop_process(server)


def test_the_catalogue_conforms_and_every_file_it_names_is_there(folder):
    """The DCAT-AP-NO catalogue of the published version: no violation of the standard's shapes, a dataset for
    every JSON-stat dataset, and every download link (a file: URL by default) leading to a file."""
    from urllib.parse import unquote, urlparse

    from support.catalog_shapes import DCAT, check_catalog, read_catalog

    graph = read_catalog(folder / "catalog.jsonld")
    conforms, _, text = check_catalog(graph)
    assert conforms, text
    links = {str(url) for url in graph.objects(None, DCAT.downloadURL)}
    assert all(link.startswith("file://") for link in links)
    assert [link for link in links if not Path(unquote(urlparse(link).path)).is_file()] == []
    datasets = {name for name in (p.name for p in folder.glob("*.json")) if not name.startswith("collection")}
    assert {Path(urlparse(link).path).name for link in links if "/jsonstat/" in link} == datasets


def quality_declaration_problems(folder: Path, marts: Path) -> list[str]:
    """Where a family's quality declaration (extension.quality) disagrees with the Parquet files: cells, withheld
    and flagged counts, response per year, the releases and the revised values, counted here from the files."""
    rates = pd.read_parquet(marts / "fct_response_rate.parquet")
    rates = rates[rates["breakdown"].isna()]
    releases = pd.read_parquet(marts / "releases.parquet").sort_values("published_at")["release_id"].tolist()
    revisions = pd.read_parquet(marts / "revisions.parquet")
    families = pd.read_parquet(marts / "indicator_families.parquet")
    found, declared = [], {}
    for name in ("fct_indicator.json", "fct_indicator_breakdown.json"):
        declared |= json.loads((folder / name).read_text(encoding="utf-8"))["extension"]["quality"]
    for family, quality in declared.items():
        table = quality["table"].removeprefix("marts.")
        rows = pd.read_parquet(marts / f"{table}.parquet")
        suppressed, low = rows["suppressed"].astype(bool), rows["low_reliability"].astype(bool)
        counted = {
            "cells": len(rows),
            "withheld": int(suppressed.sum()),
            "low_reliability": int((low & ~suppressed).sum()),
        }
        said = {key: quality["disclosure"][key] for key in counted}
        if said != counted:
            found.append(f"{family}: declared {said}, the file holds {counted}")
        for population in quality["populations"]:
            own = rates[(rates["population"] == population["population"]) & rates["year"].isin(quality["years"])]
            expected = own.sort_values("year")[["year", "responding_units"]].values.tolist()
            got = [[r["year"], r["responding_units"]] for r in population["response"]]
            if got != expected:
                found.append(f"{family} {population['population']}: response {got}, the file holds {expected}")
        if [r["release_id"] for r in quality["revisions"]] != releases:
            found.append(f"{family}: releases {quality['revisions']}, the file holds {releases}")
        mine = revisions[(revisions["table_name"] == table) & (revisions["column_name"] != "flag")]
        if sum(r["values_revised"] for r in quality["revisions"]) != len(mine):
            found.append(f"{family}: {quality['revisions']} revised values, the file holds {len(mine)}")
    estimated = [
        row.family
        for row in families.itertuples()
        if "share_pct" in pd.read_parquet(marts / f"{row.table_name}.parquet").columns  # not an external table
    ]
    listed = set(estimated)
    if not listed <= set(declared):
        found.append(f"families without a declaration: {sorted(listed - set(declared))}")
    return found


def test_each_familys_quality_declaration_counts_what_the_parquet_files_hold(folder, published_once):
    settings, _, _ = published_once
    assert quality_declaration_problems(folder, settings.marts_dir) == []
