"""The help screen: a short guide to the coding screen, then every key binding reachable there
(with the keys as remapped in settings.toml).  It fills the terminal and scrolls to its last
line at any size (↑↓, PgUp/PgDn, Home/End, the mouse wheel)."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from fieldcode.tui.modals import REMAP_NOTE, help_table

SECTIONS = {"select_sentence": "Selecting", "pick_code": "Coding", "memo": "Memos", "next_coding": "Moving",
            "retrieve": "Views"}

GUIDE = [
    ("Selecting", "Put the cursor in the text and press s for its sentence, p for its paragraph, t for the "
                  "speaker's turn or w for a word (with a selection, of its start: after ( ) or a find, s and "
                  "t take the unit of what is selected); S and D grow and shrink the selection by a sentence, "
                  "W and B by a whole word; ( and ) step to the previous and next sentence. Shift+arrows or a "
                  "mouse drag select characters; spaces and stray punctuation (a comma, an opening bracket) at "
                  "a selection's edges are left out when it is coded, and the screen says so. The cursor cell "
                  "(amber) is never part of the selection."),
    ("Coding", "With text selected, press a code's hotkey (the digit beside it in the codebook), c for the "
               "type-ahead picker (it shows the selected text and the highlighted code's definition), or "
               "highlight a code in the codebook and press Enter (a single click only highlights; a double "
               "click applies). After coding, the selection clears so the new colour shows and the cursor "
               "stands at the coding's end, so ), s and t go on forward; another hotkey right away codes "
               "the same passage again. x removes, e changes the code, [ ] = resize, m writes the memo of "
               "the ▶ coding (the one named first in the details and in the bar under the text); . moves "
               "▶ to the next coding under the cursor. A colleague's ▶ coding is never changed: the key "
               "says whose it is. ctrl+z / ctrl+y undo and redo, also after a restart. Each interview "
               "keeps your place in it."),
    ("Interviewer turns", "Interviewer turns are dimmed. A coding lying wholly in them is left out of every "
                          "count in analysis (the analysis screen's i counts them); the screen warns when a "
                          "selection or a coding runs into one."),
    ("Overlaps and coders", "The stripes left of the text are the codings: one coloured mark per coding on "
                            "every screen row it covers, each coding in its own lane (never two on one row), "
                            "so three or more overlapping codes all show; + when a row has more than 8. ▌ is "
                            "yours; another coder's coding is drawn with the first letter of their name, and "
                            "the legend right of the interview's title says whose each mark is. ✎ marks the "
                            "first row of a coding with a memo or of a passage memo. o cycles whose codings "
                            "show: yours, everyone's, each other coder's, the consensus coders'. In the text, "
                            "your codings tint the background with the code's colour, text covered by two or "
                            "more codes is bold and underlined, and a colleague's codings are underlined in "
                            "italics. The bar under the text names the codes on the cursor's line; the panel "
                            "below lists the codings under the cursor with coder, time and memo. f shows only "
                            "the codes you choose."),
    ("Counts", "Each code in the codebook shows here/study: its coded segments in this interview / in the "
               "whole study (whoever o shows: yours, everyone's, one coder's or the consensus coders'). "
               "Beside each interview: the share of its text "
               "you have coded and the number of codings."),
    ("Searching", "/ searches the whole study: type a word or phrase and press Enter. It matches by lemma "
                  "('lived' also finds live, living, lives); ctrl+t switches to exact phrase or regular "
                  "expression, ctrl+o searches interviewer turns too. Hits are listed by interview, the open "
                  "interview first, each with speaker, position (s sentence, t turn, @ character) and its "
                  "context. Enter opens that interview with the hit selected, ready to code; F3 or > and "
                  "shift+F3 or < then step through the search's hits in the open transcript. Esc goes back. "
                  "ctrl+f finds plain text in the open transcript only."),
    ("Suggestions", "g reviews the codings proposed to you ('fieldcode suggest keywords', 'fieldcode suggest "
                    "search'), only yours, one at a time in context with where each came from: a accepts (it "
                    "becomes your coding, its origin kept in the event log), r rejects (remembered, never "
                    "proposed to you again), s skips, p goes back. Before accepting, ← → move the end and , . "
                    "(or shift+← →) the start by a word; 0 restores the proposed span; o shows it in the "
                    "transcript; f reviews one code's suggestions only, F every code's. Esc closes; g again "
                    "resumes where you left off."),
    ("Disagreements", "'Review disagreements' (ctrl+p) settles two coders' disagreements as a consensus "
                      "coder, one passage at a time (u: passage, sentence or turn): a keeps the left coder's "
                      "codings, b the right one's, o both, n neither, f both fitted to the passage; e adjusts "
                      "the span (w, s, t step by word, sentence, turn; → ← its end, shift+← → its start; Enter "
                      "writes). Items an earlier decision covers show as settled; reopening resumes there."),
    ("Team figures and exports", "A opens the agreement panel: per code, observed and positive agreement, "
                                 "Cohen's kappa per pair and Krippendorff's alpha, the numbers of 'fieldcode "
                                 "agreement'; u changes the unit (char, word, sentence, turn, interview), b shows "
                                 "them by arm with alpha's difference, c compares everyone or one pair, i counts "
                                 "interviewer turns. ctrl+e there, on the retrieval list (r), the analysis tables "
                                 "(a) and the memo list (M) writes the files the matching 'fieldcode export' "
                                 "command writes for what is shown (CSV, XLSX, the JSON sidecar naming that "
                                 "command); it asks where (default: results/ in the study folder) and never "
                                 "overwrites without a second Enter."),
    ("Framework matrix", "F opens the framework matrix: themes as columns, pairs as rows, each improving "
                         "interview beside its lagging twin; a cell shows your passages there and your summary "
                         "(— none, ! a cited passage changed since). Enter opens the cell: Space cites a passage, "
                         "q pulls its quote into the summary, ctrl+s saves. o shows the consensus summaries or "
                         "another coder's, r rolls sub-themes up or not, t chooses the themes. 'fieldcode export "
                         "framework' writes it as XLSX, Markdown and DOCX."),
    ("Memos", "m writes a memo: on your coding under the cursor, else on the selected passage (coded or "
              "not), else on the interview; with the codebook focused, on the highlighted code. M lists "
              "every memo, filtered by interview, code and coder; Enter opens its passage. Memos are "
              "exported with author and time by 'fieldcode export memos'."),
    ("Codes", "Codes come from codebook.yaml. v makes an in-vivo code from the selected words, k manages "
              "the highlighted code (new, rename, colour, move, merge, key, hotkey) and writes only the "
              "lines of codebook.yaml it must; a name already in use is refused and the existing code "
              "offered. Codes made in another coding screen appear by themselves within seconds."),
]


def guide() -> Group:
    parts = []
    for title, body in GUIDE:
        t = Text()
        t.append(title + ". ", style="bold #ffd75f")
        t.append(body)
        parts.append(t)
        parts.append(Text(""))
    return Group(*parts)


def help_rows(screen) -> list[tuple[str, str, str, str]]:  # noqa: ANN001 - the CodingScreen
    """Every binding reachable on the coding screen with its current keys (after remapping)."""
    from fieldcode.tui.keys import CODING_KEYS
    from fieldcode.tui.transcript import MOVE_KEYS

    app = screen.app
    bound: dict[str, list[str]] = {}
    descs: dict[str, str] = {}
    for node in (screen, screen.transcript, app):
        bm = node._bindings.copy()
        if app._keymap:
            bm.apply_keymap(app._keymap)
        for _key, bindings in bm.key_to_bindings.items():
            for b in bindings:
                bid = b.id or b.action
                # "?" is the footer's label for help; f1 is shown as itself.
                shown = app.get_key_display(replace(b, key_display=None))
                if shown not in bound.setdefault(bid, []):
                    bound[bid].append(shown)
                descs[bid] = b.description or b.action
    rows: list[tuple[str, str, str, str]] = []
    section = "Selecting"
    for bid, _k, _a, _d, _s in CODING_KEYS:
        section = SECTIONS.get(bid, section)
        if bid in bound:
            rows.append((section, ", ".join(bound[bid]), descs[bid], bid))
    if "remove_coding_delete" in bound:
        i = next((n + 1 for n, r in enumerate(rows) if r[3] == "remove_coding"), len(rows))
        rows.insert(i, ("Coding", ", ".join(bound["remove_coding_delete"]), "Remove coding", "remove_coding_delete"))
    for bid, *_ in MOVE_KEYS:
        if bid in bound:
            rows.append(("Transcript", ", ".join(bound[bid]), descs[bid], bid))
    rows.append(("Transcript", "mouse drag", "Select with the mouse", "(mouse)"))
    for c in screen.codes.values():
        bid = f"code.{c.key}"
        if bid in bound:
            rows.append(("Codebook hotkeys", ", ".join(bound[bid]), descs[bid] + " (codebook.yaml)", bid))
    for bid, keys in bound.items():
        if not any(r[3] == bid for r in rows):
            rows.append(("Application", ", ".join(keys), descs[bid], bid))
    return rows


class HelpScreen(ModalScreen[None]):
    """The guide and the key table, scrollable to the end at every size."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 96%; max-width: 110; height: 96%; border: thick $primary;
                            background: $surface; padding: 0 1; }
    HelpScreen .title { text-style: bold; width: 100%; }
    HelpScreen .hint { color: $text-muted; width: 100%; }
    HelpScreen VerticalScroll { height: 1fr; scrollbar-gutter: stable; }
    HelpScreen Static { width: 100%; height: auto; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        # g / G too: some terminals (tmux with TERM=screen) send Home/End as codes Textual
        # does not read as home/end.
        Binding("home,g", "scroll('home')", "Top", show=False, id="help.top", priority=True),
        Binding("end,G", "scroll('end')", "End", show=False, id="help.end", priority=True),
    ]

    def __init__(self, screen) -> None:  # noqa: ANN001 - the CodingScreen
        super().__init__()
        self.rows = help_rows(screen)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Help: the coding screen", classes="title")
            with VerticalScroll(id="help-scroll"):
                yield Static(guide(), id="help-guide")
                yield Static(help_table(self.rows), id="help-keys")
                yield Static(Text("\n" + REMAP_NOTE, style="italic"), id="help-remap")
            yield Label("↑↓ PgUp PgDn scroll · Home/g top · End/G end · Esc closes", classes="hint")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_scroll(self, where: str) -> None:
        vs = self.query_one(VerticalScroll)
        if where == "home":
            vs.scroll_home(animate=False)
        else:
            vs.scroll_end(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)

