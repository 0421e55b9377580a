"""Exports for the write-up: counts (tidy long and wide CSV), coded segments (CSV and XLSX), a
Markdown quote matrix, and a JSON sidecar per export (the methods appendix).

CSV output is deterministic: the same database gives byte-identical files (stable row order,
fixed number formats, ``\\n`` line ends, no timestamps; the time lives only in the sidecar).
Any text, including commas, quotes and newlines, survives ``pandas.read_csv``.
"""

from __future__ import annotations

import contextvars
import csv
import io
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from fieldcode import __version__
from fieldcode.analysis import UNIT_DEFINITIONS, Comparison, Crosstab, Segment
from fieldcode.analysis.paired import direction

FIRST_ATTRIBUTES = ("pair", "neighbourhood", "arm", "role")
PER1000_FORMAT = "{:.3f}"


def fmt(unit: str, v) -> str:
    """A value as written to CSV: counts as integers, per 1,000 with three decimals, no value
    (a group without words) as an empty cell.  Every numeric CSV column holds a number or
    nothing; where it is empty, a text column beside it says why (``NO_WORDS``)."""
    if unit == "per1000":
        return "" if missing(v) else PER1000_FORMAT.format(float(v))
    return str(int(v))


def missing(v) -> bool:  # noqa: ANN001
    return v is None or (isinstance(v, float) and math.isnan(v))


NO_WORDS = "no analysed words in the group"
NO_UNTIED_PAIR = "no untied pair: nothing to test"
SEGMENT_COUNTED = ("counted: true when the segment covers at least one analysed word (the rule in "
                   "'analysed_text'); a segment covering only speaker labels or interviewer turns is false and "
                   "counts in no table")


# --- formula-like cells -------------------------------------------------------------------------
# A spreadsheet runs a cell that starts with = + - @ (or tab / carriage return) as a formula:
# a quote like "=HYPERLINK(...)" or "-2+3" in a transcript, a memo or a code name would run when
# a colleague opens the CSV.  By default every text cell of every CSV written here that starts
# so, and is not a plain number, gets a leading apostrophe (the OWASP rule; the XLSX stores such
# cells as text instead).  exact_csv() turns this off for analysis pipelines that need the exact
# text; the sidecar records which was used (csv_text_policy()).

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_EXACT = contextvars.ContextVar("fieldcode_exact_csv", default=False)


