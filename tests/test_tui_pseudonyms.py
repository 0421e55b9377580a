"""The pseudonym review in the coding screen (issue 23 point 2), driven by real key presses
(Pilot): P opens the review, a accepts with the category's label, p with a typed pseudonym, r
rejects, A accepts every open entry shown, + adds by hand, I marks the transcript's selection as
identifying; enter shows an occurrence in the transcript.  Two coders review in turn.  Asserted
on the key file (read by the test as YAML), on the decision events (plain SQL) and on what the
widgets render, at 80x24."""

from __future__ import annotations

import json

import pytest
from ruamel.yaml import YAML
from sqlalchemy import text as sql
from textual.widgets import DataTable, Static

from fieldcode.privacy import review
from fieldcode.project import Project
from fieldcode.study.settings import Settings
from fieldcode.tui import make_app
from fieldcode.tui.pseudonyms import PseudonymScreen
from test_tui import ready


def key_entries(root) -> dict[str, dict]:
    """The key file as the test reads it: original -> its entry (plain YAML, not fieldcode's loader)."""
    data = YAML(typ="safe").load((root / "pseudonyms.key.yaml").read_text(encoding="utf-8"))
    return {e["original"]: e for e in data["entries"]}


def events(store) -> list[tuple]:
    with store.engine.connect() as c:
        rows = c.execute(sql("SELECT coder, action, detail FROM event WHERE action LIKE 'pn-%' ORDER BY id")).all()
    return [(r.coder, r.action, json.loads(r.detail).get("entry"), json.loads(r.detail).get("pseudonym")) for r in rows]


@pytest.fixture
def study(mini_dir):
    """The mini study on SQLite, imported and scanned by ana: Jean, Sam (speakers), Ashcliffe,
    Brookside (neighbourhoods), Leeds (the pair), all open."""
    p = Project.open(mini_dir, coder="ana", settings=Settings())
    assert p.import_files().ok
    review.scan_study(p.store, mini_dir, p.study, "ana")
    p.close()
    return mini_dir


def shown(screen, wid: str) -> str:
    return str(screen.query_one(wid, Static).render())


def table_rows(screen) -> list[tuple[str, ...]]:
    t = screen.query_one(DataTable)
    return [tuple(str(c) for c in t.get_row_at(i)) for i in range(t.row_count)]


async def open_panel(app, pilot) -> PseudonymScreen:
    await pilot.press("P")
    await pilot.pause()
    assert isinstance(app.screen, PseudonymScreen)
    return app.screen


async def type_text(pilot, text: str) -> None:
    names = {" ": "space", "[": "left_square_bracket", "]": "right_square_bracket", "-": "minus"}
    await pilot.press(*[names.get(ch, ch) for ch in text])


