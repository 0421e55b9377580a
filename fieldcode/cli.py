"""The command line (Typer).  Thin: every command calls Project/Store functions and prints.

Every command finds its project from the current folder upwards (as git does) or from
``--project``; the database is ``fieldcode.db`` in the project folder unless ``--db`` or
``FIELDCODE_DB`` names another SQLAlchemy URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.table import Table
from fieldcode.safe import literal
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls
from rich.tree import Tree

from fieldcode import __version__
from fieldcode.lazy import lazy_module
from fieldcode.errors import InvalidInput
from fieldcode.settings import settings_path

if TYPE_CHECKING:  # the database layer loads on first use: --help and light commands start fast
    from fieldcode.project import Project

cbmod = lazy_module("fieldcode.codebook")

from fieldcode.cli_base import State, app, code_app, codebook_app, err, out, state  # noqa: F401  (out, err: tests)

def _version(value: bool) -> None:
    if value:
        out.print(f"fieldcode {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    project: Annotated[Optional[Path], typer.Option("--project", "-C", help="Project folder (default: found from the current folder upwards).")] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="SQLAlchemy database URL, e.g. postgresql+psycopg://user@host/db (env FIELDCODE_DB).")] = None,
    coder: Annotated[Optional[str], typer.Option("--coder", help="Who is coding (env FIELDCODE_CODER, or 'coder' in settings).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Without a command: open the coding screen."""
    ctx.obj = State(project, db, coder)
    if ctx.invoked_subcommand is None:
        _open_main(ctx.obj, None)


def _open_main(state: State, interview: str | None) -> None:
    try:
        from fieldcode.tui import run_tui  # noqa: PLC0415 - the TUI is optional at import time
    except ImportError:
        _print_summary(state.project())
        return
    p = state.project()
    p.require_coder()
    run_tui(p, interview)


# --- project -----------------------------------------------------------------------------------

@app.command()
def init(folder: Annotated[Path, typer.Argument(help="Folder for the new study.")] = Path(".")) -> None:
    """Start a new study: a commented codebook.yaml template and an empty interviews/ folder.

    Example: fieldcode init my-study
    """
    from fieldcode.project import init_project

    cb = init_project(folder)
    out.print(f"created {cb} and {cb.parent / 'interviews'}/")
    out.print("next: edit codebook.yaml, put transcripts in interviews/, then run 'fieldcode import'")


@app.command()
def summary(ctx: typer.Context) -> None:
    """Show the project: codebook, interviews per pair and arm, codings, coders.

    Example: fieldcode summary
    """
    _print_summary(state(ctx).project(write=False))


def _print_summary(p: Project) -> None:
    infos = p.store.interview_infos()
    codes = p.store.codes()
    out.print(f"[bold]{escape(p.study.name or p.root.name)}[/]  ({escape(p.root)})")
    out.print(f"database: {escape(p.store.safe_url)}")
    out.print(f"codebook: {len(codes)} codes, version {p.codebook.hash[:12]}")
    words = sum(i.n_words for i in infos)
    ncod = sum(i.n_codings for i in infos)
    out.print(f"interviews: {len(infos)} ({words:,} words); codings: {ncod:,}; coders: "
              f"{escape(', '.join(p.store.coders())) or 'none yet'}")
    if infos:
        t = Table(title="Interviews by pair and arm", show_lines=False)
        t.add_column("pair")
        for arm in p.study.arms:
            t.add_column(arm, justify="right")
        pairs: dict[str, dict[str, list]] = {}
        for i in infos:
            pairs.setdefault(i.attributes.get("pair", "(no pair)"), {}).setdefault(i.attributes.get("arm", "?"), []).append(i)
        for pair in sorted(pairs):
            cells = []
            for arm in p.study.arms:
                items = pairs[pair].get(arm, [])
                cells.append(f"{len(items)} ({sum(x.n_words for x in items):,} words)" if items else "—")
            t.add_row(literal(pair), *cells)
        out.print(t)
    for w in p.design_warnings():
        err.print(f"[yellow]warning:[/] {escape(w)}")
    if not infos:
        out.print("no interviews yet: run 'fieldcode import' to import interviews/")


