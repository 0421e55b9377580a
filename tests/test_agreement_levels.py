"""``fieldcode agreement --level N``: the code tree cut at depth N, each deeper code counted as its
ancestor there (fieldcode.team.levels), for the existing units and for the unitizing alpha.
Expected values worked out by hand on the mini study (place > housing)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fieldcode.errors import InvalidInput
from fieldcode.team.reliability import agreement
from fieldcode.team.unitized import unitized_agreement


@pytest.fixture
def coded(mini):
    text = mini.store.interview("a").text
    t1 = text.index("Twenty years.")
    t3 = text.index("Much better since the repairs.")
    for coder in ("ana", "ben"):
        mini.store.add_coding("a", "leadership", t1, t1 + len("Twenty years."), coder)
    n = len("Much better since the repairs.")
    mini.store.add_coding("a", "housing", t3, t3 + n, "ana")     # the child ...
    mini.store.add_coding("a", "place", t3, t3 + n, "ben")       # ... and its parent, same passage
    return mini


def rows(res):
    return {r.key: r for r in res.rows}


def test_level_one_counts_the_child_as_its_parent(coded):
    # Unit turn: interview a has three participant turns (Jean's), interview b was coded by nobody.
    full = rows(agreement(coded.store, unit="turn"))
    # place: ana none, ben turn 3 -> they agree on 2 of 3 turns; housing: the other way round
    assert full["place"].everyone["(all)"].observed == pytest.approx(2 / 3)
    assert full["housing"].everyone["(all)"].observed == pytest.approx(2 / 3)
    lvl = agreement(coded.store, unit="turn", level=1)
    assert [r.key for r in lvl.rows if not r.overall] == ["leadership", "place"]
    place = rows(lvl)["place"].everyone["(all)"]
    # ana's housing counts as place: both coded turn 3 and nothing else -> full agreement
    assert place.observed == 1.0 and place.alpha == 1.0


def test_level_two_keeps_the_child(coded):
    lvl = agreement(coded.store, unit="turn", level=2)
    assert [r.key for r in lvl.rows if not r.overall] == ["leadership", "place", "housing"]
    assert rows(lvl)["place"].everyone["(all)"].observed == pytest.approx(2 / 3)


def test_unitized_at_level_one(coded):
    full = rows(unitized_agreement(coded.store))
    assert full["place"].units["(all)"] == {"ana": 0, "ben": 1}
    lvl = rows(unitized_agreement(coded.store, level=1))
    assert lvl["place"].units["(all)"] == {"ana": 1, "ben": 1}
    assert lvl["place"].by_group["(all)"].d_o == 0 and lvl["place"].by_group["(all)"].alpha == 1.0


def test_bad_level(coded):
    with pytest.raises(InvalidInput, match="--level must be 1"):
        agreement(coded.store, unit="turn", level=0)
    from fieldcode import cli

    r = CliRunner().invoke(cli.app, ["--project", str(coded.root), "--db", coded.store.url, "agreement", "--level", "0"])
    assert r.exit_code != 0 and "--level must be 1" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli.app, ["--project", str(coded.root), "--db", coded.store.url, "agreement", "--level", "1",
                                     "--unit", "turn"])
    assert r.exit_code == 0, r.output
    assert "Level 1:" in r.stdout
