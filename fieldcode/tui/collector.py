"""Keeping Python's garbage collector out of the way of keys.

An open 50,000-word transcript with 2,000 codings is about 250,000 long-lived objects (the
text's lines and wrap offsets, the spans, the widgets), and every key makes thousands of
short-lived ones (painted lines, messages, a coding's rows).  Measured on
``benchmarks/bench_tui.py`` with Python's default settings: 160 ms pauses every few dozen keys,
when an oldest-generation collection walked all the long-lived objects, and a young-generation
collection inside about every key, 3 ms of a code key's 11.

So, while the app runs, collections happen when the coder is not pressing keys:

* what is alive once an interview is loaded and painted is frozen (``gc.freeze``): it is left
  out of later collections, but still freed by reference counting when the screen drops it
  (another interview, a closed dialog), which is how nearly all of it goes;
* the young generation's threshold goes from 700 to 50,000 allocations, so a collection
  rarely falls inside a key; instead
* once no key has been pressed for half a second (checked every half second), a collection
  runs if more than 5,000 objects were made since the last: the cycles keys leave behind are
  freed while the coder reads.  A long burst of keys still meets the threshold, so memory
  stays bounded.

When the app exits all of it is undone (``gc.unfreeze`` hands the frozen objects back to the
collector), so a process that runs the app several times (the tests) collects each one.
"""

from __future__ import annotations

import gc
import time

YOUNG_THRESHOLD = 50_000
IDLE_SECONDS = 0.5
IDLE_MIN_OBJECTS = 5_000


class Collector:
    """The collector settings of one running app."""

    def __init__(self) -> None:
        self._saved: tuple[int, ...] | None = None
        self._touched = time.monotonic()
        self.idle_collections = 0

    @property
    def running(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        if self._saved is None:
            self._saved = gc.get_threshold()
            gc.set_threshold(max(YOUNG_THRESHOLD, self._saved[0]), *self._saved[1:])

    def touched(self) -> None:
        """A key was pressed: not idle now."""
        self._touched = time.monotonic()

    def idle(self, now: float | None = None) -> bool:
        """Collect if the coder has been idle a moment and keys left objects behind; True when
        it did."""
        now = time.monotonic() if now is None else now
        if self._saved is None or now - self._touched < IDLE_SECONDS or gc.get_count()[0] < IDLE_MIN_OBJECTS:
            return False
        gc.collect()
        self.idle_collections += 1
        return True

    def settle(self) -> None:
        """What is alive now (a loaded interview) stays alive: leave it out of collections."""
        if self._saved is not None:
            gc.freeze()

    def stop(self) -> None:
        if self._saved is not None:
            gc.unfreeze()
            gc.set_threshold(*self._saved)
            self._saved = None
