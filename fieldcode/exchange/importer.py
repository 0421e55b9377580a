"""Import transcripts: read, normalise, attach attributes, detect turns, segment, store.

Each interview is stored whole or not at all.  A bad file is reported by name with its reason
while the others go on.  Re-import never silently drops or shifts codings:

* unchanged text: nothing happens (attributes are refreshed if they changed; turns are marked
  again, codings untouched, if the turn settings now mark them differently);
* changed text, no codings: the interview is updated;
* changed text with codings: refused, unless ``reanchor=True``, which aligns the old and new
  text (``fieldcode.ingest.align``) and moves each coding with its words, so a typo fixed inside or
  near a coded passage keeps the coding on the corrected words.  Every coding whose span or
  text changes is reported with its old and new text.  A coding whose text was deleted is
  listed and nothing changes, unless ``accept_losses=True``: then those codings are removed,
  each with a ``lost`` event naming who accepted it.
* the alignment of every changed text is kept, so undo and redo of changes recorded against
  the old version act on the re-anchored positions.
* another coder may change codings while an import runs: the import's write takes the
  interview's lock and plans again from the codings as they are then (``Store.replan``), so a
  change made meanwhile moves with its words and is never put back; a change that has to wait
  for the import and carries the old text version is refused (``TextChanged``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from fieldcode import text as textmod
from fieldcode.study.codebook import Study, check_flow_depth
from fieldcode.study.design import (
    SIDECAR_NAME,
    Sidecar,
    merge_attributes,
    parse_front_matter,
    read_sidecar,
    turn_rule,
    validate_attributes,
)
from fieldcode.errors import Conflict, FieldcodeError, InvalidInput
from fieldcode.ingest.readers import SUPPORTED_SUFFIXES, ReadError, read_document
from fieldcode.store.search_index import IndexBatch
from fieldcode.ingest.segment import analyse_many
from fieldcode.store import PreparedInterview, Reanchor, Store, q_turn_spans
from fieldcode.store.turn_marks import rule_key
from fieldcode.exchange.remark import unsure_notes
from fieldcode.store.interview_ops import interview_sources, rename_interview
from fieldcode.exchange.sources import file_is_gone

FRONT_MATTER_SUFFIXES = {".txt", ".md"}

Progress = Callable[[str, int, int], None]


@dataclass
class FileOutcome:
    path: str
    status: str  # imported | updated | reanchored | re-marked | renamed | unchanged | attributes | skipped | refused | failed
    message: str = ""
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status in ("failed", "refused")]

    @property
    def ok(self) -> bool:
        return not self.failed

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileOutcome]]:
    """Files to import from files and folders (folders recursively, hidden files skipped)."""
    files: list[Path] = []
    skipped: list[FileOutcome] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_dir() or any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                if f.name == SIDECAR_NAME:
                    continue
                if f.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(f)
                else:
                    skipped.append(FileOutcome(str(f), "skipped", f"not a transcript format ({f.suffix or 'no suffix'})"))
        else:
            files.append(p)
    seen: set[Path] = set()
    unique = []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, skipped


def interviewer_labels(study: Study, attrs: dict[str, str]) -> tuple[str, ...]:
    """The speaker labels that mark an interview's interviewer turns: the study's, plus the
    interview's own ``interviewer`` attribute (comma-separated)."""
    extra = [s.strip() for s in attrs.get("interviewer", "").split(",") if s.strip()]
    return tuple(study.interviewer_speakers) + tuple(extra)


@dataclass
class _Pending:
    path: Path
    name: str
    display: str
    source: str
    fmt: str
    encoding: str | None
    text: str
    attrs: dict[str, str]
    turns: list[textmod.Turn]
    notes: list[str]
    replace: int | None = None
    plan: Reanchor | None = None
    status: str = "imported"
    warnings: list[str] = field(default_factory=list)


@dataclass
class _SameText:
    """Stored interviews by text (sha256): those whose source file is gone (an import renames one
    of them when a new file has its text) and those whose file is still there (a new file with
    their text is imported, with a warning)."""

    gone: dict[str, list[tuple[int, str]]]
    present: dict[str, list[str]]
    coder: str | None

    @classmethod
    def of(cls, store: Store, root: Path | None, coder: str | None) -> "_SameText":
        gone: dict[str, list[tuple[int, str]]] = {}
        present: dict[str, list[str]] = {}
        for iid, name, source, sha in interview_sources(store):
            if file_is_gone(root, source):
                gone.setdefault(sha, []).append((iid, name))
            else:
                present.setdefault(sha, []).append(name)
        return cls(gone, present, coder)


