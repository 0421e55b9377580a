"""Load, validate and write back ``codebook.yaml``.

ruamel.yaml's round-trip mode gives every key its line number (so each error names its line).
Changes to the file (new codes, rename, recolour, move, merge, rekey) are in
:mod:`fieldcode.study.codebook_edit`, which touches only the lines a change needs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from functools import cache
from typing import TYPE_CHECKING

from fieldcode.errors import InvalidInput
from fieldcode.study.folder import TEMPLATE  # noqa: F401  (the commented template of a new codebook)
from fieldcode.text import impossible_date_line, remove_controls

if TYPE_CHECKING:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
# ruamel.yaml and rich.color load when a codebook is parsed, not when a cached one is read


@cache
def _nodes() -> tuple[type, type]:
    """ruamel.yaml's round-trip mapping and sequence types."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    return CommentedMap, CommentedSeq

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
# Column sizes of the code table (models.Code): PostgreSQL enforces them, SQLite does not, so
# they are checked here, for both, before anything reaches the database.
KEY_MAX, NAME_MAX, COLOUR_MAX = 100, 200, 32
CODE_FIELDS = {
    "key", "name", "parent", "colour", "color", "hotkey", "definition", "use_when", "not_when",
    "example", "keywords", "codable",
}
STUDY_FIELDS = {"name", "arms", "interviewer_speakers", "required_attributes", "turns", "interviewer_lines",
                "identifying", "blind", "lead", "blind_terms"}
TURN_MODES = ("labels", "paragraphs", "auto", "questions")  # how turns are marked: see fieldcode.text.TurnRule
DEFAULT_ARMS = ("improving", "lagging")
DEFAULT_INTERVIEWERS = ("Interviewer", "Int", "I", "Q", "Facilitator", "Moderator", "Researcher")
DEFAULT_REQUIRED = ("pair", "neighbourhood", "arm", "role")
BLIND_FIELDS = ("blind", "lead", "blind_terms")   # left out of the hash when unset (older hashes stay)


class CodebookError(InvalidInput):
    """One or more problems in codebook.yaml, each naming file, line and key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class CodeDef:
    key: str
    name: str
    parent: str | None = None
    colour: str = "#888888"
    hotkey: str | None = None
    definition: str = ""
    use_when: str = ""
    not_when: str = ""
    example: str = ""
    keywords: list[str] = field(default_factory=list)
    codable: bool = True   # False: a category that only groups its children (REFI-QDA isCodable)
    line: int = 0  # 1-based line in codebook.yaml (0 when not from a file)


@dataclass
class Study:
    name: str = ""
    arms: tuple[str, str] = DEFAULT_ARMS
    interviewer_speakers: tuple[str, ...] = DEFAULT_INTERVIEWERS
    required_attributes: tuple[str, ...] = DEFAULT_REQUIRED
    # How turns are marked in transcripts without speaker labels (fieldcode.text.TurnRule);
    # an interview's own `turns` / `interviewer_lines` attributes override these.
    turns: str = "labels"
    interviewer_lines: str = ""
    # Attributes whose values identify someone, beyond participant and neighbourhood (always
    # proposed by `fieldcode pseudonyms scan`).
    identifying: tuple[str, ...] = ()
    # Blind coding (fieldcode.protocol.blinding): the attributes coders other than the lead must
    # not see, the lead (not blind; ends blinding, unblinds a coder), further words to mask.
    blind: tuple[str, ...] = ()
    lead: str = ""
    blind_terms: tuple[str, ...] = ()

    @property
    def is_blind(self) -> bool:
        return bool(self.blind or self.blind_terms)

    @property
    def focal_arm(self) -> str:
        return self.arms[0]

    @property
    def comparison_arm(self) -> str:
        return self.arms[1]


@dataclass
class Codebook:
    path: Path
    study: Study
    codes: list[CodeDef]

    @property
    def hash(self) -> str:
        """Version hash of the codebook's content (comments and layout do not count)."""
        payload = {
            # turn settings at their defaults are left out, so older codebooks keep their hash
            "study": {k: v for k, v in asdict(self.study).items()
                      if not (k in ("turns", "interviewer_lines") and v == getattr(Study, k))
                      and not (k in BLIND_FIELDS and not v)},
            # codable at its default is left out too, for the same reason
            "codes": [{k: v for k, v in asdict(c).items() if k != "line" and not (k == "codable" and v is True)}
                      for c in self.codes],
        }
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()

    def by_key(self) -> dict[str, CodeDef]:
        return {c.key: c for c in self.codes}

    def children(self, key: str | None) -> list[CodeDef]:
        return [c for c in self.codes if c.parent == key]


