"""The database side of exchange with other tools (``fieldcode.exchange``): whole-study rows
for an export, memos with their identity for an import, and what an import's journal needs to
tell, after a kill, whether its one transaction committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update

from fieldcode.store.models import Code, CodebookVersion, Coding, Interview, Memo, utcnow


def exchange_rows(store) -> dict:  # noqa: ANN001
    """Everything a REFI-QDA export needs, as plain dicts: interviews (with attributes), codes
    (active ones, and retired ones that still have codings), codings and memos."""
    attrs = store.all_attributes()
    with store.read() as s:
        ivs = [dict(id=i.id, name=i.name, text=i.text, sha256=i.sha256, imported_at=i.imported_at,
                    attributes=attrs.get(i.id, {}))
               for i in s.exec(select(Interview).order_by(Interview.name)).scalars()]
        used = set(s.exec(select(Coding.code_id).distinct()).scalars())
        used |= {c for c in s.exec(select(Memo.code_id).where(Memo.code_id.is_not(None)).distinct()).scalars()}
        codes = [dict(id=c.id, key=c.key, name=c.name, parent_id=c.parent_id, colour=c.colour,
                      definition=c.definition, use_when=c.use_when, not_when=c.not_when, example=c.example,
                      codable=c.codable)
                 for c in s.exec(select(Code).order_by(Code.position, Code.id)).scalars()
                 if c.retired_at is None or c.id in used]
        codings = [dict(uid=c.uid, interview_id=c.interview_id, code_id=c.code_id, coder=c.coder, start=c.start,
                        end=c.end, memo=c.memo, created_at=c.created_at, updated_at=c.updated_at)
                   for c in s.exec(select(Coding).order_by(Coding.interview_id, Coding.start, Coding.id)).scalars()]
        memos_ = [dict(uid=m.uid, author=m.author, interview_id=m.interview_id, code_id=m.code_id, start=m.start,
                       end=m.end, text=m.text, created_at=m.created_at, updated_at=m.updated_at)
                  for m in s.exec(select(Memo).order_by(Memo.id)).scalars()]
    return dict(interviews=ivs, codes=codes, codings=codings, memos=memos_)


def exchange_insert_memos(store, rows: list[dict]) -> tuple[list[str], int]:  # noqa: ANN001
    """Memos from another copy or tool, keeping uid and times: one transaction; a row whose uid
    is already here is skipped.  Returns ``(added uids, skipped)``."""
    added: list[str] = []
    skipped = 0
    with store.write() as s:
        for r in rows:
            if s.exec(select(Memo.id).where(Memo.uid == r["uid"])).first() is not None:
                skipped += 1
                continue
            prefix = ""
            if r.get("interview_id") is not None and r.get("start") is not None:
                iv = s.get(Interview, r["interview_id"])
                store.check_span(iv, r["start"], r["end"])
                prefix = iv.text[r["start"]:r["end"]][:80]   # as add_memo keeps it
            now = utcnow()
            s.add(Memo(uid=r["uid"], author=r["author"], interview_id=r.get("interview_id"),
                       code_id=r.get("code_id"), start=r.get("start"), end=r.get("end"), quote_prefix=prefix,
                       text=r["text"], created_at=r.get("created_at") or now,
                       updated_at=r.get("updated_at") or r.get("created_at") or now))
            added.append(r["uid"])
    return added, skipped


def exchange_existing_uids(store, coding_uids: Iterable[str], memo_uids: Iterable[str]) -> tuple[set[str], set[str]]:  # noqa: ANN001
    """Which of these coding and memo uids are already in the database."""
    cu, mu = list(coding_uids), list(memo_uids)
    out_c: set[str] = set()
    out_m: set[str] = set()
    with store.read() as s:
        for i in range(0, len(cu), 900):
            out_c |= set(s.exec(select(Coding.uid).where(Coding.uid.in_(cu[i:i + 900]))).scalars())
        for i in range(0, len(mu), 900):
            out_m |= set(s.exec(select(Memo.uid).where(Memo.uid.in_(mu[i:i + 900]))).scalars())
    return out_c, out_m


def exchange_set_imported_at(store, interview_id: int, when: datetime) -> None:  # noqa: ANN001
    """Keep the creation time an exchange file gives a source (so a round trip keeps it)."""
    with store.write() as s:
        s.exec(update(Interview).where(Interview.id == interview_id).values(imported_at=when))


def exchange_last_codebook_version(store) -> int:  # noqa: ANN001
    """The id of the last codebook version recorded (0 for none): an import's journal keeps it
    to tell, after a kill, whether its own codebook version was committed."""
    with store.read() as s:
        return s.exec(select(func.max(CodebookVersion.id))).scalar_one() or 0


def exchange_code_ids(s) -> dict[str, int]:  # noqa: ANN001
    """Code key -> id, retired codes included, as the session ``s`` sees them (inside an
    import's transaction, its new codes too)."""
    return {k: i for k, i in s.exec(select(Code.key, Code.id)).all()}


def exchange_import_committed(store, *, codebook_hash: str | None, after_version: int,  # noqa: ANN001
                              interview_sha256: list[str], coding_uids: list[str], memo_uids: list[str]) -> bool:
    """Whether an interrupted import's one transaction committed: any of what it was about to
    add (a codebook version newer than ``after_version`` with its hash, a new interview's text,
    a coding or memo uid) is in the database.  Its transaction added all of them or none."""
    with store.read() as s:
        if codebook_hash and s.exec(select(CodebookVersion.id).where(
                CodebookVersion.hash == codebook_hash, CodebookVersion.id > (after_version or 0))).first() is not None:
            return True
        if interview_sha256 and s.exec(select(Interview.id).where(
                Interview.sha256.in_(interview_sha256[:900]))).first() is not None:
            return True
        if coding_uids and s.exec(select(Coding.id).where(Coding.uid.in_(coding_uids[:900]))).first() is not None:
            return True
        return bool(memo_uids) and s.exec(select(Memo.id).where(Memo.uid.in_(memo_uids[:900]))).first() is not None

