"""Write a study as a REFI-QDA project (``.qdpx``) or its codebook as ``.qdc``.

Follows the checklist of real-file quirks: lowercase ``sources/``, each source UTF-8 with LF and
no BOM (fieldcode's stored text already is), positions in code points (fieldcode's own offsets),
one ``PlainTextSelection`` per coding with the quote in its ``name`` and ``Coding{CodeRef}``
inside, nested codes, colours ``#RRGGBB``, no empty containers, the schema's element order.

Deterministic: every GUID is derived from fieldcode's stable identities (code keys, coding
uids, memo uids, interview names, coder names), everything is sorted, and the only clock read is
the project's own creation/modification time, which ``now`` pins.  A coding's uid *is* its
selection's GUID, so a round trip through fieldcode keeps the coding's identity.

What REFI-QDA cannot carry is left out, not smuggled into descriptions: a coding's codebook
version and definition hash (``fieldcode.store.pins``), whether its coder was blind, re-check
decisions and code lineage (docs/exchange.md says so; ``fieldcode merge`` carries them).
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone

from lxml import etree
from rich.color import Color, ColorParseError

from fieldcode import __version__

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_NS = uuid.UUID("5b0f3c4e-8a51-4d8e-9a57-6b1e1f1c2d3a")   # fieldcode's namespace for derived GUIDs
QUOTE_NAME_LEN = 100
# Labels under which a code's use_when / not_when / example travel inside its Description.
FIELD_LABELS = (("use_when", "Use when:"), ("not_when", "Not when:"), ("example", "Example:"))
# The code's stable key rides as the Description's last line, so a code keeps its key through
# fieldcode -> NVivo/ATLAS.ti/... -> fieldcode even after a rename there (GUIDs are re-minted).
KEY_LABEL = "fieldcode key:"


@dataclass
class Snapshot:
    """What an export needs of a study, as plain rows (see ``Store.exchange_rows``)."""

    name: str
    interviews: list[dict] = field(default_factory=list)   # id, name, text, imported_at, attributes
    codes: list[dict] = field(default_factory=list)        # id, key, name, parent_id, colour, definition, ...
    codings: list[dict] = field(default_factory=list)      # uid, interview_id, code_id, coder, start, end, memo, ...
    memos: list[dict] = field(default_factory=list)        # uid, author, interview_id, code_id, start, end, text, ...
    # the study's turn settings as project-level variables: name -> value (see refi_keep)
    study: dict[str, str] = field(default_factory=dict)
    # framework summaries: uid, author, consensus, interview_id, code_id, text, cites (coding uids), times
    summaries: list[dict] = field(default_factory=list)


def snapshot_of(store, name: str, study=None) -> Snapshot:  # noqa: ANN001
    """The study in ``store`` as export rows; with ``study`` (the codebook's :class:`Study`) its
    interviewer labels and turn settings too."""
    from fieldcode.exchange.refi_keep import study_variables
    from fieldcode.store import exchange_rows

    from fieldcode.store.framework import summary_rows

    return Snapshot(name=name, **exchange_rows(store), study=study_variables(study) if study is not None else {},
                    summaries=summary_rows(store))


def derived_guid(kind: str, ident: str) -> str:
    return str(uuid.uuid5(_NS, f"{kind}:{ident}"))


def as_guid(hex32: str) -> str:
    return str(uuid.UUID(hex=hex32))


def code_guid(key: str) -> str:
    return derived_guid("code", key)


def user_guid(coder: str) -> str:
    return derived_guid("user", coder)


def _time(t: datetime | None) -> str | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def hex_colour(colour: str | None) -> str | None:
    if not colour:
        return None
    try:
        c = Color.parse(colour)
    except ColorParseError:
        return None
    if c.is_default:
        return None
    return c.get_truecolor().hex.upper()


def code_description(c: dict) -> str:
    parts = [c.get("definition") or ""]
    for k, label in FIELD_LABELS:
        if c.get(k):
            parts.append(f"{label} {c[k]}")
    parts.append(f"{KEY_LABEL} {c['key']}")
    return "\n\n".join(p for p in parts if p)


def quote_name(text: str) -> str:
    """A selection's name: its quoted text on one line, cut with an ellipsis when long."""
    q = " ".join(text.split())
    return q if len(q) <= QUOTE_NAME_LEN else q[:QUOTE_NAME_LEN - 1].rstrip() + "\u2026"


def _note_name(text: str) -> str:
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "memo")
    return first if len(first) <= 60 else first[:59].rstrip() + "\u2026"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(s: str) -> str:
    """``s`` without the control characters XML 1.0 cannot carry (a transcript's text file keeps
    them; only names, quotes and memos inside the XML lose them)."""
    return _NOT_XML.sub("", s)


def _set(el, **attrs) -> None:  # noqa: ANN001
    for k, v in attrs.items():
        if v is not None:
            el.set(k, xml_safe(v))


def _sub(parent, tag: str, **attrs):  # noqa: ANN001, ANN202
    el = etree.SubElement(parent, tag)
    _set(el, **attrs)
    return el


