"""Merge another copy of the project into this one: ``fieldcode merge OTHER``.

Headless.  Reads both copies through ``fieldcode.store`` and writes the merge in one
transaction (``store.apply_merge``): all or nothing, and running it twice changes nothing.

Matching
--------
* **Interviews** by transcript content hash (SHA-256 of the normalised text).  An interview of
  the other copy whose name is here with a different text is reported ("transcript differs"),
  never guessed at; one not here at all is reported too.  Their codings are not merged.
* **Codes** by key.  A key the other copy has and this one lacks is reported with its codings'
  count (add it to codebook.yaml and merge again); a code named differently is reported.
* **Codings** by ``uid``, which every copy keeps.  Each coder's codings come across with their
  coder, created and updated times, memo and history (the other copy's events for them, with
  their own time, coder and action).

Which side changed: each copy's event log says what happened to a coding there.  Events are
the same in both copies when they share time, coder and action (a copied file, or a previous
merge, which copies events as they are).  For each coding the other copy knows:

* same state in both (coder, code, interview, span, memo) -> skipped (already present);
* only the other copy has events this one lacks -> this copy takes its state: the coding is
  added, changed or removed here;
* only this copy changed it (or neither) -> left as it is here;
* both copies changed it since their common history -> a **conflict**, reported and left alone
  for the user.

**The coding protocol's steps** (hand-ins, reopenings, unblindings, order seeds: events with a
uid of their own and no coding, ``fieldcode.store.protocol``) are copied when this copy lacks them.

**Pseudonym decisions** (events naming a key entry by id) are read from the other copy into
``MergePlan.pn_decisions``; ``fieldcode.privacy.merging`` carries them into this database and
key file (the rule for two reviewers' conflicting decisions is there).

**Memos** on interviews, passages and codes match by ``uid`` too: a memo only the other copy has
is added (with its author and times); one both have whose text differs takes the text of the
newer edit (memos are edited only by their author).  Each copy records the memos deleted in it
(uid, author, time): a memo deleted here is not brought back from a copy that still has it, and
a memo deleted there is deleted here, unless it was edited after the deletion (then the edit
wins and the memo stays, or comes back).  Every memo added, updated, deleted or kept deleted is
listed, and the deletions are recorded here too, so a later merge into a third copy knows them.

**Serialised with re-imports and coding.**  The plan is made from reads; the write locks every
interview it touches and checks that each is still the text version the plan's offsets count in,
and that every coding it changes or removes here is as the plan saw it.  When a re-import (or a
coder) got in between, nothing is written and the merge is planned again from what is there now
(an interview re-imported here since no longer matches the other copy's transcript, so it is
reported instead of merged at stale offsets); after :data:`MERGE_ATTEMPTS` tries the last
refusal is the error.

A coding whose interview or code is not matched is reported and skipped.  The other copy is
never written to: a database file is copied to a scratch folder in the project's
``.fieldcode/`` (and its schema upgraded there) before it is read, and refused with a named
error when SQLite finds it damaged or truncated, when it holds no fieldcode schema, or when a
newer fieldcode wrote it.  A merge killed before it cleaned up leaves its copy in
``.fieldcode/merge-*``, which the next merge removes.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fieldcode.errors import Conflict, DamagedDatabase, InvalidInput, NewerDatabase, NotFieldcodeDatabase
from fieldcode.study.settings import check_coder
from fieldcode.store import Store, apply_merge, migrations, q_merge_view, sqlite_url
from fieldcode.store.merge import PROTOCOL_FIELDS, here_state, integrity_problems, lineage_key
from fieldcode.store.protocol import PROTOCOL_ACTIONS
from fieldcode.store.pseudonyms import q_decisions
from fieldcode.team.framework_merge import SummaryPlan, plan_summaries
from fieldcode.team.merge_rules import carried_deletions
from fieldcode.study.folder import DB_FILE

CONTENT = ("coder", "code", "interview", "start", "end", "memo")
MERGE_ATTEMPTS = 3      # plan and write; planned again when a re-import or a coder got in between


@dataclass
class MergePlan:
    source: str
    inserts: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    removals: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    skipped: int = 0                      # already present (same state)
    kept_here: int = 0                    # changed only here: left as they are
    conflicts: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)      # interviews and codes not merged
    codebook_notes: list[str] = field(default_factory=list)
    by_coder: dict[str, dict[str, int]] = field(default_factory=dict)
    memo_inserts: list[dict] = field(default_factory=list)
    memo_updates: list[dict] = field(default_factory=list)
    memo_deletes: list[dict] = field(default_factory=list)   # the other copy's deletions to record here
    memo_notes: list[str] = field(default_factory=list)   # one line per memo added, updated or deleted
    memos_skipped: int = 0                                # already here (same text, or newer here)
    memos_kept_deleted: int = 0                           # deleted here before the other copy's last edit
    # local interview id -> the text version the plan's offsets count in (checked at write)
    text_shas: dict[int, str] = field(default_factory=dict)
    # uid -> this copy's coding as the plan saw it, for those it updates or removes (checked at write)
    here_states: dict[str, dict] = field(default_factory=dict)
    replanned: list[str] = field(default_factory=list)    # why an earlier plan was not written
    lineage: list[dict] = field(default_factory=list)     # the other copy's code merges / splits to record
    # the other copy's pseudonym decisions (events naming key entries by id, never an original):
    # carried into this database and key by fieldcode.privacy.merging, which the command calls
    pn_decisions: list = field(default_factory=list)
    framework: SummaryPlan | None = None    # framework summaries (fieldcode.team.framework_merge)

    @property
    def changes(self) -> int:
        return (len(self.inserts) + len(self.updates) + len(self.removals) + len(self.memo_inserts)
                + len(self.memo_updates) + len(self.memo_deletes) + len(self.lineage)
                + (self.framework.changes if self.framework else 0))

    def count(self, coder: str, what: str) -> None:
        self.by_coder.setdefault(coder, {"added": 0, "changed": 0, "removed": 0})[what] += 1

    def summary(self) -> list[str]:
        lines = [f"from {self.source}: {len(self.inserts)} coding(s) to add, {len(self.updates)} to change, "
                 f"{len(self.removals)} to remove; {self.skipped} already here, {self.kept_here} changed only here "
                 f"(kept), {len(self.conflicts)} conflict(s)"]
        for coder, n in sorted(self.by_coder.items()):
            lines.append(f"  {coder}: {n['added']} added, {n['changed']} changed, {n['removed']} removed")
        if self.memo_inserts or self.memo_updates or self.memo_deletes or self.memos_skipped or self.memos_kept_deleted:
            deleting = sum(1 for d in self.memo_deletes if d.get("here"))
            lines.append(f"memos: {len(self.memo_inserts)} to add, {len(self.memo_updates)} to update, "
                         f"{deleting} to delete (deleted there); {self.memos_skipped} already here, "
                         f"{self.memos_kept_deleted} kept deleted (deleted here)")
            lines.extend(f"  {n}" for n in self.memo_notes)
        lines.extend(self.framework.lines() if self.framework else [])
        lines.extend(f"planned again: {why}" for why in self.replanned)
        return lines


SCRATCH_PREFIX = "merge-"


@contextmanager
def scratch_dir(workdir: Path | None) -> Iterator[Path]:
    """A private folder for the copy of the other database, removed afterwards.

    It is made inside ``workdir`` (the project's ``.fieldcode/`` folder) when given, so a merge
    killed before it could clean up (SIGKILL, a power cut) leaves its copy where the next merge
    finds it: each scratch folder holds an flock while its merge runs, and a merge removes every
    ``merge-*`` folder there whose lock nobody holds.  Without ``workdir``, the system's
    temporary folder."""
    if workdir is None:
        tmp = Path(tempfile.mkdtemp(prefix="fieldcode-merge-"))
        try:
            yield tmp
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    clean_scratch(workdir)
    tmp = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=workdir))
    try:
        with open(tmp / "lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def clean_scratch(workdir: Path) -> list[Path]:
    """Remove the scratch folders in ``workdir`` left by merges that were killed (nobody holds
    their lock); returns those removed.  A merge still running keeps its folder."""
    removed = []
    for d in sorted(Path(workdir).glob(SCRATCH_PREFIX + "*")):
        if not d.is_dir():
            continue
        try:
            with open(d / "lock", "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(d, ignore_errors=True)
        except BlockingIOError:
            continue                     # a merge running now
        except OSError:
            shutil.rmtree(d, ignore_errors=True)   # no lock file: killed before it made one
        removed.append(d)
    return removed


def other_database(other: Path) -> Path:
    """The other copy's database file (``other`` is its project folder or the file itself),
    checked to be an SQLite file; the named error says what was found instead."""
    other = Path(other)
    if other.is_dir():
        db = other / DB_FILE
        if not db.is_file():
            raise InvalidInput(f"{other}: no {DB_FILE} in that folder (is it a fieldcode project folder?)")
    elif other.is_file():
        db = other
    else:
        raise InvalidInput(f"{other}: no such project folder or database file")
    with open(db, "rb") as f:
        head16 = f.read(16)
    if head16 != b"SQLite format 3\x00":
        if not head16:
            raise NotFieldcodeDatabase(f"{db}: not a fieldcode database (the file is empty). Nothing was merged; "
                                       "name the other copy's project folder or its fieldcode.db")
        raise NotFieldcodeDatabase(f"{db}: not a fieldcode database (not an SQLite file). Nothing was merged; "
                                   "name the other copy's project folder or its fieldcode.db")
    return db


def cut_off(path: Path) -> str | None:
    """Whether an SQLite file is shorter than SQLite's own header says, or not a whole number of
    pages: a copy cut off (copied while being written, a transfer that stopped).  SQLite's
    ``quick_check`` can pass such a file when the missing bytes were of a free page."""
    with open(path, "rb") as fh:
        head = fh.read(100)
    if len(head) < 100 or not head.startswith(b"SQLite format 3\0"):
        return None   # not SQLite at all: named by the checks that follow
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    pages, size = int.from_bytes(head[28:32], "big"), path.stat().st_size
    if page and size % page:
        return f"the file is {size:,} bytes, not a whole number of its {page:,}-byte pages: it was cut off"
    if pages * page > size:
        return f"its header counts {pages:,} pages of {page:,} bytes but the file has {size:,} bytes: it was cut off"
    return None


def _went_with_interview(ev: dict) -> str | None:
    """The interview's name when ``ev`` removed a coding along with its whole interview
    (``fieldcode interviews remove --with-codings``), else None."""
    if ev.get("action") != "remove" or not ev.get("detail"):
        return None
    try:
        detail = json.loads(ev["detail"])
    except ValueError:
        return None
    return detail.get("with_interview") if isinstance(detail, dict) else None


def open_other(other: Path, tmp: Path) -> Store:
    """A Store over a copy, made in the folder ``tmp``, of the other project's database (never
    the original), checked before anything reads it: SQLite's ``quick_check`` must find it
    sound, and it must hold a fieldcode schema this version knows (an older one is upgraded,
    in the copy).  Each failure is a named error naming the other copy's file; the project's
    own database is not touched."""
    db = other_database(other)
    copy = tmp / DB_FILE
    shutil.copy2(db, copy)
    for suffix in ("-wal", "-shm"):
        side = Path(str(db) + suffix)
        if side.is_file():
            shutil.copy2(side, Path(str(copy) + suffix))
    store = Store(sqlite_url(copy), migrate=False)
    try:
        problems = [cut] if (cut := cut_off(copy)) else integrity_problems(store)
        if problems:
            raise DamagedDatabase(str(copy), "; ".join(problems))
        revision = migrations.current(store.engine)
        if revision is None:
            tables = migrations.foreign_tables(store.engine)
            raise NotFieldcodeDatabase(
                f"{db}: not a fieldcode database (an SQLite file with no fieldcode schema"
                + (f"; its tables: {', '.join(tables[:5])}" if tables else ", and no tables")
                + "). Nothing was merged; name the other copy's project folder or its fieldcode.db")
        if revision not in migrations.revisions():
            raise NewerDatabase(str(db), revision, migrations.head(), message=(
                f"the other copy {db} was written by a newer version of fieldcode (its schema is revision "
                f"'{revision}'; this fieldcode knows revisions up to '{migrations.head()}'). Nothing was merged. "
                "Upgrade fieldcode here to the version your colleague uses, then merge again."))
        if revision != migrations.head():
            migrations.upgrade(store.engine)
    except DamagedDatabase as exc:
        store.close()
        raise DamagedDatabase(str(db), exc.detail, message=(
            f"the other copy {db} is damaged (SQLite: {exc.detail}). Nothing was merged and that file was not "
            "changed. Ask its owner for a sound copy (their backup, or the project folder copied again "
            "while fieldcode is closed there), then merge again.")) from None
    except BaseException:
        store.close()
        raise
    return store


def _key(ev: dict) -> tuple:
    return (ev["at"], ev["coder"], ev["action"])


def _content(d: dict | None, codes: dict, ivmap: dict | None = None) -> tuple | None:
    if d is None:
        return None
    iv = d["interview_id"] if ivmap is None else ivmap.get(d["interview_id"])
    return (d["coder"], codes[d["code_id"]][0], iv, d["start"], d["end"], d["memo"],
            *(d.get(k) for k in PROTOCOL_FIELDS))


def _translate(snapshot: str | None, ivmap: dict, codemap: dict) -> str | None:
    """An event snapshot of the other copy, with its interview and code ids made local."""
    if not snapshot:
        return snapshot
    d = json.loads(snapshot)
    if "interview_id" in d:
        d["interview_id"] = ivmap.get(d["interview_id"], d["interview_id"])
    if "code_id" in d:
        d["code_id"] = codemap.get(d["code_id"], d["code_id"])
    d.pop("id", None)
    return json.dumps(d)


def plan_merge(here: Store, there: Store, *, source: str) -> MergePlan:
    """What merging ``there`` into ``here`` would do (nothing is written)."""
    H, T = q_merge_view(here), q_merge_view(there)
    for uid, d in T["codings"].items():   # a coder name from the other copy is checked as --coder is
        check_coder(d["coder"], f"{source}: coding {uid}")
    for uid, evs in T["events"].items():
        for ev in evs:
            check_coder(ev["coder"], f"{source}: history of coding {uid}")
    plan = MergePlan(source=source)
    # -- interviews by content hash ------------------------------------------------------------
    by_sha: dict[str, list[int]] = {}
    for iid, (_name, sha) in H["interviews"].items():
        by_sha.setdefault(sha, []).append(iid)
    here_names = {name: iid for iid, (name, _sha) in H["interviews"].items()}
    ivmap: dict[int, int] = {}
    n_codings_iv: dict[int, int] = {}
    for d in T["codings"].values():
        n_codings_iv[d["interview_id"]] = n_codings_iv.get(d["interview_id"], 0) + 1
    for iid, (name, sha) in sorted(T["interviews"].items(), key=lambda x: x[1][0]):
        cands = by_sha.get(sha, [])
        if len(cands) > 1:
            same_name = [c for c in cands if H["interviews"][c][0] == name]
            cands = same_name if len(same_name) == 1 else cands
        if len(cands) == 1:
            ivmap[iid] = cands[0]
            plan.text_shas[cands[0]] = sha
            continue
        n = n_codings_iv.get(iid, 0)
        if len(cands) > 1:
            plan.unmatched.append(f"interview '{name}': its transcript matches {len(cands)} interviews here; "
                                  f"{n} coding(s) not merged")
        elif name in here_names:
            plan.unmatched.append(f"interview '{name}': the transcript differs between the copies (sha256 "
                                  f"{sha[:12]} there, {H['interviews'][here_names[name]][1][:12]} here); {n} "
                                  "coding(s) not merged. Import the same version in both, then merge again")
        else:
            plan.unmatched.append(f"interview '{name}' is not in this project; {n} coding(s) not merged. "
                                  "Import it, then merge again")
    # -- codes by key ----------------------------------------------------------------------------
    here_keys = {key: (cid, name) for cid, (key, name) in H["codes"].items()}
    codemap: dict[int, int] = {}
    n_codings_code: dict[int, int] = {}
    for d in T["codings"].values():
        n_codings_code[d["code_id"]] = n_codings_code.get(d["code_id"], 0) + 1
    there_keys = set()
    for cid, (key, name) in sorted(T["codes"].items(), key=lambda x: x[1][0]):
        there_keys.add(key)
        if key in here_keys:
            codemap[cid] = here_keys[key][0]
            if here_keys[key][1] != name:
                plan.codebook_notes.append(f"code '{key}' is named '{name}' there and '{here_keys[key][1]}' here "
                                           "(codings matched by key)")
        else:
            plan.unmatched.append(f"code '{key}' ('{name}') is not in this codebook; "
                                  f"{n_codings_code.get(cid, 0)} coding(s) not merged. Add it to codebook.yaml, "
                                  "then merge again")
    for key in sorted(set(here_keys) - there_keys):
        plan.codebook_notes.append(f"code '{key}' is only in this codebook")
    # -- codings by uid --------------------------------------------------------------------------
    uids = sorted(set(T["codings"]) | set(T["events"]))
    went: dict[str, int] = {}          # interview removed there -> codings of it kept here
    for uid in uids:
        o = T["codings"].get(uid)
        l_row = H["codings"].get(uid)
        o_events = T["events"].get(uid, [])
        l_keys = {_key(ev) for ev in H["events"].get(uid, [])}
        o_keys = {_key(ev) for ev in o_events}
        new_o = [ev for ev in o_events if _key(ev) not in l_keys]
        new_l = l_keys - o_keys
        if o is not None and (o["interview_id"] not in ivmap or o["code_id"] not in codemap):
            continue                                   # reported above, per interview / code
        o_c = None if o is None else (o["coder"], T["codes"][o["code_id"]][0], ivmap[o["interview_id"]],
                                      o["start"], o["end"], o["memo"], *(o.get(k) for k in PROTOCOL_FIELDS))
        l_c = _content(l_row, H["codes"])
        if o_c == l_c:
            if o is not None:
                plan.skipped += 1
            # a coding's history, or the coding protocol's steps (a uid of their own, no coding)
            carried = l_row is not None or (o is None and bool(o_events) and all(
                ev["action"] in PROTOCOL_ACTIONS for ev in o_events))
            plan.events += _copies(new_o, uid, ivmap, codemap, source) if carried else []
            continue
        if not new_o:
            if l_row is not None or new_l:
                plan.kept_here += 1
            continue
        if new_l:
            who = (o or l_row or {}).get("coder", "?")
            what = ("removed there" if o is None else "changed there") + (", removed here" if l_row is None
                                                                         else ", changed here")
            plan.conflicts.append(f"coding {uid[:8]} by {who}: {what}; left as it is here. "
                                  f"'fieldcode log --coding' in each copy shows its history")
            continue
        if o is None and l_row is not None and (gone := _went_with_interview(new_o[-1])):
            # removed there with its whole interview: that removal is an interview's, not a coder's
            # decision about this coding, and this copy still has the interview: keep it, say so
            went[gone] = went.get(gone, 0) + 1
            continue
        if l_row is not None:
            plan.here_states[uid] = here_state(l_row)
        if o is None:
            plan.removals.append(uid)
            plan.count(l_row["coder"], "removed")
        else:
            row = {**o, "interview_id": ivmap[o["interview_id"]], "code_id": codemap[o["code_id"]]}
            if l_row is None:
                plan.inserts.append(row)
                plan.count(o["coder"], "added")
            else:
                plan.updates.append(row)
                plan.count(o["coder"], "changed")
        plan.events += _copies(new_o, uid, ivmap, codemap, source)
    for name, n in sorted(went.items()):
        plan.unmatched.append(f"interview '{name}' was removed in the other copy with its codings; here it keeps "
                              f"its {n} coding(s) from that copy. To remove it here too: 'fieldcode interviews "
                              f"remove {name} --with-codings' (restorable with 'fieldcode interviews restore')")
    _plan_memos(plan, H, T, ivmap, codemap)
    known = {lineage_key(d) for d in H["lineage"]}   # code merges and splits travel too
    plan.lineage = [d for d in T["lineage"] if lineage_key(d) not in known]
    plan.pn_decisions = q_decisions(there)
    plan.framework = plan_summaries(here, there, ivmap, codemap, source=source,
                                    names={i: n for i, (n, _s) in H["interviews"].items()},
                                    keys={c: k for c, (k, _n) in H["codes"].items()})
    return plan


def _plan_memos(plan: MergePlan, H: dict, T: dict, ivmap: dict, codemap: dict) -> None:
    """Memos on interviews, passages and codes, by uid (see the module docstring)."""
    names = {iid: name for iid, (name, _sha) in T["interviews"].items()}
    keys = {cid: key for cid, (key, _name) in T["codes"].items()}
    unmatched = 0
    for uid, o in sorted(T["memos"].items(), key=lambda x: (x[1]["created_at"], x[0])):
        if (o["interview_id"] is not None and o["interview_id"] not in ivmap) or (
                o["code_id"] is not None and o["code_id"] not in codemap):
            unmatched += 1
            continue
        row = {**o, "interview_id": ivmap.get(o["interview_id"]) if o["interview_id"] is not None else None,
               "code_id": codemap.get(o["code_id"]) if o["code_id"] is not None else None}
        on, gist = _memo_place(o, names, keys), _gist(o["text"])
        mine = H["memos"].get(uid)
        gone = H["memo_deletions"].get(uid)
        if mine is None and gone is not None and o["updated_at"] <= gone["deleted_at"]:
            plan.memos_kept_deleted += 1
            plan.memo_notes.append(f"keep deleted: {o['author']}'s memo on {on} (deleted here "
                                   f"{gone['deleted_at'][:16]}): \u201c{gist}\u201d")
        elif mine is None:
            plan.memo_inserts.append(row)
            plan.memo_notes.append(f"add {o['author']}'s memo on {on}: \u201c{gist}\u201d" + (
                f" (deleted here {gone['deleted_at'][:16]}, edited there later, {o['updated_at'][:16]})"
                if gone is not None else ""))
        elif mine["text"] != o["text"] and o["updated_at"] > mine["updated_at"]:
            plan.memo_updates.append(row)
            plan.memo_notes.append(f"update {o['author']}'s memo on {on} (edited there {o['updated_at'][:16]}, "
                                   f"here {mine['updated_at'][:16]}): \u201c{gist}\u201d")
        else:
            plan.memos_skipped += 1
    if unmatched:
        plan.unmatched.append(f"{unmatched} memo(s) on interviews or codes not matched here (see above) were not merged")
    _plan_memo_deletions(plan, H, T)


def _plan_memo_deletions(plan: MergePlan, H: dict, T: dict) -> None:
    """The other copy's memo deletions: each is recorded here (a later merge into a third copy
    then knows it), and deletes the memo here unless it was edited here after the deletion.
    A memo the other copy still has (edited there after a deletion) follows the memo rule."""
    names = {iid: name for iid, (name, _sha) in H["interviews"].items()}
    keys = {cid: key for cid, (key, _name) in H["codes"].items()}
    for g, mine, kept in carried_deletions(T["memo_deletions"], T["memos"], H["memo_deletions"], H["memos"]):
        if kept:
            plan.memo_notes.append(f"keep {mine['author']}'s memo on {_memo_place(mine, names, keys)} (deleted there "
                                   f"{g['deleted_at'][:16]}, edited here later)")
            continue
        plan.memo_deletes.append({**g, "here": mine is not None})
        if mine is not None:
            plan.memo_notes.append(f"delete {mine['author']}'s memo on {_memo_place(mine, names, keys)} (deleted there "
                                   f"{g['deleted_at'][:16]}): \u201c{_gist(mine['text'])}\u201d")


def _memo_place(m: dict, names: dict, keys: dict) -> str:
    """What a memo (a merge view's dict) is on: "interview 'x' [start, end)" and/or "code 'k'"."""
    parts = []
    if m["interview_id"] is not None:
        parts.append(f"interview '{names.get(m['interview_id'], '?')}'"
                     + (f" [{m['start']}, {m['end']})" if m["start"] is not None else ""))
    if m["code_id"] is not None:
        parts.append(f"code '{keys.get(m['code_id'], '?')}'")
    return " and ".join(parts)


def _gist(text: str) -> str:
    gist = " ".join(text.split())
    return gist if len(gist) <= 50 else gist[:49] + "\u2026"


def _copies(events: list[dict], uid: str, ivmap: dict, codemap: dict, source: str) -> list[dict]:
    out = []
    for ev in events:
        detail = json.loads(ev["detail"]) if ev["detail"] else {}
        detail = {**detail, "merged_from": source, "original_event_id": ev["id"]}
        out.append({"at": ev["at"], "coder": ev["coder"], "action": ev["action"], "coding_uid": uid,
                    "interview_id": ivmap.get(ev["interview_id"]) if ev["interview_id"] is not None else None,
                    "before": _translate(ev["before"], ivmap, codemap),
                    "after": _translate(ev["after"], ivmap, codemap),
                    "detail": json.dumps(detail, ensure_ascii=False)})
    return out


def merge(here: Store, other: Path, *, dry_run: bool = False, workdir: Path | None = None) -> MergePlan:
    """Merge the project folder or database file ``other`` into ``here``.  The other database
    is copied into a scratch folder in ``workdir`` (the project's ``.fieldcode/``; by default
    the ``.fieldcode/`` beside here's SQLite file, else the system's temporary folder): see
    :func:`scratch_dir`."""
    other = Path(other)
    own = here.engine.url.database if here.url.startswith("sqlite") else None
    target = other / DB_FILE if other.is_dir() else other
    if own and target.exists() and target.resolve() == Path(own).resolve():
        raise InvalidInput(f"{other} is this project's own database: name the other copy's folder or file")
    if workdir is None and own:
        workdir = Path(own).resolve().parent / ".fieldcode"
    with scratch_dir(workdir) as tmp:
        there = open_other(other, tmp)
        try:
            replanned: list[str] = []
            for attempt in range(1, MERGE_ATTEMPTS + 1):
                plan = plan_merge(here, there, source=str(other))
                plan.replanned = list(replanned)
                if dry_run or not (plan.changes or plan.events):
                    return plan
                try:
                    apply_merge(here, inserts=plan.inserts, updates=plan.updates, removals=plan.removals,
                                events=plan.events, memo_inserts=plan.memo_inserts, memo_updates=plan.memo_updates,
                                memo_deletes=plan.memo_deletes, text_shas=plan.text_shas,
                                here_states=plan.here_states, lineage=plan.lineage,
                                summaries=plan.framework.write_args() if plan.framework else None)
                    return plan
                except Conflict as exc:      # a re-import or a coder got in between: nothing was written
                    if attempt == MERGE_ATTEMPTS:
                        raise
                    replanned.append(str(exc))
        finally:
            there.close()
    raise AssertionError("unreachable")  # pragma: no cover
