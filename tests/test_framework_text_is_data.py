"""The framework matrix XLSX goes through fieldcode's one XLSX writer (fieldcode.analysis.export):
a summary, a pair name or a theme that looks like a formula is stored as text, exactly as typed,
never run by a spreadsheet (and never given the CSV's leading apostrophe)."""

from __future__ import annotations

import re
import shutil
import zipfile

import openpyxl
import pytest
from typer.testing import CliRunner

from fieldcode.cli import app
from fieldcode.project import Project
from fieldcode.store.framework import set_summary

IV = "leeds-improving-01-resident.md"
SUMMARY_A = "=SUM(1)"
SUMMARY_B = "@x [b]bold[/b]"
PAIR = "=2+3"


@pytest.fixture
def study(bundled_coded, tmp_path):
    root = tmp_path / "study"
    shutil.copytree(bundled_coded, root)
    p = Project.open(root, coder="ana")
    try:
        iv = p.store.interview(IV)
        place = p.store.code("place")
        set_summary(p.store, "ana", iv.id, place.id, SUMMARY_A)
        set_summary(p.store, "ben", iv.id, place.id, SUMMARY_B)
        for info in p.store.interview_infos():            # the Leeds pair renamed to a formula
            if info.attributes.get("pair") == "Leeds":
                p.store.set_attributes(info.id, {**info.attributes, "pair": PAIR})
    finally:
        p.close()
    return root


def test_formula_like_text_is_stored_as_text_in_the_framework_xlsx(study, tmp_path):
    out = tmp_path / "out" / "fw.xlsx"
    r = CliRunner().invoke(app, ["-C", str(study), "export", "framework", "-o", str(out), "--format", "xlsx"])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(out)
    ws = wb["Place and environment"]
    assert ws["A1"].font.b and all(c.font.b for c in ws[2])           # title and header still bold
    assert ws.freeze_panes == "B3"
    pair_cells = [c for c in ws["A"] if c.value == PAIR]
    assert len(pair_cells) == 1 and pair_cells[0].data_type == "s"    # the first row of the pair names it
    cell = next(c for row in ws.iter_rows(min_row=3) for c in row
                if isinstance(c.value, str) and c.value.startswith(IV + " ("))
    assert cell.data_type == "s" and cell.alignment.wrap_text
    # worked out by hand: the interview's head line, then each summary as '[author] text'
    assert cell.value.splitlines()[1:] == [f"[ana] {SUMMARY_A}", f"[ben] {SUMMARY_B}"]
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.value is None or c.data_type in ("s", "n"), (sheet.title, c.coordinate, c.value,
                                                                       c.data_type)
                assert not (isinstance(c.value, str) and c.value.startswith("'")), (sheet.title, c.coordinate)
    # read a second way, from the file's XML: no formula anywhere, and the pair is a plain string
    with zipfile.ZipFile(out) as z:
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        strings = z.read("xl/sharedStrings.xml").decode("utf-8") if "xl/sharedStrings.xml" in z.namelist() else ""
    assert sheets and not any("<f>" in x or "<f " in x for x in sheets)
    assert f">{PAIR}<" in strings + "".join(sheets)


def test_write_xlsx_sheets_keeps_text_and_drops_what_excel_cannot_hold(tmp_path):
    from fieldcode.analysis.export import XlsxSheet, write_xlsx_sheets

    path = tmp_path / "s.xlsx"
    assert write_xlsx_sheets(path, [
        XlsxSheet("one", ["=h", "b"], [["@x", 2], ["#N/A", "a\x01b"]], above=["=title"], below=["-note"],
                  widths=[20, 30], wrap=True, bold_header=True, freeze="B3"),
        XlsxSheet("two", ["c"], [["+1x"]]),
    ])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["one", "two"]
    one = wb["one"]
    got = [[c.value for c in row] for row in one.iter_rows()]
    assert got == [["=title", None], ["=h", "b"], ["@x", 2], ["#N/A", "ab"], [None, None], ["-note", None]]
    assert [c.data_type for c in one[3]] == ["s", "n"] and one["A4"].data_type == "s" and one["A1"].data_type == "s"
    assert one["A1"].font.b and one["A2"].font.b and not one["A6"].font.b
    assert one["A3"].alignment.wrap_text and one["A3"].alignment.vertical == "top"
    assert one.freeze_panes == "B3" and one.column_dimensions["B"].width == 30
    two = wb["two"]
    assert [[c.value for c in row] for row in two.iter_rows()] == [["c"], ["+1x"]] and two.freeze_panes == "A2"
    assert not two["A1"].font.b
