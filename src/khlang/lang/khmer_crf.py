"""khmer-nltk's word segmentation (a CRF over Khmer character clusters), run here with the model's
own weights: the same tokens as ``khmernltk.word_tokenize``, 2.5-6x faster, and loaded in a
fraction of the time.

khmer-nltk builds ~25 string features per character cluster as a Python dict, and python-crfsuite
turns every dict into C++ attribute strings before tagging. Here the features are grouped by what
they read: the 7 cluster features (``kcc``, ``kcc[-1]`` … ``kcc[+3]``) all look at one cluster,
the 7 type and 4 no-space features at its type, the 6 bigram, 4 trigram and 2 four-gram features
at one n-gram of clusters. So one dictionary lookup per cluster and per n-gram gives the weights
of every feature that reads it (a row of a table built at load time), NumPy places those rows at
the positions they score, and :func:`numpy.add.accumulate` sums each position's weights one after
another in khmer-nltk's feature order — the order crfsuite adds them in — so every sum is the same
double as crfsuite's. Viterbi then runs over the two labels as crfsuite's ``crf1dc_viterbi`` does
(same additions, same tie-breaking), so the result is the same bit for bit. Cutting text into
clusters (khmer-nltk's ``seg_kcc``, a loop over characters) is a table lookup per pair of
neighbouring characters.

The weights come from the model file itself (crfsuite's ``CRF1dm`` format: the ``FEAT`` chunk holds
each feature's attribute id, label id and weight as a double, two ``CQDB`` chunks the attribute and
label strings by id). khmer-nltk ships that file inside a pickled sklearn-crfsuite estimator; it is
read with an unpickler that builds no sklearn-crfsuite object (importing sklearn-crfsuite, and
unpickling, which writes the model to a temporary file, took ~0.9 s). ``khmernltk.word_tokenize``
stays the reference: tests compare.
"""

from __future__ import annotations

import pickle
import re
import struct
from functools import lru_cache
from itertools import chain, repeat
from operator import add
from pathlib import Path

import numpy as np
from khmernltk.utils.constants import NS
from khmernltk.utils.data import cleanup_str
from khmernltk.word_tokenize.features import get_type

# khmer-nltk's features (khmernltk/word_tokenize/features.py) in the order its feature dict holds
# them, each as (what it reads, offset from the scored position, attribute name). Readers:
# "U" a cluster, "T" a cluster's type, "N" whether a cluster starts with a no-space character,
# "B"/"R"/"Q" the bigram/trigram/four-gram of clusters starting there, "BOS"/"EOS" the ends.
# A feature is present where what it reads exists (khmer-nltk's ``i >= 1`` … ``i < n - 3``).
SLOTS: tuple[tuple[str, int, str], ...] = (
    ("U", 0, "kcc"), ("T", 0, "t"), ("N", 0, "ns"),
    ("U", -1, "kcc[-1]"), ("T", -1, "kcc[-1]t"), ("B", -1, "kcc[-1:0]"), ("N", -1, "ns-1"), ("BOS", 0, "BOS"),
    ("U", -2, "kcc[-2]"), ("T", -2, "kcc[-2]t"), ("B", -2, "kcc[-2:-1]"), ("R", -2, "kcc[-2:0]"),
    ("U", -3, "kcc[-3]"), ("T", -3, "kcc[-3]t"), ("Q", -3, "kcc[-3:0]"), ("R", -3, "kcc[-3:-1]"),
    ("B", -3, "kcc[-3:-2]"),
    ("U", 1, "kcc[+1]"), ("T", 1, "kcc[+1]t"), ("B", 0, "kcc[+1:0]"), ("N", 1, "ns+1"), ("EOS", 0, "EOS"),
    ("U", 2, "kcc[+2]"), ("T", 2, "kcc[+2]t"), ("B", 1, "kcc[+1:+2]"), ("R", 0, "kcc[0:+2]"), ("N", 2, "ns+2"),
    ("U", 3, "kcc[+3]"), ("T", 3, "kcc[+3]t"), ("B", 2, "kcc[+2:+3]"), ("R", 1, "kcc[+1:+3]"), ("Q", 0, "kcc[0:+3]"),
)
_FLAGS = ("ns", "ns-1", "ns+1", "ns+2", "BOS", "EOS")  # boolean features: the attribute is the name
_BLOCK = 4096  # positions scored at once (bounds the (slots × positions × 2) array on long texts)

# character classes for cutting clusters (khmer-nltk's seg_kcc)
_OTHER, _DIGIT, _KDIGIT, _START, _SUB, _KHMER, _SPACE, _SEP = range(8)


