"""The rule ``merge`` applies to deletions of per-author records (memos, framework summaries):
the other copy's deletion is carried here unless the record was edited here after it."""

from __future__ import annotations

from collections.abc import Iterator


def carried_deletions(deleted_there: dict, live_there: dict, deleted_here: dict,
                      live_here: dict) -> Iterator[tuple[dict, dict | None, bool]]:
    """The other copy's deletions to act on, oldest first: ``(deletion, record here or None,
    kept)``; ``kept`` when the record here was edited after the deletion (the edit wins).  A
    deletion the other copy has undone (it still holds the record) or this copy already
    recorded is left out."""
    for uid, g in sorted(deleted_there.items(), key=lambda x: (x[1]["deleted_at"], x[0])):
        if uid in live_there or uid in deleted_here:
            continue
        mine = live_here.get(uid)
        yield g, mine, mine is not None and mine["updated_at"] > g["deleted_at"]
