"""Import: normalised text, attributes, turns and sentences at hand-checked offsets; re-import
rules; bad files reported by name while the others import; an interview is stored whole or
not at all."""

import shutil
import zipfile

import pytest
from sqlalchemy import func, select

from fieldcode.errors import InvalidInput
from fieldcode.store.models import Interview, SentenceRow, TurnRow
from fieldcode.project import Project
from fieldcode.text import sha256

from conftest import MINI_A


def body_of(md: str) -> str:
    return md.split("---\n", 2)[2]


def test_import_stores_text_attributes_turns_sentences(mini):
    iv = mini.store.interview("a.md")
    expected_text = body_of(MINI_A)
    assert iv.text == expected_text
    assert iv.sha256 == sha256(expected_text)
    assert mini.store.attributes(iv.id) == {
        "pair": "Leeds", "neighbourhood": "Ashcliffe", "arm": "improving", "role": "resident"}
    turns = mini.store.turns(iv.id)
    assert [(t.speaker, t.is_interviewer) for t in turns] == [
        ("Interviewer", True), ("Jean", False), ("Jean", False), ("Interviewer", True), ("Jean", False)]
    t2 = turns[1]
    assert iv.text[t2.content_start:t2.end] == "Twenty years. The tenants' group runs everything now."
    # words after the label: Twenty years The tenants' group runs everything now = 8
    assert t2.n_words == 8
    sents = [iv.text[s.start:s.end] for s in mini.store.sentences(iv.id)]
    assert sents == [
        "How long have you lived here?",
        "Twenty years.", "The tenants' group runs everything now.",
        "We meet on Tuesdays.",
        "And the housing?",
        "Much better since the repairs.", "Nobody wants to leave.",
    ]
    # 5 labels + 6 + 8 + 4 + 3 + 9 words = 35
    assert iv.n_words == 35


def test_reimport_unchanged_does_nothing(mini):
    before = mini.store.interview("a.md")
    rep = mini.import_files()
    assert [o.status for o in rep.outcomes] == ["unchanged", "unchanged"]
    after = mini.store.interview("a.md")
    assert after.updated_at == before.updated_at and after.id == before.id


def test_changed_file_without_codings_is_updated(mini):
    f = mini.root / "interviews" / "b.md"
    f.write_text(f.read_text().replace("Half of them are empty.", "Most of them are empty."))
    rep = mini.import_files()
    assert {o.path.split("/")[-1]: o.status for o in rep.outcomes} == {"a.md": "unchanged", "b.md": "updated"}
    iv = mini.store.interview("b.md")
    assert "Most of them are empty." in iv.text
    assert [iv.text[s.start:s.end] for s in mini.store.sentences(iv.id)][-1] == "Most of them are empty."


def test_changed_file_with_codings_is_refused_and_nothing_lost(mini):
    iv = mini.store.interview("b.md")
    s = iv.text.index("The flats are damp.")
    c = mini.store.add_coding("b.md", "housing", s, s + 19, "ana")
    f = mini.root / "interviews" / "b.md"
    f.write_text(f.read_text().replace("Sam: The flats", "Sam: Well, the flats"))
    rep = mini.import_files()
    refused = [o for o in rep.outcomes if o.status == "refused"]
    assert len(refused) == 1 and "b.md" in refused[0].path
    assert "--reanchor" in refused[0].message and "1 coding" in refused[0].message
    assert not rep.ok
    assert mini.store.interview("b.md").text == iv.text
    assert [(x.id, x.start, x.end) for x in mini.store.codings()] == [(c.id, s, s + 19)]


def test_reanchor_moves_codings_to_their_text(mini):
    iv = mini.store.interview("a.md")
    quote = "Nobody wants to leave."
    s = iv.text.index(quote)
    c = mini.store.add_coding("a.md", "housing", s, s + len(quote), "ana")
    f = mini.root / "interviews" / "a.md"
    f.write_text(f.read_text().replace("Interviewer: How long", "Interviewer: Hello again. How long"))
    rep = mini.import_files(reanchor=True)
    assert [o.status for o in rep.outcomes if "a.md" in o.path] == ["reanchored"]
    new = mini.store.interview("a.md")
    moved = mini.store.coding(c.id)
    assert moved.start == s + len("Hello again. ")
    assert new.text[moved.start:moved.end] == quote
    assert any(e.action == "reanchor" for e in mini.store.events())


