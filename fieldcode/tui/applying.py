"""Applying codes in the coding screen: the selection to code (trimmed of stray spaces and
punctuation, and saying so), a code's hotkey, the code picker (``c``), in-vivo codes (``v``),
and the interviewer-turn warnings.  A mixin of :class:`fieldcode.tui.coding.CodingScreen`.

After a code is applied the selection clears (so the new colour shows) and the cursor stands at
the coding's end, so ``)``, ``s`` and ``t`` continue forward from it; a second code for the same
passage needs no re-selecting while the cursor is still on it.
"""

from __future__ import annotations

from bisect import bisect_right

from textual.widgets.text_area import Selection

from fieldcode import store as storemod
from fieldcode.errors import FieldcodeError, TextChanged
from fieldcode.study.codebook_edit import NameInUse
from fieldcode.tui.editing import to_span
from fieldcode.tui.modals import CodePicker, Prompt
from fieldcode.tui.textmap import Span, shown_quote, trim_edges
from fieldcode.tui.widgets import CodebookTree, CodeItem


class ApplyingMixin:
    """Applying codes to the selection."""

    # -- coding actions ---------------------------------------------------------------------
    def _coder(self) -> str | None:
        if not self.me:
            self.notify("No coder: restart with --coder NAME or set FIELDCODE_CODER.", severity="error")
        return self.me

    def _selection(self, *, say: bool = True) -> tuple[int, int] | None:
        """The span to code: the selection without surrounding spaces or stray punctuation
        (saying what was left out), or the passage just coded while the cursor is still on it."""
        raw = self.transcript.selection_offsets
        a, b = trim_edges(self.text, *raw)
        if a >= b and self._last_coded is not None:
            # Right after coding the selection clears (so the new colour shows); a second code
            # for the same passage needs no re-selecting while the cursor is still in it.
            la, lb = self._last_coded
            if la <= self.transcript.cursor_offset <= lb:
                return la, lb
        if a >= b:
            self.notify("Select some text first: s sentence, t turn, w word (W adds the next word), "
                        "shift+arrows or the mouse.", severity="warning")
            return None
        if say and (a, b) != raw:
            before, after = self.text[raw[0]:a].strip(), self.text[b:raw[1]].strip()
            left = [f"'{p}' {where}" for p, where in ((before, "before it"), (after, "after it")) if p]
            what = " and ".join(left) if left else "the spaces at its edges"
            self.notify(f"Trimmed the selection to {shown_quote(self.text[a:b])}: left out {what}.", timeout=4)
        return a, b

    def _rows(self, *spans: tuple[int, int]) -> set[int]:
        rows: set[int] = set()
        for a, b in spans:
            rows.update(self.transcript.lines.rows_of(a, b))
        return rows

    def apply_code(self, code_id: int, span: tuple[int, int] | None = None) -> Span | None:
        coder = self._coder()
        span = span or self._selection()
        if coder is None or span is None or self.iv_id is None:
            return None
        same = next((s for s in self.all_spans if s.coder == coder and s.code_id == code_id
                     and (s.start, s.end) == tuple(span)), None)
        if same is not None:
            name = self.codes[code_id].name if code_id in self.codes else "this code"
            self.notify(f"This text is already coded {name} (#{same.id}).", severity="warning")
            return None
        try:
            row = self.store.add_coding(self.iv_id, code_id, span[0], span[1], coder, expect_sha=self.iv_sha)
        except TextChanged as exc:
            self.refused_on_old_text(exc, "Your selection was made on the old text, so it was not coded (its "
                                          "offsets would point at other words): select the passage again.")
            return None
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error")
            return None
        sp = to_span(row)
        self.all_spans = [*self.all_spans, sp]
        self.current_coding = sp.id
        self.study_counts[code_id] = self.study_counts.get(code_id, 0) + 1
        if self.me not in self.coders:
            self.coders = sorted({*self.coders, self.me})
        if self.code_filter is not None:
            self.code_filter.add(code_id)
        # Clear the selection (it would hide the new colour); the cursor stands at the coding's
        # end, so ), s and t continue forward from it.
        tr = self.transcript
        moved = Selection.cursor(tr.lines.to_location(span[1]))
        selection_changes = tr.selection != moved
        tr.selection = moved
        self._cursor = span[1]
        self._last_coded = (span[0], span[1])
        self._only_added = True
        tr.repaint_rows(self.shown_spans, self._rows(span))
        if not selection_changes:   # else the selection's change updates the details, once
            self.update_details()
        self._schedule_side_refresh()
        self.warn_interviewer(span)
        return sp

    def interviewer_share(self, span: tuple[int, int]) -> tuple[int, int]:
        """(characters of ``span`` inside interviewer turns, characters of it in any turn)."""
        a, b = span
        inside = total = 0
        i = max(0, bisect_right(self._turn_starts, a) - 1)
        for start, end, content, _who, interviewer in self.turns[i:]:
            if start >= b:
                break
            lo, hi = max(a, content), min(b, end)
            if hi > lo:
                total += hi - lo
                if interviewer:
                    inside += hi - lo
        return inside, total

    def warn_interviewer(self, span: tuple[int, int], *, moving: bool = False) -> None:
        """Say so when a selection or coding lies in (or runs into) an interviewer turn: such
        codings are left out of the counts."""
        inside, total = self.interviewer_share(span)
        if not inside:
            return
        if inside >= total:
            what = ("This selection is in an interviewer turn: codings" if moving
                    else "Coded an interviewer turn: codings")
            self.notify(f"{what} wholly in interviewer turns are left out of every count "
                        "(analysis: i counts them).", severity="warning", timeout=6)
        else:
            what = "The selection runs" if moving else "This coding runs"
            self.notify(f"{what} into an interviewer turn: the interviewer's words are left out of word "
                        "counts (analysis: i counts them).", severity="warning", timeout=6)

    def action_apply_code(self, code_id: int) -> None:
        self.apply_code(code_id)

    def action_pick_code(self) -> None:
        span = self._selection()
        if span is None:
            return

        def done(code_id: int | None) -> None:
            if code_id is not None:
                self.apply_code(code_id, span)

        self.app.push_screen(CodePicker(self._active_codes(), "Apply code to the selection",
                                        quote=self.text[span[0]:span[1]]), done)

    def _active_codes(self) -> list[CodeItem]:
        return list(self.codes.values())

    def action_in_vivo(self) -> None:
        span = self._selection()
        if span is None:
            return
        words = " ".join(self.text[span[0]:span[1]].split())
        name = words if len(words) <= 60 else words[:60].rsplit(" ", 1)[0]

        def done(value: str | None) -> None:
            value = (value or "").strip()
            if not value:
                return
            parent_id = self.query_one(CodebookTree).current_code if self.query_one(CodebookTree).has_focus else None
            parent = self.codes[parent_id].key if parent_id in self.codes else None
            try:
                cd = self.project.add_code(value, parent=parent)
            except NameInUse as exc:
                self.offer_existing(exc.key, span)
                return
            except FieldcodeError as exc:
                self.notify(str(exc), severity="error")
                return
            self.codes_changed()
            self._seen_codebook = storemod.codebook_stamp(self.store)
            new = next((c.id for c in self.codes.values() if c.key == cd.key), None)
            if new is not None and self.apply_code(new, span):
                self.notify(f"New code '{cd.name}' ({cd.key}) written to codebook.yaml and applied.")
            self.refresh_codebook()

        self.app.push_screen(Prompt("In-vivo code: name of the new code", name,
                                    "Enter creates the code in codebook.yaml and applies it · Esc cancels"), done)

    def offer_existing(self, key: str, span: tuple[int, int] | None) -> None:
        """A new code's name is taken: offer the code that has it (Enter applies it)."""
        code = next((c for c in self.codes.values() if c.key == key), None)
        if code is None:
            self.notify(f"A code with that name already exists (key {key}).", severity="warning")
            return

        def done(code_id: int | None) -> None:
            if code_id is not None and span is not None:
                self.apply_code(code_id, span)

        self.app.push_screen(CodePicker([code], f"'{code.name}' already exists: apply it instead?",
                                        quote=self.text[span[0]:span[1]] if span else ""), done)

