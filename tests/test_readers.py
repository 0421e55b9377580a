"""Tests for fieldcode.ingest.readers: every format built for real in tmp_path, plus the shared corpus."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from odf import teletype
from odf.office import Annotation
from odf.opendocument import OpenDocumentText
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, List, ListItem, P
from pypdf import PdfWriter

from fieldcode.ingest import readers
from fieldcode.ingest.readers import (
    SUPPORTED_SUFFIXES,
    ReadError,
    ReadResult,
    decode_bytes,
    read_document,
)

def cp1252_note(*words: str) -> str:
    """The note for an assumed windows-1252 file, naming the words to check."""
    shown = f": check {', '.join(chr(0x201c) + w + chr(0x201d) for w in words)}" if words else ""
    return f"decoded as windows-1252 (not UTF-8; assumed from its Western European text{shown}; pass --encoding to choose another)"


def write(path: Path, data: bytes | str) -> Path:
    """Write bytes (or UTF-8 text) to ``path`` and return it."""
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF, one Helvetica text line per string; an empty list is a page without text."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        ops = "".join(f"({line}) Tj 0 -14 Td " for line in lines)
        stream = f"BT /F1 12 Tf 72 720 Td {ops}ET" if lines else ""
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# --------------------------------------------------------------------------- dispatch and files


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == {".txt", ".md", ".docx", ".odt", ".rtf", ".vtt", ".srt", ".pdf"}


def test_unknown_suffix_names_supported_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.xyz", "hello")
    with pytest.raises(ReadError) as err:
        read_document(path)
    assert str(err.value) == (
        "cannot read .xyz files: supported types are .docx, .md, .odt, .pdf, .rtf, .srt, .txt, .vtt"
    )


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert read_document(write(tmp_path / "A.TXT", "hello")).text == "hello"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="^no such file$"):
        read_document(tmp_path / "absent.txt")


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(ReadError, match="^this is a folder, not a file$"):
        read_document(tmp_path / "dir.txt")


def test_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 10)
    with pytest.raises(ReadError, match="too large"):
        read_document(write(tmp_path / "big.txt", "x" * 11))


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_zero_byte_file_is_empty_in_every_format(tmp_path: Path, suffix: str) -> None:
    with pytest.raises(ReadError, match="^the file is empty$"):
        read_document(write(tmp_path / f"empty{suffix}", b""))


def test_whitespace_only_text_is_empty(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="^the file is empty$"):
        read_document(write(tmp_path / "blank.md", " \r\n\t\n"))


def test_errors_are_single_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.docx", "plain text\nwith two lines")
    with pytest.raises(ReadError) as err:
        read_document(path)
    assert "\n" not in str(err.value)


# --------------------------------------------------------------------------- text decoding


def test_utf8_text_is_unchanged(tmp_path: Path) -> None:
    text = "Zoë said: “fine”\r\nline\u2028two\n\nCafe\u0301"
    result = read_document(write(tmp_path / "a.txt", text))
    assert result == ReadResult(text=text, encoding="utf-8", notes=[])


def test_utf8_bom_is_dropped() -> None:
    assert decode_bytes(b"\xef\xbb\xbfhello", None) == ("hello", "utf-8-sig", [])


def test_utf16_with_bom_is_decoded_with_note(tmp_path: Path) -> None:
    path = write(tmp_path / "u16.txt", "Ünïcode answer\n".encode("utf-16"))
    result = read_document(path)
    assert result == ReadResult("Ünïcode answer\n", "utf-16", ["decoded as UTF-16 (byte-order mark)"])


def test_cp1252_is_detected_with_note(tmp_path: Path) -> None:
    text = "It’s a “quoted” answer… and the café was closed – we went home.\r\n"
    result = read_document(write(tmp_path / "w.txt", text.encode("cp1252")))
    assert result == ReadResult(text, "cp1252", [cp1252_note("café")])


def test_latin1_text_is_reported_as_cp1252() -> None:
    text = "Café crème, naïve façade. We talked about the house and the garden.\n"
    assert decode_bytes(text.encode("latin-1"), None) == (text, "cp1252", [cp1252_note("Café", "crème", "naïve")])


def test_cp1252_byte_0x85_is_an_ellipsis() -> None:
    text, encoding, _ = decode_bytes(b"We waited \x85 and waited. It was a long day, wasn\x92t it?", None)
    assert encoding == "cp1252"
    assert text == "We waited … and waited. It was a long day, wasn’t it?"


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        ("Zażółć gęślą jaźń. Rozmawialiśmy o życiu w mieście, o pracy i o rodzinie.\n", "cp1250", "cp1250"),
        ("Привет, как дела? Это интервью о жизни в городе.\n", "cp1251", "cp1251"),
        ("Evet, İstanbul'da çalıştım; şehir çok güzeldi ve ağaçlar vardı.\n", "cp1254", "cp1254"),
    ],
)
def test_other_single_byte_encodings_need_encoding(text: str, codec: str, expected: str) -> None:
    # No guess: a statistical detector's "certainty" read cp1252 French as cp775. Refused,
    # and read exactly once the user names the encoding.
    with pytest.raises(ReadError, match="pass --encoding"):
        decode_bytes(text.encode(codec), None)
    assert decode_bytes(text.encode(codec), expected) == (text, expected, [])


def test_encoding_override(tmp_path: Path) -> None:
    path = write(tmp_path / "l1.txt", "Ça va? ½ d’accord".encode("cp1252"))
    assert read_document(path, encoding="windows-1252") == ReadResult("Ça va? ½ d’accord", "cp1252", [])


def test_encoding_override_is_strict() -> None:
    with pytest.raises(ReadError) as err:
        decode_bytes(b"abc\x92def", "utf-8")
    assert str(err.value) == "line 1: byte 0x92 at offset 3 is not valid utf-8: check --encoding"


def test_valid_utf8_wins_over_encoding_override_and_says_so() -> None:
    # --encoding on a folder must not garble the UTF-8 files in it.
    assert decode_bytes("é".encode("utf-8"), "latin-1") == ("é", "utf-8", [
        "the file is valid UTF-8, so it was read as UTF-8, not as latin-1 (--encoding applies to the "
        "files that are not UTF-8)"])
    assert decode_bytes(b"plain", "latin-1") == ("plain", "iso8859-1", [])


def test_unknown_encoding_name() -> None:
    with pytest.raises(ReadError, match="unknown encoding 'klingon'"):
        decode_bytes(b"abc", "klingon")


def test_non_text_codec_name() -> None:
    with pytest.raises(ReadError, match="not a text encoding"):
        decode_bytes(b"abc", "rot13")


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(128, 256)) * 3,
        b"\x81\x8d\x8f\x90\x9d" * 10,
        "Привет, как дела?\n".encode("koi8-r"),
    ],
    ids=["all-high-bytes", "cp1252-undefined", "short-koi8"],
)
def test_uncertain_detection_is_refused(data: bytes) -> None:
    with pytest.raises(ReadError) as err:
        decode_bytes(data, None)
    assert str(err.value) == "cannot tell the text encoding (not UTF-8): pass --encoding, e.g. --encoding cp1252"


def test_nul_bytes_mean_binary(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="^binary file, not text \\(a NUL byte at offset 8\\)"):
        read_document(write(tmp_path / "img.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))


def test_nul_after_forced_encoding_means_binary() -> None:
    with pytest.raises(ReadError, match="binary file"):
        decode_bytes(b"ab\x00cd", "cp1252")


def test_utf16_without_bom_is_told_by_its_zero_bytes() -> None:
    data = "hello, Zoë".encode("utf-16-le")
    note = "decoded as UTF-16-LE (no byte-order mark; told by its zero bytes)"
    assert decode_bytes(data, None) == ("hello, Zoë", "utf-16-le", [note])
    assert decode_bytes("hi there".encode("utf-16-be"), None)[1] == "utf-16-be"
    assert decode_bytes(data, "utf-16-le") == ("hello, Zoë", "utf-16-le", [])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_decode_bytes_only_raises_read_error(data: bytes) -> None:
    try:
        text, encoding, notes = decode_bytes(data, None)
    except ReadError as err:
        assert "\n" not in str(err)
    else:
        assert text == data.decode(encoding)
        assert len(notes) <= 1


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=1, max_size=200))
def test_any_bytes_give_text_or_read_error(tmp_path: Path, suffix: str, data: bytes) -> None:
    path = write(tmp_path / f"fuzz{suffix}", data)
    try:
        result = read_document(path)
    except ReadError as err:
        assert "\n" not in str(err)
    else:
        assert result.text.strip()


# --------------------------------------------------------------------------- .docx


def build_docx(path: Path) -> Path:
    """A .docx with a heading, a table between paragraphs, a merged cell and tracked changes."""
    document = docx.Document()
    document.add_heading("Interview 3", level=1)
    document.add_paragraph("Before the table.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Q1"
    table.cell(0, 1).text = "How long have you lived here?"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "Merged answer"
    document.add_paragraph("")
    paragraph = document.add_paragraph("After the table, with a tab\tand a")
    paragraph.add_run().add_break()
    paragraph.add_run("line break.")
    tracked = document.add_paragraph("Kept ")
    tracked._p.append(_tracked("w:ins", "w:t", "inserted"))
    tracked._p.append(_tracked("w:del", "w:delText", " deleted"))
    document.save(str(path))
    return path


def _tracked(wrapper: str, text_tag: str, text: str) -> OxmlElement:
    """A ``w:ins``/``w:del`` revision element holding one run of text."""
    element = OxmlElement(wrapper, attrs={qn("w:id"): "1", qn("w:author"): "Tester"})
    run, text_element = OxmlElement("w:r"), OxmlElement(text_tag)
    text_element.text = text
    run.append(text_element)
    element.append(run)
    return element


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    result = read_document(build_docx(tmp_path / "i.docx"))
    assert result.text == (
        "Interview 3\n\n"
        "Before the table.\n\n"
        "Q1\n\n"
        "How long have you lived here?\n\n"
        "Merged answer\n\n"
        "After the table, with a tab\tand a\nline break.\n\n"
        "Kept inserted"
    )
    assert result.encoding is None and result.notes == []


def test_docx_nested_table(tmp_path: Path) -> None:
    document = docx.Document()
    outer = document.add_table(rows=1, cols=1)
    cell = outer.cell(0, 0)
    cell.text = "outer"
    cell.add_table(rows=1, cols=1).cell(0, 0).text = "inner"
    cell.add_paragraph("outer again")
    document.save(str(tmp_path / "n.docx"))
    assert read_document(tmp_path / "n.docx").text == "outer\n\ninner\n\nouter again"


def test_docx_without_text(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("   ")
    document.save(str(tmp_path / "blank.docx"))
    with pytest.raises(ReadError, match="^no text found in the document$"):
        read_document(tmp_path / "blank.docx")


def test_plain_text_renamed_docx(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as err:
        read_document(write(tmp_path / "t.docx", "just some text"))
    assert str(err.value) == (
        "not a valid .docx file (the ZIP container is damaged or missing): re-save it from Word"
    )


def test_zip_of_garbage_docx(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "g.docx", "w") as archive:
        archive.writestr("garbage.bin", b"\x00\x01 not word")
    with pytest.raises(ReadError, match=r"^not a valid \.docx file \(no readable Word document inside\)"):
        read_document(tmp_path / "g.docx")


def test_truncated_docx(tmp_path: Path) -> None:
    data = build_docx(tmp_path / "ok.docx").read_bytes()
    with pytest.raises(ReadError, match=r"\.docx"):
        read_document(write(tmp_path / "cut.docx", data[: len(data) // 2]))


def test_old_word_doc_renamed_docx(tmp_path: Path) -> None:
    path = write(tmp_path / "old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(ReadError, match=r"^not a \.docx file \(an old binary format or a password-protected"):
        read_document(path)


# --------------------------------------------------------------------------- .odt


def build_odt(path: Path) -> Path:
    """An .odt with a heading, whitespace elements, a comment, a list and a table."""
    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Interview 4"))
    paragraph = P()
    teletype.addTextToElement(paragraph, "Two  spaces,\ta tab and\na line break. ")
    comment = Annotation()
    comment.addElement(P(text="a researcher's comment"))
    paragraph.addElement(comment)
    paragraph.addText("End.")
    document.text.addElement(paragraph)
    item_list = List()
    item = ListItem()
    item.addElement(P(text="A list item"))
    item_list.addElement(item)
    document.text.addElement(item_list)
    table = Table(name="T")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    row = TableRow()
    for text in ("Cell one", "Cell two"):
        cell = TableCell()
        cell.addElement(P(text=text))
        row.addElement(cell)
    table.addElement(row)
    document.text.addElement(table)
    document.text.addElement(P(text=""))
    document.text.addElement(P(text="Last paragraph."))
    document.save(str(path))
    return path


def test_odt_paragraphs_headings_lists_tables(tmp_path: Path) -> None:
    result = read_document(build_odt(tmp_path / "i.odt"))
    assert result.text == (
        "Interview 4\n\n"
        "Two  spaces,\ta tab and\na line break. End.\n\n"
        "A list item\n\n"
        "Cell one\n\n"
        "Cell two\n\n"
        "Last paragraph."
    )


def test_corrupt_odt(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"^not a valid \.odt file \(the ZIP container"):
        read_document(write(tmp_path / "c.odt", "not a zip"))


def test_docx_renamed_odt(tmp_path: Path) -> None:
    build_docx(tmp_path / "w.docx").rename(tmp_path / "w.odt")
    with pytest.raises(ReadError, match=r"^not a valid \.odt file \(no readable OpenDocument text inside\)"):
        read_document(tmp_path / "w.odt")


# --------------------------------------------------------------------------- .rtf

RTF = (
    r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\froman Times New Roman;}}"
    r"{\colortbl;\red0\green0\blue0;}{\*\generator Hand 1.0;}"
    "\n"
    r"\pard\f0 Caf\'e9 \'93quoted\'94 \u8230? done\par\par\par\par"
    "\n"
    r"{\*\shppict{\pict\pngblip\picw10\pich10 89504e470d0a1a0a0000000d4948445200000001}}"
    r"Second \b bold\b0  paragraph\line with a line\par"
    r" Smile \u-10179?\u-8704?\par}"
)


def test_rtf_text_code_page_and_pictures(tmp_path: Path) -> None:
    result = read_document(write(tmp_path / "a.rtf", RTF.encode("ascii")))
    assert result == ReadResult(
        text="Café “quoted” … done\n\nSecond bold paragraph\nwith a line\nSmile 😀",
        encoding="cp1252",
        notes=[],
    )


def test_rtf_code_page_from_header(tmp_path: Path) -> None:
    data = r"{\rtf1\ansi\ansicpg1251\deff0 \'cf\'f0\'e8\'e2\'e5\'f2\par}".encode("ascii")
    assert read_document(write(tmp_path / "ru.rtf", data)) == ReadResult("Привет", "cp1251", [])


def test_not_rtf(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"^not a valid \.rtf file"):
        read_document(write(tmp_path / "x.rtf", "plain text"))


def test_rtf_without_text(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="^no text found in the document$"):
        read_document(write(tmp_path / "e.rtf", r"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\par}"))


# --------------------------------------------------------------------------- .vtt

VTT = """WEBVTT - interview

