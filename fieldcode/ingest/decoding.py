"""Decode a transcript's bytes to text, claiming no certainty it does not have.

The rule (README, "Safety rules"):

* a byte-order mark (UTF-8, UTF-16, UTF-32) is certain and wins, even over ``--encoding``;
* text that decodes as strict UTF-8 is UTF-8; with ``--encoding`` naming another encoding,
  a file that is valid UTF-8 *and* has non-ASCII bytes is still read as UTF-8 (a folder of
  mixed files is not garbled) and the note says so;
* UTF-16 without a byte-order mark is recognised only from its zero bytes (most characters
  ASCII, every other byte zero), and reported;
* otherwise, without ``--encoding``, the bytes are read as windows-1252 only when the result
  is plainly Western European text (few accented letters, all inside ordinary words, no
  symbols inside words, no capital after a small letter) and the note names the assumption
  and shows words to check; anything else is refused with advice to pass ``--encoding``.

No statistical charset guess is used: guessers report "certainty" for cp775 or cp857 on
short French or Spanish passages, which turns "Renée" into "Renķe" without a word.

Headless; never imports textual.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

__all__ = ["DecodeError", "decode_bytes", "display_name"]


class DecodeError(Exception):
    """The bytes cannot be decoded with certainty; ``str(err)`` says what to do."""


UNCERTAIN = "cannot tell the text encoding (not UTF-8): pass --encoding, e.g. --encoding cp1252"
_UTF8_NAMES = {"utf-8", "utf-8-sig"}
_BOMS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
# Inside a word, Western text has letters, apostrophes and dashes; a symbol such as "³", "¹",
# "¿" or "‚" between two letters is the mark of another code page read as windows-1252.
_WORD_JOINERS = set("\u2019\u2018\u00b4\u00b7\u2013\u2014\u2026-'")
_MAX_FOREIGN_SHARE = 1 / 3  # at most one letter in three outside ASCII
# Letters of windows-1252 that stand for the commonest letters of other code pages (Turkish
# "ı ş ğ İ" in windows-1254 read as "ý þ ð Ý"); Icelandic text needs --encoding cp1252.
_UNLIKELY_LETTERS = set("\u00f0\u00fe\u00fd\u00d0\u00de\u00dd")


def display_name(encoding: str) -> str:
    """A human name for a codec: Windows code pages as 'windows-125x', others unchanged."""
    name = codecs.lookup(encoding).name
    match = re.fullmatch(r"cp(125\d)", name)
    return f"windows-{match.group(1)}" if match else name


def decode_bytes(data: bytes, encoding: str | None) -> tuple[str, str, list[str]]:
    """Decode ``data`` to text and return ``(text, encoding_used, notes)``.

    Newlines and Unicode forms are left untouched (see :func:`fieldcode.text.normalise`).

    Raises:
        DecodeError: binary data, an undecodable byte, an unknown encoding name or an
            encoding that cannot be determined with certainty.
    """
    requested = _lookup(encoding) if encoding is not None else None
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            text = _strict(data, codec, hint=f"the byte-order mark says {label}")
            notes = [f"decoded as {label} (byte-order mark)"] if codec != "utf-8-sig" else []
            if requested and requested not in _UTF8_NAMES | {codec, f"{codec}-le", f"{codec}-be"}:
                notes.append(f"the byte-order mark says {label}, so --encoding {encoding} was not used")
            return text, codec, notes
    if requested is not None:
        return _decode_as_requested(data, requested, encoding)
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data:
        raise DecodeError(_binary(data))
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    return _western(data)


def _lookup(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError as err:
        raise DecodeError(f"unknown encoding {encoding!r}: use a name like utf-8, cp1252 or latin-1") from err
    try:
        b"a".decode(name)
    except UnicodeDecodeError:
        pass  # a text encoding; one byte is just not enough for it (utf-16)
    except LookupError as err:  # e.g. "rot13" is a codec but not a text encoding
        raise DecodeError(f"{encoding!r} is not a text encoding: use a name like utf-8, cp1252 or latin-1") from err
    return name


def _decode_as_requested(data: bytes, name: str, given: str) -> tuple[str, str, list[str]]:
    """The user's encoding, strictly; but a valid UTF-8 file with non-ASCII bytes stays UTF-8."""
    notes: list[str] = []
    if name not in _UTF8_NAMES and not data.isascii() and b"\x00" not in data:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return text, "utf-8", [f"the file is valid UTF-8, so it was read as UTF-8, not as {given}"
                                   " (--encoding applies to the files that are not UTF-8)"]
    text = _strict(data, name, hint="check --encoding")
    if "\x00" in text:
        raise DecodeError(_binary(data))
    return text.removeprefix("\ufeff"), name, notes


