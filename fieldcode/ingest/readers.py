"""Read interview documents into plain text.

One entry point, :func:`read_document`, turns a file on disk into a
:class:`ReadResult` whose ``text`` holds the document's paragraphs separated by
blank lines.  Every failure a researcher can cause (wrong format, damaged
file, unknown encoding, scanned PDF, ...) is raised as :class:`ReadError` with
a one-line, plain-language reason.

This module only decodes: Unicode and newline normalisation happen elsewhere.
It is headless and must never import textual.
"""

from __future__ import annotations

import codecs
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fieldcode.ingest import decoding, zipcheck
from fieldcode.ingest.captions import read_srt, read_vtt
from fieldcode.ingest.document import (
    MAX_FILE_BYTES,
    MAX_TEXT_BYTES,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_ENTRIES,
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    ReadError,
    ReadResult,
    check_text_size,
    decode_bytes,
    error_summary,
    read_bytes,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_TEXT_BYTES",
    "SUPPORTED_SUFFIXES",
    "ReadError",
    "ReadResult",
    "decode_bytes",
    "read_document",
]

_Reader = Callable[[Path, str | None], ReadResult]


def read_document(path: Path, encoding: str | None = None) -> ReadResult:
    """Read ``path`` into text, choosing the reader by its (lower-cased) suffix.

    ``encoding`` forces the byte encoding of text-based formats (.txt, .md, .vtt,
    .srt); for .rtf it is the code page assumed when the RTF header names none.
    Binary container formats (.docx, .odt, .pdf) ignore it.

    Raises:
        ReadError: the file is missing, too large, of an unsupported type,
            damaged, undecodable or holds no text.
    """
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        shown = path.suffix or "(no extension)"
        raise ReadError(
            f"cannot read {shown} files: supported types are {', '.join(sorted(SUPPORTED_SUFFIXES))}"
        )
    _check_readable(path)
    if path.suffix.lower() in TEXT_SUFFIXES:
        check_text_size(path.stat().st_size)
    result = reader(path, encoding)
    if not result.text.strip():
        raise ReadError(_empty_reason(path))
    check_text_size(len(result.text))
    return result


# --------------------------------------------------------------------------- files


def _check_readable(path: Path) -> None:
    """Raise ReadError unless ``path`` is an existing, non-empty file of sane size."""
    try:
        if not path.exists():
            raise ReadError("no such file")
        if path.is_dir():
            raise ReadError("this is a folder, not a file")
        size = path.stat().st_size
    except OSError as err:
        raise ReadError(f"cannot open the file: {err.strerror or err}") from err
    if size == 0:
        raise ReadError("the file is empty")
    if size > MAX_FILE_BYTES:
        raise ReadError(
            f"the file is too large ({size / 2**20:.0f} MB; the limit is "
            f"{MAX_FILE_BYTES / 2**20:.0f} MB): split it into smaller documents"
        )


def _empty_reason(path: Path) -> str:
    """Explain an all-whitespace result: an empty text file or a document without text."""
    if path.suffix.lower() in {".txt", ".md"}:
        return "the file is empty"
    return "no text found in the document"


# --------------------------------------------------------------------------- text decoding


_display_name = decoding.display_name


def _read_plain_text(path: Path, encoding: str | None) -> ReadResult:
    """Read a .txt or .md file, decoding its bytes with :func:`decode_bytes`."""
    text, used, notes = decode_bytes(read_bytes(path), encoding)
    return ReadResult(text=text, encoding=used, notes=notes)


def _read_markdown(path: Path, encoding: str | None) -> ReadResult:
    """Read a .md file: decoded like a .txt, stored as the text a reader sees (escapes
    resolved, emphasis markers dropped; see :mod:`fieldcode.ingest.markdown`)."""
    from fieldcode.ingest.markdown import markdown_to_text

    result = _read_plain_text(path, encoding)
    result.text = markdown_to_text(result.text)
    return result


# --------------------------------------------------------------------------- zip containers

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _check_zip_container(path: Path, kind: str, app: str) -> None:
    """Raise a friendly ReadError unless ``path`` is a readable ZIP (docx/odt) container."""
    if _read_head(path, len(_OLE_MAGIC)) == _OLE_MAGIC:
        raise ReadError(
            f"not a {kind} file (an old binary format or a password-protected document): "
            f"open it in {app} and save it as {kind} without a password"
        )
    if not zipfile.is_zipfile(path):
        raise ReadError(
            f"not a valid {kind} file (the ZIP container is damaged or missing): "
            f"re-save it from {app}"
        )
    _check_zip_budget(path, kind, app)


