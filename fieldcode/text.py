"""Pure text maths: normalisation, hashing, words, front matter and speaker turns.

Everything here works on Python ``str`` and code-point offsets ``[start, end)``, the unit
REFI-QDA uses for plain-text selections. Nothing here touches the database or a terminal.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass

# Every character str.splitlines() treats as a line break.  Textual's TextArea splits its
# document with splitlines(), so any of these left in the stored text would shift offsets
# between the database and the screen.  They all become "\n" at import, once.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def normalise(text: str) -> str:
    """Normalise decoded text exactly once, at import: BOM dropped, Unicode NFC, every line
    break (CRLF, CR, U+2028/2029, NEL, ...) to ``\\n``, control characters removed (see
    :func:`remove_controls`), trailing whitespace of the document trimmed.  The result is what
    gets stored and never changes afterwards."""
    return normalise_counted(text)[0]


def normalise_counted(text: str) -> tuple[str, int]:
    """:func:`normalise`, also returning how many control characters or sequences it removed
    (for the import report)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = unicodedata.normalize("NFC", text)
    removed = 0
    if _NOT_PLAIN.search(text):  # else there is no line break to convert and no control to remove
        text = _LINE_BREAKS.sub("\n", text)
        text, removed = remove_controls(text)
    return (text.rstrip() + "\n" if text.strip() else ""), removed


# Terminal escape sequences (CSI "ESC [ ... m", OSC "ESC ] ... BEL" such as OSC 52, which
# writes to the clipboard, DCS/APC/PM/SOS strings, two-character escapes), in their 7-bit and
# 8-bit (C1) forms, then any remaining C0 control but tab and newline, DEL and C1 control.
# A string without its terminator loses only its introducer, never the text after it.
CONTROL_RE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]{0,4096}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


# Every match of CONTROL_RE starts with one of these characters, and every line break but "\n"
# is one of them or U+2028/2029: a text with none of them is already normal (a search for one
# character class costs a tenth of the substitutions).
_CONTROL_START = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NOT_PLAIN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def remove_controls(text: str) -> tuple[str, int]:
    """Remove terminal escape sequences and control characters (C0 but tab and newline, DEL,
    C1): text is data, and these would clear, re-title or write to the clipboard of the
    terminal that shows it.  Returns ``(clean text, number of sequences/characters removed)``."""
    if not _CONTROL_START.search(text):
        return text, 0
    removed = 0

    def count(_m: re.Match[str]) -> str:
        nonlocal removed
        removed += 1
        return ""

    return CONTROL_RE.sub(count, text), removed


