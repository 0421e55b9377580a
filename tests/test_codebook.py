"""codebook.yaml: validation errors name file, line and key; sync keeps codings."""

import textwrap

import pytest

from fieldcode.study import codebook as cbmod
from fieldcode.study import codebook_edit
from fieldcode.study.codebook import CodebookError, CodeDef
from fieldcode.project import Project

GOOD = """\
# top comment kept on write-back
study:
  arms: [improving, lagging]
codes:
  - key: leadership   # a trailing comment
    name: Leadership
    colour: "#1f77b4"
    hotkey: "1"
  - key: housing
    name: Housing
    parent: place
    colour: "#98df8a"
  - key: place
    name: Place
    colour: "#2ca02c"
"""


def write(tmp_path, text):
    p = tmp_path / "codebook.yaml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def problems(tmp_path, text):
    with pytest.raises(CodebookError) as ei:
        cbmod.load(write(tmp_path, text))
    return ei.value.problems


def test_good_codebook_loads_with_hierarchy(tmp_path):
    cb = cbmod.load(write(tmp_path, GOOD))
    assert [c.key for c in cb.codes] == ["leadership", "housing", "place"]
    assert cb.by_key()["housing"].parent == "place"
    assert cb.by_key()["leadership"].line == 5
    assert cb.study.arms == ("improving", "lagging")
    assert len(cb.hash) == 64


def test_duplicate_key_names_both_lines(tmp_path):
    probs = problems(tmp_path, """\
        codes:
          - key: a
            name: A
          - key: a
            name: Again
        """)
    assert len(probs) == 1
    assert probs[0].endswith("codebook.yaml:4: code 'a': duplicate key (first defined on line 2)")


def test_unknown_parent_cycle_bad_colour_hotkey_missing_name(tmp_path):
    probs = problems(tmp_path, """\
        codes:
          - key: a
            name: A
            parent: nowhere
          - key: b
            name: B
            parent: c
          - key: c
            name: C
            parent: b
          - key: d
            name: D
            colour: "not-a-colour"
          - key: e
            name: E
            hotkey: "1"
          - key: f
            name: F
            hotkey: "1"
          - key: g
        """)
    text = "\n".join(probs)
    assert "codebook.yaml:2: code 'a': unknown parent 'nowhere'" in text
    assert "codebook.yaml:5: code 'b': parent cycle b -> c -> b" in text
    assert "codebook.yaml:13: code 'd': bad colour 'not-a-colour'" in text
    assert "codebook.yaml:17: code 'f': hotkey '1' is already used by 'e' (line 14)" in text
    assert "codebook.yaml:20: code 'g': missing 'name'" in text
    assert len(probs) == 5


def test_malformed_yaml_names_line(tmp_path):
    probs = problems(tmp_path, "codes:\n  - key: a\n    name: [unclosed\n  - key: b\n")
    assert len(probs) == 1
    assert "codebook.yaml:" in probs[0] and "malformed YAML" in probs[0]
    line = int(probs[0].split("codebook.yaml:")[1].split(":")[0])
    assert line in (3, 4)


def test_bad_arms(tmp_path):
    probs = problems(tmp_path, "study:\n  arms: [only-one]\ncodes:\n  - key: a\n    name: A\n")
    assert probs == [f"{tmp_path / 'codebook.yaml'}:2: study.arms must list exactly two different labels, "
                     "the focal arm first, e.g. [improving, lagging]"]


def test_append_code_keeps_comments_and_order(tmp_path):
    path = write(tmp_path, GOOD)
    codebook_edit.append_code(path, CodeDef(key="pride", name="Pride in place", parent="place", colour="#e377c2"))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# top comment kept on write-back\n")
    assert "  - key: leadership   # a trailing comment\n" in text
    assert text.index("key: place") < text.index("key: pride")
    assert cbmod.load(path).by_key()["pride"].parent == "place"


def test_sync_rename_keeps_codings_and_removal_retires(mini):
    p = mini
    iv = p.store.interview("a.md")
    start = iv.text.index("The tenants' group")
    c = p.store.add_coding("a.md", "leadership", start, start + 18, "ana")
    versions_before = len(p.store.codebook_versions())
    cb_path = p.root / "codebook.yaml"
    text = cb_path.read_text()
    # rename leadership and remove housing
    text = text.replace("name: Leadership", "name: Local leadership")
    text = text.replace("""  - key: housing
    parent: place
    name: Housing
    colour: "#98df8a"
    hotkey: "2"
""", "")
    cb_path.write_text(text)
    rep = p.reload_codebook()
    assert rep.renamed == [("leadership", "Leadership", "Local leadership")]
    assert rep.retired == ["housing"]
    assert p.store.code("leadership").name == "Local leadership"
    assert [x.id for x in p.store.codings()] == [c.id]
    assert p.store.codings()[0].code_id == p.store.code("leadership").id
    assert "housing" not in [x.key for x in p.store.codes()]
    assert p.store.code("housing").retired_at is not None  # still there, retired
    assert len(p.store.codebook_versions()) == versions_before + 1
    # Reopening with the same codebook records no new version
    p.reload_codebook()
    assert len(p.store.codebook_versions()) == versions_before + 1


