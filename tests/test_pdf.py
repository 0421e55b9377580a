"""PDFs read as a person reads them (issue 9): hidden text, running headers, spacing, page breaks.

PDFs are built here with fpdf2 (a test extra), placing each line where a word processor's
export would: line numbers outside the page, a page header ``1/3`` above the first speaker
label, tab-separated words.  The shared oral histories are checked against their text editions.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from fieldcode.ingest.readers import read_document
from fieldcode.ingest.segment import segment_many
from fieldcode.text import WORD_RE, TurnRule, detect_turns, normalise

fpdf = pytest.importorskip("fpdf")

LINE = 6  # mm between lines


def build_pdf(path: Path, pages: list[list[str | None]], *, header: str | None = None,
              line_numbers: bool = False, footer: str | None = None) -> Path:
    """One A4 page per list; each string is a line at 25 mm from the left, ``None`` skips a
    line (a paragraph gap).  ``header``/``footer`` may hold ``{page}`` and ``{pages}``;
    ``line_numbers`` draws a number left of the page (x < 0), as hidden line numbers are."""
    pdf = fpdf.FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for number, lines in enumerate(pages, start=1):
        pdf.add_page()
        if header:
            pdf.text(170, 12, header.format(page=number, pages=len(pages)))
        y = 30
        for n, line in enumerate(lines, start=1):
            if line is not None:
                if line_numbers:
                    pdf.text(-15, y, str(n))
                pdf.text(25, y, line)
            y += LINE
        if footer:
            pdf.text(25, 287, footer.format(page=number, pages=len(pages)))
    pdf.output(str(path))
    return path


def test_hidden_line_numbers_headers_and_tabs(tmp_path: Path) -> None:
    # The layout of the user-study PDF in issue 9: labels alone on their line, words
    # separated by tabs, line numbers drawn outside the page, '1/3' headers.
    pages = [
        ["Dan:", "So\ttell\tme\tabout\tthe\tstudy.", "Mia:", "We  started   in  May."],
        ["Dan:", "And\tthen?", "Mia:", "It ran on."],
        ["Dan:", "Thanks."],
    ]
    path = build_pdf(tmp_path / "study.pdf", pages, header="{page}/{pages}", line_numbers=True)
    result = read_document(path)
    assert result.text == (
        "Dan:\nSo tell me about the study.\nMia:\nWe started in May.\n"
        "Dan:\nAnd then?\nMia:\nIt ran on.\n"
        "Dan:\nThanks."
    )
    # the labels alone on their lines are turns, as in the text a person reads
    text = normalise(result.text)
    assert [(t.speaker, text[t.content_start:t.end]) for t in detect_turns(text)] == [
        ("Dan", "So tell me about the study."), ("Mia", "We started in May."),
        ("Dan", "And then?"), ("Mia", "It ran on."), ("Dan", "Thanks.")]
    # 4 + 4 + 2 numbered lines outside the page; one header per page.
    assert result.notes == [
        "10 line(s) of text drawn outside the visible page (e.g. hidden line numbers) were left out",
        "3 running header/footer line(s) (page numbers, repeated titles) were left out",
    ]


def test_running_footer_with_page_numbers_is_dropped_but_one_off_edge_lines_kept(tmp_path: Path) -> None:
    pages = [["Interview 4, 2 May", None, "A: First page words", "and more."],
             ["A: Second page words", "and more."],
             ["A: Third page words", "and more.", None, "End of interview"]]
    path = build_pdf(tmp_path / "f.pdf", pages, footer="Page {page} of {pages} - confidential")
    # The top line of page 1 and the bottom of page 3 occur once: kept.  The footer is on all
    # three pages (its page number aside): dropped.
    assert read_document(path).text == (
        "Interview 4, 2 May\n\nA: First page words\nand more.\nA: Second page words\nand more.\n"
        "A: Third page words\nand more.\n\nEnd of interview"
    )


def test_a_sentence_across_a_page_break_stays_one_sentence(tmp_path: Path) -> None:
    pages = [["A: We moved here in the", "spring of that year and"], ["stayed for good. Then it rained."]]
    text = normalise(read_document(build_pdf(tmp_path / "b.pdf", pages, header="{page}")).text)
    assert text == "A: We moved here in the\nspring of that year and\nstayed for good. Then it rained.\n"
    [sents] = list(segment_many([(text, detect_turns(text))]))
    assert [text[s.start:s.end] for s in sents] == [
        "We moved here in the\nspring of that year and\nstayed for good.", "Then it rained."]


def test_paragraph_gaps_and_hyphenated_line_ends(tmp_path: Path) -> None:
    pages = [["Q: What saved the most", "labour-", "saving time?", None, "A: The door-to-", "door van.",
              "Then the twins came."]]
    text = read_document(build_pdf(tmp_path / "g.pdf", pages)).text
    # A gap twice the line spacing starts a paragraph; 'labour-' + 'saving' is one word.
    assert text == "Q: What saved the most\nlabour-saving time?\n\nA: The door-to-door van.\nThen the twins came."


def test_a_page_ending_in_a_blank_line_ends_its_paragraph(tmp_path: Path) -> None:
    # fpdf2 places a blank line as a line holding one space, as Word's exports do.
    pages = [["First page ends here.", " "], ["Second page starts anew."]]
    assert read_document(build_pdf(tmp_path / "p.pdf", pages)).text == (
        "First page ends here.\n\nSecond page starts anew.")


# --------------------------------------------------------------------------- shared corpus

PAIRS = [
    ("formats/ftf_transcript_gibbons.pdf", "transcripts/ftf_GIBBONS_28OCT91_corrected.txt"),
    ("formats/ftf_transcript_watson.pdf", "transcripts/ftf_WATSON_19AUG91.txt"),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("pdf", "txt"), PAIRS)
def test_shared_pdf_reads_like_its_text_edition(shared: Path, pdf: str, txt: str) -> None:
    corpus = shared / "corpus"
    from_pdf = read_document(corpus / pdf)
    as_pdf = normalise(from_pdf.text)
    as_txt = normalise(read_document(corpus / txt).text)
    pdf_words, txt_words = WORD_RE.findall(as_pdf), WORD_RE.findall(as_txt)
    matcher = difflib.SequenceMatcher(None, pdf_words, txt_words, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    assert same >= 0.99 * len(txt_words)
    assert same >= 0.99 * len(pdf_words)
    # The page numbers at the top of pages 2.. are gone, not counted as words.
    assert any("running header" in note for note in from_pdf.notes)
    pdf_sents, txt_sents = segment_many([(as_pdf, detect_turns(as_pdf)), (as_txt, detect_turns(as_txt))])
    assert abs(len(pdf_sents) - len(txt_sents)) <= 0.01 * len(txt_sents)
    # No tab and no run of spaces is left between words.
    assert "\t" not in as_pdf and "  " not in as_pdf
    # Paragraph turns with timestamped questions: the same interviewer turns in both editions
    # (the text edition has one more paragraph: a stray page number at its end).
    rule = TurnRule("paragraphs", re.compile(r"\d+\.\d\d\s"))
    pdf_turns, txt_turns = detect_turns(as_pdf, rule), detect_turns(as_txt, rule)
    assert len(txt_turns) - len(pdf_turns) == 1
    assert [t.speaker for t in pdf_turns].count("Interviewer") == [t.speaker for t in txt_turns].count("Interviewer")


def test_speaker_labels_at_page_tops_are_not_running_headers(tmp_path: Path) -> None:
    # Every page starts with "Dan:" at its top edge: a label, never a header.
    pages = [["Dan:", f"Answer {n}.", "Mia:", f"Question {n}?"] for n in range(1, 5)]
    text = read_document(build_pdf(tmp_path / "l.pdf", pages)).text
    assert text.count("Dan:") == 4 and text.count("Mia:") == 4


def test_unnumbered_title_needs_two_thirds_of_the_pages(tmp_path: Path) -> None:
    on_all = [["Oral history project", f"A: {word} page."] for word in ("first", "second", "third")]
    assert "Oral history project" not in read_document(build_pdf(tmp_path / "a.pdf", on_all)).text
    # on 2 of 3 pages it may be content (e.g. the same short answer twice): kept
    twice = [["Oral history project", "A: one."], ["Oral history project", "A: two."], ["Other words", "A: three."]]
    assert read_document(build_pdf(tmp_path / "b.pdf", twice)).text.count("Oral history project") == 2


# --------------------------------------------------------------------------- page furniture (issue 20)

def furnished_pdf(path: Path, pages: list[list[str]], *, gutter: str | None = None, after: bool = False,
                  footer_y: list[float] | None = None, footer: str = "{page}/{pages}") -> Path:
    """Each page's lines at 25 mm from the left, 6 mm apart.  ``gutter``: line numbers in a
    column inside the page, "left" (x = 12 mm) or "right" (x = 195 mm), numbered through the
    document; ``after`` draws them after the page's text (as some exports do, so a reader meets
    them last); ``footer_y``: the height of the page's ``n/N`` line on each page (mm)."""
    pdf = fpdf.FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    number = 0
    for p, lines in enumerate(pages, start=1):
        pdf.add_page()
        numbers = []
        for i, line in enumerate(lines):
            y = 30 + i * LINE
            number += 1
            numbers.append((number, y))
            if gutter and not after:
                pdf.text(12 if gutter == "left" else 195, y, str(number))
            pdf.text(25, y, line)
        if gutter and after:
            for n, y in numbers:
                pdf.text(12 if gutter == "left" else 195, y, str(n))
        if footer_y:
            pdf.text(100, footer_y[p - 1], footer.format(page=p, pages=len(pages)))
    pdf.output(str(path))
    return path


