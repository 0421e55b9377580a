"""Find the passage a person copied: ``--quote`` and ``code import`` by quote.

A quote copied from a PDF viewer, an e-mail or a word processor rarely matches the stored text
byte for byte.  Both are compared in a *folded* form: every run of whitespace (spaces, tabs,
line breaks, no-break spaces) is one space, curly and straight quotes and apostrophes are the
same, every dash or hyphen style is ``-``, and ``…`` is ``...``.  Letters, digits, case and
punctuation otherwise count.  A match is mapped back to the exact ``[start, end)`` of the
stored text, so the coding covers what is stored, not what was typed.

When nothing matches, :func:`closest` names the passages sharing most of the quote's words.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

__all__ = ["Passage", "QuoteMatches", "closest", "describe", "find_quote", "fold", "locate"]

_FOLD = {
    **{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u00b4`"},
    **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"},
    **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
    "\u2026": "...",
    "\u00ad": "",  # soft hyphen: invisible
}
_WORD = re.compile(r"\w+")


def fold(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the offset it came from in ``text``."""
    out: list[str] = []
    src: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space:
                out.append(" ")
                src.append(i)
            in_space = True
            continue
        in_space = False
        piece = _FOLD.get(ch, ch)
        out.extend(piece)
        src.extend([i] * len(piece))
    return "".join(out), src


@dataclass(frozen=True)
class Passage:
    """A place in the stored text: ``[start, end)``, its line number and its text."""

    start: int
    end: int
    line: int
    text: str
    score: float = 1.0


@dataclass(frozen=True)
class QuoteMatches:
    folded_quote: str
    hits: list[Passage]


def find_quote(text: str, quote: str) -> QuoteMatches:
    """Every place ``quote`` occurs in ``text`` in folded form (overlaps included)."""
    folded_quote = fold(unicodedata.normalize("NFC", quote))[0].strip()
    hits: list[Passage] = []
    if not folded_quote:
        return QuoteMatches(folded_quote, hits)
    folded, src = fold(text)
    i = folded.find(folded_quote)
    while i != -1:
        start, end = src[i], src[i + len(folded_quote) - 1] + 1
        hits.append(_passage(text, start, end))
        i = folded.find(folded_quote, i + 1)
    return QuoteMatches(folded_quote, hits)


def closest(text: str, quote: str, n: int = 3) -> list[Passage]:
    """Up to ``n`` passages of ``text`` (as many words long as the quote) that share the most
    of the quote's words, best first, each scored by difflib's similarity ratio."""
    q_words = [w.casefold() for w in _WORD.findall(fold(quote)[0])]
    if not q_words:
        return []
    words = list(_WORD.finditer(text))
    if not words:
        return []
    size = min(len(q_words), len(words))
    wanted = Counter(q_words)
    window: Counter[str] = Counter(w.group().casefold() for w in words[:size])
    overlap = sum(min(c, window[w]) for w, c in wanted.items())
    scores = [(overlap, 0)]
    for k in range(1, len(words) - size + 1):
        out_w, in_w = words[k - 1].group().casefold(), words[k + size - 1].group().casefold()
        if out_w in wanted and window[out_w] <= wanted[out_w]:
            overlap -= 1
        window[out_w] -= 1
        window[in_w] += 1
        if in_w in wanted and window[in_w] <= wanted[in_w]:
            overlap += 1
        scores.append((overlap, k))
    best = sorted(scores, key=lambda s: (-s[0], s[1]))[: n * 4]
    folded_quote = fold(quote)[0].strip().casefold()
    found: list[Passage] = []
    for hits, k in best:
        if hits == 0:
            break
        first, last = k, k + size - 1
        while first < last and words[first].group().casefold() not in wanted:
            first += 1  # trim words the quote does not have
        while last > first and words[last].group().casefold() not in wanted:
            last -= 1
        start, end = words[first].start(), words[last].end()
        if any(p.start < end and start < p.end for p in found):
            continue
        ratio = SequenceMatcher(None, folded_quote, fold(text[start:end])[0].casefold(), autojunk=False).ratio()
        found.append(_passage(text, start, end, ratio))
    return sorted(found, key=lambda p: -p.score)[:n]


def describe(passage: Passage, width: int = 70) -> str:
    """``line 12 [340, 398): “…”`` with the text on one line, shortened to ``width``."""
    shown = " ".join(passage.text.split())
    if len(shown) > width:
        shown = shown[: width - 1] + "\u2026"
    return f"line {passage.line} [{passage.start}, {passage.end}): \u201c{shown}\u201d"


def _passage(text: str, start: int, end: int, score: float = 1.0) -> Passage:
    return Passage(start, end, text.count("\n", 0, start) + 1, text[start:end], score)


def no_match_message(name: str, quote: str, text: str) -> str:
    """The error for a quote found nowhere: what was compared, and the closest passages."""
    near = closest(text, quote)
    msg = (f"the quote is not in '{name}' (compared ignoring line breaks, tabs and runs of spaces, "
           "curly or straight quotes and dash styles)")
    if near:
        msg += "; the closest passages are:\n" + "\n".join(
            f"  {describe(p)} ({p.score:.0%} alike)" for p in near)
        msg += "\ncopy the passage again from 'fieldcode show', or use --start/--end"
    return msg


def several_message(name: str, hits: list[Passage]) -> str:
    """The error for a quote found more than once: every place, and what to do."""
    return (f"the quote occurs {len(hits)} times in '{name}':\n"
            + "\n".join(f"  {describe(p)}" for p in hits[:10])
            + ("\n  ..." if len(hits) > 10 else "")
            + "\nquote more words so that it occurs once, or use --start/--end with one of these offsets")


def locate(name: str, text: str, quote: str) -> tuple[int, int]:
    """The one ``[start, end)`` of ``quote`` in ``text``; ValueError with the message to show
    (closest passages, or every place) when it is not there exactly once."""
    hits = find_quote(text, quote).hits
    if len(hits) == 1:
        return hits[0].start, hits[0].end
    if not hits:
        raise ValueError(no_match_message(name, quote, text))
    raise ValueError(several_message(name, hits))
