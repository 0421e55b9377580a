"""``fieldcode.find.search`` (the numpy path over the word index) against an independent recount.

The recount never touches the index or fieldcode's search code: it reads each interview's text,
turns, sentences, attributes and codings with plain SQL, finds the words with a regular
expression (runs of ASCII letters, not inside a dotted name such as a web address; the
queries below use plain words), lemmatises each word
with the pipeline's own lookup table (the word as written, then in lower case, as the index
does), leaves out speaker labels, and applies the filters by hand (bisect for turns and
sentences, a linear scan of the codings).  Hit lists must be equal, in order, with speaker,
turn and sentence numbers; the pair x arm counts are recounted from the same lists.

Runs on the bundled study (SQLite and PostgreSQL) and on a real transcript from
``../shared/corpus`` (two coders' codings in both)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict

import pytest
from sqlalchemy import text as sql

from fieldcode.find import search as S
from fieldcode.project import Project
from fieldcode.ingest.segment import load_pipeline

# a run of ASCII letters that is not part of a dotted or slashed name ("code.org", "a/b"):
# spaCy keeps those as one token
WORD = re.compile(r"(?<![\w.@/])[A-Za-z]+(?![\w@/]|\.\w)")
# the documented word rule, for the denominators (what this test works out itself is which text
# is analysed: the turns' bodies)
COUNTED_WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")


def _lemma_table():
    nlp = load_pipeline(None)
    return nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")


def _lemma(table, w: str) -> str:
    v = table.get(w, w)
    if v == w and w != w.lower():
        v = table.get(w.lower(), w.lower())
    return v.lower()


def _dump(store) -> dict:
    """Everything the recount needs, by plain SQL."""
    out = {}
    with store.engine.connect() as c:
        for iid, name, text, n_words in c.execute(sql("SELECT id, name, text, n_words FROM interview")):
            out[iid] = {"name": name, "text": text, "n_words": n_words, "attrs": {}, "codings": [],
                        "turns": [], "sents": []}
        for iid, idx, a, b, cs, sp, is_int in c.execute(sql(
                'SELECT interview_id, idx, start, "end", content_start, speaker, is_interviewer FROM turn '
                "ORDER BY interview_id, idx")):
            out[iid]["turns"].append((a, b, cs, idx, sp, bool(is_int)))
        for iid, a, b in c.execute(sql('SELECT interview_id, start, "end" FROM sentence ORDER BY interview_id, idx')):
            out[iid]["sents"].append((a, b))
        for iid, k, v in c.execute(sql("SELECT interview_id, name, value FROM attribute")):
            out[iid]["attrs"][k] = v
        for iid, key, coder, a, b in c.execute(sql(
                'SELECT g.interview_id, k.key, g.coder, g.start, g."end" FROM coding g JOIN code k ON k.id = g.code_id')):
            out[iid]["codings"].append((key, coder, a, b))
    return out


def _words(iv: dict) -> list[tuple[int, int, str]]:
    """(start, end, word) of the text's words outside speaker labels."""
    labels = [(a, cs) for a, _b, cs, *_ in iv["turns"]]
    return [(m.start(), m.end(), m.group()) for m in WORD.finditer(iv["text"])
            if not any(a <= m.start() < cs for a, cs in labels)]


