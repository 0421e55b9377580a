"""Suggestions learned from one coder's own codings, offline (issue 13 point 4).

* **Training set** (:func:`training_set`): one row per stored sentence of every interview the
  coder has coded (at least one coding of any code: an interview they have not opened says
  nothing about what they would code), leaving out the sentences that cover no analysed word
  (``fieldcode.analysis.ANALYSED_TEXT_RULE``, the rule the counts use: interviewer turns,
  labels and headers are not analysed).  A sentence's labels are the current, codable codes
  of which THAT coder has a coding sharing at least one character with it.  Other coders' codings play no part.
* **Model** (:func:`train`): spaCy ``textcat_multilabel`` on ``spacy.blank("en")`` (nothing is
  downloaded), a bag-of-words (word) linear classifier over lower-cased tokens,
  trained with a fixed seed and a fixed example order, so the same data gives the same model.
  Codes with fewer than ``MIN_POSITIVES`` coded sentences, or coded in fewer than
  ``MIN_INTERVIEWS`` interviews, are left out ("too few examples").
* **Saved** (:func:`save`) under the project folder, ``.fieldcode/models/<coder>/`` (a hidden
  folder: imports skip it, exports read the database only, and it holds a ``.gitignore`` so a
  project kept in git does not carry it away), with ``trained.json`` beside the pipeline: coder,
  codebook hash, codes and their examples, sentences, date, spaCy version, settings.
* **Evaluation** (:func:`evaluate`): grouped k-fold over interviews (no interview is in both the
  training and the test part of a fold), the model retrained on each training part; per-code
  precision, recall and F1 pooled over the folds, with micro and macro averages, beside the
  keyword baseline on the same sentences (a sentence is predicted when ``fieldcode suggest
  keywords`` would propose it at sentence unit: ``fieldcode.find.suggest.keyword_rows``).
* **Proposals** (:func:`propose`): sentences scoring at least the threshold go to the review
  queue (``fieldcode.store.search.add_suggestions``: spans already proposed, rejected or inside
  the coder's coding are skipped), origin ``kind: model``.  Nothing here writes a coding.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

from fieldcode.errors import Conflict, InvalidInput, NotFound

SEED = 0
EPOCHS = 10
THRESHOLD = 0.5
FOLDS = 5
DROPOUT = 0.2
LEARN_RATE = 0.03   # Adam; the default 0.001 barely moves a sparse linear model in 10 epochs
BATCH = 64
MIN_POSITIVES = 5
MIN_INTERVIEWS = 2
MODELS = Path(".fieldcode") / "models"
META = "trained.json"
PIPELINE = "pipeline"
ARCHITECTURE = {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False, "ngram_size": 1,
                "no_output_layer": False, "length": 2 ** 14}


@dataclass(frozen=True)
class Sentence:
    interview_id: int
    start: int
    end: int
    text: str


@dataclass
class TrainingSet:
    """One coder's sentences and, per sentence, the codes (keys) they coded on it."""
    coder: str
    codes: list[str]                       # current codable codes, codebook order
    code_ids: dict[str, int]
    sentences: list[Sentence]
    labels: list[frozenset[str]]
    interviews: dict[int, str]             # id -> name of the interviews used

    def positives(self, key: str, rows: Sequence[int] | None = None) -> int:
        idx = range(len(self.sentences)) if rows is None else rows
        return sum(1 for i in idx if key in self.labels[i])

    def interviews_with(self, key: str) -> int:
        return len({s.interview_id for s, lab in zip(self.sentences, self.labels) if key in lab})

    def learnable(self) -> list[str]:
        """The codes with enough examples to learn and to score."""
        return [k for k in self.codes
                if self.positives(k) >= MIN_POSITIVES and self.interviews_with(k) >= MIN_INTERVIEWS]


def candidate_sentences(store, interview_ids: Sequence[int]) -> list[Sentence]:  # noqa: ANN001
    """The stored sentences of these interviews that the analysis counts (those covering at least
    one analysed word), in interview id and text order."""
    import numpy as np

    from fieldcode.analysis import AnalysedWords
    from fieldcode.store import q_sentence_arrays, q_texts, q_turn_spans

    ids = sorted(interview_ids)
    if not ids:
        return []
    sents = q_sentence_arrays(store, ids)
    turns = q_turn_spans(store, ids)
    texts = q_texts(store, ids)
    index = AnalysedWords([texts[iid] for iid in ids], [turns.get(iid, []) for iid in ids], False)
    out = []
    for pos, iid in enumerate(ids):
        text = texts[iid]
        starts, ends = (np.asarray(x, dtype=np.int64) for x in sents.get(iid, ((), ())))
        if not len(starts):
            continue
        keep = index.covered(np.full(len(starts), pos, dtype=np.int64), starts, ends) > 0
        out.extend(Sentence(iid, int(a), int(b), text[int(a):int(b)])
                   for a, b, k in zip(starts.tolist(), ends.tolist(), keep.tolist()) if k)
    return out


