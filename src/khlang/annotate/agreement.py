"""Inter-annotator agreement: Cohen's kappa, Fleiss' kappa, Krippendorff's alpha (nominal and
interval) and span F1. Plain functions over ``units``: a list with, per unit (document), a dict
``{annotator: value}`` (missing annotators simply absent)."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from typing import Any, Hashable

Units = list[dict[Hashable, Any]]


def cohen_kappa(a: list, b: list) -> float | None:
    """Cohen's kappa of two raters over the same items (nominal). None when undefined (no items,
    or both raters always gave the same single value)."""
    if len(a) != len(b) or not a:
        return None
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected == 1:  # no variation at all: chance explains everything, kappa is undefined
        return None
    return (observed - expected) / (1 - expected)


def pairwise_cohen(units: Units) -> dict[str, float | None]:
    """Cohen's kappa for each pair of annotators over the units both answered ("a|b" → kappa)."""
    raters = sorted({r for u in units for r in u}, key=str)
    out = {}
    for r1, r2 in combinations(raters, 2):
        both = [(u[r1], u[r2]) for u in units if r1 in u and r2 in u]
        if both:
            out[f"{r1}|{r2}"] = cohen_kappa([x for x, _ in both], [y for _, y in both])
    return out


def fleiss_kappa(units: Units) -> float | None:
    """Fleiss' kappa over units with ≥2 ratings (a unit's number of raters may vary: each unit's
    agreement is computed over its own raters, category shares over all ratings)."""
    counts = [Counter(u.values()) for u in units if len(u) >= 2]
    if not counts:
        return None
    totals: Counter = Counter()
    p_units = []
    for c in counts:
        n = sum(c.values())
        totals.update(c)
        p_units.append(sum(k * (k - 1) for k in c.values()) / (n * (n - 1)))
    all_ratings = sum(totals.values())
    p_bar = sum(p_units) / len(p_units)
    p_e = sum((v / all_ratings) ** 2 for v in totals.values())
    if p_e == 1:
        return None
    return (p_bar - p_e) / (1 - p_e)


def krippendorff_alpha(units: Units, level: str = "nominal") -> float | None:
    """Krippendorff's alpha via the coincidence matrix; ``level`` nominal or interval. Units with
    fewer than two values are not pairable and are ignored."""
    if level not in ("nominal", "interval"):
        raise ValueError("level must be nominal or interval")
    coincidence: dict[tuple, float] = defaultdict(float)
    for u in units:
        values = list(u.values())
        m = len(values)
        if m < 2:
            continue
        for i, j in ((i, j) for i in range(m) for j in range(m) if i != j):
            coincidence[(values[i], values[j])] += 1 / (m - 1)
    if not coincidence:
        return None
    n_c: dict[Any, float] = defaultdict(float)
    for (c, _k), v in coincidence.items():
        n_c[c] += v
    n = sum(n_c.values())

    def delta(c, k) -> float:
        if level == "nominal":
            return 0.0 if c == k else 1.0
        return (float(c) - float(k)) ** 2

    d_o = sum(v * delta(c, k) for (c, k), v in coincidence.items()) / n
    d_e = sum(n_c[c] * n_c[k] * delta(c, k) for c in n_c for k in n_c) / (n * (n - 1))
    if d_e == 0:  # one value only: alpha is undefined
        return None
    return 1 - d_o / d_e


def span_f1(a: list[tuple], b: list[tuple]) -> float | None:
    """F1 of two annotators' span sets (exact start, end and label); symmetric. None if both empty."""
    sa, sb = set(map(tuple, a)), set(map(tuple, b))
    if not sa and not sb:
        return None
    return 2 * len(sa & sb) / (len(sa) + len(sb))


def _overlapping(s: tuple, others: set[tuple]) -> bool:
    return any(o[2] == s[2] and o[0] < s[1] and s[0] < o[1] for o in others)


