"""Categories that cannot be coded (codebook ``codable: false``; REFI-QDA ``isCodable="false"``):
refused when coding, kept through a .qdc round trip, refused as a bad value in the codebook."""

from __future__ import annotations

import pytest
from conftest import SHARED
from refi_helpers import new_study
from typer.testing import CliRunner

from fieldcode.study import codebook as cbmod
from fieldcode.cli import app
from fieldcode.errors import InvalidInput
from fieldcode.project import Project

XSD = SHARED / "refi" / "xsd"


def run(*args):
    return CliRunner().invoke(app, list(map(str, args)))


def make_category(mini_dir):
    cb = mini_dir / "codebook.yaml"
    cb.write_text(cb.read_text().replace("  - key: place\n    name: Place\n",
                                         "  - key: place\n    name: Place\n    codable: false\n"))


def test_a_category_cannot_be_coded_by_anyone(mini_dir, db_url):
    make_category(mini_dir)
    p = Project.open(mini_dir, db=db_url, coder="ana")
    try:
        assert p.import_files().ok
        assert not p.store.code("place").codable and p.store.code("housing").codable
        text = p.store.interview("a.md").text
        s = text.index("Twenty years.")
        for coder in ("ana", "ben"):
            with pytest.raises(InvalidInput, match="category that cannot be coded"):
                p.store.add_coding("a.md", "place", s, s + 5, coder)
        c = p.store.add_coding("a.md", "housing", s, s + 5, "ben")       # its child can
        with pytest.raises(InvalidInput, match="category that cannot be coded"):
            p.store.update_coding(c.id, "ben", code="place")
        assert [x.code_id for x in p.store.codings()] == [p.store.code("housing").id]
    finally:
        p.close()


def test_category_survives_a_qdc_round_trip(mini_dir, tmp_path):
    make_category(mini_dir)
    out = tmp_path / "cb.qdc"
    args = ["-C", mini_dir, "export", "qdc", "-o", out] + (["--schemas", XSD] if XSD.is_dir() else [])
    r = run(*args)
    assert r.exit_code == 0, r.output
    from lxml import etree

    codes = {el.get("name"): el.get("isCodable") for el in etree.parse(str(out)).iter("{*}Code")}
    assert codes == {"Place": "false", "Housing": "true", "Leadership": "true"}
    target = new_study(tmp_path / "t")
    r = run("-C", target, "import", out)
    assert r.exit_code == 0, r.output
    cb = cbmod.load(target / "codebook.yaml")
    assert {c.key: c.codable for c in cb.codes} == {"place": False, "housing": True, "leadership": True}
    assert "codable: false" in (target / "codebook.yaml").read_text(encoding="utf-8")


def test_codable_must_be_true_or_false(mini_dir):
    cb = mini_dir / "codebook.yaml"
    cb.write_text(cb.read_text().replace("    name: Place\n", "    name: Place\n    codable: maybe\n"))
    with pytest.raises(Exception) as exc:
        cbmod.load(cb)
    assert "codable must be true or false" in str(exc.value) and "codebook.yaml:" in str(exc.value)
