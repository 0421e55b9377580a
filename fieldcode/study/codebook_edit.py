"""Change ``codebook.yaml`` in place, touching only the lines a change needs.

Dumping the whole round-trip document again re-flows folded definitions and re-indents lists
(75 lines changed for one new code), so these edits work on the file's *lines*: ruamel.yaml's
round-trip loader says where each code and field starts, and the edit splices new lines in or
takes old ones out.  Comments, blank lines, quoting and order elsewhere stay byte for byte.
Every edit is validated by loading the new text before the file is replaced (atomically), so
a change that would break the codebook writes nothing.

Operations: :func:`append_code` (new / in-vivo code), :func:`set_fields` (rename, recolour,
hotkey, definition), :func:`move_code` (under another parent or to the top level),
:func:`rekey_code` (the code's key and its children's ``parent:`` lines) and
:func:`remove_code_for_merge` (the merged code's block goes, its children move to the target).
Each returns an :class:`Edit` (the new text, not yet written) that :func:`commit` writes.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from fieldcode.study import codebook as cbmod
from fieldcode.study.codebook import Codebook, CodebookError, CodeDef

_PLAIN = re.compile(r"^[A-Za-z][\w'’.,()&/+ -]*$")
# Order in which a code's fields are written when a code is created.
_FIELD_ORDER = ("key", "parent", "name", "colour", "hotkey", "definition", "use_when", "not_when",
                "example", "keywords", "codable")


class NameInUse(CodebookError):
    """A new or renamed code would take a name another code already has."""

    def __init__(self, name: str, key: str) -> None:
        self.name, self.key = name, key
        super().__init__([f"a code named '{name}' already exists (key '{key}'); use that code, or choose another name"])


@dataclass
class Edit:
    path: Path
    old: str
    new: str
    bom: bool = False

    @property
    def changed_lines(self) -> int:
        """Lines that differ (added + removed), as a unified diff counts them."""
        import difflib

        return sum(1 for ln in difflib.unified_diff(self.old.splitlines(), self.new.splitlines(), lineterm="", n=0)
                   if ln[:1] in "+-" and not ln.startswith(("+++", "---")))


def scalar(value: object) -> str:
    """A YAML scalar for one line: plain when that reads back as the same string, otherwise
    double-quoted (JSON strings are valid YAML)."""
    s = str(value)
    if _PLAIN.match(s) and ": " not in s and " #" not in s and not s.endswith(":"):
        try:
            if YAML(typ="safe").load(f"x: {s}\n") == {"x": s}:
                return s
        except YAMLError:
            pass
    return json.dumps(s, ensure_ascii=False)


class _Doc:
    """The file's lines plus where each code's block and fields are."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        raw = self.path.read_bytes()
        self.bom = raw.startswith(b"\xef\xbb\xbf")
        self.text = raw.decode("utf-8-sig")
        cbmod.load(self.path)  # a broken codebook is reported (with its lines) before any edit
        self.parse(self.text)

    def parse(self, text: str) -> None:
        """(Re)read positions from ``text``: after an edit that added or removed lines."""
        self.data = YAML(typ="rt").load(text)
        self.lines = text.splitlines(keepends=True)
        codes = self.data.get("codes")
        if not isinstance(codes, CommentedSeq):
            raise CodebookError([f"{self.path}: 'codes:' must be a list of codes"])
        self.codes = codes
        self.flow = bool(codes.fa.flow_style()) if hasattr(codes, "fa") else False

    # -- where things are ---------------------------------------------------------------------
    def index(self, key: str) -> int:
        for i, node in enumerate(self.codes):
            if isinstance(node, CommentedMap) and node.get("key") == key:
                return i
        raise CodebookError([f"{self.path}: no code with key '{key}' ('fieldcode codebook show' lists the keys)"])

    def node(self, key: str) -> CommentedMap:
        return self.codes[self.index(key)]

    def block(self, i: int) -> tuple[int, int]:
        """Lines ``[first, last)`` of code ``i`` (its dash line to its last content line)."""
        first = self.codes.lc.item(i)[0]
        dash = self._dash_col(first)
        last = first + 1
        j = first + 1
        while j < len(self.lines):
            ln = self.lines[j]
            stripped = ln.strip()
            indent = len(ln) - len(ln.lstrip(" "))
            if stripped and indent <= dash:
                break
            if stripped and not stripped.startswith("#"):
                last = j + 1
            j += 1
        return first, last

    def _dash_col(self, line: int) -> int:
        ln = self.lines[line]
        i = ln.find("-")
        return i if i >= 0 else len(ln) - len(ln.lstrip(" "))

    def key_col(self, i: int) -> int:
        return self.codes.lc.item(i)[1]

    def field_lines(self, key: str, name: str) -> tuple[int, int] | None:
        """Lines ``[first, last)`` of field ``name`` of code ``key`` (None when absent)."""
        i = self.index(key)
        node = self.codes[i]
        if name not in node:
            return None
        first = node.lc.key(name)[0]
        _, block_end = self.block(i)
        later = sorted(node.lc.key(k)[0] for k in node if node.lc.key(k)[0] > first)
        end = later[0] if later else block_end
        last = first + 1
        for j in range(first + 1, end):
            s = self.lines[j].strip()
            if s and not s.startswith("#"):
                last = j + 1
        return first, last

    # -- edits --------------------------------------------------------------------------------
    def field_line(self, i: int, name: str, value: str, comment: str = "") -> str:
        return " " * self.key_col(i) + f"{name}: {value}{comment}\n"

    def set_field(self, key: str, name: str, value: str | None, *, after: tuple[str, ...] = ()) -> None:
        """Set (``value`` already rendered as YAML) or, with ``None``, remove a one-line field."""
        i = self.index(key)
        where = self.field_lines(key, name)
        if where is not None:
            first, last = where
            if value is None:
                del self.lines[first:last]
                self.parse(self.render())
                return
            comment = _trailing_comment(self.lines[first]) if last - first == 1 else ""
            col = self.codes[i].lc.key(name)[1]
            # Keep what precedes the field on its line ("  - " when it is the code's first field).
            self.lines[first:last] = [self.lines[first][:col] + f"{name}: {value}{comment}\n"]
            self.parse(self.render())
            return
        if value is None:
            return
        node = self.codes[i]
        anchor = None
        for prev in after:
            if prev in node:
                anchor = self.field_lines(key, prev)
                break
        at = anchor[1] if anchor else self.codes.lc.item(i)[0] + 1
        self.lines.insert(at, self.field_line(i, name, value))
        self.parse(self.render())

    def remove_block(self, key: str) -> None:
        first, last = self.block(self.index(key))
        # Drop one blank line too when the block sits between blank lines.
        if last < len(self.lines) and not self.lines[last].strip() and (first == 0 or not self.lines[first - 1].strip()):
            last += 1
        del self.lines[first:last]
        self.parse(self.render())

    def render(self) -> str:
        text = "".join(self.lines)
        return text if text.endswith("\n") or not text else text + "\n"


