"""The suggestion review screen (``g`` in the coding screen): the current coder's proposed
codings (from ``fieldcode suggest search`` / ``suggest keywords``), one at a time, in their
context with their origin.  The coder accepts (it becomes their coding, the origin in the event
log), rejects (remembered, never proposed again), skips, or adjusts the span by a word at either
end before accepting.  Nothing is decided without the coder's key press on the one suggestion
shown, and only the coder's own suggestions are listed.  Closing keeps the place: pressing
``g`` again resumes at the same suggestion (or the next one still proposed).

The queue is :mod:`fieldcode.store.search` (public API: ``suggestions``, ``accept_suggestion``,
``reject_suggestion``, ``suggestion_counts``)."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from fieldcode.store import search as store_search
from fieldcode.errors import FieldcodeError
from fieldcode.safe import clean, plain
from fieldcode.find.suggest import describe_origin
from fieldcode.tui.textmap import blend
from fieldcode.tui.transcript import BASE_BG, text_on
from fieldcode.tui.widgets import short_name

BEFORE, AFTER = 280, 420       # characters of context shown around the suggestion
_WORD = re.compile(r"\S+")


# -- adjusting a span by words (pure functions, tested directly and through the keys) -----------

def step_end(text: str, a: int, b: int, delta: int) -> int:
    """The span's new end: one word further (``delta`` > 0) or one word back (< 0, never
    below the span's first word)."""
    if delta > 0:
        m = _WORD.search(text, b)
        return m.end() if m else b
    words = list(_WORD.finditer(text, a, b))
    return words[-2].end() if len(words) >= 2 else b


def step_start(text: str, a: int, b: int, delta: int) -> int:
    """The span's new start: one word earlier (``delta`` < 0) or one word later (> 0, never past
    the span's last word)."""
    if delta > 0:
        words = list(_WORD.finditer(text, a, b))
        return words[1].start() if len(words) >= 2 else a
    before = list(_WORD.finditer(text, max(0, a - 2000), a))
    return before[-1].start() if before else a


def same_length_clean(text: str) -> str:
    """``text`` with every control character (an escape sequence's ESC, a bidi override) shown
    as a space, so offsets into it still line up (newlines and tabs kept)."""
    return "".join(ch if ch in "\n\t" or not unicodedata.category(ch).startswith("C") else " " for ch in text)


@dataclass(frozen=True)
class Left:
    """What the screen hands back when it closes: where to resume, and a passage to open."""
    resume: tuple | None                     # (interview name, start, end, id) of the one shown, code filter
    open: tuple[int, int, int] | None = None  # (interview id, start, end) to show in the transcript


def sort_key(sg) -> tuple:  # noqa: ANN001 - a store_search.SuggestionInfo
    """The order ``store_search.suggestions`` lists them in."""
    return (sg.interview, sg.start, sg.end, sg.id)


