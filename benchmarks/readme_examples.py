"""Print the example outputs of docs/tutorial.md on the bundled study (what
tests/test_readme_examples.py checks; they lived in the README before).  Not a benchmark: it has
nothing to time, so it prints no ratio.

    .venv/bin/python benchmarks/readme_examples.py
    .venv/bin/python benchmarks/readme_examples.py --quick    # the first example only: does it still work?
"""
import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_readme_examples import EXAMPLES, bundled_with_codings, run_example  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="print the first example only (the test suite's check that the script still works)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fieldcode-readme-") as tmp:
        root = bundled_with_codings(Path(tmp))
        for args_ in EXAMPLES[:1] if args.quick else EXAMPLES:
            print("$ fieldcode " + " ".join(args_))
            print(run_example(root, args_))
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