class KhmerCRF:
    """The model's weights, grouped into one table per kind of thing a feature reads."""

    def __init__(self, data: bytes) -> None:
        (magic, _, _, _, _, n_labels, n_attrs, off_feat, off_labels, off_attrs, _,
         _) = struct.unpack_from("<4sI4s9I", data, 0)
        if magic != b"lCRF" or n_labels != 2:
            raise ValueError("not khmer-nltk's crfsuite model (two labels)")
        n_feat = struct.unpack_from("<I", data, off_feat + 8)[0]
        feats = np.frombuffer(data, dtype=np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("w", "<f8")]),
                              count=n_feat, offset=off_feat + 12)
        labels = _keys(data, off_labels, n_labels).split("\n")[:-1]
        self.word_start = labels.index("1")  # label id of "a word starts here"
        trans = np.zeros((2, 2))
        t = feats[feats["type"] == 1]
        trans[t["src"].astype(np.int64), t["dst"].astype(np.int64)] = t["w"]
        self.trans = trans.tolist()
        state = feats[feats["type"] == 0]
        w = np.zeros((n_attrs + 1, 2))  # row 0: a feature the model does not know (weight 0.0)
        w[state["src"].astype(np.int64) + 1, state["dst"].astype(np.int64)] = state["w"]
        # attribute id → (name, value); a value may itself hold ":" or "]"
        by_name: dict[str, dict[str, int]] = {name: {} for _, _, name in SLOTS}
        pairs = _ATTR.findall(_keys(data, off_attrs, n_attrs))
        if len(pairs) != n_attrs:
            raise ValueError("crfsuite model: attribute table unreadable")
        for row, (name, value) in enumerate(pairs, start=1):
            by_name[name][value] = row  # KeyError: a feature khmer-nltk does not make
        self.flags = {name: w[by_name[name].get("", 0)] for name in _FLAGS}
        # per reader: value → index (0: a value the model does not know), and a (values + 1,
        # features, 2) weight table; all tables end to end in self.weights, the type table last
        self.index: dict[str, dict[str, int]] = {}
        tables = []
        for reader in "UBRQ":
            names = [name for r, _, name in SLOTS if r == reader]
            values = dict.fromkeys(chain.from_iterable(by_name[name] for name in names))
            index = dict(zip(values, range(1, len(values) + 1)))
            table = np.zeros((len(values) + 1, len(names), 2))
            for col, name in enumerate(names):
                found = by_name[name]
                rows = np.fromiter(map(index.__getitem__, found), np.int64, len(found))
                table[rows, col] = w[np.fromiter(found.values(), np.int64, len(found))]
            self.index[reader] = index
            tables.append(table.reshape(-1, 2))
        tables += [np.stack([np.zeros(2), self.flags["BOS"]]), np.stack([np.zeros(2), self.flags["EOS"]])]
        starts = np.cumsum([0] + [len(t) for t in tables]).tolist()
        base = dict(zip("UBRQ", starts)) | {"BOS": starts[4], "EOS": starts[5], "T": starts[6]}
        self._fixed = np.concatenate(tables)
        # per slot: which reader's value it reads, at which offset, and the row of that value's
        # weight for this slot: base + value * width + column
        col = dict.fromkeys(_READERS, 0)
        self._slot_reader = np.array([_READERS.index(_reader(r)) for r, _, _ in SLOTS])[:, None]
        self._slot_offset = np.array([offset for _, offset, _ in SLOTS])[:, None] + _PAD
        self._slot_width = np.array([_WIDTH[_reader(r)] for r, _, _ in SLOTS])[:, None]
        self._slot_base = np.array([base[_reader(r)] + _column(col, _reader(r)) for r, _, _ in SLOTS])[:, None]
        # kinds of cluster (see _code) → row of the type table; row 0 (all zeros) pads positions
        self._type_weights = {name: by_name[name] for r, _, name in SLOTS if r == "T"}
        self._type_values = set(chain.from_iterable(self._type_weights.values()))
        self._w = w
        self._kinds: dict[tuple[str | None, bool], int] = {}
        self._type_table = np.zeros((1, _WIDTH["T"], 2))
        self.weights = np.concatenate((self._fixed, self._type_table.reshape(-1, 2)))
        self._codes = _Missing(self._code)  # cluster → _code(cluster), remembered

    # --- clusters ------------------------------------------------------------------------
    def clusters(self, text: str) -> list[str]:
        """khmer-nltk's ``seg_kcc(cleanup_str(text))``: Khmer character clusters; runs of other
        characters and numbers stay together; zero-width spaces separate and are dropped."""
        text = cleanup_str(text)
        if not text:
            return []
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        cls = _CLASS[np.minimum(codes, len(_CLASS) - 1)]
        # a cluster ends before position i + 1 where the class pair says so, and at the end
        ends = np.flatnonzero(_BREAK[cls[:-1], cls[1:]]) + 1
        starts = np.concatenate(([0], ends))
        ends = np.concatenate((ends, [len(text)]))
        keep = cls[starts] != _SEP  # each zero-width space is a cluster of its own: drop it
        return [text[a:b] for a, b in zip(starts[keep].tolist(), ends[keep].tolist())]

    def _code(self, k: str) -> int:
        """A cluster's index among the model's clusters (0: unknown) and its kind (row of the type
        table) as one int: index << 20 | kind. Kinds are (khmer-nltk's type of the cluster if the
        model knows it, whether it starts with a no-space character)."""
        t = get_type(k) if len(k) == 1 else f"K{len(k)}"
        kind = (t if t in self._type_values else None, get_type(k[0]) == NS)
        if kind not in self._kinds:
            row = [self._w[self._type_weights[name].get(kind[0], 0)] if r == "T"
                   else self.flags[name] if kind[1] else np.zeros(2) for r, _, name in SLOTS if r in "TN"]
            self._kinds[kind] = len(self._type_table)
            self._type_table = np.concatenate((self._type_table, np.array(row)[None]))
            self.weights = np.concatenate((self._fixed, self._type_table.reshape(-1, 2)))
        return self.index["U"].get(k, 0) << 20 | self._kinds[kind]

    # --- tagging -------------------------------------------------------------------------
    def segment(self, text: str) -> list[str]:
        """``khmernltk.word_tokenize(text)``: clusters joined into words where the CRF says."""
        k = self.clusters(text)
        if not k:
            return []
        starts = [i for i, label in enumerate(self.tag(k)) if label == self.word_start or i == 0]
        return ["".join(k[a:b]) for a, b in zip(starts, starts[1:] + [len(k)])]

    def tag(self, k: list[str]) -> list[int]:
        """The label id of each cluster, as crfsuite's tagger gives it."""
        n = len(k)
        # each reader's value at each position, with _PAD positions of value 0 on either side
        values = np.zeros((len(_READERS), n + 2 * _PAD), dtype=np.int64)
        codes = np.fromiter(map(self._codes.__getitem__, k), np.int64, n)
        grams = k
        for order in (2, 3, 4):  # the bigrams, trigrams and four-grams of clusters, as strings
            grams = list(map(add, grams[:-1], k[order - 1 :]))
            index = self.index[_READERS[order]]
            values[order, _PAD : _PAD + len(grams)] = np.fromiter(map(index.get, grams, repeat(0)), np.int64,
                                                                  len(grams))
        values[0, _PAD : _PAD + n] = codes >> 20
        values[1, _PAD : _PAD + n] = codes & 0xFFFFF
        values[5, _PAD] = 1  # BOS
        values[6, _PAD + n - 1] = 1  # EOS
        weights = self.weights
        scores = np.empty((n, 2))
        for lo in range(0, n, _BLOCK):
            at = np.arange(lo, min(n, lo + _BLOCK))
            rows = values[self._slot_reader, self._slot_offset + at] * self._slot_width + self._slot_base
            # position by position, each feature's weight added after the one before it
            scores[lo : lo + len(at)] = np.add.accumulate(weights[rows], axis=0)[-1]
        return self._viterbi(scores.tolist())

    def _viterbi(self, scores: list[list[float]]) -> list[int]:
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
        return out


