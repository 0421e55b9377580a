"""The framework screen (F) driven by real keys on a real SQLite copy of the bundled study coded by
ana and ben: two coders write summaries in the same cell, a cited passage removed later is
flagged, and an export is compared cell by cell with what was typed; the passage counts are the
crosstab's segments, read from 'fieldcode export counts' (its CSV parsed here)."""

from __future__ import annotations

import csv
import shutil

import pytest
from sqlalchemy import text as sql
from typer.testing import CliRunner

from fieldcode import cli
from fieldcode.project import Project
from fieldcode.store.framework import set_summary, summaries
from fieldcode.tui import make_app
from fieldcode.tui.coding import CodingScreen
from fieldcode.tui.framework import FrameworkScreen
from fieldcode.tui.framework_cell import FrameworkCellScreen

IV = "leeds-improving-01-resident.md"
TWIN = "leeds-lagging-01-resident.md"
PLACE_COL = 1 + 2 * 4          # themes: leadership, outward-looking, aspiration, community-confidence, place
PLACE_KEYS = ("place", "housing", "crime-and-grime")


@pytest.fixture
def root(bundled_coded, tmp_path):
    dst = tmp_path / "study"
    shutil.copytree(bundled_coded, dst)
    return dst


async def ready(app, pilot) -> None:
    for _ in range(300):
        await pilot.pause()
        if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None:
            return
    raise AssertionError("the coding screen did not open")


async def wait_for(app, pilot, kind) -> None:
    for _ in range(300):
        await pilot.pause()
        if isinstance(app.screen, kind):
            await pilot.pause()
            return
    raise AssertionError(f"{kind.__name__} did not open")


def first_passage_uid(p, coder: str, interview: str) -> tuple[str, str]:
    """The uid and text of ``coder``'s first coding (by start, end) of place or its children in
    ``interview``: plain SQL."""
    with p.store.engine.connect() as c:
        uid, s, e, text = c.execute(sql(
            "select c.uid, c.start, c.\"end\", i.text from coding c join code k on k.id = c.code_id "
            "join interview i on i.id = c.interview_id where c.coder = :coder and i.name = :iv and k.key in "
            "('place', 'housing', 'crime-and-grime') order by c.start, c.\"end\", c.id limit 1"),
            {"coder": coder, "iv": interview}).one()
    return uid, text[s:e]


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def write_in_cell(p, row: int, col: int, text: str, *, cite_first: bool) -> None:
    app = make_app(p)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press("F")
        await wait_for(app, pilot, FrameworkScreen)
        for _ in range(row):
            await pilot.press("down")
        for _ in range(col - 1):
            await pilot.press("right")
        await pilot.press("enter")
        await wait_for(app, pilot, FrameworkCellScreen)
        if cite_first:
            await pilot.press("space")          # the passage list has focus: cite the first passage
        await pilot.press("tab")
        await type_text(pilot, text)
        await pilot.press("ctrl+s")
        await wait_for(app, pilot, FrameworkScreen)
        screen = app.screen
        table = screen.query_one("#fw-table")
        label = str(table.get_cell_at((row, col)))
        body = label.split(None, 1)[1]
        assert body.endswith("\u2026") and text.startswith(body[:-1]) and len(body) > 5, label   # the summary's start


async def test_two_coders_write_in_the_same_cell(root):
    ana = Project.open(root, coder="ana")
    try:
        await write_in_cell(ana, 0, PLACE_COL, "Repairs kept people", cite_first=True)
        uid, quote = first_passage_uid(ana, "ana", IV)
    finally:
        ana.close()
    ben = Project.open(root, coder="ben")
    try:
        await write_in_cell(ben, 0, PLACE_COL, "Fly tipping persists", cite_first=False)
        # ben's cell screen shows ana's summary beside his own, read-only for him
        app = make_app(ben)
        async with app.run_test(size=(80, 24)) as pilot:
            await ready(app, pilot)
            await pilot.press("F")
            await wait_for(app, pilot, FrameworkScreen)
            await pilot.press("o")                          # consensus
            await pilot.press("o")                          # ana's
            for _ in range(PLACE_COL - 1):
                await pilot.press("right")
            await pilot.press("enter")
            await wait_for(app, pilot, FrameworkCellScreen)
            cell = app.screen
            assert cell.editable is False
            others = str(cell.query_one("#fwc-others").render())
            assert "ben: Fly tipping persists" in others
            await pilot.press("tab")
            await type_text(pilot, "xyz")
            await pilot.press("ctrl+s")                     # refused: read-only
            await pilot.pause()
            assert isinstance(app.screen, FrameworkCellScreen)
    finally:
        ben.close()
    p = Project.open(root, coder="ana")
    try:
        with p.store.engine.connect() as c:
            rows = sorted(c.execute(sql(
                "select s.author, s.text, s.cites from framework_summary s join interview i on i.id = s.interview_id "
                "join code k on k.id = s.code_id where i.name = :iv and k.key = 'place'"), {"iv": IV}).all())
            n_ev = c.execute(sql("select count(*) from event where action = 'summary'")).scalar()
        assert [(a, t) for a, t, _ in rows] == [("ana", "Repairs kept people"), ("ben", "Fly tipping persists")]
        import json
        assert [x["uid"] for x in json.loads(rows[0][2])] == [uid]
        assert json.loads(rows[1][2]) == []
        assert n_ev == 2
        got = {s.author: s for s in summaries(p.store)}
        assert got["ana"].cites[0].quote == quote
    finally:
        p.close()