NOTE recorded on zoom

1
00:00:01.000 --> 00:00:03.000
<v Alice>Hello <i>there</i>.</v>

2
00:00:03.000 --> 00:00:05.000 align:start
<v Alice>How are
you?

00:00:05.000 --> 00:00:07.000
<v.loud Bob Smith>Fine, &amp; <b>you</b>?</v>

00:00:07.000 --> 00:00:09.000
Bob Smith: Still <c.yellow>me</c> talking.

00:00:09.000 --> 00:00:10.000
and more without a name

00:00:10.000 --> 00:00:12.000
Carol: So I said: <00:00:11.000>fine.
"""


def test_vtt_voice_tags_names_and_continuations(tmp_path: Path) -> None:
    result = read_document(write(tmp_path / "a.vtt", VTT))
    assert result == ReadResult(
        text=(
            "Alice: Hello there.\nHow are you?\n\n"
            "Bob Smith: Fine, & you?\nStill me talking.\nand more without a name\n\n"
            "Carol: So I said: fine."
        ),
        encoding="utf-8",
    )


def test_vtt_several_voices_in_one_cue(tmp_path: Path) -> None:
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v A>Hi!</v>\n<v B>Hello.</v>\n"
    assert read_document(write(tmp_path / "v.vtt", vtt)).text == "A: Hi!\n\nB: Hello."


def test_vtt_without_speakers_is_one_turn(tmp_path: Path) -> None:
    vtt = "\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nfirst\r\n\r\n00:02.000 --> 00:03.000\r\nsecond\r\n"
    assert read_document(write(tmp_path / "v.vtt", vtt)) == ReadResult("first\nsecond", "utf-8-sig")


def test_vtt_without_header(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="^not a valid WebVTT file: the first line must be WEBVTT$"):
        read_document(write(tmp_path / "v.vtt", "00:01.000 --> 00:02.000\nhello\n"))


def test_vtt_bad_timing_is_not_silently_dropped(tmp_path: Path) -> None:
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nkept\n\n00:02,000 --> 00:03,000\nlost\n"
    with pytest.raises(ReadError, match="^not a valid WebVTT file: 1 cue"):
        read_document(write(tmp_path / "v.vtt", vtt))


def test_vtt_cp1252_bytes(tmp_path: Path) -> None:
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nJosé: It’s “fine”, we’re happy… really.\n"
    result = read_document(write(tmp_path / "v.vtt", vtt.encode("cp1252")))
    assert result == ReadResult("José: It’s “fine”, we’re happy… really.", "cp1252", [cp1252_note("José")])


# --------------------------------------------------------------------------- .srt

SRT = """1
00:00:01,000 --> 00:00:02,000
Interviewer: How did you start?

