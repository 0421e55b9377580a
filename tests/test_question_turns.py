"""Interviewer paragraphs found in oral histories without speaker labels (``turns: questions``).

The answer key below was made by hand for the shared oral history
``ftf_GIBBONS_28OCT91_corrected.txt``: its text edition was split into paragraphs exactly as
fieldcode's paragraph turns split it (142 paragraphs, numbered from 0), and each paragraph was
read and marked as the interviewer's when the interviewer says it (questions, and remarks such
as "It sounds wonderful!" or "You couldn't do that today!"), as the participant's otherwise.
Five paragraphs are neither (the header's two paragraphs, "END OF SIDE A", "END OF
INTERVIEW." and a stray page number "13") and are left out of both counts.  Only some
questions carry a tape timestamp; paragraph 2 (the narrator's timestamped self-introduction)
and 12 (a timestamped answer) are the participant's; 16 is an answer that ends with a
question run into it, and counts as the participant's.  The model's figures were set before
the key was scored and are not fitted to it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fieldcode.text import (
    QUESTIONS,
    TURN_MODES,
    TurnRule,
    WORD_RE,
    detect_turns,
    normalise,
    paragraph_turns,
    question_turns,
)

INTERVIEWER = {3, 5, 7, 9, 11, 13, 15, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 53,
               55, 57, 59, 61, 63, 65, 67, 69, 71, 73, 75, 77, 79, 81, 83, 85, 87, 89, 91, 93, 95, 97, 99, 101,
               103, 105, 107, 109, 111, 113, 115, 117, 119, 122, 124, 126, 128, 130, 132, 134, 136, 138}
NEITHER = {0, 1, 52, 140, 141}
TIMESTAMP = re.compile(r"\d+\.\d\d\s")


@pytest.fixture
def gibbons(shared: Path) -> str:
    raw = (shared / "corpus" / "transcripts" / "ftf_GIBBONS_28OCT91_corrected.txt").read_bytes()
    return normalise(raw.decode("cp1252"))


@pytest.mark.corpus
def test_the_key_covers_every_paragraph(gibbons):
    paragraphs = paragraph_turns(gibbons, TurnRule("paragraphs"))
    assert len(paragraphs) == 142
    assert gibbons[paragraphs[50].start:paragraphs[50].end] == "It sounds wonderful!"
    assert gibbons[paragraphs[52].start:paragraphs[52].end] == "END OF SIDE A"
    assert len(INTERVIEWER) == 67


@pytest.mark.corpus
@pytest.mark.parametrize("marks", [TIMESTAMP, None], ids=["with-timestamps", "without"])
def test_interviewer_paragraphs_found_against_the_hand_key(gibbons, marks):
    found = question_turns(gibbons, TurnRule(QUESTIONS, marks))
    assert len(found) == 142
    said = {i for i, (turn, _p) in enumerate(found) if turn.speaker == "Interviewer"}
    participant = set(range(142)) - INTERVIEWER - NEITHER
    hit = len(said & INTERVIEWER) / len(INTERVIEWER)
    wrong = len(said & participant) / len(participant)
    assert hit >= 0.90, f"found {len(said & INTERVIEWER)} of {len(INTERVIEWER)}: missed {sorted(INTERVIEWER - said)}"
    assert wrong <= 0.05, f"participant paragraphs marked as the interviewer's: {sorted(said & participant)}"
    # the probabilities are probabilities, and the labels follow them
    assert all(0.0 <= p <= 1.0 and (turn.speaker == "Interviewer") == (p > 0.5) for turn, p in found)


@pytest.mark.corpus
def test_what_the_recipe_of_timestamps_alone_missed(gibbons):
    """The old recipe (a timestamp marks the interviewer) against the same key: it found only the
    timestamped questions and took the narrator's timestamped self-introduction for a question."""
    old = paragraph_turns(gibbons, TurnRule("paragraphs", TIMESTAMP))
    said = {i for i, t in enumerate(old) if t.speaker == "Interviewer"}
    assert len(said & INTERVIEWER) < 0.75 * len(INTERVIEWER)
    assert 2 in said


@pytest.mark.corpus
def test_analysed_words_are_the_participant_paragraphs_words(gibbons):
    """A timestamp starting a paragraph is its label, whoever speaks it: the participant's turns
    hold exactly the words of their paragraphs after the mark (counted here by this test's own
    rule: letters and digits joined by a hyphen or an apostrophe)."""
    own = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
    turns = detect_turns(gibbons, TurnRule(QUESTIONS, TIMESTAMP))
    paragraphs = paragraph_turns(gibbons, TurnRule("paragraphs"))
    assert [(t.start, t.end) for t in turns] == [(p.start, p.end) for p in paragraphs]
    for t in turns:
        body = gibbons[t.start:t.end]
        mark = TIMESTAMP.match(body)
        assert gibbons[t.start:t.content_start].strip() == (mark.group().strip() if mark else "")
    words = sum(len(own.findall(re.sub(r"\A\d+\.\d\d\s", "", gibbons[t.start:t.end])))
                for t in turns if t.speaker != "Interviewer")
    assert words == sum(len(WORD_RE.findall(gibbons, t.content_start, t.end)) for t in turns if t.speaker != "Interviewer")


def test_a_plain_alternating_interview_without_any_mark():
    text = normalise(
        "How long have you lived here?\n\n"
        "Since 1998. We came when the flats went up and stayed on when the others left for Leeds.\n\n"
        "And what changed?\n\n"
        "The jobs club opened, and people started going out to work again. I went too.\n\n"
        "Really!\n\n"
        "Yes, really. My sister got a job at the hospital and I found work at the depot.\n")
    found = question_turns(text, TurnRule(QUESTIONS))
    assert [t.speaker for t, _p in found] == ["Interviewer", "Participant"] * 3
    assert all(t.content_start == t.start for t, _p in found)  # no mark: nothing is a label


def test_questions_is_a_turn_mode_the_codebook_accepts(tmp_path):
    from fieldcode.study import codebook as cbmod

    assert QUESTIONS in TURN_MODES
    cb = tmp_path / "codebook.yaml"
    cb.write_text("study:\n  name: s\n  arms: [improving, lagging]\n  turns: questions\n"
                  "  interviewer_lines: '\\d+\\.\\d\\d\\s'\ncodes:\n  - key: a\n    name: A\n", encoding="utf-8")
    assert cbmod.load(cb).study.turns == QUESTIONS