_READERS = ("U", "T", "B", "R", "Q", "BOS", "EOS")
_WIDTH = {"U": 7, "T": 11, "B": 6, "R": 4, "Q": 2, "BOS": 1, "EOS": 1}  # features per reader
_PAD = 3  # features read up to 3 clusters away


def _reader(r: str) -> str:
    return "T" if r == "N" else r  # the no-space flags are columns of the type table


def _column(col: dict[str, int], reader: str) -> int:
    """The next column of ``reader``'s table (slots in SLOTS order)."""
    col[reader] += 1
    return col[reader] - 1


class _Missing(dict):
    """A dict that computes, stores and returns a missing key's value (emptied past 200,000
    keys: numbers make the set of clusters open-ended)."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key):
        if len(self) > 200_000:
            self.clear()
        value = self[key] = self.make(key)
        return value


def _class_table() -> np.ndarray:
    from khmernltk.utils import constants as c

    table = np.full(0x200D, _OTHER, dtype=np.int8)  # the last entry stands for every code point above
    table[0x1780:0x1800] = _KHMER
    for chars, cls in ((c.KHSYM | c.KHLUNAR | c.KHCONST, _START), (c.KHSUB, _SUB)):
        table[[ord(ch) for ch in chars]] = cls
    table[[ord(ch) for ch in c.KHNUMBER if "0" <= ch <= "9"]] = _DIGIT
    table[[ord(ch) for ch in c.KHNUMBER if not "0" <= ch <= "9"]] = _KDIGIT
    table[ord(" ")] = _SPACE
    table[0x200B] = _SEP
    return table


def _break_table() -> np.ndarray:
    """Whether a cluster ends between a character of class a and one of class b: seg_kcc's rules
    (its loop over characters decides from the character and the next one only)."""
    khmer = {_KDIGIT, _START, _SUB, _KHMER, _SPACE}
    number = {_DIGIT, _KDIGIT}
    starts = {_OTHER, _DIGIT, _KDIGIT, _START, _SPACE}  # is_start_of_kcc
    out = np.zeros((8, 8), dtype=bool)
    for a in range(8):
        for b in range(8):
            if _SEP in (a, b):
                out[a, b] = True  # zero-width spaces split the text into seg_kcc's words
            elif a not in khmer and b not in khmer:
                out[a, b] = False  # other characters cluster together
            elif a in number and b in number:
                out[a, b] = False  # and numbers
            else:
                out[a, b] = a not in khmer or b == _SPACE or (b in starts and a != _SUB)
    return out


_CLASS = _class_table()
_BREAK = _break_table()


def _keys(data: bytes, offset: int, n: int) -> str:
    """The strings of a crfsuite CQDB chunk in id order, each followed by ``"\\n"``. Its backward
    array gives each id's record (id, key size, key with a trailing NUL); the keys are cut out of
    the chunk and decoded in one pass."""
    bwd_size, bwd_offset = struct.unpack_from("<II", data, offset + 16)
    if bwd_size < n:
        raise ValueError("crfsuite model: string table shorter than expected")
    rec = np.frombuffer(data, dtype="<u4", count=n, offset=offset + bwd_offset).astype(np.int64) + offset
    if n > 1 and not (np.diff(rec) > 0).all():
        raise ValueError("crfsuite model: strings not stored in id order")
    lo, hi = int(rec[0]), int(rec[-1])
    hi += 8 + struct.unpack_from("<I", data, hi + 4)[0]
    rec -= lo
    buf = np.frombuffer(data, dtype=np.uint8, count=hi - lo, offset=lo)
    size = buf[rec + 4].astype(np.int64) | buf[rec + 5].astype(np.int64) << 8 | buf[rec + 6].astype(
        np.int64) << 16 | buf[rec + 7].astype(np.int64) << 24
    first, last = rec + 8, rec + 7 + size  # the key, then its NUL
    mark = np.zeros(len(buf) + 1, dtype=np.int8)  # +1 where a key starts, -1 after its NUL
    mark[first] = 1
    mark[last + 1] = -1
    picked = buf.copy()
    picked[last] = 10  # each NUL becomes "\n"
    text = picked[np.cumsum(mark[:-1], dtype=np.int8).astype(bool)].tobytes().decode("utf-8")
    if text.count("\n") != n:
        raise ValueError("crfsuite model: a key holds a newline")
    return text


# khmer-nltk's attribute strings: "name:value" (a name such as "kcc[-1:0]" holds ":" itself) or
# a boolean feature's bare name
_ATTR = re.compile(r"(kcc\[[^\]\n]*\]t?|[^:\n]*)(?::([^\n]*))?\n")


class _ModelOnly(pickle.Unpickler):
    """Unpickles khmer-nltk's sklearn-crfsuite estimator into plain attribute holders: the
    crfsuite model file travels inside it as bytes (``__FILE_RESOURCE_DATA__``)."""

    _ALLOWED = {("sklearn_crfsuite.estimator", "CRF"), ("sklearn_crfsuite._fileresource", "FileResource"),
                ("pycrfsuite._logparser", "TrainLogParser")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"khmer-nltk model: unexpected class {module}.{name}")
        return type(name, (_Holder,), {})


class _Holder:
    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


def model_bytes() -> bytes:
    """The crfsuite model inside khmer-nltk's ``sklearn_crf_ner_10000.sav``."""
    import importlib.util

    spec = importlib.util.find_spec("khmernltk")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("khmer-nltk is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "word_tokenize" / "sklearn_crf_ner_10000.sav"
    with path.open("rb") as f:
        estimator = _ModelOnly(f).load()
    return vars(estimator.modelfile)["__FILE_RESOURCE_DATA__"]


@lru_cache(maxsize=1)
def model() -> KhmerCRF:
    """The khmer-nltk model, loaded once per process."""
    return KhmerCRF(model_bytes())
