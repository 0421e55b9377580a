"""``fieldcode interviews``: the list of interviews (the group's default), and ``rename``,
``remove`` and ``restore``.  Registered on the shared app (fieldcode.cli.base) when imported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from fieldcode.cli.base import app, err, out, state
from fieldcode.errors import InvalidInput
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls

interviews_app = typer.Typer(invoke_without_command=True)  # help: the callback's docstring
app.add_typer(interviews_app, name="interviews")

CODED_NOTE = ("coded: share of the analysed words (participant turns without their speaker labels; a transcript "
              "without turns whole) coded with any code, the figure 'fieldcode coverage' shows")


def _warn(lines: list[str]) -> None:
    for w in lines:
        err.print(f"[yellow]warning:[/] {escape(w)}")


@interviews_app.callback()
def interviews_cmd(
    ctx: typer.Context,
    coder: Annotated[Optional[str], typer.Option("--by", help="Show coding progress of one coder only.")] = None,
) -> None:
    """List interviews with their attributes, word counts and coding progress, or rename, remove
    and restore one.  The list warns about design problems (a pair missing an arm, missing
    attributes), interviews whose source file is missing and interviews with identical text.

    Example: fieldcode interviews
    Example: fieldcode interviews rename old-name.md new-name.md
    """
    if ctx.invoked_subcommand is not None:
        return
    from fieldcode.analysis.progress import analysed_word_counts, coded_shares
    from fieldcode.exchange.sources import interview_file_warnings
    from fieldcode.store.interview_ops import interview_sources

    p = state(ctx).project(write=False)
    infos = p.store.interview_infos(coder=coder)
    turn_counts = p.store.turn_counts()
    share = coded_shares(p.store, coder)   # one figure everywhere: coverage's share of analysed words
    analysed = analysed_word_counts(p.store)
    grouping = ("pair", "arm", "neighbourhood")
    shown = {"interviewer", "source", "date", "participant", "turns", "interviewer_lines", *grouping}
    extra = sorted({k for i in infos for k in i.attributes} - shown - {"role"})
    arm_order = {a: n for n, a in enumerate(p.study.arms)}

    def group_key(i):  # noqa: ANN001, ANN202
        a = i.attributes
        return (a.get("pair", "~"), arm_order.get(a.get("arm", ""), 9), a.get("neighbourhood", ""), i.name)

    from rich.table import Table

    t = Table(show_edge=False, pad_edge=False)
    wide = out.width >= 110
    t.add_column("id", justify="right", no_wrap=True, min_width=2)
    # id, role, words, codings, coded (and coders) take about 50 (80) columns with their borders
    t.add_column("interview", no_wrap=True, overflow="ellipsis",
                 max_width=max(12, out.width - (113 if wide else 79) - 12 * len(extra)))
    t.add_column("role", no_wrap=True, overflow="ellipsis", max_width=15)
    for a in extra:
        t.add_column(escape(a))
    t.add_column("words", justify="right", no_wrap=True, min_width=6)
    t.add_column("analysed", justify="right", no_wrap=True, min_width=8)   # analysed words: the base
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
                  f"{i.n_words:,}", f"{analysed.get(i.id, 0):,}", *map(str, turn_counts.get(i.id, (0, 0))), str(i.n_codings),
                  f"{share.get(i.id, 0.0):.0%}",
                  *([escape(", ".join(i.coders))] if wide else []))
    out.print(t)
    out.print(f"{len(infos)} interviews, {sum(i.n_words for i in infos):,} words, "
              f"{sum(analysed.get(i.id, 0) for i in infos):,} of them analysed (the base of every rate)")
    out.print(escape(CODED_NOTE), style="dim")
    no_turns = [Path(i.name).stem for i in infos if i.id not in turn_counts]
    no_interviewer = [Path(i.name).stem for i in infos if turn_counts.get(i.id, (0, 1))[1] == 0]
    if no_turns:
        err.print(f"[yellow]warning:[/] no speaker turns in {escape(', '.join(no_turns))}: their interviewer "
                  "speech cannot be left out (see README: speaker turns)")
    if no_interviewer:
        err.print(f"[yellow]warning:[/] no interviewer turns in {escape(', '.join(no_interviewer))}: check "
                  "study.interviewer_speakers or their 'interviewer' attribute")
    _warn(p.design_warnings())
    _warn(interview_file_warnings(p.root, interview_sources(p.store)))


@interviews_app.command("rename")
def rename_cmd(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The interview: its name, its file name without the suffix, or its id.")],
    new: Annotated[str, typer.Argument(help="Its new name: the transcript's new file name (the old suffix is kept if you give none).")],
) -> None:
    """Rename an interview (after renaming its transcript file, say): its codings, memos and
    attributes stay with it; the rename is logged.

    The interview's source path follows the new name (same folder).  attributes.csv rows are
    matched by file name: if one still names the old file, change it to the new name before the
    next import.  (An import finds a renamed file by itself when its text is unchanged and the
    old file is gone.)

    Example: fieldcode interviews rename leeds-01.md leeds-improving-01-resident.md
    """
    from fieldcode.exchange.sources import file_is_gone, shown_path, sidecar_row_for, source_file
    from fieldcode.store.interview_ops import rename_interview

    p = state(ctx).project()
    who = p.require_coder()
    if "/" in new or "\\" in new or new in (".", ".."):
        raise InvalidInput(f"'{new}' is a path: give only the new file name (the interview keeps its folder)")
    iv = p.store.interview(old)
    if not Path(new).suffix and Path(iv.name).suffix:
        new += Path(iv.name).suffix
    src = source_file(p.root, iv.source_path)
    new_source = str(Path(iv.source_path).with_name(new)) if src is not None else iv.source_path
    old_name, new_name, old_source, new_source = rename_interview(p.store, iv.id, new, coder=who, source_path=new_source)
    out.print(f"renamed {escape(old_name)} -> {escape(new_name)} (its codings, memos and attributes stay with it)")
    if src is None:
        return
    new_file = source_file(p.root, new_source)
    if src.exists() and not new_file.exists():
        err.print(f"[yellow]note:[/] the file is still {escape(shown_path(p.root, old_source))}: rename it to "
                  f"{escape(new_name)} too (otherwise the next import names the interview after it again)")
    elif file_is_gone(p.root, new_source):
        err.print(f"[yellow]note:[/] no file {escape(shown_path(p.root, new_source))} yet: 'summary' and 'interviews' "
                  "report its source file missing until it is there")
    row = sidecar_row_for(new_file.parent, old_name)
    if row and not sidecar_row_for(new_file.parent, new_name):
        err.print(f"[yellow]warning:[/] {escape(f'{row[0]}:{row[1]}')} still names {escape(old_name)}: change it to "
                  f"{escape(new_name)} before the next import (attributes are matched by file name)")


@interviews_app.command("remove")
def remove_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The interview: its name, its file name without the suffix, or its id.")],
    with_codings: Annotated[bool, typer.Option("--with-codings", help="Remove it although it has codings or memos (every coder's): each is logged and comes back with 'fieldcode interviews restore'.")] = False,
) -> None:
    """Remove an interview from the study.  Refused while it has codings or memos, unless
    --with-codings; nothing is lost either way: the interview, its attributes, turns, memos and
    every coding are kept in the log, and 'fieldcode interviews restore NAME' brings them all back.

    Its transcript file is not touched: move it out of interviews/, or the next import adds it again.

    Example: fieldcode interviews remove leeds-improving-01-resident --with-codings
    """
    from fieldcode.exchange.sources import file_is_gone, shown_path
    from fieldcode.store.interview_ops import describe_counts, remove_interview

    p = state(ctx).project()
    who = p.require_coder()
    iv = p.store.interview(name)
    r = remove_interview(p.store, iv.id, coder=who, with_codings=with_codings)
    memo_part = f" and {r.memos} memo(s)" if r.memos else ""
    what = f"; removes {describe_counts(r.codings_by_coder)}{memo_part}" if r.n_codings or r.memos else ""
    out.print(f"removed {escape(r.name)}{escape(what)} (change #{escape(r.event_id)}); "
              f"'fieldcode interviews restore {escape(r.name)}' brings it back")
    if not file_is_gone(p.root, iv.source_path) and iv.source_path:
        err.print(f"[yellow]note:[/] its file {escape(shown_path(p.root, iv.source_path))} is still there: move it out "
                  "of the interviews folder, or the next import adds it again as a new interview without codings")


@interviews_app.command("restore")
def restore_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The removed interview's name (or file name without the suffix).")],
) -> None:
    """Bring back a removed interview exactly as it was: its text, attributes, turns, memos and
    every coder's codings (the same codings, by the same coders); logged.

    Example: fieldcode interviews restore leeds-improving-01-resident
    """
    from fieldcode.store.interview_ops import describe_counts, restore_interview

    p = state(ctx).project()
    who = p.require_coder()
    r = restore_interview(p.store, name, coder=who)
    memo_part = f" and {r.memos} memo(s)" if r.memos else ""
    out.print(f"restored {escape(r.name)} with {escape(describe_counts(r.codings_by_coder) + memo_part)} "
              f"(change #{escape(r.event_id)})")
