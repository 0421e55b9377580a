"""The pseudonym review in the TUI (``P`` in the coding screen), and marking a selection as
identifying (``I``): the same review queue as ``fieldcode pseudonyms list|accept|reject|add``.

The screen lists the key's entries (open ones first; ``f`` shows accepted, rejected or all) with
their category, how often they occur and their pseudonym; below, the highlighted entry's
evidence and one of its occurrences in context (``n``/``N`` step through them, ``enter`` shows
it in the transcript).  ``a`` accepts it with its category's next label (``[Place B]``), ``p``
with a pseudonym you type, ``c`` with another category (its label), ``r`` rejects it, ``A`` accepts every open entry shown (after a
confirmation), ``+`` adds a detail by hand.  An entry is one detail wherever it occurs: accepting
it replaces every occurrence in every pseudonymised export (consistent pseudonyms).

Every decision goes through ``fieldcode.privacy.review`` (the key file and a decision event with
the coder and time, together); the screen never writes either itself."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from fieldcode.errors import FieldcodeError
from fieldcode.privacy import review
from fieldcode.privacy.key import Entry
from fieldcode.safe import clean
from fieldcode.tui.modals import Prompt
from fieldcode.tui.widgets import short_name

FILTERS = ("open", "accepted", "rejected", "all")
CONTEXT = 70           # characters of context either side of an occurrence
CATEGORY_HINT = "person, place, organisation, name, participant, address, date, age, ... (or your own)"


def context_line(text: str, start: int, end: int, width: int = CONTEXT) -> Text:
    """The occurrence with ``width`` characters either side (cut at spaces), on one line, the
    detail in reverse video."""
    lo, hi = max(0, start - width), min(len(text), end + width)
    if lo > 0 and " " in text[lo:start]:
        lo = text.index(" ", lo, start) + 1
    if hi < len(text) and " " in text[end:hi]:
        hi = text.rindex(" ", end, hi)

    def flat(s: str) -> str:
        return clean(s.replace("\n", " ").replace("\t", " "))

    t = Text("…" if lo > 0 else "")
    t.append(flat(text[lo:start]))
    t.append(flat(text[start:end]), style="reverse bold")
    t.append(flat(text[end:hi]))
    if hi < len(text):
        t.append("…")
    return t


class PseudonymScreen(Screen[tuple[int, int, int] | None]):
    """Dismissed with ``(interview id, start, end)`` to show in the transcript, or None."""

    BINDINGS = [
        Binding("a", "accept", "Accept", id="pn.accept"),
        Binding("p", "accept_as", "Accept as…", id="pn.accept_as"),
        Binding("r", "reject", "Reject", id="pn.reject"),
        Binding("c", "accept_category", "Accept as category…", show=False, id="pn.accept_category"),
        Binding("A", "accept_all", "Accept all shown", id="pn.accept_all"),
        Binding("plus", "add", "Add", id="pn.add", key_display="+"),
        Binding("f", "cycle_filter", "Filter", id="pn.filter"),
        Binding("n", "occurrence(1)", "Next place", id="pn.next_occurrence"),
        Binding("N", "occurrence(-1)", "Prev place", show=False, id="pn.prev_occurrence"),
        Binding("enter", "show", "Show in text", id="pn.show", priority=True),
        Binding("q,escape", "close", "Close", id="pn.close"),
    ]
    DEFAULT_CSS = """
    PseudonymScreen #pn-progress { height: 1; background: $boost; padding: 0 1; }
    PseudonymScreen #pn-table { height: 1fr; }
    PseudonymScreen #pn-detail { height: auto; max-height: 9; border-top: solid $primary; padding: 0 1; }
    """

    def __init__(self, project) -> None:  # noqa: ANN001 - a fieldcode.project.Project
        super().__init__()
        self.project = project
        self.filter = "open"
        self.entries: list[Entry] = []
        self.occurrence = 0
        self._texts: dict[str, str] | None = None
        self._ids: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="pn-progress")
        yield DataTable(id="pn-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="pn-detail")
        yield Footer()

    def on_mount(self) -> None:
        t = self.query_one(DataTable)
        wide = self.app.size.width >= 120
        t.add_column("category", width=12 if wide else 11, key="category")
        t.add_column("detail", width=40 if wide else 21, key="detail")
        t.add_column("×", width=4 if wide else 3, key="times")
        t.add_column("state", width=8, key="state")
        t.add_column("pseudonym", width=24 if wide else 16, key="pseudonym")
        t.add_column("by", width=12 if wide else 6, key="by")
        self.reload()
        t.focus()

    # -- data -----------------------------------------------------------------------------------
    @property
    def root(self):  # noqa: ANN201
        return self.project.root

    def texts(self) -> dict[str, str]:
        if self._texts is None:
            infos = self.project.store.interview_infos()
            self._ids = {i.name: i.id for i in infos}
            self._texts = {d.name: d.text for d in review.documents(self.project.store)}
        return self._texts

    def reload(self, keep: int | None = None) -> None:
        """Read the key again and show the entries of the filter; the cursor stays on the same
        row number (the next entry, after one left the list)."""
        table = self.query_one(DataTable)
        row = table.cursor_row if keep is None else keep
        try:
            every = review.entries(self.root)
        except FieldcodeError as exc:
            every = []
            self.query_one("#pn-detail", Static).update(Text(str(exc)))
        self.entries = [e for e in every if self.filter == "all" or e.state == self.filter]
        table.clear()
        for e in self.entries:
            table.add_row(clean(e.category), clean(e.original), str(e.n_occurrences), e.state,
                          clean(e.pseudonym or ""), clean(e.by or ""), key=e.id)
        n = {s: sum(1 for e in every if e.state == s) for s in ("open", "accepted", "rejected")}
        self.query_one("#pn-progress", Static).update(Text(
            f"Pseudonyms · {n['open']} open · {n['accepted']} accepted · {n['rejected']} rejected · showing "
            f"{self.filter} ({len(self.entries)})"))
        if self.entries:
            table.move_cursor(row=max(0, min(row, len(self.entries) - 1)))
        self.occurrence = 0
        self.show_detail()

    def current(self) -> Entry | None:
        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row is None or not 0 <= table.cursor_row < len(self.entries):
            return None
        return self.entries[table.cursor_row]

    def places(self, e: Entry) -> list[tuple[str, int, int]]:
        return [(name, s, en) for name, spans in e.occurrences.items() for s, en in spans]

    def show_detail(self) -> None:
        e = self.current()
        out = Text()
        if e is None:
            out.append(f"No {self.filter if self.filter != 'all' else ''} entries. f shows another state; + adds a "
                       "detail by hand; 'fieldcode pseudonyms scan' proposes them.")
        else:
            out.append(f"{e.category}", style="bold")
            out.append(f" · {e.state}" + (f" as {e.pseudonym}" if e.pseudonym else "")
                       + (f" by {e.by} {e.at or ''}" if e.by else ""))
            out.append("\n" + clean("; ".join(e.evidence[:2])[:300]), style="dim")
            places = self.places(e)
            if places:
                self.occurrence %= len(places)
                name, s, en = places[self.occurrence]
                text = self.texts().get(name, "")
                out.append(f"\n{self.occurrence + 1} of {len(places)} · {clean(short_name(name))}: ", style="bold")
                if 0 <= s < en <= len(text):
                    out.append(context_line(text, s, en))
            else:
                out.append("\nnot in the text (an attribute value: exports carry it)", style="dim")
        self.query_one("#pn-detail", Static).update(out)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.occurrence = 0
        self.show_detail()

    # -- decisions ------------------------------------------------------------------------------
    def _decide(self, fn, *args, **kwargs) -> bool:  # noqa: ANN001
        try:
            done = fn(self.project.store, self.root, self.project.coder, *args, **kwargs)
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return False
        items = done if isinstance(done, list) else [done]
        if len(items) == 1:
            e = items[0]
            what = f"accepted as {e.pseudonym}" if e.state == "accepted" else e.state
            self.notify(f"{e.original}: {what} ({e.n_occurrences} place(s))")
        elif items:
            self.notify(f"accepted {len(items)} entries")
        self.reload()
        return True

    def action_accept(self) -> None:
        e = self.current()
        if e is not None:
            self._decide(review.accept, [e.id])

    def action_accept_as(self) -> None:
        e = self.current()
        if e is None:
            return

        def chosen(value: str | None) -> None:
            if value and value.strip():
                self._decide(review.accept, [e.id], as_text=value)

        self.app.push_screen(Prompt(f"Replace “{clean(e.original)}” ({e.category}) everywhere by:",
                                    e.pseudonym or review.next_pseudonym(review.keymod.load(self.root), e.category),
                                    "Enter accepts it with this pseudonym · Esc cancels"), chosen)

    def action_accept_category(self) -> None:
        """Accept with another category (the scan took "Pat" for a place): that category's label."""
        e = self.current()
        if e is None:
            return

        def chosen(value: str | None) -> None:
            if value and value.strip():
                self._decide(review.accept, [e.id], category=value.strip().lower())

        self.app.push_screen(Prompt(f"Accept “{clean(e.original)}” as category:", e.category,
                                    CATEGORY_HINT + " · Enter accepts it with that category's label · Esc cancels"),
                             chosen)

    def action_reject(self) -> None:
        e = self.current()
        if e is not None:
            self._decide(review.reject, [e.id])

    def action_accept_all(self) -> None:
        open_ = [e for e in self.entries if e.state == "open"]
        if not open_:
            self.notify("no open entry shown")
            return

        def confirmed(value: str | None) -> None:
            if value and value.strip().lower() in ("y", "yes"):
                self._decide(review.accept, [e.id for e in open_])

        self.app.push_screen(Prompt(f"Accept all {len(open_)} open entries shown, each with its category's label?",
                                    "", "y and Enter accepts them all · Esc cancels", placeholder="y"), confirmed)

    def action_add(self) -> None:
        def got_text(value: str | None) -> None:
            if value and value.strip():
                ask_category(self.app, value, lambda cat: self._decide(review.add, value, category=cat))

        self.app.push_screen(Prompt("Add an identifying detail the scan missed (as it appears in the text):", "",
                                    "Enter goes on to its category · Esc cancels"), got_text)

    # -- moving -----------------------------------------------------------------------------------
    def action_cycle_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self.reload(keep=0)

    def action_occurrence(self, step: int) -> None:
        self.occurrence += step
        self.show_detail()

    def action_show(self) -> None:
        e = self.current()
        places = self.places(e) if e is not None else []
        if not places:
            self.notify("this entry is not in the text")
            return
        name, s, en = places[self.occurrence % len(places)]
        self.texts()
        iid = self._ids.get(name)
        if iid is not None:
            self.dismiss((iid, s, en))

    def action_close(self) -> None:
        self.dismiss(None)


