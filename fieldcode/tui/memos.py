"""Memos in the coding screen: write one on a coding, a passage (coded or not), an interview or a
code (``m``), and list every memo filtered by interview, code and coder (``M``), each opening
its passage.  Coding memos live on the coding (and its event log); the others in the memo table.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from fieldcode.safe import clean
from fieldcode import store as storemod
from fieldcode.errors import FieldcodeError
from fieldcode.tui.editing import coding_label
from fieldcode.tui.modals import MemoEditor
from fieldcode.tui.widgets import CodebookTree, short_name, when

KIND_LABEL = {"interview": "interview", "passage": "passage", "code": "code", "coding": "coding"}


def memo_label(m: storemod.MemoInfo, codes_colour: dict[int, str]) -> Text:
    t = Text()
    t.append(f"{KIND_LABEL[m.kind]:<10}", style="bold")
    if m.code_name:
        t.append("■ ", style=codes_colour.get(m.code_id, "#888888"))
        t.append(clean(m.code_name) + "  ", style="bold")
    if m.interview:
        t.append(clean(short_name(m.interview)) + "  ", style="dim")
    t.append(f"{clean(m.author)} · {when(m.updated_at)}\n", style="italic dim")
    if m.quote:
        q = " ".join(clean(m.quote).split())
        t.append("    “" + (q if len(q) <= 110 else q[:107] + "…") + "”\n", style="italic")
    body = " ".join(clean(m.text).split())
    t.append("    " + (body if len(body) <= 220 else body[:217] + "…"))
    return t


class MemoListScreen(Screen[tuple[int, int, int] | None]):
    """Every memo; i / c / o filter by interview, code and coder; Enter opens the passage."""

    DEFAULT_CSS = """
    MemoListScreen #memo-filter { height: auto; padding: 0 1; background: $boost; }
    MemoListScreen OptionList { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "close", "Back", id="memos.close"),
        Binding("i", "cycle_interview", "Interview", id="memos.interview"),
        Binding("c", "cycle_code", "Code", id="memos.code"),
        Binding("o", "cycle_coder", "Coder", id="memos.coder"),
        Binding("e", "edit", "Edit", id="memos.edit"),
        Binding("x", "delete", "Delete", id="memos.delete"),
        Binding("ctrl+e", "export", "Export", id="memos.export"),
    ]

    def __init__(self, project, *, interview_id: int | None, code_id: int | None = None,  # noqa: ANN001
                 colours: dict[int, str] | None = None) -> None:
        super().__init__()
        self.project = project
        self.here = interview_id          # the interview open in the coding screen
        self.interview_id = interview_id  # filter (None: every interview)
        self.code_id = code_id
        self.coder: str | None = None
        self.colours = colours or {}
        self.memos: list[storemod.MemoInfo] = []
        self._armed: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="memo-filter")
        yield OptionList(id="memo-list")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = "Memos"
        self.refill()
        self.query_one(OptionList).focus()

    def refill(self) -> None:
        everything = storemod.memos(self.project.store)
        self.memos = [m for m in everything
                      if (self.interview_id is None or m.interview_id == self.interview_id)
                      and (self.code_id is None or m.code_id == self.code_id)
                      and (self.coder is None or m.author == self.coder)]
        self._all = everything
        ol = self.query_one(OptionList)
        ol.clear_options()
        for n, m in enumerate(self.memos):
            ol.add_option(Option(memo_label(m, self.colours), id=str(n)))
        iv = next((m.interview for m in everything if m.interview_id == self.interview_id), None)
        code = next((m.code_name for m in everything if m.code_id == self.code_id), None)
        f = Text()
        f.append(f"{len(self.memos)} memo{'s' if len(self.memos) != 1 else ''}", style="bold")
        f.append(f"  ·  interview: {short_name(iv) if self.interview_id is not None and iv else 'all'} (i)"
                 f"  ·  code: {code or 'all'} (c)  ·  coder: {self.coder or 'all'} (o)"
                 "  ·  Enter opens · e edits · x deletes (your own)")
        self.query_one("#memo-filter", Static).update(f)
        if self.memos:
            ol.highlighted = 0

    def _cycle(self, values: list, current):  # noqa: ANN001, ANN202
        opts = [None, *values]
        return opts[(opts.index(current) + 1) % len(opts)] if current in opts else None

    def action_cycle_interview(self) -> None:
        ids = sorted({m.interview_id for m in self._all if m.interview_id is not None},
                     key=lambda i: (i != self.here, i))
        self.interview_id = self._cycle(ids, self.interview_id)
        self.refill()

    def action_cycle_code(self) -> None:
        ids = sorted({m.code_id for m in self._all if m.code_id is not None})
        self.code_id = self._cycle(ids, self.code_id)
        self.refill()

    def action_cycle_coder(self) -> None:
        coders = sorted({m.author for m in self._all})
        self.coder = self._cycle(coders, self.coder)
        self.refill()

    def _current(self) -> storemod.MemoInfo | None:
        ol = self.query_one(OptionList)
        if ol.highlighted is None or not self.memos:
            return None
        return self.memos[ol.highlighted]

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        m = self.memos[int(event.option.id)]
        if m.interview_id is None:
            self.notify("A code memo has no passage; r in the coding screen retrieves the code's segments.")
            return
        self.dismiss((m.interview_id, m.start or 0, m.end if m.end is not None else (m.start or 0)))

    def action_edit(self) -> None:
        m = self._current()
        me = self.project.coder
        if m is None:
            return
        if m.author != me:
            self.notify(f"That memo is {m.author}'s; each researcher edits only their own.", severity="warning")
            return

        def done(text: str | None) -> None:
            if text is None or text == m.text:
                return
            try:
                if m.kind == "coding":
                    self.project.store.update_coding(m.coding_id, me, memo=text)
                elif text.strip():
                    storemod.update_memo(self.project.store, m.id, me, text)
                else:
                    storemod.delete_memo(self.project.store, m.id, me)
            except FieldcodeError as exc:
                self.notify(str(exc), severity="error")
                return
            self.refill()

        self.app.push_screen(MemoEditor(f"Memo ({m.kind}) by {m.author}", m.text), done)

    def action_delete(self) -> None:
        m = self._current()
        me = self.project.coder
        if m is None:
            return
        if m.author != me:
            self.notify(f"That memo is {m.author}'s; each researcher deletes only their own.", severity="warning")
            return
        if self._armed != (m.kind, m.id):
            self._armed = (m.kind, m.id)
            self.notify("Press x again to delete this memo.", severity="warning")
            return
        self._armed = None
        try:
            if m.kind == "coding":
                self.project.store.update_coding(m.coding_id, me, memo="")
            else:
                storemod.delete_memo(self.project.store, m.id, me)
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify("Memo deleted.")
        self.refill()

    def action_export(self) -> None:
        """What 'fieldcode export memos' writes for the filters shown (ctrl+e)."""
        from fieldcode.tui.exporting import memos_job, start_export

        store = self.project.store
        code = store.code(self.code_id).key if self.code_id is not None else None
        iv = store.interview(self.interview_id).name if self.interview_id is not None else None
        start_export(self, memos_job(self.project, interview=iv, code=code, coder=self.coder))

    def action_close(self) -> None:
        self.dismiss(None)