def _check_zip_budget(path: Path, kind: str, app: str) -> None:
    """Refuse a container that would unpack to more than :data:`MAX_UNZIPPED_BYTES` (a zip
    bomb), has absurdly many parts, or uses a compression Word and LibreOffice never write.

    ``zipfile`` never returns more bytes than an entry's declared size, so adding up the
    declared sizes bounds what python-docx or odfpy will hold in memory.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise ReadError(
            f"not a valid {kind} file (the ZIP container is damaged): re-save it from {app} ({error_summary(err)})"
        ) from err
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ReadError(f"not a plausible {kind} file ({len(entries):,} parts inside): re-save it from {app}")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNZIPPED_BYTES:
        raise ReadError(
            f"the {kind} file would unpack to {unpacked / 2**20:,.0f} MB (the limit is "
            f"{MAX_UNZIPPED_BYTES / 2**20:.0f} MB; a 'zip bomb' or huge embedded media): "
            f"re-save it from {app} without the embedded media, or save the text as .txt"
        )
    for e in entries:
        if e.flag_bits & 0x1:
            raise ReadError(f"the {kind} file is encrypted: open it in {app} and save it without a password")
        if e.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ReadError(f"not a {kind} file written by {app} (unusual compression): re-save it from {app}")


def _read_head(path: Path, count: int) -> bytes:
    """Return the first ``count`` bytes of a file."""
    try:
        with path.open("rb") as handle:
            return handle.read(count)
    except OSError as err:
        raise ReadError(f"cannot open the file: {err.strerror or err}") from err


def _join_paragraphs(paragraphs: Iterable[str]) -> str:
    """Join paragraph texts with blank lines, skipping whitespace-only ones."""
    return "\n\n".join(p for p in paragraphs if p.strip())


# --------------------------------------------------------------------------- .docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCX_PARAGRAPH = f"{_W}p"
_DOCX_RUN = f"{_W}r"
# block-level wrappers whose paragraphs belong to the document flow
_DOCX_BLOCK_CONTAINERS = {
    f"{_W}{tag}" for tag in ("tbl", "tr", "tc", "sdt", "sdtContent", "customXml", "ins")
}
# run wrappers whose text is not part of the visible paragraph
_DOCX_HIDDEN_RUN_WRAPPERS = {f"{_W}del", f"{_W}moveFrom", _DOCX_PARAGRAPH}


def _read_docx(path: Path, encoding: str | None) -> ReadResult:
    """Read a Word .docx: body paragraphs and table-cell paragraphs in document order."""
    del encoding  # a .docx carries its own encoding
    _check_zip_container(path, ".docx", "Word")
    try:  # sizes declared and unpacked, per part and in all, before python-docx holds them in memory
        zipcheck.check_archive(path, zipcheck.DOCX_LIMITS, ".docx file")
    except zipcheck.ZipLimitError as err:
        raise ReadError(f"{err}: re-save it from Word without the embedded media, or save the text as .txt") from None
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as err:  # python-docx raises KeyError/ValueError/OpcError/XML errors
        raise ReadError(
            "not a valid .docx file (no readable Word document inside): re-save it from Word"
            f" ({error_summary(err)})"
        ) from err
    paragraphs = (_docx_paragraph_text(p) for p in _docx_paragraphs(document.element.body))
    return ReadResult(text=_join_paragraphs(paragraphs))


def _docx_paragraphs(container: Any) -> Iterator[Any]:
    """Yield ``w:p`` elements in document order, descending into tables and content controls."""
    for child in container:
        if child.tag == _DOCX_PARAGRAPH:
            yield child
        elif child.tag in _DOCX_BLOCK_CONTAINERS:
            yield from _docx_paragraphs(child)


def _docx_paragraph_text(paragraph: Any) -> str:
    """Text of a ``w:p``, including hyperlinks and tracked insertions, excluding deletions.

    python-docx's ``Paragraph.text`` only sees runs that are direct children or
    inside hyperlinks, so text inside ``w:ins`` (tracked insertions), smart tags
    or simple fields would be lost; runs are therefore collected here directly.
    Runs in nested paragraphs (text boxes) are not part of this paragraph.
    """
    from docx.text.run import Run

    return "".join(
        Run(run, None).text  # type: ignore[arg-type]
        for run in paragraph.iter(_DOCX_RUN)
        if _is_visible_run_of(run, paragraph)
    )


def _is_visible_run_of(run: Any, paragraph: Any) -> bool:
    """Whether ``run`` belongs to ``paragraph`` and is not deleted or moved away."""
    node = run.getparent()
    while node is not None and node is not paragraph:
        if node.tag in _DOCX_HIDDEN_RUN_WRAPPERS:
            return False
        node = node.getparent()
    return node is paragraph


# --------------------------------------------------------------------------- .odt

_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DRAW_NS = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_ODF_PARAGRAPHS = {(_TEXT_NS, "p"), (_TEXT_NS, "h")}
# deleted text kept for change tracking, comments and footnotes are not body text
_ODF_SKIPPED = {
    (_TEXT_NS, "tracked-changes"),
    (_OFFICE_NS, "annotation"),
    (_TEXT_NS, "note"),
}
_ODF_WHITESPACE = {(_TEXT_NS, "line-break"): "\n", (_TEXT_NS, "tab"): "\t"}


def _read_odt(path: Path, encoding: str | None) -> ReadResult:
    """Read an OpenDocument .odt: paragraphs and headings (also in lists and tables) in order."""
    del encoding  # an .odt carries its own encoding
    _check_zip_container(path, ".odt", "LibreOffice")
    from odf.opendocument import load

    try:
        document = load(str(path))
    except Exception as err:  # odfpy raises KeyError/BadZipFile/XML errors
        raise ReadError(
            "not a valid .odt file (no readable OpenDocument text inside): re-save it from"
            f" LibreOffice ({error_summary(err)})"
        ) from err
    if not str(document.mimetype).startswith("application/vnd.oasis.opendocument.text"):
        raise ReadError(
            f"not an OpenDocument text file (it is {document.mimetype or 'of unknown type'}):"
            " save it as .odt from a word processor"
        )
    paragraphs = (_odf_inline_text(p) for p in _odf_paragraphs(document.text))
    return ReadResult(text=_join_paragraphs(paragraphs))


def _is_odf_skipped(element: Any) -> bool:
    """Whether an ODF element holds no body text (tracked deletions, comments, frames...)."""
    return element.qname in _ODF_SKIPPED or element.qname[0] == _DRAW_NS


def _odf_paragraphs(container: Any) -> Iterator[Any]:
    """Yield ``text:p``/``text:h`` elements in document order (lists, tables, sections included)."""
    from odf.element import Node

    for child in container.childNodes:
        if child.nodeType != Node.ELEMENT_NODE or _is_odf_skipped(child):
            continue
        if child.qname in _ODF_PARAGRAPHS:
            yield child
        else:
            yield from _odf_paragraphs(child)


def _odf_inline_text(element: Any) -> str:
    """Text of a paragraph, like ``odf.teletype.extractText`` but without comments/footnotes.

    ``extractText`` descends into every child, so comment (``office:annotation``)
    text, footnote bodies and image titles would be spliced into the sentence;
    this walks the same way but skips those. Spaces (``text:s``), tabs and line
    breaks are rendered exactly as ``extractText`` does.
    """
    from odf.element import Node

    parts: list[str] = []
    for child in element.childNodes:
        if child.nodeType == Node.TEXT_NODE:
            parts.append(child.data)
        elif child.nodeType == Node.ELEMENT_NODE and not _is_odf_skipped(child):
            parts.append(_odf_element_text(child))
    return "".join(parts)


def _odf_element_text(element: Any) -> str:
    """Text of one inline element: spaces, tabs and line breaks rendered, others recursed."""
    if element.qname == (_TEXT_NS, "s"):
        return " " * int(element.getAttribute("c") or 1)
    if element.qname in _ODF_WHITESPACE:
        return _ODF_WHITESPACE[element.qname]
    return _odf_inline_text(element)


# --------------------------------------------------------------------------- .rtf

_RTF_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")
_RTF_CHARSETS = {b"\\mac": "mac_roman", b"\\pca": "cp850", b"\\pc": "cp437", b"\\ansi": "cp1252"}


def _read_rtf(path: Path, encoding: str | None) -> ReadResult:
    """Read an .rtf file with striprtf; embedded pictures and font tables are dropped.

    ``encoding`` is the code page assumed when the header has no ``\\ansicpg``.
    """
    from striprtf.striprtf import rtf_to_text

    data = read_bytes(path)
    if not data.lstrip().startswith(b"{\\rtf"):
        raise ReadError("not a valid .rtf file (it does not start with {\\rtf): re-save it as RTF")
    codepage = _rtf_codepage(data[:4096], encoding)
    try:
        text = rtf_to_text(data.decode(codepage, errors="replace"), encoding=codepage, errors="replace")
    except Exception as err:  # striprtf has no error type of its own
        raise ReadError(f"the RTF file is damaged: re-save it from your editor ({error_summary(err)})") from err
    text = re.sub(r"\n{3,}", "\n\n", _join_surrogates(text)).strip("\r\n")
    notes = []
    if "\ufffd" in text:
        notes.append(f"some characters could not be decoded as {_display_name(codepage)} and show as \ufffd")
    return ReadResult(text=text, encoding=codepage, notes=notes)


def _rtf_codepage(header: bytes, fallback: str | None) -> str:
    """The codec named by the RTF header (``\\ansicpg1252`` -> cp1252), else ``fallback``/cp1252."""
    match = _RTF_CODEPAGE.search(header)
    candidates = [f"cp{int(match.group(1))}"] if match else []
    if fallback:
        candidates.append(fallback)
    candidates += [codec for keyword, codec in _RTF_CHARSETS.items() if keyword in header[:64]]
    for name in candidates:
        try:
            return codecs.lookup(name).name
        except LookupError:
            continue
    return "cp1252"


def _join_surrogates(text: str) -> str:
    """Merge UTF-16 surrogate pairs (RTF ``\\u`` escapes of emoji) into real characters."""
    if not re.search("[\ud800-\udfff]", text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


# --------------------------------------------------------------------------- .pdf

_NO_TEXT_LAYER = "the PDF has no text layer (scanned image?): run OCR first and import the text"


def _read_pdf(path: Path, encoding: str | None) -> ReadResult:
    """Read a PDF's visible text with pypdf, laid out as paragraphs by :mod:`fieldcode.ingest.pdftext`."""
    del encoding  # PDFs carry their own font encodings
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    from fieldcode.ingest.pdftext import layout_pages, page_lines

    with _collect_pypdf_warnings() as warnings:
        try:
            pages = [page_lines(page) for page in PdfReader(str(path)).pages]
        except FileNotDecryptedError as err:
            raise ReadError(
                "the PDF is password-protected: remove the password (e.g. print to a new PDF) first"
            ) from err
        except DependencyError as err:
            raise ReadError(f"the PDF is encrypted in a way that cannot be read here ({error_summary(err)})") from err
        except Exception as err:  # pypdf raises many types on damaged files
            raise ReadError(f"not a valid PDF file (it is damaged): re-save or re-export it ({error_summary(err)})") from err
    layout = layout_pages(pages)
    if not layout.text.strip():
        raise ReadError(_NO_TEXT_LAYER)
    return ReadResult(text=layout.text, notes=_pdf_notes(layout, warnings))


