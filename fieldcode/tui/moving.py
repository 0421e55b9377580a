"""Selecting and moving in the coding screen: sentence, word, turn and paragraph selection,
next/previous sentence, coding, uncoded turn, interview and search match.  A mixin of
:class:`fieldcode.tui.coding.CodingScreen` (it uses the screen's transcript, text, sentences and
turns, and never the database)."""

from __future__ import annotations

from bisect import bisect_right

from fieldcode.tui.modals import Prompt
from fieldcode.tui.textmap import (
    extend_by_unit,
    find_all_ci,
    next_after,
    paragraphs,
    shrink_by_unit,
    unit_at,
    word_after,
    word_at,
    word_before,
)
from fieldcode.tui.widgets import Navigator


class MovingMixin:
    """Actions that move the cursor or the selection."""

    # -- selecting --------------------------------------------------------------------------
    @property
    def anchor(self) -> int:
        """Where a unit key (s, t, w, p) looks: the selection's start when there is one (so after
        ( ) or a find, s and t take the unit of what is selected), else the cursor (after a code
        is applied, the coding's end: the keys continue forward)."""
        a, b = self.transcript.selection_offsets
        return a if a < b else self.transcript.cursor_offset

    def action_select_sentence(self) -> None:
        i = unit_at(self.sentences, self.anchor)
        if i is not None:
            self.transcript.select_offsets(*self.sentences[i])

    def action_extend_sentence(self) -> None:
        a, b = extend_by_unit(self.sentences, self.transcript.selection_offsets)
        self.transcript.select_offsets(a, b)
        self.warn_interviewer((a, b), moving=True)

    def action_shrink_sentence(self) -> None:
        a, b = shrink_by_unit(self.sentences, self.transcript.selection_offsets)
        self.transcript.select_offsets(a, b)

    def action_select_turn(self) -> None:
        units = [(u[0], u[1]) for u in self.all_units]
        i = unit_at(units, self.anchor)
        if i is None:
            self.notify("This transcript is empty.", severity="warning")
            return
        self.transcript.select_offsets(self.all_units[i][2], self.all_units[i][1])

    def action_select_word(self) -> None:
        w = word_at(self.text, self.anchor)
        if w:
            self.transcript.select_offsets(*w)

    def action_extend_word(self) -> None:
        """Grow the selection by the next whole word (with no selection: select the word here)."""
        a, b = self.transcript.selection_offsets
        if a == b:
            self.action_select_word()
            return
        w = word_after(self.text, b)
        if w is None:
            self.notify("No further word.", severity="warning")
            return
        self.transcript.select_offsets(a, w[1])

    def action_shrink_word(self) -> None:
        """Drop the selection's last word (never below one word)."""
        a, b = self.transcript.selection_offsets
        last = word_before(self.text, b)
        if a == b or last is None:
            return
        prev = word_before(self.text, last[0])
        if prev is None or prev[1] <= a:
            self.notify("The selection is down to one word.", severity="warning")
            return
        self.transcript.select_offsets(a, prev[1])

    def _sentence_step(self, backwards: bool) -> None:
        sents = self.sentences
        if not sents:
            self.notify("This transcript has no sentences.", severity="warning")
            return
        a, b = self.transcript.selection_offsets
        at = a if backwards else max(b - 1, a, self.transcript.cursor_offset)
        i = next_after([s for s, _ in sents], at, backwards=backwards, wrap=False)
        if i is None:
            self.notify("No further sentence.", severity="warning")
            return
        self.transcript.select_offsets(*sents[i])
        self.warn_interviewer(sents[i], moving=True)

    def action_next_sentence(self) -> None:
        self._sentence_step(False)

    def action_prev_sentence(self) -> None:
        self._sentence_step(True)

    def action_select_paragraph(self) -> None:
        paras = paragraphs(self.text)
        i = unit_at(paras, self.anchor)
        if i is None:
            self.notify("This transcript is empty.", severity="warning")
            return
        a, b = paras[i]
        # A paragraph that opens with a speaker label: select the words, not the label.
        turn = next((t for t in self.all_units if t[0] == a), None)
        self.transcript.select_offsets(turn[2] if turn else a, b)

    # -- moving -----------------------------------------------------------------------------
    def _goto_coding(self, backwards: bool) -> None:
        spans = sorted(self.shown_spans, key=lambda s: (s.start, s.end, s.id))
        if not spans:
            self.notify("No codings in this interview yet.", severity="warning")
            return
        starts = [s.start for s in spans]
        i = next_after(starts, self.transcript.cursor_offset, backwards=backwards)
        self.transcript.move_to_offset(spans[i].start)
        self.current_coding = spans[i].id
        self.update_details()

    def action_next_coding(self) -> None:
        self._goto_coding(False)

    def action_prev_coding(self) -> None:
        self._goto_coding(True)

    def action_next_uncoded(self) -> None:
        vis = sorted((s.start, s.end) for s in self.shown_spans)
        starts = [v[0] for v in vis]
        cur = self.transcript.cursor_offset
        cands = self.units
        order = [t for t in cands if t[2] > cur] + [t for t in cands if t[2] <= cur]
        for t in order:
            j = bisect_right(starts, t[1])
            if not any(e > t[2] for _, e in vis[:j]):
                self.transcript.move_to_offset(t[2])
                return
        what = "participant turn" if self.turns else "paragraph"
        self.notify(f"Every {what} has a coding." if cands else "Nothing to code here.", severity="information")

    def _step_interview(self, delta: int) -> None:
        order = self.query_one(Navigator).order
        if not order:
            return
        i = order.index(self.iv_id) if self.iv_id in order else -1
        self.open_interview(order[(i + delta) % len(order)])

    def action_next_interview(self) -> None:
        self._step_interview(1)

    def action_prev_interview(self) -> None:
        self._step_interview(-1)

    def action_search(self) -> None:
        def done(term: str | None) -> None:
            if term:
                self.search_term, self.study_spans = term, None
                self.search_spans = self.match_spans(self.iv_id)
                self._search_step(False, from_offset=self.transcript.cursor_offset - 1)

        self.app.push_screen(Prompt("Find in this transcript", self.search_term,
                                    "Enter finds · then F3 or > next, shift+F3 or < previous · "
                                    "/ searches the whole study"), done)

    def match_spans(self, interview_id: int | None) -> list[tuple[int, int]]:
        """The last search's matches in the open transcript: the study search's hits in it, or
        the find term's case-insensitive occurrences."""
        if self.study_spans is not None:
            return list(self.study_spans.get(interview_id, []))
        n = len(self.search_term)
        return [(i, i + n) for i in find_all_ci(self.text, self.search_term)] if self.search_term else []

    def _search_step(self, backwards: bool, from_offset: int | None = None) -> None:
        if not self.search_term:
            self.action_search()
            return
        if not self.search_spans:
            where = "has no hits of the study search" if self.study_spans is not None else "does not contain"
            self.notify(f"This transcript {where} '{self.search_term}'.", severity="warning")
            return
        at = self.transcript.selection_offsets[0] if from_offset is None else from_offset
        i = next_after([a for a, _b in self.search_spans], at, backwards=backwards)
        self.transcript.select_offsets(*self.search_spans[i])
        self.notify(f"match {i + 1} of {len(self.search_spans)}", timeout=1.5)

    def action_search_next(self) -> None:
        self._search_step(False)

    def action_search_prev(self) -> None:
        self._search_step(True)

    def action_focus_transcript(self) -> None:
        self.transcript.focus()

    def action_toggle_sidebar(self) -> None:
        self.query_one("#side").toggle_class("-hidden")

