"""A denominator does not depend on how the transcript writes its speaker labels.

The same conversation is written in every label layout fieldcode recognises, and as paragraph
turns whose questions carry a tape timestamp.  The words are counted here by hand:

    Interviewer  "How long have you lived on the estate?"                       8 words
    Maria        "Twenty-two years, since the flats went up in 1998."           9 words
                 (Twenty-two is one word: a hyphen joins word characters)
    Interviewer  "What changed?"                                                 2 words
    Maria        "The jobs club opened. People started going out to Leeds for
                  work, and it's not the same place now."                       19 words
                 (it's is one word)

    participant words 9 + 19 = 28; with the interviewer's 8 + 2 = 38.

A label is never an analysed word, whatever it carries (a timestamp, bold, brackets, a line of
its own); a paragraph turn has no label, so nothing is taken from it.  Before the fix, a
timestamp in a label counted as three words per turn (00, 01, 02), and a paragraph turn lost
the word "Participant", which is nowhere in its text.
"""

from __future__ import annotations

import re

import pytest

from fieldcode.analysis import crosstab

from test_analysis_fixtures import CODEBOOK, attrs, make_project

Q1, A1 = "How long have you lived on the estate?", "Twenty-two years, since the flats went up in 1998."
Q2 = "What changed?"
A2 = "The jobs club opened. People started going out to Leeds for work, and it's not the same place now."
TURNS = [("Interviewer", Q1), ("Maria", A1), ("Interviewer", Q2), ("Maria", A2)]
PARTICIPANT_WORDS, ALL_WORDS = 28, 38
STAMPS = ["00:00:05", "00:01:02", "00:02:30", "00:03:11"]


def layout(name: str) -> str:
    """The conversation written in one label layout."""
    lines = []
    for i, (who, said) in enumerate(TURNS):
        ts = STAMPS[i]
        lines.append({
            "plain": f"{who}: {said}",
            "capitals": f"{who.upper()}: {said}",
            "bold": f"**{who}:** {said}",
            "stamp_after": f"{who} ({ts}): {said}",
            "stamp_after_brackets": f"{who} [{ts}]: {said}",
            "stamp_before": f"[{ts}] {who}: {said}",
            "own_line": f"{who}:\n{said}",
            "stamped_own_line": f"{who}  {ts}\n{said}",
            "q_and_a": f"{'Q' if who == 'Interviewer' else 'A'}. {said}",
        }[name])
    return "\n\n".join(lines) + "\n"


LAYOUTS = ["plain", "capitals", "bold", "stamp_after", "stamp_after_brackets", "stamp_before", "own_line",
           "stamped_own_line", "q_and_a"]


def own_word_count(text: str) -> int:
    """Words by this test's own rule: runs of letters and digits, joined by a hyphen or an
    apostrophe between two of them."""
    return len(re.findall(r"[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*", text))


def test_the_hand_counts():
    assert own_word_count(A1) + own_word_count(A2) == PARTICIPANT_WORDS
    assert own_word_count(Q1) + own_word_count(Q2) + PARTICIPANT_WORDS == ALL_WORDS


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    interviews = {name: (attrs("P1", "improving"), layout(name)) for name in LAYOUTS}
    # paragraph turns: only the questions carry a tape timestamp, which marks them as the interviewer's
    paragraphs = "\n\n".join(f"{STAMPS[i]} {said}" if who == "Interviewer" else said
                             for i, (who, said) in enumerate(TURNS)) + "\n"
    interviews["paragraphs"] = ({**attrs("P1", "improving"), "turns": "paragraphs",
                                 "interviewer_lines": r"'\d\d:\d\d:\d\d\s'"}, paragraphs)
    # paragraph turns without any interviewer mark: every paragraph is the participant's
    interviews["paragraphs_unmarked"] = ({**attrs("P1", "improving"), "turns": "paragraphs"},
                                         paragraphs.replace("00:00:05 ", "").replace("00:02:30 ", ""))
    p = make_project(tmp_path_factory.mktemp("layouts"), interviews, codebook=CODEBOOK.replace(
        "interviewer_speakers: [Interviewer]", "interviewer_speakers: [Interviewer, Q]"))
    yield p
    p.close()