def _pdf_notes(layout: Any, warnings: list[str]) -> list[str]:
    """Notes about what was left out (blank pages, out-of-page text, running headers and
    footers) and problems pypdf reported while reading."""
    notes = []
    if layout.blank_pages:
        notes.append(f"{layout.blank_pages} of {layout.pages} PDF pages have no text layer (scanned?) and were skipped")
    if layout.outside_lines:
        notes.append(f"{layout.outside_lines} line(s) of text drawn outside the visible page (e.g. hidden line numbers) were left out")
    if layout.running_lines:
        notes.append(f"{layout.running_lines} running header/footer line(s) (page numbers, repeated titles) were left out")
    if layout.gutter_numbers:
        notes.append(f"{layout.gutter_numbers} line number(s) printed in a margin column were left out")
    if layout.repeated_lines:
        notes.append(f"{layout.repeated_lines} line(s) repeated across a page break were left out")
    if warnings:
        notes.append(f"the PDF has structural problems, check the text ({warnings[0]})")
    return notes


class _ListHandler(logging.Handler):
    """A logging handler that keeps formatted messages in a list."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(level=logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@contextmanager
def _collect_pypdf_warnings() -> Iterator[list[str]]:
    """Capture pypdf's logged warnings (instead of printing them on stderr) into a list."""
    logger = logging.getLogger("pypdf")
    sink: list[str] = []
    handler = _ListHandler(sink)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield sink
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


# --------------------------------------------------------------------------- helpers


_READERS: dict[str, _Reader] = {
    ".txt": _read_plain_text,
    ".md": _read_markdown,
    ".docx": _read_docx,
    ".odt": _read_odt,
    ".rtf": _read_rtf,
    ".vtt": read_vtt,
    ".srt": read_srt,
    ".pdf": _read_pdf,
}