class MemoMixin:
    """The coding screen's ``m`` and ``M``."""

    def _memo_target(self) -> tuple[str, dict]:
        """What ``m`` writes on now: (label, where) with where = kwargs for add_memo, or
        {"coding": Span} for a coding's own memo."""
        tree = self.query_one(CodebookTree)
        if tree.has_focus and tree.current_code in self.codes:
            c = self.codes[tree.current_code]
            return f"Memo on the code {c.name}", {"code_id": c.id}
        sel = self.transcript.selection_offsets
        cur = self.marked()
        if cur is not None and (sel[0] == sel[1] or sel == (cur.start, cur.end)):
            if cur.coder != self.me:
                return "", {"refused": cur}
            return f"Memo on your coding {coding_label(cur, self.codes, self.text)}", {"coding": cur}
        a, b = self._trimmed(sel)
        if a < b:
            words = len(self.text[a:b].split())
            # the offsets count in the text shown: refused (TextChanged) if re-imported meanwhile
            return (f"Memo on the passage [{a}, {b}) ({words} word{'s' if words != 1 else ''})",
                    {"interview_id": self.iv_id, "start": a, "end": b, "expect_sha": self.iv_sha})
        return f"Memo on the interview {short_name(self.iv_name)}", {"interview_id": self.iv_id}

    def _trimmed(self, sel: tuple[int, int]) -> tuple[int, int]:
        a, b = sel
        while a < b and self.text[a].isspace():
            a += 1
        while b > a and self.text[b - 1].isspace():
            b -= 1
        return a, b

    def action_memo(self) -> None:
        coder = self._coder()
        if coder is None or self.iv_id is None:
            return
        title, where = self._memo_target()
        if "refused" in where:
            cur = where["refused"]
            own = any(s.coder == self.me for s in self.under_cursor())
            self.notify(f"That coding is {cur.coder}'s ({coding_label(cur, self.codes, self.text)}): a coding's "
                        f"memo is its coder's.{' Press . to mark (▶) your own coding here, or' if own else ''}"
                        f"{' s' if own else ' S'}elect the passage (s, t) for a passage memo of your own.",
                        severity="warning", timeout=8)
            return
        if "coding" in where:
            cur = where["coding"]

            def saved(memo: str | None) -> None:
                if memo is not None and memo != cur.memo and self._update(cur, memo=memo):
                    self.notify("Memo saved.")

            self.app.push_screen(MemoEditor(title, cur.memo), saved)
            return
        # An interview or code memo of mine already there is edited rather than duplicated.
        existing = None
        if "start" not in where:
            existing = next((m for m in storemod.memos(self.store, interview_id=where.get("interview_id"),
                                                       code_id=where.get("code_id"), author=coder, codings=False)
                             if m.kind == ("code" if "code_id" in where else "interview")), None)

        def done(text: str | None) -> None:
            if text is None:
                return
            try:
                if existing is not None:
                    if text.strip():
                        storemod.update_memo(self.store, existing.id, coder, text)
                    else:
                        storemod.delete_memo(self.store, existing.id, coder)
                elif text.strip():
                    storemod.add_memo(self.store, coder, text, **where)
                else:
                    return
            except FieldcodeError as exc:
                self.notify(str(exc), severity="error")
                return
            self.load_memos()
            self.update_details()
            self.notify("Memo saved (M lists every memo).")

        self.app.push_screen(MemoEditor(title, existing.text if existing else ""), done)

    def load_memos(self) -> None:
        """Passage memos of this interview (all authors), for the line bar."""
        if self.iv_id is None:
            self.passage_memos = []
            return
        self.passage_memos = [(m.start, m.end, m.author) for m in
                              storemod.memos(self.store, interview_id=self.iv_id, codings=False)
                              if m.kind == "passage"]
        for stripes in self.query("#stripes"):   # the memo marks beside the text
            stripes.show_memos(self.shown_memos)

    def action_memos(self) -> None:
        def done(target: tuple[int, int, int] | None) -> None:
            if target:
                iid, a, b = target
                if iid != self.iv_id:
                    self.open_interview(iid, select=(a, b) if b > a else None)
                elif b > a:
                    self.transcript.select_offsets(a, b)
                else:
                    self.transcript.move_to_offset(a)
                self.transcript.focus()

        self.app.push_screen(MemoListScreen(self.project, interview_id=self.iv_id, colours=self.colours), done)
