"""The study: ``init``, ``summary``, ``settings``, ``codebook check|sync|show`` and ``import``
(``interviews`` is in fieldcode.cli.interviews).  Registered on the shared app (fieldcode.cli.base) when imported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from fieldcode.cli.base import app, codebook_app, err, out, report_remarked, state
from fieldcode.cli.summary import print_summary
from fieldcode.errors import InvalidInput
from fieldcode.lazy import lazy_module
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls
from fieldcode.study.settings import settings_path

cbmod = lazy_module("fieldcode.study.codebook")


# --- project -----------------------------------------------------------------------------------

@app.command()
def init(folder: Annotated[Path, typer.Argument(help="Folder for the new study.")] = Path(".")) -> None:
    """Start a new study: a commented codebook.yaml template and an empty interviews/ folder.

    Example: fieldcode init my-study
    """
    from fieldcode.study.folder import init_project

    cb = init_project(folder)
    out.print(f"created {escape(cb)} and {escape(cb.parent / 'interviews')}/")
    out.print("next: edit codebook.yaml, put transcripts in interviews/, then run 'fieldcode import'")


@app.command()
def summary(ctx: typer.Context) -> None:
    """Show the project: codebook, interviews per pair and arm, codings, coders.

    Example: fieldcode summary
    """
    p = state(ctx).project(write=False)
    print_summary(p)
    for ids in p.store.duplicate_codings():
        err.print(f"[yellow]warning:[/] codings {', '.join(f'#{i}' for i in ids)} are identical (same coder, "
                  f"interview, code and span), so that passage counts {len(ids)} times in every table: "
                  f"their coder can remove the extra ones with 'fieldcode code remove ID'")
    from fieldcode.exchange.sources import interview_file_warnings
    from fieldcode.store.interview_ops import interview_sources

    for w in interview_file_warnings(p.root, interview_sources(p.store)):
        err.print(f"[yellow]warning:[/] {escape(w)}")



@app.command("settings")
def settings_cmd() -> None:
    """Show where the user settings file is and what it holds.

    Example: fieldcode settings
    """
    from fieldcode.study.settings import Settings

    path = settings_path()
    s = Settings.load(path)
    out.print(f"settings file: {escape(path)} ({'exists' if path.exists() else 'not created yet'})")
    out.print(f"coder: {escape(s.coder or '(not set)')}; spacy_model: {escape(s.spacy_model or '(built-in blank English)')}; "
              f"db: {escape(s.db or '(project file)')}")
    for k, v in sorted(s.keys.items()):
        out.print(f"key {escape(k)} = {escape(v)}")


# --- codebook ------------------------------------------------------------------------------------

def _codebook_path(ctx: typer.Context) -> Path:
    from fieldcode.study.folder import CODEBOOK, find_root

    st = state(ctx)
    root = st.project_dir if st.project_dir and (st.project_dir / CODEBOOK).exists() else find_root(st.project_dir)
    return Path(root) / CODEBOOK


@codebook_app.command("check")
def codebook_check(ctx: typer.Context, file: Annotated[Optional[Path], typer.Argument(help="Codebook file (default: the project's).")] = None) -> None:
    """Validate codebook.yaml: every problem with its line; exit 2 if any.  For the project's own
    codebook it also warns about each code that has codings but is no longer in the file (the next
    command that writes would retire it), with its codings per coder; it only reads.

    Example: fieldcode codebook check
    """
    from fieldcode.study.folder import CODEBOOK_CACHE

    path = file or _codebook_path(ctx)
    # the project's own codebook is read through the cache Project.open keeps (a hit means these
    # very bytes passed this very validation before); a file named on the command line is parsed
    cb = cbmod.load(path, cache=None if file else path.parent / CODEBOOK_CACHE)
    roots = len(cb.children(None))
    out.print(f"{escape(path)}: OK — {len(cb.codes)} codes ({roots} top-level), arms {escape(cb.study.arms[0])} / "
              f"{escape(cb.study.arms[1])}, version {cb.hash[:12]}")
    if file is None:
        for line in _retiring(ctx, cb, path.parent):
            err.print(f"[yellow]warning:[/] {escape(line)}")


def _retiring(ctx: typer.Context, cb, root: Path) -> list[str]:  # noqa: ANN001
    """Codes with codings that the database holds as active and codebook.yaml no longer has
    (a hand edit that the next writing command would retire).  Reads the database only: no
    migration, no codebook sync, no re-marking; an absent database has nothing to retire."""
    import os

    from fieldcode.study.folder import DB_FILE
    from fieldcode.study.settings import Settings

    named = state(ctx).db or os.environ.get("FIELDCODE_DB") or Settings.load().db
    if not named and not (root / DB_FILE).is_file():
        return []  # no database yet: nothing to retire, and the database layer need not load
    from fieldcode.store import Store, sqlite_url

    url = named or sqlite_url(root / DB_FILE)
    try:
        store = Store(url, migrate=False)
        try:
            codes = {c.id: c for c in store.codes()}
            per: dict[str, dict[str, int]] = {}
            for c in store.codings():
                if c.code_id in codes:
                    d = per.setdefault(codes[c.code_id].key, {})
                    d[c.coder] = d.get(c.coder, 0) + 1
        finally:
            store.close()
    except Exception as exc:  # noqa: BLE001 - a check that reads must not fail on the database
        return [f"could not read the database to see whether this edit retires codes that have codings ({exc})"]
    return cbmod.retiring(cb, {c.key: c.name for c in codes.values()}, per)


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
    from rich.tree import Tree

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
        from fieldcode.cli.exchange import import_exchange

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
    style = {"imported": "green", "updated": "green", "reanchored": "green", "re-marked": "green",
             "renamed": "green", "unchanged": "dim",
             "attributes": "cyan", "skipped": "dim", "refused": "red", "failed": "red"}
    for o in report.outcomes:
        stream = err if o.status in ("failed", "refused") else out
        stream.print(f"[{style[o.status]}]{o.status:>10}[/] {escape(o.path)}: {escape(o.message)}")
        for n in o.notes:
            stream.print(f"{'':>10}   note: {escape(n)}")
        for w in o.warnings:
            err.print(f"{'':>10}   [yellow]warning:[/] {escape(w)}")
    counts = ", ".join(f"{report.count(s)} {s}" for s in style if report.count(s))
    out.print(f"done: {escape(counts) or 'nothing to import'}")
    report_remarked(p)
    for w in p.design_warnings():
        err.print(f"[yellow]warning:[/] {escape(w)}")
    if not report.ok:
        err.print(f"[red]{len(report.failed)} file(s) not imported[/] (see above); the others were imported whole.")
        raise typer.Exit(1)