@app.command("settings")
def settings_cmd() -> None:
    """Show where the user settings file is and what it holds.

    Example: fieldcode settings
    """
    from fieldcode.settings import Settings

    path = settings_path()
    s = Settings.load(path)
    out.print(f"settings file: {escape(path)} ({'exists' if path.exists() else 'not created yet'})")
    out.print(f"coder: {escape(s.coder or '(not set)')}; spacy_model: {escape(s.spacy_model or '(built-in blank English)')}; "
              f"db: {escape(s.db or '(project file)')}")
    for k, v in sorted(s.keys.items()):
        out.print(f"key {escape(k)} = {escape(v)}")


# --- codebook ------------------------------------------------------------------------------------

def _codebook_path(ctx: typer.Context) -> Path:
    from fieldcode.project import CODEBOOK, find_root

    st = state(ctx)
    root = st.project_dir if st.project_dir and (st.project_dir / CODEBOOK).exists() else find_root(st.project_dir)
    return Path(root) / CODEBOOK


@codebook_app.command("check")
def codebook_check(ctx: typer.Context, file: Annotated[Optional[Path], typer.Argument(help="Codebook file (default: the project's).")] = None) -> None:
    """Validate codebook.yaml: every problem with its line; exit 2 if any.

    Example: fieldcode codebook check
    """
    path = file or _codebook_path(ctx)
    cb = cbmod.load(path)
    roots = len(cb.children(None))
    out.print(f"{escape(path)}: OK — {len(cb.codes)} codes ({roots} top-level), arms {escape(cb.study.arms[0])} / "
              f"{escape(cb.study.arms[1])}, version {cb.hash[:12]}")


@codebook_app.command("sync")
def codebook_sync(ctx: typer.Context) -> None:
    """Record codebook.yaml in the database now (commands that write do this themselves;
    commands that only read show the codes as last recorded).

    Example: fieldcode codebook sync
    """
    p = state(ctx).project()
    s = p.sync
    if not (s.added or s.renamed or s.changed or s.retired or s.restored or s.new_version):
        out.print(f"codebook already recorded (version {p.codebook.hash[:12]})")
        return
    out.print(f"recorded codebook version {p.codebook.hash[:12]}: {len(s.added)} added, {len(s.renamed)} renamed, "
              f"{len(s.changed)} changed, {len(s.retired)} retired, {len(s.restored)} restored")


@codebook_app.command("show")
def codebook_show(ctx: typer.Context, retired: Annotated[bool, typer.Option(help="Also show retired codes.")] = False) -> None:
    """Show the code tree with keys, hotkeys and coding counts.

    Example: fieldcode codebook show
    """
    p = state(ctx).project(write=False)
    codes = p.store.codes(include_retired=retired)
    counts: dict[int, int] = {}
    for c in p.store.codings():
        counts[c.code_id] = counts.get(c.code_id, 0) + 1
    tree = Tree(f"[bold]{escape(p.study.name or 'codebook')}[/]")
    nodes = {}
    for c in codes:
        label = f"[{c.colour}]■[/] {escape(c.name)} [dim]({escape(c.key)})[/]"
        if c.hotkey:
            label += f" [bold]\\[{escape(c.hotkey)}][/]"
        label += f" — {counts.get(c.id, 0)} codings"
        if c.retired_at:
            label += " [red](retired)[/]"
        parent = nodes.get(c.parent_id, tree)
        nodes[c.id] = parent.add(label)
    out.print(tree)


# --- import & interviews ---------------------------------------------------------------------------

