"""Agreement statistics against published worked examples and the `krippendorff` package."""

import math

import krippendorff
import pytest

from khlang.annotate.agreement import (cohen_kappa, fleiss_kappa, krippendorff_alpha, pairwise_span_f1,
                                       project_agreement, span_f1)

NAN = None
# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", 4 observers x 12 units.
KRIPP = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


def _units(matrix):
    return [{r: row[i] for r, row in enumerate(matrix) if row[i] is not None} for i in range(len(matrix[0]))]


def test_krippendorff_textbook_example():
    units = _units(KRIPP)
    assert krippendorff_alpha(units, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(units, "interval") == pytest.approx(0.849, abs=5e-4)
    data = [[math.nan if v is None else v for v in row] for row in KRIPP]
    for level in ("nominal", "interval"):
        ref = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
        assert krippendorff_alpha(units, level) == pytest.approx(ref, abs=1e-9)


def test_cohen_kappa_wikipedia_example():
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 → kappa 0.4
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(a, a) == 1.0


def test_fleiss_kappa_wikipedia_example():
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    units = []
    for row in table:
        values = [cat for cat, count in enumerate(row) for _ in range(count)]
        units.append(dict(enumerate(values)))
    assert fleiss_kappa(units) == pytest.approx(0.210, abs=5e-4)


def test_span_f1():
    a = [(0, 3, "PERSON"), (5, 9, "ORG")]
    b = [(0, 3, "PERSON"), (5, 8, "ORG"), (10, 12, "DATE")]
    assert span_f1(a, b) == pytest.approx(2 * 1 / 5)
    pairs = pairwise_span_f1([{"x": a, "y": b}, {"x": [], "y": [(1, 2, "ORG")]}])
    assert pairs["x|y"] == pytest.approx(2 * 1 / 6)
    assert pairwise_span_f1([{"x": a, "y": b}], "PERSON")["x|y"] == 1.0


def test_project_agreement_perfect_and_disagreeing():
    schema = {"classification": "single", "labels": ["pos", "neg"], "rating": {"min": 1, "max": 5},
              "span_labels": ["ORG"]}
    ans = lambda lab, r, spans: {"labels": [lab], "rating": r, "spans": spans}  # noqa: E731
    answers = [(1, "a", ans("pos", 5, [{"start": 0, "end": 2, "label": "ORG"}])),
               (1, "b", ans("pos", 4, [{"start": 0, "end": 2, "label": "ORG"}])),
               (2, "a", ans("neg", 1, [])), (2, "b", ans("neg", 2, [{"start": 1, "end": 3, "label": "ORG"}]))]
    out = project_agreement(answers, schema)
    assert out["classification"]["cohen_kappa_mean"] == 1.0
    assert out["per_label"]["pos"]["fleiss_kappa"] == 1.0
    assert out["spans"]["mean_f1"] == pytest.approx(2 / 3)
    assert 0 < out["rating"]["krippendorff_alpha_interval"] < 1


def test_undefined_without_variation():
    units = [{"a": "x", "b": "x"}, {"a": "x", "b": "x"}]
    assert cohen_kappa(["x", "x"], ["x", "x"]) is None
    assert fleiss_kappa(units) is None and krippendorff_alpha(units) is None
    assert fleiss_kappa([{"a": "x"}]) is None  # nothing pairable


def test_overlap_span_f1_credits_partial_matches():
    from khlang.annotate.agreement import pairwise_span_f1

    units = [{"a": [(0, 5, "ORG"), (10, 12, "PER")], "b": [(1, 5, "ORG"), (20, 22, "PER")]},
             {"a": [(3, 8, "LOC")], "b": [(3, 8, "LOC")]}]
    assert pairwise_span_f1(units)["a|b"] == 2 / 6  # only the LOC span matches exactly
    assert pairwise_span_f1(units, overlap=True)["a|b"] == 4 / 6  # ORG overlaps; PER and PER do not
    assert pairwise_span_f1([{"a": [(0, 5, "ORG")], "b": [(0, 5, "PER")]}], overlap=True)["a|b"] == 0.0
