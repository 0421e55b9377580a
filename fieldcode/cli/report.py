"""The ``report`` command: the methods appendix (HTML, Markdown, Word) in one folder.
Registered on the shared app (fieldcode.cli.base) when imported.  Thin: the report is gathered
by fieldcode.report.gather from the commands' own functions and written by
fieldcode.report.writing."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer

from fieldcode.cli.base import app, out, split_list, state
from fieldcode.errors import InvalidInput
from fieldcode.lazy import lazy_module
from fieldcode.safe import plain as escape

gather = lazy_module("fieldcode.report.gather")     # numpy, matplotlib and the database layer load on first use
writing = lazy_module("fieldcode.report.writing")


def report_date(date: str | None) -> str:
    """--date, else SOURCE_DATE_EPOCH (the reproducible-builds convention), else today (UTC)."""
    if date is not None:
        try:
            return datetime.strptime(date, "%Y-%m-%d").strftime("%Y-%m-%d")
        except ValueError:
            raise InvalidInput(f"--date must be a date like 2026-12-06, not '{date}'") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%d")
        except (ValueError, OverflowError, OSError):
            raise InvalidInput(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not '{epoch}'") from None
    return datetime.now(timezone.utc).strftime("%Y-%m-%d")


@app.command("report")
def report_cmd(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="The folder to write report.html, report.md (with its figure-*.svg) and report.docx into (created if needed; files of an earlier report there are replaced).")] = Path("report"),
    unit: Annotated[Optional[list[str]], typer.Option("--unit", help="Agreement unit: char, word, sentence, turn or interview (repeat for more).")] = None,
    by: Annotated[Optional[str], typer.Option("--by", help="The interview attribute agreement and saturation are split by (default: arm when the interviews carry it, else none; '' for none).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap (agreement intervals and saturation): the same seed gives the same report.")] = 1,
    resamples: Annotated[int, typer.Option("--resamples", help="Bootstrap resamples, for the agreement intervals and the saturation bootstrap.")] = 1000,
    base: Annotated[int, typer.Option("--base", help="Saturation: the base size.")] = 4,
    run: Annotated[int, typer.Option("--run", help="Saturation: the run length.")] = 2,
    threshold: Annotated[float, typer.Option("--threshold", help="Saturation: the new-information threshold (0.05 = 5%).")] = 0.05,
    compare_unit: Annotated[str, typer.Option("--compare-unit", help="The paired comparison's unit: per1000, share or segments_per_interview.")] = "per1000",
    alpha: Annotated[float, typer.Option("--alpha", help="The paired comparison's threshold for the sign test's p (the smallest-p warning).")] = 0.05,
    include_interviewer: Annotated[bool, typer.Option("--include-interviewer", help="Count interviewer turns too (by default they are left out).")] = False,
    format: Annotated[str, typer.Option("--format", help="Which files, comma-separated: html, md, docx.")] = "html,md,docx",
    date: Annotated[Optional[str], typer.Option("--date", help="The report's date, YYYY-MM-DD (default: SOURCE_DATE_EPOCH if set, else today, UTC).")] = None,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help="Replace every accepted identifying detail (see 'fieldcode pseudonyms') in every file of the report (interview and pair names, figure labels); an anonymisation log goes beside it. Nothing is written if a file would still name an accepted original.")] = False,
) -> None:
    """Write the methods appendix: a self-contained HTML report, its Markdown twin and a Word copy.

    The design (pairs, arms, interviews and words per cell), the codebook with its definitions
    and recorded versions, the coders and what each coded, blinding, agreement with bootstrap
    intervals at the units asked for (by arm), code saturation, the crosstab and the paired
    comparison with their rules, figures (SVG), and the provenance of every number: transcript
    and codebook hashes, the command behind each table, fieldcode's version and the date.
    The numbers are those the commands print (agreement, saturation, crosstab, compare); the same
    database, options, seed and date give the same files, byte for byte.  Only reads the database.

    Example: fieldcode report -o results/report --unit sentence --unit turn --seed 7
    """
    from fieldcode.runinfo import command_line

    formats = tuple(split_list(format) or ())
    bad = [f for f in formats if f not in ("html", "md", "docx")]
    if bad or not formats:
        raise InvalidInput(f"--format takes html, md and docx, comma-separated, not '{format}'")
    cmd = command_line()
    p = state(ctx).project(write=False)
    if by is None:   # not given: by arm where the design has arms, unsplit where it has none
        by = "arm" if any("arm" in i.attributes for i in p.store.interview_infos()) else ""
    opts = gather.Options(date=report_date(date), units=tuple(unit or ("sentence",)), by=by or None, seed=seed,
                          resamples=resamples, base=base, run=run, threshold=threshold, compare_unit=compare_unit,
                          alpha=alpha, include_interviewer=include_interviewer,
                          command=tuple(cmd) if cmd is not None else None)
    gather.check(opts)
    pz = None
    if pseudonymise:
        from fieldcode.privacy.exporting import Pseudonymiser

        pz = Pseudonymiser.for_study(p.root).for_command(ctx)
    t0 = time.perf_counter()
    rep = gather.build(p, opts)
    paths = writing.write(rep, output, formats=formats, date=opts.date, pseudonymiser=pz)
    for pth in paths:
        out.print(f"wrote {escape(pth)}")
    out.print(f"report: {len(rep.sections)} sections, {len(rep.tables())} tables, {len(rep.figures())} figures "
              f"in {time.perf_counter() - t0:.1f} s (seed {seed}, {resamples:,} resamples)")


__all__ = ["report_cmd", "report_date"]