@app.command("import")
def import_cmd(
    ctx: typer.Context,
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders (default: the project's interviews/).")] = None,
    encoding: Annotated[Optional[str], typer.Option(help="Text encoding of .txt/.md files that are not UTF-8, e.g. cp1252.")] = None,
    reanchor: Annotated[bool, typer.Option(help="For a changed transcript with codings: move each coding with its words (old and new text of each moved coding are listed).")] = False,
    accept_losses: Annotated[bool, typer.Option("--accept-losses", help="With --reanchor: remove the codings whose text the new version deletes (each removal is logged with your name). Without it such an import changes nothing.")] = False,
    counting: Annotated[Optional[str], typer.Option(help="REFI-QDA files: force a position counting, e.g. utf16-crlf2-nobom (default: fitted).")] = None,
) -> None:
    """Import transcripts (.txt .md .docx .odt .rtf .vtt .srt .pdf), or a REFI-QDA project
    (.qdpx, .qde) or codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA or QualCoder.

    Re-importing an unchanged file does nothing; a changed file whose interview has codings is
    refused unless --reanchor, which aligns the old and new text and moves every coding with its
    words (a corrected typo inside a coded passage stays coded). Codings on deleted text are
    listed and nothing changes, unless you also pass --accept-losses. Exit status 1 if any file
    failed.

    Example: fieldcode import interviews/ extra/focus-group.docx
    Example: fieldcode import from-nvivo.qdpx
    """
    if paths and any(x.suffix.lower() in (".qdpx", ".qde", ".qdc") for x in paths):
        from fieldcode.cli_exchange import import_exchange

        return import_exchange(ctx, paths, counting=counting)
    p = state(ctx).project()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        if accept_losses and not reanchor:
            raise InvalidInput("--accept-losses goes with --reanchor")
        report = p.import_files(paths or None, encoding=encoding, reanchor=reanchor,
                                accept_losses=accept_losses, progress=progress)
    style = {"imported": "green", "updated": "green", "reanchored": "green", "unchanged": "dim",
             "attributes": "cyan", "skipped": "dim", "refused": "red", "failed": "red"}
    for o in report.outcomes:
        stream = err if o.status in ("failed", "refused") else out
        stream.print(f"[{style[o.status]}]{o.status:>10}[/] {escape(o.path)}: {escape(o.message)}")
        for n in o.notes:
            stream.print(f"{'':>10}   note: {escape(n)}")
        for w in o.warnings:
            err.print(f"{'':>10}   [yellow]warning:[/] {escape(w)}")
    counts = ", ".join(f"{report.count(s)} {s}" for s in style if report.count(s))
    out.print(f"done: {counts or 'nothing to import'}")
    for w in p.design_warnings():
        err.print(f"[yellow]warning:[/] {escape(w)}")
    if not report.ok:
        err.print(f"[red]{len(report.failed)} file(s) not imported[/] (see above); the others were imported whole.")
        raise typer.Exit(1)


@app.command("interviews")
def interviews_cmd(
    ctx: typer.Context,
    coder: Annotated[Optional[str], typer.Option("--by", help="Show coding progress of one coder only.")] = None,
) -> None:
    """List interviews with their attributes, word counts and coding progress; warn about design
    problems (a pair missing an arm, missing attributes).

    Example: fieldcode interviews
    """
    p = state(ctx).project(write=False)
    infos = p.store.interview_infos(coder=coder)
    turn_counts = p.store.turn_counts()
    grouping = ("pair", "arm", "neighbourhood")
    shown = {"interviewer", "source", "date", "participant", "turns", "interviewer_lines", *grouping}
    extra = sorted({k for i in infos for k in i.attributes} - shown - {"role"})
    arm_order = {a: n for n, a in enumerate(p.study.arms)}

    def group_key(i):
        a = i.attributes
        return (a.get("pair", "~"), arm_order.get(a.get("arm", ""), 9), a.get("neighbourhood", ""), i.name)

    t = Table(show_edge=False, pad_edge=False)
    wide = out.width >= 110
    t.add_column("id", justify="right", no_wrap=True, min_width=2)
    # id, role, words, codings, coded (and coders) take about 50 (80) columns with their borders
    t.add_column("interview", no_wrap=True, overflow="ellipsis",
                 max_width=max(12, out.width - (104 if wide else 70) - 12 * len(extra)))
    t.add_column("role", no_wrap=True, overflow="ellipsis", max_width=15)
    for a in extra:
        t.add_column(a)
    t.add_column("words", justify="right", no_wrap=True, min_width=6)
    t.add_column("turns", justify="right", no_wrap=True, min_width=5)
    t.add_column("interviewer", justify="right", no_wrap=True, min_width=11)  # interviewer turns
    t.add_column("codings", justify="right", no_wrap=True, min_width=7)
    t.add_column("coded", justify="right", no_wrap=True, min_width=5)
    if wide:
        t.add_column("coders", no_wrap=True, overflow="ellipsis", max_width=30)
    last = None
    for i in sorted(infos, key=group_key):
        a = i.attributes
        head = (a.get("pair"), a.get("arm"), a.get("neighbourhood"))
        if head != last:
            label = " · ".join(x for x in head if x) or "(no design attributes)"
            t.add_section()
            t.add_row("", f"[bold]{escape(label)}[/]")
            last = head
        t.add_row(str(i.id), escape(Path(i.name).stem), escape(a.get("role", "—")), *[escape(a.get(x, "—")) for x in extra],
                  f"{i.n_words:,}", *map(str, turn_counts.get(i.id, (0, 0))), str(i.n_codings), f"{i.coded_share:.0%}",
                  *([", ".join(i.coders)] if wide else []))
    out.print(t)
    out.print(f"{len(infos)} interviews, {sum(i.n_words for i in infos):,} words")
    no_turns = [Path(i.name).stem for i in infos if i.id not in turn_counts]
    no_interviewer = [Path(i.name).stem for i in infos if turn_counts.get(i.id, (0, 1))[1] == 0]
    if no_turns:
        err.print(f"[yellow]warning:[/] no speaker turns in {escape(', '.join(no_turns))}: their interviewer "
                  "speech cannot be left out (see README: speaker turns)")
    if no_interviewer:
        err.print(f"[yellow]warning:[/] no interviewer turns in {escape(', '.join(no_interviewer))}: check "
                  "study.interviewer_speakers or their 'interviewer' attribute")
    for w in p.design_warnings():
        err.print(f"[yellow]warning:[/] {escape(w)}")


# --- coding ------------------------------------------------------------------------------------------

def _resolve_span(p: Project, interview: str, start: Optional[int], end: Optional[int],
                  sentence: Optional[str], turn: Optional[int], quote: Optional[str]) -> tuple[int, int]:
    given = sum(x is not None for x in (start if start is not None or end is not None else None, sentence, turn, quote))
    if given != 1:
        raise InvalidInput("say which text to code with exactly one of: --start/--end, --sentence N[-M], --turn N, --quote TEXT")
    iv = p.store.interview(interview)
    if sentence is not None:
        sents = p.store.sentences(iv.id)
        a, _, b = sentence.partition("-")
        try:
            first, last = int(a), int(b or a)
        except ValueError:
            raise InvalidInput(f"--sentence takes a number or a range like 3-5, not '{sentence}'") from None
        if not (1 <= first <= last <= len(sents)):
            raise InvalidInput(f"interview '{iv.name}' has sentences 1 to {len(sents)}; got {sentence}")
        return sents[first - 1].start, sents[last - 1].end
    if turn is not None:
        turns = p.store.turns(iv.id)
        if not (1 <= turn <= len(turns)):
            raise InvalidInput(f"interview '{iv.name}' has turns 1 to {len(turns)}; got {turn}"
                               if turns else f"interview '{iv.name}' has no speaker turns")
        t = turns[turn - 1]
        return t.content_start, t.end
    if quote is not None:
        from fieldcode.quotes import locate

        try:
            return locate(iv.name, iv.text, quote)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    if start is None or end is None:
        raise InvalidInput("--start and --end go together")
    return start, end


@code_app.command("add")
def code_add(
    ctx: typer.Context,
    interview: Annotated[str, typer.Argument(help="Interview name, file stem or id.")],
    code: Annotated[str, typer.Argument(help="Code key (or name).")],
    start: Annotated[Optional[int], typer.Option(help="Start offset (code points, inclusive).")] = None,
    end: Annotated[Optional[int], typer.Option(help="End offset (exclusive).")] = None,
    sentence: Annotated[Optional[str], typer.Option(help="Sentence number or range, 1-based, e.g. 4 or 4-6.")] = None,
    turn: Annotated[Optional[int], typer.Option(help="Speaker turn number, 1-based (the words after the label).")] = None,
    quote: Annotated[Optional[str], typer.Option(help="Exact text that occurs once in the interview.")] = None,
    memo: Annotated[str, typer.Option(help="A memo on the coding.")] = "",
) -> None:
    """Code a span of an interview, by offsets, sentence, turn or exact quote.

    Example: fieldcode --coder ana code add liverpool-improving-01-resident leadership --sentence 4-5
    """
    p = state(ctx).project()
    coder = p.require_coder()
    a, b = _resolve_span(p, interview, start, end, sentence, turn, quote)
    row = p.store.add_coding(interview, code, a, b, coder, memo=memo)
    out.print(f"coding #{row.id}: {escape(p.store.code(row.code_id).key)} \\[{row.start}, {row.end}) by {escape(coder)}")


@code_app.command("list")
def code_list(
    ctx: typer.Context,
    interview: Annotated[Optional[str], typer.Argument(help="Only this interview.")] = None,
    code: Annotated[Optional[str], typer.Option(help="Only this code key.")] = None,
    by: Annotated[Optional[str], typer.Option("--by", help="Only this coder's codings.")] = None,
) -> None:
    """List codings with id, interview, code, coder, span, memo and quoted text.

    Example: fieldcode code list liverpool-lagging-01-resident --code housing
    """
    p = state(ctx).project(write=False)
    iid = p.store.interview(interview).id if interview else None
    cids = [p.store.code(code).id] if code else None
    rows = p.store.codings(iid, code_ids=cids, coder=by)
    codes = {c.id: c for c in p.store.codes(include_retired=True)}
    names = {i.id: i.name for i in p.store.interview_infos()}
    texts: dict[int, str] = {}
    t = Table()
    for col in ("id", "interview", "code", "coder", "start", "end", "memo", "text"):
        t.add_column(col, overflow="fold")
    for r in rows:
        if r.interview_id not in texts:
            texts[r.interview_id] = p.store.interview(r.interview_id).text
        quote = texts[r.interview_id][r.start:r.end].replace("\n", " ")
        t.add_row(str(r.id), literal(names[r.interview_id]), literal(codes[r.code_id].key), literal(r.coder),
                  str(r.start), str(r.end), literal(r.memo), literal(quote if len(quote) <= 80 else quote[:77] + "..."))
    out.print(t)
    out.print(f"{len(rows)} codings")


@code_app.command("import")
def code_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with interview, code, quote (or start, end), and optional coder, memo.")],
) -> None:
    """Add codings from a CSV, all or nothing: every row is checked first and any problem is
    reported with its line. Rows already present are skipped, so a re-run adds nothing.

    Example: fieldcode code import examples/codings.csv
    """
    from fieldcode.codingio import import_codings_csv

    p = state(ctx).project()
    result = import_codings_csv(p.store, file, p.coder)
    out.print(f"added {result.added} codings" + (f"; {result.skipped} already present" if result.skipped else ""))


