"""Bring a REFI-QDA project or codebook into a fieldcode study, all or nothing.

* Codes: matched to the study's codes first by the GUID fieldcode derives from a key (files
  fieldcode exported), then by name under the same parent (case-insensitive), since vendors
  re-mint GUIDs on every export.  New codes are appended to ``codebook.yaml`` (``append_code``,
  which keeps comments and order) with keys slugged from their names; ``A::B`` names become
  ``B`` under ``A``.  Re-importing the same file therefore matches every code and adds none.
* Sources: a text whose normalised SHA-256 equals an interview's maps to it; otherwise a new
  interview named after the source (refused if that name is taken by a different text).
* Positions: converted through the counting :func:`fieldcode.exchange.offsets.fit` picks; the
  import refuses, naming the selections, when no counting makes every selection fit.
* Codings keep their identity: a selection's GUID becomes the coding's uid (the Coding's own
  GUID when a selection carries several codes), so importing twice adds nothing.
* Notes referenced from a selection become the memo of its codings; notes on a source or code
  become memos of the interview or code; a selection without codings but with a note becomes a
  passage memo.  What fieldcode cannot hold is listed with counts.

Order of work: everything is planned and checked first (sizes, encodings, control characters
and attributes as for transcripts; see ``fieldcode.exchange.refi_read``); then codes, interviews,
attributes, codings and memos are stored in ONE database transaction, and only after it commits
does codebook.yaml get the new codes (an atomic replace of a pending copy).  A journal written
before the transaction lets the next import finish a run killed between the two steps, or say
that a run killed earlier left nothing (:func:`recover`).  One import runs at a time per study
(:func:`import_lock`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from fieldcode.study import codebook as cbmod
from fieldcode import store as storemod
from fieldcode.store import exchange as storex
from fieldcode.store.framework import existing_summary_uids
from fieldcode import text as textmod
from fieldcode.study.codebook import CodeDef
from fieldcode.study.settings import check_coder
from fieldcode.errors import Conflict, InvalidInput
from fieldcode.exchange import midword, offsets, refi_keep
from fieldcode.exchange.refi_read import RCode, RefiFile, RSelection, norm_guid
from fieldcode.exchange.refi_write import FIELD_LABELS, KEY_LABEL, code_guid
from fieldcode.exchange.importer import prepare_texts
from fieldcode.exchange.refi_journal import (  # noqa: F401  (recover, import_lock: this module's API too)
    CODEBOOK_NAME, JOURNAL, JOURNAL_PROBES, PENDING, append_codes, current_codebook, fsync, fsync_dir, import_lock,
    recover,
    write_journal)
from fieldcode.study.design import validate_attributes

MAX_LISTED = 25
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


@dataclass
class ImportResult:
    path: Path
    origin: str = ""
    fit: str = ""
    interviews_new: list[str] = field(default_factory=list)
    interviews_matched: list[str] = field(default_factory=list)
    codes_new: list[str] = field(default_factory=list)
    codes_matched: int = 0
    codings_added: int = 0
    codings_present: int = 0
    memos_added: int = 0
    memos_present: int = 0
    attributes_set: int = 0
    study_set: list[str] = field(default_factory=list)   # study settings taken from the file
    not_imported: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)   # what an earlier, interrupted import left

    @property
    def changed(self) -> bool:
        return bool(self.interviews_new or self.codes_new or self.codings_added or self.memos_added
                    or self.attributes_set or self.study_set)


@dataclass
class _NewCode:
    key: str
    name: str
    parent: str | None
    colour: str
    definition: str = ""
    use_when: str = ""
    not_when: str = ""
    example: str = ""
    codable: bool = True


def _split_description(desc: str) -> dict[str, str]:
    """A Description fieldcode wrote (definition, then "Use when: ...", ...) back into fields."""
    out = {"definition": "", "use_when": "", "not_when": "", "example": "", "key": ""}
    rest = []
    for para in re.split(r"\n\s*\n", desc.strip()):
        for k, label in (*FIELD_LABELS, ("key", KEY_LABEL)):
            if para.startswith(label):
                out[k] = para[len(label):].strip()
                break
        else:
            rest.append(para.strip())
    out["definition"] = "\n\n".join(p for p in rest if p)
    return out


class _CodePlan:
    def __init__(self, codebook: cbmod.Codebook, retired: set[str]) -> None:
        self.codes = codebook.by_key()
        # keys of retired codes are never handed out again (that would bring back their codings)
        self.retired = retired - set(self.codes)
        self.by_guid = {norm_guid(code_guid(k)): k for k in self.codes}
        self.by_path: dict[tuple[str, ...], str] = {}
        for c in codebook.codes:
            self.by_path[self._path_of(c.key)] = c.key
        self.new: dict[str, _NewCode] = {}
        self.guid_key: dict[str, str] = {}
        self.matched: set[str] = set()
        self.uncodable: list[str] = []
        self.study: dict[str, object] = {}     # study settings to take from the file (refi_keep)

    def _path_of(self, key: str) -> tuple[str, ...]:
        path, cur, seen = [], self.codes.get(key), set()
        while cur is not None and cur.key not in seen:
            seen.add(cur.key)
            path.append(cur.name.strip().lower())
            cur = self.codes.get(cur.parent) if cur.parent else None
        return tuple(reversed(path))

    def _unique_key(self, name: str, parent: str | None) -> str:
        base = cbmod.slugify(name)
        taken = set(self.codes) | set(self.new) | self.retired
        if base in taken and parent:
            base = f"{parent}-{base}"[:60].strip("-")
        key, n = base, 2
        while key in taken:
            key = f"{base}-{n}"
            n += 1
        return key

    def add(self, rc: RCode, parent_path: tuple[str, ...], parent_key: str | None) -> tuple[tuple[str, ...], str]:
        wanted = _split_description(rc.description)["key"]
        if wanted in self.codes and wanted not in self.new:
            key = wanted
            self.matched.add(key)
            self.guid_key[rc.guid] = key
            return self._path_of(key), key
        if rc.guid in self.by_guid:
            key = self.by_guid[rc.guid]
            self.matched.add(key)
            self.guid_key[rc.guid] = key
            return self._path_of(key), key
        parts = [p.strip() for p in rc.name.split("::")] if "::" in rc.name else [rc.name.strip()]
        parts = [p for p in parts if p] or ["(unnamed code)"]
        path, key = parent_path, parent_key
        for depth, part in enumerate(parts):
            path = path + (part.lower(),)
            last = depth == len(parts) - 1
            if path in self.by_path:
                key = self.by_path[path]
                if key in self.new and last:
                    self._fill(self.new[key], rc)
                elif key not in self.new:
                    self.matched.add(key)
                continue
            free = (last and cbmod.KEY_RE.match(wanted) and wanted not in self.codes and wanted not in self.new
                    and wanted not in self.retired)
            k = wanted if free else self._unique_key(part, key)
            colour = rc.colour if rc.colour and _HEX.match(rc.colour.strip()) else None
            nc = _NewCode(key=k, name=part, parent=key, colour=(colour or "").strip() or "#888888")
            if last:
                self._fill(nc, rc)
            self.new[k] = nc
            self.by_path[path] = k
            key = k
        self.guid_key[rc.guid] = key
        if not rc.codable:
            self.uncodable.append(rc.name)
            if key in self.new:
                self.new[key].codable = False
        return path, key

    @staticmethod
    def _fill(nc: _NewCode, rc: RCode) -> None:
        if rc.colour and _HEX.match(rc.colour.strip()):
            nc.colour = rc.colour.strip().upper()
        for k, v in _split_description(rc.description).items():
            if k != "key":
                setattr(nc, k, v)

    def walk(self, roots: list[RCode]) -> None:
        def go(rc: RCode, path: tuple[str, ...], key: str | None) -> None:
            p, k = self.add(rc, path, key)
            for ch in rc.children:
                go(ch, p, k)

        for r in roots:
            go(r, (), None)


def _validate(rf: RefiFile, src, attrs: dict[str, str], study) -> None:  # noqa: ANN001
    """A source's attributes are checked as a transcript's front matter is."""
    try:
        validate_attributes(attrs, study)
    except InvalidInput as exc:
        raise InvalidInput(f"{rf.path}: text source '{src.name}': {exc}; nothing was imported. Correct the "
                           "value in the tool that wrote the file (or the study's arms), then import again") from None


def _count_selections(sels: list[RSelection]) -> str:
    n = sum(len(s.codings) for s in sels)
    return f"{len(sels)} selection(s) with {n} coding(s)"


def _unique_name(name: str, taken: set[str]) -> str:
    name = name.strip()[:250] or "source"
    out, n = name, 2
    while out in taken:
        out = f"{name} ({n})"
        n += 1
    return out


def import_file(project, rf: RefiFile, *, counting: str | None = None, coder: str | None = None) -> ImportResult:  # noqa: ANN001
    """Import the parsed file ``rf`` into ``project`` (a :class:`fieldcode.project.Project`):
    all of it or nothing, one import per study at a time; first finishing or clearing what an
    interrupted earlier import left (said in ``recovered``)."""
    with import_lock(project.root):
        recovered = recover(project)
        current_codebook(project)
        res = _import_file(project, rf, counting=counting, coder=coder)
    res.recovered = recovered
    return res


def _import_file(project, rf: RefiFile, *, counting: str | None, coder: str | None) -> ImportResult:  # noqa: ANN001, C901
    res = ImportResult(path=rf.path, origin=rf.origin)
    store = project.store
    fallback = coder or project.coder
    # ---- codes -------------------------------------------------------------------------------
    plan = _CodePlan(project.codebook, {c.key for c in project.store.codes(include_retired=True)})
    plan.walk(rf.codes)
    # A category the file marks as not codable but codes anyway stays codable here, so none of
    # its codings is dropped; the others stay categories (codable: false).
    coded = {plan.guid_key.get(c.code) for src in rf.sources for sel in src.selections for c in sel.codings}
    used_anyway = sorted(k for k, nc in plan.new.items() if not nc.codable and k in coded)
    for k in used_anyway:
        plan.new[k].codable = True
    if plan.uncodable:
        res.warnings.append(f"{len(plan.uncodable)} code(s) are categories that cannot be coded in the file "
                            f"({', '.join(plan.uncodable[:8])}{', ...' if len(plan.uncodable) > 8 else ''}); "
                            "new ones are kept as categories that cannot be coded (codable: false)"
                            + (f", except {', '.join(used_anyway)}, which the file codes anyway: kept codable so "
                               "no coding is dropped" if used_anyway else ""))
    for tag, n in sorted(rf.unsupported.items()):
        res.not_imported.append(f"{n} {tag}")
    # ---- sources, positions ----------------------------------------------------------------------
    versions = store.interview_versions()
    _plan_study(project, rf, plan, res, has_interviews=bool(versions))
    by_sha = {sha: (iid, name) for name, (iid, sha) in versions.items()}
    names_taken = set(versions)
    texts: list[offsets.SourceText] = []
    usable = []
    for src in rf.sources:
        if src.raw is None:
            res.not_imported.append(f"text source '{src.name}': {src.problem} ({_count_selections(src.selections)})")
            continue
        st = offsets.SourceText(src.raw)
        for note in src.reading:
            res.warnings.append(f"text source '{src.name}': {note}")
        removed = textmod.normalise_counted(st.body)[1] if textmod.CONTROL_RE.search(st.body) else 0
        if removed:   # (a CRLF's CR matches CONTROL_RE but is a line break, not a removed control)
            res.warnings.append(f"text source '{src.name}': removed {removed:,} control character(s) or terminal "
                                "escape sequence(s) (they would drive the terminal, not show as text), as for "
                                "transcripts; selections keep their places in the remaining text")
        if not st.text:
            res.not_imported.append(f"text source '{src.name}': its text is empty ({_count_selections(src.selections)})")
            continue
        usable.append((src, len(texts)))
        texts.append(st)
    empty = 0
    for src, _ in usable:
        keep = [s for s in src.selections if s.end > s.start]
        empty += len(src.selections) - len(keep)
        src.selections = keep
    if empty:
        res.not_imported.append(f"{empty} selection(s) of no text (end not after start)")
    sels = [offsets.Sel(f"selection {s.guid} in '{src.name}' [{s.start}, {s.end}) \u201c{s.name[:40]}\u201d",
                        ti, s.start, s.end, s.name)
            for src, ti in usable for s in src.selections]
    forced = None
    if counting:
        try:
            forced = offsets.counting_by_key(counting)
        except KeyError:
            raise InvalidInput(f"--counting {counting}: not a counting; use one of "
                               f"{', '.join(c.key for c in offsets.COUNTINGS)}") from None
    ft = offsets.fit(texts, sels, forced=forced)
    res.fit = ft.summary()
    if ft.alternatives and forced is None:
        raise Conflict(
            f"{rf.path}: the selections fit equally well under {ft.counting.key} and {', '.join(ft.alternatives)}, "
            "which put them in different places; nothing was imported. Say which counting the exporting tool "
            "uses with --counting KEY (NVivo for Windows: utf16-crlf2-nobom; ATLAS.ti and MAXQDA: "
            "codepoints-crlf1-nobom; the standard: codepoints-crlf2-nobom).")
    few = midword.explained(texts, sels, ft) if forced is None else None
    if few:
        res.fit += (f"; the other {len(few)} start or end inside a word of the source text itself (as the "
                    "file has them), imported where this counting puts them")
        listed = "\n".join(f"  {line}" for line in few[:MAX_LISTED])
        more = f"\n  ... and {len(few) - MAX_LISTED} more" if len(few) > MAX_LISTED else ""
        res.warnings.append(f"{len(few)} of {len(sels)} selection(s) start or end inside a word of their source's "
                            f"own text under {ft.counting.key} (every other selection fits it); imported as the "
                            f"file places them:\n{listed}{more}")
    elif ft.misfits:
        listed = "\n".join(f"  {sels[i].label}: {why}" for i, why in ft.misfits[:MAX_LISTED])
        more = f"\n  ... and {len(ft.misfits) - MAX_LISTED} more" if len(ft.misfits) > MAX_LISTED else ""
        unplaceable = [i for i, _ in ft.misfits if ft.spans[i] is None]
        if forced is None or unplaceable:
            raise Conflict(
                f"{rf.path}: no way of counting positions makes every selection line up with its text; nothing "
                f"was imported.\nBest {res.fit}\n{len(ft.misfits)} selection(s) do not fit:\n{listed}{more}\n"
                + ("Pass --counting KEY to import with a counting of your choice; misfits are then listed, "
                   "and selections outside the text still refuse." if forced is None else
                   "These selections cannot be placed under the counting you chose."))
        res.warnings.append(f"{len(ft.misfits)} selection(s) do not line up with their text under the counting "
                            f"you chose; they were imported where that counting puts them:\n{listed}{more}")
    # ---- interviews and attributes ----------------------------------------------------------------------
    var_name = rf.variables
    case_values: dict[str, dict[str, str]] = {}
    for case in rf.cases:
        for sg in case.sources:
            case_values.setdefault(sg, {}).update(case.values)
    new_items, mapped = [], {}            # source guid -> interview id (existing) or name (new)
    planned_sha: dict[str, str] = {}
    attr_updates: dict[int, dict[str, str]] = {}
    attr_before: dict[int, dict[str, str]] = {}
    for src, ti in usable:
        st = texts[ti]
        values = {**case_values.get(src.guid, {}), **src.values}
        attrs = {}
        for vg, v in values.items():
            if vg not in var_name:
                res.warnings.append(f"'{src.name}': a value refers to variable {vg}, which the file does not define; left out")
                continue
            attrs[var_name[vg].strip()[:100]] = v
        sha = textmod.sha256(st.text)
        if sha in by_sha:
            iid, name = by_sha[sha]
            mapped[src.guid] = iid
            res.interviews_matched.append(f"'{src.name}' -> '{name}'")
            cur = store.attributes(iid)
            merged = dict(cur)
            for k, v in attrs.items():
                if k in cur and cur[k] != v:
                    res.warnings.append(f"interview '{name}': attribute {k} is '{cur[k]}' here and '{v}' in the file; kept '{cur[k]}'")
                merged.setdefault(k, v)
            _validate(rf, src, merged, project.study)
            if merged != cur:
                attr_before[iid], attr_updates[iid] = cur, merged
            continue
        _validate(rf, src, attrs, project.study)
        if sha in planned_sha:
            mapped[src.guid] = planned_sha[sha]
            continue
        if src.name.strip() in names_taken:
            raise Conflict(f"{rf.path}: source '{src.name}' has a different text from this study's interview of the "
                           "same name; nothing was imported. Rename one of them (in the other tool or with "
                           "fieldcode) and import again.")
        name = _unique_name(src.name, names_taken | {n for n, *_ in new_items})
        new_items.append((name, f"{rf.path.name}#{src.name}", src.raw, attrs, src.created))
        planned_sha[sha] = name
        mapped[src.guid] = name
    # ---- codings and memos ------------------------------------------------------------------------------
    def who(*guids: str | None) -> str:
        for g in guids:
            if g and g in rf.users:
                return check_coder(rf.users[g][:100], f"{rf.path}: user {g}")
        if fallback:
            return fallback
        raise InvalidInput(f"{rf.path}: the file does not say who made some codings or notes (no user); "
                           "pass --coder NAME to record them under NAME")

    used_notes: set[str] = set()
    coding_rows, memo_rows, bad_refs = [], [], []
    empty_sels = 0
    k = 0
    for src, ti in usable:
        for s in src.selections:
            span = ft.spans[k]
            k += 1
            note_ids = s.notes + [n for c in s.codings for n in c.notes]
            used_notes.update(note_ids)
            memo = refi_keep.coding_memo(s.description, [rf.notes[n].text for n in note_ids if n in rf.notes])
            if not s.codings:
                if memo:
                    memo_rows.append(dict(uid=s.guid, author=who(s.user, rf.creating_user), iv=src.guid, code_id=None,
                                          start=span[0], end=span[1], text=memo, created_at=s.created,
                                          updated_at=s.modified))
                else:
                    empty_sels += 1
                continue
            for c in s.codings:
                if c.code not in plan.guid_key:
                    bad_refs.append(f"  selection {s.guid} in '{src.name}': code {c.code} is not in the file's codebook")
                    continue
                coding_rows.append(dict(uid=s.guid if len(s.codings) == 1 else c.guid, iv=src.guid,
                                        code=plan.guid_key[c.code], coder=who(c.user, s.user, rf.creating_user),
                                        start=span[0], end=span[1], memo=memo, created_at=c.created or s.created,
                                        updated_at=s.modified or c.created or s.created))
    if bad_refs:
        raise InvalidInput(f"{rf.path}: {len(bad_refs)} coding(s) refer to codes the file does not define; nothing "
                           "was imported:\n" + "\n".join(bad_refs[:MAX_LISTED]))
    if empty_sels:
        res.not_imported.append(f"{empty_sels} selection(s) with neither a code nor a note (nothing to keep)")
    whole = sum(src.whole_codings for src, _ in usable)
    if whole:
        res.not_imported.append(f"{whole} coding(s) of whole sources (not of a selection)")
    for src, _ in usable:
        if src.description:
            memo_rows.append(dict(uid=norm_guid("description:" + src.guid), author=who(src.user, rf.creating_user),
                                  iv=src.guid, code=None, start=None, end=None, text=src.description,
                                  created_at=src.created, updated_at=src.created))
    code_notes = {n: rc.guid for rc, _ in rf.all_codes() for n in rc.notes}
    src_notes = {n: src.guid for src, _ in usable for n in src.notes}
    summaries_here = existing_summary_uids(store, rf.notes)   # notes a fieldcode export wrote from them
    loose = 0
    for g, note in sorted(rf.notes.items()):
        if g in used_notes or not note.text.strip() or g in summaries_here:
            continue
        text = note.text if not note.name or note.text.startswith(note.name.rstrip("\u2026")) else f"{note.name}\n\n{note.text}"
        if g in src_notes or g in code_notes:
            memo_rows.append(dict(uid=g, author=who(note.user, rf.creating_user), iv=src_notes.get(g),
                                  code=plan.guid_key.get(code_notes.get(g, "")), start=None, end=None, text=text,
                                  created_at=note.created, updated_at=note.modified))
        else:
            loose += 1
    if loose:
        res.not_imported.append(f"{loose} note(s) not attached to a source, code or selection (fieldcode memos "
                                "belong to an interview, a passage or a code)")
    seen_uids: set[str] = set()
    for r in coding_rows:
        if r["uid"] in seen_uids:
            raise InvalidInput(f"{rf.path}: GUID {r['uid']} is used by more than one coding; nothing was imported")
        seen_uids.add(r["uid"])
    present_c, present_m = storemod.exchange_existing_uids(store, [r["uid"] for r in coding_rows],
                                                           [r["uid"] for r in memo_rows])
    # ---- write ------------------------------------------------------------------------------------------
    return _commit(project, rf, res, plan, new_items, mapped, attr_updates, attr_before, coding_rows, memo_rows,
                   present_c, present_m, ft)


def _commit(project, rf, res, plan, new_items, mapped, attr_updates, attr_before, coding_rows,  # noqa: ANN001, PLR0913
            memo_rows, present_c, present_m, ft) -> ImportResult:
    """Write everything: the database in ONE transaction, codebook.yaml after it commits.

    New codes are first written to a pending copy of codebook.yaml (``PENDING``) and a journal
    (``JOURNAL``) says what this import is about to do; the transaction then stores codes,
    interviews, attributes, codings and memos together with the new codebook's version; only
    after the commit does the pending copy replace codebook.yaml (``os.replace``, atomic) and
    the journal go.  A kill before the commit leaves the database as it was (the transaction
    never committed) and codebook.yaml untouched; a kill between the commit and the replace
    leaves the journal, and :func:`recover` (run by the next import) finishes the replace."""
    store = project.store
    root = project.root
    cb_path = root / CODEBOOK_NAME
    new_codes = list(plan.new.values())
    # the slow, pure part (spaCy) before the write lock is taken
    prepared = prepare_texts(refi_keep.planned_study(project.study, plan.study), [(n, sp, raw, attrs) for n, sp, raw, attrs, _ in new_items],
                             spacy_model=project.settings.spacy_model)
    base = cb_path.read_bytes()
    new_cb = None
    pending = root / PENDING
    journal = root / JOURNAL
    write_journal(journal, {
        "file": str(rf.path), "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "pid": os.getpid(),
        "codebook_sha256": hashlib.sha256(base).hexdigest(), "codes": [nc.key for nc in new_codes],
        "interviews": [p.name for p in prepared], "interview_sha256": [p.sha256 for p in prepared],
        "coding_uids": [r["uid"] for r in coding_rows if r["uid"] not in present_c][:JOURNAL_PROBES],
        "memo_uids": [r["uid"] for r in memo_rows if r["uid"] not in present_m][:JOURNAL_PROBES],
        "codebook_version_before": storex.exchange_last_codebook_version(store),
        "codebook_hash": None})
    try:
        if new_codes or plan.study:
            shutil.copyfile(cb_path, pending)
        if new_codes:
            append_codes(pending, [CodeDef(key=nc.key, name=nc.name, parent=nc.parent, colour=nc.colour,
                                            definition=nc.definition, use_when=nc.use_when, not_when=nc.not_when,
                                            example=nc.example, codable=nc.codable) for nc in new_codes])
        if plan.study:
            _write_study(pending, plan.study)
        if new_codes or plan.study:
            new_cb = cbmod.load(pending)
            fsync(pending)
            info = json.loads(journal.read_text(encoding="utf-8"))
            info["codebook_hash"] = new_cb.hash
            write_journal(journal, info)
        with store.transaction() as s:
            if new_cb is not None:
                store.sync_codebook(new_cb)
            code_ids = storex.exchange_code_ids(s)
            ids_by_name: dict[str, int] = {}
            for p, (_, _, _, _, created) in zip(prepared, new_items):
                iid = store.save_interview(p)
                ids_by_name[p.name] = iid
                if created is not None:
                    storemod.exchange_set_imported_at(store, iid, created)
            for iid, attrs in attr_updates.items():
                store.set_attributes(iid, attrs)

            def iv_id(src_guid: str | None) -> int | None:
                if src_guid is None:
                    return None
                v = mapped[src_guid]
                return v if isinstance(v, int) else ids_by_name[v]

            rows = [dict(uid=r["uid"], interview_id=iv_id(r["iv"]), code_id=code_ids[r["code"]], coder=r["coder"],
                         start=r["start"], end=r["end"], memo=r["memo"], created_at=r["created_at"],
                         updated_at=r["updated_at"])
                    for r in coding_rows if r["uid"] not in present_c]
            added, _ = store.insert_codings(rows, action="import", detail={
                "file": rf.path.name, "origin": rf.origin, "counting": ft.counting.key})
            added_codings = [c.uid for c in added]
            mrows = [dict(uid=r["uid"], author=r["author"], interview_id=iv_id(r["iv"]),
                          code_id=code_ids.get(r.get("code")) if r.get("code") else None, start=r["start"],
                          end=r["end"], text=r["text"], created_at=r["created_at"], updated_at=r["updated_at"])
                     for r in memo_rows if r["uid"] not in present_m]
            added_memos, _ = storemod.exchange_insert_memos(store, mrows)
    except BaseException:
        # the transaction rolled back (or never began): codebook.yaml was never touched
        pending.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)
        raise
    if new_cb is not None:
        os.replace(pending, cb_path)
        fsync_dir(root)
    journal.unlink(missing_ok=True)
    if new_cb is not None:
        project.reload_codebook()
    res.interviews_new = [p.name for p in prepared]
    res.codes_new = [nc.key for nc in new_codes]
    res.study_set = [f"{k}: {', '.join(v) if isinstance(v, tuple) else v}" for k, v in plan.study.items()]
    res.codes_matched = len(plan.matched)
    res.codings_added, res.codings_present = len(added_codings), len(coding_rows) - len(added_codings)
    res.memos_added, res.memos_present = len(added_memos), len(memo_rows) - len(added_memos)
    res.attributes_set = sum(len(v) for v in attr_updates.values()) + sum(len(a) for *_, a, _ in new_items)
    return res


def _plan_study(project, rf: RefiFile, plan: _CodePlan, res: ImportResult, *, has_interviews: bool) -> None:  # noqa: ANN001
    """The study settings the file carries that this study takes (``plan.study``), checked now
    against codebook.yaml's text so the write after the commit cannot fail on them."""
    wanted, warnings = refi_keep.file_study_settings(rf.variables, rf.variable_descriptions)
    plan.study, kept = refi_keep.plan_study(project.study, wanted, has_interviews=has_interviews)
    res.warnings.extend(warnings + kept)
    if plan.study:
        try:
            refi_keep.study_text((project.root / CODEBOOK_NAME).read_bytes().decode("utf-8-sig"), plan.study)
        except ValueError as exc:
            res.warnings.append(f"the file's study settings ({', '.join(plan.study)}) cannot be written into "
                                f"codebook.yaml ({exc}); kept the study's own. Set them in its study: section by hand")
            plan.study = {}


