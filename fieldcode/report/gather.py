"""Gathering the report: the options, one call to each of the commands' own functions, and the
sections in order.

``build(project, Options(...))`` returns a :class:`~fieldcode.report.model.Report`; nothing here
formats for a particular output or writes a file.  The same database, options and seed give the
same report: every number is computed by a deterministic function with the seed given, and the
only date in it is ``Options.date``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from fieldcode.errors import InvalidInput
from fieldcode.report import results, study
from fieldcode.report.model import Report

AGREEMENT_UNITS = ("char", "word", "sentence", "turn", "interview")


@dataclass(frozen=True)
class Options:
    date: str                                  # the report's date (YYYY-MM-DD): the only clock reading in it
    units: tuple[str, ...] = ("sentence",)     # agreement units
    by: str | None = "arm"                     # agreement and saturation per value of this attribute
    seed: int = 1
    resamples: int = 1000
    base: int = 4                              # saturation (Guest, Namey & Chen 2020)
    run: int = 2
    threshold: float = 0.05
    compare_unit: str = "per1000"
    alpha: float = 0.05
    include_interviewer: bool = False
    command: tuple[str, ...] | None = None     # the command line that wrote the report


def check(opts: Options) -> None:
    """Refuse options no command would take, naming the option and what to give instead."""
    bad = [u for u in opts.units if u not in AGREEMENT_UNITS]
    if bad or not opts.units:
        raise InvalidInput(f"--unit must be one of {', '.join(AGREEMENT_UNITS)} (repeat for more), not "
                           f"'{bad[0] if bad else ''}'")
    if not 1 <= opts.resamples <= 100_000:
        raise InvalidInput(f"--resamples must be between 1 and 100000, not {opts.resamples}")
    if opts.seed < 0:
        raise InvalidInput(f"--seed must be 0 or more, not {opts.seed}")
    from fieldcode.analysis.paired import check_alpha
    from fieldcode.analysis.saturation import check_parameters

    check_parameters(opts.base, opts.run, opts.threshold)
    check_alpha(opts.alpha)
    from fieldcode.analysis import NORMALISED_UNITS

    if opts.compare_unit not in NORMALISED_UNITS:
        raise InvalidInput(f"--compare-unit must be one of {', '.join(NORMALISED_UNITS)}, not '{opts.compare_unit}'")


def commands(opts: Options, *, by_coder: bool) -> list[tuple[str, str]]:
    """The command behind each section's numbers, with the report's options."""
    by = ["--by", opts.by] if opts.by else []
    iv = ["--include-interviewer"] if opts.include_interviewer else []
    out = [("design, crosstab", shlex.join(["fieldcode", "export", "counts", "--by", "pair,arm", *iv]))]
    out.append(("coders", "fieldcode frequencies --coder NAME" + (" --include-interviewer" if iv else "")))
    for u in opts.units:
        out.append((f"agreement ({u})", shlex.join(["fieldcode", "agreement", "--unit", u, *by, "--coefficients", "all",
                                                     "--ci", "--resamples", str(opts.resamples), "--seed", str(opts.seed),
                                                     *iv, "--format", "csv"])))
    out.append(("saturation", shlex.join(["fieldcode", "saturation", *by, "--base", str(opts.base), "--run", str(opts.run),
                                          "--threshold", f"{opts.threshold:g}", "--resamples", str(opts.resamples),
                                          "--seed", str(opts.seed), *iv, "--csv", "saturation.csv"])))
    out.append(("comparison", shlex.join(["fieldcode", "export", "comparison", "--unit", opts.compare_unit,
                                          "--alpha", f"{opts.alpha:g}", *(["--by-coder"] if by_coder else []), *iv])))
    return out


def build(project, opts: Options) -> Report:
    """The whole report of ``project`` (opened read-only) with ``opts``."""
    from fieldcode.analysis import compare, crosstab
    from fieldcode.analysis.paired_coders import compare_by_coder, consensus_coders
    from fieldcode.analysis.saturation import saturation
    from fieldcode.team.reliability import agreement

    check(opts)
    store = project.store
    arms = list(project.study.arms)
    order = {"arm": arms}
    if not store.coders():
        raise InvalidInput("the study has no codings yet: a methods report needs codings "
                           "(code some interviews, or 'fieldcode code import FILE')")
    by = opts.by
    if by and not any(by in attrs for _n, _w, attrs in _interviews(store)):
        raise InvalidInput(f"--by: no interview has the attribute '{by}' (give an attribute the interviews carry, "
                           "e.g. arm, or --by '' for none)")
    ct = crosstab(store, unit="all", by=("pair", "arm"), include_interviewer=opts.include_interviewer, order=order)
    agreements: list[tuple[str, object]] = []
    for u in opts.units:
        try:
            agreements.append((u, agreement(store, unit=u, by=by, order=order, include_interviewer=opts.include_interviewer,
                                            ci=True, resamples=opts.resamples, seed=opts.seed)))
        except InvalidInput as exc:     # e.g. one coder only: said in the report, not a failure
            agreements.append((u, str(exc)))
    sat = saturation(store, by=by, base=opts.base, run=opts.run, threshold=opts.threshold, resamples=opts.resamples,
                     seed=opts.seed, include_interviewer=opts.include_interviewer, order=order)
    coders = [c for c in store.coders() if c not in set(consensus_coders(store))]
    kwargs = dict(unit=opts.compare_unit, include_interviewer=opts.include_interviewer, alpha=opts.alpha)
    bc = compare_by_coder(store, arms=arms, **kwargs) if len(coders) >= 2 else None
    cmp = bc.pooled if bc is not None else compare(store, arms=arms, **kwargs)
    rep = Report(f"Methods report: {project.study.name or 'fieldcode study'}",
                 f"fieldcode methods appendix, {opts.date}")
    rep.sections = [
        study.design_section(project, ct),
        study.codebook_section(project),
        study.coders_section(project),
        study.blinding_section(project),
        results.agreement_section(agreements),
        results.saturation_section(sat),
        results.crosstab_section(ct),
        results.comparison_section(cmp, bc),
        study.provenance_section(project, date=opts.date, command=list(opts.command) if opts.command is not None else None,
                                 commands=commands(opts, by_coder=bc is not None), seed=opts.seed,
                                 resamples=opts.resamples),
    ]
    return rep


def _interviews(store) -> list:  # noqa: ANN001
    from fieldcode.store import q_interview_rows

    return list(q_interview_rows(store).values())


__all__ = ["Options", "AGREEMENT_UNITS", "check", "commands", "build"]
