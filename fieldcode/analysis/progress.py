"""Coding progress: each interview's share of analysed words coded with any code, the one
"coded" figure that ``fieldcode interviews``, ``fieldcode coverage`` and the coding screen's
interview list all show (see ``fieldcode.analysis.units`` for the analysed text)."""

from __future__ import annotations

from fieldcode.analysis.crosstabs import crosstab
from fieldcode.analysis.units import analysed_words
from fieldcode.store import q_interview_rows, q_turn_spans


def analysed_word_counts(store) -> dict[int, int]:  # noqa: ANN001
    """Interview id -> its analysed words (interviewer turns and speaker labels left out): the
    base every rate stands on, as ``fieldcode summary`` and ``fieldcode interviews`` show it."""
    turns = q_turn_spans(store)
    return {iid: analysed_words(n_words, turns.get(iid, []), False)
            for iid, (_name, n_words, _attrs) in q_interview_rows(store).items()}


def coded_shares(store, coder: str | None = None) -> dict[int, float]:  # noqa: ANN001
    """Interview id -> share of its analysed words (interviewer turns left out) that any code
    covers, by ``coder`` or, with None, by every coder together (a word two coders coded counts
    once): ``fieldcode coverage``'s figure.  Interviews without analysed words are absent."""
    ids = {name: iid for name, (iid, _sha) in store.interview_versions().items()}
    ct = crosstab(store, unit="words", by=("interview",), coders=[coder] if coder else None, any_code=True)
    return {ids[name]: int(ct.words[-1, gi]) / int(ct.group_words[gi])
            for gi, (name,) in enumerate(ct.groups) if name in ids and int(ct.group_words[gi])}
