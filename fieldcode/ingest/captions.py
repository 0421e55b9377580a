"""Caption files (WebVTT ``.vtt`` and SubRip ``.srt``) read as speaker turns: a voice tag or
a ``Name:`` prefix opens a turn, the same speaker's next cues continue it.  Headless."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fieldcode.ingest.document import ReadError, ReadResult, decode_bytes, error_summary, read_bytes

_VOICE_TAG = re.compile(r"<v(?:\.[^\s>]*)*(?:[ \t]+([^>]*))?>")
_VTT_TAG = re.compile(r"<[^>]*>")
_SRT_TAG = re.compile(r"</?(?:i|b|u|s|font)(?:\s[^>]*)?>|\{\\[^}]*\}", re.IGNORECASE)
_NAME_PREFIX = re.compile(r"([^:\n]{1,40}):[ \t]+(.*)", re.DOTALL)
_NAME_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del", "bin", "al"}


@dataclass
class _Line:
    """One spoken line of a caption file: its speaker if known, and its text."""

    speaker: str | None
    text: str


def _format_turns(lines: Iterable[_Line]) -> str:
    """Render caption lines as turns: 'Name: text' opens a turn, same-speaker lines continue it.

    A line without a speaker continues the current turn. Turns are separated by
    a blank line, lines within a turn by a newline.
    """
    turns: list[list[str]] = []
    current: str | None = None
    for line in lines:
        if line.speaker is not None and line.speaker != current:
            current = line.speaker
            turns.append([f"{line.speaker}: {line.text}"])
        elif turns:
            turns[-1].append(line.text)
        else:
            turns.append([line.text])
    return "\n\n".join("\n".join(turn) for turn in turns)


def _split_name_prefix(text: str) -> _Line:
    """Split a 'Name: text' prefix off a caption when the prefix looks like a speaker name.

    A name is 1-5 words, each capitalised or a number (or a particle like
    'van'), with at least one letter: 'Caleob King:', 'Speaker 2:', 'P1:'. This
    rejects sentences such as 'So I said: fine'.
    """
    match = _NAME_PREFIX.fullmatch(text)
    if match and _looks_like_name(match.group(1)):
        return _Line(match.group(1).strip(), match.group(2).strip())
    return _Line(None, text)


def _looks_like_name(candidate: str) -> bool:
    """Whether ``candidate`` (text before a colon) is plausibly a speaker name."""
    words = candidate.split()
    if not 1 <= len(words) <= 5 or not any(ch.isalpha() for ch in candidate):
        return False
    return all(w[0].isupper() or w[0].isdigit() or w in _NAME_PARTICLES for w in words)


def _clean_caption_text(text: str, tags: re.Pattern[str]) -> str:
    """Remove markup tags and join a caption's wrapped display lines with single spaces."""
    stripped = tags.sub("", text)
    return " ".join(part.strip() for part in stripped.splitlines() if part.strip())


def _vtt_cue_lines(raw: str) -> list[_Line]:
    """Split one cue into spoken lines: one per voice span, else one with an optional 'Name:'."""
    voices = list(_VOICE_TAG.finditer(raw))
    if not voices:
        text = html.unescape(_clean_caption_text(raw, _VTT_TAG))
        return [_split_name_prefix(text)] if text else []
    lines = []
    leading = html.unescape(_clean_caption_text(raw[: voices[0].start()], _VTT_TAG))
    if leading:
        lines.append(_split_name_prefix(leading))
    for index, voice in enumerate(voices):
        end = voices[index + 1].start() if index + 1 < len(voices) else len(raw)
        text = html.unescape(_clean_caption_text(raw[voice.end() : end], _VTT_TAG))
        name = html.unescape((voice.group(1) or "").strip()) or None
        if text:
            lines.append(_Line(name, text))
    return lines


def read_vtt(path: Path, encoding: str | None) -> ReadResult:
    """Read a WebVTT file as speaker turns (voice tags or 'Name:' prefixes)."""
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    text, used, notes = decode_bytes(read_bytes(path), encoding)
    try:
        captions = webvtt.from_string(text).captions
    except MalformedFileError as err:
        raise ReadError("not a valid WebVTT file: the first line must be WEBVTT") from err
    except MalformedCaptionError as err:
        raise ReadError(f"not a valid WebVTT file: {error_summary(err)}") from err
    skipped = sum("-->" in line for line in text.splitlines()) - len(captions)
    if skipped > 0:
        raise ReadError(
            f"not a valid WebVTT file: {skipped} cue(s) have an unreadable timing line:"
            " fix or remove them"
        )
    lines = [line for caption in captions for line in _vtt_cue_lines(caption.raw_text)]
    return ReadResult(text=_format_turns(lines), encoding=used, notes=notes)


def read_srt(path: Path, encoding: str | None) -> ReadResult:
    """Read a SubRip .srt file as speaker turns ('Name:' prefixes)."""
    import srt

    text, used, notes = decode_bytes(read_bytes(path), encoding)
    try:
        subtitles = list(srt.parse(text))
    except (srt.SRTParseError, srt.TimestampParseError) as err:
        raise ReadError(f"not a valid .srt file: {error_summary(err)}") from err
    skipped = sum("-->" in line for line in text.splitlines()) - len(subtitles)
    if skipped > 0:
        raise ReadError(
            f"not a valid .srt file: {skipped} subtitle(s) have an unreadable timing line: fix or remove them"
        )
    lines = []
    for subtitle in subtitles:
        cleaned = _clean_caption_text(subtitle.content, _SRT_TAG)
        if cleaned:
            lines.append(_split_name_prefix(cleaned))
    return ReadResult(text=_format_turns(lines), encoding=used, notes=notes)
