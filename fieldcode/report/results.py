"""The report's result sections: agreement with intervals, code saturation, the crosstab and
the paired comparison, each with its rules and a figure.

The numbers are the commands' own: each function here takes the result object of the function
the command calls (``team.reliability.agreement`` for ``fieldcode agreement``,
``analysis.saturation.saturation`` for ``fieldcode saturation``, ``analysis.crosstab`` for
``fieldcode crosstab`` / ``export counts``, ``analysis.compare`` and
``analysis.paired_coders.compare_by_coder`` for ``fieldcode compare``) and only formats it, with
the same formatting functions the commands print with.
"""

from __future__ import annotations

import math

from fieldcode.report.model import Figure, Panel, Paragraph, Section, Series, Table


def _ci(ms, name: str, value: float) -> str:  # noqa: ANN001
    from fieldcode.team.reliability import fmt

    lo, hi = ms.interval(name)
    if math.isnan(value):
        return "—"
    if math.isnan(lo) or math.isnan(hi):
        return fmt(value)
    return f"{fmt(value)} [{fmt(lo)}, {fmt(hi)}]"


def _label(row, top: int) -> str:  # noqa: ANN001
    return ("" if row.overall else "  " * (row.depth - top)) + row.label


# --- agreement ------------------------------------------------------------------------------------

def agreement_blocks(res) -> list:  # noqa: ANN001
    """One unit's tables (all coders together, with intervals; by group when ``res.by``), notes and
    the interval figure of alpha."""
    from fieldcode.team.agreement import UNIT_DEFINITIONS
    from fieldcode.team.bootstrap import BOOTSTRAP_DEFINITION
    from fieldcode.team.reliability import ALL, fmt

    two = len(res.coders) == 2
    top = min((r.depth for r in res.rows), default=0)
    heads = ["code", "units", "coded", "observed", "positive"]
    heads += [f"κ {a}/{b}" for a, b in res.pairs] + ["α", "AC1", "BP"]
    heads += ["PABAK", "PI", "BI"] if two else ["Fleiss κ"]
    rows = []
    for r in res.rows:
        e = r.everyone[ALL]
        cells = [_label(r, top), f"{e.units:,}", f"{e.coded:,}", fmt(e.observed), fmt(e.positive)]
        cells += [_ci(r.pairs[pk][ALL], "kappa", r.pairs[pk][ALL].kappa) for pk in res.pairs]
        cells += [_ci(e, "alpha", e.alpha), _ci(e, "ac1", e.ac1), _ci(e, "bp", e.bp)]
        if two:
            pm = r.pairs[res.pairs[0]][ALL]
            cells += [_ci(pm, "pabak", pm.pabak), fmt(pm.prevalence), fmt(pm.bias)]
        else:
            cells.append(_ci(e, "fleiss", e.fleiss))
        rows.append(tuple(cells))
    boot = res.options.get("ci") or {}
    ci_note = (f"Intervals in brackets: {boot.get('level', 0.95):.0%} percentile bootstrap, {boot.get('resamples', 0):,} "
               f"resamples, seed {boot.get('seed')}. {BOOTSTRAP_DEFINITION}") if boot else "No intervals were computed."
    notes = (f"Unit: {res.unit} = {UNIT_DEFINITIONS[res.unit]}; {UNIT_DEFINITIONS['coded']}.",
             f"Missing data: {UNIT_DEFINITIONS['missing']}.",
             "Observed and positive agreement, α, AC1 and BP are over all the coders together; κ is Cohen's, per "
             "pair. '(all codes)' pools every code's judgements (units × codes). AC1: Gwet's; BP: Brennan–Prediger, "
             "chance 1/q = 0.5; " + ("PABAK = 2·po − 1 with the prevalence (PI) and bias (BI) indices." if two else
                                     "Fleiss' κ: chance π² + (1 − π)²."),
             ci_note)
    title = (f"Agreement of {', '.join(res.coders)} at the {res.unit} unit: {res.n_compared} of {res.n_interviews} "
             f"interviews coded by two or more of them")
    blocks: list = [Table(title, tuple(heads), tuple(rows), notes=notes)]
    groups = res.compared() if res.by else []
    if groups:
        g_rows = []
        for r in res.rows:
            cells = [_label(r, top)] + [_ci(r.everyone[g], "alpha", r.everyone[g].alpha) for g in [ALL, *groups]]
            d = r.difference.get("alpha", math.nan)
            cells.append("—" if math.isnan(d) else f"{d:+.3f}")
            g_rows.append(tuple(cells))
        how = f"{groups[0]} minus {groups[1]}" if len(groups) == 2 else "largest minus smallest group"
        blocks.append(Table(f"Krippendorff's α by {res.by} at the {res.unit} unit (intervals: bootstrap within each group)",
                            ("code", "all", *groups, "Δα"), tuple(g_rows),
                            notes=(f"Δα = {how}.",) + tuple(res.warnings)))
    # the figure: alpha and its interval per code, one series per group
    labels = tuple(_label(r, top).strip() for r in res.rows)
    series = []
    for g in [ALL, *groups]:
        vals, lows, highs = [], [], []
        for r in res.rows:
            ms = r.everyone[g]
            lo, hi = ms.interval("alpha")
            vals.append(ms.alpha)
            lows.append(lo)
            highs.append(hi)
        series.append(Series("all interviews" if g == ALL else g, tuple(range(len(labels))), tuple(vals),
                             tuple(lows), tuple(highs)))
    blocks.append(Figure(f"agreement-{res.unit}", "intervals",
                         f"Krippendorff's α per code at the {res.unit} unit with its bootstrap interval"
                         + (f", all interviews and by {res.by}" if groups else ""),
                         (Panel("", tuple(series), xlabel="Krippendorff's α", ticks=labels),)))
    return blocks


