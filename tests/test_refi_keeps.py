"""What a REFI-QDA exchange keeps (issue 20, point 7): the study's interviewer labels and turn
settings travel as project variables and come back into codebook.yaml, so a fresh study marks
the same interviewer turns and counts the same analysed words; a coding memo is also the
selection's Description (read back once, never twice); keys of non-ASCII code names are
transliterated; `codebook check` warns before a hand edit retires a code with codings; a file
whose few misfits start inside a word of its own text imports under the counting that fits the
rest (NVivo 12.6), listing the few."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from conftest import SHARED
from lxml import etree
from refi_helpers import coded_texts, count, g, make_qdpx, new_study
from sqlalchemy import text as sql
from typer.testing import CliRunner

from fieldcode.cli import app
from fieldcode.errors import Conflict
from fieldcode.exchange import refi_import, refi_read, refi_write
from fieldcode.project import Project
from fieldcode.study import codebook as cbmod
from fieldcode.study.settings import Settings

XSD = SHARED / "refi" / "xsd"
Q = {"q": "urn:QDA-XML:project:1.0"}

SOURCE_CODEBOOK = """\
study:
  name: Keeps
  arms: [north, south]
  interviewer_speakers: ["Researcher A", Moderator]
  required_attributes: [arm]
  turns: auto
  interviewer_lines: "^Q\\\\. "
codes:
  - key: place
    name: Place
    colour: "#2ca02c"
  - key: work
    name: Work
    colour: "#1f77b4"
