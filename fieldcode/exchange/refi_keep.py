"""What a REFI-QDA round trip keeps beyond codes and codings: the study's turn settings and a
coding's memo where other tools read it.

**Study settings.**  REFI-QDA has no project-level values, only project-level ``Variable``
definitions (each with an optional ``Description``).  The study's ``interviewer_speakers``,
``turns`` and ``interviewer_lines`` (codebook.yaml's ``study:`` section) travel as three text
variables named ``fieldcode study: interviewer_speakers`` (and so on), the value in the
variable's ``Description``: the speaker labels as a JSON list (``["Interviewer", "Q"]``), the
turn mode and the pattern as plain text.  No case or source carries a value of them, so other
tools show them as (empty) variables and keep them.  An interview's own ``interviewer``,
``turns`` and ``interviewer_lines`` are attributes and travel as case variables like every
attribute.

On import a setting from the file is taken (written into ``study:`` through the import's
pending codebook copy and journal, so it is all or nothing with the rest) only when this study
still has the default and no interviews yet (their turns were marked under the current
setting); otherwise the study's own value is kept and the difference reported.

**Coding memos.**  fieldcode writes a coding's memo as a ``Note`` referenced from the selection
and, as QualCoder's importer reads it, as the selection's ``Description``.  On import the
Description is the memo when no note says the same; it is never added twice.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from fieldcode.study.codebook import TURN_MODES, Study
from fieldcode.study.codebook_edit import scalar

STUDY_PREFIX = "fieldcode study: "
STUDY_SETTINGS = ("interviewer_speakers", "turns", "interviewer_lines")


def study_variables(study: Study) -> dict[str, str]:
    """Variable name -> Description text for the study's turn settings (all three, always)."""
    return {
        STUDY_PREFIX + "interviewer_speakers": json.dumps(list(study.interviewer_speakers), ensure_ascii=False),
        STUDY_PREFIX + "turns": study.turns,
        STUDY_PREFIX + "interviewer_lines": study.interviewer_lines,
    }


def file_study_settings(variables: dict[str, str], descriptions: dict[str, str]) -> tuple[dict[str, object], list[str]]:
    """The study settings a file carries (``variables``: guid -> name, ``descriptions``: guid ->
    Description), typed as :class:`Study` holds them, and warnings for values that are unusable."""
    out: dict[str, object] = {}
    warnings: list[str] = []
    for g, name in variables.items():
        if not name.startswith(STUDY_PREFIX):
            continue
        key = name[len(STUDY_PREFIX):].strip()
        raw = descriptions.get(g) or ""
        value = raw.strip()
        if key == "interviewer_speakers":
            try:
                labels = json.loads(value)
            except ValueError:
                labels = None
            if not (isinstance(labels, list) and all(isinstance(x, str) and x.strip() for x in labels)):
                warnings.append(f"variable '{name}': its description is not a list of speaker labels "
                                f"(JSON, e.g. [\"Interviewer\"]): '{value[:60]}'; the study's labels are kept")
                continue
            out[key] = tuple(x.strip() for x in labels)
        elif key == "turns":
            if value not in TURN_MODES:
                warnings.append(f"variable '{name}': '{value[:60]}' is not a turn mode ({', '.join(TURN_MODES)}); "
                                "the study's setting is kept")
                continue
            out[key] = value
        elif key == "interviewer_lines":
            value = raw   # a pattern's spaces matter
            try:
                re.compile(value)
            except re.error:
                warnings.append(f"variable '{name}': '{value[:60]}' is not a valid regular expression; the "
                                "study's setting is kept")
                continue
            out[key] = value
        else:
            warnings.append(f"variable '{name}': not a study setting fieldcode knows ({', '.join(STUDY_SETTINGS)}); "
                            "left out")
    return out, warnings


def _shown(v: object) -> str:
    return ", ".join(v) if isinstance(v, tuple) else (str(v) or "(none)")


