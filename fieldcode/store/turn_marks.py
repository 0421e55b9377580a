"""Turn marks: which turns are the interviewer's, kept true to the settings in force and to the
coders' corrections.

* **The rule.** Each interview records the turn rule its turns were detected with
  (``interview.turn_rule``, :func:`rule_key`) and the interviewer labels they were marked with
  (``interview.interviewer_labels``).  :func:`stale_interviews` compares both with what the
  codebook and the interview's attributes give now; the project re-marks the stale ones on the next
  command that writes, and a command that only reads gets the same marks in memory
  (:func:`overlay`, which the store's turn queries apply: ``Store.turn_overlay``).
* **Corrections.** A coder may set one turn's role (``turn_mark``): the study's for every coder,
  logged as a ``turn-set`` / ``turn-clear`` event naming who made it and what it replaced.  A mark
  is anchored by its turn's content offset and first words (:data:`QUOTE_CHARS`), found again
  after a re-import or a re-marking (:func:`place`), and applied over every detection
  (:func:`apply_in`, called wherever turns are stored).  The detected role of a turn is
  ``is_interviewer(speaker, labels)``: the speaker a detection gives says it, in every mode.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from fieldcode import text as textmod
from fieldcode.errors import InvalidInput, NotFound
from fieldcode.store.models import Event, Interview, TurnMark, TurnRow, utcnow
from fieldcode.store.queries import TurnSpan
from fieldcode.study.codebook import Study

QUOTE_CHARS = 60
_IV = Interview.__table__
_TURN = TurnRow.__table__
_MARK = TurnMark.__table__
_EVENT = Event.__table__


def rule_key(attrs: dict[str, str], study: Study) -> str:
    """The turn rule an interview's turns are detected with, as stored JSON: its mode, and in the
    modes that use them the ``interviewer_lines`` pattern and the interviewer's label (in
    ``labels`` mode neither changes a turn, so neither is part of the key)."""
    mode = attrs.get("turns") or study.turns
    key: dict[str, str | None] = {"mode": mode}
    if mode != textmod.LABELS:
        key["interviewer_lines"] = attrs.get("interviewer_lines") or study.interviewer_lines or None
        key["interviewer"] = study.interviewer_speakers[0] if study.interviewer_speakers else "Interviewer"
    return json.dumps(key, sort_keys=True, ensure_ascii=False)


def labels_for(study: Study, attrs: dict[str, str]) -> tuple[str, ...]:
    """The speaker labels that mark an interview's interviewer turns: the study's, plus the
    interview's own ``interviewer`` attribute (comma-separated)."""
    extra = [s.strip() for s in attrs.get("interviewer", "").split(",") if s.strip()]
    return tuple(study.interviewer_speakers) + tuple(extra)


@dataclass(frozen=True)
class Mark:
    id: int
    start: int
    quote: str
    is_interviewer: bool
    coder: str


def quote_at(text: str, content_start: int, end: int) -> str:
    return text[content_start:min(end, content_start + QUOTE_CHARS)]


def place(text: str, turns: Sequence[tuple[int, int, int]], mark: Mark) -> int | None:
    """The index of the turn ``mark`` belongs to among ``turns`` (``(start, end, content_start)``),
    or None when its words are gone.  The turn whose content starts with the mark's first words,
    the nearest to where it was; else the turn holding those words nearest to where it was."""
    q = mark.quote
    exact = [i for i, (_s, e, cs) in enumerate(turns) if text.startswith(q, cs) and cs + len(q) <= max(e, cs + len(q))]
    if exact:
        return min(exact, key=lambda i: abs(turns[i][2] - mark.start))
    if not q:
        return None
    hits = textmod.find_all(text, q)
    best = None
    for pos in sorted(hits, key=lambda h: abs(h - mark.start)):
        for i, (s, e, _cs) in enumerate(turns):
            if s <= pos < max(e, s + 1):
                best = i
                break
        if best is not None:
            break
    return best


def marks_of(conn: Connection, iid: int) -> list[Mark]:
    return [Mark(*r) for r in conn.execute(
        select(_MARK.c.id, _MARK.c.start, _MARK.c.quote, _MARK.c.is_interviewer, _MARK.c.coder)
        .where(_MARK.c.interview_id == iid).order_by(_MARK.c.id))]


