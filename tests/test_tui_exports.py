"""ctrl+e on the retrieval list, the analysis tables, the memo list and the agreement panel writes
the same files as 'fieldcode export segments | counts | comparison | memos | agreement' with the
options the screen shows: byte for byte for the CSVs, cell for cell for the XLSX, and the JSON
sidecar equal except the time it was made and its command (the screen records the equivalent
CLI command, checked here against the arguments the test gave the CLI).  Real SQLite copies of
the bundled study coded by ana and ben, plus memos by both."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static
from typer.testing import CliRunner

from fieldcode import cli
from fieldcode import store as storemod
from fieldcode.tui import make_app
from fieldcode.tui.analysis_screen import AnalysisScreen
from fieldcode.tui.coding import CodingScreen
from fieldcode.tui.exporting import ExportDialog
from fieldcode.tui.memos import MemoListScreen
from fieldcode.tui.retrieval import RetrievalScreen


@pytest.fixture
def study(coded_study):
    return coded_study


def run_cli(p, *args) -> None:
    r = CliRunner().invoke(cli.app, ["--project", str(p.root), "--db", p.store.url, *args])
    assert r.exit_code == 0, r.output


def same_files(screen_csv: Path, cli_csv: Path, names: list[str], cli_args: list[str]) -> None:
    """The files ``names`` beside each CSV are equal (JSON: all but created_at and command)."""
    for name in names:
        a, b = screen_csv.parent / name, cli_csv.parent / name
        assert a.exists() and b.exists(), name
        if name.endswith(".json"):
            ja, jb = json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8"))
            assert ja["command"] == "fieldcode " + shlex.join([*cli_args[:2], "-o", str(screen_csv), *cli_args[2:]])
            for j in (ja, jb):
                j.pop("created_at")
                j.pop("command")
            assert ja == jb
            assert a.read_text(encoding="utf-8").count("\n") == b.read_text(encoding="utf-8").count("\n")
        elif name.endswith(".xlsx"):
            from openpyxl import load_workbook

            wa, wb = load_workbook(a), load_workbook(b)
            assert wa.sheetnames == wb.sheetnames
            for s in wa.sheetnames:
                assert [list(r) for r in wa[s].iter_rows(values_only=True)] == \
                       [list(r) for r in wb[s].iter_rows(values_only=True)]
        else:
            assert a.read_bytes() == b.read_bytes(), name
            assert len(a.read_bytes()) > 100, name      # not two empty files


async def ready(app, pilot) -> CodingScreen:
    for _ in range(300):
        await pilot.pause()
        if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None:
            return app.screen
    raise AssertionError("the coding screen did not open")


async def until(pilot, cond, what: str) -> None:
    for _ in range(600):
        await pilot.pause()
        if cond():
            await pilot.pause()
            return
    raise AssertionError(f"timed out waiting for {what}")


async def export_default(app, pilot) -> Path:
    """ctrl+e, then Enter on the default path; returns the CSV written (from the dialog)."""
    await pilot.press("ctrl+e")
    await until(pilot, lambda: isinstance(app.screen, ExportDialog), "the export dialog")
    dialog = app.screen
    out = dialog.resolve(dialog.query_one(Input).value)
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, ExportDialog), "the export")
    return out


async def test_retrieval_list_exports_what_export_segments_writes(study, tmp_path):
    app = make_app(study)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RetrievalScreen), "the retrieval screen")
        screen = app.screen
        screen.query_one("#code", Select).value = "place"        # with children (the default)
        screen.query_one("#coder", Select).value = "ben"
        screen.query_one("#f-arm", Select).value = "improving"
        screen.query_one("#f-role", Select).value = "resident"
        await until(pilot, lambda: not screen.busy and screen._shown_generation >= 4, "the results")
        n = len(screen.segments)
        assert n > 0
        out = await export_default(app, pilot)
        assert out == study.root / "results" / "segments-place.csv"
        assert app.last_export == [out, out.with_suffix(".xlsx"), out.with_suffix(".json")]
    args = ["export", "segments", "--codes", "place", "--children", "--coder", "ben", "--role", "resident",
            "--where", "arm=improving"]
    cli_out = tmp_path / "cli" / "segments-place.csv"
    run_cli(study, *args[:2], "-o", str(cli_out), *args[2:])
    same_files(out, cli_out, ["segments-place.csv", "segments-place.xlsx", "segments-place.json"], args)
    assert out.read_text(encoding="utf-8").count("\n") >= n + 1      # a header and a line per segment


async def test_analysis_tables_export_counts_and_comparison(study, tmp_path):
    app = make_app(study)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AnalysisScreen) and not app.screen.busy, "the crosstab")
        screen = app.screen
        await pilot.press("c")                                  # coder: ana
        await until(pilot, lambda: not screen.busy, "the recount")
        await pilot.press("r")                                  # rolled up
        await until(pilot, lambda: not screen.busy, "the recount")
        assert screen.options.coder == "ana" and screen.options.rollup
        counts = await export_default(app, pilot)
        await pilot.press("v")                                  # the paired comparison
        await until(pilot, lambda: not screen.busy and screen.options.view == "compare", "the comparison")
        await pilot.press("u")                                  # share of interviews
        await until(pilot, lambda: not screen.busy, "the recount")
        comparison = await export_default(app, pilot)
    args = ["export", "counts", "--by", "pair,arm", "--coder", "ana", "--rollup"]
    cli_counts = tmp_path / "cli" / "counts.csv"
    run_cli(study, *args[:2], "-o", str(cli_counts), *args[2:])
    same_files(counts, cli_counts, ["counts.csv", "counts_wide.csv", "counts.json"], args)
    args = ["export", "comparison", "--unit", "share", "--coder", "ana", "--rollup"]
    cli_cmp = tmp_path / "cli" / "comparison.csv"
    run_cli(study, *args[:2], "-o", str(cli_cmp), *args[2:])
    same_files(comparison, cli_cmp, ["comparison.csv", "comparison_summary.csv", "comparison.json"], args)


async def test_memo_list_exports_what_export_memos_writes_and_asks_before_overwriting(study, tmp_path):
    store = study.store
    infos = store.interview_infos()
    first, second = infos[0], infos[1]
    text = store.interview(first.id).text
    storemod.add_memo(store, "ana", "Damp flats again, = a theme?", interview_id=first.id, start=0, end=40)
    storemod.add_memo(store, "ben", "I read this turn as leadership", interview_id=first.id)
    storemod.add_memo(store, "ben", "Second interview: compare with the first", interview_id=second.id)
    storemod.add_memo(store, "ana", "Housing covers repairs too", code_id=store.code("housing").id)
    assert len(text) > 40
    app = make_app(study, first.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, MemoListScreen), "the memo list")
        screen = app.screen
        assert screen.interview_id == first.id
        await pilot.press("o")                                  # coder: ana (sorted: ana, ben)
        await pilot.pause()
        assert screen.coder == "ana" and screen.memos and all(m.author == "ana" for m in screen.memos)
        out = await export_default(app, pilot)
        assert out == study.root / "results" / "memos.csv"
        await pilot.press("o")                                  # ben: a different file would follow
        await pilot.pause()
        assert screen.coder == "ben"
        before = out.read_bytes()
        await pilot.press("ctrl+e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog), "the export dialog")
        await pilot.press("enter")                              # exists: only a warning
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        warning = str(app.screen.query_one("#export-warning", Static).render())
        assert "memos.csv, memos.json already exist" in warning and "Enter again overwrites" in warning
        assert out.read_bytes() == before
        await pilot.press("escape")                             # cancelled: nothing written
        await pilot.pause()
        assert out.read_bytes() == before
    args = ["export", "memos", "--coder", "ana", "--interview", first.name]
    cli_out = tmp_path / "cli" / "memos.csv"
    run_cli(study, *args[:2], "-o", str(cli_out), *args[2:])
    same_files(out, cli_out, ["memos.csv", "memos.json"], args)
    assert "Damp flats again" in out.read_text(encoding="utf-8")
    assert "I read this turn" not in out.read_text(encoding="utf-8")


async def test_overwrite_after_a_second_enter_and_a_path_of_ones_own(study, tmp_path):
    target = tmp_path / "elsewhere" / "all-memos.csv"
    storemod.add_memo(study.store, "ben", "A memo", interview_id=study.store.interview_infos()[0].id)
    app = make_app(study)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, MemoListScreen), "the memo list")
        screen = app.screen
        for _ in range(40):                                     # i cycles the interviews, then all
            await pilot.press("i")
            await pilot.pause()
            if screen.interview_id is None:
                break
        assert screen.interview_id is None
        target.parent.mkdir()
        target.write_text("old\n", encoding="utf-8")
        await pilot.press("ctrl+e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog), "the export dialog")
        dialog = app.screen
        inp = dialog.query_one(Input)
        inp.value = ""
        await pilot.press(*"results/memos.txt")
        await pilot.press("enter")
        assert "end the name in .csv" in str(dialog.query_one("#export-warning", Static).render())
        inp.value = ""
        await pilot.press(*str(target))
        await pilot.press("enter")
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == "old\n"   # asked first
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, ExportDialog), "the export")
        assert target.read_text(encoding="utf-8").startswith("memo_uid,kind,author,")
    args = ["export", "memos"]
    cli_out = tmp_path / "cli" / "all-memos.csv"
    run_cli(study, *args[:2], "-o", str(cli_out))
    same_files(target, cli_out, ["all-memos.csv", "all-memos.json"], args)


async def test_agreement_panel_exports_what_export_agreement_writes(study, tmp_path):
    app = make_app(study)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("A")
        screen = app.screen
        await until(pilot, lambda: not screen.busy, "the agreement")
        await pilot.press("u", "u")                             # sentence -> turn -> interview
        await until(pilot, lambda: not screen.busy and screen.unit == "interview", "the agreement")
        await pilot.press("b")
        await until(pilot, lambda: not screen.busy and screen.by == "arm", "the agreement by arm")
        out = await export_default(app, pilot)
        assert out.name == "agreement-interview-by-arm.csv"
    args = ["export", "agreement", "--unit", "interview", "--by", "arm"]
    cli_out = tmp_path / "cli" / out.name
    run_cli(study, *args[:2], "-o", str(cli_out), *args[2:])
    same_files(out, cli_out, [out.name, out.with_suffix(".json").name], args)
