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


@dataclass
class Sidecar:
    path: Path
    rows: dict[str, dict[str, str]]  # file name -> attributes
    lines: dict[str, int]            # file name -> CSV line


def read_sidecar(path: Path) -> Sidecar:
    """Read ``attributes.csv``: a ``file`` column naming each interview file, one column per
    attribute; empty cells mean 'not given here'."""
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 (byte {exc.start}); save the CSV as UTF-8") from None
    reader = csv.DictReader(raw.splitlines())
    if not reader.fieldnames or FILE_COLUMN not in reader.fieldnames:
        raise InvalidInput(f"{path}:1: the CSV needs a '{FILE_COLUMN}' column naming each interview file")
    for name in reader.fieldnames:
        if name != FILE_COLUMN and not ATTR_NAME_RE.match(name or ""):
            raise InvalidInput(f"{path}:1: bad attribute column name '{name}' (letters, digits, '_' or '-')")
    rows: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    for i, row in enumerate(reader, start=2):
        fname = (row.get(FILE_COLUMN) or "").strip()
        if not fname:
            raise InvalidInput(f"{path}:{i}: empty '{FILE_COLUMN}' cell")
        if fname in rows:
            raise InvalidInput(f"{path}:{i}: '{fname}' is listed twice (first on line {lines[fname]})")
        rows[fname] = {k: v.strip() for k, v in row.items() if k != FILE_COLUMN and k and v and v.strip()}
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
    try:
        compiled = re.compile(pattern) if pattern else None
    except re.error as exc:
        raise InvalidInput(f"{where}: interviewer_lines '{pattern}' is not a valid regular expression "
                           f"({exc}); e.g. '\\d+\\.\\d\\d\\s' for lines starting with a timestamp like 1.02") from None
    interviewer = study.interviewer_speakers[0] if study.interviewer_speakers else "Interviewer"
    return TurnRule(mode=mode, interviewer_lines=compiled, interviewer=interviewer)
