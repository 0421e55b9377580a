"""``fieldcode merge OTHER`` for pseudonyms: the other copy's review decisions come into this
copy's database (the audit trail) and this copy's key file (what exports replace).

What travels, and how it lines up
---------------------------------
A decision is an event in the other copy's database (``pn-accept``, ``pn-reject``, ``pn-add``,
``pn-merge``) naming its key entry by id: an HMAC of the folded original under the key's
secret (:mod:`fieldcode.privacy.key`).  Copies that share one key file (made once, then copied
to each reviewer with the study folder: the README's advice) share the secret, so their ids
agree and the events alone say which detail each decision is about, without any original in
either database.  When the other copy's key file can be read (``pseudonyms.key.yaml`` in the
folder named, or beside the database file named) it is used as well: details only that copy
has (added by hand there) come into this key with their original, and if its secret differs
(two keys made apart) its ids are translated to this key's by the originals themselves.
Decisions on details this key lacks and no readable key names are carried into the database
and reported; a later ``merge`` with the other key, or ``pseudonyms scan`` finding the detail,
applies them (a scan gives a new entry the last decision logged for its id).

Which decision wins
-------------------
Per detail, the other copy's last decision is compared with this copy's last:

* this copy has already got it (same time, coder and action): nothing changes;
* this copy has no decision on it, or the other copy had already got this copy's last one
  (it decided later, knowing it): the other copy's decision is taken;
* both decided without seeing each other's decision (a **conflict**): if one accepted and the
  other rejected, *accepted* wins: a detail one reviewer judged identifying stays replaced
  until a reviewer rejects it again, knowing both decisions (replacing a harmless word costs a
  little readability, missing a name is a breach); two acceptances with different pseudonyms
  or categories: the newer wins.  Each conflict is reported, and logged as a ``pn-merge``
  event by the coder who merged (detail: entry id, the state kept, both coders), so the next
  merge in either direction sees it as the last decision and the copies converge.

A pseudonym taken over that another detail already has here (two copies that each gave out
``[Place A]``) is replaced by the category's next free label, reported, and logged as a
``pn-merge`` event too: one pseudonym never stands for two details.

The events and the key are written together (:func:`fieldcode.privacy.review.commit`): if
either fails, neither changes.  Merging twice changes nothing the second time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from fieldcode.errors import InvalidInput
from fieldcode.privacy import key as keymod
from fieldcode.privacy import review
from fieldcode.privacy.key import Entry
from fieldcode.privacy.replace import find_spans
from fieldcode.store import pseudonyms as pstore
from fieldcode.store.pseudonyms import Decision

SHOWN = 20          # changed details listed one by one in the merge's summary


@dataclass
class KeyMerge:
    carried: int = 0                                     # decision events new to this database
    applied: list[str] = field(default_factory=list)     # one line per detail whose decision changed here
    conflicts: list[str] = field(default_factory=list)
    relabelled: list[str] = field(default_factory=list)
    added: int = 0                                       # details new to this key
    unknown: list[str] = field(default_factory=list)     # entry ids decided there that no key here names
    other_key: Path | None = None

    def summary(self) -> list[str]:
        if not (self.carried or self.applied or self.conflicts or self.unknown or self.added):
            return []
        src = f" (with the other copy's key {self.other_key})" if self.other_key else " (the other copy's key was not read)"
        lines = [f"pseudonyms: {self.carried} decision(s) carried{src}; {len(self.applied)} detail(s) decided "
                 f"differently here now, {self.added} new to this key, {len(self.conflicts)} conflict(s)"]
        changes = self.applied + self.relabelled
        lines += [f"  {x}" for x in changes[:SHOWN]]
        if len(changes) > SHOWN:
            lines.append(f"  ... and {len(changes) - SHOWN} more ('fieldcode pseudonyms list' shows every entry)")
        return lines


def _naive(at: datetime) -> datetime:
    return at.replace(tzinfo=None) if at.tzinfo is None else at.astimezone(timezone.utc).replace(tzinfo=None)


def _sig(d: Decision) -> tuple:
    return (_naive(d.at), d.coder, d.action, d.detail.get("entry"))


def _stamp(at: datetime) -> str:
    return _naive(at).strftime("%Y-%m-%dT%H:%M:%SZ")


def other_key_path(other: Path) -> Path | None:
    """The other copy's key file: in the folder named, or beside the database file named."""
    other = Path(other)
    path = (other if other.is_dir() else other.parent) / keymod.KEY_FILE
    return path if path.is_file() else None


def _translate(theirs: Sequence[Decision], idmap: dict[str, str]) -> list[Decision]:
    out = []
    for d in theirs:
        e = d.detail.get("entry")
        out.append(replace(d, detail={**d.detail, "entry": idmap[e]}) if e in idmap else d)
    return out


def _occurrences(docs, original: str) -> dict[str, list[tuple[int, int]]]:  # noqa: ANN001
    occ: dict[str, list[tuple[int, int]]] = {}
    for d in docs:
        spans = [(s, e) for s, e, _o in find_spans(d.text, [original])]
        if spans:
            occ[d.name] = spans
    return occ


