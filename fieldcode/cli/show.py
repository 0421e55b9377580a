"""``fieldcode show INTERVIEW [--sentences | --turns]``: the numbered units of one interview, the
same numbers ``code add --sentence N`` and ``--turn N`` take.  Registered on the shared app (fieldcode.cli.base) when imported
(fieldcode.cli.index says which module when)."""

from __future__ import annotations

from bisect import bisect_right
from typing import Annotated

import typer

from fieldcode.cli.base import state, app, out
from fieldcode.errors import InvalidInput
from fieldcode.safe import plain


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    interview: Annotated[str, typer.Argument(help="Interview name, file stem or id.")],
    sentences: Annotated[bool, typer.Option("--sentences", help="Number the sentences (the default).")] = False,
    turns: Annotated[bool, typer.Option("--turns", help="Number the speaker turns instead.")] = False,
) -> None:
    """Print an interview's numbered sentences (or speaker turns) with speaker and text: the
    numbers that --sentence N and --turn N take. Interviewer turns are marked '(interviewer)'.

    Example: fieldcode show liverpool-improving-01-resident --turns
    """
    if sentences and turns:
        raise InvalidInput("choose one of --sentences and --turns")
    p = state(ctx).project(write=False)
    iv = p.store.interview(interview)
    text = iv.text
    turn_rows = p.store.turns(iv.id)
    width = max([len(t.speaker) for t in turn_rows] + [7]) + (14 if any(t.is_interviewer for t in turn_rows) else 0)
    width = min(width, 40)

    def who(turn) -> str:
        if turn is None:
            return "\u2014"
        return turn.speaker + (" (interviewer)" if turn.is_interviewer else "")

    def line(number: int, speaker: str, start: int, end: int) -> None:
        body = " ".join(text[start:end].split())
        out.print(f"{number:>5}  {plain(speaker):<{width}}  {plain(body)}", highlight=False)

    if turns:
        if not turn_rows:
            out.print(f"'{plain(iv.name)}' has no speaker turns (see README: speaker turns)")
            return
        for n, t in enumerate(turn_rows, start=1):
            line(n, who(t), t.content_start, t.end)
        out.print(f"{len(turn_rows)} turns in {plain(iv.name)}")
        return
    starts = [t.start for t in turn_rows]
    rows = p.store.sentences(iv.id)
    for n, s in enumerate(rows, start=1):
        k = bisect_right(starts, s.start) - 1
        turn = turn_rows[k] if k >= 0 and s.start < turn_rows[k].end else None
        line(n, who(turn), s.start, s.end)
    out.print(f"{len(rows)} sentences in {plain(iv.name)}")
