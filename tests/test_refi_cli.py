"""The exchange commands through the CLI: export qdpx/qdc (validated when the schemas are there),
import of .qdpx/.qdc with its report, clear errors for bad input."""

from __future__ import annotations

import shutil
import zipfile

import pytest
from conftest import MINI_CODEBOOK, SHARED
from refi_helpers import new_study
from typer.testing import CliRunner

from fieldcode.cli import app

XSD = SHARED / "refi" / "xsd"


def run(*args):
    return CliRunner().invoke(app, list(map(str, args)))


@pytest.fixture
def mini_coded(mini_dir):
    assert run("-C", mini_dir, "import").exit_code == 0
    assert run("-C", mini_dir, "--coder", "ana", "code", "add", "a.md", "leadership",
               "--quote", "The tenants' group runs everything now.").exit_code == 0
    assert run("-C", mini_dir, "--coder", "ben", "code", "add", "a.md", "housing",
               "--quote", "Much better since the repairs.", "--memo", "repairs!").exit_code == 0
    return mini_dir


def test_export_then_import_through_the_cli(mini_coded, tmp_path):
    out = tmp_path / "x.qdpx"
    args = ["-C", mini_coded, "export", "qdpx", "-o", out, "--timestamp", "2026-01-01T00:00:00Z"]
    if XSD.is_dir():
        args += ["--schemas", XSD]
    r = run(*args)
    assert r.exit_code == 0, r.output
    assert "2 sources, 3 codes, 2 codings, 0 memos" in r.output
    with zipfile.ZipFile(out) as z:
        assert "project.qde" in z.namelist()
    target = new_study(tmp_path / "t")
    r = run("-C", target, "--coder", "imp", "import", out)
    assert r.exit_code == 0, r.output
    assert "interviews: 2 new" in r.output and "codings: 2 added" in r.output
    assert "codes: 3 added to codebook.yaml" in r.output
    assert "counting: code points" in r.output
    r = run("-C", target, "--coder", "imp", "import", out)
    assert r.exit_code == 0 and "codings: 0 added, 2 already here" in r.output
    assert "nothing new" in r.output
    r = run("-C", target, "code", "list")
    assert "ana" in r.output and "ben" in r.output and "repairs!" in r.output


def test_codebook_alone_round_trips_through_qdc(mini_dir, tmp_path):
    out = tmp_path / "cb.qdc"
    args = ["-C", mini_dir, "export", "qdc", "-o", out] + (["--schemas", XSD] if XSD.is_dir() else [])
    assert run(*args).exit_code == 0
    target = new_study(tmp_path / "t")
    r = run("-C", target, "import", out)
    assert r.exit_code == 0, r.output
    r = run("-C", target, "codebook", "show")
    assert "Leadership (leadership)" in r.output and "Housing (housing)" in r.output
    text = (target / "codebook.yaml").read_text(encoding="utf-8")
    assert "parent: place" in text and '"#98df8a"'.upper().replace('"', "") in text.upper()


def test_bad_files_give_clear_errors(tmp_path):
    target = new_study(tmp_path / "t")
    bad = tmp_path / "broken.qdpx"
    bad.write_bytes(b"not a zip")
    r = run("-C", target, "import", bad)
    assert r.exit_code == 2 and "not a zip archive" in r.output and "Traceback" not in r.output
    xml = tmp_path / "x.qde"
    xml.write_text("<Project", encoding="utf-8")
    r = run("-C", target, "import", xml)
    assert r.exit_code == 2 and "malformed XML" in r.output
    (tmp_path / "ok.qde").write_text('<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>', encoding="utf-8")
    r = run("-C", target, "import", tmp_path / "ok.qde", "--counting", "bogus")
    assert r.exit_code == 2 and "utf16-crlf2-nobom" in r.output


def test_real_sample_through_the_cli_lists_what_it_cannot_hold(tmp_path):
    sample = SHARED / "refi" / "samples" / "sky-loom_TestProject.qdpx"
    if not sample.is_file():
        pytest.skip("../shared/refi is not present")
    target = new_study(tmp_path / "t")
    r = run("-C", target, "--coder", "imp", "import", sample)
    assert r.exit_code == 0, r.output
    assert "not imported" in r.output
    assert "4 PDFSelection" in r.output and "2 VideoSource" in r.output and "1 Graph" in r.output
    assert "its text file 'internal://B2F54555-0D2D-43B2-B40C-2A1C048F5F1C.txt' is not in the archive" in r.output
    shutil.rmtree(target)


def test_mini_codebook_fixture_is_what_this_file_assumes():
    assert "key: housing" in MINI_CODEBOOK and "parent: place" in MINI_CODEBOOK
