"""``agreement --independent``: agreement on independent passes only.

A coding counts when it was made blind (``coding.blind`` true) and last changed before its
coder's first hand-in of the interview; codings made seeing, made before fieldcode recorded
blindness (NULL), made or changed after the first hand-in (a reopening) or on an interview not
yet handed in are left out, and the note says how many of each."""

from __future__ import annotations

from fieldcode.store import protocol as sp


def only_independent(project, coders: list[str] | None, filters: dict[str, list[str]]) -> str:  # noqa: ANN001
    """Restrict the project store's agreement reads to independent codings; the note to show."""
    store = project.store
    iids = [i.id for i in store.interview_infos()
            if not filters or all(i.attributes.get(k) in set(v) for k, v in filters.items())]
    who = coders or store.coders()
    n = sp.independence_counts(store, who, iids)
    store.coding_where = (sp.independent_clause(),)
    left = n["seeing"] + n["unknown"] + n["after_handin"]
    return (f"--independent: {n['kept']} coding(s) made blind and before their coder's first hand-in are compared; "
            f"{left} left out ({n['seeing']} made seeing, {n['unknown']} made before blindness was recorded, "
            f"{n['after_handin']} made blind but after or without their coder's hand-in of the interview)")
