"""khmer-nltk's word segmentation (a CRF over Khmer character clusters), decoded here in Python
with the model's own weights: the same tokens as ``khmernltk.word_tokenize``, 2-3x faster.

khmer-nltk builds ~25 string features per character cluster as a Python dict, and python-crfsuite
turns every dict into C++ attribute strings before tagging: together 80 % of Khmer segmentation
time. Here each feature string is looked up directly in the model's weight table, and Viterbi
runs over the two labels as crfsuite's ``crf1dc_viterbi`` does (same order of additions, same
tie-breaking), so the result is the same bit for bit. The weights are read from the model file
itself (crfsuite's ``CRF1dm`` format: the ``FEAT`` chunk holds each feature's attribute id, label
id and weight as a double, two ``CQDB`` chunks the attribute and label strings by id);
python-crfsuite's ``info()`` would print the weights to six decimals only, and takes a second.
``khmernltk.word_tokenize`` stays the reference: tests compare.
"""

from __future__ import annotations

import importlib
import struct
from functools import lru_cache

import numpy as np

# khmer-nltk's boolean features (khmernltk/word_tokenize/features.py): attribute name, no value
_BOOL_NAMES = ("ns", "ns-1", "ns+1", "ns+2", "BOS", "EOS")


class KhmerCRF:
    """State weights by feature name and value, transitions, and the two labels of the model."""

    def __init__(self, model_path: str) -> None:
        data = open(model_path, "rb").read()
        (magic, _, _, _, _, n_labels, n_attrs, off_feat, off_labels, off_attrs, _,
         _) = struct.unpack_from("<4sI4s9I", data, 0)
        if magic != b"lCRF":
            raise ValueError(f"{model_path} is not a crfsuite model")
        n_feat = struct.unpack_from("<I", data, off_feat + 8)[0]
        feats = np.frombuffer(data, dtype=np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("w", "<f8")]),
                              count=n_feat, offset=off_feat + 12)
        self.labels = _strings(data, off_labels, n_labels)  # label id → name
        self.trans = [[0.0] * n_labels for _ in range(n_labels)]
        for f in feats[feats["type"] == 1]:
            self.trans[int(f["src"])][int(f["dst"])] = float(f["w"])
        state = feats[feats["type"] == 0]
        self.w = np.zeros((n_attrs + 1, n_labels))  # row 0: a feature the model does not know
        self.w[state["src"].astype(np.int64) + 1, state["dst"].astype(np.int64)] = state["w"]
        self.rows: dict[str, dict[str, int]] = {}  # feature name → value → row of ``self.w``
        for row, attr in enumerate(_strings(data, off_attrs, n_attrs), start=1):
            name, value = (attr, "") if attr in _BOOL_NAMES else _split(attr)
            self.rows.setdefault(name, {})[value] = row

    def tag(self, k: list[str], t: list[str], ns: list[bool]) -> list[str]:
        """The label of each cluster (``"1"``: a word starts here), as crfsuite's tagger gives it,
        for clusters ``k`` with their types ``t`` and no-space flags ``ns``.

        crfsuite adds a position's attribute weights in the order of khmer-nltk's feature dict;
        here one feature at a time is added for all positions at once, in that order, so every
        position's sum is formed in the same order (a feature absent at a position adds 0.0, which
        changes no double)."""
        n = len(k)
        score = np.zeros((n, self.w.shape[1]))
        w, rows = self.w, self.rows

        def add(name: str, values, at: slice = slice(None)) -> None:
            table = rows.get(name, {})
            score[at] += w[[table.get(v, 0) for v in values]]

        def flag(name: str, on: list[bool], offset: int) -> None:
            if name in rows:  # boolean feature: weight 1 where true, 0 (nothing) where false
                where = [i for i, x in enumerate(on) if x]
                score[[i + offset for i in where] if offset else where] += w[rows[name][""]]

        add("kcc", k)
        add("t", t)
        flag("ns", ns, 0)
        if n > 1:
            add("kcc[-1]", k[:-1], slice(1, None))
            add("kcc[-1]t", t[:-1], slice(1, None))
            add("kcc[-1:0]", [a + b for a, b in zip(k, k[1:])], slice(1, None))
            flag("ns-1", ns[:-1], 1)
        score[0] += w[rows.get("BOS", {}).get("", 0)]
        if n > 2:
            add("kcc[-2]", k[:-2], slice(2, None))
            add("kcc[-2]t", t[:-2], slice(2, None))
            add("kcc[-2:-1]", [a + b for a, b in zip(k, k[1:-1])], slice(2, None))
            add("kcc[-2:0]", [a + b + c for a, b, c in zip(k, k[1:], k[2:])], slice(2, None))
        if n > 3:
            add("kcc[-3]", k[:-3], slice(3, None))
            add("kcc[-3]t", t[:-3], slice(3, None))
            add("kcc[-3:0]", [a + b + c + d for a, b, c, d in zip(k, k[1:], k[2:], k[3:])], slice(3, None))
            add("kcc[-3:-1]", [a + b + c for a, b, c in zip(k, k[1:], k[2:-1])], slice(3, None))
            add("kcc[-3:-2]", [a + b for a, b in zip(k, k[1:-2])], slice(3, None))
        if n > 1:
            add("kcc[+1]", k[1:], slice(None, -1))
            add("kcc[+1]t", t[1:], slice(None, -1))
            add("kcc[+1:0]", [a + b for a, b in zip(k, k[1:])], slice(None, -1))
            flag("ns+1", ns[1:], 0)
        score[n - 1] += w[rows.get("EOS", {}).get("", 0)]
        if n > 2:
            add("kcc[+2]", k[2:], slice(None, -2))
            add("kcc[+2]t", t[2:], slice(None, -2))
            add("kcc[+1:+2]", [a + b for a, b in zip(k[1:], k[2:])], slice(None, -2))
            add("kcc[0:+2]", [a + b + c for a, b, c in zip(k, k[1:], k[2:])], slice(None, -2))
            flag("ns+2", ns[2:], 0)
        if n > 3:
            add("kcc[+3]", k[3:], slice(None, -3))
            add("kcc[+3]t", t[3:], slice(None, -3))
            add("kcc[+2:+3]", [a + b for a, b in zip(k[2:], k[3:])], slice(None, -3))
            add("kcc[+1:+3]", [a + b + c for a, b, c in zip(k[1:], k[2:], k[3:])], slice(None, -3))
            add("kcc[0:+3]", [a + b + c + d for a, b, c, d in zip(k, k[1:], k[2:], k[3:])], slice(None, -3))
        return self._viterbi(score.tolist())

    def _viterbi(self, scores: list[list[float]]) -> list[str]:
        """crfsuite's crf1dc_viterbi for two labels: strict ``<`` keeps the first best."""
        (t00, t01), (t10, t11) = self.trans
        prev0, prev1 = scores[0]
        back = []
        for s0, s1 in scores[1:]:
            a, b = prev0 + t00, prev1 + t10  # into label 0
            b0 = 1 if a < b else 0
            c, d = prev0 + t01, prev1 + t11  # into label 1
            b1 = 1 if c < d else 0
            back.append((b0, b1))
            prev0, prev1 = (b if b0 else a) + s0, (d if b1 else c) + s1
        last = 1 if prev0 < prev1 else 0
        out = [last]
        for b0, b1 in reversed(back):
            last = b1 if last else b0
            out.append(last)
        out.reverse()
        return [self.labels[x] for x in out]


