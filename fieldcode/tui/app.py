"""The fieldcode Textual app: the coding screen, command palette providers for interviews
and codes, and user key remapping from settings.toml."""

from __future__ import annotations

from functools import partial

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from fieldcode.errors import InvalidInput
from fieldcode.safe import clean, plain
from fieldcode.study.settings import check_coder
from fieldcode.tui.analysis_screen import AnalysisCommands
from fieldcode.tui.coding import CodingScreen
from fieldcode.tui.collector import IDLE_SECONDS, Collector
from fieldcode.tui.modals import Prompt
from fieldcode.tui.widgets import data, highlight, short_name


def _coding_screen(app: "FieldcodeApp") -> CodingScreen | None:
    for screen in reversed(app.screen_stack):
        if isinstance(screen, CodingScreen):
            return screen
    return None


class InterviewCommands(Provider):
    """Jump to any interview."""

    async def search(self, query: str) -> Hits:
        app = self.app
        matcher = self.matcher(query)
        for info in app.project.store.interview_infos():
            a = info.attributes
            label = f"Open interview {short_name(info.name)}"
            extra = " · ".join(x for x in (a.get("pair"), a.get("neighbourhood"), a.get("arm"), a.get("role")) if x)
            score = max(matcher.match(label), matcher.match(f"{label} {extra}"))
            if score > 0:
                yield Hit(score, highlight(matcher, label), partial(app.open_interview, info.id),
                          help=data(extra) if extra else None)

    async def discover(self) -> Hits:
        app = self.app
        for info in app.project.store.interview_infos():
            yield DiscoveryHit(data(f"Open interview {short_name(info.name)}"), partial(app.open_interview, info.id))


class CodeCommands(Provider):
    """Jump to a code: its next coding in this interview, or its retrieval screen."""

    async def search(self, query: str) -> Hits:
        app = self.app
        matcher = self.matcher(query)
        for c in app.project.store.codes():
            for verb, fn in (("Go to code", app.goto_code), ("Retrieve code", app.retrieve_code)):
                label = f"{verb} {c.name}"
                score = max(matcher.match(label), matcher.match(f"{verb} {c.key}"))
                if score > 0:
                    yield Hit(score, highlight(matcher, label), partial(fn, c.id),
                              help=data(c.definition[:80]) if c.definition else None)

    async def discover(self) -> Hits:
        app = self.app
        for c in app.project.store.codes():
            yield DiscoveryHit(data(f"Go to code {c.name}"), partial(app.goto_code, c.id))


