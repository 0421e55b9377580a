"""Importing REFI-QDA projects: NVivo- and ATLAS.ti-style countings land every coding on the
intended text; no fitting counting -> refused by name; all or nothing (YAML too); twice = once;
another coder's work is never touched.  On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from refi_helpers import coded_texts, coding_rows, count, g, make_qdpx, new_study

from fieldcode.errors import Conflict
from fieldcode.exchange import refi_import, refi_read
from fieldcode.project import Project

ANA, BEN = g(), g()
USERS = {ANA: "ana", BEN: "ben"}


def _u16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _nvivo_source():
    """CRLF text with characters outside the BMP; positions in UTF-16 units, CRLF as two."""
    lines = [f"Interviewer: question {i} about the estate \U0001F3E0?" if i % 2 == 0 else
             f"Resident: answer {i}, we had \U0001F600 times and \U00010348 runes, proper community" for i in range(24)]
    raw = "\r\n".join(lines) + "\r\n"
    quotes = [f"answer {i}, we had \U0001F600 times and \U00010348 runes" for i in range(1, 24, 4)]
    sels, want = [], {}
    for n, q in enumerate(quotes):
        at = raw.index(q)
        sg = g()
        start = _u16(raw[:at])
        sels.append((sg, start, start + _u16(q), q, [((CODES[n % 2][0]), (ANA, BEN)[n % 2])]))
        want[sg.replace("-", "").lower()] = q
    return raw, sels, want


CODES = [(g(), "Community"), (g(), "Housing::Repairs")]


@pytest.fixture
def target(tmp_path, db_url):
    p = Project.open(new_study(tmp_path / "target"), db=db_url, coder="imp")
    yield p
    p.close()


def test_nvivo_style_file_lands_every_coding_on_its_text(tmp_path, target):
    raw, sels, want = _nvivo_source()
    f = make_qdpx(tmp_path / "nvivo.qdpx", [{"name": "R1", "raw": raw, "selections": sels}], CODES, USERS)
    res = refi_import.import_file(target, refi_read.read(f))
    assert "utf16-crlf2" in res.fit
    assert coded_texts(target.store) == want
    coders = {r[2] for r in coding_rows(target.store)}
    assert coders == {"ana", "ben"}
    # "Housing::Repairs" became Repairs under a new parent Housing
    keys = {c.key: c for c in target.store.codes()}
    assert keys["repairs"].parent_id == keys["housing"].id
    assert set(keys) == {"community", "housing", "repairs"}


def test_atlas_style_file_crlf_as_one_without_quotes(tmp_path, target):
    paras = [f"Speaker {i % 3}: paragraph number {i} talks about jobs and buses." for i in range(20)]
    raw = "\r\n".join(paras) + "\r\n"
    lf = raw.replace("\r\n", "\n")
    sels, want = [], {}
    for i in range(0, 20, 3):
        p = paras[i]
        at = lf.index(p)
        sg = g()
        sels.append((sg, at, at + len(p), f"Quotation 1:{i}", [(CODES[0][0], ANA)]))
        want[sg.replace("-", "").lower()] = p
    f = make_qdpx(tmp_path / "atlas.qdpx", [{"name": "A1", "raw": raw, "selections": sels}], CODES, USERS)
    res = refi_import.import_file(target, refi_read.read(f))
    assert "codepoints-crlf1" in res.fit
    assert coded_texts(target.store) == want


def test_no_fitting_counting_is_refused_naming_the_selection(tmp_path, target):
    raw = "alpha beta gamma delta\n"
    bad = g()
    sels = [(g(), 6, 10, "beta", [(CODES[0][0], ANA)]), (bad, 2, 8, "Quotation 1:2", [(CODES[0][0], ANA)])]
    f = make_qdpx(tmp_path / "bad.qdpx", [{"name": "B", "raw": raw, "selections": sels}], CODES, USERS)
    yaml_before = (target.root / "codebook.yaml").read_bytes()
    with pytest.raises(Conflict) as e:
        refi_import.import_file(target, refi_read.read(f))
    assert bad.replace("-", "").lower() in str(e.value) and "nothing was imported" in str(e.value)
    assert (target.root / "codebook.yaml").read_bytes() == yaml_before
    assert count(target.store, "interview") == 0 and count(target.store, "coding") == 0


def test_failure_halfway_leaves_nothing_behind(tmp_path, target, monkeypatch):
    raw, sels, _ = _nvivo_source()
    f = make_qdpx(tmp_path / "n.qdpx", [{"name": "R1", "raw": raw, "selections": sels}], CODES, USERS)
    yaml_before = (target.root / "codebook.yaml").read_bytes()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(target.store, "insert_codings", boom)
    with pytest.raises(RuntimeError):
        refi_import.import_file(target, refi_read.read(f))
    assert (target.root / "codebook.yaml").read_bytes() == yaml_before
    assert count(target.store, "interview") == 0
    assert count(target.store, "code") == 0
    assert count(target.store, "sentence") == 0


def test_importing_twice_changes_nothing_and_keeps_other_coders_work(tmp_path, target):
    raw, sels, want = _nvivo_source()
    f = make_qdpx(tmp_path / "n.qdpx", [{"name": "R1", "raw": raw, "selections": sels}], CODES, USERS)
    refi_import.import_file(target, refi_read.read(f))
    # carol codes the imported interview by hand
    iv = target.store.interview("R1")
    mine = target.store.add_coding(iv.id, "community", 0, 11, "carol")
    before = coding_rows(target.store)
    yaml_before = (target.root / "codebook.yaml").read_bytes()
    res = refi_import.import_file(target, refi_read.read(f))
    assert not res.changed and res.codings_present == len(want)
    assert coding_rows(target.store) == before
    assert (target.root / "codebook.yaml").read_bytes() == yaml_before
    assert target.store.coding(mine.id).coder == "carol"
    assert count(target.store, "interview") == 1


def test_source_with_same_text_maps_to_existing_interview(tmp_path, target):
    (target.root / "interviews").mkdir()
    text = "Interviewer: Hello?\n\nJean: The tenants run it now.\n"
    (target.root / "interviews" / "jean.txt").write_text(text, encoding="utf-8")
    assert target.import_files().ok
    at = text.index("The tenants")
    sels = [(g(), at, at + 15, "The tenants run", [(CODES[0][0], BEN)])]
    f = make_qdpx(tmp_path / "m.qdpx", [{"name": "Jean (NVivo)", "raw": text.replace("\n", "\r\n"),
                                          "selections": sels}], CODES, USERS)
    # positions above count a CRLF as one (ATLAS.ti style): the fitting must notice
    res = refi_import.import_file(target, refi_read.read(f))
    assert res.interviews_matched and not res.interviews_new
    assert count(target.store, "interview") == 1
    assert {r[0] for r in coding_rows(target.store)} == {"jean.txt"}
    assert list(coded_texts(target.store).values()) == ["The tenants run"]
