"""``khlang tune``: labelled documents set the quality thresholds, per language.

For every labelled document we compute the quality signals (and, with a model, the classifier's
score) the way the pipeline does. Per language we then measure each rule as a drop detector
(precision: dropped documents that were labelled bad; recall: bad documents it drops), and the
whole filter as a keep decision (keep-precision: kept documents labelled good; keep-recall: good
documents kept). The proposal starts from the current table and moves one threshold at a time
(coordinate ascent, two sweeps) to the value that best meets the target — the highest keep-F1, or
the highest keep-recall with keep-precision at least P. A threshold changes only when that is
strictly better, and then to the middle of the best range, so a few labels do not pin it to one
document's value. Languages with too few labels of either kind keep the current values.

Output: a thresholds file (YAML, only the changed values) that the quality stage reads as is,
and a JSON report (PR curves, before/after keep rates) that ``khlang report`` shows.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..quality import thresholds as T
from ..quality.signals import doc_lang, quality_signals

MIN_PER_SIDE = 3  # labelled documents of each kind a language needs before its thresholds move


def parse_target(target: str) -> tuple[str, float]:
    """``f1`` or ``precision:0.95`` (keep-precision at least 0.95, then the most recall)."""
    if target == "f1":
        return "f1", 0.0
    kind, _, value = target.partition(":")
    try:
        p = float(value)
    except ValueError:
        p = -1.0
    if kind != "precision" or not 0 < p <= 1:
        raise ValueError(f"target must be f1 or precision:P with 0 < P <= 1, got {target!r}")
    return "precision", p


def signals_of(examples: Sequence[dict[str, Any]], model=None) -> list[dict[str, Any]]:
    """Quality signals of each example (plus ``classify_score`` when a model is given)."""
    from ..lang.segment import words

    out = []
    for e in examples:
        lang = doc_lang(e["text"], e.get("lang"))
        ws = words(e["text"], lang)
        sig = quality_signals(e["text"], lang, ws)
        if model is not None and model.positive:
            sig["classify_score"] = float(model.score(model.proba([e["text"]], [ws]))[0])
        out.append(sig)
    return out


def _fails(values: np.ndarray, kind: str, threshold: float | None) -> np.ndarray:
    if threshold is None:
        return np.zeros(len(values), bool)
    with np.errstate(invalid="ignore"):
        return (values < threshold) if kind == "min" else (values > threshold)


def _pr(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """precision, recall of boolean predictions (NaN precision when nothing is predicted)."""
    tp = int((pred & truth).sum())
    return (tp / pred.sum() if pred.sum() else math.nan), (tp / truth.sum() if truth.sum() else math.nan)


def _objective(keep: np.ndarray, good: np.ndarray, target: tuple[str, float]) -> tuple:
    p, r = _pr(keep, good)
    p, r = (0.0 if math.isnan(p) else p), (0.0 if math.isnan(r) else r)
    if target[0] == "f1":
        return (2 * p * r / (p + r) if p + r else 0.0,)
    return (1, r, p) if p >= target[1] else (0, p, r)


def _keep_stats(keep: np.ndarray, good: np.ndarray) -> dict[str, float]:
    p, r = _pr(keep, good)
    f1 = 2 * p * r / (p + r) if p + r and not math.isnan(p + r) else 0.0
    return {"keep_rate": _r(keep.mean()), "keep_precision": _r(p), "keep_recall": _r(r), "keep_f1": _r(f1),
            "agreement": _r((keep == good).mean())}


def _r(x: float) -> float | None:
    return None if x is None or math.isnan(x) else round(float(x), 4)


def _candidates(values: np.ndarray, current: float | None) -> list[float | None]:
    v = np.unique(values[~np.isnan(values)])
    mids = list((v[1:] + v[:-1]) / 2) if len(v) > 1 else []
    ends = [float(v[0]), float(v[-1])] if len(v) else []  # a threshold at an observed extreme passes it
    return [current, None, *ends, *(float(x) for x in mids)]


def tune_language(sigs: list[dict[str, Any]], good: np.ndarray, applied: dict[str, Any],
                  target: tuple[str, float], with_classifier: bool) -> dict[str, Any]:
    """Current and proposed thresholds for one language's labelled documents."""
    rules = {r: k for r, (_, k) in T.RULES.items() if r in applied and (with_classifier or r != "min_classify_score")}
    values = {r: np.array([np.nan if s.get(T.RULES[r][0]) is None else float(s[T.RULES[r][0]]) for s in sigs])
              for r in rules}
    current = {r: applied.get(r) for r in rules}
    fails = {r: _fails(values[r], rules[r], current[r]) for r in rules}
    per_rule = {}
    for r in rules:
        if current[r] is None:
            continue
        p, rec = _pr(fails[r], ~good)
        per_rule[r] = {"threshold": current[r], "drops": int(fails[r].sum()), "precision": _r(p), "recall": _r(rec)}
    before = _keep_stats(~np.any(list(fails.values()), axis=0) if fails else np.ones(len(good), bool), good)
    proposed = dict(current)
    if min(good.sum(), (~good).sum()) >= MIN_PER_SIDE:
        for _ in range(2):
            for r in rules:
                others = np.any([fails[o] for o in rules if o != r], axis=0) if len(rules) > 1 else np.zeros(len(good), bool)
                scored = [(_objective(~(others | _fails(values[r], rules[r], t)), good, target), t)
                          for t in _candidates(values[r], proposed[r])]
                best = max(s for s, _ in scored)
                if _objective(~(others | fails[r]), good, target) >= best:
                    continue
                ties = [t for s, t in scored if s == best]
                numeric = sorted(t for t in ties if t is not None)
                choice = None if None in ties and not numeric else numeric[len(numeric) // 2]
                proposed[r] = None if choice is None else round(float(choice), 4)
                fails[r] = _fails(values[r], rules[r], proposed[r])
    keep = ~np.any(list(fails.values()), axis=0) if fails else np.ones(len(good), bool)
    changed = {r: v for r, v in proposed.items() if v != current[r]}
    curve = _pr_curve(values.get("min_classify_score"), good) if "min_classify_score" in values else []
    return {"n": int(len(good)), "good": int(good.sum()), "bad": int((~good).sum()), "rules": per_rule,
            "changed": changed, "before": before, "after": _keep_stats(keep, good), "classifier_pr": curve,
            "tuned": bool(min(good.sum(), (~good).sum()) >= MIN_PER_SIDE)}


def _pr_curve(scores: np.ndarray | None, good: np.ndarray) -> list[dict[str, float]]:
    """Keep-precision and keep-recall of "keep when score ≥ t" for t = 0.05 … 0.95."""
    if scores is None or np.isnan(scores).all():
        return []
    out = []
    for t in np.arange(0.05, 1.0, 0.05):
        p, r = _pr(scores >= t, good)
        out.append({"threshold": round(float(t), 2), "precision": _r(p), "recall": _r(r)})
    return out


def kept(sigs: Sequence[dict[str, Any]], overrides: dict[str, dict[str, Any]] | None = None) -> list[bool]:
    """Whether the quality stage with ``overrides`` keeps each document of these signals."""
    table = T.merge(overrides)
    rules = {}
    out = []
    for s in sigs:
        if s["lang"] not in rules:
            rules[s["lang"]] = T.rules_for(table, s["lang"])[0]
        out.append(not T.check(s, rules[s["lang"]]))
    return out


def tune(examples: Sequence[dict[str, Any]], positive: Sequence[str], model=None, target: str = "f1",
         base: dict[str, dict[str, Any]] | None = None, sigs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Per-language rule PR, proposed thresholds and before/after keep stats for labelled ``examples``
    (``sigs``: their signals when already computed, see :func:`signals_of`)."""
    goal = parse_target(target)
    if not positive:
        raise ValueError("say which labels mean 'keep' (--positive good)")
    labels = {e["label"] for e in examples}
    missing = [p for p in positive if p not in labels]
    if missing or len(labels) < 2:
        raise ValueError(f"labels {sorted(labels)} must include the positive label(s) {list(positive)} and another one")
    table = T.merge(base)
    sigs = sigs if sigs is not None else signals_of(examples, model)
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sigs):
        by_lang[s["lang"]].append(i)
    langs = {}
    for lang, idx in sorted(by_lang.items()):
        applied, _ = T.rules_for(table, lang)
        good = np.array([examples[i]["label"] in positive for i in idx])
        langs[lang] = tune_language([sigs[i] for i in idx], good, applied, goal, model is not None)
    overrides = {lang: dict(r["changed"]) for lang, r in langs.items() if r["changed"]}
    for lang, rules in overrides.items():  # keep the base's own overrides for that language
        overrides[lang] = {**(base or {}).get(lang, {}), **rules}
    overrides = {**{k: v for k, v in (base or {}).items() if k not in overrides}, **overrides}
    return {"target": target, "positive": list(positive), "examples": len(examples),
            "model": (model.meta.get("data_sha256") if model is not None else None),
            "languages": langs, "thresholds": overrides}


def write(result: dict[str, Any], thresholds_path: str | Path) -> tuple[Path, Path]:
    """The thresholds file (YAML the quality stage reads) and the JSON report beside it."""
    import yaml

    path = Path(thresholds_path)
    head = (f"# written by khlang tune (target {result['target']}, {result['examples']} labelled documents, "
            f"keep = {', '.join(result['positive'])}); use as: - quality: {{thresholds: {path.name}}}\n")
    path.write_text(head + yaml.safe_dump(result["thresholds"], allow_unicode=True, sort_keys=True), encoding="utf-8")
    report = path.with_suffix(".report.json")
    report.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return path, report