async def test_removed_passage_is_flagged_in_screen_and_export(root, tmp_path):
    p = Project.open(root, coder="ana")
    try:
        uid, _quote = first_passage_uid(p, "ana", IV)
        iv = p.store.interview(IV)
        place = next(c for c in p.store.codes() if c.key == "place")
        set_summary(p.store, "ana", iv.id, place.id, "Tipping is the sore point.", cites=[uid])
        with p.store.engine.connect() as c:
            cid = c.execute(sql("select id from coding where uid = :u"), {"u": uid}).scalar()
        p.store.remove_coding(cid, "ana")
        app = make_app(p)
        async with app.run_test(size=(80, 24)) as pilot:
            await ready(app, pilot)
            await pilot.press("F")
            await wait_for(app, pilot, FrameworkScreen)
            for _ in range(PLACE_COL - 1):
                await pilot.press("right")
            await pilot.pause()
            screen = app.screen
            label = str(screen.query_one("#fw-table").get_cell_at((0, PLACE_COL)))
            assert label.split()[1].startswith("!Tipping"), label
            detail = str(screen.query_one("#fw-detail").render())
            assert "1 cited passage changed since: 1 removed" in detail
            # open the cell, drop the changed citation, save: the flag goes
            await pilot.press("enter")
            await wait_for(app, pilot, FrameworkCellScreen)
            assert "! removed" in str(app.screen.query_one("#fwc-cites").render())
            await pilot.press("ctrl+r")
            await pilot.press("ctrl+s")
            await wait_for(app, pilot, FrameworkScreen)
            label = str(app.screen.query_one("#fw-table").get_cell_at((0, PLACE_COL)))
            assert "!" not in label
        # a citation whose coding is recoded later is flagged in the export
        uid2, _q = first_passage_uid(p, "ana", IV)
        set_summary(p.store, "ana", iv.id, place.id, "Tipping again.", cites=[uid2])
        with p.store.engine.connect() as c:
            cid2 = c.execute(sql("select id from coding where uid = :u"), {"u": uid2}).scalar()
        p.store.update_coding(cid2, "ana", code="leadership")
    finally:
        p.close()
    out = tmp_path / "out" / "fw.md"
    r = CliRunner().invoke(cli.app, ["-C", str(root), "export", "framework", "-o", str(out), "--format", "md"])
    assert r.exit_code == 0, r.output
    md = out.read_text(encoding="utf-8")
    line = next(x for x in md.splitlines() if x.startswith("| Leeds |") and "Tipping again." in x)
    assert "STALE: 1 cited passage changed since: 1 recoded" in line


