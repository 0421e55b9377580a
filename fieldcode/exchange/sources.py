"""Interviews and their files: which interviews' source files are gone, which interviews have
identical text, and whether ``attributes.csv`` still names a renamed file.  Read-only (files and
the store's interview rows); used by ``summary``, ``interviews``, ``interviews rename`` and the
import's rename detection."""

from __future__ import annotations

import re
from pathlib import Path

from fieldcode.study.design import SIDECAR_NAME, read_sidecar

# An interview imported from a REFI-QDA project names its source as ``project.qdpx#source``:
# it never had a file of its own.
_PROJECT_SOURCE = re.compile(r"\.(qdpx|qde)#", re.I)


def source_file(root: Path | None, source_path: str) -> Path | None:
    """The file an interview was imported from (None when it came from a project file)."""
    if not source_path or _PROJECT_SOURCE.search(source_path):
        return None
    p = Path(source_path)
    return p if p.is_absolute() or root is None else Path(root) / p


def file_is_gone(root: Path | None, source_path: str) -> bool:
    f = source_file(root, source_path)
    return f is not None and not f.exists()


def shown_path(root: Path | None, source_path: str) -> str:
    """The source path as the user knows it: relative to the project folder when inside it."""
    f = source_file(root, source_path)
    if f is None:
        return source_path
    try:
        return str(f.resolve().relative_to(Path(root).resolve())) if root else str(f)
    except ValueError:
        return str(f)


def interview_file_warnings(root: Path | None, rows: list[tuple[int, str, str, str]]) -> list[str]:
    """Warnings for ``summary`` and ``interviews``: each interview whose source file is missing,
    and each group of interviews with identical text.  ``rows``: ``(id, name, source_path,
    sha256)``."""
    out: list[str] = []
    for _iid, name, source, _sha in rows:
        if file_is_gone(root, source):
            out.append(f"source file missing: {shown_path(root, source)} (interview '{name}') — rename it back, "
                       f"or 'fieldcode interviews rename {name} NEW' (the next import renames it itself when it "
                       f"finds the same text under another file name), or 'fieldcode interviews remove {name}'")
    by_sha: dict[str, list[str]] = {}
    for _iid, name, _source, sha in rows:
        by_sha.setdefault(sha, []).append(name)
    for names in by_sha.values():
        if len(names) > 1:
            out.append(f"identical text in {len(names)} interviews: {', '.join(names)} — one transcript counted "
                       f"{len(names)} times (every denominator it is in grows); keep one: "
                       f"'fieldcode interviews remove NAME'")
    return out


def sidecar_row_for(folder: Path, file_name: str) -> tuple[Path, int] | None:
    """``(attributes.csv, line)`` when the attributes.csv in ``folder`` has a row for ``file_name``."""
    path = folder / SIDECAR_NAME
    if not path.exists():
        return None
    try:
        sc = read_sidecar(path)
    except Exception:  # noqa: BLE001  (a broken sidecar is the import's to report)
        return None
    line = sc.lines.get(file_name)
    return (path, line) if line else None
