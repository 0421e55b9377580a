"""``fieldcode codebook history`` and ``codebook diff``: the recorded versions with when and by whom,
and what changed per code.  Expected values from plain SQL and from the edits the test makes."""

from __future__ import annotations

import sqlalchemy as sa

from protocol_helpers import cli
from fieldcode.study.codebook_history import diff_versions, find_definition, version_codes

def flat(s: str) -> str:
    return " ".join(s.split())


def test_history_and_diff_after_two_coders_edit_the_codebook(mini, db_url):
    root = mini.root
    path = root / "codebook.yaml"
    text = path.read_text(encoding="utf-8")
    # ben gives leadership a definition and recolours place
    path.write_text(text.replace("name: Leadership", "name: Leadership\n    definition: Taking the lead")
                    .replace('colour: "#2ca02c"', 'colour: "#ff0000"'), encoding="utf-8")
    cli(root, db_url, "ben", "codebook", "sync")
    # cy adds a code and removes housing's hotkey
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('    hotkey: "2"\n', "") + "  - key: jobs\n    name: Jobs\n    use_when: work\n",
                    encoding="utf-8")
    cli(root, db_url, "cy", "codebook", "sync")
    with mini.store.engine.connect() as c:
        rows = [tuple(r) for r in c.execute(sa.text("SELECT hash, synced_by, n_codes FROM codebook_version ORDER BY id"))]
    assert [(by, n) for _h, by, n in rows] == [("ana", 3), ("ben", 3), ("cy", 4)]
    out = flat(cli(root, db_url, "ana", "codebook", "history").output)
    for i, (h, by, n) in enumerate(rows, 1):
        assert f"v{i}" in out and h[:12] in out and by in out
    assert "leadership* (changed), place (changed)" in out     # * : its definition changed
    assert "housing (changed), jobs (added)" in out

    out = flat(cli(root, db_url, "ana", "codebook", "diff", "1", "2").output)
    assert f"codebook v1 ({rows[0][0][:8]}) -> v2 ({rows[1][0][:8]}): 2 code(s) changed" in out
    assert "leadership: changed (definition) definition: (empty) -> Taking the lead" in out
    assert "place: changed colour: #2ca02c -> #ff0000" in out
    out = flat(cli(root, db_url, "ana", "codebook", "diff", rows[1][0][:6]).output)   # by hash, to the newest
    assert "-> v3" in out and "jobs: added" in out and "use_when: (empty) -> work" in out
    assert "housing: changed hotkey: 2 -> (empty)" in out
    r = cli(root, db_url, "ana", "codebook", "diff", "9", ok=False)
    assert r.exit_code != 0 and "no codebook version '9'" in r.output and "Traceback" not in r.output


def test_diff_counts_the_codings_made_under_the_old_definition(mini, db_url):
    p = mini
    t = p.store.interview("a.md").text
    i = t.index("Twenty years.")
    p.store.add_coding("a.md", "leadership", i, i + 13, "ana")
    p.store.add_coding("a.md", "leadership", i, i + 13, "ben")
    j = t.index("We meet on Tuesdays.")
    p.store.add_coding("a.md", "leadership", j, j + 20, "ben")
    path = p.root / "codebook.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: Leadership", "name: Leading"), encoding="utf-8")
    cli(p.root, db_url, "ana", "codebook", "sync")
    out = flat(cli(p.root, db_url, "ana", "codebook", "diff", "v1", "v2").output)
    assert "leadership: changed (definition) name: Leadership -> Leading" in out
    assert "codings made under the v1 definition: 3 (ana 1, ben 2)" in out


def test_version_codes_reads_old_texts_leniently_and_finds_a_definition():
    old = "codes:\n  - key: a\n    name: A\n    definition: >-\n      first\n      line\n    unknownfield: 1\n"
    new = "codes:\n  - key: a\n    name: A\n    definition: first line changed\n"
    vo, vn = version_codes(old), version_codes(new)
    assert vo["a"].fields["definition"] == "first line"            # a folded block, as the codebook loads it
    (ch,) = diff_versions(vo, vn)
    assert (ch.key, ch.kind, ch.definition_changed) == ("a", "changed", True)
    assert ch.fields == [("definition", "first line", "first line changed")]
    assert find_definition([(1, old), (2, new)], "a", vo["a"].definition_hash) == (1, vo["a"])
    assert find_definition([(1, old), (2, new)], "a", "0" * 64) is None
    assert version_codes("") == {} and version_codes(": : [") == {}
