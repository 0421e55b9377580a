"""Read REFI-QDA files: a project (``.qdpx`` zip or bare ``.qde``) or a codebook (``.qdc``).

Lenient, as real files require (see the README of the exchange): elements are matched on local
names (vendors write ``urn:QDA-XML:codebook:1:0`` and other variants), GUIDs may carry braces and
any case, the inner project file may be ``project.qde``, ``Project.qde`` or ``<Name>.qde``, the
sources folder ``sources/`` or ``Sources/``, and ``plainTextPath`` may lack ``internal://``.
Everything fieldcode cannot hold is counted in :attr:`RefiFile.unsupported`, never dropped
silently.  Nothing here touches the database.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from lxml import etree

from fieldcode.errors import InvalidInput
from fieldcode.ingest import decoding
from fieldcode.ingest.readers import MAX_TEXT_BYTES
from fieldcode.ingest.zipcheck import QDPX_LIMITS, REFI_MAX_CODES, REFI_MAX_XML_BYTES, BoundedZip, ZipLimitError, mb


@dataclass
class RCode:
    guid: str
    name: str
    colour: str | None
    codable: bool
    description: str
    children: list["RCode"] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RCoding:
    guid: str
    code: str            # code guid
    user: str | None
    created: datetime | None
    notes: list[str] = field(default_factory=list)


@dataclass
class RSelection:
    guid: str
    name: str
    start: int
    end: int
    user: str | None
    created: datetime | None
    modified: datetime | None
    description: str
    codings: list[RCoding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RSource:
    guid: str
    name: str
    raw: str | None          # decoded text (BOM kept as U+FEFF), None when not available
    problem: str | None      # why raw is None
    created: datetime | None
    user: str | None
    selections: list[RSelection] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)      # variable guid -> value
    notes: list[str] = field(default_factory=list)
    description: str = ""
    whole_codings: int = 0      # Coding elements on the source itself (no selection)
    reading: list[str] = field(default_factory=list)          # how its text was decoded (said to the user)


@dataclass
class RNote:
    guid: str
    name: str
    text: str
    user: str | None
    created: datetime | None
    modified: datetime | None


@dataclass
class RCase:
    guid: str
    name: str
    values: dict[str, str]
    sources: list[str]


@dataclass
class RefiFile:
    path: Path
    kind: str                                   # project | codebook
    origin: str = ""
    creating_user: str | None = None
    users: dict[str, str] = field(default_factory=dict)      # guid -> name
    codes: list[RCode] = field(default_factory=list)         # roots
    sources: list[RSource] = field(default_factory=list)
    notes: dict[str, RNote] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)  # guid -> name
    variable_descriptions: dict[str, str] = field(default_factory=dict)  # guid -> its Description
    cases: list[RCase] = field(default_factory=list)
    unsupported: Counter = field(default_factory=Counter)    # what fieldcode cannot hold -> count
    xml: bytes = b""

    def all_codes(self) -> list[tuple[RCode, RCode | None]]:
        out: list[tuple[RCode, RCode | None]] = []

        def walk(c: RCode, parent: RCode | None) -> None:
            out.append((c, parent))
            for ch in c.children:
                walk(ch, c)

        for c in self.codes:
            walk(c, None)
        return out


def norm_guid(g: str | None) -> str:
    """A GUID as 32 lowercase hex digits (braces, dashes and case dropped); anything that is not
    a GUID becomes a stable UUID derived from it."""
    g = (g or "").strip().strip("{}").lower()
    h = g.replace("-", "")
    if len(h) == 32 and all(ch in "0123456789abcdef" for ch in h):
        return h
    return uuid.uuid5(uuid.NAMESPACE_URL, "refi:" + g).hex


def _local(el) -> str:  # noqa: ANN001
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _kids(el, name: str) -> list:  # noqa: ANN001
    return [c for c in el if _local(c) == name]


def _kid(el, name: str):  # noqa: ANN001
    for c in el:
        if _local(c) == name:
            return c
    return None


def _text_of(el, name: str) -> str:  # noqa: ANN001
    k = _kid(el, name)
    return (k.text or "") if k is not None else ""


def _time(v: str | None) -> datetime | None:
    if not v:
        return None
    try:
        t = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _int(v: str | None, where: str) -> int:
    try:
        return int(v or "")
    except ValueError:
        raise InvalidInput(f"{where}: position '{v}' is not a whole number") from None


def decode_source(data: bytes) -> tuple[str | None, str | None, list[str]]:
    """Text of a plain-text source (U+FEFF kept in front when the file had a BOM: some tools
    count it in positions), or a reason, and notes on the decoding.  The same rules as a
    transcript's bytes (:mod:`fieldcode.ingest.decoding`): BOMs, UTF-8, UTF-16 without a BOM
    recognised from its zero bytes, windows-1252 only when certain, said in the notes."""
    bom = data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
    try:
        text, _enc, notes = decoding.decode_bytes(data, None)
    except decoding.DecodeError as exc:
        return None, f"its text file cannot be read as text: {exc}", []
    return ("\ufeff" if bom else "") + text.removeprefix("\ufeff"), None, notes


def _check_codes(path: Path, rf: "RefiFile") -> None:
    n = len(rf.all_codes())
    if n > REFI_MAX_CODES:
        raise InvalidInput(f"{path}: the file has {n:,} codes; fieldcode imports at most {REFI_MAX_CODES:,} from one "
                           "file (every command reads the whole codebook); nothing was imported. Import a smaller "
                           "codebook, or split it in the tool that wrote it")


def read(path: Path) -> RefiFile:
    """Parse ``path`` (.qdpx, .qde or .qdc)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        try:
            with BoundedZip(path, QDPX_LIMITS, "REFI-QDA project (.qdpx)") as z:
                return _read_qdpx(path, z)
        except ZipLimitError as exc:
            raise InvalidInput(f"{path}: {exc}; nothing was imported") from None
    if suffix in (".qde", ".qdc"):
        size = path.stat().st_size
        if size > REFI_MAX_XML_BYTES:
            raise InvalidInput(f"{path}: the file is {mb(size)}; fieldcode reads REFI-QDA XML of at most "
                               f"{mb(REFI_MAX_XML_BYTES)}; nothing was imported")
        xml = path.read_bytes()
        folder = path.parent
        files: dict[str, Path] = {}
        for sub in folder.iterdir():
            if sub.is_dir() and sub.name.lower() == "sources":
                for f in sub.iterdir():
                    if f.is_file():
                        files[f"{sub.name}/{f.name}"] = f

        def load(name: str) -> bytes:
            return _limited(name, files[name].stat().st_size, path, files[name].read_bytes)

        return _parse(path, xml, list(files), load)
    raise InvalidInput(f"{path}: not a REFI-QDA file (expected .qdpx, .qde or .qdc)")