def pairwise_span_f1(units: Units, label: str | None = None, overlap: bool = False) -> dict[str, float | None]:
    """Micro span F1 per annotator pair over the documents both answered (spans of ``label`` only
    when given). Values are lists of (start, end, label). Exact: same start, end and label. With
    ``overlap`` (partial match): a span counts as found when the other annotator has a span of the
    same label that shares at least one code point — (found in 1 + found in 2) / (spans 1 + spans 2),
    which equals exact F1 when every match is exact."""
    raters = sorted({r for u in units for r in u}, key=str)
    out = {}
    for r1, r2 in combinations(raters, 2):
        found = size = 0
        for u in units:
            if r1 in u and r2 in u:
                s1 = {tuple(s) for s in u[r1] if label is None or s[2] == label}
                s2 = {tuple(s) for s in u[r2] if label is None or s[2] == label}
                if overlap:
                    found += sum(_overlapping(s, s2) for s in s1) + sum(_overlapping(s, s1) for s in s2)
                else:
                    found += 2 * len(s1 & s2)
                size += len(s1) + len(s2)
        if size:
            out[f"{r1}|{r2}"] = found / size
    return out


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


MIN_UNITS = 2  # documents with ≥2 answers below which no coefficient is reported
FEW_UNITS = 30  # … below which the figures come with a warning


def project_agreement(answers: list[tuple[int, str, dict]], schema: dict[str, Any]) -> dict[str, Any]:
    """All agreement figures of a project from ``(document_id, annotator, answer)`` triples of
    finished answers, per question and per label."""
    by_doc: dict[int, dict[str, dict]] = defaultdict(dict)
    for doc_id, user, answer in answers:
        by_doc[doc_id][user] = answer
    docs = list(by_doc.values())
    n = sum(len(d) >= 2 for d in docs)
    out: dict[str, Any] = {"documents": len(docs), "multiply_annotated": n, "warnings": []}
    spans_docs = docs
    if n < MIN_UNITS:
        # chance-corrected κ and α from one or two documents are artefacts of the formula (one
        # disagreement gives Fleiss' κ = −1), not a measurement: none rather than a misleading number
        out["warnings"].append(f"κ and α need at least {MIN_UNITS} documents with two or more answers; "
                               f"this project has {n}")
        docs = []
    elif n < FEW_UNITS:
        out["warnings"].append(f"only {n} documents with two or more answers: the figures are very uncertain")
    if schema.get("classification") == "single":
        units = [{u: (a["labels"][0] if a["labels"] else None) for u, a in d.items()} for d in docs]
        out["classification"] = _stats(units)
    if schema.get("labels") and schema.get("classification"):
        per_label = {}
        for label in schema["labels"]:  # binary: did the annotator give this label?
            units = [{u: label in a["labels"] for u, a in d.items()} for d in docs]
            per_label[label] = _stats(units)
        out["per_label"] = per_label
    if schema.get("rating"):
        units = [{u: a["rating"] for u, a in d.items() if a.get("rating") is not None} for d in docs]
        out["rating"] = {"krippendorff_alpha_interval": krippendorff_alpha(units, "interval"),
                         "krippendorff_alpha_nominal": krippendorff_alpha(units, "nominal")}
    if schema.get("span_labels"):
        units = [{u: [(s["start"], s["end"], s["label"]) for s in a["spans"]] for u, a in d.items()} for d in spans_docs]
        pairs = pairwise_span_f1(units)
        partial = pairwise_span_f1(units, overlap=True)
        out["spans"] = {"pairs": pairs, "mean_f1": _mean(pairs.values()),
                        "overlap_pairs": partial, "mean_overlap_f1": _mean(partial.values()),
                        "per_label": {lab: _mean(pairwise_span_f1(units, lab).values()) for lab in schema["span_labels"]}}
    return out


def _stats(units: Units) -> dict[str, Any]:
    pairs = pairwise_cohen(units)
    return {"cohen_kappa_pairs": pairs, "cohen_kappa_mean": _mean(pairs.values()),
            "fleiss_kappa": fleiss_kappa(units), "krippendorff_alpha_nominal": krippendorff_alpha(units, "nominal")}
