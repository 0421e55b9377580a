"""Every real file in ../shared/corpus imports; known sentences sit at the stored offsets.
Skipped cleanly when ../shared is absent."""

import pytest

from fieldcode.project import Project

pytestmark = pytest.mark.corpus

CODEBOOK = "codes:\n  - key: theme\n    name: Theme\n"


@pytest.fixture
def corpus_project(tmp_path, shared):
    (tmp_path / "codebook.yaml").write_text(CODEBOOK)
    p = Project.open(tmp_path, coder="ana")
    yield p, shared / "corpus"
    p.close()


def test_every_corpus_file_imports(corpus_project):
    p, corpus = corpus_project
    files = sorted(f for d in ("transcripts", "formats") for f in (corpus / d).iterdir() if f.suffix != ".csv")
    assert len(files) >= 10
    rep = p.import_files(files)
    bad = [(o.path, o.message) for o in rep.outcomes if o.status != "imported"]
    assert bad == []
    assert len(p.store.interview_infos()) == len(files)
    for info in p.store.interview_infos():
        assert info.n_words >= 20, info.name  # the smallest, special.chars.docx, has 25


def test_known_sentence_at_stored_offsets_in_a_real_transcript(corpus_project):
    p, corpus = corpus_project
    rep = p.import_files([corpus / "transcripts" / "qualitative-coding_admin-1.txt"])
    assert rep.ok
    iv = p.store.interview("qualitative-coding_admin-1.txt")
    raw = (corpus / "transcripts" / "qualitative-coding_admin-1.txt").read_text(encoding="utf-8")
    # The file is ASCII with \n line ends: the stored text equals the file minus trailing space.
    assert iv.text == raw.rstrip() + "\n"
    target = "Okay, thank you. I appreciate that."
    start = raw.index(target)
    sents = {(s.start, s.end) for s in p.store.sentences(iv.id)}
    assert (start, start + len("Okay, thank you.")) in sents
    assert (start + len("Okay, thank you. "), start + len(target)) in sents
    turns = p.store.turns(iv.id)
    assert turns[0].speaker == "Automation"
    speakers = {t.speaker for t in turns}
    assert {"Max Bigman", "admin-1"} <= speakers


def test_windows_1252_oral_history_decodes_and_is_reported(corpus_project):
    p, corpus = corpus_project
    rep = p.import_files([corpus / "transcripts" / "ftf_HEATH_28AUG91_fromscan.txt"])
    (o,) = rep.outcomes
    assert o.status == "imported" and any("1252" in n for n in o.notes)
    text = p.store.interview("ftf_HEATH_28AUG91_fromscan.txt").text
    assert "\r" not in text and "\x85" not in text
    assert "That\u2019s in the Blacktown area?" in text   # 0x92 in cp1252 is a right single quote


def test_vtt_cues_become_one_speaker_turn(corpus_project):
    p, corpus = corpus_project
    rep = p.import_files([corpus / "formats" / "PLC_Fishbowl_zoom_transcript.vtt"])
    assert rep.ok
    iv = p.store.interview("PLC_Fishbowl_zoom_transcript.vtt")
    turns = p.store.turns(iv.id)
    assert [t.speaker for t in turns] == ["Caleob King"]
    assert iv.text.startswith("Caleob King: Hello, everybody, I hope you're doing all right.")
