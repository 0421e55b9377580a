"""Team agreement commands: ``agreement``, ``export agreement``, ``disagreements``, ``review``
and ``merge``.  Registered on the shared app (fieldcode.cli.base) when imported
(fieldcode.cli.index says which module when).  Thin: the numbers come from
fieldcode.team.reliability, the units from fieldcode.team.agreement."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from fieldcode.cli.base import app, err, export_app, out, parse_filters, split_list
from fieldcode.errors import InvalidInput
from fieldcode.lazy import lazy_module
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls
from fieldcode.team.agreement import UNIT_DEFINITIONS, UNITS
from fieldcode.team.levels import LEVEL_HELP, level_note
from fieldcode.team.unitized import UNITIZED, UNITIZED_HELP
from fieldcode.team.reliability import (
    ALL,
    MEASURE_DEFINITIONS,
    MIN_CODED,
    TENTATIVE,
    WEAK,
    Agreement,
    agreement,
    agreement_csv,
    differs,
    fmt,
    grade,
    sidecar_extra,
)

export_files = lazy_module("fieldcode.analysis.export_files")  # pandas and the database layer load on first use

UNIT_HELP = "; ".join(f"{u}: {UNIT_DEFINITIONS[u]}" for u in UNITS)

CodersOpt = Annotated[Optional[str], typer.Option("--coders", help="Coders to compare, comma-separated (default: everyone who coded the interviews in scope).")]
UnitOpt = Annotated[str, typer.Option("--unit", help=f"char | word | sentence | turn | interview. {UNIT_HELP}.")]
CodesOpt = Annotated[Optional[str], typer.Option("--codes", help="Only these code keys, comma-separated.")]
RoleOpt = Annotated[Optional[list[str]], typer.Option("--role", help="Only interviews with this participant role (repeat for more).")]
WhereOpt = Annotated[Optional[list[str]], typer.Option("--where", help="Only interviews whose attribute has this value, e.g. --where pair=Leeds (repeat for more).")]
InterviewerOpt = Annotated[bool, typer.Option("--include-interviewer", help="Measure interviewer turns too (by default they are left out).")]
ByOpt = Annotated[Optional[str], typer.Option("--by", help="An interview attribute, e.g. arm: measures per value and the difference between values (differential reliability).")]
ThresholdOpt = Annotated[float, typer.Option("--threshold", help="With --by: warn when a code's alpha or kappa differs between groups by more than this.")]
MinCodedOpt = Annotated[int, typer.Option("--min-coded", help=f"With --by: warn about a difference only where every coder compared coded at least this many units with the code in every group (where a coder never used it, alpha is near 0 by construction). Default {MIN_CODED}.")]

AgreementUnitOpt = Annotated[str, typer.Option("--unit", help=f"char | word | sentence | turn | interview | unitized. {UNIT_HELP}; {UNITIZED_HELP}.")]
LevelOpt = Annotated[Optional[int], typer.Option("--level", help=LEVEL_HELP)]
CoefficientsOpt = Annotated[str, typer.Option("--coefficients", help="basic (the table above: observed and positive agreement, Cohen's kappa per pair, Krippendorff's alpha) or all: a second table with Gwet's AC1, Brennan-Prediger (chance agreement 1/q = 0.5), and for two coders PABAK with the prevalence and bias indices, for three or more Fleiss' kappa (PABAK per pair in the CSV). The CSV always has every coefficient.")]
CiOpt = Annotated[bool, typer.Option("--ci", help="Percentile bootstrap intervals (95%) on every coefficient shown, resampling interviews with replacement (within each group with --by); the seed and number of resamples are printed and recorded (CSV columns ci_*, the sidecar).")]
ResamplesOpt = Annotated[int, typer.Option("--resamples", help="With --ci: number of bootstrap resamples.")]
SameVersionOpt = Annotated[bool, typer.Option("--same-version", help="Only codings made under their code's current definition (codings in the re-check queue, or with no recorded definition, are left out; how many is said).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="With --ci: seed of the resampling (the same seed gives the same intervals).")]


def _project(ctx: typer.Context, *, write: bool = True):
    return ctx.find_root().obj.project(write=write)


def _compute(ctx, *, level=None, unit, coders, codes, role, where, include_interviewer, by, threshold, min_coded=MIN_CODED,
             ci=False, resamples=1000, seed=1, same_version=False) -> tuple:
    if unit not in UNITS:
        raise InvalidInput(f"--unit must be one of {', '.join(UNITS)}, not '{unit}'")
    if threshold < 0:
        raise InvalidInput(f"--threshold must be 0 or more, not {threshold:g}")
    if min_coded < 0:
        raise InvalidInput(f"--min-coded must be 0 or more, not {min_coded}")
    if ci and not 1 <= resamples <= 100_000:
        raise InvalidInput(f"--resamples must be between 1 and 100000, not {resamples}")
    if ci and seed < 0:
        raise InvalidInput(f"--seed must be 0 or more, not {seed}")
    p = _project(ctx, write=False)
    if same_version:   # fieldcode.team.pinned: the store's reads keep only codings under the current definitions
        from fieldcode.team.pinned import restrict_to_current_definitions

        restrict_to_current_definitions(p.store)
    res = agreement(p.store, level=level, unit=unit, coders=split_list(coders), codes=split_list(codes),
                    filters=parse_filters(role, where), include_interviewer=include_interviewer, by=by,
                    order={"arm": list(p.study.arms)}, threshold=threshold, min_coded=min_coded,
                    ci=ci, resamples=resamples, seed=seed, same_version=same_version)
    return p, res


def _mark(alpha: float) -> str:
    g = grade(alpha)
    return {"weak": "weak !", "tentative": "tentative"}.get(g, "")


def render(res: Agreement) -> Table:
    """Codes x measures; with --by, alpha (and, for two coders, kappa) per group and the
    difference between groups."""
    title = (f"Agreement of {', '.join(res.coders)}: unit {res.unit}; {res.n_compared} of {res.n_interviews} "
             f"interview{'s' if res.n_interviews != 1 else ''} coded by two or more of them")
    t = Table(title=escape(title), title_justify="left")
    t.add_column("code")
    top = min((r.depth for r in res.rows), default=0)

    def label(r) -> str:
        return escape(("" if r.overall else "  " * (r.depth - top)) + r.label)

    if not res.by:
        for h in ("units", "coded", "observed", "positive"):
            t.add_column(h, justify="right")
        for a, b in res.pairs:
            t.add_column(escape(f"κ {a}/{b}"), justify="right")
        t.add_column("α", justify="right")
        t.add_column("")
        for r in res.rows:
            e = r.everyone[ALL]
            t.add_row(label(r), f"{e.units:,}", f"{e.coded:,}", fmt(e.observed), fmt(e.positive),
                      *[fmt(r.pairs[pk][ALL].kappa) for pk in res.pairs], fmt(e.alpha), _mark(e.alpha))
        return t
    cmp = res.compared()
    for g in cmp:
        t.add_column(escape(f"coded\n{g}"), justify="right")
    for g in cmp:
        t.add_column(escape(f"α {g}"), justify="right")
    t.add_column("Δα", justify="right")
    one_pair = len(res.pairs) == 1
    if one_pair:
        for g in cmp:
            t.add_column(escape(f"κ {g}"), justify="right")
        t.add_column("Δκ", justify="right")
    t.add_column("")
    pk = res.pairs[0]
    for r in res.rows:
        cells = ["/".join(f"{n:,}" for _c, n in r.everyone[g].coder_units) for g in cmp]
        cells += [fmt(r.everyone[g].alpha) for g in cmp] + [_signed(r.difference.get("alpha", math.nan))]
        if one_pair:
            cells += [fmt(r.pairs[pk][g].kappa) for g in cmp]
            cells.append(_signed(r.difference.get(f"kappa {pk[0]}/{pk[1]}", math.nan)))
        over = any(not math.isnan(d) and abs(d) > res.threshold for d in r.difference.values())
        flag = (f"differs > {res.threshold:g}" if differs(r, res) else
                "few coded" if over else "")
        t.add_row(label(r), *cells, flag)
    return t


def _signed(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:+.3f}"


def notes(res: Agreement) -> list[str]:
    o = res.options
    lines = [f"Unit: {res.unit} = {UNIT_DEFINITIONS[res.unit]}; {UNIT_DEFINITIONS['coded']}.",
             f"Missing data: {UNIT_DEFINITIONS['missing']}.",
             "Observed and positive agreement, and α, are over all the coders together (Krippendorff's "
             "coincidences); κ is Cohen's, per pair. '(all codes)' pools every code's judgements: its units "
             "and coded count unit × code judgements (units × codes).",
             f"Marks: α below {WEAK} weak !, below {TENTATIVE} tentative; — = undefined (no variation).",
             "Interviewer turns are included." if o.get("include_interviewer") else
             "Interviewer turns are left out (--include-interviewer measures them); speaker labels never count."]
    for k, v in (o.get("filters") or {}).items():
        lines.append(f"Only interviews with {k} = {' or '.join(v)}.")
    if res.by:
        cmp = res.compared()
        how = f"{cmp[0]} minus {cmp[1]}" if len(cmp) == 2 else "largest minus smallest group"
        lines.append(f"Groups by {res.by}; Δ = {how}; threshold {res.threshold:g}. 'coded': units each "
                     f"coder coded in the group ({'/'.join(res.coders)}). A difference is warned about only where every coder "
                     f"compared coded at least {res.min_coded} units in every group (--min-coded); otherwise "
                     f"'few coded'.")
    return lines


@app.command("agreement")
def agreement_cmd(
    ctx: typer.Context,
    coders: CodersOpt = None,
    unit: AgreementUnitOpt = "sentence",
    level: LevelOpt = None,
    codes: CodesOpt = None,
    role: RoleOpt = None,
    where: WhereOpt = None,
    include_interviewer: InterviewerOpt = False,
    by: ByOpt = None,
    threshold: ThresholdOpt = 0.1,
    min_coded: MinCodedOpt = MIN_CODED,
    coefficients: CoefficientsOpt = "basic",
    ci: CiOpt = False,
    resamples: ResamplesOpt = 1000,
    seed: SeedOpt = 1,
    format: Annotated[str, typer.Option("--format", help="table (the terminal) or csv (to standard output).")] = "table",
    same_version: SameVersionOpt = False,
    independent: Annotated[bool, typer.Option("--independent", help="Only codings made blind and before their coder's first hand-in of the interview (independent passes); says how many it left out.")] = False,
) -> None:
    """Intercoder agreement per code and overall: observed agreement, positive (specific)
    agreement, Cohen's kappa for each pair of coders and Krippendorff's alpha (nominal, any
    number of coders, missing data allowed).  Each code is judged on its own: a unit is coded
    or not coded by each coder (a unit coded with several codes counts for each of them).

    Units: char, word, sentence, turn, interview, all on the analysed text (speaker labels and,
    by default, interviewer turns left out; codings are clipped to it).  A coder's units in an
    interview they never coded are missing, not "not coded".  With --by arm: alpha and kappa
    per arm, each coder's coded units per arm, and their difference, with a warning above
    --threshold where every coder coded at least --min-coded units with the code in every arm.

    --coefficients all adds Gwet's AC1, Brennan-Prediger, PABAK with the prevalence and bias
    indices (two coders) or Fleiss' kappa (three or more); --ci adds percentile bootstrap
    intervals over interviews (--resamples, --seed; both printed and in the CSV).

    Example: fieldcode agreement --coders ana,ben --unit sentence --by arm
    A code whose compared codings were made under different definitions (codebook.yaml
    changed while coding) is warned about; --same-version compares only the codings made under
    each code's current definition and says how many it left out.

    Example: fieldcode agreement --coefficients all --ci --resamples 2000 --seed 7
    Example: fieldcode agreement --same-version
    """
    if unit == UNITIZED:
        if same_version:
            raise InvalidInput("--same-version applies to the units char, word, sentence, turn and interview, "
                               "not yet to --unit unitized")
        if ci or coefficients != "basic":
            raise InvalidInput("--ci and --coefficients apply to the units char, word, sentence, turn and interview, "
                               "not to --unit unitized (its alpha is over where passages start and end)")
        from fieldcode.cli.unitized import unitized_command

        return unitized_command(ctx, level=level, coders=coders, codes=codes, role=role, where=where,
                                include_interviewer=include_interviewer, by=by, format=format)
    if format not in ("table", "csv"):
        raise InvalidInput(f"--format must be table or csv, not '{format}'")
    if coefficients not in ("basic", "all"):
        raise InvalidInput(f"--coefficients must be basic or all, not '{coefficients}'")
    if independent:   # fieldcode.protocol.independent: the store's reads keep only independent codings
        from fieldcode.protocol.independent import only_independent

        err.print(escape(only_independent(_project(ctx, write=False), split_list(coders), parse_filters(role, where))))
    _p, res = _compute(ctx, level=level, unit=unit, coders=coders, codes=codes, role=role, where=where,
                       include_interviewer=include_interviewer, by=by, threshold=threshold, min_coded=min_coded,
                       ci=ci, resamples=resamples, seed=seed, same_version=same_version)
    if format == "csv":
        sys.stdout.write(agreement_csv(res))
        sys.stdout.flush()
        if ci:
            from fieldcode.team.reliability import ci_note

            err.print(escape(ci_note(res)))
    else:
        out.print(render(res))
        for n in notes(res):
            out.print(n)
        from fieldcode.cli.coefficients import render_more

        for part in render_more(res, all_coefficients=coefficients == "all", ci=ci):
            out.print(part)
        if level is not None:
            out.print(level_note(level))
    for w in res.warnings:
        err.print(f"[yellow]reliability:[/] {escape(w)}")


@export_app.command("agreement")
def export_agreement(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV path; the JSON sidecar (NAME.json) goes beside it.")] = Path("agreement.csv"),
    coders: CodersOpt = None,
    unit: AgreementUnitOpt = "sentence",
    codes: CodesOpt = None,
    role: RoleOpt = None,
    where: WhereOpt = None,
    include_interviewer: InterviewerOpt = False,
    by: ByOpt = None,
    threshold: ThresholdOpt = 0.1,
    min_coded: MinCodedOpt = MIN_CODED,
    ci: CiOpt = False,
    resamples: ResamplesOpt = 1000,
    seed: SeedOpt = 1,
) -> None:
    """Write intercoder agreement: one CSV row per code x group x set of coders (each pair, and
    all coders together when more than two) with units, coded units, observed and positive
    agreement, Cohen's kappa, Krippendorff's alpha and each coder's coded units ('(all codes)'
    rows count unit x code judgements, as column units_are says); and a JSON sidecar with the unit and
    measure definitions, the coders and the differential-reliability warnings.  Every row also has
    Gwet's AC1, Brennan-Prediger, PABAK with the prevalence and bias indices (pairs) and Fleiss'
    kappa (three or more coders together); with --ci, percentile bootstrap intervals on each
    coefficient (resampling interviews; the seed and resamples in columns ci_* and the sidecar).

    Example: fieldcode export agreement -o results/agreement.csv --coders ana,ben --by arm
    """
    if unit == "unitized":
        if ci:
            raise InvalidInput("--ci is not available with --unit unitized (no bootstrap for unitizing alpha yet)")
        from fieldcode.cli.unitized import unitized_export

        return unitized_export(ctx, output, coders=coders, codes=codes, role=role, where=where,
                               include_interviewer=include_interviewer, by=by)
    p, res = _compute(ctx, unit=unit, coders=coders, codes=codes, role=role, where=where,
                      include_interviewer=include_interviewer, by=by, threshold=threshold, min_coded=min_coded,
                      ci=ci, resamples=resamples, seed=seed)
    output.parent.mkdir(parents=True, exist_ok=True)
    written = export_files.write_agreement(agreement_csv(res), output, codebook=p.codebook, store=p.store,
                                           options=res.options, n_interviews=res.n_interviews, extra=sidecar_extra(res))
    for w in res.warnings:
        err.print(f"[yellow]reliability:[/] {escape(w)}")
    for pth in written:
        out.print(f"wrote {escape(pth)}")


@app.command("disagreements")
def disagreements_cmd(
    ctx: typer.Context,
    coders: Annotated[str, typer.Option("--coders", help="The two coders to compare, e.g. ana,ben.")],
    code: Annotated[Optional[str], typer.Option("--code", help="Only this code (key); default: every code.")] = None,
    unit: Annotated[str, typer.Option("--unit", help="passage (the default, as the review screen lists them: the "
                                      "sentences where they differ, merged while each follows the last in the same "
                                      "turn and shares a code they differ on), or a unit of 'fieldcode agreement': "
                                      "sentence, turn, char, word, interview.")] = "passage",
    role: RoleOpt = None,
    where: WhereOpt = None,
    include_interviewer: InterviewerOpt = False,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many (0 = all).")] = 0,
) -> None:
    """List the passages (or units) where two coders differ: for each, the interview, the
    offsets, the text and each coder's codes on it (the codes only one of them applied are marked
    *).  By passage, as the review screen lists them, so a whole turn one coder coded is one
    item, not one per sentence; --unit takes the units of 'fieldcode agreement' (the char unit
    lists each stretch where only one coder coded a code).

    Example: fieldcode disagreements --coders ana,ben --code housing
    """
    from fieldcode.team.review_items import PASSAGE_DEFINITION, items_for

    pair = split_list(coders) or []
    if len(pair) != 2:
        raise InvalidInput(f"--coders takes exactly two coders, e.g. --coders ana,ben; got '{coders}'")
    if unit != "passage" and unit not in UNITS:
        raise InvalidInput(f"--unit must be passage or one of {', '.join(UNITS)}, not '{unit}'")
    p = _project(ctx, write=False)
    found = items_for(p.store, coders=pair, unit=unit, codes=[code] if code else None,
                      filters=parse_filters(role, where), include_interviewer=include_interviewer)
    shown = found[:limit] if limit > 0 else found
    texts: dict[int, str] = {}
    t = Table(title=escape(f"Disagreements of {pair[0]} and {pair[1]}: unit {unit}"), title_justify="left")
    for col in ("interview", "at", "text", pair[0], pair[1]):
        t.add_column(escape(col), overflow="fold")
    for d in shown:
        if d.interview_id not in texts:
            texts[d.interview_id] = p.store.interview(d.interview_id).text
        text = " ".join(texts[d.interview_id][d.start:d.end].split())
        if len(text) > 240:
            text = text[:237] + "..."

        def cell(who: str) -> str:
            return ", ".join(k + ("*" if k in d.differing else "") for k in d.codes[who]) or "—"

        t.add_row(escape(d.interview), f"{d.start}-{d.end}", escape(text), escape(cell(pair[0])), escape(cell(pair[1])))
    out.print(t)
    more = f" (showing {len(shown)})" if len(shown) < len(found) else ""
    out.print(f"{len(found)} {unit} unit(s) where {escape(pair[0])} and {escape(pair[1])} differ{more}; * = applied by one coder only.")
    definition = PASSAGE_DEFINITION if unit == "passage" else UNIT_DEFINITIONS[unit]
    out.print(f"Unit: {unit} = {definition}. Only interviews both coded.")


@app.command("review")
def review_cmd(
    ctx: typer.Context,
    coders: Annotated[str, typer.Option("--coders", help="The two coders whose disagreements to settle, e.g. ana,ben.")],
    as_coder: Annotated[str, typer.Option("--as", help="The consensus coder the decisions are written as, e.g. consensus.")],
    code: Annotated[Optional[str], typer.Option("--code", help="Only this code (key); default: every code.")] = None,
    unit: Annotated[str, typer.Option("--unit", help="passage | sentence | turn (u changes it in the screen; also char, "
                                      "word, interview). passage: the sentences where they differ, merged while each "
                                      "follows the last in the same turn (paragraph without speaker labels) and shares "
                                      "a code they differ on.")] = "passage",
    role: RoleOpt = None,
    where: WhereOpt = None,
) -> None:
    """Open the review screen: the two coders' disagreements one passage at a time, both coders'
    codings side by side on the transcript in their codes' colours.  Keys: a keep the left coder's
    side, b the right one's, o both, n neither (the codes both applied are kept), f both fitted to
    the item's span, e adjust the span (w/s/t step by word, sentence or turn; right/left move its
    end, shift+left/right its start; Enter writes both sides' codes over it; Esc cancels), E type
    the span as offsets; u changes the unit; g copies the codings they agree on; right/left, q to
    close.  Each decision writes codings of the consensus coder, each linked in the event log to
    the codings it came from; an item an earlier decision covers shows as settled; progress shows
    "12 of 40 settled · 28 open", and a restart reopens on the item where you stopped.  Then run
    the crosstab on the consensus coder (--coder NAME).

    Example: fieldcode review --coders ana,ben --as consensus --code housing
    """
    from fieldcode.study.settings import check_coder
    from fieldcode.team.consensus import Review

    pair = split_list(coders) or []
    if len(pair) != 2:
        raise InvalidInput(f"--coders takes exactly two coders, e.g. --coders ana,ben; got '{coders}'")
    as_coder = check_coder(as_coder, "--as")
    p = _project(ctx)
    review = Review(p.store, coders=pair, consensus=as_coder, unit=unit, codes=[code] if code else None,
                    filters=parse_filters(role, where))
    from fieldcode.tui.review import make_review_app  # noqa: PLC0415 - the TUI only when asked for

    make_review_app(review).run()
    out.print(f"{escape(review.progress())} ({escape(as_coder)})")


@app.command("merge")
def merge_cmd(
    ctx: typer.Context,
    other: Annotated[Path, typer.Argument(help="The other copy: its project folder, or its fieldcode.db file.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would happen; change nothing.")] = False,
) -> None:
    """Merge another copy of this project (a coder's own laptop, say) into this one.

    Interviews are matched by transcript content (a transcript that differs is reported, never
    guessed), codes by key (codebook differences reported), codings by their uid: each coder's
    codings come across with their coder, times, memo and history.  Codings already here are
    skipped; a coding the other copy changed or removed, and this one did not, takes the other
    copy's state; one changed in both copies is reported as a conflict and left as it is here.
    All or nothing; running it twice changes nothing; the other copy is never written to.
    Pseudonym decisions come across too, into the database and this copy's key (the other
    copy's pseudonyms.key.yaml is read when it is in the folder named): when two reviewers
    decided one detail apart, accepted wins over rejected and the newer of two pseudonyms wins,
    each reported.

    Example: fieldcode merge ../laptop-ben/study --dry-run
    """
    from fieldcode.privacy import merging as pn_merging
    from fieldcode.team.merge import merge

    p = _project(ctx)
    pn_merging.check_other_key(other)
    plan = merge(p.store, other, dry_run=dry_run, workdir=p.root / ".fieldcode")
    # pseudonym decisions: into this database and this copy's key file (fieldcode.privacy.merging)
    pn = pn_merging.merge_decisions(p.store, p.root, plan.pn_decisions, other=other,
                                    coder=p.coder or "merge", dry_run=dry_run)
    head = "would merge" if dry_run else "merged"
    lines = plan.summary()
    out.print(f"{head} {escape(lines[0])}")
    for ln in lines[1:]:
        out.print(escape(ln))
    for n in plan.unmatched:
        err.print(f"[yellow]not merged:[/] {escape(n)}")
    for n in plan.codebook_notes:
        err.print(f"codebook: {escape(n)}")
    for n in plan.conflicts:
        err.print(f"[red]conflict:[/] {escape(n)}")
    for ln in pn.summary():
        out.print(escape(ln))
    for n in pn.conflicts:
        err.print(f"[red]pseudonym conflict:[/] {escape(n)}")
    if pn.unknown:
        err.print(f"[yellow]pseudonyms:[/] {len(pn.unknown)} decision(s) of the other copy name details this key "
                  "does not have (added by hand there, or its key was made apart): they are in the database; merge "
                  "again with the other copy's pseudonyms.key.yaml beside its fieldcode.db, or run 'fieldcode "
                  "pseudonyms scan' (a detail it finds takes the decision)")
    if dry_run:
        out.print("dry run: nothing was changed")


__all__ = ["agreement_cmd", "export_agreement", "merge_cmd", "MEASURE_DEFINITIONS"]
