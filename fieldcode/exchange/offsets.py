"""Position counting in REFI-QDA plain-text selections, and the fitting that picks one.

The standard says a selection's ``startPosition``/``endPosition`` are 0-based Unicode code points
into the plain-text file.  Real tools differ: NVivo for Windows counts UTF-16 code units (a
character outside the Basic Multilingual Plane counts two) and a CRLF as two; ATLAS.ti and
MAXQDA count a line break as one even when the file has CRLF; some count a leading BOM.  A
:class:`Counting` is one such convention.

:class:`SourceText` holds one source's text as it was in the file and its fieldcode form
(normalised exactly as :func:`fieldcode.text.normalise` does) with a map between the two, so a
position under any counting converts to an offset into the stored text, or to ``None`` when it
falls inside a character, inside a CRLF or outside the text.

:func:`fit` tries every counting on all selections of a file and keeps the one under which they
line up with the text: the selection's ``name`` when it holds the quoted text (often cut short
with an ellipsis), word boundaries otherwise.  It reports how well the choice fitted and which
selections do not fit.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate

from fieldcode import text as textmod
from fieldcode.errors import InvalidInput


@dataclass(frozen=True)
class Counting:
    utf16: bool = False      # UTF-16 code units instead of code points
    crlf_as_one: bool = False  # a CRLF line break counts as one position
    bom_counted: bool = False  # a leading byte-order mark takes position 0

    @property
    def key(self) -> str:
        return (f"{'utf16' if self.utf16 else 'codepoints'}-crlf{'1' if self.crlf_as_one else '2'}"
                f"-{'bom' if self.bom_counted else 'nobom'}")

    @property
    def label(self) -> str:
        return (f"{'UTF-16 code units' if self.utf16 else 'code points'}, a CRLF counted as "
                f"{'one' if self.crlf_as_one else 'two'}, {'BOM counted' if self.bom_counted else 'BOM not counted'}")


SPEC = Counting()
# The standard's counting first: on a tie (the file cannot tell them apart) it wins.
COUNTINGS: tuple[Counting, ...] = tuple(
    Counting(u, c, b) for u in (False, True) for c in (False, True) for b in (False, True))


def counting_by_key(key: str) -> Counting:
    for c in COUNTINGS:
        if c.key == key:
            return c
    raise KeyError(key)


# The same line breaks fieldcode.text.normalise turns into "\n" (checked: the result must equal
# textmod.normalise exactly, or the map is not used).
_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _remove_controls_with_map(full: str, m: list[int]) -> tuple[str, list[int]]:
    """``textmod.remove_controls(full)`` (normalise's last step, after NFC and the line breaks),
    carrying the map along: a position inside a removed sequence maps to where it was cut."""
    if not textmod.CONTROL_RE.search(full):
        return full, m
    keep: list[str] = []
    shift = [0] * (len(full) + 1)   # index in ``full`` -> index in the result
    out = last = 0
    for mt in textmod.CONTROL_RE.finditer(full):
        a, b = mt.span()
        for i in range(last, a + 1):
            shift[i] = out + (i - last)
        out += a - last
        keep.append(full[last:a])
        for i in range(a + 1, b + 1):
            shift[i] = out
        last = b
    for i in range(last, len(full) + 1):
        shift[i] = out + (i - last)
    keep.append(full[last:])
    return "".join(keep), [x if x < 0 else shift[x] for x in m]


def _normalise_with_map(body: str) -> tuple[str, list[int]]:
    """``textmod.normalise(body)`` and, for every index ``0..len(body)``, the index it becomes
    in the normalised text (-1 inside a CRLF, where no position of the stored text exists)."""
    parts: list[str] = []
    m: list[int] = []
    out = 0
    pos = 0

    def add_segment(seg: str) -> None:
        nonlocal out
        if unicodedata.is_normalized("NFC", seg):
            m.extend(range(out, out + len(seg)))
            parts.append(seg)
            out += len(seg)
            return
        # NFC never composes across a space (U+0020 is a starter nothing composes with), so the
        # text is mapped piece by piece, each piece starting at a space: the quadratic prefix
        # measure below then runs over words, not whole paragraphs.
        for piece in re.split(r"(?= )", seg):
            if not piece:
                continue
            full = unicodedata.normalize("NFC", piece)
            last = 0
            for i in range(len(piece)):
                n = min(len(unicodedata.normalize("NFC", piece[:i])), len(full))
                last = max(last, n)
                m.append(out + last)
            parts.append(full)
            out += len(full)

    for br in _BREAKS.finditer(body):
        add_segment(body[pos:br.start()])
        m.append(out)
        if br.group() == "\r\n":
            m.append(-1)
        parts.append("\n")
        out += 1
        pos = br.end()
    add_segment(body[pos:])
    m.append(out)
    full = "".join(parts)
    full, m = _remove_controls_with_map(full, m)
    stripped = full.rstrip()
    if not full.strip():
        return "", [0 if x >= 0 else -1 for x in m]
    text = stripped + "\n"
    cap = len(text)
    m = [x if x < 0 else min(x, cap) for x in m]
    return text, m


class SourceText:
    """One source's text: ``raw`` as decoded from the file (a leading BOM kept if there was one)
    and ``text``, the normalised text fieldcode stores."""

    def __init__(self, raw: str) -> None:
        self.has_bom = raw.startswith("\ufeff")
        self.body = raw[1:] if self.has_bom else raw
        self.text, self._map = _normalise_with_map(self.body)
        if self.text != textmod.normalise(self.body):  # pragma: no cover - guards the map
            raise InvalidInput("a source's text could not be mapped position by position onto its normalised "
                               "form, so its selections cannot be placed; nothing was imported. Please report "
                               "this file to the fieldcode maintainers")
        self.has_crlf = "\r\n" in self.body
        self.has_astral = any(ord(ch) > 0xFFFF for ch in self.body)
        self._offsets: dict[tuple[bool, bool], list[int]] = {}

    def _units(self, c: Counting) -> list[int]:
        k = (c.utf16 and self.has_astral, c.crlf_as_one and self.has_crlf)
        if k not in self._offsets:
            b = self.body
            widths = [2 if k[0] and ord(ch) > 0xFFFF else 1 for ch in b]
            if k[1]:
                for mt in re.finditer("\r\n", b):
                    widths[mt.start()] = 0
            self._offsets[k] = [0, *accumulate(widths)]
        return self._offsets[k]

    def to_text(self, c: Counting, pos: int) -> int | None:
        """Offset into :attr:`text` of file position ``pos`` under counting ``c``."""
        if c.bom_counted and self.has_bom:
            pos -= 1
        offs = self._units(c)
        if pos < 0 or pos > offs[-1]:
            return None
        i = bisect_left(offs, pos)
        if i >= len(offs) or offs[i] != pos:
            return None  # inside a surrogate pair
        n = self._map[i]
        return None if n < 0 else n

    def span(self, c: Counting, start: int, end: int) -> tuple[int, int] | None:
        a, b = self.to_text(c, start), self.to_text(c, end)
        if a is None or b is None or not a < b:
            return None
        return a, b


# --- fitting ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sel:
    """What fitting needs of one selection: where it is and what its name says."""

    label: str          # for messages: source name and selection guid/name
    source: int         # index into the list of SourceTexts
    start: int
    end: int
    name: str = ""


_ELLIPSIS = re.compile(r"(\u2026|\.\.\.)\s*$")
_WS = re.compile(r"\s+")


def _squash(s: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFC", s)).strip()


def quote_matches(text: str, name: str) -> bool:
    """Does ``name`` hold the text ``text`` (whitespace runs compared as one space; a name
    cut short, with or without an ellipsis, matches the start; quote marks around it allowed)?"""
    n = _squash(name)
    cut = bool(_ELLIPSIS.search(n))
    n = _ELLIPSIS.sub("", n).strip()
    if len(n) >= 2 and n[0] in "\"\u201c'\u2018" and n[-1] in "\"\u201d'\u2019":
        inner = n[1:-1].strip()
        if inner and quote_matches(text, inner + ("\u2026" if cut else "")):
            return True
    t = _squash(text)
    if not n or not t:
        return False
    if t == n:
        return True
    return t.startswith(n) and (cut or len(n) >= 12)


def _exact(text: str, name: str) -> bool:
    """A stricter match, to break ties: the span has no whitespace at either end that the name
    does not have (a span one position too long often only gains a line break)."""
    n = _ELLIPSIS.sub("", name)
    return (text[:1].isspace() == n[:1].isspace()) and (
        text[-1:].isspace() == n[-1:].isspace() or bool(_ELLIPSIS.search(name)))


def _boundary(text: str, i: int) -> bool:
    if i <= 0 or i >= len(text):
        return True
    return not (text[i - 1].isalnum() and text[i].isalnum())


@dataclass
class Fit:
    counting: Counting
    spans: list[tuple[int, int] | None]   # per selection, offsets into the stored text
    n_quoted: int = 0          # selections whose name holds a quote (under some counting)
    quoted_ok: int = 0         # ... that match under this counting
    exact: int = 0             # ... with no stray whitespace at either end (tie-breaker)
    n_other: int = 0           # selections judged by word boundaries
    other_ok: int = 0
    misfits: list[tuple[int, str]] = field(default_factory=list)   # (selection index, why)
    distinguishable: bool = True   # did the file let the countings disagree?
    alternatives: list[str] = field(default_factory=list)   # countings equally good
    quoted: list[bool] = field(default_factory=list)   # per selection: judged by the quote in its name?

    @property
    def ok(self) -> bool:
        return not self.misfits

    def summary(self) -> str:
        parts = []
        if self.n_quoted:
            parts.append(f"{self.quoted_ok} of {self.n_quoted} selections match the quote in their name")
        if self.n_other:
            parts.append(f"{self.other_ok} of {self.n_other} other selections start and end on word boundaries")
        how = "; ".join(parts) or "no selections to check"
        if not self.distinguishable:
            how += " (every counting gives the same positions in this file)"
        elif self.alternatives:
            how += f" (fitted equally well: {', '.join(self.alternatives)}; the standard's order decided)"
        return f"counting: {self.counting.label} [{self.counting.key}]; {how}"


def _score(texts: list[SourceText], sels: list[Sel], c: Counting, quoted: list[bool]) -> Fit:
    f = Fit(counting=c, spans=[], quoted=quoted)
    for i, s in enumerate(sels):
        sp = texts[s.source].span(c, s.start, s.end)
        f.spans.append(sp)
        if quoted[i]:
            f.n_quoted += 1
        else:
            f.n_other += 1
        if sp is None:
            f.misfits.append((i, f"[{s.start}, {s.end}) is outside the text or splits a character or a line break"))
            continue
        text = texts[s.source].text
        if quoted[i]:
            if quote_matches(text[sp[0]:sp[1]], s.name):
                f.quoted_ok += 1
                f.exact += _exact(text[sp[0]:sp[1]], s.name)
            else:
                f.misfits.append((i, f"the text there is \u201c{text[sp[0]:sp[1]][:50]}\u201d, not the quote in its name"))
        elif _boundary(text, sp[0]) and _boundary(text, sp[1]):
            f.other_ok += 1
        else:
            f.misfits.append((i, f"starts or ends inside a word: \u201c{text[sp[0]:sp[1]][:50]}\u201d"))
    return f


def fit(texts: list[SourceText], sels: list[Sel], *, forced: Counting | None = None) -> Fit:
    """The counting under which ``sels`` line up best with ``texts`` (or ``forced``)."""
    quoted = []
    for s in sels:
        t = texts[s.source]
        q = False
        if s.name.strip():
            for c in COUNTINGS:
                sp = t.span(c, s.start, s.end)
                if sp and quote_matches(t.text[sp[0]:sp[1]], s.name):
                    q = True
                    break
        quoted.append(q)
    if forced is not None:
        return _score(texts, sels, forced, quoted)
    fits = [_score(texts, sels, c, quoted) for c in COUNTINGS]
    # Countings that cannot apply to these files (no BOM, CRLF or astral characters) give the
    # same spans as the standard's: keep the first of each group.
    def rank(f: Fit) -> tuple[int, int, int, int]:
        return (f.quoted_ok, f.exact, f.other_ok, -len(f.misfits))

    best = max(fits, key=rank)
    for f in fits:
        if f is not best and rank(f) == rank(best) and f.spans != best.spans:
            best.alternatives.append(f.counting.key)
    best.distinguishable = any(f.spans != best.spans for f in fits)
    return best
