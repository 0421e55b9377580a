#!/usr/bin/env python3
"""Validate examples/codings.csv against the bundled study and print tallies.

Usage (from anywhere):  python3 examples/check_codings.py [CSV]

Checks every row:
  * the header is exactly  interview,code,quote,coder,memo
  * `interview` names a file in interviews/
  * `code` is a key in codebook.yaml
  * `quote` occurs exactly once in the transcript body (the text after the YAML front
    matter, normalised as fieldcode does: UTF-8, NFC, line breaks to \\n)
  * the quote has no line break (so it cannot span a blank line), no leading or
    trailing whitespace, starts after a speaker label and ends inside the same turn
  * `coder` is ana or ben
  * no row is an exact duplicate of another
Warnings (not failures): quotes in interviewer turns, quotes that do not start at a
sentence start or end at a sentence end.

Then prints per-file and per-coder counts, a per-arm tally of codes (improving vs
lagging), and a rough agreement figure between the two coders.

Standard library only.  Exit status 0 when every row passes, 1 otherwise.
"""
from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CSV_PATH = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "codings.csv"
INTERVIEWS = ROOT / "interviews"
CODEBOOK = ROOT / "codebook.yaml"

HEADER = ["interview", "code", "quote", "coder", "memo"]
CODERS = {"ana", "ben"}
INTERVIEWER_LABELS = {"interviewer"}

# Same shapes as fieldcode/text.py: front matter, and "Name:" labels at the start of a line.
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)
NAME = r"[A-Z\u00C0-\u024F][\w.'\u2019\-]*(?:[ ][\w.'\u2019\-()]+){0,3}"
LABEL = re.compile(rf"^(?P<name>{NAME}):[ \t]+(?=\S)", re.M)
NOT_SPEAKERS = {w.casefold() for w in (
    "Note", "Notes", "NB", "PS", "Yes", "No", "Well", "So", "Ok", "Okay", "Also", "But", "And",
    "Then", "Now", "Date", "Time", "Location", "Subject", "Title", "Update", "Edit", "Warning",
    "Example", "Source", "Transcript", "Duration", "Present", "Attendees", "Tags")}


def normalise(text: str) -> str:
    text = text.lstrip("\ufeff")
    text = re.sub("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]", "\n", text)
    return unicodedata.normalize("NFC", text)


