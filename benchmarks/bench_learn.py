"""Training a suggestion model on each coder's codings (``fieldcode suggest train``) on the
bundled study, against raw spaCy training on the same sentences, measured in the same run.

    .venv/bin/python benchmarks/bench_learn.py               # train, both coders
    .venv/bin/python benchmarks/bench_learn.py --evaluate    # also time the cross-validation
    .venv/bin/python benchmarks/bench_learn.py --quick       # one epoch: seconds, does it still work?

The bundled study (codebook.yaml, interviews/) is copied to a temporary folder, imported, and
given ``examples/codings.csv`` (ana and ben).  Then, for each coder:

fieldcode
    ``learn.train_and_save(store, root, coder)``: the training set read from the database
    (sentences, turns, the coder's codings), the model trained (``learn.EPOCHS`` epochs) and
    saved with its ``trained.json``.  spaCy is imported before timing.

raw
    The same sentence texts and label dicts (taken from the training set outside the timing),
    ``spacy.blank("en")`` + ``textcat_multilabel`` with the same architecture, seed, epochs,
    batch size, dropout and learning rate, trained by a plain ``nlp.update`` loop; not saved.

Target: both coders' models in under 60 s of wall time (the issue: "training on the bundled
study's two coders takes under a minute").  The ratio fieldcode / raw is what to compare between
machines.  With ``--evaluate``: ``learn.evaluate`` (``learn.FOLDS`` trainings plus the keyword
baseline) per coder, timed, no baseline.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

TARGET_S = 60.0
CODERS = ("ana", "ben")


def raw_train(texts: list[str], cats: list[dict[str, float]], labels: list[str], epochs: int) -> float:
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    from fieldcode.find import learn

    t0 = time.perf_counter()
    fix_random_seed(learn.SEED)
    nlp = spacy.blank("en")
    tc = nlp.add_pipe("textcat_multilabel", config={"model": learn.ARCHITECTURE})
    for k in labels:
        tc.add_label(k)
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": c}) for t, c in zip(texts, cats)]
    opt = nlp.initialize(lambda: examples)
    opt.learn_rate = learn.LEARN_RATE
    rng = random.Random(learn.SEED)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=learn.BATCH):
            nlp.update(batch, drop=learn.DROPOUT, sgd=opt)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--evaluate", action="store_true", help="also time 'suggest evaluate' per coder")
    ap.add_argument("--quick", action="store_true",
                    help="one training epoch per side instead of learn.EPOCHS, so it runs in seconds: the test "
                         "suite's check that the script still works (its times mean nothing)")
    args = ap.parse_args()

    import spacy  # noqa: F401  loaded before timing, as a long-running session would have it

    from fieldcode.find import learn
    from fieldcode.cli import app
    from fieldcode.project import Project

    epochs = 1 if args.quick else learn.EPOCHS

    tmp = Path(tempfile.mkdtemp(prefix="bench_learn_"))
    try:
        root = tmp / "study"
        root.mkdir()
        shutil.copy(REPO / "codebook.yaml", root / "codebook.yaml")
        shutil.copytree(REPO / "interviews", root / "interviews")
        for argv in (["-C", str(root), "import"],
                     ["-C", str(root), "code", "import", str(REPO / "examples" / "codings.csv")]):
            try:
                app(argv, standalone_mode=False)
            except SystemExit as exc:   # a clean exit from a command
                if exc.code:
                    raise
        p = Project.open(root, write=False)
        total_fc = total_raw = 0.0
        print(f"{'coder':6} {'sentences':>9} {'codes':>5} {'fieldcode s':>11} {'raw s':>7} {'ratio':>6}")
        for coder in CODERS:
            t0 = time.perf_counter()
            trained, ts = learn.train_and_save(p.store, root, coder, epochs=epochs)
            fc = time.perf_counter() - t0
            labels = list(trained.meta["codes"])
            texts = [learn.prepare(s.text) for s in ts.sentences]  # the same input as fieldcode's
            cats = [{k: float(k in lab) for k in labels} for lab in ts.labels]
            raw = raw_train(texts, cats, labels, epochs)
            total_fc += fc
            total_raw += raw
            print(f"{coder:6} {len(ts.sentences):9d} {len(labels):5d} {fc:11.2f} {raw:7.2f} {fc / raw:6.2f}x")
        verdict = ("met" if total_fc < TARGET_S else "NOT met") + (" (--quick: 1 epoch, not the target's run)"
                                                                    if args.quick else "")
        print(f"both coders: fieldcode {total_fc:.2f} s, raw spaCy {total_raw:.2f} s, ratio {total_fc / total_raw:.2f}x; "
              f"target < {TARGET_S:.0f} s: {verdict}")
        if args.evaluate:
            for coder in CODERS:
                ev = learn.evaluate(p.store, coder, epochs=epochs)
                mi, _ = ev.averages("model")
                kmi, _ = ev.averages("keywords")
                print(f"evaluate {coder}: {ev.seconds:.2f} s ({len(ev.folds)} folds); micro F1 model {mi.f1:.2f}, "
                      f"keywords {kmi.f1:.2f}")
        p.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
