"""Every script in benchmarks/ runs at its ``--quick`` size and prints its ratios.

The benchmarks are not part of the suite's timing (no assertion here is about speed): this only
makes sure a change elsewhere (a schema change, a moved module, a renamed function) cannot break
one of them silently.  Each runs in a fresh process, as a user runs it; each ``--quick`` size is
a few seconds of CPU.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
RATIO = r"\d+\.\d\dx"

# script -> (arguments, patterns that must each match a line of its output: the ratios it prints)
SCRIPTS: dict[str, tuple[list[str], list[str]]] = {
    "bench_agreement.py": (["--quick"], [
        rf"^sentence\s+units\s+[\d,]+: baseline .* ratio {RATIO} .*results equal$",
        rf"^char\s+units\s+[\d,]+: baseline .* ratio {RATIO} .*results equal$",
    ]),
    "bench_bootstrap.py": (["--quick"], [
        rf"^sentence units, [\d,]+ resamples of \d+ interviews: baseline .* ratio {RATIO} .*interval ends equal$",
    ]),
    "bench_coding_keys.py": (["--quick"], [r"^(keys per coding: median \d|skipped: )"]),
    "bench_crosstab.py": (["--quick"], [
        *(rf"^fieldcode crosstab \+ CSV, {unit}\s+interviewer turns {which}.*ratio {RATIO}"
          for unit in ("segments", "interviews", "words", "per1000") for which in ("included", "left out")),
        rf"^fieldcode crosstab \+ CSV, all four units at once .*ratio {RATIO} against both baselines",
    ]),
    "bench_import.py": (["--quick"], [
        r"^round 1: same-work baseline and fieldcode stored identical rows: yes",
        r"^round 1 ratio fieldcode/same-work baseline: .*stored sentences identical on every side: yes",
        rf"^ratio fieldcode/baseline \(spaCy's whole pipeline on every token, sentences stored\): {RATIO}$",
        rf"^ratio fieldcode/reference \(the sentencizer alone, sentences stored\): {RATIO}$",
        rf"^ratio fieldcode/same-work baseline: {RATIO} \(target <= 1\.5x: (met|NOT met)\)$",
    ]),
    "bench_learn.py": (["--quick"], [
        rf"^ana\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+\s+{RATIO}$",
        rf"^ben\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+\s+{RATIO}$",
        rf"^both coders: fieldcode [\d.]+ s, raw spaCy [\d.]+ s, ratio {RATIO}; target < 60 s",
    ]),
    "bench_report.py": (["--quick"], [
        rf"^fieldcode report on the bundled study .* ratio to the commands alone {RATIO}; target < 10 s: (met|NOT met)$",
    ]),
    "bench_search.py": (["--quick"], [
        *(rf"^{q}\s+[\d,]+\s+[\d.]+\s+[\d.]+\s+\d+\.\dx\s+(met|NOT met)" for q in ("regeneration", "moved", "job", "food bank")),
        r"^slowest query [\d.]+ ms \(target <= 100 ms: (met|NOT met)\)",
    ]),
    "bench_startup.py": (["--quick"], [
        r"^python -c pass: [\d.]+ s wall",
        r"^python -c 'import sqlmodel': [\d.]+ s wall",
        *(rf"^fieldcode {cmd}\s+[\d.]+\s+-?[\d.]+\s+[\d.]+\s+[\d.]+\s+-?[\d.]+\s+(ok|OVER)\s+(no|LOADED)$"
          for cmd in ("--help", "interviews")),
    ]),
    "bench_tui.py": (["--quick"], [
        rf"^first paint\s+bare TextArea\s+[\d.]+ ms\s+fieldcode\s+[\d.]+ ms\s+ratio\s+{RATIO}",
        rf"^key -> repaint\s+bare TextArea\s+[\d.]+ ms\s+fieldcode\s+[\d.]+ ms\s+ratio\s+{RATIO}",
    ]),
    "bench_tui_scale.py": (["--quick"], [
        rf"^\s+first paint\s+bare TextArea\s+[\d.]+ ms\s+fieldcode\s+[\d.]+ ms\s+ratio\s+{RATIO}",
        rf"^\s+key -> repaint\s+bare TextArea\s+[\d.]+ ms\s+fieldcode\s+[\d.]+ ms\s+ratio\s+{RATIO}",
        r"^\s+navigator refresh .*\s[\d.]+ ms",
        r"^\s+\} \(next interview\) -> its transcript painted\s+[\d.]+ ms",
    ]),
    # not benchmarks, but scripts in benchmarks/ that must keep working
    "readme_examples.py": (["--quick"], [r"^\$ fieldcode crosstab --unit interviews"]),
    "corpus.py": (["--check"], [r"^ok   same seed gives identical bytes$", r"^digest \(12 x 2000 words, seed 7\): [0-9a-f]{64}$"]),
}


def test_every_script_is_run_here():
    """A new script in benchmarks/ gets a quick run here too."""
    assert sorted(p.name for p in BENCH.glob("*.py")) == sorted(SCRIPTS)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_quick_run(script, tmp_path):
    args, patterns = SCRIPTS[script]
    r = subprocess.run([sys.executable, str(BENCH / script), *args], cwd=tmp_path, capture_output=True,
                       text=True, timeout=600)
    out = r.stdout
    assert r.returncode == 0, f"{script} {' '.join(args)} exited {r.returncode}:\n{out[-3000:]}\n{r.stderr[-3000:]}"
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    missing = [p for p in patterns if not re.search(p, out, re.M)]
    assert not missing, f"{script}: no line matches {missing}\n--- output:\n{out[-4000:]}"
