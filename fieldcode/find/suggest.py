"""Suggestions: codings proposed to a coder from a search or from a code's ``keywords``, which
become codings only when that coder accepts them (``fieldcode.store.search``).

Every suggestion records its origin: ``kind`` (search / keyword / model, the last from
``fieldcode.find.learn``), the query, keyword or score, the ``unit`` coded (hit, sentence or turn),
``at`` (UTC) and ``by`` (who asked for it).  A span already proposed to the coder for that code
(in any state: rejected ones are remembered), or already inside one of the coder's codings of
that code, is not proposed again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fieldcode.find import search as searchmod
from fieldcode.store import search as store_search
from fieldcode.errors import InvalidInput
from fieldcode.store.models import utcnow
from fieldcode.store import q_sentence_arrays, q_texts, q_turn_spans

UNITS = ("hit", "sentence", "turn")


@dataclass(frozen=True)
class Proposed:
    hits: int
    added: list[int]
    skipped: int


def _rows(store, result, code_id: int, to: str, unit: str, origin: dict) -> list[dict]:  # noqa: ANN001
    if unit not in UNITS:
        raise InvalidInput(f"unknown unit {unit!r}: use one of {', '.join(UNITS)}")
    ids = sorted({h.interview_id for h in result.hits})
    texts = q_texts(store, ids) if unit == "turn" and ids else {}
    sents = q_sentence_arrays(store, ids) if unit == "sentence" and ids else {}
    turns = q_turn_spans(store, ids) if unit == "turn" and ids else {}
    rows = []
    for h in result.hits:
        a, b, used = searchmod.unit_span(h, unit, sents.get(h.interview_id, ((), ())), turns.get(h.interview_id, []),
                                         texts.get(h.interview_id))
        rows.append({"interview_id": h.interview_id, "code_id": code_id, "coder": to, "start": a, "end": b,
                     "origin": {**origin, "unit": used}})
    return rows


def _code(store, key: str):  # noqa: ANN001, ANN202
    code = store.code(key)
    if code.retired_at is not None:
        raise InvalidInput(f"code '{code.key}' is retired (no longer in codebook.yaml); add it back to use it")
    return code


def propose_from_search(store, query: searchmod.Query, code: str, *, to: str, by: str,  # noqa: ANN001
                        unit: str = "sentence", model: str | None = None) -> Proposed:
    """Propose to coder ``to`` a coding of ``code`` on the ``unit`` around every hit of ``query``."""
    c = _code(store, code)
    result = searchmod.search(store, query, model=model)
    origin = {"kind": "search", **query.describe(), "at": utcnow().isoformat(timespec="seconds"), "by": by}
    added, skipped = store_search.add_suggestions(store, _rows(store, result, c.id, to, unit, origin))
    return Proposed(len(result.hits), added, skipped)


def propose_from_keywords(store, *, to: str, by: str, codes: list[str] | None = None,  # noqa: ANN001
                          unit: str = "sentence", model: str | None = None) -> dict[str, Proposed]:
    """For each current code with ``keywords`` in codebook.yaml (or only ``codes``), propose its
    ``unit`` around every lemma hit of each keyword (interviewer turns left out).
    Returns code key -> what was proposed."""
    wanted = [_code(store, k) for k in codes] if codes else [c for c in store.codes() if c.retired_at is None]
    out: dict[str, Proposed] = {}
    at = utcnow().isoformat(timespec="seconds")
    for c in wanted:
        n_hits, rows = keyword_rows(store, c, to=to, by=by, at=at, unit=unit, model=model)
        if json.loads(c.keywords or "[]"):
            added, skipped = store_search.add_suggestions(store, rows)
            out[c.key] = Proposed(n_hits, added, skipped)
    return out


def keyword_rows(store, code, *, to: str, by: str, at: str, unit: str = "sentence",  # noqa: ANN001
                 model: str | None = None) -> tuple[int, list[dict]]:
    """What ``propose_from_keywords`` would propose for one ``code`` (a store Code), without
    proposing it: ``(keyword hits, suggestion rows)``.  Also the keyword baseline that
    ``fieldcode.find.learn`` scores a model against."""
    n_hits, rows = 0, []
    for kw in json.loads(code.keywords or "[]"):
        result = searchmod.search(store, searchmod.Query(kw), model=model)
        n_hits += len(result.hits)
        origin = {"kind": "keyword", "keyword": kw, "code": code.key, "mode": "lemma", "at": at, "by": by}
        rows.extend(_rows(store, result, code.id, to, unit, origin))
    return n_hits, rows


def describe_origin(origin: dict) -> str:
    """One line: how a suggestion was found."""
    kind = origin.get("kind", "?")
    if kind == "keyword":
        what = f"keyword '{origin.get('keyword')}'"
    elif kind == "search":
        what = f"{origin.get('mode', 'lemma')} search '{origin.get('query')}'"
    elif kind == "model":
        what = (f"model of {origin.get('model_coder')}'s codings (trained {origin.get('trained_at')}), "
                f"score {origin.get('score')}")
    else:
        what = kind
    return f"{what}, unit {origin.get('unit', '?')}, by {origin.get('by', '?')} at {origin.get('at', '?')}"
