"""The coding screen's correction of a single turn's role (key ``T``): the turn under the cursor
becomes the participant's if it was the interviewer's, and the other way round.  The correction
is the study's (``Project.set_turn_role``: every coder's counts use it, the log names who made
it); the transcript's interviewer dimming and the stripes are drawn again at once."""

from __future__ import annotations

from bisect import bisect_right

from fieldcode.errors import FieldcodeError
from fieldcode.safe import clean


class TurnMarksMixin:
    """Mixed into ``CodingScreen``: uses its store, project, turns and transcript."""

    def action_toggle_turn_role(self) -> None:
        if not self.turns:
            self.notify("this transcript has no speaker turns: there is no turn to mark "
                        "(see README: speaker turns)", severity="warning")
            return
        at = self.transcript.cursor_offset
        k = bisect_right([t[0] for t in self.turns], at) - 1
        if k < 0 or at > self.turns[k][1]:
            self.notify("the cursor is not on a turn: move it onto the turn to mark", severity="warning")
            return
        speaker, was = self.turns[k][3], self.turns[k][4]
        role = "participant" if was else "interviewer"
        try:
            change = self.project.set_turn_role(self.iv_id, k + 1, role)
        except FieldcodeError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.turns = self.store.turn_spans(self.iv_id)
        self.units = [(t[0], t[1], t[2]) for t in self.turns if not t[4]]
        self.transcript.show_text(self.text, self.turns)
        self._paint_all()
        self.transcript.move_to_offset(at)
        replaced = "; replaces " + ", ".join(f"{r['coder']}'s correction" for r in change["replaced"]) \
            if change["replaced"] else ""
        self.notify(f"turn {k + 1} ({clean(speaker)}) is now the {role}'s (was the {change['was']}'s){replaced}: "
                    "every coder's counts use it; press T again to switch it back", timeout=8)
        self._schedule_side_refresh()
