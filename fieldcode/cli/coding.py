"""Coding from the command line: ``code add|list|import|remove|memo|change``, ``undo``, ``redo``,
``log``, and ``open`` / ``code [INTERVIEW]`` for the coding screen.  Registered on the shared app
(fieldcode.cli.base) when imported."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.table import Table

from fieldcode.cli.base import app, code_app, open_main, out, state
from fieldcode.errors import InvalidInput, TextChanged
from fieldcode.safe import literal
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls

if TYPE_CHECKING:  # the database layer loads on first use
    from fieldcode.project import Project


# --- coding ------------------------------------------------------------------------------------------

def _resolve_span(p: Project, interview: str, start: Optional[int], end: Optional[int],
                  sentence: Optional[str], turn: Optional[int], quote: Optional[str]) -> tuple[int, int, str]:
    """The span to code, and the text version (SHA-256) it was worked out in: the write is
    refused if a re-import changes the text before it lands."""
    a, b, iv = _span_in(p, interview, start, end, sentence, turn, quote)
    return a, b, iv.sha256


TEXT_SHA_HELP = ("The text version (SHA-256, or its first 12+ characters) your offsets count in, as 'fieldcode code "
                 "list INTERVIEW' prints it: if the interview's text is not that version when the change is stored "
                 "(re-imported since), it is refused (exit 3) and nothing changes.")


def _text_version(p: Project, interview: str | int, text_sha: Optional[str]) -> Optional[str]:
    """The full text version ``--text-sha`` names (None when not given): a prefix is completed
    from the interview's current version, and refused when it is not that one."""
    if text_sha is None:
        return None
    want = text_sha.strip().lower()
    if len(want) < 12 or len(want) > 64 or any(ch not in "0123456789abcdef" for ch in want):
        raise InvalidInput(f"--text-sha takes a text version: 12 to 64 hexadecimal characters (SHA-256), as "
                           f"'fieldcode code list INTERVIEW' prints it, not '{text_sha}'")
    iv = p.store.interview(interview)
    if not iv.sha256.startswith(want):
        raise TextChanged(iv.name, message=(
            f"interview '{iv.name}' is text version {iv.sha256[:12]} now, not {want[:12]} (--text-sha): it was "
            "re-imported since your offsets were counted (or that is another interview's version); nothing was "
            f"changed. 'fieldcode code list {iv.name}' shows its codings and version; make the change on that text."))
    return iv.sha256


def _span_in(p: Project, interview: str, start: Optional[int], end: Optional[int],
             sentence: Optional[str], turn: Optional[int], quote: Optional[str]):  # noqa: ANN202
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
        return sents[first - 1].start, sents[last - 1].end, iv
    if turn is not None:
        turns = p.store.turns(iv.id)
        if not (1 <= turn <= len(turns)):
            raise InvalidInput(f"interview '{iv.name}' has turns 1 to {len(turns)}; got {turn}"
                               if turns else f"interview '{iv.name}' has no speaker turns")
        t = turns[turn - 1]
        return t.content_start, t.end, iv
    if quote is not None:
        from fieldcode.ingest.quotes import locate

        try:
            return (*locate(iv.name, iv.text, quote), iv)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    if start is None or end is None:
        raise InvalidInput("--start and --end go together")
    return start, end, iv


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
    text_sha: Annotated[Optional[str], typer.Option("--text-sha", help=TEXT_SHA_HELP)] = None,
) -> None:
    """Code a span of an interview, by offsets, sentence, turn or exact quote. The span is
    worked out in the interview's text as this command reads it (or, with --text-sha, must
    count in that version): if a re-import changes the text before the coding is stored, it is
    refused and nothing changes.

    Example: fieldcode --coder ana code add liverpool-improving-01-resident leadership --sentence 4-5
    """
    p = state(ctx).project()
    coder = p.require_coder()
    planned = _text_version(p, interview, text_sha)
    a, b, version = _resolve_span(p, interview, start, end, sentence, turn, quote)
    row = p.store.add_coding(interview, code, a, b, coder, memo=memo, expect_sha=planned or version)
    out.print(f"coding #{row.id}: {escape(p.store.code(row.code_id).key)} \\[{row.start}, {row.end}) by {escape(coder)}")