def agreement_section(results: list[tuple[str, object]]) -> Section:
    """``results``: (unit, Agreement or the reason it was not computed) per unit asked for."""
    blocks: list = []
    for unit, res in results:
        if isinstance(res, str):
            blocks.append(Paragraph(f"Agreement at the {unit} unit was not computed: {res}"))
        else:
            blocks.extend(agreement_blocks(res))
    return Section("agreement", "Intercoder agreement", tuple(blocks))


# --- saturation -----------------------------------------------------------------------------------

def saturation_section(res) -> Section:  # noqa: ANN001
    from fieldcode.analysis import saturation as sat

    rows = tuple((s.coder, s.group, str(len(s.steps)), s.result.label if s.result.reached_at is not None
                  else "not reached", sat.describe(s)) for s in res.series)
    groups = list(dict.fromkeys(s.group for s in res.series))
    panels = []
    for g in groups:
        ss = tuple(Series(s.coder, tuple(range(1, len(s.steps) + 1)), tuple(st.cumulative for st in s.steps),
                          mark=None if s.result.reached_at is None else float(s.result.reached_at))
                   for s in res.series if s.group == g and s.steps)
        panels.append(Panel("all interviews" if g == sat.ALL else f"{res.by} = {g}", ss,
                            xlabel="interviews, in the order coded", ylabel="codes seen"))
    blocks = (
        Paragraph(f"Code saturation by Guest, Namey & Chen's (2020) rule: base {res.base}, run {res.run}, "
                  f"threshold {res.threshold:.0%}" + (f", per {res.by} and pooled." if res.by else ".")),
        Table("Code saturation per coder" + (f" and {res.by}" if res.by else ""),
              ("coder", "group", "interviews", "result", "detail"), rows, numeric=False,
              notes=(f"Order: {sat.ORDER_RULE}.", f"Counted: {sat.COUNT_RULE}.", f"Rule: {sat.RULE}.",
                     "This is code saturation: few new codes in this order, with this codebook. It does not show "
                     "that the meaning of each code is fully developed.", *res.warnings)),
        Figure("saturation", "lines", "Unique codes by interviews coded (dashed line: the saturation point k)",
               tuple(panels)),
    )
    return Section("saturation", "Code saturation", blocks)


# --- crosstab -------------------------------------------------------------------------------------

def crosstab_section(ct, *, units: tuple[str, ...] = ("interviews", "per1000")) -> Section:  # noqa: ANN001
    from fieldcode.analysis import UNIT_DEFINITIONS

    titles = {"segments": "coded segments", "interviews": "interviews mentioning the theme",
              "words": "coded words", "per1000": "coded words per 1,000 analysed words"}
    blocks: list = []
    for unit in units:
        headers, rows = ct.display(unit, denominators=True)
        headers = [h.replace("\n", " ") for h in headers]
        blocks.append(Table(f"Crosstab: {titles[unit]}, by {' x '.join(ct.by) or 'all'}", tuple(headers),
                            tuple(tuple(r) for r in rows), notes=(f"Unit: {UNIT_DEFINITIONS[unit]}.",)))
    blocks.append(Paragraph(" ".join(crosstab_notes(ct.options))))
    tab = ct.table("per1000")
    cols = tuple(" / ".join(g) for g in ct.groups)
    top = min((r.depth for r in ct.rows), default=0)
    series = tuple(Series("  " * (row.depth - top) + row.label, tuple(range(len(cols))),
                          tuple(float(v) for v in tab[i])) for i, row in enumerate(ct.rows))
    blocks.append(Figure("crosstab", "heatmap", "Coded words per 1,000 analysed words, by code and group",
                         (Panel("", series),), columns=cols))
    return Section("crosstab", "Crosstab", tuple(blocks))


