"""How a REFI-QDA project's parts map onto a study: variables in all three places tools put them,
notes on sources, codes and selections, a bare .qde beside its sources folder, a BOM counted
as a position, a forced counting, and a file that names no user."""

from __future__ import annotations

import pytest
from refi_helpers import coded_texts, count, g, make_qdpx, new_study
from sqlalchemy import text as sql

from fieldcode.errors import Conflict, InvalidInput
from fieldcode.exchange import refi_import, refi_read
from fieldcode.project import Project

TEXT = "Interviewer: Tell me about the area.\n\nMaureen: The park is lovely now. The shops closed.\n"
V_PAIR, V_ARM, V_ROLE = g(), g(), g()
S1, S2, S3 = g(), g(), g()
C1, C2 = g(), g()
U = g()
N_SRC, N_CODE, N_SEL, N_PASSAGE, N_LOOSE = g(), g(), g(), g(), g()


def _qde() -> str:
    park = TEXT.index("The park is lovely now.")
    shops = TEXT.index("The shops closed.")
    def src(guid, name, extra="", desc=""):
        return (f'<TextSource guid="{guid}" name="{name}" plainTextPath="internal://{guid}.txt">{desc}'
                f'<PlainTextSelection guid="{g()}" name="The park is lovely now." startPosition="{park}" '
                f'endPosition="{park + 23}" creatingUser="{U}"><Coding guid="{g()}"><CodeRef targetGUID="{C1}"/>'
                f'</Coding><NoteRef targetGUID="{N_SEL}"/></PlainTextSelection>'
                f'<PlainTextSelection guid="{g()}" name="The shops closed." startPosition="{shops}" '
                f'endPosition="{shops + 17}" creatingUser="{U}"><NoteRef targetGUID="{N_PASSAGE}"/></PlainTextSelection>'
                f'{extra}</TextSource>')
    text_value = (f'<NoteRef targetGUID="{N_SRC}"/><VariableValue><VariableRef targetGUID="{V_ROLE}"/>'
                  f'<TextValue>resident</TextValue></VariableValue>')
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1:0" name="m">'
        f'<Users><User guid="{U}" name="maria"/></Users>'
        f'<CodeBook><Codes><Code guid="{C1}" name="Place" isCodable="false" color="#aabbcc">'
        f'<Description>Where people live.</Description><NoteRef targetGUID="{N_CODE}"/>'
        f'<Code guid="{C2}" name="Parks" isCodable="true"/></Code></Codes></CodeBook>'
        f'<Variables><Variable guid="{V_PAIR}" name="pair" typeOfVariable="Text"/>'
        f'<Variable guid="{V_ARM}" name="arm" typeOfVariable="Text"/>'
        f'<Variable guid="{V_ROLE}" name="role" typeOfVariable="Text"/></Variables>'
        f'<Cases><Case guid="{g()}" name="Leeds pair"><VariableValue><VariableRef targetGUID="{V_PAIR}"/>'
        f'<TextValue>Leeds</TextValue></VariableValue><SourceRef targetGUID="{S1}"/><SourceRef targetGUID="{S2}"/></Case>'
        f'<Case guid="{g()}"><VariableValue><VariableRef targetGUID="{V_ARM}"/><TextValue>lagging</TextValue>'
        f'</VariableValue><SourceRef targetGUID="{S2}"/></Case></Cases>'
        f'<Sources>{src(S1, "one", text_value, "<Description>Source description.</Description>")}'
        f'{src(S2, "two")}</Sources>'
        f'<Notes><Note guid="{N_SRC}" name="About one" creatingUser="{U}"><PlainTextContent>Source memo.</PlainTextContent></Note>'
        f'<Note guid="{N_CODE}" creatingUser="{U}"><PlainTextContent>Code memo.</PlainTextContent></Note>'
        f'<Note guid="{N_SEL}" creatingUser="{U}"><PlainTextContent>Coding memo.</PlainTextContent></Note>'
        f'<Note guid="{N_PASSAGE}" creatingUser="{U}"><PlainTextContent>Passage memo.</PlainTextContent></Note>'
        f'<Note guid="{N_LOOSE}" creatingUser="{U}"><PlainTextContent>Project diary.</PlainTextContent></Note></Notes>'
        f'</Project>')