def _yaml() -> YAML:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 100
    return y


# A codebook is a few hundred codes: anything far larger is a mistake or an attack (a YAML
# "billion laughs" alias bomb expands 1 KB into gigabytes; deep nesting overflows the stack).
MAX_CODEBOOK_BYTES = 5 * 1024 * 1024
MAX_YAML_DEPTH = 32
MAX_YAML_NODES = 200_000  # counting every alias expanded
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}


def check_flow_depth(text: str, where: object, first_line: int = 1,
                     needs: str = "a codebook needs three (codes, a code, its keywords)") -> None:
    """Refuse ``[[[[...`` / ``{{{{...`` nested deeper than :data:`MAX_YAML_DEPTH`, in one linear
    pass (YAML parsers take seconds over such input before they fail).  Quoted strings and
    comments are skipped."""
    depth, line, quote, comment = 0, first_line, "", False
    for ch in text:
        if ch == "\n":
            line, comment = line + 1, False
            if quote == "'":  # a plain newline never ends a single-quoted scalar; keep going
                continue
        if comment:
            continue
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "#":
            comment = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise CodebookError([f"{where}:{line}: the YAML is nested more than {MAX_YAML_DEPTH} levels "
                                     f"deep; {needs}: fix the file"])
        elif ch in "]}":
            depth = max(0, depth - 1)


