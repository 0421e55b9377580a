"""The ``saturation`` command: code saturation by Guest, Namey & Chen's (2020) rule, per coder
and per arm, with its curve in the terminal and a CSV.  Registered on the shared app
(fieldcode.cli.base) when imported.  Thin: the numbers come from fieldcode.analysis.saturation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from fieldcode.cli.base import app, err, out, parse_filters
from fieldcode.lazy import lazy_module
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls

sat = lazy_module("fieldcode.analysis.saturation")     # the database layer loads on first use
export = lazy_module("fieldcode.analysis.export")


def curve_text(series, width: int = 72, height: int = 14) -> str:
    """The cumulative number of codes against interviews in order, one line per series, drawn
    by plotext as text (no colour, so it reads the same in a log)."""
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    for s in series:
        if s.steps:
            xs = list(range(1, len(s.steps) + 1))
            plt.plot(xs, [st.cumulative for st in s.steps], label=f"{s.coder} · {s.group}", marker="dot")
            if s.result.reached_at is not None:
                plt.vertical_line(s.result.reached_at + 0.0)
    plt.title("Code saturation: unique codes by interviews coded (vertical line: saturation point k)")
    plt.xlabel("interviews, in the order coded")
    plt.ylabel("codes")
    return plt.build()


@app.command("saturation")
def saturation_cmd(
    ctx: typer.Context,
    coder: Annotated[Optional[str], typer.Option("--coder", help="Only this coder (default: each coder, and all coders together).")] = None,
    by: Annotated[Optional[str], typer.Option("--by", help="An interview attribute, e.g. arm: the rule per value as well as pooled.")] = None,
    base: Annotated[int, typer.Option("--base", help="Base size: the first N interviews, whose unique codes are the denominator.")] = 4,
    run: Annotated[int, typer.Option("--run", help="Run length: how many interviews after the base are checked for new codes.")] = 2,
    threshold: Annotated[float, typer.Option("--threshold", help="New-information threshold: saturation when a run's new codes / the base's unique codes is at or below this (0.05 = 5%).")] = 0.05,
    resamples: Annotated[int, typer.Option("--resamples", help="Random interview orders for the bootstrap (0: none).")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap's random orders (printed and written with the results).")] = 0,
    role: Annotated[Optional[list[str]], typer.Option("--role", help="Only interviews with this participant role (repeat for more).")] = None,
    where: Annotated[Optional[list[str]], typer.Option("--where", help="Only interviews whose attribute has this value, e.g. --where pair=Leeds (repeat for more).")] = None,
    include_interviewer: Annotated[bool, typer.Option("--include-interviewer", help="Count codings in interviewer turns too (by default they are left out).")] = False,
    csv: Annotated[Optional[Path], typer.Option("--csv", help="Write the curves (one row per coder x group x interview, with the result and bootstrap) to this CSV, and a JSON sidecar beside it.")] = None,
    plot: Annotated[bool, typer.Option("--plot/--no-plot", help="Draw the curves in the terminal.")] = True,
) -> None:
    """Code saturation by Guest, Namey & Chen's (2020) rule, per coder and per arm, with its curve
    and a bootstrap over interview orders.

    Interviews are taken in the order each coder first coded them (from the event log); the
    base's unique codes are the denominator; a run of
    interviews after the base is checked for codes never seen before, moving one interview on
    until their share of the base is at or below the threshold; saturation at k interviews is
    reported "k+run" (e.g. "6+2"), or why it was not reached.  Per coder, for all coders
    together, pooled and per value of --by, with a bootstrap over random interview orders.

    This is CODE saturation: few new codes in this order, with this codebook. It does not show
    that the meaning of each code is exhausted.  Renamed or merged codes are not new.

    Example: fieldcode saturation --by arm --base 4 --run 2 --threshold 0.05 --csv results/saturation.csv
    """
    p = ctx.find_root().obj.project(write=False)
    res = sat.saturation(p.store, coder=coder, by=by, base=base, run=run, threshold=threshold, resamples=resamples,
                         seed=seed, include_interviewer=include_interviewer, order={"arm": list(p.study.arms)},
                         filters=parse_filters(role, where))
    out.print(f"Code saturation (Guest, Namey & Chen 2020): base {base}, run {run}, threshold {threshold:.0%}")
    for s in res.series:
        out.print(f"  {escape(s.coder)} · {escape(s.group)} ({len(s.steps)} interviews): {escape(sat.describe(s))}")
    if plot and res.series:
        main = coder or (sat.ALL_CODERS if any(s.coder == sat.ALL_CODERS for s in res.series) else res.series[0].coder)
        shown = [s for s in res.series if s.coder == main]
        out.print(escape(curve_text(shown)), highlight=False)
    out.print(f"Order: {sat.ORDER_RULE}.")
    out.print(f"Counted: {sat.COUNT_RULE}.")
    out.print(f"Rule: {sat.RULE}.")
    out.print("This is code saturation: it does not show that the meaning of each code is fully developed.")
    for w in res.warnings:
        err.print(f"[yellow]saturation:[/] {escape(w)}")
    if csv is not None:
        csv.parent.mkdir(parents=True, exist_ok=True)
        export.write_text(csv, sat.saturation_csv(res))
        side = csv.with_suffix(".json")
        export.write_sidecar(side, export.sidecar(
            "saturation", files=[csv], codebook=p.codebook, coders_in_data=p.store.coders(), store=p.store,
            options={"coders": [coder] if coder else None, "filters": parse_filters(role, where), "by": by,
                     "include_interviewer": include_interviewer},
            extra={"saturation": {"rule": sat.RULE, "order": sat.ORDER_RULE, "counted": sat.COUNT_RULE,
                                  "base": base, "run": run, "threshold": threshold,
                                  "bootstrap": {"resamples": resamples, "seed": seed},
                                  "meaning": "code saturation only, not meaning saturation"}}))
        for pth in (csv, side):
            out.print(f"wrote {escape(pth)}")


__all__ = ["saturation_cmd"]
