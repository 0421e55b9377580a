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
from fieldcode.text import Turn as textmod_turn
from fieldcode.study.folder import CODEBOOK, CODEBOOK_CACHE, DB_FILE, INTERVIEWS, REFI_JOURNAL, find_root, init_project  # noqa: F401

if TYPE_CHECKING:  # the importer and the database layer load on first use (fast start-up)
    from fieldcode.exchange.importer import ImportReport, Progress
    from fieldcode.store import Store, SyncReport

storemod = lazy_module("fieldcode.store")



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
    remarked: dict[str, str] = field(default_factory=dict)
    remark_pending: str = ""   # a read: the interviews whose stored turn marks are out of date
    remark_error: str = ""     # a read: why the current marks could not be computed
    recovered: list[str] = field(default_factory=list)   # what an interrupted REFI-QDA import left
    turn_setting_changes: list[str] = field(default_factory=list)  # a write: turn settings taken from files
    turn_setting_notes: list[str] = field(default_factory=list)    # files whose turn settings could not be read
    blinder: object = None     # a blind coder's fieldcode.protocol.blinding.Blinder, else None

    @classmethod
    def open(cls, root: Path | None = None, *, db: str | None = None, coder: str | None = None,
             settings: Settings | None = None, write: bool = True) -> "Project":
        """Open the project.  ``write=False`` for commands that only read: they never take
        the database's write lock, so they run while another process writes; a codebook.yaml
        changed since the database recorded it is then reported (``sync.pending``), not recorded."""
        from fieldcode.store import Store, SyncReport, sqlite_url

        root = find_root(root) if root is None or not (Path(root) / CODEBOOK).is_file() else Path(root).resolve()
        settings = settings or Settings.load()
        cb = cbmod.load(root / CODEBOOK, cache=root / CODEBOOK_CACHE)
        url = db or os.environ.get("FIELDCODE_DB") or settings.db or sqlite_url(root / DB_FILE)
        if url == sqlite_url(root / DB_FILE):
            refuse_empty_database(root / DB_FILE)
        who = resolve_coder(coder, settings)  # checked (length, control characters) before the store opens
        store = Store(url)
        project = cls(root=root, codebook=cb, store=store, settings=settings, coder=who, sync=SyncReport())
        if (root / REFI_JOURNAL).exists():
            if write:   # before codebook.yaml is recorded: it may lack codes the import committed
                from fieldcode.exchange.refi_journal import recover_on_open

                project.recovered = recover_on_open(project)
            else:
                project.recovered = ["an earlier REFI-QDA import was interrupted (its journal "
                                     f"{REFI_JOURNAL} is in the study folder); the next command that writes "
                                     "finishes or clears it"]
        project.sync = store.sync_codebook(project.codebook, write=write, by=who)
        # Counts must follow the turn settings and interviewer labels in force.  A command that
        # writes stores the new marks (and says so); one that only reads never writes: it computes
        # them in memory (the store's turn queries apply them) and says the stored ones are out of date.
        try:
            project.remarked = project.refresh_turns(write=write)
        except FieldcodeError as exc:
            if write:
                raise
            project.remark_error = str(exc)
        from fieldcode.protocol.blinding import blinder_for

        project.blinder = blinder_for(project)
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
        self.remarked = self.refresh_turns(write=True)
        return report

    def refresh_turns(self, *, write: bool) -> dict[str, str]:
        """Bring every interview's turns up to the turn settings (``turns`` / ``interviewer_lines``
        of the codebook, front matter or attributes.csv) and interviewer labels in force, the
        coders' corrections applied over them.  ``write``: store them (turns detected again from
        the stored text, with their sentences and search index; codings never move, the text is
        unchanged) and return interview name -> what changed.  Otherwise only compute them for
        this command's reads (``Store.turn_overlay``) and set ``remark_pending``."""
        from fieldcode.store import turn_marks as tm
        from fieldcode.study.design import turn_rule
        from fieldcode.text import detect_turns

        from fieldcode.exchange.turn_settings import turn_settings_from_files

        # turn settings edited in a transcript's front matter or attributes.csv since its import
        stored = self.store.all_attributes()
        files = turn_settings_from_files(self.store, self.root, self.study, stored)
        self.turn_setting_notes = files.notes
        if write:
            for iid, attrs in files.attributes.items():
                self.store.set_attributes(iid, attrs)
            self.turn_setting_changes = list(files.changes.values())
        # a write has just stored them; a read uses them in memory
        relabel, redetect, record = [], [], {}
        for st in tm.turn_states(self.store, self.study, {**stored, **files.attributes}):
            if st.rule_changed:
                text, stored = tm.stored_turns(self.store, st.id)
                turns = detect_turns(text, turn_rule(st.attrs, self.study, st.name))
                if stored == [(t.start, t.end, t.content_start, t.speaker) for t in turns]:
                    record[st.id] = st.rule          # the same turns: only the rule to record
                    if st.labels_changed:
                        relabel.append(st)
                else:
                    redetect.append((st, text, turns, len(stored)))
            elif st.labels_changed:
                relabel.append(st)
        if not write:
            names = []
            for st in relabel:
                text, stored = tm.stored_turns(self.store, st.id)
                flags = [t[4] for t in self.store.turn_spans(st.id)]
                turns = tm.overlay_turns(self.store, st.id, text, [textmod_turn(*t) for t in stored], st.labels)
                self.store.overlay_labels[st.id] = list(st.labels)
                if [t.is_interviewer for t in turns] != flags:     # else the stored marks are still right
                    self.store.turn_overlay[st.id] = turns
                    names.append(st.name)
            for st, text, turns, _n in redetect:
                self.store.turn_overlay[st.id] = tm.overlay_turns(self.store, st.id, text, turns, st.labels)
                self.store.overlay_labels[st.id] = list(st.labels)
                names.append(st.name)
            names.sort()
            if names:
                more = f" and {len(names) - 6} more" if len(names) > 6 else ""
                self.remark_pending = f"{len(names)} interview(s): {', '.join(names[:6])}{more}"
            return {}
        out: dict[str, str] = {}
        if record:
            tm.record_rules(self.store, record)
        if relabel:
            changed = self.store.remark_interviewer_turns({st.id: list(st.labels) for st in relabel})
            out.update({st.name: f"{changed[st.id]} turn(s) changed role" for st in relabel if changed[st.id]})
        if redetect:
            from fieldcode.exchange.remark import remark_interviews

            remark_interviews(self.store, [(st, text, turns) for st, text, turns, _n in redetect],
                              coder=self.coder, spacy_model=self.settings.spacy_model)
            out.update({st.name: f"{len(turns)} turn(s), were {n}" for st, _t, turns, n in redetect})
        return out

    def turn_listing(self, interview: str) -> tuple[str, list[dict], list[str]]:
        """An interview's turns as its counts see them: (its name, one dict per turn: n, speaker,
        role, source (label / pattern / paragraph / question p=0.xx / corrected by CODER),
        first words, p (questions mode, else None), unsure), the note on the paragraphs the
        questions mode is unsure of)."""
        from fieldcode.exchange.remark import first_words, unsure_notes
        from fieldcode.store import turn_marks as tm
        from fieldcode.study.design import turn_rule
        from fieldcode.text import AUTO, PARAGRAPHS, UNSURE, Turn, turn_probabilities

        iv = self.store.interview(interview)
        attrs = self.store.attributes(iv.id)
        rule = turn_rule(attrs, self.study, iv.name)
        turns = self.store.turns(iv.id)
        probs = turn_probabilities(iv.text, rule)
        if probs is not None and len(probs) != len(turns):
            probs = None
        marks, _gone = tm.mark_rows(self.store, iv.id)
        paragraphs = rule.mode == PARAGRAPHS or (rule.mode == AUTO and all(
            t.speaker in (rule.interviewer, rule.participant) for t in turns))
        rows = []
        for i, t in enumerate(turns):
            p = probs[i] if probs is not None else None
            if i in marks:
                source = f"corrected by {marks[i].coder}"
            elif p is not None:
                source = f"question p={p:.2f}"
            elif not paragraphs:
                source = "label"
            else:
                source = "pattern" if t.content_start > t.start else "paragraph"
            rows.append({"n": i + 1, "speaker": t.speaker, "role": "interviewer" if t.is_interviewer else "participant",
                         "source": source, "first_words": first_words(iv.text, Turn(t.start, t.end, t.content_start, t.speaker)),
                         "p": p, "unsure": p is not None and UNSURE[0] < p < UNSURE[1]})
        notes = unsure_notes(iv.name, iv.text, rule) if probs is not None else []
        notes += [f"a correction by {m.coder} ({'interviewer' if m.is_interviewer else 'participant'}) of the turn "
                  f"starting “{m.quote[:40]}” no longer finds its words in the text" for m in _gone]
        return iv.name, rows, notes

    def set_turn_role(self, interview: str, n: int, role: str | None) -> dict:
        """Correct turn ``n`` (1-based) of an interview: ``interviewer``, ``participant``, or None
        (back to the role detected).  The study's for every coder, logged with the coder's name."""
        from fieldcode.store import turn_marks as tm

        who = self.require_coder()
        if role not in (None, "interviewer", "participant"):
            raise InvalidInput(f"a turn's role is interviewer or participant, not '{role}'")
        return tm.set_role(self.store, interview, n, None if role is None else role == "interviewer", who)

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
        self.sync = self.store.sync_codebook(cb, by=self.coder)

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
        self.sync = self.store.sync_codebook(cb, by=self.coder)
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
        self.sync = self.store.sync_codebook(cb, by=self.coder)
        return cb.by_key()[tgt.key], moved

    def reload_codebook(self) -> SyncReport:
        self.codebook = cbmod.load(self.root / CODEBOOK)
        self.sync = self.store.sync_codebook(self.codebook, by=self.coder)
        return self.sync
