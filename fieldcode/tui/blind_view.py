"""The screens as a blind coder sees them (``fieldcode.protocol``).

:func:`install` (called when the app is built) gives a blind coder's app the project's store
wrapped in :class:`fieldcode.protocol.view.BlindStore`: every screen then reads interviews under
their neutral labels, transcripts masked with same-length masks (the transcript widget's
offsets, lines and selections stay those of the stored text), no hidden attribute, and only
the coder's own codings until they hand an interview in.  Notifications and titles pass through
the coder's ``mask_output`` (``FieldcodeApp.notify``).  The study-wide screens (analysis,
agreement, framework, retrieval, the study search, suggestions, the memo list, the review) are
refused with the reason while the coder is blind.

:class:`BlindMixin` adds ``H`` to the coding screen: hand the interview in (press twice)."""

from __future__ import annotations

import time

from fieldcode.errors import FieldcodeError

CONFIRM_SECONDS = 5.0


def install(app) -> None:  # noqa: ANN001
    b = getattr(app.project, "blinder", None)
    if b is None:
        return
    from fieldcode.protocol.view import BlindStore

    if not isinstance(app.project.store, BlindStore):
        app.project.store = BlindStore(app.project.store, b)
    # the palette's analysis commands are refused anyway, and their lines name the study's arms
    # (by class name: importing fieldcode.tui.app here would make an import circle)
    app.COMMANDS = {c for c in type(app).COMMANDS if c.__name__ != "AnalysisCommands"}


def masked(app, text: str) -> str:  # noqa: ANN001
    b = getattr(app.project, "blinder", None)
    return text if b is None else b.mask_output(text)


def refused(app, what: str) -> bool:  # noqa: ANN001
    """True (and say why) when the project's coder is blind: ``what`` is closed to them."""
    if getattr(app.project, "blinder", None) is None:
        return False
    from fieldcode.protocol.blinding import refusal

    app.notify(refusal(app.project, what), severity="warning", timeout=10)
    return True


class BlindMixin:
    """The coding screen's blind-coding keys and refusals (first among its mixins)."""

    _handin_armed: tuple[int, float] | None = None

    def action_study_search(self) -> None:
        if not refused(self.app, "Searching the study"):
            super().action_study_search()

    def action_suggestions(self) -> None:
        if not refused(self.app, "The suggestion review"):
            super().action_suggestions()

    def action_memos(self) -> None:
        if not refused(self.app, "The list of every memo"):
            super().action_memos()

    def blind_refused(self, what: str) -> bool:
        return refused(self.app, what)

    def action_handin(self) -> None:
        """H twice: hand this interview in (closed to your further coding until reopened)."""
        if self.iv_id is None:
            return
        now = time.monotonic()
        if self._handin_armed is None or self._handin_armed[0] != self.iv_id or now - self._handin_armed[1] > CONFIRM_SECONDS:
            self._handin_armed = (self.iv_id, now)
            self.notify(f"Press H again to hand in {self.iv_name}: it is then closed to your further coding "
                        "(reopening needs a reason and is logged).", timeout=CONFIRM_SECONDS)
            return
        self._handin_armed = None
        from fieldcode.protocol.handin import handin

        try:
            st = handin(self.project, str(self.iv_id))
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.notify(f"{self.iv_name} handed in at {st.at:%H:%M} UTC: closed to your further coding.")
        self.reload_spans()
