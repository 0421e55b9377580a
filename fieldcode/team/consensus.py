"""Settling two coders' disagreements as a consensus coder (the review screen drives this).

Headless.  The items are the passages (or units) where coders A and B differ; for each, the
consensus coder decides:

* ``a`` / ``b``: keep that coder's side: a copy of each of their codings that touches the unit;
* ``both``: copies of both sides' codings (a span both coded with the same code is copied once);
* ``neither``: drop the codes they differ on; the codes both applied are copied from A;
* ``fit``: both sides' codes, each as one coding over exactly the unit (the span adjusted to it);
* ``adjust``: both sides' codes, each as one coding over a span the reviewer gives.

Every copy is a new coding of the consensus coder, linked in the event log to the codings it
came from (``detail = {"sources": [uid, ...]}``), and every decision is an event of its own, so
the review is resumable: an item is settled once a decision for its interview and span exists,
after any restart, and also when an earlier decision covers it (a decision on a span containing
it, in any unit, or its codings all copied already: ``fieldcode.team.review_items``).  A source
coding already copied for an earlier item is not copied again.  The default unit is the
passage (disagreeing sentences merged; ``fieldcode.team.review_items``).

A review counts its passages in the texts it read when it opened: it notes their versions first,
and a decision written after a re-import changed one of them is refused
(:class:`~fieldcode.errors.TextChanged`, nothing written), so no consensus coding lands on the
wrong words; opening the review again reads the new text and keeps the decisions made.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldcode.team.agreement import Disagreement
from fieldcode.team.review_items import REVIEW_UNITS, covering_decision, items_for
from fieldcode.errors import InvalidInput
from fieldcode.store import (
    q_code_rows,
    q_coders_by_interview,
    q_codings_overlapping,
    q_consensus_decisions,
    q_n_chars,
    write_consensus,
)
from fieldcode.store.consensus import q_interview_shas

DECISIONS = ("a", "b", "both", "neither", "fit", "adjust")


@dataclass(frozen=True)
class SideCoding:
    uid: str
    code_key: str
    code_id: int
    start: int
    end: int
    memo: str


@dataclass
class Item:
    disagreement: Disagreement
    sides: dict[str, list[SideCoding]]     # coder -> their codings touching the unit
    decision: str | None = None
    covered: str = ""       # settled by an earlier decision over a wider span: which one


class Review:
    def __init__(self, store, *, coders: list[str], consensus: str, unit: str = "passage",
                 codes: list[str] | None = None, filters: dict[str, list[str]] | None = None) -> None:
        if len(coders) != 2:
            raise InvalidInput("a review compares two coders: --coders A,B")
        consensus = (consensus or "").strip()
        if not consensus or consensus in coders:
            raise InvalidInput("name the consensus coder (--as NAME), different from the two coders reviewed")
        if unit not in REVIEW_UNITS + ("char", "word", "interview"):
            raise InvalidInput(f"unknown review unit '{unit}' (units: {', '.join(REVIEW_UNITS)}, char, word, interview)")
        self.store, self.coders, self.consensus, self.unit = store, list(coders), consensus, unit
        self.codes, self.filters = codes, filters
        self.reload()

    def reload(self) -> None:
        """Read the disagreements and the decisions made again, from the texts as they are now
        (after a re-import refused a decision with :class:`~fieldcode.errors.TextChanged`)."""
        store, codes = self.store, self.codes
        self.keys = {cid: key for cid, key, *_ in q_code_rows(store)}
        self.names = {c.key: c.name for c in store.codes(include_retired=True)}
        self.colours = {c.key: c.colour for c in store.codes(include_retired=True)}
        self.shas = q_interview_shas(store)     # before the codings: a re-import after this is caught
        found = items_for(store, coders=self.coders, unit=self.unit, codes=codes, filters=self.filters)
        self.items = [Item(d, self._sides(d, codes)) for d in found]
        self._load_decisions()

    def _sides(self, d: Disagreement, codes: list[str] | None) -> dict[str, list[SideCoding]]:
        out: dict[str, list[SideCoding]] = {c: [] for c in self.coders}
        for _id, uid, code_id, coder, st, en, memo in q_codings_overlapping(self.store, d.interview_id, d.start,
                                                                             d.end, self.coders):
            key = self.keys[code_id]
            if codes and key not in codes:
                continue
            out[coder].append(SideCoding(uid, key, code_id, st, en, memo))
        return out

    def set_unit(self, unit: str) -> None:
        """Review in another unit (``REVIEW_UNITS``): the items are read again; decisions made
        in any unit settle the items they cover."""
        if unit not in REVIEW_UNITS + ("char", "word", "interview"):
            raise InvalidInput(f"unknown review unit '{unit}' (units: {', '.join(REVIEW_UNITS)})")
        self.unit = unit
        self.reload()

    def _load_decisions(self) -> None:
        self.copied: set[str] = set()
        self.decisions: list[dict] = []
        done = {}
        self.adopted = 0
        for det in q_consensus_decisions(self.store, self.consensus):
            if det.get("decision") == "agreed":
                self.adopted += det.get("written", 0)
            elif sorted(det.get("coders") or []) == sorted(self.coders):
                self.decisions.append(det)
                if det.get("unit") == self.unit:
                    done[(det["interview_id"], det["start"], det["end"])] = det["decision"]
            self.copied.update(det.get("copied", []))
        for it in self.items:
            d = it.disagreement
            it.decision = done.get((d.interview_id, d.start, d.end))
        self._mark_covered()

    def _mark_covered(self) -> None:
        """Settle the open items an earlier decision covers (see ``fieldcode.team.review_items``)."""
        by_iv: dict[int, list[dict]] = {}
        for det in self.decisions:
            by_iv.setdefault(det.get("interview_id"), []).append(det)
        for it in self.items:
            if it.decision:
                continue
            d = it.disagreement
            det = covering_decision(by_iv, d.interview_id, d.start, d.end)
            if det is not None:
                it.decision = det["decision"]
                it.covered = f"{det['decision']} on {det.get('unit', '?')} {det['start']}-{det['end']}"
                continue
            srcs = [sc.uid for c in self.coders for sc in it.sides[c] if sc.code_key in d.differing]
            if srcs and all(u in self.copied for u in srcs):
                it.decision = "copied"
                it.covered = "its codings were copied by an earlier decision"

    @property
    def settled(self) -> int:
        return sum(1 for it in self.items if it.decision)

    def progress(self) -> str:
        return f"{self.settled} of {len(self.items)} settled · {len(self.items) - self.settled} open"

    def code_label(self, key: str) -> str:
        """A code's name as the reviewer knows it (its key when the name is the same)."""
        return self.names.get(key, key)

    def next_open(self, start: int = 0) -> int | None:
        for i in list(range(start, len(self.items))) + list(range(0, start)):
            if not self.items[i].decision:
                return i
        return None

    def rows_for(self, item: Item, decision: str, span: tuple[int, int] | None = None) -> list[dict]:
        """The consensus codings a decision creates (not yet written)."""
        if decision not in DECISIONS:
            raise InvalidInput(f"a decision is one of {', '.join(DECISIONS)}, not '{decision}'")
        a, b = self.coders
        d = item.disagreement
        differing = set(d.differing)
        if decision == "adjust":
            if span is None or not (0 <= span[0] < span[1]):
                raise InvalidInput(f"an adjusted span is START-END with START < END, not {span}")
            if not (span[0] < d.end and span[1] > d.start):
                raise InvalidInput(f"the span {span[0]}-{span[1]} does not touch this passage ({d.start}-{d.end})")
            return [{**r, "start": span[0], "end": span[1]} for r in self.rows_for(item, "fit")]
        if decision == "fit":
            out, seen = [], set()
            for c in (a, b):
                for sc in item.sides[c]:
                    if sc.code_key in seen:
                        continue
                    seen.add(sc.code_key)
                    srcs = [x.uid for cc in (a, b) for x in item.sides[cc] if x.code_key == sc.code_key]
                    out.append({"interview_id": d.interview_id, "code_id": sc.code_id, "start": d.start, "end": d.end,
                                "memo": "", "sources": srcs})
            return out
        chosen: list[SideCoding] = []
        if decision in ("a", "both"):
            chosen += item.sides[a]
        if decision in ("b", "both"):
            chosen += item.sides[b]
        if decision == "neither":
            chosen += [x for x in item.sides[a] if x.code_key not in differing]
        out, spans = [], {}
        for sc in chosen:
            if sc.uid in self.copied:
                continue
            k = (sc.code_id, sc.start, sc.end)
            if k in spans:
                spans[k]["sources"].append(sc.uid)
                continue
            spans[k] = {"interview_id": d.interview_id, "code_id": sc.code_id, "start": sc.start, "end": sc.end,
                        "memo": sc.memo, "sources": [sc.uid]}
            out.append(spans[k])
        return out

    def adopt_agreed(self) -> int:
        """Copy to the consensus coder every coding of the first coder that touches no
        disagreement on its code (in the interviews both coded): the passages they agree on,
        which the review never shows.  Its sources: that coding and the second coder's codings
        of the same code overlapping it.  Safe to repeat (a source is copied once)."""
        a, b = self.coders
        open_spans: dict[tuple[int, str], list[tuple[int, int]]] = {}
        for it in self.items:
            d = it.disagreement
            for k in d.differing:
                open_spans.setdefault((d.interview_id, k), []).append((d.start, d.end))
        both = [iid for iid, who in q_coders_by_interview(self.store).items() if a in who and b in who]
        n_chars = q_n_chars(self.store, both)
        rows = []
        for iid in sorted(both):
            cods = q_codings_overlapping(self.store, iid, 0, n_chars[iid], [a, b])
            for _id, uid, code_id, coder, st, en, memo in cods:
                key = self.keys[code_id]
                if coder != a or uid in self.copied or (self.codes and key not in self.codes):
                    continue
                if any(s0 < en and e0 > st for s0, e0 in open_spans.get((iid, key), [])):
                    continue
                srcs = [uid] + [u for _i, u, c2, cd2, s2, e2, _m in cods
                                if cd2 == b and c2 == code_id and s2 < en and e2 > st]
                rows.append({"interview_id": iid, "code_id": code_id, "start": st, "end": en, "memo": memo,
                             "sources": srcs})
        if not rows:
            return 0
        copied = [u for r in rows for u in r["sources"]]
        n = write_consensus(self.store, coder=self.consensus, rows=rows, decision={
            "decision": "agreed", "coders": self.coders, "unit": self.unit, "interview_id": None,
            "start": None, "end": None, "copied": copied, "written": len(rows)}, expect_shas=self.shas)
        self.copied.update(copied)
        self.adopted += n
        return n

    def decide(self, index: int, decision: str, span: tuple[int, int] | None = None) -> int:
        """Write the decision on item ``index`` (``span`` for ``adjust``); returns the number
        of codings written."""
        item = self.items[index]
        if item.decision:
            how = f" by an earlier decision: {item.covered}" if item.covered else ""
            raise InvalidInput(f"item {index + 1} is already settled ({item.decision}{how})")
        rows = self.rows_for(item, decision, span)
        d = item.disagreement
        copied = [u for r in rows for u in r["sources"]] if decision not in ("fit", "adjust") else []
        n = write_consensus(self.store, coder=self.consensus, rows=rows, decision={
            "decision": decision, "coders": self.coders, "unit": self.unit, "interview_id": d.interview_id,
            "start": d.start, "end": d.end, "copied": copied}, expect_shas=self.shas)
        item.decision = decision
        self.copied.update(copied)
        self.decisions.append({"decision": decision, "coders": self.coders, "unit": self.unit,
                               "interview_id": d.interview_id, "start": d.start, "end": d.end})
        self._mark_covered()
        return n
