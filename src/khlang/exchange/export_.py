"""Export: a corpus's ``documents`` (filtered, split, sharded) as a package folder::

    README.md                              data card (HF-style YAML front matter + prose)
    MANIFEST.json                          sha256, bytes and rows of every other file
    data/train-00000-of-00002.parquet      shards per split, named the way the HF Hub names them
    data/validation-00000-of-00001.parquet
    data/test-00000-of-00001.parquet

``datasets.load_dataset("parquet", data_dir=PACKAGE)`` reads it as is (``"json"`` for
``--format jsonl``). Rows keep every column of the corpus ``documents`` view, so ids, provenance
(``source_uri``, ``run_id``, ``shard``) and annotations (a JSON string) survive a round trip.

Splits are decided by the id alone (the first 32 bits of md5(id) against the split fractions), so
the same document lands in the same split in every export, whatever the filters or the corpus size.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..store import DOCS_SCHEMA, Corpus
from .card import data_card
from .package import CARD, MANIFEST, write_manifest
from .writers import COLUMNS, FORMATS, WRITERS, SplitWriter, TokensWriter, Writer

SPLIT_NAMES = {1: ("train",), 2: ("train", "test"), 3: ("train", "validation", "test")}


@dataclass
class ExportResult:
    package: Path
    rows: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0


# -- options --------------------------------------------------------------------------------------
def parse_shard_size(value: str | int) -> tuple[str, int]:
    """``"100MB"`` → ("bytes", 100_000_000); ``"5000"`` or ``"5000rows"`` → ("rows", 5000).

    Bytes are measured on the uncompressed data (UTF-8 length of the strings), so compressed
    Parquet shards come out smaller.
    """
    if isinstance(value, int):
        return "rows", value
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(rows?|[kmgt]i?b|b)?\s*", str(value), re.IGNORECASE)
    if not m:
        raise ValueError(f"cannot read shard size {value!r}: use e.g. 100MB, 1GB or 50000rows")
    number, unit = float(m[1]), (m[2] or "rows").lower()
    if unit.startswith("row"):
        size = ("rows", int(number))
    else:
        base = 1024 if "i" in unit else 1000
        power = {"b": 0, "k": 1, "m": 2, "g": 3, "t": 4}[unit[0]]
        size = ("bytes", int(number * base**power))
    if size[1] < 1:
        raise ValueError("shard size must be positive")
    return size


def parse_split(value: str | tuple[float, ...] | list[float]) -> dict[str, float]:
    """``"0.98,0.01,0.01"`` → {train: .98, validation: .01, test: .01} (1 to 3 fractions, sum 1)."""
    fractions = [float(x) for x in (value.split(",") if isinstance(value, str) else value)]
    if not 1 <= len(fractions) <= 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(f"split {value!r}: give 1 to 3 non-negative fractions that sum to 1, e.g. 0.98,0.01,0.01")
    return dict(zip(SPLIT_NAMES[len(fractions)], fractions))


def split_sql(split: dict[str, float]) -> str:
    """SQL for the split of a row: by the first 32 bits of md5(id), stable across runs and tools."""
    u = "(CAST(('0x' || substr(md5(id), 1, 8)) AS UBIGINT) / 4294967296.0)"
    cases, edge = [], 0.0
    for name, fraction in list(split.items())[:-1]:
        edge += fraction
        cases.append(f"WHEN {u} < {edge!r} THEN '{name}'")
    last = list(split)[-1]
    return f"CASE {' '.join(cases)} ELSE '{last}' END" if cases else f"'{last}'"


def filter_sql(corpus: Corpus, langs: list[str] | None, min_quality: float | None, where: str | None) -> tuple[str, list]:
    clauses, params = [], []
    if langs:
        clauses.append(f"lang IN ({', '.join('?' for _ in langs)})")
        params += list(langs)
    if min_quality is not None:
        has = corpus.con.execute(
            "SELECT count(*) FROM documents WHERE json_exists(annotations, '$.quality.score')").fetchall()[0][0]
        if not has:
            raise ValueError("--min-quality needs quality scores: no document has annotations.quality.score "
                             "(run the quality stage first)")
        clauses.append("TRY_CAST(annotations->>'$.quality.score' AS DOUBLE) >= ?")
        params.append(float(min_quality))
    if where:
        clauses.append(f"({where})")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


# -- export ---------------------------------------------------------------------------------------
def export(
    corpus_path: str | Path,
    out: str | Path,
    *,
    fmt: str = "parquet",
    langs: list[str] | None = None,
    min_quality: float | None = None,
    where: str | None = None,
    shard_size: str | int = "100MB",
    split: str | tuple[float, ...] = "0.98,0.01,0.01",
    name: str | None = None,
    overwrite: bool = False,
    batch_size: int = 1000,
    tokenizer: str | Path | None = None,
    seed: int = 0,
) -> ExportResult:
    """Export the corpus's ``documents`` (deduplicated, filtered) as a package folder ``out``.

    ``fmt``: ``parquet``, ``jsonl`` or ``hf`` (the Hub's repository layout; the same files as
    parquet). Filters: ``langs``, ``min_quality`` (annotations.quality.score), ``where`` (SQL over
    the documents view). Writes shards per split, then the data card and the MANIFEST.

    ``fmt="tokens"``: token ids of ``tokenizer`` (a tokenizers ``.json`` or sentencepiece ``.model``
    file) in binary shards with an index each (:class:`~khlang.exchange.writers.TokensWriter`), the
    documents in an order shuffled by ``seed`` (the same seed gives the same files).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    writer = WRITERS[fmt]
    if fmt == "tokens":
        if tokenizer is None:
            raise ValueError("--format tokens needs --tokenizer FILE (tokenizers .json or sentencepiece .model)")
        writer = TokensWriter.bound(tokenizer)  # a missing tokenizer file fails here, before anything is written
    elif tokenizer is not None:
        raise ValueError("--tokenizer goes with --format tokens only")
    limit = parse_shard_size(shard_size)
    splits = parse_split(split)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{out} exists and is not empty; choose another folder or overwrite")
        if not (out / MANIFEST).exists():
            raise FileExistsError(f"{out} is not a khlang package; refusing to delete it")
        shutil.rmtree(out)
    start = time.perf_counter()
    with Corpus(corpus_path) as corpus:
        filt, params = filter_sql(corpus, langs, min_quality, where)
        (out / "data").mkdir(parents=True, exist_ok=True)
        try:  # a failed export (bad --where, full disk) leaves no half package behind
            result = _write_package(corpus, out, fmt, writer, limit, splits, filt, params, batch_size, name,
                                    {"langs": langs, "min_quality": min_quality, "where": where}, seed)
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)
            raise
    result.seconds = time.perf_counter() - start
    return result


