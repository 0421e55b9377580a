"""The report as one self-contained HTML page: styles inline, figures as inline SVG, no script,
no link to anything outside the file."""

from __future__ import annotations

from html import escape

from fieldcode.report.model import Bullets, Figure, Paragraph, Report, Table

STYLE = """
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 14px; line-height: 1.45;
       max-width: 1100px; margin: 2em auto; padding: 0 1.5em; color: #1a1a1a; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
.subtitle { color: #555; margin-top: 0; }
nav ol { columns: 2; }
table { border-collapse: collapse; margin: 1em 0 0.3em; font-size: 12.5px; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
th, td { border: 1px solid #d0d0d0; padding: 3px 7px; vertical-align: top; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.wide { overflow-x: auto; }
td.label { white-space: pre; }
.notes { font-size: 12px; color: #444; margin: 0.2em 0 1.2em; padding-left: 1.2em; }
figure { margin: 1.2em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 12.5px; color: #333; }
"""


def _table(t: Table) -> str:
    out = [f"<div class=\"wide\"><table>\n<caption>{escape(t.caption)}</caption>\n<thead><tr>"]
    out += [f"<th scope=\"col\">{escape(h)}</th>" for h in t.headers]
    out.append("</tr></thead>\n<tbody>")
    for row in t.rows:
        cells = [f"<td class=\"label\">{escape(row[0])}</td>"] if row else []
        cls = " class=\"num\"" if t.numeric else ""
        cells += [f"<td{cls}>{escape(c)}</td>" for c in row[1:]]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody>\n</table></div>")
    if t.notes:
        out.append("<ul class=\"notes\">" + "".join(f"<li>{escape(n)}</li>" for n in t.notes) + "</ul>")
    return "\n".join(out)


def render(report: Report, svgs: dict[str, str]) -> str:
    """The page; ``svgs``: figure name -> its SVG (from fieldcode.report.figures.svg)."""
    parts = ["<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
             f"<title>{escape(report.title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
             f"<h1>{escape(report.title)}</h1>", f"<p class=\"subtitle\">{escape(report.subtitle)}</p>",
             "<nav><ol>" + "".join(f"<li><a href=\"#{escape(s.key)}\">{escape(s.title)}</a></li>"
                                   for s in report.sections) + "</ol></nav>"]
    n_fig = 0
    for s in report.sections:
        parts.append(f"<section id=\"{escape(s.key)}\">\n<h2>{escape(s.title)}</h2>")
        for b in s.blocks:
            if isinstance(b, Paragraph):
                parts.append(f"<p>{escape(b.text)}</p>")
            elif isinstance(b, Bullets):
                parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in b.items) + "</ul>")
            elif isinstance(b, Table):
                parts.append(_table(b))
            elif isinstance(b, Figure):
                n_fig += 1
                parts.append(f"<figure id=\"figure-{escape(b.name)}\" class=\"report-figure\">\n{svgs[b.name]}\n"
                             f"<figcaption>Figure {n_fig}. {escape(b.caption)}</figcaption>\n</figure>")
        parts.append("</section>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


__all__ = ["render"]