def _trailing_comment(line: str) -> str:
    """``   # bright blue`` of ``colour: "#5fafff"   # bright blue`` ('' when none)."""
    body = line.rstrip("\n")
    colon = body.find(":")
    if colon < 0:
        return ""
    rest = body[colon + 1:]
    i, n = 0, len(rest)
    while i < n and rest[i] == " ":
        i += 1
    if i < n and rest[i] in "\"'":
        q = rest[i]
        i += 1
        while i < n:
            if rest[i] == "\\" and q == '"':
                i += 2
                continue
            if rest[i] == q:
                if q == "'" and i + 1 < n and rest[i + 1] == "'":
                    i += 2
                    continue
                i += 1
                break
            i += 1
    m = re.search(r"\s+#.*$", rest[i:])
    return m.group(0) if m else ""


def _validated(path: Path, text: str) -> Codebook:
    tmp = path.with_name(f".{path.name}.check.tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        cb = cbmod.load(tmp)
    except CodebookError as exc:
        raise CodebookError([p.replace(str(tmp), str(path)) for p in exc.problems]) from None
    finally:
        tmp.unlink(missing_ok=True)
    cb.path = path
    return cb


def commit(edit: Edit) -> None:
    """Write ``edit`` (validated when it was made) over the file, atomically."""
    tmp = edit.path.with_name(f".{edit.path.name}.tmp")
    data = edit.new.encode("utf-8")
    tmp.write_bytes((b"\xef\xbb\xbf" if edit.bom else b"") + data)
    os.replace(tmp, edit.path)


def restore(edit: Edit) -> None:
    """Put the text from before ``edit`` back (when the database side of a change failed)."""
    commit(Edit(edit.path, edit.new, edit.old, edit.bom))


def _finish(doc: _Doc, new: str) -> tuple[Edit, Codebook]:
    cb = _validated(doc.path, new)
    return Edit(doc.path, doc.text, new, doc.bom), cb


# --- operations --------------------------------------------------------------------------------

def plan_append(path: Path, code: CodeDef) -> tuple[Edit, Codebook]:
    """The text with ``code`` added: after its parent's last descendant when it has a parent,
    else after the last code."""
    doc = _Doc(path)
    current = cbmod.load(path)
    by_key = current.by_key()
    if code.key in by_key:
        raise CodebookError([f"{path}:{by_key[code.key].line}: code '{code.key}' already exists"])
    if doc.flow or not len(doc.codes):
        # An inline list (codes: [] or [...]) has no lines to splice into: write it out.
        import io

        entry = CommentedMap((k, v) for k, v in _entry(code))
        doc.data["codes"] = CommentedSeq([*doc.codes, entry])
        y = YAML(typ="rt")
        y.indent(mapping=2, sequence=4, offset=2)
        buf = io.StringIO()
        y.dump(doc.data, buf)
        return _finish(doc, buf.getvalue())
    last_i = len(doc.codes) - 1
    if code.parent:
        family = {code.parent}
        for c in current.codes:  # file order: descendants follow their ancestors' keys
            if c.parent in family:
                family.add(c.key)
        idx = [i for i, n in enumerate(doc.codes) if isinstance(n, CommentedMap) and n.get("key") in family]
        if idx:
            last_i = max(idx)
    _, at = doc.block(last_i)
    dash = doc._dash_col(doc.codes.lc.item(0)[0])
    col = doc.key_col(0)
    new_lines = []
    for n, (k, v) in enumerate(_entry(code)):
        lead = " " * dash + "-" + " " * (col - dash - 1) if n == 0 else " " * col
        rendered = "[" + ", ".join(scalar(x) for x in v) + "]" if isinstance(v, list) else (
            json.dumps(v) if k in ("colour", "hotkey", "codable") else scalar(v))
        new_lines.append(f"{lead}{k}: {rendered}\n")
    if at < len(doc.lines) and at > 0 and not doc.lines[at - 1].endswith("\n"):
        doc.lines[at - 1] += "\n"
    blank = ["\n"] if doc.lines[at - 1].strip() and _blank_between_codes(doc) else []
    doc.lines[at:at] = blank + new_lines
    return _finish(doc, doc.render())


def _blank_between_codes(doc: _Doc) -> bool:
    """Does the file separate codes with a blank line? (so a new one follows the house style)"""
    if len(doc.codes) < 2:
        return False
    second = doc.codes.lc.item(1)[0]
    _, end_first = doc.block(0)
    return second > end_first


def _entry(code: CodeDef) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for k in _FIELD_ORDER:
        v = getattr(code, k)
        if k == "parent" and not v or k == "hotkey" and not v:
            continue
        if k in ("definition", "use_when", "not_when", "example") and not v:
            continue
        if k == "keywords":
            if v:
                out.append((k, list(v)))
            continue
        if k == "codable":
            if v is False:
                out.append((k, False))
            continue
        out.append((k, v))
    return out


def append_code(path: Path, code: CodeDef) -> Codebook:
    """Add ``code`` to codebook.yaml (new or in-vivo code), changing only the lines it adds."""
    edit, cb = plan_append(path, code)
    commit(edit)
    return cb


def plan_fields(path: Path, key: str, **fields: str | None) -> tuple[Edit, Codebook]:
    """Rename (``name``), recolour (``colour``), set or clear ``hotkey``; one line each."""
    doc = _Doc(path)
    doc.index(key)
    for name, value in fields.items():
        if name not in ("name", "colour", "hotkey", "definition"):
            raise ValueError(name)
        if name == "name":
            if not value or not str(value).strip():
                raise CodebookError([f"{path}: a code's name cannot be empty"])
            rendered = scalar(str(value).strip())
        elif value is None:
            rendered = None
        else:
            rendered = json.dumps(str(value), ensure_ascii=False)
        if name == "colour" and "color" in doc.node(key) and "colour" not in doc.node(key):
            doc.set_field(key, "color", rendered)
            continue
        doc.set_field(key, name, rendered, after=("name", "parent", "key"))
    return _finish(doc, doc.render())


def plan_move(path: Path, key: str, parent: str | None) -> tuple[Edit, Codebook]:
    """Put code ``key`` under ``parent`` (None: the top level): its ``parent:`` line only."""
    doc = _Doc(path)
    doc.index(key)
    if parent is not None:
        doc.index(parent)
        if parent == key:
            raise CodebookError([f"{path}: code '{key}' cannot be its own parent"])
    doc.set_field(key, "parent", scalar(parent) if parent else None, after=("key",))
    return _finish(doc, doc.render())


def plan_rekey(path: Path, old: str, new: str) -> tuple[Edit, Codebook]:
    """Give code ``old`` the key ``new``: its ``key:`` line and each child's ``parent:`` line."""
    doc = _Doc(path)
    doc.index(old)
    if not cbmod.KEY_RE.match(new):
        raise CodebookError([f"{path}: bad key '{new}'; use lowercase letters, digits, '-' or '_'"])
    if any(isinstance(n, CommentedMap) and n.get("key") == new for n in doc.codes):
        raise CodebookError([f"{path}: key '{new}' is already used by another code"])
    children = [n.get("key") for n in doc.codes if isinstance(n, CommentedMap) and n.get("parent") == old]
    doc.set_field(old, "key", scalar(new))
    for child in children:
        doc.set_field(child, "parent", scalar(new))
    return _finish(doc, doc.render())


def plan_merge(path: Path, source: str, target: str) -> tuple[Edit, Codebook]:
    """Remove code ``source`` (merged into ``target``); its children move under ``target``."""
    doc = _Doc(path)
    doc.index(source)
    doc.index(target)
    if source == target:
        raise CodebookError([f"{path}: cannot merge code '{source}' into itself"])
    cb = cbmod.load(path)
    by_key = cb.by_key()
    up = by_key[target].parent
    while up is not None:
        if up == source:
            raise CodebookError([f"{path}: '{target}' sits under '{source}'; move it out first "
                                 f"(fieldcode codes move {target} --top) or merge the other way"])
        up = by_key[up].parent
    for child in [c.key for c in cb.codes if c.parent == source]:
        doc.set_field(child, "parent", scalar(target))
    doc.remove_block(source)
    return _finish(doc, doc.render())


def plan_split(path: Path, source: str, parts: list[CodeDef]) -> tuple[Edit, Codebook]:
    """Split code ``source`` into ``parts`` (new codes, each added as ``codes new`` adds one):
    ``source`` gets ``codable: false`` (it is no longer offered for new coding; its codings stay
    until each coder settles them) and loses its hotkey.  Only those lines change."""
    import shutil
    import tempfile

    doc = _Doc(path)
    doc.index(source)
    with tempfile.TemporaryDirectory() as d:     # each part appended as plan_append would, in turn
        work = Path(d) / path.name
        shutil.copyfile(path, work)
        for part in parts:
            commit(plan_append(work, part)[0])
        work_doc = _Doc(work)
        work_doc.set_field(source, "hotkey", None)
        work_doc.set_field(source, "codable", "false")
        new = work_doc.render()
    return _finish(doc, new)
