"""Independent passes (issue 22, point 2, and point 4 as it concerns them): hand-ins close an
interview to its coder's further coding, on SQLite and PostgreSQL, with two coders; reopening
is logged with who and why; each coder's order comes from a recorded seed; agreement
--independent keeps codings made blind and before the first hand-in; hand-ins and blindness
travel with merge; the export sidecar reports them."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3

import pytest
from typer.testing import CliRunner

from conftest import MINI_CODEBOOK
from fieldcode.cli import app
from fieldcode.errors import FieldcodeError
from fieldcode.project import Project
from fieldcode.protocol import handin as hmod
from fieldcode.protocol import order as omod
from fieldcode.store import protocol as sp

runner = CliRunner()
BLIND = MINI_CODEBOOK.replace("  interviewer_speakers: [Interviewer]\n",
                              "  interviewer_speakers: [Interviewer]\n  blind: [arm, pair, neighbourhood]\n  lead: ben\n")


@pytest.fixture
def study(mini_dir, db_url):
    (mini_dir / "codebook.yaml").write_text(BLIND, encoding="utf-8")
    p = Project.open(mini_dir, db=db_url, coder="ben")
    assert p.import_files().ok
    p.close()
    return mini_dir, db_url


def opened(study, coder: str) -> Project:
    root, url = study
    return Project.open(root, db=url, coder=coder)


def cli(study, coder: str, *args: str):  # noqa: ANN201
    root, url = study
    return runner.invoke(app, ["-C", str(root), "--db", url, "--coder", coder, *args])


def span(p: Project, name: str, words: str) -> tuple[int, int]:
    text = p.store.real.interview(name).text if hasattr(p.store, "real") else p.store.interview(name).text
    a = text.index(words)
    return a, a + len(words)


def test_handin_closes_the_interview_to_its_coder_only(study):
    ana, ben = opened(study, "ana"), opened(study, "ben")
    try:
        a, b = span(ana, "a.md", "Twenty years.")
        c1 = ana.store.add_coding("a.md", "leadership", a, b, "ana")
        c2 = ben.store.add_coding("a.md", "leadership", a, b, "ben")
        hmod.handin(ana, "a.md")
        x, y = span(ana, "a.md", "We meet on Tuesdays.")
        with pytest.raises(sp.Closed, match="handed in interview"):
            ana.store.add_coding("a.md", "leadership", x, y, "ana")
        with pytest.raises(sp.Closed):
            ana.store.update_coding(c1.id, "ana", memo="later thought")
        with pytest.raises(sp.Closed):
            ana.store.remove_coding(c1.id, "ana")
        with pytest.raises(sp.Closed):
            ana.store.undo("ana")               # her last change is on the closed interview
        ben.store.add_coding("a.md", "leadership", x, y, "ben")       # ben has not handed it in
        ben.store.update_coding(c2.id, "ben", memo="fine")
        ana.store.add_coding("b.md", "leadership", 0, 3, "ana")       # her other interview is open
        assert [c.memo for c in ana.store.codings(coder="ana") if c.id == c1.id] == [""]   # nothing changed
        with pytest.raises(FieldcodeError, match="already handed in"):
            hmod.handin(ana, "a.md")
    finally:
        ana.close()
        ben.close()


def test_the_cli_refuses_with_a_message_and_a_non_zero_exit(study):
    r = cli(study, "ana", "code", "add", "a", "leadership", "--quote", "Twenty years.")
    assert r.exit_code == 0, r.output
    r = cli(study, "ana", "handin", "a")
    assert r.exit_code == 0, r.output and "handed in" in r.output
    r = cli(study, "ana", "code", "add", "a", "leadership", "--quote", "We meet on Tuesdays.")
    assert r.exit_code == 4 and "closed to your further coding" in r.output and "nothing was changed" in r.output
    assert "a.md" not in r.output                      # a blind coder's message names the label
    r = cli(study, "cy", "reopen", "a", "--for", "ana", "--reason", "no")
    assert r.exit_code == 2 and "only ana or the study's lead (ben)" in r.output
    r = cli(study, "ben", "reopen", "a", "--for", "ana")
    assert r.exit_code == 2 and "--reason" in r.output
    r = cli(study, "ben", "reopen", "a", "--for", "ana", "--reason", "she skipped the last page")
    assert r.exit_code == 0, r.output
    r = cli(study, "ana", "code", "add", "a", "leadership", "--quote", "We meet on Tuesdays.")
    assert r.exit_code == 0, r.output
    p = opened(study, "ben")
    try:
        got = [(s.actor, s.action, s.target, s.reason) for s in sp.steps(p.store, actions=(sp.HANDIN, sp.REOPEN))]
    finally:
        p.close()
    assert got == [("ana", "handin", "ana", ""), ("ben", "reopen", "ana", "she skipped the last page")]


def test_each_coder_has_an_order_from_a_recorded_seed(study):
    ana = opened(study, "ana")
    try:
        first = omod.next_interview(ana)
        seed = omod.seed_of(ana, "ana")
        # worked out here: sort by sha256 of "seed\0name"
        want = sorted(["a.md", "b.md"], key=lambda n: hashlib.sha256(f"{seed}\0{n}".encode()).hexdigest())
        assert first[1] == want[0] and first[2:] == (1, 2)
        hmod.handin(ana, want[0])
        assert omod.next_interview(ana)[1] == want[1]
        hmod.handin(ana, want[1])
        assert omod.next_interview(ana) is None
        assert omod.seed_of(ana, "ana") == seed            # drawn once, recorded
        assert omod.seed_of(ana, "ben") is None
    finally:
        ana.close()


def test_agreement_independent_keeps_blind_codings_made_before_the_first_handin(study):
    ana, ben = opened(study, "ana"), opened(study, "ben")
    try:
        for words in ("Twenty years.", "We meet on Tuesdays."):
            a, b = span(ana, "a.md", words)
            ana.store.add_coding("a.md", "leadership", a, b, "ana")         # blind
            ben.store.add_coding("a.md", "leadership", a, b, "ben")         # the lead: seeing
        hmod.handin(ana, "a.md")
        hmod.reopen(ana, "a.md", None, "one more")
        a, b = span(ana, "a.md", "Much better since the repairs.")
        ana.store.add_coding("a.md", "leadership", a, b, "ana")             # blind, after the hand-in
        ana.store.add_coding("b.md", "leadership", 0, 3, "ana")             # blind, never handed in
        iids = [i.id for i in ben.store.interview_infos()]
        n = sp.independence_counts(ben.store, ["ana", "ben"], iids)
    finally:
        ana.close()
        ben.close()
    # by hand: ana's 2 before the hand-in kept; ben's 2 made seeing; ana's 2 others after/without
    assert n == {"kept": 2, "seeing": 2, "unknown": 0, "after_handin": 2}
    r = cli(study, "ben", "agreement", "--independent")
    assert "2 coding(s) made blind and before" in r.output and "4 left out" in r.output


def test_handins_and_blindness_travel_with_merge(mini_dir, tmp_path):
    (mini_dir / "codebook.yaml").write_text(BLIND, encoding="utf-8")
    p = Project.open(mini_dir, coder="ben")
    assert p.import_files().ok
    p.close()
    laptop = tmp_path / "laptop"
    shutil.copytree(mini_dir, laptop)
    r = runner.invoke(app, ["-C", str(laptop), "--coder", "ana", "code", "add", "a", "leadership", "--quote",
                            "Twenty years."])
    assert r.exit_code == 0, r.output
    assert runner.invoke(app, ["-C", str(laptop), "--coder", "ana", "handin", "a"]).exit_code == 0
    for _ in range(2):                                   # merging twice changes nothing more
        r = runner.invoke(app, ["-C", str(mini_dir), "--coder", "ben", "merge", str(laptop)])
        assert r.exit_code == 0, r.output
    con = sqlite3.connect(mini_dir / "fieldcode.db")
    handins = con.execute("select coder, action from event where action = 'handin'").fetchall()
    blind = con.execute("select coder, blind from coding").fetchall()
    con.close()
    assert handins == [("ana", "handin")]
    assert blind == [("ana", 1)]
    r = runner.invoke(app, ["-C", str(mini_dir), "--coder", "ana", "code", "add", "a", "leadership", "--quote",
                            "We meet on Tuesdays."])
    assert r.exit_code == 4 and "closed to your further coding" in r.output


def test_the_export_sidecar_reports_blindness_and_handins(study, tmp_path):
    assert cli(study, "ana", "code", "add", "a", "leadership", "--quote", "Twenty years.").exit_code == 0
    assert cli(study, "ben", "code", "add", "a", "leadership", "--quote", "Twenty years.").exit_code == 0
    assert cli(study, "ana", "handin", "a").exit_code == 0
    assert cli(study, "ben", "blind", "end", "--reason", "both passes done").exit_code == 0
    out = tmp_path / "seg.csv"
    r = cli(study, "ben", "export", "segments", "-o", str(out))
    assert r.exit_code == 0, r.output
    side = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["coding_protocol"]
    assert side["hidden_attributes"] == ["arm", "pair", "neighbourhood"] and side["lead"] == "ben"
    assert side["codings_by_blindness"] == {
        "ana": {"made_blind": 1, "made_seeing": 0, "unknown_made_before_recorded": 0},
        "ben": {"made_blind": 0, "made_seeing": 1, "unknown_made_before_recorded": 0}}
    assert side["handins_per_coder"] == {"ana": {"handins": 1, "reopenings": 0}}
    assert [(u["by"], u["what"], u["why"]) for u in side["unblinding"]] == [("ben", "blinding ended", "both passes done")]


def test_undo_and_redo_keep_whether_a_coding_was_made_blind(study):
    ana, ben = opened(study, "ana"), opened(study, "ben")
    try:
        a, b = span(ana, "a.md", "Twenty years.")
        c = ana.store.add_coding("a.md", "leadership", a, b, "ana")
        d = ben.store.add_coding("a.md", "leadership", a, b, "ben")
        ana.store.remove_coding(c.id, "ana")
        ben.store.remove_coding(d.id, "ben")
        ana.store.undo("ana")
        ben.store.undo("ben")
        got = {r.coder: r.blind for r in ben.store.codings()}
        assert got == {"ana": True, "ben": False}
        ana.store.undo("ana")            # the add itself undone, then redone
        ana.store.redo("ana")
        assert {r.coder: r.blind for r in ben.store.codings()} == {"ana": True, "ben": False}
    finally:
        ana.close()
        ben.close()


WORKER = '''
import random, sys
from pathlib import Path
from fieldcode.project import Project
from fieldcode.protocol.handin import handin
from fieldcode.store.protocol import Closed
root, seed = Path(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
ana, ben = Project.open(root, coder="ana"), Project.open(root, coder="ben")
ivs = ben.store.interview_ids()
print("READY", flush=True)
while True:
    iv = rnd.choice(ivs)
    spans = ben.store.sentence_spans(iv)
    a, b = rnd.choice(spans)
    who = rnd.choice([ana, ben, ana])
    try:
        c = who.store.add_coding(iv, "leadership", a, b, who.coder)
        print("ADDED", c.uid, who.coder, flush=True)
    except Closed:
        print("CLOSED", iv, flush=True)
    except Exception as exc:            # a duplicate span: try another
        if "already" not in str(exc) and "identical" not in str(exc) and "same" not in str(exc):
            raise
    if rnd.random() < 0.08:
        try:
            handin(ana, str(iv))
            print("HANDIN", iv, flush=True)
        except Exception:
            pass
'''


def test_sigkill_while_coding_and_handing_in_leaves_every_step_whole(mini_dir, tmp_path):
    """Two coders coding and ana handing interviews in, in a process killed at random moments:
    the file stays sound, every coding records its coder's blindness, no coding of ana's on an
    interview was made after her hand-in of it, and every reported step is there."""
    import random
    import signal
    import subprocess
    import sys
    import time

    (mini_dir / "codebook.yaml").write_text(BLIND, encoding="utf-8")
    p = Project.open(mini_dir, coder="ben")
    assert p.import_files().ok
    p.close()
    db = mini_dir / "fieldcode.db"
    rnd = random.Random(5)
    added, handed = set(), set()
    for trial in range(5):
        pr = subprocess.Popen([sys.executable, "-c", WORKER, str(mini_dir), str(trial)], stdout=subprocess.PIPE,
                              text=True)
        assert pr.stdout.readline().startswith("READY")
        time.sleep(0.3 + rnd.random())
        pr.send_signal(signal.SIGKILL)
        out, _ = pr.communicate()
        for line in out.splitlines():
            parts = line.split()
            if parts[0] == "ADDED":
                added.add(parts[1])
            elif parts[0] == "HANDIN":
                handed.add(int(parts[1]))
        with sqlite3.connect(db) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            rows = con.execute("select uid, coder, blind, interview_id, created_at from coding").fetchall()
            hands = dict(con.execute("select interview_id, min(at) from event where action = 'handin' "
                                     "group by interview_id"))
        assert added <= {r[0] for r in rows}
        assert handed <= set(hands)
        for uid, coder, blind, iid, created in rows:
            assert blind == (1 if coder == "ana" else 0), (uid, coder, blind)
            if coder == "ana" and iid in hands:
                assert created < hands[iid], (uid, created, hands[iid])
    assert len(added) > 5 and handed
