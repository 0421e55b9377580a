"""The retrieval screen: every coded segment of a code, filtered by pair, arm, neighbourhood,
role and coder, each quote with its attribution and context.  Enter opens the transcript at
that span.  The query is :func:`fieldcode.analysis.segments`, run in a thread worker."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Checkbox, Footer, Header, Label, OptionList, Select
from textual.widgets.option_list import Option

from fieldcode.safe import clean
from fieldcode.tui.widgets import coder_colour, short_name

FILTERS = ("pair", "arm", "neighbourhood", "role")


def segment_text(seg, colour: str, coders: list[str], width_hint: int = 0) -> Text:  # noqa: ANN001
    """One result: attribution line, then the quote in its context."""
    a = seg.attributes
    t = Text()
    t.append("■ ", style=Style(color=colour))
    t.append(clean(seg.code_name), style="bold")
    t.append("  ")
    t.append(clean(short_name(seg.interview)), style="bold #87afff")
    who = " · ".join(x for x in (a.get("pair"), a.get("neighbourhood"), a.get("arm"), a.get("role"),
                                 a.get("participant")) if x)
    if who:
        t.append(f"  {clean(who)}", style="dim")
    if seg.speaker:
        t.append(f"  {clean(seg.speaker)}", style="italic")
    t.append("  coder ", style="dim")
    t.append(clean(seg.coder), style=Style(color=coder_colour(coders, seg.coder)))
    t.append(f"  [{seg.start}, {seg.end})", style="dim")
    t.append("\n")
    before = " ".join(seg.context_before.split())
    after = " ".join(seg.context_after.split())
    if before:
        t.append(("…" if len(before) > 90 else "") + before[-90:] + " ", style="dim")
    t.append(" ".join(seg.text.split()), style="bold")
    if after:
        t.append(" " + after[:90] + "…", style="dim")
    if seg.memo:
        t.append("\nmemo: ", style="bold #ffd75f")
        t.append(seg.memo.replace("\n", " "))
    return t



def fill_segment_list(ol: OptionList, count: Label, segs: list, colours: dict[str, str]) -> None:
    """Show ``segs`` in ``ol`` (one option per segment, id = its index) and their count in
    ``count``; the first segment is highlighted."""
    coders = sorted({s.coder for s in segs})
    ol.clear_options()
    for i, s in enumerate(segs):
        ol.add_option(Option(segment_text(s, colours.get(s.code_key, "#888888"), coders), id=str(i)))
        if i + 1 < len(segs):
            ol.add_option(None)
    from fieldcode.analysis import count_passages

    n_iv = len({s.interview_id for s in segs})
    n_pass = count_passages(segs)
    passages = "" if n_pass == len(segs) else f" ({n_pass} passage{'s' if n_pass != 1 else ''}: overlapping codings count once)"
    count.update(f"{len(segs)} coding{'s' if len(segs) != 1 else ''}{passages} in {n_iv} "
                 f"interview{'s' if n_iv != 1 else ''} · Enter opens the transcript there")
    if segs:
        ol.highlighted = 0

class RetrievalScreen(Screen[tuple[int, int, int] | None]):
    DEFAULT_CSS = """
    RetrievalScreen #filters { height: 1; margin: 1 0 0 0; }
    RetrievalScreen #filters2 { height: 1; margin: 1 0 0 0; }
    RetrievalScreen Select { width: 1fr; margin: 0 1 0 0; }
    RetrievalScreen #code { width: 2fr; }
    RetrievalScreen Checkbox { width: auto; }
    RetrievalScreen #count { padding: 0 1; color: $text-muted; }
    RetrievalScreen OptionList { height: 1fr; }
    RetrievalScreen OptionList > .option-list--option { padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "Back to coding", id="retrieval.close"),
        Binding("ctrl+o", "toggle_children", "With children", id="retrieval.children"),
        Binding("ctrl+r", "refresh_results", "Refresh", id="retrieval.refresh"),
        Binding("ctrl+e", "export", "Export", id="retrieval.export"),
    ]

    def __init__(self, project, code_id: int | None = None, *, show_all: bool = True) -> None:  # noqa: ANN001
        super().__init__()
        self.project = project
        self.code_id = code_id
        self.show_all = show_all
        self.segments: list = []
        self._colours: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        store = self.project.store
        codes = store.codes()
        self._colours = {c.key: c.colour for c in codes}
        by_id = {c.id: c for c in codes}
        code_opts = []
        for c in codes:
            label = c.name if c.parent_id is None or c.parent_id not in by_id else f"{by_id[c.parent_id].name} › {c.name}"
            code_opts.append((label, c.key))
        values: dict[str, set[str]] = {k: set() for k in FILTERS}
        for attrs in store.all_attributes().values():
            for k in FILTERS:
                if attrs.get(k):
                    values[k].add(attrs[k])
        start = by_id[self.code_id].key if self.code_id in by_id else Select.NULL
        yield Header()
        with Horizontal(id="filters"):
            yield Select(code_opts, prompt="code: all", value=start, id="code", compact=True)
            yield Checkbox("with children", value=True, id="children", compact=True)
            coders = store.coders()
            me = self.project.coder
            yield Select([(c, c) for c in coders], prompt="coder: all",
                         value=me if (not self.show_all and me in coders) else Select.NULL, id="coder",
                         compact=True)
        with Horizontal(id="filters2"):
            for k in FILTERS:
                yield Select([(v, v) for v in sorted(values[k])], prompt=f"{k}: all", id=f"f-{k}", compact=True)
        yield Label("", id="count")
        yield OptionList(id="results")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Retrieval"
        self.sub_title = f"coder: {self.project.coder or '?'}"
        self.query_one("#results").focus()
        self.run_query()

    def _params(self) -> dict:
        code = self.query_one("#code", Select).value
        coder = self.query_one("#coder", Select).value
        filters = {}
        for k in FILTERS:
            v = self.query_one(f"#f-{k}", Select).value
            if v is not Select.NULL and v is not None:
                filters[k] = [v]
        return dict(
            codes=None if code is Select.NULL or code is None else [code],
            include_children=self.query_one("#children", Checkbox).value,
            filters=filters or None,
            coders=None if coder is Select.NULL or coder is None else [coder],
        )

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self.run_query()

    def action_toggle_children(self) -> None:
        cb = self.query_one("#children", Checkbox)
        cb.value = not cb.value

    def action_refresh_results(self) -> None:
        self.run_query()

    _generation = 0

    def run_query(self) -> None:
        self.query_one("#count", Label).update("searching…")
        self._generation += 1
        self._query(self._params(), self._generation)

    @work(thread=True, exclusive=True, group="retrieval")
    def _query(self, params: dict, generation: int) -> None:
        from fieldcode.analysis import segments

        error = None
        try:
            segs = segments(self.project.store, **params)
        except Exception as exc:  # noqa: BLE001 - show any failure, never crash the screen
            segs, error = [], str(exc)
        try:
            if error:
                self.app.call_from_thread(self.notify, error, severity="error")
            self.app.call_from_thread(self._show, segs, generation)
        except RuntimeError:
            pass  # the app closed while the query ran

    def on_unmount(self) -> None:
        self._generation += 1  # late results from a running query are dropped

    @property
    def busy(self) -> bool:
        return self._shown_generation != self._generation

    _shown_generation = -1

    def _show(self, segs: list, generation: int) -> None:
        if generation != self._generation or not self.is_attached:
            return  # a newer query is under way; its results will follow
        self._shown_generation = generation
        self.segments = segs
        fill_segment_list(self.query_one("#results", OptionList), self.query_one("#count", Label), segs,
                          self._colours)

    @on(OptionList.OptionSelected, "#results")
    def _open(self, event: OptionList.OptionSelected) -> None:
        s = self.segments[int(event.option.id)]
        self.dismiss((s.interview_id, s.start, s.end))

    def action_export(self) -> None:
        """What 'fieldcode export segments' writes for the filters shown (ctrl+e)."""
        from fieldcode.tui.exporting import segments_job, start_export

        start_export(self, segments_job(self.project, **self._params()))

    def action_close(self) -> None:
        self.dismiss(None)