def crosstab_notes(opts: dict) -> list[str]:
    """The rules printed under the crosstab and comparison (the analysed text, coders, pooling)."""
    from fieldcode.analysis import ANALYSED_TEXT_RULE, INTERVIEWER_INCLUDED

    notes = [f"{ANALYSED_TEXT_RULE} " + (INTERVIEWER_INCLUDED if opts.get("include_interviewer")
                                         else "Interviewer turns are left out.")]
    notes.append(f"Coders: {', '.join(opts['coders'])}." if opts.get("coders") else "Coders: all.")
    if opts.get("pooling"):
        notes.append(opts["pooling"])
    if opts.get("left_out_by_interviewer_rule"):
        notes.append(f"{opts['left_out_by_interviewer_rule']:,} coding(s) cover no analysed word and are not counted.")
    return notes


# --- the paired comparison --------------------------------------------------------------------------

def _kn(th) -> str:  # noqa: ANN001
    n = th.higher + th.lower
    return f"{th.higher} of {n}" + (f" ({th.ties} tied)" if th.ties else "")


def comparison_section(cmp, bc=None) -> Section:  # noqa: ANN001
    """``cmp``: the pooled comparison; ``bc``: the comparison by coder (or None)."""
    from fieldcode.analysis import NORMALISED_UNITS, SIGN_TEST_NOTE, format_p, format_value
    from fieldcode.analysis.paired import MIN_P_RULE, format_min_p

    focal, other = cmp.arms
    unit = cmp.unit
    top = min((th.row.depth for th in cmp.themes), default=0)
    rows = []
    for th in cmp.themes:
        cells = [f"{format_value(v.focal, unit)} / {format_value(v.comparison, unit)} "
                 f"({format_value(v.difference, unit, signed=True)})" for v in th.pairs]
        rows.append(("  " * (th.row.depth - top) + th.row.label, *cells, _kn(th), str(th.lower),
                     format_p(th.p_value), format_min_p(th.min_p)))
    heads = ("theme", *[f"{pr}: {focal} / {other} (diff)" for pr in cmp.pairs], f"pairs {focal} higher (k of n)",
             "pairs lower", "sign test p (descriptive)", "smallest p n allows")
    notes = (f"k of n: the pairs where {focal} is higher, of the n pairs that differ; a pair whose difference shows "
             "as zero is a tie, counted apart and dropped from the test.",
             f"Sign test: exact two-sided binomial over pairs with a non-zero difference (ties dropped); {SIGN_TEST_NOTE}.",
             f"Smallest p: {MIN_P_RULE}. This comparison has {len(cmp.pairs)} pair(s): the smallest p it allows is "
             f"{format_min_p(cmp.min_p)}; alpha = {cmp.alpha:g}.",
             *[f"Warning: {w}" for w in cmp.min_p_warnings], *crosstab_notes(cmp.options),
             *[f"Balance: {w}" for w in cmp.warnings])
    blocks: list = [Table(f"{focal} vs {other}, pair by pair: {NORMALISED_UNITS[unit]}", heads, tuple(rows), notes=notes)]
    if bc is not None:
        def cell(th) -> str:  # noqa: ANN001
            return "—" if th is None else f"{th.higher} of {th.untied}" + (f" ({th.ties} tied)" if th.ties else "") \
                + f", p {format_p(th.p_value)}"
        b_rows = tuple(("  " * (t.depth - top) + t.label, cell(t.pooled), *[cell(x) for x in t.coders.values()],
                        *[cell(x) for x in t.consensus.values()], t.agreement_text) for t in bc.themes)
        blocks.append(Table(f"By coder: pairs where {focal} is higher (k of n) and the sign test p",
                            ("theme", "pooled: " + ", ".join(bc.coders), *bc.coders,
                             *[f"{c} (consensus)" for c in bc.consensus], "coders"), b_rows,
                            notes=(f"Coders: {bc.rule}.",), numeric=False))
    labels = tuple(("  " * (th.row.depth - top) + th.row.label).strip() for th in cmp.themes)
    diffs = [{v.pair: v.difference for v in th.pairs} for th in cmp.themes]
    series = tuple(Series(pr, tuple(range(len(labels))), tuple(d.get(pr, math.nan) for d in diffs))
                   for pr in cmp.pairs)
    blocks.append(Figure("comparison", "intervals",
                         f"{focal} minus {other} per pair ({NORMALISED_UNITS[unit]}); right of zero: {focal} higher",
                         (Panel("", series, xlabel=f"difference, {NORMALISED_UNITS[unit]}", ticks=labels),)))
    return Section("comparison", "Paired comparison", tuple(blocks))


__all__ = ["agreement_blocks", "agreement_section", "saturation_section", "crosstab_section", "crosstab_notes",
           "comparison_section"]
