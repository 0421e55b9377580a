"""Deterministic synthetic interview corpus for fieldcode benchmarks.

``generate(folder, n_interviews, words_per_interview, seed=0)`` writes ``n_interviews``
Markdown transcripts shaped like the bundled study's: YAML front matter (pair,
neighbourhood, arm, role, participant, interviewer, date, source), then alternating
``Interviewer:`` question turns and participant answer turns of several sentences, some split
into paragraphs (a blank line, then an unlabelled continuation line).

The text is drawn from a fixed word list with ``random.Random`` seeded per interview from
``(seed, index)`` only, so the same arguments always give byte-identical files, on any machine
and Python 3.11+, and interview *i* is the same whatever ``n_interviews`` is.  The vocabulary is
plain ASCII so no normalisation changes the text.  Each file holds at least
``words_per_interview`` words (as fieldcode counts words: ``fieldcode.text.WORD_RE``): the last
paragraph is finished, so about 2 % more on average (500 x 8,000 gives 4,090,256 words).

Command line::

    python benchmarks/corpus.py OUT_DIR [--interviews N] [--words W] [--seed S]
    python benchmarks/corpus.py --check      # self-test: same seed -> identical bytes

The data is FICTIONAL nonsense text; it only has the shape of an interview.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CorpusInfo", "generate", "corpus_digest"]

# The same definition of a word as fieldcode.text.WORD_RE (kept here so the generator has no
# dependency on fieldcode; the benchmark checks the counts agree).
_WORD_RE = re.compile(r"\w+(?:['\u2019\-]\w+)*")

PAIRS = {
    # pair: (improving neighbourhood, lagging neighbourhood)
    "Liverpool": ("Fairhaven", "Brookvale"),
    "Leeds": ("Ashcliffe", "Millbeck"),
    "Middlesbrough": ("Thornleigh", "Redcar Lane"),
}
ARMS = ("improving", "lagging")
ROLES = ("resident", "resident", "resident", "agency", "business", "community-group")

FIRST_NAMES = (
    "Shazia", "Dave", "Maureen", "Kevin", "Joanne", "Tariq", "Linda", "Paul", "Aisha", "Gary",
    "Sandra", "Mick", "Bernadette", "Ravi", "Kelly", "Stuart", "Nadia", "Terry", "Carol", "Imran",
)

# Everyday words plus the study's domain vocabulary (from the codebook's keywords).
WORDS = tuple("""
the the the the a a a and and and of of to to to in in it it it that that was was
is is I I I you you we we they they he she there there this but but so so not not
on on for for with with at at be be have have had had do did don't didn't it's
I've I'd they're we're that's there's can't won't just just like like really really
know know think think mean said say says got get go went come came see saw
people people kids family neighbours everybody nobody somebody folk lads young old
estate estate area area street streets road houses house housing home homes garden
park shops precinct school church pub library centre community council police
jobcentre landlord landlords rent repairs tenants demolition clearance voids
boarded-up tinned-up new build private rented regeneration scheme schemes
work job jobs wages pay hours employer agency zero contract benefits claim
universal credit sanction sanctioned coach adviser programme course training
apprenticeship steelworks docks port warehouse factory call closed closure
redundancy industry city town bus buses route travel drive car cars
crime litter rubbish fly-tipping graffiti drugs dealing burglary vandalism bikes
fires dumped scared safe safer worse better same different changed change
meeting meetings partnership together joined-up forum round table working
years year months weeks week days day night morning summer winter time times
always never sometimes often still ever again back now then before after
lot little much more less most few many every some any all none
good bad great terrible fine nice awful lovely hard easy proper decent
big small long short high low near far local wider whole half
because when where why how what who which if though although while until
money budget funding grant cuts cheap dear price prices bills food bank
mum dad son daughter husband wife brother sister nan grandad eldest youngest
friend friends mate mates worker workers volunteer volunteers staff manager
open shut built knocked moved left stayed started stopped tried wanted needed
helps helped makes made takes took gives gave keeps kept feels felt
honestly basically apparently probably definitely actually obviously
""".split())

QUESTION_OPENERS = (
    "Can you tell me about", "What do you think about", "How has", "Why do you think",
    "What happened with", "Who deals with", "How do people feel about", "When did things change with",
    "What would you change about", "Is there anything else about",
)
PUNCT_END = (".",) * 14 + ("?", "!")


@dataclass(frozen=True)
class CorpusInfo:
    """What :func:`generate` wrote."""

    folder: Path
    files: tuple[Path, ...]
    n_words: int       # total words in the transcript bodies (fieldcode's definition)
    n_bytes: int
    digest: str        # SHA-256 over the file names and bytes, sorted by name


def _sentence(rng: random.Random, lo: int, hi: int, end: str | None = None) -> str:
    n = rng.randint(lo, hi)
    words = [rng.choice(WORDS) for _ in range(n)]
    # An occasional comma, as speech has.
    if n > 8 and rng.random() < 0.6:
        k = rng.randint(3, n - 3)
        words[k] = words[k] + ","
    words[0] = words[0][0].upper() + words[0][1:]
    return " ".join(words) + (end or rng.choice(PUNCT_END))


def _question(rng: random.Random) -> str:
    opener = rng.choice(QUESTION_OPENERS)
    rest = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 10)))
    return f"{opener} {rest}?"


def _interview(index: int, words_per_interview: int, seed: int) -> tuple[str, str]:
    """(file name, file text) of interview ``index``."""
    rng = random.Random(f"fieldcode-bench:{seed}:{index}")
    pair = list(PAIRS)[index % len(PAIRS)]
    arm = ARMS[(index // len(PAIRS)) % len(ARMS)]
    hood = PAIRS[pair][ARMS.index(arm)]
    role = rng.choice(ROLES)
    speaker = rng.choice(FIRST_NAMES)
    code = f"{pair[:3].upper()}-{arm[0].upper()}-{index + 1:04d}"
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    name = f"{pair.lower()}-{arm}-{index + 1:04d}-{role}.md"

    head = [
        "---",
        "# FICTIONAL: synthetic benchmark transcript generated by benchmarks/corpus.py.",
        f"pair: {pair}",
        f"neighbourhood: {hood}",
        f"arm: {arm}",
        f"role: {role}",
        f"participant: {code}",
        "interviewer: Interviewer",
        f"date: 2025-{month:02d}-{day:02d}",
        "source: synthetic",
        "---",
    ]
    lines: list[str] = []
    words = 0
    while words < words_per_interview:
        q = _question(rng)
        lines.append(f"Interviewer: {q}")
        lines.append("")
        words += len(_WORD_RE.findall(q))
        # An answer: 1-3 paragraphs of 2-7 sentences; the first paragraph carries the label.
        for p in range(rng.choices((1, 2, 3), weights=(5, 3, 2))[0]):
            para = " ".join(_sentence(rng, 3, 24) for _ in range(rng.randint(2, 7)))
            words += len(_WORD_RE.findall(para))
            lines.append(f"{speaker}: {para}" if p == 0 else para)
            lines.append("")
            if words >= words_per_interview:
                break
    text = "\n".join(head) + "\n" + "\n".join(lines).rstrip("\n") + "\n"
    return name, text


def generate(folder: Path, n_interviews: int, words_per_interview: int, seed: int = 0) -> CorpusInfo:
    """Write ``n_interviews`` transcripts of about ``words_per_interview`` words into ``folder``
    (created if needed).  Deterministic: same arguments, byte-identical files."""
    if n_interviews < 1 or words_per_interview < 1:
        raise ValueError("n_interviews and words_per_interview must be positive")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    n_words = n_bytes = 0
    for i in range(n_interviews):
        name, text = _interview(i, words_per_interview, seed)
        data = text.encode("utf-8")
        path = folder / name
        path.write_bytes(data)
        files.append(path)
        body = text.split("\n---\n", 1)[1]
        n_words += len(_WORD_RE.findall(body))
        n_bytes += len(data)
    return CorpusInfo(folder, tuple(files), n_words, n_bytes, _digest(files))


def _digest(files) -> str:
    h = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def corpus_digest(folder: Path) -> str:
    """SHA-256 over the ``.md`` files of ``folder`` (names and bytes, sorted by name), the same
    as :attr:`CorpusInfo.digest`."""
    return _digest(Path(folder).glob("*.md"))


def self_check() -> int:
    """Same seed -> byte-identical files; other seed -> different; prefix-stable in n."""
    with tempfile.TemporaryDirectory() as tmp:
        a = generate(Path(tmp) / "a", 12, 2000, seed=7)
        b = generate(Path(tmp) / "b", 12, 2000, seed=7)
        c = generate(Path(tmp) / "c", 12, 2000, seed=8)
        d = generate(Path(tmp) / "d", 5, 2000, seed=7)
        ok = True
        checks = [
            ("same seed gives identical bytes", a.digest == b.digest == corpus_digest(Path(tmp) / "b")),
            ("different seed gives different text", a.digest != c.digest),
            ("interview i does not depend on n_interviews",
             all((Path(tmp) / "a" / p.name).read_bytes() == p.read_bytes() for p in d.files)),
            ("about 2000 words per interview", 1900 <= a.n_words / 12 <= 2100),
        ]
        for label, passed in checks:
            print(f"{'ok  ' if passed else 'FAIL'} {label}")
            ok &= passed
        print(f"digest (12 x 2000 words, seed 7): {a.digest}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", type=Path, help="folder to write the transcripts into")
    ap.add_argument("--interviews", type=int, default=500)
    ap.add_argument("--words", type=int, default=8000, help="words per interview")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check", action="store_true", help="run the determinism self-test and exit")
    args = ap.parse_args(argv)
    if args.check:
        return self_check()
    if args.out is None:
        ap.error("give an output folder, or --check")
    info = generate(args.out, args.interviews, args.words, args.seed)
    print(f"{len(info.files)} interviews, {info.n_words:,} words, {info.n_bytes / 2**20:.1f} MiB "
          f"in {info.folder}\nsha256 {info.digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
