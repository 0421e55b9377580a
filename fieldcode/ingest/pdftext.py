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
_MARGIN = 2.0  # points of tolerance around the visible box
_GAP_FACTOR = 1.6  # a vertical gap this many times the usual line spacing starts a paragraph


@dataclass
class PageLine:
    """One line of text on a page: its text (spaces collapsed) and baseline height."""

    text: str
    y: float
    size: float


@dataclass
class PdfLayout:
    """The text of a PDF laid out as paragraphs, with what was left out."""

    text: str
    blank_pages: int = 0
    outside_lines: int = 0
    running_lines: int = 0
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
    lines: list[list[Any]] = []  # [text parts, y, size, visible]
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
                    current[0].append(piece)  # spacing between words
                elif piece:
                    current = [[], y, height]  # a line holding only spaces: a blank line
                    lines.append(current)
                continue
            if not (left - _MARGIN <= x <= right + _MARGIN and bottom - _MARGIN <= y <= top + _MARGIN):
                outside_ys.add(round(y))
                continue
            if current is not None and abs(y - current[1]) > 0.5 * max(height, current[2]):
                current = None  # the baseline moved: a new line
            if current is not None and not "".join(current[0]).strip():
                current[1], current[2] = y, height  # the first words of a line place it
            if current is None:
                current = [[], y, height]
                lines.append(current)
            current[0].append(piece)

    page.extract_text(visitor_text=visit)
    out = [PageLine(_SPACES.sub(" ", "".join(parts)).strip(), y, size) for parts, y, size in lines]
    return out, len(outside_ys)


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
    running = _running_lines(parsed)
    layout = PdfLayout(text="", pages=len(parsed), running_lines=len(running),
                       outside_lines=sum(p.outside for p in parsed))
    kept = [[line for i, line in enumerate(page.lines) if (n, i) not in running]
            for n, page in enumerate(parsed)]
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
