"""Code saturation (``fieldcode saturation``): the rule of Guest, Namey & Chen (2020), "A simple
method to assess and report thematic saturation in qualitative research", PLoS ONE 15(5):
e0232076 -- base size, run length, new-information threshold = codes first seen in the run /
unique codes in the base; saturation at k interviews ("k+run") for the first run at or below the
threshold.  Checked against an example worked by hand below, a brute-force recount written here,
and on a real store: the order from the event log, interviewer turns left out, merged and renamed
codes not new, two and three coders, per arm."""

from __future__ import annotations

import csv
import io
import random

import pytest
from typer.testing import CliRunner

from agreement_helpers import make_store
from fieldcode.analysis.saturation import bootstrap, guest, saturation
from fieldcode.errors import InvalidInput


# ---------------------------------------------------------------------------------------------
# The rule, by hand
# ---------------------------------------------------------------------------------------------

# Ten interviews.  Base (interviews 1-4): a b c d | a e | b f g | h i j -> 10 unique codes.
HAND = [set("abcd"), set("ae"), set("bfg"), set("hij"),
        set("ak"),   # 5
        set("l"),    # 6
        set("m"),    # 7
        set("a"),    # 8
        set("b"),    # 9
        set("n")]    # 10
# Runs of two, moving one interview on:
#   5-6: new k, l        -> 2/10 = 20 %
#   6-7: seen a..k; new l, m -> 2/10 = 20 %
#   7-8: seen a..l; new m    -> 1/10 = 10 %
#   8-9: seen a..m; nothing new -> 0 %   => at 5 %: saturation at 7 interviews, "7+2"
#   at a 10 % threshold the run 7-8 already qualifies            => "6+2"


def test_hand_worked_example_at_five_percent():
    r = guest(HAND, base=4, run=2, threshold=0.05)
    assert r.base_codes == 10
    assert [(c.start, c.new) for c in r.runs] == [(4, 2), (5, 2), (6, 1), (7, 0)]
    assert [c.ratio for c in r.runs] == [0.2, 0.2, 0.1, 0.0]
    assert r.reached_at == 7 and r.label == "7+2"


def test_hand_worked_example_at_ten_percent_is_six_plus_two():
    r = guest(HAND, base=4, run=2, threshold=0.10)
    assert r.label == "6+2"


def test_run_of_three_and_a_larger_base():
    # base 5 = interviews 1-5: a..k = 11 codes.  Runs of three: 6-8 new l, m (2/11 = 18 %);
    # 7-9 seen a..l: new m (1/11 = 9 %); 8-10 seen a..m: new n (9 %): never at or below 5 %.
    r = guest(HAND, base=5, run=3, threshold=0.05)
    assert r.base_codes == 11
    assert [(c.start, c.new) for c in r.runs] == [(5, 2), (6, 1), (7, 1)]
    assert r.reached_at is None
    assert "interviews 8-10" in r.reason and "added 1" in r.reason
    assert guest(HAND, base=5, run=3, threshold=0.10).label == "6+3"   # 1/11 = 9.1 % <= 10 %


def test_not_reached_reasons():
    r = guest(HAND[:5], base=4, run=2)
    assert r.reached_at is None and "needs at least base + run = 6" in r.reason
    r = guest([set(), set(), set(), set(), {"a"}, set()], base=4, run=2)
    assert r.reached_at is None and "no codes in the base" in r.reason


def test_bad_parameters_are_refused():
    for kw in ({"base": 0}, {"run": 0}, {"threshold": -0.1}, {"threshold": 1.0}):
        with pytest.raises(InvalidInput):
            guest(HAND, **kw)


def brute(code_sets, base, run, threshold):
    """Recount from the definition: for each k from the base on, the union of the interviews
    k+1..k+run minus the union of interviews 1..k, over the union of interviews 1..base."""
    n = len(code_sets)
    if n < base + run:
        return None
    base_codes = set().union(*code_sets[:base])
    if not base_codes:
        return None
    for k in range(base, n - run + 1):
        before = set().union(*code_sets[:k])
        in_run = set().union(*code_sets[k:k + run])
        if len(in_run - before) <= threshold * len(base_codes):
            return k
    return None


def test_equals_a_brute_force_recount_on_random_studies():
    rnd = random.Random(24)
    for _ in range(600):
        n = rnd.randint(0, 16)
        vocab = rnd.randint(1, 30)
        sets = [set(rnd.sample(range(vocab), rnd.randint(0, min(vocab, 8)))) for _ in range(n)]
        base, run = rnd.randint(1, 6), rnd.randint(1, 4)
        thr = rnd.choice([0.0, 0.05, 0.1, 0.2])
        assert guest(sets, base, run, thr).reached_at == brute(sets, base, run, thr)