def _limited(name: str, size: int, path: Path, reader: Callable[[], bytes]) -> bytes:
    if size > MAX_TEXT_BYTES:
        raise InvalidInput(f"{path}: source text {name} is {mb(size)}; the limit for one text is "
                           f"{mb(MAX_TEXT_BYTES)}, as for transcripts (about 3.5 million words); nothing was "
                           "imported. Split it into one source per interview in the tool that wrote it")
    return reader()


def _read_qdpx(path: Path, z: BoundedZip) -> "RefiFile":
    names = z.names()
    qdes = [n for n in names if n.lower().endswith(".qde") and "/" not in n.strip("/")]
    if not qdes:
        raise InvalidInput(f"{path}: no .qde project file inside the archive; is this a REFI-QDA project?")
    qde = next((n for n in qdes if n.lower() == "project.qde"), sorted(qdes)[0])
    if z.size(qde) > REFI_MAX_XML_BYTES:
        raise InvalidInput(f"{path}: {qde} unpacks to {mb(z.size(qde))}; fieldcode reads REFI-QDA XML of at most "
                           f"{mb(REFI_MAX_XML_BYTES)}; nothing was imported")
    try:
        xml = z.read(qde, REFI_MAX_XML_BYTES)
    except ZipLimitError as exc:
        raise InvalidInput(f"{path}: {exc}; nothing was imported") from None

    def load(name: str) -> bytes:
        try:
            return _limited(name, z.size(name), path, lambda: z.read(name, MAX_TEXT_BYTES))
        except ZipLimitError as exc:
            raise InvalidInput(f"{path}: {exc}; nothing was imported") from None

    return _parse(path, xml, [n for n in names if n != qde], load)


