"""Suggestions learned from a coder's own codings (issue 13 point 4): the training set, the
grouped folds, the metrics, and ``suggest run`` feeding the review queue, with two coders.

Expected labels are worked out by hand from the transcripts (``str.find``); the keyword
baseline's confusion by plain string containment; the metrics from hand-counted confusions."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from sqlalchemy import text as sql
from typer.testing import CliRunner

from fieldcode.find import learn
from fieldcode.store import search as SS
from fieldcode.cli import app
from fieldcode.errors import InvalidInput
from fieldcode.project import Project

from conftest import MINI_CODEBOOK

# -- a constructed study: five interviews; ana codes four of them, bo all five --------------------

CODEBOOK = """\
study:
  name: Learn study
  arms: [improving, lagging]
  interviewer_speakers: [Interviewer]
codes:
  - key: housing
    name: Housing
    colour: "#1f77b4"
    keywords: [damp]
  - key: work
    name: Work
    colour: "#2ca02c"
    keywords: [job]
  - key: park
    name: Park
    colour: "#98df8a"
  - key: rare
    name: Rare
    colour: "#d62728"
  - key: group
    name: Group
    colour: "#9467bd"
    codable: false
"""

RESIDENT = [
    "The flats are damp and cold.", "I lost my job last year.", "We walk the dog in the park.",
    "The roof leaks every winter.", "Buses are rare.", "My job is at the warehouse.",
    "The walls are damp.", "Nobody visits.",
]


def _transcript(i: int) -> str:
    first, second = " ".join(RESIDENT[:5]), " ".join(RESIDENT[5:])
    return (f"---\npair: P{i}\nneighbourhood: N{i}\narm: {'improving' if i % 2 else 'lagging'}\nrole: resident\n---\n"
            f"Interviewer: Is the flat damp? Tell me about your job.\n\nRes: {first}\n\n"
            f"Interviewer: Anything else?\n\nRes: {second}\n")


# what ana codes: sentence -> code, in every interview she codes ("The walls are damp." is NOT
# housing for her, "The roof leaks" is; a keyword search finds the first and misses the second)
ANA = {"The flats are damp and cold.": "housing", "The roof leaks every winter.": "housing",
       "I lost my job last year.": "work", "My job is at the warehouse.": "work"}
BO = {"We walk the dog in the park.": "park"}


def _span(text: str, sentence: str, nth: int = 0) -> tuple[int, int]:
    a = -1
    for _ in range(nth + 1):
        a = text.find(sentence, a + 1)
    assert a >= 0
    return a, a + len(sentence)


@pytest.fixture
def study(tmp_path, db_url):
    root = tmp_path / "learn"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    for i in range(1, 6):
        (root / "interviews" / f"iv{i}.md").write_text(_transcript(i), encoding="utf-8")
    p = Project.open(root, db=db_url, coder="ana")
    assert p.import_files().ok
    specs = []
    for i in range(1, 6):
        name = f"iv{i}.md"
        text = p.store.interview(name).text
        if i <= 4:
            specs += [(name, code, *_span(text, s), "ana", "") for s, code in ANA.items()]
        specs += [(name, code, *_span(text, s), "bo", "") for s, code in BO.items()]
    t1 = p.store.interview("iv1.md").text
    specs.append(("iv1.md", "rare", *_span(t1, "Buses are rare."), "ana", ""))
    # ana also codes an interviewer question: its sentence is not in the training set
    specs.append(("iv2.md", "housing", *_span(p.store.interview("iv2.md").text, "Is the flat damp?"), "ana", ""))
    p.store.add_codings(specs)
    yield p
    p.close()


def _codings(store) -> list[tuple]:
    with store.engine.connect() as c:
        return sorted(tuple(r) for r in c.execute(sql(
            'SELECT coder, interview_id, code_id, start, "end", uid FROM coding')))


# -- the training set -----------------------------------------------------------------------------

def test_training_set_labels_by_hand_on_the_mini_study(mini) -> None:
    """Two coders on the mini study: each one's labels come from their own codings only, a
    coding crossing a sentence boundary labels both sentences, interviewer turns are left out,
    and an interview the coder never coded is not in their set."""
    store = mini.store
    ta, tb = store.interview("a.md").text, store.interview("b.md").text
    f = ta.find
    store.add_coding("a.md", "leadership", f("The tenants"), f("now.") + 4, "ana")
    store.add_coding("a.md", "place", f("now."), f("We meet") + 7, "ana")        # crosses two sentences
    store.add_coding("a.md", "housing", f("Much better"), f("repairs.") + 8, "ana")
    store.add_coding("a.md", "housing", f("And the housing?"), f("housing?") + 8, "ana")  # interviewer
    store.add_coding("a.md", "place", f("Twenty"), f("The tenants"), "bo")   # ends where the next sentence starts
    store.add_coding("b.md", "housing", tb.find("The flats"), tb.find("damp.") + 5, "bo")

    ana = learn.training_set(store, "ana")
    assert ana.codes == ["leadership", "place", "housing"]
    got = [(s.interview_id, s.text, set(lab)) for s, lab in zip(ana.sentences, ana.labels)]
    a_id, b_id = store.interview("a.md").id, store.interview("b.md").id
    assert got == [(a_id, "Twenty years.", set()),
                   (a_id, "The tenants' group runs everything now.", {"leadership", "place"}),
                   (a_id, "We meet on Tuesdays.", {"place"}),
                   (a_id, "Much better since the repairs.", {"housing"}),
                   (a_id, "Nobody wants to leave.", set())]
    assert ana.interviews == {a_id: "a.md"}
    for s in ana.sentences:   # offsets are the stored text's
        assert ta[s.start:s.end] == s.text

    bo = learn.training_set(store, "bo")
    got = [(s.interview_id, s.text, set(lab)) for s, lab in zip(bo.sentences, bo.labels)]
    assert got == [(a_id, "Twenty years.", {"place"}),
                   (a_id, "The tenants' group runs everything now.", set()),
                   (a_id, "We meet on Tuesdays.", set()),
                   (a_id, "Much better since the repairs.", set()),
                   (a_id, "Nobody wants to leave.", set()),
                   (b_id, "The flats are damp.", {"housing"}),
                   (b_id, "Half of them are empty.", set())]


def test_training_set_matches_plain_sql(study) -> None:
    """Labels against a plain SQL join of sentences and ana's codings (shared characters), with
    interviewer turns left out by the turn table; non-codable codes are not labels."""
    store = study.store
    ts = learn.training_set(store, "ana")
    assert ts.codes == ["housing", "work", "park", "rare"]          # 'group' is codable: false
    with store.engine.connect() as c:
        rows = c.execute(sql(
            'SELECT s.interview_id, s.start, s."end", k.key FROM sentence s '
            "JOIN coding g ON g.interview_id = s.interview_id AND g.coder = 'ana' "
            'AND g.start < s."end" AND g."end" > s.start '
            "JOIN code k ON k.id = g.code_id "
            "WHERE NOT EXISTS (SELECT 1 FROM turn t WHERE t.interview_id = s.interview_id AND t.is_interviewer "
            'AND t.start <= s.start AND s."end" <= t."end")')).all()
        n_sent = c.execute(sql(
            "SELECT count(*) FROM sentence s WHERE s.interview_id IN "
            "(SELECT interview_id FROM coding WHERE coder = 'ana') AND NOT EXISTS (SELECT 1 FROM turn t "
            'WHERE t.interview_id = s.interview_id AND t.is_interviewer AND t.start <= s.start AND s."end" <= t."end")'
        )).scalar_one()
    want: dict[tuple, set] = {}
    for iid, a, b, key in rows:
        want.setdefault((iid, a, b), set()).add(key)
    got = {(s.interview_id, s.start, s.end): set(lab) for s, lab in zip(ts.sentences, ts.labels) if lab}
    assert got == want
    assert len(ts.sentences) == n_sent == 4 * len(RESIDENT)
    # by hand: 4 interviews x 2 housing, 2 work sentences; one rare; bo's park is not ana's
    assert (ts.positives("housing"), ts.positives("work"), ts.positives("park"), ts.positives("rare")) == (8, 8, 0, 1)
    assert ts.learnable() == ["housing", "work"]


# -- folds and metrics ----------------------------------------------------------------------------

def _toy(n_interviews: int, per: int) -> learn.TrainingSet:
    sents = [learn.Sentence(iv, k * 10, k * 10 + 5, f"s{iv}.{k}") for iv in range(1, n_interviews + 1)
             for k in range(per)]
    return learn.TrainingSet("ana", ["x"], {"x": 1}, sents, [frozenset()] * len(sents),
                             {iv: f"iv{iv}" for iv in range(1, n_interviews + 1)})


@pytest.mark.parametrize(("n", "k", "folds"), [(7, 5, 5), (3, 5, 3), (2, 5, 2), (12, 4, 4)])
def test_grouped_folds_never_share_an_interview(n: int, k: int, folds: int) -> None:
    ts = _toy(n, 3)
    parts = learn.grouped_folds(ts, k)
    assert len(parts) == folds
    ivs = [{ts.sentences[i].interview_id for i in part} for part in parts]
    assert all(ivs)
    for i in range(len(ivs)):
        for j in range(i + 1, len(ivs)):
            assert not ivs[i] & ivs[j]
    assert sorted(i for part in parts for i in part) == list(range(len(ts.sentences)))
    assert sorted(len(v) for v in ivs) == sorted([n // folds + (1 if r < n % folds else 0) for r in range(folds)])
    assert learn.grouped_folds(ts, k) == parts                 # the same seed, the same folds


def test_folds_need_two_interviews() -> None:
    with pytest.raises(InvalidInput, match="two or more interviews"):
        learn.grouped_folds(_toy(1, 4))


def test_metrics_against_a_hand_counted_confusion() -> None:
    F = frozenset
    truth = [F({"a"}), F({"a", "b"}), F(), F({"b"}), F({"a"}), F()]
    pred = [F({"a"}), F({"b"}), F({"a"}), F(), F({"a", "b"}), F()]
    # a: sentence 0 tp, 1 fn, 2 fp, 4 tp -> tp 2, fp 1, fn 1
    # b: sentence 1 tp, 3 fn, 4 fp      -> tp 1, fp 1, fn 1
    # c: never true, never predicted    -> 0, 0, 0
    m = learn.confusion(truth, pred, ["a", "b", "c"])
    assert (m["a"].tp, m["a"].fp, m["a"].fn) == (2, 1, 1)
    assert (m["b"].tp, m["b"].fp, m["b"].fn) == (1, 1, 1)
    assert (m["c"].precision, m["c"].recall, m["c"].f1) == (0.0, 0.0, 0.0)
    assert m["a"].precision == pytest.approx(float(Fraction(2, 3)))
    assert m["a"].recall == pytest.approx(float(Fraction(2, 3)))
    assert m["b"].f1 == pytest.approx(0.5)
    mi = learn.micro([m["a"], m["b"]])
    assert (mi.tp, mi.fp, mi.fn) == (3, 2, 2) and mi.precision == pytest.approx(0.6) and mi.f1 == pytest.approx(0.6)
    assert learn.macro([m["a"], m["b"]]) == pytest.approx(((2 / 3 + 1 / 2) / 2, (2 / 3 + 1 / 2) / 2, (2 / 3 + 1 / 2) / 2))
    # precision 1/1, recall 1/4: F1 = 2 * 1 * 0.25 / 1.25 = 0.4
    assert learn.Counts(1, 0, 3).f1 == pytest.approx(0.4)
    try:
        from sklearn.metrics import precision_recall_fscore_support
    except ImportError:
        return
    import numpy as np

    yt = np.array([[k in t for k in "ab"] for t in truth])
    yp = np.array([[k in p for k in "ab"] for p in pred])
    p, r, f, _ = precision_recall_fscore_support(yt, yp, average=None, zero_division=0)
    assert list(p) == pytest.approx([m["a"].precision, m["b"].precision])
    assert list(f) == pytest.approx([m["a"].f1, m["b"].f1])


# -- training, evaluation and proposals -------------------------------------------------------------

def test_evaluate_model_and_keyword_baseline_on_the_same_folds(study) -> None:
    store = study.store
    ev = learn.evaluate(store, "ana", k=5, epochs=5)
    assert len(ev.folds) == 4                             # ana coded four interviews
    names = [set(f) for f in ev.folds]
    assert set().union(*names) == {"iv1.md", "iv2.md", "iv3.md", "iv4.md"}
    assert sum(len(f) for f in names) == 4
    by = {r.code: r for r in ev.results}
    assert by["rare"].model is None and by["rare"].keywords is None and by["rare"].sentences == 1
    assert by["park"].model is None and by["park"].sentences == 0
    # the baseline by hand: a resident sentence is predicted housing when it contains 'damp',
    # work when it contains 'job'; ana's labels are ANA's sentences
    for code, word in (("housing", "damp"), ("work", "job")):
        tp = sum(1 for s in RESIDENT if word in s.lower() and ANA.get(s) == code) * 4
        fp = sum(1 for s in RESIDENT if word in s.lower() and ANA.get(s) != code) * 4
        fn = sum(1 for s in RESIDENT if word not in s.lower() and ANA.get(s) == code) * 4
        k = by[code].keywords
        assert (k.tp, k.fp, k.fn) == (tp, fp, fn)
    assert (by["housing"].keywords.tp, by["housing"].keywords.fp, by["housing"].keywords.fn) == (4, 4, 4)
    # every coded sentence is scored once over the folds
    for code in ("housing", "work"):
        m = by[code].model
        assert m.tp + m.fn == by[code].sentences == 8
    mi, _ = ev.averages("model")
    assert mi.tp + mi.fn == 16


def test_training_is_deterministic(study) -> None:
    ts = learn.training_set(study.store, "ana")
    one = learn.scores(learn.train(ts, epochs=3), ts.sentences)
    two = learn.scores(learn.train(ts, epochs=3), ts.sentences)
    assert one == two


def test_run_proposes_to_the_right_coder_only_and_never_codes(study) -> None:
    store, root = study.store, study.root
    before = _codings(store)
    trained, _ts = learn.train_and_save(store, root, "ana", epochs=15)
    meta = json.loads((root / ".fieldcode" / "models" / "ana" / "trained.json").read_text(encoding="utf-8"))
    assert meta["coder"] == "ana" and meta["codebook_hash"] == store.recorded_codebook_hash()
    assert meta["codes"] == {"housing": {"sentences": 8, "interviews": 4}, "work": {"sentences": 8, "interviews": 4}}
    assert set(meta["too_few_examples"]) == {"park", "rare"} and meta["sentences"] == 32
    assert (root / ".fieldcode" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"

    rep = learn.propose(store, learn.load(root, "ana"), to="ana", by="ana")
    assert rep.warnings == []
    assert _codings(store) == before                              # proposing codes nothing
    mine = SS.suggestions(store, coder="ana")
    assert mine and SS.suggestions(store, coder="bo", state=None) == []
    iv5 = store.interview("iv5.md")
    t5 = iv5.text
    spans = {(s.interview, s.code, t5[s.start:s.end] if s.interview == "iv5.md" else None) for s in mine}
    # iv5, which ana has not coded, gets the sentences she codes elsewhere
    assert ("iv5.md", "housing", "The flats are damp and cold.") in spans
    assert ("iv5.md", "work", "My job is at the warehouse.") in spans
    for s in mine:
        assert s.origin["kind"] == "model" and s.origin["model_coder"] == "ana" and s.origin["unit"] == "sentence"
        assert s.origin["score"] >= 0.5 and s.origin["trained_at"] == meta["trained_at"]
    in_coded = [s for s in mine if s.interview != "iv5.md"]
    for s in in_coded:   # never a span ana already coded with that code
        text = store.interview(s.interview).text
        assert ANA.get(text[s.start:s.end]) != s.code

    # reject one, accept another: the rejected span is not proposed again, the accepted one is
    # ana's coding with the model origin in the event log, and bo's codings are unchanged
    rej, acc = mine[0], mine[1]
    SS.reject_suggestion(store, rej.id, "ana")
    row = SS.accept_suggestion(store, acc.id, "ana")
    again = learn.propose(store, learn.load(root, "ana"), to="ana", by="ana")
    assert all(rej.id not in added for _n, added, _s in again.proposed.values())
    assert sum(len(added) for _n, added, _s in again.proposed.values()) == 0
    with store.engine.connect() as c:
        ev = c.execute(sql("SELECT coder, action, detail FROM event WHERE coding_uid = :u"), {"u": row.uid}).all()
    assert ev[0][:2] == ("ana", "add")
    origin = json.loads(ev[0][2])["suggestion"]
    assert origin["kind"] == "model" and origin["id"] == acc.id and origin["model_coder"] == "ana"
    after = _codings(store)
    assert [c for c in after if c[0] == "bo"] == [c for c in before if c[0] == "bo"]
    assert len(after) == len(before) + 1 and (row.coder, row.start, row.end) == ("ana", acc.start, acc.end)


def _cli(root, db, *args):
    return CliRunner().invoke(app, ["-C", str(root), "--db", db, *args])


def test_cli_train_evaluate_run_and_the_other_coder(study, db_url, tmp_path) -> None:
    root = study.root
    study.close()
    r = _cli(root, db_url, "--coder", "ana", "suggest", "train", "--epochs", "15")
    assert r.exit_code == 0, r.output
    assert "trained on ana's codings: 32 sentences of 4 interview(s), 2 code(s)" in r.output
    out_csv = tmp_path / "eval.csv"
    r = _cli(root, db_url, "--coder", "ana", "suggest", "evaluate", "--epochs", "3", "--csv", str(out_csv))
    assert r.exit_code == 0, r.output
    assert "too few examples" in r.output and "4-fold" in r.output
    lines = out_csv.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "coder,code,method,coded_sentences,interviews,tp,fp,fn,precision,recall,f1,note"
    assert "ana,housing,keywords,8,4,4,4,4,0.5000,0.5000,0.5000," in lines
    assert "ana,rare,model,1,1,,,,,,,too few examples" in lines

    # bo has no model; ana's model goes to bo only with --to bo
    r = _cli(root, db_url, "--coder", "bo", "suggest", "run")
    assert r.exit_code != 0 and "no model trained on bo's codings" in r.output
    r = _cli(root, db_url, "--coder", "bo", "suggest", "run", "--model", "ana")
    assert r.exit_code == 3 and "--to bo" in r.output and "Traceback" not in r.output
    p = Project.open(root, db=db_url, coder="ana")
    assert SS.suggestions(p.store, coder="bo", state=None) == []
    p.close()
    r = _cli(root, db_url, "--coder", "bo", "suggest", "run", "--model", "ana", "--to", "bo", "--code", "housing")
    assert r.exit_code == 0, r.output
    p = Project.open(root, db=db_url, coder="ana")
    bo = SS.suggestions(p.store, coder="bo")
    assert bo and {s.code for s in bo} == {"housing"} and SS.suggestions(p.store, coder="ana", state=None) == []
    assert all(s.origin["model_coder"] == "ana" and s.origin["by"] == "bo" for s in bo)
    p.close()

    # a codebook changed since training: run warns
    cb = root / "codebook.yaml"
    cb.write_text(cb.read_text(encoding="utf-8").replace("name: Park", "name: Parks and green space"), encoding="utf-8")
    r = _cli(root, db_url, "--coder", "ana", "suggest", "run", "--code", "work")
    assert r.exit_code == 0, r.output
    assert "older codebook" in r.output
    r = _cli(root, db_url, "--coder", "ana", "suggest", "run", "--code", "park")
    assert r.exit_code == 2 and "the model has no code park" in r.output


def test_train_refuses_a_coder_without_codings(mini_dir, tmp_path) -> None:
    (mini_dir / "codebook.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    p = Project.open(mini_dir, db=db, coder="ana")
    assert p.import_files().ok
    p.close()
    r = _cli(mini_dir, db, "--coder", "cy", "suggest", "train")
    assert r.exit_code == 1 and "cy has no codings to learn from" in r.output and "Traceback" not in r.output
    assert not (mini_dir / ".fieldcode" / "models").exists()


def test_model_folder_stays_inside_the_project(tmp_path) -> None:
    base = tmp_path / ".fieldcode" / "models"
    assert learn.model_dir(tmp_path, "ana") == base / "ana"
    for who in ("../../etc", "a/b", "Ana Smith", "", "x" * 100):
        d = learn.model_dir(tmp_path, who)
        assert d.parent == base and d.name not in ("", ".", "..") and "/" not in d.name
    assert learn.model_dir(tmp_path, "a/b") != learn.model_dir(tmp_path, "a_b")
