"""Candidates for pseudonymisation, found offline in the study's transcripts.

What is proposed, with its category:

* ``speaker``      every speaker label that is not an interviewer role (``Interviewer``,
                   ``Q`` ...: the study's ``interviewer_speakers`` and the usual roles)
* ``participant``, ``place`` or the attribute's name: the values of the identifying
                   attributes (``participant``, ``neighbourhood``, ``pair`` and other names of
                   places, schools and people; any the codebook lists under ``study:
                   identifying:``; and any other attribute of the design whose value reads as
                   a proper name), wherever they occur (also when nowhere in the text: exports
                   carry attributes)
* the categories of the details already in the key (names known to the study: found or added
                   before, and not rejected), found again wherever they occur
* ``name`` / ``person`` / ``place``: capitalised words that are not at a sentence start and
                   are not common words, alone or in a run (``Kelder Bank``, ``Pat Quinlan``);
                   common means a Zipf frequency of 5.5 or more in ``wordfreq``'s English list,
                   or written in lower case somewhere in the study's own transcripts (wordfreq
                   folds case, so ``John`` and ``john`` share one frequency: the transcripts tell
                   a name from a word), or a day or month name.  At a sentence start a lone word
                   is proposed only when it is rare (Zipf below 3.0).  A title (``Mr``) or a
                   possessive makes it a person, ``in``/``at``/``from`` before it a place; a
                   form of address alone (``Mum``, ``Mrs``) is not proposed.
* ``age``, ``date``, ``address``, ``postcode`` (UK), ``phone``, ``email``, ``url``: patterns
* ``person``, ``place``, ``organisation``: a trained spaCy pipeline's PERSON, GPE/LOC/FAC and
                   ORG entities, when the settings name one (``spacy_model``) that is installed

Each candidate has its evidence (why it was proposed, a few examples) and every place its text
occurs (interview, start, end), found the way the replacement will find it
(``fieldcode.privacy.replace.find_spans``: whole words, any case or accents).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fieldcode.errors import InvalidInput
from fieldcode.privacy.replace import fold, occurrences

DEFAULT_IDENTIFYING = ("participant", "neighbourhood")
# attribute names whose values identify by their name alone: always proposed
ATTRIBUTE_CATEGORY = {"participant": "participant", "neighbourhood": "place", "pair": "place", "city": "place",
                      "town": "place", "village": "place", "area": "place", "site": "place", "location": "place",
                      "locality": "place", "ward": "place", "district": "place", "borough": "place",
                      "county": "place", "region": "place", "estate": "place", "street": "place",
                      "address": "address", "school": "organisation", "organisation": "organisation",
                      "organization": "organisation", "employer": "organisation", "workplace": "organisation",
                      "company": "organisation", "name": "person", "interviewee": "person", "person": "person",
                      "interviewer": "person", "postcode": "postcode", "email": "email", "phone": "phone"}
ROLE_LABELS = ("interviewer", "int", "i", "q", "a", "r", "facilitator", "moderator", "researcher", "respondent",
               "participant", "interviewee", "speaker", "unknown")
COMMON_ZIPF = 5.5          # at or above: a common word, never proposed on its own
RARE_ZIPF = 3.0            # below (and never in lower case in the study): proposed even at a sentence start
MAX_EVIDENCE = 4
# category priority when one text is proposed for several reasons (lower wins)
PRIORITY = {"speaker": 0, "participant": 1, "place": 2, "person": 3, "organisation": 4, "address": 5,
            "postcode": 6, "email": 7, "url": 8, "phone": 9, "date": 10, "age": 11, "name": 20}

_MONTHS = "|".join(m for m in list(calendar.month_name)[1:] + list(calendar.month_abbr)[1:] if m)
_DAYS = {d.casefold() for d in list(calendar.day_name) + list(calendar.month_name)[1:]} | \
        {d.casefold() + "s" for d in calendar.day_name}
_STREET = ("Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Close|Crescent|Drive|Dr|Way|Grove|Terrace|Place|Court|Gardens|"
           "Square|Walk|Row|Parade|Mews|Vale|Rise")
_NUMWORD = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|"
            r"seven|eight|nine))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|"
            r"one|two|three|four|five|six|seven|eight|nine|a hundred)")
_AGE_LEAD = r"(?:I'm|I’m|I am|I was|he's|he’s|she's|she’s|he is|she is|he was|she was|turned)"
PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "looks like an e-mail address"),
    ("url", re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]", re.I), "looks like a web address"),
    ("postcode", re.compile(r"(?<![\w])(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![\w])"),
     "looks like a UK postcode"),
    ("phone", re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?\d{2,4}|\(?0\d{2,4}\)?)[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)"),
     "looks like a phone number"),
    ("date", re.compile(rf"(?<![\w])(?:\d{{1,2}}(?:st|nd|rd|th)?(?: of)? (?:{_MONTHS})\.?(?:,? \d{{4}})?|"
                        rf"(?:{_MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|"
                        rf"\d{{1,2}}[/.]\d{{1,2}}[/.](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}})(?![\w])"),
     "looks like a date"),
    ("address", re.compile(rf"(?<![\w])(?:\d{{1,4}}[A-Za-z]?,? )?(?:[A-Z][\w'’-]+ ){{1,3}}(?:{_STREET})(?![\w])"),
     "looks like a street or address"),
    ("age", re.compile(rf"(?<![\w])(?:(?:{_AGE_LEAD} )?(?:\d{{1,3}}|{_NUMWORD})[- ](?:years?|yrs?)[- ]old|"
                       rf"aged? (?:\d{{1,3}}|{_NUMWORD})|{_AGE_LEAD} (?:\d{{1,3}}|{_NUMWORD})(?![\w-]))(?![\w])",
                       re.I), "looks like an age"),
)
_CAP = re.compile(r"(?<![\w'’-])[^\W\d_][\w'’-]*")
_LOWER_WORD = re.compile(r"(?<![\w'’-])[^\W\d_][\w'’-]*")
_OPENERS = set("\"'“‘([*_-–—«")
_ENDERS = set(".!?:;…")
# forms of address: before a name they make it a person ("Mr Doyle", "Auntie Jean"); alone they
# name no one ("Mum said", "Mrs", "Dr")
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "rev", "sir", "auntie", "aunty", "aunt", "uncle", "nana", "nan",
           "gran", "granny", "grandma", "grandad", "grandpa", "mum", "mam", "mom", "mummy", "dad", "daddy", "ma",
           "pa", "sister", "father", "brother", "mother"}
_PLACE_BEFORE = {"in", "at", "from", "near", "to", "round", "around", "outside", "towards"}


@dataclass
class Document:
    """One transcript as the scan reads it."""
    name: str
    text: str
    turns: Sequence = ()          # objects with start, content_start, speaker, is_interviewer
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Candidate:
    text: str
    category: str
    evidence: list[str] = field(default_factory=list)
    occurrences: list[tuple[str, int, int]] = field(default_factory=list)   # (interview, start, end)


class _Pool:
    def __init__(self) -> None:
        self.by_key: dict[str, Candidate] = {}

    def add(self, text: str, category: str, evidence: str) -> None:
        text = " ".join(text.split()).strip(" ,.;:")
        if len(text) < 2 or not any(ch.isalnum() for ch in text):
            return
        k = fold(text)
        c = self.by_key.get(k)
        if c is None:
            self.by_key[k] = Candidate(text, category, [evidence])
            return
        if PRIORITY.get(category, 15) < PRIORITY.get(c.category, 15):
            c.category = category
        if evidence not in c.evidence and len(c.evidence) < MAX_EVIDENCE:
            c.evidence.append(evidence)


_QUOTES = set("\"“‘«")
_TIMESTAMP = re.compile(r"[\[(]\s*\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?\s*[\])]\s*$")


def _sentence_start(text: str, i: int, floor: int) -> bool:
    """Whether the word at ``i`` starts a sentence: after . ! ? : ; or a line break, or after an
    opening quote (speech), or after a timestamp ([01:46]) that starts a line."""
    j = i - 1
    while j >= floor and text[j] in " \t":
        j -= 1
    if j >= floor and text[j] in _QUOTES:
        return True
    while j >= floor and (text[j] in " \t" or text[j] in _OPENERS):
        j -= 1
    if j >= floor and text[j] in ")]":
        m = _TIMESTAMP.search(text, max(floor, j - 20), j + 1)
        if m is not None:
            return _sentence_start(text, m.start(), floor) or True
    return j < floor or text[j] == "\n" or text[j] in _ENDERS


def _strip_possessive(w: str) -> tuple[str, bool]:
    for s in ("'s", "’s", "s'", "s’"):
        if w.endswith(s) and len(w) > len(s) + 1:
            return (w[:-2] if s[0] in "'’" else w[:-1]), True
    return w.rstrip("'’-"), False


def _zipf():  # noqa: ANN202
    try:
        from wordfreq import zipf_frequency
    except ImportError as exc:  # a dependency of fieldcode: only a broken install lacks it
        raise InvalidInput(f"the word-frequency list is not installed ({exc}): reinstall fieldcode "
                           "(pip install -e .), which brings 'wordfreq'") from None
    return lambda w: zipf_frequency(w, "en")


def _capitalised(pool: _Pool, docs: Sequence[Document], lower_words: set[str]) -> None:
    zipf = _zipf()
    cache: dict[str, bool] = {}

    def uncommon(w: str) -> bool:
        k = w.casefold()
        if k not in cache:
            cache[k] = not (k in _DAYS or k in lower_words or zipf(k) >= COMMON_ZIPF)
        return cache[k]

    def rare(w: str) -> bool:
        return uncommon(w) and zipf(w.casefold()) < RARE_ZIPF

    for d in docs:
        text = d.text
        labels = [(t.start, t.content_start) for t in d.turns]
        li = 0
        run: list[tuple[int, int, str, bool]] = []     # (start, end, word, possessive)

        def flush() -> None:
            words = list(run)
            run.clear()
            # at a sentence start any word is capitalised: "But Pat", "In Fernbank" lose their first
            # word; a lone word there only when it is rare
            if words and _sentence_start(text, words[0][0], 0):
                if len(words) == 1:
                    if not rare(words[0][2]):
                        return
                elif not uncommon(words[0][2]) and words[0][2].casefold() not in _TITLES:
                    words = words[1:]
            if not words or not any(uncommon(w[2]) and w[2].casefold() not in _TITLES for w in words):
                return
            if words[0][2].casefold() in _TITLES and len(words) > 1 or (words[-1][3] and len(words) == 1):
                cat = "person"
            else:
                before = text[max(0, words[0][0] - 12):words[0][0]].split()
                cat = "place" if before and before[-1].casefold() in _PLACE_BEFORE else "name"
            s, e = words[0][0], words[-1][1]
            pool.add(text[s:e], cat, f"capitalised, not a common word, in {d.name}: …{_context(text, s, e)}…")

        for m in _CAP.finditer(text):
            s = m.start()
            while li < len(labels) and labels[li][1] <= s:
                li += 1
            if li < len(labels) and labels[li][0] <= s < labels[li][1]:
                flush()
                continue                                  # a speaker label: proposed as a speaker
            w = m.group()
            if not w[0].isupper() or w.startswith(("I'", "I’")) or w == "I":
                flush()
                continue
            base, poss = _strip_possessive(w)
            end = s + len(base)
            if run and text[run[-1][1]:s] != " ":
                flush()
            if run and run[-1][3]:
                flush()                                   # "Brian's Mum": the possessive ends the name
            run.append((s, end, base, poss))
            if end != m.end() and not poss:
                flush()
        flush()


def _context(text: str, s: int, e: int, width: int = 30) -> str:
    return " ".join(text[max(0, s - width):min(len(text), e + width)].split())


def _lower_words(docs: Sequence[Document]) -> set[str]:
    out: set[str] = set()
    for d in docs:
        out.update(w.rstrip("'’-") for w in _LOWER_WORD.findall(d.text) if w[0].islower())
    return {w.casefold() for w in out}


def _spacy_entities(pool: _Pool, docs: Sequence[Document], model: str) -> None:
    try:
        import spacy

        nlp = spacy.load(model)
    except (OSError, ImportError, ValueError) as exc:
        raise InvalidInput(f"the spaCy pipeline '{model}' named in your settings (spacy_model) could not be "
                           f"loaded ({str(exc).splitlines()[0]}): install it, or remove spacy_model from the "
                           "settings to scan without it ('fieldcode settings' shows the file)") from None
    if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
        raise InvalidInput(f"the spaCy pipeline '{model}' has no entity recogniser: name a trained pipeline "
                           "(e.g. en_core_web_sm) in spacy_model, or remove it")
    kinds = {"PERSON": "person", "GPE": "place", "LOC": "place", "FAC": "place", "ORG": "organisation"}
    for d, doc in zip(docs, nlp.pipe(d.text for d in docs)):
        for ent in doc.ents:
            cat = kinds.get(ent.label_)
            if cat:
                pool.add(ent.text, cat, f"spaCy {model}: {ent.label_} in {d.name}")


def _attribute_values(pool: _Pool, docs: Sequence[Document], identifying: Iterable[str], roles: set[str],
                      arms: Iterable[str]) -> None:
    """The values of identifying attributes.  An attribute identifies when the codebook lists it
    (``identifying:``), when its name says so (:data:`ATTRIBUTE_CATEGORY`: participant,
    neighbourhood, pair, city, school ...), or, for any other attribute of the study design,
    when its value reads as a proper name: it starts with a capital, is not one of the study's
    arms, a role label, a date or a number, and is not a common word (the capitalised-word test
    of the text: Zipf below 5.5 and never written in lower case in the transcripts).  So a
    matched-pair design's ``pair: Liverpool`` is proposed, ``role: resident`` and ``arm:
    improving`` are not."""
    listed = list(dict.fromkeys([*DEFAULT_IDENTIFYING, *identifying]))
    skip = {fold(a) for a in arms} | roles
    lower = _lower_words(docs)
    zipf = _zipf()

    def proper(v: str) -> bool:
        words = re.findall(r"[^\W\d_]+", v)
        return v[0].isupper() and fold(v) not in skip and any(
            w.casefold() not in lower and zipf(w.casefold()) < COMMON_ZIPF for w in words)

    for d in docs:
        for a, raw in sorted(d.attributes.items()):
            v = " ".join(str(raw or "").split())
            if not v:
                continue
            if a in listed:               # the codebook's own list names the category (school -> [School 1])
                cat = ATTRIBUTE_CATEGORY[a] if a in DEFAULT_IDENTIFYING else a
            elif a in ATTRIBUTE_CATEGORY:
                if fold(v) in skip:
                    continue                   # interviewer: Interviewer names a role
                cat = ATTRIBUTE_CATEGORY[a]
            elif proper(v):
                cat = "name"
            else:
                continue
            pool.add(v, cat, f"attribute {a} of {d.name}")


def scan(docs: Sequence[Document], *, interviewer_labels: Iterable[str] = (), identifying: Iterable[str] = (),
         known: Iterable[tuple[str, str]] = (), spacy_model: str | None = None,
         arms: Iterable[str] = ()) -> list[Candidate]:
    """Every candidate in ``docs``, with every place it occurs, ordered by category and text.

    ``interviewer_labels``: speaker labels that name a role, not a person; ``identifying``:
    attribute names the codebook lists beyond the known ones; ``arms``: the study's arms (their
    values never identify); ``known``: (text, category) already in the key and not rejected."""
    pool = _Pool()
    roles = {fold(x) for x in interviewer_labels} | set(ROLE_LABELS)
    for d in docs:
        for t in d.turns:
            sp = " ".join((t.speaker or "").split())
            if sp and fold(sp) not in roles:
                pool.add(sp, "speaker", f"speaker label in {d.name}")
    _attribute_values(pool, docs, identifying, roles, arms)
    for text, cat in known:
        pool.add(text, cat, "already in the key")
    for d in docs:
        for cat, pat, why in PATTERNS:
            for m in pat.finditer(d.text):
                pool.add(m.group(), cat, f"{why} in {d.name}: …{_context(d.text, m.start(), m.end())}…")
    _capitalised(pool, docs, _lower_words(docs))
    if spacy_model:
        _spacy_entities(pool, docs, spacy_model)
    folded = [(d.name, fold(d.text)) for d in docs]
    for c in pool.by_key.values():
        for name, ft in folded:
            c.occurrences.extend((name, a, b) for a, b in occurrences(ft, c.text))
    return sorted(pool.by_key.values(), key=lambda c: (PRIORITY.get(c.category, 15), c.category, fold(c.text)))