def _parse(path: Path, xml: bytes, names: list[str], load: Callable[[str], bytes]) -> "RefiFile":  # noqa: C901
    # No entity is expanded, nothing is fetched, and libxml2's own bounds stay on (huge_tree=False:
    # at most 10,000,000 characters in one text node, depth 256): the file's size is already bounded.
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                                                     load_dtd=False))
    except etree.XMLSyntaxError as exc:
        hint = (" (a text inside the XML is over libxml2's 10,000,000-character bound: keep long texts in "
                "sources/ files)" if "huge" in str(exc).lower() else "")
        raise InvalidInput(f"{path}: malformed XML: {exc}{hint}; nothing was imported") from None
    kind = {"Project": "project", "CodeBook": "codebook"}.get(_local(root))
    if kind is None:
        raise InvalidInput(f"{path}: the root element is <{_local(root)}>, not <Project> or <CodeBook>")
    rf = RefiFile(path=path, kind=kind, origin=root.get("origin", ""), xml=xml,
                  creating_user=norm_guid(root.get("creatingUserGUID")) if root.get("creatingUserGUID") else None)
    codes_el = _kid(root, "Codes") if kind == "codebook" else (
        _kid(_kid(root, "CodeBook"), "Codes") if _kid(root, "CodeBook") is not None else None)
    if codes_el is not None:
        rf.codes = [_code(c) for c in _kids(codes_el, "Code")]
    _check_codes(path, rf)
    if kind == "codebook":
        _count_sets(root, rf)
        return rf
    users = _kid(root, "Users")
    for u in _kids(users, "User") if users is not None else []:
        rf.users[norm_guid(u.get("guid"))] = u.get("name") or u.get("id") or norm_guid(u.get("guid"))[:8]
    variables = _kid(root, "Variables")
    for v in _kids(variables, "Variable") if variables is not None else []:
        rf.variables[norm_guid(v.get("guid"))] = v.get("name") or ""
        rf.variable_descriptions[norm_guid(v.get("guid"))] = _text_of(v, "Description")
    lookup = {PurePosixPath(n).name.lower(): n for n in names}
    lookup.update({n.lower(): n for n in names})
    sources = _kid(root, "Sources")
    for s in list(sources) if sources is not None else []:
        tag = _local(s)
        if tag == "TextSource":
            rf.sources.append(_text_source(s, load, lookup, str(path)))
        elif tag:
            rf.unsupported[tag] += 1
            for sel in s.iter():
                t = _local(sel)
                if t.endswith("Selection"):
                    rf.unsupported[t if t != "PlainTextSelection" else f"PlainTextSelection of a {tag}'s text"] += 1
                elif t == "Coding":
                    rf.unsupported[f"codings on a {tag}"] += 1
                elif t == "Transcript":
                    rf.unsupported[f"Transcript of a {tag}"] += 1
    notes = _kid(root, "Notes")
    for n in _kids(notes, "Note") if notes is not None else []:
        g = norm_guid(n.get("guid"))
        text = _text_of(n, "PlainTextContent") or _text_of(n, "Description")
        rf.notes[g] = RNote(g, n.get("name") or "", text, _user(n), _time(n.get("creationDateTime")),
                            _time(n.get("modifiedDateTime")))
        for t in ("PlainTextSelection", "PictureSelection", "PDFSelection", "AudioSelection", "VideoSelection"):
            if _kids(n, t):
                rf.unsupported[f"{t} in a note"] += len(_kids(n, t))
    cases = _kid(root, "Cases")
    for c in _kids(cases, "Case") if cases is not None else []:
        rf.cases.append(RCase(norm_guid(c.get("guid")), c.get("name") or "", _values(c),
                              [norm_guid(r.get("targetGUID")) for r in _kids(c, "SourceRef")]))
        if _kids(c, "CodeRef"):
            rf.unsupported["code references of cases"] += len(_kids(c, "CodeRef"))
    if _text_of(root, "Description").strip() or _kids(root, "NoteRef"):
        rf.unsupported["description or notes of the project itself"] += 1
    for tag in ("Links", "Graphs"):
        el = _kid(root, tag)
        if el is not None and len(el):
            rf.unsupported[tag[:-1]] += len(el)
    _count_sets(root, rf)
    return rf


