"""Study design: interview attributes (pair, neighbourhood, arm, role, ...).

Attributes come from YAML front matter in ``.txt``/``.md`` files and from a CSV sidecar
(``attributes.csv`` in the interviews folder, keyed by file name) for formats that cannot hold
front matter.  Both may be used; a value given in both places must agree.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from fieldcode.study.codebook import Study
from fieldcode.errors import InvalidInput
from fieldcode.study.patterns import user_pattern
from fieldcode.text import TURN_MODES, TurnRule, impossible_date_line

SIDECAR_NAME = "attributes.csv"
FILE_COLUMN = "file"
ATTR_NAME_RE = re.compile(r"^[A-Za-z_][\w\-]*$")


# Front matter that is only ``name: value`` lines (and comments) with values YAML can read only as
# the text they are: a word-led value of letters, digits, spaces and . , ' ( ) / -, a whole
# number without leading zeros, or a YYYY-MM-DD date.  Anything else goes to the YAML parser.
_FM_LINE = re.compile(r"([A-Za-z_][\w\-]*):(?:[ ]+(.*?))?[ ]*")
_FM_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9 .,'()/\-]*")
_FM_NUMBER = re.compile(r"0|[1-9][0-9]*")
_FM_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YAML_WORDS = {"null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"}


def plain_front_matter(yaml_text: str) -> dict[str, str] | None:
    """The attributes of simple front matter without the YAML parser (pure Python, ~6 ms a file
    at import), or None for anything it does not certainly read as the parser would;
    tests/test_import.py checks the two agree."""
    from datetime import date

    out: dict[str, str] = {}
    for line in yaml_text.split("\n"):
        bare = line.strip(" ")
        if not bare or bare.startswith("#") and line.startswith("#"):
            continue
        m = _FM_LINE.fullmatch(line)
        if m is None or m.group(1) in out or m.group(1) in _YAML_WORDS:
            return None
        value = m.group(2)
        if value is None:
            out[m.group(1)] = None  # type: ignore[assignment]  # 'name:' alone: no value
            continue
        if _FM_DATE.fullmatch(value):
            try:
                date.fromisoformat(value)
            except ValueError:
                return None
        elif not (_FM_NUMBER.fullmatch(value) or (_FM_WORDS.fullmatch(value) and value not in _YAML_WORDS)):
            return None
        out[m.group(1)] = value.strip()
    return {k: v for k, v in out.items() if v is not None}


def parse_front_matter(yaml_text: str, where: str, first_line: int = 2) -> dict[str, str]:
    """Attributes from a front-matter block.  Values must be scalars; lines in errors are file
    lines (the block starts on ``first_line``)."""
    plain = plain_front_matter(yaml_text)
    if plain is not None:
        return plain
    return parse_front_matter_yaml(yaml_text, where, first_line)


def parse_front_matter_yaml(yaml_text: str, where: str, first_line: int = 2) -> dict[str, str]:
    """``parse_front_matter`` by the YAML parser (every case, and every error message)."""
    try:
        data = YAML(typ="safe").load(yaml_text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{first_line + mark.line}" if mark else ""
        raise InvalidInput(f"{where}{line}: malformed front matter: {exc.problem or exc.context}") from None
    except YAMLError as exc:
        raise InvalidInput(f"{where}: malformed front matter: {exc}") from None
    except (ValueError, OverflowError) as exc:  # a value YAML reads as a date that does not exist
        bad = impossible_date_line(yaml_text)
        line, what = (f":{first_line + bad[0] - 1}", f"'{bad[1]}' is not a date that exists") if bad else ("", str(exc))
        raise InvalidInput(f"{where}{line}: malformed front matter: {what}; correct it, or put the value in "
                           "quotes to keep it as text") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}:{first_line}: front matter must be 'name: value' lines")
    out: dict[str, str] = {}
    for k, v in data.items():
        k = str(k)
        if not ATTR_NAME_RE.match(k):
            raise InvalidInput(f"{where}: front matter: bad attribute name '{k}' (letters, digits, '_' or '-')")
        if isinstance(v, (dict, list)):
            raise InvalidInput(f"{where}: front matter: attribute '{k}' must be a single value, not a list or mapping")
        if v is None:
            continue
        out[k] = str(v).strip()
    return out


MAX_CELL = 4096            # characters in one attributes.csv cell (a value, or a column name)
MAX_SIDECAR_BYTES = 50 * 2**20


@dataclass
class Sidecar:
    path: Path
    rows: dict[str, dict[str, str]]  # file name -> attributes
    lines: dict[str, int]            # file name -> CSV line

    def unknown_rows(self) -> list[str]:
        """A message for each row naming a file that is not beside the CSV (a typo, a file
        renamed or moved away): the attributes it holds describe nothing.  A row naming a
        file in another folder has its own message (see the importer)."""
        folder = self.path.parent
        return [f"{self.path}:{line}: lists '{fname}', which is not in {folder}; fix the name or remove the row"
                for fname, line in self.lines.items()
                if Path(fname).name == fname and not (folder / fname).exists()]


def _line_of(raw: str, index: int) -> int:
    return raw.count("\n", 0, index) + 1


def read_sidecar(path: Path) -> Sidecar:
    """Read ``attributes.csv``: a ``file`` column naming each interview file, one column per
    attribute; empty cells mean 'not given here'.  Read strictly: a quote left open, a NUL
    byte, a value over several lines, a cell past :data:`MAX_CELL` characters, a row with more
    cells than the header has columns, or a column named twice is an error naming the file and
    line (a lenient reader would shift values into the wrong attributes)."""
    import io

    try:
        size = path.stat().st_size
        if size > MAX_SIDECAR_BYTES:
            raise InvalidInput(f"{path}: the file is {size / 2**20:.0f} MB; an {path.name} lists one row per "
                               "interview file: is this the right file?")
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror or exc}); check the file and its permissions") from None
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 (byte {exc.start}); save the CSV as UTF-8") from None
    nul = raw.find("\x00")
    if nul != -1:
        raise InvalidInput(f"{path}:{_line_of(raw, nul)}: contains a NUL byte (character 0), which would cut the "
                           "value short; save the CSV again as plain UTF-8 text (not UTF-16) or delete the character")
    reader = csv.reader(io.StringIO(raw, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise InvalidInput(f"{path}:{start}: a cell is longer than {MAX_CELL:,} characters (the limit for one "
                               "value); shorten it, or check for a quote (\") that is never closed") from None
        if "unexpected end of data" in str(exc):
            raise InvalidInput(f"{path}:{start}: a quote (\") opened on this line is never closed, so the rest of the "
                               "file would be read as one value; close it, or double a quote that is part of a "
                               "value (\"\")") from None
        raise InvalidInput(f"{path}:{start}: malformed CSV ({exc}); a value that holds a comma or a quote must be "
                           "in double quotes, with each quote inside it doubled (\"\")") from None
    for line, cells in records:
        for k, cell in enumerate(cells):
            if len(cell) > MAX_CELL:
                raise InvalidInput(f"{path}:{line}: cell {k + 1} is {len(cell):,} characters; the limit for one value "
                                   f"is {MAX_CELL:,}: shorten it, or check for a quote (\") that is never closed")
            if "\n" in cell or "\r" in cell:
                raise InvalidInput(
                    f"{path}:{line}: cell {k + 1} holds a line break (a quote opened on line {line} closes on line "
                    f"{line + cell.count(chr(10))}); an attribute value is one line: check for a missing or extra "
                    "quote (\")")
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not records or FILE_COLUMN not in [c.strip() for c in records[0][1]]:
        raise InvalidInput(f"{path}:{records[0][0] if records else 1}: the CSV needs a '{FILE_COLUMN}' column "
                           "naming each interview file")
    head_line, header = records[0]
    header = [c.strip() for c in header]
    for k, name in enumerate(header):
        if name != FILE_COLUMN and not ATTR_NAME_RE.match(name):
            raise InvalidInput(f"{path}:{head_line}: bad attribute column name '{name}' (column {k + 1}): use "
                               "letters, digits, '_' or '-', and give every column a name")
        if name in header[:k]:
            raise InvalidInput(f"{path}:{head_line}: the column '{name}' is named twice (columns "
                               f"{header.index(name) + 1} and {k + 1}); one would overwrite the other: "
                               "merge them or rename one")
    rows: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    for i, cells in records[1:]:
        if len(cells) > len(header):
            extra = ", ".join(f"'{c.strip()}'" for c in cells[len(header):] if c.strip())
            if extra:
                raise InvalidInput(
                    f"{path}:{i}: {len(cells)} cells but the header names {len(header)} columns ({extra} "
                    "has no column); a value holding a comma must be in double quotes, or add the "
                    "column's name to line 1")
        row = dict(zip(header, cells))
        fname = (row.get(FILE_COLUMN) or "").strip()
        if not fname:
            raise InvalidInput(f"{path}:{i}: empty '{FILE_COLUMN}' cell")
        if fname in rows:
            raise InvalidInput(f"{path}:{i}: '{fname}' is listed twice (first on line {lines[fname]})")
        rows[fname] = {k: v.strip() for k, v in row.items() if k != FILE_COLUMN and v.strip()}
        lines[fname] = i
    return Sidecar(path, rows, lines)


def merge_attributes(file: str, front: dict[str, str], sidecar: Sidecar | None) -> dict[str, str]:
    """Front matter plus sidecar; a value given differently in both is an error naming both."""
    out = dict(front)
    if sidecar and file in sidecar.rows:
        for k, v in sidecar.rows[file].items():
            if k in out and out[k] != v:
                raise InvalidInput(
                    f"{file}: attribute '{k}' is '{out[k]}' in its front matter but '{v}' in "
                    f"{sidecar.path.name} line {sidecar.lines[file]}; make them agree")
            out[k] = v
    return out


def validate_attributes(attrs: dict[str, str], study: Study) -> None:
    """The importer reports the file name beside this message."""
    arm = attrs.get("arm")
    if arm is not None and arm not in study.arms:
        raise InvalidInput(
            f"unknown arm '{arm}'; the study's arms are {study.arms[0]!r} and "
            f"{study.arms[1]!r} (set in codebook.yaml under study.arms)")


def design_warnings(interviews: Iterable[tuple[str, dict[str, str]]], study: Study) -> list[str]:
    """Problems with the design as a whole: missing required attributes, a pair missing an arm,
    a neighbourhood given different pairs or arms in different interviews."""
    warnings: list[str] = []
    pair_arms: dict[str, set[str]] = defaultdict(set)
    hood: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    items = list(interviews)
    for name, attrs in items:
        missing = [a for a in study.required_attributes if not attrs.get(a)]
        if missing:
            warnings.append(f"{name}: missing attribute(s) {', '.join(missing)}")
        if attrs.get("pair") and attrs.get("arm"):
            pair_arms[attrs["pair"]].add(attrs["arm"])
        if attrs.get("neighbourhood"):
            for k in ("pair", "arm"):
                if attrs.get(k):
                    hood[attrs["neighbourhood"]][k].add(attrs[k])
    for pair in sorted(pair_arms):
        missing_arms = [a for a in study.arms if a not in pair_arms[pair]]
        if missing_arms:
            warnings.append(f"pair '{pair}' has no '{missing_arms[0]}' interviews: it cannot be compared")
    for nb in sorted(hood):
        for k in ("pair", "arm"):
            if len(hood[nb][k]) > 1:
                warnings.append(f"neighbourhood '{nb}' has different {k}s in different interviews: "
                                f"{', '.join(sorted(hood[nb][k]))}")
    return warnings


def turn_rule(attrs: dict[str, str], study: Study, where: str) -> TurnRule:
    """How this interview's turns are marked: its own ``turns`` / ``interviewer_lines``
    attributes (front matter or attributes.csv), else the study's (codebook ``study:``).
    Paragraph turns matching ``interviewer_lines`` are given the study's first interviewer
    label, so they are left out wherever interviewer speech is."""
    mode = attrs.get("turns") or study.turns
    if mode not in TURN_MODES:
        raise InvalidInput(f"{where}: turns is '{mode}'; use one of {', '.join(TURN_MODES)} "
                           "(in its front matter or attributes.csv)")
    pattern = attrs.get("interviewer_lines") or study.interviewer_lines
    # a user pattern: run with a time limit (fieldcode.study.patterns), one budget per interview
    compiled = user_pattern(pattern, f"{where}: interviewer_lines",
                            "e.g. '\\d+\\.\\d\\d\\s' for lines starting with a timestamp like 1.02") if pattern else None
    interviewer = study.interviewer_speakers[0] if study.interviewer_speakers else "Interviewer"
    return TurnRule(mode=mode, interviewer_lines=compiled, interviewer=interviewer)