def _guard(text: str, where: Path) -> None:
    """Walk the YAML event stream (no objects built) and refuse alias bombs, deep nesting and
    tags before ruamel.yaml constructs anything; each message names the line."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

    sizes: dict[str, int] = {}
    stack: list[list] = []  # [anchor, expanded size so far] per open collection
    total = 0
    for ev in _yaml().parse(text):
        if not isinstance(ev, (NodeEvent, CollectionEndEvent)):
            continue
        line = ev.start_mark.line + 1 if ev.start_mark else 0
        tag = ev.tag if isinstance(getattr(ev, "tag", None), str) else getattr(getattr(ev, "tag", None), "value", None)
        if tag and tag not in _PLAIN_TAGS:
            raise CodebookError([f"{where}:{line}: YAML tag '{tag}' is not allowed in a codebook: remove it "
                                 "and write the plain value"])
        if isinstance(ev, CollectionStartEvent):
            if len(stack) >= MAX_YAML_DEPTH:
                raise CodebookError([f"{where}:{line}: the YAML is nested more than {MAX_YAML_DEPTH} levels "
                                     "deep; a codebook needs three (codes, a code, its keywords): fix the file"])
            stack.append([ev.anchor, 1])
            continue
        if isinstance(ev, CollectionEndEvent):
            anchor, size = stack.pop()
        elif isinstance(ev, AliasEvent):
            anchor, size = None, sizes.get(ev.anchor, 1)
        else:
            anchor, size = ev.anchor, 1
        if anchor:
            sizes[anchor] = size
        if stack:
            stack[-1][1] += size
        else:
            total += size
        if total + sum(s for _, s in stack) > MAX_YAML_NODES:
            raise CodebookError([f"{where}:{line}: the YAML expands to more than {MAX_YAML_NODES:,} values "
                                 "through its aliases (*name), a so-called alias bomb: write the values out"])


def _read(path: Path) -> tuple[str, object]:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CodebookError([f"{path}: no codebook here; run 'fieldcode init' to start one"]) from None
    except OSError as exc:
        raise CodebookError([f"{path}: cannot read the codebook: {exc.strerror or exc}"]) from None
    if len(raw) > MAX_CODEBOOK_BYTES:
        raise CodebookError([f"{path}: the codebook is {len(raw) / 2**20:.0f} MB; a codebook is text of a few "
                             f"hundred codes (limit {MAX_CODEBOOK_BYTES // 2**20} MB): is this the right file?"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError([f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8"]) from None
    try:
        check_flow_depth(text, path)
        _guard(text, path)
        data = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        tabs = " (indent with spaces: YAML does not allow tabs)" if "'\\t'" in str(exc.problem) else ""
        raise CodebookError(
            [f"{path}{line}: malformed YAML: {exc.problem or exc.context}{tabs}; fix the file and run "
             "'fieldcode codebook check'"]
        ) from None
    except YAMLError as exc:
        raise CodebookError([f"{path}: malformed YAML: {exc}"]) from None
    except RecursionError:
        raise CodebookError([f"{path}: the YAML is nested too deeply to read: fix the file"]) from None
    except (ValueError, OverflowError) as exc:  # a value YAML reads as a date that does not exist
        bad = impossible_date_line(text)
        where = f"{path}:{bad[0]}: '{bad[1]}' is not a date that exists" if bad else f"{path}: {exc}"
        raise CodebookError([f"{where}; correct it, or put the value in quotes to keep it as text"]) from None
    return text, data


def _line(mapping: CommentedMap, key: str | None = None) -> int:
    try:
        if key is not None and key in mapping:
            return mapping.lc.key(key)[0] + 1
        return mapping.lc.line + 1
    except (AttributeError, KeyError, TypeError):
        return 0


def _str_list(value: object) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return [str(v) for v in value]
    return None


CACHE_FORMAT = 1


@cache
def _validator_digest() -> bytes:
    """This module's source and the cache format, read once per process."""
    return hashlib.sha256(Path(__file__).read_bytes() + str(CACHE_FORMAT).encode()).digest()


def _cache_key(raw: bytes) -> str:
    """The codebook's bytes and this module's source: a change to either is a cache miss."""
    h = hashlib.sha256(raw)
    h.update(_validator_digest())
    return h.hexdigest()


