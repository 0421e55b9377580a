"""Writing the report's files into its folder: ``report.html`` (self-contained),
``report.md`` with the figures beside it (``figure-NAME.svg``), and ``report.docx``.

Each file is written whole to a temporary name and then moved into place, so an interrupted
run leaves the previous report, not half a file.  With a pseudonymiser
(``fieldcode.privacy.exporting.Pseudonymiser``) every string of the report is replaced before
anything is drawn, the files are staged, searched for every accepted original, and published
with the anonymisation log only when none is found.
"""

from __future__ import annotations

import os
from pathlib import Path

from fieldcode.report import figures, html, markdown, word
from fieldcode.report.model import Report, map_text

FORMATS = ("html", "md", "docx")
STEM = "report"


def figure_file(name: str) -> str:
    return f"figure-{name}.svg"


def render_files(report: Report, *, formats: tuple[str, ...], date: str) -> dict[str, bytes]:
    """File name -> bytes of every file of the report (nothing written)."""
    figs = report.figures()
    files: dict[str, bytes] = {}
    drawn = {f.name: figures.render(f, svg="html" in formats or "md" in formats, png="docx" in formats) for f in figs}
    svgs = {name: d[0] for name, d in drawn.items()}
    if "html" in formats:
        files[f"{STEM}.html"] = html.render(report, svgs).encode("utf-8")
    if "md" in formats:
        files[f"{STEM}.md"] = markdown.render(report, {f.name: figure_file(f.name) for f in figs}).encode("utf-8")
        for f in figs:
            files[figure_file(f.name)] = svgs[f.name].encode("utf-8")
    if "docx" in formats:
        files[f"{STEM}.docx"] = word.render(report, {name: d[1] for name, d in drawn.items()}, date)
    return files


def _put(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.writing")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write(report: Report, folder: Path, *, formats: tuple[str, ...] = FORMATS, date: str,
          pseudonymiser=None) -> list[Path]:  # noqa: ANN001
    """Write the report's files into ``folder`` (created if needed); the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if pseudonymiser is None:
        files = render_files(report, formats=formats, date=date)
        paths = []
        for name, data in files.items():
            _put(folder / name, data)
            paths.append(folder / name)
        return paths
    pz = pseudonymiser
    report = map_text(report, lambda s: pz.field(s, item="report"))
    files = render_files(report, formats=formats, date=date)
    staged = []
    for name, data in files.items():
        path = pz.stage(folder / name)
        path.write_bytes(data)
        staged.append(path)
    return pz.publish(staged)


__all__ = ["FORMATS", "STEM", "figure_file", "render_files", "write"]