def test_bootstrap_is_seeded_and_counts_orders_by_brute_force():
    sets = [frozenset(s) for s in HAND]
    b1 = bootstrap(sets, 4, 2, 0.05, resamples=200, seed=7)
    b2 = bootstrap(sets, 4, 2, 0.05, resamples=200, seed=7)
    assert b1 == b2
    import numpy as np

    rng = np.random.default_rng(7)
    ks = [brute([sets[i] for i in rng.permutation(len(sets))], 4, 2, 0.05) for _ in range(200)]
    reached = [k for k in ks if k is not None]
    assert b1.reached == len(reached)
    assert b1.median == float(np.median(reached))


# ---------------------------------------------------------------------------------------------
# On a store: the order from the event log, the analysed text, merged codes, coders, arms
# ---------------------------------------------------------------------------------------------

def _turn_text(words: str) -> str:
    return f"Interviewer: Tell me about it.\n\nJean: {words}\n"


BODY = "Alpha beta gamma delta epsilon."


@pytest.fixture
def study(db_url, tmp_path):
    ivs = [{"name": f"iv{k}", "text": _turn_text(BODY), "labelled": True,
            "attributes": {"arm": "improving" if k % 2 else "lagging"}} for k in range(1, 8)]
    store = make_store(db_url, tmp_path, ivs)
    yield store
    store.engine.dispose()


def spans(store, name):
    text = store.interview(name).text
    body = text.index(BODY)
    q = text.index("Tell me about it.")
    return (body, body + 5), (q, q + 4)          # "Alpha" (participant), "Tell" (interviewer)


def test_order_comes_from_the_event_log_and_interviewer_turns_do_not_count(study):
    # ana codes in the order iv3, iv1, iv2, iv4, iv5, iv6, iv7 (not name order); ben in name order.
    order = ["iv3", "iv1", "iv2", "iv4", "iv5", "iv6", "iv7"]
    ana_codes = {"iv3": [], "iv1": ["k2"], "iv2": [], "iv4": [], "iv5": [], "iv6": ["k3"], "iv7": []}
    for name in order:
        (p0, p1), (i0, i1) = spans(study, name)
        study.add_coding(name, "k1", p0, p1, "ana")          # every interview coded (k1 everywhere)
        for k in ana_codes[name]:
            study.add_coding(name, k, p0, p1, "ana")
        if name == "iv1":
            study.add_coding(name, "k3", i0, i1, "ana")     # in the interviewer's turn only
    for name in sorted(order):
        (p0, p1), _ = spans(study, name)
        study.add_coding(name, "k2", p0, p1, "ben")
    res = saturation(study, base=2, run=2, threshold=0.0, resamples=0)
    ana = next(s for s in res.series if s.coder == "ana" and s.group == "(all)")
    assert [st.interview for st in ana.steps] == order
    key = res.code_names
    assert [sorted(key[c] for c in st.new) for st in ana.steps] == [["k1"], ["k2"], [], [], [], ["k3"], []]
    # base (iv3, iv1) = {k1, k2}: runs at k=2: iv2, iv4 add nothing -> 0/2 <= 0: "2+2"
    # (k3 in iv1's interviewer turn does not count, or the base would hold it and iv6 add nothing new either way)
    assert ana.result.label == "2+2" and ana.result.base_codes == 2
    ben = next(s for s in res.series if s.coder == "ben" and s.group == "(all)")
    assert [st.interview for st in ben.steps] == sorted(order)
    both = next(s for s in res.series if s.coder == "(all coders)" and s.group == "(all)")
    assert both.steps[0].interview == "iv3"       # ana coded iv3 before anyone coded anything else
    # an interview's codes for all coders together are everyone's codes there (iv3: ana's k1, ben's k2)
    assert sorted(key[c] for c in both.steps[0].codes) == ["k1", "k2"]
    assert [sorted(key[c] for c in st.new) for st in both.steps] == [["k1", "k2"], [], [], [], [], ["k3"], []]


def test_interviewer_turns_count_when_included(study):
    (p0, p1), (i0, i1) = spans(study, "iv1")
    study.add_coding("iv1", "k1", p0, p1, "ana")
    study.add_coding("iv1", "k3", i0, i1, "ana")
    study.add_coding("iv1", "k2", p0, p1, "ben")
    left_out = saturation(study, coder="ana", base=1, run=1, resamples=0)
    included = saturation(study, coder="ana", base=1, run=1, resamples=0, include_interviewer=True)
    names = left_out.code_names
    assert sorted(names[c] for c in left_out.series[0].steps[0].codes) == ["k1"]
    assert sorted(names[c] for c in included.series[0].steps[0].codes) == ["k1", "k3"]


def test_a_merged_code_is_not_new(study):
    from fieldcode.store import merge_codes

    for k, name in enumerate(["iv1", "iv2", "iv3", "iv4"]):
        (p0, p1), _ = spans(study, name)
        study.add_coding(name, "k1", p0, p1, "ana")
        study.add_coding(name, "k1", p0, p1, "ben")
    (p0, p1), _ = spans(study, "iv3")
    study.add_coding("iv3", "k2", p0, p1, "ana")       # k2 first appears in iv3 ...
    before = saturation(study, coder="ana", base=2, run=2, threshold=0.0, resamples=0).series[0]
    assert before.result.label == "not reached"       # 1 new / 1 base code
    merge_codes(study, "k2", "k1", by="ana")            # ... then k2 is merged into k1
    after = saturation(study, coder="ana", base=2, run=2, threshold=0.0, resamples=0).series[0]
    assert [len(st.new) for st in after.steps] == [1, 0, 0, 0]
    assert after.result.label == "2+2"


