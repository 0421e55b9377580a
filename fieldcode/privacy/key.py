"""The pseudonym key: ``pseudonyms.key.yaml`` in the study folder.

It holds every candidate the scan found or a reviewer added: the original text, its category,
the evidence, where it occurs, its review state (open, accepted, rejected) and its pseudonym,
and who decided it and when.  It is the only place the originals are kept: the database's
decision events name an entry by its id, never by its text, so ``fieldcode.db`` can be shared
(with a colleague, an archive) without the key.

An entry's id is an HMAC of the folded original under the key's own secret (``secret:``, made
when the file is made): the same detail gets the same id in every copy that shares the key,
while the id alone (in the database) cannot be turned back into a name by trying names.

The file is written atomically (a temporary file, flushed, then ``os.replace``) with 0600
permissions; changes take a lock file beside it (``pseudonyms.key.lock``), so two reviewers on
one study folder do not lose each other's decisions.  A damaged file is refused with its name
and the line, never overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fieldcode.errors import InvalidInput
from fieldcode.privacy.replace import fold

KEY_FILE = "pseudonyms.key.yaml"
LOCK_FILE = "pseudonyms.key.lock"
STATES = ("open", "accepted", "rejected")
HEADER = """\
# fieldcode pseudonym key: every identifying detail found or added, and its pseudonym.
# THIS FILE NAMES REAL PEOPLE AND PLACES.  Keep it apart from the database and from every
# export: do not commit it, mail it or copy it with fieldcode.db (see the README, "Pseudonyms").
# Edit it with 'fieldcode pseudonyms ...' rather than by hand.
"""


@dataclass
class Entry:
    id: str
    original: str
    category: str
    state: str = "open"
    pseudonym: str | None = None
    evidence: list[str] = field(default_factory=list)
    # interview name -> [(start, end), ...]
    occurrences: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    by: str | None = None
    at: str | None = None

    @property
    def n_occurrences(self) -> int:
        return sum(len(v) for v in self.occurrences.values())


@dataclass
class Key:
    path: Path
    secret: str
    entries: dict[str, Entry] = field(default_factory=dict)   # id -> entry, in file order

    def entry_id(self, original: str) -> str:
        norm = " ".join(fold(original).split())
        return hmac.new(bytes.fromhex(self.secret), norm.encode("utf-8"), hashlib.sha256).hexdigest()[:10]

    def find(self, ref: str) -> Entry:
        """An entry by its id (or a unique prefix of at least 4 characters of it)."""
        ref = ref.strip()
        if ref in self.entries:
            return self.entries[ref]
        hits = [e for i, e in self.entries.items() if len(ref) >= 4 and i.startswith(ref)]
        if len(hits) == 1:
            return hits[0]
        from fieldcode.errors import NotFound

        raise NotFound(f"no pseudonym entry '{ref}' in {self.path}: 'fieldcode pseudonyms list' shows the ids")

    def category_of(self, original: str) -> str:
        """The category of the entry for ``original`` (any case or accents): what an
        anonymisation log names in place of the original."""
        e = self.entries.get(self.entry_id(original))
        return e.category if e is not None else "detail"

    def accepted(self) -> dict[str, str]:
        """original -> pseudonym of every accepted entry: what ``replace.pseudonymise`` takes."""
        return {e.original: e.pseudonym or "[removed]" for e in self.entries.values() if e.state == "accepted"}


def _yaml():  # noqa: ANN202
    from ruamel.yaml import YAML

    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.sort_base_mapping_type_on_output = False
    y.width = 4096
    return y


def _bad(path: Path, why: str) -> InvalidInput:
    return InvalidInput(f"the pseudonym key {path} is damaged: {why}. fieldcode has not changed it; restore it "
                        "from your backup (it is the only copy of the originals), or move it away to start a new "
                        "key (every decision would have to be made again)")


def _occ_from(path: Path, v: object, ident: str) -> dict[str, list[tuple[int, int]]]:
    if v in (None, ""):
        return {}
    if not isinstance(v, dict):
        raise _bad(path, f"entry {ident}: 'occurrences' must map interview names to 'start-end ...'")
    out: dict[str, list[tuple[int, int]]] = {}
    for name, spans in v.items():
        try:
            out[str(name)] = [(int(a), int(b)) for a, b in (s.split("-") for s in str(spans).split())]
        except ValueError:
            raise _bad(path, f"entry {ident}: occurrences of '{name}' must read 'start-end start-end ...'") from None
    return out


def load(root: Path, *, create: bool = False) -> Key:
    """The study's key; a new, empty one (not yet written) when there is none and ``create``."""
    path = Path(root) / KEY_FILE
    if not path.exists():
        if not create:
            raise InvalidInput(f"no pseudonym key in {root} ({KEY_FILE}): run 'fieldcode pseudonyms scan' first, "
                               "or 'fieldcode pseudonyms add TEXT'")
        return Key(path=path, secret=secrets.token_hex(32))
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(path, f"it cannot be read ({exc})") from None
    from ruamel.yaml import YAMLError

    try:
        data = _yaml().load(raw)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise _bad(path, f"{where}it is not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("secret"), str) or not isinstance(data.get("entries", []), list):
        raise _bad(path, "it must be a mapping with 'secret' and a list of 'entries'")
    try:
        bytes.fromhex(data["secret"])
    except ValueError:
        raise _bad(path, "'secret' must be hexadecimal") from None
    key = Key(path=path, secret=data["secret"])
    for i, d in enumerate(data.get("entries") or []):
        if not isinstance(d, dict) or not str(d.get("original") or "").strip() or not d.get("category"):
            raise _bad(path, f"entry #{i + 1} needs at least 'original' and 'category'")
        ident = str(d.get("id") or "")
        if ident != key.entry_id(str(d["original"])):
            raise _bad(path, f"entry #{i + 1} ('{ident}'): its id does not belong to its original text or to this "
                             "key's secret (was it edited by hand or copied from another key?)")
        state = str(d.get("state") or "open")
        if state not in STATES:
            raise _bad(path, f"entry {ident}: state must be one of {', '.join(STATES)}")
        ev = d.get("evidence") or []
        key.entries[ident] = Entry(
            id=ident, original=str(d["original"]), category=str(d["category"]), state=state,
            pseudonym=None if d.get("pseudonym") is None else str(d["pseudonym"]),
            evidence=[str(x) for x in ev] if isinstance(ev, list) else [str(ev)],
            occurrences=_occ_from(path, d.get("occurrences"), ident),
            by=None if d.get("by") is None else str(d["by"]), at=None if d.get("at") is None else str(d["at"]))
    return key


def dump(key: Key) -> str:
    entries = []
    for e in key.entries.values():
        d: dict = {"id": e.id, "original": e.original, "category": e.category, "state": e.state,
                   "pseudonym": e.pseudonym}
        if e.by:
            d["by"], d["at"] = e.by, e.at
        d["evidence"] = list(e.evidence)
        d["occurrences"] = {name: " ".join(f"{a}-{b}" for a, b in spans) for name, spans in e.occurrences.items()}
        entries.append(d)
    buf = io.StringIO()
    _yaml().dump({"version": 1, "secret": key.secret, "entries": entries}, buf)
    return HEADER + buf.getvalue()


def save(key: Key) -> None:
    """Write the key atomically, readable and writable by its owner only (0600)."""
    save_bytes(key.path, dump(key).encode("utf-8"))


def save_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically, with 0600 permissions."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the key's lock file while reading, changing and writing it."""
    path = Path(root) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock; one reviewer at a time
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
