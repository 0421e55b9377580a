"""The disagreement review screen: two coders' codings side by side on the transcript, one
disagreeing passage at a time (u: passage, sentence or turn), in their codes' colours and names,
settled as codings of a consensus coder (``fieldcode review``).  e adjusts the span by word,
sentence or turn keys; the reviewer's place is kept in state.json (a restart resumes there).

The screen drives ``fieldcode.team.consensus.Review`` (headless) and pushes what it returns down into
plain Static widgets; it never touches the database itself."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from fieldcode.errors import FieldcodeError, TextChanged
from fieldcode.safe import clean, literal, plain
from fieldcode.study import settings as settingsmod
from fieldcode.study.settings import check_coder
from fieldcode.team.consensus import Item, Review
from fieldcode.team.review_items import REVIEW_UNITS, bounds_of, context_bounds

CONTEXT = 160
SPAN_STYLE = "underline bold"


def _swatch(colour: str) -> str:
    return f"black on {colour}" if colour.startswith("#") and len(colour) in (4, 7) else "reverse"


def side_text(text: str, item: Item, coder: str, colours: dict[str, str] | None = None,
              span: tuple[int, int] | None = None) -> Text:
    """The passage (or ``span`` being adjusted) with context cut at word boundaries, the span
    underlined and ``coder``'s codings highlighted in their codes' colours."""
    d = item.disagreement
    s0, e0 = span or (d.start, d.end)
    lo, hi = context_bounds(text, min(s0, d.start), max(e0, d.end), CONTEXT)
    t = Text(("… " if lo > 0 else "") + text[lo:hi] + (" …" if hi < len(text) else ""))
    shift = 2 if lo > 0 else 0
    for sc in item.sides[coder]:
        a, b = max(sc.start, lo), min(sc.end, hi)
        if b > a:
            t.stylize(_swatch((colours or {}).get(sc.code_key, "")), a - lo + shift, b - lo + shift)
    t.stylize(SPAN_STYLE, s0 - lo + shift, e0 - lo + shift)
    return t


def side_codes(item: Item, coder: str, names: dict[str, str] | None = None,
               colours: dict[str, str] | None = None) -> Text:
    """``coder``'s codes on the item: a colour swatch and the code's name, * where they differ."""
    d = item.disagreement
    keys = d.codes.get(coder, [])
    if not keys:
        return Text("(no code here)")
    t = Text()
    for n, k in enumerate(keys):
        if n:
            t.append(", ")
        t.append("  ", style=_swatch((colours or {}).get(k, "")))
        t.append(" " + clean((names or {}).get(k, k)) + (" *" if k in d.differing else ""))
    return t


class ReviewScreen(Screen):
    BINDINGS = [
        Binding("a", "decide('a')", "Keep left", id="review.keep_a"),
        Binding("b", "decide('b')", "Keep right", id="review.keep_b"),
        Binding("o", "decide('both')", "Keep both", id="review.both"),
        Binding("n", "decide('neither')", "Neither", id="review.neither"),
        Binding("f", "decide('fit')", "Both, fitted to unit", id="review.fit"),
        Binding("e", "adjust", "Adjust span", id="review.adjust"),
        Binding("E", "adjust_typed", "Type a span", show=False, id="review.adjust_typed"),
        Binding("w", "step('word')", "Step: word", show=False, id="review.step_word"),
        Binding("s", "step('sentence')", "Step: sentence", show=False, id="review.step_sentence"),
        Binding("t", "step('turn')", "Step: turn", show=False, id="review.step_turn"),
        Binding("shift+right", "edge('start', -1)", "Start later", show=False, id="review.start_later"),
        Binding("shift+left", "edge('start', 1)", "Start earlier", show=False, id="review.start_earlier"),
        Binding("enter", "accept", "Accept span", show=False, id="review.accept"),
        Binding("u", "cycle_unit", "Unit", id="review.unit"),
        Binding("g", "adopt_agreed", "Copy agreed codings", id="review.agreed"),
        Binding("right,j", "move(1)", "Next", id="review.next"),
        Binding("left,k", "move(-1)", "Previous", id="review.prev"),
        Binding("q,escape", "close", "Close", id="review.close"),
    ]
    DEFAULT_CSS = """
    ReviewScreen #progress { height: 1; background: $boost; padding: 0 1; }
    ReviewScreen #where { height: auto; padding: 0 1; color: $text-muted; }
    ReviewScreen #adjusting { height: auto; padding: 0 1; background: $warning 20%; display: none; }
    ReviewScreen .side { width: 1fr; border: round $primary; padding: 0 1; }
    ReviewScreen .codes { height: auto; margin-top: 1; text-style: bold; }
    """

    def __init__(self, review: Review) -> None:
        super().__init__()
        self.review = review
        self.index = review.next_open(0) or 0
        self._texts: dict[int, str] = {}
        self.span: tuple[int, int] | None = None       # the span being adjusted (e), or None
        self.step = "sentence"
        self._bounds = None

    # -- where the reviewer left off ---------------------------------------------------------------
    @property
    def _position_key(self) -> tuple[str, str]:
        r = self.review
        return f"review|{r.store.safe_url}", f"{r.consensus}<-{r.coders[0]},{r.coders[1]}"

    def save_position(self) -> None:
        r = self.review
        if r.items:
            d = r.items[self.index].disagreement
            settingsmod.save_position(*self._position_key, d.interview, d.start)

    def _resume(self) -> None:
        """Open on the item the reviewer was on (or the next open one after it)."""
        r = self.review
        pos = settingsmod.load_position(*self._position_key)
        if pos is None or not r.items:
            return
        name, offset = pos
        for i, it in enumerate(r.items):
            d = it.disagreement
            if (d.interview, d.end) > (name, offset):
                nxt = r.next_open(i)
                self.index = i if not it.decision or nxt is None else nxt
                return

    def compose(self) -> ComposeResult:
        a, b = self.review.coders
        yield Static(id="progress")
        yield Static(id="where")
        yield Static(id="adjusting")
        with Horizontal():
            with Vertical(classes="side", id="side-a"):
                yield Static(literal(a), classes="title")
                yield Static(id="text-a")
                yield Static(id="codes-a", classes="codes")
            with Vertical(classes="side", id="side-b"):
                yield Static(literal(b), classes="title")
                yield Static(id="text-b")
                yield Static(id="codes-b", classes="codes")
        yield Footer()

    def on_mount(self) -> None:
        self._resume()
        self.refresh_item()

    def on_unmount(self) -> None:
        self.save_position()

    def _text(self, interview_id: int) -> str:
        if interview_id not in self._texts:
            self._texts[interview_id] = self.review.store.interview(interview_id).text
        return self._texts[interview_id]

    def refresh_item(self) -> None:
        r = self.review
        prog = self.query_one("#progress", Static)
        adj = self.query_one("#adjusting", Static)
        adj.display = self.span is not None
        if not r.items:
            prog.update(f"{plain(r.coders[0])} and {plain(r.coders[1])} do not differ here: nothing to review "
                        f"(unit: {r.unit}, u changes it)")
            for wid in ("#where", "#text-a", "#text-b", "#codes-a", "#codes-b"):
                self.query_one(wid, Static).update("")
            return
        it = r.items[self.index]
        d = it.disagreement
        state = (f"settled: {it.decision}" + (f", by an earlier decision ({it.covered})" if it.covered else "")
                 if it.decision else "open")
        prog.update(f"{plain(r.progress())} · item {self.index + 1} of {len(r.items)} ({plain(state)}) · unit: "
                    f"{r.unit} (u) · consensus coder {plain(r.consensus)} · {r.adopted} agreed coding(s) copied (g)")
        where = Text(f"{clean(d.interview)} [{d.start}-{d.end}] · they differ on: ")
        for n, k in enumerate(d.differing):
            if n:
                where.append(", ")
            where.append("  ", style=_swatch(r.colours.get(k, "")))
            where.append(" " + clean(r.code_label(k)))
        self.query_one("#where", Static).update(where)
        text = self._text(d.interview_id)
        if self.span is not None:
            s0, e0 = self.span
            quote = text[s0:e0] if e0 - s0 <= 120 else text[s0:s0 + 57] + " … " + text[e0 - 57:e0]
            adj.update(Text(f"Adjusting to [{s0}-{e0}] “{clean(quote)}” · step: {self.step} (w word, s sentence, t turn) · "
                            "→/← end · shift+←/→ start · Enter writes both sides' codes over it · Esc cancels"))
        for side, coder in (("a", r.coders[0]), ("b", r.coders[1])):
            self.query_one(f"#text-{side}", Static).update(side_text(text, it, coder, r.colours, self.span))
            self.query_one(f"#codes-{side}", Static).update(side_codes(it, coder, r.names, r.colours))

    def _advance(self) -> None:
        r = self.review
        nxt = r.next_open(self.index + 1)
        if nxt is not None:
            self.index = nxt
        self.save_position()
        self.refresh_item()
        if nxt is None:
            self.notify("every disagreement is settled")

    def action_decide(self, decision: str) -> None:
        r = self.review
        if not r.items or self.span is not None:
            return
        it = r.items[self.index]
        if it.decision:
            self.notify(f"already settled ({it.decision}{', ' + it.covered if it.covered else ''})", severity="warning",
                        markup=False)
            return
        try:
            n = r.decide(self.index, decision)
        except FieldcodeError as exc:
            self._refused(exc)
            return
        self.notify(f"{decision}: {n} coding(s) written as {r.consensus}", markup=False)
        self._advance()

    # -- adjusting the span by word, sentence and turn -------------------------------------------
    def action_adjust(self) -> None:
        """Start adjusting: the span begins as the item's, and moves by whole words, sentences or
        turns; Enter writes both sides' codes over it."""
        r = self.review
        if not r.items or r.items[self.index].decision:
            if r.items:
                self.notify("this item is settled", severity="warning")
            return
        d = r.items[self.index].disagreement
        self.span = (d.start, d.end)
        self._bounds = bounds_of(r.store, d.interview_id, self._text(d.interview_id))
        self.refresh_item()

    def action_step(self, unit: str) -> None:
        if self.span is not None:
            self.step = unit
            self.refresh_item()

    def action_edge(self, edge: str, direction: int) -> None:
        """Move the adjusted span's end (right grows it, left shrinks it) or its start (shift+left
        grows it, shift+right shrinks it) by one word, sentence or turn."""
        if self.span is None or self._bounds is None:
            return
        self.span = self._bounds.step(self.span, self.step, edge, direction > 0)
        self.refresh_item()

    def action_accept(self) -> None:
        if self.span is None:
            return
        span, self.span = self.span, None
        r = self.review
        try:
            n = r.decide(self.index, "adjust", span)
        except FieldcodeError as exc:
            self._refused(exc)
            return
        self.notify(f"adjust: {n} coding(s) written as {r.consensus} over {span[0]}-{span[1]}", markup=False)
        self._advance()

    def action_adjust_typed(self) -> None:
        """Both sides' codes over a span the reviewer types (START-END, offsets in the text)."""
        from fieldcode.tui.modals import Prompt

        r = self.review
        if not r.items or r.items[self.index].decision:
            return
        d = r.items[self.index].disagreement

        def done(value: str | None) -> None:
            if not value:
                return
            a, sep, b = value.replace(" ", "").partition("-")
            if not sep or not a.isdigit() or not b.isdigit():
                self.notify(f"type the span as START-END, e.g. {d.start}-{d.end}", severity="error")
                return
            try:
                n = r.decide(self.index, "adjust", (int(a), int(b)))
            except FieldcodeError as exc:
                self._refused(exc)
                return
            self.notify(f"adjust: {n} coding(s) written as {r.consensus}", markup=False)
            self._advance()

        self.app.push_screen(Prompt("Span for the consensus coding(s): START-END", value=f"{d.start}-{d.end}",
                                    hint="both sides' codes over this span · Enter accepts · Esc cancels"), done)

    def action_cycle_unit(self) -> None:
        """Review by passage, sentence or turn; the screen stays near the place it showed."""
        r = self.review
        if self.span is not None:
            return
        here = (r.items[self.index].disagreement.interview, r.items[self.index].disagreement.start) if r.items else None
        units = list(REVIEW_UNITS)
        nxt = units[(units.index(r.unit) + 1) % len(units)] if r.unit in units else units[0]
        try:
            r.set_unit(nxt)
        except FieldcodeError as exc:
            self._refused(exc)
            return
        self.index = 0
        if here is not None:
            for i, it in enumerate(r.items):
                if (it.disagreement.interview, it.disagreement.end) > here:
                    self.index = i
                    break
        self.refresh_item()
        self.notify(f"unit: {nxt} · {len(r.items)} item(s)")

    def _refused(self, exc: FieldcodeError) -> None:
        """A decision refused; after a re-import (TextChanged) the review reads the new text."""
        if isinstance(exc, TextChanged):
            self.review.reload()
            self._texts.clear()
            self.index = self.review.next_open(0) or 0
            self.span = None
            self.refresh_item()
            self.notify(f"{exc} The review now shows the new text.", severity="warning", markup=False)
            return
        self.notify(str(exc), severity="error", markup=False)

    def action_adopt_agreed(self) -> None:
        try:
            n = self.review.adopt_agreed()
        except FieldcodeError as exc:
            self._refused(exc)
            return
        self.notify(f"{n} agreed coding(s) copied to {self.review.consensus}" if n else
                    "no agreed codings left to copy")
        self.refresh_item()

    def action_move(self, step: int) -> None:
        """Next/previous item; while adjusting, move the span's end instead."""
        if self.span is not None:
            self.action_edge("end", step)
            return
        if self.review.items:
            self.index = (self.index + step) % len(self.review.items)
            self.save_position()
            self.refresh_item()

    def action_close(self) -> None:
        if self.span is not None:           # Esc while adjusting cancels the adjustment
            self.span = None
            self.refresh_item()
            return
        self.save_position()
        if isinstance(self.app, ReviewApp):
            self.app.exit()
        else:
            self.app.pop_screen()