def current_codes(store) -> list:  # noqa: ANN001
    """Codes a model may learn and propose: current (not retired) and codable, codebook order."""
    return [c for c in store.codes() if c.retired_at is None and c.codable]


def training_set(store, coder: str, *, interview_ids: Sequence[int] | None = None) -> TrainingSet:  # noqa: ANN001
    """``coder``'s training set (see the module docstring); ``interview_ids`` narrows it."""
    from fieldcode.store import q_coders_by_interview, q_coding_arrays_by_coder, q_interview_rows

    codes = current_codes(store)
    by_id = {c.id: c.key for c in codes}
    coded = sorted(iid for iid, who in q_coders_by_interview(store).items() if coder in who)
    if interview_ids is not None:
        coded = [i for i in coded if i in set(interview_ids)]
    if not coded:
        raise NotFound(f"{coder} has no codings to learn from: code some interviews first "
                       "('fieldcode code INTERVIEW'), or name another coder")
    names = {iid: v[0] for iid, v in q_interview_rows(store).items()}
    arrays = q_coding_arrays_by_coder(store, interview_ids=coded, code_ids=list(by_id), coders=[coder])
    sentences = candidate_sentences(store, coded)
    labels = []
    for s in sentences:
        cids, starts, ends = arrays.get((s.interview_id, coder), ((), (), ()))
        labels.append(frozenset(by_id[int(c)] for c, a, b in zip(cids, starts, ends)
                                if a < s.end and b > s.start and int(c) in by_id))
    return TrainingSet(coder, [c.key for c in codes], {c.key: c.id for c in codes}, sentences, labels,
                       {i: names[i] for i in coded})


# -- the model --------------------------------------------------------------------------------

def prepare(text: str) -> str:
    """What the classifier reads: the sentence lower-cased, its whitespace runs made one space
    (the bag-of-words features are exact token strings)."""
    return " ".join(text.split()).lower()


def train(ts: TrainingSet, rows: Sequence[int] | None = None, *, codes: Sequence[str] | None = None,  # noqa: ANN201
          epochs: int = EPOCHS, seed: int = SEED, on_epoch: Callable[[int, int, float], None] | None = None):
    """A spaCy pipeline (blank English + ``textcat_multilabel``) trained on the sentences
    ``rows`` of ``ts`` (all by default) for the labels ``codes`` (default: ``ts.learnable()``).
    Deterministic for a given seed.  ``on_epoch(epoch, epochs, loss)`` after each epoch."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    labels = list(ts.learnable() if codes is None else codes)
    if not labels:
        raise InvalidInput(f"none of {ts.coder}'s codes has enough examples to learn from (each needs "
                           f"{MIN_POSITIVES} coded sentences in {MIN_INTERVIEWS} interviews or more)")
    fix_random_seed(seed)
    nlp = spacy.blank("en")
    tc = nlp.add_pipe("textcat_multilabel", config={"model": ARCHITECTURE, "threshold": THRESHOLD})
    for k in labels:
        tc.add_label(k)
    idx = list(range(len(ts.sentences)) if rows is None else rows)
    examples = [Example.from_dict(nlp.make_doc(prepare(ts.sentences[i].text)),
                                  {"cats": {k: float(k in ts.labels[i]) for k in labels}}) for i in idx]
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = LEARN_RATE
    rng = random.Random(seed)
    for epoch in range(1, epochs + 1):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=BATCH):
            nlp.update(batch, drop=DROPOUT, sgd=optimizer, losses=losses)
        if on_epoch is not None:
            on_epoch(epoch, epochs, losses.get("textcat_multilabel", 0.0))
    return nlp


def scores(nlp, sentences: Sequence[Sentence]) -> list[dict[str, float]]:  # noqa: ANN001
    """code key -> score in [0, 1] for each sentence."""
    return [dict(d.cats) for d in nlp.pipe((prepare(s.text) for s in sentences), batch_size=256)]


# -- saving and loading -----------------------------------------------------------------------

def model_dir(root: Path, coder: str) -> Path:
    """Where ``coder``'s model lives in the project folder: ``.fieldcode/models/<coder>``, the
    name made safe for a file system (with a short hash when it had to change)."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", coder)[:40]
    if safe != coder or not coder:
        safe = f"{safe}-{sha256(coder.encode('utf-8')).hexdigest()[:8]}"
    return Path(root) / MODELS / safe


