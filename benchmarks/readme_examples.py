"""Print the README's example outputs (what tests/test_readme_examples.py checks).

    .venv/bin/python benchmarks/readme_examples.py
"""
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_readme_examples import EXAMPLES, bundled_with_codings, run_example  # noqa: E402

root = bundled_with_codings(Path(tempfile.mkdtemp()))
for args in EXAMPLES:
    print("$ fieldcode " + " ".join(args))
    print(run_example(root, args))
    print()