def words_by_interview(p, include_interviewer: bool) -> dict[str, int]:
    ct = crosstab(p.store, unit="all", by=("interview",), include_interviewer=include_interviewer)
    return {g[0].removesuffix(".md"): int(w) for g, w in zip(ct.groups, ct.group_words.tolist())}


def test_turns_were_found_in_every_layout(study):
    for name in [*LAYOUTS, "paragraphs"]:
        turns = study.store.turns(study.store.interview(name).id)
        assert len(turns) == 4, name
        assert [t.is_interviewer for t in turns] == [True, False, True, False], name


@pytest.mark.parametrize("name", [*LAYOUTS, "paragraphs"])
def test_every_layout_gives_the_hand_counted_denominator(study, name):
    assert words_by_interview(study, False)[name] == PARTICIPANT_WORDS
    assert words_by_interview(study, True)[name] == ALL_WORDS


def test_unmarked_paragraphs_are_all_analysed(study):
    """Every paragraph is the participant's: all 38 words, and nothing subtracted for a label."""
    assert words_by_interview(study, False)["paragraphs_unmarked"] == ALL_WORDS


def test_coded_words_and_rates_agree_across_layouts(study):
    """The same passage coded in each layout: the same coded words, the same per-1,000."""
    for name in [*LAYOUTS, "paragraphs"]:
        text = study.store.interview(name).text
        a = text.index("People started")
        study.store.add_coding(name, "leadership", a, a + len("People started going out to Leeds for work"), "ana")
    ct = crosstab(study.store, unit="all", by=("interview",), codes=["leadership"])
    row = {g[0].removesuffix(".md"): (int(w), round(float(r), 6)) for g, w, r in
           zip(ct.groups, ct.table("words")[0].tolist(), ct.table("per1000")[0].tolist())}
    # "People started going out to Leeds for work" = 8 words; 1000 * 8 / 28
    expected = (8, round(1000 * 8 / PARTICIPANT_WORDS, 6))
    for name in [*LAYOUTS, "paragraphs"]:
        assert row[name] == expected, name


def test_label_words_are_read_alike_on_sqlite_and_postgres(db_url, tmp_path):
    """The labels' words are read with SQL ``substr`` (code points on both backends): a label
    with a timestamp and a non-ASCII name, and a paragraph turn, on each database."""
    body = layout("stamp_after").replace("Maria", "Zoë Ødegård")
    p = make_project(tmp_path / "s", {
        "stamped": (attrs("P1", "improving"), body),
        "paras": ({**attrs("P1", "lagging"), "turns": "paragraphs"}, f"{A1}\n\n{A2}\n"),
    }, db=db_url)
    try:
        ct = crosstab(p.store, unit="all", by=("interview",))
        words = {g[0].removesuffix(".md"): int(w) for g, w in zip(ct.groups, ct.group_words.tolist())}
        assert words == {"stamped": PARTICIPANT_WORDS, "paras": PARTICIPANT_WORDS}
    finally:
        p.close()


def test_text_outside_every_turn_is_not_analysed(tmp_path):
    """A header before the first turn is no one's turn: not analysed (before the one definition
    its words were counted).  (A line after the last turn continues that turn, as any unlabelled
    line continues the turn above it.)"""
    body = "Interview 4, Leeds, 2 May 2024\n\n" + layout("plain")
    p = make_project(tmp_path / "h", {"h": (attrs("P1", "improving"), body)})
    try:
        assert words_by_interview(p, False)["h"] == PARTICIPANT_WORDS
        assert words_by_interview(p, True)["h"] == ALL_WORDS
        text = p.store.interview("h").text
        p.store.add_coding("h", "leadership", 0, text.index("\n"), "ana")   # the header, coded
        ct = crosstab(p.store, unit="all", by=("interview",), codes=["leadership"], include_interviewer=True)
        assert int(ct.segments[0, 0]) == 0 and int(ct.words[0, 0]) == 0
    finally:
        p.close()


