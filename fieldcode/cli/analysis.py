"""Analysis and export commands: crosstab, compare, frequencies, cooccurrence, coverage and
``export counts|segments|quotes``.  Registered on the shared app (fieldcode.cli.base) when
imported (fieldcode.cli.index says which module when).  Thin: the numbers come from
fieldcode.analysis, the files from fieldcode.analysis.export."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Optional

import typer
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls
from rich.table import Table

from fieldcode.lazy import lazy_module
from fieldcode.cli.base import app, err, export_app, out, parse_filters, split_list, state
from fieldcode.errors import InvalidInput

analysis = lazy_module("fieldcode.analysis")  # pandas and the database layer load on first use
export = lazy_module("fieldcode.analysis.export")
export_files = lazy_module("fieldcode.analysis.export_files")
paired = lazy_module("fieldcode.analysis.paired")
paired_coders = lazy_module("fieldcode.analysis.paired_coders")
paired_export = lazy_module("fieldcode.analysis.paired_export")


# --- shared options -----------------------------------------------------------------------------

CodesOpt = Annotated[Optional[str], typer.Option("--codes", help="Only these code keys, comma-separated.")]
CoderOpt = Annotated[Optional[list[str]], typer.Option("--coder", help="Only this coder's codings (repeat for more).")]
RoleOpt = Annotated[Optional[list[str]], typer.Option("--role", help="Only interviews with this participant role (repeat for more).")]
WhereOpt = Annotated[Optional[list[str]], typer.Option("--where", help="Only interviews whose attribute has this value, e.g. --where pair=Leeds (repeat for more).")]
InterviewerOpt = Annotated[bool, typer.Option("--include-interviewer", help="Count interviewer turns too (by default they are left out).")]
RollupOpt = Annotated[bool, typer.Option("--rollup", help="Roll children up into their parent codes (a union: nothing counts twice).")]
ByOpt = Annotated[str, typer.Option("--by", help="Interview attributes for the columns, comma-separated ('interview' = one column each).")]


_split = split_list
_filters = parse_filters


def _notes(opts: dict, *, interviewer_default_out: bool = True) -> list[str]:
    from fieldcode.text import ANALYSED_TEXT_RULE, INTERVIEWER_INCLUDED

    notes = []
    if opts.get("include_interviewer"):
        notes.append(f"{ANALYSED_TEXT_RULE} {INTERVIEWER_INCLUDED}")
    elif interviewer_default_out:
        notes.append(f"{ANALYSED_TEXT_RULE} Interviewer turns are left out (--include-interviewer counts them).")
    if opts.get("coders"):
        notes.append(f"Coders: {', '.join(opts['coders'])}.")
    else:
        notes.append("Coders: all.")
    for k, v in (opts.get("filters") or {}).items():
        notes.append(f"Only interviews with {k} = {' or '.join(v)}.")
    if opts.get("rollup"):
        notes.append("Rows marked '(incl. children)' are the union of the code and its descendants.")
    if opts.get("pooling"):
        notes.append(opts["pooling"])
    if opts.get("left_out_by_interviewer_rule"):
        notes.append(f"{opts['left_out_by_interviewer_rule']:,} coding(s) cover no analysed word and are not counted.")
    return notes


def render_crosstab(ct: analysis.Crosstab, unit: str, *, denominators: bool, title: str) -> Table:
    headers, rows = ct.display(unit, denominators=denominators)
    t = Table(title=escape(title), title_justify="left")
    t.add_column(escape(headers[0]))
    for h in headers[1:]:
        t.add_column(escape(h), justify="right")
    for row in rows:
        t.add_row(*[escape(c) for c in row])
    return t


UNIT_TITLES = {
    "segments": "coded segments",
    "interviews": "interviews mentioning the theme",
    "words": "coded words",
    "per1000": "coded words per 1,000 analysed words",
}


# --- crosstab and views ---------------------------------------------------------------------------

@app.command("crosstab")
def crosstab_cmd(
    ctx: typer.Context,
    unit: Annotated[str, typer.Option("--unit", help="segments | interviews | words | per1000")] = "segments",
    by: ByOpt = "pair,arm",
    codes: CodesOpt = None,
    coder: CoderOpt = None,
    role: RoleOpt = None,
    where: WhereOpt = None,
    include_interviewer: InterviewerOpt = False,
    rollup: RollupOpt = False,
    denominators: Annotated[bool, typer.Option("--denominators", help="Show each cell's denominator (interviews and analysed words in its group).")] = False,
) -> None:
    """Cross-tabulate codes against interview groups (by default pair x arm).

    Units: coded segments, interviews mentioning the theme, coded words, coded words per 1,000
    analysed words.  Interviewer turns are left out unless --include-interviewer.

    Example: fieldcode crosstab --unit per1000 --by pair,arm --rollup --denominators
    """
    p = state(ctx).project(write=False)
    if unit not in analysis.UNITS:
        raise InvalidInput(f"--unit must be one of {', '.join(analysis.UNITS)}, not '{unit}'")
    with _working("counting..."):
        ct = analysis.crosstab(p.store, unit=unit, by=_split(by) or (), codes=_split(codes),
                               filters=_filters(role, where), coders=coder, include_interviewer=include_interviewer,
                               rollup=rollup, order={"arm": list(p.study.arms)})
    out.print(render_crosstab(ct, unit, denominators=denominators, title=f"Crosstab: {UNIT_TITLES[unit]}"))
    out.print(f"Unit: {analysis.UNIT_DEFINITIONS[unit]}.")
    for n in _notes(ct.options):
        out.print(escape(n))


AlphaOpt = Annotated[float, typer.Option("--alpha", help="The threshold a reader would use for the sign test's p (between 0 and 1): a warning says when the number of pairs keeps every p above it.")]
ByCoderOpt = Annotated[bool, typer.Option("--by-coder", help="Also each coder's result (pairs each way, sign test p) beside the pooled one and each consensus coder's, and whether the coders' directions agree per theme. The coders are those named with --coder (two or more), by default every coder but the consensus coders; the pooled result pools them.")]


def _comparison(p, *, by_coder: bool, coder, **kwargs):
    """(pooled comparison, by-coder result or None) for the compare commands."""
    with _working("comparing..."):
        if by_coder:
            bc = paired_coders.compare_by_coder(p.store, arms=p.study.arms, coders=coder, **kwargs)
            return bc.pooled, bc
        return analysis.compare(p.store, arms=p.study.arms, coders=coder, **kwargs), None


def _sign_notes(cmp) -> list[str]:
    return [f"k of n: the pairs where {cmp.arms[0]} is higher, of the n pairs that differ; a pair whose difference "
            "shows as zero is a tie, counted apart and dropped from the test.",
            f"Sign test: exact two-sided binomial over pairs with a non-zero difference (ties dropped); "
            f"{analysis.SIGN_TEST_NOTE}.",
            f"Smallest p: {paired.MIN_P_RULE}. This comparison has {len(cmp.pairs)} pair(s): the smallest p it "
            f"allows is {paired.format_min_p(cmp.min_p)}; alpha = {cmp.alpha:g} (--alpha)."]


def _by_coder_table(bc) -> Table:
    focal = bc.pooled.arms[0]
    t = Table(title=f"By coder: pairs where {escape(focal)} is higher (k of n) and the sign test p", title_justify="left")
    t.add_column("theme")
    t.add_column(escape("pooled\n" + ", ".join(bc.coders)), justify="right")
    for c in bc.coders:
        t.add_column(escape(c), justify="right")
    for c in bc.consensus:
        t.add_column(escape(f"{c}\n(consensus)"), justify="right")
    t.add_column("coders", justify="left")

    def cell(th) -> str:
        if th is None:
            return "—"
        return (f"{th.higher} of {th.untied}" + (f" ({th.ties} tied)" if th.ties else "")
                + f"\np {analysis.format_p(th.p_value)}")

    top = min((th.depth for th in bc.themes), default=0)
    for th in bc.themes:
        t.add_row(escape("  " * (th.depth - top) + th.label), cell(th.pooled), *[cell(x) for x in th.coders.values()],
                  *[cell(x) for x in th.consensus.values()], escape(th.agreement_text))
    return t


@app.command("compare")
def compare_cmd(
    ctx: typer.Context,
    unit: Annotated[str, typer.Option("--unit", help="per1000 | share | segments_per_interview")] = "per1000",
    codes: CodesOpt = None,
    coder: CoderOpt = None,
    role: RoleOpt = None,
    where: WhereOpt = None,
    include_interviewer: InterviewerOpt = False,
    rollup: RollupOpt = False,
    alpha: AlphaOpt = 0.05,
    by_coder: ByCoderOpt = False,
) -> None:
    """Paired comparison: each theme in the focal arm versus its twin, pair by pair, with how
    many pairs point each way (k of n, ties apart), an exact sign test across pairs
    (descriptive), the smallest p the number of pairs allows (2 x 0.5^n: 0.25 with 3 pairs) with
    a warning when it is above --alpha, and balance warnings.  --by-coder adds each coder's
    result beside the pooled one and the consensus coder's.

    Example: fieldcode compare --unit per1000 --by-coder
    """
    p = state(ctx).project(write=False)
    cmp, bc = _comparison(p, by_coder=by_coder, coder=coder, unit=unit, codes=_split(codes),
                          filters=_filters(role, where), include_interviewer=include_interviewer, rollup=rollup,
                          alpha=alpha)
    focal, other = cmp.arms
    t = Table(title=f"{escape(focal)} vs {escape(other)}: {analysis.NORMALISED_UNITS[unit]}", title_justify="left")
    t.add_column("theme")
    for pr in cmp.pairs:
        t.add_column(escape(f"{pr}\n{focal} / {other}\n(diff)"), justify="right")
    t.add_column(f"pairs {escape(focal)}\nhigher (k of n)", justify="right")
    t.add_column("pairs\nlower", justify="right")
    t.add_column("sign test p\n(descriptive)", justify="right")
    t.add_column("smallest p\nn allows", justify="right")
    top = min((th.row.depth for th in cmp.themes), default=0)
    fv = analysis.format_value
    for th in cmp.themes:
        # differences rounded as printed: one that shows as zero is a tie, printed unsigned
        cells = [f"{fv(v.focal, unit)} / {fv(v.comparison, unit)}\n({fv(v.difference, unit, signed=True)})"
                 for v in th.pairs]
        n = th.higher + th.lower
        t.add_row(escape("  " * (th.row.depth - top) + th.row.label), *cells,
                  f"{th.higher} of {n}" + (f" ({th.ties} tied)" if th.ties else ""), str(th.lower),
                  analysis.format_p(th.p_value), paired.format_min_p(th.min_p))
    out.print(t)
    for n in _sign_notes(cmp):
        out.print(escape(n))
    for w in cmp.min_p_warnings:
        out.print(f"[yellow]Warning:[/] {escape(w)}")
    if bc is not None:
        out.print(_by_coder_table(bc))
        out.print(escape(f"Coders: {bc.rule}."))
    for n in _notes(cmp.options):
        out.print(escape(n))
    for w in cmp.warnings:
        err.print(f"[yellow]balance:[/] {escape(w)}")


@app.command("frequencies")
def frequencies_cmd(
    ctx: typer.Context,
    codes: CodesOpt = None,
    coder: CoderOpt = None,
    role: RoleOpt = None,
    where: WhereOpt = None,
    include_interviewer: InterviewerOpt = False,
    rollup: RollupOpt = False,
) -> None:
    """Code frequencies: segments, interviews mentioning each code, coded words and per 1,000.

    Example: fieldcode frequencies --rollup
    """
    p = state(ctx).project(write=False)
    f = analysis.frequencies(p.store, codes=_split(codes), filters=_filters(role, where), coders=coder,
                             include_interviewer=include_interviewer, rollup=rollup)
    n_iv, n_w = int(f.group_interviews[0]), int(f.group_words[0])
    t = Table(title="Code frequencies", title_justify="left")
    for col, j in (("code", "left"), ("segments", "right"), (f"interviews (of {n_iv:,})", "right"),
                   ("coded words", "right"), (f"per 1,000 (of {n_w:,} words)", "right")):
        t.add_column(escape(col), justify=j)
    per = f.table("per1000")
    top = min((row.depth for row in f.rows), default=0)
    for r, row in enumerate(f.rows):
        t.add_row(escape("  " * (row.depth - top) + row.label), f"{int(f.segments[r, 0]):,}", f"{int(f.interviews[r, 0]):,}",
                  f"{int(f.words[r, 0]):,}", "—" if math.isnan(per[r, 0]) else f"{per[r, 0]:.1f}")
    out.print(t)
    for n in _notes(f.options):
        out.print(escape(n))


@app.command("cooccurrence")
def cooccurrence_cmd(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="span (overlapping segments) or turn (same speaker turn).")] = "span",
    codes: CodesOpt = None,
    coder: CoderOpt = None,
    role: RoleOpt = None,
    where: WhereOpt = None,
    include_interviewer: InterviewerOpt = False,
    across_coders: Annotated[bool, typer.Option("--across-coders", help="Also pair one coder's code with another coder's (by default codes are paired within each coder's own codings: two coders coding one passage differently is a disagreement, not a co-occurrence).")] = False,
) -> None:
    """Code co-occurrence (codes x codes), by overlapping span or by same speaker turn, within
    each coder's own codings.

    Example: fieldcode cooccurrence --by turn --codes leadership,aspiration,community-confidence
    """
    p = state(ctx).project(write=False)
    co = analysis.cooccurrence(p.store, mode=by, codes=_split(codes), filters=_filters(role, where), coders=coder,
                               include_interviewer=include_interviewer, across_coders=across_coders)
    t = Table(title=f"Co-occurrence by {escape(by)}", title_justify="left")
    t.add_column("code")
    for k in co.keys:
        t.add_column(escape(k), justify="right")
    for i, k in enumerate(co.keys):
        t.add_row(escape(k), *[f"{int(v):,}" if v else "·" for v in co.matrix[i].tolist()])
    out.print(t)
    out.print(f"Cells: {co.definition}.")
    out.print(analysis.COOCCURRENCE_ACROSS_RULE if across_coders else analysis.COOCCURRENCE_RULE)
    for n in _notes({"include_interviewer": include_interviewer, "coders": coder,
                     "filters": _filters(role, where)}):
        out.print(escape(n))


@app.command("coverage")
def coverage_cmd(
    ctx: typer.Context,
    coder: CoderOpt = None,
    role: RoleOpt = None,
    where: WhereOpt = None,
    include_interviewer: InterviewerOpt = False,
) -> None:
    """Coding coverage per interview and coder: share of the analysed words coded with any code.

    Example: fieldcode coverage --coder ana --coder ben
    """
    p = state(ctx).project(write=False)
    rows = analysis.coverage(p.store, filters=_filters(role, where), coders=coder,
                             include_interviewer=include_interviewer)
    t = Table(title="Coding coverage", title_justify="left")
    for col, j in (("interview", "left"), ("pair", "left"), ("arm", "left"), ("coder", "left"),
                   ("segments", "right"), ("coded words", "right"), ("analysed words", "right"), ("coded", "right")):
        t.add_column(col, justify=j)
    for r in rows:
        t.add_row(escape(r.interview), escape(r.attributes.get("pair", "")), escape(r.attributes.get("arm", "")),
                  escape(r.coder), f"{r.segments:,}", f"{r.coded_words:,}", f"{r.analysed_words:,}", f"{r.share:.0%}")
    out.print(t)
    for n in _notes({"include_interviewer": include_interviewer, "coders": coder, "filters": _filters(role, where)}):
        out.print(escape(n))


# --- exports ----------------------------------------------------------------------------------------

def _working(what: str):
    """A spinner on the terminal while slow work runs (nothing when output is redirected)."""
    from contextlib import nullcontext

    return err.status(what) if err.is_terminal else nullcontext()


def _done(paths: list[Path]) -> None:
    for pth in paths:
        out.print(f"wrote {escape(pth)}")


ExactOpt = Annotated[bool, typer.Option("--exact-text", help="Keep CSV cells exactly as stored, even those a spreadsheet would run as a formula (= + - @); by default they get a leading '.")]
PseudonymiseOpt = Annotated[bool, typer.Option("--pseudonymise", help="Replace every accepted identifying detail (see 'fieldcode pseudonyms') in every file of the export, codings kept on the same words; an anonymisation log (OUTPUT.anonymisation-log.csv: what category was replaced where, never the original) goes beside it. Nothing is written if a file would still name an accepted original. The stored transcripts are not changed.")]


def _pseudonymiser(ctx: typer.Context, p, on: bool):  # noqa: ANN001, ANN202
    """The export's pseudonymiser (fieldcode.privacy.exporting), or None without --pseudonymise."""
    if not on:
        return None
    from fieldcode.privacy.exporting import Pseudonymiser

    return Pseudonymiser.for_study(p.root).for_command(ctx)


