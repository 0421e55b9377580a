"""Small modal screens: the type-ahead code picker, a one-line prompt, the memo editor, the
code definition viewer and the help screen."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from fieldcode.safe import literal
from fieldcode.tui.textmap import fuzzy_rank
from fieldcode.tui.widgets import CodeItem

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 90%; max-width: 100; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 0 1;
}}
{name} .title {{ text-style: bold; width: 100%; }}
{name} .hint {{ color: $text-muted; width: 100%; }}
"""


class CodePicker(ModalScreen[int | None]):
    """Type to filter codes by name, key or keyword (fuzzy); Enter applies, Escape cancels."""

    DEFAULT_CSS = MODAL_CSS.format(name="CodePicker") + """
    CodePicker OptionList { height: auto; max-height: 12; min-height: 4; }
    CodePicker #picker-quote { height: auto; max-height: 2; color: $text-muted; text-style: italic; }
    CodePicker #picker-definition { height: auto; max-height: 3; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker.up"),
    ]

    def __init__(self, codes: Sequence[CodeItem], title: str = "Apply code", *, quote: str = "") -> None:
        super().__init__()
        self.codes = list(codes)
        self.title_text = title
        self.quote = " ".join(quote.split())
        self._shown: list[CodeItem] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(self.title_text), classes="title")
            if self.quote:
                q = self.quote if len(self.quote) <= 230 else self.quote[:150] + " … " + self.quote[-70:]
                yield Static(Text(f"“{q}”"), id="picker-quote")
            yield Input(placeholder="type part of a name, key or keyword", id="picker-input")
            yield OptionList(id="picker-list")
            yield Static(id="picker-definition")
            yield Label("Enter applies · ↑↓ choose · Esc cancels", classes="hint")

    def on_mount(self) -> None:
        self._refill("")

    def _refill(self, query: str) -> None:
        by_id = {c.id: c for c in self.codes}
        self._shown = fuzzy_rank(query, [(c, c.name, c.key, c.keywords) for c in self.codes])
        ol = self.query_one(OptionList)
        ol.clear_options()
        for c in self._shown:
            t = Text("■ ", style=Style(color=c.colour))
            t.append(f"{c.hotkey} " if c.hotkey else "  ", style="bold")
            parent = by_id.get(c.parent_id) if c.parent_id else None
            if parent:
                t.append(f"{parent.name} › ", style="dim")
            t.append(c.name)
            t.append(f"  {c.key}", style="dim")
            ol.add_option(Option(t, id=str(c.id)))
        if self._shown:
            ol.highlighted = 0

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        c = next((c for c in self.codes if str(c.id) == event.option.id), None)
        t = Text()
        if c is not None:
            t.append(c.name + ": ", style="bold")
            t.append(c.definition.strip() or "(no definition in codebook.yaml)", style="" if c.definition else "dim")
            if c.not_when:
                t.append("  Not when: ", style="bold")
                t.append(c.not_when.strip())
        self.query_one("#picker-definition", Static).update(t)

    @on(Input.Changed, "#picker-input")
    def _changed(self, event: Input.Changed) -> None:
        self._refill(event.value)

    @on(Input.Submitted, "#picker-input")
    def _submitted(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None and self._shown:
            self.dismiss(self._shown[ol.highlighted].id)
        else:
            self.app.bell()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_move(self, delta: int) -> None:
        ol = self.query_one(OptionList)
        if self._shown:
            ol.highlighted = ((ol.highlighted or 0) + delta) % len(self._shown)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Prompt(ModalScreen[str | None]):
    """One line of text: Enter accepts, Escape cancels."""

    DEFAULT_CSS = MODAL_CSS.format(name="Prompt")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, value: str = "", hint: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text, self.value, self.hint, self.placeholder = title, value, hint, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(self.title_text), classes="title")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            yield Label(literal(self.hint or "Enter accepts · Esc cancels"), classes="hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MemoEditor(ModalScreen[str | None]):
    """Write or edit a memo; ctrl+s saves, Escape cancels."""

    DEFAULT_CSS = MODAL_CSS.format(name="MemoEditor") + """
    MemoEditor TextArea { height: 10; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save memo", id="memo.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="memo.cancel"),
    ]

    def __init__(self, title: str, memo: str) -> None:
        super().__init__()
        self.title_text, self.memo = title, memo

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(self.title_text), classes="title")
            yield TextArea(self.memo, id="memo-text", soft_wrap=True)
            yield Label("ctrl+s saves · Esc cancels", classes="hint")

    def on_mount(self) -> None:
        ta = self.query_one(TextArea)
        ta.focus()
        ta.move_cursor(ta.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class InfoScreen(ModalScreen[None]):
    """Read-only text (a code's definition, the help)."""

    DEFAULT_CSS = MODAL_CSS.format(name="InfoScreen") + """
    InfoScreen VerticalScroll { height: auto; max-height: 75vh; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark,i", "close", "Close", id="info.close"),
    ]

    def __init__(self, title: str, body) -> None:  # noqa: ANN001 - any rich renderable
        super().__init__()
        self.title_text, self.body = title, body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(self.title_text), classes="title")
            with VerticalScroll():
                yield Static(self.body, id="info-body")
            yield Label("Esc closes", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)


def code_info(c: CodeItem, parent: CodeItem | None, here: int, study: int) -> Text:
    t = Text()
    t.append("■ ", style=Style(color=c.colour))
    t.append(c.name, style="bold")
    t.append(f"   key {c.key}", style="dim")
    if c.hotkey:
        t.append(f" · hotkey {c.hotkey}", style="dim")
    if parent:
        t.append(f" · under {parent.name}", style="dim")
    t.append(f"\n{here} coded segments in this interview, {study} in the study\n\n", style="dim")
    for label, value in (("Definition", c.definition), ("Use when", c.use_when),
                         ("Not when", c.not_when), ("Example", c.example)):
        if value:
            t.append(f"{label}: ", style="bold")
            t.append(value.strip() + "\n\n")
    if c.keywords:
        t.append("Keywords: ", style="bold")
        t.append(", ".join(c.keywords))
    t.rstrip()
    return t


REMAP_NOTE = ('Remap any key by its id in the [keys] table of settings.toml (fieldcode settings shows '
              'where), e.g. select_sentence = "z"')


def help_table(rows: Sequence[tuple[str, str, str, str]]) -> Table:
    """rows: (section, keys, description, binding id)."""
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
    table.add_column("keys", style="bold #ffd75f", no_wrap=True, max_width=18, overflow="ellipsis")
    table.add_column("action", ratio=3)
    table.add_column("id", style="dim", no_wrap=True, min_width=16)
    section = None
    for sec, keys, desc, bid in rows:
        if sec != section:
            table.add_row(Text(sec, style="bold underline", no_wrap=True, overflow="crop"), "", "")
            section = sec
        table.add_row(Text(keys), Text(desc), Text(bid))
    return table