"""
# a: labels; "Researcher A" is an interviewer only through the study's interviewer_speakers
A = ("---\narm: north\n---\nResearcher A: How is the street these days?\n"
     "Pat: The street is quiet now and the shops are open again.\nResearcher A: And the park?\n"
     "Pat: The park is busy every weekend.\n")
# b: no labels: turns: auto makes paragraphs, interviewer_lines marks the questions
B = ("---\narm: south\n---\nQ. Where did you grow up?\n\nI grew up by the river in a small house.\n\n"
     "Q. What changed?\n\nThe mill closed and people moved away.\n")
# c: its own interviewer label (attribute) and its own turn mode
C = ("---\narm: south\ninterviewer: Jo\nturns: labels\n---\nJo: Tell me about work.\n"
     "Sam: Work is hard but fair.\nJo: And the hours?\nSam: Long hours in winter.\n")
TARGET_STUDY = 'study:\n  name: "Target"\n  arms: [north, south]\n  required_attributes: [arm]\n'


def _words(s: str) -> int:
    return len(re.findall(r"[A-Za-z']+", s))


def _expected_analysed_words() -> dict[str, int]:
    """The participants' words, by this test's own reading of the three transcripts."""
    def body(doc: str) -> str:
        return doc.split("---\n", 2)[2]

    a = sum(_words(ln.split(":", 1)[1]) for ln in body(A).splitlines() if ln.startswith("Pat:"))
    b = sum(_words(p) for p in body(B).split("\n\n") if p.strip() and not p.startswith("Q. "))
    c = sum(_words(ln.split(":", 1)[1]) for ln in body(C).splitlines() if ln.startswith("Sam:"))
    return {"a.md": a, "b.md": b, "c.md": c}


def test_expected_words_are_worked_out_by_hand():
    # 11 + 6 ("The street is quiet now and the shops are open again." / "The park is busy every weekend.")
    assert _expected_analysed_words() == {"a.md": 17, "b.md": 17, "c.md": 9}


@pytest.fixture
def source(tmp_path):
    root = tmp_path / "src"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(SOURCE_CODEBOOK, encoding="utf-8")
    for n, t in (("a.md", A), ("b.md", B), ("c.md", C)):
        (root / "interviews" / n).write_text(t, encoding="utf-8")
    p = Project.open(root, coder="ana", settings=Settings())
    assert p.import_files().ok
    ta = p.store.interview("a.md").text
    tc = p.store.interview("c.md").text
    s = ta.index("The street is quiet")
    p.store.add_coding("a.md", "place", s, s + len("The street is quiet now"), "ana", "quiet since the closures")
    p.store.add_coding("a.md", "place", s, s + len("The street is quiet now and the shops"), "ben")
    w = tc.index("Work is hard")
    p.store.add_coding("c.md", "work", w, w + len("Work is hard but fair."), "ben", "fair: compare with b")
    yield p
    p.close()


def _turns(p: Project) -> set[tuple]:
    with p.store.engine.connect() as c:
        return {tuple(r) for r in c.execute(sql(
            "SELECT i.name, t.idx, t.start, t.\"end\", t.content_start, t.speaker, t.is_interviewer, t.n_words "
            "FROM turn t JOIN interview i ON i.id = t.interview_id"))}


def _analysed(p: Project) -> dict[str, int]:
    with p.store.engine.connect() as c:
        return dict(c.execute(sql(
            "SELECT i.name, sum(CASE WHEN t.is_interviewer THEN 0 ELSE t.n_words END) FROM turn t "
            "JOIN interview i ON i.id = t.interview_id GROUP BY i.name")).all())


def _export(p: Project) -> bytes:
    return refi_write.write_qdpx(refi_write.snapshot_of(p.store, p.study.name, p.study))


def _qde(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read("project.qde"))


def test_round_trip_keeps_interviewer_labels_turn_settings_and_marks(source, tmp_path, db_url):
    want = _expected_analysed_words()
    assert _analysed(source) == want
    data = _export(source)
    root = _qde(data)
    if XSD.is_dir():
        schema = etree.XMLSchema(etree.parse(str(XSD / "Project.xsd")))
        assert schema.validate(root), schema.error_log
    variables = {v.get("name"): v.findtext("q:Description", default="", namespaces=Q)
                 for v in root.findall("q:Variables/q:Variable", Q)}
    assert variables["fieldcode study: interviewer_speakers"] == '["Researcher A", "Moderator"]'
    assert variables["fieldcode study: turns"] == "auto"
    assert variables["fieldcode study: interviewer_lines"] == r"^Q\. "
    f = tmp_path / "keeps.qdpx"
    f.write_bytes(data)
    target = Project.open(new_study(tmp_path / "t", TARGET_STUDY), db=db_url, coder="imp", settings=Settings())
    try:
        res = refi_import.import_file(target, refi_read.read(f))
        assert res.codings_added == 3 and len(res.interviews_new) == 3
        assert sorted(res.study_set) == ["interviewer_lines: ^Q\\. ", "interviewer_speakers: Researcher A, Moderator",
                                         "turns: auto"]
        on_disk = cbmod.load(target.root / "codebook.yaml").study
        for st in (on_disk, target.study):
            assert st.interviewer_speakers == ("Researcher A", "Moderator")
            assert st.turns == "auto" and st.interviewer_lines == r"^Q\. "
        assert _turns(target) == _turns(source)
        assert _analysed(target) == want
        # per-interview settings came back as attributes
        assert target.store.attributes(target.store.interview("c.md").id)["interviewer"] == "Jo"
        # once more: nothing new, codebook.yaml untouched
        yaml = (target.root / "codebook.yaml").read_bytes()
        again = refi_import.import_file(target, refi_read.read(f))
        assert not again.changed and not again.study_set
        assert (target.root / "codebook.yaml").read_bytes() == yaml
    finally:
        target.close()


def test_a_study_with_its_own_settings_keeps_them_and_says_so(source, tmp_path):
    f = tmp_path / "keeps.qdpx"
    f.write_bytes(_export(source))
    own = TARGET_STUDY + "  turns: paragraphs\n"
    target = Project.open(new_study(tmp_path / "t", own), coder="imp", settings=Settings())
    try:
        res = refi_import.import_file(target, refi_read.read(f))
        assert "turns: auto" not in res.study_set and len(res.study_set) == 2
        assert any("study setting turns is 'paragraphs' here and 'auto' in the file" in w for w in res.warnings)
        assert cbmod.load(target.root / "codebook.yaml").study.turns == "paragraphs"
    finally:
        target.close()


def test_coding_memo_is_also_the_selection_description_and_comes_back_once(source, tmp_path):
    root = _qde(_export(source))
    notes = {n.get("guid"): n.findtext("q:PlainTextContent", namespaces=Q) for n in root.findall("q:Notes/q:Note", Q)}
    memos = {}
    for sel in root.iter("{urn:QDA-XML:project:1.0}PlainTextSelection"):
        desc = sel.findtext("q:Description", namespaces=Q)
        refs = [notes[r.get("targetGUID")] for r in sel.findall("q:NoteRef", Q)]
        if desc is not None or refs:
            assert [desc] == refs                      # the same memo in both places
            memos[sel.get("name")] = desc
    assert memos == {"The street is quiet now": "quiet since the closures", "Work is hard but fair.": "fair: compare with b"}
    f = tmp_path / "m.qdpx"
    f.write_bytes(_export(source))
    target = Project.open(new_study(tmp_path / "t", TARGET_STUDY), coder="imp", settings=Settings())
    try:
        refi_import.import_file(target, refi_read.read(f))
        with target.store.engine.connect() as c:
            got = sorted(r[0] for r in c.execute(sql("SELECT memo FROM coding")))
        assert got == ["", "fair: compare with b", "quiet since the closures"]
    finally:
        target.close()


def _with_descriptions(path: Path, descs: dict[str, str], notes: dict[str, str]) -> Path:
    """``path`` (made by make_qdpx) with a Description (and a note) added to some selections."""
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    root = etree.fromstring(files["Project.qde"])
    ns = "{urn:QDA-XML:project:1.0}"
    note_el = etree.SubElement(root, ns + "Notes") if notes else None
    for sel in root.iter(ns + "PlainTextSelection"):
        g_ = sel.get("guid")
        if g_ in descs:
            d = etree.Element(ns + "Description")
            d.text = descs[g_]
            sel.insert(0, d)
        if g_ in notes:
            ng = g()
            n = etree.SubElement(note_el, ns + "Note", guid=ng, name="n")
            etree.SubElement(n, ns + "PlainTextContent").text = notes[g_]
            etree.SubElement(sel, ns + "NoteRef", targetGUID=ng)
    files["Project.qde"] = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    with zipfile.ZipFile(path, "w") as z:
        for n, b in files.items():
            z.writestr(n, b)
    return path


def test_description_is_the_memo_when_no_note_says_it(tmp_path, db_url):
    ana, ben, code = g(), g(), g()
    raw = "alpha beta gamma delta epsilon\n"
    s1, s2, s3 = g(), g(), g()
    sels = [(s1, 0, 5, "alpha", [(code, ana)]), (s2, 6, 10, "beta", [(code, ben)]), (s3, 11, 16, "gamma", [(code, ana)])]
    f = make_qdpx(tmp_path / "qc.qdpx", [{"name": "S", "raw": raw, "selections": sels}], [(code, "Greek")],
                  {ana: "ana", ben: "ben"})
    # QualCoder style: the memo only in the Description; both the same; both different
    _with_descriptions(f, {s1: "only here", s2: "same text", s3: "a description"},
                       {s2: "same  text", s3: "a note"})
    target = Project.open(new_study(tmp_path / "t"), db=db_url, coder="imp", settings=Settings())
    try:
        refi_import.import_file(target, refi_read.read(f))
        with target.store.engine.connect() as c:
            got = {r[0]: r[1] for r in c.execute(sql("SELECT uid, memo FROM coding"))}
        key = lambda s: s.replace("-", "").lower()  # noqa: E731
        assert got == {key(s1): "only here", key(s2): "same  text", key(s3): "a description\n\na note"}
    finally:
        target.close()


def test_non_ascii_code_names_get_transliterated_keys(tmp_path):
    ana, ben = g(), g()
    codes = [(g(), "sárga"), (g(), "Кризис доверия")]
    raw = "one two three four\n"
    sels = [(g(), 0, 3, "one", [(codes[0][0], ana)]), (g(), 4, 7, "two", [(codes[1][0], ben)])]
    f = make_qdpx(tmp_path / "k.qdpx", [{"name": "K", "raw": raw, "selections": sels}], codes, {ana: "ana", ben: "ben"})
    target = Project.open(new_study(tmp_path / "t"), coder="imp", settings=Settings())
    try:
        res = refi_import.import_file(target, refi_read.read(f))
        assert sorted(res.codes_new) == ["krizis-doveriya", "sarga"]
        assert {c.key: c.name for c in cbmod.load(target.root / "codebook.yaml").codes} == {
            "sarga": "sárga", "krizis-doveriya": "Кризис доверия"}
    finally:
        target.close()


# ---- codebook check: a hand edit that would retire a code with codings ------------------------------

def _run(*args):
    return CliRunner().invoke(app, list(map(str, args)))


def test_codebook_check_warns_before_retiring_a_code_with_codings(source):
    root = source.root
    source.store.add_coding("b.md", "work", 0, 5, "ana")
    with source.store.engine.connect() as c:   # the expected counts, by plain SQL
        per = dict(c.execute(sql("SELECT c.coder, count(*) FROM coding c JOIN code k ON k.id = c.code_id "
                                 "WHERE k.key = 'work' GROUP BY c.coder")).all())
    assert per == {"ana": 1, "ben": 1}
    source.close()
    cb = root / "codebook.yaml"
    text = cb.read_text(encoding="utf-8")
    cb.write_text(text[:text.index("  - key: work")], encoding="utf-8")    # the hand edit: 'work' deleted
    db = root / "fieldcode.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    r = _run("-C", root, "codebook", "check")
    assert r.exit_code == 0, r.output
    assert "code 'work' (Work) has 2 codings (ana 1, ben 1) but is no longer in codebook.yaml" in r.output
    assert "restore its entry (key: work)" in r.output and "fieldcode codes merge work" in r.output
    assert "'place'" not in r.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before          # the check only reads
    assert not (root / "fieldcode.db-wal").exists() or (root / "fieldcode.db-wal").stat().st_size == 0
    # the entry restored: nothing to warn about
    cb.write_text(text, encoding="utf-8")
    r = _run("-C", root, "codebook", "check")
    assert r.exit_code == 0 and "warning" not in r.output


# ---- a few selections that start inside a word of the file's own text ----------------------------------

def _u16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _nvivo_like(n_sel: int, mid: list[int], *, quote_misfit: int | None = None):
    """CRLF text with characters outside the BMP (UTF-16 counting tells countings apart); one
    label-named selection per line on whole words, except those in ``mid``, which start one
    character into their first word (as a coder's sloppy selection does)."""
    lines = [f"Resident {i}: we had \U0001F600 times near plot{i} and the allotments were tended daily"
             for i in range(n_sel)]
    raw = "\r\n".join(lines) + "\r\n"
    sels, want = [], {}
    pos = 0
    for i, ln in enumerate(lines):
        q = "allotments were tended daily"
        at = pos + ln.index(q)
        if i in mid:
            at += 1
            q = q[1:]
        start = _u16(raw[:at])
        sg = g()
        name = f"Reference {i + 1}"
        if quote_misfit is not None:
            # names hold the quote (as NVivo's do not); one holds what code-point counting would read
            name = q if i != quote_misfit else raw[start:start + _u16(q)]
        sels.append((sg, start, start + _u16(q), name, [(CODE, (ANA, BEN)[i % 2])]))
        want[sg.replace("-", "").lower()] = q
        pos += len(ln) + 2
    return raw, sels, want


ANA, BEN, CODE = g(), g(), g()


def test_a_few_mid_word_selections_import_under_the_counting_that_fits_the_rest(tmp_path, db_url):
    raw, sels, want = _nvivo_like(60, [7, 30, 44])
    f = make_qdpx(tmp_path / "nv.qdpx", [{"name": "N", "raw": raw, "selections": sels}], [(CODE, "Plots")],
                  {ANA: "ana", BEN: "ben"})
    target = Project.open(new_study(tmp_path / "t"), db=db_url, coder="imp", settings=Settings())
    try:
        res = refi_import.import_file(target, refi_read.read(f))
        assert "[utf16-crlf2-nobom]" in res.fit and "57 of 60" in res.fit
        assert res.codings_added == 60
        assert coded_texts(target.store) == want          # every one on the intended text
        [w] = [w for w in res.warnings if "inside a word" in w]
        assert w.startswith("3 of 60 selection(s) start or end inside a word")
        assert not any("control character" in x for x in res.warnings)    # a CRLF is a line break, not one
        listed = [ln for ln in w.splitlines()[1:]]
        assert len(listed) == 3
        for i, ln in zip((7, 30, 44), listed):
            assert sels[i][0].replace("-", "").lower() in ln and "starts inside the word \u201ca|llotments\u201d" in ln
    finally:
        target.close()


@pytest.mark.parametrize("case", ["too many", "quote does not match"])
def test_misfits_the_file_does_not_explain_still_refuse(tmp_path, case):
    if case == "too many":
        raw, sels, _ = _nvivo_like(20, [3, 9])            # 10 %: more than one in twenty
    else:
        raw, sels, _ = _nvivo_like(60, [], quote_misfit=20)
        assert sels[20][3] != "allotments were tended daily"
    f = make_qdpx(tmp_path / "nv.qdpx", [{"name": "N", "raw": raw, "selections": sels}], [(CODE, "Plots")],
                  {ANA: "ana", BEN: "ben"})
    target = Project.open(new_study(tmp_path / "t"), coder="imp", settings=Settings())
    try:
        with pytest.raises(Conflict) as e:
            refi_import.import_file(target, refi_read.read(f))
        assert "nothing was imported" in str(e.value)
        if case != "too many":
            assert "1 selection(s) do not fit" in str(e.value) and "not the quote in its name" in str(e.value)
        assert count(target.store, "coding") == 0 and count(target.store, "interview") == 0
    finally:
        target.close()


def _real_nvivo_12() -> Path | None:
    for p in sorted((SHARED / "refi").rglob("*.qdpx")) if (SHARED / "refi").is_dir() else []:
        try:
            with zipfile.ZipFile(p) as z:
                qde = next(n for n in z.namelist() if n.lower().endswith(".qde"))
                head = z.read(qde)[:2000].decode("utf-8", "replace")
        except (zipfile.BadZipFile, StopIteration, OSError):
            continue
        if re.search(r'origin="NVivo[^"]*12\.6', head):
            return p
    return None


def test_real_nvivo_12_6_export_lands_every_selection(tmp_path):
    path = _real_nvivo_12()
    if path is None:
        pytest.skip("no NVivo 12.6 export under ../shared/refi")
    rf = refi_read.read(path)
    target = Project.open(new_study(tmp_path / "t"), coder="imp", settings=Settings())
    try:
        res = refi_import.import_file(target, refi_read.read(path))
        assert "[utf16-crlf2-nobom]" in res.fit
        [w] = [w for w in res.warnings if "inside a word" in w]
        assert w.startswith("3 of 303 ")
        assert res.codings_added == sum(len(s.codings) for src in rf.sources for s in src.selections)
        # each lands on the text the file's own positions give, read here from the XML and the
        # source file with UTF-16 units and a CRLF as two
        got = coded_texts(target.store)
        for src in rf.sources:
            units = src.raw.removeprefix("\ufeff").encode("utf-16-le")
            for s in src.selections:
                quote = units[2 * s.start:2 * s.end].decode("utf-16-le")
                quote = " ".join(quote.replace("\r\n", "\n").split())
                uids = [s.guid] if len(s.codings) == 1 else [c.guid for c in s.codings]
                for u in uids:
                    assert " ".join(got[u].split()) == quote
    finally:
        target.close()


def test_study_settings_are_written_touching_only_their_lines():
    from fieldcode.exchange.refi_keep import study_text

    before = ("# top comment\nstudy:\n  name: X   # the title\n  interviewer_speakers:\n    - Interviewer\n    - Q\n"
              "  # who must be there\n  required_attributes: [arm]\n\ncodes: []\n")
    after = study_text(before, {"interviewer_speakers": ("Researcher A", "Mod: B"), "turns": "paragraphs",
                                "interviewer_lines": r"^\d+ "})
    assert after == ("# top comment\nstudy:\n  name: X   # the title\n  interviewer_speakers: [\"Researcher A\", \"Mod: B\"]\n"
                     "  # who must be there\n  required_attributes: [arm]\n  turns: paragraphs\n"
                     "  interviewer_lines: \"^\\\\d+ \"\n\ncodes: []\n")
    with pytest.raises(ValueError):
        study_text("study: {name: X}\ncodes: []\n", {"turns": "auto"})
