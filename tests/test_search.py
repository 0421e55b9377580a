"""The word index built at import, its migration, and ``fieldcode search`` (issue 13, points 1-2).

Expected offsets are found with ``str.find`` on the stored text; sentence and turn numbers are
read off MINI_A / MINI_B by hand (see tests/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text as sql
from typer.testing import CliRunner

from fieldcode.find import search as S
from fieldcode.cli import app
from fieldcode.errors import FieldcodeError, InvalidInput
from fieldcode.project import Project
from fieldcode.store.search_index import unpack


def _run(root, db, *args):
    return CliRunner().invoke(app, ["-C", str(root), "--db", db, *args])


def _spans(result):
    return [(h.interview, h.start, h.end) for h in result.hits]


def _index(store):
    with store.engine.connect() as c:
        return sorted(tuple(r) for r in c.execute(sql(
            "SELECT interview_id, lemma, norm, n, postings FROM word_index")))


def test_index_rows_written_at_import(mini) -> None:
    a = mini.store.interview("a.md")
    t = a.text
    with mini.store.engine.connect() as c:
        rows = {(r[0], r[1]): (r[2], unpack(r[3]).ravel().tolist()) for r in c.execute(sql(
            "SELECT lemma, norm, n, postings FROM word_index WHERE interview_id = :i"), {"i": a.id})}
        turn_id = dict(c.execute(sql("SELECT idx, id FROM turn WHERE interview_id = :i"), {"i": a.id}).all())
    # "lived" is stored under its lemma "live", its form kept as written (lower case)
    n, post = rows[("live", "lived")]
    # posting: position, start, end, sentence (0-based: the 1st), turn (the row of the 1st)
    assert n == 1 and post[1:] == [t.find("lived"), t.find("lived") + 5, 0, turn_id[0]]
    # "you lived here": three consecutive word positions
    you, here = rows[("you", "you")][1], rows[("here", "here")][1]
    assert you[0] + 1 == post[0] == here[0] - 1
    # "wants" -> "want"; capitalised "Nobody" / "Much" are looked up in lower case
    # "wants": 7th sentence, 5th turn
    assert rows[("want", "wants")][1][1:] == [t.find("wants"), t.find("wants") + 5, 6, turn_id[4]]
    assert ("nobody", "nobody") in rows
    # no punctuation or label rows; every word of the stored text is indexed once
    assert not any(lemma in {".", "?", ",", ":"} for lemma, _ in rows)
    assert all(n == len(p) // 5 for n, p in rows.values())
    positions = sorted(x for _, p in rows.values() for x in p[0::5])
    assert positions == list(range(len(positions)))


def test_lemma_search_finds_inflections_and_leaves_out_the_interviewer(mini) -> None:
    ta, tb = mini.store.interview("a.md").text, mini.store.interview("b.md").text
    # "lived" (A) and "living" (B) are both in interviewer turns
    assert S.search(mini.store, S.Query("lives")).hits == []
    r = S.search(mini.store, S.Query("lives", include_interviewer=True))
    assert _spans(r) == [("a.md", ta.find("lived"), ta.find("lived") + 5),
                         ("b.md", tb.find("living"), tb.find("living") + 6)]
    h = r.hits[0]
    assert (h.speaker, h.is_interviewer, h.turn, h.sentence) == ("Interviewer", True, 1, 1)
    # a lemma phrase: "want to leave" finds "wants to leave" in Jean's 5th turn, 7th sentence
    r = S.search(mini.store, S.Query("want to leave"))
    assert _spans(r) == [("a.md", ta.find("wants to leave"), ta.find("wants to leave") + len("wants to leave"))]
    assert (r.hits[0].speaker, r.hits[0].turn, r.hits[0].sentence) == ("Jean", 5, 7)


def test_exact_phrase_is_word_for_word(mini) -> None:
    ta = mini.store.interview("a.md").text
    assert S.search(mini.store, S.Query("want to leave", "exact")).hits == []
    r = S.search(mini.store, S.Query("WANTS to  leave", "exact"))
    assert _spans(r) == [("a.md", ta.find("wants"), ta.find("leave") + 5)]
    # lemma phrases ignore punctuation between words; exact phrases do not
    assert _spans(S.search(mini.store, S.Query("years the"))) == [("a.md", ta.find("years"), ta.find("The tenants") + 3)]
    assert S.search(mini.store, S.Query("years the", "exact")).hits == []


def test_regex_and_bad_regex(mini) -> None:
    tb = mini.store.interview("b.md").text
    r = S.search(mini.store, S.Query(r"\b[Ee]mpty|damp", "regex"))
    assert _spans(r) == [("b.md", tb.find("damp"), tb.find("damp") + 4), ("b.md", tb.find("empty"), tb.find("empty") + 5)]
    with pytest.raises(InvalidInput, match="not a valid regular expression"):
        S.search(mini.store, S.Query("(unclosed", "regex"))
    with pytest.raises(InvalidInput, match="no words"):
        S.search(mini.store, S.Query("?!"))


def test_filters_attributes_speaker_and_code(mini) -> None:
    ta = mini.store.interview("a.md").text
    q = dict(include_interviewer=True)
    assert [h.interview for h in S.search(mini.store, S.Query("live", filters={"arm": ["lagging"]}, **q)).hits] == ["b.md"]
    assert S.search(mini.store, S.Query("live", speakers=("Jean",), **q)).hits == []
    assert [h.interview for h in S.search(mini.store, S.Query("the", speakers=("Sam",))).hits] == ["b.md"]
    # two coders: ana codes "Much better since the repairs." as housing; bo codes the first Jean turn
    s6 = ta.find("Much better")
    mini.store.add_coding("a.md", "housing", s6, s6 + len("Much better since the repairs."), "ana")
    mini.store.add_coding("a.md", "housing", ta.find("Twenty"), ta.find("now.") + 4, "bo")
    the_all = _spans(S.search(mini.store, S.Query("the")))
    inside = _spans(S.search(mini.store, S.Query("the", in_code="housing")))
    outside = _spans(S.search(mini.store, S.Query("the", outside_code="housing")))
    assert inside == [("a.md", ta.find("The tenants"), ta.find("The tenants") + 3),
                      ("a.md", ta.find("the repairs"), ta.find("the repairs") + 3)]
    assert sorted(inside + outside) == sorted(the_all) and not set(inside) & set(outside)
    assert _spans(S.search(mini.store, S.Query("the", in_code="housing", code_coders=("ana",)))) == [
        ("a.md", ta.find("the repairs"), ta.find("the repairs") + 3)]
    with pytest.raises(FieldcodeError):
        S.search(mini.store, S.Query("the", in_code="no-such-code"))
    # refused too when every hit is then left out as the interviewer's ("lived", "living")
    with pytest.raises(FieldcodeError):
        S.search(mini.store, S.Query("live", outside_code="no-such-code"))


def test_counts_by_pair_and_arm(mini) -> None:
    r = S.search(mini.store, S.Query("the"))
    a, b = mini.store.interview("a.md"), mini.store.interview("b.md")
    # "the": A (Jean) "The tenants'", "the repairs"; B (Sam) "The flats"; interviewer "the housing" left out
    cells = {(c.pair, c.arm): (c.hits, c.interviews_with_hits, c.interviews, c.words) for c in S.counts_by_pair_arm(r)}
    # denominators: the analysed words, by hand.  A (Jean): "Twenty years. The tenants' group runs
    # everything now." 8 + "We meet on Tuesdays." 4 + "Much better since the repairs. Nobody wants
    # to leave." 9 = 21; B (Sam): "The flats are damp. Half of them are empty." 9.  Labels and the
    # interviewer's questions are not analysed (a.n_words and b.n_words count every word).
    assert (a.n_words, b.n_words) == (35, 17)
    assert cells == {("Leeds", "improving"): (2, 1, 1, 21), ("Leeds", "lagging"): (1, 1, 1, 9)}
    inc = {(c.pair, c.arm): c.words for c in S.counts_by_pair_arm(S.search(mini.store, S.Query("the", include_interviewer=True)))}
    # with the interviewer's questions: A + "How long have you lived here?" 6 + "And the housing?" 3;
    # B + "What is it like living here?" 6
    assert inc == {("Leeds", "improving"): 30, ("Leeds", "lagging"): 15}


def test_a_regular_expression_never_hits_a_label(mini) -> None:
    """Speaker labels, the space between turns and the interviewer's questions (unless included)
    are not analysed text: a pattern matching them finds nothing there."""
    assert S.search(mini.store, S.Query(r"Jean:", "regex")).hits == []
    assert S.search(mini.store, S.Query(r"Interviewer", "regex", include_interviewer=True)).hits == []
    assert S.search(mini.store, S.Query(r"now\.\n\nJean", "regex")).hits == []   # across two turns
    assert [h.start for h in S.search(mini.store, S.Query(r"housing", "regex")).hits] == []
    ta = mini.store.interview("a.md").text
    assert [h.start for h in S.search(mini.store, S.Query(r"housing", "regex", include_interviewer=True)).hits] == [
        ta.index("housing")]


def test_migration_builds_the_same_index_and_lazy_build(mini, db_url) -> None:
    """Migration 0003 builds, for interviews already stored, the index the import writes.
    (Its tables are checked against the models by test_store; later migrations' downgrades
    are not needed to run its index builder.)"""
    import importlib.util

    from fieldcode.store.migrations import HERE

    path = HERE / "versions" / "0003_search_index_and_suggestions.py"
    spec = importlib.util.spec_from_file_location("migration_0003", path)
    mig = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mig)
    before = _index(mini.store)
    assert before
    with mini.store.engine.begin() as c:
        c.execute(sql("DELETE FROM word_index"))
        c.execute(sql("DELETE FROM word_index_state"))
        mig._build_index(c)
    assert _index(mini.store) == before
    # an interview without index rows (stored by some other path) is indexed on first search
    with mini.store.engine.connect() as c:
        state = c.execute(sql("SELECT s.interview_id, s.n_words, i.n_words FROM word_index_state s "
                              "JOIN interview i ON i.id = s.interview_id")).all()
    assert len(state) == 2 and all(a == b for _i, a, b in state)
    with mini.store.engine.begin() as c:
        c.execute(sql("DELETE FROM word_index"))
        c.execute(sql("DELETE FROM word_index_state"))
    assert len(S.search(mini.store, S.Query("the")).hits) == 3
    assert _index(mini.store) == before


def test_reimport_replaces_the_index(mini_dir, db_url) -> None:
    p = Project.open(mini_dir, db=db_url, coder="ana")
    assert p.import_files().ok
    f = mini_dir / "interviews" / "b.md"
    f.write_text(f.read_text(encoding="utf-8").replace("damp", "mouldy"), encoding="utf-8")
    assert p.import_files().ok
    assert S.search(p.store, S.Query("damp")).hits == []
    tb = p.store.interview("b.md").text
    assert _spans(S.search(p.store, S.Query("mouldy"))) == [("b.md", tb.find("mouldy"), tb.find("mouldy") + 6)]
    p.close()


def test_cli_search_csv_and_table(mini_dir, db_url) -> None:
    p = Project.open(mini_dir, db=db_url, coder="ana")
    assert p.import_files().ok
    tb = p.store.interview("b.md").text
    p.close()
    res = _run(mini_dir, db_url, "search", "flat", "--format", "csv", "--width", "4")
    assert res.exit_code == 0, res.output
    i = tb.find("flats")
    assert res.output == ("interview,pair,arm,speaker,sentence,turn,start,end,left,hit,right\n"
                          f"b.md,Leeds,lagging,Sam,2,2,{i},{i + 5},The,flats,are\n")
    res = _run(mini_dir, db_url, "search", "flat", "--width", "4")
    assert res.exit_code == 0, res.output
    assert "1 hit(s) in 1 of 2 interview(s) searched" in res.output
    assert "Interviewer turns are left out" in res.output
    res = _run(mini_dir, db_url, "search", "(", "--regex")
    assert res.exit_code != 0 and "error:" in res.output and "Traceback" not in res.output


def test_interviewer_marks_are_read_at_search_time(mini) -> None:
    """The index names turns, not who counts as the interviewer: re-marking turns changes hits."""
    a = mini.store.interview("a.md")
    assert len(S.search(mini.store, S.Query("want to leave")).hits) == 1
    mini.store.remark_interviewer_turns({a.id: ["Jean"]})
    assert S.search(mini.store, S.Query("want to leave")).hits == []
    r = S.search(mini.store, S.Query("live"))
    assert [(h.interview, h.speaker, h.is_interviewer) for h in r.hits] == [("a.md", "Interviewer", False)]


def test_cli_table_limit_and_csv_in_slices(mini_dir, db_url, monkeypatch) -> None:
    """The table shows --limit hits but counts all; CSV writes every hit, in order, however
    many slices it builds them in."""
    from fieldcode.cli import search as cli_search

    p = Project.open(mini_dir, db=db_url, coder="ana")
    assert p.import_files().ok
    ta, tb = p.store.interview("a.md").text, p.store.interview("b.md").text
    p.close()
    # "the" with interviewers, in text order: A "The tenants'", "the housing" (interviewer), "the repairs"; B "The flats"
    starts = [("a.md", ta.find("The tenants")), ("a.md", ta.find("the housing")), ("a.md", ta.find("the repairs")),
              ("b.md", tb.find("The flats"))]
    res = _run(mini_dir, db_url, "search", "the", "--include-interviewer", "--limit", "1")
    assert res.exit_code == 0, res.output
    assert "4 hit(s) in 2 of 2 interview(s) searched (first 1 shown: --limit)" in res.output
    whole = _run(mini_dir, db_url, "search", "the", "--include-interviewer", "--format", "csv")
    monkeypatch.setattr(cli_search, "CSV_SLICE", 3)
    sliced = _run(mini_dir, db_url, "search", "the", "--include-interviewer", "--format", "csv")
    assert whole.exit_code == sliced.exit_code == 0
    assert sliced.output == whole.output
    rows = whole.output.splitlines()[1:]
    assert [(r.split(",")[0], int(r.split(",")[6])) for r in rows] == starts


def test_search_warns_when_interviews_searched_have_no_turns(tmp_path) -> None:
    """Leaving interviewer turns out means nothing for a transcript with no turns: the search
    says which interviews those are (their interviewer speech is searched)."""
    from typer.testing import CliRunner

    from fieldcode.cli import app
    from conftest import MINI_CODEBOOK

    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    (root / "interviews" / "labelled.md").write_text("Interviewer: Where is home?\nJo: Home is the estate.\n",
                                                     encoding="utf-8")
    (root / "interviews" / "oral.txt").write_text("1.02\tWhere is home?\n\n\tHome is Penrith.\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["-C", str(root), "--coder", "ana", "import"]).exit_code == 0
    r = runner.invoke(app, ["-C", str(root), "search", "home"])
    assert r.exit_code == 0, r.output
    assert "1 of the 2 interviews searched have no speaker turns (oral.txt)" in r.output
    # 'home' twice in oral.txt (question and answer) and once in Jo's answer: the question in
    # labelled.md is the interviewer's and is left out
    assert "3 hit(s) in 2 of 2 interview(s) searched" in r.output
    r = runner.invoke(app, ["-C", str(root), "search", "home", "--include-interviewer"])
    assert "no speaker turns" not in r.output and "4 hit(s)" in r.output