@dataclass(frozen=True)
class Trained:
    """A trained model as saved: the pipeline and what it was trained on."""
    nlp: object
    meta: dict
    path: Path


def describe_training(ts: TrainingSet, codes: Sequence[str], *, codebook_hash: str | None, epochs: int,
                      seed: int) -> dict:
    """The ``trained.json`` record of a model trained on ``ts`` for ``codes``."""
    import spacy

    from fieldcode import __version__
    from fieldcode.store.models import utcnow

    return {
        "coder": ts.coder, "codebook_hash": codebook_hash,
        "trained_at": utcnow().isoformat(timespec="seconds"),
        "codes": {k: {"sentences": ts.positives(k), "interviews": ts.interviews_with(k)} for k in codes},
        "too_few_examples": {k: {"sentences": ts.positives(k), "interviews": ts.interviews_with(k)}
                             for k in ts.codes if k not in codes},
        "sentences": len(ts.sentences), "interviews": sorted(ts.interviews.values()),
        "unit": "sentence", "threshold": THRESHOLD, "epochs": epochs, "seed": seed,
        "architecture": ARCHITECTURE, "learn_rate": LEARN_RATE, "batch": BATCH, "dropout": DROPOUT,
        "spacy": spacy.__version__, "fieldcode": __version__,
        "rule": ("a sentence is labelled with a code when one of the coder's codings of that code "
                 "shares a character with it; sentences wholly inside interviewer turns and speaker "
                 "labels, and interviews the coder has not coded, are left out"),
    }


def save(nlp, meta: dict, root: Path) -> Path:  # noqa: ANN001
    """Write the model and its ``trained.json`` to :func:`model_dir`, replacing an older one
    only once the new one is complete."""
    target = model_dir(root, meta["coder"])
    base = target.parent
    base.mkdir(parents=True, exist_ok=True)
    ignore = base.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# fieldcode's own files (models trained on your codings): keep them on this machine\n*\n",
                          encoding="utf-8")
    tmp = base / f".{target.name}.new"
    old = base / f".{target.name}.old"
    for d in (tmp, old):
        if d.exists():
            shutil.rmtree(d)
    tmp.mkdir()
    nlp.to_disk(tmp / PIPELINE)
    (tmp / META).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    if old.exists():
        shutil.rmtree(old)
    return target


def load(root: Path, coder: str) -> Trained:
    """``coder``'s saved model, or NotFound saying how to train one."""
    import spacy

    path = model_dir(root, coder)
    if not (path / META).is_file() or not (path / PIPELINE).is_dir():
        raise NotFound(f"no model trained on {coder}'s codings in {path}: run "
                       f"'fieldcode --coder {coder} suggest train' first")
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
        nlp = spacy.load(path / PIPELINE)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"the model in {path} cannot be read ({exc}): train it again "
                           f"('fieldcode --coder {coder} suggest train')") from exc
    if meta.get("coder") != coder:
        raise Conflict(f"the model in {path} was trained on {meta.get('coder')!r}'s codings, not {coder}'s: "
                       f"train it again ('fieldcode --coder {coder} suggest train')")
    return Trained(nlp, meta, path)


def train_and_save(store, root: Path, coder: str, *, epochs: int = EPOCHS, seed: int = SEED,  # noqa: ANN001
                   on_epoch: Callable[[int, int, float], None] | None = None) -> tuple[Trained, TrainingSet]:
    """Train a model on ``coder``'s codings and save it in the project folder."""
    ts = training_set(store, coder)
    codes = ts.learnable()
    nlp = train(ts, codes=codes, epochs=epochs, seed=seed, on_epoch=on_epoch)
    meta = describe_training(ts, codes, codebook_hash=store.recorded_codebook_hash(), epochs=epochs, seed=seed)
    return Trained(nlp, meta, save(nlp, meta, root)), ts


# -- evaluation -------------------------------------------------------------------------------

