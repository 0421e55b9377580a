"""Exports from the screens: the retrieval list, the analysis tables, the memo list and the
agreement panel write the same files as the CLI's ``fieldcode export segments | counts |
comparison | memos | agreement`` with the options the screen shows (CSV, the XLSX beside the
segments CSV, the JSON sidecar).  The sidecar's ``command`` is the equivalent CLI command, so a
methods appendix can say how to make the file again.

``ctrl+e`` on those screens asks for the path (:class:`ExportDialog`, a default under
``results/`` in the study folder), never overwrites without a second Enter, and says where it
wrote.  The numbers and tables come from :mod:`fieldcode.analysis`, :mod:`fieldcode.team` and
:mod:`fieldcode.analysis.export`, the files and sidecars from :mod:`fieldcode.analysis.export_files`
(which the CLI's exports call too); this module computes what the screen shows and passes it on.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from fieldcode.errors import FieldcodeError
from fieldcode.tui.widgets import data

EXPORT_KEY = "ctrl+e"


@dataclass
class ExportJob:
    """One export: the CLI command's name, its default file, the options as CLI arguments, and
    the function writing the files (given the output path, returns the paths written)."""

    kind: str                                   # segments | counts | comparison | memos | agreement
    default_name: str                           # e.g. "segments-housing.csv"
    args: list[str] = field(default_factory=list)   # CLI options after -o PATH
    write: Callable[[Path, str], list[Path]] | None = None   # (output, command) -> files written

    def command(self, output: Path) -> str:
        return "fieldcode " + shlex.join(["export", self.kind, "-o", str(output), *self.args])

    def files(self, output: Path) -> list[Path]:
        """Every file the export writes (for the overwrite check)."""
        extra = {"segments": [output.with_suffix(".xlsx")],
                 "counts": [output.with_name(output.stem + "_wide.csv")],
                 "comparison": [output.with_name(output.stem + "_summary.csv")]}.get(self.kind, [])
        return [output, *extra, output.with_suffix(".json")]

    def run(self, output: Path) -> list[Path]:
        assert self.write is not None
        return self.write(output, self.command(output))


def filter_args(filters: dict[str, list[str]] | None) -> tuple[list[str], dict[str, list[str]]]:
    """CLI arguments for attribute filters (``--role``, then ``--where k=v``) and the filters as
    the CLI parses them back (role first), so the sidecar records them in the same order."""
    args: list[str] = []
    parsed: dict[str, list[str]] = {}
    f = filters or {}
    for v in f.get("role", []):
        args += ["--role", v]
    if f.get("role"):
        parsed["role"] = list(f["role"])
    for k, vals in f.items():
        if k == "role":
            continue
        for v in vals:
            args += ["--where", f"{k}={v}"]
        parsed[k] = list(vals)
    return args, parsed


def coder_args(coders: Sequence[str] | None) -> list[str]:
    return [a for c in coders or () for a in ("--coder", c)]


# --- the exports -------------------------------------------------------------------------------

def segments_job(project, *, codes: list[str] | None, include_children: bool,  # noqa: ANN001
                 filters: dict[str, list[str]] | None, coders: list[str] | None) -> ExportJob:
    """``fieldcode export segments`` for the retrieval list's filters."""
    fargs, parsed = filter_args(filters)
    args = (["--codes", ",".join(codes)] if codes else []) + (["--children"] if include_children and codes else [])
    args += coder_args(coders) + fargs
    name = f"segments-{codes[0]}.csv" if codes and len(codes) == 1 else "segments.csv"

    def write(output: Path, command: str) -> list[Path]:
        from fieldcode.analysis import segments
        from fieldcode.analysis.export_files import write_segments

        segs = segments(project.store, codes=codes, include_children=include_children and bool(codes),
                        filters=parsed or None, coders=coders, exclude_interviewer=False)
        output.parent.mkdir(parents=True, exist_ok=True)
        opts = {"codes": codes, "filters": parsed, "coders": coders, "include_interviewer": True}
        return write_segments(segs, output, codebook=project.codebook, store=project.store, options=opts,
                              include_children=include_children and bool(codes), command=command)

    return ExportJob("segments", name, args, write)