def test_retired_code_codings_survive_and_code_returns(mini):
    p = mini
    iv = p.store.interview("b.md")
    s = iv.text.index("The flats are damp.")
    p.store.add_coding("b.md", "housing", s, s + len("The flats are damp."), "ana")
    cb_path = p.root / "codebook.yaml"
    original = cb_path.read_text()
    cb_path.write_text(original.replace("  - key: housing\n", "  - key: housing-old\n"))
    rep = p.reload_codebook()
    assert "housing" in rep.retired and "housing-old" in rep.added
    assert len(p.store.codings()) == 1
    cb_path.write_text(original)
    rep = p.reload_codebook()
    assert rep.restored == ["housing"]
    assert p.store.code("housing").retired_at is None


# --- the validated-codebook cache (a fast start for every command) ----------------------------

def test_cache_gives_the_same_codebook_and_misses_on_any_change(tmp_path):
    """Project.open reads the codebook through a cache keyed by its bytes: a hit equals a fresh
    parse, any edit is a miss (the edit shows), and a damaged cache is ignored."""
    from pathlib import Path

    repo_codebook = Path(__file__).resolve().parents[1] / "codebook.yaml"
    path = tmp_path / "codebook.yaml"
    path.write_bytes(repo_codebook.read_bytes())
    cache = tmp_path / ".fieldcode" / "cache" / "codebook.json"
    fresh = cbmod.load(path)
    assert cbmod.load(path, cache=cache) == fresh  # a miss: parsed, and written to the cache
    assert cache.exists()
    hit = cbmod.load(path, cache=cache)
    assert hit == fresh and hit.hash == fresh.hash and hit.study.arms == fresh.study.arms
    assert isinstance(hit.study.interviewer_speakers, tuple)

    # an edit (a code renamed) is seen at once, through the same cache
    first = fresh.codes[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"name: {first.name}", "name: Renamed theme", 1), encoding="utf-8")
    assert cbmod.load(path, cache=cache).codes[0].name == "Renamed theme"

    # an edit that breaks the file is refused, whatever the cache holds
    path.write_text(text + "\n  - key: [broken\n", encoding="utf-8")
    with pytest.raises(CodebookError):
        cbmod.load(path, cache=cache)

    # a damaged cache file is ignored
    path.write_text(text, encoding="utf-8")
    cache.write_text("{not json", encoding="utf-8")
    assert cbmod.load(path, cache=cache) == fresh


def test_project_open_uses_the_cache_and_an_unwritable_cache_still_opens(mini):
    import shutil

    from fieldcode.project import CODEBOOK_CACHE

    root = mini.root
    mini.close()
    p = Project.open(root)
    p.close()
    assert (root / CODEBOOK_CACHE).exists()
    shutil.rmtree(root / ".fieldcode")
    (root / ".fieldcode").write_text("not a folder", encoding="utf-8")  # the cache cannot be written
    p = Project.open(root, write=False)
    assert p.codebook == cbmod.load(root / "codebook.yaml")
    p.close()
    assert (root / ".fieldcode").read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize(("name", "key"), [
    ("Crime & grime!", "crime-grime"),
    ("sárga", "sarga"),                      # issue 20: was "s-rga"
    ("Straße und Ørsted", "strasse-und-orsted"),
    ("Кризис доверия", "krizis-doveriya"),
    ("!!!", "code"),
])
def test_keys_from_names_transliterate_rather_than_drop_letters(name, key):
    from fieldcode.study.codebook import slugify

    assert slugify(name) == key


def test_a_code_created_by_name_gets_a_transliterated_key(tmp_path):
    """Through the project, as `fieldcode codes new` makes a code: the key reads as the name."""
    from fieldcode.project import Project

    (tmp_path / "codebook.yaml").write_text("study:\n  name: s\n  arms: [improving, lagging]\ncodes:\n"
                                            "  - key: a\n    name: A\n", encoding="utf-8")
    (tmp_path / "interviews").mkdir()
    p = Project.open(tmp_path, coder="ana")
    try:
        assert p.add_code("Vivienda asequible de calidad: sí").key == "vivienda-asequible-de-calidad-si"
    finally:
        p.close()