def _split(attr: str) -> tuple[str, str]:
    """``"kcc[-1]t:C"`` → ``("kcc[-1]t", "C")``; the value may itself hold ``:`` or ``]``."""
    if attr.startswith("kcc["):
        j = attr.index("]") + 1
        if attr[j] == "t":
            j += 1
    else:
        j = attr.index(":")
    if attr[j] != ":":
        raise ValueError(f"unexpected khmer-nltk feature {attr!r}")
    return attr[:j], attr[j + 1 :]


def _strings(data: bytes, offset: int, n: int) -> list[str]:
    """Strings by id from a crfsuite CQDB chunk: its backward array gives each id's record
    (id, key size, key with a trailing NUL)."""
    bwd_size, bwd_offset = struct.unpack_from("<II", data, offset + 16)
    if bwd_size < n:
        raise ValueError("crfsuite model: string table shorter than expected")
    out = []
    for rec in struct.unpack_from(f"<{n}I", data, offset + bwd_offset):
        size = struct.unpack_from("<I", data, offset + rec + 4)[0]
        out.append(data[offset + rec + 8 : offset + rec + 7 + size].decode("utf-8"))
    return out


@lru_cache(maxsize=1)
def model() -> KhmerCRF:
    """The khmer-nltk model, loaded once per process."""
    from khmernltk.utils.file_utils import load_model

    kw = importlib.import_module("khmernltk.word_tokenize")  # the package's name is shadowed by its function
    if kw.crf_model is None:
        kw.crf_model = load_model(kw.model_path)  # unpickles the model file to a temporary path
    return KhmerCRF(kw.crf_model.modelfile.name)
