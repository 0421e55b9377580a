"""Round trip: the bundled study + examples/codings.csv (two coders) + memos -> .qdpx (valid
against the official schema) -> a new study gives the same interviews, codes, coders, codings,
memos and attributes; export -> import -> export gives the same bytes (timestamps pinned)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

import pytest
from conftest import REPO, SHARED, copy_study
from lxml import etree
from refi_helpers import coding_rows, new_study
from sqlalchemy import text as sql

from fieldcode import store as storemod
from fieldcode.exchange import refi_import, refi_read, refi_write
from fieldcode.project import Project

PIN = datetime(2026, 1, 31, 12, 0, tzinfo=timezone.utc)
XSD = SHARED / "refi" / "xsd"


@pytest.fixture(scope="module")
def source_study(bundled_coded, tmp_path_factory):
    """The bundled study with the example codings and three memos, on SQLite (a copy of conftest's
    template, built once)."""
    root = copy_study(bundled_coded, tmp_path_factory.mktemp("src") / "bundled")
    p = Project.open(root, coder="ana")
    iv = p.store.interview("leeds-improving-01-resident.md")
    storemod.add_memo(p.store, "ana", "Interview memo: ask about the ginnel again.", interview_id=iv.id)
    storemod.add_memo(p.store, "ben", "Code memo: housing vs place boundary.", code_id=p.store.code("housing").id)
    storemod.add_memo(p.store, "ben", "Passage memo.", interview_id=iv.id, start=10, end=40)
    yield p
    p.close()


def _qdpx(p) -> bytes:
    # with the study: its interviewer labels and turn settings ride as project variables (validated below)
    return refi_write.write_qdpx(refi_write.snapshot_of(p.store, p.study.name, p.study), now=PIN)


def _qde(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("project.qde")


def _study_block() -> str:
    text = (REPO / "codebook.yaml").read_text(encoding="utf-8")
    return text[:text.index("\ncodes:") + 1]


def _state(p) -> dict:
    with p.store.engine.connect() as c:
        ivs = {n: h for n, h in c.execute(sql("SELECT name, sha256 FROM interview"))}
        codes = {r[0]: (r[1], r[2], r[3].lower(), r[4], r[5], r[6], r[7]) for r in c.execute(sql(
            "SELECT k.key, k.name, pk.key, k.colour, k.definition, k.use_when, k.not_when, k.example FROM code k "
            "LEFT JOIN code pk ON pk.id = k.parent_id WHERE k.retired_at IS NULL"))}
        memos = {tuple(r) for r in c.execute(sql(
            "SELECT m.uid, m.author, i.name, k.key, m.start, m.\"end\", m.text FROM memo m "
            "LEFT JOIN interview i ON i.id = m.interview_id LEFT JOIN code k ON k.id = m.code_id"))}
        cmemos = {tuple(r) for r in c.execute(sql("SELECT uid, memo FROM coding"))}
        attrs = {tuple(r) for r in c.execute(sql(
            "SELECT i.name, a.name, a.value FROM attribute a JOIN interview i ON i.id = a.interview_id"))}
    return dict(interviews=ivs, codes=codes, codings=coding_rows(p.store), memos=memos, coding_memos=cmemos,
                attributes=attrs, coders={r[2] for r in coding_rows(p.store)})


def test_export_validates_against_the_official_schemas(source_study):
    if not XSD.is_dir():
        pytest.skip("../shared/refi is not present (a fresh clone has no ../shared)")
    schema = etree.XMLSchema(etree.parse(str(XSD / "Project.xsd")))
    doc = etree.fromstring(_qde(_qdpx(source_study)))
    assert schema.validate(doc), schema.error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    assert doc.findall("q:Variables/q:Variable[@name='fieldcode study: turns']", ns)
    assert doc.findall(".//q:PlainTextSelection/q:Description", ns)      # coding memos, where QualCoder reads them
    cb = etree.XMLSchema(etree.parse(str(XSD / "Codebook.xsd")))
    qdc = etree.fromstring(refi_write.codebook_xml(refi_write.snapshot_of(source_study.store, "x")))
    assert cb.validate(qdc), cb.error_log


def test_export_follows_the_checklist(source_study):
    data = _qdpx(source_study)
    assert data == _qdpx(source_study)                        # deterministic
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert names[0] == "project.qde" and all(n.startswith("sources/") for n in names[1:])
        assert len(names) == 1 + 14
        for n in names[1:]:
            b = z.read(n)
            assert not b.startswith(b"\xef\xbb\xbf") and b"\r" not in b
            b.decode("utf-8")
        root = etree.fromstring(z.read("project.qde"))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    sels = root.findall(".//q:TextSource/q:PlainTextSelection", ns)
    assert len(sels) == 462 + 1                               # every coding + the passage memo
    with source_study.store.engine.connect() as c:
        texts = dict(c.execute(sql("SELECT name, text FROM interview")).all())
    for src in root.findall(".//q:TextSource", ns):
        t = texts[src.get("name")]
        for s in src.findall("q:PlainTextSelection", ns):
            quote = " ".join(t[int(s.get("startPosition")):int(s.get("endPosition"))].split())
            name = s.get("name")
            assert quote == name or (name.endswith("\u2026") and quote.startswith(name[:-1]))
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.split("}")[1] in ("Users", "Codes", "Sources", "Notes", "Cases", "Variables"):
            assert len(el), f"empty container {el.tag}"
    assert {u.get("name") for u in root.findall(".//q:User", ns)} == {"ana", "ben"}


def test_round_trip_gives_the_same_study(source_study, tmp_path, db_url):
    data = _qdpx(source_study)
    f = tmp_path / "study.qdpx"
    f.write_bytes(data)
    target = Project.open(new_study(tmp_path / "t", _study_block()), db=db_url, coder="imp")
    try:
        res = refi_import.import_file(target, refi_read.read(f))
        assert res.codings_added == 462 and res.memos_added == 3
        a, b = _state(source_study), _state(target)
        for k in a:
            assert a[k] == b[k], k
        assert a["coders"] == {"ana", "ben"}
        # export -> import -> export: the same bytes
        assert _qdpx(target) == data
        # and once more changes nothing
        again = refi_import.import_file(target, refi_read.read(f))
        assert not again.changed
        assert _state(target) == b
    finally:
        target.close()


def test_importing_a_study_into_itself_changes_nothing(source_study, tmp_path):
    f = tmp_path / "self.qdpx"
    f.write_bytes(_qdpx(source_study))
    before = _state(source_study)
    yaml_before = (source_study.root / "codebook.yaml").read_bytes()
    res = refi_import.import_file(source_study, refi_read.read(f))
    assert not res.changed
    assert res.codes_matched == len(before["codes"]) and len(res.interviews_matched) == 14
    assert _state(source_study) == before
    assert (source_study.root / "codebook.yaml").read_bytes() == yaml_before