def grouped_folds(ts: TrainingSet, k: int = FOLDS, seed: int = SEED) -> list[list[int]]:
    """Sentence row numbers of each test part: the interviews shuffled with ``seed`` and dealt
    round-robin into ``k`` folds (at most one per interview), so an interview's sentences are all
    in the same fold."""
    ivs = sorted(ts.interviews)
    if len(ivs) < 2:
        raise InvalidInput(f"cross-validation over interviews needs two or more interviews coded by {ts.coder}; "
                           f"there is {len(ivs)}")
    k = max(2, min(k, len(ivs)))
    random.Random(seed).shuffle(ivs)
    fold_of = {iid: n % k for n, iid in enumerate(ivs)}
    out: list[list[int]] = [[] for _ in range(k)]
    for i, s in enumerate(ts.sentences):
        out[fold_of[s.interview_id]].append(i)
    return out


@dataclass(frozen=True)
class Counts:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 0 when nothing was predicted (as scikit-learn's zero_division=0)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def confusion(truth: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]],
              codes: Sequence[str]) -> dict[str, Counts]:
    """Per code: true positives, false positives and false negatives over paired label sets."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predictions differ in length")
    out = {}
    for k in codes:
        tp = sum(1 for t, p in zip(truth, predicted) if k in t and k in p)
        fp = sum(1 for t, p in zip(truth, predicted) if k not in t and k in p)
        fn = sum(1 for t, p in zip(truth, predicted) if k in t and k not in p)
        out[k] = Counts(tp, fp, fn)
    return out


def micro(counts: Sequence[Counts]) -> Counts:
    return Counts(sum(c.tp for c in counts), sum(c.fp for c in counts), sum(c.fn for c in counts))


def macro(counts: Sequence[Counts]) -> tuple[float, float, float]:
    """Unweighted means of per-code precision, recall and F1."""
    n = len(counts)
    if not n:
        return 0.0, 0.0, 0.0
    return (sum(c.precision for c in counts) / n, sum(c.recall for c in counts) / n, sum(c.f1 for c in counts) / n)


def keyword_predictions(store, ts: TrainingSet, *, model: str | None = None) -> list[frozenset[str]]:  # noqa: ANN001
    """Per sentence of ``ts``: the codes ``fieldcode suggest keywords --unit sentence`` would
    propose on it (a proposed span that shares a character with the sentence)."""
    from fieldcode.find.suggest import keyword_rows

    by_iv: dict[int, list[int]] = {}
    for i, s in enumerate(ts.sentences):
        by_iv.setdefault(s.interview_id, []).append(i)
    starts = {iid: [ts.sentences[i].start for i in rows] for iid, rows in by_iv.items()}
    hits: list[set[str]] = [set() for _ in ts.sentences]
    for c in current_codes(store):
        if c.key not in ts.codes:
            continue
        _n, rows = keyword_rows(store, c, to=ts.coder, by=ts.coder, at="", unit="sentence", model=model)
        for r in rows:
            rows_iv = by_iv.get(r["interview_id"])
            if not rows_iv:
                continue
            j = max(0, bisect_right(starts[r["interview_id"]], r["start"]) - 1)
            while j < len(rows_iv) and ts.sentences[rows_iv[j]].start < r["end"]:
                s = ts.sentences[rows_iv[j]]
                if s.end > r["start"]:
                    hits[rows_iv[j]].add(c.key)
                j += 1
    return [frozenset(h) for h in hits]


@dataclass(frozen=True)
class CodeResult:
    code: str
    sentences: int            # coded sentences (positives)
    interviews: int           # interviews with a coded sentence
    model: Counts | None      # None: too few examples
    keywords: Counts | None   # None: too few examples
    has_keywords: bool


@dataclass
class Evaluation:
    coder: str
    folds: list[list[str]]    # interview names of each test part
    n_sentences: int
    threshold: float
    epochs: int
    seed: int
    results: list[CodeResult]
    seconds: float = 0.0
    scored: list[str] = field(default_factory=list)

    def averages(self, which: str) -> tuple[Counts, tuple[float, float, float]]:
        """(micro counts, macro P/R/F1) over the scored codes, for ``model`` or ``keywords``."""
        cs = [getattr(r, which) for r in self.results if getattr(r, which) is not None]
        return micro(cs), macro(cs)


def evaluate(store, coder: str, *, k: int = FOLDS, threshold: float = THRESHOLD, epochs: int = EPOCHS,  # noqa: ANN001
             seed: int = SEED, model: str | None = None,
             on_fold: Callable[[int, int], None] | None = None) -> Evaluation:
    """Cross-validate a model of ``coder``'s codings over interviews, beside the keyword
    baseline on the same folds (see the module docstring).  ``model``: the spaCy pipeline the
    keyword search uses (the project's ``spacy_model``)."""
    if not 0.0 < threshold < 1.0:
        raise InvalidInput(f"--threshold must be between 0 and 1 (exclusive), not {threshold}")
    t0 = time.perf_counter()
    ts = training_set(store, coder)
    codes = ts.learnable()
    folds = grouped_folds(ts, k, seed)
    predicted: list[frozenset[str]] = [frozenset()] * len(ts.sentences)
    if codes:
        for n, test in enumerate(folds, start=1):
            held = set(test)
            nlp = train(ts, [i for i in range(len(ts.sentences)) if i not in held], codes=codes,
                        epochs=epochs, seed=seed)
            for i, sc in zip(test, scores(nlp, [ts.sentences[i] for i in test])):
                predicted[i] = frozenset(c for c, v in sc.items() if v >= threshold)
            if on_fold is not None:
                on_fold(n, len(folds))
    base = keyword_predictions(store, ts, model=model)
    m = confusion(ts.labels, predicted, codes)
    b = confusion(ts.labels, base, codes)
    kw = {c.key: bool(json.loads(c.keywords or "[]")) for c in current_codes(store)}
    results = [CodeResult(key, ts.positives(key), ts.interviews_with(key), m.get(key), b.get(key), kw.get(key, False))
               for key in ts.codes]
    names = [sorted({ts.interviews[ts.sentences[i].interview_id] for i in f}) for f in folds]
    return Evaluation(coder, names, len(ts.sentences), threshold, epochs, seed, results,
                      time.perf_counter() - t0, codes)


# -- proposing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunReport:
    proposed: dict[str, tuple[int, list[int], int]]   # code -> (sentences at/over threshold, added ids, skipped)
    warnings: list[str]
    sentences: int


def check_recipient(model_coder: str, to: str, *, to_given: bool) -> None:
    """A model trained on one coder's codings proposes to another coder only when asked by name."""
    if model_coder != to and not to_given:
        raise Conflict(f"the model was trained on {model_coder}'s codings; to propose its suggestions to {to}, "
                       f"say so with --to {to}")


def propose(store, trained: Trained, *, to: str, by: str, threshold: float = THRESHOLD,  # noqa: ANN001
            interview_ids: Sequence[int] | None = None, codes: Sequence[str] | None = None) -> RunReport:
    """Score every counted sentence (of ``interview_ids``, default all interviews) and propose
    to ``to`` a sentence-unit coding of each model code scoring at least ``threshold``."""
    from fieldcode.store import search as store_search
    from fieldcode.store.models import utcnow

    if not 0.0 < threshold < 1.0:
        raise InvalidInput(f"--threshold must be between 0 and 1 (exclusive), not {threshold}")
    meta = trained.meta
    warnings = []
    if meta.get("codebook_hash") != store.recorded_codebook_hash():
        warnings.append(f"the model was trained on an older codebook ({meta.get('trained_at')}): codes changed "
                        f"since may be proposed by their old meaning; 'fieldcode --coder {meta.get('coder')} "
                        "suggest train' retrains it")
    current = {c.key: c for c in current_codes(store)}
    wanted = list(meta.get("codes", {}))
    if codes:
        unknown = [k for k in codes if k not in wanted]
        if unknown:
            raise InvalidInput(f"the model has no code {', '.join(unknown)} (it learned: {', '.join(wanted) or 'none'})")
        wanted = [k for k in wanted if k in codes]
    gone = [k for k in wanted if k not in current]
    if gone:
        warnings.append(f"not proposed: {', '.join(gone)} (retired or not codable in codebook.yaml now)")
    wanted = [k for k in wanted if k in current]
    ids = list(interview_ids) if interview_ids is not None else store.interview_ids()
    sentences = candidate_sentences(store, ids)
    at = utcnow().isoformat(timespec="seconds")
    rows: dict[str, list[dict]] = {k: [] for k in wanted}
    for s, sc in zip(sentences, scores(trained.nlp, sentences)):
        for k in wanted:
            v = sc.get(k, 0.0)
            if v >= threshold:
                rows[k].append({"interview_id": s.interview_id, "code_id": current[k].id, "coder": to,
                                "start": s.start, "end": s.end,
                                "origin": {"kind": "model", "code": k, "unit": "sentence", "score": round(v, 3),
                                           "threshold": threshold, "model_coder": meta.get("coder"),
                                           "trained_at": meta.get("trained_at"), "at": at, "by": by}})
    out = {}
    for k, rs in rows.items():
        added, skipped = store_search.add_suggestions(store, rs)
        out[k] = (len(rs), added, skipped)
    return RunReport(out, warnings, len(sentences))
