"""The store as a blind coder's screens see it: :class:`BlindStore` wraps the project's store and
changes only what it reads out, never what is written.

* interviews carry their neutral label as name, their transcript masked (same length: every
  offset, line and selection stays true), their file name as the label, and no hidden
  attribute;
* codings, coders, counts and the change log are the coder's own only, except on an interview
  they have handed in (after their independent pass they may see the others');
* every write (and every read not named here) goes to the real store, which reads the real
  text inside its own transactions: quotes, hashes and offsets are computed on what is stored.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from fieldcode.protocol.blinding import Blinder
from fieldcode.store import protocol as sp


class BlindStore:
    def __init__(self, store, blinder: Blinder) -> None:  # noqa: ANN001
        self._store = store
        self._b = blinder
        self._me = blinder.coder

    def __getattr__(self, name: str):  # noqa: ANN204 - everything else is the real store's
        return getattr(self._store, name)

    @property
    def real(self):  # noqa: ANN201
        return self._store

    # -- interviews -------------------------------------------------------------------------
    def interview(self, ref):  # noqa: ANN001, ANN201
        iv = self._store.interview(ref)
        fields = {k: getattr(iv, k) for k in type(iv).model_fields}
        label = self._b.label(iv.name)
        fields.update(name=label, text=self._b.mask_text(iv.text), source_path=label)
        return SimpleNamespace(**fields)

    def attributes(self, interview_id: int) -> dict[str, str]:
        return self._b.attributes(self._store.attributes(interview_id))

    def all_attributes(self) -> dict[int, dict[str, str]]:
        return {i: self._b.attributes(a) for i, a in self._store.all_attributes().items()}

    def interview_infos(self, coder: str | None = None):  # noqa: ANN201
        return [replace(i, name=self._b.label(i.name), source_path=self._b.label(i.name),
                        attributes=self._b.attributes(i.attributes), coders=tuple(c for c in i.coders if c == self._me))
                for i in self._store.interview_infos(coder=self._me)]

    # -- codings: the coder's own, and everyone's on an interview they handed in --------------
    def _open_to_all(self) -> set[int]:
        first = sp.first_handins(self._store)
        return {iid for (who, iid) in first if who == self._me}

    def coding_tuples(self, interview_id: int) -> list[tuple]:
        rows = self._store.coding_tuples(interview_id)
        if interview_id in self._open_to_all():
            return rows
        return [r for r in rows if r[2] == self._me]

    def codings(self, interview_id: int | None = None, **kw):  # noqa: ANN201
        rows = self._store.codings(interview_id, **kw)
        seen = self._open_to_all()
        return [r for r in rows if r.coder == self._me or r.interview_id in seen]

    def coders(self) -> list[str]:
        return [c for c in self._store.coders() if c == self._me]

    def code_counts(self, *, interview_id: int | None = None, coder: str | None = None) -> dict[int, int]:
        return self._store.code_counts(interview_id=interview_id, coder=self._me)

    def events(self, *, coder: str | None = None, **kw):  # noqa: ANN201
        return self._store.events(coder=self._me, **kw)
