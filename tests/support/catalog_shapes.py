"""Checking a DCAT-AP-NO catalogue (report/catalog.py) against the standard's SHACL shapes, vendored beside
this module: dcat_ap_no_shapes_2.00.ttl (Digdir, CC BY 4.0)."""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Namespace

SHAPES = Path(__file__).with_name("dcat_ap_no_shapes_2.00.ttl")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SH = Namespace("http://www.w3.org/ns/shacl#")


def read_catalog(path: Path) -> Graph:
    return Graph().parse(path, format="json-ld")


def check_catalog(graph: Graph) -> tuple[bool, set, str]:
    """Whether the shapes find no violation, the properties they warn about, and their report."""
    conforms, results, text = validate(
        graph, shacl_graph=Graph().parse(SHAPES, format="turtle"), inference="none", allow_warnings=True
    )
    warned = {results.value(result, SH.resultPath) for result in results.subjects(SH.resultSeverity, SH.Warning)}
    return conforms, warned, text