def sha256(text: str) -> str:
    """SHA-256 of the normalised text (UTF-8): the identity of a transcript version."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# A word: a run of letters/digits, allowing internal apostrophes and hyphens ("don't", "ex-miner").
WORD_RE = re.compile(r"\w+(?:['\u2019\-]\w+)*")


def count_words(text: str, start: int = 0, end: int | None = None) -> int:
    """The one definition of a word used for every count and denominator in fieldcode.  With
    ``start``/``end``: the words of ``text[start:end]``, without copying the slice."""
    return len(WORD_RE.findall(text, start, len(text) if end is None else end))


def count_words_by_turn(text: str, turns) -> tuple[int, list[int]]:  # noqa: ANN001
    """``(count_words(text), [count_words(text, t.content_start, t.end) for t in turns])``
    from one pass over the text instead of two: the words outside the turns' contents (labels,
    text before the first turn) are counted on their own and added.  That sum is exact when no
    word crosses a cut, which holds when each cut has whitespace on one side (a label ends in a
    space or line break, a turn before whitespace); otherwise the text is counted whole."""
    per_turn = [count_words(text, t.content_start, t.end) for t in turns]
    size, pos, total = len(text), 0, sum(per_turn)
    for t in turns:
        for cut in (t.content_start, t.end):
            if 0 < cut < size and not (text[cut - 1].isspace() or text[cut].isspace()):
                return count_words(text), per_turn
        if not pos <= t.content_start <= t.end:
            return count_words(text), per_turn  # turns out of order: no partition of the text
        total += count_words(text, pos, t.content_start)
        pos = t.end
    return total + count_words(text, pos, size), per_turn


@dataclass(frozen=True)
class WordIndex:
    """Word boundaries of one text, for counting the words a span touches in O(log n)."""

    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str) -> "WordIndex":
        starts: list[int] = []
        ends: list[int] = []
        for m in WORD_RE.finditer(text):
            starts.append(m.start())
            ends.append(m.end())
        return cls(starts, ends)

    def words_in(self, start: int, end: int) -> int:
        """Number of words that overlap ``[start, end)`` (a word counts if any character of it
        is inside the span)."""
        if end <= start:
            return 0
        return bisect_left(self.starts, end) - bisect_right(self.ends, start)

    def __len__(self) -> int:
        return len(self.starts)


# --- front matter ---------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split a leading ``---`` YAML block from normalised text.

    Returns ``(yaml_text or None, body, body_line)`` where ``body_line`` is the 1-based line
    of the original file at which the body starts (for error messages)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return None, text, 1
    body = text[m.end():]
    # Drop blank lines between the front matter and the transcript.
    stripped = body.lstrip("\n")
    lines_before = text[: m.end()].count("\n") + (len(body) - len(stripped))
    return m.group(1) or "", stripped, lines_before + 1


# --- speaker turns --------------------------------------------------------------------------

@dataclass(frozen=True)
class Turn:
    """A speaker turn: ``[start, end)`` covers the label and what follows up to the next label;
    ``content_start`` is where the spoken words begin (after the label)."""

    start: int
    end: int
    content_start: int
    speaker: str


# A label starts a line:
#   "Name: words" / "Mrs Jones: words" / "P1: words" / "admin-1: words" / "DAN: words"
#   "**Name:** words" or "**Name**: words" (Markdown bold, when left in a .txt)
#   "Name (00:01:02): words" / "Name [00:01:02]: words" (a timestamp after the name)
#   "[00:01:02] Name: words" (a timestamp before the name)
#   "[id1] words" (QualCoder-style ids), "Q. words" / "A. words"
#   any of the colon forms alone on its line, the words on the next line ("Dan:" then "So ...")
#   "Name  00:01:02" alone on its line, the words on the next (Otter.ai style)
_NAME = r"[A-Z\u00C0-\u024F][\w.'\u2019\-]*(?:[ ][\w.'\u2019\-()]+){0,3}|[a-z][\w\-]*\d[\w\-]*"
_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_LABEL_RE = re.compile(
    rf"""^(?:\[{_TS}\][ \t]*)?
    (?:\*\*(?P<bold>{_NAME})(?:[ \t]+[(\[]{_TS}[)\]])?(?::\*\*|\*\*:)
      |(?P<plain>{_NAME})(?:[ \t]+[(\[]{_TS}[)\]])?:
      |\[(?P<bracket>[\w\- ]{{1,30}})\]
      |(?P<qa>[QA])\.
      |(?P<stamped>{_NAME})[ \t]+\(?{_TS}\)?(?=[ \t]*\n)
    )(?P<rest>[ \t]+(?=\S)|[ \t]*\n[ \t]*(?=\S))""",
    re.M | re.X,
)
# Words that look like labels but start ordinary lines ("Note: ...", "Yes: ...").
NOT_SPEAKERS = frozenset(
    w.casefold() for w in (
        "Note", "Notes", "NB", "PS", "Yes", "No", "Well", "So", "Ok", "Okay", "Also", "But", "And",
        "Then", "Now", "Date", "Time", "Location", "Subject", "Title", "Update", "Edit", "Warning",
        "Example", "Source", "Transcript", "Duration", "Present", "Attendees", "Tags",
        # transcribers' notes of what happened on the tape ("**Break:** ten minutes")
        "Break", "Pause", "Interruption", "Recording", "Tape", "End",
    )
)

# The one definition of the analysed text, stated in these words wherever a count is explained.
# It lives here, on the ground floor, so the command line's help can quote it without loading
# the analysis; fieldcode.analysis.units derives every range and count from it.
ANALYSED_TEXT_RULE = (
    "Analysed text: the bodies of the participant turns, without speaker labels (whatever they carry: "
    "timestamps, bold, brackets, a line of their own), without interviewer turns and without the blank "
    "lines between turns; a transcript without turns is analysed whole. Analysed words, per 1,000, "
    "segments, interviews mentioning, coverage, search hits and agreement's char and word units all "
    "count within it, and a coded passage counts only when it covers at least one analysed word.")
INTERVIEWER_INCLUDED = "With interviewer turns included, the interviewer's turn bodies are analysed text too."

# How turns are marked in a transcript (study ``turns:``, or an interview's own ``turns``):
LABELS, PARAGRAPHS, AUTO, QUESTIONS = "labels", "paragraphs", "auto", "questions"
TURN_MODES = (LABELS, PARAGRAPHS, AUTO, QUESTIONS)
PARTICIPANT = "Participant"


@dataclass(frozen=True)
class TurnRule:
    r"""How to find the turns of one transcript.

    ``mode``: ``labels`` (speaker labels, the default), ``paragraphs`` (each paragraph is a
    turn: for transcripts without labels), ``auto`` (labels when the transcript has any, else
    paragraphs) or ``questions`` (paragraph turns whose speaker is inferred from their shape:
    see :func:`question_turns`).  In paragraph mode a paragraph whose start matches ``interviewer_lines`` (a
    regular expression, e.g. a timestamp ``^\d+\.\d\d\s``) is spoken by ``interviewer`` and
    the match is its label; the others by ``participant``."""

    mode: str = LABELS
    interviewer_lines: re.Pattern[str] | None = None
    interviewer: str = "Interviewer"
    participant: str = PARTICIPANT


def detect_turns(text: str, rule: TurnRule | None = None) -> list[Turn]:
    """Find speaker turns.  With labels: a label must start a line; a line without a label
    continues the previous speaker's turn.  Common words followed by a colon ("Note:", "Yes:")
    are not speakers; a label alone on its line counts only when such lines recur (or the name
    labels another turn), so a lone heading such as "Background:" is not a speaker; "Q."/"A."
    count only when both occur."""
    rule = rule or TurnRule()
    if rule.mode == PARAGRAPHS:
        return paragraph_turns(text, rule)
    if rule.mode == QUESTIONS:
        return [turn for turn, _p in question_turns(text, rule)]
    turns = _label_turns(text)
    if not turns and rule.mode == AUTO:
        return paragraph_turns(text, rule)
    return turns


def _label_matches(text: str) -> list[re.Match[str]]:
    """The matches of ``_LABEL_RE.finditer(text)``, found faster.  The pattern begins with
    ``^``, so it can only match at a line start: it is tried at each line start at or after
    the previous match's end (where finditer resumes) instead of at every character."""
    out = []
    match, find = _LABEL_RE.match, text.find
    pos, size = 0, len(text)
    while pos < size:
        m = match(text, pos)
        if m is not None:
            out.append(m)
            pos = m.end()
            if text[pos - 1] == "\n":
                continue  # the match ends at a line start
        nl = find("\n", pos)
        pos = nl + 1 if nl != -1 else size
    return out