def ask_category(app, text: str, then) -> None:  # noqa: ANN001
    def chosen(value: str | None) -> None:
        if value and value.strip():
            then(value.strip().lower())

    app.push_screen(Prompt(f"Mark “{clean(text)}” as identifying, everywhere it occurs. Category:", "name",
                           CATEGORY_HINT + " · Enter marks it · Esc cancels"), chosen)


def open_pseudonyms(app, coding) -> None:  # noqa: ANN001 - the app and its CodingScreen
    """Push the review screen; what it dismisses with is shown in the transcript.  A blind
    coder is refused: the key names the neighbourhoods and pairs their labels hide."""
    from fieldcode.tui.blind_view import refused

    if refused(app, "The pseudonym review"):
        return
    app.push_screen(PseudonymScreen(app.project), coding.show_target)


def mark_selection(app, coding) -> None:  # noqa: ANN001 - the app and its CodingScreen
    """Mark the transcript's selection as identifying (accepted at once, wherever it occurs)."""
    from fieldcode.tui.blind_view import refused

    if refused(app, "Marking identifying details"):
        return
    a, b = coding.transcript.selection_offsets
    text = " ".join(coding.text[a:b].split())
    if not text:
        app.notify("Select the identifying words first (w selects a word, W extends), then press I.")
        return

    def add(category: str) -> None:
        try:
            e = review.add(app.project.store, app.project.root, app.project.coder, text, category=category)
        except FieldcodeError as exc:
            app.notify(str(exc), severity="error", timeout=8)
            return
        app.notify(f"{e.original} -> {e.pseudonym}: {e.n_occurrences} place(s) in {len(e.occurrences)} interview(s) "
                   "(P reviews the pseudonyms)")

    ask_category(app, text, add)
