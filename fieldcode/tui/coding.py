"""The coding screen: navigator, transcript, codebook and details.

This screen is the only place that calls the project/store; it pushes data down into the
widgets and reacts to their messages.  Every change is committed by the store (its own
transaction plus an event-log entry) *before* the transcript repaints it as done.

Every coding write carries the version (text SHA-256) of the transcript the screen shows: when
another process re-imported the interview meanwhile, the store refuses it (``TextChanged``) and
the screen reloads the new text and says why, so a selection made on the old text is never
stored on other words.  The poll notices a re-import on its own too, and reloads.
"""

from __future__ import annotations

import json

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static, TextArea

from fieldcode.study import settings as settingsmod
from fieldcode import store as storemod
from fieldcode.errors import FieldcodeError
from fieldcode.safe import clean
from fieldcode.tui.applying import ApplyingMixin
from fieldcode.tui.colleagues import POLL_SECONDS, ColleaguesMixin
from fieldcode.tui.blind_view import BlindMixin
from fieldcode.tui.side_panels import SidePanelsMixin
from fieldcode.tui.modals import InfoScreen, code_info
from fieldcode.tui.code_ops import CodeOpsMixin
from fieldcode.tui.coder_view import MINE, CoderViewMixin, view_label
from fieldcode.tui.editing import EditingMixin
from fieldcode.tui.keys import CODING_KEYS
from fieldcode.tui.memos import MemoMixin
from fieldcode.tui.moving import MovingMixin
from fieldcode.tui.stripes import StripeLegend, Stripes
from fieldcode.tui.study_actions import StudyActionsMixin
from fieldcode.tui.textmap import (
    Span,
    next_after,
    span_of,
    paragraphs,
    spans_at,
    spans_on_rows,
)
from fieldcode.tui.transcript import Transcript
from fieldcode.tui.turn_marks import TurnMarksMixin
from fieldcode.tui.widgets import (
    CodebookTree,
    CodeItem,
    DetailsPanel,
    InterviewItem,
    LineCodes,
    Navigator,
    navigator_order,
    short_name,
)

def _ts(dt) -> str:  # noqa: ANN001
    return dt.strftime("%Y-%m-%d %H:%M") if dt is not None else ""