def _count_sets(root, rf: RefiFile) -> None:  # noqa: ANN001
    el = _kid(root, "Sets")
    if el is not None and len(el):
        rf.unsupported["Set"] += len(el)


def _user(el) -> str | None:  # noqa: ANN001
    u = el.get("creatingUser")
    return norm_guid(u) if u else None


def _code(el) -> RCode:  # noqa: ANN001
    c = RCode(guid=norm_guid(el.get("guid")), name=(el.get("name") or "").strip() or "(unnamed code)",
              colour=el.get("color"), codable=(el.get("isCodable", "true").strip().lower() != "false"),
              description=_text_of(el, "Description").strip(),
              notes=[norm_guid(r.get("targetGUID")) for r in _kids(el, "NoteRef")])
    c.children = [_code(k) for k in _kids(el, "Code")]
    return c


def _values(el) -> dict[str, str]:  # noqa: ANN001
    out: dict[str, str] = {}
    for vv in _kids(el, "VariableValue"):
        ref = _kid(vv, "VariableRef")
        if ref is None:
            continue
        val = next((k.text or "" for k in vv if _local(k).endswith("Value")), "")
        out[norm_guid(ref.get("targetGUID"))] = val.strip()
    return out


def _text_source(s, load: Callable[[str], bytes], lookup: dict[str, str], where: str) -> RSource:  # noqa: ANN001
    name = (s.get("name") or "").strip() or PurePosixPath(s.get("plainTextPath") or "").name or norm_guid(s.get("guid"))
    src = RSource(guid=norm_guid(s.get("guid")), name=name, raw=None, problem=None,
                  created=_time(s.get("creationDateTime")), user=_user(s), values=_values(s),
                  notes=[norm_guid(r.get("targetGUID")) for r in _kids(s, "NoteRef")])
    src.description = _text_of(s, "Description").strip()
    src.whole_codings = len(_kids(s, "Coding"))
    content = _kid(s, "PlainTextContent")
    ptp = s.get("plainTextPath")
    if content is not None and content.text:
        if len(content.text) > MAX_TEXT_BYTES:
            raise InvalidInput(f"{where}: source '{name}' has {len(content.text):,} characters of text; the limit "
                               f"for one text is {mb(MAX_TEXT_BYTES)}, as for transcripts; nothing was imported")
        src.raw = content.text
    elif ptp:
        ref = ptp
        for scheme in ("internal://", "relative://", "absolute://", "file://"):
            if ref.lower().startswith(scheme):
                ref = ref[len(scheme):]
                break
        ref = ref.lstrip("/")
        hit = lookup.get(ref.lower()) or lookup.get(f"sources/{ref}".lower()) or lookup.get(PurePosixPath(ref).name.lower())
        if hit is None:
            src.problem = f"its text file '{ptp}' is not in the archive"
        else:
            src.raw, src.problem, src.reading = decode_source(load(hit))
    else:
        src.problem = "it has no plain text (no plainTextPath or PlainTextContent)"
    for sel in s:
        t = _local(sel)
        if t == "PlainTextSelection":
            g = sel.get("guid")
            label = f"{where}: selection {g} in '{name}'"
            r = RSelection(guid=norm_guid(g), name=sel.get("name") or "",
                           start=_int(sel.get("startPosition"), label), end=_int(sel.get("endPosition"), label),
                           user=_user(sel), created=_time(sel.get("creationDateTime")),
                           modified=_time(sel.get("modifiedDateTime")),
                           description=_text_of(sel, "Description").strip(),
                           notes=[norm_guid(n.get("targetGUID")) for n in _kids(sel, "NoteRef")])
            for c in _kids(sel, "Coding"):
                ref = _kid(c, "CodeRef")
                r.codings.append(RCoding(norm_guid(c.get("guid")), norm_guid(ref.get("targetGUID")) if ref is not None else "",
                                         _user(c), _time(c.get("creationDateTime")),
                                         [norm_guid(n.get("targetGUID")) for n in _kids(c, "NoteRef")]))
            src.selections.append(r)
    return src


def validate(xml: bytes, xsd: Path) -> list[str]:
    """Problems of ``xml`` against the schema ``xsd`` (empty when it validates)."""
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    doc = etree.fromstring(xml)
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