def test_reanchor_refuses_when_a_codings_text_was_deleted(mini):
    iv = mini.store.interview("a.md")
    quote = "Nobody wants to leave."
    s = iv.text.index(quote)
    mini.store.add_coding("a.md", "housing", s, s + len(quote), "ana")
    f = mini.root / "interviews" / "a.md"
    f.write_text(f.read_text().replace(" Nobody wants to leave.", ""))
    rep = mini.import_files(reanchor=True)
    (o,) = [o for o in rep.outcomes if "a.md" in o.path]
    assert o.status == "refused" and "deletes" in o.message and "Nobody wants to leave." in o.message
    assert "--accept-losses" in o.message
    assert mini.store.interview("a.md").text == iv.text
    assert mini.store.codings()[0].start == s


def test_bad_files_reported_by_name_others_imported(mini_dir, tmp_path):
    d = mini_dir / "interviews"
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02garbage\x00")
    (d / "broken.docx").write_bytes(b"this is not a zip file")
    (d / "latin.txt").write_bytes("caf\xe9 \x93quoted\x94".encode("latin-1") + bytes([0x81, 0xfe, 0xff]) * 3)
    (d / "only-front.md").write_text("---\npair: Leeds\n---\n")
    p = Project.open(mini_dir, coder="ana")
    rep = p.import_files()
    status = {o.path.split("/")[-1]: (o.status, o.message) for o in rep.outcomes}
    assert status["a.md"][0] == "imported" and status["b.md"][0] == "imported"
    assert status["empty.txt"][0] == "failed" and "empty" in status["empty.txt"][1]
    assert status["binary.txt"][0] == "failed" and "binary" in status["binary.txt"][1]
    assert status["broken.docx"][0] == "failed" and "docx" in status["broken.docx"][1]
    assert status["latin.txt"][0] == "failed" and "--encoding" in status["latin.txt"][1]
    assert status["only-front.md"][0] == "failed" and "no transcript text" in status["only-front.md"][1]
    assert not rep.ok
    with p.store.read() as s:
        assert s.exec(select(func.count()).select_from(Interview)).scalar_one() == 2


def test_interview_is_stored_whole_or_not_at_all(mini_dir, monkeypatch):
    """A failure while writing sentences leaves no interview, turns or attributes behind."""
    from fieldcode.store import core as storecore

    p = Project.open(mini_dir, coder="ana")
    real_bulk = storecore.bulk_insert

    def failing_bulk(conn, model, columns, rows):
        if model is SentenceRow:
            raise RuntimeError("disk full (simulated)")
        return real_bulk(conn, model, columns, rows)

    monkeypatch.setattr(storecore, "bulk_insert", failing_bulk)
    with pytest.raises(RuntimeError):
        p.import_files()
    monkeypatch.setattr(storecore, "bulk_insert", real_bulk)
    with p.store.read() as s:
        assert s.exec(select(func.count()).select_from(Interview)).scalar_one() == 0
        assert s.exec(select(func.count()).select_from(TurnRow)).scalar_one() == 0
    assert p.import_files().ok


def test_windows_1252_by_option_and_by_detection(mini_dir):
    d = mini_dir / "interviews"
    raw = "Interviewer: Was it \u201cbetter\u201d?\r\n\r\nMo: Yes \u2013 much\u2026\r\n".encode("cp1252")
    (d / "w.txt").write_bytes(raw)
    p = Project.open(mini_dir, coder="ana")
    rep = p.import_files([d / "w.txt"])
    (o,) = rep.outcomes
    assert o.status == "imported" and any("1252" in n for n in o.notes)
    assert p.store.interview("w.txt").text == "Interviewer: Was it \u201cbetter\u201d?\n\nMo: Yes \u2013 much\u2026\n"
    (d / "w2.txt").write_bytes(raw)
    rep = p.import_files([d / "w2.txt"], encoding="cp1252")
    assert rep.ok and p.store.interview("w2.txt").text == p.store.interview("w.txt").text