@export_app.command("counts")
def export_counts(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="Long-form CSV path; the wide form and the JSON sidecar go beside it.")] = Path("counts.csv"),
    by: ByOpt = "pair,arm",
    codes: CodesOpt = None,
    coder: CoderOpt = None,
    role: RoleOpt = None,
    where: WhereOpt = None,
    include_interviewer: InterviewerOpt = False,
    rollup: RollupOpt = False,
    exact_text: ExactOpt = False,
    pseudonymise: PseudonymiseOpt = False,
) -> None:
    """Write the crosstab in all four units: a tidy long CSV (one row per code x group x unit,
    with value and denominators), a wide CSV (NAME_wide.csv) and a JSON sidecar (NAME.json).

    Example: fieldcode export counts -o results/counts.csv --by pair,arm
    """
    p = state(ctx).project(write=False)
    with _working("counting..."):
        ct = analysis.crosstab(p.store, unit="all", by=_split(by) or (), codes=_split(codes),
                               filters=_filters(role, where), coders=coder, include_interviewer=include_interviewer,
                               rollup=rollup, order={"arm": list(p.study.arms)})
    if pz := _pseudonymiser(ctx, p, pseudonymise):   # group labels name pairs and places
        output = pz.stage(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    written = export_files.write_counts(ct, output, codebook=p.codebook, store=p.store, exact_text=exact_text)
    _done(pz.publish(written, cells=True) if pz else written)


@export_app.command("comparison")
def export_comparison(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV path (theme x pair); the per-theme summary (NAME_summary.csv) and the JSON sidecar go beside it.")] = Path("comparison.csv"),
    unit: Annotated[str, typer.Option("--unit", help="per1000 | share | segments_per_interview")] = "per1000",
    codes: CodesOpt = None,
    coder: CoderOpt = None,
    role: RoleOpt = None,
    where: WhereOpt = None,
    include_interviewer: InterviewerOpt = False,
    rollup: RollupOpt = False,
    alpha: AlphaOpt = 0.05,
    by_coder: ByCoderOpt = False,
    exact_text: ExactOpt = False,
    pseudonymise: PseudonymiseOpt = False,
) -> None:
    """Write the paired comparison: theme x pair values of both arms with their difference and
    denominators, a per-theme summary (pairs each way, the sign test p, descriptive, and the
    smallest p the pairs allow), and a JSON sidecar holding the balance warnings and the warning
    when the smallest p is above --alpha.  --by-coder also writes NAME_by_coder.csv: each
    coder's result beside the pooled one and each consensus coder's.

    Example: fieldcode export comparison -o results/comparison.csv --unit per1000 --rollup
    """
    p = state(ctx).project(write=False)
    cmp, bc = _comparison(p, by_coder=by_coder, coder=coder, unit=unit, codes=_split(codes),
                          filters=_filters(role, where), include_interviewer=include_interviewer, rollup=rollup,
                          alpha=alpha)
    if pz := _pseudonymiser(ctx, p, pseudonymise):   # pairs are named by place
        output = pz.stage(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    written = export_files.write_comparison(cmp, output, codebook=p.codebook, store=p.store, by_coder=bc,
                                            exact_text=exact_text)
    for w in cmp.min_p_warnings:
        err.print(f"[yellow]warning:[/] {escape(w)}")
    for w in cmp.warnings:
        err.print(f"[yellow]balance:[/] {escape(w)}")
    _done(pz.publish(written, cells=True) if pz else written)


@export_app.command("segments")
def export_segments(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV path; the XLSX and the JSON sidecar go beside it.")] = Path("segments.csv"),
    codes: CodesOpt = None,
    children: Annotated[bool, typer.Option("--children", help="With --codes: also their child codes.")] = False,
    coder: CoderOpt = None,
    role: RoleOpt = None,
    where: WhereOpt = None,
    exclude_interviewer: Annotated[bool, typer.Option("--exclude-interviewer", help="Leave out the segments that do not count: those covering no analysed word (only interviewer turns or speaker labels). By default every segment is written, and its 'counted' column says whether it counts.")] = False,
    exact_text: ExactOpt = False,
    pseudonymise: PseudonymiseOpt = False,
) -> None:
    """Write every coded segment (interview, attributes, speaker, coder, code key and path, start,
    end, quoted text, memo, and 'counted': true when it covers at least one analysed word, so it
    counts in the tables; then the coding protocol: made_blind, codebook_version and
    definition_hash, empty where unknown) to CSV and XLSX, with a JSON sidecar.

    Example: fieldcode export segments -o results/segments.csv --codes leadership --children
    """
    p = state(ctx).project(write=False)
    filters = _filters(role, where)
    segs = analysis.segments(p.store, codes=_split(codes), include_children=children, filters=filters or None,
                             coders=coder, exclude_interviewer=exclude_interviewer)
    if pz := _pseudonymiser(ctx, p, pseudonymise):
        segs, output = pz.segments(p.store, segs), pz.stage(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    opts = {"codes": _split(codes), "filters": filters, "coders": coder, "include_interviewer": not exclude_interviewer}
    written = export_files.write_segments(segs, output, codebook=p.codebook, store=p.store, options=opts,
                                          include_children=children, exact_text=exact_text)
    if output.with_suffix(".xlsx") not in written:
        err.print(f"[yellow]note:[/] {len(segs):,} segments do not fit in one Excel sheet; wrote the CSV only")
    _done(pz.publish(written) if pz else written)


@export_app.command("memos")
def export_memos(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV path; the JSON sidecar goes beside it.")] = Path("memos.csv"),
    coder: CoderOpt = None,
    codes: CodesOpt = None,
    interview: Annotated[Optional[str], typer.Option("--interview", help="Only memos on this interview (name or id).")] = None,
    pseudonymise: PseudonymiseOpt = False,
) -> None:
    """Write every memo (on interviews, passages, codes and codings) with author, times, what it
    is on and the quoted passage, to CSV with a JSON sidecar.

    Example: fieldcode export memos -o results/memos.csv --coder ana
    """
    from fieldcode import store as storemod

    p = state(ctx).project(write=False)
    iv_id = p.store.interview(interview).id if interview else None
    wanted = set(_split(codes) or [])
    code_ids = {p.store.code(k).id for k in wanted} if wanted else None
    memos = [m for m in storemod.memos(p.store, interview_id=iv_id)
             if (not coder or m.author in coder) and (code_ids is None or m.code_id in code_ids)]
    attrs = p.store.all_attributes()
    if pz := _pseudonymiser(ctx, p, pseudonymise):
        memos, attrs, output = pz.memos(p.store, memos), pz.attributes(attrs), pz.stage(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    opts = {"codes": _split(codes), "coders": coder, "include_interviewer": True}
    written = export_files.write_memos(memos, attrs, output, codebook=p.codebook, store=p.store, options=opts,
                                       interview=interview)
    _done(pz.publish(written) if pz else written)


@export_app.command("quotes")
def export_quotes(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="Markdown path; the JSON sidecar goes beside it.")] = Path("quotes.md"),
    codes: CodesOpt = None,
    children: Annotated[bool, typer.Option("--children", help="With --codes: also their child codes.")] = False,
    coder: CoderOpt = None,
    role: RoleOpt = None,
    where: WhereOpt = None,
    include_interviewer: InterviewerOpt = False,
    max_quotes: Annotated[int, typer.Option("--max-quotes", help="Quotes per arm and pair (0 = all).")] = 5,
    pseudonymise: PseudonymiseOpt = False,
) -> None:
    """Write a Markdown quote matrix: for each theme, the focal arm's quotes beside the
    comparison arm's, pair by pair, with a JSON sidecar.

    Example: fieldcode export quotes -o results/quotes.md --max-quotes 3
    """
    p = state(ctx).project(write=False)
    filters = _filters(role, where)
    segs = analysis.segments(p.store, codes=_split(codes), include_children=children, filters=filters or None,
                             coders=coder, exclude_interviewer=not include_interviewer)
    opts = {"codes": _split(codes), "filters": filters, "coders": coder, "include_interviewer": include_interviewer}
    title, notes, arms = f"Quote matrix: {p.study.name}" if p.study.name else "", _notes(opts), list(p.study.arms)
    if pz := _pseudonymiser(ctx, p, pseudonymise):
        segs, output = pz.segments(p.store, segs), pz.stage(output)
        title, notes, arms = pz.field(title, item="title"), [pz.field(n, item="note") for n in notes], [pz.field(a, item="arm") for a in arms]
    md = export.quotes_markdown(segs, arms=arms, title=title, max_quotes=max_quotes, notes=notes)
    output.parent.mkdir(parents=True, exist_ok=True)
    side = output.with_suffix(".json")
    export.write_text(output, md)
    export.write_sidecar(side, export.sidecar(
        "quotes", files=[output], codebook=p.codebook, coders_in_data=p.store.coders(), store=p.store, options=opts,
        extra={"segments": len(segs), "max_quotes_per_arm_and_pair": max_quotes}))
    _done(pz.publish([output, side]) if pz else [output, side])
