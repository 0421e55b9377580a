"""Managing codes from the coding screen (``k``): new code, rename, recolour, move under another
parent, merge into another code, change the key, set the hotkey; and showing only chosen codes
(``f``).  Every change goes through :class:`fieldcode.project.Project`, which edits only the
lines of codebook.yaml it must; merge and rekey change the database in the same transaction."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, SelectionList
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from fieldcode.study.codebook_edit import NameInUse
from fieldcode.errors import FieldcodeError
from fieldcode.study.palette import PALETTE, next_colour
from fieldcode.tui.modals import MODAL_CSS, CodePicker, Prompt
from fieldcode.tui.widgets import CodebookTree, CodeItem

ACTIONS = [
    ("new", "n", "New top-level code"),
    ("child", "u", "New code under this one"),
    ("rename", "r", "Rename"),
    ("colour", "c", "Change colour"),
    ("move", "m", "Move under another code (or to the top)"),
    ("merge", "g", "Merge into another code (every coder's codings move)"),
    ("rekey", "k", "Change the key (codings follow)"),
    ("hotkey", "h", "Set or clear the hotkey"),
]


class CodeActions(ModalScreen[str | None]):
    """What to do with the highlighted code: a letter or Enter picks."""

    DEFAULT_CSS = MODAL_CSS.format(name="CodeActions") + """
    CodeActions OptionList { height: auto; max-height: 12; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="codes.cancel")] + [
        Binding(letter, f"pick('{name}')", label, show=False, id=f"codes.{name}") for name, letter, label in ACTIONS
    ]

    def __init__(self, code: CodeItem | None) -> None:
        super().__init__()
        self.code = code

    def compose(self) -> ComposeResult:
        with Vertical():
            title = Text("Manage codes", style="bold")
            if self.code:
                title.append("  ■ ", style=Style(color=self.code.colour))
                title.append(f"{self.code.name} ({self.code.key})")
            yield Label(title, classes="title")
            ol = OptionList(id="code-actions")
            for name, letter, label in ACTIONS:
                if self.code is None and name != "new":
                    continue
                ol.add_option(Option(Text.assemble((f"{letter}  ", "bold #ffd75f"), label), id=name))
            yield ol
            yield Label("codebook.yaml changes only in the lines a change needs · Esc cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_pick(self, name: str) -> None:
        if self.code is None and name != "new":
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CodeFilter(ModalScreen[set[int] | None]):
    """Tick the codes to show (Space toggles, a all, n none, Enter shows them)."""

    DEFAULT_CSS = MODAL_CSS.format(name="CodeFilter") + """
    CodeFilter SelectionList { height: auto; max-height: 18; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="filter.cancel"),
        Binding("enter", "apply", "Show", id="filter.apply", priority=True),
        Binding("a", "all", "All", id="filter.all"),
        Binding("n", "none", "None", id="filter.none"),
    ]

    def __init__(self, codes: list[CodeItem], shown: set[int] | None) -> None:
        super().__init__()
        self.codes = codes
        self.shown = set(c.id for c in codes) if shown is None else set(shown)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Show only these codes", classes="title")
            by_id = {c.id: c for c in self.codes}
            items = []
            for c in self.codes:
                t = Text("■ ", style=Style(color=c.colour))
                if c.parent_id in by_id:
                    t.append("  ")
                t.append(c.name)
                items.append(Selection(t, c.id, c.id in self.shown))
            yield SelectionList[int](*items, id="code-filter")
            yield Label("Space ticks · a all · n none · Enter shows · Esc cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_all(self) -> None:
        self.query_one(SelectionList).select_all()

    def action_none(self) -> None:
        self.query_one(SelectionList).deselect_all()

    def action_apply(self) -> None:
        self.dismiss(set(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)


class CodeOpsMixin:
    """The coding screen's ``k`` (manage codes) and ``f`` (show only chosen codes)."""

    def action_filter_codes(self) -> None:
        def done(chosen: set[int] | None) -> None:
            if chosen is None:
                return
            self.code_filter = None if chosen >= set(self.codes) else chosen
            self._paint_all()
            self.refresh_codebook()
            self.update_details()
            self._update_title()
            n = len(self.codes) if self.code_filter is None else len(self.code_filter)
            self.notify(f"Showing {n} of {len(self.codes)} codes (f changes it).")

        self.app.push_screen(CodeFilter(list(self.codes.values()), self.code_filter), done)

    def _highlighted_code(self) -> CodeItem | None:
        tree = self.query_one(CodebookTree)
        if tree.has_focus and tree.current_code in self.codes:
            return self.codes[tree.current_code]
        cur = self.current(mine=False)
        if cur is not None and cur.code_id in self.codes:
            return self.codes[cur.code_id]
        return self.codes.get(tree.current_code)

    def action_manage_codes(self) -> None:
        code = self._highlighted_code()
        self.app.push_screen(CodeActions(code), lambda name: name and self._code_action(name, code))

    def _changed(self, message: str) -> None:
        from fieldcode import store as storemod

        self.codes_changed()
        self._seen_codebook = storemod.codebook_stamp(self.store)
        self.notify(message)

    def _run(self, fn, *args, ok="", **kw) -> bool:  # noqa: ANN001, ANN003 - ok: text or result -> text
        try:
            result = fn(*args, **kw)
        except NameInUse as exc:
            self.notify(f"{exc} (k on that code manages it).", severity="warning", timeout=8)
            return False
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return False
        self._changed(ok(result) if callable(ok) else ok or "Codebook updated.")
        return True

    def _pick_code(self, title: str, exclude: set[int], then, *, top: bool = False) -> None:  # noqa: ANN001
        choices = [c for c in self.codes.values() if c.id not in exclude]
        if top:
            choices = [CodeItem(id=-1, key="", name="(top level)", parent_id=None, colour="#888888", hotkey=None),
                       *choices]
        self.app.push_screen(CodePicker(choices, title), lambda cid: cid is not None and then(cid))

    def _code_action(self, name: str, code: CodeItem | None) -> None:
        p = self.project
        if name in ("new", "child"):
            parent = code.key if name == "child" and code else None

            def made(value: str | None) -> None:
                if value and value.strip():
                    try:
                        cd = p.add_code(value, parent=parent)
                    except NameInUse as exc:
                        self.offer_existing(exc.key, None)
                        return
                    except FieldcodeError as exc:
                        self.notify(str(exc), severity="error", timeout=10)
                        return
                    self._changed(f"New code '{cd.name}' ({cd.key}, {cd.colour}) in codebook.yaml.")

            where = f" under {code.name}" if parent else ""
            self.app.push_screen(Prompt(f"Name of the new code{where}", "", "Enter creates it in codebook.yaml"), made)
            return
        assert code is not None
        if name == "rename":
            self.app.push_screen(
                Prompt(f"New name for {code.name}", code.name, "the key, and so the codings, stay"),
                lambda v: v and v.strip() != code.name and self._run(
                    p.rename_code, code.key, v, ok=f"Renamed '{code.name}' to '{v.strip()}'."))
        elif name == "colour":
            hint = "#RRGGBB; suggested: " + next_colour(c.colour for c in self.codes.values() if c.id != code.id)
            self.app.push_screen(
                Prompt(f"Colour for {code.name}", code.colour, hint + " · palette: " + " ".join(PALETTE[:8])),
                lambda v: v and v.strip() != code.colour and self._run(
                    p.recolour_code, code.key, v.strip(), ok=f"{code.name} is now {v.strip()}."))
        elif name == "move":
            below = {code.id} | self._descendants(code.id)

            def moved(cid: int) -> None:
                parent = None if cid == -1 else self.codes[cid].key
                self._run(p.move_code, code.key, parent,
                          ok=f"{code.name} is now " + (f"under {self.codes[cid].name}." if parent else "top-level."))

            self._pick_code(f"Move {code.name} under", below, moved, top=True)
        elif name == "merge":
            def merged(cid: int) -> None:
                target = self.codes[cid]
                self._run(p.merge_codes, code.key, target.key,
                          ok=lambda r: f"Merged {code.name} into {target.name}: {r[1]} codings moved (fieldcode log).")
                if self.code_filter is not None:
                    self.code_filter.discard(code.id)
                self.reload_spans()

            self._pick_code(f"Merge {code.name} into (every coder's codings move)", {code.id}, merged)
        elif name == "rekey":
            self.app.push_screen(
                Prompt(f"New key for {code.name}", code.key, "lowercase letters, digits, - or _; codings follow"),
                lambda v: v and v.strip() != code.key and self._run(
                    p.rekey_code, code.key, v.strip(), ok=f"Key '{code.key}' is now '{v.strip()}'."))
        elif name == "hotkey":
            self.app.push_screen(
                Prompt(f"Hotkey for {code.name}", code.hotkey or "", "one letter or digit; empty clears it"),
                lambda v: v is not None and (v.strip() or None) != code.hotkey and self._run(
                    p.set_hotkey, code.key, v.strip() or None, ok=f"Hotkey of {code.name}: {v.strip() or 'none'}."))

    def _descendants(self, cid: int) -> set[int]:
        out: set[int] = set()
        todo = [cid]
        while todo:
            cur = todo.pop()
            for c in self.codes.values():
                if c.parent_id == cur and c.id not in out:
                    out.add(c.id)
                    todo.append(c.id)
        return out
