"""The segments behind one analysis cell: the query a cell stands for, the headless count
that answers it, the screen that lists them, and the jump back to the coding screen with a
segment selected (``(interview_id, start, end)``, as the retrieval screen's result)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, OptionList, Static

from fieldcode.safe import literal
from fieldcode.tui.retrieval import fill_segment_list

Target = tuple[int, int, int]   # (interview_id, start, end): what the coding screen opens


@dataclass(frozen=True)
class CellQuery:
    """The segments behind one cell: what :func:`fieldcode.analysis.segments` is asked, plus
    the column group the segments must fall in (``by`` attributes equal to ``group``)."""

    code: str
    include_children: bool
    coders: list[str] | None
    exclude_interviewer: bool
    filters: dict[str, list[str]] = field(default_factory=dict)
    by: tuple[str, ...] = ()
    group: tuple[str, ...] = ()
    title: Text | str = ""


def cell_segments(store, q: CellQuery) -> list:  # noqa: ANN001
    """The coded segments of a cell (headless; runs in a worker)."""
    from fieldcode import analysis

    filters = {k: list(v) for k, v in q.filters.items()}
    for b, v in zip(q.by, q.group):
        if b != "interview" and v != analysis.MISSING:
            filters[b] = [v]
    segs = analysis.segments(store, codes=[q.code], include_children=q.include_children, filters=filters or None,
                             coders=q.coders, exclude_interviewer=q.exclude_interviewer)

    def key(s) -> tuple[str, ...]:  # noqa: ANN001 - the crosstab's own grouping rule
        return tuple(s.interview if b == "interview" else (s.attributes.get(b) or analysis.MISSING) for b in q.by)

    return [s for s in segs if key(s) == tuple(q.group)]


class SegmentListScreen(Screen[Target | None]):
    """The coded segments of one analysis cell.  Enter opens one in the transcript."""

    DEFAULT_CSS = """
    SegmentListScreen #what { padding: 0 1; background: $boost; height: auto; }
    SegmentListScreen #count { padding: 0 1; color: $text-muted; }
    SegmentListScreen OptionList { height: 1fr; }
    SegmentListScreen OptionList > .option-list--option { padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "close", "Back to analysis", id="analysis.segments.close")]

    def __init__(self, project, query: CellQuery) -> None:  # noqa: ANN001
        super().__init__()
        self.project = project
        self.query_ = query
        self.segments: list = []
        self.busy = True

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(literal(self.query_.title), id="what")
        yield Label("counting…", id="count")
        yield OptionList(id="segments")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Analysis · segments"
        self.sub_title = f"coder: {self.project.coder or '?'}"
        self.query_one(OptionList).focus()
        self.query_one(OptionList).loading = True
        self._load()

    @work(thread=True, exclusive=True, group="analysis-segments")
    def _load(self) -> None:
        try:
            segs = cell_segments(self.project.store, self.query_)
        except Exception as exc:  # noqa: BLE001 - show any failure, never crash the screen
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            segs = []
        self.app.call_from_thread(self._show, segs)

    def _show(self, segs: list) -> None:
        self.segments = segs
        colours = {c.key: c.colour for c in self.project.store.codes()}
        ol = self.query_one(OptionList)
        ol.loading = False
        fill_segment_list(ol, self.query_one("#count", Label), segs, colours)
        self.busy = False

    @on(OptionList.OptionSelected, "#segments")
    def _open(self, event: OptionList.OptionSelected) -> None:
        s = self.segments[int(event.option.id)]
        self.dismiss((s.interview_id, s.start, s.end))

    def action_close(self) -> None:
        self.dismiss(None)


def open_target(app, target: Target | None) -> None:  # noqa: ANN001
    """Show ``(interview_id, start, end)`` in the coding screen (as the retrieval screen's
    result is shown): open the interview if needed, select the span, focus the transcript."""
    if not target:
        return
    from fieldcode.tui.coding import CodingScreen

    screen = next((s for s in reversed(app.screen_stack) if isinstance(s, CodingScreen)), None)
    if screen is None:
        return
    while app.screen is not screen:
        app.pop_screen()
    screen.show_target(target)
