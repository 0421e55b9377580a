"""Codings in and out of plain files: ``fieldcode code import FILE.csv``.

A codings CSV has the columns ``interview``, ``code``, then either ``quote`` (text that
occurs once in the interview, matched as :mod:`fieldcode.ingest.quotes` does) or ``start`` and ``end`` (code-point offsets), and optionally
``coder`` and ``memo``.  Every row is checked first; any problem is reported with its CSV line
and nothing is added.  The rows that pass are added in one transaction.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from fieldcode.errors import FieldcodeError, InvalidInput
from fieldcode.store import Store
from fieldcode.study.settings import check_coder
from fieldcode.ingest.quotes import locate


@dataclass
class CodingsImport:
    added: int
    skipped: int


def read_codings_csv(store: Store, path: Path, default_coder: str | None):
    """Parse and check ``path``; return the specs for :meth:`Store.add_codings` or raise
    :class:`InvalidInput` listing every bad row with its line."""
    try:
        raw = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 (byte {exc.start}); save the CSV as UTF-8") from None
    reader = csv.DictReader(raw.splitlines(keepends=True))
    cols = set(reader.fieldnames or [])
    if not {"interview", "code"} <= cols or not ("quote" in cols or {"start", "end"} <= cols):
        raise InvalidInput(f"{path}:1: a codings CSV needs columns interview, code and quote "
                           "(or start and end); optional: coder, memo")
    problems: list[str] = []
    specs = []
    texts: dict[str, str] = {}
    codes = {c.key: c for c in store.codes(include_retired=True)}
    for row in reader:
        line = reader.line_num
        where = f"{path}:{line}"
        name = (row.get("interview") or "").strip()
        key = (row.get("code") or "").strip()
        coder = (row.get("coder") or "").strip() or default_coder
        if not coder:
            problems.append(f"{where}: no coder (fill the coder column, or pass --coder)")
            continue
        try:
            coder = check_coder(coder, f"{where}: column coder")
        except InvalidInput as exc:
            problems.append(str(exc))
            continue
        try:
            iv = store.interview(name)
        except FieldcodeError:
            problems.append(f"{where}: no interview '{name}' in this project")
            continue
        if key not in codes:
            problems.append(f"{where}: unknown code '{key}' (see 'fieldcode codebook show')")
            continue
        if codes[key].retired_at is not None:
            problems.append(f"{where}: code '{key}' is retired")
            continue
        text = texts.setdefault(iv.name, iv.text)
        quote = row.get("quote")
        if quote:
            try:
                start, end = locate(iv.name, text, quote)
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
                continue
        else:
            try:
                start, end = int(row["start"]), int(row["end"])
            except (TypeError, ValueError):
                problems.append(f"{where}: start and end must be whole numbers")
                continue
            if not 0 <= start < end <= len(text):
                problems.append(f"{where}: span [{start}, {end}) is outside '{iv.name}' ({len(text)} characters)")
                continue
        specs.append((iv.id, key, start, end, coder, (row.get("memo") or "").strip()))
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in {path}; nothing was imported:\n" + "\n".join(problems))
    return specs


def import_codings_csv(store: Store, path: Path, default_coder: str | None) -> CodingsImport:
    specs = read_codings_csv(store, path, default_coder)
    added, skipped = store.add_codings(specs)
    return CodingsImport(added=len(added), skipped=skipped)
