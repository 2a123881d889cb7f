"""Corpus-wide paragraph dedup (``dedup_paragraph``): remove paragraphs — cookie banners, share
bars, "read more" blocks, site footers — that recur across documents.

1. **Hashes, in parallel** — ``executor.map`` over the docs shard files: each paragraph (a
   line) is normalised through the language layer (:func:`normal_form`: script-aware
   normalisation, case-folded, spaces and punctuation removed — so Thai, Lao, Khmer and Burmese
   compare however a page spaced them) and hashed to 64 bits; ``(id, position, hash)`` goes to
   ``dedup/paragraph-<run>/``. Paragraphs of fewer than ``min_words`` words (counted by the
   language layer's segmenter where the script has no spaces) are left alone.
2. **Counts, out of core** — DuckDB counts the documents each hash occurs in. A paragraph may stay
   in at most ``max_docs`` documents (the first ones in corpus order); it is removed from the
   others. Every removal is a row of ``dedup/paragraphs-<run>.parquet``: ``id, position, hash,
   count`` (documents the paragraph occurs in).
3. **Rewrite** — the documents that lost paragraphs get a new version: the full row with the
   shorter text in ``docs/dedup_paragraph-<run>.parquet`` (``shard`` -1, or one less than the
   revised version's when a revision is revised again); the old version moves
   to ``dropped/revised-dedup_paragraph-<run>.parquet`` (reason ``revised``, its text kept, so
   nothing is lost) and the ``documents`` view shows only the new one. A document left with less
   than ``min_fraction`` of its characters is dropped instead (reason ``too_little_left``).

A re-run (or a resumed run) first removes what this stage wrote for the run, so it starts from the
corpus as the earlier stages left it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..executors import Executor
from ..runner import run_corpus_stage
from ..stage import CorpusStage, StageStats
from ..lang.scripts import SCRIPT_RANGES
from ..store import DOCS_SCHEMA, DROPPED_SCHEMA, Corpus, quote
from .common import copy_atomic, count_documents, keep_order

_HASH_SCHEMA = pa.schema([("id", pa.string()), ("run_id", pa.string()), ("shard", pa.int32()),
                          ("pos", pa.int32()), ("hash", pa.int64())])


def paragraphs(text: str) -> list[str]:
    """The paragraphs of ``text``: its lines (a blank line is no paragraph)."""
    return text.split("\n")


class _NonLetters(dict):
    """``str.translate`` table deleting every character that is not a letter, mark or number;
    filled lazily, one entry per distinct character seen (a full table costs a second to build)."""

    def __missing__(self, code: int) -> int | None:
        value = code if unicodedata.category(chr(code))[0] in "LMN" else None
        self[code] = value
        return value


_DROP = _NonLetters()
_UNSPACED = re.compile("[" + "".join(SCRIPT_RANGES[s] for s in ("thai", "lao", "khmer", "myanmar", "han", "kana")) + "]")


def normal_forms(text: str, lang: str | None = None) -> list[str]:
    """What two copies of a paragraph share, for each paragraph of ``text``: the language layer's
    script-aware normalisation (:func:`khlang.lang.normalize.normalize`: Thai and Lao vowel order,
    Khmer and Burmese mark order, Zawgyi → Unicode), NFKC, case-folded, with every space,
    punctuation mark and symbol removed — so Thai, Lao, Khmer and Burmese match however a page
    spaced them. Normalised once per document (no rule crosses a line end)."""
    from ..lang.normalize import normalize

    norm, _ = normalize(text, lang if lang in ("th", "lo", "km", "my") else None)
    lines = unicodedata.normalize("NFKC", norm).casefold().split("\n")
    if len(lines) != len(paragraphs(text)):  # NFKC made or removed a line end: paragraph by paragraph
        return [normal_forms(p, lang)[0] for p in paragraphs(text)]
    return [line.translate(_DROP) for line in lines]


def normal_form(paragraph: str, lang: str | None = None) -> str:
    """:func:`normal_forms` of one paragraph."""
    return "".join(normal_forms(paragraph.replace("\n", " "), lang))


def has_words(paragraph: str, letters: int, lang: str | None, min_words: int) -> bool:
    """At least ``min_words`` words? Spaced text counts its space-separated words; text in an
    unspaced script with fewer than 8 letters a word needed is cut by the language layer's
    segmenter (:func:`khlang.lang.segment.words`), longer text always has enough."""
    if not _UNSPACED.search(paragraph):
        return sum(1 for w in paragraph.split() if any(ch.isalnum() for ch in w)) >= min_words
    if letters >= 8 * min_words:
        return True
    from ..lang.segment import words

    return len(words(paragraph, lang)) >= min_words


def paragraph_keys(text: str, lang: str | None = None, min_words: int = 3) -> list[int | None]:
    """For each paragraph of ``text``, the 64-bit hash of its :func:`normal_forms` entry, or ``None``
    when it has fewer than ``min_words`` words (too short to call a repeat boilerplate)."""
    out: list[int | None] = []
    for paragraph, form in zip(paragraphs(text), normal_forms(text, lang)):
        if not form or not has_words(paragraph, len(form), lang, min_words):
            out.append(None)
        else:
            out.append(int.from_bytes(hashlib.blake2b(form.encode(), digest_size=8).digest(), "little", signed=True))
    return out


def paragraph_key(paragraph: str, lang: str | None = None, min_words: int = 3) -> int | None:
    """:func:`paragraph_keys` of one paragraph."""
    return paragraph_keys(paragraph.replace("\n", " "), lang, min_words)[0]


def hash_file(task: dict[str, Any]) -> int:
    """Write ``(id, run_id, shard, pos, hash)`` for one docs file (atomically); for ``executor.map``."""
    src, dst = Path(task["src"]), Path(task["dst"])
    tmp = dst.with_name(f".{dst.name}.tmp{os.getpid()}")
    n = 0
    with pq.ParquetWriter(tmp, _HASH_SCHEMA, compression="zstd") as writer:
        for batch in pq.ParquetFile(src).iter_batches(batch_size=2000, columns=["id", "text", "lang", "run_id", "shard"]):
            cols = {c: batch.column(c).to_pylist() for c in ("id", "text", "lang", "run_id", "shard")}
            rows: dict[str, list] = {c: [] for c in _HASH_SCHEMA.names}
            for i, text in enumerate(cols["text"]):
                for pos, h in enumerate(paragraph_keys(text or "", cols["lang"][i], task["min_words"])):
                    if h is not None:
                        for c, v in (("id", cols["id"][i]), ("run_id", cols["run_id"][i]), ("shard", cols["shard"][i]),
                                     ("pos", pos), ("hash", h)):
                            rows[c].append(v)
            writer.write_table(pa.table(rows, schema=_HASH_SCHEMA))
            n += len(rows["id"])
    os.replace(tmp, dst)
    return n


class ParagraphDedup(CorpusStage):
    """Remove paragraphs found in more than ``max_docs`` documents (default 1: one copy stays),
    recording each removal; drop a document when less than ``min_fraction`` (0.3) of its characters
    would be left. ``min_words`` (3): shorter paragraphs are never removed. ``keep``: which
    documents keep a recurring paragraph (``earliest`` | ``longest`` | ``newest`` | ``best_quality``)."""

    name = "dedup_paragraph"

    def __init__(self, max_docs: int = 1, min_words: int = 3, min_fraction: float = 0.3, keep: str = "earliest") -> None:
        super().__init__()
        keep_order(keep)
        if int(max_docs) < 1 or int(min_words) < 1 or not 0 <= float(min_fraction) <= 1:
            raise ValueError("dedup_paragraph needs max_docs >= 1, min_words >= 1 and 0 <= min_fraction <= 1")
        self.max_docs, self.min_words, self.min_fraction, self.keep = int(max_docs), int(min_words), float(min_fraction), keep

    def params(self) -> dict[str, Any]:
        return {"max_docs": self.max_docs, "min_words": self.min_words, "min_fraction": self.min_fraction, "keep": self.keep}

    @staticmethod
    def outputs(corpus: Corpus, run_id: str) -> dict[str, Path]:
        stage = ParagraphDedup.name
        return {"work": corpus.path / "dedup" / f"paragraph-{run_id}",
                "removed": corpus.path / "dedup" / f"paragraphs-{run_id}.parquet",
                "docs": corpus.docs_dir / f"{stage}-{run_id}.parquet",
                "revised": corpus.dropped_dir / f"revised-{stage}-{run_id}.parquet",
                "dropped": corpus.dropped_dir / f"{stage}-{run_id}.parquet"}

    def run(self, corpus: Corpus, run_id: str, executor: Executor) -> StageStats:
        out = self.outputs(corpus, run_id)
        shutil.rmtree(out["work"], ignore_errors=True)
        for key in ("removed", "docs", "revised", "dropped"):
            out[key].unlink(missing_ok=True)
        corpus.refresh()
        docs_in = count_documents(corpus)
        stats = StageStats(docs_in=docs_in, docs_out=docs_in)
        sources = corpus._finished(corpus.docs_dir)
        if not sources:
            return stats
        out["work"].mkdir(parents=True)
        tasks = [{"src": s, "dst": str(out["work"] / f"{n:06d}.parquet"), "min_words": self.min_words}
                 for n, s in enumerate(sources)]
        executor.map(hash_file, tasks)
        con = corpus.con
        live = f"""SELECT DISTINCT h.id, h.pos, h.hash FROM read_parquet({quote(out['work'] / '*.parquet')}) h
                   SEMI JOIN documents d ON d.id = h.id AND d.run_id = h.run_id AND d.shard IS NOT DISTINCT FROM h.shard"""
        # per hash: its documents ranked by the keep policy; ranks past max_docs lose the paragraph
        ranked = f"""
            WITH live AS ({live}),
            per_doc AS (SELECT hash, id, min(pos) AS first_pos FROM live GROUP BY hash, id),
            counted AS (SELECT p.hash, p.id, p.first_pos, count(*) OVER (PARTITION BY p.hash) AS count,
                               row_number() OVER (PARTITION BY p.hash ORDER BY {keep_order(self.keep)}) AS rank
                        FROM per_doc p JOIN documents USING (id))
            -- a kept document keeps the paragraph's first occurrence only
            SELECT l.id, l.pos, l.hash, c.count
            FROM live l JOIN counted c USING (hash, id)
            WHERE c.count > {self.max_docs} AND (c.rank > {self.max_docs} OR l.pos <> c.first_pos)
            ORDER BY l.id, l.pos
        """
        copy_atomic(corpus, ranked, out["removed"])
        shutil.rmtree(out["work"], ignore_errors=True)
        removed, dropped = self._rewrite(corpus, run_id, out)
        corpus.refresh()
        stats.docs_out -= dropped
        if dropped:
            stats.dropped["too_little_left"] = dropped
        stats.info["paragraphs_removed"] = int(con.execute(
            f"SELECT count(*) FROM read_parquet({quote(out['removed'])})").fetchall()[0][0])
        stats.info["documents_revised"] = removed
        return stats

    def _rewrite(self, corpus: Corpus, run_id: str, out: dict[str, Path]) -> tuple[int, int]:
        """New versions of the documents that lost paragraphs (or drops), streamed batch by batch
        into their three files (each written under a temp name, then renamed); returns (revised, dropped)."""
        query = f"""SELECT d.*, r.positions FROM documents d JOIN
                    (SELECT id, list(pos) AS positions FROM read_parquet({quote(out['removed'])}) GROUP BY id) r
                    USING (id) ORDER BY d.id"""
        targets = {"docs": DOCS_SCHEMA, "revised": DROPPED_SCHEMA, "dropped": DROPPED_SCHEMA}
        writers: dict[str, pq.ParquetWriter] = {}
        counts = {k: 0 for k in targets}

        def write(key: str, rows: list[dict]) -> None:
            if not rows:
                return
            if key not in writers:
                tmp = out[key].with_name(f".{out[key].name}.tmp{os.getpid()}")
                writers[key] = pq.ParquetWriter(tmp, targets[key], compression="zstd")
            writers[key].write_table(pa.Table.from_pylist(rows, schema=targets[key]))
            counts[key] += len(rows)

        for batch in corpus.con.sql(query).to_arrow_reader(1000):
            rows: dict[str, list[dict]] = {k: [] for k in targets}
            for row in batch.to_pylist():
                gone = set(row.pop("positions"))
                paras = paragraphs(row["text"])
                text = "\n".join(p for i, p in enumerate(paras) if i not in gone).strip("\n")
                base = {"id": row["id"], "source_uri": row["source_uri"], "source_kind": row["source_kind"],
                        "duplicate_of": None, "stage": self.name, "text": row["text"]}
                if len(text) < self.min_fraction * len(row["text"]) or not text.strip():
                    rows["dropped"].append({**base, "reason": "too_little_left", "run_id": run_id, "shard": None,
                                            "detail": f"{len(gone)} of {len(paras)} paragraphs recur in other "
                                                      f"documents; {len(text)} of {len(row['text'])} characters left"})
                    continue
                rows["revised"].append({**base, "reason": "revised", "run_id": row["run_id"], "shard": row["shard"],
                                        "detail": f"{len(gone)} of {len(paras)} paragraphs removed (they recur in other documents)"})
                # shard -1 for a first revision, -2 for a revision of that … (never a real shard, never
                # null: the documents view hides an old version by (id, run_id, shard))
                revision = (row["shard"] if row["shard"] is not None and row["shard"] < 0 else 0) - 1
                rows["docs"].append({**row, "text": text, "n_chars": len(text), "shard": revision})
            for key, batch_rows in rows.items():
                write(key, batch_rows)
        for key, writer in writers.items():
            writer.close()
            os.replace(out[key].with_name(f".{out[key].name}.tmp{os.getpid()}"), out[key])
        return counts["docs"], counts["dropped"]


def dedup_paragraph(corpus: str | Path | Corpus, *, run_id: str | None = None, **params: Any) -> StageStats:
    """Paragraph-deduplicate an existing corpus folder in place."""
    return run_corpus_stage(ParagraphDedup(**params), corpus, run_id)


__all__ = ["ParagraphDedup", "dedup_paragraph", "normal_form", "normal_forms", "paragraph_key", "paragraph_keys",
           "paragraphs"]
