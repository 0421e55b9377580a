"""The report as plain data: sections holding paragraphs, tables and figures.

Every rendering (HTML, Markdown, Word) walks the same :class:`Report`, so the three carry the
same words and numbers; pseudonymisation maps every string of it once (:func:`map_text`) before
anything is drawn or written, so no figure or file can carry a name the text does not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()
    numeric: bool = True          # columns after the first are right-aligned


@dataclass(frozen=True)
class Series:
    label: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    low: tuple[float, ...] = ()    # interval ends, one per point (empty: none)
    high: tuple[float, ...] = ()
    mark: float | None = None      # a vertical line (the saturation point k)


@dataclass(frozen=True)
class Panel:
    title: str
    series: tuple[Series, ...]
    xlabel: str = ""
    ylabel: str = ""
    ticks: tuple[str, ...] = ()    # category labels of the y axis (interval plots), top to bottom


@dataclass(frozen=True)
class Figure:
    """``kind``: "lines" (curves over x), "intervals" (a point and its interval per category),
    "heatmap" (``panels[0].series``: one row each, values in ``ys``; column labels in
    ``columns``)."""
    name: str                       # file name stem, e.g. "saturation"
    kind: str
    caption: str
    panels: tuple[Panel, ...]
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str                        # anchor id, e.g. "agreement"
    title: str
    blocks: tuple = ()


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section] = field(default_factory=list)

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]


KEEP = frozenset({"kind", "name", "key"})   # identifiers, not text a reader sees


def map_text(obj, fn: Callable[[str], str]):  # noqa: ANN001, ANN201
    """``obj`` (a report, a section, a block, or any nesting of them in tuples and lists) with
    ``fn`` applied to every string a reader sees in it; numbers, and the identifiers in
    ``KEEP`` (a figure's kind and file name, a section's anchor), are left as they are."""
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, tuple):
        return tuple(map_text(x, fn) for x in obj)
    if isinstance(obj, list):
        return [map_text(x, fn) for x in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(obj, **{f.name: map_text(getattr(obj, f.name), fn)
                                          for f in dataclasses.fields(obj) if f.name not in KEEP})
    return obj


__all__ = ["Paragraph", "Bullets", "Table", "Series", "Panel", "Figure", "Section", "Report", "map_text", "KEEP"]