def counts_job(project, *, by: Sequence[str], filters: dict[str, list[str]] | None,  # noqa: ANN001
               coders: list[str] | None, include_interviewer: bool, rollup: bool) -> ExportJob:
    """``fieldcode export counts`` for the analysis screen's crosstab."""
    fargs, parsed = filter_args(filters)
    args = ["--by", ",".join(by)] + coder_args(coders) + fargs
    args += (["--include-interviewer"] if include_interviewer else []) + (["--rollup"] if rollup else [])

    def write(output: Path, command: str) -> list[Path]:
        from fieldcode import analysis
        from fieldcode.analysis.export_files import write_counts

        ct = analysis.crosstab(project.store, unit="all", by=tuple(by), codes=None, filters=parsed,
                               coders=coders, include_interviewer=include_interviewer, rollup=rollup,
                               order={"arm": list(project.study.arms)})
        output.parent.mkdir(parents=True, exist_ok=True)
        return write_counts(ct, output, codebook=project.codebook, store=project.store, command=command)

    return ExportJob("counts", "counts.csv", args, write)


def comparison_job(project, *, unit: str, filters: dict[str, list[str]] | None,  # noqa: ANN001
                   coders: list[str] | None, include_interviewer: bool, rollup: bool) -> ExportJob:
    """``fieldcode export comparison`` for the analysis screen's paired comparison."""
    fargs, parsed = filter_args(filters)
    args = ["--unit", unit] + coder_args(coders) + fargs
    args += (["--include-interviewer"] if include_interviewer else []) + (["--rollup"] if rollup else [])

    def write(output: Path, command: str) -> list[Path]:
        from fieldcode import analysis
        from fieldcode.analysis.export_files import write_comparison

        cmp = analysis.compare(project.store, arms=project.study.arms, coders=coders, unit=unit, codes=None,
                               filters=parsed, include_interviewer=include_interviewer, rollup=rollup, alpha=0.05)
        output.parent.mkdir(parents=True, exist_ok=True)
        return write_comparison(cmp, output, codebook=project.codebook, store=project.store, command=command)

    return ExportJob("comparison", "comparison.csv", args, write)


def analysis_job(project, options) -> ExportJob:  # noqa: ANN001
    """The analysis screen's table (its :class:`~fieldcode.tui.analysis_screen.Options`): the
    crosstab as ``export counts``, the paired comparison as ``export comparison``."""
    common = dict(filters=options.filters, coders=options.coders, include_interviewer=options.include_interviewer,
                  rollup=options.rollup)
    if options.view == "compare":
        return comparison_job(project, unit=options.compare_unit, **common)
    return counts_job(project, by=options.by, **common)


def memos_job(project, *, interview: str | None, code: str | None, coder: str | None) -> ExportJob:  # noqa: ANN001
    """``fieldcode export memos`` for the memo list's filters (interview name, code key, author)."""
    args = ((["--coder", coder] if coder else []) + (["--codes", code] if code else [])
            + (["--interview", interview] if interview else []))

    def write(output: Path, command: str) -> list[Path]:
        from fieldcode import store as storemod
        from fieldcode.analysis.export_files import write_memos

        store = project.store
        iv_id = store.interview(interview).id if interview else None
        code_id = store.code(code).id if code else None
        memos = [m for m in storemod.memos(store, interview_id=iv_id)
                 if (not coder or m.author == coder) and (code_id is None or m.code_id == code_id)]
        output.parent.mkdir(parents=True, exist_ok=True)
        opts = {"codes": [code] if code else None, "coders": [coder] if coder else None, "include_interviewer": True}
        return write_memos(memos, store.all_attributes(), output, codebook=project.codebook, store=store,
                           options=opts, interview=interview, command=command)

    return ExportJob("memos", "memos.csv", args, write)


