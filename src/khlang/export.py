"""Exchange: export a corpus as a training-ready package, verify a received package, import one.

A package is a folder::

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

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from .store import COMPRESSION, DOCS_SCHEMA, Corpus, write_json_atomic

FORMATS = ("parquet", "jsonl", "hf")
MANIFEST = "MANIFEST.json"
CARD = "README.md"
SPLIT_NAMES = {1: ("train",), 2: ("train", "test"), 3: ("train", "validation", "test")}
COLUMNS = DOCS_SCHEMA.names


class PackageError(Exception):
    """A package failed verification; ``problems`` lists every mismatch, each naming its file."""

    def __init__(self, package: Path, problems: list[str]) -> None:
        self.package, self.problems = package, problems
        super().__init__(f"package {package} failed verification:\n  " + "\n  ".join(problems))


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
class _ShardWriter:
    """Writes one split into ``data/<split>-tmp-NNNNN.<ext>`` files, rolling over at the size limit."""

    def __init__(self, directory: Path, split: str, fmt: str, limit: tuple[str, int]) -> None:
        self.directory, self.split, self.fmt, (self.unit, self.limit) = directory, split, fmt, limit
        self.ext = "jsonl" if fmt == "jsonl" else "parquet"
        self.paths: list[Path] = []
        self.rows: list[int] = []
        self._writer: Any = None
        self._used = 0

    def _open(self) -> None:
        path = self.directory / f".{self.split}-tmp-{len(self.paths):05d}.{self.ext}"
        self.paths.append(path)
        self.rows.append(0)
        self._used = 0
        if self.fmt == "jsonl":
            self._writer = open(path, "w", encoding="utf-8")
        else:
            self._writer = pq.ParquetWriter(path, DOCS_SCHEMA, compression=COMPRESSION)

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def write(self, batch: pa.Table) -> None:
        sizes = _row_sizes(batch) if self.unit == "bytes" else None
        offset = 0
        while offset < batch.num_rows:
            if self._writer is None or self._used >= self.limit:
                self._close()
                self._open()
            room = self.limit - self._used
            if sizes is None:
                take = min(batch.num_rows - offset, room)
                used = take
            else:  # as many rows as fit in the room left (at least one)
                cum = np.cumsum(sizes[offset:])
                take = max(1, int(np.searchsorted(cum, room, side="right")))
                used = int(cum[take - 1])
            part = batch.slice(offset, take)
            if self.fmt == "jsonl":
                for row in part.to_pylist():
                    self._writer.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                self._writer.write_table(part)
            self._used += used
            self.rows[-1] += take
            offset += take

    def finish(self) -> list[tuple[Path, int]]:
        """Close and rename to ``<split>-NNNNN-of-NNNNN.<ext>``; return (path, rows) per shard."""
        self._close()
        out = []
        n = len(self.paths)
        for i, (tmp, rows) in enumerate(zip(self.paths, self.rows)):
            final = self.directory / f"{self.split}-{i:05d}-of-{n:05d}.{self.ext}"
            os.replace(tmp, final)
            out.append((final, rows))
        return out


def _row_sizes(table: pa.Table) -> np.ndarray:
    """Bytes per row: UTF-8 length of every string column, plus 8 per other value."""
    import pyarrow.compute as pc

    sizes = np.zeros(table.num_rows, dtype=np.int64)
    for col in table.columns:
        if pa.types.is_string(col.type):
            sizes += pc.fill_null(pc.binary_length(col), 0).to_numpy()
        else:
            sizes += 8
    return sizes


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
) -> ExportResult:
    """Export the corpus's ``documents`` (deduplicated, filtered) as a package folder ``out``.

    ``fmt``: ``parquet``, ``jsonl`` or ``hf`` (the Hub's repository layout; the same files as
    parquet). Filters: ``langs``, ``min_quality`` (annotations.quality.score), ``where`` (SQL over
    the documents view). Writes shards per split, then the data card and the MANIFEST.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
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
            result = _write_package(corpus, out, fmt, limit, splits, filt, params, batch_size, name,
                                    {"langs": langs, "min_quality": min_quality, "where": where})
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)
            raise
    result.seconds = time.perf_counter() - start
    return result


