"""The paired comparison coder by coder: each coder's pairs pointing each way and sign test
beside the pooled result and the consensus coder's, and whether the coders' directions agree
theme by theme, so a reader sees whether a finding depends on who coded.

A consensus coder is one with consensus decisions in the event log (the review screen's
``--as NAME``, fieldcode.team.consensus): shown apart, never pooled with the coders it settled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fieldcode.analysis.paired import Comparison, ThemeComparison, compare
from fieldcode.errors import InvalidInput
from fieldcode.store import q_consensus_decisions

DIRECTION_RULE = ("a coder's direction is the way most of the pairs that differ point in that coder's codings "
                  "(even: as many each way; no difference, 'none' in CSV: no pair differs); the coders agree on "
                  "a theme when every coder named points the same way, show no direction when none leans either "
                  "way, and differ otherwise (the consensus coder is shown, not counted)")


def consensus_coders(store) -> list[str]:
    """The coders who made consensus decisions (fieldcode.team.consensus), sorted."""
    return [c for c in store.coders() if q_consensus_decisions(store, c)]


@dataclass(frozen=True)
class ThemeByCoder:
    key: str
    label: str
    depth: int
    pooled: ThemeComparison
    coders: dict[str, ThemeComparison | None]      # None: that coder's table has no such row
    consensus: dict[str, ThemeComparison | None]
    agreement: str                                  # "agree", "differ" or "no difference" (no direction)
    agreement_text: str                             # e.g. "agree: improving higher"


@dataclass
class ByCoder:
    pooled: Comparison
    coders: dict[str, Comparison]        # each coder alone, in the order named
    consensus: dict[str, Comparison]     # each consensus coder alone
    themes: list[ThemeByCoder]
    rule: str = DIRECTION_RULE


def agreement(directions: dict[str, str], focal: str) -> tuple[str, str]:
    """("agree" | "differ" | "no difference", a sentence) for the coders' ``directions``
    (coder -> ThemeComparison.direction): agree when all point the same way, no difference when
    none leans either way (no pair differs, or as many each way), differ otherwise."""
    ways = set(directions.values())
    if ways == {"none"}:
        return "no difference", "no difference: no pair differs for any coder"
    if ways <= {"none", "even"}:
        return "no difference", "no direction: no coder's pairs lean one way"
    if len(ways) == 1 and ways <= {"higher", "lower"}:
        way = ways.pop()
        return "agree", f"agree: {focal} {way}"
    said = {"higher": "higher", "lower": "lower", "even": "even", "none": "no difference"}
    return "differ", "differ: " + ", ".join(f"{c} {said[d]}" for c, d in directions.items())


def compare_by_coder(store, *, arms: Sequence[str], coders: list[str] | None = None, **kwargs) -> ByCoder:
    """The comparison pooled over ``coders`` (default: every coder but the consensus coders),
    for each of them alone, and for each consensus coder alone; ``kwargs`` as for
    :func:`~fieldcode.analysis.paired.compare`."""
    reserved = consensus_coders(store)
    named = list(dict.fromkeys(coders or [c for c in store.coders() if c not in reserved]))
    known = set(store.coders())
    unknown = [c for c in named if c not in known]
    if unknown:
        raise InvalidInput(f"coder '{unknown[0]}' has no codings in this study (coders: {', '.join(sorted(known)) or 'none'})")
    if len(named) < 2:
        raise InvalidInput("a comparison by coder needs two or more coders with codings "
                           f"(found: {', '.join(named) or 'none'}); name them with --coder A --coder B")
    pooled = compare(store, arms=arms, coders=named, **kwargs)
    each = {c: compare(store, arms=arms, coders=[c], **kwargs) for c in named}
    cons = {c: compare(store, arms=arms, coders=[c], **kwargs) for c in reserved if c not in named}

    def index(cmp: Comparison) -> dict[tuple[str, str], ThemeComparison]:
        return {(th.row.key, th.row.label): th for th in cmp.themes}

    ix_each = {c: index(x) for c, x in each.items()}
    ix_cons = {c: index(x) for c, x in cons.items()}
    themes = []
    for th in pooled.themes:
        k = (th.row.key, th.row.label)
        per = {c: ix.get(k) for c, ix in ix_each.items()}
        verdict, text = agreement({c: (t.direction if t else "none") for c, t in per.items()}, pooled.arms[0])
        themes.append(ThemeByCoder(th.row.key, th.row.label, th.row.depth, th, per,
                                   {c: ix.get(k) for c, ix in ix_cons.items()}, verdict, text))
    return ByCoder(pooled, each, cons, themes)
