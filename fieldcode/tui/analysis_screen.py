"""The analysis screen: the crosstab of codes x interview groups, and the paired comparison
with a chart of the per-pair differences.

Everything counted comes from :mod:`fieldcode.analysis` (``crosstab``, ``compare``,
``segments``), computed in a thread worker; this module only renders it.  The semantics follow
``fieldcode crosstab`` / ``fieldcode compare``: the same unit names and definitions, interviewer
turns left out by default (and said so on screen), coders all unless one is picked.

Enter on a crosstab cell lists that cell's coded segments (the row's code, with its children
when the row is rolled up; the column group's interviews; the same coder and interviewer
rules), and Enter on a segment goes back to the coding screen with that span selected: the
screens dismiss with ``(interview_id, start, end)``, exactly like the retrieval screen.
"""

from __future__ import annotations

import math
from functools import partial
from dataclasses import dataclass, replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Footer, Header, Static

from fieldcode.analysis.paired import direction, format_value
from fieldcode.tui.analysis_cells import CellQuery, SegmentListScreen, Target, open_target
from fieldcode.tui.analysis_drawing import draw_bars, format_unit, shade, text_bars, wrap_name
from fieldcode.tui.widgets import data, highlight


UNIT_CYCLE = ("segments", "interviews", "words", "per1000")
UNIT_TITLES = {
    "segments": "coded segments",
    "interviews": "interviews mentioning the theme",
    "words": "coded words",
    "per1000": "coded words per 1,000 analysed words",
}
GROUPINGS: tuple[tuple[str, ...], ...] = (("pair", "arm"), ("arm",), ("pair",), ("role",), ("interview",))
COMPARE_UNITS = ("per1000", "share", "segments_per_interview")
COMPARE_TITLES = {"per1000": "per 1,000 words", "share": "share of interviews",
                  "segments_per_interview": "segments per interview"}
MISSING = "(missing)"   # fieldcode.analysis.MISSING (imported lazily with the rest of analysis)


@dataclass
class Options:
    """What the screen shows.  Changing ``unit``/``denominators`` re-renders; the rest recount."""

    view: str = "crosstab"                 # "crosstab" | "compare"
    unit: str = "segments"
    compare_unit: str = "per1000"
    by: tuple[str, ...] = ("pair", "arm")
    rollup: bool = False
    include_interviewer: bool = False
    coder: str | None = None               # None = all coders
    role: str | None = None                # None = all roles
    denominators: bool = False

    @property
    def filters(self) -> dict[str, list[str]]:
        return {"role": [self.role]} if self.role else {}

    @property
    def coders(self) -> list[str] | None:
        return [self.coder] if self.coder else None


