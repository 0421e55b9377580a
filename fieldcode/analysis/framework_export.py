"""``fieldcode export framework``: the framework matrix (``fieldcode.analysis.framework``) as
XLSX (one sheet per theme group; pairs as row blocks, the two arms' interviews side by side, each
theme's two arms in adjacent columns, the quotes a summary cites under it), Markdown and DOCX.

Every text that reaches a file goes through ``name`` (identity by default; the pseudonymiser's
``field`` with ``--pseudonymise``), so a pseudonymised export names no one.  A summary whose
citations changed since is flagged in the cell (``STALE_MARK`` and what changed), never shown as
if it still held.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fieldcode.analysis.framework import Cell, Matrix, Side, Theme
from fieldcode.errors import InvalidInput

STALE_MARK = "STALE"
NO_SUMMARY = "(no summary)"
QUOTE_CHARS = 200


def identity(value: str, **_kw) -> str:
    return value


@dataclass(frozen=True)
class CellText:
    interview: str
    passages: int
    lines: tuple[str, ...]      # summaries, each followed by its flags and quotes

    def text(self) -> str:
        head = f"{self.interview} ({self.passages} passage{'s' if self.passages != 1 else ''})"
        return "\n".join((head, *self.lines))


def _short(q: str) -> str:
    q = " ".join(q.split())
    return q if len(q) <= QUOTE_CHARS else q[:QUOTE_CHARS - 1] + "\u2026"


def cell_text(cell: Cell, side: Side, name: Callable = identity) -> CellText:
    """A cell as the exports write it: each summary as "[author] text", a STALE line when its
    citations changed, then each cited quote ("> “…” (coder)"; a changed one says how)."""
    lines: list[str] = []
    iv = name(side.interview, interview=side.interview, item="interview", field="name")
    for s in cell.summaries:
        who = "consensus" if s.consensus else s.author
        lines.append(f"[{name(who, interview=side.interview, item='summary', field='author')}] "
                     f"{name(s.text, interview=side.interview, item=f'summary {s.uid[:8]}', field='text')}")
        if s.stale:
            lines.append(f"{STALE_MARK}: {s.stale_note()}")
        for c in s.cites:
            q = c.quote if c.state == "ok" else (c.quote or c.quote_then)
            q = name(_short(q), interview=side.interview, item=f"summary {s.uid[:8]}", field="quote")
            flag = "" if c.state == "ok" else f" [{c.state}]"
            by = f" ({name(c.coder, interview=side.interview, item='quote', field='coder')})" if c.coder else ""
            lines.append(f"> \u201c{q}\u201d{by}{flag}")
    if not lines:
        lines.append(NO_SUMMARY)
    return CellText(iv, cell.passages, tuple(lines))


def theme_rows(m: Matrix, theme: Theme, name: Callable = identity) -> list[tuple[str, CellText | None, CellText | None]]:
    """(pair, focal arm's cell, comparison arm's cell) per row of the matrix, for one theme."""
    out = []
    for r in m.rows:
        pair = name(r.pair, item="pair", field="pair")
        out.append((pair, *(cell_text(m.cell(s.interview_id, theme.key), s, name) if s else None for s in r.sides)))
    return out


def _title(m: Matrix, study_name: str, name: Callable) -> str:
    return f"Framework matrix: {name(study_name, item='study', field='name')}" if study_name else "Framework matrix"


def _notes(m: Matrix) -> list[str]:
    coders = ", ".join(m.coders) if m.coders else "all coders"
    return [f"Rows: pairs, {m.arms[0]} interviews beside {m.arms[1]} ones; columns: themes"
            + (" (each with its sub-themes)" if m.options.get("rollup") else "") + ".",
            f"Passages counted from the codings of {coders}. {m.options['count_rule']}.",
            f"{STALE_MARK}: a cited passage was removed, recoded or moved since the summary cited it."]


# --- XLSX --------------------------------------------------------------------------------------

def write_xlsx(m: Matrix, path: Path, *, study_name: str = "", name: Callable = identity) -> None:
    """One sheet per theme group: Pair, then for each theme the two arms' cells side by side.
    Written by fieldcode's one XLSX writer, so every text (a summary, a quote, a name) is stored
    as text: a cell starting with '=' or '@' is never run as a formula."""
    from fieldcode.analysis.export import XlsxSheet, write_xlsx_sheets

    sheets = []
    used: set[str] = set()
    for _gkey, gname, themes in m.groups():
        header = ["Pair"]
        for t in themes:
            tn = name(t.name, item="theme", field="name")
            header += [f"{tn} \u2014 {m.arms[0]}", f"{tn} \u2014 {m.arms[1]}"]
        per_theme = [theme_rows(m, t, name) for t in themes]
        rows, last_pair = [], None
        for i, _r in enumerate(m.rows):
            pair = per_theme[0][i][0]
            row = [pair if pair != last_pair else ""]
            last_pair = pair
            for got in per_theme:
                row += [got[i][1].text() if got[i][1] else "", got[i][2].text() if got[i][2] else ""]
            rows.append(row)
        sheets.append(XlsxSheet(_sheet_title(name(gname, item="theme", field="name"), used), header, rows,
                                above=[_title(m, study_name, name)], below=_notes(m),
                                widths=[16] + [45] * (len(header) - 1), wrap=True, bold_header=True, freeze="B3"))
    if not write_xlsx_sheets(path, sheets):
        raise InvalidInput(f"{path}: the framework matrix has more rows than an Excel sheet holds; "
                           "export it as Markdown (--format md) instead")


def _sheet_title(name: str, used: set[str]) -> str:
    bad = '[]:*?/\\'
    base = "".join("_" if ch in bad else ch for ch in name)[:31] or "Theme"
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


# --- Markdown ----------------------------------------------------------------------------------

def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def markdown(m: Matrix, *, study_name: str = "", name: Callable = identity) -> str:
    """A section per theme group, a table per theme: Pair | focal arm | comparison arm."""
    out = [f"# {_title(m, study_name, name)}", ""]
    out += [f"- {n}" for n in _notes(m)] + [""]
    for _g, gname, themes in m.groups():
        out += [f"## {name(gname, item='theme', field='name')}", ""]
        for t in themes:
            if len(themes) > 1:
                out += [f"### {name(t.name, item='theme', field='name')}", ""]
            out += [f"| Pair | {m.arms[0]} | {m.arms[1]} |", "|---|---|---|"]
            for pair, left, right in theme_rows(m, t, name):
                cells = [_md(c.text()) if c else "" for c in (left, right)]
                out.append(f"| {_md(pair)} | {cells[0]} | {cells[1]} |")
            out.append("")
    return "\n".join(out)


# --- DOCX --------------------------------------------------------------------------------------

def write_docx(m: Matrix, path: Path, *, study_name: str = "", name: Callable = identity) -> None:
    """A heading per theme group and theme, a table per theme: Pair | focal arm | comparison arm."""
    import docx

    doc = docx.Document()
    doc.add_heading(_title(m, study_name, name), level=1)
    for n in _notes(m):
        doc.add_paragraph(n)
    for _g, gname, themes in m.groups():
        doc.add_heading(name(gname, item="theme", field="name"), level=2)
        for t in themes:
            if len(themes) > 1:
                doc.add_heading(name(t.name, item="theme", field="name"), level=3)
            rows = theme_rows(m, t, name)
            table = doc.add_table(rows=1 + len(rows), cols=3)
            table.style = "Table Grid"
            for j, h in enumerate(("Pair", m.arms[0], m.arms[1])):
                table.rows[0].cells[j].text = h
            for i, (pair, left, right) in enumerate(rows, start=1):
                table.rows[i].cells[0].text = pair
                for j, c in ((1, left), (2, right)):
                    table.rows[i].cells[j].text = c.text() if c else ""
    doc.save(str(path))


def write_all(m: Matrix, paths: Sequence[Path], *, study_name: str = "", name: Callable = identity) -> None:
    """Write each of ``paths`` in the format its suffix names (.xlsx, .md, .docx)."""
    for p in paths:
        suffix = Path(p).suffix.lower()
        if suffix == ".xlsx":
            write_xlsx(m, p, study_name=study_name, name=name)
        elif suffix == ".md":
            Path(p).write_text(markdown(m, study_name=study_name, name=name) + "\n", encoding="utf-8")
        elif suffix == ".docx":
            write_docx(m, p, study_name=study_name, name=name)
        else:
            raise ValueError(f"unknown framework export format {suffix}")