@code_app.command("list")
def code_list(
    ctx: typer.Context,
    interview: Annotated[Optional[str], typer.Argument(help="Only this interview.")] = None,
    code: Annotated[Optional[str], typer.Option(help="Only this code key.")] = None,
    by: Annotated[Optional[str], typer.Option("--by", help="Only this coder's codings.")] = None,
) -> None:
    """List codings with id, interview, code, coder, span, memo and quoted text. With an
    interview, also its text version: the SHA-256 the offsets count in, which 'code add',
    'code change' and 'code remove' take as --text-sha.

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
    if iid is not None:
        out.print(f"text version (--text-sha): {p.store.interview_sha(iid)}")


@code_app.command("import")
def code_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with interview, code, quote (or start, end), and optional coder, memo.")],
) -> None:
    """Add codings from a CSV, all or nothing: every row is checked first and any problem is
    reported with its line. Rows already present are skipped, so a re-run adds nothing.

    Example: fieldcode code import examples/codings.csv
    """
    from fieldcode.exchange.codingio import import_codings_csv

    p = state(ctx).project()
    result = import_codings_csv(p.store, file, p.coder)
    out.print(f"added {result.added} codings" + (f"; {result.skipped} already present" if result.skipped else ""))


@code_app.command("remove")
def code_remove(
    ctx: typer.Context,
    coding_id: Annotated[int, typer.Argument(help="Coding id (see code list).")],
    text_sha: Annotated[Optional[str], typer.Option("--text-sha", help=TEXT_SHA_HELP)] = None,
) -> None:
    """Remove one of your codings (undo brings it back).

    Example: fieldcode --coder ana code remove 12
    """
    p = state(ctx).project()
    version = _text_version(p, p.store.coding(coding_id).interview_id, text_sha)
    row = p.store.remove_coding(coding_id, p.require_coder(), expect_sha=version)
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
    text_sha: Annotated[Optional[str], typer.Option("--text-sha", help=TEXT_SHA_HELP)] = None,
) -> None:
    """Change the code or the span of one of your codings. New offsets count in the interview's
    text as this command reads it (or, with --text-sha, in that version): if a re-import
    changes that text before the change is stored, it is refused and nothing changes.

    Example: fieldcode --coder ana code change 12 --code aspiration --end 420
    """
    p = state(ctx).project()
    iid = p.store.coding(coding_id).interview_id
    version = _text_version(p, iid, text_sha)
    if version is None and (start is not None or end is not None):   # offsets: the words of this version only
        version = p.store.interview(iid).sha256
    row = p.store.update_coding(coding_id, p.require_coder(), code=code, start=start, end=end,
                                expect_sha=version)
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
        if e.action in ("turn-set", "turn-clear") and e.detail:   # a turn's role corrected (fieldcode turns)
            import json

            d = json.loads(e.detail)
            action += f": turn {d['turn']} of {d.get('interview', '?')}, {d['was']} -> {d['now']}"
        elif e.action.startswith("iv-") and e.detail:   # an interview renamed, removed or restored (fieldcode interviews)
            import json

            d = json.loads(e.detail)
            action += escape(f": {d['old_name']} -> {d['new_name']}" if e.action == "iv-rename" else f": {d.get('name', '?')}")
        elif e.action in ("update", "remove") and e.detail and '"recheck"' in e.detail:   # fieldcode recheck
            import json

            action += escape(f" (re-check: {json.loads(e.detail).get('recheck', '?')})")
        t.add_row(str(e.id), e.at.strftime("%Y-%m-%d %H:%M:%S"), escape(e.coder), action,
                  f"#{e.coding_id}" if e.coding_id else "", (e.coding_uid or "")[:8], e.state)
    out.print(t)


@code_app.callback()
def code_callback(ctx: typer.Context) -> None:
    """Without a subcommand: open the coding screen."""
    if ctx.invoked_subcommand is None:
        open_main(state(ctx), None)


@code_app.command("open", hidden=True)
def code_open(ctx: typer.Context, interview: Annotated[Optional[str], typer.Argument()] = None) -> None:
    """Open the coding screen on INTERVIEW."""
    open_main(state(ctx), interview)


@app.command("open")
def open_cmd(ctx: typer.Context, interview: Annotated[Optional[str], typer.Argument(help="Interview to open.")] = None) -> None:
    """Open the coding screen (the same as running fieldcode with no command).

    Example: fieldcode --coder ana open liverpool-lagging-01-resident
    """
    open_main(state(ctx), interview)