def _write_package(corpus: Corpus, out: Path, fmt: str, limit: tuple[str, int], splits: dict[str, float],
                   filt: str, params: list, batch_size: int, name: str | None, filters: dict[str, Any]) -> ExportResult:
    result = ExportResult(package=out)
    name = name or out.resolve().name
    base = f"SELECT {', '.join(COLUMNS)}, {split_sql(splits)} AS __split FROM documents{filt}"
    shards: dict[str, list[tuple[Path, int]]] = {}
    for split_name in splits:
        writer = _ShardWriter(out / "data", split_name, fmt, limit)
        reader = corpus.con.sql(f"SELECT {', '.join(COLUMNS)} FROM ({base}) WHERE __split = ? ORDER BY id",
                                params=params + [split_name]).to_arrow_reader(batch_size)
        for batch in reader:
            writer.write(pa.Table.from_batches([batch]).cast(DOCS_SCHEMA))
        shards[split_name] = writer.finish()
        result.rows[split_name] = sum(r for _, r in shards[split_name])
    card = data_card(corpus, name, fmt, result.rows, filters, splits, filt, params)
    (out / CARD).write_text(card, encoding="utf-8")
    files = {p.relative_to(out).as_posix(): {"rows": rows, "split": s} for s, lst in shards.items() for p, rows in lst}
    files[CARD] = {"rows": None, "split": None}
    write_manifest(out, files, {"name": name, "format": fmt, "splits": splits, "rows": result.rows,
                                "shard_size": f"{limit[1]} {limit[0]}"})
    result.files = sorted(files)
    return result


def write_manifest(package: Path, files: dict[str, dict[str, Any]], info: dict[str, Any]) -> Path:
    entries = {}
    for rel, extra in sorted(files.items()):
        path = package / rel
        entries[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size, **extra}
    manifest = {"khlang_package": 1, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                **info, "files": entries}
    write_json_atomic(manifest, package / MANIFEST)
    return package / MANIFEST


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -- data card ------------------------------------------------------------------------------------
def _rows(corpus: Corpus, query: str, params: list) -> list[dict[str, Any]]:
    rel = corpus.con.execute(query, params)
    cols = [c[0] for c in rel.description]
    return [dict(zip(cols, r)) for r in rel.fetchall()]


def _md_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)\n"
    cols = list(rows[0])
    fmt = lambda v: f"{v:,}" if isinstance(v, int) else "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                         (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")):
        if n < limit:
            return label
    return "100M<n<1B"


