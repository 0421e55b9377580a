"""The coding screen's side panels: the navigator (interviews with their coding progress) and the
codebook tree (counts here and in the study), refreshed a moment after a change so that the
transcript repaints first, the navigator's figures computed on a worker thread.  Mixed into :class:`~fieldcode.tui.coding.CodingScreen`."""

from __future__ import annotations

from textual import work
from textual.css.query import NoMatches

from fieldcode.tui.widgets import CodebookTree, InterviewItem, Navigator


def navigator_shares(store, coder: str | None) -> dict[int, float]:  # noqa: ANN001
    """interview id -> the share of its analysed words coded (by ``coder``, or everyone)."""
    from fieldcode.analysis.progress import coded_shares

    return coded_shares(store, coder)


class SidePanelsMixin:
    """Uses the screen's ``store``, ``project``, ``iv_id``, ``counted_coder``, ``shown_spans``,
    ``codes``, ``code_filter`` and ``study_counts``."""

    _side_timer = None

    def refresh_navigator(self, infos: list | None = None) -> None:
        """Every interview with the share of its analysed words coded (as 'fieldcode interviews'
        and 'fieldcode coverage' show it), the open one marked."""
        if infos is None:
            infos = self.store.interview_infos(coder=self.counted_coder)
        self._show_navigator(infos, navigator_shares(self.store, self.counted_coder))

    def _show_navigator(self, infos: list, shares: dict[int, float]) -> None:
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

    _side_generation = 0

    def _side_refresh(self) -> None:
        """The navigator's figures are computed on a worker thread (a crosstab over the study:
        0.27 s at 1,000 interviews, which a key pressed meanwhile would have waited for) and
        shown on the screen's; a result overtaken by a later change is dropped."""
        self._side_timer = None
        self._side_generation += 1
        self._compute_side(self.counted_coder, self._side_generation)

    @work(thread=True, exclusive=True, group="side-panels")
    def _compute_side(self, coder: str | None, generation: int) -> None:
        try:
            infos = self.store.interview_infos(coder=coder)
            shares = navigator_shares(self.store, coder)
        except Exception:  # noqa: BLE001 - a locked or vanished file: the next change refreshes again
            return
        try:
            self.app.call_from_thread(self._side_computed, infos, shares, generation)
        except RuntimeError:
            pass   # the app closed meanwhile

    def _side_computed(self, infos: list, shares: dict[int, float], generation: int) -> None:
        if generation != self._side_generation or not self.is_attached:
            return
        try:
            self._show_navigator(infos, shares)
            self.refresh_codebook()
        except NoMatches:
            pass   # the screen is being taken down (the app closing): nothing left to show it in