class CodingScreen(ColleaguesMixin, SidePanelsMixin, BlindMixin, CoderViewMixin, ApplyingMixin, MovingMixin, EditingMixin, MemoMixin, CodeOpsMixin,
                   StudyActionsMixin, TurnMarksMixin, Screen):
    AUTO_FOCUS = "#transcript"
    DEFAULT_CSS = """
    CodingScreen #side { width: 34; border-right: solid $primary-darken-2; }
    CodingScreen #side.-narrow { width: 27; }
    CodingScreen #side.-hidden { display: none; }
    CodingScreen .heading { background: $primary-darken-2; width: 100%; padding: 0 1; text-style: bold; }
    CodingScreen #centre { width: 1fr; }
    CodingScreen #text-row { height: 1fr; }
    CodingScreen #title-row { height: 1; }
    CodingScreen #iv-title { height: 1; width: 1fr; padding: 0 1; background: $boost; }
    CodingScreen Transcript { height: 1fr; }
    CodingScreen.-short DetailsPanel { height: 5; }
    /* Wide terminals: the details panel becomes a column beside the transcript. */
    CodingScreen.-wide DetailsPanel { dock: right; width: 52; height: 1fr; border-top: none;
                                      border-left: solid $primary-darken-2; }
    """

    BINDINGS = [
        # Help and analysis first, so the footer shows them at 80 columns too.
        Binding("question_mark,f1", "app.help", "Help", id="help", key_display="?"),
        Binding("a", "app.analysis", "Analysis", id="analysis"),
    ] + [
        Binding(keys, action, desc, show=show, id=bid, priority=bid in ("undo", "redo"))
        for bid, keys, action, desc, show in CODING_KEYS
    ] + [
        Binding("tab", "app.focus_next", "Next panel", show=False, id="focus_next"),
        Binding("shift+tab", "app.focus_previous", "Previous panel", show=False, id="focus_previous"),
        Binding("ctrl+c,super+c", "screen.copy_text", "Copy selected text", show=False, id="copy"),
    ]

    def __init__(self, project, interview: str | int | None = None) -> None:  # noqa: ANN001
        super().__init__()
        self.project = project
        self.store = project.store
        self.initial = interview
        self.me: str | None = project.coder
        self.coder_view = MINE          # o: mine, everyone, one coder, consensus (tui/coder_view.py)
        self.consensus: list[str] = []  # the consensus coders (read when o is pressed)
        self.iv_id: int | None = None
        self.iv_name = ""
        self.iv_words = 0
        self.iv_attrs: dict[str, str] = {}
        self.iv_sha: str | None = None      # the version of the text shown (writes carry it)
        self.text = ""
        self.turns: list[tuple[int, int, int, str, bool]] = []
        self.units: list[tuple[int, int, int]] = []       # participant turns (or paragraphs)
        self.all_units: list[tuple[int, int, int]] = []   # every turn (or paragraph)
        self._sentences: list[tuple[int, int]] | None = None
        self.all_spans: list[Span] = []
        self.codes: dict[int, CodeItem] = {}
        self.study_counts: dict[int, int] = {}
        self.coders: list[str] = []
        self.current_coding: int | None = None
        self.search_term = ""
        self.search_spans: list[tuple[int, int]] = []   # matches in this transcript (F3, >, <)
        self.study_query = None          # the last study search (/), reopened with it
        self.study_spans: dict[int, list[tuple[int, int]]] | None = None   # its hits by interview
        self.suggestion_at: tuple | None = None   # where the suggestion review was left (g)
        self._seen_event = 0
        self._seen_codebook = 0
        self._hotkeys: dict[str, int] = {}
        self.code_filter: set[int] | None = None     # None: every code shown
        self._last_coded: tuple[int, int] | None = None
        self._restore_at: int | None = None
        self.passage_memos: list[tuple[int, int, str]] = []
        self._turn_starts: list[int] = []
        self._only_added = False

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Load the first interview before the widgets exist, so the transcript lays out its
        # text once (loading it after mount costs a second wrap of the whole document).
        self.load_codes()
        target = None
        if self.initial is not None:
            try:
                target = self.store.interview(self.initial).id
            except FieldcodeError as exc:
                self._initial_error = str(exc)
        if target is None and self.initial is None:
            target, self._restore_at = self._saved_position()
        if target is None:
            self._infos = self.store.interview_infos(coder=self.me)
            from fieldcode.analysis.progress import coded_shares

            shares = coded_shares(self.store, self.me)
            order = navigator_order(
                [InterviewItem(i.id, i.name, i.attributes, i.n_codings, shares.get(i.id, 0.0)) for i in self._infos],
                self.project.study.arms)
            target = order[0] if order else None
        if target is not None:
            self._load(target)
        yield Header()
        with Horizontal():
            with Vertical(id="side"):
                yield Label("Interviews", classes="heading")
                yield Navigator(id="navigator")
                yield Label("Codebook  (here/study)", classes="heading")
                yield CodebookTree(id="codebook")
            with Vertical(id="centre"):
                with Horizontal(id="title-row"):
                    yield Static(id="iv-title")
                    yield StripeLegend(id="stripe-legend")
                # the text is loaded in on_mount: given here, TextArea would wrap all of it
                # three times at width 0 while composing (10 ms each on 50,000 words)
                tr = Transcript(id="transcript")
                with Horizontal(id="text-row"):
                    yield Stripes(tr, id="stripes")
                    yield tr
                yield LineCodes(id="line-codes")
                yield DetailsPanel(id="details")
        yield Footer(compact=True)

    @property
    def sentences(self) -> list[tuple[int, int]]:
        if self._sentences is None:
            self._sentences = self.store.sentence_spans(self.iv_id) if self.iv_id is not None else []
        return self._sentences

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    _initial_error: str | None = None
    _infos: list = []

    def on_mount(self) -> None:
        self._update_title()
        self._fit_to_size(self.app.size)
        if self._initial_error:
            self.notify(self._initial_error, severity="error")
        if self.iv_id is not None:
            self._show_loaded(initial=True)
        else:
            self.query_one("#iv-title", Static).update(
                "No interviews yet: put transcripts in interviews/ and run 'fieldcode import'.")
        self._seen_event = self.store.last_event_id()
        self.set_interval(POLL_SECONDS, self._poll)
        self.transcript.focus()
        if self._restore_at:
            at = self._restore_at
            self.call_after_refresh(lambda: (self.transcript.move_to_offset(at), self.update_details()))
        # The side panels fill in just after the transcript's first paint.
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        self.sentences  # noqa: B018 - read them now, so the first s is instant
        self._seen_codebook = storemod.codebook_stamp(self.store)
        self.load_memos()
        self.coders = self.store.coders()
        self.refresh_navigator(self._infos or None)
        self.refresh_codebook()
        self._settle()

    def _settle(self) -> None:
        collector = getattr(self.app, "collector", None)
        if collector is not None:
            collector.settle()

    def on_resize(self) -> None:
        self._fit_to_size()
        self.call_after_refresh(self.query_one(Stripes).refresh)

    # -- where this coder left off --------------------------------------------------------------
    @property
    def _position_key(self) -> str:
        return f"{self.project.root}|{self.store.safe_url}"

    def _saved_position(self) -> tuple[int | None, int | None]:
        if not self.me:
            return None, None
        pos = settingsmod.load_position(self._position_key, self.me)
        if pos is None:
            return None, None
        try:
            iv = self.store.interview(pos[0])
        except FieldcodeError:
            return None, None
        return iv.id, max(0, min(pos[1], len(iv.text)))

    def save_position(self) -> None:
        if self.me and self.iv_id is not None:
            settingsmod.save_position(self._position_key, self.me, self.iv_name, self._cursor)

    def on_unmount(self) -> None:
        self.save_position()

    def _fit_to_size(self, size=None) -> None:  # noqa: ANN001
        w, h = size or self.size
        if not w:
            return
        self.query_one("#side").set_class(w < 110, "-narrow")
        self.set_class(h < 30, "-short")
        self.set_class(w >= 160, "-wide")

    def _expected_wrap_width(self) -> int:
        """The transcript's wrap width before the first layout, from the terminal's width and
        this screen's CSS: the side panel (and its border), the details column on wide
        terminals, a two-cell stripe column, the transcript's right padding and scrollbar."""
        w = self.app.size.width
        side = 0 if self.query_one("#side").has_class("-hidden") else (27 if w < 110 else 34) + 1
        details = 52 if w >= 160 else 0
        return w - side - details - 2 - 3

    def _update_title(self) -> None:
        self.title = f"fieldcode · {self.project.root.name}"
        who = self.me or "?"
        shown = "" if self.code_filter is None else f" · {len(self.code_filter)} of {len(self.codes)} codes (f)"
        self.sub_title = f"coder: {who} · showing {view_label(self.coder_view)}{shown}"

    # -- data -------------------------------------------------------------------------------
    def load_codes(self) -> None:
        rows = self.store.codes()
        self.codes = {}
        for c in rows:
            try:
                kws = json.loads(c.keywords or "[]")
            except ValueError:
                kws = []
            self.codes[c.id] = CodeItem(id=c.id, key=c.key, name=c.name, parent_id=c.parent_id,
                                        colour=c.colour, hotkey=c.hotkey, definition=c.definition,
                                        use_when=c.use_when, not_when=c.not_when, example=c.example,
                                        keywords=list(kws))
        self._bind_hotkeys()
        self.study_counts = self.store.code_counts(coder=self.counted_coder)

    def _bind_hotkeys(self) -> None:
        """One binding per codebook hotkey (id ``code.<key>``, remappable like any other)."""
        km = self._bindings.key_to_bindings
        for key in list(km):
            km[key] = [b for b in km[key] if not (b.id or "").startswith("code.")]
            if not km[key]:
                del km[key]
        self._hotkeys = {}
        clashes = []
        for c in self.codes.values():
            if c.hotkey:
                self._hotkeys[c.key] = c.id
                key = {"[": "left_square_bracket", "]": "right_square_bracket"}.get(c.hotkey, c.hotkey)
                if km.get(key):
                    clashes.append(f"'{c.hotkey}' of {c.name} ({km[key][0].description})")
                km.setdefault(key, []).append(
                    Binding(key, f"apply_code({c.id})", f"Code {c.name}", show=False, id=f"code.{c.key}"))
        self.refresh_bindings()
        if clashes:
            msg = ("Codebook hotkey " + "; ".join(clashes) + " is already a fieldcode key, which wins; "
                   "give the code another hotkey in codebook.yaml")
            if self.is_mounted:
                self.notify(msg, severity="warning", timeout=10)
            else:
                self.call_later(self.notify, msg, severity="warning", timeout=10)

    @property
    def colours(self) -> dict[int, str]:
        return {c.id: c.colour for c in self.codes.values()}

    def _paint_all(self) -> None:
        self.transcript.set_spans(self.shown_spans, self.colours, self.me)

    @on(Transcript.Painted)
    def _painted(self, event: Transcript.Painted) -> None:
        # Only a coding just added keeps everyone else's lanes; any other change re-lays them.
        full = event.full or not self._only_added
        self._only_added = False
        self.query_one(Stripes).show(self.shown_spans, self.colours, self.me, self.coders, full=full,
                                     memos=self.shown_memos)

    def _load(self, iid: int) -> None:
        """Read one interview (text, turns, sentences, codings) into the screen's state."""
        iv = self.store.interview(iid)
        self.iv_id, self.iv_name, self.text = iv.id, iv.name, iv.text
        self.iv_sha = iv.sha256
        self.iv_words = iv.n_words
        self.iv_attrs = self.store.attributes(iv.id)
        self.turns = self.store.turn_spans(iv.id)
        # Without speaker labels, paragraphs are the turns (t selects one, u finds uncoded ones).
        self.units = ([(t[0], t[1], t[2]) for t in self.turns if not t[4]] if self.turns
                      else [(a, b, a) for a, b in paragraphs(iv.text)])
        self.all_units = ([(t[0], t[1], t[2]) for t in self.turns] if self.turns
                          else [(a, b, a) for a, b in paragraphs(iv.text)])
        self._sentences = None        # read on first use (s, S, D, [ and ]), after the first paint
        self._turn_starts = [t[0] for t in self.turns]
        self.all_spans = [span_of(*r) for r in self.store.coding_tuples(iv.id)]
        self.current_coding = None
        self._last_coded = None
        self.passage_memos = []       # read after the first paint (see _after_first_paint)
        self.search_spans = self.match_spans(iid)

    def _show_loaded(self, *, initial: bool = False, select: tuple[int, int] | None = None) -> None:
        tr = self.transcript
        tr.show_text(self.text, self.turns)
        self.query_one(Stripes).reserve(self.shown_spans, tr.wrap_width or self._expected_wrap_width())
        self._paint_all()
        if select:
            tr.select_offsets(*select)
        title = Text(clean(short_name(self.iv_name)), style="bold")
        attrs = [self.iv_attrs.get(k) for k in ("pair", "neighbourhood", "arm", "role", "participant")]
        title.append("  " + clean(" · ".join(a for a in attrs if a)), style="dim")
        title.append(f"  {self.iv_words:,} words", style="dim")
        self.query_one("#iv-title", Static).update(title)
        self.update_details()

    def show_target(self, target: tuple[int, int, int] | None) -> None:
        """Show ``(interview_id, start, end)`` selected (what the retrieval and analysis screens
        dismiss with): open the interview if needed, select the span, focus the transcript."""
        if not target:
            return
        iid, a, b = target
        if iid != self.iv_id:
            self.open_interview(iid, select=(a, b))
        else:
            self.transcript.select_offsets(a, b)
        self.transcript.focus()

    def open_interview(self, iid: int, *, select: tuple[int, int] | None = None) -> None:
        """Show another interview; without ``select``, at the place this coder left it."""
        if self.iv_id is not None and iid != self.iv_id:
            self._cursor = self.transcript.cursor_offset
            self.save_position()          # the interview being left keeps its place
        self._load(iid)
        self.load_memos()
        self._show_loaded(select=select)
        if select is None:
            at = settingsmod.load_offset(self._position_key, self.me, self.iv_name) if self.me else None
            if at:
                at = max(0, min(at, len(self.text)))
                self.transcript.move_to_offset(at)
                self.call_after_refresh(self.transcript.scroll_cursor_visible, True)
                self.update_details()
        self._cursor = self.transcript.cursor_offset
        self.query_one(Navigator).mark_current(self.iv_id)
        self._schedule_side_refresh()   # the navigator's counts (a study crosstab) after the text paints
        self.save_position()
        self.call_after_refresh(self._settle)

    # -- details ----------------------------------------------------------------------------
    def under_cursor(self) -> list[Span]:
        tr = self.transcript
        a, b = tr.selection_offsets
        if a != b:
            return [s for s in self.shown_spans if s.start < b and s.end > a] or spans_at(self.shown_spans, tr.cursor_offset)
        return spans_at(self.shown_spans, tr.cursor_offset)

    def current(self, *, mine: bool = True) -> Span | None:
        spans = self.under_cursor()
        if mine:
            spans = [s for s in spans if s.coder == self.me]
        if not spans:
            return None
        for s in spans:
            if s.id == self.current_coding:
                return s
        return sorted(spans, key=lambda s: (s.end - s.start, s.id))[0]

    def update_details(self) -> None:
        tr = self.transcript
        spans = self.under_cursor()
        cur = self.current(mine=False)
        if cur is not None and self.current_coding not in {s.id for s in spans}:
            mine = self.current()
            self.current_coding = (mine or cur).id
        row = tr.cursor_location[0]
        ls, le = tr.lines.starts[row], tr.lines.line_end(row)
        memos = sum(1 for a, b, _who in self.passage_memos if a <= le and b > ls)
        self.query_one(LineCodes).show(spans_on_rows(self.shown_spans, tr.lines, row), self.codes, self.coders,
                                       self.me, memos, marked=self.marked())
        self.query_one(DetailsPanel).show(spans, self.current_coding, self.codes, self.text, self.coders,
                                          self.me, tr.selection_offsets)

    _cursor = 0

    @on(TextArea.SelectionChanged, "#transcript")
    def _selection_changed(self) -> None:
        self._cursor = self.transcript.cursor_offset
        self.update_details()

    @on(Navigator.InterviewChosen)
    def _chosen(self, event: Navigator.InterviewChosen) -> None:
        if event.interview_id != self.iv_id:
            self.open_interview(event.interview_id)
        self.transcript.focus()

    @on(CodebookTree.CodeChosen)
    def _code_chosen(self, event: CodebookTree.CodeChosen) -> None:
        self.apply_code(event.code_id)

    # -- views ------------------------------------------------------------------------------
    def action_code_info(self) -> None:
        tree = self.query_one(CodebookTree)
        cid = None
        if not tree.has_focus:
            cur = self.current(mine=False)
            cid = cur.code_id if cur else None
        cid = cid or tree.current_code
        c = self.codes.get(cid)
        if c is None:
            self.notify("Highlight a code in the codebook first.", severity="warning")
            return
        here = sum(1 for s in self.shown_spans if s.code_id == c.id)
        self.app.push_screen(InfoScreen("Code", code_info(c, self.codes.get(c.parent_id), here,
                                                           self.study_counts.get(c.id, 0))))

    def action_retrieve(self, code_id: int | None = None) -> None:
        from fieldcode.tui.retrieval import RetrievalScreen

        if self.blind_refused("Retrieval across the study"):
            return
        if code_id is None:
            tree = self.query_one(CodebookTree)
            cur = self.current(mine=False)
            code_id = tree.current_code if tree.has_focus or cur is None else cur.code_id

        self.app.push_screen(RetrievalScreen(self.project, code_id, show_all=self.show_all), self.show_target)

    def goto_code(self, code_id: int) -> None:
        """Command palette: the next coding of a code in this interview (or highlight it)."""
        spans = sorted((s for s in self.shown_spans if s.code_id == code_id), key=lambda s: s.start)
        self.query_one(CodebookTree).select_code(code_id)
        if not spans:
            self.notify(f"No codings of {self.codes[code_id].name} in this interview; r retrieves them study-wide.")
            return
        i = next_after([s.start for s in spans], self.transcript.cursor_offset)
        self.transcript.move_to_offset(spans[i].start)
        self.current_coding = spans[i].id
        self.update_details()
        self.transcript.focus()

    def reload_codebook(self) -> None:
        """Re-read codebook.yaml (edited outside fieldcode) and show the new codes."""
        try:
            rep = self.project.reload_codebook()
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.load_codes()
        self._paint_all()
        self.refresh_codebook()
        self.update_details()
        changes = [f"{len(v)} {k}" for k, v in (("added", rep.added), ("renamed", rep.renamed),
                                                 ("changed", rep.changed), ("retired", rep.retired),
                                                 ("restored", rep.restored)) if v]
        self.notify("Codebook reloaded: " + (", ".join(changes) if changes else "no changes") + ".")

    def action_help(self) -> None:
        from fieldcode.tui.help import HelpScreen

        self.app.push_screen(HelpScreen(self))
