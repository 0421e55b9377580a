"""Two researchers in two processes save the same cell's consensus framework summary at the same
moment, each from the text they opened: exactly one save lands, the other is refused with a
Conflict naming who changed it (nothing of theirs is written over the winner's, and they still
hold their text to merge by hand), and the log has one event per landed save.  Repeated, on a
real SQLite file and on PostgreSQL."""

from __future__ import annotations

import multiprocessing as mp

from fieldcode.store.framework import set_summary, summaries, summary_history

TRIALS = 4


def _saver(db_url: str, root: str, editor: str, trial: int, ready, go, q) -> None:  # noqa: ANN001
    from fieldcode.errors import Conflict
    from fieldcode.project import Project

    p = Project.open(root, db=db_url, coder=editor)
    iid = p.store.interview("a.md").id
    place = next(c.id for c in p.store.codes() if c.key == "place")
    opened = next(s.text for s in summaries(p.store) if s.consensus)   # the text as this editor opened it
    ready.put(editor)
    go.wait(60)
    try:
        set_summary(p.store, editor, iid, place, f"{editor}'s reading, trial {trial}", consensus=True,
                    expect_text=opened)
        q.put((editor, "saved", ""))
    except Conflict as exc:
        q.put((editor, "refused", str(exc)))
    finally:
        p.close()


def test_two_processes_save_one_consensus_summary(mini):
    p = mini
    iid = p.store.interview("a.md").id
    place = next(c.id for c in p.store.codes() if c.key == "place")
    set_summary(p.store, "lee", iid, place, "Base text.", consensus=True)
    uid = next(s.uid for s in summaries(p.store) if s.consensus)
    ctx = mp.get_context("spawn")
    landed = []
    for trial in range(TRIALS):
        before = next(s.text for s in summaries(p.store) if s.consensus)
        ready, go, q = ctx.Queue(), ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_saver, args=(p.store.url, str(p.root), who, trial, ready, go, q))
                 for who in ("ana", "ben")]
        for pr in procs:
            pr.start()
        assert sorted(ready.get(timeout=120) for _ in procs) == ["ana", "ben"]   # both opened the cell
        go.set()
        got = sorted(q.get(timeout=120) for _ in procs)
        for pr in procs:
            pr.join(timeout=60)
            assert pr.exitcode == 0
        outcomes = {who: what for who, what, _ in got}
        assert sorted(outcomes.values()) == ["refused", "saved"], (trial, got)
        winner = next(who for who, what in outcomes.items() if what == "saved")
        loser_msg = next(msg for who, what, msg in got if what == "refused")
        assert f"{winner} changed this summary since you opened it" in loser_msg
        now = next(s.text for s in summaries(p.store) if s.consensus)
        assert now == f"{winner}'s reading, trial {trial}" and now != before
        landed.append(winner)
    # one event per landed save (plus lee's first), each naming its editor
    history = summary_history(p.store, uid)
    assert [h["coder"] for h in history] == ["lee", *landed]
