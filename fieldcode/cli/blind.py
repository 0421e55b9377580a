"""``fieldcode blind status|end|unblind``: whether the study is blind, and the lead's ending of
blindness for everyone or one coder (each a step of the event log with who, when and why).
The gate every command passes for a blind coder is ``fieldcode.cli.blind_gate``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from fieldcode.cli.base import app, out, state
from fieldcode.cli.blind_gate import BlindRefused
from fieldcode.errors import InvalidInput
from fieldcode.safe import plain as escape

blind_app = typer.Typer(help="Blind coding: who is blind, and the lead's ending of it (for everyone or one coder).",
                        no_args_is_help=True)
app.add_typer(blind_app, name="blind")

@blind_app.command("status")
def blind_status(ctx: typer.Context) -> None:
    """Show whether the study is blind, who leads it, whether you are blind, and every ending of blindness so far.

    Example: fieldcode --coder ana blind status
    """
    from fieldcode.store import protocol as sp

    p = state(ctx).project(write=False)
    st = p.study
    if not st.is_blind:
        out.print("this study is not blind (codebook.yaml names no study.blind attributes or blind_terms)")
        return
    out.print(f"blind study: coders other than the lead do not see {escape(', '.join(st.blind) or '(no attributes)')}"
              f"{f' and {len(st.blind_terms)} blind term(s)' if st.blind_terms else ''}")
    out.print(f"lead: {escape(st.lead)}")
    if p.coder:
        out.print(f"you ({escape(p.coder)}): {'blind' if p.blinder is not None else 'not blind'}")
    for s in sp.steps(p.store, actions=(sp.BLIND_END, sp.UNBLIND)):
        what = "ended blinding for everyone" if s.action == sp.BLIND_END else f"unblinded {s.target}"
        out.print(f"{s.at:%Y-%m-%d %H:%M} UTC  {escape(s.actor)} {escape(what)}: {escape(s.reason)}")


def _lead_step(ctx: typer.Context, action: str, target: str | None, reason: str) -> None:
    from fieldcode.store import protocol as sp

    p = state(ctx).project()
    who = p.require_coder()
    st = p.study
    reason = " ".join((reason or "").split())
    if not st.is_blind:
        raise InvalidInput("this study is not blind: codebook.yaml names no study.blind attributes; nothing changed")
    if who != st.lead:
        raise BlindRefused(f"only the study's lead ({st.lead}) may end blinding or unblind a coder; you are {who}. "
                           "Nothing changed")
    if not reason:
        raise InvalidInput("say why with --reason TEXT: every unblinding is kept in the event log with who, when and why")
    if target is not None and target == st.lead:
        raise InvalidInput(f"{target} is the study's lead and never blind; nothing changed")
    p.store.blind_policy = sp.BlindPolicy(on=True, lead=st.lead)
    if action == sp.BLIND_END and not any(s.action == sp.BLIND_END for s in sp.steps(p.store, actions=(sp.BLIND_END,))):
        sp.record_step(p.store, who, sp.BLIND_END, detail={"reason": reason})
        out.print(f"blinding ended for every coder by {escape(who)}: {escape(reason)}")
    elif action == sp.UNBLIND:
        if not sp.is_blind(p.store, p.store.blind_policy, target):
            raise InvalidInput(f"{target} is not blind (unblinded already, or blinding has ended); nothing changed")
        sp.record_step(p.store, who, sp.UNBLIND, detail={"for": target, "reason": reason})
        out.print(f"{escape(target)} unblinded by {escape(who)}: {escape(reason)}")
    else:
        raise InvalidInput("blinding has already ended; nothing changed")


@blind_app.command("end")
def blind_end(
    ctx: typer.Context,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why (kept in the event log).")] = None,
) -> None:
    """End blinding for every coder (the lead only): names, attributes and analyses open to all.

    Example: fieldcode --coder ben blind end --reason "all interviews handed in by both coders"
    """
    from fieldcode.store import protocol as sp

    _lead_step(ctx, sp.BLIND_END, None, reason or "")


@blind_app.command("unblind")
def blind_unblind(
    ctx: typer.Context,
    coder: Annotated[str, typer.Argument(help="The coder to unblind.")],
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why (kept in the event log).")] = None,
) -> None:
    """Unblind one coder (the lead only): from now on they see everything and run analyses.

    Example: fieldcode --coder ben blind unblind ana --reason "ana writes the comparison chapter"
    """
    from fieldcode.store import protocol as sp

    _lead_step(ctx, sp.UNBLIND, coder, reason or "")
