"""The report as a Word document (python-docx), for journals and funders that take only Word:
the same sections and tables, figures as PNG.

Deterministic: the document's core properties carry the report's date, and the package is
re-zipped with a fixed time on every member, so the same report gives the same bytes."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

from fieldcode.report.model import Bullets, Figure, Paragraph, Report, Table

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _table(doc, t: Table) -> None:  # noqa: ANN001
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    cap = doc.add_paragraph()
    cap.add_run(t.caption).bold = True
    table = doc.add_table(rows=1 + len(t.rows), cols=len(t.headers))
    table.style = "Table Grid"
    for j, h in enumerate(t.headers):
        c = table.rows[0].cells[j]
        c.text = ""
        c.paragraphs[0].add_run(h).bold = True
    for i, row in enumerate(t.rows, 1):
        cells = table.rows[i].cells
        for j, v in enumerate(row):
            cells[j].text = v.replace("  ", "\u00a0\u00a0") if j == 0 else v
            if j and t.numeric:
                cells[j].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row in table.rows:
        for c in row.cells:
            for p in c.paragraphs:
                for r in p.runs:
                    r.font.size = Pt(8)
    for n in t.notes:
        p = doc.add_paragraph(n, style="List Bullet")
        for r in p.runs:
            r.font.size = Pt(8)


def render(report: Report, pngs: dict[str, bytes], date: str) -> bytes:
    """The .docx bytes; ``pngs``: figure name -> PNG (fieldcode.report.figures.png)."""
    import docx
    from docx.shared import Inches

    doc = docx.Document()
    when = datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    props = doc.core_properties
    props.title = report.title
    props.author = "fieldcode"
    props.last_modified_by = "fieldcode"
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1
    doc.add_heading(report.title, level=0)
    doc.add_paragraph(report.subtitle).runs[0].italic = True
    n_fig = 0
    for s in report.sections:
        doc.add_heading(s.title, level=1)
        for b in s.blocks:
            if isinstance(b, Paragraph):
                doc.add_paragraph(b.text)
            elif isinstance(b, Bullets):
                for i in b.items:
                    doc.add_paragraph(i, style="List Bullet")
            elif isinstance(b, Table):
                _table(doc, b)
            elif isinstance(b, Figure):
                n_fig += 1
                doc.add_picture(io.BytesIO(pngs[b.name]), width=Inches(6.3))
                doc.add_paragraph(f"Figure {n_fig}. {b.caption}").runs[0].italic = True
    buf = io.BytesIO()
    doc.save(buf)
    return fixed_zip(buf.getvalue())


def fixed_zip(data: bytes) -> bytes:
    """``data`` (a zip) re-packed with every member's time fixed, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            z = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            z.compress_type = zipfile.ZIP_DEFLATED
            z.external_attr = 0o644 << 16
            dst.writestr(z, src.read(info.filename))
    return out.getvalue()


__all__ = ["render", "fixed_zip", "FIXED_ZIP_TIME"]