def recount(dump: dict, table, terms: list[str], *, mode: str = "lemma", include_interviewer: bool = False,
            speakers: tuple[str, ...] = (), filters: dict | None = None, in_code: str | None = None,
            outside_code: str | None = None, coders: tuple[str, ...] = ()) -> list[tuple]:
    """(interview, start, end, speaker, is_interviewer, turn, sentence) of every hit, in
    interview-name then text order."""
    hits = []
    for iid, iv in sorted(dump.items(), key=lambda kv: kv[1]["name"]):
        if filters and not all(iv["attrs"].get(k) in v for k, v in filters.items()):
            continue
        words, text = _words(iv), iv["text"]
        keys = [_lemma(table, w) if mode == "lemma" else w.lower() for _a, _b, w in words]
        t_starts = [t[0] for t in iv["turns"]]
        s_starts = [s[0] for s in iv["sents"]]
        for i in range(len(words) - len(terms) + 1):
            if keys[i:i + len(terms)] != terms:
                continue
            a, b = words[i][0], words[i + len(terms) - 1][1]
            if mode == "exact" and any(text[words[k][1]:words[k + 1][0]].strip() or words[k][1] == words[k + 1][0]
                                       for k in range(i, i + len(terms) - 1)):
                continue   # an exact phrase has only whitespace between its words
            j = bisect_right(t_starts, a) - 1
            turn = iv["turns"][j] if j >= 0 and a < iv["turns"][j][1] else None
            speaker, is_int, turn_no = (turn[4], turn[5], turn[3] + 1) if turn else (None, False, None)
            k = bisect_right(s_starts, a) - 1
            sent_no = k + 1 if k >= 0 and a < iv["sents"][k][1] else None
            if is_int and not include_interviewer:
                continue
            if iv["turns"] and not (turn and turn[2] <= a and b <= turn[1]):
                continue   # only inside the analysed text: a turn's body, never a label or between turns
            if speakers and speaker not in speakers:
                continue
            if in_code or outside_code:
                inside = any(key == (in_code or outside_code) and (not coders or coder in coders) and ca <= a and b <= cb
                             for key, coder, ca, cb in iv["codings"])
                if inside != bool(in_code):
                    continue
            hits.append((iv["name"], a, b, speaker, is_int, turn_no, sent_no))
    return hits


def _got(result) -> list[tuple]:
    return [(h.interview, h.start, h.end, h.speaker, h.is_interviewer, h.turn, h.sentence) for h in result.hits]


def _analysed_words(iv: dict, include_interviewer: bool) -> int:
    """Words of the turns' bodies (from the end of the label to the turn's end), the
    interviewer's only when included; every word of a text without turns."""
    if not iv["turns"]:
        return len(COUNTED_WORD.findall(iv["text"]))
    return sum(len(COUNTED_WORD.findall(iv["text"], cs, b)) for _a, b, cs, _i, _sp, is_int in iv["turns"]
               if include_interviewer or not is_int)


def _cells(dump: dict, hits: list[tuple], filters: dict | None = None, include_interviewer: bool = False) -> dict:
    """(pair, arm) -> (hits, interviews with hits, interviews searched, analysed words), by hand."""
    by_name = {iv["name"]: iv for iv in dump.values()}
    cells: dict = defaultdict(lambda: [0, set(), 0, 0])

    def key(iv: dict) -> tuple[str, str]:
        return iv["attrs"].get("pair") or "(none)", iv["attrs"].get("arm") or "(none)"

    for iv in dump.values():
        if filters and not all(iv["attrs"].get(k) in v for k, v in filters.items()):
            continue
        cells[key(iv)][2] += 1
        cells[key(iv)][3] += _analysed_words(iv, include_interviewer)
    for h in hits:
        cells[key(by_name[h[0]])][0] += 1
        cells[key(by_name[h[0]])][1].add(h[0])
    return {k: (v[0], len(v[1]), v[2], v[3]) for k, v in cells.items()}


def _check(store, dump, table, text: str, mode: str = "lemma", **kw) -> list[tuple]:
    terms = [_lemma(table, w) if mode == "lemma" else w.lower() for w in WORD.findall(text)]
    q = S.Query(text, mode, filters=kw.get("filters") or {}, speakers=kw.get("speakers", ()),
                include_interviewer=kw.get("include_interviewer", False), in_code=kw.get("in_code"),
                outside_code=kw.get("outside_code"), code_coders=kw.get("coders", ()))
    r = S.search(store, q)
    want = recount(dump, table, terms, mode=mode, **kw)
    assert _got(r) == want, (text, mode, kw)
    assert r.n_hits == len(want) and r.n_interviews_with_hits == len({h[0] for h in want})
    got_cells = {(c.pair, c.arm): (c.hits, c.interviews_with_hits, c.interviews, c.words) for c in S.counts_by_pair_arm(r)}
    assert got_cells == _cells(dump, want, kw.get("filters"), kw.get("include_interviewer", False))
    # a slice of Hit objects is the same as the same slice of all of them
    assert r.hit_slice(1, 4) == r.hits[1:4]
    return want


@pytest.fixture
def bundled_project(bundled, db_url):
    p = Project.open(bundled, db=db_url, coder="ana")
    assert p.import_files().ok
    yield p
    p.close()


