"""Framework summaries leave the study two ways: in a REFI-QDA project as notes on the interview
linked to the cited selections (the file validated against the official schema), and in
'export framework --pseudonymise', where no file names anyone the key names."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import text as sql
from typer.testing import CliRunner

from fieldcode.cli import app
from fieldcode.project import Project
from fieldcode.store.framework import set_summary

XSD = Path(__file__).resolve().parents[2] / "shared" / "refi" / "xsd"
NS = {"q": "urn:QDA-XML:project:1.0"}
IV = "leeds-improving-01-resident.md"


def run(root: Path, *args: str, coder: str | None = None):
    pre = ["-C", str(root)] + (["--coder", coder] if coder else [])
    return CliRunner().invoke(app, [*pre, *args])


def guid(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


@pytest.fixture
def study(bundled_coded, tmp_path):
    root = tmp_path / "study"
    shutil.copytree(bundled_coded, root)
    p = Project.open(root, coder="ana")
    with p.store.engine.connect() as c:
        cited = [r[0] for r in c.execute(sql(
            "select c.uid from coding c join interview i on i.id = c.interview_id join code k on k.id = c.code_id "
            "where i.name = :iv and c.coder = 'ana' and k.key in ('place', 'housing', 'crime-and-grime') "
            "order by c.start limit 2"), {"iv": IV})]
    iv = p.store.interview(IV)
    place = p.store.code("place")
    set_summary(p.store, "ana", iv.id, place.id, "Shazia sees fly-tipping as the sore point.", cites=cited)
    set_summary(p.store, "ben", iv.id, place.id, "Repairs matter most to Shazia.")
    p.close()
    return root, cited


def test_summaries_are_notes_linked_to_their_selections(study, tmp_path):
    if not XSD.is_dir():
        pytest.skip("../shared/refi is not present (a fresh clone has no ../shared)")
    root, cited = study
    out = tmp_path / "s.qdpx"
    r = run(root, "export", "qdpx", "-o", str(out))
    assert r.exit_code == 0, r.output
    xml = zipfile.ZipFile(out).read("project.qde")
    doc = etree.fromstring(xml)
    schema = etree.XMLSchema(etree.parse(str(XSD / "Project.xsd")))
    assert schema.validate(doc), schema.error_log
    notes = {n.get("guid"): n.findtext("q:PlainTextContent", namespaces=NS) for n in doc.findall("q:Notes/q:Note", NS)}
    ana = [g for g, t in notes.items() if t and t.startswith("Framework summary \u2014 Place and environment (place), ana:")]
    assert len(ana) == 1 and notes[ana[0]].endswith("\nShazia sees fly-tipping as the sore point.")
    src = doc.find(f"q:Sources/q:TextSource[@name='{IV}']", NS)
    assert ana[0] in {r.get("targetGUID") for r in src.findall("q:NoteRef", NS)}
    links = [(lk.get("originGUID"), lk.get("targetGUID")) for lk in doc.findall("q:Links/q:Link", NS)]
    assert sorted(t for o, t in links if o == ana[0]) == sorted(guid(u) for u in cited)
    sels = {s.get("guid") for s in src.findall("q:PlainTextSelection", NS)}
    assert {guid(u) for u in cited} <= sels


def _texts(path: Path) -> str:
    """Every text of an output file: a zip's XML members parsed (text and attribute values)."""
    if path.suffix in (".xlsx", ".docx"):
        out = []
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.endswith(".xml"):
                    root = etree.parse(io.BytesIO(z.read(name))).getroot()
                    out += [t for t in root.itertext()] + [v for el in root.iter() for v in el.attrib.values()]
        return "\n".join(out)
    return path.read_text(encoding="utf-8")


def test_pseudonymised_framework_export_names_no_one(study, tmp_path):
    root, _cited = study
    for original, cat, pseudo in (("Shazia", "person", "[Person E]"), ("Ashcliffe", "place", "[Place B]")):
        r = run(root, "pseudonyms", "add", original, "--category", cat, "--as", pseudo, coder="ana")
        assert r.exit_code == 0, r.output
    out = tmp_path / "out" / "fw.xlsx"
    r = run(root, "export", "framework", "-o", str(out), "--pseudonymise")
    assert r.exit_code == 0, r.output
    files = [out, out.with_suffix(".md"), out.with_suffix(".docx"), out.with_suffix(".json")]
    for f in files:
        text = _texts(f)
        assert not re.search(r"shazia|ashcliffe", text, re.I), f
    md = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "[ana] [Person E] sees fly-tipping as the sore point." in md
    assert "[ben] Repairs matter most to [Person E]." in md
    # without --pseudonymise the same cell names her
    plain = tmp_path / "plain" / "fw.md"
    r = run(root, "export", "framework", "-o", str(plain), "--format", "md")
    assert r.exit_code == 0, r.output
    assert "[ana] Shazia sees fly-tipping as the sore point." in plain.read_text(encoding="utf-8")


def test_summary_notes_on_import(study, bundled_imported, tmp_path):
    """Imported into the study it came from, a summary's note adds nothing (the summary is here);
    into another study it becomes a memo on the interview, its first line naming theme and author."""
    root, _cited = study
    out = tmp_path / "s.qdpx"
    assert run(root, "export", "qdpx", "-o", str(out)).exit_code == 0

    def memo_texts(r):
        p = Project.open(r, coder="ana")
        try:
            with p.store.engine.connect() as c:
                return sorted(t for (t,) in c.execute(sql("select text from memo")))
        finally:
            p.close()

    before = memo_texts(root)
    r = run(root, "import", str(out), coder="ana")
    assert r.exit_code == 0, r.output
    assert memo_texts(root) == before
    other = tmp_path / "other"
    shutil.copytree(bundled_imported, other)
    r = run(other, "import", str(out), coder="ana")
    assert r.exit_code == 0, r.output
    got = [t for t in memo_texts(other) if t.startswith("Framework summary")]
    assert got == ["Framework summary \u2014 Place and environment (place), ana:\nShazia sees fly-tipping as the sore point.",
                   "Framework summary \u2014 Place and environment (place), ben:\nRepairs matter most to Shazia."]
