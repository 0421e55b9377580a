"""Lay out a PDF's text layer as a person reads it.

pypdf's text extraction (its ``visitor_text`` hook) gives every piece of text with the text and
transformation matrices in force where it is drawn.  From those positions this module:

* drops text drawn outside the page's visible area (the crop box, which defaults to the media
  box): word processors' hidden line numbers and similar out-of-page text;
* rebuilds lines from positions (a new line wherever the baseline moves), so a page header such
  as ``1/8`` is never glued to the first line below it;
* collapses tabs and runs of spaces between words to one space;
* drops running headers and footers: the top-most or bottom-most line of a page when the same
  line (digits aside, so page numbers count as the same) is at the top or bottom of most pages
  (a speaker label such as 'Dan:' never counts);
* drops a numbered gutter inside the page: line numbers drawn in a column of their own, left
  or right of the text (three or more in the document), wherever pypdf places them in its
  reading order;
* drops page numbers of the form ``n/N`` or ``Page n of N`` wherever they sit on the page, when
  the same ``N`` is on two or more pages;
* drops a line repeated across a page break (a line clipped at the foot of one page and drawn
  again at the top of the next);
* joins a word hyphenated across a line end ('labour-' / 'saving' -> 'labour-saving');
* joins pages: a page that ends inside a paragraph continues on the next page as the same
  paragraph (a line break, not a blank line), so a sentence across a page break stays whole.

Paragraphs are separated by a blank line, lines within a paragraph by a newline.  Blank lines in
the PDF and a vertical gap clearly larger than the page's usual line spacing both mark a new
paragraph.  Nothing here knows about the database or a terminal; errors are the caller's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PdfLayout", "PageLine", "layout_pages", "page_lines"]

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_DIGITS = re.compile(r"\d+")
_HYPHEN_END = re.compile(r"[^\W\d_]-$")
_NUMBER_ONLY = re.compile(r"\s*\d{1,5}\s*")
_PAGE_OF = re.compile(r"\s*(?:page\s+)?(\d{1,5})\s*(?:/|of)\s*(\d{1,5})\s*", re.I)
_MARGIN = 2.0  # points of tolerance around the visible box
_COLUMN = 2.0  # points a gutter number must stand clear of the text column
_GAP_FACTOR = 1.6  # a vertical gap this many times the usual line spacing starts a paragraph


@dataclass
class PageLine:
    """One line of text on a page: its text (spaces collapsed) and baseline height, and the
    pieces it was drawn in (``(x, text)``, left edge in points) when known."""

    text: str
    y: float
    size: float
    pieces: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class PdfLayout:
    """The text of a PDF laid out as paragraphs, with what was left out."""

    text: str
    blank_pages: int = 0
    outside_lines: int = 0
    running_lines: int = 0
    gutter_numbers: int = 0
    repeated_lines: int = 0
    pages: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class _Page:
    lines: list[PageLine]
    outside: int


def _apply(tm: list[float], cm: list[float]) -> tuple[float, float, float]:
    """Where the text-space origin of ``tm`` lands on the page, and the vertical scale."""
    x, y = tm[4], tm[5]
    px = cm[0] * x + cm[2] * y + cm[4]
    py = cm[1] * x + cm[3] * y + cm[5]
    scale = abs(tm[3] * cm[3] + tm[1] * cm[2]) or abs(tm[0] * cm[0]) or 1.0
    return px, py, scale


def _visible_box(page: Any) -> tuple[float, float, float, float]:
    """The page area a viewer shows: the crop box clipped to the media box."""
    media = page.mediabox
    crop = page.cropbox
    left = max(float(media.left), float(crop.left))
    bottom = max(float(media.bottom), float(crop.bottom))
    right = min(float(media.right), float(crop.right))
    top = min(float(media.top), float(crop.top))
    return min(left, right), min(bottom, top), max(left, right), max(bottom, top)


def page_lines(page: Any) -> tuple[list[PageLine], int]:
    """The visible lines of one pypdf page, top to bottom as drawn, and how many lines of text
    were drawn outside the visible area (and left out)."""
    left, bottom, right, top = _visible_box(page)
    lines: list[list[Any]] = []  # [(x, text) parts, y, size]
    current: list[Any] | None = None
    outside_ys: set[int] = set()

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        nonlocal current
        if not text:
            return
        x, y, scale = _apply(tm, cm)
        height = (size or 1.0) * scale
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            if i > 0:
                current = None  # pypdf's own line break
            if not piece.strip():
                if current is not None:
                    current[0].append((x, piece))  # spacing between words
                elif piece:
                    current = [[], y, height]  # a line holding only spaces: a blank line
                    lines.append(current)
                continue
            if not (left - _MARGIN <= x <= right + _MARGIN and bottom - _MARGIN <= y <= top + _MARGIN):
                outside_ys.add(round(y))
                continue
            if current is not None and abs(y - current[1]) > 0.5 * max(height, current[2]):
                current = None  # the baseline moved: a new line
            if current is not None and not "".join(part for _x, part in current[0]).strip():
                current[1], current[2] = y, height  # the first words of a line place it
            if current is None:
                current = [[], y, height]
                lines.append(current)
            current[0].append((x, piece))

    page.extract_text(visitor_text=visit)
    out = [PageLine(_line_text(parts), y, size, parts) for parts, y, size in lines]
    return out, len(outside_ys)


def _line_text(parts: list[tuple[float, str]]) -> str:
    return _SPACES.sub(" ", "".join(part for _x, part in parts)).strip()


def _gutter_pieces(pages: list[_Page]) -> dict[tuple[int, int], set[int]]:
    """(page, line) -> indexes of the pieces that are gutter line numbers: pieces holding only a
    number, drawn clear of the page's text column (left of where its text lines start, or right
    of every other piece), on a side of the page where some page has three or more of them at
    different heights (a column, not a lone page number).  Numbers inside the text column
    ('1998' starting a line) are never taken."""
    candidates: dict[str, list[tuple[int, int, int, float]]] = {"left": [], "right": []}
    for n, page in enumerate(pages):
        starts, rights = [], []
        for line in page.lines:
            words = [x for x, part in line.pieces if part.strip() and not _NUMBER_ONLY.fullmatch(part)]
            if words:
                starts.append(words[0])
                rights.append(max(words))
        if not starts:
            continue
        left_edge, right_edge = sorted(starts)[len(starts) // 2], max(rights)
        for i, line in enumerate(page.lines):
            for k, (x, part) in enumerate(line.pieces):
                if _NUMBER_ONLY.fullmatch(part):
                    if x < left_edge - _COLUMN:
                        candidates["left"].append((n, i, k, line.y))
                    elif x > right_edge + _COLUMN:
                        candidates["right"].append((n, i, k, line.y))
    found: dict[tuple[int, int], set[int]] = {}
    for hits in candidates.values():
        heights = Counter(n for n, _y in {(n, round(y)) for n, _i, _k, y in hits})
        if heights and max(heights.values()) >= 3:
            for n, i, k, _y in hits:
                found.setdefault((n, i), set()).add(k)
    return found


def _without_gutter(pages: list[_Page], gutter: dict[tuple[int, int], set[int]]) -> None:
    """Take the gutter numbers out of their lines; a line that held only a number goes (it is
    no blank line: a blank line would break a paragraph)."""
    for n, page in enumerate(pages):
        kept = []
        for i, line in enumerate(page.lines):
            drop = gutter.get((n, i))
            if drop:
                pieces = [p for k, p in enumerate(line.pieces) if k not in drop]
                text = _line_text(pieces)
                if not text:
                    continue
                line = PageLine(text, line.y, line.size, pieces)
            kept.append(line)
        page.lines = kept


def _page_of_lines(pages: list[_Page]) -> set[tuple[int, int]]:
    """(page, line) of 'n/N' and 'Page n of N' lines, wherever they sit, when the same N is on
    two or more pages (one such line on one page may be content: '3/4 of them')."""
    where: dict[str, list[tuple[int, int]]] = {}
    for n, page in enumerate(pages):
        for i, line in enumerate(page.lines):
            m = _PAGE_OF.fullmatch(line.text)
            if m and 0 < int(m.group(1)) <= int(m.group(2)):
                where.setdefault(m.group(2), []).append((n, i))
    return {hit for hits in where.values() if len({n for n, _ in hits}) >= 2 for hit in hits}


def _repeated_at_page_top(kept: list[list[PageLine]]) -> set[tuple[int, int]]:
    """(page, line) of a page's first line when it repeats the previous page's last line word
    for word (a line clipped at a page's foot and drawn again at the next page's top).  Short
    lines (fewer than three words) and speaker labels are never taken for repeats."""
    found = set()
    for n in range(1, len(kept)):
        before = [line for line in kept[n - 1] if line.text]
        after = [(i, line) for i, line in enumerate(kept[n]) if line.text]
        if before and after:
            last, (i, first) = before[-1], after[0]
            if (first.text == last.text and len(first.text.split()) >= 3
                    and not first.text.rstrip().endswith(":")):
                found.add((n, i))
    return found


def _signature(text: str) -> str:
    """A line with its numbers blanked, so 'Page 3 of 8' and 'Page 4 of 8' match."""
    return _DIGITS.sub("#", text.casefold())


def _edges(page: _Page) -> tuple[int | None, int | None]:
    """Indexes of the top-most and bottom-most non-blank lines of a page."""
    filled = [i for i, line in enumerate(page.lines) if line.text]
    if not filled:
        return None, None
    top = max(filled, key=lambda i: (page.lines[i].y, -i))
    low = min(filled, key=lambda i: (page.lines[i].y, -i))
    return top, low


def _running_lines(pages: list[_Page]) -> set[tuple[int, int]]:
    """(page, line) of running headers/footers: the top or bottom line of a page whose
    signature is at the same edge of at least half of the pages with text (two or more) when it
    holds a number (page numbers, 'Page 3 of 8'), of at least two thirds (three or more) when
    not (a repeated title).  A line ending in ':' (a speaker label) never is one."""
    with_text = [(n, p) for n, p in enumerate(pages) if any(line.text for line in p.lines)]
    if len(with_text) < 2:
        return set()
    found: set[tuple[int, int]] = set()
    for edge in (0, 1):
        where: dict[str, list[tuple[int, int]]] = {}
        for n, page in with_text:
            top, low = _edges(page)
            idx = (top, low)[edge]
            if idx is not None and top != low:  # a page's only line is its content
                where.setdefault(_signature(page.lines[idx].text), []).append((n, idx))
        counts = Counter({sig: len(v) for sig, v in where.items()})
        for sig, count in counts.items():
            if sig.rstrip().endswith(":"):
                continue  # a speaker label alone on its line ("Dan:") is never a running header
            numbered = "#" in sig  # page numbers: half the pages suffice
            if count >= (2 if numbered else 3) and count * (2 if numbered else 1.5) >= len(with_text):
                found.update(where[sig])
    return found


def _usual_spacing(pages: list[list[PageLine]]) -> float | None:
    """The median vertical distance between consecutive lines of text (None if too few)."""
    gaps = sorted(
        a.y - b.y for lines in pages for a, b in zip(lines, lines[1:]) if a.text and b.text and 0 < a.y - b.y
    )
    if len(gaps) < 3:
        return None
    return gaps[len(gaps) // 2]


def _page_blocks(lines: list[PageLine], spacing: float | None) -> list[str]:
    """A page's lines as text: '' stands for a paragraph break."""
    out: list[str] = []
    prev: PageLine | None = None
    for line in lines:
        if not line.text:
            out.append("")
            prev = None
            continue
        if prev is not None and spacing and prev.y - line.y > _GAP_FACTOR * spacing:
            out.append("")
        out.append(line.text)
        prev = line
    return out


