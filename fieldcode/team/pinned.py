"""Agreement and the codebook's versions: which definition of each code the compared codings were
made under (``fieldcode.store.pins``), the warning when they differ, and ``--same-version``.

Agreement between two coders means little when one coded a passage under last month's definition
of a code and the other under today's.  For every code compared, the codings in scope are counted
per coder as made under the code's **current** definition, under an **older** one (they are in
their coder's re-check queue), or with **no recorded** definition (made before fieldcode recorded
it).  When a code's compared codings were made under more than one definition (or some are
unknown beside known ones), ``agreement`` warns and names the counts.

``--same-version`` compares only codings made under their code's current definition: the others
are left out of every coder's codings, as if not made, and the number left out is said.  A coder
who made no codings under the current definitions in an interview counts as not having coded it.

A code split into others (``codes split``) is compared as its codings stand: a coding not yet
settled by its coder counts under the old code, a recoded one under its part.  When the compared
coders have settled a split to different extents (their shares of still-pending codings differ
by SPLIT_GAP or more), agreement on the old code and on its parts compares unlike things, and a
note says so with each coder's counts.
"""

from __future__ import annotations

SAME_VERSION_RULE = ("--same-version: only codings made under their code's current definition are compared; "
                     "codings made under an older definition (in their coders' re-check queue) or with no "
                     "recorded definition are left out, as if not made")


def restrict_to_current_definitions(store) -> None:  # noqa: ANN001
    """Make every read of codings agreement does (``store.coding_where``) keep only codings made
    under their code's current definition."""
    from fieldcode.store.pins import current_definitions, same_definition_clause

    clause = same_definition_clause({cid: h for cid, (_k, h) in current_definitions(store).items()})
    store.coding_where = (*getattr(store, "coding_where", ()), clause)


def definition_notes(store, scope, *, same_version: bool = False) -> list[str]:  # noqa: ANN001
    """One warning per code whose compared codings were made under different definitions; with
    ``same_version``, one line saying how many codings were left out (counted before the filter)."""
    from fieldcode.store.pins import current_definitions, definitions_in_use

    code_ids = list(dict.fromkeys([*scope.code_ids, *scope.folded]))
    uses = definitions_in_use(store, interview_ids=scope.interview_ids, code_ids=code_ids, coders=scope.coders)
    current = current_definitions(store)
    keys = {c.id: c.key for c in store.codes(include_retired=True)}
    notes: list[str] = []
    left = {"older": 0, "unknown": 0}
    for cid in code_ids:
        by_hash = uses.get(cid, {})
        now = current.get(cid, (None, None))[1]
        per: dict[str, dict[str, int]] = {}
        for h, coders in by_hash.items():
            kind = "unknown" if h is None else "current" if h == now else "older"
            for who, n in coders.items():
                d = per.setdefault(who, {"current": 0, "older": 0, "unknown": 0})
                d[kind] += n
                if kind != "current":
                    left[kind] += n
        known = [h for h in by_hash if h is not None]
        if len(known) > 1 or (known and None in by_hash):
            parts = []
            for who in sorted(per):
                d = per[who]
                bits = [f"{d[k]} {label}" for k, label in (("current", "under the current definition"),
                                                           ("older", "under an older one (re-check queue)"),
                                                           ("unknown", "with no recorded definition")) if d[k]]
                parts.append(f"{who} {', '.join(bits)}")
            notes.append(f"'{keys.get(cid, cid)}': the compared codings were made under different definitions of the "
                         f"code ({'; '.join(parts)})" + ("" if same_version else
                                                         ": --same-version compares only those under the current one"))
    notes += split_notes(store, scope)
    if same_version:
        notes.append(f"{SAME_VERSION_RULE}: {left['older']} coding(s) under an older definition and {left['unknown']} "
                     "with no recorded definition left out")
    return notes


SPLIT_GAP = 0.25     # shares of a split code's codings still pending that differ this much are warned of


def split_notes(store, scope) -> list[str]:  # noqa: ANN001
    """One warning per split code whose compared coders have settled it to different extents."""
    from fieldcode.store.pins import split_pending_counts

    notes = []
    for key, per in split_pending_counts(store, interview_ids=scope.interview_ids, coders=scope.coders).items():
        shares = {who: pend / total for who, (pend, total) in per.items() if total}
        if len(shares) < 2 or max(shares.values()) - min(shares.values()) < SPLIT_GAP:
            continue
        parts = "; ".join(f"{who} {per[who][0]} of {per[who][1]} not yet settled" for who in sorted(shares))
        notes.append(f"'{key}' was split and the compared coders have settled it differently ({parts}): until each "
                     f"recodes their codings of '{key}' ('fieldcode recheck'), agreement on '{key}' and on its parts "
                     "compares unsettled codings with settled ones")
    return notes