def test_sidecar_attributes_conflicts_and_unknown_files(mini_dir):
    d = mini_dir / "interviews"
    (d / "c.txt").write_text("Interviewer: Hi.\n\nAl: Hello.\n")
    (d / "attributes.csv").write_text(
        "file,pair,neighbourhood,arm,role,gender\n"
        "c.txt,Leeds,Brookside,lagging,agency,m\n"
        "a.md,,,,,f\n")
    p = Project.open(mini_dir, coder="ana")
    rep = p.import_files()
    assert rep.ok, rep.outcomes
    assert p.store.attributes(p.store.interview("c.txt").id) == {
        "pair": "Leeds", "neighbourhood": "Brookside", "arm": "lagging", "role": "agency", "gender": "m"}
    assert p.store.attributes(p.store.interview("a.md").id)["gender"] == "f"
    # a conflicting value and a row for a file that does not exist
    (d / "attributes.csv").write_text(
        "file,arm\n"
        "a.md,lagging\n"
        "ghost.txt,lagging\n")
    rep = p.import_files()
    msgs = [o.message for o in rep.failed]
    assert any("a.md: attribute 'arm' is 'improving' in its front matter but 'lagging' in attributes.csv line 2" in m for m in msgs)
    assert any("attributes.csv:3: lists 'ghost.txt'" in m for m in msgs)
    assert p.store.attributes(p.store.interview("a.md").id)["arm"] == "improving"


def test_unknown_arm_is_an_error_naming_the_file(mini_dir):
    f = mini_dir / "interviews" / "b.md"
    f.write_text(f.read_text().replace("arm: lagging", "arm: declining"))
    p = Project.open(mini_dir, coder="ana")
    rep = p.import_files()
    (o,) = rep.failed
    assert o.path.endswith("b.md") and "unknown arm 'declining'" in o.message and "improving" in o.message


def test_design_warnings_pair_missing_arm(mini_dir):
    (mini_dir / "interviews" / "b.md").unlink()
    p = Project.open(mini_dir, coder="ana")
    p.import_files()
    assert p.design_warnings() == ["pair 'Leeds' has no 'lagging' interviews: it cannot be compared"]


def test_malformed_front_matter_names_file_and_line(mini_dir):
    f = mini_dir / "interviews" / "b.md"
    f.write_text("---\npair: Leeds\narm: [lagging\n---\nSam: hi\n")
    p = Project.open(mini_dir, coder="ana")
    (o,) = p.import_files().failed
    assert "b.md:" in o.message and "malformed front matter" in o.message


def test_bundled_study_imports_cleanly(bundled):
    p = Project.open(bundled, coder="ana")
    rep = p.import_files()
    assert rep.ok and rep.count("imported") >= 12
    infos = p.store.interview_infos()
    assert p.design_warnings() == []
    pairs = {(i.attributes["pair"], i.attributes["arm"]) for i in infos}
    assert pairs == {(c, a) for c in ("Liverpool", "Leeds", "Middlesbrough") for a in ("improving", "lagging")}
    for i in infos:
        assert 800 <= i.n_words <= 2600, i.name
        turns = p.store.turns(i.id)
        assert any(t.is_interviewer for t in turns) and any(not t.is_interviewer for t in turns)


def test_two_files_with_the_same_name_in_one_import(mini_dir):
    other = mini_dir / "more"
    other.mkdir()
    (other / "a.md").write_text("Interviewer: Hi.\n\nZed: Another a.\n")
    p = Project.open(mini_dir, coder="ana")
    rep = p.import_files([mini_dir / "interviews", other])
    (o,) = rep.failed
    assert o.path.endswith("more/a.md") and "another file named 'a.md'" in o.message
    assert "Twenty years" in p.store.interview("a.md").text


def test_words_counted_in_place_equal_words_of_the_slice():
    from fieldcode.text import count_words

    text = "Interviewer: it's an ex-miner's tale, isn't it?"
    for a in range(len(text)):
        for b in range(a, len(text) + 1):
            assert count_words(text, a, b) == count_words(text[a:b])