def layout_pages(pages: Iterable[tuple[list[PageLine], int]]) -> PdfLayout:
    """Join the pages' visible lines into paragraphs, without running headers and footers."""
    parsed = [_Page(lines, outside) for lines, outside in pages]
    gutter = _gutter_pieces(parsed)
    _without_gutter(parsed, gutter)
    running = _running_lines(parsed) | _page_of_lines(parsed)
    layout = PdfLayout(text="", pages=len(parsed), running_lines=len(running),
                       outside_lines=sum(p.outside for p in parsed),
                       gutter_numbers=sum(len(v) for v in gutter.values()))
    kept = [[line for i, line in enumerate(page.lines) if (n, i) not in running]
            for n, page in enumerate(parsed)]
    repeated = _repeated_at_page_top(kept)
    layout.repeated_lines = len(repeated)
    kept = [[line for i, line in enumerate(lines) if (n, i) not in repeated] for n, lines in enumerate(kept)]
    spacing = _usual_spacing(kept)
    body: list[str] = []
    for page, lines in zip(parsed, kept):
        if not any(line.text for line in page.lines):
            layout.blank_pages += 1
            continue
        body.extend(_page_blocks(lines, spacing))
    layout.text = _paragraphs(body)
    return layout


def _paragraphs(lines: list[str]) -> str:
    """Lines with '' as paragraph breaks -> paragraphs joined by one blank line.  A line ending
    in a hyphen after a letter, followed by one starting in lower case, is one word broken by
    the line wrap ('labour-' / 'saving'): the lines are joined there, hyphen kept."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line and paragraphs[-1] and _HYPHEN_END.search(paragraphs[-1][-1]) and line[0].islower():
            paragraphs[-1][-1] += line  # 'door-to-' + 'door': the hyphen joins the word
        elif line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join("\n".join(p) for p in paragraphs if p)
