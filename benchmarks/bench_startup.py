"""Start-up time of the fieldcode command line, beside a bare ``python -c pass`` in the same run.

    .venv/bin/python benchmarks/bench_startup.py            # 7 runs of each, median
    .venv/bin/python benchmarks/bench_startup.py --runs 15
    .venv/bin/python benchmarks/bench_startup.py --quick    # seconds: does it still work?

Goal (issue 9): ``fieldcode --help`` and commands that need neither NLP nor a big query start
in at most 0.3 s on this machine.  Each command runs as a fresh process (the console script's
interpreter), in a small project made in a temporary folder (two interviews, imported once
before timing).  Printed: the median wall and CPU time of each, the bare interpreter's, their
difference (what fieldcode itself costs) and ratio, the load average (on a shared machine
wall times grow with it; CPU times much less), and whether spaCy was loaded.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
GOAL = 0.3
# As installed: bytecode cached.  (A PYTHONDONTWRITEBYTECODE=1 environment would recompile every
# fieldcode module from source on each start, ~0.1 s that no user pays.)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

CODEBOOK = """\
study:
  name: Start-up study
  arms: [improving, lagging]
  interviewer_speakers: [Interviewer]
codes:
  - key: housing
    name: Housing
    colour: "#1f77b4"
"""
TRANSCRIPT = "Interviewer: How long have you lived here?\n\nJean: Twenty years. The flats are damp.\n"

COMMANDS = [
    ["--help"],
    ["--version"],
    ["import", "--help"],
    ["crosstab", "--help"],
    ["settings"],
    ["codebook", "check"],
    ["interviews"],
    ["show", "a", "--turns"],
    ["code", "list"],
    ["init", "{tmp}/fresh-{n}"],
]


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=ENV)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def loads_spacy(args: list[str], cwd: Path) -> bool:
    code = ("import sys\nfrom fieldcode.cli.index import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit:\n    pass\n"
            "m = sys.modules.get('spacy')\nprint('SPACY' if m is not None and type(m).__name__ != '_LazyModule' else '')\n")
    r = subprocess.run([PY, "-c", code, *args], cwd=cwd, capture_output=True, text=True, check=False, env=ENV)
    return "SPACY" in r.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--quick", action="store_true",
                    help="one run each of two commands (--help, and interviews, which opens the database) and "
                         "of the floors: seconds, the test suite's check that the script still works (its "
                         "times mean nothing)")
    args = ap.parse_args()
    commands = COMMANDS
    if args.quick:
        args.runs = 1
        commands = [["--help"], ["interviews"]]
    script = Path(PY).with_name("fieldcode")
    if not script.exists():
        sys.exit(f"no fieldcode console script next to {PY}: install the package (pip install -e .)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "study"
        (root / "interviews").mkdir(parents=True)
        (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
        (root / "interviews" / "a.txt").write_text(TRANSCRIPT, encoding="utf-8")
        r = subprocess.run([str(script), "--coder", "bench", "import"], cwd=root, capture_output=True, text=True, env=ENV)
        if r.returncode:
            sys.exit(f"import of the benchmark project failed:\n{r.stdout}{r.stderr}")
        bare, bare_cpu = medians([timed([PY, "-c", "pass"], root) for _ in range(args.runs)])
        print(f"python -c pass: {bare:.3f} s wall, {bare_cpu:.3f} s CPU (medians of {args.runs}; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        # what any command pays before fieldcode's own code: the CLI library, and the database layer
        # (SQLAlchemy + SQLModel) for commands that open the project
        for label, stmt in (("import typer", "import typer"), ("import sqlmodel", "import sqlmodel, sqlalchemy.orm")):
            w, c = medians([timed([PY, "-c", stmt], root) for _ in range(args.runs)])
            print(f"python -c '{label}': {w:.3f} s wall, {c:.3f} s CPU")
        print(f"{'command':<28} {'wall s':>7} {'- bare':>7} {'x bare':>7} {'CPU s':>6} {'- bare':>7}  "
              f"goal {GOAL} s (wall)  spaCy")
        for n, cmd in enumerate(commands):
            timed([str(script), *[a.format(tmp=tmp, n=f"{n}-warm") for a in cmd]], root)  # writes .pyc
            times = []
            for k in range(args.runs):
                argv = [a.format(tmp=tmp, n=f"{n}-{k}") for a in cmd]
                times.append(timed([str(script), *argv], root))
            med, cpu = medians(times)
            shown = " ".join(cmd).replace("{tmp}/fresh-{n}", "DIR")
            spacy = loads_spacy([a.format(tmp=tmp, n=f"{n}-probe") for a in cmd], root)
            print(f"{'fieldcode ' + shown:<28} {med:7.3f} {med - bare:7.3f} {med / bare:7.1f} {cpu:6.3f} "
                  f"{cpu - bare_cpu:7.3f}  {'ok' if med <= GOAL else 'OVER':>15}  {'LOADED' if spacy else 'no'}")


if __name__ == "__main__":
    main()
