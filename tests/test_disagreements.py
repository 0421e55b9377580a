"""``fieldcode disagreements``: the units where two coders differ, worked out by hand."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from agreement_helpers import code, make_store
from fieldcode.team.agreement import disagreements
from fieldcode.errors import InvalidInput

X = ("Interviewer: Why?\n"
     "Jean: Because. It is good.\n"
     "Interviewer: And?\n"
     "Jean: Yes.\n")
Y = "One. Two."


def at(text, part):
    i = text.find(part)
    assert i >= 0 and text.count(part) == 1
    return i, i + len(part)


@pytest.fixture
def pair(db_url, tmp_path):
    xs = [at(X, p) for p in ("Why?", "Jean: Because.", "It is good.", "And?", "Jean: Yes.")]
    ys = [at(Y, p) for p in ("One.", "Two.")]
    s = make_store(db_url, tmp_path, [{"name": "x", "text": X, "labelled": True, "sentences": xs},
                                      {"name": "y", "text": Y, "sentences": ys},
                                      {"name": "z", "text": Y, "sentences": ys}])
    code(s, "x", "k1", *at(X, "Because"), "ana")
    code(s, "x", "k1", *at(X, "Because. It"), "ben")
    code(s, "y", "k1", *at(Y, "One"), "ana")
    code(s, "y", "k2", *at(Y, "Two"), "ben")
    code(s, "z", "k1", *at(Y, "One"), "ana")       # ben never coded z: not a disagreement
    yield s
    s.close()


def test_sentences(pair):
    got = [(d.interview, d.start, d.end, d.codes, d.differing) for d in disagreements(pair, coders=["ana", "ben"])]
    # x: "Because." both k1 (agree); "It is good." ben only; y: "One." ana only (k1), "Two." ben only (k2)
    assert got == [
        ("x", *at(X, "It is good."), {"ana": [], "ben": ["k1"]}, ["k1"]),
        ("y", *at(Y, "One."), {"ana": ["k1"], "ben": []}, ["k1"]),
        ("y", *at(Y, "Two."), {"ana": [], "ben": ["k2"]}, ["k2"]),
    ]
    only_k2 = disagreements(pair, coders=["ana", "ben"], codes=["k2"])
    assert [(d.interview, d.start) for d in only_k2] == [("y", at(Y, "Two.")[0])]


def test_chars(pair):
    got = [(d.interview, d.start, d.end, d.differing) for d in disagreements(pair, coders=["ana", "ben"], unit="char")]
    # x: ben's ". It" after ana's "Because"; y: "One" (ana, k1) and "Two" (ben, k2)
    b = X.find("Because") + len("Because")
    assert got == [("x", b, b + len(". It"), ["k1"]), ("y", 0, 3, ["k1"]), ("y", 5, 8, ["k2"])]


def test_two_coders_only(pair):
    with pytest.raises(InvalidInput, match="two coders"):
        disagreements(pair, coders=["ana"])


def test_cli_lists_text_and_codes(mini):
    text = mini.store.interview("a").text
    s1 = text.find("Twenty years.")
    mini.store.add_coding("a", "leadership", s1, s1 + 5, "ana")
    mini.store.add_coding("a", "housing", s1, s1 + 5, "ben")
    from fieldcode import cli

    r = CliRunner().invoke(cli.app, ["--project", str(mini.root), "--db", mini.store.url, "disagreements",
                                     "--coders", "ana,ben", "--unit", "turn"])
    assert r.exit_code == 0, r.output
    assert "Twenty years. The tenants' group runs everything now." in r.stdout
    assert "leadership*" in r.stdout and "housing*" in r.stdout
    assert "1 turn unit(s) where ana and ben differ" in r.stdout
    r = CliRunner().invoke(cli.app, ["--project", str(mini.root), "--db", mini.store.url, "disagreements",
                                     "--coders", "ana"])
    assert r.exit_code == 2 and "exactly two coders" in r.stderr


def test_cli_lists_passages_by_default(mini):
    """ana codes Jean's whole first answer (two sentences) leadership; ben codes one sentence of
    the last answer housing.  By sentence that is three disagreements (each of ana's two
    sentences, ben's one); by passage, as the review screen lists them, two: ana's two sentences
    follow each other in one turn and differ on the same code, so they are one passage."""
    from fieldcode import cli

    text = mini.store.interview("a").text
    a = text.find("Twenty years.")
    b = text.find("now.") + len("now.")
    c = text.find("Much better since the repairs.")
    mini.store.add_coding("a", "leadership", a, b, "ana")
    mini.store.add_coding("a", "housing", c, c + len("Much better since the repairs."), "ben")
    args = ["--project", str(mini.root), "--db", mini.store.url, "disagreements", "--coders", "ana,ben"]
    r = CliRunner().invoke(cli.app, args)
    assert r.exit_code == 0, r.output
    assert "2 passage unit(s) where ana and ben differ" in r.stdout
    assert "Twenty years. The tenants' group runs everything now." in " ".join(r.stdout.split())
    assert "Unit: passage = the sentences where two coders differ" in " ".join(r.stdout.split())
    r = CliRunner().invoke(cli.app, [*args, "--unit", "sentence"])
    assert r.exit_code == 0, r.output
    assert "3 sentence unit(s) where ana and ben differ" in r.stdout
    r = CliRunner().invoke(cli.app, [*args, "--unit", "paragraph"])
    assert r.exit_code == 2 and "passage or one of" in r.stderr
