"""Exports that name no one (issue 23 point 3): ``--pseudonymise`` on the segments CSV/XLSX, the
memos CSV, the quote matrix and the REFI-QDA ``.qdpx``.

Expected values are worked out here, not read from the code: the test holds its own key (hand
picked names and places from the bundled transcripts, each with a pseudonym written by hand),
pseudonymises each stored transcript with its own method (``re.sub`` over the original text,
case-insensitive, longest detail first) and greps every output file itself (accents stripped
with ``unicodedata``, case folded, any white space between words)."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import sqlite3
import time
import unicodedata
import uuid
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from fieldcode.cli.commands import app
from conftest import copy_study

# original -> (category, pseudonym), chosen by hand from the bundled transcripts and
# examples/codings.csv (names and places that sit inside coded passages and memos)
KEY = {
    "Pat Quinlan": ("person", "[Person A]"),
    "Pat": ("person", "[Person B]"),
    "Brian Oxley": ("person", "[Person C]"),
    "Maureen": ("person", "[Person D]"),
    "Shazia": ("person", "[Person E]"),
    "Bev": ("person", "[Person F]"),
    "Doyle": ("person", "[Person G]"),
    "Tessmoor": ("place", "[Place A]"),
    "Fernbank": ("place", "[Place B]"),
    "Ashcliffe": ("place", "[Place C]"),
    "Larchfield": ("place", "[Place D]"),
    "Kelder Bank": ("place", "[Place E]"),
    "Greyholme": ("place", "[Place F]"),
    "Leeds": ("place", "[Place G]"),
}
CATEGORIES = {c for c, _ in KEY.values()}
PASSAGE_MEMO = "Ben's note: Maurèen and PAT\nQUINLAN both run the Fernbank forum"   # accent, case, line break
KINDS = {  # export -> (CLI args, the files it writes)
    "segments": (["export", "segments", "-o", "{out}/seg.csv"], ["seg.csv", "seg.xlsx", "seg.json"]),
    "memos": (["export", "memos", "-o", "{out}/memos.csv"], ["memos.csv", "memos.json"]),
    "quotes": (["export", "quotes", "-o", "{out}/quotes.md", "--max-quotes", "0"], ["quotes.md", "quotes.json"]),
    "qdpx": (["export", "qdpx", "-o", "{out}/study.qdpx", "--timestamp", "2026-01-01T00:00:00Z"], ["study.qdpx"]),
}


def _run(root: Path, *args: str, coder: str | None = None):
    pre = ["-C", str(root)] + (["--coder", coder] if coder else [])
    return CliRunner().invoke(app, [*pre, *args])


def _fold(s: str) -> str:
    """Accents off, case folded: the test's own normalisation (NFKD, combining marks dropped)."""
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).casefold()


def names_in(text: str) -> set[str]:
    """The originals of KEY found in ``text`` (case- and accent-insensitive, across line breaks)."""
    ft = _fold(text)
    found = set()
    for o in KEY:
        pat = r"(?<!\w)" + r"\s+".join(re.escape(_fold(w)) for w in o.split()) + r"(?!\w)"
        if re.search(pat, ft):
            found.add(o)
    return found


def file_texts(path: Path) -> list[str]:
    """A file's text; every member of a zip, XML entities resolved."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return [html.unescape(z.read(n).decode("utf-8")) for n in z.namelist()]
    return [data.decode("utf-8")]


def naive_pseudonymise(text: str) -> str:
    """The test's own replacement: re.sub over the original, case-insensitive, longest first."""
    alts = sorted(KEY, key=len, reverse=True)
    pat = re.compile(r"(?<!\w)(?:" + "|".join(r"\s+".join(map(re.escape, o.split())) for o in alts) + r")(?!\w)",
                     re.IGNORECASE)
    by_lower = {" ".join(o.lower().split()): KEY[o][1] for o in KEY}
    return pat.sub(lambda m: by_lower[" ".join(m.group().lower().split())], text)


def db_rows(root: Path, sql: str, args: tuple = ()) -> list[tuple]:
    with sqlite3.connect(root / "fieldcode.db") as c:
        return c.execute(sql, args).fetchall()