def _write_package(corpus: Corpus, out: Path, fmt: str, writer_cls: type[Writer], limit: tuple[str, int],
                   splits: dict[str, float], filt: str, params: list, batch_size: int, name: str | None,
                   filters: dict[str, Any], seed: int) -> ExportResult:
    result = ExportResult(package=out)
    name = name or out.resolve().name
    base = f"SELECT {', '.join(COLUMNS)}, {split_sql(splits)} AS __split FROM documents{filt}"
    shards: dict[str, list[tuple[Path, int]]] = {}
    for split_name in splits:
        writer = SplitWriter(out / "data", split_name, writer_cls, limit)
        # token shards are shuffled (by a seeded hash of the id: deterministic); other formats sorted by id
        order = f"md5({int(seed)} || ':' || id), id" if fmt == "tokens" else "id"
        reader = corpus.con.sql(f"SELECT {', '.join(COLUMNS)} FROM ({base}) WHERE __split = ? ORDER BY {order}",
                                params=params + [split_name]).to_arrow_reader(batch_size)
        for batch in reader:
            writer.write(pa.Table.from_batches([batch]).cast(DOCS_SCHEMA))
        shards[split_name] = writer.finish()
        result.rows[split_name] = sum(r for _, r in shards[split_name])
    info: dict[str, Any] = {"name": name, "format": fmt, "splits": splits, "rows": result.rows,
                            "shard_size": f"{limit[1]} {limit[0]}"}
    card = data_card(corpus, name, fmt, result.rows, filters, splits, filt, params)
    if fmt == "tokens":
        tok = writer_cls.tokenizer  # type: ignore[attr-defined]
        info["tokens"] = {"tokenizer": tok.path.name, "kind": tok.kind, "vocab_size": tok.vocab_size,
                          "dtype": f"uint{8 * writer_cls.itemsize()}", "shuffle_seed": int(seed)}  # type: ignore[attr-defined]
        card += (f"\n## Token shards\n\nToken ids of `{tok.path.name}` ({tok.kind}, vocabulary {tok.vocab_size:,}) "
                 f"as little-endian {info['tokens']['dtype']} after a 16-byte header, documents shuffled with seed "
                 f"{int(seed)}; each `data/*.tokens` has an index `*.tokens.idx` (Parquet: id, start, length in "
                 "tokens). Read one with `khlang.exchange.writers.read_tokens`.\n")
    (out / CARD).write_text(card, encoding="utf-8")
    files = {p.relative_to(out).as_posix(): {"rows": rows, "split": s} for s, lst in shards.items() for p, rows in lst}
    for s, lst in shards.items():
        for p, _ in lst:
            for suffix in writer_cls.companions:
                files[p.relative_to(out).as_posix() + suffix] = {"rows": None, "split": s}
    files[CARD] = {"rows": None, "split": None}
    write_manifest(out, files, info)
    result.files = sorted(files)
    return result
