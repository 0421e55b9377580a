"""The re-check queue: a code's definition changes, each coder's older codings of it are queued
for that coder, and each decision (keep, recode, remove) is an undoable event.  Two coders, the
CLI on SQLite and PostgreSQL, the TUI screen with real keys; expected values from plain SQL."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from protocol_helpers import cli, sql, span

def redefine(root, key_line: str, definition: str) -> None:
    path = root / "codebook.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(key_line, f"{key_line}\n    definition: {definition}"), encoding="utf-8")


@pytest.fixture
def queued(mini, db_url):
    """ana: two leadership codings and one housing; ben: one leadership; then ben's command
    records a new definition of leadership."""
    p = mini
    ids = {
        "ana1": p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ana").id,
        "ana2": p.store.add_coding("a.md", "leadership", *span(p, "a.md", "We meet on Tuesdays."), "ana").id,
        "ana3": p.store.add_coding("b.md", "housing", *span(p, "b.md", "The flats are damp."), "ana").id,
        "ben1": p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ben").id,
    }
    redefine(p.root, "name: Leadership", "People taking the lead")
    cli(p.root, db_url, "ben", "codebook", "sync")
    return p, ids


def test_queue_is_per_coder_and_decisions_are_events(queued, db_url):
    p, ids = queued
    root = p.root
    lead = p.store.code("leadership").id
    old = sql(p.store, "SELECT definition_hash FROM coding WHERE id = :i", i=ids["ana1"])[0][0]
    # the queue, by plain SQL: leadership codings still pinned to the definition they had
    want = sql(p.store, "SELECT coder, id FROM coding WHERE code_id = :c AND definition_hash = :h ORDER BY coder, id",
               c=lead, h=old)
    assert want == [("ana", ids["ana1"]), ("ana", ids["ana2"]), ("ben", ids["ben1"])]
    out = cli(root, db_url, "ana", "recheck").output
    assert "re-check queue of ana: 2 coding(s)" in out
    assert f"#{ids['ana1']}" in out and f"#{ids['ana2']}" in out and f"#{ids['ben1']}" not in out
    assert "ana: 1 coding(s) under the current definitions, 2 under an older one (queued), 0 with no" in " ".join(out.split())
    out = cli(root, db_url, "ana", "recheck", "--coder", "ben").output
    assert "re-check queue of ben: 1 coding(s)" in out

    # a coder decides only on their own codings
    r = cli(root, db_url, "ana", "recheck", "keep", str(ids["ben1"]), ok=False)
    assert r.exit_code != 0 and "belongs to coder 'ben'" in r.output and "Traceback" not in r.output
    # a coding not in the queue is refused, clearly
    r = cli(root, db_url, "ana", "recheck", "keep", str(ids["ana3"]), ok=False)
    assert r.exit_code != 0 and "already under the current definition of 'housing'" in r.output

    cli(root, db_url, "ana", "recheck", "keep", str(ids["ana1"]))
    cli(root, db_url, "ana", "recheck", "recode", str(ids["ana2"]), "housing")
    cli(root, db_url, "ben", "recheck", "remove", str(ids["ben1"]))
    new = sql(p.store, "SELECT definition_hash FROM coding WHERE id = :i", i=ids["ana1"])[0][0]
    assert new != old
    assert sql(p.store, "SELECT code_id FROM coding WHERE id = :i", i=ids["ana2"]) == [(p.store.code("housing").id,)]
    assert sql(p.store, "SELECT count(*) FROM coding WHERE id = :i", i=ids["ben1"]) == [(0,)]
    assert sql(p.store, "SELECT count(*) FROM coding WHERE code_id = :c AND definition_hash = :h", c=lead, h=old) == [(0,)]
    evs = sql(p.store, "SELECT coder, action, coding_id, detail FROM event WHERE detail LIKE '%recheck%' ORDER BY id")
    got = [(c, a, i, json.loads(d)["recheck"]) for c, a, i, d in evs]
    assert got == [("ana", "update", ids["ana1"], "keep"), ("ana", "update", ids["ana2"], "recode"),
                   ("ben", "remove", ids["ben1"], "remove")]
    assert json.loads(evs[0][3])["from_definition"] == old and json.loads(evs[0][3])["to_definition"] == new
    assert "empty" in cli(root, db_url, "ana", "recheck").output
    assert "update (re-check: keep)" in cli(root, db_url, "ana", "log").output

    # undo puts a decision back: ben's coding returns to his queue, ana's recode is taken back
    cli(root, db_url, "ben", "undo")
    assert sql(p.store, "SELECT coder, definition_hash FROM coding WHERE id = :i", i=ids["ben1"]) == [("ben", old)]
    cli(root, db_url, "ana", "undo")
    assert sql(p.store, "SELECT code_id, definition_hash FROM coding WHERE id = :i", i=ids["ana2"]) == [(lead, old)]
    out = cli(root, db_url, "ana", "recheck").output
    assert "re-check queue of ana: 1 coding(s)" in out and f"#{ids['ana2']}" in out
    cli(root, db_url, "ana", "redo")
    assert "empty" in cli(root, db_url, "ana", "recheck").output


def test_unknown_pins_are_said_and_never_queued(queued, db_url):
    p, ids = queued
    with p.store.engine.begin() as c:     # as the migration leaves a coding made before pins
        c.execute(sa.text("UPDATE coding SET codebook_hash = NULL, definition_hash = NULL WHERE id = :i"),
                  {"i": ids["ana2"]})
    out = " ".join(cli(p.root, db_url, "ana", "recheck").output.split())
    assert "re-check queue of ana: 1 coding(s)" in out
    assert "1 with no recorded definition" in out and "never put in the queue" in out
    r = cli(p.root, db_url, "ana", "recheck", "keep", str(ids["ana2"]), ok=False)
    assert r.exit_code != 0 and "no recorded definition" in r.output


def test_agreement_warns_about_mixed_definitions_and_same_version_leaves_them_out(queued, db_url):
    p, ids = queued
    root = p.root
    # ben codes again under the new definition; ana keeps one of hers, so both have current codings
    p.store.add_coding("a.md", "leadership", *span(p, "a.md", "We meet on Tuesdays."), "ben")
    cli(root, db_url, "ana", "recheck", "keep", str(ids["ana1"]))
    r = cli(root, db_url, "ana", "agreement", "--codes", "leadership")
    text = " ".join(r.output.split())
    assert "'leadership': the compared codings were made under different definitions of the code" in text
    assert "ana 1 under the current definition, 1 under an older one (re-check queue)" in text
    assert "ben 1 under the current definition, 1 under an older one" in text
    r = cli(root, db_url, "ana", "agreement", "--codes", "leadership", "--same-version", "--format", "csv")
    text = " ".join(r.output.split())
    assert "2 coding(s) under an older definition and 0 with no recorded definition left out" in text
    # with only the current codings: ana coded "Twenty years.", ben "We meet on Tuesdays.";
    # on sentences of a.md they agree on no coded sentence: positive agreement 0
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    lead = [row for row in rows if row.get("code") == "leadership" and row.get("group", "(all)") in ("(all)", "all", "")]
    assert lead, rows[:2]
    assert float(lead[0]["positive_agreement"]) == 0.0
    # with every coding: both coded both sentences (the older codings too): full agreement
    r = cli(root, db_url, "ana", "agreement", "--codes", "leadership", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    lead = [row for row in rows if row.get("code") == "leadership" and row.get("group", "(all)") in ("(all)", "all", "")]
    assert float(lead[0]["positive_agreement"]) == 1.0


async def test_recheck_screen_keeps_recodes_removes_with_keys(mini_dir, tmp_path):
    """ben's re-check screen at 80x24: R opens it on his two queued codings only; k keeps the
    first, c + typing + Enter recodes the second, u undoes that, x x removes it; the database
    and the screen say so."""
    from textual.widgets import Static

    from fieldcode.project import Project
    from fieldcode.tui import make_app
    from fieldcode.tui.coding import CodingScreen
    from fieldcode.tui.recheck import RecheckScreen

    p = Project.open(mini_dir, coder="ana")
    assert p.import_files().ok
    ana = p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ana").id
    b1 = p.store.add_coding("a.md", "leadership", *span(p, "a.md", "Twenty years."), "ben").id
    b2 = p.store.add_coding("a.md", "leadership", *span(p, "a.md", "We meet on Tuesdays."), "ben").id
    redefine(p.root, "name: Leadership", "People taking the lead")
    p.close()
    p = Project.open(mini_dir, coder="ben")
    old = sql(p.store, "SELECT definition_hash FROM coding WHERE id = :i", i=ana)[0][0]
    app = make_app(p)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(100):
                await pilot.pause()
                if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None:
                    break
            await pilot.press("R")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, RecheckScreen)
            assert [i.coding_id for i in screen.items] == [b1, b2]          # ben's only, not ana's
            shown = str(screen.query_one("#progress", Static).render())
            assert "coding 1 of 2" in shown and "2 to decide" in shown
            detail = str(screen.query_one("#detail", Static).render())
            assert "v1: (empty)" in " ".join(detail.split()) and "now: People taking the lead" in detail
            await pilot.press("k")
            await pilot.pause()
            assert sql(p.store, "SELECT definition_hash != :h FROM coding WHERE id = :i", h=old, i=b1) == [(True,)]
            assert screen.current.coding_id == b2
            await pilot.press("c")
            await pilot.pause()
            for ch in "housing":
                await pilot.press(ch)
            await pilot.press("enter")
            await pilot.pause()
            assert sql(p.store, "SELECT code_id FROM coding WHERE id = :i", i=b2) == [(p.store.code("housing").id,)]
            assert "RECODED TO HOUSING" in str(screen.query_one("#what", Static).render())
            await pilot.press("u")
            await pilot.pause()
            assert sql(p.store, "SELECT code_id, definition_hash FROM coding WHERE id = :i", i=b2) == [
                (p.store.code("leadership").id, old)]
            await pilot.press("x")
            await pilot.pause()
            assert sql(p.store, "SELECT count(*) FROM coding WHERE id = :i", i=b2) == [(1,)]   # once: asks
            await pilot.press("x")
            await pilot.pause()
            assert sql(p.store, "SELECT count(*) FROM coding WHERE id = :i", i=b2) == [(0,)]
            assert "0 to decide" in str(screen.query_one("#progress", Static).render())
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, CodingScreen)
        # ana's coding was never touched
        assert sql(p.store, "SELECT definition_hash FROM coding WHERE id = :i", i=ana) == [(old,)]
        evs = [json.loads(d)["recheck"] for (d,) in sql(p.store, "SELECT detail FROM event WHERE coder = 'ben' AND "
                                                                 "detail LIKE '%recheck%' ORDER BY id")]
        assert evs == ["keep", "recode", "remove"]
    finally:
        p.close()


DECIDER = '''
import random, sys
from fieldcode.store import Store
from fieldcode.store.pins import recheck_queue
url, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
st = Store(url)
iv = st.interview_ids()[0]
print("READY", flush=True)
for it in recheck_queue(st):
    choice = rnd.choice(["keep", "keep", "remove", "recode", "add"])
    if choice == "keep":
        st.recheck_keep(it.coding_id, it.coder)
    elif choice == "remove":
        st.recheck_remove(it.coding_id, it.coder)
    elif choice == "recode":
        st.recheck_recode(it.coding_id, it.coder, "housing")
    else:
        c = st.add_coding(iv, "leadership", it.start, it.end + 1, it.coder)
        print("ADDED", c.uid, flush=True)
        continue
    print("DONE", it.uid, choice, flush=True)
'''


def test_sigkill_during_recheck_decisions_leaves_whole_decisions(tmp_path):
    """Two coders' queued codings decided by a process killed at random moments: after every kill
    the file is sound, each coding is either decided whole (pins or code or absence, and its
    event) or untouched, every decision reported is there, and every new coding is pinned."""
    import random
    import shutil
    import signal
    import sqlite3
    import subprocess
    import sys
    import time
    from pathlib import Path

    from fieldcode.project import Project
    from fieldcode.study.settings import Settings

    repo = Path(__file__).resolve().parents[1]
    root = tmp_path / "s"
    (root / "interviews").mkdir(parents=True)
    shutil.copy(repo / "codebook.yaml", root / "codebook.yaml")
    shutil.copy(repo / "interviews" / "leeds-improving-01-resident.md", root / "interviews")
    p = Project.open(root, coder="ana", settings=Settings())
    assert p.import_files().ok
    iv = p.store.interview_ids()[0]
    sents = p.store.sentence_spans(iv)
    for i, (a, b) in enumerate(sents[:60]):
        p.store.add_coding(iv, "leadership", a, b, "ana" if i % 2 else "ben")
    old = sql(p.store, "SELECT DISTINCT definition_hash FROM coding")[0][0]
    text = (root / "codebook.yaml").read_text(encoding="utf-8")
    (root / "codebook.yaml").write_text(text.replace("People or organisations taking the lead",
                                                     "People or groups taking the lead", 1), encoding="utf-8")
    p.reload_codebook()
    lead, housing = p.store.code("leadership").id, p.store.code("housing").id
    initial = {uid for (uid,) in sql(p.store, "SELECT uid FROM coding")}
    p.close()
    db = root / "fieldcode.db"
    url = f"sqlite:///{db}"
    rnd = random.Random(11)
    reported: dict[str, str] = {}
    added: set[str] = set()
    for trial in range(6):
        pr = subprocess.Popen([sys.executable, "-c", DECIDER, url, str(trial)], stdout=subprocess.PIPE, text=True)
        assert pr.stdout.readline().startswith("READY")
        time.sleep(0.2 + rnd.random() * 0.8)
        pr.send_signal(signal.SIGKILL)
        out, _ = pr.communicate()
        for line in out.splitlines():
            parts = line.split()
            if parts[0] == "DONE":
                reported[parts[1]] = parts[2]
            elif parts[0] == "ADDED":
                added.add(parts[1])
        with sqlite3.connect(db) as c:
            assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            rows = {uid: (code, dh) for uid, code, dh in c.execute("SELECT uid, code_id, definition_hash FROM coding")}
            decisions = {}
            for uid, action, detail in c.execute("SELECT coding_uid, action, detail FROM event WHERE detail LIKE "
                                                 "'%recheck%' ORDER BY id"):
                decisions[uid] = json.loads(detail)["recheck"]
        for uid, d in decisions.items():           # a decision's event and its effect, together
            if d == "remove":
                assert uid not in rows
            elif d == "recode":
                assert rows[uid][0] == housing and rows[uid][1] not in (old, None)
            else:
                assert rows[uid][0] == lead and rows[uid][1] not in (old, None)
        for uid, (code, dh) in rows.items():
            if uid in initial and uid not in decisions:
                assert (code, dh) == (lead, old)    # untouched: still queued
            elif uid not in initial:                # made meanwhile (reported or killed before it said so)
                assert dh not in (old, None)
        assert {u: d for u, d in decisions.items() if u in reported} == reported   # every reported one is there
        assert added <= set(rows)
    assert len(reported) > 5, reported


def test_a_handed_in_interview_is_closed_to_recheck_decisions(queued, db_url):
    p, ids = queued
    r = cli(p.root, db_url, "ana", "handin", "a.md", ok=False)
    if r.exit_code != 0:
        pytest.skip(f"hand-ins need a blind study here: {r.output.strip()[:120]}")
    r = cli(p.root, db_url, "ana", "recheck", "keep", str(ids["ana1"]), ok=False)
    assert r.exit_code != 0 and "Traceback" not in r.output
    before = sql(p.store, "SELECT definition_hash FROM coding WHERE id = :i", i=ids["ana1"])
    assert sql(p.store, "SELECT count(*) FROM event WHERE detail LIKE '%recheck%'") == [(0,)]
    # ben did not hand it in: his decision goes through
    cli(p.root, db_url, "ben", "recheck", "keep", str(ids["ben1"]))
    assert sql(p.store, "SELECT definition_hash FROM coding WHERE id = :i", i=ids["ana1"]) == before


def test_a_blind_coder_sees_only_their_own_queue_under_labels(queued, db_url):
    p, ids = queued
    path = p.root / "codebook.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  arms: [improving, lagging]\n",
                                 "  arms: [improving, lagging]\n  blind: [arm, pair, neighbourhood]\n  lead: ana\n"),
                    encoding="utf-8")
    cli(p.root, db_url, "ana", "codebook", "sync")
    r = cli(p.root, db_url, "ben", "recheck", "--coder", "ana", ok=False)
    assert r.exit_code != 0 and "codes blind" in r.output and "Traceback" not in r.output
    out = cli(p.root, db_url, "ben", "recheck").output
    assert f"#{ids['ben1']}" in out and f"#{ids['ana1']}" not in out
    for hidden in ("a.md", "Ashcliffe", "Leeds", "improving", "ana"):
        assert hidden not in out, hidden
    out = cli(p.root, db_url, "ben", "codebook", "diff", "1", "2").output
    assert "codings made under the v1 definition: 1 (ben 1)" in " ".join(out.split())