def _label_turns(text: str) -> list[Turn]:
    matches = [(m, sp) for m in _label_matches(text) if (sp := _speaker_of(m)).casefold() not in NOT_SPEAKERS]
    alone = sum(1 for m, _sp in matches if "\n" in m.group("rest"))
    named = Counter(sp for _m, sp in matches)
    qa = {m.group("qa") for m, _sp in matches if m.group("qa")}
    kept = []
    for m, speaker in matches:
        if qa and m.group("qa") and qa != {"Q", "A"}:
            continue  # "A. First point" in a list, not an answer
        if alone < 2 and named[speaker] < 2 and "\n" in m.group("rest"):
            continue  # a lone "Heading:" line
        kept.append((m, speaker))
    turns: list[Turn] = []
    for i, (m, speaker) in enumerate(kept):
        start = m.start()
        end = kept[i + 1][0].start() if i + 1 < len(kept) else len(text)
        # A turn ends at its last non-blank character so blank separator lines belong to no one.
        while end > start and text[end - 1] in " \t\n":
            end -= 1
        turns.append(Turn(start, end, m.end(), speaker))
    return turns


_PARAGRAPH_RE = re.compile(r"\S(?:.|\n(?![ \t]*\n))*", re.M)


def paragraph_turns(text: str, rule: TurnRule) -> list[Turn]:
    """Each paragraph (text between blank lines) is a turn; see :class:`TurnRule`."""
    turns = []
    for m in _PARAGRAPH_RE.finditer(text):
        start, end = m.start(), m.end()
        while end > start and text[end - 1] in " \t\n":
            end -= 1
        hit = rule.interviewer_lines.match(text[start:end]) if rule.interviewer_lines else None
        if hit:
            content = start + hit.end()
            while content < end and text[content] in " \t":
                content += 1
            turns.append(Turn(start, end, content, rule.interviewer))
        else:
            turns.append(Turn(start, end, start, rule.participant))
    return turns


