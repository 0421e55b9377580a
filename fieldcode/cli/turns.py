"""``fieldcode turns``: an interview's speaker turns with who speaks each and why (``list``), and a
coder's correction of one turn's role (``set``, ``clear``).  A correction is the study's: it
changes the analysed text, so every coder's denominators; the log names who made it.  Registered
on the shared app (fieldcode.cli.base) when imported."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from fieldcode.cli.base import app, err, out, state
from fieldcode.errors import InvalidInput
from fieldcode.safe import plain as escape  # markup-escaped and stripped of terminal controls

turns_app = typer.Typer(help="List an interview's speaker turns and who speaks each, and correct a single "
                             "turn's role (interviewer or participant).", no_args_is_help=True)
app.add_typer(turns_app, name="turns")

InterviewArg = Annotated[str, typer.Argument(help="Interview name, file stem or id.")]
TurnArg = Annotated[int, typer.Argument(help="The turn's number, as 'fieldcode turns list' (and 'show --turns') numbers them.")]


@turns_app.command("list")
def turns_list(ctx: typer.Context, interview: InterviewArg,
               unsure: Annotated[bool, typer.Option("--unsure", help="Only the paragraphs whose speaker "
                                                    "'turns: questions' is unsure of.")] = False) -> None:
    """An interview's turns: number, speaker, role (interviewer or participant: interviewer turns
    are left out of every count), why it has that role (label: its speaker label; pattern: it
    starts with interviewer_lines; paragraph: a paragraph without it; question p=0.xx: the
    probability that the interviewer speaks it, from 'turns: questions'; corrected by CODER) and
    its first words.  With 'turns: questions' the paragraphs it is unsure of are named at the end.

    Example: fieldcode turns list oral-history-03
    """
    p = state(ctx).project(write=False)
    name, rows, notes = p.turn_listing(interview)
    if not rows:
        out.print(f"{escape(name)} has no speaker turns: all its text counts as participant speech")
        return
    t = Table()
    for col in ("turn", "speaker", "role", "source", "first words"):
        t.add_column(col, justify="right" if col == "turn" else "left")
    for r in rows:
        if unsure and not r["unsure"]:
            continue
        t.add_row(str(r["n"]), escape(r["speaker"]), r["role"], escape(r["source"]), escape(r["first_words"]))
    out.print(t)
    n_int = sum(r["role"] == "interviewer" for r in rows)
    out.print(f"{len(rows)} turns in {escape(name)}, {n_int} of them the interviewer's")
    for line in notes:
        err.print(escape(line))


def _set(ctx: typer.Context, interview: str, n: int, role: str | None) -> None:
    p = state(ctx).project()
    c = p.set_turn_role(interview, n, role)
    what = f"turn {c['turn']} of {escape(p.store.interview(interview).name)} ({escape(c['speaker'])}: \u201c{escape(' '.join(c['quote'].split()))}\u201d)"
    replaced = "; replaces " + ", ".join(f"{escape(r['coder'])}'s correction ({r['role']})" for r in c["replaced"]) \
        if c["replaced"] else ""
    if role is None:
        out.print(f"{what}: back to its detected role, {c['now']} (was {c['was']}){replaced}")
    else:
        out.print(f"{what}: {c['now']} (was {c['was']}; detected {c['detected']}){replaced}. "
                  "Every coder's counts use it; 'fieldcode log' records it")


@turns_app.command("set")
def turns_set(ctx: typer.Context, interview: InterviewArg, n: TurnArg,
              role: Annotated[str, typer.Argument(help="interviewer or participant.")]) -> None:
    """Correct one turn's role: interviewer (left out of every count) or participant.  The
    correction is the study's (it changes every coder's denominators) and is recorded in the
    log with your name; it survives a re-import (found again by its first words) and a change
    of the turn settings.  'fieldcode turns clear' takes it back.

    Example: fieldcode --coder ana turns set oral-history-03 1 participant
    """
    if role not in ("interviewer", "participant"):
        raise InvalidInput(f"the role is 'interviewer' or 'participant', not '{role}'")
    _set(ctx, interview, n, role)


@turns_app.command("clear")
def turns_clear(ctx: typer.Context, interview: InterviewArg, n: TurnArg) -> None:
    """Take back the correction of one turn: it gets the role its detection gives again.

    Example: fieldcode --coder ana turns clear oral-history-03 1
    """
    _set(ctx, interview, n, None)