class ReviewApp(App):
    TITLE = "fieldcode review"

    def __init__(self, review: Review) -> None:
        super().__init__()
        self.review = review

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.review))


def make_review_app(review: Review) -> ReviewApp:
    """The review app, for the CLI (``fieldcode review``) and the tests alike."""
    return ReviewApp(review)


def open_review(app) -> None:  # noqa: ANN001
    """From the main app's command palette: ask for the two coders and the consensus coder
    ("ana,ben as consensus"), then push the review screen."""
    from fieldcode.tui.modals import Prompt

    coders = app.project.store.coders()
    guess = ",".join(coders[:2]) + " as consensus" if len(coders) >= 2 else ""

    def done(value: str | None) -> None:
        if not value:
            return
        pair, sep, name = value.partition(" as ")
        who = [c.strip() for c in pair.split(",") if c.strip()]
        if not sep or len(who) != 2 or not name.strip():
            app.notify("type two coders and the consensus coder, e.g. ana,ben as consensus", severity="error")
            return
        try:
            review = Review(app.project.store, coders=who, consensus=check_coder(name, "consensus coder"))
        except FieldcodeError as exc:
            app.notify(str(exc), severity="error")
            return
        app.push_screen(ReviewScreen(review))

    app.push_screen(Prompt("Review disagreements: CODER,CODER as CONSENSUS", value=guess,
                           hint=f"coders here: {', '.join(coders) or 'none'} · Enter opens the review · Esc cancels"),
                    done)