class SuggestionScreen(Screen[Left]):
    DEFAULT_CSS = """
    SuggestionScreen #progress { height: 1; background: $boost; padding: 0 1; }
    SuggestionScreen #what { height: auto; padding: 0 1; }
    SuggestionScreen #origin { height: auto; padding: 0 1; color: $text-muted; }
    SuggestionScreen #context-box { height: 1fr; border: round $primary; padding: 0 1; }
    SuggestionScreen #span { height: auto; padding: 0 1; }
    SuggestionScreen #keys { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("a", "accept", "Accept", id="suggest.accept"),
        Binding("r", "reject", "Reject", id="suggest.reject"),
        Binding("s,n", "skip", "Skip", id="suggest.skip"),
        Binding("p", "previous", "Previous", show=False, id="suggest.previous"),
        Binding("right", "end(1)", "End: a word more", show=False, id="suggest.end_more"),
        Binding("left", "end(-1)", "End: a word less", show=False, id="suggest.end_less"),
        Binding("shift+left,comma", "start(-1)", "Start: a word earlier", show=False, id="suggest.start_earlier"),
        Binding("shift+right,full_stop", "start(1)", "Start: a word later", show=False, id="suggest.start_later"),
        Binding("0", "reset_span", "Proposed span", show=False, id="suggest.reset"),
        Binding("o", "open", "Open in transcript", show=False, id="suggest.open"),
        Binding("f", "only_code", "One code", id="suggest.only_code"),
        Binding("F", "all_codes", "All codes", show=False, id="suggest.all_codes"),
        Binding("escape,q", "close", "Back to coding", id="suggest.close"),
    ]

    def __init__(self, project, coder: str, resume: tuple | None = None) -> None:  # noqa: ANN001
        super().__init__()
        self.project = project
        self.store = project.store
        self.coder = coder
        # The queue: this coder's proposed suggestions when the screen opened.  Decided ones
        # stay in the list (marked), so n of N and going back keep their meaning.
        self.code_id: int | None = resume[4] if resume and len(resume) > 4 else None   # f: one code only
        self.items = store_search.suggestions(self.store, coder=coder, state="proposed", code_id=self.code_id)
        self.decided: dict[int, str] = {}          # suggestion id -> accepted / rejected (here)
        self.index = self._resume_index(resume[:4] if resume else None)
        self.span: tuple[int, int] | None = None   # the span shown (adjusted or proposed)
        self._texts: dict[int, str] = {}
        self._turns: dict[int, list] = {}
        self._codes = {c.id: c for c in self.store.codes(include_retired=True)}

    def _resume_index(self, resume: tuple | None) -> int:
        if resume is None or not self.items:
            return 0
        keys = [sort_key(s) for s in self.items]
        for i, k in enumerate(keys):
            if k >= tuple(resume):
                return i
        return 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="progress")
        yield Static(id="what")
        yield Static(id="origin")
        with VerticalScroll(id="context-box"):
            yield Static(id="context")
        yield Static(id="span")
        yield Static(Text.assemble(("a", "bold"), " accept  ", ("r", "bold"), " reject  ", ("s", "bold"),
                                   " skip  ", ("p", "bold"), " back  ", ("← →", "bold"), " end ±word  ",
                                   (", .", "bold"), " start ±word  ", ("0", "bold"), " proposed span  ",
                                   ("o", "bold"), " open in transcript  ", ("f F", "bold"), " one code / all  ",
                                   ("Esc", "bold"), " close"),
                     id="keys")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Suggestions"
        self.show_item()
        # Once laid out, the context fills the box (a wide terminal shows more of it).
        self.call_after_refresh(self._reshow)

    def on_resize(self) -> None:
        self.call_after_refresh(self._reshow)

    def _reshow(self) -> None:
        if self.current is not None and self.span is not None:
            self.show_item(keep_span=True)

    # -- reading --------------------------------------------------------------------------------
    @property
    def current(self):  # noqa: ANN201 - a SuggestionInfo or None
        return self.items[self.index] if self.items else None

    def _text(self, iid: int) -> str:
        if iid not in self._texts:
            self._texts[iid] = self.store.interview(iid).text
        return self._texts[iid]

    def _speaker(self, iid: int, offset: int) -> str | None:
        if iid not in self._turns:
            self._turns[iid] = self.store.turn_spans(iid)
        turns = self._turns[iid]
        i = bisect_right([t[0] for t in turns], offset) - 1
        return turns[i][3] if i >= 0 and offset < turns[i][1] else None

    def state_of(self, sg) -> str:  # noqa: ANN001
        return self.decided.get(sg.id, "proposed")

    # -- showing --------------------------------------------------------------------------------
    def show_item(self, *, keep_span: bool = False) -> None:
        counts = store_search.suggestion_counts(self.store, self.coder)
        prog = self.query_one("#progress", Static)
        sg = self.current
        left = sum(1 for s in self.items if self.state_of(s) == "proposed")
        only = self._codes.get(self.code_id)
        if only is not None:
            self.sub_title = f"coder: {self.coder} · {only.name} only (F: all codes)"
        else:
            self.sub_title = f"coder: {self.coder} · only your suggestions"
        if sg is None:
            what = f" of {only.name}" if only is not None else ""
            prog.update(f"No suggestions{plain(what)} proposed to {plain(self.coder)} · {counts['accepted']} accepted, "
                        f"{counts['rejected']} rejected so far")
            self.query_one("#what", Static).update(
                "Make some with 'fieldcode suggest keywords' or 'fieldcode suggest search QUERY --code KEY'.")
            for w in ("#origin", "#context", "#span"):
                self.query_one(w, Static).update("")
            return
        state = self.state_of(sg)
        prog.update(Text.assemble(
            (f"suggestion {self.index + 1} of {len(self.items)}", "bold"),
            f" · {left} to decide · {self.coder}: {counts['accepted']} accepted, {counts['rejected']} rejected"))
        if not keep_span:
            self.span = (sg.start, sg.end)
        code = self._codes.get(sg.code_id)
        colour = code.colour if code is not None else "#888888"
        what = Text()
        what.append("■ ", style=Style(color=colour))
        what.append(clean(code.name if code else sg.code), style="bold")
        if code is not None and code.retired_at is not None:
            what.append(" (retired)", style="bold red")
        what.append("  in ")
        what.append(clean(short_name(sg.interview)), style="bold #87afff")
        who = self._speaker(sg.interview_id, sg.start)
        if who:
            what.append(f"  {clean(who)}", style="italic")
        what.append(f"  #{sg.id}", style="dim")
        if state != "proposed":
            what.append(f"  {state.upper()}", style="bold reverse #ffd75f")
        self.query_one("#what", Static).update(what)
        self.query_one("#origin", Static).update(Text("from " + clean(describe_origin(sg.origin))))
        self.paint_context(colour)

    def paint_context(self, colour: str) -> None:
        sg = self.current
        text = self._text(sg.interview_id)
        a, b = self.span
        box = self.query_one("#context-box", VerticalScroll).content_region
        room = max(BEFORE + AFTER, box.width * box.height)    # a wide terminal shows more context
        before, after = max(BEFORE, room * 2 // 5), max(AFTER, room * 3 // 5)
        first = min(a, sg.start)
        lo = max(0, first - before)
        hi = min(len(text), max(b, sg.end) + after)
        if lo > 0 and not text[lo - 1].isspace():             # begin on a whole word
            m = re.compile(r"\s+").search(text, lo, first)
            lo = m.end() if m else first
        t = Text(("… " if lo > 0 else ""))
        off = len(t.plain)
        t.append(same_length_clean(text[lo:hi]))
        if hi < len(text):
            t.append(" …")
        bg = blend(colour, BASE_BG, 0.55)
        t.stylize(Style(bgcolor=bg, color=text_on(bg), bold=True), off + a - lo, off + b - lo)
        if (a, b) != (sg.start, sg.end):
            t.stylize("underline", off + sg.start - lo, off + sg.end - lo)
        mine = [self._codes[c[1]].name for c in self.store.coding_tuples(sg.interview_id)
                if c[2] == self.coder and c[3] < b and c[4] > a and c[1] in self._codes]
        self.query_one("#context", Static).update(t)
        span = Text()
        span.append(f"span [{a}, {b})", style="bold")
        span.append(f" · {len(text[a:b].split())} words")
        if (a, b) != (sg.start, sg.end):
            span.append(f" · adjusted from [{sg.start}, {sg.end}) (underlined), 0 restores", style="#ffd75f")
        if mine:
            span.append(" · you code here: " + clean(", ".join(sorted(set(mine)))), style="dim")
        self.query_one("#span", Static).update(span)
        box = self.query_one("#context-box", VerticalScroll)
        # Keep the suggestion in view: scroll to about where it starts in the wrapped text.
        width = max(10, box.content_region.width or 70)
        rows_before = sum(len(line) // width + 1 for line in t.plain[:off + a - lo].split("\n")) - 1
        box.scroll_to(y=max(0, rows_before - 2), animate=False)

    # -- deciding -------------------------------------------------------------------------------
    def _undecided(self) -> bool:
        sg = self.current
        if sg is None:
            return False
        state = self.state_of(sg)
        if state != "proposed":
            self.notify(f"Suggestion #{sg.id} is already {state}.", severity="warning")
            return False
        return True

    def _advance(self) -> None:
        """To the next suggestion still to decide (after this one, wrapping round)."""
        n = len(self.items)
        for k in range(1, n + 1):
            j = (self.index + k) % n
            if self.state_of(self.items[j]) == "proposed":
                self.index = j
                self.show_item()
                return
        self.show_item()
        self.notify("Every suggestion here is decided.")

    def action_accept(self) -> None:
        if not self._undecided():
            return
        sg = self.current
        a, b = self.span
        adjusted = (a, b) != (sg.start, sg.end)
        try:
            row = store_search.accept_suggestion(self.store, sg.id, self.coder,
                                                 start=a if adjusted else None, end=b if adjusted else None)
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.decided[sg.id] = "accepted"
        self.notify(f"Accepted: coding #{row.id} [{row.start}, {row.end})" + (" (adjusted)" if adjusted else ""))
        self._advance()

    def action_reject(self) -> None:
        if not self._undecided():
            return
        sg = self.current
        try:
            store_search.reject_suggestion(self.store, sg.id, self.coder)
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.decided[sg.id] = "rejected"
        self.notify(f"Rejected #{sg.id}: it will not be proposed to {self.coder} again.")
        self._advance()

    def action_skip(self) -> None:
        if self.items:
            self.index = (self.index + 1) % len(self.items)
            self.show_item()

    def action_previous(self) -> None:
        if self.items:
            self.index = (self.index - 1) % len(self.items)
            self.show_item()

    # -- adjusting ------------------------------------------------------------------------------
    def _adjust(self, a: int, b: int) -> None:
        sg = self.current
        if sg is None or self.state_of(sg) != "proposed":
            return
        if (a, b) == self.span:
            self.app.bell()
            return
        self.span = (a, b)
        self.show_item(keep_span=True)

    def action_end(self, delta: int) -> None:
        if self.current is not None:
            a, b = self.span
            self._adjust(a, step_end(self._text(self.current.interview_id), a, b, delta))

    def action_start(self, delta: int) -> None:
        if self.current is not None:
            a, b = self.span
            self._adjust(step_start(self._text(self.current.interview_id), a, b, delta), b)

    def action_reset_span(self) -> None:
        sg = self.current
        if sg is not None:
            self._adjust(sg.start, sg.end)

    # -- one code ----------------------------------------------------------------------------
    def _requeue(self, code_id: int | None) -> None:
        """Only ``code_id``'s proposed suggestions (None: every code's), from the first."""
        self.code_id = code_id
        self.items = store_search.suggestions(self.store, coder=self.coder, state="proposed", code_id=code_id)
        self.index = 0
        self.show_item()

    def action_only_code(self) -> None:
        from fieldcode.tui.modals import CodePicker
        from fieldcode.tui.widgets import CodeItem

        queued: dict[int, int] = {}
        for sg in store_search.suggestions(self.store, coder=self.coder, state="proposed"):
            queued[sg.code_id] = queued.get(sg.code_id, 0) + 1
        codes = [CodeItem(id=c.id, key=f"{c.key} ({queued[c.id]})", name=c.name, parent_id=c.parent_id,
                          colour=c.colour, hotkey=None, definition=c.definition or "")
                 for c in self._codes.values() if c.id in queued]
        if not codes:
            self.notify(f"No suggestions proposed to {self.coder}.", severity="warning")
            return

        def done(code_id: int | None) -> None:
            if code_id is not None:
                self._requeue(code_id)

        self.app.push_screen(CodePicker(codes, "Review only this code's suggestions (F: all codes again)"), done)

    def action_all_codes(self) -> None:
        if self.code_id is not None:
            self._requeue(None)

    # -- leaving --------------------------------------------------------------------------------
    def _left(self, open_: tuple[int, int, int] | None = None) -> Left:
        sg = self.current
        where = sort_key(sg) if sg is not None else ("", -1, -1, -1)
        return Left((*where, self.code_id), open_)

    def action_open(self) -> None:
        sg = self.current
        if sg is not None:
            self.dismiss(self._left((sg.interview_id, *self.span)))

    def action_close(self) -> None:
        self.dismiss(self._left())
