"""The DCAT-AP-NO catalogue on the figure book's small fabricated warehouse: it conforms to the
standard's SHACL shapes (tests/support/dcat_ap_no_shapes_2.00.ttl), lists every JSON-stat dataset with its
files, and says what the warehouse says: its release, its years, the SYNTHETIC warning."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from rdflib import RDF, Literal, URIRef

from itip_pipeline.report.catalog import write_catalog
from itip_pipeline.report.jsonstat import write_jsonstat
from itip_pipeline.report.published import read_published

from support.catalog_shapes import DCAT, DCT, check_catalog, read_catalog
from support.report_fixture import write_published_fixture

BASE = "https://statistikk.example.no/itip/marts/"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("catalog")
    published = read_published(write_published_fixture(folder / "itip.duckdb"))
    published.tables["releases"] = pd.DataFrame(
        {"release_id": ["2025.1", "2025.2"], "published_at": pd.to_datetime(["2026-05-01 10:00", "2026-06-02 08:30"])}
    )
    jsonstat = write_jsonstat(published, folder / "jsonstat", "v1")
    return published, write_catalog(published, folder / "jsonstat", BASE), jsonstat


def test_the_catalogue_conforms_to_the_dcat_ap_no_shapes(written):
    _, path, _ = written
    conforms, warned, text = check_catalog(read_catalog(path))
    assert conforms, text
    # The shapes' warnings are recommendations; the one left, a licence per file, is the data owner's to give.
    assert warned == {DCT.license}, text


def test_the_shapes_refuse_a_dataset_without_a_theme_or_publisher(written):
    """The check can fail: the same catalogue without the properties DCAT-AP-NO requires does not pass."""
    _, path, _ = written
    graph = read_catalog(path)
    graph.remove((None, DCAT.theme, None))
    graph.remove((None, DCT.publisher, None))
    conforms, warned, text = check_catalog(graph)
    assert not conforms and "publisher" in text and DCAT.theme in warned


def test_every_json_stat_dataset_is_listed_with_its_files_release_and_years(written):
    published, path, jsonstat = written
    graph = read_catalog(path)
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    files = {p.name for p in jsonstat if p.name != "collection.json" and not p.name.startswith("collection")}
    listed = {
        str(url).removeprefix(f"{BASE}jsonstat/")
        for dataset in datasets
        for distribution in graph.objects(dataset, DCAT.distribution)
        for url in graph.objects(distribution, DCAT.downloadURL)
        if "/jsonstat/" in str(url)
    }
    assert listed == files
    headline = URIRef(f"{BASE}jsonstat/catalog.jsonld#fct_indicator")
    downloads = {str(u) for d in graph.objects(headline, DCAT.distribution) for u in graph.objects(d, DCAT.downloadURL)}
    assert {f"{BASE}fct_indicator.parquet", f"{BASE}csv/fct_indicator.csv"} <= downloads
    assert Literal("2025.2") in set(graph.objects(headline, URIRef("http://www.w3.org/2002/07/owl#versionInfo")))
    period = next(graph.objects(headline, DCT.temporal))
    years = published.table("fct_indicator")["year"]
    assert (str(graph.value(period, DCAT.startDate)), str(graph.value(period, DCAT.endDate))) == (
        f"{years.min()}-01-01",
        f"{years.max()}-12-31",
    )
    assert str(graph.value(headline, DCT.modified)).startswith("2026-06-02T08:30:00")


def test_every_description_opens_with_the_synthetic_warning_in_its_language(written):
    _, path, _ = written
    document = json.loads(path.read_text())
    for node in document["@graph"]:
        for text in node.get("dct:description", []):
            assert text["@value"].startswith(("SYNTETISKE DATA", "SYNTHETIC DATA")), text