def _write_study(path: Path, changes: dict[str, object]) -> None:
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    new = refi_keep.study_text(raw.decode("utf-8-sig"), changes)
    tmp = path.with_name(f".{path.name}.import.tmp")
    tmp.write_bytes((b"\xef\xbb\xbf" if bom else b"") + new.encode("utf-8"))
    os.replace(tmp, path)


def import_codebook(project, rf: RefiFile) -> ImportResult:  # noqa: ANN001
    """A ``.qdc`` codebook (or only the codebook of a project): new codes into codebook.yaml."""
    with import_lock(project.root):
        recovered = recover(project)
        current_codebook(project)
        res = _import_codebook(project, rf)
    res.recovered = recovered
    return res


def _import_codebook(project, rf: RefiFile) -> ImportResult:  # noqa: ANN001
    res = ImportResult(path=rf.path, origin=rf.origin)
    plan = _CodePlan(project.codebook, {c.key for c in project.store.codes(include_retired=True)})
    plan.walk(rf.codes)
    for tag, n in sorted(rf.unsupported.items()):
        res.not_imported.append(f"{n} {tag}")
    return _commit(project, rf, res, plan, [], {}, {}, {}, [], [], set(), set(),
                   offsets.Fit(counting=offsets.SPEC, spans=[]))
