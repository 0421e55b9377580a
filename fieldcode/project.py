"""The one object both front ends drive: finds the project, opens the store, loads and syncs
the codebook, and offers the operations the CLI and the TUI share."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fieldcode import codebook as cbmod
from fieldcode.codebook import Codebook, CodeDef
from fieldcode.design import design_warnings
from fieldcode.errors import InvalidInput, NoCoder, NotFound
from fieldcode.importer import ImportReport, Progress, import_paths
from fieldcode.settings import Settings, resolve_coder
from fieldcode.store import Store, SyncReport, sqlite_url

CODEBOOK = "codebook.yaml"
INTERVIEWS = "interviews"
DB_FILE = "fieldcode.db"


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding a codebook.yaml, as git finds .git."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CODEBOOK).is_file():
            return folder
    raise NotFound(f"no fieldcode project here: no {CODEBOOK} in {here} or any folder above it. "
                   "Run 'fieldcode init' to start one, or pass --project DIR.")


def init_project(folder: Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cb = folder / CODEBOOK
    if cb.exists():
        raise InvalidInput(f"{cb} already exists: this folder is already a fieldcode project")
    cb.write_text(cbmod.TEMPLATE, encoding="utf-8")
    (folder / INTERVIEWS).mkdir(exist_ok=True)
    return cb


@dataclass
class Project:
    root: Path
    codebook: Codebook
    store: Store
    settings: Settings
    coder: str | None
    sync: SyncReport

    @classmethod
    def open(cls, root: Path | None = None, *, db: str | None = None, coder: str | None = None,
             settings: Settings | None = None) -> "Project":
        root = find_root(root) if root is None or not (Path(root) / CODEBOOK).is_file() else Path(root).resolve()
        settings = settings or Settings.load()
        cb = cbmod.load(root / CODEBOOK)
        url = db or os.environ.get("FIELDCODE_DB") or settings.db or sqlite_url(root / DB_FILE)
        store = Store(url)
        sync = store.sync_codebook(cb)
        return cls(root=root, codebook=cb, store=store, settings=settings,
                   coder=resolve_coder(coder, settings), sync=sync)

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
                     reanchor: bool = False, progress: Progress | None = None) -> ImportReport:
        paths = paths or [self.interviews_dir]
        return import_paths(self.store, self.study, paths, root=self.root, encoding=encoding,
                            reanchor=reanchor, coder=self.coder, spacy_model=self.settings.spacy_model,
                            progress=progress)

    def design_warnings(self) -> list[str]:
        return design_warnings(((i.name, i.attributes) for i in self.store.interview_infos()), self.study)

    def add_code(self, name: str, *, key: str | None = None, parent: str | None = None,
                 colour: str | None = None, definition: str = "") -> CodeDef:
        """Create a code (in-vivo coding): written into codebook.yaml (comments and order kept),
        then synced to the database."""
        key = key or cbmod.slugify(name)
        existing = self.codebook.by_key()
        base, n = key, 2
        while key in existing:
            key = f"{base}-{n}"
            n += 1
        colour = colour or _next_colour(len(existing))
        code = CodeDef(key=key, name=name, parent=parent, colour=colour, definition=definition)
        self.codebook = cbmod.append_code(self.root / CODEBOOK, code)
        self.sync = self.store.sync_codebook(self.codebook)
        return self.codebook.by_key()[key]

    def reload_codebook(self) -> SyncReport:
        self.codebook = cbmod.load(self.root / CODEBOOK)
        self.sync = self.store.sync_codebook(self.codebook)
        return self.sync


_PALETTE = ["#e377c2", "#bcbd22", "#17becf", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5"]


def _next_colour(i: int) -> str:
    return _PALETTE[i % len(_PALETTE)]
