"""One cell of the framework matrix (Enter on the framework screen): the passages coded there on
the left, the summary's editor on the right, what it cites under it and the cell's other
summaries at the bottom.

Keys: Tab moves between the passages and the editor; on a passage, Space (or Enter) cites it or
stops citing it and ``q`` pulls its quote into the summary at the editor's cursor (and cites
it); ``a`` shows everyone's passages or only the summary's author's; ``ctrl+r`` drops the
citations whose passages were removed, recoded or moved; ``ctrl+s`` saves (an empty summary is
deleted) and goes back; Esc goes back without saving (twice when there are unsaved changes).
Another coder's summary is shown read-only; the consensus summary anyone may edit (saving is
refused when someone else saved it meanwhile).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from fieldcode.analysis.framework import Cell, cell_segments
from fieldcode.errors import FieldcodeError
from fieldcode.safe import literal
from fieldcode.store.framework import CONSENSUS_AUTHOR, coding_uids, delete_summary, set_summary
from fieldcode.tui.widgets import data, short_name

QUOTE_CHARS = 300
CITED = "\u25cf"     # ●


class PassageList(OptionList):
    """The cell's passages; Space/Enter cites one, ``q`` pulls its quote into the summary."""

    BINDINGS = [
        Binding("space", "cite", "Cite", id="framework_cell.cite"),
        Binding("q", "quote", "Quote", id="framework_cell.quote"),
        Binding("a", "screen.toggle_all", "All coders", id="framework_cell.all"),
    ]

    def action_cite(self) -> None:
        if self.highlighted is not None:
            self.screen.toggle_cite(self.highlighted)

    def action_quote(self) -> None:
        if self.highlighted is not None:
            self.screen.pull_quote(self.highlighted)


def _one_line(text: str) -> str:
    return " ".join(text.split())