def same_words(root: Path, table: str) -> dict[str, str]:
    """id and uid of each coding (or memo on a passage) -> its stored passage (plain SQL: the
    original text between the original offsets), pseudonymised by the test: the words the
    export must show for it."""
    out = {}
    rows = db_rows(root, f'SELECT t.id, t.uid, i.text, t.start, t."end" FROM {table} t JOIN interview i '
                         'ON i.id = t.interview_id WHERE t.start IS NOT NULL')
    for ident, uid, text, start, end in rows:
        out[str(ident)] = out[str(uuid.UUID(hex=uid))] = out[uid] = naive_pseudonymise(text[start:end])
    return out


def db_dump(root: Path) -> str:
    c = sqlite3.connect(root / "fieldcode.db")
    try:
        return "\n".join(c.iterdump())
    finally:
        c.close()


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def keyed(bundled_coded, tmp_path_factory) -> Path:
    """TEMPLATE: the bundled study coded by ana and ben, the key above accepted, and two memos
    (a passage memo naming people with an accent, capitals and a line break, an interview memo)."""
    from fieldcode.project import Project
    from fieldcode.store import add_memo
    from fieldcode.study.settings import Settings

    root = copy_study(bundled_coded, tmp_path_factory.mktemp("pseudo") / "study")
    for original, (cat, pseudo) in KEY.items():
        res = _run(root, "pseudonyms", "add", original, "--category", cat, "--as", pseudo, coder="ana")
        assert res.exit_code == 0, res.output
    (iid, text), = db_rows(root, "SELECT id, text FROM interview WHERE text LIKE '%Pat Quinlan%' LIMIT 1")
    at = text.index("Pat Quinlan")
    p = Project.open(root, coder="ben", settings=Settings())
    try:
        add_memo(p.store, "ben", PASSAGE_MEMO, interview_id=iid, start=max(0, at - 40), end=at + len("Pat Quinlan") + 20)
        add_memo(p.store, "ana", "Interview with Shazia in Tessmoor, second visit", interview_id=iid)
    finally:
        p.close()
    return root


@pytest.fixture
def study(keyed, tmp_path) -> Path:
    return copy_study(keyed, tmp_path / "study")


def export(root: Path, kind: str, out: Path, *extra: str):
    args, files = KINDS[kind]
    out.mkdir(parents=True, exist_ok=True)
    res = _run(root, *[a.format(out=out) for a in args], *extra)
    return res, [out / f for f in files]


def log_of(path: Path) -> Path:
    return path.with_name(path.name + ".anonymisation-log.csv")


def stored_texts(root: Path) -> dict[str, str]:
    return dict(db_rows(root, "SELECT name, text FROM interview"))


# --- the outputs name no one and keep every coding on its words ---------------------------------

