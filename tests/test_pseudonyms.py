"""Pseudonymisation (issue 23): the scan, the review queue, the key file apart from the database,
and the replacement with its offset map and leak check."""

from __future__ import annotations

import json
import re
import stat
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldcode.cli.commands import app
from fieldcode.privacy import key as keymod
from fieldcode.privacy import review
from fieldcode.privacy.replace import find_spans, fold, leaks, pseudonymise
from fieldcode.privacy.scan import Document, scan
from fieldcode.project import Project
from fieldcode.store import pseudonyms as pstore
from fieldcode.study.settings import Settings
from conftest import REPO, copy_study

# --- the answer key, built by hand ------------------------------------------------------------
# How: I read the bodies of the 14 bundled transcripts (interviews/*.md below the front matter,
# which is not stored as text) and wrote down every person and every place a reader could take
# out of them, as written.  To be sure none was passed over, I then listed every capitalised
# word of the bodies (grep) and decided each one by hand: days, months, organisations and
# services (Jobcentre, Universal Credit, Facebook, Land Registry ...), nationalities and
# acronyms are not in the key; "the Crescent" (a street) and "Mr Doyle" are.
KEY_PERSONS = [
    "Maureen", "Bev", "Carol", "Stephen", "Tony", "Shazia", "Dean", "Mick", "Lorraine", "Gareth", "Martin",
    "Kerry", "Neil", "Pat", "Pat Quinlan", "Brian", "Brian Oxley", "Ryan", "Kev", "Denise", "Sandra", "Jordan",
    "Sharon", "Lisa", "Kirsty", "Jade", "Eileen", "Callum", "Doyle",
]
KEY_PLACES = [
    "Tessmoor", "Fernbank", "Ashcliffe", "Larchfield", "Kelder Bank", "Greyholme", "Leeds", "Newcastle", "Spain",
    "Scotland", "Scarborough", "Northallerton", "Netherlands", "Manchester", "London", "Holland", "Hartlepool",
    "England", "Durham", "Denmark", "Darlington", "Australia", "Aberdeen", "Ashby Street", "Larkspur Road",
    "Colwell Street", "Crescent",
]
# Candidates a reviewer keeps beyond the names: the pattern categories (ages, addresses ...) are
# checked one by one below; what is left and not in the key is a false candidate.
PATTERN_CATEGORIES = {"age", "date", "address", "postcode", "phone", "email", "url"}


def _bodies() -> dict[str, tuple[dict[str, str], str]]:
    """Each bundled transcript's front matter (as a dict) and body, read by the test itself."""
    out = {}
    for f in sorted((REPO / "interviews").glob("*.md")):
        raw = f.read_text(encoding="utf-8")
        _, front, body = raw.split("---\n", 2)
        attrs = dict(line.split(": ", 1) for line in front.splitlines() if ": " in line and not line.startswith("#"))
        out[f.name] = (attrs, body)
    return out


def _run(root: Path, *args: str, coder: str | None = None, db: str | None = None):
    pre = ["-C", str(root)] + (["--db", db] if db else []) + (["--coder", coder] if coder else [])
    return CliRunner().invoke(app, [*pre, *args])


def _no_traceback(res) -> None:
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output


@pytest.fixture
def study(bundled_imported, tmp_path) -> Path:
    return copy_study(bundled_imported, tmp_path / "study")


@pytest.fixture
def docs(study) -> list[Document]:
    p = Project.open(study, settings=Settings(), write=False)
    try:
        return review.documents(p.store)
    finally:
        p.close()


