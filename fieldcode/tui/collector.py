"""Keeping Python's garbage collector out of the way of keys.

An open 50,000-word transcript with 2,000 codings is about 250,000 long-lived objects (the
text's lines and wrap offsets, the spans, the widgets).  Python's cyclic collector walks them
all in each oldest-generation collection: measured on ``benchmarks/bench_tui.py``, 160 ms pauses
every few dozen keys, plus gen-0 and gen-1 passes costing a few milliseconds per coding.

So the app, while it runs:

* freezes what is alive once an interview is loaded and painted (``gc.freeze``): those objects
  are left out of later collections, but are still freed by reference counting when the screen
  drops them (another interview, a closed dialog), which is how nearly all of them go;
* raises the young-generation threshold from 700 to 10,000 allocations, so the rarer young
  collections do the same work in fewer, still short, pauses.

When the app exits both are undone (``gc.unfreeze`` hands the frozen objects back to the
collector), so a process that runs the app several times (the tests) collects each one.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


class Collector:
    """The collector settings of one running app."""

    def __init__(self) -> None:
        self._saved: tuple[int, ...] | None = None

    def start(self) -> None:
        if self._saved is None:
            self._saved = gc.get_threshold()
            gc.set_threshold(max(YOUNG_THRESHOLD, self._saved[0]), *self._saved[1:])

    def settle(self) -> None:
        """What is alive now (a loaded interview) stays alive: leave it out of collections."""
        if self._saved is not None:
            gc.freeze()

    def stop(self) -> None:
        if self._saved is not None:
            gc.unfreeze()
            gc.set_threshold(*self._saved)
            self._saved = None
