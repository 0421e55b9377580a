"""What reading a document gives and how it fails: :class:`ReadResult`, :class:`ReadError`,
the size limits every reader applies, and the byte-level helpers the readers share
(:mod:`fieldcode.ingest.readers` chooses the reader; :mod:`fieldcode.ingest.captions` reads
caption files).  Headless; never imports textual."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fieldcode.ingest import decoding

# A document file: bigger than this is not one interview.
MAX_FILE_BYTES = 200 * 1024 * 1024
# One transcript's text: 20 MB is about 3.5 million words, fifty long interviews; a bigger
# text file is a corpus or a log, and spaCy and the coding screen would take minutes over it.
MAX_TEXT_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
MAX_ZIP_ENTRIES = 5_000
TEXT_SUFFIXES = {".txt", ".md", ".vtt", ".srt"}
SUPPORTED_SUFFIXES = {".txt", ".md", ".docx", ".odt", ".rtf", ".vtt", ".srt", ".pdf"}


class ReadError(Exception):
    """A file could not be read.

    ``str(err)`` is a one-line reason a researcher understands, e.g.
    ``'the PDF has no text layer (scanned image?): run OCR first and import the text'``.
    """


@dataclass
class ReadResult:
    """The text of a document plus what the user should be told about reading it."""

    text: str
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def check_text_size(size: int) -> None:
    """Refuse a transcript over :data:`MAX_TEXT_BYTES` (bytes of a text file, or characters)."""
    if size > MAX_TEXT_BYTES:
        raise ReadError(
            f"the transcript is too long ({size / 2**20:.0f} MB of text; the limit is "
            f"{MAX_TEXT_BYTES / 2**20:.0f} MB, about 3.5 million words): split it into one file per interview"
        )


def read_bytes(path: Path) -> bytes:
    """Return the file's bytes, turning OS errors into ReadError."""
    try:
        return path.read_bytes()
    except OSError as err:
        raise ReadError(f"cannot open the file: {err.strerror or err}") from err


def decode_bytes(data: bytes, encoding: str | None) -> tuple[str, str, list[str]]:
    """Decode ``data`` to ``(text, encoding_used, notes)`` by the rule in :mod:`fieldcode.ingest.decoding`
    (byte-order marks and UTF-8 are certain; windows-1252 only for plainly Western text, and
    said; otherwise refused with advice to pass ``--encoding``).

    Raises:
        ReadError: binary data, an undecodable byte, an unknown encoding name or an
            encoding that cannot be determined with certainty.
    """
    try:
        return decoding.decode_bytes(data, encoding)
    except decoding.DecodeError as err:
        raise ReadError(str(err)) from None


def error_summary(err: BaseException) -> str:
    """A short single-line description of a library exception."""
    message = " ".join(str(err).split()) or type(err).__name__
    return message if len(message) <= 120 else message[:117] + "..."
