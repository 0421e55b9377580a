"""Offset maths on half-open code-point spans ``[start, end)``."""

from __future__ import annotations

from collections.abc import Iterable


def merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of spans as sorted, non-overlapping, non-touching spans.  Empty spans vanish."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(sp for sp in spans if sp[1] > sp[0]):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def total_length(spans: Iterable[tuple[int, int]]) -> int:
    """Number of code points covered by the union of ``spans``."""
    return sum(e - s for s, e in merge(spans))


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """True when the half-open spans share at least one code point."""
    return a[0] < b[1] and b[0] < a[1]


def intersect(a: Iterable[tuple[int, int]], b: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Intersection of two unions of spans."""
    ma, mb = merge(a), merge(b)
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(ma) and j < len(mb):
        s = max(ma[i][0], mb[j][0])
        e = min(ma[i][1], mb[j][1])
        if s < e:
            out.append((s, e))
        if ma[i][1] < mb[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Iterable[tuple[int, int]], b: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of the union of ``a`` not covered by ``b``."""
    out: list[tuple[int, int]] = []
    mb = merge(b)
    for s, e in merge(a):
        cur = s
        for bs, be in mb:
            if be <= cur or bs >= e:
                continue
            if bs > cur:
                out.append((cur, bs))
            cur = max(cur, be)
            if cur >= e:
                break
        if cur < e:
            out.append((cur, e))
    return out
