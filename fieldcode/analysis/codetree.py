"""The codebook as the analysis sees it: codes in tree order with their paths and depth, their
descendants, and validation of code keys asked for (``load_code_tree``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fieldcode.errors import InvalidInput
from fieldcode.store import q_code_rows


@dataclass(frozen=True)
class CodeInfo:
    id: int
    key: str
    name: str
    parent_key: str | None
    path: str          # keys from the root, "place/housing"
    depth: int
    order: int         # tree order (parents before children, codebook order among siblings)
    retired: bool


@dataclass
class CodeTree:
    codes: list[CodeInfo]                 # in tree order
    by_key: dict[str, CodeInfo]
    by_id: dict[int, CodeInfo]
    children: dict[str | None, list[str]]

    def descendants(self, key: str) -> list[str]:
        out: list[str] = []
        stack = list(reversed(self.children.get(key, [])))
        while stack:
            k = stack.pop()
            out.append(k)
            stack.extend(reversed(self.children.get(k, [])))
        return out

    def resolve(self, keys: Iterable[str] | None, include_children: bool = False) -> list[str] | None:
        """Code keys (validated), optionally with their descendants; None means all codes."""
        if keys is None:
            return None
        out: list[str] = []
        for k in keys:
            if k not in self.by_key:
                known = ", ".join(c.key for c in self.codes if not c.retired)
                raise InvalidInput(f"no code '{k}' (the codebook's keys are: {known})")
            for kk in [k, *(self.descendants(k) if include_children else [])]:
                if kk not in out:
                    out.append(kk)
        return out


def _build_tree(rows: Sequence[tuple[int, str, str, int | None, int, bool]]) -> CodeTree:
    """rows: (id, key, name, parent_id, position, retired)."""
    id_key = {r[0]: r[1] for r in rows}
    info = {r[1]: r for r in rows}
    children: dict[str | None, list[str]] = defaultdict(list)
    # Live codes first in codebook order, retired ones after them.
    for r in sorted(rows, key=lambda r: (r[5], r[4], r[1])):
        parent = id_key.get(r[3]) if r[3] is not None else None
        children[parent].append(r[1])
    codes: list[CodeInfo] = []
    by_key: dict[str, CodeInfo] = {}

    def visit(key: str, path: list[str]) -> None:
        r = info[key]
        p = [*path, key]
        ci = CodeInfo(id=r[0], key=key, name=r[2], parent_key=path[-1] if path else None,
                      path="/".join(p), depth=len(path), order=len(codes), retired=bool(r[5]))
        codes.append(ci)
        by_key[key] = ci
        for ch in children.get(key, []):
            if ch not in by_key:
                visit(ch, p)

    for root in children.get(None, []):
        visit(root, [])
    for r in sorted(rows, key=lambda r: (r[5], r[4], r[1])):  # anything unreachable (a cycle)
        if r[1] not in by_key:
            visit(r[1], [])
    return CodeTree(codes=codes, by_key=by_key, by_id={c.id: c for c in codes}, children=dict(children))


def load_code_tree(store) -> CodeTree:
    return _build_tree(q_code_rows(store))