FURNISHED = [
    ["Dan: So where did you live", "then?", "Mia: In 1998 we moved to the", "flats by the river."],
    ["Dan: And the rent?", "Mia: It went up every year,", "and the repairs never came."],
    ["Dan: Thank you.", "Mia: 3/4 of them left."],
]
CLEAN = ("Dan: So where did you live\nthen?\nMia: In 1998 we moved to the\nflats by the river.\n"
         "Dan: And the rent?\nMia: It went up every year,\nand the repairs never came.\n"
         "Dan: Thank you.\nMia: 3/4 of them left.")


@pytest.mark.parametrize("gutter", ["left", "right"])
@pytest.mark.parametrize("after", [False, True], ids=["beside", "drawn-last"])
def test_a_numbered_gutter_inside_the_page_is_left_out(tmp_path: Path, gutter: str, after: bool) -> None:
    # 4 + 3 + 2 = 9 numbered lines; '1998' and '3/4' start or sit inside the text column: kept
    result = read_document(furnished_pdf(tmp_path / "g.pdf", FURNISHED, gutter=gutter, after=after))
    assert result.text == CLEAN
    assert "9 line number(s) printed in a margin column were left out" in result.notes
    text = normalise(result.text)
    assert not [m.group() for m in WORD_RE.finditer(text) if m.group().isdigit() and m.group() not in ("1998", "3", "4")]


