"""``fieldcode handin INTERVIEW``, ``fieldcode reopen INTERVIEW`` and ``fieldcode next``: a
coder's independent passes (``fieldcode.protocol.handin``, ``fieldcode.protocol.order``)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from fieldcode.cli.base import app, open_main, out, state
from fieldcode.safe import plain as escape


@app.command("handin")
def handin_cmd(
    ctx: typer.Context,
    interview: Annotated[str, typer.Argument(help="Interview name, file stem, id or (when blind) its label.")],
) -> None:
    """Hand an interview in: your pass on it is done, and it is closed to your further coding until reopened.

    In a blind study you see only your own codings on an interview until you hand it in.
    'agreement --independent' counts only codings made blind and before their coder's first
    hand-in of the interview.

    Example: fieldcode --coder ana handin I-7K2
    """
    from fieldcode.protocol.handin import handin, shown

    p = state(ctx).project()
    st = handin(p, interview)
    name = shown(p, p.store.interview(st.interview_id).name)
    out.print(f"{escape(name)} handed in by {escape(st.actor)} at {st.at:%Y-%m-%d %H:%M} UTC: closed to your further "
              "coding ('fieldcode reopen' with a reason opens it again)")


@app.command("reopen")
def reopen_cmd(
    ctx: typer.Context,
    interview: Annotated[str, typer.Argument(help="Interview name, file stem, id or (when blind) its label.")],
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why (kept in the event log).")] = None,
    coder: Annotated[Optional[str], typer.Option("--for", help="Whose hand-in to reopen (the lead may name any coder; "
                                                              "default: you).")] = None,
) -> None:
    """Reopen an interview that was handed in, so its coder may code it again (logged with who and why).

    Codings made after an interview's first hand-in are not independent: 'agreement
    --independent' leaves them out.

    Example: fieldcode --coder ben reopen I-7K2 --for ana --reason "ana skipped the last page"
    """
    from fieldcode.protocol.handin import reopen, shown

    p = state(ctx).project()
    st = reopen(p, interview, coder, reason or "")
    name = shown(p, p.store.interview(st.interview_id).name)
    out.print(f"{escape(name)} reopened for {escape(st.target)} by {escape(st.actor)}: {escape(st.reason)}")


@app.command("next")
def next_cmd(
    ctx: typer.Context,
    open_it: Annotated[bool, typer.Option("--open", help="Open it in the coding screen.")] = False,
    listing: Annotated[bool, typer.Option("--list", help="List your whole order with each interview's hand-in state.")] = False,
) -> None:
    """Print your next interview: the first not handed in, in your own order (shuffled per coder with a recorded seed).

    The seed is drawn and recorded the first time you ask, so the order can be told and
    checked later ('fieldcode log' shows it).

    Example: fieldcode --coder ana next --open
    """
    from fieldcode.protocol.handin import closed_ids, shown
    from fieldcode.protocol.order import coder_order, ensure_seed, next_interview

    st = state(ctx)
    p = st.project()
    who = p.require_coder()
    if listing:
        seed = ensure_seed(p, who)
        closed = closed_ids(p, who)
        out.print(f"{escape(who)}'s order (seed {seed}):")
        for i, (iid, name) in enumerate(coder_order(p, who, seed), 1):
            out.print(f"{i:>3}. {escape(shown(p, name))}  {'handed in' if iid in closed else 'open'}")
        return
    nxt = next_interview(p, who)
    if nxt is None:
        out.print(f"you ({escape(who)}) have handed in every interview")
        return
    iid, name, place, total = nxt
    out.print(f"next: {escape(shown(p, name))} ({place:d} of {total} in your order)")
    if open_it:
        open_main(st, str(iid))
