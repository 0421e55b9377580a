"""Turn settings given in a transcript's own files, picked up without an import.

An interview's ``turns``, ``interviewer_lines`` and ``interviewer`` attributes come from its
front matter or from ``attributes.csv`` beside it, and are stored when the file is imported.
When a coder edits one of those files afterwards, the turns it marks (and so every count) must
follow on the next command that writes, as a change to codebook.yaml does, not only on the next
import.  :func:`turn_settings_from_files` finds those changes cheaply: a file is read only when
it (or its folder's attributes.csv) was modified after the interview was last stored, and only
its front matter and its attributes.csv row are read.  Only the turn settings are taken from
the files here; every other attribute still changes at import, as the README says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path

from fieldcode import text as textmod
from fieldcode.errors import InvalidInput
from fieldcode.store.interview_ops import interview_files
from fieldcode.study.codebook import Study
from fieldcode.study.design import SIDECAR_NAME, merge_attributes, parse_front_matter, read_sidecar, turn_rule

TURN_ATTRIBUTES = ("turns", "interviewer_lines", "interviewer")
FRONT_MATTER_SUFFIXES = {".txt", ".md"}
HEAD_BYTES = 65536   # front matter sits at the top of a file: this much is read at most


@dataclass
class FileTurnSettings:
    """Interviews whose files now give other turn settings than those stored."""

    attributes: dict[int, dict[str, str]] = field(default_factory=dict)   # id -> attributes to use
    changes: dict[int, str] = field(default_factory=dict)                  # id -> what changed, in words
    notes: list[str] = field(default_factory=list)                         # files that could not be read


def _front_matter(path: Path, display: str) -> dict[str, str]:
    if path.suffix.lower() not in FRONT_MATTER_SUFFIXES:
        return {}
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    text = textmod.normalise(head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace"))
    fm, _body, _line = textmod.split_front_matter(text)
    return parse_front_matter(fm, display) if fm is not None else {}


def _stamp(dt) -> float:  # noqa: ANN001
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).timestamp()


def turn_settings_from_files(store, root: Path, study: Study, stored: dict[int, dict[str, str]]) -> FileTurnSettings:  # noqa: ANN001
    """For each interview whose file or attributes.csv changed since it was stored: the turn
    settings those files give now, where they differ from ``stored`` (interview id -> its
    stored attributes).  A file that cannot be read, or gives a setting that is not valid, is
    named in ``notes`` and left as stored."""
    out = FileTurnSettings()
    sidecars: dict[Path, object] = {}
    for iid, name, source, updated_at in interview_files(store):
        path = Path(source) if Path(source).is_absolute() else root / source
        sc_path = path.parent / SIDECAR_NAME
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue          # a missing file is named by summary and interviews
        sc_mtime = sc_path.stat().st_mtime if sc_path.is_file() else 0.0
        if max(mtime, sc_mtime) <= _stamp(updated_at):
            continue
        display = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        try:
            if sc_path.parent not in sidecars:
                sidecars[sc_path.parent] = read_sidecar(sc_path) if sc_path.is_file() else None
            given = merge_attributes(path.name, _front_matter(path, display), sidecars[sc_path.parent])
        except (InvalidInput, OSError, UnicodeError) as exc:
            out.notes.append(f"{display}: its turn settings could not be read ({exc}); its turns stay as "
                             "imported until 'fieldcode import' reads it")
            continue
        before = stored.get(iid, {})
        now = {k: v for k, v in before.items() if k not in TURN_ATTRIBUTES}
        now.update({k: given[k] for k in TURN_ATTRIBUTES if given.get(k)})
        if now == before:
            continue
        try:
            turn_rule(now, study, display)     # a bad value is named here, not by every command
        except InvalidInput as exc:
            out.notes.append(f"{exc}; its turns stay as imported")
            continue
        said = [f"{k} {before.get(k) or '(none)'} -> {now.get(k) or '(none)'}"
                for k in TURN_ATTRIBUTES if before.get(k) != now.get(k)]
        out.attributes[iid] = now
        out.changes[iid] = f"{name}: {', '.join(said)} (in {display} or {SIDECAR_NAME})"
    return out