def plan_study(study: Study, wanted: dict[str, object], *, has_interviews: bool) -> tuple[dict[str, object], list[str]]:
    """Which of the file's settings to take into ``study`` (those where the study has the
    default and no interviews yet), and a warning for each difference that is kept."""
    changes: dict[str, object] = {}
    warnings: list[str] = []
    for k, v in wanted.items():
        cur = getattr(study, k)
        if cur == v:
            continue
        if has_interviews:
            why = "this study already has interviews, whose turns were marked under its own setting"
        elif cur != getattr(Study, k):
            why = "codebook.yaml sets it"
        else:
            changes[k] = v
            continue
        warnings.append(f"study setting {k} is '{_shown(cur)}' here and '{_shown(v)}' in the file; kept "
                        f"'{_shown(cur)}' ({why}). To use the file's, set it in codebook.yaml's study: section")
    return changes, warnings


def planned_study(study: Study, changes: dict[str, object]) -> Study:
    return replace(study, **changes) if changes else study


def _render(key: str, value: object) -> str:
    if key == "interviewer_speakers":
        return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in value) + "]"  # type: ignore[union-attr]
    if key == "interviewer_lines":
        return json.dumps(str(value), ensure_ascii=False)
    return scalar(value)


_TOP = re.compile(r"^[^\s#]")


def study_text(text: str, changes: dict[str, object]) -> str:
    """``text`` (a codebook.yaml) with ``changes`` set in its ``study:`` block, every other line
    unchanged: a setting's line (and its continuation lines) is replaced, a missing one added
    after the block's last entry.  Raises ValueError when the block cannot be edited this way
    (no block-style ``study:``) or the result does not read back as the wanted values."""
    if not changes:
        return text
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    head = next((i for i, ln in enumerate(lines) if re.match(r"^study:[ \t]*(#.*)?$", ln.rstrip("\r\n"))), None)
    if head is None:
        if any(re.match(r"^study\s*:", ln) for ln in lines):
            raise ValueError("codebook.yaml's study: section is not written as an indented block")
        lines = ["study:\n", *lines]
        head = 0
    end = next((i for i in range(head + 1, len(lines)) if _TOP.match(lines[i])), len(lines))
    body = [i for i in range(head + 1, end) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
    indent = (len(lines[body[0]]) - len(lines[body[0]].lstrip(" "))) if body else 2
    pad = " " * indent
    for key, value in changes.items():
        new = f"{pad}{key}: {_render(key, value)}\n"
        at = next((i for i in range(head + 1, end) if re.match(rf"^{pad}{re.escape(key)}\s*:", lines[i])), None)
        if at is None:
            last = max(body) if body else head
            # a multi-line value (block list or scalar) of the last entry ends where indentation does
            while last + 1 < end and lines[last + 1].strip() and (
                    len(lines[last + 1]) - len(lines[last + 1].lstrip(" ")) > indent
                    or lines[last + 1].startswith(pad + "- ")):
                last += 1
            lines.insert(last + 1, new)
            end += 1
            body = [*body, last + 1]
            continue
        stop = at + 1
        while stop < end and lines[stop].strip() and not lines[stop].lstrip().startswith("#") and (
                len(lines[stop]) - len(lines[stop].lstrip(" ")) > indent or lines[stop].startswith(pad + "- ")):
            stop += 1
        lines[at:stop] = [new]
        removed = stop - at - 1
        end -= removed
        body = [i if i < at else i - removed for i in body if not at < i < stop]
    out = "".join(lines)
    try:
        data = YAML(typ="safe").load(out)
    except YAMLError as exc:
        raise ValueError(f"the edited study: section does not read as YAML ({exc})") from None
    got = (data or {}).get("study") or {}
    for key, value in changes.items():
        v = got.get(key)
        if (tuple(v) if isinstance(v, list) else v) != value:
            raise ValueError(f"study.{key} would not read back as written")
    return out


def coding_memo(description: str, note_texts: list[str]) -> str:
    """A selection's memo from its Description and the texts of its notes, each said once: the
    Description is left out when a note holds the same text (fieldcode writes both)."""
    def squash(s: str) -> str:
        return " ".join(s.split())

    notes = [t for t in note_texts if t and t.strip()]
    d = (description or "").strip()
    if d and any(squash(d) == squash(t) or squash(d) in squash(t) for t in notes):
        d = ""
    return "\n\n".join([x for x in [d, *notes] if x])
