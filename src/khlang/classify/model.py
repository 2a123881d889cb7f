"""The document classifier: a linear model over hashed word and character n-grams.

Words come from the language layer (:func:`khlang.lang.segment.words`), so Thai, Lao, Khmer and
Burmese get real word features instead of one "word" per line; character 2–4-grams catch what
the segmenter misses (spelling, symbols, mixed scripts). Hashing keeps the model a fixed size
with no vocabulary to store, so the file holds only the weights and what they were trained on.

The file is a NumPy ``.npz`` (no pickle: loading runs no code) with a JSON header: format
version, labels, the positive labels (whose probabilities add up to ``score``), languages,
the SHA-256 of the training examples, and held-out metrics.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

FORMAT = "khlang-classifier"
VERSION = 1
#: hashed feature space per family (words, characters): 2**18 each keeps a binary model at 2 MB
N_FEATURES = 2**18
RESERVED = ("label", "score")  # keys of annotations["classify"] besides the labels


def _vectorizers():
    from sklearn.feature_extraction.text import HashingVectorizer

    words = HashingVectorizer(n_features=N_FEATURES, analyzer=str.split, alternate_sign=False, norm="l2",
                              lowercase=False)
    chars = HashingVectorizer(n_features=N_FEATURES, analyzer="char_wb", ngram_range=(2, 4), alternate_sign=False,
                              norm="l2")
    return words, chars


def featurize(texts: Sequence[str], words: Sequence[Sequence[str]]):
    """Sparse features: word unigrams + bigrams (from ``words``) beside character 2–4-grams."""
    from scipy.sparse import hstack

    wv, cv = _vectorizers()
    grams = []
    for ws in words:
        low = [w.lower() for w in ws]
        grams.append(" ".join(low + [a + "\x1f" + b for a, b in zip(low, low[1:])]))
    return hstack([wv.transform(grams), cv.transform(texts)]).tocsr()


def examples_hash(examples: Sequence[dict[str, Any]]) -> str:
    """SHA-256 over the (text, label) pairs in a fixed order: the same labels give the same hash."""
    h = hashlib.sha256()
    for e in sorted(examples, key=lambda e: (e["text"], e["label"])):
        h.update(json.dumps([e["text"], e["label"]], ensure_ascii=False).encode())
    return h.hexdigest()


@dataclass
class Model:
    """Weights (one row per label, or one row for two labels) plus the header."""

    labels: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    positive: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def proba(self, texts: Sequence[str], words: Sequence[Sequence[str]]) -> np.ndarray:
        """(n, labels) probabilities, the way scikit-learn's LogisticRegression computes them."""
        z = featurize(texts, words) @ self.coef.T.astype(np.float64) + self.intercept
        if len(self.labels) == 2:
            p1 = 1 / (1 + np.exp(-z[:, 0]))
            return np.column_stack([1 - p1, p1])
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def score(self, probs: np.ndarray) -> np.ndarray:
        """P(positive): the summed probability of the positive labels (NaN without any)."""
        idx = [self.labels.index(p) for p in self.positive]
        return probs[:, idx].sum(axis=1) if idx else np.full(len(probs), np.nan)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        header = {"format": FORMAT, "version": VERSION, "labels": self.labels, "positive": self.positive,
                  "n_features": N_FEATURES, **self.meta}
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp, header=np.array(json.dumps(header, ensure_ascii=False)),
                            coef=self.coef.astype(np.float32), intercept=self.intercept.astype(np.float64))
        tmp.replace(path)
        return path


def load(path: str | Path) -> Model:
    """Read a model file; a file that is not one (or of a newer version) is a ``ValueError``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "No such file", str(path))
    try:
        with np.load(path, allow_pickle=False) as z:
            header = json.loads(str(z["header"]))
            coef, intercept = z["coef"], z["intercept"]
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(f"{path} is not a khlang classifier model ({exc})") from None
    if header.get("format") != FORMAT or header.get("version", 99) > VERSION or header.get("n_features") != N_FEATURES:
        raise ValueError(f"{path} is not a khlang classifier model of version ≤ {VERSION}")
    meta = {k: v for k, v in header.items() if k not in ("format", "version", "labels", "positive", "n_features")}
    return Model(header["labels"], coef, intercept, header["positive"], {"version": header["version"], **meta})