# --- interviewer paragraphs inferred (oral histories without speaker labels) -----------------
#
# A two-state hidden Markov model over the paragraphs (interviewer / participant).  What a
# paragraph shows: whether it ends in a question mark, how long it is, whether it speaks more
# of "I" or of "you", and whether it starts with the study's ``interviewer_lines`` mark (a tape timestamp, which in real oral histories
# marks most questions but also some answers).  How paragraphs follow each other: a question is
# nearly always answered; an answer is usually followed by a question but may run on.  The
# forward-backward algorithm gives each paragraph the probability that the interviewer speaks
# it; above one half it is the interviewer's.  The figures below are set by hand from how
# interviews are shaped, not fitted to any transcript; tests/test_question_turns.py checks them
# against an answer key made by hand for a real oral history.
_Q_END = re.compile(r"\?[\s\"'\u2019\u201d)\]]*\Z")
_QUESTION = (0.75, 0.03)          # P(ends in '?' | interviewer), P(... | participant)
_MARKED = (0.60, 0.05)            # P(starts with the interviewer_lines mark | ...)
# who a paragraph is about: more "I/my/we" than "you/your" (a narrator telling), more "you"
# (a question or remark addressed to the narrator), or neither
_PERSON = {"first": (0.15, 0.70), "second": (0.60, 0.08), "neither": (0.25, 0.22)}
_FIRST_PERSON = frozenset({"i", "i'm", "i've", "i'd", "i'll", "my", "me", "mine", "myself", "we", "we're",
                           "we've", "we'd", "our", "us", "ours"})
_SECOND_PERSON = frozenset({"you", "your", "you're", "you've", "you'd", "you'll", "yours", "yourself"})
_LENGTH = ((8, 0.35, 0.06), (20, 0.45, 0.08), (40, 0.17, 0.14), (100, 0.025, 0.30), (None, 0.005, 0.42))
_STAY = (0.10, 0.25)              # P(interviewer after interviewer), P(participant after participant)
_FIRST_INTERVIEWER = 0.3
UNSURE = (0.2, 0.8)               # probabilities between these are reported as uncertain


