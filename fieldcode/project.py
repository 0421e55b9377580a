"""The one object both front ends drive: finds the project, opens the store, loads and syncs
the codebook, and offers the operations the CLI and the TUI share."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from pathlib import Path

from fieldcode.study import codebook as cbmod
from fieldcode.study import codebook_edit as cbedit
from fieldcode.study.codebook import Codebook, CodeDef
from fieldcode.study.codebook_edit import NameInUse
from fieldcode.study.design import design_warnings
from fieldcode.errors import Conflict, FieldcodeError, InvalidInput, NoCoder, NotFound
from fieldcode.study.palette import next_colour
from fieldcode.study.settings import Settings, resolve_coder
from fieldcode.lazy import lazy_module
from fieldcode.study.folder import CODEBOOK, CODEBOOK_CACHE, INTERVIEWS, find_root, init_project  # noqa: F401

if TYPE_CHECKING:  # the importer and the database layer load on first use (fast start-up)
    from fieldcode.exchange.importer import ImportReport, Progress
    from fieldcode.store import Store, SyncReport

storemod = lazy_module("fieldcode.store")

DB_FILE = "fieldcode.db"


def refuse_empty_database(path: Path) -> None:
    """A project's fieldcode.db that exists but is empty (0 bytes) was truncated, or never got
    past its creation: SQLite would silently start a new, empty project in it.  Refuse, naming
    the file.  (A process creating the database writes its first page within milliseconds, so
    the size is looked at twice, half a second apart, before refusing.)"""
    import time

    from fieldcode.errors import DamagedDatabase

    for attempt in range(2):
        try:
            if path.stat().st_size != 0:
                return
        except FileNotFoundError:
            return                      # a new project: its database is created now
        if attempt == 0:
            time.sleep(0.5)
    raise DamagedDatabase(str(path), "the file is empty (0 bytes)", message=(
        f"the database {path} is empty (0 bytes): it was truncated (a full disk, a sync or copy that did not "
        "finish). fieldcode has not changed it and will not start a new project in it. Restore fieldcode.db "
        "from your latest backup (or a colleague's up-to-date copy), then run the command again; if this "
        "project never had any work in it, delete the empty file."))


@dataclass
class Project:
    root: Path
    codebook: Codebook
    store: Store
    settings: Settings
    coder: str | None
    sync: SyncReport
    remarked: dict[str, int] = field(default_factory=dict)
    remark_pending: str = ""

    @classmethod
    def open(cls, root: Path | None = None, *, db: str | None = None, coder: str | None = None,
             settings: Settings | None = None, write: bool = True) -> "Project":
        """Open the project.  ``write=False`` for commands that only read: they never take
        the database's write lock, so they run while another process writes; a codebook.yaml
        changed since the database recorded it is then reported (``sync.pending``), not recorded."""
        from fieldcode.store import Store, sqlite_url

        root = find_root(root) if root is None or not (Path(root) / CODEBOOK).is_file() else Path(root).resolve()
        settings = settings or Settings.load()
        cb = cbmod.load(root / CODEBOOK, cache=root / CODEBOOK_CACHE)
        url = db or os.environ.get("FIELDCODE_DB") or settings.db or sqlite_url(root / DB_FILE)
        if url == sqlite_url(root / DB_FILE):
            refuse_empty_database(root / DB_FILE)
        who = resolve_coder(coder, settings)  # checked (length, control characters) before the store opens
        store = Store(url)
        sync = store.sync_codebook(cb, write=write)
        project = cls(root=root, codebook=cb, store=store, settings=settings, coder=who, sync=sync)
        # Counts must follow the interviewer labels in force, so even a command that only reads
        # re-marks turns when the labels changed (a short write, only then); if the database is
        # locked meanwhile it says the counts use the old marks.
        try:
            project.remarked = project.apply_interviewer_labels()
        except FieldcodeError as exc:
            if write:
                raise
            project.remark_pending = str(exc)
        return project

    def close(self) -> None:
        self.store.close()

    def require_coder(self) -> str:
        if not self.coder:
            raise NoCoder()
        return self.coder

    @property
    def study(self):
        return self.codebook.study

    @property
    def interviews_dir(self) -> Path:
        return self.root / INTERVIEWS

    # -- operations shared by the CLI and the TUI ---------------------------------------------
    def import_files(self, paths: list[Path] | None = None, *, encoding: str | None = None,
                     reanchor: bool = False, accept_losses: bool = False,
                     progress: Progress | None = None) -> ImportReport:
        from fieldcode.exchange.importer import import_paths

        paths = paths or [self.interviews_dir]
        report = import_paths(self.store, self.study, paths, root=self.root, encoding=encoding,
                              reanchor=reanchor, accept_losses=accept_losses, coder=self.coder,
                              spacy_model=self.settings.spacy_model, progress=progress)
        self.remarked = self.apply_interviewer_labels()
        return report

    def apply_interviewer_labels(self) -> dict[str, int]:
        """Re-mark interviewer turns wherever the labels that apply (the study's
        ``interviewer_speakers`` plus an interview's ``interviewer`` attribute) differ from those
        its turns were marked with.  Returns interview name -> number of turns whose mark
        changed (only interviews whose labels changed).  Reads only, unless something changed."""
        from fieldcode.exchange.importer import interviewer_labels

        wanted = {}
        for iid, (name, applied, attrs) in self.store.interviewer_label_state().items():
            labels = list(interviewer_labels(self.study, attrs))
            if labels != applied:
                wanted[iid] = (name, labels)
        if not wanted:
            return {}
        changed = self.store.remark_interviewer_turns({iid: labels for iid, (_n, labels) in wanted.items()})
        return {wanted[iid][0]: n for iid, n in changed.items()}

    def design_warnings(self) -> list[str]:
        return design_warnings(((i.name, i.attributes) for i in self.store.interview_infos()), self.study)

    # -- code management (each writes codebook.yaml touching only the lines it must) ----------
    def code_def(self, ref: str) -> CodeDef:
        """A code of codebook.yaml by key, or by name (any case)."""
        by_key = self.codebook.by_key()
        if ref in by_key:
            return by_key[ref]
        named = [c for c in self.codebook.codes if c.name.casefold() == ref.strip().casefold()]
        if len(named) == 1:
            return named[0]
        raise NotFound(f"no code '{ref}' in {self.root / CODEBOOK}: 'fieldcode codebook show' lists keys and names")

    def code_named(self, name: str, *, besides: str | None = None) -> CodeDef | None:
        """The code already called ``name`` (any case, spacing ignored), other than ``besides``."""
        want = " ".join(name.split()).casefold()
        return next((c for c in self.codebook.codes
                     if " ".join(c.name.split()).casefold() == want and c.key != besides), None)

    def _fresh(self) -> None:
        # Another screen (or an editor) may have changed the file since we read it.
        self.codebook = cbmod.load(self.root / CODEBOOK)

    def _apply(self, plan: tuple[cbedit.Edit, Codebook]) -> None:
        edit, cb = plan
        cbedit.commit(edit)
        self.codebook = cb
        self.sync = self.store.sync_codebook(cb)

    def add_code(self, name: str, *, key: str | None = None, parent: str | None = None,
                 colour: str | None = None, definition: str = "", hotkey: str | None = None) -> CodeDef:
        """Create a code (new or in-vivo): appended to codebook.yaml (only its own lines), then
        synced.  A name already in use is refused with :class:`NameInUse` naming that code; a
        key already used, now or by a retired code, gets a -2, -3 ... suffix (a retired key
        would otherwise bring back its old codings)."""
        self._fresh()
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("a code needs a name")
        same = self.code_named(name)
        if same is not None:
            raise NameInUse(name, same.key)
        if parent is not None:
            parent = self.code_def(parent).key
        taken = set(self.codebook.by_key()) | {c.key for c in self.store.codes(include_retired=True)}
        if key is not None and key in taken:
            raise Conflict(f"key '{key}' is already used (or was used by a retired code, whose codings "
                           "it would bring back); choose another key, or leave it out to get one")
        if key is None:
            key = base = cbmod.slugify(name)
            n = 2
            while key in taken:
                key = f"{base}-{n}"
                n += 1
        colour = colour or next_colour(c.colour for c in self.codebook.codes)
        code = CodeDef(key=key, name=name, parent=parent, colour=colour, definition=definition, hotkey=hotkey)
        self._apply(cbedit.plan_append(self.root / CODEBOOK, code))
        return self.codebook.by_key()[key]

    def rename_code(self, ref: str, name: str) -> CodeDef:
        self._fresh()
        c = self.code_def(ref)
        name = " ".join(name.split())
        same = self.code_named(name, besides=c.key)
        if same is not None:
            raise NameInUse(name, same.key)
        self._apply(cbedit.plan_fields(self.root / CODEBOOK, c.key, name=name))
        return self.codebook.by_key()[c.key]

    def recolour_code(self, ref: str, colour: str) -> CodeDef:
        self._fresh()
        c = self.code_def(ref)
        self._apply(cbedit.plan_fields(self.root / CODEBOOK, c.key, colour=colour))
        return self.codebook.by_key()[c.key]

    def set_hotkey(self, ref: str, hotkey: str | None) -> CodeDef:
        self._fresh()
        c = self.code_def(ref)
        self._apply(cbedit.plan_fields(self.root / CODEBOOK, c.key, hotkey=hotkey or None))
        return self.codebook.by_key()[c.key]

    def move_code(self, ref: str, parent: str | None) -> CodeDef:
        """Put a code under ``parent`` (None: the top level)."""
        self._fresh()
        c = self.code_def(ref)
        p = self.code_def(parent).key if parent else None
        self._apply(cbedit.plan_move(self.root / CODEBOOK, c.key, p))
        return self.codebook.by_key()[c.key]

    def rekey_code(self, ref: str, new_key: str) -> CodeDef:
        """Change a code's key.  The database renames the key in place (so its codings stay
        its codings) in the same transaction that replaces codebook.yaml: if either fails,
        neither changes."""
        who = self.require_coder()
        self._fresh()
        c = self.code_def(ref)
        edit, cb = cbedit.plan_rekey(self.root / CODEBOOK, c.key, new_key)
        storemod.rekey_code(self.store, c.key, new_key, by=who, on_commit=lambda: cbedit.commit(edit),
                            on_abort=lambda: cbedit.restore(edit))
        self.codebook = cb
        self.sync = self.store.sync_codebook(cb)
        return cb.by_key()[new_key]

    def merge_codes(self, source: str, target: str) -> tuple[CodeDef, int]:
        """Merge code ``source`` into ``target``: every coder's codings of ``source`` become
        codings of ``target`` (one event each, by the coder who merged), its children and memos
        move to ``target``, and its entry leaves codebook.yaml.  Returns (target, codings moved)."""
        who = self.require_coder()
        self._fresh()
        src, tgt = self.code_def(source), self.code_def(target)
        edit, cb = cbedit.plan_merge(self.root / CODEBOOK, src.key, tgt.key)
        moved = storemod.merge_codes(self.store, src.key, tgt.key, by=who, on_commit=lambda: cbedit.commit(edit),
                                    on_abort=lambda: cbedit.restore(edit))
        self.codebook = cb
        self.sync = self.store.sync_codebook(cb)
        return cb.by_key()[tgt.key], moved

    def reload_codebook(self) -> SyncReport:
        self.codebook = cbmod.load(self.root / CODEBOOK)
        self.sync = self.store.sync_codebook(self.codebook)
        return self.sync
