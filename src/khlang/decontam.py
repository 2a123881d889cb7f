"""Benchmark decontamination: flag or drop documents that share a long n-gram with an evaluation
item (``decontaminate``), so a model trained on the corpus is not tested on what it read.

N-grams come from the language layer's words (:func:`khlang.lang.segment.words`), lower-cased:

* words of spaced scripts (Latin, Tamil …) form **word n-grams** of ``n`` words (13, as GPT-3 and
  datatrove use);
* words of unspaced scripts (Thai, Lao, Khmer, Burmese, Han) are joined without spaces and cut into
  **character n-grams** of ``char_n`` characters (40 ≈ 13 Thai words), so a segmenter that splits a
  compound differently in the document than in the benchmark still matches.

The benchmark index (n-gram → benchmark file, item row) is built once per process from the files
on disk (JSONL, CSV or Parquet, through DuckDB); a per-document stage, so it runs in the shards,
resumes with them and gives the same result on any executor.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Iterator

from .document import Document
from .lang.scripts import SCRIPT_RANGES
from .stage import Stage

#: Scripts written without spaces between words: their n-grams count characters.
UNSPACED_SCRIPTS = ("thai", "lao", "khmer", "myanmar", "han", "kana")
_UNSPACED_RE = re.compile("[" + "".join(SCRIPT_RANGES[s] for s in UNSPACED_SCRIPTS) + "]")
FORMATS = {".jsonl": "read_json_auto", ".json": "read_json_auto", ".csv": "read_csv_auto", ".parquet": "read_parquet"}


def ngrams(text: str, n: int = 13, char_n: int = 40, lang: str | None = None) -> Iterator[str]:
    """The n-grams of ``text``: word n-grams of its spaced words, character n-grams of its unspaced
    ones (see the module docstring). A text with fewer words/characters than that yields none."""
    from .lang.segment import words

    spaced: list[str] = []
    unspaced: list[str] = []
    for w in words(text, lang):
        (unspaced if _UNSPACED_RE.match(w) else spaced).append(w.casefold())
    for i in range(len(spaced) - n + 1):
        yield " ".join(spaced[i : i + n])
    chars = "".join(unspaced)
    for i in range(len(chars) - char_n + 1):
        yield chars[i : i + char_n]


def read_items(path: str | Path, fields: list[str] | None = None) -> list[str]:
    """The items of one benchmark file (JSONL, CSV, Parquet) or Hugging Face ``save_to_disk``
    folder: per row, its text columns (``fields``, default every text column) joined by newlines.
    A missing, unreadable or empty file is a ``ValueError``."""
    import duckdb

    import pyarrow as pa

    p = Path(path)
    if p.is_dir():  # a Hugging Face dataset saved with save_to_disk: its Arrow stream files
        files = sorted(p.glob("*.arrow"))
        if not files:
            raise ValueError(f"benchmark {p}: a folder without .arrow files (give a file, or a save_to_disk folder)")
        try:
            table = pa.concat_tables(pa.ipc.open_stream(f).read_all() for f in files)
        except (pa.ArrowInvalid, OSError) as exc:
            raise ValueError(f"benchmark {p}: cannot read it ({exc})") from None
        return _items(p, table, fields)
    reader = FORMATS.get(p.suffix.lower())
    if reader is None:
        raise ValueError(f"benchmark {p}: unknown format {p.suffix!r} (use {', '.join(sorted(FORMATS))} or a folder)")
    if not p.is_file():
        raise ValueError(f"benchmark {p}: no such file")
    if p.stat().st_size == 0:
        raise ValueError(f"benchmark {p}: the file is empty")
    con = duckdb.connect()
    try:
        table = con.sql(f"SELECT * FROM {reader}('{str(p).replace(chr(39), chr(39) * 2)}')").to_arrow_table()
    except duckdb.Error as exc:
        raise ValueError(f"benchmark {p}: cannot read it ({str(exc).splitlines()[0]})") from None
    finally:
        con.close()
    return _items(p, table, fields)


def _items(p: Path, table, fields: list[str] | None) -> list[str]:
    import pyarrow as pa

    names = fields or [f.name for f in table.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    missing = [f for f in names if f not in table.column_names]
    if missing or not names:
        raise ValueError(f"benchmark {p}: no text column {missing or ''} (columns: {', '.join(table.column_names)})")
    columns = [table.column(f).to_pylist() for f in names]
    items = ["\n".join(str(v) for v in row if v) for row in zip(*columns)]
    if not any(items):
        raise ValueError(f"benchmark {p}: no items")
    return items


class Decontaminate(Stage):
    """Flag (``annotations.decontaminate``) or drop (``reason = contaminated``) documents sharing an
    n-gram with a benchmark item; the detail names the benchmark file, the item row and the n-gram.

    Parameters: ``benchmarks`` (list of files), ``fields`` (text columns; default all), ``n`` (13),
    ``char_n`` (40), ``mode`` (``drop`` | ``flag``). An item too short for one n-gram cannot be
    matched: it is counted in the run record (``info.short_items``); a benchmark with only such
    items is an error.
    """

    name = "decontaminate"

    def __init__(self, benchmarks: list[str] | str = (), fields: list[str] | None = None, n: int = 13,
                 char_n: int = 40, mode: str = "drop") -> None:
        super().__init__()
        self.benchmarks = [benchmarks] if isinstance(benchmarks, str) else list(benchmarks)
        if not self.benchmarks:
            raise ValueError("decontaminate needs at least one benchmark file (benchmarks: [...])")
        if mode not in ("drop", "flag"):
            raise ValueError(f"decontaminate mode must be drop or flag, not {mode!r}")
        if int(n) < 1 or int(char_n) < 1:
            raise ValueError("decontaminate n and char_n must be at least 1")
        self.fields, self.n, self.char_n, self.mode = fields, int(n), int(char_n), mode
        self.index: dict[str, tuple[str, int]] = {}
        short = 0
        for path in self.benchmarks:
            items = read_items(path, fields)
            before = len(self.index)
            for row, item in enumerate(items):
                grams = list(ngrams(item, self.n, self.char_n))
                short += not grams
                for g in grams:
                    self.index.setdefault(g, (Path(path).name, row))
            if len(self.index) == before:
                raise ValueError(f"benchmark {path}: every item is shorter than n={self.n} words "
                                 f"(or char_n={self.char_n} characters); nothing to match")
        self.short_items = short

    def params(self) -> dict[str, Any]:
        return {"benchmarks": self.benchmarks, "fields": self.fields, "n": self.n, "char_n": self.char_n,
                "mode": self.mode}

    def find(self, text: str, lang: str | None = None) -> tuple[str, int, str] | None:
        """The first benchmark n-gram in ``text``: (benchmark file name, item row, n-gram)."""
        index = self.index
        for g in ngrams(text, self.n, self.char_n, lang):
            hit = index.get(g)
            if hit is not None:
                return hit[0], hit[1], g
        return None

    def process(self, doc: Document) -> Document:
        self.stats.info["short_items"] = self.short_items  # the shard's stats are fresh per shard
        hit = self.find(doc.text, doc.lang)
        if hit is None:
            return doc
        bench, row, gram = hit
        if self.mode == "drop":
            return self.drop(doc, "contaminated", f"benchmark={bench} item={row} ngram={gram[:80]!r}")
        doc.annotations[self.name] = {"benchmark": bench, "item": row, "ngram": gram}
        return doc


def contaminated(texts: Iterable[str], benchmarks: list[str], **params: Any) -> list[tuple[str, int, str] | None]:
    """For each text, the benchmark n-gram it shares, or ``None`` (no pipeline needed)."""
    stage = Decontaminate(benchmarks, **params)
    return [stage.find(t) for t in texts]


__all__ = ["Decontaminate", "contaminated", "ngrams", "read_items"]
