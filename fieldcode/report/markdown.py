"""The report's Markdown twin: the same sections, tables as pipe tables, figures as the SVG
files written beside it."""

from __future__ import annotations

from fieldcode.report.model import Bullets, Figure, Paragraph, Report, Table


def cell(text: str) -> str:
    """A pipe-table cell: pipes and backslashes escaped, line breaks as <br>, leading spaces (a
    code's depth) kept as non-breaking spaces."""
    stripped = text.lstrip(" ")
    lead = len(text) - len(stripped)
    body = stripped.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")
    return "&nbsp;" * lead + body


def _table(t: Table) -> list[str]:
    out = [f"**{cell(t.caption)}**", "", "| " + " | ".join(cell(h) for h in t.headers) + " |",
           "|" + "|".join([":---"] + [("---:" if t.numeric else ":---")] * (len(t.headers) - 1)) + "|"]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in t.rows]
    out.append("")
    out += [f"- {n}" for n in t.notes]
    return out + [""]


def render(report: Report, figure_files: dict[str, str]) -> str:
    """``figure_files``: figure name -> the SVG file's name, relative to the Markdown file."""
    lines = [f"# {report.title}", "", f"*{report.subtitle}*", ""]
    lines += [f"{i}. [{s.title}](#{s.key})" for i, s in enumerate(report.sections, 1)] + [""]
    n_fig = 0
    for s in report.sections:
        lines += [f"<a id=\"{s.key}\"></a>", "", f"## {s.title}", ""]
        for b in s.blocks:
            if isinstance(b, Paragraph):
                lines += [b.text, ""]
            elif isinstance(b, Bullets):
                lines += [f"- {i}" for i in b.items] + [""]
            elif isinstance(b, Table):
                lines += _table(b)
            elif isinstance(b, Figure):
                n_fig += 1
                lines += [f"![Figure {n_fig}. {b.caption}]({figure_files[b.name]})", "",
                          f"*Figure {n_fig}. {b.caption}*", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


__all__ = ["render", "cell"]
