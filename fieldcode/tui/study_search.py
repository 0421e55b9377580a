"""The study search screen (``/`` in the coding screen): find passages across every interview
by lemma (the default), exact phrase or regular expression, as ``fieldcode search`` does, and
list the hits keyword-in-context, grouped by interview with the open interview first.  Enter on
a hit returns to the coding screen with that interview open and the hit selected (ready to
code); F3 / > and shift+F3 / < then step through the search's hits in the open transcript.

The query runs :func:`fieldcode.find.search.search` (public API only) in a daemon thread that a
worker waits for; a regular expression there has a time limit and can be stopped, so the
screen and the app's quit keep working while it runs."""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Checkbox, Footer, Header, Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from fieldcode.safe import clean, plain
from fieldcode.tui.widgets import short_name

MODES = [("lemma", "lemma"), ("exact phrase", "exact"), ("regex", "regex")]
MODE_NAMES = {v: k for k, v in MODES}
MAX_SHOWN = 500        # hits listed (the count covers all; every hit is stepped through with F3)
CONTEXT = 60           # characters read either side of a hit (more on a wide list; cut to fit)


@dataclass(frozen=True)
class StudyQuery:
    """What was searched; the coding screen keeps it so ``/`` reopens with it."""
    text: str = ""
    mode: str = "lemma"
    include_interviewer: bool = False


@dataclass(frozen=True)
class Jump:
    """The hit chosen, and every hit of the search by interview (for F3 in the transcript)."""
    interview_id: int
    start: int
    end: int
    spans: dict[int, list[tuple[int, int]]]
    query: StudyQuery


def ordered_hits(hits: list, current_id: int | None) -> list:
    """The open interview's hits first, then the other interviews by name; text order within."""
    return sorted(hits, key=lambda h: (h.interview_id != current_id, h.interview, h.start, h.end))


def position(hit) -> str:  # noqa: ANN001
    """s = sentence, t = turn (as ``fieldcode show`` numbers them), @ = character offset."""
    return " ".join(x for x in (f"s{hit.sentence}" if hit.sentence else "",
                                f"t{hit.turn}" if hit.turn else "", f"@{hit.start}") if x)


@dataclass(frozen=True)
class Kwic:
    """A hit with its context; whitespace runs shown as one space, kept where the text has it
    (so "council's" stays one word)."""
    hit: object            # a fieldcode.find.search.Hit
    left: str
    match: str
    right: str


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", clean(s))


def kwic_rows(store, hits: list, width: int) -> list[Kwic]:  # noqa: ANN001
    from fieldcode.store import search as store_search

    ctx = store_search.q_contexts(store, [(h.interview_id, h.start, h.end) for h in hits], width)
    out = []
    for h, s in zip(hits, ctx):
        a = h.start - max(0, h.start - width)
        b = a + (h.end - h.start)
        out.append(Kwic(h, _squash(s[:a]).lstrip(), _squash(s[a:b]).strip(), _squash(s[b:]).rstrip()))
    return out


def kwic_line(left: str, match: str, right: str, width: int) -> Text:
    """One line of keyword in context, ``width`` cells wide at most: the match in the middle."""
    room = max(0, width - len(match))
    lw = room // 2
    rw = room - lw
    left = left if len(left) <= lw else "…" + left[len(left) - lw + 1:] if lw > 1 else ""
    right = right if len(right) <= rw else right[:rw - 1] + "…" if rw > 1 else ""
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(left.rjust(lw), style="dim")
    t.append(match, style="bold reverse")
    t.append(right, style="dim")
    return t


def hit_prompt(k: Kwic, width: int) -> Text:
    h = k.hit
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append("  ")
    who = clean(h.speaker) if h.speaker else "—"
    t.append(who, style="italic #87afff" if not h.is_interviewer else "italic dim")
    t.append(f"  {position(h)}\n", style="dim")
    t.append("  ")
    t.append_text(kwic_line(k.left, k.match, k.right, max(20, width - 2)))
    return t


def header_prompt(name: str, attrs: dict[str, str], n: int, is_open: bool, width: int) -> Text:
    """An interview's heading in the list, one line of at most ``width`` cells."""
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(clean(short_name(name)), style="bold")
    t.append(f"  {n} hit{'s' if n != 1 else ''}", style="bold #ffd75f")
    if is_open:
        t.append("  (open)", style="italic")
    extra = " · ".join(x for x in (attrs.get("pair"), attrs.get("arm"), attrs.get("role")) if x)
    if extra:
        t.append(f"  {clean(extra)}", style="dim")
    t.truncate(max(10, width), overflow="ellipsis")
    return t