@code_app.command("remove")
def code_remove(ctx: typer.Context, coding_id: Annotated[int, typer.Argument(help="Coding id (see code list).")]) -> None:
    """Remove one of your codings (undo brings it back).

    Example: fieldcode --coder ana code remove 12
    """
    p = state(ctx).project()
    row = p.store.remove_coding(coding_id, p.require_coder())
    out.print(f"removed coding #{row.id} ('fieldcode undo' brings it back)")


@code_app.command("memo")
def code_memo(ctx: typer.Context, coding_id: Annotated[int, typer.Argument()],
              text: Annotated[str, typer.Argument(help="The memo ('' clears it).")]) -> None:
    """Write or replace the memo on one of your codings.

    Example: fieldcode --coder ana code memo 12 "contrast with the lagging twin"
    """
    p = state(ctx).project()
    p.store.update_coding(coding_id, p.require_coder(), memo=text)
    out.print(f"memo saved on coding #{coding_id}")


@code_app.command("change")
def code_change(
    ctx: typer.Context,
    coding_id: Annotated[int, typer.Argument()],
    code: Annotated[Optional[str], typer.Option(help="New code key.")] = None,
    start: Annotated[Optional[int], typer.Option(help="New start offset.")] = None,
    end: Annotated[Optional[int], typer.Option(help="New end offset.")] = None,
) -> None:
    """Change the code or the span of one of your codings.

    Example: fieldcode --coder ana code change 12 --code aspiration --end 420
    """
    p = state(ctx).project()
    row = p.store.update_coding(coding_id, p.require_coder(), code=code, start=start, end=end)
    out.print(f"coding #{row.id}: {escape(p.store.code(row.code_id).key)} \\[{row.start}, {row.end})")


