"""The agreement command's further tables: ``--coefficients all`` (Gwet's AC1, Brennan–Prediger,
PABAK with the prevalence and bias indices, Fleiss' kappa) and ``--ci`` (bootstrap intervals).
Thin: the numbers are on the ``Agreement`` (fieldcode.team.reliability, fieldcode.team.bootstrap);
each table stays within 80 columns for two coders."""

from __future__ import annotations


from rich.table import Table

from fieldcode.safe import plain as escape
from fieldcode.team.reliability import ALL, Agreement, ci_note, fmt, fmt_interval


def _label(res: Agreement, r) -> str:
    top = min((x.depth for x in res.rows), default=0)
    return escape(("" if r.overall else "  " * (r.depth - top)) + r.label)


def render_more(res: Agreement, *, all_coefficients: bool, ci: bool) -> list:
    """The tables (and their notes) to print after the main agreement table."""
    parts: list = []
    two = len(res.coders) == 2
    by_note = f" (all interviews; per {res.by} group in the CSV)" if res.by else ""
    if all_coefficients:
        t = Table(title=escape("Chance-corrected coefficients, all coders together" + by_note), title_justify="left")
        t.add_column("code")
        heads = ["AC1", "BP"] + (["PABAK", "PI", "BI"] if two else ["Fleiss κ"])
        for h in heads:
            t.add_column(h, justify="right")
        for r in res.rows:
            e = r.everyone[ALL]
            vals = [e.ac1, e.bp] + ([e.pabak, e.prevalence, e.bias] if two else [e.fleiss])
            t.add_row(_label(res, r), *[fmt(v) for v in vals])
        parts.append(t)
        parts.append("AC1: Gwet's, chance 2π(1−π) with π the mean share of coders coding a unit; BP: "
                     "Brennan–Prediger, chance 1/q = 0.5 (two categories: coded, not coded), = 2·pa − 1; "
                     + ("PABAK = 2·po − 1, PI (prevalence index) = |a − d|/n, BI (bias index) = |b − c|/n "
                        "(a both coded, d neither, b and c one only)." if two else
                        "Fleiss' κ: chance π² + (1 − π)². PABAK and its indices are per pair, in the CSV."))
    if ci:
        t = Table(title=escape(f"{res.options['ci']['level']:.0%} bootstrap intervals" + by_note), title_justify="left")
        t.add_column("code")
        cols: list[tuple[str, str, tuple | None]] = []
        for pk in res.pairs:
            cols.append((f"κ {pk[0]}/{pk[1]}" if not two else "κ", "kappa", pk))
        cols.append(("α", "alpha", None))
        if all_coefficients:
            # two coders: PABAK = 2 po - 1 = 2 pa - 1 = BP, value for value (one column, both names)
            cols += [("AC1", "ac1", None), ("BP = PABAK" if two else "BP", "bp", None)]
            if not two:
                cols.append(("Fleiss κ", "fleiss", None))
        for head, _c, _pk in cols:
            t.add_column(escape(head), justify="right")
        for r in res.rows:
            cells = []
            for _h, c, pk in cols:
                ms = r.pairs[pk][ALL] if pk is not None else r.everyone[ALL]
                cells.append(fmt_interval(*ms.interval(c)))
            t.add_row(_label(res, r), *cells)
        parts.append(t)
        parts.append(ci_note(res))
    return parts


__all__ = ["render_more", "ci_note"]