def neutralise(value):
    """A CSV cell that no spreadsheet will run: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


@contextmanager
def exact_csv(exact: bool = True) -> Iterator[None]:
    """Within this block, CSVs keep formula-like cells exactly as they are."""
    token = _EXACT.set(exact)
    try:
        yield
    finally:
        _EXACT.reset(token)


def csv_text_policy() -> str:
    """What the CSVs written now do with formula-like cells (for the sidecar)."""
    if _EXACT.get():
        return "exact: cells are the stored text unchanged (--exact-text); a spreadsheet may run those starting with = + - @"
    return ("formula-like cells neutralised: a text cell starting with = + - @, tab or carriage return that is "
            "not a number has a leading ' added (remove it, or export with --exact-text, for the exact text)")


class CsvWriter:
    """The one CSV writer of fieldcode: ``\\n`` line ends, minimal quoting, and every cell through
    :func:`neutralise` unless :func:`exact_csv` is on.  Every CSV fieldcode writes is built with it
    (a test walks the package and fails on any other ``csv.writer``)."""

    def __init__(self, buf) -> None:  # noqa: ANN001
        self._w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)

    def writerow(self, row) -> None:  # noqa: ANN001
        self._w.writerow(row if _EXACT.get() else [neutralise(v) for v in row])

    def writerows(self, rows) -> None:  # noqa: ANN001
        for row in rows:
            self.writerow(row)


def csv_writer(buf) -> CsvWriter:  # noqa: ANN001
    """A :class:`CsvWriter` writing into ``buf`` (a text stream)."""
    return CsvWriter(buf)


def csv_text(header: Sequence, rows) -> str:  # noqa: ANN001
    """A whole CSV (header, then ``rows``) as text, through :class:`CsvWriter`."""
    buf = io.StringIO()
    w = CsvWriter(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


# --- counts -------------------------------------------------------------------------------------

def counts_long_csv(ct: Crosstab, units: Sequence[str] | None = None) -> str:
    """One row per code x group x unit: value and both denominators (interviews and analysed
    words in the group)."""
    units = list(units or ct.units)
    tabs = {u: ct.table(u) for u in units}
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(["code", "label", "code_path", "rollup", *ct.by, "unit", "value", "interviews_in_group",
                "words_in_group", "value_missing"])
    for r, row in enumerate(ct.rows):
        for gi, g in enumerate(ct.groups):
            for u in units:
                v = fmt(u, tabs[u][r, gi])
                w.writerow([row.key, row.label, row.path, "yes" if row.rollup else "no", *g, u,
                            v, int(ct.group_interviews[gi]), int(ct.group_words[gi]), "" if v else NO_WORDS])
    return buf.getvalue()


def counts_wide_csv(ct: Crosstab, units: Sequence[str] | None = None) -> str:
    """One row per code x unit, one column per group; the last two rows are the denominators."""
    units = list(units or ct.units)
    tabs = {u: ct.table(u) for u in units}
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(["code", "label", "code_path", "unit", *[ct.group_label(g) for g in ct.groups]])
    for r, row in enumerate(ct.rows):
        for u in units:
            w.writerow([row.key, row.label, row.path, u, *[fmt(u, tabs[u][r, gi]) for gi in range(len(ct.groups))]])
    w.writerow(["(denominator)", "interviews in group", "", "interviews", *[int(x) for x in ct.group_interviews]])
    w.writerow(["(denominator)", "analysed words in group", "", "words", *[int(x) for x in ct.group_words]])
    return buf.getvalue()


# --- paired comparison ----------------------------------------------------------------------------

def _norm(unit: str, v: float) -> str:
    text = PER1000_FORMAT.format(v) if unit == "per1000" else f"{v:.4f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text   # never "-0.000"


def comparison_csv(cmp: Comparison) -> str:
    """One row per theme x pair: both arms' values on the normalised unit, their difference,
    how the sign test counted the pair (``counted_as``: higher, lower or tie, read from the
    difference rounded as the tables print it) and both arms' denominators (interviews, analysed
    words)."""
    focal, other = cmp.arms
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(["code", "label", "code_path", "pair", "unit", "focal_arm", "focal_value", "comparison_arm",
                "comparison_value", "difference", "focal_interviews", "focal_words", "comparison_interviews",
                "comparison_words", "counted_as"])
    for th in cmp.themes:
        for v in th.pairs:
            a, b = cmp.sizes[v.pair][focal], cmp.sizes[v.pair][other]
            w.writerow([th.row.key, th.row.label, th.row.path, v.pair, cmp.unit, focal, _norm(cmp.unit, v.focal), other,
                        _norm(cmp.unit, v.comparison), _norm(cmp.unit, v.difference), a.interviews, a.words,
                        b.interviews, b.words, direction(v.difference, cmp.unit)])
    return buf.getvalue()


def comparison_summary_csv(cmp: Comparison) -> str:
    """One row per theme: pairs compared, in how many the focal arm is higher / lower / tied,
    and the exact two-sided sign test p-value (descriptive): a number, or empty with
    ``sign_test_missing`` saying why (no untied pair); then the sign test's n (``untied_pairs``),
    the smallest p that n allows (``min_p``, empty with ``min_p_missing``), the threshold
    ``alpha`` and whether the smallest p is above it."""
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(["code", "label", "code_path", "unit", "pairs", "focal_higher", "focal_lower", "ties",
                "sign_test_p", "sign_test_missing", "untied_pairs", "min_p", "min_p_missing", "alpha",
                "min_p_above_alpha"])
    for th in cmp.themes:
        mp = th.min_p
        w.writerow([th.row.key, th.row.label, th.row.path, cmp.unit, len(th.pairs), th.higher, th.lower, th.ties,
                    "" if th.p_value is None else f"{th.p_value:.6f}", NO_UNTIED_PAIR if th.p_value is None else "",
                    th.untied, "" if mp is None else f"{mp:.6f}", NO_UNTIED_PAIR if mp is None else "",
                    f"{cmp.alpha:g}", "" if mp is None else str(mp > cmp.alpha).lower()])
    return buf.getvalue()


# --- segments -----------------------------------------------------------------------------------

SEGMENT_COLUMNS = ("coding_id", "interview", "speaker", "coder", "code_key", "code_path", "code_name",
                   "start", "end", "text", "memo", "counted")
# The coding protocol's columns, after every other (older columns keep their positions).
PROTOCOL_COLUMNS = ("made_blind", "codebook_version", "definition_hash")
PROTOCOL_COLUMN_MEANINGS = {
    "made_blind": "true when the coder was blind to the study's hidden attributes when the coding was made "
                  "(and has not changed it since being unblinded), false when they were not; empty when "
                  "unknown (made before fieldcode recorded it, or imported from a tool that does not say)",
    "codebook_version": "the codebook version the coding was made (or last confirmed) under, as its full content "
                        "hash ('fieldcode codebook history' lists the versions by its first 12 characters); "
                        "empty when unknown",
    "definition_hash": "the hash (SHA-256) of its code's definition (name, definition, when to use, when not to "
                       "use, examples) the coding was made (or last confirmed) under; empty when unknown",
}


def attribute_names(segs: Sequence[Segment]) -> list[str]:
    names = {k for s in segs for k in s.attributes}
    return [a for a in FIRST_ATTRIBUTES if a in names] + sorted(names - set(FIRST_ATTRIBUTES))


def _segment_table(segs: Sequence[Segment]) -> tuple[list[str], list[list]]:
    """Header and rows; ``counted`` and ``made_blind`` stay booleans (None: unknown) for the
    XLSX, and the hashes None when unknown."""
    attrs = attribute_names(segs)
    taken = set(SEGMENT_COLUMNS) | set(PROTOCOL_COLUMNS)
    attr_cols = [a if a not in taken else f"attr_{a}" for a in attrs]
    header = ["coding_id", "interview", *attr_cols, *SEGMENT_COLUMNS[2:], *PROTOCOL_COLUMNS]
    rows = [[s.coding_id, s.interview, *[s.attributes.get(a, "") for a in attrs], s.speaker or "", s.coder,
             s.code_key, s.code_path, s.code_name, s.start, s.end, s.text, s.memo, s.counted,
             s.blind, s.codebook_hash, s.definition_hash] for s in segs]
    return header, rows


def _flag(v: bool | None) -> str:
    return "" if v is None else ("true" if v else "false")


def segments_csv(segs: Sequence[Segment]) -> str:
    """Every coded segment: interview, its attributes, speaker, coder, code key and path, start,
    end, the quoted text, the memo, ``counted`` (true / false: :data:`SEGMENT_COUNTED`), then the
    coding protocol's ``made_blind`` (true / false / empty when unknown), ``codebook_version`` and
    ``definition_hash`` (:data:`PROTOCOL_COLUMN_MEANINGS`)."""
    header, rows = _segment_table(segs)
    n = len(PROTOCOL_COLUMNS)
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(header)
    w.writerows([*r[:-n - 1], _flag(r[-n - 1]), _flag(r[-n]), *("" if h is None else h for h in r[-n + 1:])]
                for r in rows)
    return buf.getvalue()


XLSX_MAX_ROWS = 1_048_576


def write_xlsx(path: Path, header: Sequence, rows: Sequence[Sequence], *, sheet: str = "Sheet1") -> bool:
    """The one XLSX writer of fieldcode: one sheet, header row frozen, written in write-only mode
    (large exports stream).  Text is always stored as text, so a cell starting with '=' never
    becomes a formula (Excel runs nothing from a text cell); characters Excel cannot hold are
    dropped.  Returns False, writing nothing, when the rows do not fit in one sheet (Excel's limit
    is 1,048,576 rows).  :func:`write_xlsx_sheets` writes several sheets the same way."""
    return write_xlsx_sheets(path, [XlsxSheet(sheet, header, rows)])


@dataclass(frozen=True)
class XlsxSheet:
    """One sheet for :func:`write_xlsx_sheets`: ``above`` lines (a title, in bold) before the
    header, ``below`` notes after the rows (each after an empty row), column ``widths`` from column
    A, ``wrap`` to wrap the data cells (aligned to the top), ``bold_header``, and ``freeze`` (the
    top-left cell that stays in view; default: the first cell under the header)."""
    title: str
    header: Sequence
    rows: Sequence[Sequence]
    above: Sequence[str] = ()
    below: Sequence[str] = ()
    widths: Sequence[float] = ()
    wrap: bool = False
    bold_header: bool = False
    freeze: str | None = None


def write_xlsx_sheets(path: Path, sheets: Sequence[XlsxSheet]) -> bool:
    """:func:`write_xlsx` for several sheets (in order): every text cell stored as text, never a
    formula or an error value.  Returns False, writing nothing, when a sheet's rows do not fit."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    if any(len(s.above) + 1 + len(s.rows) + 2 * len(s.below) > XLSX_MAX_ROWS for s in sheets):
        return False
    wb = Workbook(write_only=True)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for s in sheets:
        ws = wb.create_sheet(s.title)
        ws.freeze_panes = s.freeze or f"A{len(s.above) + 2}"
        for j, w in enumerate(s.widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = w

        def cell(v, font=None, alignment=None, ws=ws):  # noqa: ANN001, ANN202
            if isinstance(v, str):
                v = ILLEGAL_CHARACTERS_RE.sub("", v)
                # openpyxl stores every other str as text already
                if not v.startswith(("=", "#")) and font is None and alignment is None:
                    return v
            elif font is None and alignment is None:
                return v
            c = WriteOnlyCell(ws, value=v)
            if isinstance(v, str):
                c.data_type = "s"            # '=...' would be a formula, '#N/A' an error value
            if font is not None:
                c.font = font
            if alignment is not None:
                c.alignment = alignment
            return c

        for line in s.above:
            ws.append([cell(line, bold)])
        ws.append([cell(v, bold if s.bold_header else None) for v in s.header])
        for row in s.rows:
            ws.append([cell(v, None, wrap if s.wrap else None) for v in row])
        for line in s.below:
            ws.append([])
            ws.append([cell(line)])
    wb.save(path)
    return True


def write_segments_xlsx(segs: Sequence[Segment], path: Path) -> bool:
    """The same table as segments_csv, as an Excel sheet (through :func:`write_xlsx`).  Returns
    False, writing nothing, when the segments do not fit in one sheet."""
    header, rows = _segment_table(segs)
    return write_xlsx(path, header, rows, sheet="segments")


# --- quote matrix -------------------------------------------------------------------------------

def _cell(text: str) -> str:
    return " / ".join(p.strip() for p in text.replace("|", "\\|").split("\n") if p.strip())


def quotes_markdown(segs: Sequence[Segment], *, arms: Sequence[str], title: str = "",
                    pair_attr: str = "pair", arm_attr: str = "arm", max_quotes: int = 5,
                    notes: Sequence[str] = ()) -> str:
    """For each theme (codebook order), for each pair: the focal arm's quotes beside the
    comparison arm's, one Markdown table per pair.  ``max_quotes`` per arm and pair (0 = all)."""
    focal, other = arms[0], arms[1]
    by_theme: dict[str, list[Segment]] = defaultdict(list)
    themes: list[tuple[str, str, str]] = []
    for s in segs:
        if s.code_key not in by_theme:
            themes.append((s.code_key, s.code_name, s.code_path))
        by_theme[s.code_key].append(s)
    hoods: dict[tuple[str, str], set[str]] = defaultdict(set)
    for s in segs:
        if s.attributes.get("neighbourhood"):
            hoods[(s.attributes.get(pair_attr, ""), s.attributes.get(arm_attr, ""))].add(s.attributes["neighbourhood"])
    lines = [f"# {title or 'Quote matrix'}", "",
             f"{focal.capitalize()} versus {other} quotes, theme by theme and pair by pair.", ""]
    lines += [f"- {n}" for n in notes]
    if notes:
        lines.append("")
    for key, name, path in themes:
        lines += [f"## {name} (`{path}`)", ""]
        per_pair: dict[str, dict[str, list[Segment]]] = defaultdict(lambda: defaultdict(list))
        for s in by_theme[key]:
            per_pair[s.attributes.get(pair_attr) or "(no pair)"][s.attributes.get(arm_attr) or "(no arm)"].append(s)
        for pair in sorted(per_pair):
            cols = per_pair[pair]
            lines += [f"### Pair: {pair}", ""]
            heads = []
            for arm in (focal, other):
                hs = sorted(hoods.get((pair, arm), ()))
                heads.append(f"{arm} ({', '.join(hs)})" if hs else arm)
            lines += [f"| {_cell(heads[0])} | {_cell(heads[1])} |", "|---|---|"]
            qa, qb = cols.get(focal, []), cols.get(other, [])
            n = max(len(qa), len(qb))
            shown = n if max_quotes <= 0 else min(n, max_quotes)
            for i in range(shown):
                row = []
                for q in (qa, qb):
                    if i < len(q):
                        s = q[i]
                        who = ", ".join(x for x in (s.interview, s.speaker or "", f"coder {s.coder}") if x)
                        row.append(f"\u201c{_cell(s.text)}\u201d \u2014 {_cell(who)}")
                    else:
                        row.append("" if (i or q) else "(none)")
                lines.append(f"| {row[0]} | {row[1]} |")
            if shown < n:
                more = [max(0, len(qa) - shown), max(0, len(qb) - shown)]
                lines.append(f"| {'and ' + str(more[0]) + ' more' if more[0] else ''} | "
                             f"{'and ' + str(more[1]) + ' more' if more[1] else ''} |")
            others = sorted(set(cols) - {focal, other})
            if others:
                lines.append("")
                lines.append(f"Also coded in arm(s) {', '.join(others)}: {sum(len(cols[o]) for o in others)} segment(s).")
            lines.append("")
    if not themes:
        lines += ["No coded segments match.", ""]
    return "\n".join(lines)


# --- the methods sidecar ------------------------------------------------------------------------

def file_sha256(path: Path) -> str:
    """The file's SHA-256 exactly as ``sha256sum`` prints it."""
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def sidecar(kind: str, *, files: Sequence[Path], codebook, coders_in_data: Sequence[str], options: dict,
            n_interviews: int | None = None, extra: dict | None = None, store=None) -> dict:
    """What a methods appendix needs: tool and version, the command, the codebook file's hash
    (as ``sha256sum`` prints it) and content version, coders, the pooling rule, filters, unit
    definitions, and (given the store) every interview's transcript hash and the interviewer
    labels applied to it, codings per coder, and when the export was made."""
    import shlex

    from fieldcode.analysis import pooling_rule
    from fieldcode.runinfo import command_line
    from fieldcode.text import ANALYSED_TEXT_RULE, WORD_RE

    data = {
        "tool": "fieldcode",
        "version": __version__,
        "export": kind,
        "files": [Path(f).name for f in files],
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "study": {"name": codebook.study.name, "arms": list(codebook.study.arms),
                  "interviewer_speakers": list(codebook.study.interviewer_speakers)},
        "command": ("fieldcode " + shlex.join(cmd)) if (cmd := command_line()) is not None else None,
        "codebook": {"file": Path(codebook.path).name, "sha256": _codebook_file_hash(codebook),
                     "content_version": codebook.hash},
        "coders_in_data": list(coders_in_data),
        "coders_included": list(options.get("coders") or []) or "all",
        "coder_pooling": options.get("pooling") or pooling_rule(options.get("coders"), coders_in_data),
        "filters": options.get("filters") or {},
        "codes": options.get("codes") or "all",
        "analysed_text": ANALYSED_TEXT_RULE,
        "interviewer_turns": "included" if options.get("include_interviewer") else "left out",
        "rollup": bool(options.get("rollup")),
        "grouped_by": options.get("by"),
        "word": f"a match of the regular expression {WORD_RE.pattern} (Python, Unicode)",
        "units": UNIT_DEFINITIONS,
    }
    if "left_out_by_interviewer_rule" in options:
        data["codings_covering_no_analysed_word"] = options["left_out_by_interviewer_rule"]
    if n_interviews is not None:
        data["interviews"] = n_interviews
    if store is not None:
        prov = store.provenance()
        data["codings_per_coder"] = prov["codings_per_coder"]
        data["transcripts"] = prov["interviews"]
        from fieldcode.store.protocol import sidecar_protocol   # blinding, hand-ins, codings made blind

        data["coding_protocol"] = sidecar_protocol(store, codebook.study)
    if extra:
        data.update(extra)
    return data


def _codebook_file_hash(codebook) -> str | None:
    try:
        return file_sha256(codebook.path)
    except OSError:
        return None


def write_sidecar(path: Path, data: dict) -> None:
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")


def write_text(path: Path, text: str) -> None:
    """Write exactly these characters (UTF-8, no newline translation)."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


# --- memos --------------------------------------------------------------------------------------

MEMO_COLUMNS = ["memo_uid", "kind", "author", "created_at", "updated_at", "interview", "code_key", "code_name",
                "start", "end", "quoted_text", "memo"]


def memos_csv(memos: Sequence, attributes: dict[int, dict[str, str]] | None = None) -> str:
    """Every memo (``fieldcode.store.MemoInfo`` rows): its kind (interview, passage, code, coding),
    author and times (UTC, ISO 8601), what it is on, the quoted passage and the text; the
    interview's attributes follow ``interview``.  A coding's memo carries the coding's uid."""
    attributes = attributes or {}
    names = {k for m in memos if m.interview_id in attributes for k in attributes[m.interview_id]}
    attrs = [a for a in FIRST_ATTRIBUTES if a in names] + sorted(names - set(FIRST_ATTRIBUTES))
    cols = [a if a not in MEMO_COLUMNS else f"attr_{a}" for a in attrs]
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow([*MEMO_COLUMNS[:6], *cols, *MEMO_COLUMNS[6:]])
    for m in memos:
        a = attributes.get(m.interview_id, {})
        w.writerow([m.uid, m.kind, m.author, _utc(m.created_at), _utc(m.updated_at), m.interview,
                    *[a.get(x, "") for x in attrs], m.code_key, m.code_name,
                    "" if m.start is None else m.start, "" if m.end is None else m.end, m.quote, m.text])
    return buf.getvalue()


def _utc(dt: datetime) -> str:
    """A stored time (UTC; SQLite hands it back without a zone) as ISO 8601 with its offset."""
    dt = dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    return dt.isoformat(timespec="seconds")