def test_a_passage_counts_only_when_it_covers_an_analysed_word(tmp_path):
    """Worked by hand on the plain layout:
    * a lone space inside Maria's first answer: no word, not a segment, no interview mentions it;
    * Maria's label alone ("Maria: "), coded: no analysed word, not a segment, with interviewer
      turns included or not;
    * the interviewer's question: a segment only when interviewer turns are included;
    * from the question into Maria's first word: one segment, one coded word ("Twenty-two")."""
    p = make_project(tmp_path / "z", {"z": (attrs("P1", "improving"), layout("plain"))})
    try:
        text = p.store.interview("z").text
        a1 = text.index(A1)
        space = a1 + A1.index(" ")
        p.store.add_coding("z", "place", space, space + 1, "ana")
        label = text.index("Maria: ")
        p.store.add_coding("z", "housing", label, label + len("Maria: "), "ana")
        q1 = text.index(Q1)
        p.store.add_coding("z", "aspiration", q1, q1 + len(Q1), "ana")
        p.store.add_coding("z", "leadership", q1, a1 + len("Twenty-two"), "ana")

        def cells(include):
            ct = crosstab(p.store, unit="all", by=("interview",), include_interviewer=include)
            return {r.key: (int(ct.segments[i, 0]), int(ct.interviews[i, 0]), int(ct.words[i, 0]))
                    for i, r in enumerate(ct.rows)}

        out = cells(False)
        assert out["place"] == (0, 0, 0)
        assert out["housing"] == (0, 0, 0)
        assert out["aspiration"] == (0, 0, 0)
        assert out["leadership"] == (1, 1, 1)
        inc = cells(True)
        assert inc["place"] == (0, 0, 0)
        assert inc["housing"] == (0, 0, 0)
        assert inc["aspiration"] == (1, 1, 8)
        assert inc["leadership"] == (1, 1, 9)   # the question's 8 words and "Twenty-two"
        from fieldcode.analysis import segments

        counted = {s.code_key: s.counted for s in segments(p.store)}
        assert counted == {"place": False, "housing": False, "aspiration": False, "leadership": True}
        assert {s.code_key for s in segments(p.store, exclude_interviewer=True)} == {"leadership"}
    finally:
        p.close()


def test_a_pdf_transcript_gives_the_hand_counted_denominator(tmp_path):
    """The same conversation as a PDF (as a word processor exports it: a page header '1/2', the
    labels at line starts, the second answer running over a page break): 28 analysed words, 38
    with the interviewer's, as every text layout gives."""
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    pages = [[f"Interviewer: {Q1}", f"Maria: {A1}", f"Interviewer: {Q2}", "Maria: The jobs club opened. People started"],
             ["going out to Leeds for work, and it's not the same place now."]]
    for n, lines in enumerate(pages, start=1):
        pdf.add_page()
        pdf.text(170, 12, f"{n}/{len(pages)}")
        for i, line in enumerate(lines):
            pdf.text(25, 30 + 6 * i, line)
    folder = tmp_path / "pdf"
    (folder / "interviews").mkdir(parents=True)
    pdf.output(str(folder / "interviews" / "maria.pdf"))
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (folder / "interviews" / "attributes.csv").write_text(
        "file,pair,neighbourhood,arm,role\nmaria.pdf,P1,P1-improving,improving,resident\n", encoding="utf-8")
    from fieldcode.project import Project

    p = Project.open(folder, coder="ana")
    try:
        rep = p.import_files()
        assert rep.ok, [(o.path, o.message) for o in rep.failed]
        assert {k.removesuffix(".pdf"): v for k, v in words_by_interview(p, False).items()} == {"maria": PARTICIPANT_WORDS}
        assert {k.removesuffix(".pdf"): v for k, v in words_by_interview(p, True).items()} == {"maria": ALL_WORDS}
    finally:
        p.close()
