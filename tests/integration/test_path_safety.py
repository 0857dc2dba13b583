"""Path safety: a delivery cannot make the pipeline read or write outside data/, nor exhaust memory.

Links in or as the year folder are refused; quarantine and archive copies stay in their folders whatever
the file is called; an oversized file or a zip bomb is refused before it is unpacked.
"""

from __future__ import annotations

import struct
import tracemalloc
import zipfile

import pytest

from itip_pipeline.core import contract
from itip_pipeline.core.hashing import sha256_of
from itip_pipeline.ingest.files.delivery_files import delivery_files
from itip_pipeline.ingest.files.readers import read_table
from itip_pipeline.ingest.loading.archive_quarantine import archive, quarantine
from itip_pipeline.ingest.problems import DeliveryRejected, Problem

from support.delivery_builders import panel_records, write_csv, write_delivery, write_xlsx

YEAR = 2025
PANEL_REQUIRED = contract.REQUIRED_ID_COLUMNS["panel"]


def _refused(find) -> list:
    with pytest.raises(DeliveryRejected) as caught:
        find()
    assert all(p.file and p.rule for p in caught.value.problems)
    return caught.value.problems


@pytest.mark.parametrize("outside_tmp", [False, True], ids=["etc-passwd", "tmp-file"])
def test_a_survey_file_that_is_a_link_is_refused(tmp_path, outside_tmp):
    landing = tmp_path / "data" / "landing"
    folder = write_delivery(landing / str(YEAR), YEAR)
    target = write_csv(tmp_path / "outside.csv", panel_records(YEAR)) if outside_tmp else "/etc/passwd"
    (folder / f"citizen_panel_{YEAR}.xlsx").unlink()
    (folder / f"citizen_panel_{YEAR}_extra.csv").symlink_to(target)
    problems = _refused(lambda: delivery_files(landing, YEAR))
    assert [p.file for p in problems] == [f"citizen_panel_{YEAR}_extra.csv"]


def test_a_codebook_that_is_a_link_is_refused(tmp_path):
    landing = tmp_path / "data" / "landing"
    folder = write_delivery(landing / str(YEAR), YEAR)
    (folder / contract.CODEBOOK_FILE).rename(tmp_path / "real_codebook.csv")
    (folder / contract.CODEBOOK_FILE).symlink_to(tmp_path / "real_codebook.csv")
    assert [p.file for p in _refused(lambda: delivery_files(landing, YEAR))] == [contract.CODEBOOK_FILE]


def test_a_year_folder_that_is_a_link_outside_data_is_refused(tmp_path):
    elsewhere = write_delivery(tmp_path / "elsewhere", YEAR)
    landing = tmp_path / "data" / "landing"
    landing.mkdir(parents=True)
    (landing / str(YEAR)).symlink_to(elsewhere, target_is_directory=True)
    assert [p.file for p in _refused(lambda: delivery_files(landing, YEAR))] == [str(YEAR)]


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_a_hard_linked_file_is_refused_like_a_symlink(tmp_path, where):
    landing = tmp_path / "data" / "landing"
    folder = write_delivery(landing / str(YEAR), YEAR)
    panel = folder / f"citizen_panel_{YEAR}.xlsx"
    other_name = (folder.parent / "kopi.xlsx") if where == "inside" else (tmp_path / "elsewhere.xlsx")
    other_name.hardlink_to(panel)
    assert [p.file for p in _refused(lambda: delivery_files(landing, YEAR))] == [panel.name]


ODD_NAMES = [
    "citizen_panel med mellomrom.csv",
    "citizen_panel_ærøå_ü_😀.csv",
    "-citizen_panel --force.csv",
    "citizen_panel\nnewline.csv",
    "..citizen_panel..csv",
    "citizen_panel_" + "x" * 236 + ".csv",  # 255 bytes, the longest name a Linux file system allows
]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_quarantine_and_archive_copies_stay_in_their_folders(tmp_path, name):
    (tmp_path / "landing").mkdir()
    source = write_csv(tmp_path / "landing" / name, panel_records(YEAR))
    quarantine_dir, archive_dir = tmp_path / "data" / "quarantine", tmp_path / "data" / "archive"
    folder = quarantine([source], [Problem(file=name, rule="test")], quarantine_dir, YEAR, "panel")
    archived = archive(source, sha256_of(source), archive_dir)
    written = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(quarantine_dir) or p.resolve().is_relative_to(archive_dir) for p in written)
    assert (folder / name).read_bytes() == source.read_bytes() == archived.read_bytes()
    assert archived.parent == archive_dir and folder.parent.parent.parent == quarantine_dir
    assert {p.name for p in folder.iterdir()} == {name, "report.md", "report.json"}


def _peak_bytes(call) -> int:
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_an_oversized_file_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(contract, "MAX_FILE_BYTES", 10_000)
    path = write_csv(tmp_path / "citizen_panel.csv", panel_records(YEAR))
    with path.open("r+b") as handle:
        handle.truncate(200_000_000)  # sparse: big to stat, free to make
    problems = []
    peak = _peak_bytes(lambda: problems.extend(_refused(lambda: read_table(path, PANEL_REQUIRED))))
    assert [(p.file, "more than the limit of 10000 bytes" in p.rule) for p in problems] == [(path.name, True)]
    assert peak < 1_000_000


def _bomb(path, claimed: int | None) -> None:
    """A workbook whose sheet unpacks to 50 MB; `claimed` rewrites the sizes its zip headers state."""
    good = write_xlsx(path.with_name("good.xlsx"), panel_records(YEAR))
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, data)
                continue
            with target.open(info.filename, "w", force_zip64=False) as entry:
                entry.write(data.replace(b"</worksheet>", b""))
                for _ in range(50):
                    entry.write(b" " * 1_000_000)
                entry.write(b"</worksheet>")
    if claimed is not None:
        raw = bytearray(path.read_bytes())
        name = b"xl/worksheets/sheet1.xml"
        for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            start = 0
            while (start := raw.find(signature, start)) != -1:
                name_at = start + (30 if signature == b"PK\x03\x04" else 46)
                if raw[name_at : name_at + len(name)] == name:
                    raw[start + size_at : start + size_at + 4] = struct.pack("<I", claimed)
                start += 4
        path.write_bytes(bytes(raw))


@pytest.mark.parametrize("claimed", [None, 4_000], ids=["honest-headers", "headers-understate"])
def test_a_zip_bomb_xlsx_is_refused_in_bounded_memory(tmp_path, monkeypatch, claimed):
    monkeypatch.setattr(contract, "MAX_XLSX_UNCOMPRESSED_BYTES", 1_000_000)
    path = tmp_path / "citizen_panel.xlsx"
    _bomb(path, claimed)
    assert path.stat().st_size < 200_000
    problems = []
    peak = _peak_bytes(lambda: problems.extend(_refused(lambda: read_table(path, PANEL_REQUIRED))))
    assert [p.file for p in problems] == [path.name]
    assert ("possible zip bomb" if claimed is None else "Bad CRC-32") in problems[0].rule
    # Honest headers are refused before unpacking; lying ones stop at the size they claim.
    assert peak < 5_000_000
