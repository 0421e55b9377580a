"""Opening the study-wide screens from the coding screen: the study search (``/``) and the
suggestion review (``g``).  A mixin of :class:`fieldcode.tui.coding.CodingScreen`: it pushes the
screens and, when they close, opens the chosen passage in the transcript."""

from __future__ import annotations


class StudyActionsMixin:
    """``action_study_search`` and ``action_suggestions`` of the coding screen."""

    def action_study_search(self) -> None:
        from fieldcode.tui.study_search import StudySearchScreen

        def done(jump) -> None:  # noqa: ANN001 - a study_search.Jump or None
            if jump is None:
                return
            self.study_query, self.study_spans, self.search_term = jump.query, jump.spans, jump.query.text
            if jump.interview_id != self.iv_id:
                self.open_interview(jump.interview_id, select=(jump.start, jump.end))
            else:
                self.search_spans = self.match_spans(self.iv_id)
                self.transcript.select_offsets(jump.start, jump.end)
            self.transcript.focus()

        self.app.push_screen(StudySearchScreen(self.project, self.iv_id, self.study_query), done)

    def action_suggestions(self) -> None:
        from fieldcode.tui.suggestions import SuggestionScreen

        if self._coder() is None:
            return

        def done(left) -> None:  # noqa: ANN001 - a suggestions.Left
            if left is None:
                return
            self.suggestion_at = left.resume
            self.reload_spans()
            if left.open is not None:
                iid, a, b = left.open
                if iid != self.iv_id:
                    self.open_interview(iid, select=(a, b))
                else:
                    self.transcript.select_offsets(a, b)
            self.transcript.focus()

        self.app.push_screen(SuggestionScreen(self.project, self.me, self.suggestion_at), done)