class AnalysisScreen(Screen[Target | None]):
    """Crosstab and paired comparison.  Dismisses with a span to open in the transcript."""

    DEFAULT_CSS = """
    AnalysisScreen #status { height: auto; max-height: 4; padding: 0 1; background: $boost; }
    AnalysisScreen #body { height: 1fr; }
    AnalysisScreen #crosstab { height: 1fr; }
    AnalysisScreen #compare { height: 1fr; }
    AnalysisScreen #compare-table { height: 1fr; min-height: 5; }
    AnalysisScreen #chart { height: 9; }
    AnalysisScreen #chart-note { height: auto; max-height: 2; padding: 0 1; background: $boost; }
    AnalysisScreen DataTable { scrollbar-size: 1 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "Back", id="analysis.close"),
        Binding("u", "cycle_unit", "Unit", id="analysis.unit"),
        Binding("g", "cycle_grouping", "Group by", id="analysis.grouping"),
        Binding("r", "toggle_rollup", "Rollup", id="analysis.rollup"),
        Binding("i", "toggle_interviewer", "Interviewer", id="analysis.interviewer"),
        Binding("c", "cycle_coder", "Coder", id="analysis.coder"),
        Binding("f", "cycle_role", "Role", id="analysis.role"),
        Binding("d", "toggle_denominators", "Denom.", id="analysis.denominators"),
        Binding("v", "toggle_view", "Paired", id="analysis.view"),
        Binding("ctrl+e", "export", "Export", id="analysis.export"),
    ]

    def __init__(self, project, options: Options | None = None) -> None:  # noqa: ANN001
        super().__init__()
        self.project = project
        self.options = options or Options()
        self.result = None          # the last Crosstab / Comparison shown
        self.busy = True
        self._generation = 0
        self._coder_list: list[str] = []
        self._role_list: list[str] = []
        self._computed_view: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="status")
        with ContentSwitcher(initial="compare" if self.options.view == "compare" else "crosstab", id="body"):
            yield DataTable(id="crosstab", cursor_type="cell", fixed_columns=1, zebra_stripes=False)
            with Vertical(id="compare"):
                yield DataTable(id="compare-table", cursor_type="cell", fixed_columns=1)
                yield Static("", id="chart-note")
                yield self._make_chart()
        yield Footer(compact=True)

    def _make_chart(self):  # noqa: ANN202
        try:
            from textual_plotext import PlotextPlot

            return PlotextPlot(id="chart")
        except ImportError:  # pragma: no cover - plain plotext into a Static instead
            return Static("", id="chart")

    def on_mount(self) -> None:
        self.title = "Analysis"
        self.sub_title = f"coder: {self.project.coder or '?'}"
        store = self.project.store
        self._coder_list = list(store.coders())
        roles = {a.get("role") for a in store.all_attributes().values()}
        self._role_list = sorted(r for r in roles if r)
        self.query_one("#compare-table" if self.options.view == "compare" else "#crosstab", DataTable).focus()
        self.recompute()

    # -- options -------------------------------------------------------------------------------
    def _set(self, *, recount: bool = True, **changes) -> None:  # noqa: ANN003
        self.options = replace(self.options, **changes)
        if recount:
            self.recompute()
        else:
            self.render_result()

    def action_cycle_unit(self) -> None:
        o = self.options
        if o.view == "compare":
            self._set(compare_unit=COMPARE_UNITS[(COMPARE_UNITS.index(o.compare_unit) + 1) % len(COMPARE_UNITS)])
        else:
            self._set(recount=False, unit=UNIT_CYCLE[(UNIT_CYCLE.index(o.unit) + 1) % len(UNIT_CYCLE)])

    def action_cycle_grouping(self) -> None:
        o = self.options
        if o.view == "compare":
            self.notify("The paired comparison is always by pair and arm; v shows the crosstab.")
            return
        i = GROUPINGS.index(o.by) if o.by in GROUPINGS else -1
        self._set(by=GROUPINGS[(i + 1) % len(GROUPINGS)])

    def action_toggle_rollup(self) -> None:
        self._set(rollup=not self.options.rollup)

    def action_toggle_interviewer(self) -> None:
        self._set(include_interviewer=not self.options.include_interviewer)

    def action_cycle_coder(self) -> None:
        self._set(coder=self._next(self._coder_list, self.options.coder))

    def action_cycle_role(self) -> None:
        self._set(role=self._next(self._role_list, self.options.role))

    @staticmethod
    def _next(values: list[str], current: str | None) -> str | None:
        cycle: list[str | None] = [None, *values]
        i = cycle.index(current) if current in cycle else 0
        return cycle[(i + 1) % len(cycle)]

    def action_toggle_denominators(self) -> None:
        self._set(recount=False, denominators=not self.options.denominators)

    def action_toggle_view(self) -> None:
        view = "compare" if self.options.view == "crosstab" else "crosstab"
        self.query_one(ContentSwitcher).current = view
        self.query_one("#crosstab" if view == "crosstab" else "#compare-table", DataTable).focus()
        self._set(view=view)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_export(self) -> None:
        """What 'fieldcode export counts' (crosstab) or 'export comparison' writes for the options shown."""
        from fieldcode.tui.exporting import analysis_job, start_export

        start_export(self, analysis_job(self.project, self.options))

    # -- computing -----------------------------------------------------------------------------
    def recompute(self) -> None:
        self.busy = True
        self._generation += 1
        self.query_one("#body").loading = True
        self._update_status()
        self._compute(replace(self.options), self._generation)

    @work(thread=True, exclusive=True, group="analysis")
    def _compute(self, o: Options, generation: int) -> None:
        from fieldcode import analysis

        p = self.project
        try:
            if o.view == "compare":
                arms = list(p.study.arms)
                if len(arms) < 2:
                    raise ValueError("the paired comparison needs two arms in codebook.yaml (study: arms:)")
                res = analysis.compare(p.store, arms=arms[:2], unit=o.compare_unit, filters=o.filters or None,
                                       coders=o.coders, include_interviewer=o.include_interviewer, rollup=o.rollup)
            else:
                res = analysis.crosstab(p.store, unit="all", by=o.by, filters=o.filters or None, coders=o.coders,
                                        include_interviewer=o.include_interviewer, rollup=o.rollup,
                                        order={"arm": list(p.study.arms)})
            err = None
        except Exception as exc:  # noqa: BLE001 - show any failure, never crash the screen
            res, err = None, str(exc)
        self.app.call_from_thread(self._computed, res, err, o, generation)

    def _computed(self, res, err: str | None, o: Options, generation: int) -> None:  # noqa: ANN001
        if generation != self._generation:
            return  # a newer computation is under way; its result follows
        self.query_one("#body").loading = False
        self.result = res if err is None else None
        self._computed_view = o.view
        self.busy = False
        if err:
            self.notify(err, severity="error")
        self.render_result()
        if self.focused is None:      # the loading indicator took focus away from the table
            self.query_one("#compare-table" if o.view == "compare" else "#crosstab", DataTable).focus()

    # -- rendering -----------------------------------------------------------------------------
    def _colours(self) -> dict[str, Color]:
        v = self.app.get_css_variables()

        def col(name: str, default: str) -> Color:
            try:
                return Color.parse(v.get(name, default))
            except Exception:  # noqa: BLE001
                return Color.parse(default)

        return {"base": col("surface", "#1e1e1e"), "accent": col("primary", "#0178d4"),
                "up": col("success", "#4ebf71"), "down": col("error", "#ba3c5b")}

    def render_result(self) -> None:
        self._update_status()
        if self.result is None or self._computed_view != self.options.view:
            return
        if self.options.view == "compare":
            self._render_compare()
        else:
            self._render_crosstab()

    def _render_crosstab(self) -> None:
        ct, o = self.result, self.options
        dt = self.query_one("#crosstab", DataTable)
        cursor = dt.cursor_coordinate
        headers, rows = ct.display(o.unit, denominators=o.denominators)
        tab = ct.table(o.unit)
        vals = [float(x) for x in tab.ravel().tolist() if not math.isnan(float(x))]
        vmax = max(vals, default=0.0)
        c = self._colours()
        dt.clear(columns=True)
        dt.add_column(Text("code", style="bold"), key="code")
        if "interview" in ct.by:      # interview names are long: no extension, broken at hyphens
            shown = [headers[0]]
            for g, h in zip(ct.groups, headers[1:]):
                denom = h[h.index("\n("):] if "\n(" in h else ""
                shown.append("\n".join(wrap_name(x) if b == "interview" else x for b, x in zip(ct.by, g)) + denom)
            headers = shown
        dt.header_height = max(h.count("\n") + 1 for h in headers)
        for gi, h in enumerate(headers[1:]):
            dt.add_column(Text(h, justify="right"), key=f"g{gi}")
        for r, row in enumerate(rows):
            label = Text(row[0])
            if ct.rows[r].rollup:
                label.stylize("bold")
            cells: list = [label]
            for gi, s in enumerate(row[1:]):
                v = float(tab[r, gi])
                cells.append(Text(f" {s} ", style=shade(v, vmax, c["base"], c["accent"]), justify="right"))
            dt.add_row(*cells, key=f"r{r}")
        if rows:
            dt.cursor_coordinate = Coordinate(min(cursor.row, len(rows) - 1),
                                              min(max(cursor.column, 1), len(headers) - 1))

    def _render_compare(self) -> None:
        cmp = self.result
        dt = self.query_one("#compare-table", DataTable)
        cursor = dt.cursor_coordinate
        focal, other = cmp.arms
        u = cmp.unit
        diffs = [abs(v.difference) for th in cmp.themes for v in th.pairs]
        vmax = max(diffs, default=0.0)
        c = self._colours()
        dt.clear(columns=True)
        dt.header_height = 2
        dt.add_column(Text(f"theme\n{focal} − {other}"), key="theme")
        dt.add_column(Text(f"{focal}\nhigher", justify="right"), key="higher")
        dt.add_column(Text("sign\ntest p", justify="right"), key="p")
        for pr in cmp.pairs:
            dt.add_column(Text(f"{pr}\n{focal[:4]} / {other[:4]}  diff", justify="right"), key=f"p:{pr}")
        top = min((th.row.depth for th in cmp.themes), default=0)
        for r, th in enumerate(cmp.themes):
            label = Text("  " * (th.row.depth - top) + th.row.label, style="bold" if th.row.rollup else "")
            n = th.higher + th.lower
            cells: list = [label, Text(f"{th.higher} of {n}" + (f", {th.ties} tied" if th.ties else ""),
                                       justify="right"),
                           Text(_format_p(th.p_value), justify="right")]
            for v in th.pairs:
                t = Text(f"{format_unit(u, v.focal)} / {format_unit(u, v.comparison)} ", style="dim", justify="right")
                way = direction(v.difference, u)     # as printed: a difference shown as zero is a tie
                col = c["up"] if way == "higher" else c["down"] if way == "lower" else c["base"]
                t.append(f" {format_value(v.difference, u, signed=True)} ",
                         style=shade(v.difference if way != "tie" else 0.0, vmax, c["base"], col))
                cells.append(t)
            dt.add_row(*cells, key=f"t{r}")
        if cmp.themes:
            dt.cursor_coordinate = Coordinate(min(cursor.row, len(cmp.themes) - 1), cursor.column)
        self._chart(dt.cursor_coordinate.row)

    @on(DataTable.CellHighlighted, "#compare-table")
    def _theme_highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._chart(event.coordinate.row)

    def _chart(self, r: int) -> None:
        cmp = self.result
        if cmp is None or self.options.view != "compare" or not cmp.themes:
            return
        th = cmp.themes[max(0, min(r, len(cmp.themes) - 1))]
        focal, other = cmp.arms
        pairs = list(reversed(th.pairs))           # plotext draws the first bar at the bottom
        values = [v.difference for v in pairs]
        labels = [f"{v.pair} {format_value(v.difference, cmp.unit, signed=True)}" for v in pairs]
        note = Text()
        note.append(f"{th.row.label}", style="bold")
        note.append(f": {focal} − {other} per pair, {COMPARE_TITLES[cmp.unit]}")
        self.query_one("#chart-note", Static).update(note)
        chart = self.query_one("#chart")
        chart.styles.height = 2 * len(pairs) + 3
        try:
            from textual_plotext import PlotextPlot
        except ImportError:  # pragma: no cover
            PlotextPlot = None  # noqa: N806
        if PlotextPlot is not None and isinstance(chart, PlotextPlot):
            plt = chart.plt
            plt.clear_data()
            plt.clear_figure()
            draw_bars(plt, labels, values)
            lo, hi = min([0.0, *values]), max([0.0, *values])
            if lo == hi:
                hi = 1.0
            plt.xlim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
            chart.refresh()
        else:  # pragma: no cover - textual-plotext missing: plotext's text into a Static
            try:
                import plotext as plt
            except ImportError:
                chart.update(text_bars(list(reversed(labels)), list(reversed(values)), chart.size.width))
                return
            plt.clear_figure()
            draw_bars(plt, labels, values)
            plt.plotsize(max(20, chart.size.width), max(6, 2 * len(pairs) + 3))
            chart.update(Text.from_ansi(plt.build()))

    def _update_status(self) -> None:
        from fieldcode import analysis

        o = self.options
        t = Text()
        if o.view == "compare":
            arms = list(self.project.study.arms)
            t.append(f"Paired comparison {' vs '.join(arms[:2])}", style="bold")
            bits = [f"unit: {COMPARE_TITLES[o.compare_unit]}", "by pair"]
        else:
            t.append("Crosstab", style="bold")
            bits = [f"unit: {UNIT_TITLES[o.unit]}", f"by {' × '.join(o.by)}"]
        bits += [f"coders: {o.coder or 'all'}", f"role: {o.role or 'all'}"]
        for b in bits:
            t.append(" · " + b)
        t.append(" · ")
        if o.include_interviewer:
            t.append("interviewer turns included", style="bold")
        else:
            t.append("interviewer turns left out")
        if o.rollup:
            t.append(" · children rolled up")
        if o.denominators and o.view == "crosstab":
            t.append(" · denominators shown")
        if self.busy:
            t.append(" · counting…", style="italic")
        t.append("\n")
        if o.view == "compare":
            t.append(f"{analysis.NORMALISED_UNITS[o.compare_unit]}; sign test {analysis.SIGN_TEST_NOTE}.",
                     style="dim")
            res = self.result if self._computed_view == "compare" else None
            if res is not None and res.warnings:
                t.append("\nbalance: ", style="yellow")
                t.append("; ".join(res.warnings), style="dim")
        else:
            t.append(f"Unit: {analysis.UNIT_DEFINITIONS[o.unit]}. Enter: the cell's segments.", style="dim")
        self.query_one("#status", Static).update(t)

    # -- Enter on a cell ----------------------------------------------------------------------------
    @on(DataTable.CellSelected)
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        q = self.cell_query(event.data_table.id, event.coordinate)
        if q is not None:
            self.app.push_screen(SegmentListScreen(self.project, q), self._segment_chosen)

    def cell_query(self, table_id: str | None, coord: Coordinate) -> CellQuery | None:
        """What to list for a cell: the row's code and the column's group (the code column
        lists the row's segments in every group)."""
        o, res = self.options, self.result
        if res is None:
            return None
        common = dict(coders=o.coders, exclude_interviewer=not o.include_interviewer, filters=o.filters)
        if table_id == "crosstab":
            row = res.rows[coord.row]
            if coord.column == 0:
                by, group, where = (), (), "all groups"
            else:
                by, group = tuple(res.by), tuple(res.groups[coord.column - 1])
                where = " / ".join(group)
        elif table_id == "compare-table":
            th = res.themes[coord.row]
            row = th.row
            if 3 <= coord.column < 3 + len(res.pairs):
                by, group = ("pair",), (res.pairs[coord.column - 3],)
                where = f"pair {group[0]} (both arms)"
            else:
                by, group, where = (), (), "all pairs"
        else:
            return None
        filt = [f"coders: {o.coder or 'all'}", f"role: {o.role or 'all'}",
                "interviewer turns included" if o.include_interviewer else "interviewer turns left out"]
        title = Text()
        title.append(row.label, style="bold")
        title.append(f"  ·  {where}  ·  {' · '.join(filt)}")
        return CellQuery(code=row.key, include_children=row.rollup, by=by, group=group, title=title, **common)

    def _segment_chosen(self, target: Target | None) -> None:
        if target:
            self.dismiss(target)


def push_analysis(app, options: Options | None = None) -> None:  # noqa: ANN001
    """Open the analysis screen over the coding screen (the app's ``a`` binding)."""
    if any(isinstance(s, (AnalysisScreen, SegmentListScreen)) for s in app.screen_stack):
        return
    # The settings of the last analysis (unit, grouping, coder ...) come back after jumping to a
    # quote and pressing a again.
    screen = AnalysisScreen(app.project, options or getattr(app, "analysis_options", None))

    def closed(target: Target | None) -> None:
        app.analysis_options = screen.options
        open_target(app, target)

    app.push_screen(screen, closed)


class AnalysisCommands(Provider):
    """Command palette: open the analysis screen (crosstab or paired comparison)."""

    ENTRIES = (("Open analysis: crosstab", "crosstab"), ("Open analysis: paired comparison", "compare"))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, view in self.ENTRIES:
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, highlight(matcher, label), partial(push_analysis, self.app, Options(view=view)),
                          help="codes x groups of interviews; improving vs lagging pair by pair")

    async def discover(self) -> Hits:
        for label, view in self.ENTRIES:
            yield DiscoveryHit(data(label), partial(push_analysis, self.app, Options(view=view)))


def _format_p(p: float | None) -> str:
    from fieldcode.analysis import format_p

    return format_p(p)