2
00:00:02,500 --> 00:00:04,000
Interviewer: Tell me <i>everything</i>.

3
00:00:04,000 --> 00:00:06,000
Maria Lopez: {\\an8}Well, it began
in 1991. I <3 it.

4
00:00:06,000 --> 00:00:08,000
So I said: fine.

5
00:00:08,000 --> 00:00:09,000
Interviewer: Thanks.
"""


def test_srt_speakers_and_continuations(tmp_path: Path) -> None:
    result = read_document(write(tmp_path / "a.srt", SRT.replace("\n", "\r\n")))
    assert result == ReadResult(
        text=(
            "Interviewer: How did you start?\nTell me everything.\n\n"
            "Maria Lopez: Well, it began in 1991. I <3 it.\nSo I said: fine.\n\n"
            "Interviewer: Thanks."
        ),
        encoding="utf-8",
    )


def test_malformed_srt(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"^not a valid \.srt file"):
        read_document(write(tmp_path / "b.srt", "this is not\na subtitle file\n"))


# --------------------------------------------------------------------------- .pdf


def test_pdf_page_break_continues_the_paragraph(tmp_path: Path) -> None:
    # A page that does not end in a blank line ends inside a paragraph (issue 9: a sentence
    # across a page break stays one sentence), so the next page continues it on a new line.
    path = write(tmp_path / "a.pdf", pdf_bytes([["Interviewer: How did it start?", "Maria: Slowly."], ["Page two."]]))
    assert read_document(path) == ReadResult("Interviewer: How did it start?\nMaria: Slowly.\nPage two.")


def test_pdf_partly_scanned_gets_a_note(tmp_path: Path) -> None:
    result = read_document(write(tmp_path / "p.pdf", pdf_bytes([["Typed page."], []])))
    assert result == ReadResult(
        "Typed page.", notes=["1 of 2 PDF pages have no text layer (scanned?) and were skipped"]
    )


def test_scanned_pdf_without_text(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as err:
        read_document(write(tmp_path / "s.pdf", pdf_bytes([[], []])))
    assert str(err.value) == "the PDF has no text layer (scanned image?): run OCR first and import the text"


def test_password_protected_pdf(tmp_path: Path) -> None:
    write(tmp_path / "plain.pdf", pdf_bytes([["secret text"]]))
    writer = PdfWriter(clone_from=str(tmp_path / "plain.pdf"))
    writer.encrypt(user_password="pw", owner_password="owner", algorithm="RC4-128")
    writer.write(str(tmp_path / "locked.pdf"))
    with pytest.raises(ReadError, match="^the PDF is password-protected"):
        read_document(tmp_path / "locked.pdf")


def test_owner_only_protected_pdf_is_read(tmp_path: Path) -> None:
    write(tmp_path / "plain.pdf", pdf_bytes([["open text"]]))
    writer = PdfWriter(clone_from=str(tmp_path / "plain.pdf"))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    writer.write(str(tmp_path / "restricted.pdf"))
    assert read_document(tmp_path / "restricted.pdf").text == "open text"


def test_corrupt_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ReadError, match="^not a valid PDF file"):
        read_document(write(tmp_path / "c.pdf", "this is not a PDF"))
    assert capsys.readouterr().err == ""  # pypdf warnings are captured, not printed


# --------------------------------------------------------------------------- shared corpus

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
corpus = pytest.mark.corpus


def corpus_file(relative: str) -> Path:
    """A file of the shared corpus, skipping the test when it is not available."""
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"shared corpus file {relative} not available")
    return path


CORPUS_DOCUMENTS = [
    "formats/PLC_Fishbowl_zoom_transcript.vtt",
    "formats/QualCoder_ID1.docx",
    "formats/QualCoder_ID2.odt",
    "formats/QualCoder_special.chars.docx",
    "formats/QualCoder_transcript.txt",
    "formats/ftf_readMe.rtf",
    "transcripts/changelog_afk_away-from-keyboard-1.md",
    "transcripts/ftf_GIBBONS_28OCT91_corrected.txt",
    "transcripts/ftf_HEATH_28AUG91_fromscan.txt",
    "transcripts/ftf_WATSON_19AUG91.txt",
    "transcripts/qualitative-coding_admin-1.txt",
]


@corpus
@pytest.mark.parametrize("relative", CORPUS_DOCUMENTS)
def test_corpus_document_reads_to_text(relative: str) -> None:
    result = read_document(corpus_file(relative))
    assert result.text.strip()
    assert "\x00" not in result.text and "\ufffd" not in result.text


@corpus
@pytest.mark.parametrize(
    ("relative", "phrase"),
    [
        ("transcripts/ftf_GIBBONS_28OCT91_corrected.txt", "I can’t' remember ever"),
        ("transcripts/ftf_HEATH_28AUG91_fromscan.txt", "it's getting through the …"),
    ],
)
def test_corpus_windows_1252_transcripts(relative: str, phrase: str) -> None:
    result = read_document(corpus_file(relative))
    assert result.encoding == "cp1252"
    assert result.notes == [cp1252_note()]
    assert phrase in result.text
    assert "\r\n" in result.text  # newlines are normalised elsewhere


@corpus
def test_corpus_heath_curly_quotes_and_dash() -> None:
    text = read_document(corpus_file("transcripts/ftf_HEATH_28AUG91_fromscan.txt")).text
    assert "she said “I’ll go over to the" in text
    assert "where we were when we were married – Bronte" in text


@corpus
def test_corpus_special_chars_docx_exact() -> None:
    text = read_document(corpus_file("formats/QualCoder_special.chars.docx")).text
    assert text == (
        "This is a test with ‘single smart quotes’, “double smart quotes”. \n\n"
        "It’s a test. \n\n"
        "And here is an ellipsis: … \n\n"
        "and a dash, n-dash, m-dash: \u2010, –, — (for -, --, ---)"
    )


@corpus
def test_corpus_docx_and_odt_phrases() -> None:
    docx_text = read_document(corpus_file("formats/QualCoder_ID1.docx")).text
    assert docx_text.startswith("I really like learning new things.")
    assert docx_text.endswith("I'm happy to pay €200.")
    assert docx_text.count("\n\n") == 2
    odt_text = read_document(corpus_file("formats/QualCoder_ID2.odt")).text
    assert odt_text.startswith("I have not studied much before, but my father Joe Bloggs")
    assert odt_text.endswith("\n\nThe course cost €200.00 and I do not want to waste my money.")


@corpus
def test_corpus_zoom_vtt_is_one_turn_of_264_cues() -> None:
    result = read_document(corpus_file("formats/PLC_Fishbowl_zoom_transcript.vtt"))
    lines = result.text.split("\n")
    assert result.text.startswith("Caleob King: Hello, everybody, I hope you're doing all right.")
    assert len(lines) == 264
    assert "Caleob King:" not in "\n".join(lines[1:])
    assert "-->" not in result.text
    assert lines[8] == "If we start out with grams, we want to…"


@corpus
def test_corpus_rtf_has_text_but_no_picture_data() -> None:
    result = read_document(corpus_file("formats/ftf_readMe.rtf"))
    assert result.encoding == "cp1252"
    assert "About the Project: From farms to freeways" in result.text
    assert "Women's memories of Western Sydney" in result.text
    assert not re.search(r"[0-9a-fA-F]{32}", result.text)
    assert "\\" not in result.text and "{" not in result.text
    assert "\n\n\n" not in result.text


@corpus
def test_corpus_plain_transcripts_phrases() -> None:
    watson = read_document(corpus_file("transcripts/ftf_WATSON_19AUG91.txt"))
    assert watson.encoding == "utf-8" and watson.notes == []
    assert "My name is Audrey Watson, from 26 River Road, Emu Plains." in watson.text
    qualcoder = read_document(corpus_file("formats/QualCoder_transcript.txt")).text
    assert "[id2] I am struggling with the lecture slides." in qualcoder
    admin = read_document(corpus_file("transcripts/qualitative-coding_admin-1.txt")).text
    assert "Max Bigman:" in admin
    changelog = read_document(corpus_file("transcripts/changelog_afk_away-from-keyboard-1.md")).text
    # Markdown is stored as the text a reader sees (issue 9): no '**' and no '\[' escapes
    assert changelog.startswith("Tim Smith: [01:46] Describing")
