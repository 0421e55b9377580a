"""The agreement panel (``A``): per code, observed and positive agreement, Cohen's kappa per pair
and Krippendorff's alpha at a chosen unit, overall or by arm: the numbers of ``fieldcode
agreement``, from the same function (:func:`fieldcode.team.reliability.agreement`) called with
the same options, computed in a thread worker.

Keys: ``u`` the unit (char, word, sentence, turn, interview), ``b`` by arm or overall, ``c``
whose codings (everyone, then each pair of coders), ``i`` interviewer turns, ``v`` 95%
percentile bootstrap intervals on κ and α (``fieldcode agreement --ci``: 1,000 resamples of the
interviews, seed 1), ``ctrl+e`` writes what ``fieldcode export agreement`` writes for these
options, Esc back.
"""

from __future__ import annotations

import math
from itertools import combinations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from fieldcode.safe import literal
from fieldcode.team.agreement import UNIT_DEFINITIONS, UNITS
from fieldcode.team.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from fieldcode.team.reliability import ALL, TENTATIVE, WEAK, ci_note, differs, fmt, fmt_interval, grade
from fieldcode.tui.exporting import EXPORT_KEY, agreement_job, start_export

BY = "arm"


def mark(alpha: float) -> str:
    """The CLI's mark beside a code's alpha."""
    return {"weak": "weak !", "tentative": "tentative"}.get(grade(alpha), "")


def signed(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:+.3f}"


def columns(res, narrow: bool = False) -> list[tuple[str, str]]:  # noqa: ANN001
    """(key, header) of the table's columns after the code column, for ``res``: overall, units,
    coded, observed, positive, kappa per pair and alpha; by arm, per arm observed, positive,
    kappa (per pair) and alpha, then alpha's difference between the arms.  ``narrow``: short
    headers (obs., pos.), so that alpha fits at 80 columns."""
    obs, pos = ("obs.", "pos.") if narrow else ("observed", "positive")
    groups = res.compared() if res.by else [ALL]
    intervals = bool(res.options.get("ci"))
    cols: list[tuple[str, str]] = []
    if not res.by:
        cols += [(f"units:{ALL}", "units"), (f"coded:{ALL}", "coded")]
    for g in groups:
        head = "" if g == ALL else f"\n{g}"
        if g != ALL:
            cols.append((f"coded:{g}", "coded" + head))
        cols += [(f"observed:{g}", obs + head), (f"positive:{g}", pos + head)]
        for a, b in res.pairs:
            cols.append((f"kappa:{a}/{b}:{g}", f"κ {a}/{b}" + head))
            if intervals:
                cols.append((f"kappa_ci:{a}/{b}:{g}", "95% CI" + head))
        cols.append((f"alpha:{g}", "α" + head))
        if intervals:
            cols.append((f"alpha_ci:{g}", "95% CI" + head))
    if res.by:
        cols.append(("delta", "Δα"))
    cols.append(("mark", ""))
    return cols


def cells(res, row) -> dict[str, str]:  # noqa: ANN001
    """The table's cells of one code (``row``), by column key, formatted as the CLI prints them."""
    out: dict[str, str] = {}
    for g in (res.compared() if res.by else [ALL]):
        e = row.everyone[g]
        if g == ALL:
            out[f"units:{g}"], out[f"coded:{g}"] = f"{e.units:,}", f"{e.coded:,}"
        else:   # each coder's coded units in the arm, as the CLI shows them
            out[f"coded:{g}"] = "/".join(f"{n:,}" for _c, n in e.coder_units)
        out[f"observed:{g}"], out[f"positive:{g}"] = fmt(e.observed), fmt(e.positive)
        for pk in res.pairs:
            out[f"kappa:{pk[0]}/{pk[1]}:{g}"] = fmt(row.pairs[pk][g].kappa)
            out[f"kappa_ci:{pk[0]}/{pk[1]}:{g}"] = fmt_interval(*row.pairs[pk][g].interval("kappa"))
        out[f"alpha:{g}"] = fmt(e.alpha)
        out[f"alpha_ci:{g}"] = fmt_interval(*e.interval("alpha"))
    if res.by:
        out["delta"] = signed(row.difference.get("alpha", math.nan))
    if res.by:   # the CLI's flag: a difference above the threshold, or too few coded to say
        over = any(not math.isnan(d) and abs(d) > res.threshold for d in row.difference.values())
        out["mark"] = f"differs > {res.threshold:g}" if differs(row, res) else "few coded" if over else ""
    else:
        out["mark"] = mark(row.everyone[ALL].alpha)
    return out