async def test_two_coders_review_in_the_coding_screen(study):
    root = study
    ids = {o: e["id"] for o, e in key_entries(root).items()}
    assert sorted(ids) == ["Ashcliffe", "Brookside", "Jean", "Leeds", "Sam"]
    assert {e["state"] for e in key_entries(root).values()} == {"open"}

    # --- ana: accept, accept as, reject ---------------------------------------------------------
    p = Project.open(root, coder="ana", settings=Settings())
    try:
        app = make_app(p)
        async with app.run_test(size=(80, 24)) as pilot:
            await ready(app, pilot)
            screen = await open_panel(app, pilot)
            assert shown(screen, "#pn-progress").startswith("Pseudonyms · 5 open · 0 accepted · 0 rejected")
            # the order of the review: speakers, then places, each by name (scan.PRIORITY)
            assert [r[:2] for r in table_rows(screen)] == [("speaker", "Jean"), ("speaker", "Sam"),
                                                           ("place", "Ashcliffe"), ("place", "Brookside"),
                                                           ("place", "Leeds")]
            # Jean speaks three turns of a.md (conftest.MINI_A)
            assert "1 of 3 · a: Interviewer: How long" in shown(screen, "#pn-detail")
            await pilot.press("n", "n")                              # the third place Jean occurs
            assert "3 of 3 · a: …" in shown(screen, "#pn-detail") and "Much better" in shown(screen, "#pn-detail")
            await pilot.press("a")                                   # Jean -> [Participant 1]
            await pilot.pause()
            assert key_entries(root)["Jean"]["state"] == "accepted"
            assert key_entries(root)["Jean"]["pseudonym"] == "[Participant 1]"
            assert table_rows(screen)[0][1] == "Sam"                 # Jean left the open list
            await pilot.press("down")                                # Ashcliffe
            await pilot.press("p")
            await pilot.pause()
            await pilot.press(*["backspace"] * 20)
            await type_text(pilot, "[Estate A]")
            await pilot.press("enter")
            await pilot.pause()
            assert key_entries(root)["Ashcliffe"]["pseudonym"] == "[Estate A]"
            await pilot.press("down")                                # Leeds (Brookside is under the cursor now)
            assert table_rows(screen)[screen.query_one(DataTable).cursor_row][1] == "Leeds"
            await pilot.press("r")
            await pilot.pause()
            assert key_entries(root)["Leeds"]["state"] == "rejected"
            assert shown(screen, "#pn-progress").startswith("Pseudonyms · 2 open · 2 accepted · 1 rejected")
            await pilot.press("f")                                   # accepted ones
            assert [r[1] for r in table_rows(screen)] == ["Jean", "Ashcliffe"]
            await pilot.press("down", "c")                           # Ashcliffe is an estate: its own category
            await pilot.pause()
            await pilot.press(*["backspace"] * 12)
            await type_text(pilot, "estate")
            await pilot.press("enter")
            await pilot.pause()
            e = key_entries(root)["Ashcliffe"]
            assert (e["state"], e["category"], e["pseudonym"]) == ("accepted", "estate", "[Estate 1]")
            await pilot.press("q")
            await pilot.pause()
            assert not isinstance(app.screen, PseudonymScreen)
        assert events(p.store)[1:] == [("ana", "pn-accept", ids["Jean"], "[Participant 1]"),
                                       ("ana", "pn-accept", ids["Ashcliffe"], "[Estate A]"),
                                       ("ana", "pn-reject", ids["Leeds"], None),
                                       ("ana", "pn-accept", ids["Ashcliffe"], "[Estate 1]")]
    finally:
        p.close()

    # --- ben: marks a selection by hand, accepts the rest, goes to an occurrence -----------------
    p = Project.open(root, coder="ben", settings=Settings())
    try:
        app = make_app(p, "b.md")
        async with app.run_test(size=(80, 24)) as pilot:
            coding = await ready(app, pilot)
            text = coding.text
            a = text.index("damp")
            coding.transcript.select_offsets(a, a + len("damp"))
            await pilot.press("I")
            await pilot.pause()
            await pilot.press(*["backspace"] * 6)
            await type_text(pilot, "detail")
            await pilot.press("enter")
            await pilot.pause()
            e = key_entries(root)["damp"]
            assert (e["state"], e["category"], e["pseudonym"], e["by"]) == ("accepted", "detail", "[Detail 1]", "ben")
            assert e["occurrences"] == {"b.md": f"{a}-{a + 4}"}
            screen = await open_panel(app, pilot)
            assert [r[1] for r in table_rows(screen)] == ["Sam", "Brookside"]
            await pilot.press("A")                                   # accept all shown: asks first
            await pilot.pause()
            await pilot.press("y", "enter")
            await pilot.pause()
            k = key_entries(root)
            assert (k["Sam"]["pseudonym"], k["Sam"]["by"]) == ("[Participant 2]", "ben")
            assert (k["Brookside"]["pseudonym"], k["Brookside"]["by"]) == ("[Place A]", "ben")
            assert "No open entries" in shown(screen, "#pn-detail")
            await pilot.press("f", "f", "f")                         # all
            rows = table_rows(screen)
            assert len(rows) == 6
            cursor = [r[1] for r in rows].index("Sam")
            await pilot.press(*["down"] * cursor, "enter")           # show Sam in the transcript
            await pilot.pause()
            assert app.screen is coding
            sam = text.index("Sam")
            assert coding.transcript.selection_offsets == (sam, sam + 3)
        got = events(p.store)
        assert got[-3:] == [("ben", "pn-add", k["damp"]["id"], "[Detail 1]"),
                            ("ben", "pn-accept", ids["Sam"], "[Participant 2]"),
                            ("ben", "pn-accept", ids["Brookside"], "[Place A]")]
        assert {c for c, *_ in got} == {"ana", "ben"}
    finally:
        p.close()


async def test_nothing_decided_without_a_key_and_no_selection_is_refused(study):
    """Opening, moving, filtering and cancelling decide nothing; I with no selection says what to do."""
    before = (study / "pseudonyms.key.yaml").read_bytes()
    p = Project.open(study, coder="ana", settings=Settings())
    try:
        app = make_app(p)
        async with app.run_test(size=(80, 24)) as pilot:
            coding = await ready(app, pilot)
            coding.transcript.select_offsets(0, 0)
            await pilot.press("I")
            await pilot.pause()
            assert app.screen is coding
            screen = await open_panel(app, pilot)
            await pilot.press("down", "n", "p")
            await pilot.pause()
            await pilot.press("escape")                              # cancels the prompt
            await pilot.pause()
            await pilot.press("A")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen
            await pilot.press("f", "r", "a")                         # nothing accepted yet: no row to decide
            await pilot.pause()
            assert "No accepted entries" in shown(screen, "#pn-detail")
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is coding
        assert (study / "pseudonyms.key.yaml").read_bytes() == before
        assert [a for _c, a, *_ in events(p.store)] == ["pn-scan"]
    finally:
        p.close()


async def test_a_blind_coder_is_refused_the_review(study):
    """The key names the neighbourhoods and pairs a blind coder's labels hide: P and I refuse."""
    cb = study / "codebook.yaml"
    text = cb.read_text(encoding="utf-8")
    anchor = "study:\n"
    assert anchor in text
    cb.write_text(text.replace(anchor, anchor + "  blind: [arm, pair, neighbourhood]\n  lead: ben\n", 1), encoding="utf-8")
    before = (study / "pseudonyms.key.yaml").read_bytes()
    p = Project.open(study, coder="ana", settings=Settings())
    try:
        assert p.blinder is not None
        app = make_app(p)
        async with app.run_test(size=(80, 24)) as pilot:
            coding = await ready(app, pilot)
            await pilot.press("P")
            await pilot.pause()
            assert app.screen is coding
            coding.transcript.select_offsets(0, 4)
            await pilot.press("I")
            await pilot.pause()
            assert app.screen is coding
        assert (study / "pseudonyms.key.yaml").read_bytes() == before
    finally:
        p.close()