def marked_flags(text: str, turns: Sequence[tuple[int, int, int]], flags: list[bool],
                 marks: Sequence[Mark]) -> tuple[list[bool], dict[int, int | None]]:
    """``flags`` with the corrections applied (a later mark on the same turn wins), and where
    each mark was placed (mark id -> turn index, None when not found)."""
    out = list(flags)
    placed: dict[int, int | None] = {}
    for m in marks:
        i = place(text, turns, m)
        placed[m.id] = i
        if i is not None:
            out[i] = bool(m.is_interviewer)
    return out, placed


def apply_in(conn: Connection, iid: int) -> int:
    """Inside the transaction that stored an interview's turns: apply its corrections (each
    turn's role) and move each mark's anchor to where its turn now starts.  Returns how many
    turns' roles it changed."""
    marks = marks_of(conn, iid)
    if not marks:
        return 0
    text = conn.execute(select(_IV.c.text).where(_IV.c.id == iid)).scalar_one()
    rows = conn.execute(select(_TURN.c.id, _TURN.c.start, _TURN.c.end, _TURN.c.content_start, _TURN.c.is_interviewer)
                        .where(_TURN.c.interview_id == iid).order_by(_TURN.c.idx)).all()
    spans = [(s, e, cs) for _id, s, e, cs, _f in rows]
    flags, placed = marked_flags(text, spans, [bool(r[4]) for r in rows], marks)
    n = 0
    for (tid, *_rest, old), new in zip(rows, flags):
        if bool(old) != new:
            conn.execute(update(_TURN).where(_TURN.c.id == tid).values(is_interviewer=new))
            n += 1
    for m in marks:
        i = placed[m.id]
        if i is not None and (spans[i][2] != m.start):
            conn.execute(update(_MARK).where(_MARK.c.id == m.id).values(
                start=spans[i][2], quote=quote_at(text, spans[i][2], spans[i][1])))
    return n


# -- corrections ------------------------------------------------------------------------------
def set_role(store, interview: str | int, n: int, role: bool | None, coder: str) -> dict:  # noqa: ANN001
    """Set turn ``n`` (1-based, as ``turns list`` numbers them) of an interview to the interviewer's
    (``role=True``) or the participant's (False), or back to its detected role (None): one
    transaction with its event.  Returns what changed (turn, speaker, quote, was, now, replaced:
    the correction it replaces, with its coder)."""
    with store.write() as s:
        iv = store.interview_in(s, interview)
        conn = s.connection()
        rows = conn.execute(select(_TURN.c.id, _TURN.c.start, _TURN.c.end, _TURN.c.content_start, _TURN.c.speaker,
                                   _TURN.c.is_interviewer)
                            .where(_TURN.c.interview_id == iv.id).order_by(_TURN.c.idx)).all()
        if not rows:
            raise NotFound(f"{iv.name} has no speaker turns to correct (see 'fieldcode turns list {iv.name}')")
        if not 1 <= n <= len(rows):
            raise InvalidInput(f"{iv.name} has turns 1 to {len(rows)}; there is no turn {n}: "
                               f"'fieldcode turns list {iv.name}' numbers them")
        spans = [(r[1], r[2], r[3]) for r in rows]
        marks = marks_of(conn, iv.id)
        _flags, placed = marked_flags(iv.text, spans, [bool(r[5]) for r in rows], marks)
        here = [m for m in marks if placed[m.id] == n - 1]
        tid, _s, end, cs, speaker, was = rows[n - 1]
        labels = tuple(json.loads(iv.interviewer_labels or "[]"))
        detected = textmod.is_interviewer(speaker, labels)
        if here:
            conn.execute(delete(_MARK).where(_MARK.c.id.in_([m.id for m in here])))
        now = detected if role is None else bool(role)
        if role is not None:
            conn.execute(insert(_MARK).values(interview_id=iv.id, start=cs, quote=quote_at(iv.text, cs, end),
                                              is_interviewer=now, coder=coder, at=utcnow()))
        if bool(was) != now:
            conn.execute(update(_TURN).where(_TURN.c.id == tid).values(is_interviewer=now))
        change = {"interview": iv.name, "turn": n, "start": cs, "speaker": speaker, "quote": quote_at(iv.text, cs, end)[:40],
                  "was": "interviewer" if was else "participant", "now": "interviewer" if now else "participant",
                  "detected": "interviewer" if detected else "participant",
                  "replaced": [{"coder": m.coder, "role": "interviewer" if m.is_interviewer else "participant"}
                               for m in here]}
        conn.execute(insert(_EVENT).values(at=utcnow(), coder=coder, action="turn-set" if role is not None else "turn-clear",
                                           interview_id=iv.id, state="final",
                                           detail=json.dumps(change, ensure_ascii=False)))
    return change


