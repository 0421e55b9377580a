"""The disagreement review screen: two coders' codings side by side on the transcript, one
disagreement at a time, settled as codings of a consensus coder (``fieldcode review``).

The screen drives ``fieldcode.team.consensus.Review`` (headless) and pushes what it returns down into
plain Static widgets; it never touches the database itself."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from fieldcode.team.consensus import Item, Review
from fieldcode.errors import FieldcodeError, TextChanged
from fieldcode.safe import literal, plain
from fieldcode.study.settings import check_coder

CONTEXT = 160
SIDE_STYLE = ("black on #ffd166", "black on #8ecae6")


def side_text(text: str, item: Item, coder: str, style: str) -> Text:
    """The unit with some context, the unit underlined and ``coder``'s codings highlighted."""
    d = item.disagreement
    lo, hi = max(0, d.start - CONTEXT), min(len(text), d.end + CONTEXT)
    t = Text(text[lo:hi])
    t.stylize("underline", d.start - lo, d.end - lo)
    for sc in item.sides[coder]:
        a, b = max(sc.start, lo), min(sc.end, hi)
        if b > a:
            t.stylize(style, a - lo, b - lo)
    return t


def side_codes(item: Item, coder: str) -> str:
    d = item.disagreement
    keys = d.codes.get(coder, [])
    return ", ".join(k + (" *" if k in d.differing else "") for k in keys) or "(no code here)"


class ReviewScreen(Screen):
    BINDINGS = [
        Binding("a", "decide('a')", "Keep left", id="review.keep_a"),
        Binding("b", "decide('b')", "Keep right", id="review.keep_b"),
        Binding("o", "decide('both')", "Keep both", id="review.both"),
        Binding("n", "decide('neither')", "Neither", id="review.neither"),
        Binding("f", "decide('fit')", "Both, fitted to unit", id="review.fit"),
        Binding("e", "adjust", "Adjust span", id="review.adjust"),
        Binding("g", "adopt_agreed", "Copy agreed codings", id="review.agreed"),
        Binding("right,j", "move(1)", "Next", id="review.next"),
        Binding("left,k", "move(-1)", "Previous", id="review.prev"),
        Binding("q,escape", "close", "Close", id="review.close"),
    ]
    DEFAULT_CSS = """
    ReviewScreen #progress { height: 1; background: $boost; padding: 0 1; }
    ReviewScreen #where { height: auto; padding: 0 1; color: $text-muted; }
    ReviewScreen .side { width: 1fr; border: round $primary; padding: 0 1; }
    ReviewScreen .codes { height: auto; margin-top: 1; text-style: bold; }
    """

    def __init__(self, review: Review) -> None:
        super().__init__()
        self.review = review
        self.index = review.next_open(0) or 0
        self._texts: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        a, b = self.review.coders
        yield Static(id="progress")
        yield Static(id="where")
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
        self.refresh_item()

    def _text(self, interview_id: int) -> str:
        if interview_id not in self._texts:
            self._texts[interview_id] = self.review.store.interview(interview_id).text
        return self._texts[interview_id]

    def refresh_item(self) -> None:
        r = self.review
        prog = self.query_one("#progress", Static)
        if not r.items:
            prog.update(f"{plain(r.coders[0])} and {plain(r.coders[1])} do not differ here: nothing to review")
            return
        it = r.items[self.index]
        d = it.disagreement
        state = f"settled: {it.decision}" if it.decision else "open"
        prog.update(f"{plain(r.progress())} · item {self.index + 1} of {len(r.items)} ({plain(state)}) · consensus "
                    f"coder {plain(r.consensus)} · {r.adopted} agreed coding(s) copied (g)")
        self.query_one("#where", Static).update(
            f"{plain(d.interview)} \\[{d.start}-{d.end}] · {r.unit} · they differ on: {plain(', '.join(d.differing))}")
        text = self._text(d.interview_id)
        for side, coder, style in (("a", r.coders[0], SIDE_STYLE[0]), ("b", r.coders[1], SIDE_STYLE[1])):
            self.query_one(f"#text-{side}", Static).update(side_text(text, it, coder, style))
            self.query_one(f"#codes-{side}", Static).update(side_codes(it, coder))

    def action_decide(self, decision: str) -> None:
        r = self.review
        if not r.items:
            return
        it = r.items[self.index]
        if it.decision:
            self.notify(f"already settled ({it.decision})", severity="warning")
            return
        try:
            n = r.decide(self.index, decision)
        except FieldcodeError as exc:
            self._refused(exc)
            return
        self.notify(f"{decision}: {n} coding(s) written as {r.consensus}")
        nxt = r.next_open(self.index + 1)
        if nxt is not None:
            self.index = nxt
        self.refresh_item()
        if nxt is None:
            self.notify("every disagreement is settled")

    def action_adjust(self) -> None:
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
            self.notify(f"adjust: {n} coding(s) written as {r.consensus}")
            nxt = r.next_open(self.index + 1)
            if nxt is not None:
                self.index = nxt
            self.refresh_item()

        self.app.push_screen(Prompt("Span for the consensus coding(s): START-END", value=f"{d.start}-{d.end}",
                                    hint="both sides' codes over this span · Enter accepts · Esc cancels"), done)

    def _refused(self, exc: FieldcodeError) -> None:
        """A decision refused; after a re-import (TextChanged) the review reads the new text."""
        if isinstance(exc, TextChanged):
            self.review.reload()
            self._texts.clear()
            self.index = self.review.next_open(0) or 0
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
        if self.review.items:
            self.index = (self.index + step) % len(self.review.items)
            self.refresh_item()

    def action_close(self) -> None:
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
