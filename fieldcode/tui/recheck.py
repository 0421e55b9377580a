"""The re-check screen (``R`` in the coding screen): the current coder's codings made under an
older definition of their code (``fieldcode.store.pins.recheck_queue``), one at a time, with the
passage, the definition it was made under and the definition now.  The coder keeps it under the
new definition (``k``), recodes it (``c``: pick a code) or removes it (``x``, pressed twice);
each decision is one event (``fieldcode.store.recheck``) and ``u`` undoes the latest change of
the coder's.  ``n``/``p`` move without deciding; Escape closes.  Only the coder's own codings are
listed: coders re-check their own work."""

from __future__ import annotations

import time

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from fieldcode.errors import FieldcodeError
from fieldcode.safe import clean
from fieldcode.store import pins
from fieldcode.study.codebook_history import DEFINITION_FIELDS, find_definition
from fieldcode.tui.modals import CodePicker
from fieldcode.tui.textmap import blend
from fieldcode.tui.transcript import BASE_BG, text_on
from fieldcode.tui.widgets import CodeItem, short_name

CONTEXT = 240            # characters of context shown each side of the coding
CONFIRM_SECONDS = 4.0    # x must be pressed twice within this
LABELS = {"name": "name", "definition": "definition", "use_when": "use when", "not_when": "not when",
          "example": "example"}


