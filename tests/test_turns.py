"""Speaker turns in every common layout, and turn marking for transcripts without labels
(issue 9, point 2).  Expected spans are worked out by hand with str.index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldcode.cli import app
from fieldcode.study.codebook import CodebookError, load
from fieldcode.errors import InvalidInput
from fieldcode.project import Project
from fieldcode.text import TurnRule, detect_turns

from conftest import MINI_CODEBOOK


def spans(text: str, rule: TurnRule | None = None) -> list[tuple[str, str, str]]:
    """(speaker, label text, spoken words) of each turn."""
    return [(t.speaker, text[t.start:t.content_start], text[t.content_start:t.end])
            for t in detect_turns(text, rule)]


def test_label_alone_on_its_line() -> None:
    text = "Dan:\nSo tell me about it.\nTake your time.\n\nMia:\n  Well, it began in May.\n"
    assert spans(text) == [
        ("Dan", "Dan:\n", "So tell me about it.\nTake your time."),
        ("Mia", "Mia:\n  ", "Well, it began in May."),
    ]


def test_a_lone_heading_line_is_not_a_speaker() -> None:
    text = "Background:\nThe interview took place at home.\n\nDan: Hello.\nMia: Hi.\n"
    assert [s for s, _, _ in spans(text)] == ["Dan", "Mia"]


def test_capitals_bold_and_timestamps() -> None:
    text = ("DAN: Ready?\n"
            "MRS SMITH: Yes.\n"
            "**Dan (00:01:02):** And then?\n"
            "Mia (00:01:05): Then we moved.\n"
            "[00:01:09] Dan: Why?\n"
            "Mia [00:01:12]: Work.\n")
    assert spans(text) == [
        ("DAN", "DAN: ", "Ready?"),
        ("MRS SMITH", "MRS SMITH: ", "Yes."),
        ("Dan", "**Dan (00:01:02):** ", "And then?"),
        ("Mia", "Mia (00:01:05): ", "Then we moved."),
        ("Dan", "[00:01:09] Dan: ", "Why?"),
        ("Mia", "Mia [00:01:12]: ", "Work."),
    ]


def test_otter_style_name_and_time_above_the_words() -> None:
    text = "Speaker 1  0:03\nHello there.\n\nSpeaker 2  0:09\nHi.\n"
    assert spans(text) == [("Speaker 1", "Speaker 1  0:03\n", "Hello there."),
                           ("Speaker 2", "Speaker 2  0:09\n", "Hi.")]


def test_q_dot_and_a_dot() -> None:
    text = "Q. Where did you grow up?\nA. In Penrith,\nnear the river.\nQ. And school?\nA. Nearby.\n"
    assert spans(text) == [
        ("Q", "Q. ", "Where did you grow up?"), ("A", "A. ", "In Penrith,\nnear the river."),
        ("Q", "Q. ", "And school?"), ("A", "A. ", "Nearby."),
    ]
    # A list lettered "A." / "B." has no "Q.": no turns.
    assert spans("A. First point\nB. Second point\n") == []


def test_paragraph_turns_with_an_interviewer_pattern() -> None:
    text = "1.02\tJust to ask, where were you born?\n\n\tIn Sydney.\n\n\tIn 1922.\n\n1.30 And brothers?\n\nYes.\n"
    rule = TurnRule("paragraphs", re.compile(r"\d+\.\d\d\s"), interviewer="Interviewer")
    assert spans(text, rule) == [
        ("Interviewer", "1.02\t", "Just to ask, where were you born?"),
        ("Participant", "", "In Sydney."), ("Participant", "", "In 1922."),
        ("Interviewer", "1.30 ", "And brothers?"), ("Participant", "", "Yes."),
    ]
    # auto: labels win where there are any, paragraphs otherwise.
    assert [s for s, _, _ in spans("Ann: Hi.\n\nBob: Yo.\n", TurnRule("auto", rule.interviewer_lines))] == ["Ann", "Bob"]
    assert len(detect_turns(text, TurnRule("auto"))) == 5


# --------------------------------------------------------------------------- configuration

UNLABELLED = "1.02\tWhere were you born?\n\n\tIn Sydney, in 1922.\n\n1.30\tAny brothers?\n\n\tThree brothers.\n"


def _project(tmp_path: Path, codebook: str = MINI_CODEBOOK) -> Path:
    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(codebook, encoding="utf-8")
    return root


def _turns(p: Project, name: str) -> list[tuple[str, bool, str]]:
    iv = p.store.interview(name)
    return [(t.speaker, bool(t.is_interviewer), iv.text[t.content_start:t.end]) for t in p.store.turns(iv.id)]


EXPECTED = [("Interviewer", True, "Where were you born?"), ("Participant", False, "In Sydney, in 1922."),
            ("Interviewer", True, "Any brothers?"), ("Participant", False, "Three brothers.")]


def test_turns_from_front_matter(tmp_path: Path, db_url: str) -> None:
    root = _project(tmp_path)
    front = "---\nturns: paragraphs\ninterviewer_lines: '\\d+\\.\\d\\d\\t'\n---\n"
    (root / "interviews" / "oral.txt").write_text(front + UNLABELLED, encoding="utf-8")
    p = Project.open(root, db=db_url, coder="ana")
    try:
        report = p.import_files()
        assert report.ok
        [outcome] = report.outcomes
        assert outcome.notes == ["turns per speaker: Interviewer 2 (interviewer), Participant 2"]
        assert outcome.warnings == []
        assert _turns(p, "oral.txt") == EXPECTED
        # Interviewer speech is left out of the participant words: "In Sydney, in 1922." + "Three brothers."
        iv = p.store.interview("oral.txt")
        participant = [t.n_words for t in p.store.turns(iv.id) if not t.is_interviewer]
        assert sum(participant) == 4 + 2
    finally:
        p.close()


def test_turns_from_attributes_csv(tmp_path: Path, db_url: str) -> None:
    root = _project(tmp_path)
    (root / "interviews" / "oral.txt").write_text(UNLABELLED, encoding="utf-8")
    (root / "interviews" / "attributes.csv").write_text(
        'file,turns,interviewer_lines\noral.txt,paragraphs,"\\d+\\.\\d\\d\\t"\n', encoding="utf-8")
    p = Project.open(root, db=db_url, coder="ana")
    try:
        assert p.import_files().ok
        assert _turns(p, "oral.txt") == EXPECTED
    finally:
        p.close()


def test_turns_from_the_codebook_study_section(tmp_path: Path, db_url: str) -> None:
    codebook = MINI_CODEBOOK.replace(
        "  interviewer_speakers: [Interviewer]\n",
        "  interviewer_speakers: [Interviewer]\n  turns: auto\n  interviewer_lines: '\\d+\\.\\d\\d\\t'\n")
    root = _project(tmp_path, codebook)
    (root / "interviews" / "oral.txt").write_text(UNLABELLED, encoding="utf-8")
    (root / "interviews" / "labelled.txt").write_text("Interviewer: Hi.\nJo: Hello.\n", encoding="utf-8")
    p = Project.open(root, db=db_url, coder="ana")
    try:
        assert p.import_files().ok
        assert _turns(p, "oral.txt") == EXPECTED
        # auto keeps labels where a transcript has them
        assert _turns(p, "labelled.txt") == [("Interviewer", True, "Hi."), ("Jo", False, "Hello.")]
    finally:
        p.close()


def test_bad_turn_settings_are_reported(tmp_path: Path) -> None:
    bad = MINI_CODEBOOK.replace("  interviewer_speakers: [Interviewer]\n",
                                "  interviewer_speakers: [Interviewer]\n  turns: lines\n  interviewer_lines: '(['\n")
    path = tmp_path / "codebook.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        load(path)
    assert len(err.value.problems) == 2
    assert ":5: study.turns must be one of labels, paragraphs, auto" in err.value.problems[0]
    assert ":6: study.interviewer_lines is not a valid regular expression" in err.value.problems[1]

    from fieldcode.study.codebook import Study
    from fieldcode.study.design import turn_rule

    with pytest.raises(InvalidInput, match="^oral.txt: interviewer_lines '\\(' is not a valid regular expression"):
        turn_rule({"turns": "paragraphs", "interviewer_lines": "("}, Study(), "oral.txt")


def test_import_warns_when_no_turns_or_no_interviewer_turns(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "interviews" / "plain.txt").write_text("Just some words.\n\nMore words.\n", encoding="utf-8")
    (root / "interviews" / "nointerviewer.txt").write_text("Dan: Hi.\nMia: Hello.\nDan: Bye.\n", encoding="utf-8")
    (root / "interviews" / "ok.txt").write_text("Interviewer: Hi.\nMia: Hello.\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["-C", str(root), "--coder", "ana", "import"])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "note: turns per speaker: Dan 2, Mia 1" in flat
    assert "note: turns per speaker: Interviewer 1 (interviewer), Mia 1" in flat
    assert "warning: no speaker turns found" in flat
    assert "warning: no interviewer turns: none of its speakers is an interviewer label (Interviewer)" in flat
    assert flat.count("warning: no speaker turns found") == 1
    assert flat.count("warning: no interviewer turns:") == 1

    res = runner.invoke(app, ["-C", str(root), "interviews"])
    assert res.exit_code == 0, res.output
    cells = [[c.strip() for c in line.split("\u2502")] for line in res.output.splitlines() if "\u2502" in line]
    rows = {c[1]: c for c in cells if c[0].isdigit()}
    # columns: id, interview, role, words (labels count), analysed words (labels and interviewer
    # turns do not; no turns: all words), turns, interviewer turns, codings, coded
    assert rows["plain"][2:7] == ["—", "5", "5", "0", "0"]
    assert rows["nointerviewer"][2:7] == ["—", "6", "3", "3", "0"]       # Hi, Hello, Bye
    assert rows["ok"][2:7] == ["—", "4", "1", "2", "1"]                  # Mia's Hello
    flat = " ".join(res.output.split())
    assert "no speaker turns in plain:" in flat
    assert "no interviewer turns in nointerviewer:" in flat  # plain is named once, above


def test_codebook_template_documents_turn_settings(tmp_path: Path) -> None:
    from fieldcode.study.codebook import TEMPLATE

    text = TEMPLATE.replace("  # turns: auto", "  turns: auto").replace("  # interviewer_lines:", "  interviewer_lines:")
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    study = load(path).study
    assert (study.turns, study.interviewer_lines) == ("auto", r"\d+\.\d\d\s")
    # left commented, the template keeps the defaults
    path.write_text(TEMPLATE, encoding="utf-8")
    assert (load(path).study.turns, load(path).study.interviewer_lines) == ("labels", "")


def test_changed_turn_settings_re_mark_an_imported_transcript_and_keep_every_coding(tmp_path: Path, db_url: str) -> None:
    """The README's advice for a transcript imported with no turns (set 'turns: paragraphs' and
    an interviewer pattern) must work on re-import of the unchanged file: its turns are marked
    again, both coders' codings and the log stay exactly as they were, and the search index
    follows (the interviewer's question is no longer searched by default)."""
    root = _project(tmp_path)
    (root / "interviews" / "oral.txt").write_text(UNLABELLED, encoding="utf-8")
    p = Project.open(root, db=db_url, coder="ana")
    try:
        assert p.import_files().ok
        assert _turns(p, "oral.txt") == []
        iv = p.store.interview("oral.txt")
        a = iv.text.index("In Sydney")
        b = iv.text.index("Three brothers.")
        p.store.add_coding(iv.id, "place", a, a + len("In Sydney"), "ana")
        p.store.add_coding(iv.id, "housing", b, b + len("Three brothers."), "ben")
        codings = sorted((c.id, c.uid, c.coder, c.start, c.end) for c in p.store.codings(interview_id=iv.id))
        events = sorted((e.id, e.coder, e.action, e.coding_uid) for e in p.store.events(limit=100))
    finally:
        p.close()
    runner = CliRunner()
    hits = lambda: [ln for ln in runner.invoke(app, ["-C", str(root), "--db", db_url, "search", "brother",  # noqa: E731
                                                     "--format", "csv"]).output.splitlines()[1:] if ln.strip()]
    assert len(hits()) == 2  # no turns yet: "Any brothers?" counts as participant speech

    (root / "interviews" / "attributes.csv").write_text(
        'file,turns,interviewer_lines\noral.txt,paragraphs,"\\d+\\.\\d\\d\\t"\n', encoding="utf-8")
    p = Project.open(root, db=db_url, coder="ana")
    try:
        # opening for a write already takes the new settings from attributes.csv and marks the
        # turns again (any command that writes does, not only import); the import then has
        # nothing left to do
        assert p.turn_setting_changes == [
            "oral.txt: turns (none) -> paragraphs, interviewer_lines (none) -> \\d+\\.\\d\\d\\t "
            "(in interviews/oral.txt or attributes.csv)"]
        assert p.remarked == {"oral.txt": "4 turn(s), were 0"}
        report = p.import_files()
        assert report.ok
        [outcome] = report.outcomes
        assert outcome.status == "unchanged"
        assert _turns(p, "oral.txt") == EXPECTED
        iv = p.store.interview("oral.txt")
        assert sorted((c.id, c.uid, c.coder, c.start, c.end) for c in p.store.codings(interview_id=iv.id)) == codings
        assert sorted((e.id, e.coder, e.action, e.coding_uid) for e in p.store.events(limit=100)) == events
        assert [o.status for o in p.import_files().outcomes] == ["unchanged"]  # marked once
    finally:
        p.close()
    [hit] = hits()  # the participant's "Three brothers.", by its offsets
    assert ",Participant," in hit and f",{b + len('Three ')},{b + len('Three brothers')}," in hit