def _codes_xml(parent, ns: str, codes: list[dict], note_refs: dict[int, list[str]] | None = None) -> None:  # noqa: ANN001
    kids: dict[int | None, list[dict]] = {}
    ids = {c["id"] for c in codes}
    for c in codes:
        kids.setdefault(c["parent_id"] if c["parent_id"] in ids else None, []).append(c)

    def add(into, c: dict) -> None:  # noqa: ANN001
        el = etree.SubElement(into, f"{{{ns}}}Code")
        _set(el, guid=code_guid(c["key"]), name=c["name"], isCodable="true" if c.get("codable", True) else "false",
             color=hex_colour(c.get("colour")))
        desc = code_description(c)
        if desc:
            etree.SubElement(el, f"{{{ns}}}Description").text = xml_safe(desc)
        for g in (note_refs or {}).get(c["id"], []):
            _sub(el, f"{{{ns}}}NoteRef", targetGUID=g)
        for ch in kids.get(c["id"], []):
            add(el, ch)

    codes_el = etree.SubElement(parent, f"{{{ns}}}Codes")
    for c in kids.get(None, []):
        add(codes_el, c)


def _serialise(root) -> bytes:  # noqa: ANN001
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True, standalone=True)


def codebook_xml(snap: Snapshot) -> bytes:
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS})
    root.set("origin", f"fieldcode {__version__}")
    _codes_xml(root, CODEBOOK_NS, snap.codes)
    return _serialise(root)


def project_xml(snap: Snapshot, *, now: datetime) -> tuple[bytes, dict[str, str]]:
    """The ``project.qde`` XML and the source files (archive path -> text)."""
    P = f"{{{PROJECT_NS}}}"
    root = etree.Element(P + "Project", nsmap={None: PROJECT_NS})
    _set(root, name=snap.name or "fieldcode project", origin=f"fieldcode {__version__}",
         creationDateTime=_time(now), modifiedDateTime=_time(now))
    ivs = sorted(snap.interviews, key=lambda i: i["name"])
    by_iv: dict[int, list[dict]] = {}
    for c in snap.codings:
        by_iv.setdefault(c["interview_id"], []).append(c)
    memos_iv: dict[int, list[dict]] = {}
    memos_code: dict[int, list[str]] = {}
    passage: dict[int, list[dict]] = {}
    for m in sorted(snap.memos, key=lambda m: m["uid"]):
        g = as_guid(m["uid"])
        if m.get("interview_id") is not None and m.get("start") is not None and m.get("end") is not None:
            passage.setdefault(m["interview_id"], []).append(m)
        elif m.get("interview_id") is not None:
            memos_iv.setdefault(m["interview_id"], []).append(m)
        if m.get("code_id") is not None:
            memos_code.setdefault(m["code_id"], []).append(g)

    people = sorted({c["coder"] for c in snap.codings} | {m["author"] for m in snap.memos}
                    | {m["author"] for m in snap.summaries})
    if people:
        users = etree.SubElement(root, P + "Users")
        for name in people:
            _sub(users, P + "User", guid=user_guid(name), name=name)
    if snap.codes:
        _codes_xml(etree.SubElement(root, P + "CodeBook"), PROJECT_NS, snap.codes, memos_code)
    var_names = sorted({k for i in ivs for k in i["attributes"]})
    if var_names or snap.study:
        variables = etree.SubElement(root, P + "Variables")
        for v in var_names:
            _sub(variables, P + "Variable", guid=derived_guid("variable", v), name=v,
                             typeOfVariable="Text")
        for v, value in sorted(snap.study.items()):
            if v in var_names:
                continue
            el = _sub(variables, P + "Variable", guid=derived_guid("variable", v), name=v, typeOfVariable="Text")
            if value:
                etree.SubElement(el, P + "Description").text = xml_safe(value)
    if var_names:
        cases = etree.SubElement(root, P + "Cases")
        for i in ivs:
            if not i["attributes"]:
                continue
            case = _sub(cases, P + "Case", guid=derived_guid("case", i["name"]), name=i["name"])
            for k in sorted(i["attributes"]):
                vv = etree.SubElement(case, P + "VariableValue")
                _sub(vv, P + "VariableRef", targetGUID=derived_guid("variable", k))
                etree.SubElement(vv, P + "TextValue").text = xml_safe(i["attributes"][k])
            _sub(case, P + "SourceRef", targetGUID=derived_guid("source", i["name"]))
    codes = {c["id"]: c for c in snap.codes}
    files: dict[str, str] = {}
    notes: list[tuple[str, str, str, datetime | None, datetime | None]] = []   # guid, author, text, times
    if ivs:
        sources = etree.SubElement(root, P + "Sources")
    for i in ivs:
        sg = derived_guid("source", i["name"])
        files[f"sources/{sg}.txt"] = i["text"]
        src = etree.SubElement(sources, P + "TextSource")
        _set(src, guid=sg, name=i["name"], plainTextPath=f"internal://{sg}.txt",
             creationDateTime=_time(i.get("imported_at")))
        text = i["text"]
        sels = [("coding", c) for c in by_iv.get(i["id"], [])] + [("memo", m) for m in passage.get(i["id"], [])]
        sels.sort(key=lambda x: (x[1]["start"], x[1]["end"], x[1]["uid"]))
        for what, c in sels:
            sel = etree.SubElement(src, P + "PlainTextSelection")
            who = c["coder"] if what == "coding" else c["author"]
            _set(sel, guid=as_guid(c["uid"]), name=quote_name(text[c["start"]:c["end"]]),
                 startPosition=str(c["start"]), endPosition=str(c["end"]), creatingUser=user_guid(who),
                 creationDateTime=_time(c.get("created_at")), modifyingUser=user_guid(who),
                 modifiedDateTime=_time(c.get("updated_at")))
            if what == "coding":
                if c.get("memo"):   # where QualCoder and others read a coding's memo (the note below too)
                    etree.SubElement(sel, P + "Description").text = xml_safe(c["memo"])
                cd = etree.SubElement(sel, P + "Coding")
                _set(cd, guid=derived_guid("coding", c["uid"]), creatingUser=user_guid(who),
                     creationDateTime=_time(c.get("created_at")))
                _sub(cd, P + "CodeRef", targetGUID=code_guid(codes[c["code_id"]]["key"]))
                if c.get("memo"):
                    ng = derived_guid("memo", c["uid"])
                    notes.append((ng, who, c["memo"], c.get("created_at"), c.get("updated_at")))
                    _sub(sel, P + "NoteRef", targetGUID=ng)
            else:
                _sub(sel, P + "NoteRef", targetGUID=derived_guid("passage", c["uid"]))
        for m in memos_iv.get(i["id"], []):
            _sub(src, P + "NoteRef", targetGUID=as_guid(m["uid"]))
        for m in sorted((m for m in snap.summaries if m["interview_id"] == i["id"]), key=lambda m: m["uid"]):
            _sub(src, P + "NoteRef", targetGUID=as_guid(m["uid"]))   # a framework summary: a note on the interview
    for m in sorted(snap.memos, key=lambda m: m["uid"]):
        is_passage = m.get("interview_id") is not None and m.get("start") is not None and m.get("end") is not None
        g = derived_guid("passage", m["uid"]) if is_passage else as_guid(m["uid"])
        notes.append((g, m["author"], m["text"], m.get("created_at"), m.get("updated_at")))
    links = summary_notes(snap, codes, notes)
    if notes:
        notes_el = etree.SubElement(root, P + "Notes")
        for g, who, text, created, modified in sorted(notes):
            n = etree.SubElement(notes_el, P + "Note")
            _set(n, guid=g, name=_note_name(text), creatingUser=user_guid(who), creationDateTime=_time(created),
                 modifyingUser=user_guid(who), modifiedDateTime=_time(modified))
            etree.SubElement(n, P + "PlainTextContent").text = xml_safe(text)
    if links:   # each summary's link to the selections (codings) it cites
        links_el = etree.SubElement(root, P + "Links")
        for g, name, origin, target in links:
            _sub(links_el, P + "Link", guid=g, name=name, direction="OneWay", originGUID=origin, targetGUID=target)
    return _serialise(root), files