class StudySearchScreen(Screen[Jump | None]):
    DEFAULT_CSS = """
    StudySearchScreen #query-row { height: 1; margin: 1 0 0 0; }
    StudySearchScreen #query { width: 1fr; margin: 0 1 0 0; }
    StudySearchScreen #mode { width: 18; margin: 0 1 0 0; }
    StudySearchScreen Checkbox { width: auto; }
    StudySearchScreen #count { padding: 0 1; color: $text-muted; width: 100%; height: auto; }
    StudySearchScreen OptionList { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "close", "Back to coding", id="study_search.close"),
        Binding("ctrl+t", "cycle_mode", "Lemma/exact/regex", id="study_search.mode"),
        Binding("ctrl+o", "toggle_interviewer", "Interviewer turns", id="study_search.interviewer"),
        Binding("down", "to_results", "Hits", show=False, id="study_search.hits"),
        Binding("slash", "to_query", "New query", id="study_search.query"),
    ]

    def __init__(self, project, current_id: int | None, query: StudyQuery | None = None) -> None:  # noqa: ANN001
        super().__init__()
        self.project = project
        self.current_id = current_id
        self.start_query = query or StudyQuery()
        self.hits: list = []          # every hit, in the listed order
        self.shown: list = []         # the Kwic rows listed (the first MAX_SHOWN hits)
        self.last_query: StudyQuery | None = None
        self._generation = 0
        self._shown_generation = 0

    def compose(self) -> ComposeResult:
        q = self.start_query
        yield Header()
        with Horizontal(id="query-row"):
            yield Input(q.text, placeholder="word(s) to find across the study", id="query", compact=True)
            yield Select(MODES, value=q.mode, allow_blank=False, id="mode", compact=True)
            yield Checkbox("interviewer", value=q.include_interviewer, id="interviewer", compact=True)
        yield Label("Enter searches · ctrl+t lemma / exact phrase / regex · ctrl+o interviewer turns too",
                    id="count")
        yield OptionList(id="hits")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Search the study"
        self.sub_title = f"coder: {self.project.coder or '?'}"
        self.query_one("#query", Input).focus()
        if self.start_query.text.strip():
            self.run_search()

    @property
    def busy(self) -> bool:
        return self._shown_generation != self._generation

    # -- the query ----------------------------------------------------------------------------
    def current_query(self) -> StudyQuery:
        mode = self.query_one("#mode", Select).value
        return StudyQuery(self.query_one("#query", Input).value, mode if mode in MODE_NAMES else "lemma",
                          self.query_one("#interviewer", Checkbox).value)

    @on(Input.Submitted, "#query")
    def _submitted(self) -> None:
        self.run_search(focus_results=True)

    @on(Select.Changed, "#mode")
    @on(Checkbox.Changed, "#interviewer")
    def _option_changed(self) -> None:
        if self.last_query is not None and self.current_query().text.strip():
            self.run_search()

    def action_cycle_mode(self) -> None:
        sel = self.query_one("#mode", Select)
        values = [v for _, v in MODES]
        sel.value = values[(values.index(sel.value) + 1) % len(values)] if sel.value in values else "lemma"

    def action_toggle_interviewer(self) -> None:
        cb = self.query_one("#interviewer", Checkbox)
        cb.value = not cb.value

    def action_to_results(self) -> None:
        if self.shown:
            self.query_one("#hits", OptionList).focus()

    def action_to_query(self) -> None:
        self.query_one("#query", Input).focus()

    _focus_results = False

    def run_search(self, *, focus_results: bool = False) -> None:
        q = self.current_query()
        if not q.text.strip():
            self.query_one("#count", Label).update("Type a word or phrase to find, then Enter.")
            return
        self.last_query = q
        self._focus_results = focus_results
        self._generation += 1
        self.query_one("#count", Label).update(f"searching ({MODE_NAMES[q.mode]}) for {plain(repr(clean(q.text)))}…")
        self._search(q, self._generation, self.query_one("#hits", OptionList).size.width or self.size.width)

    @work(exclusive=True, group="study-search")
    async def _search(self, q: StudyQuery, generation: int, width: int) -> None:
        """Runs the search in a daemon thread and waits for it without blocking the screen.  A
        newer search or the screen closing cancels this worker: the thread is told to stop (a
        regular expression looks at the flag as it goes, and its time limit bounds the rest),
        and nobody waits for it, so quitting the app never waits for a runaway pattern."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()
        stop = threading.Event()

        def deliver(payload: tuple) -> None:
            if not done.done():
                done.set_result(payload)

        def body() -> None:
            payload = self._compute(q, width, stop.is_set)
            try:
                loop.call_soon_threadsafe(deliver, payload)
            except RuntimeError:
                pass  # the app closed while the search ran

        threading.Thread(target=body, name="study-search", daemon=True).start()
        try:
            payload = await done
        finally:
            stop.set()   # cancelled (a newer search, the screen or app closing) or done
        self._show(payload, generation, width)

    def _compute(self, q: StudyQuery, width: int, stop) -> tuple:  # noqa: ANN001
        from fieldcode.find import search as searchmod
        from fieldcode.study.patterns import Stopped

        store = self.project.store
        try:
            result = searchmod.search(store, searchmod.Query(q.text, q.mode, include_interviewer=q.include_interviewer),
                                      model=self.project.settings.spacy_model, stop=stop)
            hits = ordered_hits(result.hits, self.current_id)
            rows = kwic_rows(store, hits[:MAX_SHOWN], max(CONTEXT, width // 2))
            return (result, hits, rows, None)
        except Stopped:
            return (None, [], [], "stopped")
        except Exception as exc:  # noqa: BLE001 - a bad or runaway pattern, a locked file: say so, never crash
            return (None, [], [], str(exc))

    def on_unmount(self) -> None:
        self._generation += 1   # results of a search still running are dropped

    def _show(self, payload: tuple, generation: int, width: int) -> None:
        if generation != self._generation or not self.is_attached:
            return
        self._shown_generation = generation
        result, hits, rows, error = payload
        count = self.query_one("#count", Label)
        ol = self.query_one("#hits", OptionList)
        ol.clear_options()
        self.hits, self.shown = hits, rows
        if error is not None:
            count.update(Text(f"Search failed: {clean(error)}", style="bold red"))
            return
        n_iv = len({h.interview_id for h in hits})
        more = f" · first {len(rows)} listed" if len(rows) < len(hits) else ""
        where = "" if self.last_query.include_interviewer else " · interviewer turns left out (ctrl+o)"
        count.update(f"{len(hits)} hit{'s' if len(hits) != 1 else ''} in {n_iv} of {len(result.interviews)} "
                     f"interviews ({MODE_NAMES[self.last_query.mode]}){more}{where} · Enter opens the hit")
        per_iv: dict[int, int] = {}
        for h in hits:
            per_iv[h.interview_id] = per_iv.get(h.interview_id, 0) + 1
        options: list[Option] = []
        last_iv = None
        first_hit = None
        for i, k in enumerate(rows):
            h = k.hit
            if h.interview_id != last_iv:
                last_iv = h.interview_id
                options.append(Option(header_prompt(h.interview, h.attributes, per_iv[h.interview_id],
                                                    h.interview_id == self.current_id, width - 2),
                                      id=f"iv-{h.interview_id}", disabled=True))
            options.append(Option(hit_prompt(k, width - 2), id=str(i)))
            if first_hit is None:
                first_hit = len(options) - 1
        ol.add_options(options)
        if first_hit is not None:
            ol.highlighted = first_hit
            if self._focus_results:
                ol.focus()

    # -- leaving ------------------------------------------------------------------------------
    def spans_by_interview(self) -> dict[int, list[tuple[int, int]]]:
        out: dict[int, list[tuple[int, int]]] = {}
        for h in self.hits:
            out.setdefault(h.interview_id, []).append((h.start, h.end))
        for v in out.values():
            v.sort()
        return out

    @on(OptionList.OptionSelected, "#hits")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if not (event.option.id or "").isdigit():
            return
        h = self.shown[int(event.option.id)].hit
        self.dismiss(Jump(h.interview_id, h.start, h.end, self.spans_by_interview(),
                          self.last_query or self.current_query()))

    def action_close(self) -> None:
        self.dismiss(None)
