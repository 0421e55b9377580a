"""Markdown transcripts as the text a reader sees.

A Markdown transcript is parsed with markdown-it-py (CommonMark, plus tables) and stored as
its rendered text: backslash escapes resolved (``\\[laughs\\]`` -> ``[laughs]``), emphasis
markers dropped (``**Tim Smith:**`` -> ``Tim Smith:``), links as their text, images as their
alt text, formatting tags such as ``<b>`` dropped (other ``<...>`` kept), headings and paragraphs as paragraphs (blank line between), list items kept with
their bullet or number, code kept verbatim, line wraps inside a paragraph kept as line breaks.
A YAML front matter block is kept as it is, for the importer to read.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["markdown_to_text", "plain_paragraphs", "render"]

_FRONT_MATTER = re.compile(r"\A(---[ \t]*\r?\n(?:.*?\r?\n)?---[ \t]*(?:\r?\n|\Z))", re.S)
# Formatting tags a reader never sees; any other <...> (e.g. a transcriber's <inaudible>) is kept.
_FORMAT_TAG = re.compile(r"</?(?:b|i|u|em|strong|sup|sub|span|br|mark|small|s|del|ins|a|font)\b[^>]*/?>", re.I)


# Plain prose: no character that Markdown gives a meaning inside a line (escapes, emphasis, code,
# links and images, HTML, entities, table cells), no tab, carriage return or NUL, and no line
# that could open a block (a heading, quote, list item, rule, setext underline, fence or
# indented code).  Such a text renders as its paragraphs with each line's outer spaces removed.
# Whitespace as Python's ``\s`` matches it (str.isspace), but space and newline; a test checks the
# list.  One character class is searched several times faster than an alternation.
OTHER_WHITESPACE = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INLINE = re.compile(r"[\\`*_\[\]<>&|~\x00" + OTHER_WHITESPACE + "]")
_BLOCK_START = re.compile(r"^(?: {0,3}(?:[-+*#=>]|\d{1,9}[.)])| {4})", re.M)
_BLANK_LINES = re.compile(r"\n(?:[ ]*\n)+")


def plain_paragraphs(body: str) -> str | None:
    """The rendered text of a body that has no Markdown in it (see ``_INLINE``), or None when it
    has some and must be parsed.  The same result as markdown-it's, without its ~50 ms per
    8,000 words; tests/test_markdown.py checks the two agree on generated and real texts."""
    if _INLINE.search(body) or _BLOCK_START.search(body):
        return None
    blocks = []
    for para in _BLANK_LINES.split(body.strip("\n")):
        lines = [line.strip(" ") for line in para.split("\n")]
        if any(lines):
            blocks.append("\n".join(lines).strip("\n"))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def markdown_to_text(source: str) -> str:
    """The text a reader of the rendered Markdown sees, paragraphs separated by blank lines."""
    front = ""
    match = _FRONT_MATTER.match(source.removeprefix("\ufeff"))
    if match:
        front = match.group(1)
        source = source.removeprefix("\ufeff")[match.end():]
    plain = plain_paragraphs(source)
    return front + (plain if plain is not None else render(source))


def render(source: str) -> str:
    """A Markdown body (no front matter) parsed with markdown-it-py, as the text a reader sees."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    blocks: list[str] = []
    prefixes: list[str] = []  # bullet or number for the next paragraph of a list item
    ordered: list[int | None] = []  # per open list: the next number, or None for bullets
    row: list[str] | None = None
    for token in tokens:
        kind = token.type
        if kind == "bullet_list_open":
            ordered.append(None)
        elif kind == "ordered_list_open":
            ordered.append(int(token.attrGet("start") or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            ordered.pop()
        elif kind == "list_item_open":
            if ordered and ordered[-1] is not None:
                prefixes.append(f"{ordered[-1]}{token.markup or '.'} ")
                ordered[-1] += 1
            else:
                prefixes.append(f"{token.markup or '-'} ")
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            blocks.append(" | ".join(row))
            row = None
        elif kind == "inline":
            text = _inline_text(token.children or [])
            if row is not None:
                row.append(text)
            elif text.strip():
                blocks.append((prefixes.pop() if prefixes else "") + text)
        elif kind in ("fence", "code_block"):
            blocks.append(token.content.rstrip("\n"))
        elif kind == "html_block":
            text = _FORMAT_TAG.sub("", token.content).strip()
            if text:
                blocks.append(text)
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _inline_text(children: list[Any]) -> str:
    """The visible text of a paragraph's inline tokens."""
    parts: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "image":
            parts.append(_inline_text(child.children or []) or child.content)
        elif kind == "html_inline" and not _FORMAT_TAG.fullmatch(child.content):
            parts.append(child.content)
    return "".join(parts)