class RecheckScreen(Screen[None]):
    DEFAULT_CSS = """
    RecheckScreen #progress { height: 1; background: $boost; padding: 0 1; }
    RecheckScreen #what { height: auto; padding: 0 1; }
    RecheckScreen #body { height: 1fr; border: round $primary; padding: 0 1; }
    RecheckScreen #keys { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("k", "keep", "Keep", id="recheck.keep"),
        Binding("c", "recode", "Recode", id="recheck.recode"),
        Binding("x", "remove", "Remove", id="recheck.remove"),
        Binding("n,s", "move(1)", "Next", id="recheck.next"),
        Binding("p", "move(-1)", "Previous", show=False, id="recheck.previous"),
        Binding("u", "undo", "Undo", show=False, id="recheck.undo"),
        Binding("escape,q", "close", "Back", id="recheck.close"),
    ]

    def __init__(self, project, coder: str) -> None:  # noqa: ANN001
        super().__init__()
        self.project = project
        self.store = project.store
        self.coder = coder
        self.items = pins.recheck_queue(self.store, coder)
        self.decided: dict[int, str] = {}        # coding id -> kept / recoded to X / removed (here)
        self.index = 0
        self._armed: tuple[int, float] | None = None
        self._texts: dict[int, str] = {}
        self._versions = [(i, v.yaml_text) for i, v in enumerate(self.store.codebook_versions(), 1)]
        self._hashes = [v.hash for v in self.store.codebook_versions()]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="progress")
        yield Static(id="what")
        with VerticalScroll(id="body"):
            yield Static(id="detail")
        yield Static(Text.assemble(("k", "bold"), " keep under the new definition  ", ("c", "bold"), " recode  ",
                                   ("x x", "bold"), " remove  ", ("n p", "bold"), " next / previous  ",
                                   ("u", "bold"), " undo  ", ("Esc", "bold"), " close"), id="keys")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Re-check"
        self.sub_title = f"coder: {self.coder} · codings made under an older definition of their code"
        self.show_item()

    @property
    def current(self) -> pins.RecheckItem | None:
        return self.items[self.index] if self.items else None

    def _m(self, text: str) -> str:
        """What a blind coder may see of ``text`` (names as labels, hidden values masked)."""
        b = getattr(self.project, "blinder", None)
        return clean(text if b is None else b.mask_output(text))

    def _text(self, iid: int) -> str:
        if iid not in self._texts:
            self._texts[iid] = self.store.interview(iid).text
        return self._texts[iid]

    def show_item(self) -> None:
        it = self.current
        left = sum(1 for i in self.items if i.coding_id not in self.decided)
        prog = self.query_one("#progress", Static)
        if it is None:
            prog.update(Text(f"Nothing to re-check for {clean(self.coder)}"))
            self.query_one("#what", Static).update(Text(
                "None of your codings was made under an older definition of its code."))
            self.query_one("#detail", Static).update("")
            return
        prog.update(Text.assemble((f"coding {self.index + 1} of {len(self.items)}", "bold"), f" · {left} to decide"))
        code = self.store.code(it.code_id)
        what = Text()
        what.append("■ ", style=Style(color=code.colour))
        what.append(clean(code.name), style="bold")
        what.append(f" ({clean(code.key)})  in ")
        what.append(self._m(short_name(it.interview)), style="bold #87afff")
        what.append(f"  #{it.coding_id} [{it.start}, {it.end})", style="dim")
        n = max((i for i, h in enumerate(self._hashes, 1) if h == it.codebook_hash), default=None)
        what.append(f"  made under v{n}" if n else "  made under a version not recorded here", style="dim")
        state = self.decided.get(it.coding_id)
        if state:
            what.append(f"  {state.upper()}", style="bold reverse #ffd75f")
        self.query_one("#what", Static).update(what)
        self.query_one("#detail", Static).update(self._detail(it, code))

    def _detail(self, it: pins.RecheckItem, code) -> Text:  # noqa: ANN001
        old = self._old_definition(it)
        now = {k: str(getattr(code, k) or "") for k in DEFINITION_FIELDS}
        t = Text()
        if it.split_into:
            t.append("This code was split\n", style="bold underline")
            t.append(f"Split into {', '.join(it.split_into)}: choose one (c), or keep it on the old code (k).\n")
            return self._passage(t, it, code)
        t.append("What changed in the definition\n", style="bold underline")
        if old is None:
            t.append("The definition it was made under is not in this project's recorded versions (made in another "
                     "copy?); the definition now:\n", style="italic")
            for k in DEFINITION_FIELDS:
                if now[k]:
                    t.append(f"{LABELS[k]}: ", style="bold")
                    t.append(self._m(now[k]) + "\n")
            return self._passage(t, it, code)
        number, was = old
        for k in DEFINITION_FIELDS:
            if was.fields.get(k, "") == now[k]:
                continue
            t.append(f"{LABELS[k]}\n", style="bold")
            t.append(f"  v{number}: ", style="dim")
            t.append(self._m(was.fields.get(k, "")) or "(empty)", style="#d78787")
            t.append("\n  now: ", style="dim")
            t.append(self._m(now[k]) or "(empty)", style="#87d787")
            t.append("\n")
        return self._passage(t, it, code)

    def _passage(self, t: Text, it: pins.RecheckItem, code) -> Text:  # noqa: ANN001
        t.append("\n")
        text = self._text(it.interview_id)
        box = self.query_one("#body", VerticalScroll).content_region
        room = max(CONTEXT, box.width * max(1, box.height - 8) // 2)    # a larger terminal shows more
        lo, hi = max(0, it.start - room), min(len(text), it.end + room)
        while lo > 0 and not text[lo - 1].isspace() and lo < it.start:   # whole words at both ends
            lo += 1
        while hi < len(text) and not text[hi].isspace() and hi > it.end:
            hi -= 1
        t.append("Passage\n", style="bold underline")
        t.append(("… " if lo else "") + self._m(text[lo:it.start]))
        bg = blend(code.colour, BASE_BG, 0.55)
        t.append(self._m(text[it.start:it.end]), style=Style(bgcolor=bg, color=text_on(bg), bold=True))
        t.append(self._m(text[it.end:hi]) + (" …" if hi < len(text) else "") + "\n\n")
        return t

    def _old_definition(self, it: pins.RecheckItem):  # noqa: ANN202
        for key in [it.code_key, *pins.lineage_of(self.store, it.code_key)[1:]]:   # a merged code's old key
            hit = find_definition(self._versions, key, it.definition_hash)
            if hit is not None:
                return hit
        return None

    # -- deciding -------------------------------------------------------------------------------
    def _decide(self, what: str, fn) -> None:  # noqa: ANN001
        it = self.current
        if it is None or it.coding_id in self.decided:
            if it is not None:
                self.notify(f"coding #{it.coding_id} is decided ({self.decided[it.coding_id]}); u undoes it")
            return
        try:
            fn(it)
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error")
            return
        self.decided[it.coding_id] = what
        self.notify(f"coding #{it.coding_id}: {what} (u undoes it)")
        self._next_open()

    def _next_open(self) -> None:
        for step in range(1, len(self.items) + 1):
            j = (self.index + step) % len(self.items)
            if self.items[j].coding_id not in self.decided:
                self.index = j
                break
        self.show_item()

    def action_keep(self) -> None:
        self._decide("kept", lambda it: self.store.recheck_keep(it.coding_id, self.coder))

    def action_remove(self) -> None:
        it = self.current
        if it is None:
            return
        now = time.monotonic()
        if self._armed is None or self._armed[0] != it.coding_id or now - self._armed[1] > CONFIRM_SECONDS:
            self._armed = (it.coding_id, now)
            self.notify(f"Press x again to remove coding #{it.coding_id}", timeout=CONFIRM_SECONDS)
            return
        self._armed = None
        self._decide("removed", lambda it: self.store.recheck_remove(it.coding_id, self.coder))

    def action_recode(self) -> None:
        it = self.current
        if it is None or it.coding_id in self.decided:
            return
        codes = [CodeItem(id=c.id, key=c.key, name=c.name, parent_id=c.parent_id, colour=c.colour, hotkey=c.hotkey,
                          definition=c.definition, use_when=c.use_when, not_when=c.not_when, example=c.example)
                 for c in self.store.codes() if c.codable]

        def picked(code_id: int | None) -> None:
            if code_id is None:
                return
            key = self.store.code(code_id).key
            self._decide(f"recoded to {key}", lambda it: self.store.recheck_recode(it.coding_id, self.coder, code_id))

        self.app.push_screen(CodePicker(codes, f"Recode #{it.coding_id} to", quote=it.quote), picked)

    def action_move(self, step: int) -> None:
        if self.items:
            self.index = (self.index + step) % len(self.items)
            self.show_item()

    def action_undo(self) -> None:
        try:
            ev = self.store.undo(self.coder)
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error")
            return
        if ev is None:
            self.notify("nothing of yours to undo")
            return
        self.decided.pop(ev.coding_id, None)
        for j, it in enumerate(self.items):
            if it.coding_id == ev.coding_id:
                self.index = j
        self.notify(f"undid {ev.action} of coding #{ev.coding_id}")
        self.show_item()

    def action_close(self) -> None:
        self.dismiss(None)


def push_recheck(app) -> None:  # noqa: ANN001
    """Open the re-check screen for the app's coder."""
    coder = app.project.coder
    if not coder:
        app.notify("Who is coding? Set --coder or FIELDCODE_CODER first", severity="error")
        return
    app.push_screen(RecheckScreen(app.project, coder))