def merge_decisions(store, root: Path, theirs: Sequence[Decision], *, other: Path | None, coder: str,
                    dry_run: bool = False, docs=None) -> KeyMerge:  # noqa: ANN001
    """Carry the other copy's pseudonym decisions (``theirs``: its ``q_decisions``) into this
    copy's database and key file (see the module docstring); ``other`` is the other copy's
    folder or database file (its key is read when it is there)."""
    rep = KeyMerge(other_key=other_key_path(other) if other is not None else None)
    if not theirs and rep.other_key is None:
        return rep
    with contextlib.nullcontext() if dry_run else keymod.locked(root):   # a dry run writes nothing, not even the lock
        key = keymod.load(root, create=True)
        okey = keymod.load(rep.other_key.parent) if rep.other_key else None
        idmap: dict[str, str] = {}
        if okey is not None and okey.secret != key.secret:
            idmap = {o.id: key.entry_id(o.original) for o in okey.entries.values()}
        theirs = _translate(theirs, idmap)
        by_id = {key.entry_id(o.original): o for o in okey.entries.values()} if okey is not None else {}
        mine = pstore.q_decisions(store)
        mine_sigs = {_sig(d) for d in mine}
        their_sigs = {_sig(d) for d in theirs}
        new_events = [d for d in theirs if _sig(d) not in mine_sigs]
        rep.carried = len(new_events)
        last_mine = pstore.last_by_entry(mine)
        resolutions: list[tuple[str, dict]] = []
        if docs is None and (by_id or theirs):
            docs = review.documents(store)
        for ident, o in by_id.items():              # details only the other key has: come in (open)
            if ident not in key.entries and ident not in pstore.last_by_entry(theirs):
                key.entries[ident] = Entry(ident, o.original, o.category, evidence=list(o.evidence),
                                           occurrences=_occurrences(docs, o.original))
                rep.added += 1
        changed: list[tuple[Entry, tuple, str | None]] = []    # (entry, its state before, the conflict)
        for ident, t in pstore.last_by_entry(theirs).items():
            entry = key.entries.get(ident)
            if _sig(t) in mine_sigs and entry is not None:
                continue                             # already here: this copy's state is that or newer
            if entry is None:
                o = by_id.get(ident)
                if o is None:
                    rep.unknown.append(ident)
                    continue
                entry = key.entries[ident] = Entry(ident, o.original, o.category, evidence=list(o.evidence),
                                                   occurrences=_occurrences(docs, o.original))
                rep.added += 1
            h = last_mine.get(ident)
            take, why = t, None
            if h is not None and _sig(h) not in their_sigs:           # decided apart: a conflict
                hs, ts = pstore.state_of(h), pstore.state_of(t)
                if (hs, h.detail.get("pseudonym"), h.detail.get("category")) == \
                        (ts, t.detail.get("pseudonym"), t.detail.get("category")):
                    continue                                            # the same decision twice
                if {hs, ts} == {"accepted", "rejected"}:
                    take = h if hs == "accepted" else t
                    why = (f"{h.coder} {hs} it here ({_stamp(h.at)}), {t.coder} {ts} it there ({_stamp(t.at)}): "
                           "kept accepted (a detail one reviewer judged identifying stays replaced until "
                           "rejected again)")
                else:
                    take = max((h, t), key=lambda d: _naive(d.at))
                    why = (f"{h.coder} gave {h.detail.get('pseudonym')} here ({_stamp(h.at)}), {t.coder} "
                           f"{t.detail.get('pseudonym')} there ({_stamp(t.at)}): kept the newer, "
                           f"{take.detail.get('pseudonym')}")
                why = f"{why}|{h.coder}: {hs}, {t.coder}: {ts}"
            before = (entry.state, entry.pseudonym, entry.category)
            entry.state = pstore.state_of(take)
            entry.category = str(take.detail.get("category") or entry.category)
            entry.pseudonym = take.detail.get("pseudonym") if entry.state == "accepted" else None
            entry.by, entry.at = take.coder, _stamp(take.at)
            changed.append((entry, before, why))
        # one pseudonym never stands for two details: the entries this merge changed give way (in
        # turn) to those it left as they were
        moved = {e.id for e, _b, _w in changed}
        taken = {e.pseudonym for e in key.entries.values() if e.state == "accepted" and e.id not in moved}
        now = _stamp(datetime.now(timezone.utc))
        for entry, before, why in changed:
            relabel = None
            if entry.state == "accepted" and entry.pseudonym in taken:
                relabel, entry.pseudonym = entry.pseudonym, None
                entry.pseudonym = review.next_pseudonym(key, entry.category)
                rep.relabelled.append(f"entry {entry.id} ({entry.category}): {relabel} names another detail here, "
                                      f"so it is {entry.pseudonym} here")
            if entry.state == "accepted":
                taken.add(entry.pseudonym)
            if why:
                rep.conflicts.append(f"entry {entry.id} ({entry.category}): {why.split('|')[0]}")
            if why or relabel:
                detail = {"entry": entry.id, "state": entry.state, "category": entry.category,
                          "pseudonym": entry.pseudonym}
                if why:
                    detail["conflict"] = why.split("|")[1]
                if relabel:
                    detail["relabelled_from"] = relabel
                resolutions.append(("pn-merge", detail))
                entry.by, entry.at = coder, now
            if (entry.state, entry.pseudonym, entry.category) != before:
                rep.applied.append(f"entry {entry.id} ({entry.category}): {entry.state}"
                                   + (f" as {entry.pseudonym}" if entry.pseudonym else "") + f" (by {entry.by})")
        if dry_run or not (new_events or resolutions or rep.added or rep.applied):
            return rep
        review.commit(store, key, coder, resolutions, carried=new_events)
    return rep


def check_other_key(other: Path) -> None:
    """Refuse a damaged other key before anything is merged (its error names the file)."""
    path = other_key_path(other)
    if path is not None:
        try:
            keymod.load(path.parent)
        except InvalidInput as exc:
            raise InvalidInput(f"nothing was merged: in the other copy, {exc}") from None