def _from_cache(path: Path, cache: Path) -> Codebook | None:
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_CODEBOOK_BYTES:
            return None
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved.get("key") != _cache_key(raw):
            return None
        study = Study(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved["study"].items()})
        codes = [CodeDef(**c) for c in saved["codes"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # no cache, a stale or damaged one: read the file
    return Codebook(path=path, study=study, codes=codes)


def _to_cache(cb: Codebook, cache: Path) -> None:
    try:
        key = _cache_key(cb.path.read_bytes())
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"key": key, "study": asdict(cb.study), "codes": [asdict(c) for c in cb.codes]},
                                  ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only folder: every start reads the YAML, which is only slower


def load(path: Path, *, cache: Path | None = None) -> Codebook:
    """Load and validate ``path``; raise :class:`CodebookError` listing every problem.

    With ``cache`` (a JSON file), a codebook already validated with the same bytes (and this
    version of the validation code) is read from the cache instead of parsed: parsing and
    checking a few hundred lines of YAML with ruamel.yaml takes ~0.1-0.2 s of every command's
    start.  Any change to the file is a miss; a damaged cache is ignored."""
    path = Path(path)
    if cache is not None:
        hit = _from_cache(path, cache)
        if hit is not None:
            return hit
    cb = _load(path)
    if cache is not None:
        _to_cache(cb, cache)
    return cb


def _load(path: Path) -> Codebook:
    _, data = _read(path)
    where = str(path)
    problems: list[str] = []
    if data is None:
        raise CodebookError([f"{where}: the codebook is empty; it needs a 'codes:' list"])
    if not isinstance(data, _nodes()[0]):
        raise CodebookError([f"{where}:1: the codebook must be a mapping with 'study:' and 'codes:'"])
    for k in data:
        if k not in ("study", "codes"):
            problems.append(f"{where}:{_line(data, k)}: unknown top-level key '{k}' (expected study, codes)")

    study = _load_study(data.get("study"), where, problems, _line(data, "study"))
    codes_node = data.get("codes")
    codes: list[CodeDef] = []
    if not isinstance(codes_node, _nodes()[1]):
        problems.append(f"{where}:{_line(data, 'codes') or 1}: 'codes:' must be a list of codes")
    else:
        for i, node in enumerate(codes_node):
            line = codes_node.lc.item(i)[0] + 1
            if not isinstance(node, _nodes()[0]):
                problems.append(f"{where}:{line}: code #{i + 1} must be a mapping with key, name, ...")
                continue
            code = _load_code(node, where, line, problems)
            if code:
                codes.append(code)
    _check_codes(codes, where, problems)
    if problems:
        raise CodebookError(problems)
    return Codebook(path=path, study=study, codes=codes)


def _load_study(node: object, where: str, problems: list[str], line: int) -> Study:
    study = Study()
    if node is None:
        return study
    if not isinstance(node, _nodes()[0]):
        problems.append(f"{where}:{line}: 'study:' must be a mapping (name, arms, ...)")
        return study
    for k in node:
        if k not in STUDY_FIELDS:
            problems.append(f"{where}:{_line(node, k)}: study: unknown key '{k}' (known: {', '.join(sorted(STUDY_FIELDS))})")
    study.name = str(node.get("name") or "")
    if "arms" in node:
        arms = _str_list(node["arms"])
        if not arms or len(arms) != 2 or arms[0] == arms[1] or not all(a.strip() for a in arms):
            problems.append(
                f"{where}:{_line(node, 'arms')}: study.arms must list exactly two different labels, "
                "the focal arm first, e.g. [improving, lagging]"
            )
        else:
            study.arms = (arms[0], arms[1])
    for key, attr in (("interviewer_speakers", "interviewer_speakers"), ("required_attributes", "required_attributes"),
                      ("identifying", "identifying")):
        if key in node:
            vals = _str_list(node[key])
            if vals is None:
                problems.append(f"{where}:{_line(node, key)}: study.{key} must be a list of strings")
            else:
                setattr(study, attr, tuple(vals))
    if "turns" in node:
        if str(node["turns"]) not in TURN_MODES:
            problems.append(f"{where}:{_line(node, 'turns')}: study.turns must be one of {', '.join(TURN_MODES)}")
        else:
            study.turns = str(node["turns"])
    if node.get("interviewer_lines"):
        try:
            re.compile(str(node["interviewer_lines"]))
            study.interviewer_lines = str(node["interviewer_lines"])
        except re.error as exc:
            problems.append(f"{where}:{_line(node, 'interviewer_lines')}: study.interviewer_lines is not a valid "
                            f"regular expression ({exc})")
    _load_blinding(node, study, where, problems)
    return study


def _load_blinding(node: CommentedMap, study: Study, where: str, problems: list[str]) -> None:
    """``blind: [arm, pair, neighbourhood]``, ``lead: NAME``, ``blind_terms: [...]``."""
    for key in ("blind", "blind_terms"):
        if key in node:
            vals = _str_list(node[key])
            if vals is None or not all(v.strip() for v in vals):
                example = "[arm, pair, neighbourhood]" if key == "blind" else "[Ashcliffe, Brook Street]"
                problems.append(f"{where}:{_line(node, key)}: study.{key} must be a list of non-empty strings, "
                                f"e.g. {key}: {example}")
            else:
                setattr(study, key, tuple(v.strip() for v in vals))
    if "lead" in node:
        lead = node["lead"]
        if not isinstance(lead, (str, int)) or not str(lead).strip() or len(str(lead)) > 100 \
                or any(ch.isspace() and ch != " " or not ch.isprintable() for ch in str(lead)):
            problems.append(f"{where}:{_line(node, 'lead')}: study.lead must be one coder's name (as they give it "
                            "with --coder), e.g. lead: ana")
        else:
            study.lead = str(lead).strip()
    if study.is_blind and not study.lead and "lead" not in node:
        key = "blind" if "blind" in node else "blind_terms"
        problems.append(f"{where}:{_line(node, key)}: study.{key} makes the study blind, so it needs "
                        "'lead: NAME': the coder who is not blind and who alone ends blinding")


def _text(node: CommentedMap, k: str) -> str:
    v = node.get(k)
    return "" if v is None else str(v).strip()


def _load_code(node: CommentedMap, where: str, line: int, problems: list[str]) -> CodeDef | None:
    key = node.get("key")
    label = f"code '{key}'" if key else f"code at line {line}"
    ok = True
    for k in node:
        if k not in CODE_FIELDS:
            problems.append(f"{where}:{_line(node, k)}: {label}: unknown field '{k}' (known: {', '.join(sorted(CODE_FIELDS - {'color'}))})")
    if not key or not isinstance(key, str):
        problems.append(f"{where}:{line}: {label}: missing 'key' (a stable slug such as 'crime-and-grime')")
        return None
    if not KEY_RE.match(key):
        problems.append(f"{where}:{_line(node, 'key')}: code '{key}': bad key; use lowercase letters, digits, '-' or '_'")
        ok = False
    elif len(key) > KEY_MAX:
        problems.append(f"{where}:{_line(node, 'key')}: code '{key[:40]}...': the key is {len(key)} characters; "
                        f"the limit is {KEY_MAX} (the same on SQLite and PostgreSQL): shorten it")
        ok = False
    name = node.get("name")
    if not isinstance(name, (str, int, float)) or not str(name).strip():
        problems.append(f"{where}:{line}: code '{key}': missing 'name' (a line of text)")
        ok = False
    elif len(str(name).strip()) > NAME_MAX:
        problems.append(f"{where}:{_line(node, 'name')}: code '{key}': the name is {len(str(name).strip())} "
                        f"characters; the limit is {NAME_MAX} (put the rest in 'definition')")
        ok = False
    for k in ("name", "definition", "use_when", "not_when", "example", "keywords"):
        if remove_controls(str(node.get(k) or ""))[1]:
            problems.append(f"{where}:{_line(node, k)}: code '{key}': {k} contains control characters or "
                            "terminal escape sequences: remove them (text is shown literally)")
            ok = False
    colour = str(node.get("colour", node.get("color", "#888888")))
    if len(colour) > COLOUR_MAX:
        problems.append(f"{where}:{_line(node, 'colour') or _line(node, 'color')}: code '{key}': bad colour "
                        f"'{colour[:40]}'; use #RRGGBB, e.g. \"#1f77b4\"")
        return None
    from rich.color import Color, ColorParseError

    try:
        parsed = Color.parse(colour)
        if parsed.triplet is None and not colour.startswith("#"):
            # named ANSI colours depend on the terminal theme: accept, but they carry no RGB
            pass
    except ColorParseError:
        problems.append(f"{where}:{_line(node, 'colour') or _line(node, 'color')}: code '{key}': bad colour '{colour}'; use #RRGGBB, e.g. \"#1f77b4\"")
        ok = False
    hotkey = node.get("hotkey")
    if hotkey is not None:
        hotkey = str(hotkey)
        if len(hotkey) != 1 or not (hotkey.isalnum() and hotkey.isascii()):
            problems.append(f"{where}:{_line(node, 'hotkey')}: code '{key}': hotkey must be one letter or digit, got '{hotkey}'")
            ok = False
    keywords = _str_list(node.get("keywords"))
    if keywords is None:
        problems.append(f"{where}:{_line(node, 'keywords')}: code '{key}': keywords must be a list of words")
        keywords = []
    codable = node.get("codable", True)
    if not isinstance(codable, bool):
        problems.append(f"{where}:{_line(node, 'codable')}: code '{key}': codable must be true or false "
                        "(false: a category that only groups its children and cannot be coded itself)")
        ok = False
    parent = node.get("parent")
    if not ok:
        return None
    return CodeDef(codable=codable,
        key=key, name=str(name).strip(), parent=str(parent) if parent is not None else None,
        colour=colour, hotkey=hotkey, definition=_text(node, "definition"),
        use_when=_text(node, "use_when"), not_when=_text(node, "not_when"),
        example=_text(node, "example"), keywords=keywords, line=line,
    )


def _check_codes(codes: list[CodeDef], where: str, problems: list[str]) -> None:
    first: dict[str, CodeDef] = {}
    for c in codes:
        if c.key in first:
            problems.append(f"{where}:{c.line}: code '{c.key}': duplicate key (first defined on line {first[c.key].line})")
        else:
            first[c.key] = c
    hot: dict[str, CodeDef] = {}
    for c in codes:
        if c.hotkey is None:
            continue
        if c.hotkey in hot:
            problems.append(f"{where}:{c.line}: code '{c.key}': hotkey '{c.hotkey}' is already used by '{hot[c.hotkey].key}' (line {hot[c.hotkey].line})")
        else:
            hot[c.hotkey] = c
    for c in codes:
        if c.parent is not None and c.parent not in first:
            problems.append(f"{where}:{c.line}: code '{c.key}': unknown parent '{c.parent}'")
    reported: set[str] = set()
    for c in codes:
        seen = [c.key]
        cur = c
        while cur.parent is not None and cur.parent in first:
            if cur.parent in seen:
                cycle = seen[seen.index(cur.parent):] + [cur.parent]
                if not reported & set(cycle):
                    problems.append(f"{where}:{c.line}: code '{c.key}': parent cycle {' -> '.join(cycle)}")
                    reported.update(cycle)
                break
            seen.append(cur.parent)
            cur = first[cur.parent]


def slugify(name: str) -> str:
    """A code key from a display name: 'Crime & grime!' -> 'crime-grime'.  Letters outside
    ASCII are transliterated (anyascii), never dropped: 'sárga' -> 'sarga', 'Кризис' ->
    'krizis', so a key still reads as its name."""
    from anyascii import anyascii

    s = re.sub(r"[^a-z0-9]+", "-", anyascii(name).lower()).strip("-")
    return s[:60] or "code"


def retiring(cb: Codebook, known: dict[str, str], codings: dict[str, dict[str, int]]) -> list[str]:
    """What a hand edit of codebook.yaml would retire: for each code the database holds as active
    (``known``: key -> name) that ``cb`` no longer has and that has codings (``codings``: key ->
    coder -> number), one line naming it, its codings per coder and what to do.  Reads only."""
    keys = {c.key for c in cb.codes}
    out = []
    for key in sorted(k for k in known if k not in keys and sum((codings.get(k) or {}).values()) > 0):
        per = codings[key]
        n = sum(per.values())
        who = ", ".join(f"{coder} {m}" for coder, m in sorted(per.items()) if m)
        out.append(f"code '{key}' ({known[key]}) has {n} coding{'s' if n != 1 else ''} ({who}) but is no longer in "
                   f"{cb.path.name}: the next command that writes retires it (its codings stay stored, under a retired "
                   f"code that can no longer be applied). To keep it, restore its entry (key: {key}); to move its codings into another code, "
                   f"restore the entry and run 'fieldcode codes merge {key} OTHER-CODE'")
    return out
