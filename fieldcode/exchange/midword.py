"""Selections that start or end inside a word of the exporting tool's own text.

A real NVivo 12.6 export has 303 selections of which 3 start in the middle of a word in the
source text NVivo itself wrote: under NVivo's counting (UTF-16 code units, a CRLF as two) the
other 300 line up exactly, and those 3 land mid-word under *every* counting, so "no counting
fits every selection" refused the whole file.  The file itself explains them: the coder's
selection began inside a word.

:func:`explained` accepts the best counting of :func:`fieldcode.exchange.offsets.fit` when all
but a few selections fit and each of the few

* can be placed (inside the text, not splitting a character or a CRLF),
* is judged by word boundaries (its name holds no quote that would contradict the place), and
* starts or ends inside a word of the source text (the evidence, shown with a ``|`` where the
  selection cuts the word).

"A few" is at most one selection in twenty (:data:`MAX_SHARE`).  Anything else, a name's
quote that does not match or more misfits, is not explained by the file and still refuses.
"""

from __future__ import annotations

from fieldcode.exchange.offsets import Fit, Sel, SourceText

MAX_SHARE = 0.05
_SHOW = 30


def _cut_word(text: str, i: int) -> str | None:
    """The word that position ``i`` cuts, with ``|`` at the cut, or None when ``i`` is on a boundary."""
    if i <= 0 or i >= len(text) or not (text[i - 1].isalnum() and text[i].isalnum()):
        return None
    a, b = i, i
    while a > 0 and text[a - 1].isalnum() and i - a < _SHOW:
        a -= 1
    while b < len(text) and text[b].isalnum() and b - i < _SHOW:
        b += 1
    return f"{text[a:i]}|{text[i:b]}"


def explained(texts: list[SourceText], sels: list[Sel], ft: Fit) -> list[str] | None:
    """One line per misfit of ``ft`` (its selection, offsets and mid-word evidence) when the file
    explains every misfit as a selection that starts or ends inside a word; None otherwise."""
    if not ft.misfits or ft.alternatives or len(ft.misfits) > MAX_SHARE * len(sels):
        return None
    lines = []
    for i, _why in ft.misfits:
        span = ft.spans[i]
        if span is None or (ft.quoted and ft.quoted[i]):
            return None
        text = texts[sels[i].source].text
        a, b = span
        ends = [f"starts inside the word \u201c{w}\u201d" for w in [_cut_word(text, a)] if w]
        ends += [f"ends inside the word \u201c{w}\u201d" for w in [_cut_word(text, b)] if w]
        if not ends:
            return None
        quote = " ".join(text[a:b].split())
        quote = quote if len(quote) <= 60 else quote[:59] + "\u2026"
        lines.append(f"{sels[i].label} -> text [{a}, {b}): {' and '.join(ends)}: \u201c{quote}\u201d")
    return lines
