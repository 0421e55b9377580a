"""Agreement at a level of the code tree (``fieldcode agreement --level N``): the tree cut at
depth N, each deeper code counted as its ancestor there, so a team sees at which depth of the
codebook their agreement is lost.  Pure (works on ``fieldcode.analysis.CodeTree``)."""

from __future__ import annotations

from collections.abc import Sequence

from fieldcode.errors import InvalidInput

LEVEL_RULE = ("--level N: the code tree cut at depth N (1 = the top-level codes): each code deeper than N is "
              "counted as its ancestor at depth N, so a passage coded with a child counts as coded with that "
              "ancestor (a coder's overlapping codings of the codes folded together are one)")

LEVEL_HELP = ("Agreement with the code tree cut at depth N (1 = the top-level codes): each deeper code is counted "
              "as its ancestor at depth N, so comparing --level 1, 2, ... shows where in the tree agreement is lost.")


def level_note(level: int) -> str:
    """The line printed under a table measured at a level."""
    return f"Level {level}: {LEVEL_RULE.split(': ', 1)[1]}."


def cut_tree(tree, keys: Sequence[str], level: int) -> tuple[list[str], dict[int, int]]:
    """The codes of ``keys`` at depth ``level`` or above (depth counted from 1), and every code
    below them (in ``keys`` or not: a child the codebook holds counts for its ancestor) mapped
    by id to the id of its ancestor at depth ``level``."""
    if level < 1:
        raise InvalidInput(f"--level must be 1 (the top-level codes) or more, not {level}")
    kept = [k for k in keys if tree.by_key[k].depth < level]
    folded: dict[int, int] = {}
    for k in kept:
        c = tree.by_key[k]
        if c.depth == level - 1:
            for d in tree.descendants(k):
                folded[tree.by_key[d].id] = c.id
    return kept, folded