def test_page_of_footers_are_left_out_wherever_they_sit(tmp_path: Path) -> None:
    # the n/N line below the text on page 1, mid-page on page 2, near the top on page 3
    result = read_document(furnished_pdf(tmp_path / "f.pdf", FURNISHED, footer_y=[280, 70, 24]))
    assert result.text == CLEAN
    assert "3 running header/footer line(s) (page numbers, repeated titles) were left out" in result.notes


def test_gutter_and_footers_together(tmp_path: Path) -> None:
    """The layout of the user-study PDF in issue 20: a numbered gutter drawn last (so it would
    end up after the page's final turn) and n/N footers, which the gutter no longer hides from
    the footer rule."""
    result = read_document(furnished_pdf(tmp_path / "u.pdf", FURNISHED, gutter="left", after=True,
                                         footer_y=[287, 287, 287]))
    assert result.text == CLEAN
    sents = list(segment_many([(normalise(result.text), detect_turns(normalise(result.text)))]))[0]
    assert not [s for s in sents if not any(ch.isalpha() for ch in normalise(result.text)[s.start:s.end])]


def test_a_line_repeated_across_a_page_break_is_kept_once(tmp_path: Path) -> None:
    pages = [["Mia: We stayed on the estate and", "the rent went up again that year"],
             ["the rent went up again that year", "so we moved out in the end."]]
    result = read_document(furnished_pdf(tmp_path / "r.pdf", pages))
    assert result.text == ("Mia: We stayed on the estate and\nthe rent went up again that year\n"
                           "so we moved out in the end.")
    assert "1 line(s) repeated across a page break were left out" in result.notes
    # a short line (a label, a 'Yes.') that ends one page and starts the next is content
    short = [["Dan: Did it?", "Mia: Yes."], ["Mia: Yes.", "Dan: Really?"]]
    assert read_document(furnished_pdf(tmp_path / "s.pdf", short)).text.count("Mia: Yes.") == 2


def test_one_fraction_on_one_page_is_content(tmp_path: Path) -> None:
    pages = [["Mia: About", "2/3"], ["Mia: of them left."]]
    assert "2/3" in read_document(furnished_pdf(tmp_path / "c.pdf", pages)).text