@app.command()
def undo(ctx: typer.Context) -> None:
    """Undo your latest coding change (works across restarts).

    Example: fieldcode --coder ana undo
    """
    p = state(ctx).project()
    ev = p.store.undo(p.require_coder())
    out.print(f"undid {ev.action} of coding #{ev.coding_id} (change #{ev.id})" if ev else "nothing to undo")


@app.command()
def redo(ctx: typer.Context) -> None:
    """Redo the change you undid most recently.

    Example: fieldcode --coder ana redo
    """
    p = state(ctx).project()
    ev = p.store.redo(p.require_coder())
    out.print(f"redid {ev.action} of coding #{ev.coding_id} (change #{ev.id})" if ev else "nothing to redo")


@app.command()
def log(
    ctx: typer.Context,
    by: Annotated[Optional[str], typer.Option("--by", help="Only this coder's changes.")] = None,
    coding: Annotated[Optional[int], typer.Option("--coding", help="Only the history of this coding (its number from 'code list').")] = None,
    limit: Annotated[int, typer.Option(help="How many entries.")] = 30,
) -> None:
    """The audit trail: who changed which coding when (newest first).

    Coding numbers are never reused, so every line names one coding for good; the coding's
    uid (first 8 characters shown) is the same in every copy of the project.

    Example: fieldcode log --by ana
    Example: fieldcode log --coding 43
    """
    p = state(ctx).project(write=False)
    t = Table()
    for col in ("event", "when (UTC)", "coder", "action", "coding", "uid", "state"):
        t.add_column(col)
    for e in p.store.events(coder=by, coding=coding, limit=limit):
        action = e.action + (f" of event {e.target_id}" if e.target_id else "")
        t.add_row(str(e.id), e.at.strftime("%Y-%m-%d %H:%M:%S"), escape(e.coder), action,
                  f"#{e.coding_id}" if e.coding_id else "", (e.coding_uid or "")[:8], e.state)
    out.print(t)