class FieldcodeApp(App):
    """Build it with :func:`fieldcode.tui.make_app`."""

    TITLE = "fieldcode"
    COMMANDS = App.COMMANDS | {InterviewCommands, CodeCommands, AnalysisCommands}
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", id="help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("ctrl+p", "command_palette", "Palette", show=False, key_display="^p", priority=True,
                id="command_palette"),
        Binding("ctrl+c", "help_quit", "", show=False, id="help_quit"),
        Binding("a", "analysis", "Analysis", id="analysis"),
        Binding("F", "framework", "Framework", show=False, id="framework"),
        Binding("P", "pseudonyms", "Pseudonyms", show=False, id="pseudonyms"),
        Binding("I", "mark_identifying", "Mark identifying", show=False, id="mark_identifying"),
        Binding("R", "recheck", "Re-check", show=False, id="recheck"),
        Binding("A", "agreement", "Agreement", id="agreement", show=False),
    ]

    def __init__(self, project, interview: str | int | None = None) -> None:  # noqa: ANN001
        super().__init__()
        self.project = project
        self.initial_interview = interview
        self.collector = Collector()   # long-lived objects out of the collector's way (tui/collector.py)
        from fieldcode.tui.blind_view import install   # a blind coder: labels, masks, own codings

        install(self)

    def notify(self, message: str, *, title: str = "", severity="information", timeout=None,  # noqa: ANN001
               markup: bool = True) -> None:
        """Every notification shows names, memos and error text literally: terminal controls
        are removed and, for markup messages, '[...]' is escaped (no screen here writes markup
        into a notification on purpose)."""
        from fieldcode.tui.blind_view import masked   # a blind coder: names as labels, hidden values masked

        message, title = masked(self, message), masked(self, title)
        super().notify(plain(message) if markup else clean(message), title=clean(title), severity=severity,
                       timeout=timeout, markup=markup)

    def format_title(self, title: str, sub_title: str):  # noqa: ANN201
        """Every screen's title and sub-title show names literally (Textual never reads them as
        markup) and without terminal controls: one place, like :meth:`notify`."""
        from fieldcode.tui.blind_view import masked

        return super().format_title(clean(masked(self, title)), clean(masked(self, sub_title)))

    def get_default_screen(self):  # noqa: ANN201
        # The coding screen is the first screen (no empty default screen to mount and replace),
        # unless we must first ask who is coding.
        if self.project.coder:
            return CodingScreen(self.project, self.initial_interview)
        return super().get_default_screen()

    def on_mount(self) -> None:
        self.collector.start()
        self.set_interval(IDLE_SECONDS, self.collector.idle)
        if self.project.settings.keys:
            self.set_keymap(dict(self.project.settings.keys))
        if self.project.coder:
            return
        self.ask_coder()

    def on_unmount(self) -> None:
        self.collector.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.collector.touched()
        await super().on_event(event)

    def ask_coder(self) -> None:
        """Ask who is coding; a name with control characters is refused and asked again."""
        def named(value: str | None) -> None:
            if value and value.strip():
                try:
                    self.project.coder = check_coder(value, "coder name")
                except InvalidInput as exc:
                    self.notify(str(exc), severity="error")
                    self.ask_coder()
                    return
                self.push_screen(CodingScreen(self.project, self.initial_interview))
            else:
                self.exit(message="fieldcode needs to know who is coding (--coder NAME or FIELDCODE_CODER).")

        self.push_screen(Prompt("Who is coding? (your coder name, recorded on every coding)", "",
                                "Set FIELDCODE_CODER or coder in settings.toml to skip this"), named)

    # -- entry points for the command palette ------------------------------------------------
    def open_interview(self, interview_id: int) -> None:
        screen = _coding_screen(self)
        if screen is not None:
            while self.screen is not screen:
                self.pop_screen()
            screen.open_interview(interview_id)

    def goto_code(self, code_id: int) -> None:
        screen = _coding_screen(self)
        if screen is not None and self.screen is screen:
            screen.goto_code(code_id)

    def retrieve_code(self, code_id: int) -> None:
        screen = _coding_screen(self)
        if screen is not None and self.screen is screen:
            screen.action_retrieve(code_id)

    def action_analysis(self) -> None:
        from fieldcode.tui.blind_view import refused

        if refused(self, "The analysis screen"):
            return
        from fieldcode.tui.analysis_screen import push_analysis

        push_analysis(self)

    def action_agreement(self) -> None:
        from fieldcode.tui.blind_view import refused

        if refused(self, "The agreement panel"):
            return
        from fieldcode.tui.agreement_panel import push_agreement

        push_agreement(self)

    def action_pseudonyms(self) -> None:
        """P: review the pseudonym key (fieldcode.tui.pseudonyms) from the coding screen."""
        from fieldcode.tui.blind_view import refused

        if refused(self, "The pseudonym review"):
            return
        from fieldcode.tui.pseudonyms import open_pseudonyms

        if (screen := _coding_screen(self)) is not None and self.screen is screen:
            open_pseudonyms(self, screen)

    def action_mark_identifying(self) -> None:
        """I: mark the transcript's selection as identifying, wherever it occurs."""
        from fieldcode.tui.blind_view import refused

        if refused(self, "Marking identifying details"):
            return
        from fieldcode.tui.pseudonyms import mark_selection

        if (screen := _coding_screen(self)) is not None and self.screen is screen:
            mark_selection(self, screen)

    def action_framework(self) -> None:
        from fieldcode.tui.blind_view import refused

        if refused(self, "The framework matrix"):
            return
        from fieldcode.tui.framework import push_framework

        push_framework(self)

    def action_recheck(self) -> None:
        """R: re-check your codings made under an older definition of their code (fieldcode.tui.recheck)."""
        from fieldcode.tui.recheck import push_recheck

        if (screen := _coding_screen(self)) is not None and self.screen is screen:
            push_recheck(self)

    def get_system_commands(self, screen):  # noqa: ANN001, ANN201
        yield from super().get_system_commands(screen)
        if self.project.blinder is not None:    # a blind coder: no review, study search or suggestions
            return
        from fieldcode.tui.review import open_review  # the disagreement review (fieldcode review)

        yield SystemCommand("Review disagreements", "Settle two coders' disagreements as a consensus coder",
                            partial(open_review, self))
        coding = _coding_screen(self)
        if coding is not None:
            yield SystemCommand("Reload codebook", "Read codebook.yaml again (after editing it) and sync the codes",
                                coding.reload_codebook)
            yield SystemCommand("Search the study", "By lemma, exact phrase or regex; hits across interviews (/)",
                                coding.action_study_search)
            yield SystemCommand("Review suggestions", "Accept, reject, skip or adjust the codings proposed to you (g)",
                                coding.action_suggestions)
            yield SystemCommand("Review pseudonyms", "Accept or reject the identifying details the scan found (P); "
                                "I marks the selection as identifying", self.action_pseudonyms)

    def action_help(self) -> None:
        screen = _coding_screen(self)
        if screen is not None:
            screen.action_help()
