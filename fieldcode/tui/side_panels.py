"""The coding screen's side panels: the navigator (interviews with their coding progress) and the
codebook tree (counts here and in the study), refreshed a moment after a change so that the
transcript repaints first.  Mixed into :class:`~fieldcode.tui.coding.CodingScreen`."""

from __future__ import annotations

from fieldcode.tui.widgets import CodebookTree, InterviewItem, Navigator


class SidePanelsMixin:
    """Uses the screen's ``store``, ``project``, ``iv_id``, ``counted_coder``, ``shown_spans``,
    ``codes``, ``code_filter`` and ``study_counts``."""

    _side_timer = None

    def refresh_navigator(self, infos: list | None = None) -> None:
        """Every interview with the share of its analysed words coded (as 'fieldcode interviews'
        and 'fieldcode coverage' show it), the open one marked."""
        if infos is None:
            infos = self.store.interview_infos(coder=self.counted_coder)
        from fieldcode.analysis.progress import coded_shares

        shares = coded_shares(self.store, self.counted_coder)
        items = [InterviewItem(i.id, i.name, i.attributes, i.n_codings, shares.get(i.id, 0.0)) for i in infos]
        self.query_one(Navigator).show(items, self.project.study.arms, self.iv_id)

    def refresh_codebook(self) -> None:
        """The codebook tree with each code's count in the open interview and in the study."""
        here: dict[int, int] = {}
        for s in self.shown_spans:
            here[s.code_id] = here.get(s.code_id, 0) + 1
        hidden = None if self.code_filter is None else set(self.codes) - self.code_filter
        self.query_one(CodebookTree).show(list(self.codes.values()), here, self.study_counts, hidden)

    def _schedule_side_refresh(self) -> None:
        """Navigator progress and study counts refresh a moment after a change, so applying a
        code repaints the transcript first."""
        if self._side_timer is not None:
            self._side_timer.stop()
        self._side_timer = self.set_timer(0.3, self._side_refresh)

    def _side_refresh(self) -> None:
        self._side_timer = None
        self.refresh_navigator()
        self.refresh_codebook()
