"""Pure offset maths for the coding screen: no Textual, no database.

* :class:`LineMap` converts code-point offsets into the stored text to TextArea ``(row, col)``
  locations and back (the stored text only has ``\\n`` line breaks, so the mapping is exact).
* :func:`paint_lines` turns codings into per-line style runs (a sweep over span boundaries), so
  painting a line on screen is a dictionary lookup.
* Selection units (sentence, word, turn), navigation targets and the fuzzy code matcher.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fieldcode.text import WORD_RE


class LineMap:
    """Line starts of a text, as ``str.splitlines()`` (and so TextArea) splits it."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        i = text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        self.starts = starts

    def __len__(self) -> int:
        return len(self.starts)

    def line_end(self, row: int) -> int:
        """Offset just past the last character of ``row`` (its ``\\n`` not included)."""
        if row + 1 < len(self.starts):
            return self.starts[row + 1] - 1
        return len(self.text)

    def to_location(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        row = bisect_right(self.starts, offset) - 1
        return row, offset - self.starts[row]

    def to_offset(self, location: tuple[int, int]) -> int:
        row, col = location
        row = max(0, min(row, len(self.starts) - 1))
        return min(self.starts[row] + max(col, 0), self.line_end(row))

    def rows_of(self, start: int, end: int) -> range:
        """Rows a span ``[start, end)`` touches."""
        first = self.to_location(start)[0]
        last = self.to_location(max(start, end - 1))[0]
        return range(first, last + 1)


@dataclass(frozen=True)
class Span:
    """A coding as the screen needs it (no ORM object crosses into widgets)."""

    id: int
    code_id: int
    coder: str
    start: int
    end: int
    memo: str = ""
    created_at: object = None   # datetime (UTC) of the coding
    updated_at: object = None


def span_of(id, code_id, coder, start, end, memo, created_at, updated_at) -> Span:  # noqa: A002, ANN001
    """A span from one of the store's coding tuples (``Store.coding_tuples``).  Times stay
    datetimes here; the details panel formats the few it shows."""
    return Span(id=id, code_id=code_id, coder=coder, start=start, end=end, memo=memo or "",
                created_at=created_at, updated_at=updated_at)


# A run on one line: columns [a, b), and the spans covering it (outermost first).
Run = tuple[int, int, tuple[Span, ...]]


def paint_lines(lines: LineMap, spans: Iterable[Span], rows: Iterable[int] | None = None) -> dict[int, list[Run]]:
    """Per-line runs of constant coverage.  With ``rows``, only those lines are computed
    (an incremental repaint after one coding changed)."""
    spans = sorted(spans, key=lambda s: (s.start, -s.end, s.id))
    wanted = None if rows is None else set(rows)
    out: dict[int, list[Run]] = {}
    if not spans:
        return out
    # Boundaries per line: every span start/end and every line start inside a span.
    events: dict[int, list[Span]] = {}
    for sp in spans:
        for row in lines.rows_of(sp.start, sp.end):
            if wanted is not None and row not in wanted:
                continue
            events.setdefault(row, []).append(sp)
    for row, on_row in events.items():
        ls, le = lines.starts[row], lines.line_end(row)
        cuts = {0, le - ls}
        for sp in on_row:
            cuts.add(max(sp.start, ls) - ls)
            cuts.add(min(sp.end, le) - ls)
        cols = sorted(c for c in cuts if 0 <= c <= le - ls)
        runs: list[Run] = []
        for a, b in zip(cols, cols[1:]):
            if b <= a:
                continue
            cover = tuple(sp for sp in on_row if sp.start <= ls + a and sp.end >= ls + b)
            if cover:
                if runs and runs[-1][1] == a and runs[-1][2] == cover:
                    runs[-1] = (runs[-1][0], b, cover)
                else:
                    runs.append((a, b, cover))
        if runs:
            out[row] = runs
    return out


def spans_at(spans: Iterable[Span], offset: int) -> list[Span]:
    """Spans containing ``offset`` (or ending right at it, so a cursor placed just after a
    coded word still finds it), innermost first."""
    hits = [s for s in spans if s.start <= offset < s.end]
    if not hits:
        hits = [s for s in spans if s.end == offset]
    return sorted(hits, key=lambda s: (s.end - s.start, s.id))


def spans_on_rows(spans: Iterable[Span], lines: LineMap, row: int) -> list[Span]:
    ls, le = lines.starts[row], lines.line_end(row)
    return [s for s in spans if s.start <= le and s.end > ls]


# --- selection units -------------------------------------------------------------------------

def unit_at(units: Sequence[tuple[int, int]], offset: int) -> int | None:
    """Index of the unit containing ``offset``, else the next one after it, else the last."""
    if not units:
        return None
    starts = [u[0] for u in units]
    i = bisect_right(starts, offset) - 1
    if i >= 0 and units[i][0] <= offset < units[i][1]:
        return i
    return min(i + 1, len(units) - 1)


def extend_by_unit(units: Sequence[tuple[int, int]], sel: tuple[int, int]) -> tuple[int, int]:
    """Selection grown to the end of the next unit after its end."""
    a, b = sel
    if a == b:
        i = unit_at(units, a)
        return units[i] if i is not None else sel
    ends = [u[1] for u in units]
    j = bisect_right(ends, b)
    if j >= len(units):
        return sel
    return a, units[j][1]


def shrink_by_unit(units: Sequence[tuple[int, int]], sel: tuple[int, int]) -> tuple[int, int]:
    """Selection without its last unit (never below one unit)."""
    a, b = sel
    ends = [u[1] for u in units]
    j = bisect_left(ends, b) - 1  # the last unit ending strictly before b
    if j >= 0 and ends[j] > a:
        return a, ends[j]
    return sel


_PARA_BREAK = re.compile(r"\n[ \t]*\n\s*")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Blocks of text separated by blank lines, trimmed: the selection unit standing in for
    speaker turns when a transcript has no speaker labels."""
    out, pos = [], 0
    for m in [*_PARA_BREAK.finditer(text), None]:
        end = m.start() if m else len(text)
        a, b = trim_span(text, pos, end)
        if a < b:
            out.append((a, b))
        if m:
            pos = m.end()
    return out


def word_at(text: str, offset: int) -> tuple[int, int] | None:
    """The word containing (or touching, or next after) ``offset``."""
    lo = max(0, offset - 60)
    for m in WORD_RE.finditer(text, lo, min(len(text), offset + 200)):
        if m.end() >= offset and m.start() <= offset or m.start() >= offset:
            return m.start(), m.end()
    return None


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop surrounding whitespace from a selection."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# A selection never starts with these (a stray comma, full stop or closing bracket from the
# passage before) nor ends with these (the comma or opening bracket before the next passage).
# Sentence-final . ! ? … , closing brackets and quotes, and dashes (speech cut off) stay at the end.
LEAD_STRAY = frozenset(",.;:!?)]}")
TAIL_STRAY = frozenset(",;:([{")


def trim_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop surrounding whitespace and stray punctuation from a selection (see
    ``LEAD_STRAY``/``TAIL_STRAY``); a selection of nothing but those comes back empty."""
    while start < end and (text[start].isspace() or text[start] in LEAD_STRAY):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in TAIL_STRAY):
        end -= 1
    return start, end


