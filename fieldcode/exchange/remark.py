"""Turns marked again from the stored text, when the turn settings changed since an interview was
imported (``Project.refresh_turns``): no file is read.  Each interview is stored again as a
re-import of an unchanged text would store it (its turns, sentences and search index, in one
transaction); the text is the same, so every coding stays where it is, and the coders'
corrections are applied over the new turns (``fieldcode.store.turn_marks``)."""

from __future__ import annotations

from collections.abc import Sequence

from fieldcode import text as textmod
from fieldcode.ingest.segment import analyse_many
from fieldcode.store import PreparedInterview, Store


def remark_interviews(store: Store, items: Sequence[tuple], *, coder: str | None,  # noqa: ANN401
                      spacy_model: str | None = None) -> None:
    """``items``: ``(TurnState, text, turns)`` per interview (``fieldcode.store.turn_marks``)."""
    for (st, text, turns), (sents, words) in zip(items, analyse_many(((t, ts) for _s, t, ts in items),
                                                                     model=spacy_model)):
        iv = store.interview(st.id)
        prepared = PreparedInterview(
            name=iv.name, source_path=iv.source_path, format=iv.format, encoding=iv.encoding, text=text,
            turns=list(turns), interviewer_turns=[textmod.is_interviewer(t.speaker, st.labels) for t in turns],
            sentences=sents, attributes=st.attrs, interviewer_labels=st.labels, words=words,
            pipeline=spacy_model, turn_rule=st.rule)
        store.save_interview(prepared, replace=st.id, coder=coder)


def unsure_notes(name: str, text: str, rule: textmod.TurnRule, *, limit: int = 12) -> list[str]:
    """The import's (and ``turns list``'s) note naming the paragraphs whose speaker ``questions``
    mode is unsure of, each with its first words, and the command that corrects one."""
    unsure = textmod.unsure_turns(text, rule)
    if not unsure:
        return []
    lines = [f"{len(unsure)} paragraph(s) whose speaker is uncertain (p = the probability that the interviewer "
             f"speaks it; check them and correct any with 'fieldcode turns set {name} N interviewer|participant'):"]
    for n, turn, p in unsure[:limit]:
        who = "interviewer" if p > 0.5 else "participant"
        lines.append(f"  turn {n}: {who}, p={p:.2f} \u201c{first_words(text, turn)}\u201d")
    if len(unsure) > limit:
        lines.append(f"  ... and {len(unsure) - limit} more: 'fieldcode turns list {name} --unsure' lists them all")
    return lines


def first_words(text: str, turn: textmod.Turn, n: int = 8) -> str:
    """The first ``n`` words of a turn (its label included, on one line)."""
    words = text[turn.start:turn.end].split()
    return " ".join(words[:n]) + (" \u2026" if len(words) > n else "")
