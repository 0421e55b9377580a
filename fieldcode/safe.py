"""Text is data: show it literally, never as markup or terminal control.

Transcript text, file names, code names, memos and attribute values reach Rich tables and
Textual widgets, which read ``[...]`` as markup (a CHAT/CLAN retracing marker ``[/]`` crashed
``code list``; ``[laughs]`` vanished) and pass escape sequences to the terminal (one transcript
cleared and re-titled it, or wrote to the clipboard with OSC 52).  Every front end passes such
values through :func:`plain` (for text that goes into markup) or :func:`literal` (a
``rich.text.Text`` that is never parsed).

Headless: Rich only, never textual.  Rich's and Textual's markup share the ``[`` escaping rule,
so :func:`plain` serves both.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text

from fieldcode.text import remove_controls

__all__ = ["clean", "literal", "plain"]


def clean(value: object) -> str:
    """``value`` as text with terminal escape sequences and control characters removed
    (tab and newline kept)."""
    return remove_controls("" if value is None else str(value))[0]


def plain(value: object) -> str:
    """``value`` cleaned and markup-escaped, to interpolate into a Rich/Textual markup string."""
    return escape(clean(value))


def literal(value: object, style: str = "") -> Text:
    """``value`` cleaned, as a Rich ``Text`` that is never parsed as markup (for table cells)."""
    return Text(clean(value), style=style)
