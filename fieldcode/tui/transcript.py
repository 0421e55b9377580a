"""The transcript: a read-only TextArea that paints speaker turns and coded spans.

Painting is precomputed (:func:`fieldcode.tui.textmap.paint_lines`) into per-line runs, so
``get_line`` only looks up a dict and stylizes a few ranges; after codings change the screen
calls :meth:`Transcript.set_spans` (everything) or :meth:`Transcript.repaint_rows` (the lines
one coding touched), then the line cache is cleared and the visible lines repaint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.reactive import var
from textual.widgets import TextArea
from textual.widgets.text_area import Selection, WrappedDocument

from fieldcode.study.palette import BACKGROUND, contrast
from fieldcode.tui.textmap import LineMap, Run, Span, blend, paint_lines

BASE_BG = BACKGROUND
TINT = 0.4
SPEAKER_COLOURS = ["#87afff", "#ffd787", "#87d7af", "#d7afff", "#ff8787", "#afd7ff"]


def text_on(bg: str) -> str:
    """Black or white, whichever reads better on ``bg``."""
    return "#000000" if contrast(bg, "#000000") >= contrast(bg, "#ffffff") else "#ffffff"


def run_style(cover: tuple[Span, ...], colours: dict[int, str], me: str | None) -> Style:
    """How a run covered by ``cover`` codings looks.  The stripes beside the transcript show
    every coding; the text itself only has to stay readable and say "coded, and how much":

    * my codings tint the background with the first (outermost) code's colour, letters black or
      white, whichever contrasts more (at least 4.5:1 for the default palette, checked by a test);
      two or more codes over the same text add underline and bold;
    * another coder's codings (when everyone's are shown) never tint: over my tint they only
      underline; alone, the letters take their code's colour (readable on the background),
      underlined and italic, bold when two or more codes overlap."""
    mine = [s for s in cover if s.coder == me]
    others = [s for s in cover if s.coder != me]
    n_codes = len({s.code_id for s in cover})
    if mine:
        bg = blend(colours.get(mine[0].code_id, "#888888"), BASE_BG, TINT)
        return Style(bgcolor=bg, color=text_on(bg), underline=n_codes >= 2 or bool(others), bold=n_codes >= 2)
    return Style(color=colours.get(others[0].code_id, "#888888"), underline=True, italic=True, bold=n_codes >= 2)


# The transcript's own keys, each with an id so it can be remapped; TextArea's editing keys
# (inert in a read-only widget) are not inherited.
MOVE_KEYS: list[tuple[str, str, str, str]] = [
    ("cursor_up", "up", "cursor_up", "Cursor up"),
    ("cursor_down", "down", "cursor_down", "Cursor down"),
    ("cursor_left", "left", "cursor_left", "Cursor left"),
    ("cursor_right", "right", "cursor_right", "Cursor right"),
    ("cursor_word_left", "ctrl+left", "cursor_word_left", "Word left"),
    ("cursor_word_right", "ctrl+right", "cursor_word_right", "Word right"),
    ("cursor_line_start", "home,ctrl+a", "cursor_line_start", "Line start"),
    ("cursor_line_end", "end,ctrl+e", "cursor_line_end", "Line end"),
    ("cursor_page_up", "pageup", "cursor_page_up", "Page up"),
    ("cursor_page_down", "pagedown", "cursor_page_down", "Page down"),
    ("select_left", "shift+left", "cursor_left(True)", "Select a character left"),
    ("select_right", "shift+right", "cursor_right(True)", "Select a character right"),
    ("select_up", "shift+up", "cursor_up(True)", "Select a line up"),
    ("select_down", "shift+down", "cursor_down(True)", "Select a line down"),
    ("select_word_left", "ctrl+shift+left", "cursor_word_left(True)", "Select a word left"),
    ("select_word_right", "ctrl+shift+right", "cursor_word_right(True)", "Select a word right"),
    ("select_line_start", "shift+home", "cursor_line_start(True)", "Select to line start"),
    ("select_line_end", "shift+end", "cursor_line_end(True)", "Select to line end"),
    ("select_line", "f6", "select_line", "Select line"),
    ("copy_text", "ctrl+c,super+c", "copy", "Copy the selection"),
]


class CountedWraps(WrappedDocument):
    """TextArea's wrapped document, with two things kept between re-wraps.

    * Its height.  TextArea asks for it on every painted line, and WrappedDocument sums it over
      every document line each time: on a 50,000-word transcript that sum was most of a
      repaint after a coding.
    * The wrapping itself.  TextArea wraps the whole document again whenever something *might*
      have changed it (a new document, the scrollbar shown, a resize), often at the width it
      has just wrapped at: on opening a 50,000-word transcript, two of the three full wraps
      (50 ms each) and two of the width-0 ones repeated the one before.  A wrap at the width,
      tab width and document of the last one is skipped.

    The offsets change only in ``wrap`` and ``wrap_range`` (an edit), which forget both and
    call ``on_wrap`` (the transcript's: anything laid out from the offsets, such as the stripes,
    lays itself out again, also after a re-wrap no resize announced, such as the scrollbar
    appearing)."""

    _height: int | None = None
    _wrapped_as: tuple | None = None
    on_wrap = None

    def adopt(self) -> None:
        """Called once this object became a CountedWraps: WrappedDocument's ``__init__`` has
        just wrapped it at its width."""
        self._wrapped_as = (self._width, self._tab_width, id(self.document))

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        as_now = (width, tab_width or self._tab_width, id(self.document))
        if as_now == self._wrapped_as:
            return
        self._height = None
        super().wrap(width, tab_width)
        self._wrapped_as = as_now
        if self.on_wrap is not None:
            self.on_wrap()

    def wrap_range(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        self._height = None
        self._wrapped_as = None
        got = super().wrap_range(*args, **kwargs)
        if self.on_wrap is not None:
            self.on_wrap()
        return got

    @property
    def height(self) -> int:
        if self._height is None:
            self._height = WrappedDocument.height.fget(self)
        return self._height


class Transcript(TextArea, inherit_bindings=False):
    """Read-only transcript with coded spans painted in their code's colour."""

    DEFAULT_CSS = """
    Transcript { border: none; padding: 0 1 0 0; background: #1a1a1a; }
    Transcript:focus { border: none; }
    /* The selection must never look like a coded span (code tints are mid-dark colours). */
    Transcript > .text-area--selection { background: #e4e4e4; color: #000000; }
    /* The cursor cell is not selected (a selection ends before it): drawn apart from the
       selection, amber and underlined, so "my hous|e" never reads as "my house" selected. */
    Transcript > .text-area--cursor { background: #d78700; color: #000000; text-style: bold underline; }
    """

    BINDINGS = [
        Binding(keys, action, desc, show=False, id=bid) for bid, keys, action, desc in MOVE_KEYS
    ] + [
        # Delete removes the coding under the cursor, like x.
        Binding("delete", "screen.remove_coding", "Remove coding", show=False, id="remove_coding_delete"),
    ]

    # Bumped on every re-wrap (a resize, the scrollbar coming or going, F2, new text): the stripes
    # beside the text lay themselves out again from the new wrapping, with no scroll needed.
    wrap_generation: var[int] = var(0)

    class Painted(Message):
        """Posted after the spans were (re)painted: ``full`` for every line, else the lines of
        one changed coding."""

        def __init__(self, full: bool = True) -> None:
            super().__init__()
            self.full = full

    def __init__(self, *, id: str | None = None, text: str = "",  # noqa: A002
                 turns: Sequence[tuple[int, int, int, str, bool]] = ()) -> None:
        super().__init__(text, read_only=True, soft_wrap=True, highlight_cursor_line=False,
                         show_line_numbers=False, tab_behavior="focus", id=id)
        self._runs: dict[int, list[Run]] = {}
        self._styles: dict[tuple, Style] = {}
        self._turn_rows: dict[int, tuple[int, int, Style]] = {}
        self._dim_rows: set[int] = set()
        self._spans: list[Span] = []
        self._colours: dict[int, str] = {}
        self.me: str | None = None
        self._index(text, turns)

    # TextArea assigns a new WrappedDocument whenever a text is loaded: each one keeps its height.
    @property
    def wrapped_document(self) -> WrappedDocument:
        return self._wrapped

    @wrapped_document.setter
    def wrapped_document(self, wrapped: WrappedDocument) -> None:
        if type(wrapped) is WrappedDocument:
            wrapped.__class__ = CountedWraps
            wrapped.adopt()
        if isinstance(wrapped, CountedWraps):
            wrapped.on_wrap = self._rewrapped
        self._wrapped = wrapped

    def _rewrapped(self) -> None:
        self.wrap_generation += 1

    # -- data pushed down by the screen ---------------------------------------------------------
    def show_text(self, text: str, turns: Sequence[tuple[int, int, int, str, bool]]) -> None:
        """Load a transcript. ``turns``: (start, end, content_start, speaker, is_interviewer)."""
        self._index(text, turns)
        self._runs = {}
        self._spans = []
        self.load_text(text)
        self.move_cursor((0, 0))

    def _index(self, text: str, turns: Sequence[tuple[int, int, int, str, bool]]) -> None:
        self.lines = LineMap(text)
        self._turn_rows.clear()
        self._dim_rows.clear()
        speakers: dict[str, Style] = {}
        for start, end, content_start, speaker, interviewer in turns:
            if speaker not in speakers:
                colour = "#8a8a8a" if interviewer else SPEAKER_COLOURS[len(speakers) % len(SPEAKER_COLOURS)]
                speakers[speaker] = Style(bold=True, color=colour)
            row, col = self.lines.to_location(start)
            self._turn_rows[row] = (col, col + (content_start - start), speakers[speaker])
            if interviewer:
                self._dim_rows.update(self.lines.rows_of(start, end))

    def set_spans(self, spans: Iterable[Span], colours: dict[int, str], me: str | None) -> None:
        self._spans = list(spans)
        self._colours = dict(colours)
        self.me = me
        self._styles.clear()
        self._runs = paint_lines(self.lines, self._spans)
        self._repaint()

    def repaint_rows(self, spans: Iterable[Span], rows: Iterable[int]) -> None:
        """Repaint only ``rows`` after a change that touched just them."""
        self._spans = list(spans)
        rows = sorted(rows)
        if not rows:
            return
        lo, hi = self.lines.starts[rows[0]], self.lines.line_end(rows[-1]) + 1
        fresh = paint_lines(self.lines, [s for s in self._spans if s.start < hi and s.end > lo], rows)
        for r in rows:
            if r in fresh:
                self._runs[r] = fresh[r]
            else:
                self._runs.pop(r, None)
        if not self._repaint_only(rows):
            self._repaint()
        else:
            self.post_message(self.Painted(full=False))

    def _repaint_only(self, rows: list[int]) -> bool:
        """Re-render just the screen lines of ``rows`` (a change to one coding), instead of
        dropping every cached line with ``notify_style_update()``: a coding applied to a
        sentence then costs about what a cursor move costs.  TextArea has no public way to
        forget some cached lines, so this evicts them from its line cache by their screen row;
        if that cache ever changes shape we fall back to the public full repaint."""
        cache = getattr(self, "_line_cache", None)
        if cache is None or not hasattr(cache, "keys") or not hasattr(cache, "discard"):
            return False
        wrapped = self.wrapped_document
        ys: set[int] = set()
        for r in rows:
            if not (0 <= r < self.document.line_count):
                continue
            y0 = wrapped.location_to_offset((r, 0)).y
            ys.update(range(y0, y0 + len(wrapped.get_offsets(r)) + 1))
        try:
            stale = [k for k in list(cache.keys()) if isinstance(k, tuple) and len(k) > 2 and k[2] in ys]
        except Exception:  # noqa: BLE001
            return False
        for k in stale:
            cache.discard(k)
        _, scroll_y = self.scroll_offset
        width = self.size.width
        visible = [y - scroll_y for y in ys if 0 <= y - scroll_y < self.size.height]
        if visible:
            lo, hi = min(visible), max(visible)
            self.refresh(Region(0, lo, width, hi - lo + 1))
        return True

    def _repaint(self) -> None:
        self.notify_style_update()
        self.refresh()
        self.post_message(self.Painted())

    # -- painting ---------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        """TextArea's line, re-rendered only when something that line shows changed.

        With soft wrap, TextArea keys each cached line on the whole selection, so any cursor
        move or selection change re-renders every visible line (about 0.3 ms each on a
        transcript): that was most of a code key's repaint.  Here the selection enters a line's
        key only as far as it touches that line's document row (where it starts and ends on the
        row, and the cursor with its drawn state on the cursor's row); everything else in
        TextArea's own key is kept, at the same places (``repaint_rows`` evicts by the third
        item, the line's absolute y).  If TextArea's internals ever change shape this falls
        back to TextArea's own caching; a test renders every line both ways and compares."""
        try:
            cache = self._line_cache
            info_of = self.wrapped_document._offset_to_line_info
            draw_cursor = self._draw_cursor
            bracket = self._matching_bracket_location
        except AttributeError:
            return super().render_line(y)
        if self.placeholder and not self.text:   # (self.text joins the whole document: asked last)
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        absolute_y = scroll_y + y
        try:
            row = info_of[absolute_y][0]
        except (IndexError, TypeError):
            row = None
        selection = self.selection
        start, end = selection
        (top_row, top_col), (bottom_row, bottom_col) = sorted(selection)
        on_row = row is not None and start != end and top_row <= row <= bottom_row
        selected = ((top_col if row == top_row else None), (bottom_col if row == bottom_row else None)) if on_row else None
        cursor = (end, draw_cursor) if row == end[0] else None
        cache_key = (self.size, scroll_x, absolute_y, ("row", row, selected), cursor, self.theme, bracket,
                     self.match_cursor_bracket, self.soft_wrap, self.show_line_numbers, self.read_only,
                     self.show_cursor, self.suggestion)
        line = cache.get(cache_key)
        if line is None:
            line = self._render_line(y)
            cache[cache_key] = line
        return line

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        if line_index in self._dim_rows:
            line.stylize(Style(dim=True))
        label = self._turn_rows.get(line_index)
        if label:
            line.stylize(label[2], label[0], label[1])
        for a, b, cover in self._runs.get(line_index, ()):
            key = (tuple((s.code_id, s.coder == self.me) for s in cover))
            style = self._styles.get(key)
            if style is None:
                style = self._styles[key] = run_style(cover, self._colours, self.me)
            line.stylize(style, a, b)
        return line

    def runs(self, row: int) -> list[Run]:
        """The painted runs of one line (for the side list and for tests)."""
        return list(self._runs.get(row, ()))

    # -- offsets ----------------------------------------------------------------------------
    @property
    def cursor_offset(self) -> int:
        return self.lines.to_offset(self.cursor_location)

    @property
    def selection_offsets(self) -> tuple[int, int]:
        a = self.lines.to_offset(self.selection.start)
        b = self.lines.to_offset(self.selection.end)
        return (a, b) if a <= b else (b, a)

    def select_offsets(self, start: int, end: int, *, cursor_at_start: bool = False) -> None:
        a, b = self.lines.to_location(start), self.lines.to_location(end)
        self.selection = Selection(b, a) if cursor_at_start else Selection(a, b)
        self.scroll_cursor_visible(center=True)

    def move_to_offset(self, offset: int) -> None:
        self.selection = Selection.cursor(self.lines.to_location(offset))
        self.scroll_cursor_visible(center=True)
