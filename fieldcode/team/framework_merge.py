"""Framework summaries in ``merge`` (``fieldcode.team.merge`` calls :func:`plan_summaries`), by the
rule memos follow:

* a summary only the other copy has is added (interviews matched by transcript, codes by key);
* a summary both copies have (the same uid, or the same author's summary of the same cell written
  apart in each copy) takes the newer edit;
* each copy records the summaries deleted in it: one deleted here is not brought back from a copy
  that still has it, and one deleted there is deleted here, unless it was edited after the
  deletion (then the edit wins).

Each summary added, updated or deleted is written in the merge's one transaction and logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fieldcode.store import Store
from fieldcode.store.framework import q_summary_merge_view
from fieldcode.team.merge_rules import carried_deletions


@dataclass
class SummaryPlan:
    inserts: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    deletes: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: int = 0
    kept_deleted: int = 0
    unmatched: int = 0
    source: str = ""

    @property
    def changes(self) -> int:
        return len(self.inserts) + len(self.updates) + sum(1 for d in self.deletes if d.get("here"))

    def lines(self) -> list[str]:
        if not (self.changes or self.skipped or self.kept_deleted or self.unmatched or self.deletes):
            return []
        out = [f"framework summaries: {len(self.inserts)} to add, {len(self.updates)} to update, "
               f"{sum(1 for d in self.deletes if d.get('here'))} to delete (deleted there); {self.skipped} already "
               f"here, {self.kept_deleted} kept deleted (deleted here)"
               + (f", {self.unmatched} on interviews or codes not matched here" if self.unmatched else "")]
        out += [f"  {n}" for n in self.notes]
        return out

    def write_args(self) -> dict:
        """What ``store.apply_merge(summaries=...)`` writes."""
        return {"inserts": self.inserts, "updates": self.updates, "deletes": self.deletes, "source": self.source}


def _gist(text: str) -> str:
    g = " ".join(text.split())
    return g if len(g) <= 50 else g[:49] + "\u2026"


def plan_summaries(here: Store, there: Store, ivmap: dict[int, int], codemap: dict[int, int], *,
                   source: str, names: dict[int, str], keys: dict[int, str]) -> SummaryPlan:
    """What merging ``there``'s summaries into ``here`` would do.  ``ivmap``/``codemap``: the
    other copy's interview and code ids -> here's; ``names``/``keys``: here's interview names
    and code keys (for the notes)."""
    H, T = q_summary_merge_view(here), q_summary_merge_view(there)
    plan = SummaryPlan(source=source)
    by_cell = {(d["author"], d["interview_id"], d["code_id"]): d for d in H["summaries"].values()}
    for uid, o in sorted(T["summaries"].items(), key=lambda x: (x[1]["created_at"], x[0])):
        if o["interview_id"] not in ivmap or o["code_id"] not in codemap:
            plan.unmatched += 1
            continue
        row = {**o, "interview_id": ivmap[o["interview_id"]], "code_id": codemap[o["code_id"]],
               "cites": [{**c, "code_id": codemap.get(c["code_id"], c["code_id"])} for c in o["cites"]]}
        on = f"{names.get(row['interview_id'], '?')} under {keys.get(row['code_id'], '?')}"
        who = "the consensus" if o["consensus"] else f"{o['author']}'s"
        mine = H["summaries"].get(uid) or by_cell.get((o["author"], row["interview_id"], row["code_id"]))
        gone = H["deletions"].get(uid)
        if mine is None and gone is not None and o["updated_at"] <= gone["deleted_at"]:
            plan.kept_deleted += 1
            plan.notes.append(f"keep deleted: {who} summary of {on} (deleted here {gone['deleted_at'][:16]})")
        elif mine is None:
            plan.inserts.append(row)
            plan.notes.append(f"add {who} summary of {on}: \u201c{_gist(o['text'])}\u201d")
        elif (mine["text"], mine["cites"]) != (row["text"], row["cites"]) and o["updated_at"] > mine["updated_at"]:
            plan.updates.append({**row, "here_uid": mine["uid"]})
            plan.notes.append(f"update {who} summary of {on} (edited there {o['updated_at'][:16]}, here "
                              f"{mine['updated_at'][:16]}): \u201c{_gist(o['text'])}\u201d")
        else:
            plan.skipped += 1
    for g, mine, kept in carried_deletions(T["deletions"], T["summaries"], H["deletions"], H["summaries"]):
        if kept:
            plan.notes.append(f"keep {mine['author']}'s summary of {names.get(mine['interview_id'], '?')} (deleted "
                              f"there {g['deleted_at'][:16]}, edited here later)")
            continue
        plan.deletes.append({**g, "here": mine is not None})
        if mine is not None:
            plan.notes.append(f"delete {mine['author']}'s summary of {names.get(mine['interview_id'], '?')} under "
                              f"{keys.get(mine['code_id'], '?')} (deleted there {g['deleted_at'][:16]})")
    return plan