@pytest.fixture
def folder(tmp_path):
    """A bare project.qde with its Sources/ folder beside it; source two's text has one more turn
    at the end (so it is another interview, and its selections' positions still hold)."""
    d = tmp_path / "export"
    (d / "Sources").mkdir(parents=True)
    (d / "project.qde").write_text(_qde(), encoding="utf-8")
    (d / "Sources" / f"{S1}.txt").write_text(TEXT, encoding="utf-8")
    (d / "Sources" / f"{S2}.txt").write_text(TEXT + "\nInterviewer: Thank you.\n", encoding="utf-8")
    return d


def test_variables_notes_and_bare_qde(folder, tmp_path, db_url):
    p = Project.open(new_study(tmp_path / "t"), db=db_url, coder="imp")
    try:
        res = refi_import.import_file(p, refi_read.read(folder / "project.qde"))
        assert "1 note(s) not attached" in " ".join(res.not_imported)
        assert any("cannot be coded" in w and "Place" in w for w in res.warnings)
        with p.store.engine.connect() as c:
            attrs = {tuple(r) for r in c.execute(sql(
                "SELECT i.name, a.name, a.value FROM attribute a JOIN interview i ON i.id = a.interview_id"))}
            memos = {tuple(r) for r in c.execute(sql(
                "SELECT m.author, i.name, k.key, m.start, m.\"end\", m.text FROM memo m "
                "LEFT JOIN interview i ON i.id = m.interview_id LEFT JOIN code k ON k.id = m.code_id"))}
            cmemos = sorted(r[0] for r in c.execute(sql("SELECT memo FROM coding")))
        assert attrs == {("one", "pair", "Leeds"), ("one", "role", "resident"),
                         ("two", "pair", "Leeds"), ("two", "arm", "lagging")}
        shops = TEXT.index("The shops closed.")
        # a note's title that its text does not start with is kept as the memo's first paragraph
        assert memos == {("maria", "one", None, None, None, "About one\n\nSource memo."),
                         ("maria", None, "place", None, None, "Code memo."),
                         ("imp", "one", None, None, None, "Source description."),
                         ("maria", "one", None, shops, shops + 17, "Passage memo."),
                         ("maria", "two", None, shops, shops + 17, "Passage memo.")}
        assert cmemos == ["Coding memo.", "Coding memo."]
        assert sorted(coded_texts(p.store).values()) == ["The park is lovely now."] * 2
    finally:
        p.close()


def test_bom_counted_and_forced_counting(tmp_path):
    c = g()
    raw = "Alpha beta gamma delta.\nSecond line here.\n"
    at = raw.index("gamma delta")
    sel = g()
    # positions count the BOM as position 0
    f = make_qdpx(tmp_path / "b.qdpx", [{"name": "B", "raw": raw, "selections": [
        (sel, at + 1, at + 12, "gamma delta", [(c, g())])]}], [(c, "Greek")], {}, bom=True)
    p = Project.open(new_study(tmp_path / "t"), coder="imp")
    try:
        res = refi_import.import_file(p, refi_read.read(f))
        assert "[codepoints-crlf2-bom]" in res.fit
        assert list(coded_texts(p.store).values()) == ["gamma delta"]
        assert {r[0] for r in p.store.engine.connect().execute(sql("SELECT coder FROM coding"))} == {"imp"}
    finally:
        p.close()
    # Forcing the standard's counting instead: every selection is off by one; imported, with a warning.
    p = Project.open(new_study(tmp_path / "t2"), coder="imp")
    try:
        res = refi_import.import_file(p, refi_read.read(f), counting="codepoints-crlf2-nobom")
        assert any("do not line up" in w for w in res.warnings)
        assert list(coded_texts(p.store).values()) == ["amma delta."]
    finally:
        p.close()


def test_a_file_that_names_no_user_needs_a_coder(tmp_path):
    c = g()
    f = make_qdpx(tmp_path / "n.qdpx", [{"name": "N", "raw": "one two three\n", "selections": [
        (g(), 4, 7, "two", [(c, g())])]}], [(c, "Num")], {})
    p = Project.open(new_study(tmp_path / "t"))
    try:
        with pytest.raises(InvalidInput, match="--coder"):
            refi_import.import_file(p, refi_read.read(f))
        assert count(p.store, "interview") == 0
    finally:
        p.close()


