"""Property: the crosstab equals a plain passage count (segments: overlapping codings of a row,
by anyone, merged one by one in Python, kept when they cover an analysed word), presence from
those passages, and a brute-force word-by-word count (words) over random codings.

The analysed words are found here by brute force, word by word: a word is analysed when it
starts inside a turn's body (from the end of its label to the turn's end), interviewer turns
only when included; a transcript without turns is analysed whole.  Text before the first turn
("Intro line without a speaker.") is not analysed."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text as sql

from fieldcode.analysis import crosstab
from fieldcode.text import WORD_RE

from test_analysis_fixtures import attrs, make_project

TEXTS = {
    "a": "Interviewer: Hello there, how is it?\n\nAnn: Fine thanks. The well-known bus isn't late.\n\n"
         "Interviewer: Really?\n\nAnn: Yes, really.\n",
    "b": "Interviewer: Go on.\n\nBo: We've got jobs -- and a hub.\n\nInterviewer: Good.\n\nBo: It's busy.\n",
    "c": "Intro line without a speaker.\nInterviewer: Next?\n\nCy: Nothing much here.\n\nInterviewer: Ok.\n\nCy: Bye.\n",
    "d": "Interviewer: Short.\n\nDi: Yes.\n\nInterviewer: And?\n\nDi: No more words.\n",
}
ATTRS = {"a": attrs("P1", "improving"), "b": attrs("P1", "lagging"), "c": attrs("P2", "improving", role="agency"),
         "d": attrs("P2", "improving")}
KEYS = ["place", "housing", "repairs", "leadership", "aspiration"]


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    p = make_project(tmp_path_factory.mktemp("prop"), {k: (ATTRS[k], v) for k, v in TEXTS.items()})
    yield p
    p.close()


coding = st.tuples(st.sampled_from(sorted(TEXTS)), st.sampled_from(KEYS), st.sampled_from(["ana", "ben"]),
                   st.integers(0, 200), st.integers(1, 40))


def _load(p, codings):
    ids = {r[1]: r[0] for r in p.store.engine.connect().execute(sql("select id, key from code"))}
    ivs = {i.name[:-3]: i for i in p.store.interview_infos()}
    rows = []
    for iv, key, coder, start, length in codings:
        n = ivs[iv].n_chars
        s = min(start, n - 1)
        rows.append({"i": ivs[iv].id, "c": ids[key], "coder": coder, "s": s, "e": min(n, s + length)})
    with p.store.engine.begin() as conn:
        conn.execute(sql("delete from coding"))
        if rows:
            conn.execute(sql("insert into coding (uid, interview_id, code_id, coder, start, \"end\", quote_prefix, "
                             "quote_sha256, memo, created_at, updated_at) values (lower(hex(randomblob(16))), "
                             ":i, :c, :coder, :s, :e, '', '', '', '2026-01-01', '2026-01-01')"), rows)
    return ivs


# row -> the codes it counts: itself, or rolled up, itself and its descendants
SUBTREE = {"place": ["place", "housing", "repairs"], "housing": ["housing", "repairs"]}


def analysed_word_spans(text, turns, include_interviewer):
    """The analysed words of ``text`` as (start, end), by brute force."""
    bodies = [(t.content_start, t.end) for t in turns if include_interviewer or not t.is_interviewer]
    words = [(m.start(), m.end()) for m in WORD_RE.finditer(text)]
    if not turns:
        return words
    return [(a, b) for a, b in words if any(x <= a < y for x, y in bodies)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(codings=st.lists(coding, max_size=25), coders=st.sampled_from([None, ["ana"], ["ben"]]), rollup=st.booleans())
def test_crosstab_matches_sql_group_by(proj, codings, coders, rollup):
    ivs = _load(proj, codings)
    ct = crosstab(proj.store, unit="all", include_interviewer=True, coders=coders, rollup=rollup)
    # segments: passages, merged by hand from the codings as written, counted when the passage
    # covers an analysed word; presence: interviews with a counted passage
    analysed = {name: analysed_word_spans(proj.store.interview(info.id).text, proj.store.turns(info.id), True)
                for name, info in ivs.items()}
    spans = defaultdict(list)
    for iv, key, coder, start, length in codings:
        if coders and coder not in coders:
            continue
        n = ivs[iv].n_chars
        s = min(start, n - 1)
        for row in KEYS:
            if key in (SUBTREE.get(row, [row]) if rollup else [row]):
                spans[(row, iv)].append((s, min(n, s + length)))
    passages = defaultdict(int)
    present = defaultdict(set)
    for (row, iv), lst in spans.items():
        merged = []
        for s, e in sorted(lst):
            if merged and s < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        for s, e in merged:
            if any(a < e and s < b for a, b in analysed[iv]):
                passages[(row, ATTRS[iv]["pair"], ATTRS[iv]["arm"])] += 1
                present[(row, ATTRS[iv]["pair"], ATTRS[iv]["arm"])].add(iv)
    expected = {k: (n, len(present[k])) for k, n in passages.items()}
    got = {}
    for r, row in enumerate(ct.rows):
        for g, (pair, arm) in enumerate(ct.groups):
            n, niv = int(ct.segments[r, g]), int(ct.interviews[r, g])
            if n:
                got[(row.key, pair, arm)] = (n, niv)
            else:
                assert niv == 0
    assert got == expected

    # words, brute force: for each interview x code, the set of analysed words any coding touches
    words = defaultdict(int)
    for name, info in ivs.items():
        spans = analysed[name]
        by_code = defaultdict(set)
        for iv, key, coder, start, length in codings:
            if iv != name or (coders and coder not in coders):
                continue
            s = min(start, info.n_chars - 1)
            e = min(info.n_chars, s + length)
            for w, (a, b) in enumerate(spans):
                if a < e and s < b:
                    for row in KEYS:
                        if key in (SUBTREE.get(row, [row]) if rollup else [row]):
                            by_code[row].add(w)
        for key, ws in by_code.items():
            words[(key, ATTRS[name]["pair"], ATTRS[name]["arm"])] += len(ws)
    got_words = {(row.key, *grp): int(ct.words[r, g]) for r, row in enumerate(ct.rows)
                 for g, grp in enumerate(ct.groups) if ct.words[r, g]}
    assert got_words == {k: v for k, v in words.items() if v}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(codings=st.lists(coding, max_size=25))
def test_interviewer_rule_matches_segments(proj, codings):
    """With interviewer turns left out, the crosstab counts exactly the passages that hold a
    segment segments(exclude_interviewer=True) returns (the two implement the rule separately)."""
    from fieldcode.analysis import segments

    _load(proj, codings)
    ct = crosstab(proj.store, unit="segments", by=())
    kept = segments(proj.store, exclude_interviewer=True)
    kept_ids = {s.coding_id for s in kept}
    by_cell = defaultdict(list)
    for s in segments(proj.store):
        by_cell[(s.code_key, s.interview_id)].append(s)
    expected = defaultdict(int)
    for (key, _iv), lst in by_cell.items():
        reach, counted = -1, False
        for s in sorted(lst, key=lambda x: (x.start, x.end)):
            if s.start >= reach:
                expected[key] += counted
                counted = False
            counted = counted or s.coding_id in kept_ids
            reach = max(reach, s.end)
        expected[key] += counted
    expected = {k: v for k, v in expected.items() if v}
    assert {r.key: int(ct.segments[i, 0]) for i, r in enumerate(ct.rows) if ct.segments[i, 0]} == dict(expected)
    # and a segment is left out exactly when it covers no analysed word (found by brute force)
    for s in segments(proj.store):
        words = analysed_word_spans(proj.store.interview(s.interview_id).text, proj.store.turns(s.interview_id), False)
        covers = any(a < s.end and s.start < b for a, b in words)
        assert (s.coding_id in kept_ids) == covers == s.counted


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1_ -'\u2019\n.,é٣½\u00a0\u0301Z")) | st.characters(), max_size=60))
def test_word_bounds_equals_word_re(text):
    from fieldcode.analysis import word_bounds

    a, b = word_bounds(text)
    assert list(zip(a.tolist(), b.tolist())) == [m.span() for m in WORD_RE.finditer(text)]
