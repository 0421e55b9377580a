"""``fieldcode suggest train|evaluate|run``: suggestions learned from a coder's own codings,
offline (``fieldcode.find.learn``).  Registered on the shared app (fieldcode.cli.base) when
imported (fieldcode.cli.index says which module when)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from fieldcode.cli.base import err, out, state, suggest_app
from fieldcode.errors import InvalidInput
from fieldcode.lazy import lazy_module
from fieldcode.safe import literal, plain

learn = lazy_module("fieldcode.find.learn")   # spaCy, numpy and the store load on first use

OfOpt = Annotated[Optional[str], typer.Option("--of", help="Whose codings to learn from (default: you).")]
EpochsOpt = Annotated[int, typer.Option("--epochs", min=1, max=200, help="Passes over the training sentences.")]
ThresholdOpt = Annotated[float, typer.Option("--threshold", help="Score at or above which a sentence is proposed "
                                                                  "(0 to 1, exclusive).")]


def _epoch_bar(total: int, label: str):  # noqa: ANN202
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.fields[note]}"), console=err, transient=True)


@suggest_app.command("train")
def suggest_train(
    ctx: typer.Context,
    of: OfOpt = None,
    epochs: EpochsOpt = 10,
) -> None:
    """Train a model on your codings (sentence by sentence: the codes you coded on each
    sentence, and those you did not) and save it in the project folder under
    .fieldcode/models/; nothing leaves this machine and no model is downloaded.

    Example: fieldcode --coder ana suggest train
    """
    p = state(ctx).project(write=False)
    coder = of or p.require_coder()
    with _epoch_bar(epochs, f"training on {plain(coder)}'s codings") as bar:
        task = bar.add_task("train", total=epochs, note="")

        def on_epoch(e: int, n: int, loss: float) -> None:
            bar.update(task, completed=e, note=f"loss {loss:.3f}")

        trained, ts = learn.train_and_save(p.store, p.root, coder, epochs=epochs, on_epoch=on_epoch)
    meta = trained.meta
    out.print(f"trained on {plain(coder)}'s codings: {meta['sentences']} sentences of {len(meta['interviews'])} "
              f"interview(s), {len(meta['codes'])} code(s); saved in {plain(str(trained.path))}", highlight=False)
    t = Table()
    for col in ("code", "coded sentences", "interviews"):
        t.add_column(col, justify="left" if col == "code" else "right")
    for k, v in meta["codes"].items():
        t.add_row(literal(k), str(v["sentences"]), str(v["interviews"]))
    for k, v in meta["too_few_examples"].items():
        t.add_row(literal(k), str(v["sentences"]), str(v["interviews"]), style="dim")
    out.print(t)
    if meta["too_few_examples"]:
        out.print(f"left out (too few examples: a code needs {learn.MIN_POSITIVES} coded sentences in "
                  f"{learn.MIN_INTERVIEWS} interviews): {plain(', '.join(meta['too_few_examples']))}", highlight=False)
    out.print("'fieldcode suggest evaluate' shows how well it does; 'fieldcode suggest run' proposes its "
              "suggestions for review.", highlight=False)


def _prf(c) -> tuple[str, str, str]:  # noqa: ANN001
    return (f"{c.precision:.2f}", f"{c.recall:.2f}", f"{c.f1:.2f}") if c is not None else ("", "", "")


def evaluation_table(ev) -> Table:  # noqa: ANN001
    """Per code: coded sentences, the model's and the keywords' precision, recall and F1."""
    t = Table(title=f"{plain(ev.coder)}: model vs keyword baseline, {len(ev.folds)}-fold cross-validation over interviews")
    t.add_column("code")
    for col in ("sentences", "ivs", "model P", "model R", "model F1", "keyw P", "keyw R", "keyw F1"):
        t.add_column(col, justify="right")
    t.add_column("note")
    for r in ev.results:
        if r.model is None:
            t.add_row(literal(r.code), str(r.sentences), str(r.interviews), "", "", "", "", "", "",
                      "too few examples", style="dim")
            continue
        note = "" if r.has_keywords else "no keywords: the baseline predicts nothing"
        t.add_row(literal(r.code), str(r.sentences), str(r.interviews), *_prf(r.model), *_prf(r.keywords), literal(note))
    mi_m, ma_m = ev.averages("model")
    mi_k, ma_k = ev.averages("keywords")
    t.add_section()
    t.add_row("micro average", str(sum(r.sentences for r in ev.results if r.model is not None)), "",
              *_prf(mi_m), *_prf(mi_k), "")
    t.add_row("macro average", "", "", *(f"{x:.2f}" for x in ma_m), *(f"{x:.2f}" for x in ma_k), "")
    return t


def evaluation_csv(ev) -> str:  # noqa: ANN001
    from fieldcode.analysis.export import csv_writer  # formula-like cells neutralised

    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(["coder", "code", "method", "coded_sentences", "interviews", "tp", "fp", "fn", "precision", "recall",
                "f1", "note"])
    for r in ev.results:
        for method, c in (("model", r.model), ("keywords", r.keywords)):
            note = "too few examples" if c is None else ("no keywords" if method == "keywords" and not r.has_keywords
                                                          else "")
            nums = ["", "", "", "", "", ""] if c is None else [c.tp, c.fp, c.fn, f"{c.precision:.4f}",
                                                              f"{c.recall:.4f}", f"{c.f1:.4f}"]
            w.writerow([ev.coder, r.code, method, r.sentences, r.interviews, *nums, note])
    for method in ("model", "keywords"):
        mi, ma = ev.averages(method)
        w.writerow([ev.coder, "(micro)", method, "", "", mi.tp, mi.fp, mi.fn, f"{mi.precision:.4f}",
                    f"{mi.recall:.4f}", f"{mi.f1:.4f}", ""])
        w.writerow([ev.coder, "(macro)", method, "", "", "", "", "", *(f"{x:.4f}" for x in ma), ""])
    return buf.getvalue()


@suggest_app.command("evaluate")
def suggest_evaluate(
    ctx: typer.Context,
    of: OfOpt = None,
    folds: Annotated[int, typer.Option("--folds", min=2, max=50, help="Folds of interviews (at most one per interview).")] = 5,
    threshold: ThresholdOpt = 0.5,
    epochs: EpochsOpt = 10,
    csv_path: Annotated[Optional[Path], typer.Option("--csv", help="Also write the figures to this CSV file.")] = None,
) -> None:
    """How well would a model of your codings do? Cross-validation over interviews (each
    fold's interviews are held out, the model trained on the rest, then scored on them):
    per-code precision, recall and F1, beside the codebook keywords ('suggest keywords' at
    sentence unit) on the same sentences.

    Example: fieldcode --coder ana suggest evaluate --csv ana-eval.csv
    """
    p = state(ctx).project(write=False)
    coder = of or p.require_coder()
    with _epoch_bar(folds, f"cross-validating on {plain(coder)}'s codings") as bar:
        task = bar.add_task("folds", total=folds, note="")
        ev = learn.evaluate(p.store, coder, k=folds, threshold=threshold, epochs=epochs,
                            model=p.settings.spacy_model,
                            on_fold=lambda n, k: bar.update(task, completed=n, total=k, note=f"fold {n} of {k}"))
    out.print(evaluation_table(ev))
    sizes = ", ".join(str(len(f)) for f in ev.folds)
    out.print(f"{ev.n_sentences} sentences of {sum(len(f) for f in ev.folds)} interviews coded by {plain(coder)} "
              f"(interviewer turns left out); folds of {plain(sizes)} interviews, none in both training and test; "
              f"threshold {ev.threshold}, {ev.epochs} epochs, seed {ev.seed}; {ev.seconds:.1f} s.", highlight=False)
    out.print(f"A sentence counts as coded with a code when one of {plain(coder)}'s codings of it shares a character "
              "with it. P = precision (share of the predicted sentences that were coded), R = recall (share of "
              "the coded sentences predicted), F1 = their harmonic mean; pooled over the folds. Micro averages pool "
              "the codes' counts, macro averages are the codes' unweighted means (codes with too few examples "
              f"left out: each needs {learn.MIN_POSITIVES} coded sentences in {learn.MIN_INTERVIEWS} interviews).",
              highlight=False)
    if csv_path is not None:
        try:
            csv_path.write_text(evaluation_csv(ev), encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"cannot write {csv_path}: {exc.strerror or exc}") from exc
        out.print(f"wrote {plain(str(csv_path))}", highlight=False)


@suggest_app.command("run")
def suggest_run(
    ctx: typer.Context,
    to: Annotated[Optional[str], typer.Option("--to", help="The coder the suggestions are proposed to (default: you).")] = None,
    model_of: Annotated[Optional[str], typer.Option("--model", help="Whose model to use (default: the model of the coder proposed to).")] = None,
    code: Annotated[Optional[list[str]], typer.Option("--code", help="Only this code (repeat for more; default: every code the model learned).")] = None,
    interview: Annotated[Optional[list[str]], typer.Option("--interview", help="Only this interview (repeat for more; default: all).")] = None,
    threshold: ThresholdOpt = 0.5,
) -> None:
    """Propose the sentences the model scores at or above --threshold to the review queue
    ('fieldcode suggest review'): nothing is coded until the coder accepts. Spans already
    proposed, rejected or coded are not proposed again. A model proposes to another coder
    than the one it learned from only when --to names them.

    Example: fieldcode --coder ana suggest run
    Example: fieldcode --coder ana suggest run --code housing --interview leeds-lagging-01-resident
    """
    p = state(ctx).project()
    by = p.require_coder()
    recipient = to or by
    whose = model_of or recipient
    learn.check_recipient(whose, recipient, to_given=to is not None)
    trained = learn.load(p.root, whose)
    ids = [p.store.interview(i).id for i in interview] if interview else None
    rep = learn.propose(p.store, trained, to=recipient, by=by, threshold=threshold, interview_ids=ids, codes=code)
    for w in rep.warnings:
        err.print(f"[yellow]warning:[/] {plain(w)}")
    for key, (n, added, skipped) in rep.proposed.items():
        out.print(f"{plain(key)}: {len(added)} suggestion(s) proposed to {plain(recipient)} from {n} sentence(s) scoring "
                  f"{threshold} or more; {skipped} skipped (already proposed, accepted, rejected or coded)",
                  highlight=False)
    out.print(f"scored {rep.sentences} sentences with the model of {plain(whose)}'s codings "
              f"(trained {plain(str(trained.meta.get('trained_at')))}); review them with 'fieldcode --coder "
              f"{plain(recipient)} suggest review'", highlight=False)