def test_a_retired_key_is_not_handed_out_again(tmp_path):
    root = new_study(tmp_path / "t", 'study:\n  name: "T"\n')
    (root / "codebook.yaml").write_text('study:\n  name: "T"\ncodes:\n  - key: place\n    name: Place\n', encoding="utf-8")
    p = Project.open(root, coder="imp")
    try:
        (root / "codebook.yaml").write_text('study:\n  name: "T"\ncodes: []\n', encoding="utf-8")
        p.reload_codebook()
        c = g()
        f = make_qdpx(tmp_path / "r.qdpx", [{"name": "R", "raw": "one two three\n", "selections": [
            (g(), 4, 7, "two", [(c, g())])]}], [(c, "Place")], {})
        res = refi_import.import_file(p, refi_read.read(f))
        assert res.codes_new == ["place-2"]
        with p.store.engine.connect() as conn:
            rows = dict(conn.execute(sql("SELECT key, retired_at IS NOT NULL FROM code")).all())
        assert rows == {"place": True, "place-2": False}
    finally:
        p.close()


def test_control_characters_do_not_break_the_xml():
    from datetime import datetime, timezone

    from lxml import etree

    from fieldcode.exchange.refi_write import Snapshot, project_xml

    snap = Snapshot(name="s", interviews=[dict(id=1, name="a", text="he\x07llo there\n", imported_at=None,
                                               attributes={"k": "v\x03"})],
                    codes=[dict(id=1, key="k", name="K\x04", parent_id=None, colour="#fff", definition="d\x05")],
                    codings=[dict(uid="0" * 32, interview_id=1, code_id=1, coder="ana", start=0, end=8,
                                  memo="m\x06", created_at=None, updated_at=None)])
    xml, files = project_xml(snap, now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    root = etree.fromstring(xml)
    assert root.find(".//{*}PlainTextSelection").get("name") == "hello t"   # [0, 8) = "he\x07llo t", less the BEL
    assert list(files.values()) == ["he\x07llo there\n"]      # the source file keeps the text as stored


def test_a_file_that_cannot_tell_two_countings_apart_is_refused_until_told(tmp_path):
    c = g()
    p = Project.open(new_study(tmp_path / "t"), coder="imp")
    try:
        # [3, 5) is "bb" under every counting (no line break before it): nothing to decide
        f = make_qdpx(tmp_path / "a.qdpx", [{"name": "A", "raw": "aa bb\r\ncc dd\r\n", "selections": [
            (g(), 3, 5, "Quotation 1", [(c, g())])]}], [(c, "X")], {})
        refi_import.import_file(p, refi_read.read(f))
        assert list(coded_texts(p.store).values()) == ["bb"]
        # "x\r\n\r\na b c d": CRLF as two puts a=5 b=7 c=9; CRLF as one puts a=3 b=5 c=7.
        # [7, 8) is the whole word "b" under one and the whole word "c" under the other.
        f2 = make_qdpx(tmp_path / "b.qdpx", [{"name": "B", "raw": "x\r\n\r\na b c d\r\n", "selections": [
            (g(), 7, 8, "Quotation 2", [(c, g())])]}], [(c, "X")], {})
        with pytest.raises(Conflict, match="--counting"):
            refi_import.import_file(p, refi_read.read(f2))
        assert count(p.store, "interview") == 1
        refi_import.import_file(p, refi_read.read(f2), counting="codepoints-crlf1-nobom")
        assert sorted(coded_texts(p.store).values()) == ["bb", "c"]
    finally:
        p.close()


def test_a_selection_of_no_text_is_listed_not_fatal(tmp_path):
    c = g()
    f = make_qdpx(tmp_path / "z.qdpx", [{"name": "Z", "raw": "one two three\n", "selections": [
        (g(), 4, 7, "two", [(c, g())]), (g(), 8, 8, "", [(c, g())])]}], [(c, "Num")], {})
    p = Project.open(new_study(tmp_path / "t"), coder="imp")
    try:
        res = refi_import.import_file(p, refi_read.read(f))
        assert "1 selection(s) of no text (end not after start)" in res.not_imported
        assert list(coded_texts(p.store).values()) == ["two"]
    finally:
        p.close()