def import_paths(store: Store, study: Study, paths: Iterable[Path], *, root: Path | None = None,
                 encoding: str | None = None, reanchor: bool = False, accept_losses: bool = False,
                 coder: str | None = None,
                 spacy_model: str | None = None, progress: Progress | None = None) -> ImportReport:
    report = ImportReport()
    paths = [Path(p) for p in paths]
    files, skipped = collect_files(paths)
    report.outcomes.extend(skipped)
    sidecars: dict[Path, Sidecar | None] = {}

    def sidecar_for(folder: Path) -> Sidecar | None:
        if folder not in sidecars:
            sc_path = folder / SIDECAR_NAME
            sidecars[folder] = read_sidecar(sc_path) if sc_path.exists() else None
            if sidecars[folder] and not any(p.is_dir() and p.resolve() == folder.resolve() for p in paths):
                # a file named alone (a folder named is checked below): its sidecar's rows too
                report.outcomes.extend(FileOutcome(str(sc_path), "failed", m) for m in sidecars[folder].unknown_rows())
        return sidecars[folder]

    # A sidecar row naming a file that is not in its folder is an error naming both.
    misplaced: dict[Path, str] = {}  # a file named by a sidecar of another folder -> that row
    for p in paths:
        if p.is_dir() and (p / SIDECAR_NAME).exists():
            try:
                sc = sidecar_for(p)
            except InvalidInput as exc:
                report.outcomes.append(FileOutcome(str(p / SIDECAR_NAME), "failed", str(exc)))
                continue
            for fname, line in sc.lines.items():
                if Path(fname).name != fname:
                    misplaced[(p / fname).resolve()] = f"{sc.path}:{line}"
                    report.outcomes.append(FileOutcome(
                        str(sc.path), "failed",
                        f"{sc.path}:{line}: names '{fname}' in another folder; an {SIDECAR_NAME} describes "
                        f"only the files beside it: move the row to {SIDECAR_NAME} in that file's folder"))
                elif not (p / fname).exists():
                    report.outcomes.append(FileOutcome(
                        str(sc.path), "failed",
                        f"{sc.path}:{line}: lists '{fname}', which is not in {p}; fix the name or remove the row"))

    pending: list[_Pending] = []
    versions = store.interview_versions()
    same = _SameText.of(store, root, coder)
    batch_names: dict[str, str] = {}
    for i, f in enumerate(files):
        if progress:
            progress("reading", i, len(files))
        display = str(f)
        if f.resolve() in misplaced:  # its attributes would be silently missing
            report.outcomes.append(FileOutcome(display, "failed", (
                f"not imported: its attributes are in {misplaced[f.resolve()]}, which describes only the files "
                f"beside it; move that row to {SIDECAR_NAME} in this file's folder")))
            continue
        try:
            pending_item = _prepare(store, study, f, display, root, encoding, reanchor, accept_losses,
                                    sidecar_for, versions, same)
        except (ReadError, FieldcodeError) as exc:
            msg = str(exc)
            status = "refused" if getattr(exc, "exit_code", 1) == 3 else "failed"
            report.outcomes.append(FileOutcome(display, status, msg))
            continue
        if isinstance(pending_item, FileOutcome):
            report.outcomes.append(pending_item)
        elif pending_item.name in batch_names:
            report.outcomes.append(FileOutcome(display, "failed", (
                f"another file named '{pending_item.name}' ({batch_names[pending_item.name]}) is in this "
                "import; interviews are identified by file name, so rename one of them")))
        else:
            batch_names[pending_item.name] = display
            pending.append(pending_item)
    if progress:
        progress("reading", len(files), len(files))

    sentences_iter = analyse_many(((p.text, p.turns) for p in pending), model=spacy_model)
    index = IndexBatch(store, spacy_model)
    stored: dict[int, FileOutcome] = {}
    for i, (p, (sents, words)) in enumerate(zip(pending, sentences_iter)):
        if progress:
            progress("segmenting and storing", i, len(pending))
        labels = interviewer_labels(study, p.attrs)
        prepared = PreparedInterview(
            name=p.name, source_path=p.source, format=p.fmt, encoding=p.encoding, text=p.text,
            turns=p.turns, interviewer_turns=[textmod.is_interviewer(t.speaker, labels) for t in p.turns],
            sentences=sents, attributes=p.attrs, interviewer_labels=labels,
            words=words, pipeline=spacy_model, turn_rule=rule_key(p.attrs, study),
        )
        try:
            iid = store.save_interview(prepared, replace=p.replace, plan=p.plan, coder=coder, index=index)
        except FieldcodeError as exc:
            report.outcomes.append(FileOutcome(p.display, "refused", str(exc), p.notes))
            continue
        except IntegrityError:
            report.outcomes.append(_stored_meanwhile(store, p.display, prepared, p.notes))
            continue
        msg = f"{prepared.n_words:,} words, {len(p.turns)} turns, {len(sents)} sentences"
        if p.plan and p.plan.replanned:
            p.notes.append(f"{len(p.plan.replanned)} coding(s) were added, changed or removed by their coders "
                           "while this import ran: each was moved from where it is now")
            if p.status == "updated" and p.plan.moved:
                p.status = "reanchored"
        if p.plan and (p.plan.changes or p.plan.lost):
            msg += f", {len(p.plan.changes)} coding(s) moved"
            if p.plan.lost:
                msg += f", {len(p.plan.lost)} coding(s) removed as you accepted (their text was deleted)"
            p.notes.extend(_move_lines(p.plan))
        speakers, warnings = turn_summary(p.turns, prepared.interviewer_turns, labels)
        stored[iid] = FileOutcome(p.display, p.status, msg, p.notes + speakers, p.warnings + warnings)
        report.outcomes.append(stored[iid])
    index.flush()
    for iid, why in index.unwritten.items():
        stored[iid].warnings.append(f"stored, but its search index was not written ({why}); "
                                    "the next search builds it")
    if progress:
        progress("segmenting and storing", len(pending), len(pending))
    return report