class FrameworkCellScreen(Screen[bool]):
    """Write a summary of one interview under one theme, citing its passages."""

    DEFAULT_CSS = """
    FrameworkCellScreen #fwc-head { height: auto; padding: 0 1; background: $boost; }
    FrameworkCellScreen #fwc-body { height: 1fr; }
    FrameworkCellScreen PassageList { width: 1fr; height: 1fr; }
    FrameworkCellScreen #fwc-right { width: 1fr; height: 1fr; }
    FrameworkCellScreen TextArea { height: 1fr; min-height: 4; }
    FrameworkCellScreen #fwc-cites { height: auto; max-height: 5; padding: 0 1; }
    FrameworkCellScreen #fwc-others { height: auto; max-height: 4; padding: 0 1; color: $text-muted;
                                      border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="framework_cell.save", priority=True),
        Binding("escape", "close", "Back", id="framework_cell.close", priority=True),
        Binding("ctrl+r", "drop_stale", "Drop changed citations", id="framework_cell.drop_stale", priority=True),
    ]

    def __init__(self, project, cell: Cell, interview: str, *, author: str) -> None:  # noqa: ANN001
        super().__init__()
        self.project = project
        self.cell = cell
        self.interview = interview
        self.author = author
        self.consensus = author == CONSENSUS_AUTHOR
        self.summary = cell.consensus if self.consensus else cell.by(author)
        self.editable = self.consensus or author == project.coder
        self.original = self.summary.text if self.summary else ""
        self.cites: list[str] = [c.uid for c in self.summary.cites] if self.summary else []
        self.cited_before = {c.uid: c for c in self.summary.cites} if self.summary else {}
        self.added: set[str] = set()
        self.show_all = self.consensus
        self.segments: list = []
        self.uids: dict[int, str] = {}
        self.warned = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="fwc-head")
        with Horizontal(id="fwc-body"):
            yield PassageList(id="fwc-passages")
            with Vertical(id="fwc-right"):
                yield TextArea(self.original, id="fwc-editor", read_only=not self.editable, soft_wrap=True,
                               show_line_numbers=False)
                yield Static("", id="fwc-cites")
        yield Static("", id="fwc-others")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        whose = "consensus summary" if self.consensus else f"{self.author}'s summary"
        self.title = f"{self.cell.theme.name} · {short_name(self.interview)}"
        self.sub_title = whose + ("" if self.editable else " (read-only: each coder edits their own)")
        editor = self.query_one(TextArea)
        editor.move_cursor(editor.document.end)
        self.load_passages()
        others = [s for s in self.cell.summaries if s is not self.summary]
        self.query_one("#fwc-others", Static).update(data(
            "\n".join(f"{'consensus' if s.consensus else s.author}: {_one_line(s.text)}"
                      + (" [!]" if s.stale else "") for s in others) or "no other summary of this cell"))
        self.query_one(PassageList).focus()

    # -- passages -------------------------------------------------------------------------------
    def load_passages(self) -> None:
        coders = None if self.show_all else [self.author]
        self.segments = cell_segments(self.project.store, self.cell.interview_id, self.cell.theme, coders=coders)
        self.uids = coding_uids(self.project.store, [s.coding_id for s in self.segments])
        self.redraw()

    def redraw(self) -> None:
        lst = self.query_one(PassageList)
        keep = lst.highlighted
        lst.clear_options()
        for s in self.segments:
            mark = CITED if self.uids.get(s.coding_id) in self.cites else " "
            t = Text(f"{mark} ", style="bold green")
            t.append(f"[{s.coder}] ", style="dim")
            if s.code_key != self.cell.theme.key:
                t.append(f"{s.code_name}: ", style="italic")
            t.append(_one_line(s.text))
            lst.add_option(Option(literal(t)))
        if self.segments:
            lst.highlighted = min(keep or 0, len(self.segments) - 1)
        whose = "everyone's" if self.show_all else f"{self.author}'s"
        self.query_one("#fwc-head", Static).update(data(
            f"{len(self.segments)} coded segment(s), {whose} (a: {'only ' + self.author + chr(39) + 's' if self.show_all else 'everyone' + chr(39) + 's'}) · "
            "Space cite · q quote · Tab editor · ctrl+s save · Esc back"))
        self.draw_cites()

    def draw_cites(self) -> None:
        by_uid = {self.uids.get(s.coding_id): s for s in self.segments}
        lines = []
        for u in self.cites:
            seg = by_uid.get(u)
            old = self.cited_before.get(u)
            if old is not None and old.stale and u not in self.added:
                lines.append(f"! {old.state}: \u201c{_one_line(old.quote or old.quote_then)[:60]}\u201d")
            elif seg is not None:
                lines.append(f"{CITED} \u201c{_one_line(seg.text)[:60]}\u201d ({seg.coder})")
            elif old is not None:
                lines.append(f"{CITED} \u201c{_one_line(old.quote)[:60]}\u201d ({old.coder})")
        head = f"cites {len(self.cites)} passage(s)" + (" · ctrl+r drops the changed ones"
                                                        if any(line.startswith("!") for line in lines) else "")
        self.query_one("#fwc-cites", Static).update(data("\n".join([head, *lines])))

    def toggle_cite(self, index: int) -> None:
        if not self.editable:
            self.notify("This summary is another coder's: read-only.", severity="warning")
            return
        uid = self.uids.get(self.segments[index].coding_id)
        if uid is None:
            return
        if uid in self.cites:
            self.cites.remove(uid)
            self.added.discard(uid)
        else:
            self.cites.append(uid)
            self.added.add(uid)
        self.redraw()

    def pull_quote(self, index: int) -> None:
        if not self.editable:
            self.notify("This summary is another coder's: read-only.", severity="warning")
            return
        seg = self.segments[index]
        quote = _one_line(seg.text)
        quote = quote if len(quote) <= QUOTE_CHARS else quote[:QUOTE_CHARS - 1] + "\u2026"
        editor = self.query_one(TextArea)
        editor.insert(f"\u201c{quote}\u201d ")
        uid = self.uids.get(seg.coding_id)
        if uid is not None and uid not in self.cites:
            self.cites.append(uid)
            self.added.add(uid)
        self.redraw()
        editor.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.toggle_cite(event.option_index)

    # -- actions --------------------------------------------------------------------------------
    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.load_passages()

    def action_drop_stale(self) -> None:
        stale = [u for u in self.cites if u in self.cited_before and self.cited_before[u].stale and u not in self.added]
        if not stale:
            self.notify("No cited passage changed since it was cited.")
            return
        self.cites = [u for u in self.cites if u not in stale]
        self.notify(f"Dropped {len(stale)} changed citation(s); ctrl+s saves.")
        self.redraw()

    def dirty(self) -> bool:
        before = [c.uid for c in self.summary.cites] if self.summary else []
        return self.editable and (self.query_one(TextArea).text.strip() != self.original.strip() or self.cites != before)

    def action_close(self) -> None:
        if self.dirty() and not self.warned:
            self.warned = True
            self.notify("Unsaved changes: ctrl+s saves, Esc again discards them.", severity="warning")
            return
        self.dismiss(False)

    def action_save(self) -> None:
        if not self.editable:
            self.notify("This summary is another coder's: read-only.", severity="warning")
            return
        text = self.query_one(TextArea).text
        me = self.project.coder
        try:
            if not text.strip():
                if self.summary is not None:
                    delete_summary(self.project.store, me, self.summary.uid)
                    self.notify("Summary deleted (the log keeps its text).")
                self.dismiss(True)
                return
            w = set_summary(self.project.store, me, self.cell.interview_id, self.cell.theme.code_id, text,
                            cites=self.cites, consensus=self.consensus, expect_text=self.original,
                            refresh=sorted(self.added))
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Summary {w.action}.")
        self.dismiss(True)
