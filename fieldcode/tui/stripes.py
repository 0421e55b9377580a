"""Coding stripes beside the transcript, as NVivo and MAXQDA draw them: every coding is its own
coloured mark in its own lane on every screen row it covers, so three, four or more overlapping
codes all stay visible whatever the text colours do.

* Lanes are laid out on *screen rows* (the transcript's soft-wrapped lines): a coding occupies
  the rows from the one holding its first character to the one holding its last, and takes the
  lowest lane no coding on any of those rows uses (greedy interval colouring by first row, which
  needs as few lanes as the most codings on one row).  So no two codings ever share a lane on a
  row they both touch, at any width.
* The layout is computed once per change of the codings or of the wrapping (the transcript
  bumps ``wrap_generation`` on every re-wrap), never per repaint; after a coding is added the
  others keep their lanes.
* My codings draw ``▌`` in the code's colour; another coder's draw a letter of that coder's name
  in the code's colour (bold).  More codings on a row than lanes: the last lane shows ``+``.
* The last column marks memos: ``✎`` on the first row of a coding with a memo or of a passage memo.
* :class:`StripeLegend` names the marks' coders (and the memo mark) for what is shown.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right, insort
from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from fieldcode.safe import clean
from fieldcode.tui.textmap import LineMap, Span

MAX_LANES = 8
MINE = "▌"
MEMO = "✎"
MEMO_COLOUR = "#ffd75f"
MORE_COLOUR = "#d0d0d0"

Rows = tuple[int, int]          # first and last screen row (inclusive)


def row_starts(wraps: Sequence[Sequence[int]]) -> list[int]:
    """The screen row each document line starts on, from each line's wrap offsets."""
    out, y = [], 0
    for w in wraps:
        out.append(y)
        y += len(w) + 1
    return out


def screen_rows(lines: LineMap, wraps: Sequence[Sequence[int]], starts: Sequence[int], span: Span) -> Rows:
    """The screen rows holding the first and the last character of ``span``."""
    def y(offset: int) -> int:
        row, col = lines.to_location(offset)
        return starts[row] + bisect_right(wraps[row], col)
    return y(span.start), y(max(span.start, span.end - 1))


def assign_lanes(rows: dict[int, Rows]) -> dict[int, int]:
    """coding id -> lane (0, 1, ...) for codings occupying ``rows`` (id -> first, last row):
    taking codings by first row (longer first), each takes the lowest lane whose last coding
    ended on an earlier row (two heaps: busy lanes by last row, free lanes by number)."""
    lanes: dict[int, int] = {}
    busy: list[tuple[int, int]] = []     # (last row, lane)
    free: list[int] = []
    n = 0
    for a, neg_b, sid in sorted((a, -b, sid) for sid, (a, b) in rows.items()):
        while busy and busy[0][0] < a:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane, n = n, n + 1
        lanes[sid] = lane
        heapq.heappush(busy, (-neg_b, lane))
    return lanes


def add_lanes(lanes: dict[int, int], rows: dict[int, Rows]) -> dict[int, int]:
    """``lanes`` kept for codings still present; each new coding takes the lowest lane that no
    coding sharing a row with it uses."""
    out = {sid: lanes[sid] for sid in rows if sid in lanes}
    new = [sid for sid in rows if sid not in out]
    for sid in sorted(new, key=lambda i: (rows[i][0], -rows[i][1], i)):
        a, b = rows[sid]
        busy = {out[o] for o in out if rows[o][0] <= b and rows[o][1] >= a}
        out[sid] = next(i for i in range(len(busy) + 1) if i not in busy)
    return out


def coder_marks(coders: Sequence[str], me: str | None) -> dict[str, str]:
    """A one-character mark per other coder: the first letter of the name, or the next letter of
    it (then a digit) when two coders share an initial."""
    marks: dict[str, str] = {}
    used: set[str] = set()
    for c in sorted(set(coders) - {me}):
        choice = next((ch for ch in c.lower() if ch.isalnum() and ch not in used), None)
        if choice is None:
            choice = next(str(d) for d in range(10) if str(d) not in used) if len(used) < 36 else "?"
        marks[c] = choice
        used.add(choice)
    return marks


def legend_text(spans: Sequence[Span], me: str | None, marks: dict[str, str], memos: bool, more: bool) -> Text:
    """``▌ ana (you) · b ben · ✎ memo``: the marks drawn for ``spans``, each with its coder."""
    t = Text(no_wrap=True, overflow="ellipsis")
    shown = sorted({s.coder for s in spans}, key=lambda c: (c != me, c))
    bits: list[tuple[str, str]] = []
    for c in shown:
        bits.append((MINE, f"{c} (you)") if c == me else (marks.get(c, "?"), c))
    if more:
        bits.append(("+", "more"))
    if memos:
        bits.append((MEMO, "memo"))
    if not bits:
        t.append("no codings shown (o: whose)", style="dim")
    for i, (ch, name) in enumerate(bits):
        if i:
            t.append(" · ", style="dim")
        t.append(ch, style=Style(bold=True, color=MEMO_COLOUR if ch == MEMO else None))
        t.append(" " + clean(name))
    return t


