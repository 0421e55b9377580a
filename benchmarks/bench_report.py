"""``fieldcode report`` on the bundled study: the whole methods appendix (HTML, Markdown, Word,
figures) with the default 1,000 resamples, timed as a user runs it (a fresh process each time),
against the target of 10 s.

    .venv/bin/python benchmarks/bench_report.py            # 3 runs
    .venv/bin/python benchmarks/bench_report.py --quick    # 1 run, 50 resamples: does it still work?

The study is a copy of the repository's codebook.yaml and interviews/ with examples/codings.csv
(two coders) imported, in a temporary folder.  For scale, the run also times the commands whose
numbers the report carries, each in a fresh process with the same options (agreement --ci,
saturation, export counts, export comparison --by-coder): the report against their sum is
printed as a ratio (the report also draws four figures and writes three formats).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = 10.0


def fieldcode() -> list[str]:
    exe = Path(sys.executable).with_name("fieldcode")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "fieldcode.cli.index"]


CPU: list[float] = []   # CPU seconds (user + system) of each run, in order


def run(root: Path, *args: str) -> float:
    """Wall seconds of one fresh ``fieldcode`` process (its CPU seconds go to CPU)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run([*fieldcode(), "-C", str(root), *args], capture_output=True, text=True,
                       env={k: v for k, v in os.environ.items() if k != "FIELDCODE_DB"})
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if r.returncode != 0:
        sys.exit(f"fieldcode {' '.join(args)} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="1 run, 50 resamples (the test suite's check)")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.resamples = 1, 50
    folder = Path(tempfile.mkdtemp(prefix="fieldcode-bench-report-"))
    try:
        root = folder / "study"
        root.mkdir()
        shutil.copy(REPO / "codebook.yaml", root / "codebook.yaml")
        shutil.copytree(REPO / "interviews", root / "interviews")
        t0 = time.perf_counter()
        run(root, "import")
        run(root, "code", "import", str(REPO / "examples" / "codings.csv"))
        print(f"set up the bundled study with two coders' codings in {time.perf_counter() - t0:.1f} s")
        res = ["--resamples", str(args.resamples), "--seed", "1"]
        times = [run(root, "report", "-o", str(folder / "out"), *res) for _ in range(args.runs)]
        cpu = min(CPU[-args.runs:])
        parts = {
            "agreement --ci": run(root, "agreement", "--by", "arm", "--coefficients", "all", "--ci", *res, "--format", "csv"),
            "saturation": run(root, "saturation", "--by", "arm", *res, "--no-plot"),
            "export counts": run(root, "export", "counts", "-o", str(folder / "c" / "counts.csv")),
            "export comparison": run(root, "export", "comparison", "--by-coder", "-o", str(folder / "c" / "cmp.csv")),
        }
        for k, v in parts.items():
            print(f"  fieldcode {k:18s} {v:.2f} s")
        best, med = min(times), statistics.median(times)
        print(f"the commands the report draws on, each alone: {sum(parts.values()):.2f} s together")
        print(f"fieldcode report on the bundled study ({args.resamples:,} resamples, html+md+docx, 4 figures): best "
              f"{best:.2f} s wall ({cpu:.2f} s CPU), median {med:.2f} s of {args.runs}; ratio to the commands alone "
              f"{best / sum(parts.values()):.2f}x; target < {TARGET:g} s: {'met' if best < TARGET else 'NOT met'}")
        print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