async def test_export_cell_by_cell_matches_what_was_typed(root, tmp_path):
    p = Project.open(root, coder="ana")
    try:
        await write_in_cell(p, 0, PLACE_COL, "Repairs kept people", cite_first=True)
        await write_in_cell(p, 0, PLACE_COL + 1, "Damp empty flats", cite_first=False)
        _uid, quote = first_passage_uid(p, "ana", IV)
    finally:
        p.close()
    out = tmp_path / "out" / "fw.xlsx"
    r = CliRunner().invoke(cli.app, ["-C", str(root), "export", "framework", "-o", str(out)])
    assert r.exit_code == 0, r.output
    counts = tmp_path / "out" / "counts.csv"
    r = CliRunner().invoke(cli.app, ["-C", str(root), "export", "counts", "--by", "interview", "--rollup",
                                     "-o", str(counts)])
    assert r.exit_code == 0, r.output
    segs = {(row["code"], row["interview"]): int(row["value"]) for row in csv.DictReader(counts.open(encoding="utf-8"))
            if row["unit"] == "segments"}

    import openpyxl

    p = Project.open(root, coder="ana")
    names = {c.name: c.key for c in p.store.codes() if c.parent_id is None}
    p.close()
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[4] == "Place and environment"
    ws = wb["Place and environment"]
    assert [c.value for c in ws[2]] == ["Pair", "Place and environment \u2014 improving",
                                        "Place and environment \u2014 lagging"]
    left, right = ws.cell(row=3, column=2).value, ws.cell(row=3, column=3).value
    assert ws.cell(row=3, column=1).value == "Leeds"
    assert left.splitlines() == [f"{IV} ({segs[('place', IV)]} passages)", "[ana] Repairs kept people",
                                 f"> \u201c{' '.join(quote.split())}\u201d (ana)"]
    assert right.splitlines() == [f"{TWIN} ({segs[('place', TWIN)]} passages)", "[ana] Damp empty flats"]
    # every cell of every sheet: the passages are the crosstab's segments
    n = 0
    for ws in wb.worksheets:
        header = [c.value for c in ws[2]]
        for row in ws.iter_rows(min_row=3, max_row=10):
            for h, c in zip(header[1:], row[1:]):
                if not c.value:
                    continue
                first = c.value.splitlines()[0]
                iv, count = first.rsplit(" (", 1)
                theme = ws.title
                key = names.get(theme)
                if key is None:
                    continue
                assert int(count.split()[0]) == segs[(key, iv)], (theme, iv)
                n += 1
    assert n >= 8 * 13
    # Markdown and DOCX hold the same typed text in the same places
    md = out.with_suffix(".md").read_text(encoding="utf-8")
    assert f"| Leeds | {IV} ({segs[('place', IV)]} passages)<br>[ana] Repairs kept people<br>" in md
    import docx

    d = docx.Document(str(out.with_suffix(".docx")))
    texts = [[c.text for c in r.cells] for t in d.tables for r in t.rows]
    hit = [r for r in texts if r[1].startswith(f"{IV} (") and "[ana] Repairs kept people" in r[1]]
    assert len(hit) == 1 and hit[0][2].splitlines()[1] == "[ana] Damp empty flats"


async def test_chosen_themes_and_the_consensus_summary(root, tmp_path):
    """t chooses the themes (here place and its child housing, not rolled up after r); o shows the
    consensus summaries, which ana writes and the log records as hers.  Counts compared with
    'export counts --coder ana' (no roll-up)."""
    counts = tmp_path / "counts.csv"
    r = CliRunner().invoke(cli.app, ["-C", str(root), "export", "counts", "--by", "interview", "--coder", "ana",
                                     "-o", str(counts)])
    assert r.exit_code == 0, r.output
    segs = {(row["code"], row["interview"]): int(row["value"]) for row in csv.DictReader(counts.open(encoding="utf-8"))
            if row["unit"] == "segments"}
    p = Project.open(root, coder="ana")
    try:
        app = make_app(p)
        async with app.run_test(size=(80, 24)) as pilot:
            await ready(app, pilot)
            await pilot.press("F")
            await wait_for(app, pilot, FrameworkScreen)
            screen = app.screen
            await pilot.press("r")                                   # sub-themes apart
            await pilot.press("t")
            await pilot.pause()
            await type_text(pilot, "place,housing")
            await pilot.press("enter")
            for _ in range(50):
                await pilot.pause()
                if isinstance(app.screen, FrameworkScreen) and [t.key for t in screen.matrix.themes] == ["place", "housing"]:
                    break
            table = screen.query_one("#fw-table")
            assert len(table.columns) == 5
            # row 0: the Leeds pair's first interviews; columns place|improving, place|lagging, housing|...
            for col, key, iv in ((1, "place", IV), (2, "place", TWIN), (3, "housing", IV), (4, "housing", TWIN)):
                assert int(str(table.get_cell_at((0, col))).split()[0]) == segs[(key, iv)], (key, iv)
            await pilot.press("o")                                   # the consensus summaries
            await pilot.pause()
            assert screen.author == "consensus"
            await pilot.press("right", "right")                      # housing, improving
            await pilot.press("enter")
            await wait_for(app, pilot, FrameworkCellScreen)
            assert app.screen.editable
            await pilot.press("tab")
            await type_text(pilot, "Agreed repairs")
            await pilot.press("ctrl+s")
            await wait_for(app, pilot, FrameworkScreen)
    finally:
        p.close()
    p = Project.open(root, coder="ben")
    try:
        with p.store.engine.connect() as c:
            row = c.execute(sql("select s.author, s.consensus, s.text, k.key from framework_summary s "
                                "join code k on k.id = s.code_id")).one()
            ev = c.execute(sql("select coder from event where action = 'summary'")).scalars().all()
        assert (row[0], bool(row[1]), row[2], row[3]) == ("consensus", True, "Agreed repairs", "housing")
        assert ev == ["ana"]
    finally:
        p.close()