def test_bundled_study_recount(bundled_project) -> None:
    p, table = bundled_project, _lemma_table()
    store = p.store
    # two coders code overlapping passages of three interviews with the first codable code
    with store.engine.connect() as c:
        code, code2 = c.execute(sql("SELECT key FROM code WHERE retired_at IS NULL AND codable ORDER BY position LIMIT 2")).scalars()
        ivs = c.execute(sql("SELECT id, name, text FROM interview ORDER BY name LIMIT 3")).all()
    for k, (iid, name, text) in enumerate(ivs):
        for coder, frac in (("ana", (0.1, 0.5)), ("bo", (0.3 + 0.1 * k, 0.9))):
            a, b = int(len(text) * frac[0]), int(len(text) * frac[1])
            store.add_coding(name, code, a, b, coder)
    dump = _dump(store)
    n = {}
    for text in ("work", "people", "got", "councils", "food bank", "years"):
        n[text] = len(_check(store, dump, table, text))
        _check(store, dump, table, text, include_interviewer=True)
        _check(store, dump, table, text, filters={"arm": ["lagging"]})
        _check(store, dump, table, text, filters={"pair": ["Leeds", "Liverpool"], "arm": ["improving"]})
        _check(store, dump, table, text, in_code=code)
        _check(store, dump, table, text, outside_code=code)
        _check(store, dump, table, text, in_code=code, coders=("bo",))
        _check(store, dump, table, text, outside_code=code, coders=("ana",), include_interviewer=True)
    # the recount is not vacuous: every query finds words, and the filters split them
    assert all(v > 0 for v in n.values()), n
    speakers = sorted({t[4] for iv in dump.values() for t in iv["turns"] if not t[5]})[:3]
    assert _check(store, dump, table, "work", speakers=tuple(speakers))
    assert _check(store, dump, table, "you", speakers=("Interviewer",), include_interviewer=True)
    assert _check(store, dump, table, "you", speakers=("Interviewer",)) == []
    # codings whose edges fall exactly on, or one character off, a hit's edges (found by the recount)
    first = recount(dump, table, ["council"], include_interviewer=True)[:3]
    for (name, a, b, *_), (coder, lo, hi) in zip(first, (("ana", 0, 0), ("bo", 1, 0), ("bo", 0, -1))):
        store.add_coding(name, code2, a + lo, b + hi, coder)
    dump = _dump(store)
    inside = _check(store, dump, table, "council", in_code=code2, include_interviewer=True)
    assert [h[:3] for h in inside] == [first[0][:3]]
    assert _check(store, dump, table, "council", in_code=code2, coders=("bo",), include_interviewer=True) == []
    assert len(_check(store, dump, table, "council", outside_code=code2, include_interviewer=True)) == \
        len(recount(dump, table, ["council"], include_interviewer=True)) - 1
    # exact: forms, word for word
    for text in ("food bank", "the council", "Work"):
        assert _check(store, dump, table, text, mode="exact")
        _check(store, dump, table, text, mode="exact", in_code=code, include_interviewer=True)


def test_real_transcript_recount(tmp_path, shared, db_url) -> None:
    src = shared / "corpus" / "transcripts" / "qualitative-coding_admin-1.txt"
    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(
        "study:\n  name: real\n  interviewer_speakers: [Max Bigman]\ncodes:\n  - key: theme\n    name: Theme\n",
        encoding="utf-8")
    (root / "interviews" / src.name).write_bytes(src.read_bytes())
    p = Project.open(root, db=db_url, coder="ana")
    try:
        assert p.import_files().ok
        store, table = p.store, _lemma_table()
        text = store.interview(src.name).text
        store.add_coding(src.name, "theme", len(text) // 5, len(text) // 2, "ana")
        store.add_coding(src.name, "theme", len(text) // 3, 4 * len(text) // 5, "bo")
        dump = _dump(store)
        found = {}
        for q in ("think", "coding", "data", "you know", "people", "the data", "said"):
            found[q] = len(_check(store, dump, table, q, include_interviewer=True))
            _check(store, dump, table, q)
            _check(store, dump, table, q, speakers=("admin-1",))
            _check(store, dump, table, q, in_code="theme")
            _check(store, dump, table, q, outside_code="theme", coders=("bo",))
        assert sum(v > 0 for v in found.values()) >= 5, found
        for q in ("you know", "I think"):
            assert _check(store, dump, table, q, mode="exact", include_interviewer=True)
    finally:
        p.close()