def agreement_job(project, res, *, coders: list[str] | None, include_interviewer: bool) -> ExportJob:  # noqa: ANN001
    """``fieldcode export agreement`` for the agreement panel's result ``res`` (the same
    :class:`fieldcode.team.reliability.Agreement` the CLI computes for these options)."""
    args = (["--coders", ",".join(coders)] if coders else []) + ["--unit", res.unit]
    args += (["--include-interviewer"] if include_interviewer else []) + (["--by", res.by] if res.by else [])
    boot = res.options.get("ci")
    if boot:   # the intervals the panel shows: the same seed and resamples
        args += ["--ci", "--resamples", str(boot["resamples"]), "--seed", str(boot["seed"])]

    def write(output: Path, command: str) -> list[Path]:
        from fieldcode.analysis.export_files import write_agreement
        from fieldcode.team.reliability import agreement_csv, sidecar_extra

        output.parent.mkdir(parents=True, exist_ok=True)
        return write_agreement(agreement_csv(res), output, codebook=project.codebook, store=project.store,
                               options=res.options, n_interviews=res.n_interviews, extra=sidecar_extra(res),
                               command=command)

    return ExportJob("agreement", f"agreement-{res.unit}{'-by-' + res.by if res.by else ''}.csv", args, write)


# --- asking for the path -----------------------------------------------------------------------

class ExportDialog(ModalScreen[Path | None]):
    """Where to write: an editable path (relative paths are in the study folder).  Files that
    exist are named and Enter must be pressed again on the same path to overwrite them."""

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical { width: 90%; max-width: 100; height: auto; border: thick $primary;
                              background: $surface; padding: 0 1; }
    ExportDialog #export-files { color: $text-muted; }
    ExportDialog #export-warning { color: $warning; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, job: ExportJob, root: Path) -> None:
        super().__init__()
        self.job = job
        self.root = Path(root)
        self._armed: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(data(f"Export {self.job.kind} (the same files as 'fieldcode export {self.job.kind}')"))
            yield Input(str(Path("results") / self.job.default_name), id="export-path")
            yield Static("", id="export-files")
            yield Static("", id="export-warning")
            yield Label("Enter writes · Esc cancels · a relative path is in the study folder", classes="hint")

    def on_mount(self) -> None:
        self._describe(self.query_one(Input).value)

    def resolve(self, value: str) -> Path:
        p = Path(value.strip()).expanduser()
        return p if p.is_absolute() else self.root / p

    def _describe(self, value: str) -> None:
        out = self.resolve(value) if value.strip() else None
        names = ", ".join(f.name for f in self.job.files(out)) if out is not None and out.name else ""
        self.query_one("#export-files", Static).update(data(f"writes {names}" if names else ""))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._armed = None
        self.query_one("#export-warning", Static).update("")
        self._describe(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        warn = self.query_one("#export-warning", Static)
        if not value:
            warn.update("Type a file name, e.g. results/segments.csv")
            return
        out = self.resolve(value)
        if not out.name or out.suffix.lower() != ".csv":
            warn.update(data(f"'{out.name}' does not end in .csv: the export writes a CSV (and its sidecar "
                             "beside it); end the name in .csv"))
            return
        if out.is_dir():
            warn.update(data(f"{out} is a folder: add a file name ending in .csv"))
            return
        existing = [f for f in self.job.files(out) if f.exists()]
        if existing and self._armed != out:
            self._armed = out
            warn.update(data(f"{', '.join(f.name for f in existing)} already exist{'s' if len(existing) == 1 else ''} "
                              f"in {out.parent}: Enter again overwrites, or change the name"))
            return
        self.dismiss(out)

    def action_cancel(self) -> None:
        self.dismiss(None)


def start_export(screen, job: ExportJob) -> None:  # noqa: ANN001
    """Ask for the path, write the files, and say where (or why not)."""
    app = screen.app
    root = Path(app.project.root)

    def chosen(out: Path | None) -> None:
        if out is None:
            return
        try:
            written = job.run(out)
        except (FieldcodeError, OSError, ValueError) as exc:
            app.notify(f"Nothing exported: {exc}", severity="error", timeout=10)
            return
        where = out.parent
        shown = str(where.relative_to(root)) if where.is_relative_to(root) else str(where)
        app.notify(f"Wrote {', '.join(f.name for f in written)} in {shown or '.'}", timeout=10)
        app.last_export = written

    app.push_screen(ExportDialog(job, root), chosen)
