"""``fieldcode agreement --unit unitized``: Krippendorff's unitizing alpha per code and pooled,
printed as a table or CSV.  Imported by the agreement command (fieldcode.cli.agreement) only
when that unit is asked for; thin: the numbers come from fieldcode.team.unitized."""

from __future__ import annotations

import math
import sys

import typer
from rich.table import Table

from fieldcode.cli.base import err, out, parse_filters, split_list
from fieldcode.errors import InvalidInput
from fieldcode.safe import plain as escape
from fieldcode.team.levels import level_note
from fieldcode.team.unitized import UNITIZED_DEFINITIONS


def _fmt(x: float, digits: int = 3) -> str:
    return "—" if math.isnan(x) else f"{x:.{digits}f}"


def _sci(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.3g}"


def render(res) -> Table:
    t = Table(title=escape(f"Unitizing agreement (Krippendorff's u-α) of {', '.join(res.coders)}"), title_justify="left")
    t.add_column("code")
    if res.by:
        t.add_column(escape(res.by))
    t.add_column(escape("units " + "/".join(res.coders)), justify="right")
    for h in ("D_o", "D_e", "u-α"):
        t.add_column(h, justify="right")
    top = min((r.depth for r in res.rows), default=0)
    for r in res.rows:
        label = escape(("" if r.overall else "  " * (r.depth - top)) + r.label)
        for g in res.groups:
            d = r.by_group[g]
            cells = [label] + ([escape(g)] if res.by else [])
            cells += ["/".join(str(r.units[g][c]) for c in res.coders), _sci(d.d_o), _sci(d.d_e), _fmt(d.alpha)]
            t.add_row(*cells)
    return t


def notes(res) -> list[str]:
    lines = [f"Continuum: {UNITIZED_DEFINITIONS['continuum']}; "
             + "; ".join(f"{escape(g)}: {res.n_interviews[g]} interviews, {res.lengths[g]:,} characters" for g in res.groups) + ".",
             f"Units: {UNITIZED_DEFINITIONS['unit']}.",
             f"u-α: {UNITIZED_DEFINITIONS['u-alpha']}.",
             "— = undefined (no coder used the code)."]
    return lines


def unitized_command(ctx: typer.Context, *, level=None, coders, codes, role, where, include_interviewer, by, format) -> None:
    """The body of ``agreement --unit unitized``."""
    from fieldcode.team.unitized import unitized_agreement, unitized_csv

    if format not in ("table", "csv"):
        raise InvalidInput(f"--format must be table or csv, not '{format}'")
    p = ctx.find_root().obj.project(write=False)
    res = unitized_agreement(p.store, coders=split_list(coders), codes=split_list(codes),
                             filters=parse_filters(role, where), include_interviewer=include_interviewer, by=by,
                             order={"arm": list(p.study.arms)}, level=level)
    if format == "csv":
        sys.stdout.write(unitized_csv(res))
        sys.stdout.flush()
    else:
        out.print(render(res))
        for n in notes(res):
            out.print(n)
        if level is not None:
            out.print(level_note(level))
    for w in res.warnings:
        err.print(f"[yellow]reliability:[/] {escape(w)}")


def unitized_export(ctx: typer.Context, output, *, coders, codes, role, where, include_interviewer, by) -> None:  # noqa: ANN001
    """The body of ``export agreement --unit unitized``: the CSV and its JSON sidecar (the
    definitions, the continuum per group, the warnings)."""
    from fieldcode.analysis import export
    from fieldcode.team.unitized import unitized_agreement, unitized_csv

    p = ctx.find_root().obj.project(write=False)
    res = unitized_agreement(p.store, coders=split_list(coders), codes=split_list(codes),
                             filters=parse_filters(role, where), include_interviewer=include_interviewer, by=by,
                             order={"arm": list(p.study.arms)})
    output.parent.mkdir(parents=True, exist_ok=True)
    side = output.with_suffix(".json")
    export.write_text(output, unitized_csv(res))
    export.write_sidecar(side, export.sidecar(
        "agreement", files=[output], codebook=p.codebook, coders_in_data=p.store.coders(), store=p.store,
        options={**res.options, "unit": "unitized"}, n_interviews=res.n_in_scope,
        extra={"unit": "unitized", "units": UNITIZED_DEFINITIONS,
               "continuum": {g: {"interviews": res.n_interviews[g],
                                                                       "characters": res.lengths[g]}
                                                                   for g in res.groups},
               "warnings": list(res.warnings)}))
    for w in res.warnings:
        err.print(f"[yellow]reliability:[/] {escape(w)}")
    for pth in (output, side):
        out.print(f"wrote {escape(pth)}")


__all__ = ["render", "notes", "unitized_command", "unitized_export"]