def test_three_coders_and_per_arm(study):
    names = [f"iv{k}" for k in range(1, 8)]
    plan = {"ana": ["k1"], "ben": ["k2"], "cy": ["k1", "k3"]}
    for coder, ks in plan.items():
        for name in names:
            (p0, p1), _ = spans(study, name)
            for k in ks:
                study.add_coding(name, k, p0, p1, coder)
    res = saturation(study, by="arm", base=1, run=1, threshold=0.0, resamples=50, seed=3,
                     order={"arm": ["improving", "lagging"]})
    got = {(s.coder, s.group): s for s in res.series}
    assert set(got) == {(c, g) for c in ["ana", "ben", "cy", "(all coders)"] for g in ["(all)", "improving", "lagging"]}
    # improving = iv1, iv3, iv5, iv7 (odd); lagging = iv2, iv4, iv6
    assert [st.interview for st in got[("cy", "improving")].steps] == ["iv1", "iv3", "iv5", "iv7"]
    assert [st.interview for st in got[("cy", "lagging")].steps] == ["iv2", "iv4", "iv6"]
    # all coders: iv1 holds k1 (ana, cy), k3 (cy) and k2 (ben) = 3 codes; nothing new afterwards
    assert got[("(all coders)", "(all)")].steps[0].cumulative == 3
    assert got[("(all coders)", "(all)")].result.label == "1+1"
    assert got[("(all coders)", "improving")].boot.reached == 50     # every order: identical interviews


def test_unknown_coder_and_attribute_are_refused(study):
    (p0, p1), _ = spans(study, "iv1")
    study.add_coding("iv1", "k1", p0, p1, "ana")
    with pytest.raises(InvalidInput, match="coder 'zed' has no codings"):
        saturation(study, coder="zed")
    with pytest.raises(InvalidInput, match="attribute 'nope'"):
        saturation(study, by="nope")


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------

def test_cli_prints_the_result_and_writes_csv(mini, tmp_path):
    from fieldcode import cli

    text = mini.store.interview("a").text
    s = text.find("Twenty years.")
    for coder in ("ana", "ben"):
        mini.store.add_coding("a", "leadership", s, s + 6, coder)
    tb = mini.store.interview("b").text
    sb = tb.find("The flats are damp.")
    mini.store.add_coding("b", "housing", sb, sb + 9, "ana")
    mini.store.add_coding("b", "leadership", sb, sb + 9, "ben")
    out = tmp_path / "res" / "sat.csv"
    r = CliRunner().invoke(cli.app, ["--project", str(mini.root), "--db", mini.store.url, "saturation",
                                     "--base", "1", "--run", "1", "--threshold", "0", "--resamples", "20",
                                     "--by", "arm", "--csv", str(out), "--no-plot"])
    assert r.exit_code == 0, r.output
    # ana: a {leadership}, b {housing}: the run (b) adds 1 of the base's 1 -> not reached.
    # ben: a {leadership}, b {leadership}: nothing new -> "1+1".
    assert "ana · (all) (2 interviews): saturation not reached" in r.stdout
    assert "ben · (all) (2 interviews): saturation at 1+1" in r.stdout
    assert "code saturation" in r.stdout
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    ben = [x for x in rows if x["coder"] == "ben" and x["group"] == "(all)"]
    assert [(x["interview"], x["new_codes"], x["cumulative_codes"], x["saturation"]) for x in ben] == [
        ("a.md", "1", "1", "1+1"), ("b.md", "0", "1", "1+1")]
    assert ben[0]["bootstrap_resamples"] == "20" and ben[0]["bootstrap_seed"] == "0"
    assert out.with_suffix(".json").exists()


def test_cli_bad_parameters_give_a_clear_message(mini):
    from fieldcode import cli

    mini.store.add_coding("a", "leadership", 0, 5, "ana")
    r = CliRunner().invoke(cli.app, ["--project", str(mini.root), "--db", mini.store.url, "saturation", "--run", "0"])
    assert r.exit_code != 0
    assert "--run must be 1 or more" in r.output
    assert "Traceback" not in r.output


def test_methods_page_quotes_the_rules_as_the_code_has_them():
    from pathlib import Path

    from fieldcode.analysis.saturation import COUNT_RULE, ORDER_RULE, RULE

    methods = (Path(__file__).resolve().parents[1] / "docs" / "methods.md").read_text(encoding="utf-8")
    for rule in (RULE, ORDER_RULE, COUNT_RULE):
        assert rule in methods
    assert "*code* saturation" in methods and "e0232076" in methods
