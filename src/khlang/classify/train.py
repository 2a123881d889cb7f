"""Training: checks that the labels can teach something, a held-out split for honest metrics,
then the final model fitted on every example.

Refused (``ValueError``, one line): fewer than two labels, a label with fewer than
``min_per_label`` examples, and labels that coincide with languages (every language has only
one label: the model would learn to tell languages apart, not good from bad).
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from typing import Any, Sequence

import numpy as np

from .model import RESERVED, Model, examples_hash, featurize

HELD_OUT = 0.2


def check_examples(examples: Sequence[dict[str, Any]], min_per_label: int) -> Counter:
    """Label counts, or a ``ValueError`` saying why these labels cannot train a useful model."""
    counts = Counter(e["label"] for e in examples)
    if len(counts) < 2:
        raise ValueError(f"need at least two labels to train a classifier, got {sorted(counts) or 'none'} "
                         f"({len(examples)} examples)")
    bad = [lab for lab in counts if lab in RESERVED]
    if bad:
        raise ValueError(f"label names {bad} are reserved (annotations.classify uses them); rename them")
    few = {lab: n for lab, n in counts.items() if n < min_per_label}
    if few:
        raise ValueError(f"too few examples per label (need {min_per_label} each): {dict(sorted(few.items()))}")
    per_lang: dict[str, set] = defaultdict(set)
    for e in examples:
        per_lang[e.get("lang") or "?"].add(e["label"])
    if all(len(labels) == 1 for labels in per_lang.values()):
        where = ", ".join(f"{lab} only in {lang}" for lang, labs in sorted(per_lang.items()) for lab in labs)
        raise ValueError(f"each language has only one label ({where}): the model would learn the language, "
                         "not the label; label both kinds of document in at least one language")
    return counts


def _held_out(text: str) -> bool:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < HELD_OUT


def _fit(x, y: list[str], labels: list[str], c: float) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    clf.fit(x, y)
    assert list(clf.classes_) == labels
    return clf.coef_, clf.intercept_


def metrics(truth: Sequence[str], pred: Sequence[str], labels: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-label F1 of predictions."""
    from sklearn.metrics import accuracy_score, f1_score

    f1 = f1_score(truth, pred, labels=labels, average=None, zero_division=0)
    return {"n": len(truth), "accuracy": round(float(accuracy_score(truth, pred)), 4),
            "macro_f1": round(float(np.mean(f1)), 4), "f1": {lab: round(float(v), 4) for lab, v in zip(labels, f1)}}


def train(examples: Sequence[dict[str, Any]], positive: Sequence[str] = (), min_per_label: int = 5,
          c: float = 4.0, words_of=None, source: str = "") -> Model:
    """Train on ``examples`` (dicts with ``text``, ``label``, optional ``lang``); ``positive``
    names the labels whose probability is the document's ``score`` (the "keep" side)."""
    from ..lang.segment import words as segment_words

    counts = check_examples(examples, min_per_label)
    unknown = [p for p in positive if p not in counts]
    if unknown:
        raise ValueError(f"positive label(s) {unknown} not among the labels {sorted(counts)}")
    started = time.perf_counter()
    words_of = words_of or (lambda e: segment_words(e["text"], e.get("lang")))
    labels = sorted(counts)
    texts = [e["text"] for e in examples]
    x = featurize(texts, [words_of(e) for e in examples])
    y = [e["label"] for e in examples]
    test = np.array([_held_out(t) for t in texts])
    held: dict[str, Any] = {"n": 0}
    if test.any() and len({y[i] for i in np.flatnonzero(~test)}) == len(labels):
        coef, intercept = _fit(x[~test], [y[i] for i in np.flatnonzero(~test)], labels, c)
        z = x[test] @ coef.T + intercept
        pred = [labels[int(i)] for i in (z[:, 0] > 0 if len(labels) == 2 else z.argmax(axis=1))]
        held = metrics([y[i] for i in np.flatnonzero(test)], pred, labels)
    coef, intercept = _fit(x, y, labels, c)
    langs = Counter(e.get("lang") or "?" for e in examples)
    meta = {"trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "examples": len(examples),
            "label_counts": dict(sorted(counts.items())), "languages": dict(sorted(langs.items())),
            "data_sha256": examples_hash(examples), "held_out": held, "source": source,
            "train_seconds": round(time.perf_counter() - started, 2), "C": c}
    return Model(labels, coef, intercept, list(positive), meta)
