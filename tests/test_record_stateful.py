"""A stateful test of the whole record: three coders interleave add, change, memo, remove, undo,
redo and re-import on one project (SQLite and PostgreSQL), and a re-importer races them: a coder's
add, span change or removal lands after the re-import planned and before it writes, and a write
carrying the text version from before a re-import is refused.  After every step each coder's
codings must equal a plain model of what that coder did, no step may change another coder's
codings, and every event must name the coding it changed, which exists or is recorded as gone.

The model is deliberately naive: per coder an undo stack and a redo stack of (before, after)
states; a re-import that inserts or removes a line ahead of the coded text shifts every offset
the model holds, live or on a stack."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from fieldcode.project import Project
from fieldcode.errors import TextChanged

CODEBOOK = """\
study:
  name: Stateful
  arms: [improving, lagging]
  interviewer_speakers: [Interviewer]
codes:
  - key: one
    name: One
  - key: two
    name: Two
  - key: three
    name: Three
"""
FRONT = "---\npair: P1\nneighbourhood: A\narm: improving\n---\n"
BODY = ("Interviewer: Tell me about the estate.\n\n"
        "Jo: It has changed a lot since the new school opened and the shops came back. "
        "People talk to each other more now, and the tenants meet every week.\n\n"
        "Interviewer: And work?\n\n"
        "Jo: Most of us travel over the river for jobs, which takes an hour each way.\n")
EXTRA = "Interviewer: A note added when the recording was checked.\n\n"
CODERS = ("ana", "ben", "cy")
KEYS = ("one", "two", "three")
WORDS = [(m.start(), m.end()) for m in __import__("re").finditer(r"\w+", BODY)]

_run = itertools.count()


def make_machine(root, db_url):
    project = Project.open(root, db=db_url, coder="ana")
    project.import_files()
    body_start = project.store.interview("a.md").text.index(BODY[:20])
    iv_id = project.store.interview("a.md").id
    code_ids = {k: project.store.code(k).id for k in KEYS}

    class Record(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            n = next(_run)
            self.coder = {c: f"{c}{n}" for c in CODERS}       # fresh coders for every example
            self.live: dict[str, dict[str, tuple]] = {c: {} for c in CODERS}   # uid -> (code, start, end, memo)
            self.undo: dict[str, list] = {c: [] for c in CODERS}
            self.redo: dict[str, list] = {c: [] for c in CODERS}
            self.shift = project.store.interview("a.md").text.index(BODY[:20]) - body_start
            self.stale: str | None = None     # the text version before the latest re-import

        # -- helpers --
        def _db(self, c):
            return {x.uid: (x.code_id, x.start, x.end, x.memo)
                    for x in project.store.codings(coder=self.coder[c])}

        def _others(self, c):
            return {o: self._db(o) for o in CODERS if o != c}

        def _do(self, c, uid, before, after):
            self.undo[c].append((uid, before, after))
            self.redo[c].clear()
            self._set(c, uid, after)

        def _set(self, c, uid, state):
            if state is None:
                self.live[c].pop(uid, None)
            else:
                self.live[c][uid] = state

        def _span(self, a, b):
            lo, hi = sorted((a, b))
            base = body_start + self.shift
            return base + WORDS[lo][0], base + WORDS[hi][1]

        # -- rules --
        @rule(c=st.sampled_from(CODERS), key=st.sampled_from(KEYS),
              a=st.integers(0, len(WORDS) - 1), b=st.integers(0, len(WORDS) - 1))
        def add(self, c, key, a, b):
            others = self._others(c)
            s, e = self._span(a, b)
            row = project.store.add_coding(iv_id, key, s, e, self.coder[c])
            self._do(c, row.uid, None, (code_ids[key], s, e, ""))
            assert self._others(c) == others

        @precondition(lambda self: any(self.live.values()))
        @rule(data=st.data(), key=st.sampled_from(KEYS), a=st.integers(0, len(WORDS) - 1),
              b=st.integers(0, len(WORDS) - 1), what=st.sampled_from(["code", "span", "memo"]))
        def change(self, data, key, a, b, what):
            c = data.draw(st.sampled_from([x for x in CODERS if self.live[x]]))
            uid = data.draw(st.sampled_from(sorted(self.live[c])))
            before = self.live[c][uid]
            cid = next(x.id for x in project.store.codings(coder=self.coder[c]) if x.uid == uid)
            others = self._others(c)
            if what == "code":
                project.store.update_coding(cid, self.coder[c], code=key)
                after = (code_ids[key], *before[1:])
            elif what == "span":
                s, e = self._span(a, b)
                project.store.update_coding(cid, self.coder[c], start=s, end=e)
                after = (before[0], s, e, before[3])
            else:
                memo = f"memo {a} by {c}"
                project.store.update_coding(cid, self.coder[c], memo=memo)
                after = (*before[:3], memo)
            if after != before:
                self._do(c, uid, before, after)
            assert self._others(c) == others

        @precondition(lambda self: any(self.live.values()))
        @rule(data=st.data())
        def remove(self, data):
            c = data.draw(st.sampled_from([x for x in CODERS if self.live[x]]))
            uid = data.draw(st.sampled_from(sorted(self.live[c])))
            cid = next(x.id for x in project.store.codings(coder=self.coder[c]) if x.uid == uid)
            others = self._others(c)
            project.store.remove_coding(cid, self.coder[c])
            self._do(c, uid, self.live[c][uid], None)
            assert self._others(c) == others

        @rule(c=st.sampled_from(CODERS))
        def undo_(self, c):
            others = self._others(c)
            ev = project.store.undo(self.coder[c])
            if not self.undo[c]:
                assert ev is None
            else:
                uid, before, after = self.undo[c].pop()
                assert ev is not None and ev.coding_uid == uid
                self.redo[c].append((uid, before, after))
                self._set(c, uid, before)
            assert self._others(c) == others

        @rule(c=st.sampled_from(CODERS))
        def redo_(self, c):
            others = self._others(c)
            ev = project.store.redo(self.coder[c])
            if not self.redo[c]:
                assert ev is None
            else:
                uid, before, after = self.redo[c].pop()
                assert ev is not None and ev.coding_uid == uid
                self.undo[c].append((uid, before, after))
                self._set(c, uid, after)
            assert self._others(c) == others

        @rule()
        def reimport(self):
            """Insert (or take out again) a line ahead of the coded text; --reanchor moves
            every coding, and the model shifts every offset it holds."""
            self._reimport()

        @rule(data=st.data(), c=st.sampled_from(CODERS), op=st.sampled_from(["add", "span", "remove"]),
              key=st.sampled_from(KEYS), a=st.integers(0, len(WORDS) - 1), b=st.integers(0, len(WORDS) - 1))
        def reimport_while_coding(self, data, c, op, key, a, b):
            """The re-importer races a coder: the coder's write (carrying the text version it
            read) lands after the import planned and before it writes.  It is applied, and the
            import moves it with its words; nothing is put back where the plan found it."""
            landed = []

            def meanwhile(stage, i, _n):
                if stage == "segmenting and storing" and i == 0 and not landed:
                    landed.append(op)
                    self._coder_write(data, c, op, key, a, b)
            self._reimport(progress=meanwhile)
            assert landed

        def _coder_write(self, data, c, op, key, a, b):
            version = project.store.interview_sha(iv_id)
            others = self._others(c)
            s, e = self._span(a, b)
            if op == "add" or not self.live[c]:
                row = project.store.add_coding(iv_id, key, s, e, self.coder[c], expect_sha=version)
                self._do(c, row.uid, None, (code_ids[key], s, e, ""))
            else:
                uid = data.draw(st.sampled_from(sorted(self.live[c])))
                cid = next(x.id for x in project.store.codings(coder=self.coder[c]) if x.uid == uid)
                before = self.live[c][uid]
                if op == "remove":
                    project.store.remove_coding(cid, self.coder[c], expect_sha=version)
                    self._do(c, uid, before, None)
                else:
                    project.store.update_coding(cid, self.coder[c], start=s, end=e, expect_sha=version)
                    if (s, e) != before[1:3]:
                        self._do(c, uid, before, (before[0], s, e, before[3]))
            assert self._others(c) == others

        @precondition(lambda self: self.stale is not None)
        @rule(data=st.data(), c=st.sampled_from(CODERS), key=st.sampled_from(KEYS),
              a=st.integers(0, len(WORDS) - 1), b=st.integers(0, len(WORDS) - 1))
        def write_on_old_text(self, data, c, key, a, b):
            """A write carrying the version from before the latest re-import (a screen that
            has not noticed it) is refused and changes nothing, for anyone."""
            everyone = {o: self._db(o) for o in CODERS}
            s, e = self._span(a, b)
            refused = None
            try:
                if self.live[c]:
                    uid = data.draw(st.sampled_from(sorted(self.live[c])))
                    cid = next(x.id for x in project.store.codings(coder=self.coder[c]) if x.uid == uid)
                    project.store.update_coding(cid, self.coder[c], start=s, end=e, expect_sha=self.stale)
                else:
                    project.store.add_coding(iv_id, key, s, e, self.coder[c], expect_sha=self.stale)
            except TextChanged as exc:
                refused = exc
            assert refused is not None, "a write on the old text was stored"
            assert {o: self._db(o) for o in CODERS} == everyone

        def _reimport(self, progress=None):
            f = root / "interviews" / "a.md"
            adding = self.shift == 0
            version = project.store.interview_sha(iv_id)
            f.write_text(FRONT + (EXTRA if adding else "") + BODY, encoding="utf-8")
            rep = project.import_files(reanchor=True, progress=progress)
            assert rep.ok, rep.outcomes
            self.stale = version
            d = len(EXTRA) if adding else -len(EXTRA)
            self.shift += d

            def mv(state):
                return None if state is None else (state[0], state[1] + d, state[2] + d, state[3])
            for c in CODERS:
                self.live[c] = {u: mv(s) for u, s in self.live[c].items()}
                self.undo[c] = [(u, mv(b), mv(a)) for u, b, a in self.undo[c]]
                self.redo[c] = [(u, mv(b), mv(a)) for u, b, a in self.redo[c]]

        # -- invariants --
        @invariant()
        def each_coder_matches_the_model(self):
            for c in CODERS:
                assert self._db(c) == self.live[c], c

        @invariant()
        def events_name_their_coding(self):
            mine = set(self.coder.values())
            live = {x.uid for x in project.store.codings() if x.coder in mine}
            history: dict[str, list[str]] = {}
            for ev in reversed(project.store.events(limit=100000)):
                if ev.coder in mine and ev.action in ("add", "remove", "update", "undo", "redo"):
                    assert ev.coding_uid and ev.coding_id, ev
                    history.setdefault(ev.coding_uid, []).append(ev.action)
            for uid, acts in history.items():
                if uid not in live:
                    # gone: removed, or its add undone
                    assert "remove" in acts or ("add" in acts and "undo" in acts), (uid, acts)

    return Record, project


@pytest.mark.parametrize("steps", [30])
def test_three_coders_record_state_machine(tmp_path, db_url, steps):
    root = tmp_path / "s"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "interviews" / "a.md").write_text(FRONT + BODY, encoding="utf-8")
    machine, project = make_machine(root, db_url)
    try:
        run_state_machine_as_test(machine, settings=settings(
            max_examples=12 if db_url.startswith("sqlite") else 8, stateful_step_count=steps, deadline=None,
            suppress_health_check=list(HealthCheck), derandomize=True))
    finally:
        project.close()
