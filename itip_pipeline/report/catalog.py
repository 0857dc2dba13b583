"""The published datasets as a DCAT-AP-NO 2.0 catalogue in JSON-LD, the metadata Norwegian data catalogues
(data.norge.no's harvester, any DCAT reader) read: written beside the JSON-stat collection as
`jsonstat/catalog.jsonld`, so data/marts/jsonstat/catalog.jsonld describes the published version.

One dcat:Catalog, the warehouse, with one dcat:Dataset per JSON-stat dataset (report/jsonstat.py `cubes`: the
same ids, titles and years) and four distributions each: its JSON-stat files in Norwegian and in English, and
the Parquet and CSV files of the table it is made from. Titles and descriptions are given in Norwegian (nb) and
English (en); the SYNTHETIC warning opens every description when the files behind the marts are the
generator's. Controlled values come from the EU Publications Office's authority tables (data theme, frequency,
file type, language, access right) and IANA's media types, each typed as the class DCAT-AP-NO expects, so
that the catalogue passes DCAT-AP-NO's SHACL shapes on its own (tests/unit/test_catalog.py).

Links are made from the public base URL (settings `public_base_url`: ITIP_PUBLIC_BASE_URL, by default the
marts folder as a file: URL) and the stable paths under it, so a catalogue harvested once keeps pointing at
the current version. `modified` is when the release was published and `owl:versionInfo` its id.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from itip_pipeline.core.escaping import for_json
from itip_pipeline.report.exports import CSV_DIR_NAME, WORDS
from itip_pipeline.report.jsonstat import EDITIONS, JSONSTAT_DIR, LANG, cubes, file_name, release_of
from itip_pipeline.report.jsonstat import word as jsonstat_word
from itip_pipeline.report.published import PublishedWarehouse

CATALOG_FILE = "catalog.jsonld"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU = "http://publications.europa.eu/resource/authority/"
LANGUAGE_TAGS = {"no": "nb", "en": "en"}  # BCP 47: the Norwegian edition is written in Bokmål
LANGUAGES = {"no": f"{EU}language/NOB", "en": f"{EU}language/ENG"}
# The labels of the authority tables' values used here, as the tables give them (Norwegian, English).
LABELS = {
    f"{EU}language/NOB": ("norsk bokmål", "Norwegian Bokmål"),
    f"{EU}language/ENG": ("engelsk", "English"),
    f"{EU}frequency/ANNUAL": ("årlig", "annual"),
    f"{EU}access-right/PUBLIC": ("allmenn tilgang", "public"),
    f"{EU}file-type/JSON": ("JSON", "JSON"),
    f"{EU}file-type/PARQUET": ("Parquet", "Parquet"),
    f"{EU}file-type/CSV": ("CSV", "CSV"),
    f"{EU}data-theme/GOVE": ("Forvaltning og offentlig sektor", "Government and public sector"),
}
THEME = f"{EU}data-theme/GOVE"  # public sector statistics: "Government and public sector"
FREQUENCY = f"{EU}frequency/ANNUAL"
ACCESS = f"{EU}access-right/PUBLIC"
JSON_STAT = ("https://json-stat.org/format/", "JSON-stat 2.0")
FORMATS = {  # distribution kind -> (EU file type, IANA media type)
    "jsonstat": (f"{EU}file-type/JSON", "https://www.iana.org/assignments/media-types/application/json"),
    "parquet": (
        f"{EU}file-type/PARQUET",
        "https://www.iana.org/assignments/media-types/application/vnd.apache.parquet",
    ),
    "csv": (f"{EU}file-type/CSV", "https://www.iana.org/assignments/media-types/text/csv"),
}
WRITTEN_WORDS = {
    "catalog_about": (
        "Tabellene itip-lageret publiserer fra den årlige undersøkelsen IT i praksis om digitalisering i offentlig "
        "sektor: indikatorer etter populasjon, gruppe og år, svarfordelinger og svarprosent.",
        "The tables the itip warehouse publishes from IT i praksis, the annual survey of digitalisation in the "
        "public sector: indicators by population, group and year, answer distributions and response rates.",
    ),
    "publisher": ("IT i praksis, itip-lageret", "IT i praksis, the itip warehouse"),
    "jsonstat": ("JSON-stat 2.0, norsk utgave", "JSON-stat 2.0, English edition"),
    "parquet": ("Parquet-fil med hele tabellen marts.{table}", "Parquet file of the whole table marts.{table}"),
    "csv": ("CSV-fil med hele tabellen marts.{table}", "CSV file of the whole table marts.{table}"),
    "table": ("Laget fra tabellen marts.{table}.", "Made from the table marts.{table}."),
}


def _text(key: str, **fields) -> list[dict]:
    """A text in both languages, as JSON-LD language-tagged values."""
    return [_tagged(WRITTEN_WORDS[key][pick].format(**fields), lang) for lang, pick in LANG.items()]


def _tagged(text: str, lang: str) -> dict:
    return {"@value": text, "@language": LANGUAGE_TAGS[lang]}


def _typed(iri: str, kind: str, **more) -> dict:
    return {"@id": iri, "@type": kind, **more}


def _authority(iri: str, *kinds: str) -> dict:
    """A value of one of the EU Publications Office's authority tables, said to be a concept of that table (as
    the table itself says: DCAT-AP-NO checks a value's scheme, and a catalogue is checked on its own)."""
    return {
        "@id": iri,
        "@type": ["skos:Concept", *kinds],
        "skos:inScheme": {"@id": iri.rsplit("/", 1)[0]},
        "skos:prefLabel": [_tagged(LABELS[iri][pick], lang) for lang, pick in LANG.items()],
    }