def word_after(text: str, offset: int) -> tuple[int, int] | None:
    """The first word ending after ``offset`` (the one ``offset`` is in, or the next)."""
    for m in WORD_RE.finditer(text, max(0, offset - 60), min(len(text), offset + 400)):
        if m.end() > offset:
            return m.start(), m.end()
    return None


def word_before(text: str, offset: int) -> tuple[int, int] | None:
    """The last word starting before ``offset``."""
    last = None
    for m in WORD_RE.finditer(text, max(0, offset - 400), offset):
        last = (m.start(), m.end())
    return last


def shown_quote(text: str, limit: int = 40) -> str:
    """A passage as one short line for a message: “first words … last words”."""
    q = " ".join(text.split())
    if len(q) <= limit:
        return f"“{q}”"
    half = (limit - 3) // 2
    return f"“{q[:half].rstrip()} … {q[-half:].lstrip()}”"


def find_all_ci(text: str, needle: str) -> list[int]:
    if not needle:
        return []
    hay, nd = text.casefold(), needle.casefold()
    if len(hay) != len(text):  # casefold changed lengths (e.g. ß): fall back to exact matching
        hay, nd = text, needle
    out, i = [], hay.find(nd)
    while i != -1:
        out.append(i)
        i = hay.find(nd, i + 1)
    return out


def next_after(starts: Sequence[int], offset: int, backwards: bool = False, wrap: bool = True) -> int | None:
    """Index of the first start > offset (or the last < offset backwards), wrapping around."""
    if not starts:
        return None
    if backwards:
        i = bisect_left(starts, offset) - 1
        return i if i >= 0 else (len(starts) - 1 if wrap else None)
    i = bisect_right(starts, offset)
    return i if i < len(starts) else (0 if wrap else None)


# --- fuzzy code matching ---------------------------------------------------------------------

def _subsequence_score(query: str, target: str) -> float:
    """0 when ``query`` is not a subsequence of ``target``; higher for contiguous and early
    matches and for matches at word starts."""
    if not query:
        return 1.0
    t = target.casefold()
    pos, score, prev = 0, 0.0, -2
    for ch in query:
        i = t.find(ch, pos)
        if i == -1:
            return 0.0
        score += 1.0
        if i == prev + 1:
            score += 1.0
        if i == 0 or not t[i - 1].isalnum():
            score += 1.5
        prev, pos = i, i + 1
    return score / (len(query) * 3.5) + (0.5 if query in t else 0.0) + (0.5 if t.startswith(query) else 0.0)


def fuzzy_rank(query: str, candidates: Iterable[tuple[object, str, str, Sequence[str]]]) -> list[object]:
    """Rank codes ``(item, name, key, keywords)`` for a typed query: fuzzy on name and key,
    substring or prefix on keywords.  Items that do not match are left out."""
    q = query.strip().casefold()
    scored = []
    for n, (item, name, key, keywords) in enumerate(candidates):
        if not q:
            scored.append((0.0, n, item))
            continue
        s = max(_subsequence_score(q, name), _subsequence_score(q, key))
        for kw in keywords:
            k = kw.casefold()
            if q in k:
                s = max(s, 0.9 + (0.3 if k.startswith(q) else 0.0))
        if s > 0:
            scored.append((-s, n, item))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [t[2] for t in scored]


def blend(fg_hex: str, bg_hex: str, alpha: float) -> str:
    """``fg`` over ``bg`` at ``alpha`` (0..1), as #rrggbb: a readable tint of a code colour."""
    def rgb(h: str) -> tuple[int, int, int]:
        h = h.lstrip("#")
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        try:
            return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
        except (ValueError, IndexError):
            return 136, 136, 136
    f, b = rgb(fg_hex), rgb(bg_hex)
    mix = [round(f[i] * alpha + b[i] * (1 - alpha)) for i in range(3)]
    return "#" + "".join(f"{v:02x}" for v in mix)
