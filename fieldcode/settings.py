"""User settings: ``settings.toml`` in the user's config directory (``fieldcode settings``
prints the path).  Keys: ``coder``, ``spacy_model``, ``db``, and a ``[keys]`` table that remaps
TUI bindings by id, e.g. ``apply_code = "a"``."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_config_dir

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


def resolve_coder(explicit: str | None, settings: Settings) -> str | None:
    """--coder, then FIELDCODE_CODER, then the settings file.  Never a shared default."""
    for candidate in (explicit, os.environ.get("FIELDCODE_CODER"), settings.coder):
        if candidate and candidate.strip():
            return candidate.strip()
    return None
