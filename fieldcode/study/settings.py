"""User settings: ``settings.toml`` in the user's config directory (``fieldcode settings``
prints the path).  Keys: ``coder``, ``spacy_model``, ``db``, and a ``[keys]`` table that remaps
TUI bindings by id, e.g. ``apply_code = "a"``."""

from __future__ import annotations

import json
import os
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_config_dir, user_state_dir

from fieldcode.errors import InvalidInput


def settings_path() -> Path:
    override = os.environ.get("FIELDCODE_SETTINGS")
    if override:
        return Path(override)
    return Path(user_config_dir("fieldcode", appauthor=False)) / "settings.toml"


@dataclass
class Settings:
    coder: str | None = None
    spacy_model: str | None = None
    db: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def load(cls, path: Path | None = None) -> "Settings":
        path = path or settings_path()
        if not path.exists():
            return cls(path=path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path}: not valid TOML ({exc}); fix or delete the file") from exc
        known = {"coder", "spacy_model", "db", "keys"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(
                f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        keys = data.get("keys", {})
        if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
            raise InvalidInput(f'{path}: [keys] must map binding ids to key names, e.g. apply_code = "a"')
        return cls(
            coder=data.get("coder") or None,
            spacy_model=data.get("spacy_model") or None,
            db=data.get("db") or None,
            keys=dict(keys),
            path=path,
        )


CODER_MAX = 100  # models.Coding.coder, the same on SQLite and PostgreSQL
# Bidirectional overrides and isolates reorder what a terminal shows (a name could display as
# somebody else's); line and paragraph separators break a line.  With the C0/C1 controls and DEL
# (terminal escapes: an OSC 52 sequence writes a colleague's clipboard) they are refused.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_coder(name: str, source: str) -> str:
    """``name`` stripped, or :class:`InvalidInput` naming ``source`` (``--coder``, a file and
    line, ...) when it is empty, too long, or holds a control character or terminal escape.
    Brackets and every other printable character are allowed: they are printed literally."""
    name = name.strip()
    if not name:
        raise InvalidInput(f"{source}: the coder name is empty; give a name such as ana")
    bad = sorted({c for c in name if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI})
    if bad:
        shown = ", ".join(f"U+{ord(c):04X}" for c in bad)
        raise InvalidInput(f"{source}: the coder name {ascii(name)} holds control character(s) {shown} "
                           "(terminal escapes, line breaks or text-direction marks); use letters, digits, "
                           "spaces and punctuation only")
    if len(name) > CODER_MAX:
        raise InvalidInput(f"{source}: the coder name '{name[:40]}...' is {len(name)} characters; the limit is "
                           f"{CODER_MAX} (the same on SQLite and PostgreSQL): use a shorter name")
    return name


def resolve_coder(explicit: str | None, settings: Settings) -> str | None:
    """--coder, then FIELDCODE_CODER, then the settings file.  Never a shared default.  A name
    with control characters is an :class:`InvalidInput` naming where it came from."""
    sources = ((explicit, "--coder"), (os.environ.get("FIELDCODE_CODER"), "FIELDCODE_CODER"),
               (settings.coder, f"{settings.path or 'settings'}: coder"))
    for candidate, source in sources:
        if candidate and candidate.strip():
            return check_coder(candidate, source)
    return None


# --- where each coder left off (the coding screen reopens there) ------------------------------

def state_path() -> Path:
    """``state.json`` in the user's state directory (beside the settings file when
    ``FIELDCODE_SETTINGS`` names one, or ``FIELDCODE_STATE``)."""
    override = os.environ.get("FIELDCODE_STATE")
    if override:
        return Path(override)
    if os.environ.get("FIELDCODE_SETTINGS"):
        return Path(os.environ["FIELDCODE_SETTINGS"]).with_name("state.json")
    return Path(user_state_dir("fieldcode", appauthor=False)) / "state.json"


def _read_state(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_position(project: str, coder: str) -> tuple[str, int] | None:
    """(interview name, cursor offset) where ``coder`` left ``project`` (None when unknown).
    A missing or damaged state file only means starting at the top."""
    entry = _read_state(state_path()).get("positions", {}).get(project, {}).get(coder)
    if isinstance(entry, dict) and isinstance(entry.get("interview"), str) and isinstance(entry.get("offset"), int):
        return entry["interview"], entry["offset"]
    return None


def load_offset(project: str, coder: str, interview: str) -> int | None:
    """Where ``coder`` left ``interview`` of ``project`` (each interview keeps its own place)."""
    entry = _read_state(state_path()).get("positions", {}).get(project, {}).get(coder)
    offsets = entry.get("offsets") if isinstance(entry, dict) else None
    value = offsets.get(interview) if isinstance(offsets, dict) else None
    return value if isinstance(value, int) else None


def save_position(project: str, coder: str, interview: str, offset: int) -> None:
    """Remember where ``coder`` is (and where in this interview); written atomically, and never
    an error for the screen."""
    path = state_path()
    data = _read_state(path)
    mine = data.setdefault("positions", {}).setdefault(project, {})
    old = mine.get(coder)
    offsets = old.get("offsets") if isinstance(old, dict) and isinstance(old.get("offsets"), dict) else {}
    offsets[interview] = int(offset)
    mine[coder] = {"interview": interview, "offset": int(offset), "offsets": offsets}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
