"""The coding protocol in the per-coding exports (issue 22): ``export segments`` (CSV and XLSX)
ends each row with ``made_blind`` (true / false / empty when unknown), ``codebook_version`` and
``definition_hash``; the sidecar says what they mean; the pseudonymised export keeps them; and a
blind coder is refused the pseudonym key (which names the places blinding hides).

Two coders on a real SQLite file: ana blind, ben the study's lead (not blind), and the codings of
examples/codings.csv as a database made before the protocol leaves them (taken back to revision
0007 and upgraded again: blind and pins NULL).  Expected values are read from the database file
with plain sqlite3, never from the code under test; the store-level test runs on PostgreSQL too."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from conftest import copy_study
from test_blind import blind_codebook, label_of, leaks, run

PROTOCOL = ["made_blind", "codebook_version", "definition_hash"]


def flag(v) -> str:  # noqa: ANN001
    return "" if v is None else ("true" if v else "false")


def db_rows(root: Path) -> dict[str, tuple]:
    """coding id -> (coder, blind as the CSV writes it, codebook hash, definition hash), by sqlite3."""
    con = sqlite3.connect(root / "fieldcode.db")
    try:
        return {str(i): (coder, flag(b), cb or "", dh or "") for i, coder, b, cb, dh in
                con.execute("SELECT id, coder, blind, codebook_hash, definition_hash FROM coding")}
    finally:
        con.close()


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, dtype=str)


@pytest.fixture
def protocol_study(bundled_coded, tmp_path) -> Path:
    from alembic import command

    from fieldcode.store.migrations import config

    root = copy_study(bundled_coded, tmp_path / "study")
    # the codings of ana and ben (examples/codings.csv) as made before the coding protocol:
    # back to revision 0007 (the columns go) and up again on the next open (they come back NULL)
    eng = sa.create_engine(f"sqlite:///{root / 'fieldcode.db'}")
    command.downgrade(config(eng), "0007")
    eng.dispose()
    blind_codebook(root)                 # blind: arm, pair, neighbourhood, participant; lead: ben
    r = run(root, "ben", "codebook", "sync")
    assert r.exit_code == 0, r.output
    label = label_of(root, "leeds-improving-01-resident.md")
    r = run(root, "ana", "code", "add", label, "leadership", "--sentence", "3")            # made blind
    assert r.exit_code == 0, r.output
    r = run(root, "ben", "code", "add", "leeds-improving-01-resident", "leadership", "--sentence", "3")
    assert r.exit_code == 0, r.output                                                      # the lead: seeing
    # leadership's definition changes; ben's next coding is made under the new one
    cb = root / "codebook.yaml"
    text = cb.read_text(encoding="utf-8")
    old = "keeping\n      projects going.\n"
    assert text.count(old) == 1
    cb.write_text(text.replace(old, "keeping\n      projects going, and handing them on.\n"), encoding="utf-8")
    assert run(root, "ben", "codebook", "sync").exit_code == 0
    r = run(root, "ben", "code", "add", "leeds-improving-01-resident", "leadership", "--sentence", "4")
    assert r.exit_code == 0, r.output
    return root


def test_segments_export_carries_blindness_and_pins_per_coding(protocol_study, tmp_path):
    root = protocol_study
    want = db_rows(root)
    # the study as built: both coders have codings of unknown protocol, ana one made blind, ben
    # two made seeing (under two definitions of leadership)
    kinds = {(coder, b) for coder, b, _cb, _dh in want.values()}
    assert kinds == {("ana", ""), ("ben", ""), ("ana", "true"), ("ben", "false")}
    assert sum(1 for w in want.values() if w[1]) == 3
    assert all(w[2] == w[3] == "" for w in want.values() if w[1] == "")   # unknown: no pins either

    out = tmp_path / "out" / "seg.csv"
    r = run(root, "ben", "export", "segments", "-o", str(out))
    assert r.exit_code == 0, r.output
    df = read_csv(out)
    header = list(df.columns)
    # appended at the end: every older column keeps its place
    assert header[:2] == ["coding_id", "interview"] and header[-3:] == PROTOCOL
    assert header[header.index("speaker"):-3] == ["speaker", "coder", "code_key", "code_path", "code_name", "start",
                                                  "end", "text", "memo", "counted"]
    got = {i: (c, b, cb, dh) for i, c, b, cb, dh in
           zip(df.coding_id, df.coder, df.made_blind, df.codebook_version, df.definition_hash)}
    assert got == want

    # the two definitions of leadership under which ben coded, and the version: the newest one
    con = sqlite3.connect(root / "fieldcode.db")
    (newest,), = con.execute("SELECT hash FROM codebook_version ORDER BY id DESC LIMIT 1").fetchall()
    con.close()
    ben_seeing = df[(df.coder == "ben") & (df.made_blind == "false")]
    assert len(ben_seeing) == 2 and ben_seeing.definition_hash.nunique() == 2
    assert newest in set(ben_seeing.codebook_version)
    side = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["codebook"]["content_version"] == newest

    # the XLSX: the same table, made_blind as booleans (an empty cell when unknown)
    ws = openpyxl.load_workbook(out.with_suffix(".xlsx"))["segments"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == header
    xl = {str(r[0]): (r[header.index("coder")], r[-3], r[-2] or "", r[-1] or "") for r in rows[1:]}
    assert xl == {i: (c, {"true": True, "false": False, "": None}[b], cb, dh) for i, (c, b, cb, dh) in want.items()}

    # the sidecar says what the columns mean, and its counts per coder agree with the CSV
    for col in PROTOCOL:
        assert "unknown" in side[col]
    counts = side["coding_protocol"]["codings_by_blindness"]
    for coder in ("ana", "ben"):
        mine = df[df.coder == coder].made_blind
        assert counts[coder] == {"made_blind": int((mine == "true").sum()), "made_seeing": int((mine == "false").sum()),
                                 "unknown_made_before_recorded": int((mine == "").sum())}


def test_a_blind_coder_cannot_export_segments(protocol_study, tmp_path):
    out = tmp_path / "ana" / "seg.csv"
    r = run(protocol_study, "ana", "export", "segments", "-o", str(out))
    assert r.exit_code == 6 and "while the study is blind" in r.output
    assert not out.parent.exists()


def test_pseudonymised_segments_keep_the_protocol_columns(protocol_study, tmp_path):
    root = protocol_study
    r = run(root, "ben", "pseudonyms", "add", "Kelder Bank", "--category", "place")
    assert r.exit_code == 0, r.output
    plain, pseudo = tmp_path / "plain" / "seg.csv", tmp_path / "pz" / "seg.csv"
    assert run(root, "ben", "export", "segments", "-o", str(plain)).exit_code == 0
    r = run(root, "ben", "export", "segments", "--pseudonymise", "-o", str(pseudo))
    assert r.exit_code == 0, r.output
    a, b = read_csv(plain), read_csv(pseudo)
    assert list(b.columns)[-3:] == PROTOCOL and list(b.columns) == list(a.columns)
    assert a.text.str.contains("Kelder Bank").any() and not b.text.str.contains("Kelder Bank").any()
    want = db_rows(root)
    assert {i: (bl, cb, dh) for i, bl, cb, dh in zip(b.coding_id, b.made_blind, b.codebook_version,
                                                     b.definition_hash)} == {i: w[1:] for i, w in want.items()}


PSEUDONYM_COMMANDS = [["pseudonyms", "list"], ["pseudonyms", "list", "--state", "accepted"], ["pseudonyms", "scan"],
                      ["pseudonyms", "accept", "--all"], ["pseudonyms", "reject", "{id}"],
                      ["pseudonyms", "add", "Tessmoor", "--category", "place"]]


def test_a_blind_coder_is_refused_the_pseudonym_key(protocol_study):
    """The key lists neighbourhoods and places by name (here one the lead added): a blind coder
    may neither read it nor change it, and is told why, as for every other closed command."""
    root = protocol_study
    r = run(root, "ben", "pseudonyms", "add", "Kelder Bank", "--category", "place")
    assert r.exit_code == 0, r.output
    entry_id = r.output.split()[1]                     # "added <id> (place) Kelder Bank -> [Place A]: ..."
    key = root / "pseudonyms.key.yaml"
    before = key.read_bytes()
    assert b"Kelder Bank" in before and entry_id.encode() in before
    con = sqlite3.connect(root / "fieldcode.db")
    (events,), = con.execute("SELECT count(*) FROM event").fetchall()
    con.close()
    for args in PSEUDONYM_COMMANDS:
        args = [a.replace("{id}", entry_id) for a in args]
        res = run(root, "ana", *args)
        text = res.output + (res.stderr if res.stderr_bytes is not None else "")
        assert res.exit_code == 6, (args, res.exit_code, text)
        assert "closed to you (ana) while the study is blind" in text and "fieldcode blind unblind ana" in text
        assert "Kelder Bank" not in text and entry_id not in text and not leaks(text), (args, text)
    assert key.read_bytes() == before
    con = sqlite3.connect(root / "fieldcode.db")
    assert con.execute("SELECT count(*) FROM event").fetchone() == (events,)
    con.close()
    # the lead reads it
    r = run(root, "ben", "pseudonyms", "list")
    assert r.exit_code == 0 and "Kelder Bank" in r.output


# --- the store level, on SQLite and PostgreSQL -----------------------------------------------------

def test_segments_read_the_protocol_on_sqlite_and_postgres(mini):
    from fieldcode.analysis import segments
    from fieldcode.analysis.export import segments_csv
    from fieldcode.store.protocol import BlindPolicy

    p = mini
    p.store.blind_policy = BlindPolicy(on=True, lead="ben")
    text = p.store.interview("a.md").text

    def add(quote: str, coder: str) -> int:
        i = text.index(quote)
        return p.store.add_coding("a.md", "leadership", i, i + len(quote), coder).id

    a1, b1, old = add("Twenty years.", "ana"), add("Twenty years.", "ben"), add("We meet on Tuesdays.", "ana")
    with p.store.engine.begin() as c:   # as migration 0008 leaves a coding made before it
        c.execute(sa.text("UPDATE coding SET blind = NULL, codebook_hash = NULL, definition_hash = NULL "
                          "WHERE id = :i"), {"i": old})
    with p.store.engine.connect() as c:
        want = {i: (None if b is None else bool(b), cb, dh) for i, b, cb, dh in
                c.execute(sa.text("SELECT id, blind, codebook_hash, definition_hash FROM coding"))}
    assert [want[a1][0], want[b1][0], want[old]] == [True, False, (None, None, None)]
    assert want[a1][1:] == want[b1][1:] and len(want[a1][1]) == 64
    segs = segments(p.store)
    assert {s.coding_id: (s.blind, s.codebook_hash, s.definition_hash) for s in segs} == want
    body = segments_csv(segs).splitlines()
    assert body[0].endswith(",counted,made_blind,codebook_version,definition_hash")
    tails = {line.split(",", 1)[0]: line.rsplit(",", 3)[1:] for line in body[1:]}
    assert tails == {str(i): [flag(b), cb or "", dh or ""] for i, (b, cb, dh) in want.items()}


def test_refi_qda_carries_no_protocol_so_an_import_elsewhere_has_it_unknown(protocol_study, tmp_path):
    """docs/exchange.md: REFI-QDA has no place for blindness or pins; the codings come into
    another study with both unknown, and its segments export says so (empty cells)."""
    from refi_helpers import new_study

    qdpx = tmp_path / "study.qdpx"
    r = run(protocol_study, "ben", "export", "qdpx", "-o", str(qdpx))
    assert r.exit_code == 0, r.output
    body = zipfile.ZipFile(qdpx).read("project.qde").decode("utf-8")
    con = sqlite3.connect(protocol_study / "fieldcode.db")
    hashes = {h for row in con.execute("SELECT codebook_hash, definition_hash FROM coding") for h in row if h}
    con.close()
    assert hashes and not any(h in body or h[:12] in body for h in hashes)
    target = new_study(tmp_path / "t", 'study:\n  name: "T"\n  arms: [improving, lagging]\n')
    r = run(target, "imp", "import", str(qdpx))
    assert r.exit_code == 0, r.output
    out = tmp_path / "t-out" / "seg.csv"
    r = run(target, "imp", "export", "segments", "-o", str(out))
    assert r.exit_code == 0, r.output
    df = read_csv(out)
    assert len(df) == len(db_rows(protocol_study)) and {"ana", "ben"} <= set(df.coder)
    assert set(df.made_blind) == set(df.codebook_version) == set(df.definition_hash) == {""}
    assert db_rows(target) and {w[1:] for w in db_rows(target).values()} == {("", "", "")}