def turn_summary(turns: list[textmod.Turn], interviewer: list[bool],
                 labels: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The import report's line of turns per speaker, and warnings when a transcript has no
    turns or no interviewer turns (its interviewer speech would then count as participant text)."""
    if not turns:
        return [], [
            "no speaker turns found: all its text counts as participant speech, interviewer speech "
            "cannot be left out and --turn / 'by turn' analyses cannot use it. If it has speaker labels, "
            "check their layout (see README: speaker turns); if not, set 'turns: paragraphs' and "
            "'interviewer_lines: PATTERN' in its front matter, attributes.csv or the codebook's study: section"]
    counts: dict[str, list[int]] = {}
    for turn, flag in zip(turns, interviewer):
        entry = counts.setdefault(turn.speaker, [0, 0])
        entry[0] += 1
        entry[1] += flag
    parts = [f"{name} {n}" + (" (interviewer)" if k else "") for name, (n, k) in counts.items()]
    line = f"turns per speaker: {', '.join(parts)}"
    if any(interviewer):
        return [line], []
    return [line], [
        f"no interviewer turns: none of its speakers is an interviewer label ({', '.join(labels) or 'none set'}), "
        "so its interviewer speech counts as participant text. Add the interviewer's label to "
        "study.interviewer_speakers in codebook.yaml or to the interview's 'interviewer' attribute"]


# Column sizes PostgreSQL enforces and SQLite does not (models.Attribute.name, TurnRow.speaker):
# checked here so both databases accept and refuse the same files.
ATTRIBUTE_NAME_MAX, SPEAKER_MAX = 100, 200


def _check_lengths(display: str, attrs: dict[str, str], turns: list, body: str) -> None:
    for k in attrs:
        if len(k) > ATTRIBUTE_NAME_MAX:
            raise InvalidInput(f"attribute name '{k[:40]}...' is {len(k)} characters; the limit is "
                               f"{ATTRIBUTE_NAME_MAX}: shorten it")
    for t in turns:
        if len(t.speaker) > SPEAKER_MAX:
            line = body.count("\n", 0, t.start) + 1
            raise InvalidInput(f"{display}: line {line}: the speaker label is {len(t.speaker)} characters; the "
                               f"limit is {SPEAKER_MAX}: put a line break after the label")


_CLOSING_LINE = re.compile(rb"^[ \t\r]*---[ \t\r]*$", re.M)


def _check_front_matter_closed(f: Path, display: str) -> None:
    """A first line '---' opens front matter; without its closing '---' the attributes would be
    read as transcript text (the Markdown reader would even render them as a heading)."""
    try:
        with f.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return  # the reader reports it
    first, _, rest = head.removeprefix(b"\xef\xbb\xbf").partition(b"\n")
    if first.strip(b" \t\r") == b"---" and not _CLOSING_LINE.search(rest):
        raise InvalidInput(
            f"{display}:1: front matter opened with '---' is never closed: add a line '---' after "
            "its last attribute (or remove the first line if it is not front matter)")


def _stored_meanwhile(store: Store, display: str, prepared: PreparedInterview, notes: list[str]) -> FileOutcome:
    """Another process (a second import of the same folder) stored this interview between our
    look-up and our insert: the database refused the duplicate, so nothing was written twice."""
    known = store.interview_versions().get(prepared.name)
    if known is not None and known[1] == prepared.sha256:
        return FileOutcome(display, "unchanged", "imported at the same moment by another fieldcode process: "
                           "nothing more to do", notes)
    return FileOutcome(display, "refused", (
        "another fieldcode process stored an interview of this name at the same moment, with other "
        "text; nothing was changed: run the import again to compare"), notes)


def _prepare(store: Store, study: Study, f: Path, display: str, root: Path | None,
             encoding: str | None, reanchor: bool, accept_losses: bool, sidecar_for,
             versions: dict[str, tuple[int, str]], same: _SameText) -> _Pending | FileOutcome:
    if not f.exists():
        raise InvalidInput("no such file")
    if f.suffix.lower() in FRONT_MATTER_SUFFIXES:
        _check_front_matter_closed(f, display)
    result = read_document(f, encoding=encoding)
    body, controls = textmod.normalise_counted(result.text)
    if controls:
        result.notes.append(f"removed {controls:,} control character(s) or terminal escape sequence(s) "
                            "(they would drive the terminal, not show as text)")
    front: dict[str, str] = {}
    if f.suffix.lower() in FRONT_MATTER_SUFFIXES:
        fm, body, _ = textmod.split_front_matter(body)
        if fm is not None:
            try:
                check_flow_depth(fm, display, first_line=2, needs="front matter holds 'name: value' lines")
                front = parse_front_matter(fm, display)
            except RecursionError:
                raise InvalidInput(f"{display}: the front matter is nested too deeply: write 'name: value' "
                                   "lines") from None
        elif body.startswith("---") and not body[3:].split("\n", 1)[0].strip():
            raise InvalidInput(
                f"{display}:1: front matter opened with '---' is never closed: add a line '---' after "
                "its last attribute (or remove the first line if it is not front matter)")
        # body is a suffix of already-normalised text that starts after a line break: still normal
    if not body.strip():
        raise InvalidInput("the file has no transcript text" + (" after its front matter" if front else ""))
    attrs = merge_attributes(f.name, front, sidecar_for(f.parent))
    validate_attributes(attrs, study)
    try:
        source = str(f.resolve().relative_to(root.resolve())) if root else str(f.resolve())
    except ValueError:
        source = str(f.resolve())
    name = f.name
    rule = turn_rule(attrs, study, display)
    turns = textmod.detect_turns(body, rule)
    _check_lengths(display, attrs, turns, body)
    pend = _Pending(path=f, name=name, display=display, source=source, fmt=f.suffix.lower().lstrip("."),
                    encoding=result.encoding, text=body, attrs=attrs, turns=turns,
                    notes=list(result.notes) + unsure_notes(name, body, rule))
    known = versions.get(name)
    renamed = ""
    if known is None:
        sha = textmod.sha256(body)
        if not same.gone.get(sha):
            if same.present.get(sha):
                pend.warnings.append(
                    f"{name} has the same text as {', '.join(same.present[sha])}: imported as a second interview, so "
                    "this transcript counts twice in every denominator it is in. If it is a copy, remove the file and "
                    f"'fieldcode interviews remove {name}'")
            same.present.setdefault(sha, []).append(name)
            return pend
        # A file renamed on disk: the interview whose file is gone takes the new name (one
        # interview, not a second copy of the same text doubling its arm's denominator).
        iid, old = same.gone[sha].pop(0)
        rename_interview(store, iid, name, coder=same.coder or "import", source_path=source, why="import")
        versions.pop(old, None)
        versions[name] = known = (iid, sha)
        same.present.setdefault(sha, []).append(name)
        renamed = f"renamed {old} -> {name} (same text; its file is gone)"
        stored_attrs = store.attributes(iid)
        lost = sorted(set(stored_attrs) - set(attrs))
        if lost:
            pend.warnings.append(
                f"{name} gives no {', '.join(lost)} (is its attributes.csv row still under {old}?): the attributes "
                f"stored for the interview are kept; name {name} in attributes.csv or its front matter")
            attrs = pend.attrs = {**stored_attrs, **attrs}
    existing_id, existing_sha = known
    if renamed:
        outcome = _same_text(store, existing_id, body, turns, attrs, pend, display)
        if isinstance(outcome, _Pending):
            outcome.notes.insert(0, renamed)
            return outcome
        message = renamed + ("; attributes updated" if outcome.status == "attributes" else "")
        return FileOutcome(display, "renamed", message, outcome.notes, pend.warnings)
    if existing_sha == textmod.sha256(body):
        return _same_text(store, existing_id, body, turns, attrs, pend, display)
    n = store.count_codings(existing_id)

    pend.replace = existing_id
    pend.status = "updated"
    if n and not reanchor:
        raise Conflict(
            f"the transcript has changed since it was imported and its interview has {n} "
            f"coding(s); nothing was changed. To keep the codings, re-import with --reanchor (each "
            f"coding moves with its words; any whose text was deleted are listed and nothing "
            f"changes), or import the new version under another file name.")
    plan = store.reanchor_plan(existing_id, body)
    plan.may_move = reanchor   # codings added before the write are moved only with --reanchor
    if plan.unplaced and not accept_losses:
        lines = "\n".join(f"  coding #{m.coding_id} by {m.coder} [{m.old_start}, {m.old_end}) "
                          f"\u201c{_short(m.old_text)}\u201d" for m in plan.unplaced)
        raise Conflict(f"{len(plan.unplaced)} of {n} coding(s) are on text that the new version deletes; "
                       f"nothing was changed:\n{lines}\nRestore those passages in the transcript, or "
                       f"re-import with --reanchor --accept-losses to remove these codings (each removal "
                       f"is recorded in the log with your name).")
    plan.accept_losses()
    pend.plan = plan
    if n:
        pend.status = "reanchored"
    return pend


def _same_text(store: Store, existing_id: int, body: str, turns: list, attrs: dict[str, str],
               pend: _Pending, display: str) -> _Pending | FileOutcome:
    """A file whose text is that of stored interview ``existing_id``."""
    stored = [(t.start, t.end, t.content_start, t.speaker)
              for t in q_turn_spans(store, [existing_id]).get(existing_id, [])]
    if stored != [(t.start, t.end, t.content_start, t.speaker) for t in turns]:
        # Same text, but its turns are marked differently now (the study's or the interview's
        # `turns` / `interviewer_lines` settings changed): store it again with the new turns,
        # sentences and index.  The text is identical, so every coding stays where it is.
        pend.replace = existing_id
        pend.status = "re-marked"
        pend.plan = store.reanchor_plan(existing_id, body)
        pend.notes.append(f"text unchanged; turns marked again under the current settings: "
                          f"{len(turns)} turn(s), were {len(stored)}")
        return pend
    if store.attributes(existing_id) != attrs:
        store.set_attributes(existing_id, attrs)
        return FileOutcome(display, "attributes", "text unchanged; attributes updated", pend.notes, pend.warnings)
    return FileOutcome(display, "unchanged", "already imported, text unchanged: nothing to do", pend.notes,
                       pend.warnings)


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _move_lines(plan: Reanchor) -> list[str]:
    out = []
    for m in plan.changes:
        out.append(f"coding #{m.coding_id} ({m.coder}) [{m.old_start}, {m.old_end}) \u201c{_short(m.old_text)}\u201d "
                   f"-> [{m.new_start}, {m.new_end}) \u201c{_short(m.new_text)}\u201d")
    for m in plan.lost.values():
        out.append(f"coding #{m.coding_id} ({m.coder}) [{m.old_start}, {m.old_end}) \u201c{_short(m.old_text)}\u201d "
                   "removed: its text was deleted (accepted)")
    return out


def prepare_texts(study: Study, items: list[tuple[str, str, str, dict[str, str]]], *,
                  spacy_model: str | None = None) -> list[PreparedInterview]:
    """Interviews from texts that are already in hand (an exchange file's sources): each item is
    ``(name, source_path, text, attributes)``; the text is normalised, its turns detected and
    its sentences segmented exactly as :func:`import_paths` does for files."""
    bodies = [textmod.normalise(text) for _, _, text, _ in items]
    turns = [textmod.detect_turns(b, turn_rule(attrs, study, name)) for (name, _, _, attrs), b in zip(items, bodies)]
    out = []
    for (name, source, _, attrs), body, ts, (sents, words) in zip(
            items, bodies, turns, analyse_many(zip(bodies, turns), model=spacy_model)):
        labels = interviewer_labels(study, attrs)
        out.append(PreparedInterview(
            name=name, source_path=source, format="txt", encoding="utf-8", text=body, turns=ts,
            interviewer_turns=[textmod.is_interviewer(t.speaker, labels) for t in ts],
            sentences=sents, attributes=attrs, interviewer_labels=labels,
            words=words, pipeline=spacy_model, turn_rule=rule_key(attrs, study)))
    return out