SUMMARY_NOTE = "Framework summary"


def summary_note_text(m: dict, code: dict | None) -> str:
    """A framework summary as a note's text: a first line naming it (theme, author), then the text."""
    theme = f"{code['name']} ({code['key']})" if code else "?"
    who = "consensus" if m.get("consensus") else m["author"]
    return f"{SUMMARY_NOTE} \u2014 {theme}, {who}:\n{m['text']}"


def summary_notes(snap: Snapshot, codes: dict[int, dict], notes: list) -> list[tuple[str, str, str, str]]:
    """Add each framework summary to ``notes`` (a note on its interview, guid its uid) and return
    its links to the cited codings' selections: (guid, name, origin note, target selection).  A
    cited coding not in the export (removed since) has no selection to link to."""
    present = {c["uid"] for c in snap.codings}
    links = []
    for m in sorted(snap.summaries, key=lambda m: m["uid"]):
        notes.append((as_guid(m["uid"]), m["author"], summary_note_text(m, codes.get(m["code_id"])),
                      m.get("created_at"), m.get("updated_at")))
        for u in m["cites"]:
            if u in present:
                links.append((derived_guid("cites", f"{m['uid']}:{u}"), "cites", as_guid(m["uid"]), as_guid(u)))
    return links


def write_qdpx(snap: Snapshot, *, now: datetime | None = None) -> bytes:
    """The bytes of a ``.qdpx`` archive (entries sorted, times pinned to ``now``)."""
    now = now or datetime.now(timezone.utc)
    xml, files = project_xml(snap, now=now)
    stamp = now.astimezone(timezone.utc).timetuple()[:6] if now.year >= 1980 else (1980, 1, 1, 0, 0, 0)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in [("project.qde", xml), *sorted((k, v.encode("utf-8")) for k, v in files.items())]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()