def _strict(data: bytes, encoding: str, hint: str) -> str:
    """Decode strictly, naming the offending byte, its offset and line on failure."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        bad = data[err.start]
        line = data.count(b"\n", 0, err.start) + 1
        raise DecodeError(
            f"line {line}: byte 0x{bad:02x} at offset {err.start} is not valid {display_name(encoding)}: {hint}"
        ) from err


def _binary(data: bytes) -> str:
    where = data.find(b"\x00")
    return (f"binary file, not text (a NUL byte at offset {where}): if it is text saved as UTF-16 "
            "or UTF-32, pass --encoding utf-16 (or utf-32)")


def _utf16_without_bom(data: bytes) -> tuple[str, str, list[str]] | None:
    """UTF-16 told by its zero bytes: in mostly-ASCII UTF-16-LE every odd byte is zero."""
    if len(data) < 4 or len(data) % 2:
        return None
    pairs = len(data) // 2
    even_zero = data[0::2].count(0) / pairs
    odd_zero = data[1::2].count(0) / pairs
    for codec, high, low in (("utf-16-le", odd_zero, even_zero), ("utf-16-be", even_zero, odd_zero)):
        if high >= 0.6 and low <= 0.02:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            if any(ch in "\x00\ufffe" or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r")
                   for ch in text):
                return None
            return text, codec, [f"decoded as {codec.upper()} (no byte-order mark; told by its zero bytes)"]
    return None


def _western(data: bytes) -> tuple[str, str, list[str]]:
    """windows-1252 when the text is plainly Western European, else refuse (see module doc)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise DecodeError(UNCERTAIN) from None
    ascii_letters = foreign = 0
    examples: list[str] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            ascii_letters += ch.isalpha()
            continue
        category = unicodedata.category(ch)
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if category == "Cc":
            raise DecodeError(UNCERTAIN)
        if category.startswith("L"):
            foreign += 1
            if ch in _UNLIKELY_LETTERS:
                raise DecodeError(UNCERTAIN)
            if ch.isupper() and before.islower():
                raise DecodeError(UNCERTAIN)  # "RenŽe": Mac Roman read as windows-1252
            if len(examples) < 3:
                word = _word_at(text, i)
                if word not in examples:
                    examples.append(word)
        elif before.isalpha() and after.isalpha() and ch not in _WORD_JOINERS:
            raise DecodeError(UNCERTAIN)  # "³" in "bia³y": windows-1250 read as windows-1252
    if foreign > _MAX_FOREIGN_SHARE * (ascii_letters + foreign):
        raise DecodeError(UNCERTAIN)
    shown = f": check {', '.join(examples)}" if examples else ""
    return text, "cp1252", [f"decoded as windows-1252 (not UTF-8; assumed from its Western European text"
                            f"{shown}; pass --encoding to choose another)"]


def _word_at(text: str, i: int) -> str:
    a = i
    while a > 0 and i - a < 30 and text[a - 1].isalpha():
        a -= 1
    b = i + 1
    while b < len(text) and b - i < 30 and text[b].isalpha():
        b += 1
    return f"\u201c{text[a:b]}\u201d"