@pytest.mark.parametrize("kind", list(KINDS))
def test_plain_export_names_people(study, tmp_path, kind):
    """Without --pseudonymise the same export does name people: the checks below can fail."""
    res, files = export(study, kind, tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert set().union(*(names_in(t) for f in files for t in file_texts(f))) >= {"Pat Quinlan", "Fernbank"}


@pytest.mark.parametrize("kind", list(KINDS))
def test_pseudonymised_export_names_no_one(study, tmp_path, kind):
    before_db, before_files = db_dump(study), tree_hash(study / "interviews")
    res, files = export(study, kind, tmp_path / "out", "--pseudonymise")
    assert res.exit_code == 0, res.output
    log = log_of(files[0])
    for f in [*files, log]:
        assert f.is_file(), f
        for t in file_texts(f):
            assert names_in(t) == set(), f"{f.name} still names someone"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([*(f.name for f in files), log.name])
    # the log: categories and pseudonyms of the key, offsets, never an original
    rows = list(csv.DictReader(io.StringIO(log.read_text(encoding="utf-8"))))
    assert rows and {r["category"] for r in rows} <= CATEGORIES
    assert {r["pseudonym"] for r in rows} <= {p for _, p in KEY.values()}
    assert "Fernbank" in {o for o, (_c, p) in KEY.items() if p in {r["pseudonym"] for r in rows}}
    # stored transcripts and database unchanged
    assert db_dump(study) == before_db
    assert tree_hash(study / "interviews") == before_files


def test_segments_quotes_on_the_pseudonymised_words(study, tmp_path):
    res, (seg, xlsx, side) = export(study, "segments", tmp_path / "out", "--pseudonymise")
    assert res.exit_code == 0, res.output
    texts = {naive_pseudonymise(n): naive_pseudonymise(t) for n, t in stored_texts(study).items()}
    rows = list(csv.DictReader(io.StringIO(seg.read_text(encoding="utf-8"))))
    n_codings = db_rows(study, "SELECT count(*) FROM coding")[0][0]
    assert len(rows) == n_codings
    assert {r["coder"] for r in rows} == {"ana", "ben"}
    words = same_words(study, "coding")
    changed = 0
    for r in rows:
        quote = r["text"][1:] if r["text"].startswith("'") and not texts[r["interview"]][int(r["start"]):].startswith("'") else r["text"]
        assert texts[r["interview"]][int(r["start"]):int(r["end"])] == quote, r["coding_id"]
        assert quote == words[r["coding_id"]], r["coding_id"]   # the same words the coding held
        changed += "[P" in quote
    assert changed >= 5   # codings that held a name now hold its pseudonym
    # the XLSX holds the same quotes
    from openpyxl import load_workbook

    ws = load_workbook(xlsx, read_only=True)["segments"]
    head, *body = [list(r) for r in ws.iter_rows(values_only=True)]
    i = head.index("text")
    assert sorted(str(r[i]) for r in body) == sorted(texts[r["interview"]][int(r["start"]):int(r["end"])] for r in rows)
    # the log's transcript rows point at their pseudonyms in the output text
    for r in csv.DictReader(io.StringIO(log_of(seg).read_text(encoding="utf-8"))):
        if r["offsets_in"] == "pseudonymised transcript":
            assert texts[r["interview"]][int(r["start"]):int(r["end"])] == r["pseudonym"]


def test_memos_quotes_and_texts(study, tmp_path):
    res, (memos, _side) = export(study, "memos", tmp_path / "out", "--pseudonymise")
    assert res.exit_code == 0, res.output
    texts = {naive_pseudonymise(n): naive_pseudonymise(t) for n, t in stored_texts(study).items()}
    rows = list(csv.DictReader(io.StringIO(memos.read_text(encoding="utf-8"))))
    passage = [r for r in rows if r["kind"] == "passage"]
    assert len(passage) == 1
    assert passage[0]["memo"] == "Ben's note: [Person D] and [Person A] both run the [Place B] forum"
    assert "[Person A]" in passage[0]["quoted_text"]
    assert {r["author"] for r in rows} >= {"ana", "ben"}
    words = {**same_words(study, "coding"), **same_words(study, "memo")}
    for r in rows:
        if r["start"]:
            assert texts[r["interview"]][int(r["start"]):int(r["end"])] == r["quoted_text"], r["memo_uid"]
            assert r["quoted_text"] == words[r["memo_uid"]], r["memo_uid"]
    assert any(r["memo"] == "Interview with [Person E] in [Place A], second visit" for r in rows)


def test_qdpx_selections_on_the_pseudonymised_sources(study, tmp_path):
    res, (qdpx,) = export(study, "qdpx", tmp_path / "out", "--pseudonymise")
    assert res.exit_code == 0, res.output
    stored = {naive_pseudonymise(n): t for n, t in stored_texts(study).items()}
    ns = {"q": "urn:QDA-XML:project:1.0"}
    words = {**same_words(study, "coding"), **same_words(study, "memo")}
    with zipfile.ZipFile(qdpx) as z:
        root = etree.fromstring(z.read("project.qde"))
        n_sel = 0
        for src in root.iterfind(".//q:TextSource", ns):
            text = z.read("sources/" + src.get("plainTextPath").split("//", 1)[1]).decode("utf-8")
            assert text == naive_pseudonymise(stored[src.get("name")])   # the whole source, replaced by the test
            for sel in src.iterfind("q:PlainTextSelection", ns):
                quote = text[int(sel.get("startPosition")):int(sel.get("endPosition"))]
                assert quote == words[sel.get("guid")], sel.get("guid")   # the same words as stored
                one_line, name = " ".join(quote.split()), sel.get("name")
                if name.endswith("\u2026"):   # a long quote's name is cut with an ellipsis
                    assert one_line.startswith(name[:-1]) and len(one_line) > len(name), sel.get("guid")
                else:
                    assert one_line == name, sel.get("guid")
                n_sel += 1
    n_codings = db_rows(study, "SELECT count(*) FROM coding")[0][0]
    assert n_sel == n_codings + 1   # every coding and the passage memo
    for r in csv.DictReader(io.StringIO(log_of(qdpx).read_text(encoding="utf-8"))):
        if r["item"] == "source":
            assert naive_pseudonymise(stored[r["interview"]])[int(r["start"]):int(r["end"])] == r["pseudonym"]


# --- a leak makes the export refuse, nothing written --------------------------------------------

@pytest.mark.parametrize("kind", list(KINDS))
def test_replacement_missing_one_detail_is_refused(study, tmp_path, kind, monkeypatch):
    from fieldcode.privacy import replace

    real = replace.pseudonymise

    def skips_fernbank(text, decisions):  # noqa: ANN001, ANN202
        return real(text, {o: p for o, p in decisions.items() if o != "Fernbank"})

    monkeypatch.setattr(replace, "pseudonymise", skips_fernbank)
    out = tmp_path / "out"
    res, files = export(study, kind, out, "--pseudonymise")
    assert res.exit_code != 0
    assert "Traceback" not in res.output
    assert "was not written" in res.output and "place: 1" in res.output
    assert "Fernbank" not in res.output
    assert list(out.iterdir()) == []   # no file, no log, no staging folder left


@pytest.mark.parametrize("kind", ["segments", "qdpx"])
def test_a_detail_the_replacement_cannot_reach_is_refused(study, tmp_path, kind):
    """A memo spells a name with a control character inside: the replacement does not see the
    name, the XLSX / XML writer drops the character, and the written file would name them."""
    cid = db_rows(study, "SELECT id FROM coding ORDER BY id LIMIT 1")[0][0]
    with sqlite3.connect(study / "fieldcode.db") as c:
        c.execute("UPDATE coding SET memo = ? WHERE id = ?", ("asked Mau\x01reen about it", cid))
    out = tmp_path / "out"
    res, _files = export(study, kind, out, "--pseudonymise")
    assert res.exit_code != 0, res.output
    assert "was not written" in res.output and "person: 1" in res.output and "Maureen" not in res.output
    assert list(out.iterdir()) == []


def test_refused_without_an_accepted_detail(bundled_coded, tmp_path):
    root = copy_study(bundled_coded, tmp_path / "s")
    out = tmp_path / "out"
    res, _ = export(root, "segments", out, "--pseudonymise")
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert "fieldcode pseudonyms scan" in res.output
    assert not (out / "seg.csv").exists()
    assert _run(root, "pseudonyms", "scan", coder="ana").exit_code == 0   # a key, nothing accepted yet
    res, _ = export(root, "qdpx", out, "--pseudonymise")
    assert res.exit_code != 0 and "no accepted detail" in res.output and "pseudonyms scan" in res.output
    assert list(out.iterdir()) == []


def test_time_to_pseudonymise_the_bundled_exports(study, tmp_path):
    """Measured and printed: each export of the bundled study with and without --pseudonymise
    (best of three, in process), and what pseudonymising adds.  The issue asks under a second;
    the assertion leaves room for a loaded machine (the exports alone take longer than that)."""
    added = {}
    for kind in KINDS:
        best = {}
        for flag in ((), ("--pseudonymise",)):
            times = []
            for i in range(3):
                t0 = time.perf_counter()
                res, _ = export(study, kind, tmp_path / f"{kind}{len(flag)}{i}", *flag)
                times.append(time.perf_counter() - t0)
                assert res.exit_code == 0, res.output
            best[bool(flag)] = min(times)
        added[kind] = best[True] - best[False]
        print(f"export {kind}: {best[False]:.3f} s plain, {best[True]:.3f} s pseudonymised (+{added[kind]:.3f} s)")
    print(f"pseudonymising all four exports adds {sum(added.values()):.3f} s")
    assert all(v < 1.0 for v in added.values()), added


# --- both database back ends: a small study worked by hand ------------------------------------

MINI_KEY = {"Jean": ("person", "[Person J]"), "Sam": ("person", "[Person S]"),
            "Ashcliffe": ("place", "[Place X]"), "Brookside": ("place", "[Place Y]")}


def test_mini_study_on_sqlite_and_postgres(mini, mini_dir, db_url, tmp_path):
    """Two coders on the mini study (tests/conftest.py), on both back ends: the quotes and
    offsets of the pseudonymised segments and memos, worked out with str.replace and str.find."""
    from fieldcode.privacy import review
    from fieldcode.store import add_memo

    for original, (cat, pseudo) in MINI_KEY.items():
        review.add(mini.store, mini_dir, "ana", original, category=cat, as_text=pseudo)
    a, b = mini.store.interview("a.md"), mini.store.interview("b.md")
    qa, qb = "Jean: Twenty years.", "Sam: The flats are damp."
    mini.store.add_coding("a.md", "leadership", a.text.index(qa), a.text.index(qa) + len(qa), "ana", "Jean leads")
    mini.store.add_coding("b.md", "housing", b.text.index(qb), b.text.index(qb) + len(qb), "ben")
    add_memo(mini.store, "ben", "Sam lives in Brookside", interview_id=b.id, start=b.text.index(qb),
             end=b.text.index(qb) + len(qb))

    def rows() -> list:
        import sqlalchemy

        with mini.store.engine.connect() as c:
            return [c.execute(sqlalchemy.text(f"SELECT * FROM {t} ORDER BY id")).all()
                    for t in ("interview", "coding", "memo", "code")]

    before = rows()
    out = tmp_path / "out"
    for kind, path in (("segments", "seg.csv"), ("memos", "memos.csv")):
        res = _run(mini_dir, "--db", db_url, "export", kind, "-o", str(out / path), "--pseudonymise")
        assert res.exit_code == 0, res.output
    # expected, by hand: each name replaced by its pseudonym in the stored text
    pa = a.text.replace("Jean", "[Person J]")
    pb = b.text.replace("Sam", "[Person S]")
    ea, eb = "[Person J]: Twenty years.", "[Person S]: The flats are damp."
    seg = {r["coder"]: r for r in csv.DictReader(io.StringIO((out / "seg.csv").read_text(encoding="utf-8")))}
    assert set(seg) == {"ana", "ben"}
    assert (seg["ana"]["text"], int(seg["ana"]["start"]), int(seg["ana"]["end"])) == (ea, pa.index(ea), pa.index(ea) + len(ea))
    assert (seg["ben"]["text"], int(seg["ben"]["start"]), int(seg["ben"]["end"])) == (eb, pb.index(eb), pb.index(eb) + len(eb))
    assert seg["ana"]["memo"] == "[Person J] leads"
    assert seg["ana"]["neighbourhood"] == "[Place X]" and seg["ben"]["neighbourhood"] == "[Place Y]"
    memo = [r for r in csv.DictReader(io.StringIO((out / "memos.csv").read_text(encoding="utf-8"))) if r["kind"] == "passage"]
    assert [(m["memo"], m["quoted_text"], int(m["start"])) for m in memo] == [
        ("[Person S] lives in [Place Y]", eb, pb.index(eb))]
    for f in out.iterdir():
        assert not any(o.lower() in t.lower() for t in file_texts(f) for o in MINI_KEY), f.name
    assert rows() == before


# --- tables without quotes: counts and comparison name pairs by place ---------------------------

TABLES = {"counts": (["export", "counts", "-o", "{out}/counts.csv", "--by", "pair,arm"], ["counts.csv", "counts_wide.csv"]),
          "comparison": (["export", "comparison", "-o", "{out}/cmp.csv"], ["cmp.csv", "cmp_summary.csv"])}


@pytest.mark.parametrize("kind", list(TABLES))
def test_tables_name_no_place(study, tmp_path, kind, monkeypatch):
    args, names = TABLES[kind]
    plain, pseudo = tmp_path / "plain", tmp_path / "pseudo"
    assert _run(study, *[a.format(out=plain) for a in args]).exit_code == 0
    res = _run(study, *[a.format(out=pseudo) for a in args], "--pseudonymise")
    assert res.exit_code == 0, res.output
    assert "Leeds" in names_in((plain / names[0]).read_text(encoding="utf-8"))
    for name in names:
        got = list(csv.reader(io.StringIO((pseudo / name).read_text(encoding="utf-8"))))
        want = [[naive_pseudonymise(c) for c in r] for r in csv.reader(io.StringIO((plain / name).read_text(encoding="utf-8")))]
        assert got == want, name   # every number the same, every place replaced
    for f in pseudo.iterdir():
        assert names_in(f.read_text(encoding="utf-8")) == set(), f.name
    assert "[Place G]" in (pseudo / names[0]).read_text(encoding="utf-8")
    # a replacement that misses one place: refused, nothing written
    from fieldcode.privacy import replace

    real = replace.pseudonymise
    monkeypatch.setattr(replace, "pseudonymise", lambda t, d: real(t, {o: p for o, p in d.items() if o != "Leeds"}))
    out = tmp_path / "leak"
    out.mkdir()
    res = _run(study, *[a.format(out=out) for a in args], "--pseudonymise")
    assert res.exit_code != 0 and "was not written" in res.output and "Leeds" not in res.output
    assert list(out.iterdir()) == []


# --- the REFI-QDA codebook (.qdc): its examples quote transcripts -----------------------------

def test_qdc_codebook_names_no_one(study, tmp_path):
    """A code's example (and definition) can quote a transcript: the codebook export replaces
    them, writes its log, and the plain export still names them (so the check can fail)."""
    from test_refi_cli import XSD

    cb = study / "codebook.yaml"
    text = cb.read_text(encoding="utf-8")
    old = 'example: "It was the head at the primary who got everyone round one table and said right, what are we doing about this."'
    assert old in text
    cb.write_text(text.replace(old, 'example: "It was Pat Quinlan who got the Fernbank forum going, not Leeds council."'),
                  encoding="utf-8")
    from fieldcode.project import Project
    from fieldcode.study.settings import Settings

    Project.open(study, coder="ana", settings=Settings()).close()   # a write records the edited codebook
    schemas = ["--schemas", str(XSD)] if XSD.is_dir() else []
    out = tmp_path / "out"
    out.mkdir()
    res = _run(study, "export", "qdc", "-o", str(out / "plain.qdc"), *schemas)
    assert res.exit_code == 0, res.output
    assert names_in((out / "plain.qdc").read_text(encoding="utf-8")) == {"Pat Quinlan", "Pat", "Fernbank", "Leeds"}
    res = _run(study, "export", "qdc", "-o", str(out / "book.qdc"), "--pseudonymise", *schemas)
    assert res.exit_code == 0, res.output
    xml = (out / "book.qdc").read_text(encoding="utf-8")
    assert names_in(xml) == set()
    assert "It was [Person A] who got the [Place B] forum going, not [Place G] council." in html.unescape(xml)
    rows = list(csv.DictReader(io.StringIO(log_of(out / "book.qdc").read_text(encoding="utf-8"))))
    assert sorted((r["item"], r["category"], r["pseudonym"]) for r in rows) == [
        ("code leadership", "person", "[Person A]"), ("code leadership", "place", "[Place B]"),
        ("code leadership", "place", "[Place G]")]
    assert sorted(p.name for p in out.iterdir()) == ["book.qdc", "book.qdc.anonymisation-log.csv", "plain.qdc"]
