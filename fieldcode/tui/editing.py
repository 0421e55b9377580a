"""Changing codings in the coding screen: remove, change code, resize by sentence or to the
selection, cycle between overlapping codings, undo and redo.  A mixin of
:class:`fieldcode.tui.coding.CodingScreen`; every change is committed by the store before the
transcript repaints it, and carries the version of the text shown (a re-import by another
process since is refused, and the screen reloads the new text)."""

from __future__ import annotations

import json

from fieldcode.errors import FieldcodeError, TextChanged
from fieldcode.tui.modals import CodePicker
from fieldcode.tui.textmap import Span, extend_by_unit, shown_quote, shrink_by_unit, trim_edges


def to_span(row) -> Span:  # noqa: ANN001 - a Coding row
    return Span(id=row.id, code_id=row.code_id, coder=row.coder, start=row.start, end=row.end,
                memo=row.memo or "", created_at=row.created_at, updated_at=row.updated_at)


def coding_label(span: Span, codes: dict, text: str) -> str:
    """A coding named for a dialog or a message: code, number, coder and a short quote."""
    name = codes[span.code_id].name if span.code_id in codes else f"code {span.code_id}"
    return f"{name} #{span.id} by {span.coder}, {shown_quote(text[span.start:span.end])}"


class EditingMixin:
    """Actions on the marked (▶) coding; a colleague's is refused, never swapped for one's own."""

    def marked(self) -> Span | None:
        """The ▶ coding of the details panel: the one every changing key acts on."""
        spans = self.under_cursor()
        if not spans:
            return None
        for s in spans:
            if s.id == self.current_coding:
                return s
        mine = [s for s in spans if s.coder == self.me]
        return sorted(mine or spans, key=lambda s: (s.end - s.start, s.id))[0]

    def _mine_or_warn(self) -> Span | None:
        """The ▶ coding when it is the coder's own; else say whose it is and return None."""
        cur = self.marked()
        if cur is None:
            self.notify("No coding under the cursor: n moves to the next coding.", severity="warning")
            return None
        if cur.coder != self.me:
            own = any(s.coder == self.me for s in self.under_cursor())
            hint = " Press . to mark (▶) your own coding here." if own else ""
            self.notify(f"That coding is {cur.coder}'s ({coding_label(cur, self.codes, self.text)}): coders "
                        f"change only their own codings.{hint}", severity="warning", timeout=6)
            return None
        return cur

    def _update(self, cur: Span, **changes) -> Span | None:  # noqa: ANN003
        coder = self._coder()
        if coder is None:
            return None
        try:
            row = self.store.update_coding(cur.id, coder, expect_sha=self.iv_sha, **changes)
        except TextChanged as exc:
            self.refused_on_old_text(exc, "Your change was made on the old text, so it was not stored (its "
                                          "offsets would point at other words): select the passage again and redo it.")
            return None
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error")
            return None
        new = to_span(row)
        self.all_spans = [new if s.id == cur.id else s for s in self.all_spans]
        self.current_coding = new.id
        self.transcript.repaint_rows(self.shown_spans, self._rows((cur.start, cur.end), (new.start, new.end)))
        self.update_details()
        self._schedule_side_refresh()
        return new

    def action_remove_coding(self) -> None:
        cur = self._mine_or_warn()
        coder = self._coder()
        if cur is None or coder is None:
            return
        try:
            self.store.remove_coding(cur.id, coder, expect_sha=self.iv_sha)
        except TextChanged as exc:
            self.refused_on_old_text(exc, "Your removal was asked on the old text, so it was not done: the "
                                          "codings have moved with their words; check the coding and remove it again.")
            return None
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error")
            return
        self.all_spans = [s for s in self.all_spans if s.id != cur.id]
        self.study_counts[cur.code_id] = max(0, self.study_counts.get(cur.code_id, 0) - 1)
        self.current_coding = None
        self.transcript.repaint_rows(self.shown_spans, self._rows((cur.start, cur.end)))
        self.update_details()
        self._schedule_side_refresh()
        self.notify(f"Removed {coding_label(cur, self.codes, self.text)} (ctrl+z brings it back).")

    def action_change_code(self) -> None:
        cur = self._mine_or_warn()
        if cur is None:
            return

        def done(code_id: int | None) -> None:
            if code_id is not None and code_id != cur.code_id:
                if self._update(cur, code=code_id):
                    self.study_counts[cur.code_id] = max(0, self.study_counts.get(cur.code_id, 0) - 1)
                    self.study_counts[code_id] = self.study_counts.get(code_id, 0) + 1

        name = self.codes[cur.code_id].name if cur.code_id in self.codes else f"code {cur.code_id}"
        self.app.push_screen(CodePicker(self._active_codes(), f"Change the code of {name} #{cur.id} "
                                        f"(coded by {cur.coder}) to", quote=self.text[cur.start:cur.end]), done)

    def action_extend_coding(self) -> None:
        cur = self._mine_or_warn()
        if cur is not None:
            a, b = extend_by_unit(self.sentences, (cur.start, cur.end))
            if (a, b) == (cur.start, cur.end):
                self.notify("No further sentence to extend into.", severity="warning")
            else:
                self._update(cur, end=b)

    def action_shrink_coding(self) -> None:
        cur = self._mine_or_warn()
        if cur is not None:
            a, b = shrink_by_unit(self.sentences, (cur.start, cur.end))
            if (a, b) == (cur.start, cur.end):
                self.notify("The coding is down to one sentence; select a smaller span and press = to fit it.",
                            severity="warning")
            else:
                self._update(cur, end=b)

    def action_fit_coding(self) -> None:
        a, b = self.transcript.selection_offsets
        a, b = trim_edges(self.text, a, b)
        if a >= b:
            self.notify("Select the new span first, then press = to fit the coding to it.", severity="warning")
            return
        cur = self._mine_or_warn()
        if cur is not None:
            self._update(cur, start=a, end=b)

    def action_cycle_coding(self) -> None:
        spans = sorted(self.under_cursor(), key=lambda s: (s.end - s.start, s.id))
        if not spans:
            return
        ids = [s.id for s in spans]
        i = ids.index(self.current_coding) if self.current_coding in ids else -1
        self.current_coding = ids[(i + 1) % len(ids)]
        self.update_details()

    def _undo_redo(self, redo: bool) -> None:
        coder = self._coder()
        if coder is None:
            return
        try:
            ev = self.store.redo(coder) if redo else self.store.undo(coder)
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error")
            return
        if ev is None:
            self.notify("Nothing to redo." if redo else "Nothing to undo.", severity="warning")
            return
        snap = json.loads((ev.after if redo else ev.before) or ev.before or ev.after or "{}")
        where = (snap.get("start", 0), snap.get("end", 0))
        if ev.interview_id is not None and ev.interview_id != self.iv_id:
            self.open_interview(ev.interview_id)
        elif not self.reload_if_reimported():   # undo and redo follow a re-import's new text
            self.reload_spans()
        # the coding as it is now (after a re-import its offsets differ from the snapshot's)
        live = next((sp for sp in self.all_spans if sp.id == ev.coding_id), None)
        if live is not None:
            where = (live.start, live.end)
        self.transcript.move_to_offset(where[0])
        self.current_coding = ev.coding_id
        self.update_details()
        code = self.codes.get(snap.get("code_id"))
        what = {"add": "coding", "remove": "removal", "update": "change"}.get(ev.action, ev.action)
        self.notify(f"{'Redid' if redo else 'Undid'} {what}{' of ' + code.name if code else ''} (#{ev.coding_id}).")

    def action_undo(self) -> None:
        self._undo_redo(False)

    def action_redo(self) -> None:
        self._undo_redo(True)