def data_card(corpus: Corpus, name: str, fmt: str, rows: dict[str, int], filters: dict[str, Any],
              splits: dict[str, float], filt: str, params: list) -> str:
    """README.md for the package: HF-style YAML front matter, then sources, licences, languages,
    processing steps (from the ``runs`` table), PII policy and known limitations."""
    from .stats import WORDS_SQL, has_annotation, key_counts

    sub = f"(SELECT * FROM documents{filt})"
    langs = _rows(corpus, f"SELECT coalesce(lang, '(unknown)') AS language, count(*) AS documents, "
                          f"sum({WORDS_SQL}) AS words, sum(n_chars) AS characters FROM {sub} GROUP BY 1 ORDER BY 2 DESC", params)
    licences = _rows(corpus, f"SELECT coalesce(licence, '(not stated)') AS licence, count(*) AS documents "
                             f"FROM {sub} GROUP BY 1 ORDER BY 2 DESC", params)
    sources = _rows(corpus, f"""SELECT source_kind AS kind,
            coalesce(nullif(regexp_extract(coalesce(url, source_uri), '^[a-zA-Z]+://([^/:?#]+)', 1), ''),
                     regexp_extract(regexp_replace(source_uri, '#.*$', ''), '([^/\\\\]+)$', 1)) AS source,
            count(*) AS documents FROM {sub} GROUP BY ALL ORDER BY documents DESC LIMIT 25""", params)
    runs = corpus.runs()
    ext = "jsonl" if fmt == "jsonl" else "parquet"
    iso = sorted({r["language"] for r in langs if r["language"] != "(unknown)"})
    licence_ids = sorted({str(r["licence"]).lower() for r in licences if r["licence"] != "(not stated)"})
    total = sum(rows.values())
    front = {
        "pretty_name": name,
        "language": iso,
        "license": licence_ids[0] if len(licence_ids) == 1 and len(licences) == 1 else "other",
        "multilinguality": "multilingual" if len(iso) > 1 else "monolingual",
        "size_categories": [_size_category(total)],
        "task_categories": ["text-generation"],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": s, "path": f"data/{s}-*.{ext}"} for s, n in rows.items() if n]}],
        "dataset_info": {"splits": [{"name": s, "num_examples": n} for s, n in rows.items() if n]},
        "khlang": {"format": fmt, "split_fractions": splits, "filters": {k: v for k, v in filters.items() if v is not None},
                   "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                   "corpus_runs": [r["run_id"] for r in runs]},
    }
    if front["license"] == "other":
        front["license_details"] = ", ".join(licence_ids) or "not stated"
    parts = ["---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n",
             f"# {name}\n\nA text corpus packaged by khlang: {total:,} documents in "
             + ", ".join(f"{s} {n:,}" for s, n in rows.items()) + f" ({fmt}).\n",
             "\n## Languages and counts\n\nWords are the segmenter's counts where the segment stage ran, "
             "else whitespace-separated tokens.\n\n" + _md_table(langs),
             "\n## Sources\n\n" + _md_table(sources),
             "\n## Licences\n\nAs recorded per document by the source; check each source's terms before "
             "redistribution.\n\n" + _md_table(licences),
             "\n## Processing steps\n\n" + _processing(runs),
             "\n## Personal information (PII) policy\n\n" + _pii_policy(corpus, has_annotation, key_counts),
             "\n## Splits\n\nDeterministic by id: the first 32 bits of md5(id) against the fractions "
             + ", ".join(f"{k} {v:g}" for k, v in splits.items()) + "; a document keeps its split across exports.\n",
             "\n## Fields\n\n`id`, `text`, `lang`, `source_uri`, `source_kind`, `title`, `date`, `url`, "
             "`licence`, `n_chars`, `meta` (JSON), `annotations` (JSON: what each stage found; offsets "
             "are Unicode code points), `run_id` and `shard` (the corpus run that produced the row).\n",
             "\n## Known limitations\n\n" + _limitations(corpus, langs, runs, has_annotation)]
    return "".join(parts)


def _processing(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return "No runs recorded.\n"
    out = []
    for r in runs:
        config = json.loads(r.get("config") or "{}")
        versions = json.loads(r.get("versions") or "{}")
        stats = json.loads(r.get("stages") or "{}")
        out.append(f"### Run `{r['run_id']}` ({r.get('name')}, {r.get('status')})\n\n"
                   f"Started {r.get('started_at')}; {r.get('docs_in') or 0:,} documents in, "
                   f"{r.get('docs_out') or 0:,} kept, {r.get('docs_dropped') or 0:,} dropped. Versions: "
                   + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".\n\n")
        rows = []
        specs = [next(iter(s.items())) if isinstance(s, dict) else (s, {}) for s in config.get("stages") or []]
        names = [s for s in stats if s not in ("read", "import")]
        # stats are keyed by stage name, specs by the name in the pipeline file (maybe module:Class);
        # both follow pipeline order
        params = dict(zip(names, (p for _, p in specs))) if len(names) == len(specs) else dict(specs)
        for stage, st in stats.items():
            dropped = ", ".join(f"{k} {v:,}" for k, v in (st.get("dropped") or {}).items())
            rows.append({"stage": stage, "parameters": json.dumps(params.get(stage, {}), ensure_ascii=False),
                         "in": st.get("docs_in", 0), "kept": st.get("docs_out", 0), "dropped": dropped})
        if "import" in config:
            out.append(f"Imported from package `{config['import'].get('name')}` "
                       f"(MANIFEST sha256 {config['import'].get('manifest_sha256')}).\n\n")
        out.append(_md_table(rows) + "\n")
    return "".join(out)


def _pii_policy(corpus: Corpus, has_annotation, key_counts) -> str:
    if not has_annotation(corpus, "pii"):
        return ("No PII stage was run on this corpus: the text may contain names, e-mail addresses, phone "
                "numbers and other personal information. Run the pii stage before sharing it further.\n")
    counts = key_counts(corpus, "pii")
    found = counts.groupby("key")["count"].sum()
    found = found[found > 0]
    listing = ", ".join(f"{k} {int(v):,}" for k, v in found.items()) or "none"
    return ("The pii stage ran over every document; what it found is in `annotations.pii` (counts by type). "
            f"Found in the corpus: {listing}. Detection is pattern- and model-based and misses some "
            "personal information; treat the data as possibly containing it.\n")


def _limitations(corpus: Corpus, langs: list[dict[str, Any]], runs, has_annotation) -> str:
    notes = []
    stages = {s for r in runs for s in json.loads(r.get("stages") or "{}")}
    if not any("dedup" in s for s in stages):
        notes.append("No deduplication stage ran: exact and near duplicates may remain.")
    if not has_annotation(corpus, "langid"):
        notes.append("No language identification ran: `lang` comes from the sources, or is empty.")
    if not has_annotation(corpus, "quality"):
        notes.append("No quality filter ran: boilerplate and low-quality text may remain.")
    if not has_annotation(corpus, "segment"):
        notes.append("Word counts are whitespace tokens: they undercount Thai, Lao, Khmer and Burmese.")
    small = [r["language"] for r in langs if r["documents"] < 100]
    if small:
        notes.append("Languages with fewer than 100 documents (too few to train on alone): " + ", ".join(small) + ".")
    if any(r["language"] == "(unknown)" for r in langs):
        notes.append("Some documents have no language.")
    notes.append("Automatic stages make mistakes; counts above describe this package, not the languages.")
    return "".join(f"- {n}\n" for n in notes)


# -- verify ---------------------------------------------------------------------------------------
def count_rows(path: Path) -> int:
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def read_manifest(package: Path) -> dict[str, Any]:
    path = package / MANIFEST
    if not path.exists():
        raise PackageError(package, [f"{MANIFEST}: missing (not a khlang package?)"])
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(manifest.get("files"), dict)
    except (ValueError, AssertionError) as exc:
        raise PackageError(package, [f"{MANIFEST}: unreadable ({exc or 'no files list'})"]) from None
    return manifest


def verify(package: str | Path) -> dict[str, Any]:
    """Check a package against its MANIFEST: every file present, no extra file, sha256, byte size
    and row count equal. Raises :class:`PackageError` listing every problem; returns the manifest."""
    package = Path(package)
    if not package.is_dir():
        raise PackageError(package, [f"{package}: not a folder"])
    manifest = read_manifest(package)
    problems = []
    listed = manifest["files"]
    present = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()} - {MANIFEST}
    for rel in sorted(present - set(listed)):
        problems.append(f"{rel}: extra file, not in {MANIFEST}")
    for rel, entry in sorted(listed.items()):
        path = package / rel
        if not path.is_file():
            problems.append(f"{rel}: missing (listed in {MANIFEST})")
            continue
        digest = sha256_file(path)
        if digest != entry.get("sha256"):
            problems.append(f"{rel}: sha256 mismatch (expected {entry.get('sha256')}, found {digest})")
        if entry.get("bytes") is not None and path.stat().st_size != entry["bytes"]:
            problems.append(f"{rel}: {path.stat().st_size:,} bytes, {MANIFEST} says {entry['bytes']:,}")
        if entry.get("rows") is not None:
            try:
                rows = count_rows(path)
            except Exception as exc:  # a corrupt file must be reported, not crash the check
                problems.append(f"{rel}: unreadable ({type(exc).__name__}: {exc})")
                continue
            if rows != entry["rows"]:
                problems.append(f"{rel}: {rows:,} rows, {MANIFEST} says {entry['rows']:,}")
    if problems:
        raise PackageError(package, problems)
    return manifest


# -- import ---------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    run_id: str
    corpus: Path
    imported: int = 0
    skipped: int = 0  # ids already in the corpus (recorded as dropped, reason already_present)


def _read_package_file(path: Path) -> pa.Table:
    if path.suffix == ".parquet":
        table = pq.read_table(path)
    else:
        with open(path, encoding="utf-8") as f:
            table = pa.Table.from_pylist([json.loads(line) for line in f if line.strip()])
    missing = set(COLUMNS) - set(table.column_names)
    if missing:
        raise ValueError(f"{path.name}: not a khlang export (missing columns {sorted(missing)})")
    return table.select(COLUMNS).cast(DOCS_SCHEMA)


def import_package(package: str | Path, corpus_path: str | Path) -> ImportResult:
    """Verify ``package`` and merge its documents into the corpus at ``corpus_path`` (created if
    absent) as a new run ``import-<time>-<manifest hash>``: one shard per package file, done
    markers, a ``runs`` row recording the package name and MANIFEST sha256. Ids are kept; each
    row's ``meta.imported_from`` keeps its package, split and original run. A document whose id the
    corpus already has is not added twice: it goes to ``dropped`` (stage import, already_present)."""
    from .document import Document, Drop

    package = Path(package)
    manifest = verify(package)
    manifest_sha = sha256_file(package / MANIFEST)
    name = manifest.get("name") or package.resolve().name
    start = time.perf_counter()
    run_id = f"import-{dt.datetime.now().strftime('%Y%m%dT%H%M%S%f')}-{manifest_sha[:6]}"
    corpus = Corpus(corpus_path, create=True)
    result = ImportResult(run_id=run_id, corpus=corpus.path)
    try:
        data_files = [rel for rel, e in sorted(manifest["files"].items()) if e.get("rows") is not None]
        config = {"name": f"import {name}", "import": {"name": name, "path": str(package.resolve()),
                                                       "manifest_sha256": manifest_sha, "format": manifest.get("format"),
                                                       "rows": manifest.get("rows")}, "stages": []}
        corpus.begin_run(run_id, name=f"import {name}", fingerprint=manifest_sha[:12], executor="import", workers=1,
                         shards=len(data_files), config=config)
        for shard, rel in enumerate(data_files):
            table = _read_package_file(package / rel)
            corpus.con.register("_pkg", table)
            present = {r[0] for r in corpus.con.execute(
                "SELECT DISTINCT id FROM all_docs WHERE id IN (SELECT id FROM _pkg)").fetchall()}
            corpus.con.unregister("_pkg")
            kept, dropped = [], []
            split = manifest["files"][rel].get("split")
            for row in table.to_pylist():
                meta = json.loads(row["meta"] or "{}")
                meta["imported_from"] = {"package": name, "manifest_sha256": manifest_sha, "file": rel,
                                         "split": split, "run_id": row["run_id"], "shard": row["shard"]}
                row.update(meta=json.dumps(meta, ensure_ascii=False, sort_keys=True), run_id=run_id, shard=shard)
                if row["id"] in present:
                    doc = Document.from_row(row)
                    doc.drop = Drop("import", "already_present", f"id already in the corpus (from {rel})")
                    dropped.append(doc)
                else:
                    present.add(row["id"])
                    kept.append(row)
            stats = {"docs_in": table.num_rows, "docs_out": len(kept),
                     "dropped": {"already_present": len(dropped)} if dropped else {}, "seconds": 0.0}
            corpus.write_shard(run_id, shard, pa.Table.from_pylist(kept, schema=DOCS_SCHEMA), dropped,
                               {"shard": shard, "docs_in": table.num_rows, "docs_out": len(kept),
                                "docs_dropped": len(dropped), "file": rel, "stages": {"import": stats}})
            result.imported += len(kept)
            result.skipped += len(dropped)
        seconds = time.perf_counter() - start
        total = result.imported + result.skipped
        stages = {"import": {"docs_in": total, "docs_out": result.imported,
                             "dropped": {"already_present": result.skipped} if result.skipped else {},
                             "seconds": round(seconds, 6)}}
        corpus.finish_run(run_id, seconds=seconds, docs_in=total, stages=stages)
    except BaseException:  # leave no half import visible: remove its shards, keep the failed run row
        corpus.fail_run(run_id, discard=True)
        raise
    finally:
        corpus.close()
    return result


def iter_package(package: str | Path) -> Iterator[dict[str, Any]]:
    """Rows of every data file of a package (for quick checks and tests)."""
    package = Path(package)
    manifest = read_manifest(package)
    for rel, entry in sorted(manifest["files"].items()):
        if entry.get("rows") is not None:
            yield from _read_package_file(package / rel).to_pylist()
