"""Helpers for the REFI-QDA tests: build small .qdpx files by hand (not with fieldcode's
writer), open studies, and list what a study holds in comparable form."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from sqlalchemy import text as sql

NS = "urn:QDA-XML:project:1.0"


def g() -> str:
    return str(uuid.uuid4()).upper()


def make_qdpx(path: Path, sources: list[dict], codes: list[tuple[str, str]], users: dict[str, str],
              *, encoding: str = "utf-8", bom: bool = False) -> Path:
    """sources: dicts with name, raw (the exact text file), selections [(guid, start, end, name,
    [(code guid, user guid)])].  codes: (guid, name).  users: guid -> name."""
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NS}" name="synthetic" origin="test">',
             "<Users>"] + [f'<User guid="{u}" name={quoteattr(n)}/>' for u, n in users.items()] + [
        "</Users><CodeBook><Codes>"] + [f'<Code guid="{c}" name={quoteattr(n)} isCodable="true" color="#112233"/>'
                                        for c, n in codes] + ["</Codes></CodeBook><Sources>"]
    files = {}
    for s in sources:
        sg = s.get("guid") or g()
        parts.append(f'<TextSource guid="{sg}" name={quoteattr(s["name"])} plainTextPath="internal://{sg}.txt">')
        for sel_guid, start, end, name, codings in s["selections"]:
            parts.append(f'<PlainTextSelection guid="{sel_guid}" name={quoteattr(name)} startPosition="{start}" '
                         f'endPosition="{end}">')
            for code, user in codings:
                parts.append(f'<Coding guid="{g()}" creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding>')
            parts.append("</PlainTextSelection>")
        parts.append("</TextSource>")
        data = s["raw"].encode(encoding)
        files[f"Sources/{sg}.txt"] = (b"\xef\xbb\xbf" if bom else b"") + data
    parts.append("</Sources></Project>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Project.qde", "".join(parts).encode("utf-8"))
        for n, d in files.items():
            z.writestr(n, d)
    return path


def new_study(root: Path, study_block: str = 'study:\n  name: "Target"\n') -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "codebook.yaml").write_text(study_block + "codes: []\n", encoding="utf-8")
    return root


def coding_rows(store) -> set[tuple]:  # noqa: ANN001
    """(interview name, code key, coder, start, end, uid) of every coding, by plain SQL."""
    with store.engine.connect() as c:
        return {tuple(r) for r in c.execute(sql(
            "SELECT i.name, k.key, c.coder, c.start, c.\"end\", c.uid FROM coding c "
            "JOIN interview i ON i.id = c.interview_id JOIN code k ON k.id = c.code_id"))}


def coded_texts(store) -> dict[str, list[str]]:  # noqa: ANN001
    with store.engine.connect() as c:
        out: dict[str, list[str]] = {}
        for uid, txt, st, en in c.execute(sql(
                "SELECT c.uid, i.text, c.start, c.\"end\" FROM coding c JOIN interview i ON i.id = c.interview_id")):
            out[uid] = txt[st:en]
        return out


def count(store, table: str) -> int:  # noqa: ANN001
    with store.engine.connect() as c:
        return c.execute(sql(f'SELECT count(*) FROM "{table}"')).scalar_one()
