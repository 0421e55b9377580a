"""``fieldcode framework``: the framework matrix's summaries (``list``, ``set``, ``delete``,
``history``) and ``fieldcode export framework`` (XLSX, Markdown, DOCX).  The screen itself is
``F`` in the coding screen.  Registered on the shared app (fieldcode.cli.base) when imported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from fieldcode.cli.base import app, err, export_app, out, split_list, state
from fieldcode.errors import InvalidInput, NotFound
from fieldcode.lazy import lazy_module
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls

fw = lazy_module("fieldcode.analysis.framework")
fw_export = lazy_module("fieldcode.analysis.framework_export")
fw_store = lazy_module("fieldcode.store.framework")

framework_app = typer.Typer(help="Write, list and delete framework-matrix summaries: each coder's short summary "
                                 "of an interview under a theme, citing the coded passages it rests on, and "
                                 "the cell's consensus summary.", no_args_is_help=True)
app.add_typer(framework_app, name="framework")

InterviewArg = Annotated[str, typer.Argument(help="Interview name, file stem or id.")]
ThemeArg = Annotated[str, typer.Argument(help="The theme's code key.")]
ConsensusOpt = Annotated[bool, typer.Option("--consensus", help="The cell's consensus summary (anyone may edit it; "
                                                                "the log names who did), not your own.")]
ConsensusNameOpt = Annotated[str, typer.Option("--consensus-name", help="The consensus coder's name the consensus "
                                                                        "summary is kept under.")]


def _cell(p, interview: str, theme: str):  # noqa: ANN001, ANN202
    iv = p.store.interview(interview)
    code = next((c for c in p.store.codes() if c.key == theme), None)
    if code is None:
        raise NotFound(f"no code '{theme}' in the codebook ('fieldcode codebook show' lists the keys)")
    return iv, code


@framework_app.command("set")
def framework_set(
    ctx: typer.Context, interview: InterviewArg, theme: ThemeArg,
    text: Annotated[str, typer.Argument(help="The summary ('-' reads it from standard input).")],
    cite: Annotated[Optional[list[int]], typer.Option("--cite", help="A coding id the summary rests on (repeat "
                                                      "for more; 'fieldcode code list INTERVIEW' shows the ids). "
                                                      "The whole list: a coding left out is no longer cited.")] = None,
    consensus: ConsensusOpt = False,
    consensus_name: ConsensusNameOpt = "consensus",
) -> None:
    """Write your summary of an interview under a theme (one per coder and cell; writing again
    replaces it, the log keeps every version), or with --consensus the cell's consensus summary.

    Example: fieldcode --coder ana framework set leeds-improving-01-resident place "Repairs kept people here." --cite 12
    """
    p = state(ctx).project()
    coder = p.require_coder()
    if text == "-":
        import sys

        text = sys.stdin.read()
    iv, code = _cell(p, interview, theme)
    uids = fw_store.coding_uids(p.store, list(cite or []))
    missing = [str(i) for i in cite or [] if i not in uids]
    if missing:
        raise NotFound(f"no coding #{', #'.join(missing)} to cite; nothing was saved "
                       f"('fieldcode code list {iv.name}' shows the ids)")
    w = fw_store.set_summary(p.store, coder, iv.id, code.id, text, cites=[uids[i] for i in cite or []],
                             consensus=consensus, consensus_author=consensus_name)
    whose = "the consensus summary" if consensus else f"{coder}'s summary"
    out.print(f"{escape(whose)} of {escape(iv.name)} under {escape(code.key)}: {w.action}")


@framework_app.command("delete")
def framework_delete(ctx: typer.Context, interview: InterviewArg, theme: ThemeArg, consensus: ConsensusOpt = False,
                     consensus_name: ConsensusNameOpt = "consensus") -> None:
    """Delete your summary of an interview under a theme (or with --consensus the consensus
    summary).  The log keeps its text; merge does not bring it back from another copy.

    Example: fieldcode --coder ana framework delete leeds-improving-01-resident place
    """
    p = state(ctx).project()
    coder = p.require_coder()
    iv, code = _cell(p, interview, theme)
    author = consensus_name if consensus else coder
    got = fw_store.summaries(p.store, interview_ids=[iv.id], code_ids=[code.id], authors=[author])
    if not got:
        raise NotFound(f"{escape(author)} has no summary of {iv.name} under {code.key}; nothing was deleted")
    fw_store.delete_summary(p.store, coder, got[0].uid)
    out.print(f"deleted {escape(author)}'s summary of {escape(iv.name)} under {escape(code.key)}")


@framework_app.command("list")
def framework_list(
    ctx: typer.Context,
    interview: Annotated[Optional[str], typer.Option("--interview", help="Only this interview.")] = None,
    author: Annotated[Optional[list[str]], typer.Option("--author", help="Only this coder's summaries (repeat).")] = None,
    stale: Annotated[bool, typer.Option("--stale", help="Only summaries whose cited passages changed since.")] = False,
) -> None:
    """List the framework summaries: interview, theme, author, text, what they cite and whether
    a cited passage was removed, recoded or moved since (STALE).

    Example: fieldcode framework list --stale
    """
    p = state(ctx).project(write=False)
    ids = [p.store.interview(interview).id] if interview else None
    rows = fw_store.summaries(p.store, interview_ids=ids, authors=author or None)
    if stale:
        rows = [s for s in rows if s.stale]
    if not rows:
        out.print("no framework summaries" + (" with changed citations" if stale else ""))
        return
    t = Table()
    for col in ("interview", "theme", "author", "summary", "cites", "edits"):
        t.add_column(col)
    for s in rows:
        who = f"{s.author} (consensus)" if s.consensus else s.author
        flag = f"\nSTALE: {s.stale_note()}" if s.stale else ""
        t.add_row(escape(s.interview), escape(s.code_key), escape(who), escape(s.text) + escape(flag),
                  str(len(s.cites)), f"{s.edits:d}")
    out.print(t)
    n_stale = sum(1 for s in rows if s.stale)
    if n_stale:
        err.print(f"{n_stale} summar{'y' if n_stale == 1 else 'ies'} cite passages that changed since "
                  "(removed, recoded or moved): open the cell (F in the coding screen) to check")


@framework_app.command("history")
def framework_history(ctx: typer.Context, interview: InterviewArg, theme: ThemeArg,
                      author: Annotated[Optional[str], typer.Option("--author", help="Whose summary (default: yours; "
                                                                    "'consensus' for the consensus summary).")] = None) -> None:
    """Every version of a summary, oldest first, with who wrote it and when (from the event log).

    Example: fieldcode --coder ana framework history leeds-improving-01-resident place
    """
    p = state(ctx).project(write=False)
    who = author or p.require_coder()
    iv, code = _cell(p, interview, theme)
    got = fw_store.summaries(p.store, interview_ids=[iv.id], code_ids=[code.id], authors=[who])
    if not got:
        raise NotFound(f"{who} has no summary of {iv.name} under {code.key}")
    for h in fw_store.summary_history(p.store, got[0].uid):
        out.print(f"#{h['id']} {h['at']:%Y-%m-%d %H:%M} {escape(h['coder'])} {escape(h['change'])}: {escape(h['text'])}")


FORMATS = ("xlsx", "md", "docx")


@export_app.command("framework")
def export_framework(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output path; its name without the suffix is used "
                                         "for each format (NAME.xlsx, NAME.md, NAME.docx) and the JSON sidecar.")]
    = Path("framework.xlsx"),
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: xlsx, md, docx.")] = "xlsx,md,docx",
    codes: Annotated[Optional[str], typer.Option("--codes", help="Only these themes (code keys, comma-separated); "
                                                 "default: every top-level theme, and any other theme that holds a summary.")] = None,
    no_rollup: Annotated[bool, typer.Option("--no-rollup", help="Count a theme's own codings only, not its "
                                            "sub-themes'.")] = False,
    coder: Annotated[Optional[list[str]], typer.Option("--coder", help="Count only this coder's passages (repeat "
                                                       "for more; default: everyone's, as the crosstab).")] = None,
    author: Annotated[Optional[list[str]], typer.Option("--author", help="Only this author's summaries (repeat; "
                                                        "'consensus' for the consensus summaries).")] = None,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help="Replace every accepted identifying detail "
                                               "(see 'fieldcode pseudonyms') in every file: summaries, quotes, "
                                               "interview and pair names; an anonymisation log goes beside it. "
                                               "Nothing is written if a file would still name an accepted "
                                               "original.")] = False,
) -> None:
    """Write the framework matrix: XLSX (one sheet per theme group, pairs as row blocks, the two
    arms side by side, each summary with the quotes it cites under it), Markdown and DOCX, with
    a JSON sidecar; a summary whose cited passages changed since is marked STALE.

    Example: fieldcode export framework -o results/framework.xlsx
    """
    from fieldcode.analysis import export

    want = [f.strip().lower().lstrip(".") for f in formats.split(",") if f.strip()]
    bad = [f for f in want if f not in FORMATS]
    if bad or not want:
        raise InvalidInput(f"--format: unknown format {', '.join(bad) or '(none)'}; choose from {', '.join(FORMATS)}")
    p = state(ctx).project(write=False)
    m = fw.build_matrix(p.store, p.study.arms, codes=split_list(codes), rollup=not no_rollup, coders=coder,
                        authors=author)
    name = fw_export.identity
    pz = None
    if pseudonymise:
        from fieldcode.privacy.exporting import Pseudonymiser

        pz = Pseudonymiser.for_study(p.root).for_command(ctx)
        output = pz.stage(output)
        name = pz.field
    output.parent.mkdir(parents=True, exist_ok=True)
    paths = [output.with_suffix("." + f) for f in want]
    study_name = p.study.name or ""
    fw_export.write_all(m, paths, study_name=study_name, name=name)
    side = output.with_suffix(".json")
    n_summaries = sum(len(c.summaries) for c in m.cells.values())
    n_stale = sum(1 for c in m.cells.values() for s in c.summaries if s.stale)
    export.write_sidecar(side, export.sidecar(
        "framework", files=paths, codebook=p.codebook, coders_in_data=p.store.coders(), store=p.store,
        options=m.options, n_interviews=len({iid for iid, _k in m.cells}),
        extra={"summaries": n_summaries, "stale_summaries": n_stale,
               "layout": f"rows: pairs ({m.arms[0]} interviews beside {m.arms[1]} ones); columns: themes, "
                         "each with its two arms adjacent (XLSX: one sheet per top-level theme)",
               "stale": "STALE: a cited passage was removed, recoded or moved since the summary cited it"}))
    files = pz.publish([*paths, side]) if pz else [*paths, side]
    for f in files:
        out.print(f"wrote {escape(f)}")
    out.print(f"{n_summaries} summaries in {len(m.themes)} themes x {len(m.rows)} pair rows"
              + (f"; {n_stale} STALE (cited passages changed since)" if n_stale else ""))