def question_turns(text: str, rule: TurnRule) -> list[tuple[Turn, float]]:
    """Paragraph turns with the speaker inferred, each with the probability that the
    interviewer speaks it.  A paragraph starting with ``rule.interviewer_lines`` keeps the mark
    as its label (never an analysed word), whoever speaks it."""
    paras = []
    for m in _PARAGRAPH_RE.finditer(text):
        start, end = m.start(), m.end()
        while end > start and text[end - 1] in " \t\n":
            end -= 1
        body = text[start:end]
        hit = rule.interviewer_lines.match(body) if rule.interviewer_lines else None
        content = start
        if hit:
            content = start + hit.end()
            while content < end and text[content] in " \t":
                content += 1
        words = count_words(text, content, end)
        forms = [w.casefold().replace("\u2019", "'") for w in WORD_RE.findall(text, content, end)]
        first = sum(f in _FIRST_PERSON for f in forms)
        second = sum(f in _SECOND_PERSON for f in forms)
        person = "first" if first > second else "second" if second > first else "neither"
        like = [1.0, 1.0]
        for who in (0, 1):
            like[who] *= _QUESTION[who] if _Q_END.search(body) else 1 - _QUESTION[who]
            if rule.interviewer_lines is not None:
                like[who] *= _MARKED[who] if hit else 1 - _MARKED[who]
            like[who] *= next(row[1 + who] for row in _LENGTH if row[0] is None or words <= row[0])
            like[who] *= _PERSON[person][who]
        paras.append((start, end, content, like))
    if not paras:
        return []
    trans = ((_STAY[0], 1 - _STAY[0]), (1 - _STAY[1], _STAY[1]))  # [from][to], 0 = interviewer
    n = len(paras)
    fwd = [[0.0, 0.0] for _ in range(n)]
    for who in (0, 1):
        fwd[0][who] = (_FIRST_INTERVIEWER if who == 0 else 1 - _FIRST_INTERVIEWER) * paras[0][3][who]
    for i in range(1, n):
        for who in (0, 1):
            fwd[i][who] = paras[i][3][who] * sum(fwd[i - 1][f] * trans[f][who] for f in (0, 1))
        total = fwd[i][0] + fwd[i][1]
        fwd[i] = [fwd[i][0] / total, fwd[i][1] / total]
    back = [[1.0, 1.0] for _ in range(n)]
    for i in range(n - 2, -1, -1):
        for who in (0, 1):
            back[i][who] = sum(trans[who][t] * paras[i + 1][3][t] * back[i + 1][t] for t in (0, 1))
        total = back[i][0] + back[i][1]
        back[i] = [back[i][0] / total, back[i][1] / total]
    out = []
    for (start, end, content, _like), f, b in zip(paras, fwd, back):
        p = f[0] * b[0] / (f[0] * b[0] + f[1] * b[1])
        out.append((Turn(start, end, content, rule.interviewer if p > 0.5 else rule.participant), p))
    return out


def unsure_turns(text: str, rule: TurnRule) -> list[tuple[int, Turn, float]]:
    """In ``questions`` mode, the paragraphs whose speaker the model is unsure of (the probability
    that the interviewer speaks it between :data:`UNSURE`'s bounds): ``(number from 1, turn, p)``."""
    if rule.mode != QUESTIONS:
        return []
    return [(i, turn, p) for i, (turn, p) in enumerate(question_turns(text, rule), 1) if UNSURE[0] < p < UNSURE[1]]


def turn_probabilities(text: str, rule: TurnRule) -> list[float] | None:
    """Each turn's probability of being the interviewer's, in ``questions`` mode (else None)."""
    if rule.mode != QUESTIONS:
        return None
    return [p for _turn, p in question_turns(text, rule)]


def _speaker_of(m: re.Match[str]) -> str:
    name = m.group("bold") or m.group("plain") or m.group("bracket") or m.group("qa") or m.group("stamped")
    return name.strip()


def is_interviewer(speaker: str | None, interviewer_labels: list[str] | tuple[str, ...]) -> bool:
    """Whether ``speaker`` is one of the interviewer labels (case-insensitive)."""
    if not speaker:
        return False
    s = speaker.casefold()
    return any(s == label.casefold() for label in interviewer_labels)


# --- snippets (re-anchoring) ----------------------------------------------------------------

def find_all(haystack: str, needle: str) -> list[int]:
    """All start offsets of ``needle`` in ``haystack`` (overlapping occurrences included)."""
    out: list[int] = []
    if not needle:
        return out
    i = haystack.find(needle)
    while i != -1:
        out.append(i)
        i = haystack.find(needle, i + 1)
    return out


_DATE_LIKE = re.compile(r"(?<![\w.\-'\"])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.:\-])")


def impossible_date_line(text: str) -> tuple[int, str] | None:
    """The first (1-based line, value) of a YAML-style date that does not exist (2025-02-30):
    YAML reads such an unquoted value as a date and fails on it."""
    from datetime import date

    for n, line in enumerate(text.split("\n"), start=1):
        for m in _DATE_LIKE.finditer(line):
            try:
                date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return n, m.group(0)
    return None
