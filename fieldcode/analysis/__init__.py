"""Headless analysis: coded segments, crosstabs, the paired comparison and other views.

Nothing here imports a terminal library.  Front ends (the CLI, the TUI) call these functions
and render what they return.

Modules
-------
* ``units``          unit definitions, pooling rules, the analysed text and its words
* ``codetree``       the codebook in tree order (``load_code_tree``)
* ``passages``       coded segments with context (``segments``) and ``count_passages``
* ``crosstabs``      the crosstab (``crosstab``, ``Crosstab``)
* ``paired``         the paired comparison and its sign test (``compare``)
* ``cooccurrences``  code co-occurrence (``cooccurrence``)
* ``overview``       frequencies and coverage
* ``export``         the files for the write-up (CSV/XLSX with a JSON sidecar), and the one
                     writer that neutralises spreadsheet formulas

``from fieldcode.analysis import crosstab, segments, ...`` reaches everything public.

Layer: below ``team``, ``find`` and ``exchange`` (which build on its units), above ``store``.
May import ``store``, ``ingest``, ``study`` and the ground floor.

Database access
---------------
DESIGN.md says the store is the only code that talks to the database.  The analysis needs
set-based aggregates (GROUP BY over a million codings); every query lives in
``fieldcode.store.queries`` (the ``q_*`` functions, SQLAlchemy Core over the model tables);
nothing in this package touches the engine.

How the crosstab scales: the codings come out of the database as one aggregated string of packed
integers per interview (``q_coding_arrays``), not as a million Python rows; everything after
that (the interviewer rule, the unions of spans, word counts, grouping) is numpy over arrays, and
pandas only shapes the small result.  Word offsets are found with array operations that match
``fieldcode.text.WORD_RE`` exactly (``word_bounds``; a property test checks them).

Unit definitions (every count carries its unit and denominator)
----------------------------------------------------------------
* **analysed text** of an interview (``ANALYSED_TEXT_RULE``, ``analysed_ranges``): the bodies
  of its participant turns, each from the end of its speaker label (whatever the label carries:
  a timestamp, bold, brackets, a line of its own; ``content_start``) to its last non-blank
  character; the interviewer's turns only when included; nothing between turns, before the
  first or after the last.  A transcript without turns is analysed whole.  **Analysed words** =
  the words (``fieldcode.text.WORD_RE``) of the analysed text.  Every unit below, coverage,
  search rates and agreement's char and word units derive from these ranges.
* ``segments``: coded passages.  Codings of the code in one interview whose spans share at
  least one character are one passage, whoever coded them: a passage that two coders coded is
  one segment, not two (``POOLING_RULE``; count one coder with ``coders=[...]``).  Codings
  that only touch (one ends where the next starts) are separate passages.  A passage counts
  when it covers at least one analysed word (``AnalysedWords.covered``): one lying wholly in
  labels, interviewer turns (unless included), the space between turns or a header does not,
  and neither does one that holds no word (a lone space).  Denominators: interviews and
  analysed words in the group.
* ``interviews``: interviews with at least one counted segment of the code (presence).
  Denominator: interviews in the group.
* ``words``: coded words, i.e. analysed words overlapping the union of the code's segments in
  each interview (overlapping codings never count a word twice; a word counts if any character
  of it is coded).  Denominator: analysed words in the group.
* ``per1000``: 1000 × coded words / analysed words of the group.
* A rolled-up parent row ("Place (incl. children)") takes the union of the parent's and all its
  descendants' codings: a passage coded with both counts once, in every unit.
* Co-occurrence pairs codes within one coder's codings (two coders coding one passage
  differently is a disagreement, not a co-occurrence) unless ``across_coders=True``.
* The sign test of the paired comparison is descriptive (see ``SIGN_TEST_NOTE``).
"""

from __future__ import annotations

from fieldcode.analysis.units import (
    ANY_CODE,
    MISSING,
    ONE_CODER_RULE,
    POOLING_RULE,
    UNIT_DEFINITIONS,
    ANALYSED_TEXT_RULE,
    INTERVIEWER_INCLUDED,
    UNITS,
    AnalysedWords,
    analysed_ranges,
    analysed_words,
    excluded_spans,
    pooling_rule,
    word_bounds,
)
from fieldcode.analysis.codetree import CodeInfo, CodeTree, load_code_tree
from fieldcode.analysis.passages import (
    CONTEXT_CHARS,
    Segment,
    context_around,
    count_passages,
    matching_interviews,
    segments,
)
from fieldcode.analysis.crosstabs import Crosstab, Row, crosstab
from fieldcode.analysis.paired import (
    DIGITS,
    NORMALISED_UNITS,
    SIGN_TEST_NOTE,
    ArmSize,
    Comparison,
    PairValue,
    ThemeComparison,
    compare,
    format_p,
    format_value,
    sign_test,
)
from fieldcode.analysis.cooccurrences import (
    COOCCURRENCE_ACROSS_RULE,
    COOCCURRENCE_RULE,
    Cooccurrence,
    cooccurrence,
)
from fieldcode.analysis.overview import ALL_CODERS, CoverageRow, coverage, frequencies

__all__ = [
    "ANY_CODE", "MISSING", "ONE_CODER_RULE", "POOLING_RULE", "UNIT_DEFINITIONS", "UNITS",
    "ANALYSED_TEXT_RULE", "INTERVIEWER_INCLUDED", "AnalysedWords", "analysed_ranges", "analysed_words",
    "excluded_spans", "pooling_rule", "word_bounds",
    "CodeInfo", "CodeTree", "load_code_tree",
    "CONTEXT_CHARS", "Segment", "context_around", "count_passages", "matching_interviews", "segments",
    "Crosstab", "Row", "crosstab",
    "DIGITS", "NORMALISED_UNITS", "SIGN_TEST_NOTE", "ArmSize", "Comparison", "PairValue", "ThemeComparison", "compare",
    "format_p", "format_value", "sign_test",
    "COOCCURRENCE_ACROSS_RULE", "COOCCURRENCE_RULE", "Cooccurrence", "cooccurrence",
    "ALL_CODERS", "CoverageRow", "coverage", "frequencies",
]