@code_app.callback()
def code_callback(ctx: typer.Context) -> None:
    """Without a subcommand: open the coding screen."""
    if ctx.invoked_subcommand is None:
        _open_main(state(ctx), None)


@code_app.command("open", hidden=True)
def code_open(ctx: typer.Context, interview: Annotated[Optional[str], typer.Argument()] = None) -> None:
    """Open the coding screen on INTERVIEW."""
    _open_main(state(ctx), interview)


@app.command("open")
def open_cmd(ctx: typer.Context, interview: Annotated[Optional[str], typer.Argument(help="Interview to open.")] = None) -> None:
    """Open the coding screen (the same as running fieldcode with no command).

    Example: fieldcode --coder ana open liverpool-lagging-01-resident
    """
    _open_main(state(ctx), interview)


def main() -> None:
    """Console-script entry point."""
    app()


# Each module registers its commands on the shared app (fieldcode.cli_base); the order is the
# order of the help listing.
from fieldcode import cli_analysis  # noqa: E402,F401  registers crosstab/compare/export commands
from fieldcode import cli_exchange  # noqa: E402,F401  registers export qdpx|qdc (REFI-QDA)
from fieldcode import cli_agreement  # noqa: E402,F401  registers agreement, disagreements, review, merge, export agreement
from fieldcode import cli_codes  # noqa: E402,F401  registers codes new|rename|recolour|move|merge|rekey
from fieldcode import cli_show  # noqa: E402,F401  registers show (numbered sentences and turns)
from fieldcode import cli_search  # noqa: E402,F401  registers search / suggest search|keywords|list|accept|reject|review
