"""The journal and lock of a REFI-QDA import (see :mod:`fieldcode.exchange.refi_import`).

An import writes a journal (``JOURNAL``) saying what it is about to store before its database
transaction, and a pending copy of codebook.yaml (``PENDING``) with its new codes and study
settings; after the commit the pending copy replaces codebook.yaml and the journal goes.
:func:`recover` (run by the next import, under :func:`import_lock`) finishes or clears what an
interrupted import left.  :func:`append_codes` adds the new codes to the pending copy.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fieldcode.errors import Conflict
from fieldcode.store import exchange as storex
from fieldcode.study import codebook as cbmod
from fieldcode.study import codebook_edit
from fieldcode.study.codebook import CodeDef
from fieldcode.study.folder import REFI_JOURNAL


# ---- the journal of an import in progress, and the recovery from an interrupted one ----------------
CODEBOOK_NAME = "codebook.yaml"
JOURNAL = REFI_JOURNAL                       # what an import in progress is about to do
PENDING = ".codebook.refi-pending.yaml"      # codebook.yaml with the import's new codes, until the commit
LOCK = ".fieldcode-refi-import.lock"         # held (flock) by the one REFI-QDA import running in this study
JOURNAL_PROBES = 50
LOCK_WAIT = 120


def fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_journal(path: Path, info: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(info, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


@contextmanager
def import_lock(root: Path) -> Iterator[None]:
    """One REFI-QDA import at a time per study: a second waits up to ``LOCK_WAIT`` seconds (the
    lock goes with the process, kill or not, so a killed import never blocks the next)."""
    fh = open(root / LOCK, "a+b")  # noqa: SIM115
    try:
        give_up = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > give_up:
                    raise Conflict(f"{root}: another REFI-QDA import into this study has been running for more than "
                                   f"{LOCK_WAIT} s; nothing was imported: wait for it to finish and import again") from None
                time.sleep(0.2)
        yield
    finally:
        fh.close()


def recover_on_open(project) -> list[str]:  # noqa: ANN001
    """What :meth:`fieldcode.project.Project.open` runs, before it records codebook.yaml, when an
    import's journal is in the study folder: finish or clear what an interrupted import left, so
    that no command records a codebook.yaml still missing the codes whose codings the import
    committed (it would retire them).  An import that is running now holds the lock: its journal
    is its own, and is left alone."""
    fh = open(project.root / LOCK, "a+b")  # noqa: SIM115
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []
        return recover(project)
    finally:
        fh.close()


def current_codebook(project) -> None:  # noqa: ANN001
    """The codebook as it is now that this import holds the lock (another import may have added
    codes to codebook.yaml since the project was opened): plan against that, not a stale copy."""
    project.reload_codebook()


def recover(project) -> list[str]:  # noqa: ANN001
    """Finish or clear what an interrupted import left (call with :func:`import_lock` held).
    Returns what it found, in words, for the user."""
    root = project.root
    journal, pending, cb_path = root / JOURNAL, root / PENDING, root / CODEBOOK_NAME
    for tmp in (root / (JOURNAL + ".tmp"), root / f".{PENDING}.tmp", root / f".{PENDING}.check.tmp",
                root / f".{PENDING}.import.tmp"):   # codebook_edit's and append_codes's temporary files
        tmp.unlink(missing_ok=True)
    if not journal.exists():
        pending.unlink(missing_ok=True)
        return []
    try:
        info = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        journal.unlink(missing_ok=True)   # cut off while being written: the import had not begun to store
        pending.unlink(missing_ok=True)
        return ["an earlier REFI-QDA import was interrupted before it stored anything; nothing of it was kept"]
    what = f"an earlier REFI-QDA import of {info.get('file')} (started {info.get('started')}, process {info.get('pid')})"
    committed = storex.exchange_import_committed(
        project.store, codebook_hash=info.get("codebook_hash"), after_version=info.get("codebook_version_before"),
        interview_sha256=info.get("interview_sha256") or [], coding_uids=info.get("coding_uids") or [],
        memo_uids=info.get("memo_uids") or [])
    codes = info.get("codes") or []
    if not committed:
        journal.unlink(missing_ok=True)
        pending.unlink(missing_ok=True)
        return [f"{what} was interrupted before its database transaction committed: nothing of it was kept "
                "(database and codebook.yaml are as they were before it); import that file again to bring it in"]
    if info.get("codebook_hash") and pending.exists():
        now = hashlib.sha256(cb_path.read_bytes()).hexdigest()
        if now != info.get("codebook_sha256"):
            raise Conflict(f"{what} stored everything in the database but was stopped before it added its "
                           f"{len(codes)} new code(s) to codebook.yaml, and codebook.yaml has been edited since. "
                           f"Its codes are in {pending}: copy the new codes ({', '.join(codes[:10])}"
                           f"{', ...' if len(codes) > 10 else ''}) into codebook.yaml, then delete {pending} and "
                           f"{journal}")
        os.replace(pending, cb_path)
        fsync_dir(root)
        journal.unlink(missing_ok=True)
        project.reload_codebook()
        return [f"{what} had stored everything in the database but was stopped before codebook.yaml got its "
                f"{len(codes)} new code(s) ({', '.join(codes[:10])}{', ...' if len(codes) > 10 else ''}); "
                "they are added to codebook.yaml now, so that import is complete"]
    journal.unlink(missing_ok=True)
    pending.unlink(missing_ok=True)
    return [f"{what} was stopped after it had finished (only its journal was left); it is complete"]


TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):(.*)$")


def append_codes(path: Path, codes: list[CodeDef]) -> None:
    """Add ``codes`` (parents before children) to codebook.yaml, changing only added lines.

    The first goes through ``codebook_edit.append_code`` (which knows every layout); when
    ``codes:`` is then the file's last block, the others are appended below it in the same
    indentation and the file is validated once (one code at a time re-reads the whole file each
    time: minutes for a 262-code codebook); otherwise each goes through ``append_code``."""
    if not codes:
        return
    codebook_edit.append_code(path, codes[0])
    rest = codes[1:]
    if not rest:
        return
    text = path.read_bytes().decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    tops = [(i, m.group(1)) for i, ln in enumerate(lines) if (m := TOP_KEY.match(ln))]
    first = next((ln for ln in lines if re.match(rf"^\s*-\s+key:\s*\"?{re.escape(codes[0].key)}\"?\s*$", ln)), None)
    if not tops or tops[-1][1] != "codes" or first is None:
        for c in rest:
            codebook_edit.append_code(path, c)
        return
    dash = first.index("-")
    col = dash + 1 + len(first[dash + 1:]) - len(first[dash + 1:].lstrip())
    out = [text if text.endswith("\n") else text + "\n"]
    for c in rest:
        fields = [("key", c.key), ("parent", c.parent), ("name", c.name), ("colour", c.colour),
                  ("definition", c.definition), ("use_when", c.use_when), ("not_when", c.not_when),
                  ("example", c.example), ("codable", None if c.codable else "false")]
        n = 0
        for k, v in fields:
            if not v:
                continue
            lead = " " * dash + "-" + " " * (col - dash - 1) if n == 0 else " " * col
            rendered = (json.dumps(v, ensure_ascii=False) if k == "colour" else v if k == "codable"
                        else codebook_edit.scalar(v))
            out.append(f"{lead}{k}: {rendered}\n")
            n += 1
    new = "".join(out)
    tmp = path.with_name(f".{path.name}.import.tmp")
    tmp.write_text(new, encoding="utf-8")
    try:
        cbmod.load(tmp)
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