def mark_rows(store, iid: int) -> tuple[dict[int, Mark], list[Mark]]:  # noqa: ANN001
    """turn index -> the correction placed on it (the latest), for an interview's turns as a read
    sees them; and the corrections whose words are no longer in its text."""
    with store.engine.connect() as conn:
        marks = marks_of(conn, iid)
        if not marks:
            return {}, []
        text = conn.execute(select(_IV.c.text).where(_IV.c.id == iid)).scalar_one()
        spans = [tuple(r) for r in conn.execute(select(_TURN.c.start, _TURN.c.end, _TURN.c.content_start)
                                                .where(_TURN.c.interview_id == iid).order_by(_TURN.c.idx))]
    turns = store.turn_overlay.get(iid)
    if turns is not None:
        spans = [(t.start, t.end, t.content_start) for t in turns]
    _f, placed = marked_flags(text, spans, [False] * len(spans), marks)
    out: dict[int, Mark] = {}
    for m in marks:
        if placed[m.id] is not None:
            out[placed[m.id]] = m
    return out, [m for m in marks if placed[m.id] is None]


# -- what the current settings give -----------------------------------------------------------
@dataclass
class TurnState:
    """One interview's turns as stored and as the current settings mark them."""

    id: int
    name: str
    stored_rule: str
    stored_labels: list[str]
    attrs: dict[str, str]
    rule: str
    labels: tuple[str, ...]

    @property
    def rule_changed(self) -> bool:
        return self.stored_rule != self.rule

    @property
    def labels_changed(self) -> bool:
        return list(self.labels) != list(self.stored_labels)


def turn_states(store, study: Study, attributes: dict[int, dict[str, str]] | None = None) -> list[TurnState]:  # noqa: ANN001
    """Every interview's stored rule and labels with those the current settings give (no texts
    read); ``attributes``: every interview's attributes, when the caller has them (else read)."""
    attrs = store.all_attributes() if attributes is None else attributes
    with store.engine.connect() as conn:
        rows = conn.execute(select(_IV.c.id, _IV.c.name, _IV.c.turn_rule, _IV.c.interviewer_labels)
                            .order_by(_IV.c.name)).all()
    out = []
    for iid, name, rule, labels in rows:
        a = attrs.get(iid, {})
        out.append(TurnState(iid, name, rule or "", json.loads(labels or "[]"), a, rule_key(a, study), labels_for(study, a)))
    return out


def stored_turns(store, iid: int) -> tuple[str, list[tuple[int, int, int, str]]]:  # noqa: ANN001
    """An interview's text and its stored turns ``(start, end, content_start, speaker)``."""
    with store.engine.connect() as conn:
        text = conn.execute(select(_IV.c.text).where(_IV.c.id == iid)).scalar_one()
        turns = [tuple(r) for r in conn.execute(select(_TURN.c.start, _TURN.c.end, _TURN.c.content_start, _TURN.c.speaker)
                                                .where(_TURN.c.interview_id == iid).order_by(_TURN.c.idx))]
    return text, turns


def overlay_turns(store, iid: int, text: str, turns: Sequence[textmod.Turn],  # noqa: ANN001
                  labels: Sequence[str]) -> list[TurnSpan]:
    """The turns a read uses for an interview whose stored marks are out of date: ``turns`` (as
    the current settings detect them), marked with ``labels`` and the coders' corrections."""
    spans = [(t.start, t.end, t.content_start) for t in turns]
    with store.engine.connect() as conn:
        marks = marks_of(conn, iid)
    flags, _placed = marked_flags(text, spans, [textmod.is_interviewer(t.speaker, tuple(labels)) for t in turns], marks)
    _total, words = textmod.count_words_by_turn(text, turns)
    return [TurnSpan(t.start, t.end, t.content_start, t.speaker, f, n) for t, f, n in zip(turns, flags, words)]


def record_rules(store, rules: dict[int, str]) -> None:  # noqa: ANN001
    """Record the rule of interviews whose stored turns are already those it gives (turns stored
    before the rule was recorded)."""
    with store.write() as s:
        conn = s.connection()
        for iid, rule in rules.items():
            conn.execute(update(_IV).where(_IV.c.id == iid).values(turn_rule=rule))
