"""The framework screen (``F``): themes as columns, interviews as rows grouped by matched pair, the
focal arm's interview beside its twin's under each theme; each cell shows whose summary is
shown (yours by default) or that there is none, how many passages that coder coded there, and
``!`` when a cited passage changed since.  The line under the table shows the current cell in
full (every coder's summary and the consensus one).

Keys: arrows move, Enter opens the cell (its passages beside an editor,
:mod:`fieldcode.tui.framework_cell`), ``o`` whose summaries and counts (mine, consensus, each
other coder), ``r`` sub-themes rolled up or not, ``t`` which themes (code keys), Esc back.  The numbers come from
:func:`fieldcode.analysis.framework.build_matrix` (the crosstab's segments).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from fieldcode.analysis.framework import Cell, Matrix, build_matrix
from fieldcode.errors import FieldcodeError
from fieldcode.safe import literal
from fieldcode.store import q_coders
from fieldcode.store.framework import CONSENSUS_AUTHOR
from fieldcode.tui.widgets import data, short_name

NONE_MARK = "\u2014"      # no summary
STALE_MARK = "!"


def cell_label(cell: Cell, author: str, width: int) -> Text:
    """What a table cell shows for ``author``: passages, then the summary's start (or —), with
    ``!`` first when a cited passage changed since."""
    s = cell.by(author)
    head = f"{cell.passages:>2} "
    if s is None:
        return Text(head + NONE_MARK, style="dim")
    body = " ".join(s.text.split())
    room = max(1, width - len(head) - (1 if s.stale else 0))
    body = body if len(body) <= room else body[:room - 1] + "\u2026"
    out = Text(head)
    if s.stale:
        out.append(STALE_MARK, style="bold red")
    out.append(body)
    return out


def cell_detail(m: Matrix, cell: Cell, interview: str, pair: str, arm: str) -> str:
    """The line(s) under the table: where the cursor is, and every summary of the cell in full."""
    lines = [f"{pair} · {arm} · {short_name(interview)} · {cell.theme.name}: {cell.passages} passage"
             f"{'s' if cell.passages != 1 else ''}"]
    if not cell.summaries:
        lines.append("no summary yet (Enter to write one)")
    for s in cell.summaries:
        who = "consensus" if s.consensus else s.author
        flag = f"  [! {s.stale_note()}]" if s.stale else ""
        lines.append(f"{who}: {' '.join(s.text.split())}{flag}")
    return "\n".join(lines)


class FrameworkScreen(Screen[None]):
    """The framework matrix of the study, pair by pair."""

    DEFAULT_CSS = """
    FrameworkScreen #fw-status { height: 1; padding: 0 1; background: $boost; }
    FrameworkScreen #fw-table { height: 1fr; scrollbar-size: 1 1; }
    FrameworkScreen #fw-detail { height: auto; max-height: 6; padding: 0 1; border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("escape", "close", "Back", id="framework.close"),
        Binding("enter", "open_cell", "Open cell", id="framework.open", priority=True),
        Binding("o", "cycle_author", "Whose", id="framework.author"),
        Binding("r", "toggle_rollup", "Roll-up", id="framework.rollup"),
        Binding("t", "choose_themes", "Themes", id="framework.themes"),
    ]

    def __init__(self, project, *, author: str | None = None, rollup: bool = True) -> None:  # noqa: ANN001
        super().__init__()
        self.project = project
        self.author = author or project.coder
        self.rollup = rollup
        self.codes: list[str] | None = None      # None: every top-level theme
        self.matrix: Matrix | None = None
        self.positions: dict[tuple[int, int], tuple[int, str, str, str] | None] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="fw-status")
        yield DataTable(id="fw-table", cursor_type="cell", fixed_columns=1, zebra_stripes=True, header_height=2)
        yield Static("", id="fw-detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = "Framework matrix"
        self.sub_title = f"coder: {self.project.coder or '?'}"
        self.query_one(DataTable).focus()
        self.refresh_matrix()

    # -- data -----------------------------------------------------------------------------------
    def authors(self) -> list[str]:
        """The ``o`` cycle: me, the consensus summaries, then every other coder (by name)."""
        me = self.project.coder
        others = sorted(set(q_coders(self.project.store)) - {me, CONSENSUS_AUTHOR})
        return [me, CONSENSUS_AUTHOR, *others]

    def refresh_matrix(self, keep: tuple[int, int] | None = None) -> None:
        p = self.project
        try:
            self.matrix = build_matrix(p.store, p.study.arms, codes=self.codes, rollup=self.rollup,
                                       coders=[self.author])
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error")
            return
        self.draw(keep)

    def cell_width(self) -> int:
        return 18 if self.size.width >= 120 else 14

    def draw(self, keep: tuple[int, int] | None = None) -> None:
        m = self.matrix
        table = self.query_one(DataTable)
        table.clear(columns=True)
        w = self.cell_width()
        table.add_column("Pair", key="pair", width=12)
        for t in m.themes:
            name = t.name if len(t.name) <= w else t.name[:w - 1] + "\u2026"
            for arm in m.arms:
                table.add_column(Text(f"{name}\n{arm}"), key=f"{t.key}|{arm}", width=w)
        self.positions = {}
        seen: dict[str, int] = {}
        for i, r in enumerate(m.rows):
            seen[r.pair] = seen.get(r.pair, 0) + 1
            label = r.pair if len(r.pair) <= 9 else r.pair[:8] + "\u2026"
            row = [Text(f"{label} {seen[r.pair]}")]
            for j, t in enumerate(m.themes):
                for k, side in enumerate(r.sides):
                    col = 1 + 2 * j + k
                    if side is None:
                        row.append(Text(""))
                        self.positions[(i, col)] = None
                        continue
                    row.append(cell_label(m.cell(side.interview_id, t.key), self.author, w))
                    self.positions[(i, col)] = (side.interview_id, t.key, side.interview, r.pair)
            table.add_row(*(literal(c) for c in row), height=1)
        n = sum(len(c.summaries) for c in m.cells.values())
        n_stale = sum(1 for c in m.cells.values() for s in c.summaries if s.stale)
        whose = "the consensus summaries" if self.author == CONSENSUS_AUTHOR else f"{self.author}'s summaries"
        self.query_one("#fw-status", Static).update(data(
            f"{whose} and passages · {len(m.themes)} themes{' (sub-themes rolled up)' if self.rollup else ''} · "
            f"{n} summaries{f', {n_stale} with changed citations (!)' if n_stale else ''} · o whose · Enter open"))
        if keep is not None:
            table.move_cursor(row=min(keep[0], table.row_count - 1), column=keep[1])
        elif table.row_count and len(m.themes):
            table.move_cursor(row=0, column=1)
        self.show_detail()

    def current(self) -> tuple[int, str, str, str] | None:
        table = self.query_one(DataTable)
        c = table.cursor_coordinate
        return self.positions.get((c.row, c.column))

    def show_detail(self) -> None:
        pos = self.current()
        detail = self.query_one("#fw-detail", Static)
        if pos is None or self.matrix is None:
            detail.update(data("(no interview here)" if self.positions else ""))
            return
        iid, key, interview, pair = pos
        col = self.query_one(DataTable).cursor_coordinate.column
        arm = self.matrix.arms[(col - 1) % 2]
        detail.update(data(cell_detail(self.matrix, self.matrix.cell(iid, key), interview, pair, arm)))

    def on_data_table_cell_highlighted(self, _event: DataTable.CellHighlighted) -> None:
        self.show_detail()

    def on_data_table_cell_selected(self, _event: DataTable.CellSelected) -> None:
        self.action_open_cell()

    # -- actions --------------------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss(None)

    def action_cycle_author(self) -> None:
        cycle = self.authors()
        self.author = cycle[(cycle.index(self.author) + 1) % len(cycle)] if self.author in cycle else cycle[0]
        self.notify(f"Showing {'the consensus' if self.author == CONSENSUS_AUTHOR else self.author + chr(39) + 's'} "
                    "summaries and passages")
        self.refresh_matrix(self.cursor())

    def action_toggle_rollup(self) -> None:
        self.rollup = not self.rollup
        self.refresh_matrix()

    def action_choose_themes(self) -> None:
        from fieldcode.tui.modals import Prompt

        def chosen(value: str | None) -> None:
            if value is None:
                return
            before = self.codes
            self.codes = [k.strip() for k in value.split(",") if k.strip()] or None
            self.refresh_matrix()
            if self.matrix is None or (self.codes and [t.key for t in self.matrix.themes] != self.codes):
                self.codes = before          # refused (unknown key): keep what was shown
                self.refresh_matrix()

        current = ",".join(self.codes or [])
        self.app.push_screen(Prompt("Themes: code keys, comma-separated (empty: every top-level theme and any holding a summary)", current,
                                    "Enter shows them · Esc cancels"), chosen)

    def cursor(self) -> tuple[int, int]:
        c = self.query_one(DataTable).cursor_coordinate
        return (c.row, c.column)

    def action_open_cell(self) -> None:
        from fieldcode.tui.framework_cell import FrameworkCellScreen

        pos = self.current()
        if pos is None or self.matrix is None:
            self.notify("No interview in this cell.", severity="warning")
            return
        iid, key, interview, pair = pos
        cell = self.matrix.cell(iid, key)
        keep = self.cursor()
        self.app.push_screen(FrameworkCellScreen(self.project, cell, interview, author=self.author),
                             lambda _saved: self.refresh_matrix(keep))


def push_framework(app) -> None:  # noqa: ANN001
    """Open the framework screen over the coding screen (the app's ``F``)."""
    if not any(isinstance(s, FrameworkScreen) for s in app.screen_stack):
        app.push_screen(FrameworkScreen(app.project))
