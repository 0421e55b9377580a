"""Build small stores with hand-placed text, turns, sentences and codings for the agreement
tests (no import pipeline in the way, so every offset is the test's own)."""

from __future__ import annotations

from pathlib import Path

from fieldcode.study import codebook as cbmod
from fieldcode import text as textmod
from fieldcode.store import PreparedInterview, Store

CODEBOOK = """\
study:
  name: Agreement study
  arms: [improving, lagging]
  interviewer_speakers: [Interviewer]
codes:
  - key: k1
    name: One
  - key: k2
    name: Two
  - key: k3
    name: Three
"""


def make_store(db_url: str, tmp_path: Path, interviews: list[dict]) -> Store:
    """interviews: dicts with name, text, optional attributes, sentences (spans), labelled
    (detect ``Name:`` turns; default False)."""
    cb_path = tmp_path / "codebook.yaml"
    cb_path.write_text(CODEBOOK, encoding="utf-8")
    store = Store(db_url)
    store.sync_codebook(cbmod.load(cb_path))
    for iv in interviews:
        text = iv["text"]
        turns = textmod.detect_turns(text) if iv.get("labelled") else []
        store.save_interview(PreparedInterview(
            name=iv["name"], source_path=iv["name"], format="txt", encoding="utf-8", text=text, turns=turns,
            interviewer_turns=[textmod.is_interviewer(t.speaker, ["Interviewer"]) for t in turns],
            sentences=iv.get("sentences", []), attributes=iv.get("attributes", {})))
    return store


def code(store: Store, interview: str, key: str, start: int, end: int, coder: str) -> None:
    store.add_coding(interview, key, start, end, coder)
