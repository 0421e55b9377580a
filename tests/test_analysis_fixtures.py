"""Small hand-countable projects for the analysis, crosstab and export tests (no tests here).

Every transcript is written so its words can be counted by eye; each test states its arithmetic.
"""

from __future__ import annotations

from pathlib import Path

from fieldcode.project import Project

CODEBOOK = """\
study:
  name: "Tiny test study"
  arms: [improving, lagging]
  interviewer_speakers: [Interviewer]
  required_attributes: [pair, neighbourhood, arm, role]
codes:
  - key: place
    name: Place
  - key: housing
    parent: place
    name: Housing
  - key: repairs
    parent: housing
    name: Repairs
  - key: leadership
    name: Leadership
  - key: aspiration
    name: Aspiration
"""


def write_interview(folder: Path, name: str, attrs: dict[str, str], body: str) -> None:
    front = "\n".join(f"{k}: {v}" for k, v in attrs.items())
    (folder / f"{name}.md").write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")


def make_project(tmp: Path, interviews: dict[str, tuple[dict[str, str], str]],
                 codebook: str = CODEBOOK, db: str | None = None) -> Project:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "codebook.yaml").write_text(codebook, encoding="utf-8")
    ivdir = tmp / "interviews"
    ivdir.mkdir(exist_ok=True)
    for name, (attrs, body) in interviews.items():
        write_interview(ivdir, name, attrs, body)
    p = Project.open(tmp, coder="ana", db=db)
    rep = p.import_files()
    assert rep.ok, [(o.path, o.message) for o in rep.failed]
    return p


def span(text: str, phrase: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the ``nth`` occurrence of ``phrase`` in ``text``."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(phrase, i + 1)
    return i, i + len(phrase)


def code(p: Project, interview: str, key: str, phrase: str, coder: str = "ana", nth: int = 0,
         memo: str = "", end_phrase: str | None = None) -> int:
    """Code ``phrase`` (or from ``phrase`` to the end of ``end_phrase``) in ``interview``."""
    text = p.store.interview(interview).text
    a, b = span(text, phrase, nth)
    if end_phrase is not None:
        b = span(text, end_phrase)[1]
    return p.store.add_coding(interview, key, a, b, coder, memo=memo).id


def attrs(pair: str, arm: str, role: str = "resident", hood: str | None = None) -> dict[str, str]:
    return {"pair": pair, "neighbourhood": hood or f"{pair}-{arm}", "arm": arm, "role": role}