class StripeLegend(Static):
    """One line naming the stripes' marks: whose codings each mark is, and the memo mark."""

    DEFAULT_CSS = """
    StripeLegend { width: auto; max-width: 60%; height: 1; padding: 0 1; background: $boost; }
    """


class Stripes(Widget):
    """The stripe column; :meth:`show` pushes the codings in (and repaints)."""

    DEFAULT_CSS = """
    Stripes { width: 2; height: 1fr; background: $surface; }
    """

    def __init__(self, transcript, *, id: str | None = None) -> None:  # noqa: A002, ANN001
        super().__init__(id=id)
        self.transcript = transcript
        self._spans: list[Span] = []
        self._memos: list[tuple[int, int, str]] = []
        self._colours: dict[int, str] = {}
        self._me: str | None = None
        self._marks: dict[str, str] = {}
        self._lanes: dict[int, int] = {}
        self._rows: dict[int, Rows] = {}
        self._by_row: dict[int, list[tuple[int, str, str]]] = {}
        self._memo_rows: set[int] = set()
        self._keep = False          # the next layout keeps the lanes (one coding was added)
        self._sig: tuple | None = None
        self._row_cache: dict[tuple[int, int], Rows] = {}   # (start, end) -> rows, for one wrapping
        self._wrap_sig: tuple | None = None
        self._n = 0
        self._more = False
        self.layouts = 0            # how many layouts were computed (tests: once per change)
        self._wrap_key: tuple | None = None
        self._wraps: list = []
        self._starts: list[int] = []
        self._laid: dict[int, tuple] = {}   # what each laid-out coding was laid out as
        self._memo_sig: tuple | None = None
        self._laid_sig: tuple | None = None  # the shape and wrapping the lanes were laid out for
        self._legend_key: tuple | None = None
        self._width_text: int | None = None  # the transcript (its LineMap) the width was fitted to
        self._appended: int | None = None     # show(): how many codings came before the new ones

    def on_mount(self) -> None:
        self.watch(self.transcript, "scroll_y", lambda _v: self.refresh(), init=False)
        # every re-wrap (a resize, F2, a scrollbar coming or going) lays the stripes out again
        self.watch(self.transcript, "wrap_generation", lambda _v: self._rewrapped(), init=False)

    def _rewrapped(self) -> None:
        # after the transcript's own resize handling has re-wrapped it
        self._sig = None
        self.call_later(self._fit_width)
        self.refresh()

    def show(self, spans: Sequence[Span], colours: dict[int, str], me: str | None, coders: Sequence[str],
             *, full: bool = True, memos: Sequence[tuple[int, int, str]] | None = None) -> None:
        """``full=False`` after one coding was added: codings keep their lanes, the new one takes
        the lowest lane free over its rows.  ``memos``: the passage memos shown (start, end,
        author); None keeps the last ones."""
        self._keep = not full and bool(self._lanes)
        previous, self._spans = self._spans, list(spans)
        # the codings laid out before, still the same objects in the same order: only new ones
        # follow (what the screen passes after a code key), so the layout need not check each
        n = len(previous)
        self._appended = (n if len(self._spans) > n and all(a is b for a, b in zip(previous, self._spans))
                          else None)
        if memos is not None:
            self._memos = list(memos)
        self._colours = dict(colours)
        self._me = me
        self._marks = coder_marks([*coders, *{s.coder for s in spans}], me)
        self._sig = None
        self._fit_width()
        self.refresh()

    def show_memos(self, memos: Sequence[tuple[int, int, str]]) -> None:
        """New passage memos (start, end, author) to mark."""
        self._memos = list(memos)
        self._sig = None
        self._fit_width()
        self.refresh()

    # -- layout (once per change, not per repaint) ---------------------------------------------
    def _wrapping(self, sig: tuple) -> tuple[list, list[int]] | None:
        """Each document line's wrap offsets and the screen row it starts on, kept per wrapping."""
        if self._wrap_key == sig:
            return self._wraps, self._starts
        tr = self.transcript
        wd = tr.wrapped_document
        try:
            wraps = [wd.get_offsets(r) for r in range(sig[4])]
        except (IndexError, ValueError):   # not wrapped yet (before the first resize)
            return None
        self._wraps, self._starts, self._wrap_key = wraps, row_starts(wraps), sig
        return wraps, self._starts

    def _layout(self) -> None:
        tr = self.transcript
        # the wrapping (every re-wrap bumps wrap_generation; another text brings another LineMap),
        # then the text's shape
        sig = (getattr(tr, "wrap_generation", 0), tr.wrap_width, id(tr.lines), len(tr.lines),
               min(len(tr.lines), tr.document.line_count))
        if sig == self._sig:
            return
        lines = tr.lines
        n_lines = sig[4]
        got = self._wrapping(sig)
        if got is None:
            return
        wraps, starts = got
        self.layouts += 1
        keep = self._keep and self._wrap_sig == sig[:3] and self._laid_sig == sig
        if sig[:3] != self._wrap_sig:          # a re-wrap: every coding's rows anew
            self._row_cache, self._wrap_sig = {}, sig[:3]
        self._keep = False
        if keep and self._add_only(lines, wraps, starts):
            self._sig = self._laid_sig = sig
            return
        if n_lines >= len(lines):             # the whole text is wrapped: every coding fits
            fits = self._spans
        else:
            fits = [s for s in self._spans if lines.to_location(s.start)[0] < n_lines
                    and lines.to_location(max(s.start, s.end - 1))[0] < n_lines]
        cache = self._row_cache
        rows = {}
        for s in fits:
            got = cache.get((s.start, s.end))
            if got is None:
                got = cache[(s.start, s.end)] = screen_rows(lines, wraps, starts, s)
            rows[s.id] = got
        self._lanes = add_lanes(self._lanes, rows) if keep else assign_lanes(rows)
        self._rows = rows
        self._n = min(MAX_LANES, max(self._lanes.values(), default=-1) + 1)
        by_row: dict[int, list[tuple[int, str, str]]] = {}
        over: set[int] = set()
        for s in fits:
            lane = self._lanes[s.id]
            a, b = rows[s.id]
            if lane >= self._n or lane >= MAX_LANES:
                over.update(range(a, b + 1))
                continue
            mark = (lane, self._mark(s), self._colours.get(s.code_id, "#888888"))
            for y in range(a, b + 1):
                by_row.setdefault(y, []).append(mark)
        for y in over:
            by_row[y] = [m for m in by_row.get(y, []) if m[0] != MAX_LANES - 1] + [(MAX_LANES - 1, "+", MORE_COLOUR)]
        self._by_row = {y: sorted(m) for y, m in by_row.items()}
        memo_rows = {rows[s.id][0] for s in fits if s.memo}
        for a, b, _who in self._memos:
            if 0 <= a < len(lines.text) and lines.to_location(a)[0] < n_lines:
                memo_rows.add(screen_rows(lines, wraps, starts, Span(-1, -1, "", a, max(a + 1, b)))[0])
        self._memo_rows = memo_rows
        self._more = bool(over)
        self._sig = sig
        self._laid_sig = sig
        self._laid = {s.id: (s.start, s.end, s.code_id, s.coder, bool(s.memo)) for s in fits}
        self._memo_sig = self._memo_key()

    def _mark(self, s: Span) -> str:
        return MINE if s.coder == self._me else self._marks.get(s.coder, "?")

    def _add_only(self, lines: LineMap, wraps: list, starts: list[int]) -> bool:
        """After codings were only added (same wrapping, every earlier coding unchanged and no
        row past the lanes): lay out just the new ones, each in the lowest lane no coding on its
        rows uses, as :func:`add_lanes` would.  False when that does not apply (then the caller
        lays everything out)."""
        if self._more or self._memo_sig != self._memo_key():
            return False
        old = self._rows
        if self._appended is not None and self._appended == len(old):
            new = self._spans[self._appended:]      # the same objects were laid out already
            if any(s.id in old for s in new) or len(lines) != len(wraps):
                return False
        else:
            new = [s for s in self._spans if s.id not in old]
            if len(self._spans) - len(new) != len(old) or not new or len(lines) != len(wraps):
                return False
            if any(self._laid.get(s.id) != (s.start, s.end, s.code_id, s.coder, bool(s.memo))
                   for s in self._spans if s.id in old):
                return False
        added: dict[int, tuple[Rows, int]] = {}
        for s in sorted(new, key=lambda x: (x.start, -x.end, x.id)):
            a, b = self._row_cache.get((s.start, s.end)) or screen_rows(lines, wraps, starts, s)
            busy = {m[0] for y in range(a, b + 1) for m in self._by_row.get(y, ())}
            busy.update(lane for r, lane in added.values() if r[0] <= b and r[1] >= a)
            lane = next(i for i in range(len(busy) + 1) if i not in busy)
            if lane >= MAX_LANES:
                return False
            added[s.id] = ((a, b), lane)
        for s in new:
            (a, b), lane = added[s.id]
            self._row_cache[(s.start, s.end)] = (a, b)
            self._rows[s.id] = (a, b)
            self._lanes[s.id] = lane
            mark = (lane, self._mark(s), self._colours.get(s.code_id, "#888888"))
            for y in range(a, b + 1):
                insort(self._by_row.setdefault(y, []), mark)
            if s.memo:
                self._memo_rows.add(a)
            self._laid[s.id] = (s.start, s.end, s.code_id, s.coder, bool(s.memo))
            self._n = max(self._n, lane + 1)
        return True

    def _memo_key(self) -> tuple:
        return (tuple(self._memos), self._me, tuple(sorted(self._marks.items())), tuple(sorted(self._colours.items())))

    def reserve(self, spans: Sequence[Span], wrap_width: int) -> None:
        """Before a transcript is first wrapped: widen the column to the lanes ``spans`` will
        need when the text wraps at about ``wrap_width``, so that the text is wrapped once, at
        its final width (a column that widens after the wrap re-wraps the whole text: 50 ms on
        50,000 words).  The estimate breaks lines every ``wrap_width`` characters, a little
        narrower than the width to allow for word wrapping; a column that proves too narrow
        still widens after the wrap, one too wide keeps its blank lane (the column only grows
        within a transcript)."""
        tr = self.transcript
        lines = tr.lines
        if wrap_width < 8 or not spans:
            return
        n = 1
        for _ in range(2):            # the column's own width narrows the text: once more with it
            step = max(4, int((wrap_width - (n - 1)) * 0.9))
            wraps = []
            for r in range(len(lines)):
                length = lines.line_end(r) - lines.starts[r]
                wraps.append(list(range(step, length, step)))
            starts = row_starts(wraps)
            lanes = assign_lanes({s.id: screen_rows(lines, wraps, starts, s) for s in spans})
            n = max(n, min(MAX_LANES, max(lanes.values(), default=-1) + 1))
        width = n + 1
        self._width_text = id(lines)
        if self.styles.width is None or self.styles.width.value < width:
            self.styles.width = width

    def _fit_width(self) -> None:
        self._layout()
        width = max(1, self._n) + 1
        # Within one transcript the column only grows: a narrower column re-wraps the whole
        # text (over a second for 200,000 words), so o back to fewer lanes keeps the width.
        text = id(self.transcript.lines)
        if text == self._width_text and self.styles.width is not None:
            width = max(width, int(self.styles.width.value))
        self._width_text = text
        if self.styles.width is None or self.styles.width.value != width:
            self.styles.width = width
        self._update_legend()

    def _update_legend(self) -> None:
        if not self.is_mounted:
            return
        # unchanged after most codings: updating it anyway costs a layout of the whole screen
        key = (frozenset(s.coder for s in self._spans), self._me, tuple(sorted(self._marks.items())),
               bool(self._memo_rows), self._more)
        legends = list(self.screen.query(StripeLegend))
        if key == self._legend_key and all(getattr(lg, "_shown_key", None) == key for lg in legends):
            return
        self._legend_key = key
        for legend in legends:
            legend.update(legend_text(self._spans, self._me, self._marks, bool(self._memo_rows), self._more))
            legend._shown_key = key

    # -- reading -------------------------------------------------------------------------------
    @property
    def lanes(self) -> int:
        return self._n

    def lane_of(self, coding_id: int) -> int | None:
        """The lane of a coding (tests, and anything that points at one)."""
        self._layout()
        return self._lanes.get(coding_id)

    def rows_of(self, coding_id: int) -> Rows | None:
        """The first and last screen row (of the whole wrapped transcript) a coding covers."""
        self._layout()
        return self._rows.get(coding_id)

    def marks_at(self, y: int) -> list[tuple[int, str, str]]:
        """(lane, character, colour) drawn on screen row ``y`` (for the renderer and tests)."""
        self._layout()
        return list(self._by_row.get(self.transcript.scroll_offset.y + y, ()))

    def memo_at(self, y: int) -> bool:
        """Whether screen row ``y`` carries the memo mark."""
        self._layout()
        return self.transcript.scroll_offset.y + y in self._memo_rows

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        cells = [Segment(" ")] * width
        for lane, ch, colour in self.marks_at(y):
            if lane < width - 1:
                cells[lane] = Segment(ch, Style(color=colour, bold=ch != MINE))
        if width and self.memo_at(y):
            cells[width - 1] = Segment(MEMO, Style(color=MEMO_COLOUR, bold=True))
        return Strip(cells, width)