def build_catalog(published: PublishedWarehouse, base_url: str) -> dict:
    """The catalogue of `published` as a JSON-LD document, its links made from `base_url` (ending in "/")."""
    release_id, published_at = release_of(published)
    synthetic = published.is_synthetic
    home = f"{base_url}{JSONSTAT_DIR}/{CATALOG_FILE}"
    publisher = _typed(f"{home}#publisher", "foaf:Agent", **{"foaf:name": _text("publisher")})
    theme = _authority(THEME)
    standard = _typed(JSON_STAT[0], "dct:Standard", **{"dct:title": JSON_STAT[1]})
    when = {"dct:modified": {"@value": published_at, "@type": "xsd:dateTime"}} if published_at else {}
    version = {"owl:versionInfo": release_id} if release_id else {}
    datasets = []
    for cube, frame in cubes(published):
        about = [
            _tagged(
                " ".join(
                    part
                    for part in (
                        WORDS["synthetic"][pick] if synthetic else "",
                        published.table_comments.get(cube.table, ""),
                        WRITTEN_WORDS["table"][pick].format(table=cube.table),
                    )
                    if part
                ),
                lang,
            )
            for lang, pick in LANG.items()
        ]
        title = [_tagged(cube.title[pick], lang) for lang, pick in LANG.items()]
        if synthetic:
            title = [
                _tagged(f"{t['@value']} – {WORDS['synthetic_short'][LANG[lang]]}", lang)
                for t, lang in zip(title, LANG, strict=True)
            ]
        identifier = f"{home}#{cube.name}"
        datasets.append(
            {
                "@id": identifier,
                "@type": "dcat:Dataset",
                "dct:identifier": identifier,
                "dct:title": title,
                "dct:description": about,
                "dct:publisher": {"@id": publisher["@id"]},
                "dcat:theme": {"@id": theme["@id"]},
                "dct:accrualPeriodicity": _authority(FREQUENCY, "dct:Frequency"),
                "dct:accessRights": _authority(ACCESS, "dct:RightsStatement"),
                "dct:temporal": _period(frame),
                "dct:language": [_authority(iri, "dct:LinguisticSystem") for iri in LANGUAGES.values()],
                "dcat:keyword": [_tagged("IT i praksis", lang) for lang in LANG],
                "dcat:distribution": _distributions(cube.name, cube.table, base_url, standard),
                **when,
                **version,
            }
        )
    catalog = {
        "@id": home,
        "@type": "dcat:Catalog",
        "dct:identifier": home,
        "dct:title": [_tagged(jsonstat_word("collection", lang), lang) for lang in LANG],
        "dct:description": [
            _tagged(f"{WORDS['synthetic'][pick]} {text['@value']}" if synthetic else text["@value"], lang)
            for (lang, pick), text in zip(LANG.items(), _text("catalog_about"), strict=True)
        ],
        "dct:publisher": {"@id": publisher["@id"]},
        "dct:language": [_authority(iri, "dct:LinguisticSystem") for iri in LANGUAGES.values()],
        "dcat:dataset": [{"@id": d["@id"]} for d in datasets],
        **when,
    }
    return {"@context": CONTEXT, "@graph": [catalog, publisher, theme, standard, *datasets]}


def _period(frame: pd.DataFrame) -> dict:
    """The survey years a dataset covers, as a period from 1 January of the first to 31 December of the last."""
    years = pd.to_numeric(frame["year"]).dropna().astype(int)
    return {
        "@type": "dct:PeriodOfTime",
        "dcat:startDate": {"@value": f"{years.min()}-01-01", "@type": "xsd:date"},
        "dcat:endDate": {"@value": f"{years.max()}-12-31", "@type": "xsd:date"},
    }


def _distributions(cube: str, table: str, base_url: str, standard: dict) -> list[dict]:
    """A dataset's files: its JSON-stat edition in each language, then its table's Parquet and CSV files."""
    made = []
    for lang in EDITIONS:
        made.append(
            _distribution(
                "jsonstat",
                f"{base_url}{JSONSTAT_DIR}/{file_name(cube, lang)}",
                [_tagged(WRITTEN_WORDS["jsonstat"][LANG[lang]], lang)],
                **{
                    "dct:conformsTo": {"@id": standard["@id"]},
                    "dct:language": _authority(LANGUAGES[lang], "dct:LinguisticSystem"),
                },
            )
        )
    made.append(_distribution("parquet", f"{base_url}{table}.parquet", _text("parquet", table=table)))
    made.append(_distribution("csv", f"{base_url}{CSV_DIR_NAME}/{table}.csv", _text("csv", table=table)))
    return made


def _distribution(kind: str, url: str, title: list[dict], **more) -> dict:
    file_type, media_type = FORMATS[kind]
    return {
        "@type": "dcat:Distribution",
        "dct:title": title,
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dct:format": _authority(file_type, "dct:MediaType", "dct:MediaTypeOrExtent"),
        "dcat:mediaType": _typed(media_type, "dct:MediaType"),
        **more,
    }


def write_catalog(published: PublishedWarehouse, folder: Path, base_url: str) -> Path:
    """The catalogue of `published` as `folder`/catalog.jsonld (the JSON-stat folder of an export set)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(build_catalog(published, base_url), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    path = folder / CATALOG_FILE
    path.write_text(for_json(text), encoding="utf-8")
    return path
