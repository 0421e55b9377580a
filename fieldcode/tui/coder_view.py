"""Whose codings the coding screen shows (``o`` cycles): mine, everyone, one named coder, or the
consensus coders' (those with consensus decisions in the event log, see
:mod:`fieldcode.team.consensus`).  The functions are pure (the screen passes the names in);
:class:`CoderViewMixin` is the coding screen's ``o``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fieldcode.safe import plain
from fieldcode.store import q_consensus_decisions

MINE = "mine"
EVERYONE = "everyone"
CONSENSUS = "consensus"


def view_cycle(coders: Iterable[str], me: str | None, consensus: Iterable[str]) -> list[str]:
    """The ``o`` cycle: mine, everyone, each other coder by name (consensus coders left out),
    then the consensus coders together when there are any.  A coder literally named "mine",
    "everyone" or "consensus" is shown as ``coder:NAME``."""
    cons = set(consensus)
    named = [c for c in sorted(set(coders)) if c != me and c not in cons]
    out = [MINE, EVERYONE] + [f"coder:{c}" for c in named]
    if cons:
        out.append(CONSENSUS)
    return out


def next_view(view: str, cycle: Sequence[str]) -> str:
    """The view after ``view`` (the first when ``view`` left the cycle, e.g. a coder renamed)."""
    if view not in cycle:
        return cycle[0]
    return cycle[(cycle.index(view) + 1) % len(cycle)]


def view_coders(view: str, me: str | None, consensus: Iterable[str]) -> set[str] | None:
    """The coders whose codings ``view`` shows; None for everyone."""
    if view == EVERYONE:
        return None
    if view == CONSENSUS:
        return set(consensus)
    if view.startswith("coder:"):
        return {view[len("coder:"):]}
    return {me} if me else set()


def count_coder(view: str, me: str | None, consensus: Sequence[str]) -> str | None:
    """The one coder the side panels count for ``view`` (None: everyone's)."""
    shown = view_coders(view, me, consensus)
    return next(iter(shown)) if shown is not None and len(shown) == 1 else None


def view_label(view: str) -> str:
    """How the title bar names ``view``: mine, everyone, ben's, consensus."""
    if view.startswith("coder:"):
        return f"{view[len('coder:'):]}'s"
    return view


def view_message(view: str) -> str:
    """What ``o`` says after switching to ``view`` (markup: the name is escaped)."""
    if view == MINE:
        return "Showing only your codings (o: everyone's, then each coder's, then consensus)."
    if view == EVERYONE:
        return "Showing everyone's codings."
    if view == CONSENSUS:
        return "Showing the consensus coders' codings."
    return f"Showing only {plain(view_label(view))} codings."


class CoderViewMixin:
    """The coding screen's side of the coder filter: which codings and memos are shown, whose
    the side panels count, and ``o`` (mixed into :class:`~fieldcode.tui.coding.CodingScreen`)."""

    @property
    def show_all(self) -> bool:
        """Whether codings other than mine are shown."""
        return self.coder_view != MINE

    @property
    def counted_coder(self) -> str | None:
        """The coder the side panels count for (None: everyone)."""
        return count_coder(self.coder_view, self.me, self.consensus)

    _shown: tuple | None = None

    @property
    def shown_spans(self) -> list:
        """The codings shown: the coder filter's, then the code filter's (f).  Read several
        times per key, so kept until the codings (a new list, or one appended to), the view or
        the filter change; the kept entry holds the list it was made from, so that list's id
        cannot be reused by another."""
        src = self.all_spans
        key = (len(src), self.coder_view, self.me, tuple(self.consensus),
               None if self.code_filter is None else frozenset(self.code_filter))
        kept = self._shown
        if kept is not None and kept[0] is src and kept[1] == key:
            return kept[2]
        who = view_coders(self.coder_view, self.me, self.consensus)
        spans = src if who is None else [s for s in src if s.coder in who]
        if self.code_filter is not None:
            spans = [s for s in spans if s.code_id in self.code_filter]
        self._shown = (src, key, spans)
        return spans

    @property
    def shown_memos(self) -> list[tuple[int, int, str]]:
        """The passage memos (start, end, author) of the coders shown (marked in the stripes)."""
        who = view_coders(self.coder_view, self.me, self.consensus)
        return [m for m in self.passage_memos if who is None or m[2] in who]

    def action_toggle_coders(self) -> None:
        """o: mine -> everyone -> each other coder -> consensus -> mine."""
        coders = self.store.coders()
        self.consensus = [c for c in coders if q_consensus_decisions(self.store, c)]
        self.coder_view = next_view(self.coder_view, view_cycle([*self.coders, *coders], self.me, self.consensus))
        self._update_title()
        self.study_counts = self.store.code_counts(coder=self.counted_coder)
        self._paint_all()
        self.refresh_navigator()
        self.refresh_codebook()
        self.update_details()
        self.notify(view_message(self.coder_view))
