"""Which themes the framework matrix shows by default: every top-level theme, and any sub-theme
holding a summary, so a summary written under a sub-theme (housing, under place) is never left
out of the screen or the export without a word.  An explicit --codes shows what it names."""

from __future__ import annotations

from typer.testing import CliRunner

from fieldcode.analysis.framework import build_matrix
from fieldcode.cli import app
from fieldcode.store.framework import set_summary

IV = "leeds-improving-01-resident.md"
TEXT = "Damp flats and an absent landlord, says the resident."


def test_a_sub_themes_summary_is_in_the_default_matrix_and_export(coded_study, tmp_path):
    p = coded_study
    iv = p.store.interview(IV)
    set_summary(p.store, "ben", iv.id, p.store.code("housing").id, TEXT)
    tops = [c.key for c in p.codebook.codes if c.parent is None]
    m = build_matrix(p.store, tuple(p.study.arms))
    keys = [t.key for t in m.themes]
    assert "housing" in keys and "crime-and-grime" not in keys          # only the sub-theme holding one
    assert keys.index("housing") == keys.index("place") + 1              # beside its parent, in codebook order
    assert [k for k in keys if k != "housing"] == tops                 # and every top-level theme
    assert [s.text for s in m.cells[(iv.id, "housing")].summaries] == [TEXT]
    out = tmp_path / "fw.xlsx"
    r = CliRunner().invoke(app, ["--project", str(p.root), "export", "framework", "-o", str(out), "--format", "md"],
                           env={})
    assert r.exit_code == 0, r.output
    assert TEXT in (tmp_path / "fw.md").read_text(encoding="utf-8")
    # an explicit choice shows what it names: place alone, and the summary under housing is not in it
    r = CliRunner().invoke(app, ["--project", str(p.root), "export", "framework", "-o", str(tmp_path / "p.xlsx"),
                                 "--format", "md", "--codes", "place"], env={})
    assert r.exit_code == 0, r.output
    assert TEXT not in (tmp_path / "p.md").read_text(encoding="utf-8")
