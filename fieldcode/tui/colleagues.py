"""Keeping the coding screen in step with the database while others work on it: another coder's
codings (or this coder's in another terminal), a re-imported transcript, a new codebook version.
A mixin of :class:`fieldcode.tui.coding.CodingScreen`.

Every ``POLL_SECONDS`` the screen asks for the newest event id.  When events arrived it follows
them: an event of one coder's live change to one coding (add, change, remove, undo, redo) names
its coding, so only those codings of the open interview are read again, whatever the
interview's size (on 2,000 codings a full re-read took 56 ms of the screen's time every poll
after each coding, 0.3-0.5 s at 10,000).  Anything else (a merge, an import, a re-anchoring, a
code merge, more than a few hundred events at once) reads the interview's codings whole, as
does a count that no longer matches what the screen holds.
"""

from __future__ import annotations

from fieldcode import store as storemod
from fieldcode.errors import FieldcodeError, TextChanged
from fieldcode.study import codebook as cbmod
from fieldcode.tui.textmap import Span, span_of

POLL_SECONDS = 2.0

# Events that change exactly the one coding they name (an event a merge carried in names the
# coding only when it still exists; one without a coding id is followed by a whole re-read).
ONE_CODING_ACTIONS = frozenset({"add", "update", "remove", "undo", "redo", "recode"})


def followed(spans: list[Span], fresh: list[tuple], ids: set[int]) -> list[Span]:
    """``spans`` with the codings ``ids`` replaced by their ``fresh`` rows (an id without a row
    was removed), in the order the store gives codings: by start, end and id."""
    kept = [s for s in spans if s.id not in ids]
    kept.extend(span_of(*r) for r in fresh)
    kept.sort(key=lambda s: (s.start, s.end, s.id))
    return kept


class ColleaguesMixin:
    """Uses the screen's ``store``, ``project``, ``iv_id``, ``iv_sha``, ``all_spans``, ``codes``,
    ``coders`` and its repaint methods."""

    _saved_at: tuple | None = None

    def reload_if_reimported(self, why: str = "") -> bool:
        """When another process re-imported the open interview (its text version changed),
        load the new text and say so (``why``: what was refused because of it).  True when it
        did."""
        if self.iv_id is None:
            return False
        sha = self.store.interview_sha(self.iv_id)
        if sha is None or sha == self.iv_sha:
            return False
        at = self._cursor
        self.open_interview(self.iv_id)
        self.transcript.move_to_offset(max(0, min(at, len(self.text))))
        self.update_details()
        self.notify(f"'{self.iv_name}' was re-imported by another process: its text changed and the new "
                    f"text is shown now.{' ' + why if why else ''}", severity="warning" if why else "information",
                    timeout=12)
        return True

    def refused_on_old_text(self, exc: TextChanged, why: str) -> None:
        """The store refused a write made on the old text: show the new one and say why."""
        if not self.reload_if_reimported(why):
            self.notify(str(exc), severity="error", timeout=12)

    def reload_spans(self) -> None:
        if self.iv_id is None:
            return
        self.all_spans = [span_of(*r) for r in self.store.coding_tuples(self.iv_id)]
        self._show_spans_changed()

    def _show_spans_changed(self) -> None:
        self.study_counts = self.store.code_counts(coder=self.counted_coder)
        self._paint_all()
        self.refresh_codebook()
        self.update_details()
        self._schedule_side_refresh()

    def _poll(self) -> None:
        """Pick up changes made by another instance (another coder on the same database): new
        or changed codes (a new codebook version) and codings."""
        try:
            last = self.store.last_event_id()
            stamp = storemod.codebook_stamp(self.store)
        except Exception:  # noqa: BLE001 - a locked or vanished file must not crash the screen
            return
        if self.iv_id is not None:
            where = (self.iv_id, self._cursor)
            if where != self._saved_at:
                self._saved_at = where
                self.save_position()
            try:
                if self.reload_if_reimported():
                    self._seen_event = last
                    return
            except Exception:  # noqa: BLE001 - as above
                return
        if stamp != self._seen_codebook:
            self._seen_codebook = stamp
            self.codes_changed(announce=True)
        if last != self._seen_event:
            seen, self._seen_event = self._seen_event, last
            try:
                changed = self._follow(seen, last)
                self.coders = self.store.coders()
            except Exception:  # noqa: BLE001 - as above: the next poll tries again
                self._seen_event = seen
                return
            if changed:
                self._show_spans_changed()
            else:
                self._schedule_side_refresh()

    def _follow(self, seen: int, last: int) -> bool:
        """Bring the open interview's codings up to event ``last``; True when what the screen
        shows changed."""
        if self.iv_id is None:
            return False
        events = self.store.changes_between(seen, last)
        ids: set[int] | None = set()
        for action, interview_id, coding_id in events or ():
            if action not in ONE_CODING_ACTIONS or coding_id is None:
                ids = None
                break
            if interview_id == self.iv_id:
                ids.add(coding_id)
        whole = events is None or ids is None
        if whole:
            fresh = [span_of(*r) for r in self.store.coding_tuples(self.iv_id)]
        elif ids:
            rows = self.store.coding_tuples_of(self.iv_id, ids)
            same = {span_of(*r) for r in rows} == {s for s in self.all_spans if s.id in ids}
            fresh = self.all_spans if same else followed(self.all_spans, rows, ids)
        else:
            fresh = self.all_spans
        if len(fresh) != self.store.coding_count(self.iv_id):
            # a change no event named (a bulk change that logs no event per coding): read it whole
            whole, fresh = True, [span_of(*r) for r in self.store.coding_tuples(self.iv_id)]
        if fresh is self.all_spans or (whole and set(fresh) == set(self.all_spans)):
            return False
        self.all_spans = fresh
        return True

    def codes_changed(self, *, announce: bool = False) -> None:
        """The codes in the database changed (here or in another screen): show them by name.
        The project's codebook is re-read from the file too, so the next change starts from it."""
        before = {c.id: c.name for c in self.codes.values()}
        try:
            self.project.codebook = cbmod.load(self.project.root / "codebook.yaml")
        except FieldcodeError:
            pass   # a half-edited file: the database's codes still show
        self.load_codes()
        if self.code_filter is not None:
            self.code_filter &= set(self.codes)
        self._paint_all()
        self.refresh_codebook()
        self.update_details()
        new = [c.name for cid, c in self.codes.items() if cid not in before]
        if announce and new:
            self.notify(f"New code{'s' if len(new) > 1 else ''} from another screen: {', '.join(new)}.")