# --- point 4: measured on the bundled study ---------------------------------------------------
def test_scan_finds_every_speaker_and_attribute_and_the_hand_keys_names(docs, capsys):
    found = scan(docs, interviewer_labels=["Interviewer"])
    by_fold = {fold(c.text): c for c in found}
    bodies = _bodies()
    speakers = {m for _a, body in bodies.values() for m in re.findall(r"^(\w+):", body, re.M)} - {"Interviewer"}
    assert len(speakers) == 14
    for sp in speakers:
        assert by_fold[fold(sp)].category == "speaker", sp
    values = {a[k] for a, _b in bodies.values() for k in ("participant", "neighbourhood", "pair")}
    assert len(values) == 14 + 6 + 3          # 14 participants, 6 neighbourhoods, 3 towns the pairs are named by
    assert values <= {c.text for c in found}
    assert {by_fold[fold(v)].category for v in ("Liverpool", "Middlesbrough", "Leeds")} == {"place"}
    # the design's other attributes name no one: arms, roles, the interviewer's role, dates, 'fictional'
    for a, _b in bodies.values():
        for k in ("arm", "role", "interviewer", "date", "source"):
            assert fold(a[k]) not in by_fold or by_fold[fold(a[k])].category not in {"place", "name", k}, (k, a[k])

    # a key name is found when every place it occurs (as written, whole word) lies inside a
    # candidate's occurrence: accepting the candidates would take it out
    texts = {d.name: d.text for d in docs}
    covered = {}
    for c in found:
        for name, s, e in c.occurrences:
            covered.setdefault(name, []).append((s, e))
    missed = []
    for n in KEY_PERSONS + KEY_PLACES:
        places = [(name, m.start(), m.end()) for name, t in texts.items()
                  for m in re.finditer(rf"(?<!\w){re.escape(n)}(?!\w)", t)]
        assert places, f"{n} is in the hand key but not in the text"
        if not all(any(s <= a and b <= e for s, e in covered.get(name, [])) for name, a, b in places):
            missed.append(n)
    recall = 1 - len(missed) / len(KEY_PERSONS + KEY_PLACES)
    assert recall >= 0.9, missed

    # a false candidate: no name of the key, speaker or attribute value in it, and not a pattern
    # ("Mr Doyle" and "Tessmoor Tenants" name someone or somewhere: not false)
    known = KEY_PERSONS + KEY_PLACES + sorted(values) + sorted(speakers)
    false = [c.text for c in found if c.category not in PATTERN_CATEGORIES
             and not any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", c.text) for n in known)]
    kept_patterns = [c for c in found if c.category in PATTERN_CATEGORIES]
    # every pattern candidate of the bundled study is a real age or street (read one by one)
    assert all(c.category in {"age", "address"} for c in kept_patterns)
    with capsys.disabled():
        print(f"\nbundled study: {len(found)} candidates; key names found {recall:.0%} (missed: {missed}); "
              f"{len(false)} false candidates: {sorted(false)}")
    assert len(false) <= 25   # 20 when measured (organisations, acronyms, nationalities): a regression fails


def test_scan_on_the_real_transcripts(shared, tmp_path, capsys):
    """The shared real transcripts: the figures for the closing note (no answer key there)."""
    from collections import Counter

    from fieldcode.exchange.importer import import_paths
    from fieldcode.study.codebook import Study
    from fieldcode.store import Store, sqlite_url

    src = shared / "corpus" / "transcripts"
    files = sorted(p for p in src.rglob("*") if p.is_file() and p.suffix.lower() in {".txt", ".md", ".docx", ".vtt", ".srt"})
    if not files:
        pytest.skip("no transcripts in ../shared/corpus/transcripts")
    store = Store(sqlite_url(tmp_path / "real.db"))
    try:
        import_paths(store, Study(), files, root=src, coder="test")
        ds = review.documents(store)
    finally:
        store.close()
    t0 = time.perf_counter()
    found = scan(ds)
    secs = time.perf_counter() - t0
    counts = Counter(c.category for c in found)
    assert found
    with capsys.disabled():
        print(f"\nreal corpus: {len(ds)} transcripts, {sum(len(d.text) for d in ds)} chars, {len(found)} candidates "
              f"in {secs:.2f} s: {dict(counts)}")
        for c in found:
            print(f"  {c.category:12} {c.text!r} x{len(c.occurrences)}")


# --- the review queue through the CLI -----------------------------------------------------------
def test_scan_accept_gives_consistent_labelled_pseudonyms_and_the_key_stays_out_of_the_database(study):
    res = _run(study, "pseudonyms", "scan", coder="ana")
    assert res.exit_code == 0, res.output
    assert re.search(r"speaker\s+│\s+14\b", res.output)
    assert re.search(r"participant\s+│\s+14\b", res.output)
    keyfile = study / "pseudonyms.key.yaml"
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600

    k = keymod.load(study)
    bev = k.entries[k.entry_id("Bev")]
    assert bev.category == "speaker" and bev.state == "open"
    # "bev" in any case or with an accent is the same entry (one pseudonym everywhere)
    assert k.entry_id("BÉV") == bev.id
    res = _run(study, "pseudonyms", "accept", bev.id, coder="ana")
    assert res.exit_code == 0, res.output
    res = _run(study, "pseudonyms", "add", "Zebedee Quartermain", "--category", "person", coder="ben")
    assert res.exit_code == 0, res.output
    assert "0 occurrence(s)" in res.output
    res = _run(study, "pseudonyms", "accept", "--all", coder="ben")
    assert res.exit_code == 0, res.output

    k = keymod.load(study)
    acc = k.accepted()
    assert k.entries[bev.id].by == "ana"                       # ben's --all did not take ana's decision
    assert len(set(acc.values())) == len(acc)                  # one pseudonym per detail
    assert re.fullmatch(r"\[Participant \d+\]", acc["Bev"])
    assert re.fullmatch(r"\[Place [A-Z]+\]", acc["Tessmoor"])
    assert acc["Zebedee Quartermain"] == "[Person 1]"         # the first person label
    places = sorted(v for o, v in acc.items() if k.entries[k.entry_id(o)].category == "place")
    assert places[:3] == ["[Place A]", "[Place B]", "[Place C]"]

    # a second scan keeps every decision
    assert _run(study, "pseudonyms", "scan", coder="ana").exit_code == 0
    assert keymod.load(study).accepted() == acc

    # the database holds no original: not the hand-added name (absent from the transcripts),
    # in the database file or its write-ahead log; the key file has it
    p = Project.open(study, settings=Settings())
    try:
        decisions = pstore.q_decisions(p.store)
    finally:
        p.close()
    raw = b"".join(f.read_bytes() for f in study.glob("fieldcode.db*") if f.is_file())
    for needle in ("Zebedee", "Quartermain", "ZEBEDEE", "zebedee"):
        assert needle.encode() not in raw and needle.encode("utf-16-le") not in raw
    assert b"Zebedee Quartermain" in keyfile.read_bytes()
    zid = k.entry_id("Zebedee Quartermain")
    assert [d.action for d in decisions if d.detail.get("entry") == zid] == ["pn-add"]
    assert all("original" not in d.detail for d in decisions)


def test_two_coders_decisions_are_both_logged(mini, mini_dir):
    """On SQLite and PostgreSQL: ana accepts, ben rejects; the log has both, with who and when,
    and the key shows who decided each entry."""
    p = mini
    rep = review.scan_study(p.store, mini_dir, p.study, "ana")
    k = keymod.load(mini_dir)
    texts = {e.original: e for e in k.entries.values()}
    # the mini study: speakers Jean and Sam, neighbourhoods Ashcliffe and Brookside (conftest)
    assert {"Jean", "Sam", "Ashcliffe", "Brookside"} <= set(texts)
    assert texts["Jean"].occurrences == {"a.md": [(m.start(), m.end()) for m in re.finditer(
        "Jean", p.store.interview("a.md").text)]}
    assert rep.by_category["speaker"] == 2
    review.accept(p.store, mini_dir, "ana", [texts["Jean"].id])
    review.reject(p.store, mini_dir, "ben", [texts["Brookside"].id])
    review.accept(p.store, mini_dir, "ben", [texts["Sam"].id], as_text="[Rosa]")
    log = pstore.q_decisions(p.store)
    assert [(d.coder, d.action, d.detail.get("entry")) for d in log] == [
        ("ana", "pn-scan", None), ("ana", "pn-accept", texts["Jean"].id),
        ("ben", "pn-reject", texts["Brookside"].id), ("ben", "pn-accept", texts["Sam"].id)]
    assert log[1].detail == {"entry": texts["Jean"].id, "category": "speaker", "pseudonym": "[Participant 1]"}
    assert log[3].detail["pseudonym"] == "[Rosa]"
    assert all(d.at is not None for d in log)
    k = keymod.load(mini_dir)
    assert (k.entries[texts["Jean"].id].state, k.entries[texts["Jean"].id].by) == ("accepted", "ana")
    assert (k.entries[texts["Brookside"].id].state, k.entries[texts["Brookside"].id].by) == ("rejected", "ben")
    assert k.accepted() == {"Jean": "[Participant 1]", "Sam": "[Rosa]"}


def test_a_failed_database_write_leaves_the_key_as_it_was(mini, mini_dir, monkeypatch):
    p = mini
    review.scan_study(p.store, mini_dir, p.study, "ana")
    before = (mini_dir / "pseudonyms.key.yaml").read_bytes()
    k = keymod.load(mini_dir)

    def boom(*a, **kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pstore, "log_decisions", boom)
    with pytest.raises(RuntimeError):
        review.accept(p.store, mini_dir, "ana", all_open=True)
    assert (mini_dir / "pseudonyms.key.yaml").read_bytes() == before
    assert all(e.state == "open" for e in keymod.load(mini_dir).entries.values()) and k.entries


# --- replacement, offsets and the leak check ----------------------------------------------------
def test_pseudonymise_keeps_codings_on_the_same_words(bundled_coded, tmp_path):
    root = copy_study(bundled_coded, tmp_path / "coded")
    decisions = {"Bev": "[Participant 1]", "Tessmoor": "[Place A]", "Pat Quinlan": "[Person 1]", "Pat": "[Person 2]",
                 "Kelder Bank": "[Place B]", "Fernbank": "[Place C]", "Jobcentre": "[Organisation 1]"}
    p = Project.open(root, settings=Settings(), write=False)
    try:
        from fieldcode.store import q_codings

        rows = q_codings(p.store, code_ids=None, interview_ids=None, coders=None)
        texts = {iv.id: p.store.interview(iv.id).text for iv in p.store.interview_infos()}
    finally:
        p.close()
    assert len({r[3] for r in rows}) >= 2                      # two coders' codings
    done = {iid: pseudonymise(t, decisions) for iid, t in texts.items()}
    longest_first = sorted(decisions, key=len, reverse=True)
    checked = with_names = 0
    for _id, iid, _code, _coder, s, e, _memo in rows:
        text, ps = texts[iid], done[iid]
        quote = text[s:e]
        # skip a coding whose edge cuts through a detail (it then takes the whole pseudonym)
        if any(a < s < b or a < e < b for a, b, _o in ps.replaced):
            continue
        # the expected quote, by the test's own replacement: longest detail first, whole words
        expected = quote
        for o in longest_first:
            expected = re.sub(rf"(?<![\w\[]){re.escape(o)}(?![\w\]])", decisions[o].replace("\\", r"\\"), expected)
        ns, ne = ps.offsets.span(s, e)
        assert ps.text[ns:ne] == expected, (quote, expected)
        assert ps.text.find(expected, ns) == ns
        checked += 1
        with_names += expected != quote
    assert checked > 100 and with_names >= 5
    assert not leaks("\n".join(ps.text for ps in done.values()), decisions)


def test_pseudonymising_the_bundled_study_is_fast_and_leaves_no_accepted_name(docs):
    found = scan(docs, interviewer_labels=["Interviewer"])
    decisions = {c.text: f"[X {i}]" for i, c in enumerate(found)}
    t0 = time.perf_counter()
    outs = [pseudonymise(d.text, decisions).text for d in docs]
    secs = time.perf_counter() - t0
    assert secs < 1.0, secs
    assert leaks("\n".join(outs), decisions) == []
    # every place the scan said a candidate occurs is inside a replacement
    replaced = {d.name: pseudonymise(d.text, decisions).replaced for d in docs}
    for c in found:
        for name, s, e in c.occurrences:
            assert any(a <= s and e <= b for a, b, _o in replaced[name]), (c.text, name, s)


def test_leak_check_catches_line_breaks_case_and_accents():
    originals = ["Pat Quinlan", "Zoë", "Kelder Bank"]
    assert leaks("we met Pat\nQuinlan there", originals) == ["Pat Quinlan"]
    assert leaks("ZOE said so", originals) == ["Zoë"]
    assert leaks("zoë, Zoé", originals) == ["Zoë"]
    assert leaks("up at kelder   \n  BANK", originals) == ["Kelder Bank"]
    assert leaks("Patrick Quinlanson and Zoey from Kelder Banks", originals) == []
    ps = pseudonymise("Ask Pat\nQuinlan or ZOË.", {"Pat Quinlan": "[Person 1]", "Zoë": "[Person 2]"})
    assert ps.text == "Ask [Person 1] or [Person 2]."
    # offsets: "or" is at 16 in the old text ("Ask Pat\nQuinlan " is 16 characters) and at 15 in the new
    assert ps.offsets.span(16, 18) == (15, 17)
    # a span that starts inside a replaced name takes the whole pseudonym
    assert ps.offsets.span(8, 15) == (4, 14)


def test_refuse_leaks_names_the_output_not_the_detail():
    from fieldcode.privacy.replace import LeakFound, refuse_leaks

    refuse_leaks("[Person 1] came", ["Pat Quinlan"], where="quotes.csv")      # nothing left: no error
    with pytest.raises(LeakFound) as exc:
        refuse_leaks("Pat\r\nQUINLAN came", ["Pat Quinlan"], where="quotes.csv")
    assert "quotes.csv was not written" in str(exc.value) and "1 accepted" in str(exc.value)
    assert "Quinlan" not in str(exc.value)


def test_find_spans_prefers_the_longer_detail():
    t = "Pat said Pat Quinlan came."
    assert find_spans(t, ["Pat", "Pat Quinlan"]) == [(0, 3, "Pat"), (9, 20, "Pat Quinlan")]


def test_patterns_find_contacts_dates_and_addresses():
    text = ("Ring me on 0161 496 0123 or write to jo.bloggs@example.org, see www.example.org/page. "
            "We moved on 3rd of March 2019 to 12 Larkspur Road, M14 5RT. She's forty-two years old.")
    found = {c.text: c.category for c in scan([Document("x", text)])}
    assert found["0161 496 0123"] == "phone"
    assert found["jo.bloggs@example.org"] == "email"
    assert found["www.example.org/page"] == "url"
    assert found["3rd of March 2019"] == "date"
    assert found["12 Larkspur Road"] == "address"
    assert found["M14 5RT"] == "postcode"
    assert found["She's forty-two years old"] == "age"


def test_identifying_attributes_from_the_codebook_and_an_installed_spacy_pipeline(mini_dir, tmp_path):
    import spacy

    cb = mini_dir / "codebook.yaml"
    cb.write_text(cb.read_text().replace("  interviewer_speakers: [Interviewer]\n",
                                         "  interviewer_speakers: [Interviewer]\n  identifying: [school]\n"))
    a = mini_dir / "interviews" / "a.md"
    a.write_text(a.read_text().replace("role: resident\n", "role: resident\nschool: Brookvale Primary\n", 1)
                 .replace("We meet on Tuesdays.", "We meet on Tuesdays at the Ormsby Hall with Rev Tobias."))
    # a "trained" pipeline of our own, saved and named by its path as spacy_model would name it
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": "the Ormsby Hall"}, {"label": "PERSON", "pattern": "Tobias"}])
    nlp.to_disk(tmp_path / "pipe")
    p = Project.open(mini_dir, db=f"sqlite:///{tmp_path / 'x.db'}", coder="ana", settings=Settings())
    try:
        assert p.import_files().ok
        assert p.study.identifying == ("school",)
        found = {c.text: c for c in scan(review.documents(p.store), interviewer_labels=p.study.interviewer_speakers,
                                         identifying=p.study.identifying, spacy_model=str(tmp_path / "pipe"))}
    finally:
        p.close()
    assert found["Brookvale Primary"].category == "school"
    assert found["Brookvale Primary"].occurrences == []        # an attribute: not in the text
    assert found["the Ormsby Hall"].category == "organisation"
    assert found["Tobias"].category == "person"


# --- bad input ------------------------------------------------------------------------------------
def test_bad_input_is_named_and_changes_nothing(study):
    res = _run(study, "pseudonyms", "list")
    assert res.exit_code != 0 and "pseudonyms scan" in res.output
    _no_traceback(res)
    assert _run(study, "pseudonyms", "scan", coder="ana").exit_code == 0
    keyfile = study / "pseudonyms.key.yaml"
    before = keyfile.read_bytes()

    res = _run(study, "pseudonyms", "accept", "nosuchid", coder="ana")
    assert res.exit_code != 0 and "no pseudonym entry 'nosuchid'" in res.output
    _no_traceback(res)
    res = _run(study, "pseudonyms", "add", "   ", coder="ana")
    assert res.exit_code != 0 and "TEXT) is empty" in res.output
    _no_traceback(res)
    res = _run(study, "pseudonyms", "accept", "--all", "--as", "[X]", coder="ana")
    assert res.exit_code != 0 and "--as" in res.output
    res = _run(study, "pseudonyms", "list", "--state", "maybe")
    assert res.exit_code != 0 and "--state 'maybe'" in res.output
    k = keymod.load(study)
    bev = k.entry_id("Bev")
    res = _run(study, "pseudonyms", "accept", bev, "--as", "Bev's mate", coder="ana")
    assert res.exit_code != 0 and "would name an identifying detail" in res.output
    res = _run(study, "pseudonyms", "accept", bev)                 # no coder
    assert res.exit_code != 0
    _no_traceback(res)
    assert keyfile.read_bytes() == before

    broken = before.replace(b"entries:", b"entries: [", 1)
    keyfile.write_bytes(broken)
    for args in (("list",), ("accept", bev), ("scan",)):
        res = _run(study, "pseudonyms", *args, coder="ana")
        assert res.exit_code != 0, args
        assert f"the pseudonym key {keyfile} is damaged" in " ".join(res.output.split()), res.output
        _no_traceback(res)
    assert keyfile.read_bytes() == broken                          # never overwritten

    # an entry whose original was edited by hand no longer matches its id
    keyfile.write_bytes(before.replace(b"original: Bev\n", b"original: Bevan\n", 1))
    res = _run(study, "pseudonyms", "list")
    assert res.exit_code != 0 and "does not belong to its original" in " ".join(res.output.split())


def test_old_codebooks_without_identifying_still_load(tmp_path):
    from fieldcode.study import codebook as cbmod

    cb = cbmod.load(REPO / "codebook.yaml")
    assert cb.study.identifying == ()
    bad = tmp_path / "codebook.yaml"
    bad.write_text((REPO / "codebook.yaml").read_text().replace("  arms: [improving, lagging]\n",
                                                                 "  arms: [improving, lagging]\n  identifying: 3\n"))
    with pytest.raises(Exception, match="study.identifying must be a list"):
        cbmod.load(bad)


def test_key_file_round_trip(tmp_path):
    k = keymod.load(tmp_path, create=True)
    e = keymod.Entry(k.entry_id("Zoë  Smith"), "Zoë  Smith", "person", state="accepted", pseudonym="[Person 1]",
                     evidence=["by hand: 'quoted'"], occurrences={"a.md": [(3, 13), (40, 50)]}, by="ana", at="t")
    k.entries[e.id] = e
    keymod.save(k)
    again = keymod.load(tmp_path)
    assert again.entries == {e.id: e} and again.secret == k.secret
    assert again.entry_id("zoe smith") == e.id
    assert stat.S_IMODE((tmp_path / keymod.KEY_FILE).stat().st_mode) == 0o600
    assert json.dumps(again.accepted()) == json.dumps({"Zoë  Smith": "[Person 1]"})
    assert again.category_of("ZOE SMITH") == "person" and again.category_of("Nobody") == "detail"


def test_accept_with_another_category_takes_that_categorys_label(mini, mini_dir):
    p = mini
    review.scan_study(p.store, mini_dir, p.study, "ana")
    k = keymod.load(mini_dir)
    ash = k.entry_id("Ashcliffe")
    assert k.entries[ash].category == "place"                  # a neighbourhood's value
    review.accept(p.store, mini_dir, "ana", [ash])
    assert keymod.load(mini_dir).entries[ash].pseudonym == "[Place A]"
    review.accept(p.store, mini_dir, "ben", [ash], category="organisation")
    e = keymod.load(mini_dir).entries[ash]
    assert (e.category, e.pseudonym, e.by) == ("organisation", "[Organisation 1]", "ben")
    assert [d.detail["pseudonym"] for d in pstore.q_decisions(p.store, entry=ash)] == ["[Place A]", "[Organisation 1]"]


def test_a_spacy_model_that_is_not_installed_is_named():
    from fieldcode.errors import InvalidInput

    with pytest.raises(InvalidInput, match="'en_core_web_nowhere' named in your settings"):
        scan([Document("x", "Some text with Zanzibar in it.")], spacy_model="en_core_web_nowhere")


def test_another_copys_decisions_are_carried_once(mini_dir, tmp_path, db_url):
    """What merge needs: ben's decisions in his copy come into ana's database, with their own
    coder and time, and carrying them again adds nothing."""
    here = Project.open(mini_dir, db=db_url, coder="ana", settings=Settings())
    there = Project.open(mini_dir, db=f"sqlite:///{tmp_path / 'ben.db'}", coder="ben", settings=Settings())
    try:
        assert here.import_files().ok and there.import_files().ok
        review.scan_study(here.store, mini_dir, here.study, "ana")
        k = keymod.load(mini_dir)
        review.reject(there.store, mini_dir, "ben", [k.entry_id("Brookside")])
        review.accept(there.store, mini_dir, "ben", [k.entry_id("Sam")])
        theirs = pstore.q_decisions(there.store)
        assert pstore.carry_decisions(here.store, theirs) == 2
        assert pstore.carry_decisions(here.store, theirs) == 0
        got = [(d.coder, d.action, d.detail.get("entry")) for d in pstore.q_decisions(here.store)]
        assert got == [("ana", "pn-scan", None), ("ben", "pn-reject", k.entry_id("Brookside")),
                       ("ben", "pn-accept", k.entry_id("Sam"))]
    finally:
        here.close()
        there.close()


# An answer key built by hand for ONE real transcript (the podcast interview
# changelog_afk_away-from-keyboard-1.md, ~3,900 words): I read the whole text once and wrote down
# every person and place named in it, as written (the two speakers by full name and Jason alone,
# the one other person, the one city).  The publications, shows and companies it names (which
# point at the interviewee as surely) are listed apart and counted, not scored.
AFK_PERSONS = ["Tim Smith", "Jason Snell", "Jason", "David Sparks"]
AFK_PLACES = ["San Francisco"]
AFK_ORGANISATIONS = ["Apple", "Macworld", "The Incomparable", "Six Colors", "Starbucks", "Tom's Guide",
                     "Free Agents", "Pop Culture"]


def test_scan_recall_on_a_real_transcript_with_a_hand_key(shared, tmp_path, capsys):
    from collections import Counter

    from fieldcode.exchange.importer import import_paths
    from fieldcode.study.codebook import Study
    from fieldcode.store import Store, sqlite_url

    src = shared / "corpus" / "transcripts" / "changelog_afk_away-from-keyboard-1.md"
    if not src.is_file():
        pytest.skip(f"{src} is not there")
    store = Store(sqlite_url(tmp_path / "afk.db"))
    try:
        import_paths(store, Study(), [src], root=src.parent, coder="test")
        (doc,) = review.documents(store)
    finally:
        store.close()
    found = scan([doc])
    covered = [(s, e) for c in found for _n, s, e in c.occurrences]

    def places_of(n: str) -> list[tuple[int, int]]:
        # whole word, as written; "Jason" alone is not the first word of "Jason Snell"
        pat = rf"(?<!\w){re.escape(n)}(?!\w)" + (r"(?! Snell)" if n == "Jason" else "")
        return [(m.start(), m.end()) for m in re.finditer(pat, doc.text)]

    def is_found(n: str) -> bool:
        ps = places_of(n)
        assert ps, f"{n} is in the hand key but not in the text"
        return all(any(s <= a and b <= e for s, e in covered) for a, b in ps)

    missed = [n for n in AFK_PERSONS + AFK_PLACES if not is_found(n)]
    orgs = [n for n in AFK_ORGANISATIONS if is_found(n)]
    known = AFK_PERSONS + AFK_PLACES + AFK_ORGANISATIONS
    false = sorted(c.text for c in found if c.category not in PATTERN_CATEGORIES
                   and not any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", c.text) for n in known))
    recall = 1 - len(missed) / len(AFK_PERSONS + AFK_PLACES)
    with capsys.disabled():
        print(f"\nreal transcript (afk podcast): {len(found)} candidates {dict(Counter(c.category for c in found))}; "
              f"persons and places found {recall:.0%} (missed: {missed}); organisations found {len(orgs)} of "
              f"{len(AFK_ORGANISATIONS)}; {len(false)} false candidates: {false}")
    assert recall >= 0.9, missed
    assert len(false) <= 8       # 5 when measured (Tom and Guide of "Tom's Guide", HR, PM, TV)