class AgreementPanel(Screen[None]):
    """Intercoder agreement per code, as ``fieldcode agreement`` computes it."""

    DEFAULT_CSS = """
    AgreementPanel #agreement-status { height: auto; max-height: 3; padding: 0 1; background: $boost; }
    AgreementPanel #agreement-table { height: 1fr; scrollbar-size: 1 1; }
    AgreementPanel #agreement-notes { height: auto; max-height: 6; padding: 0 1; color: $text-muted; }
    AgreementPanel.-small #agreement-notes { max-height: 3; }
    """
    BINDINGS = [
        Binding("escape", "close", "Back", id="agreement.close"),
        Binding("u", "cycle_unit", "Unit", id="agreement.unit"),
        Binding("b", "toggle_by", "By arm", id="agreement.by"),
        Binding("c", "cycle_coders", "Coders", id="agreement.coders"),
        Binding("i", "toggle_interviewer", "Interviewer", id="agreement.interviewer"),
        Binding("v", "toggle_intervals", "Intervals", id="agreement.intervals"),
        Binding(EXPORT_KEY, "export", "Export", id="agreement.export"),
    ]

    def __init__(self, project, *, unit: str = "sentence", by: str | None = None,  # noqa: ANN001
                 coders: list[str] | None = None) -> None:
        super().__init__()
        self.project = project
        self.unit = unit
        self.by = by
        self.coders = coders                # None: everyone who coded the interviews in scope
        self.include_interviewer = False
        self.intervals = False               # v: bootstrap intervals, as 'fieldcode agreement --ci'
        self.result = None
        self.error: str | None = None
        self.busy = True
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="agreement-status")
        yield DataTable(id="agreement-table", cursor_type="row", fixed_columns=1, zebra_stripes=True)
        yield Static("", id="agreement-notes")
        yield Footer(compact=True)

    def on_resize(self) -> None:
        self.set_class(self.size.height < 30, "-small")

    def on_mount(self) -> None:
        self.title = "Agreement"
        self.sub_title = f"coder: {self.project.coder or '?'}"
        self.query_one(DataTable).focus()
        self.recompute()

    # -- options ---------------------------------------------------------------------------------
    def action_cycle_unit(self) -> None:
        self.unit = UNITS[(UNITS.index(self.unit) + 1) % len(UNITS)] if self.unit in UNITS else "sentence"
        self.recompute()

    def action_toggle_by(self) -> None:
        self.by = None if self.by else BY
        self.recompute()

    def action_cycle_coders(self) -> None:
        pairs: list[list[str] | None] = [None, *[list(p) for p in combinations(self.project.store.coders(), 2)]]
        i = pairs.index(self.coders) if self.coders in pairs else 0
        self.coders = pairs[(i + 1) % len(pairs)]
        self.recompute()

    def action_toggle_interviewer(self) -> None:
        self.include_interviewer = not self.include_interviewer
        self.recompute()

    def action_toggle_intervals(self) -> None:
        self.intervals = not self.intervals
        self.recompute()

    def action_export(self) -> None:
        if self.result is None or self.busy:
            self.notify("Nothing to export yet: the figures are still being computed or could not be.",
                        severity="warning")
            return
        start_export(self, agreement_job(self.project, self.result, coders=self.coders,
                                         include_interviewer=self.include_interviewer))

    def action_close(self) -> None:
        self.dismiss(None)

    # -- computing --------------------------------------------------------------------------------
    def recompute(self) -> None:
        self.busy = True
        self._generation += 1
        self._status()
        self._compute(self.unit, self.by, self.coders, self.include_interviewer, self.intervals, self._generation)

    @work(thread=True, exclusive=True, group="agreement")
    def _compute(self, unit: str, by: str | None, coders: list[str] | None, interviewer: bool, intervals: bool,
                 generation: int) -> None:
        from fieldcode.team.reliability import agreement

        p = self.project
        try:   # the call 'fieldcode agreement' makes for these options (--ci: its default seed and resamples)
            res, err = agreement(p.store, level=None, unit=unit, coders=coders, codes=None, filters={},
                                 include_interviewer=interviewer, by=by, order={"arm": list(p.study.arms)},
                                 ci=intervals, seed=DEFAULT_SEED, resamples=DEFAULT_RESAMPLES), None
        except Exception as exc:  # noqa: BLE001 - say why, never crash the screen
            res, err = None, str(exc)
        try:
            self.app.call_from_thread(self._computed, res, err, generation)
        except RuntimeError:
            pass   # the app closed meanwhile

    def _computed(self, res, err: str | None, generation: int) -> None:  # noqa: ANN001
        if generation != self._generation or not self.is_attached:
            return
        self.busy = False
        self.result, self.error = res, err
        self._show_result()

    # -- drawing ----------------------------------------------------------------------------------
    def _status(self) -> None:
        t = Text()
        res = None if self.busy else self.result
        who = ", ".join(res.coders) if res else (", ".join(self.coders) if self.coders else "everyone")
        t.append(f"Agreement of {who}", style="bold")
        t.append(f" · unit: {self.unit} · {'by ' + self.by if self.by else 'overall'} · interviewer turns "
                 f"{'included' if self.include_interviewer else 'left out'}"
                 f"{' · 95% intervals' if self.intervals else ''}")
        if res is not None:
            t.append(f" · {res.n_compared} of {res.n_interviews} interview{'s' if res.n_interviews != 1 else ''} "
                     "coded by two or more")
        if self.busy:
            t.append(" · computing…", style="italic")
        t.append("\nu unit · b by arm · c coders · i interviewer · v intervals · ctrl+e export · Esc back", style="dim")
        self.query_one("#agreement-status", Static).update(t)

    def _show_result(self) -> None:
        self._status()
        dt = self.query_one(DataTable)
        notes = self.query_one("#agreement-notes", Static)
        dt.clear(columns=True)
        res = self.result
        if res is None:
            notes.update(Text(f"No figures: {self.error}", style="bold red"))
            return
        cols = columns(res, narrow=self.size.width < 100)
        dt.header_height = 2 if res.by else 1
        top = min((r.depth for r in res.rows), default=0)
        labels = [("" if r.overall else "  " * (r.depth - top)) + r.label for r in res.rows]
        # a set width: Textual squeezed the fixed code column to its header once the table scrolled sideways
        dt.add_column(Text("code", style="bold"), key="code", width=min(32, max(map(len, labels), default=4)))
        for key, head in cols:
            dt.add_column(Text(head, justify="right"), key=key)
        for r, text in zip(res.rows, labels):
            label = Text(text, style="bold" if r.overall else "", no_wrap=True, overflow="ellipsis")
            vals = cells(res, r)
            row = [label]
            for key, _h in cols:
                style = "bold red" if key == "mark" and vals[key].startswith(("weak", "differs")) else \
                    "yellow" if key == "mark" and vals[key] else ""
                row.append(Text(vals[key], justify="right", style=style))
            dt.add_row(*(literal(c) for c in row), key=r.key)
        n = Text()
        if res.by and not res.compared():
            n.append(f"No interview in scope has a value of '{res.by}' (all are '(missing)'): nothing to show "
                     "by arm; b shows the figures overall.\n", style="bold yellow")
        n.append(f"Unit: {res.unit} = {UNIT_DEFINITIONS[res.unit]}; {UNIT_DEFINITIONS['coded']}.\n")
        n.append(f"Missing data: {UNIT_DEFINITIONS['missing']}. Observed, positive and α over all the coders "
                 f"together; κ is Cohen's, per pair. α below {WEAK} weak !, below {TENTATIVE} tentative; "
                 "— = undefined.")
        if res.by and res.compared():
            n.append(f" Δα: {' minus '.join(res.compared()[:2]) if len(res.compared()) == 2 else 'largest minus smallest'}.")
        if res.options.get("ci"):
            n.append("\n" + ci_note(res))
        for w in res.warnings:
            n.append(f"\n{w}", style="yellow")
        notes.update(n)


def push_agreement(app) -> None:  # noqa: ANN001
    """Open the panel over the coding screen (the app's ``A``)."""
    if not any(isinstance(s, AgreementPanel) for s in app.screen_stack):
        app.push_screen(AgreementPanel(app.project))
