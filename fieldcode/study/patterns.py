r"""Regular expressions the researcher writes (``fieldcode search --regex``, the ``/`` search's
regex mode, and ``interviewer_lines`` turn patterns), run with a time limit.

Python's own ``re`` cannot be stopped: a pattern with nested repeats such as ``(.|\s)*#`` can
try astronomically many ways to match, ignoring Ctrl-C and holding the interpreter's lock (a
screen running it in a thread freezes too).  Here every user pattern is compiled with the
``regex`` library (the same syntax as ``re``) and run with its ``timeout=`` (the processor time
the matching uses, counted over all the calls one :class:`UserPattern` makes) and
``concurrent=True`` (the interpreter's lock is released while it matches, so a screen stays
responsive and Ctrl-C is handled).  Past the limit a :class:`PatternTimeout` names the pattern
and says what to do; nothing has been written by then.

The limit is ``FIELDCODE_REGEX_SECONDS`` seconds (default 10) of processor time for one search
over the study, or for marking one interview's turns.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from fieldcode.errors import InvalidInput

DEFAULT_SECONDS = 10.0
ENV = "FIELDCODE_REGEX_SECONDS"
STOP_EVERY = 256          # matches between two looks at a caller's stop flag


class PatternTimeout(InvalidInput):
    """A user regular expression ran past its time limit and was stopped; nothing was written."""


class Stopped(Exception):
    """The caller asked the matching to stop (a newer search replaced it, the screen closed)."""


def time_limit() -> float:
    """Seconds of processor time a user pattern may use: ``FIELDCODE_REGEX_SECONDS`` or 10."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return DEFAULT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 86400:
        raise InvalidInput(f"{ENV} is {raw!r}: give the seconds a regular expression may run, a number "
                           f"above 0, e.g. {ENV}=30 (unset it for the default, {DEFAULT_SECONDS:g})")
    return value


def shown(pattern: str, width: int = 80) -> str:
    """The pattern as a message quotes it: cut to ``width`` characters."""
    return pattern if len(pattern) <= width else pattern[:width - 1] + "\u2026"


def _cpu() -> float:
    return time.process_time()


class UserPattern:
    """A user's pattern, compiled; ``what`` names it in messages (e.g. ``--regex``, or
    ``interviews/a.txt: interviewer_lines``).  Each call spends from one budget of
    :func:`time_limit` seconds."""

    def __init__(self, pattern: str, what: str, *, seconds: float | None = None, flags: int = 0) -> None:
        self.pattern = pattern
        self.what = what
        self.limit = time_limit() if seconds is None else seconds
        self.spent = 0.0
        import regex   # on first use: commands without a pattern never load it

        self.compiled = regex.compile(pattern, flags | regex.VERSION0)   # raises regex.error

    def _left(self) -> float:
        left = self.limit - self.spent
        if left <= 0:
            raise self._timeout()
        return left

    def _timeout(self) -> PatternTimeout:
        return PatternTimeout(
            f"{self.what} '{shown(self.pattern)}' ran for more than {self.limit:g} s and was stopped; nothing was "
            "changed. Simplify the pattern: nested repeats such as (\\w+\\s?)+ or (.|\\s)* try very many ways "
            "to match; anchor it, or use a word search (without --regex) where you can. If it is right but the "
            f"study is large, allow more time with {ENV}=SECONDS.")

    def match(self, text: str, pos: int = 0):  # noqa: ANN201 - a regex.Match or None
        """Like ``re.Pattern.match`` (what :class:`fieldcode.text.TurnRule` calls)."""
        start = _cpu()
        try:
            return self.compiled.match(text, pos, timeout=self._left(), concurrent=True)
        except TimeoutError:
            raise self._timeout() from None
        finally:
            self.spent += _cpu() - start

    def spans(self, text: str, stop: Callable[[], bool] | None = None) -> list[tuple[int, int]]:
        """``[start, end)`` of every non-empty match in ``text`` (``finditer``'s order).  ``stop``,
        looked at every few matches, raises :class:`Stopped` when it returns true."""
        start = _cpu()
        out: list[tuple[int, int]] = []
        try:
            for n, m in enumerate(self.compiled.finditer(text, timeout=self._left(), concurrent=True)):
                if m.end() > m.start():
                    out.append(m.span())
                if stop is not None and n % STOP_EVERY == STOP_EVERY - 1 and stop():
                    raise Stopped
        except TimeoutError:
            raise self._timeout() from None
        finally:
            self.spent += _cpu() - start
        return out

    def __repr__(self) -> str:
        return f"UserPattern({self.pattern!r})"


def user_pattern(pattern: str, what: str, hint: str = "", *, flags: int = 0) -> UserPattern:
    """:class:`UserPattern`, or an :class:`InvalidInput` naming ``what`` when the pattern is not a
    valid regular expression (``hint``: an example to add)."""
    import regex

    try:
        return UserPattern(pattern, what, flags=flags)
    except regex.error as exc:
        raise InvalidInput(f"{what} '{shown(pattern)}' is not a valid regular expression: {exc}"
                           + (f"; {hint}" if hint else "")) from None
    except (OverflowError, RecursionError, MemoryError) as exc:
        raise InvalidInput(f"{what} '{shown(pattern)}' is too large or too deeply nested to compile ({type(exc).__name__}); "
                           "simplify it") from None
