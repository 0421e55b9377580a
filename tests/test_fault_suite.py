"""The fault suite: bad and odd files and codebooks, each imported as a new user would.

Every bad input gives a named error (the file, the line where there is one, what to do), a
non-zero exit and no traceback, and leaves the database byte-for-byte as it was: the suite dumps
it (sqlite3 ``iterdump``, every table and row, the event log included) before and after each
case.  Odd but valid inputs (UTF-16 without a byte-order mark, windows-1252, a paragraph past
spaCy's length limit, ...) import correctly.  Big inputs are generated in tmp_path.
"""

from __future__ import annotations

import codecs
import shutil
import sqlite3
import zipfile
from pathlib import Path

import docx
import pytest
from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
from odf.text import P
from pypdf import PdfWriter
from typer.testing import CliRunner

from fieldcode.ingest import readers
from fault_helpers import GOOD, GOOD_CODEBOOK, dump
from fieldcode.cli import app
from fieldcode.ingest.segment import PIECE_CHARS, blocks

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00C\x00" + bytes(64)


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)




@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A study with one interview imported and one coding: the state every bad case must keep."""
    root = tmp_path_factory.mktemp("fault") / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(GOOD_CODEBOOK, encoding="utf-8")
    (root / "interviews" / "good.md").write_text(GOOD, encoding="utf-8")
    assert run("-C", root, "import").exit_code == 0
    r = run("-C", root, "--coder", "ana", "code", "add", "good.md", "housing", "--quote", "Twenty years.")
    assert r.exit_code == 0, r.output
    return root


# --------------------------------------------------------------------------- building bad files

def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF with one Helvetica line per string (no lines: a page without text)."""
    ops = "".join(f"({s}) Tj 0 -14 Td " for s in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {ops}ET" if lines else ""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            "/Contents 5 0 R >>", f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def good_docx(path: Path) -> Path:
    d = docx.Document()
    d.add_paragraph("Jean: Twenty years in the flats.")
    d.save(str(path))
    return path


def zip_bomb_docx(path: Path) -> Path:
    """A real .docx plus a part of 300 MB of zeros (compressed to about 300 KB)."""
    good_docx(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("word/media/bomb.bin", "w", force_zip64=True) as part:
            block = bytes(1 << 20)
            for _ in range(300):
                part.write(block)
    return path


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


FM = "---\npair: Leeds\narm: lagging\n---\n"


def build(case: str, d: Path) -> tuple[list, list[str]]:
    """Create the bad input for ``case`` in folder ``d``: (import arguments, expected fragments)."""
    d.mkdir(parents=True, exist_ok=True)
    w = lambda name, data: write(d, name, data)  # noqa: E731
    if case == "empty":
        return [w("empty.txt", b"")], ["empty.txt", "the file is empty"]
    if case == "whitespace":
        return [w("blank.txt", " \n\t\n  \r\n")], ["blank.txt", "the file is empty"]
    if case == "whitespace-md":
        return [w("blank.md", "\n\n   \n")], ["blank.md", "the file is empty"]
    if case == "binary":
        return [w("data.txt", bytes(range(256)) * 4)], ["data.txt", "binary file, not text"]
    if case == "png-as-txt":
        return [w("photo.txt", PNG)], ["photo.txt", "binary file", "NUL byte at offset"]
    if case == "png-as-docx":
        return [w("photo.docx", PNG)], ["photo.docx", "not a valid .docx file", "re-save it from Word"]
    if case == "jpeg-as-pdf":
        return [w("scan.pdf", JPEG)], ["scan.pdf", "not a valid PDF file"]
    if case == "png-as-odt":
        return [w("photo.odt", PNG)], ["photo.odt", "not a valid .odt file"]
    if case == "png-as-rtf":
        return [w("photo.rtf", PNG)], ["photo.rtf", "not a valid .rtf file"]
    if case == "nul-in-utf8":
        return [w("nul.txt", "Jean: fine\x00 thanks".encode())], ["nul.txt", "binary file", "offset 10"]
    if case == "cp1250-no-encoding":
        return [w("pl.txt", "Zażółć gęślą jaźń, biały dom.".encode("cp1250"))], ["pl.txt", "pass --encoding"]
    if case == "cp1251-no-encoding":
        return [w("ru.txt", "Привет, как дела в городе?".encode("cp1251"))], ["ru.txt", "pass --encoding"]
    if case == "koi8-no-encoding":
        return [w("koi.txt", "Привет, как дела?".encode("koi8-r"))], ["koi.txt", "pass --encoding"]
    if case == "mac-roman-no-encoding":
        return [w("mac.txt", "Renée went to the café.".encode("mac_roman"))], ["mac.txt", "pass --encoding"]
    if case == "cp850-no-encoding":
        return [w("dos.txt", "Renée went to the café.".encode("cp850"))], ["dos.txt", "pass --encoding"]
    if case == "shift-jis-no-encoding":
        return [w("jp.txt", "こんにちは、元気ですか。".encode("shift_jis"))], ["jp.txt", "pass --encoding"]
    if case == "turkish-no-encoding":
        return [w("tr.txt", "Evet, İstanbul'da çalıştım; şehir güzeldi.".encode("cp1254"))], ["tr.txt", "pass --encoding"]
    if case == "utf8-forced-on-cp1252":
        return [w("w.txt", "Renée said: café".encode("cp1252")), "--encoding", "utf-8"], [
            "w.txt", "line 1: byte 0xe9 at offset 3 is not valid utf-8: check --encoding"]
    if case == "unknown-encoding":
        return [w("u.txt", "hello"), "--encoding", "klingon"], ["u.txt", "unknown encoding 'klingon'"]
    if case == "rot13-encoding":
        return [w("r.txt", "hello"), "--encoding", "rot13"], ["r.txt", "not a text encoding"]
    if case == "50mb-transcript":
        path = d / "huge.txt"
        with open(path, "wb") as f:
            line = b"Jean: we talked about the estate and the school and the bus for an hour.\n"
            f.write(line * (50 * 2**20 // len(line) + 1))
        return [path], ["huge.txt", "the transcript is too long", "split it into one file per interview"]
    if case == "truncated-docx":
        data = good_docx(d / "full.docx").read_bytes()
        (d / "full.docx").unlink()
        return [w("cut.docx", data[: len(data) // 2])], ["cut.docx", ".docx", "re-save it from Word"]
    if case == "garbage-zip-docx":
        with zipfile.ZipFile(d / "g.docx", "w") as z:
            z.writestr("hello.txt", "not word")
        return [d / "g.docx"], ["g.docx", "no readable Word document inside"]
    if case == "bad-crc-docx":
        data = bytearray(good_docx(d / "crc.docx").read_bytes())
        at = data.find(b"word/document.xml") + 60  # inside that part's compressed data
        data[at] ^= 0xFF
        return [w("crc.docx", bytes(data))], ["crc.docx", "re-save it from Word"]
    if case == "zip-bomb-docx":
        return [zip_bomb_docx(d / "bomb.docx")], ["bomb.docx", "would unpack to", "zip bomb"]
    if case == "encrypted-docx":
        return [w("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))], [
            "locked.docx", "password-protected", "save it as .docx without a password"]
    if case == "old-doc-renamed":
        return [w("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 2048)], ["old.docx", "old binary format"]
    if case == "empty-docx":
        doc = docx.Document()
        doc.save(str(d / "none.docx"))
        return [d / "none.docx"], ["none.docx", "no text found in the document"]
    if case == "truncated-odt":
        doc = OpenDocumentText()
        doc.text.addElement(P(text="Jean: twenty years."))
        doc.save(str(d / "full.odt"))
        data = (d / "full.odt").read_bytes()
        (d / "full.odt").unlink()
        return [w("cut.odt", data[: len(data) // 3])], ["cut.odt", ".odt", "LibreOffice"]
    if case == "spreadsheet-as-odt":
        OpenDocumentSpreadsheet().save(str(d / "sheet.odt"))
        return [d / "sheet.odt"], ["sheet.odt", "not an OpenDocument text file"]
    if case == "encrypted-pdf":
        write(d, "plain.bin", pdf_bytes(["secret text"]))
        writer = PdfWriter(clone_from=str(d / "plain.bin"))
        writer.encrypt(user_password="pw", owner_password="owner", algorithm="RC4-128")
        writer.write(str(d / "locked.pdf"))
        return [d / "locked.pdf"], ["locked.pdf", "password-protected"]
    if case == "image-only-pdf":
        return [w("scanned.pdf", pdf_bytes([]))], ["scanned.pdf", "no text layer", "run OCR first"]
    if case == "truncated-pdf":
        return [w("half.pdf", pdf_bytes(["some text"])[:120])], ["half.pdf", "PDF"]
    if case == "vtt-no-header":
        return [w("c.vtt", "00:00:01.000 --> 00:00:02.000\nJean: hello\n")], ["c.vtt", "the first line must be WEBVTT"]
    if case == "vtt-broken-timing":
        return [w("t.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nJean: hello\n\n00:00:0x --> later\nJean: bye\n")], [
            "t.vtt", "unreadable timing line", "fix or remove them"]
    if case == "srt-broken-timing":
        return [w("t.srt", "1\n00:00:01,000 --> 00:00:02,000\nhello\n\n2\nsoon --> later\nbye\n")], ["t.srt", "not a valid .srt"]
    if case == "srt-empty":
        return [w("e.srt", "1\n00:00:01,000 --> 00:00:02,000\n\n")], ["e.srt", "no text"]
    if case == "rtf-not-rtf":
        return [w("x.rtf", "just text pretending")], ["x.rtf", "not a valid .rtf file", "re-save it as RTF"]
    if case == "front-matter-unclosed":
        return [w("open.md", "---\npair: Leeds\narm: lagging\nJean: we talked.\n")], [
            "open.md:1", "never closed", "add a line '---'"]
    if case == "front-matter-unclosed-txt":
        return [w("open.txt", "---\npair: Leeds\nJean: we talked.\n")], ["open.txt:1", "never closed"]
    if case == "front-matter-bad-yaml":
        return [w("fm.md", "---\npair: [Leeds\n---\nJean: hi.\n")], ["fm.md", "malformed front matter"]
    if case == "front-matter-list":
        return [w("fm.md", "---\n- pair\n- arm\n---\nJean: hi.\n")], ["fm.md", "front matter must be 'name: value' lines"]
    if case == "front-matter-nested-value":
        return [w("fm.md", "---\npair: {a: 1}\n---\nJean: hi.\n")], ["fm.md", "must be a single value"]
    if case == "front-matter-bad-name":
        return [w("fm.md", "---\n'pair name': Leeds\n---\nJean: hi.\n")], ["fm.md", "bad attribute name"]
    if case == "front-matter-unknown-arm":
        return [w("fm.md", "---\npair: Leeds\narm: improvng\n---\nJean: hi.\n")], ["fm.md", "unknown arm 'improvng'"]
    if case == "front-matter-only":
        return [w("fm.md", FM)], ["fm.md", "no transcript text after its front matter"]
    if case == "front-matter-alias-bomb":
        bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        return [w("fm.md", f"---\n{bomb}---\nJean: hi.\n")], ["fm.md", "must be a single value"]
    if case == "front-matter-deep":
        return [w("fm.md", "---\npair: " + "[" * 3000 + "]" * 3000 + "\n---\nJean: hi.\n")], ["fm.md:2", "nested more than 32 levels", "front matter holds"]
    if case == "front-matter-long-attribute-name":
        return [w("fm.md", f"---\n{'a' * 150}: x\n---\nJean: hi.\n")], ["fm.md", "the limit is 100"]
    if case == "long-speaker-label":
        return [w("sp.txt", "A" + "a" * 250 + ": hello there.\n")], ["sp.txt", "line 1", "speaker label", "limit is 200"]
    if case == "sidecar-no-file-column":
        w("x.txt", "Jean: hi.\n")
        w("attributes.csv", "name,pair\nx.txt,Leeds\n")
        return [d], ["attributes.csv:1", "needs a 'file' column"]
    if case == "sidecar-bad-column":
        w("x.txt", "Jean: hi.\n")
        w("attributes.csv", "file,pair name\nx.txt,Leeds\n")
        return [d], ["attributes.csv:1", "bad attribute column name"]
    if case == "sidecar-duplicate-row":
        w("x.txt", "Jean: hi.\n")
        w("attributes.csv", "file,pair\nx.txt,Leeds\nx.txt,Hull\n")
        return [d], ["attributes.csv:3", "listed twice"]
    if case == "sidecar-missing-file":
        w("attributes.csv", "file,pair\nx.txt,Leeds\ny.txt,Hull\n")
        return [d], ["attributes.csv:2", "lists 'x.txt'", "attributes.csv:3", "lists 'y.txt'", "fix the name or remove the row"]
    if case == "sidecar-subfolder-row":
        w("sub/x.txt", "Jean: hi.\n")
        w("attributes.csv", "file,pair\nsub/x.txt,Leeds\n")
        return [d], ["attributes.csv:2", "names 'sub/x.txt' in another folder", "move the row",
                     "x.txt: not imported: its attributes are in"]
    if case == "sidecar-not-utf8":
        w("x.txt", "Jean: hi.\n")
        w("attributes.csv", "file,pair\nx.txt,Mönchengladbach\n".encode("cp1252"))
        return [d], ["attributes.csv", "not UTF-8", "save the CSV as UTF-8"]
    if case == "sidecar-conflicts-front-matter":
        w("x.md", "---\npair: Leeds\n---\nJean: hi.\n")
        w("attributes.csv", "file,pair\nx.md,Hull\n")
        return [d], ["x.md", "'Leeds' in its front matter but 'Hull'", "make them agree"]
    if case == "sidecar-empty-file-cell":
        w("x.txt", "Jean: hi.\n")
        w("attributes.csv", "file,pair\n,Leeds\n")
        return [d], ["attributes.csv:2", "empty 'file' cell"]
    if case == "unsupported-suffix":
        return [w("notes.xyz", "hello")], ["notes.xyz", "cannot read .xyz files"]
    if case == "no-such-file":
        return [d / "missing.txt"], ["missing.txt", "no such file"]
    if case == "changed-transcript-with-codings":
        return [w("good.md", GOOD.replace("Twenty years.", "Thirty years."))], ["good.md", "coding"]
    raise AssertionError(case)


BAD_FILES = [
    "empty", "whitespace", "whitespace-md", "binary", "png-as-txt", "png-as-docx", "jpeg-as-pdf", "png-as-odt",
    "png-as-rtf", "nul-in-utf8", "cp1250-no-encoding", "cp1251-no-encoding", "koi8-no-encoding",
    "mac-roman-no-encoding", "cp850-no-encoding", "shift-jis-no-encoding", "turkish-no-encoding",
    "utf8-forced-on-cp1252", "unknown-encoding", "rot13-encoding", "50mb-transcript", "truncated-docx",
    "garbage-zip-docx", "bad-crc-docx", "zip-bomb-docx", "encrypted-docx", "old-doc-renamed", "empty-docx",
    "truncated-odt", "spreadsheet-as-odt", "encrypted-pdf", "image-only-pdf", "truncated-pdf", "vtt-no-header",
    "vtt-broken-timing", "srt-broken-timing", "srt-empty", "rtf-not-rtf", "front-matter-unclosed",
    "front-matter-bad-yaml", "front-matter-list", "front-matter-nested-value", "front-matter-bad-name",
    "front-matter-unknown-arm", "front-matter-only", "front-matter-alias-bomb", "front-matter-deep",
    "front-matter-long-attribute-name", "long-speaker-label", "sidecar-no-file-column", "sidecar-bad-column",
    "sidecar-duplicate-row", "sidecar-missing-file", "sidecar-subfolder-row", "sidecar-not-utf8",
    "sidecar-conflicts-front-matter", "sidecar-empty-file-cell", "unsupported-suffix", "no-such-file",
    "changed-transcript-with-codings", "front-matter-unclosed-txt",
]


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_is_a_named_error_and_leaves_the_database_unchanged(project, tmp_path, case):
    db = project / "fieldcode.db"
    before = dump(db)
    args, expected = build(case, tmp_path / case)
    r = run("-C", project, "import", *args)
    assert r.exit_code != 0, r.output
    assert "Traceback" not in r.output and "Error:" not in r.output.replace("error:", "")
    for fragment in expected:
        assert fragment in r.output, (fragment, r.output)
    assert dump(db) == before


# --------------------------------------------------------------------------- codebooks

BASE = GOOD_CODEBOOK
BAD_CODEBOOKS = {
    "empty": ("", "the codebook is empty"),
    "only-comments": ("# nothing yet\n", "the codebook is empty"),
    "top-level-list": ("- key: a\n  name: A\n", ":1: the codebook must be a mapping"),
    "codes-not-a-list": ("codes: housing\n", "'codes:' must be a list of codes"),
    "code-not-a-mapping": ("codes:\n  - housing\n", ":2: code #1 must be a mapping"),
    "missing-key": ("codes:\n  - name: Housing\n", ":2: code at line 2: missing 'key'"),
    "bad-key": ("codes:\n  - key: Housing Needs\n    name: H\n", ":2: code 'Housing Needs': bad key"),
    "key-too-long": (f"codes:\n  - key: {'k' * 101}\n    name: H\n", "the key is 101 characters; the limit is 100"),
    "name-too-long": (f"codes:\n  - key: h\n    name: {'N' * 201}\n", ":3: code 'h': the name is 201 characters"),
    "missing-name": ("codes:\n  - key: h\n", "code 'h': missing 'name'"),
    "name-is-a-list": ("codes:\n  - key: h\n    name: [a, b]\n", "code 'h': missing 'name'"),
    "duplicate-key": ("codes:\n  - key: h\n    name: A\n  - key: h\n    name: B\n", ":4: code 'h': duplicate key (first defined on line 2)"),
    "duplicate-hotkey": ("codes:\n  - key: a\n    name: A\n    hotkey: '1'\n  - key: b\n    name: B\n    hotkey: '1'\n",
                         "hotkey '1' is already used by 'a'"),
    "bad-hotkey": ("codes:\n  - key: a\n    name: A\n    hotkey: ctrl+x\n", ":4: code 'a': hotkey must be one letter or digit"),
    "bad-colour": ("codes:\n  - key: a\n    name: A\n    colour: blurple\n", ":4: code 'a': bad colour 'blurple'"),
    "long-colour": (f"codes:\n  - key: a\n    name: A\n    colour: '#{'f' * 40}'\n", "code 'a': bad colour"),
    "unknown-parent": ("codes:\n  - key: a\n    name: A\n    parent: nope\n", "code 'a': unknown parent 'nope'"),
    "parent-cycle": ("codes:\n  - key: a\n    name: A\n    parent: b\n  - key: b\n    name: B\n    parent: a\n", "parent cycle"),
    "unknown-field": ("codes:\n  - key: a\n    name: A\n    colur: '#fff'\n", ":4: code 'a': unknown field 'colur'"),
    "unknown-top-level": (BASE + "extra: 1\n", "unknown top-level key 'extra'"),
    "study-not-mapping": ("study: Fault\ncodes: []\n", ":1: 'study:' must be a mapping"),
    "arms-three": ("study:\n  arms: [a, b, c]\ncodes: []\n", ":2: study.arms must list exactly two"),
    "arms-same": ("study:\n  arms: [a, a]\ncodes: []\n", "study.arms must list exactly two different labels"),
    "interviewers-not-list": ("study:\n  interviewer_speakers: {a: 1}\ncodes: []\n", "study.interviewer_speakers must be a list"),
    "keywords-not-list": ("codes:\n  - key: a\n    name: A\n    keywords: {x: 1}\n", "keywords must be a list of words"),
    "tabs": ("codes:\n\t- key: a\n\t  name: A\n", ":2: malformed YAML", "indent with spaces"),
    "duplicate-mapping-key": ("codes:\n  - key: a\n    name: A\n    name: B\n", ':4: malformed YAML: found duplicate key "name"'),
    "unclosed-quote": ("codes:\n  - key: a\n    name: \"Housing\n", "malformed YAML"),
    "two-documents": (BASE + "---\ncodes: []\n", "malformed YAML"),
    "alias-bomb": ("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                   "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                   "codes:\n  - key: a\n    name: *g\n", "alias bomb"),
    "deep-nesting": ("codes: " + "[" * 5000 + "]" * 5000 + "\n", ":1: the YAML is nested more than 32 levels deep"),
    "deep-mappings": ("codes:\n" + "".join("  " * i + f"- k{i}:\n" for i in range(1, 60)), "nested more than 32 levels"),
    "python-tag": ("codes:\n  - key: !!python/object/apply:os.system [echo hi]\n    name: A\n",
                   ":2: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    "custom-tag": ("codes:\n  - key: a\n    name: !shout A\n", ":3: YAML tag '!shout' is not allowed"),
    "control-chars-in-name": ('codes:\n  - key: a\n    name: "A\\e]0;owned\\a"\n', "name contains control characters"),
    "not-utf8": ("codes:\n  - key: a\n    name: Caf\xe9\n".encode("latin-1"), "not UTF-8 text", "save it as UTF-8"),
    "binary": (PNG, "not UTF-8 text"),
    "huge": ("# " + "x" * (6 * 2**20) + "\n", "the codebook is 6 MB", "is this the right file?"),
}


@pytest.mark.parametrize("case", sorted(BAD_CODEBOOKS))
def test_bad_codebook_is_a_named_error_and_leaves_the_database_unchanged(project, tmp_path, case):
    content, *expected = BAD_CODEBOOKS[case]
    study = tmp_path / "study"
    shutil.copytree(project, study)
    (study / "codebook.yaml").write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    before = dump(study / "fieldcode.db")
    r = run("-C", study, "codebook", "check")
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    for fragment in expected:
        assert fragment in r.output, (fragment, r.output)
    assert str(study / "codebook.yaml") in r.output  # names the file
    for args in (["import"], ["crosstab"]):  # a command that writes, one that only reads
        r = run("-C", study, *args)
        assert r.exit_code == 2 and "Traceback" not in r.output, (args, r.output)
    assert dump(study / "fieldcode.db") == before


def test_suite_is_at_least_sixty_cases():
    assert len(BAD_FILES) + len(BAD_CODEBOOKS) >= 60 and len(BAD_FILES) >= 50


# --------------------------------------------------------------------------- one bad file never stops the others

def test_bad_files_beside_good_ones(project, tmp_path):
    study = tmp_path / "study"
    shutil.copytree(project, study)
    folder = study / "batch"
    for case in ("empty", "png-as-docx", "zip-bomb-docx", "cp1251-no-encoding", "front-matter-unclosed"):
        build(case, folder)
    write(folder, "aa-good.txt", "Jean: first good file.\n")
    write(folder, "zz-good.md", FM + "Sam: last good file.\n")
    r = run("-C", study, "import", folder)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "5 file(s) not imported" in r.output
    conn = sqlite3.connect(study / "fieldcode.db")
    names = [n for (n,) in conn.execute("SELECT name FROM interview ORDER BY name")]
    conn.close()
    assert names == ["aa-good.txt", "good.md", "zz-good.md"]


# --------------------------------------------------------------------------- odd but valid files

def imported_text(study: Path, name: str) -> str:
    conn = sqlite3.connect(study / "fieldcode.db")
    try:
        return conn.execute("SELECT text FROM interview WHERE name = ?", (name,)).fetchone()[0]
    finally:
        conn.close()


ODD = {
    # name: (bytes, extra args, expected stored text, note fragment)
    "utf16-bom.txt": ("Renée: café, crème.\n".encode("utf-16"), [], "Renée: café, crème.\n", "UTF-16 (byte-order mark)"),
    "utf16le-no-bom.txt": ("Renée: café, crème.\n".encode("utf-16-le"), [], "Renée: café, crème.\n", "no byte-order mark"),
    "utf16be-no-bom.txt": ("Jean: twenty years.\n".encode("utf-16-be"), [], "Jean: twenty years.\n", "UTF-16-BE"),
    "utf8-bom.txt": (codecs.BOM_UTF8 + "Zoë: fine.\n".encode(), [], "Zoë: fine.\n", None),
    "cp1252.txt": ("Renée: we went to the café… it’s closed.\n".encode("cp1252"), [],
                   "Renée: we went to the café… it’s closed.\n", "check “Renée”, “café”"),
    "latin1.txt": ("Grüße aus München, schöne Straße.\n".encode("latin-1"), [], "Grüße aus München, schöne Straße.\n",
                   "windows-1252"),
    "cp1252-forced.txt": ("Ça va? ½ d’accord.\n".encode("cp1252"), ["--encoding", "cp1252"], "Ça va? ½ d’accord.\n", None),
    "latin1-forced.txt": ("Señora Núñez.\n".encode("latin-1"), ["--encoding", "latin-1"], "Señora Núñez.\n", None),
    "utf8-beside-forced.txt": ("Renée: café.\n".encode(), ["--encoding", "cp1252"], "Renée: café.\n",
                               "valid UTF-8, so it was read as UTF-8, not as cp1252"),
    "crlf-and-nel.txt": ("Jean: one.\r\nSam: two.\x85Ann: three.\u2028".encode(), [], "Jean: one.\nSam: two.\nAnn: three.\n", None),
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_file_imports_correctly(project, tmp_path, name):
    data, extra, expected, note = ODD[name]
    study = tmp_path / "study"
    shutil.copytree(project, study)
    path = write(tmp_path / "odd", name, data)
    r = run("-C", study, "import", path, *extra)
    assert r.exit_code == 0, r.output
    if note:
        assert note in r.output, r.output
    assert imported_text(study, name) == expected


def test_windows_1252_accents_are_never_read_as_another_code_page(tmp_path):
    """26 accented passages typed on Windows: every one reads back exactly (cp775/cp857 never)."""
    words = ["Renée", "café", "crème", "naïve", "façade", "Zoë", "garçon", "señor", "año", "Müller", "Straße",
             "über", "élève", "déjà", "où", "Noël", "cœur", "Œuvre", "São", "João", "Ångström", "smørrebrød",
             "Björk", "fiancée", "piñata", "Ørsted"]
    for i, w in enumerate(words):
        text = f"Interviewer: and then?\nResident: well, {w} came round at ten, and we talked for an hour.\n"
        got, used, notes = readers.decode_bytes(text.encode("cp1252"), None)
        assert (got, used) == (text, "cp1252"), (i, w, got, used)
        assert w in notes[0]


def test_five_megabyte_single_line_is_read_and_cut_into_pieces(tmp_path):
    line = ("We walked to the shops and back again every single day. " * 90_000).strip()  # ~5 MB
    path = write(tmp_path, "one-line.txt", line + "\n")
    result = readers.read_document(path)
    spans = blocks(result.text.strip(), [])
    assert len(result.text) > 5_000_000
    assert max(e - s for s, e in spans) <= PIECE_CHARS
    assert len(spans) >= len(line) // PIECE_CHARS
    assert all(result.text[s:e].endswith("day.") for s, e in spans)  # cut after sentence marks


def test_paragraph_longer_than_spacy_limit_is_imported(project, tmp_path):
    study = tmp_path / "study"
    shutil.copytree(project, study)
    word = "neighbourhoodregeneration"  # long words keep spaCy's token count, and so the test, small
    sentence = " ".join([word] * 12) + ". "
    paragraph = "Jean: " + sentence * (1_050_000 // len(sentence))
    assert len(paragraph) > 1_000_000
    write(tmp_path / "long", "long.txt", paragraph + "\n\nSam: a short answer after it.\n")
    write(tmp_path / "long", "after.txt", "Ann: the file after the long one.\n")
    r = run("-C", study, "import", tmp_path / "long")
    assert r.exit_code == 0, r.output
    conn = sqlite3.connect(study / "fieldcode.db")
    (iid,) = conn.execute("SELECT id FROM interview WHERE name = 'long.txt'").fetchone()
    n_sent = conn.execute("SELECT count(*) FROM sentence WHERE interview_id = ?", (iid,)).fetchone()[0]
    names = [n for (n,) in conn.execute("SELECT name FROM interview ORDER BY name")]
    conn.close()
    assert names == ["after.txt", "good.md", "long.txt"]
    assert n_sent == paragraph.count(". ") + 1  # every sentence of the long paragraph, plus Sam's
