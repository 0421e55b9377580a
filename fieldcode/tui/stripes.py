"""Coding stripes beside the transcript, as NVivo and MAXQDA draw them: every coding on every
visible line is its own coloured mark in its own lane, so three, four or more overlapping codes
all stay visible whatever the text colours do.

* Lanes are assigned once per interview (greedy interval colouring: a coding takes the lowest
  lane free where it starts), so a coding keeps its lane from its first line to its last.
* My codings draw ``▌`` in the code's colour; another coder's draw the first letter of that
  coder's name in the code's colour (bold), so everyone's codings tell the coders apart.
* The widget follows the transcript's soft-wrapped lines (one mark per screen row) through the
  TextArea's public ``wrapped_document``; it only reads what the screen pushed into it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Offset
from textual.strip import Strip
from textual.widget import Widget

from fieldcode.tui.textmap import Span

MAX_LANES = 8
MINE = "▌"


def assign_lanes(spans: Sequence[Span]) -> dict[int, int]:
    """coding id -> lane (0, 1, ...): the lowest lane whose previous coding ended before this one
    starts, taking codings by start (longer first)."""
    lanes: dict[int, int] = {}
    ends: list[int] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end, s.id)):
        for i, e in enumerate(ends):
            if e <= s.start:
                ends[i] = s.end
                lanes[s.id] = i
                break
        else:
            lanes[s.id] = len(ends)
            ends.append(s.end)
    return lanes


def add_lanes(lanes: dict[int, int], spans: Sequence[Span]) -> dict[int, int]:
    """``lanes`` kept for codings still present; each new coding takes the lowest lane that no
    coding overlapping it uses."""
    out = {s.id: lanes[s.id] for s in spans if s.id in lanes}
    new = [s for s in spans if s.id not in out]
    if not new:
        return out
    placed = [s for s in spans if s.id in out]
    for s in sorted(new, key=lambda s: (s.start, -s.end, s.id)):
        busy = {out[o.id] for o in placed if o.start < s.end and o.end > s.start}
        out[s.id] = next(i for i in range(len(busy) + 1) if i not in busy)
        placed.append(s)
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


class Stripes(Widget):
    """The stripe column; :meth:`show` pushes the spans in, the screen calls ``refresh``."""

    DEFAULT_CSS = """
    Stripes { width: 2; height: 1fr; background: $surface; }
    """

    def __init__(self, transcript, *, id: str | None = None) -> None:  # noqa: A002, ANN001
        super().__init__(id=id)
        self.transcript = transcript
        self._lanes: dict[int, int] = {}
        self._colours: dict[int, str] = {}
        self._me: str | None = None
        self._marks: dict[str, str] = {}
        self._n = 0

    def on_mount(self) -> None:
        self.watch(self.transcript, "scroll_y", lambda _v: self.refresh(), init=False)

    def show(self, spans: Sequence[Span], colours: dict[int, str], me: str | None, coders: Sequence[str],
             *, full: bool = True) -> None:
        """``full=False`` after one coding changed: codings keep their lanes, a new one takes the
        lowest lane free over its span (no re-sort of every coding)."""
        if full or not self._lanes:
            self._lanes = assign_lanes(spans)
        else:
            self._lanes = add_lanes(self._lanes, spans)
        self._colours = dict(colours)
        self._me = me
        self._marks = coder_marks([*coders, *{s.coder for s in spans}], me)
        self._n = min(MAX_LANES, max(self._lanes.values(), default=-1) + 1)
        width = max(1, self._n) + 1
        if self.styles.width is None or self.styles.width.value != width:
            self.styles.width = width
        self.refresh()

    @property
    def lanes(self) -> int:
        return self._n

    def marks_at(self, y: int) -> list[tuple[int, str, str]]:
        """(lane, character, colour) drawn on screen row ``y`` (for the renderer and tests)."""
        tr = self.transcript
        sy = tr.scroll_offset.y + y
        wd = tr.wrapped_document
        # (the widget's virtual height: WrappedDocument.height sums every line on each call)
        if not self._lanes or sy >= tr.virtual_size.height:
            return []
        try:
            row, col = wd.offset_to_location(Offset(0, sy))
        except (IndexError, ValueError):
            return []
        lines = tr.lines
        if row >= len(lines):
            return []
        ls, le = lines.starts[row], lines.line_end(row)
        nxt = [o for o in wd.get_offsets(row) if o > col]
        a = ls + col
        b = ls + nxt[0] if nxt else le + 1
        seen: dict[int, Span] = {}
        for _x, _y, cover in tr.runs(row):
            for s in cover:
                if s.start < b and s.end > a:
                    seen[s.id] = s
        out = []
        over = False
        for s in seen.values():
            lane = self._lanes.get(s.id)
            if lane is None:
                continue
            if lane >= self._n:
                over = True
                continue
            colour = self._colours.get(s.code_id, "#888888")
            ch = MINE if s.coder == self._me else self._marks.get(s.coder, "?")
            out.append((lane, ch, colour))
        if over and self._n:
            out = [m for m in out if m[0] != self._n - 1] + [(self._n - 1, "+", "#d0d0d0")]
        return sorted(out)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        cells = [Segment(" ")] * width
        for lane, ch, colour in self.marks_at(y):
            if lane < width - 1:
                cells[lane] = Segment(ch, Style(color=colour, bold=ch != MINE))
        return Strip(cells, width)
