"""Replacing accepted identifying details in a text, the offset map that carries codings onto
the same words of the new text, and the leak check.

Matching is case- and accent-insensitive (``fold``: each character lower-cased and stripped of
its accents, one character for one, so offsets in the folded text are offsets in the text),
any run of white space (a line break too) matches any other, and a detail matches only as whole
words (``Pat`` is not found in ``Patrick``).  Where matches overlap the longer one wins
(``Pat Quinlan`` before ``Pat``).

Pure text maths: imports nothing from fieldcode but the ground floor.  An export that
pseudonymises calls :func:`pseudonymise` on each text (moving its codings with
``Pseudonymised.offsets``) and :func:`refuse_leaks` on everything it is about to write.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from fieldcode.errors import FieldcodeError


class LeakFound(FieldcodeError):
    """A pseudonymised output still names an accepted detail: it must not be written."""


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    base = unicodedata.normalize("NFD", c)[0]
    f = base.casefold()
    return f[0] if f else c


def fold(text: str) -> str:
    """``text`` lower-cased and without accents, character for character (same length)."""
    if text.isascii():
        return text.lower()
    table = {ord(c): _fold_char(c) for c in set(text) if not c.isascii()}
    out = text.translate(table).lower()
    return out if len(out) == len(text) else "".join(_fold_char(c) for c in text)


def _body(original: str) -> str | None:
    words = fold(original).split()
    if not words or not any(ch.isalnum() for w in words for ch in w):
        return None
    return r"\s+".join(re.escape(w) for w in words)


def norm(original: str) -> str:
    """The form two spellings of one detail share: folded, white space collapsed."""
    return " ".join(fold(original).split())


@lru_cache(maxsize=4096)
def detail_pattern(original: str) -> re.Pattern[str] | None:
    """The pattern that finds ``original`` in a folded text: whole words, any white space
    between its words; None for a detail with no word character."""
    body = _body(original)
    return None if body is None else re.compile(rf"(?<![\w]){body}(?![\w])")


@lru_cache(maxsize=4096)
def _bare_pattern(original: str) -> re.Pattern[str] | None:
    body = _body(original)
    return None if body is None else re.compile(rf"{body}(?![\w])")


def occurrences(folded: str, original: str) -> list[tuple[int, int]]:
    """Every place ``original`` occurs in a text (given folded), whole words: what
    :func:`detail_pattern` finds, faster on long texts (a pattern that starts with its literal
    words lets the regex engine skip ahead; the word boundary before it is checked here)."""
    pat = _bare_pattern(original)
    if pat is None:
        return []
    return [(m.start(), m.end()) for m in pat.finditer(folded)
            if m.start() == 0 or not (folded[m.start() - 1].isalnum() or folded[m.start() - 1] == "_")]


@lru_cache(maxsize=64)
def _any_pattern(originals: frozenset[str]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    by_norm: dict[str, str] = {}
    for o in sorted(originals):
        if _body(o) is not None:
            by_norm.setdefault(norm(o), o)
    if not by_norm:
        return None, by_norm
    # longest first: at a position the alternation takes the first that matches, the longest
    alts = sorted(by_norm, key=lambda n: (-len(n), n))
    body = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in alts)
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])"), by_norm


def find_spans(text: str, originals: Iterable[str], *, folded: str | None = None) -> list[tuple[int, int, str]]:
    """Every occurrence of every original in ``text`` as ``(start, end, original)``, sorted,
    overlaps resolved (leftmost first, then longest)."""
    ft = fold(text) if folded is None else folded
    pat, by_norm = _any_pattern(frozenset(originals))
    if pat is None:
        return []
    return [(m.start(), m.end(), by_norm[" ".join(m.group().split())]) for m in pat.finditer(ft)]


@dataclass
class OffsetMap:
    """Old offsets (into the original text) -> new offsets (into the pseudonymised one).
    ``spans`` are the replacements ``(old_start, old_end, new_start, new_end)`` in order.  An
    offset inside a replaced detail moves to the replacement's start (:meth:`start`) or end
    (:meth:`end`), so a coding that began or ended inside a name keeps the whole pseudonym."""

    spans: list[tuple[int, int, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._starts = [s[0] for s in self.spans]

    def _locate(self, old: int, *, as_end: bool) -> int:
        # the last replacement starting before old (or at it, for an end: a span ending at its start)
        i = bisect.bisect_left(self._starts, old) - 1 if as_end else bisect.bisect_right(self._starts, old) - 1
        if i < 0:
            return old
        os_, oe, ns, ne = self.spans[i]
        if old < oe:                      # inside a replaced detail
            return ne if as_end else ns
        return ne + (old - oe)

    def start(self, old: int) -> int:
        """Where a span starting at ``old`` starts in the new text."""
        return self._locate(old, as_end=False)

    def end(self, old: int) -> int:
        """Where a span ending at ``old`` ends in the new text."""
        return self._locate(old, as_end=True)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.start(start), self.end(end)


@dataclass
class Pseudonymised:
    text: str
    offsets: OffsetMap
    replaced: list[tuple[int, int, str]]  # (old_start, old_end, original) of each replacement


def pseudonymise(text: str, decisions: Mapping[str, str]) -> Pseudonymised:
    """``text`` with every accepted detail (``decisions``: original -> pseudonym) replaced by
    its pseudonym, the offset map, and what was replaced where."""
    spans = find_spans(text, decisions) if decisions else []
    parts: list[str] = []
    mapped: list[tuple[int, int, int, int]] = []
    pos = new = 0
    for s, e, o in spans:
        parts.append(text[pos:s])
        new += s - pos
        rep = decisions[o]
        parts.append(rep)
        mapped.append((s, e, new, new + len(rep)))
        new += len(rep)
        pos = e
    parts.append(text[pos:])
    return Pseudonymised("".join(parts), OffsetMap(mapped), spans)


def leaks(output: str, originals: Iterable[str]) -> list[str]:
    """The accepted originals still found in ``output`` (case- and accent-insensitive, across
    line breaks, whole words): [] when the output names none of them."""
    ft = fold(output)
    pat, by_norm = _any_pattern(frozenset(originals))
    if pat is None:
        return []
    hit = {" ".join(m.group().split()) for m in pat.finditer(ft)}
    # a detail inside a longer one that was found ("Pat" in "Pat Quinlan") is looked for alone
    for n in by_norm:
        if n not in hit and any(n in h for h in hit):
            p = detail_pattern(by_norm[n])
            if p.search(ft):
                hit.add(n)
    return sorted({by_norm[n] for n in hit if n in by_norm}, key=str.casefold)


def refuse_leaks(output: str, originals: Iterable[str], *, where: str) -> None:
    """Raise :class:`LeakFound` (naming ``where`` and how many details, never the details
    themselves: the message may be logged) when ``output`` names an accepted original."""
    found = leaks(output, originals)
    if found:
        raise LeakFound(f"{where} was not written: it still names {len(found)} accepted identifying detail(s) "
                        "after pseudonymisation. 'fieldcode pseudonyms list --state accepted' shows the details; "
                        "report this as a bug with the export you ran")
