"""The review queue: scanning into the key, accepting, rejecting and adding details.

Every operation holds the key's lock, changes the key, and writes its decision events
(``fieldcode.store.pseudonyms``) in one database transaction that commits only after the key
file is written: if the database write fails the key is put back as it was, and if the key
cannot be written the events are rolled back, so the key and the log never disagree.

Pseudonyms are consistent across the study (one entry per detail, whatever its case or accents,
so one pseudonym everywhere) and labelled by category: ``[Participant 3]``, ``[Person 2]``,
``[Place B]``, ``[Organisation 2]``, ... (the smallest number or letter not yet used), unless
the reviewer chooses one (``--as``).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from fieldcode.errors import InvalidInput
from fieldcode.privacy import key as keymod
from fieldcode.privacy.key import Entry, Key
from fieldcode.privacy.replace import find_spans, fold, leaks
from fieldcode.privacy.scan import Document, scan
from fieldcode.store import pseudonyms as pstore
from fieldcode.store import q_texts, q_turn_spans
from fieldcode.text import remove_controls

LABELS = {"speaker": "Participant", "participant": "Participant", "person": "Person", "name": "Name",
          "place": "Place", "organisation": "Organisation", "address": "Address", "postcode": "Postcode",
          "phone": "Phone", "email": "Email", "url": "URL", "date": "Date", "age": "Age"}
LETTERED = {"Place"}
CATEGORIES = tuple(LABELS)
_BRACKETED = re.compile(r"\[[^\[\]]+\]")
_AGE_NUMBER = re.compile(r"(?:\d{1,3}|[A-Za-z]+(?:-[A-Za-z]+)?)(?=(?:[- ](?:years?|yrs?)[- ]old)?$)")


@dataclass
class ScanReport:
    candidates: int
    new: int
    by_category: Counter = field(default_factory=Counter)
    open: int = 0


def label_for(category: str) -> str:
    return LABELS.get(category, category.replace("_", " ").replace("-", " ").strip().title() or "Detail")


def _letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = string.ascii_uppercase[r] + s
    return s


def next_pseudonym(key: Key, category: str) -> str:
    """The first ``[Label N]`` (``[Place A]`` ...) that no entry of the key uses yet."""
    label = label_for(category)
    used = {m for e in key.entries.values() if e.pseudonym for m in _BRACKETED.findall(e.pseudonym)}
    n = 1
    while True:
        p = f"[{label} {_letters(n) if label in LETTERED else n}]"
        if p not in used:
            return p
        n += 1


def _default_pseudonym(key: Key, e: Entry) -> str:
    p = next_pseudonym(key, e.category)
    if e.category == "age":   # "I'm forty-seven" -> "I'm [Age 1]": only the number goes
        m = _AGE_NUMBER.search(e.original)
        if m and m.start() > 0:
            return e.original[:m.start()] + p
    return p


def documents(store) -> list[Document]:
    infos = store.interview_infos()
    texts = q_texts(store, [i.id for i in infos])
    turns = q_turn_spans(store)
    return [Document(i.name, texts[i.id], turns.get(i.id, []), i.attributes) for i in infos]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def commit(store, key: Key, coder: str, decisions: list[tuple[str, dict]], *,
           carried: Sequence[pstore.Decision] = ()) -> None:
    """Write ``coder``'s decision events (and another copy's ``carried`` ones, with their own
    coder and time) and the key together: if either fails, neither changes."""
    old = key.path.read_bytes() if key.path.exists() else None
    saved = False
    try:
        with store.transaction():
            if carried:                 # first: this copy's settling of them follows them in the log
                pstore.carry_decisions(store, carried)
            if decisions:
                pstore.log_decisions(store, coder, decisions)
            keymod.save(key)
            saved = True
    except BaseException:
        if saved:
            if old is None:
                key.path.unlink(missing_ok=True)
            else:
                keymod.save_bytes(key.path, old)
        raise


def scan_study(store, root: Path, study, coder: str, *, spacy_model: str | None = None,
               docs: Sequence[Document] | None = None) -> ScanReport:
    """Scan every transcript and put the candidates into the key: new ones open, those already
    there keep their decision (their occurrences and evidence are brought up to date)."""
    docs = documents(store) if docs is None else docs
    with keymod.locked(root):
        key = keymod.load(root, create=True)
        known = [(e.original, e.category) for e in key.entries.values() if e.state != "rejected"]
        logged = pstore.last_by_entry(pstore.q_decisions(store))
        found = scan(docs, interviewer_labels=study.interviewer_speakers,
                     identifying=getattr(study, "identifying", ()), known=known, spacy_model=spacy_model,
                     arms=getattr(study, "arms", ()))
        rep = ScanReport(candidates=len(found), new=0)
        for c in found:
            occ: dict[str, list[tuple[int, int]]] = {}
            for name, s, e in c.occurrences:
                occ.setdefault(name, []).append((s, e))
            ident = key.entry_id(c.text)
            entry = key.entries.get(ident)
            if entry is None:
                entry = key.entries[ident] = Entry(ident, c.text, c.category, evidence=list(c.evidence),
                                                   occurrences=occ)
                rep.new += 1
                if (d := logged.get(ident)) is not None:    # decided in another copy, carried by merge
                    _take(key, entry, d)
            else:
                entry.occurrences = occ
                entry.evidence = list(dict.fromkeys([*entry.evidence, *c.evidence]))[:6]
            rep.by_category[c.category] += 1
        rep.open = sum(1 for e in key.entries.values() if e.state == "open")
        commit(store, key, coder, [("pn-scan", {"candidates": rep.candidates, "new": rep.new,
                                                 "by_category": dict(rep.by_category)})])
    return rep


def _take(key: Key, entry: Entry, d: pstore.Decision) -> None:
    """Give a new entry a decision logged for its id (in another copy, carried by a merge)."""
    entry.state = pstore.state_of(d)
    entry.category = str(d.detail.get("category") or entry.category)
    p = d.detail.get("pseudonym") if entry.state == "accepted" else None
    if p and any(e.pseudonym == p and e.id != entry.id for e in key.entries.values()):
        p = next_pseudonym(key, entry.category)       # one pseudonym never stands for two details
    entry.pseudonym, entry.by = p, d.coder
    entry.at = d.at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean(text: str, what: str) -> str:
    t = " ".join(remove_controls(text or "")[0].split())
    if not t:
        raise InvalidInput(f"{what} is empty: give the text (in quotes if it has spaces)")
    return t


def _check_pseudonym(key: Key, p: str, entry: Entry) -> None:
    originals = [e.original for e in key.entries.values() if e.state == "accepted" or e.id == entry.id]
    bad = leaks(p, originals)
    if bad:
        raise InvalidInput(f"the pseudonym '{p}' would name an identifying detail itself ('{bad[0]}'): choose "
                           "another replacement")


def accept(store, root: Path, coder: str, refs: Sequence[str] = (), *, all_open: bool = False,
           as_text: str | None = None, category: str | None = None) -> list[Entry]:
    """Accept entries (by id, or every open one): each gets its pseudonym (``as_text``, the one
    it had, or the next label of its category)."""
    if all_open and as_text is not None:
        raise InvalidInput("--as gives ONE entry its replacement: with --all every detail would get the same "
                           "text; accept them with their labels, then 'accept ID --as TEXT' the ones to change")
    if not refs and not all_open:
        raise InvalidInput("name an entry to accept (its id from 'fieldcode pseudonyms list'), or give --all")
    if as_text is not None:
        as_text = _clean(as_text, "the replacement (--as)")
    with keymod.locked(root):
        key = keymod.load(root)
        entries = [e for e in key.entries.values() if e.state == "open"] if all_open else [key.find(r) for r in refs]
        at = _now()
        for e in entries:
            if category:
                if e.category != category:
                    e.pseudonym = None if e.pseudonym and as_text is None else e.pseudonym
                e.category = category
            p = as_text or e.pseudonym or _default_pseudonym(key, e)
            _check_pseudonym(key, p, e)
            e.state, e.pseudonym, e.by, e.at = "accepted", p, coder, at
        commit(store, key, coder, [("pn-accept", {"entry": e.id, "category": e.category, "pseudonym": e.pseudonym})
                                    for e in entries])
    return entries


def reject(store, root: Path, coder: str, refs: Sequence[str]) -> list[Entry]:
    """Reject entries: not identifying; never replaced, and kept so a new scan does not ask again."""
    if not refs:
        raise InvalidInput("name an entry to reject (its id from 'fieldcode pseudonyms list')")
    with keymod.locked(root):
        key = keymod.load(root)
        entries = [key.find(r) for r in refs]
        at = _now()
        for e in entries:
            e.state, e.pseudonym, e.by, e.at = "rejected", None, coder, at
        commit(store, key, coder, [("pn-reject", {"entry": e.id, "category": e.category}) for e in entries])
    return entries


def add(store, root: Path, coder: str, text: str, *, category: str = "name", as_text: str | None = None,
        docs: Sequence[Document] | None = None) -> Entry:
    """Mark a detail as identifying by hand: it is accepted at once, wherever it occurs."""
    text = _clean(text, "the detail to add (TEXT)")
    if not any(ch.isalnum() for ch in text):
        raise InvalidInput(f"'{text}' has no letter or digit: give the words to replace")
    category = _clean(category, "the category (--category)").lower()
    if as_text is not None:
        as_text = _clean(as_text, "the replacement (--as)")
    docs = documents(store) if docs is None else docs
    with keymod.locked(root):
        key = keymod.load(root, create=True)
        ident = key.entry_id(text)
        e = key.entries.get(ident)
        if e is None:
            e = key.entries[ident] = Entry(ident, text, category, evidence=["added by hand"])
        else:
            e.category = category
        e.occurrences = {}
        for d in docs:
            spans = [(s, en) for s, en, _o in find_spans(d.text, [e.original])]
            if spans:
                e.occurrences[d.name] = spans
        p = as_text or (e.pseudonym if e.state == "accepted" else None) or _default_pseudonym(key, e)
        _check_pseudonym(key, p, e)
        e.state, e.pseudonym, e.by, e.at = "accepted", p, coder, _now()
        commit(store, key, coder, [("pn-add", {"entry": e.id, "category": e.category, "pseudonym": p})])
    return e


def entries(root: Path, *, category: str | None = None, state: str | None = None) -> list[Entry]:
    key = keymod.load(root)
    out = [e for e in key.entries.values()
           if (category is None or e.category == category) and (state is None or e.state == state)]
    from fieldcode.privacy.scan import PRIORITY

    return sorted(out, key=lambda e: (PRIORITY.get(e.category, 15), e.category, fold(e.original)))
