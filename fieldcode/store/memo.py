"""Memos: on an interview, a passage of it, or a code, each edited only by its author; and the
list of every memo (with the codings' own memos) the screens and exports show.

A memo on an interview or a passage is written under the interview's lock, like every coding
write (``fieldcode.store.record``), so it never interleaves with a re-import (which moves
passage memos with their words); a passage planned on a text that was re-imported since
(``expect_sha``) is refused with :class:`~fieldcode.errors.TextChanged`, nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from fieldcode.errors import Conflict, InvalidInput, NotFound
from fieldcode.ingest import align
from fieldcode.store.models import Code, Coding, Interview, Memo, MemoDeletion, utcnow


@dataclass(frozen=True)
class MemoInfo:
    """A memo as the screens and exports show it.  ``kind``: interview, passage, code or coding
    (a coding's own memo, ``coding_id`` set; edited through the coding)."""

    kind: str
    id: int
    uid: str
    author: str
    text: str
    interview_id: int | None
    interview: str
    code_id: int | None
    code_key: str
    code_name: str
    start: int | None
    end: int | None
    quote: str
    created_at: datetime
    updated_at: datetime
    coding_id: int | None = None


def _memo_kind(m: Memo) -> str:
    if m.interview_id is None:
        return "code"
    return "passage" if m.start is not None else "interview"


def add_memo(store, author: str, text: str, *, interview_id: int | None = None, code_id: int | None = None,  # noqa: ANN001
             start: int | None = None, end: int | None = None, expect_sha: str | None = None) -> int:
    """A memo on an interview, a passage of it (``start``/``end``, with or without a code), or a
    code (``code_id`` alone).  ``expect_sha``: the text version (SHA-256) ``start``/``end``
    count in; refused with :class:`TextChanged` when the interview was re-imported since.
    Returns its id."""
    if not text.strip():
        raise InvalidInput("a memo needs some text")
    if interview_id is None and code_id is None:
        raise InvalidInput("a memo belongs to an interview, a passage or a code")
    if (start is None) != (end is None) or (start is not None and interview_id is None):
        raise InvalidInput("a passage memo needs an interview and both start and end")
    with store.write() as s:
        prefix = ""
        if interview_id is not None:
            try:
                iv = store.lock_interview(s, interview_id, expect_sha)
            except NotFound:
                raise NotFound(f"no interview #{interview_id}") from None
            if start is not None:
                store.check_span(iv, start, end)
                prefix = iv.text[start:end][:80]
        if code_id is not None and s.get(Code, code_id) is None:
            raise NotFound(f"no code #{code_id}")
        now = utcnow()
        m = Memo(author=author, interview_id=interview_id, code_id=code_id, start=start, end=end,
                 quote_prefix=prefix, text=text, created_at=now, updated_at=now)
        s.add(m)
        s.flush()
        return m.id


def move_passage_memos(s: Session, interview_id: int, kept: list, new_text: str) -> int:
    """Inside a re-import's locked transaction: move every passage memo of the interview through
    the alignment ``kept`` (old text -> ``new_text``, see ``fieldcode.ingest.align``).  A memo
    whose words the new text deletes stays on the interview, its ``quote_prefix`` keeping the
    words it was on.  Returns how many memos lost their passage."""
    lost = 0
    for m in s.exec(select(Memo).where(Memo.interview_id == interview_id, Memo.start.is_not(None))).scalars():
        span = align.map_span(kept, m.start, m.end, len(new_text))
        if span is None:
            m.start = m.end = None
            lost += 1
        else:
            m.start, m.end = span
            m.quote_prefix = new_text[span[0]:span[1]][:80]
    s.flush()
    return lost


def _own_memo(s: Session, memo_id: int, author: str) -> Memo:
    m = s.get(Memo, memo_id)
    if m is None:
        raise NotFound(f"no memo #{memo_id}")
    if m.author != author:
        raise Conflict(f"memo #{memo_id} was written by {m.author}; each researcher edits only their own memos")
    return m


def _lock_memo(store, s: Session, memo_id: int, expect_sha: str | None) -> None:  # noqa: ANN001
    """Lock the interview of memo ``memo_id`` (if it is on one) before the memo is read."""
    iid = s.exec(select(Memo.interview_id).where(Memo.id == memo_id)).scalars().first()
    if iid is not None:
        store.lock_interview(s, iid, expect_sha)


def update_memo(store, memo_id: int, author: str, text: str, *, expect_sha: str | None = None) -> None:  # noqa: ANN001
    """Replace the text of one's own memo.  ``expect_sha``: the text version of its interview the
    caller read (the passage it showed); refused with :class:`TextChanged` when re-imported since."""
    if not text.strip():
        raise InvalidInput("a memo needs some text (delete it instead)")
    with store.write() as s:
        _lock_memo(store, s, memo_id, expect_sha)
        m = _own_memo(s, memo_id, author)
        if m.text != text:
            m.text, m.updated_at = text, utcnow()


def delete_memo(store, memo_id: int, author: str) -> None:  # noqa: ANN001
    """Delete one's own memo, recording the deletion (``memo_deletion``) so that ``merge`` does
    not bring it back from a copy that still has it."""
    with store.write() as s:
        _lock_memo(store, s, memo_id, None)
        m = _own_memo(s, memo_id, author)
        s.merge(MemoDeletion(uid=m.uid, author=m.author, deleted_at=utcnow()))
        s.delete(m)


def memos(store, *, interview_id: int | None = None, code_id: int | None = None,  # noqa: ANN001
          author: str | None = None, codings: bool = True) -> list[MemoInfo]:
    """Every memo (and, with ``codings``, every coding's memo), filtered, in interview and text
    order (code memos last)."""
    out: list[MemoInfo] = []
    with store.read() as s:
        names = dict(s.exec(select(Interview.id, Interview.name)).all())
        codes = {c.id: (c.key, c.name) for c in s.exec(select(Code)).scalars()}
        texts: dict[int, str] = {}

        def text_of(iid: int) -> str:
            if iid not in texts:
                texts[iid] = s.get(Interview, iid).text
            return texts[iid]

        q = select(Memo)
        if interview_id is not None:
            q = q.where(Memo.interview_id == interview_id)
        if code_id is not None:
            q = q.where(Memo.code_id == code_id)
        if author is not None:
            q = q.where(Memo.author == author)
        for m in s.exec(q).scalars():
            key, name = codes.get(m.code_id, ("", ""))
            quote = text_of(m.interview_id)[m.start:m.end] if m.start is not None else ""
            out.append(MemoInfo(_memo_kind(m), m.id, m.uid, m.author, m.text, m.interview_id,
                                names.get(m.interview_id, ""), m.code_id, key, name, m.start, m.end,
                                quote, m.created_at, m.updated_at))
        if codings:
            q = select(Coding).where(Coding.memo != "")
            if interview_id is not None:
                q = q.where(Coding.interview_id == interview_id)
            if code_id is not None:
                q = q.where(Coding.code_id == code_id)
            if author is not None:
                q = q.where(Coding.coder == author)
            for c in s.exec(q).scalars():
                key, name = codes.get(c.code_id, ("", ""))
                out.append(MemoInfo("coding", c.id, c.uid, c.coder, c.memo, c.interview_id,
                                    names.get(c.interview_id, ""), c.code_id, key, name, c.start, c.end,
                                    text_of(c.interview_id)[c.start:c.end], c.created_at, c.updated_at,
                                    coding_id=c.id))
    out.sort(key=lambda m: (m.interview_id is None, m.interview, m.start if m.start is not None else -1,
                            m.kind, m.created_at, m.id))
    return out
