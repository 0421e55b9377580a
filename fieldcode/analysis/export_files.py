"""The files of each export and their JSON sidecar, written in one place: ``fieldcode export
counts | comparison | segments | memos | agreement`` and the screens' ``ctrl+e`` (fieldcode.tui.
exporting) both call these, so the files and the sidecar's descriptions cannot drift apart.

Each function takes what was computed (the crosstab, comparison, segments, memos or an agreement
table's CSV), the codebook and store (for the sidecar's provenance), the output path and the
``exact_text`` choice, and returns the paths it wrote (the CSV first, the sidecar last).  The
sidecar's ``command`` is the command line that ran, or ``command`` when given (a screen has no
command line and gives the equivalent CLI command).  The caller makes the folder, stages
pseudonymised output and says what was written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fieldcode.analysis import NORMALISED_UNITS, SIGN_TEST_NOTE, Comparison, Crosstab, Segment
from fieldcode.analysis import export
from fieldcode.analysis.paired import MIN_P_RULE

COUNTS_COLUMNS = {"value": "the count in that unit (empty: see value_missing)",
                  "interviews_in_group": "interviews in the group",
                  "words_in_group": "analysed words in the group",
                  "value_missing": "why value is empty (per 1,000 of a group without analysed words), else empty"}

COMPARISON_COLUMNS = {
    "difference": "focal minus comparison value, unrounded",
    "counted_as": "how the sign test counted the pair: higher, lower, or tie when the difference rounds to zero "
                  "at the precision the tables print",
    "sign_test_p": "(summary) the p-value, empty when sign_test_missing says why",
    "untied_pairs": "(summary) n of the sign test: pairs whose difference is not a tie",
    "min_p": "(summary) the smallest p untied_pairs allows, 2 x 0.5^n; empty when min_p_missing says why",
    "min_p_above_alpha": "(summary) true when even min_p is above alpha: no result of this theme can reach the "
                         "threshold",
}

SIGN_TEST = "exact two-sided binomial (p = 1/2) over pairs with a non-zero difference; " + SIGN_TEST_NOTE

MEMO_KINDS = "interview, passage (start/end), code, coding (a coding's own memo)"


def write_export_sidecar(path: Path, kind: str, *, files: Sequence[Path], codebook, store, options: dict,  # noqa: ANN001
                         command: str | None = None, n_interviews: int | None = None,
                         extra: dict | None = None) -> None:
    """The export's sidecar (:func:`fieldcode.analysis.export.sidecar`) at ``path``; ``command``,
    when given, stands in for the command line that ran."""
    data = export.sidecar(kind, files=files, codebook=codebook, coders_in_data=store.coders(), store=store,
                          options=options, n_interviews=n_interviews, extra=extra)
    if command is not None:
        data["command"] = command
    export.write_sidecar(path, data)


def write_counts(ct: Crosstab, output: Path, *, codebook, store, exact_text: bool = False,  # noqa: ANN001
                 command: str | None = None) -> list[Path]:
    """``export counts``: the long CSV, NAME_wide.csv and NAME.json."""
    wide = output.with_name(output.stem + "_wide.csv")
    side = output.with_suffix(".json")
    with export.exact_csv(exact_text):
        export.write_text(output, export.counts_long_csv(ct))
        export.write_text(wide, export.counts_wide_csv(ct))
        csv_text = export.csv_text_policy()
    write_export_sidecar(side, "counts", files=[output, wide], codebook=codebook, store=store, options=ct.options,
                         command=command, n_interviews=int(ct.group_interviews.sum()),
                         extra={"csv_text": csv_text, "columns": COUNTS_COLUMNS})
    return [output, wide, side]


def write_comparison(cmp: Comparison, output: Path, *, codebook, store, by_coder=None,  # noqa: ANN001
                     exact_text: bool = False, command: str | None = None) -> list[Path]:
    """``export comparison``: the theme x pair CSV, NAME_summary.csv, with ``by_coder`` (a
    :class:`fieldcode.analysis.paired_coders.ByCoder`) NAME_by_coder.csv, and NAME.json."""
    from fieldcode.analysis import paired_export

    summary = output.with_name(output.stem + "_summary.csv")
    coders_csv = output.with_name(output.stem + "_by_coder.csv") if by_coder is not None else None
    side = output.with_suffix(".json")
    with export.exact_csv(exact_text):
        export.write_text(output, export.comparison_csv(cmp))
        export.write_text(summary, export.comparison_summary_csv(cmp))
        if coders_csv:
            export.write_text(coders_csv, paired_export.by_coder_csv(by_coder))
        csv_text = export.csv_text_policy()
    files = [output, summary] + ([coders_csv] if coders_csv else [])
    by_coder_extra = {} if by_coder is None else {
        "by_coder": {"coders": list(by_coder.coders), "consensus_coders": list(by_coder.consensus),
                     "direction_rule": by_coder.rule, "columns": paired_export.BY_CODER_COLUMNS}}
    write_export_sidecar(side, "comparison", files=files, codebook=codebook, store=store, options=cmp.options,
                         command=command,
                         extra={"csv_text": csv_text, "normalised_unit": NORMALISED_UNITS[cmp.unit],
                                "pairs_compared": cmp.pairs, "sign_test": SIGN_TEST, "columns": COMPARISON_COLUMNS,
                                "alpha": cmp.alpha,
                                "min_p": {"rule": MIN_P_RULE, "pairs": len(cmp.pairs), "smallest_p": cmp.min_p},
                                "min_p_warnings": cmp.min_p_warnings, **by_coder_extra,
                                "balance_warnings": cmp.warnings})
    return files + [side]


def write_segments(segs: Sequence[Segment], output: Path, *, codebook, store, options: dict,  # noqa: ANN001
                   include_children: bool, exact_text: bool = False, command: str | None = None) -> list[Path]:
    """``export segments``: the CSV, NAME.xlsx (left out when the segments do not fit in one
    Excel sheet: the returned paths then have no .xlsx) and NAME.json."""
    xlsx: Path | None = output.with_suffix(".xlsx")
    side = output.with_suffix(".json")
    with export.exact_csv(exact_text):
        export.write_text(output, export.segments_csv(segs))
        csv_text = export.csv_text_policy()
    if not export.write_segments_xlsx(segs, xlsx):
        xlsx = None
    files = [f for f in (output, xlsx) if f]
    write_export_sidecar(side, "segments", files=files, codebook=codebook, store=store, options=options,
                         command=command,
                         extra={"csv_text": csv_text, "segments": len(segs), "include_children": include_children,
                                "speaker": "the speaker of the turn containing the segment's start",
                                "counted": export.SEGMENT_COUNTED, **export.PROTOCOL_COLUMN_MEANINGS})
    return files + [side]


def write_memos(memos: Sequence, attributes: dict, output: Path, *, codebook, store, options: dict,  # noqa: ANN001
                interview: str | None, command: str | None = None) -> list[Path]:
    """``export memos``: the CSV and NAME.json (``interview`` as the user named it)."""
    side = output.with_suffix(".json")
    export.write_text(output, export.memos_csv(memos, attributes))
    write_export_sidecar(side, "memos", files=[output], codebook=codebook, store=store, options=options,
                         command=command,
                         extra={"memos": len(memos), "interview": interview, "kinds": MEMO_KINDS,
                                "times": "UTC, ISO 8601"})
    return [output, side]


def write_agreement(table_csv: str, output: Path, *, codebook, store, options: dict, n_interviews: int,  # noqa: ANN001
                    extra: dict, command: str | None = None) -> list[Path]:
    """``export agreement``: the table (``fieldcode.team.reliability.agreement_csv``, made above
    this layer) and NAME.json with its ``extra`` (``sidecar_extra``)."""
    side = output.with_suffix(".json")
    export.write_text(output, table_csv)
    write_export_sidecar(side, "agreement", files=[output], codebook=codebook, store=store, options=options,
                         command=command, n_interviews=n_interviews, extra=extra)
    return [output, side]
