"""Text is data: show it literally, never as markup or terminal control.

Transcript text, file names, code names, memos and attribute values reach Rich tables and
Textual widgets, which read ``[...]`` as markup (a CHAT/CLAN retracing marker ``[/]`` crashed
``code list``; ``[laughs]`` vanished) and pass escape sequences to the terminal (one transcript
cleared and re-titled it, or wrote to the clipboard with OSC 52).  Every front end passes such
values through :func:`plain` (for text that goes into markup) or :func:`literal` (a
``rich.text.Text`` that is never parsed).

Headless: Rich only, never textual.  :func:`plain` escapes *every* ``[`` (Rich's own ``escape``
leaves ``[Laughs]``, ``[INAUDIBLE]`` and ``[Pause]`` alone because Rich reads only lower-case
tags, but Textual reads them as styles and drops them), so it serves both.  One difference is left:
a backslash written just before a ``[`` in the text shows doubled in Textual (Rich pairs such
backslashes, Textual does not; no single string reads the same in both).  Nothing is lost or run.
"""

from __future__ import annotations

import re

from rich.text import Text

from fieldcode.text import remove_controls

__all__ = ["clean", "literal", "plain"]


def clean(value: object) -> str:
    """``value`` as text with terminal escape sequences and control characters removed
    (tab and newline kept)."""
    return remove_controls("" if value is None else str(value))[0]


_BRACKET = re.compile(r"(\\*)\[")


def plain(value: object) -> str:
    """``value`` cleaned and markup-escaped, to interpolate into a Rich/Textual markup string:
    every ``[`` is escaped (backslashes before it doubled), and a trailing backslash is doubled
    so that it cannot escape a tag that follows the value."""
    text = _BRACKET.sub(lambda m: m[1] * 2 + "\\[", clean(value))
    tail = len(text) - len(text.rstrip("\\"))
    return text + "\\" if tail % 2 else text


def literal(value: object, style: str = "") -> Text:
    """``value`` cleaned, as a Rich ``Text`` that is never parsed as markup (for table cells).
    A ``Text`` comes back as it is (its styles kept) unless it holds terminal controls."""
    if isinstance(value, Text) and not style:
        text = clean(value.plain)
        return value if text == value.plain else Text(text, style=value.style)
    return Text(clean(value), style=style)
