"""The formats `itip generate --panel-format` can write the citizen panel in, whatever the year's plan says.

A vendor sends a million-row panel as Parquet or plain CSV, never as xlsx (1,048,576 rows at most) or SPSS,
so the benchmark's large scales use one of these. Same rows and values; only the file's format differs.
Standard library only: the `itip` command's parser reads the names without importing the generator.
"""

PANEL_FORMATS = {
    "parquet": {"file": "citizen_panel_synthetic.parquet"},
    "csv": {"file": "citizen_panel_synthetic.csv", "delimiter": ",", "encoding": "utf-8"},
}