def load_codebook(path: Path) -> tuple[set[str], dict[str, str]]:
    """Code keys and child -> parent.  Uses a YAML library if one is installed, else a
    line-based reading of the '- key:' / 'parent:' fields (enough for this codebook)."""
    try:
        from ruamel.yaml import YAML  # fieldcode's own dependency
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except ImportError:
        try:
            import yaml
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except ImportError:
            data = None
    if data is not None:
        codes = data["codes"]
        keys = {str(c["key"]) for c in codes}
        parents = {str(c["key"]): str(c["parent"]) for c in codes if c.get("parent")}
        return keys, parents
    keys, parents, current = set(), {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(" #", 1)[0].rstrip()
        if m := re.match(r"^\s*-\s+key:\s*(\S+)$", line):
            current = m.group(1).strip("\"'")
            keys.add(current)
        elif (m := re.match(r"^\s+parent:\s*(\S+)$", line)) and current:
            parents[current] = m.group(1).strip("\"'")
    return keys, parents


class Transcript:
    def __init__(self, path: Path):
        text = normalise(path.read_text(encoding="utf-8"))
        m = FRONT_MATTER.match(text)
        front = (m.group(1) or "") if m else ""
        self.body = text[m.end():].lstrip("\n") if m else text
        self.attrs = {}
        for line in front.splitlines():
            if (kv := re.match(r"^([A-Za-z_][\w-]*):\s*(.*?)\s*$", line)):
                self.attrs[kv.group(1)] = kv.group(2)
        # turns: (label_start, content_start, end, speaker)
        labels = [lm for lm in LABEL.finditer(self.body)
                  if lm.group("name").casefold() not in NOT_SPEAKERS]
        self.turns = []
        for i, lm in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(self.body)
            while end > lm.start() and self.body[end - 1] in " \t\n":
                end -= 1
            self.turns.append((lm.start(), lm.end(), end, lm.group("name")))

    def turn_at(self, start: int, end: int):
        for t in self.turns:
            if t[0] <= start < t[2]:
                return t if end <= t[2] else None
        return None


def main() -> int:
    keys, parents = load_codebook(CODEBOOK)
    files = {p.name: Transcript(p) for p in sorted(INTERVIEWS.glob("*.md"))}
    failures: list[str] = []
    warnings: list[str] = []

    with CSV_PATH.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != HEADER:
            failures.append(f"header is {header!r}, expected {HEADER!r}")
        rows = []
        for lineno, rec in enumerate(reader, start=2):
            if len(rec) != len(HEADER):
                failures.append(f"row {lineno}: {len(rec)} fields, expected {len(HEADER)}")
                continue
            rows.append((lineno, dict(zip(HEADER, rec))))

    seen: dict[tuple, int] = {}
    spans = []  # (interview, coder, code, start, end)
    for lineno, r in rows:
        where = f"row {lineno} ({r['interview']}, {r['code']}, {r['coder']})"
        quote = r["quote"]
        if r["coder"] not in CODERS:
            failures.append(f"{where}: coder {r['coder']!r} is not one of {sorted(CODERS)}")
        if r["code"] not in keys:
            failures.append(f"{where}: code {r['code']!r} is not in codebook.yaml")
        ident = (r["interview"], r["code"], quote, r["coder"])
        if ident in seen:
            failures.append(f"{where}: duplicate of row {seen[ident]}")
        seen.setdefault(ident, lineno)
        t = files.get(r["interview"])
        if t is None:
            failures.append(f"{where}: no such interview file in interviews/")
            continue
        if not quote:
            failures.append(f"{where}: empty quote")
            continue
        if quote != quote.strip():
            failures.append(f"{where}: quote has leading/trailing whitespace")
        if "\n" in quote:
            failures.append(f"{where}: quote contains a line break (spans a blank line?)")
        if unicodedata.normalize("NFC", quote) != quote:
            failures.append(f"{where}: quote is not NFC-normalised")
        hits = find_all(t.body, quote)  # overlapping occurrences count too
        n = len(hits)
        if n != 1:
            failures.append(f"{where}: quote occurs {n} times in the body (must be exactly once): {quote[:70]!r}")
            continue
        start = hits[0]
        end = start + len(quote)
        turn = t.turn_at(start, end)
        if turn is None:
            failures.append(f"{where}: quote is not inside a single speaker turn: {quote[:70]!r}")
            continue
        if start < turn[1] or LABEL.match(quote):
            failures.append(f"{where}: quote includes the speaker label {turn[3]!r}")
            continue
        if turn[3].casefold() in INTERVIEWER_LABELS:
            warnings.append(f"{where}: quote is in an interviewer turn")
        before = t.body[:start].rstrip(" ")
        if not (start == turn[1] or before.endswith((".", "?", "!", "\n")) or before == ""):
            warnings.append(f"{where}: does not start at a sentence start: {quote[:50]!r}")
        if not quote.endswith((".", "?", "!")):
            warnings.append(f"{where}: does not end at a sentence end: ...{quote[-50:]!r}")
        spans.append((r["interview"], r["coder"], r["code"], start, end))

    # ----------------------------------------------------------------------- report
    print(f"{CSV_PATH}: {len(rows)} rows")
    by_file = defaultdict(Counter)
    for _, r in rows:
        by_file[r["interview"]][r["coder"]] += 1
    print(f"\n{'interview':48} {'arm':10} {'ana':>4} {'ben':>4}")
    for name in sorted(set(files) | set(by_file)):
        arm = files[name].attrs.get("arm", "?") if name in files else "?"
        c = by_file.get(name, Counter())
        flag = "" if c["ana"] and c["ben"] else "   <-- a coder has no codings here"
        print(f"{name:48} {arm:10} {c['ana']:4} {c['ben']:4}{flag}")
    per_coder = Counter(r["coder"] for _, r in rows)
    print("\nper coder: " + ", ".join(f"{k}={v}" for k, v in sorted(per_coder.items())))

    arms = ["improving", "lagging"]
    tally = defaultdict(Counter)  # code -> Counter((arm, coder))
    files_per_arm = Counter(t.attrs.get("arm") for t in files.values())
    for _, r in rows:
        t = files.get(r["interview"])
        if t:
            tally[r["code"]][(t.attrs.get("arm"), r["coder"])] += 1
    order = [k for k in _codebook_order(CODEBOOK) if k in tally] + sorted(set(tally) - set(_codebook_order(CODEBOOK)))
    print(f"\ncrude per-arm tally (codings; {files_per_arm['improving']} improving files, "
          f"{files_per_arm['lagging']} lagging files)")
    print(f"{'code':22} {'improving':>17} {'lagging':>17}")
    print(f"{'':22} {'ana':>5} {'ben':>5} {'all':>5} {'ana':>5} {'ben':>5} {'all':>5}")
    for code in order:
        c = tally[code]
        cells = []
        for arm in arms:
            a, b = c[(arm, "ana")], c[(arm, "ben")]
            cells += [a, b, a + b]
        label = ("  " if code in parents else "") + code
        print(f"{label:22} " + " ".join(f"{x:5}" for x in cells))
    # rolled up to parents
    roll = defaultdict(Counter)
    for code, c in tally.items():
        top = parents.get(code, code)
        for (arm, _), n in c.items():
            roll[top][arm] += n
    print("\nrolled up to top-level codes (both coders):")
    for code in [k for k in _codebook_order(CODEBOOK) if k in roll]:
        i, l = roll[code]["improving"], roll[code]["lagging"]
        print(f"  {code:22} improving {i:4}   lagging {l:4}   {'>' if i > l else '<' if i < l else '='}")

    # rough agreement: a ben coding "matches" if ana has the same code on an overlapping span
    ana = defaultdict(list)
    for iv, coder, code, s, e in spans:
        if coder == "ana":
            ana[(iv, code)].append((s, e))
    ben = [(iv, code, s, e) for iv, coder, code, s, e in spans if coder == "ben"]
    matched = sum(1 for iv, code, s, e in ben if any(s < e2 and s2 < e for s2, e2 in ana[(iv, code)]))
    exact = sum(1 for iv, code, s, e in ben if (s, e) in ana[(iv, code)])
    if ben:
        print(f"\nben codings overlapping an ana coding with the same code: {matched}/{len(ben)} "
              f"({100 * matched / len(ben):.0f}%), of which identical spans: {exact}")

    if warnings:
        print(f"\n{len(warnings)} warning(s):")
        for w in warnings:
            print("  " + w)
    if failures:
        print(f"\n{len(failures)} FAILURE(S):")
        for f in failures:
            print("  " + f)
        return 1
    print("\nall rows pass")
    return 0


def find_all(haystack: str, needle: str) -> list[int]:
    out, i = [], haystack.find(needle)
    while i != -1:
        out.append(i)
        i = haystack.find(needle, i + 1)
    return out


def _codebook_order(path: Path) -> list[str]:
    return [m.group(1).strip("\"'") for m in re.finditer(r"^\s*-\s+key:\s*(\S+)", path.read_text(encoding="utf-8"), re.M)]


if __name__ == "__main__":
    sys.exit(main())
