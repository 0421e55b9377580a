"""A codebook's versions side by side: each code's definition hash, and what changed per code
between two recorded versions (``fieldcode codebook diff A B``).

Headless and pure: it reads the YAML text each codebook version was recorded with (the database
keeps it: ``codebook_version.yaml_text``) and never touches the database itself.

**A code's definition** is what a coder reads to decide whether a passage is an instance of it:
its name, definition, when to use, when not to use and example.  Its colour, hotkey, keywords,
position and parent do not change what a coding means, so they are not part of it (a diff
still lists them, as "other fields").  :func:`definition_hash` is the SHA-256 of those five
fields as JSON; every coding records the hash of its code's definition when it was made
(``fieldcode.store.pins``), so a later change of that definition is seen per coding.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

DEFINITION_FIELDS = ("name", "definition", "use_when", "not_when", "example")
OTHER_FIELDS = ("parent", "colour", "hotkey", "keywords", "codable")


def definition_hash(name: str, definition: str, use_when: str, not_when: str, example: str) -> str:
    """SHA-256 of a code's definition (its five defining fields, as stripped text)."""
    payload = dict(zip(DEFINITION_FIELDS, (name, definition, use_when, not_when, example)))
    blob = json.dumps({k: (v or "").strip() for k, v in payload.items()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def code_definition_hash(code: object) -> str:
    """:func:`definition_hash` of anything with the five fields (a ``CodeDef``, a ``Code`` row)."""
    return definition_hash(*(str(getattr(code, k, "") or "") for k in DEFINITION_FIELDS))


@dataclass(frozen=True)
class VersionCode:
    """A code as one recorded codebook version had it."""

    key: str
    fields: dict

    @property
    def definition_hash(self) -> str:
        return definition_hash(*(self.fields.get(k, "") for k in DEFINITION_FIELDS))


def _text(v: object) -> str:
    return "" if v is None else str(v).strip()


def version_codes(yaml_text: str) -> dict[str, VersionCode]:
    """key -> the code as the codebook text ``yaml_text`` has it, read leniently (the text was
    validated when it was recorded, perhaps by an older release: a field this release would
    refuse is read, not refused).  Text that is not a codebook gives {}."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    if not yaml_text.strip():
        return {}
    try:
        data = YAML(typ="safe", pure=True).load(yaml_text)
    except YAMLError:
        return {}
    codes = data.get("codes") if isinstance(data, dict) else None
    out: dict[str, VersionCode] = {}
    for node in codes if isinstance(codes, list) else []:
        if not isinstance(node, dict) or not isinstance(node.get("key"), str):
            continue
        kws = node.get("keywords")
        fields = {k: _text(node.get(k)) for k in DEFINITION_FIELDS}
        fields.update(parent=_text(node.get("parent")) or None,
                      colour=_text(node.get("colour", node.get("color"))) or "#888888",
                      hotkey=_text(node.get("hotkey")) or None,
                      keywords=[str(k) for k in kws] if isinstance(kws, list) else [],
                      codable=node.get("codable", True) is not False)
        out[node["key"]] = VersionCode(node["key"], fields)
    return out


@dataclass
class CodeChange:
    """What happened to one code between two versions."""

    key: str
    kind: str                                   # added | removed | changed
    definition_changed: bool = False
    fields: list[tuple[str, object, object]] = field(default_factory=list)   # (field, old, new)


def diff_versions(old: dict[str, VersionCode], new: dict[str, VersionCode]) -> list[CodeChange]:
    """Per code, what changed from ``old`` to ``new`` (codes in ``new``'s order, then removed
    ones in ``old``'s); unchanged codes are left out."""
    out: list[CodeChange] = []
    for key, c in new.items():
        was = old.get(key)
        if was is None:
            out.append(CodeChange(key, "added", True,
                                  [(k, None, c.fields[k]) for k in DEFINITION_FIELDS if c.fields[k]]))
            continue
        changed = [(k, was.fields.get(k), c.fields.get(k)) for k in (*DEFINITION_FIELDS, *OTHER_FIELDS)
                   if was.fields.get(k) != c.fields.get(k)]
        if changed:
            out.append(CodeChange(key, "changed", any(k in DEFINITION_FIELDS for k, _a, _b in changed), changed))
    out += [CodeChange(key, "removed", True) for key in old if key not in new]
    return out


def find_definition(versions: list[tuple[int, str]], key: str, def_hash: str) -> tuple[int, VersionCode] | None:
    """The newest version (``(number, yaml_text)`` pairs, oldest first) in which code ``key`` had
    the definition whose hash is ``def_hash``, with the code as it was there; None when no
    recorded version had it."""
    for number, text in reversed(versions):
        c = version_codes(text).get(key)
        if c is not None and c.definition_hash == def_hash:
            return number, c
    return None
