"""The methods report opened in a real browser (issue 24 point 5): headless Chromium from the
system packages loads report.html from disk, and the test checks what it rendered: every figure
is in the DOM as an SVG with its drawn paths, every section is there, the console logged no
error, and a screenshot of the page is not blank.

Skips, saying so, only when no Chromium is installed (``apt-get install chromium``; .ci/run
installs it where it can).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from conftest import copy_study
from fieldcode.cli.commands import app

FIGURES = {"agreement-sentence", "agreement-turn", "saturation", "crosstab", "comparison"}


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


pytestmark = pytest.mark.skipif(chromium() is None, reason="no Chromium found (chromium, chromium-browser or "
                                                           "google-chrome on PATH): apt-get install chromium")


def browse(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home)}   # its profile and crash folders in the test's own tmp
    return subprocess.run([chromium(), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                           f"--user-data-dir={home / 'profile'}", *args], capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.fixture(scope="module")
def page(bundled_coded, tmp_path_factory) -> Path:
    root = copy_study(bundled_coded, tmp_path_factory.mktemp("browser") / "study")
    out = root / "rep"
    r = CliRunner().invoke(app, ["-C", str(root), "report", "-o", str(out), "--unit", "sentence", "--unit", "turn",
                                 "--resamples", "100", "--date", "2026-12-06", "--format", "html"])
    assert r.exit_code == 0, r.output
    return out / "report.html"


def test_chromium_renders_every_section_and_figure(page, tmp_path):
    r = browse("--dump-dom", page.as_uri(), home=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = lxml_html.fromstring(r.stdout.encode("utf-8"))
    figs = {f.get("id"): f for f in dom.xpath("//figure")}
    assert set(figs) == {f"figure-{n}" for n in FIGURES}
    for fid, f in figs.items():
        svg = f.xpath(".//*[local-name()='svg']")
        assert len(svg) == 1, fid
        assert len(svg[0].xpath(".//*[local-name()='path']")) > 5, fid
        assert f.xpath(".//figcaption")[0].text_content().startswith("Figure ")
    titles = [h.text_content() for h in dom.xpath("//h2")]
    assert titles == ["Design", "Codebook", "Coders", "Blinding and hand-ins", "Intercoder agreement",
                      "Code saturation", "Crosstab", "Paired comparison", "Provenance"]
    assert len(dom.xpath("//table")) >= 15


def test_chromium_logs_no_error_and_paints_the_page(page, tmp_path):
    shot = tmp_path / "page.png"
    r = browse("--enable-logging=stderr", "--v=0", f"--screenshot={shot}", "--window-size=1200,4000",
               page.as_uri(), home=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    console = [ln for ln in r.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln
               or re.search(r"Failed to load|ERR_FILE_NOT_FOUND|net::ERR", ln)]
    assert console == []
    from PIL import Image

    im = Image.open(shot).convert("L")
    assert im.size == (1200, 4000)
    dark = sum(im.histogram()[:128])
    assert dark > 10_000   # text, tables and figures were painted, not a blank page
