"""A tiny naive-Bayes classifier for the Austronesian languages off-the-shelf detectors confuse:
Indonesian/Malay, Tagalog/Cebuano, Javanese/Sundanese.

Features are lower-cased words plus character trigrams of each word (with boundary marks), so
both the discriminative function words (id *tidak, sudah, bisa* vs ms *tidak, sudah, boleh,
kerana*; tl *ang, ng, mga, hindi* vs ceb *ang, sa, dili, nga, kaayo*) and spelling habits
(ms *-kan*/*-nya* the same but *kerana, wang, polis*; ceb *-on*, *mo-*) count. The model is
trained when first used, in a few milliseconds, from the tuning texts in ``data/tuning/<lang>.txt``
— sentences and word lists written for this project, kept apart from the evaluation set.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from importlib import resources

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def features(text: str) -> Counter:
    """Words (weight 3: a word is stronger evidence than one of its trigrams) and trigrams."""
    feats: Counter = Counter()
    for word in _WORD.findall(text.lower()):
        feats["w:" + word] += 3
        padded = f"<{word}>"
        for i in range(len(padded) - 2):
            feats[padded[i : i + 3]] += 1
    return feats


class NaiveBayes:
    """Multinomial naive Bayes with additive smoothing."""

    def __init__(self, alpha: float = 0.1) -> None:
        self.alpha = alpha
        self.counts: dict[str, Counter] = {}
        self.totals: dict[str, int] = {}
        self.vocab: set[str] = set()

    def fit(self, texts_by_lang: dict[str, str]) -> "NaiveBayes":
        for lang, text in texts_by_lang.items():
            self.counts[lang] = features(text)
            self.totals[lang] = sum(self.counts[lang].values())
            self.vocab.update(self.counts[lang])
        # log P(feature | lang) once per (lang, feature), so scoring is a dict lookup, not a log
        v = len(self.vocab)
        self.logp = {}
        self.unseen = {}
        for lang, counts in self.counts.items():
            denom = math.log(self.totals[lang] + self.alpha * v)
            self.logp[lang] = {f: math.log(c + self.alpha) - denom for f, c in counts.items()}
            self.unseen[lang] = math.log(self.alpha) - denom
        return self

    def coverage(self, text: str) -> float:
        """Share of the text's words seen in training: low for languages the model never saw."""
        ws = ["w:" + w for w in _WORD.findall(text.lower())]
        return sum(w in self.vocab for w in ws) / len(ws) if ws else 0.0

    def probs(self, text: str) -> dict[str, float]:
        """Posterior per language. Log-likelihoods are averaged per feature before the softmax,
        so confidence reflects how typical the text is rather than how long it is."""
        feats = {f: n for f, n in features(text).items() if f in self.vocab}
        n = sum(feats.values())
        if not n:
            return {lang: 1 / len(self.counts) for lang in self.counts}
        scores = {}
        for lang, logp in self.logp.items():
            unseen = self.unseen[lang]
            ll = sum(k * logp.get(f, unseen) for f, k in feats.items())
            scores[lang] = 8.0 * ll / n  # per-feature average, sharpened
        top = max(scores.values())
        exp = {lang: math.exp(s - top) for lang, s in scores.items()}
        z = sum(exp.values())
        return {lang: e / z for lang, e in exp.items()}


def load_default() -> NaiveBayes:
    """The model trained on the packaged tuning texts (one file per language)."""
    folder = resources.files("khlang.lang") / "data" / "tuning"
    texts = {
        p.name.removesuffix(".txt"): "\n".join(
            line for line in p.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
        )
        for p in folder.iterdir()
        if p.name.endswith(".txt")
    }
    if not texts:
        raise FileNotFoundError(f"no tuning texts in {folder}")
    return NaiveBayes().fit(texts)
