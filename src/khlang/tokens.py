"""Token counts per language (for training budgets) and sentencepiece tokenizer training.

``token_counts(corpus, "tok.json")`` runs a tokenizer the user names over the corpus and reports,
per language, documents, words, characters, tokens, *fertility* (tokens per word) and characters
per token. Tokenizers: a Hugging Face ``tokenizers`` file (``.json``) or a sentencepiece model
(``.model``); both load from local files only.

Words are ``annotations.segment.n_words`` where the segment stage ran, else whitespace-separated
tokens, which undercounts Thai, Lao, Khmer and Burmese (no spaces between words) and so inflates
their fertility: run ``segment`` first for meaningful numbers there.

``train_tokenizer(corpus, "tok.model", vocab_size=N)`` trains a sentencepiece model on a streamed,
hash-ordered sample of the corpus (never the whole corpus in memory), then reports fertility.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from .stats import LANG_SQL, WORDS_SQL
from .store import Corpus


@dataclass
class Tokenizer:
    """A loaded tokenizer: ``count(texts)`` → tokens per text, ``encode(texts)`` → their token ids
    (no special tokens added), ``decode(ids)`` → text (``export --format tokens`` and its readers)."""

    path: Path
    kind: str  # "hf" or "sentencepiece"
    count: Callable[[list[str]], list[int]]
    vocab_size: int
    encode: Callable[[list[str]], list[list[int]]] = field(default=lambda texts: [], repr=False)
    decode: Callable[[list[int]], str] = field(default=lambda ids: "", repr=False)


def load_tokenizer(path: str | Path) -> Tokenizer:
    """Load a tokenizer from a local file: ``*.json`` (HF tokenizers) or ``*.model`` (sentencepiece)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"tokenizer file {path} not found")
    if path.suffix == ".json":
        from tokenizers import Tokenizer as HfTokenizer

        tok = HfTokenizer.from_file(str(path))
        return Tokenizer(path, "hf", lambda texts: [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=False)],
                         tok.get_vocab_size(),
                         lambda texts: [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)],
                         lambda ids: tok.decode(ids, skip_special_tokens=False))
    if path.suffix == ".model":
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=str(path))
        return Tokenizer(path, "sentencepiece", lambda texts: [len(ids) for ids in sp.encode(texts)], sp.get_piece_size(),
                         lambda texts: sp.encode(texts), lambda ids: sp.decode(ids))
    raise ValueError(f"{path}: unknown tokenizer format; give a tokenizers .json or a sentencepiece .model file")


def _batches(corpus: Corpus, where: str | None, limit: int | None, batch_size: int) -> Iterator[dict[str, list]]:
    query = (f"SELECT {LANG_SQL} AS lang, text, {WORDS_SQL} AS words FROM documents"
             + (f" WHERE {where}" if where else "") + " ORDER BY md5(id)" + (f" LIMIT {int(limit)}" if limit else ""))
    for batch in corpus.con.sql(query).to_arrow_reader(batch_size):
        yield batch.to_pydict()


def token_counts(corpus_path: str | Path, tokenizer: str | Path | Tokenizer, *, where: str | None = None,
                 limit: int | None = None, batch_size: int = 256) -> list[dict[str, Any]]:
    """Per language (plus a ``(all)`` row): documents, words, characters, tokens, tokens_per_word
    (fertility) and chars_per_token. ``where`` filters documents (SQL); ``limit`` caps them (a
    hash-ordered, i.e. deterministic and unbiased, sample)."""
    tok = tokenizer if isinstance(tokenizer, Tokenizer) else load_tokenizer(tokenizer)
    acc: dict[str, list[int]] = {}
    with Corpus(corpus_path) as corpus:
        for batch in _batches(corpus, where, limit, batch_size):
            counts = tok.count(batch["text"])
            for lang, text, words, n in zip(batch["lang"], batch["text"], batch["words"], counts):
                a = acc.setdefault(lang, [0, 0, 0, 0])
                a[0] += 1
                a[1] += int(words or 0)
                a[2] += len(text)
                a[3] += n
    rows = [_row(lang, *a) for lang, a in sorted(acc.items(), key=lambda kv: -kv[1][3])]
    if rows:
        rows.append(_row("(all)", *(sum(a[i] for a in acc.values()) for i in range(4))))
    return rows


def _row(lang: str, docs: int, words: int, chars: int, tokens: int) -> dict[str, Any]:
    return {"lang": lang, "documents": docs, "words": words, "characters": chars, "tokens": tokens,
            "tokens_per_word": round(tokens / words, 3) if words else None,
            "chars_per_token": round(chars / tokens, 3) if tokens else None}


@dataclass
class TrainResult:
    model: Path
    vocab_size: int
    documents: int
    sentences: int
    fertility: list[dict[str, Any]] = field(default_factory=list)


def train_tokenizer(corpus_path: str | Path, out: str | Path, *, vocab_size: int = 8000, model_type: str = "unigram",
                    sample_docs: int = 100_000, character_coverage: float = 0.9995, where: str | None = None,
                    threads: int | None = None) -> TrainResult:
    """Train a sentencepiece model on (a sample of) the corpus and report fertility per language.

    Documents are streamed in hash order (``sample_docs`` at most) and fed line by line, so memory
    stays flat. ``vocab_size`` is an upper bound on small corpora (sentencepiece's
    ``hard_vocab_limit`` is off). The fertility report runs the new model over the same sample.
    """
    import sentencepiece as spm

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    seen = {"docs": 0, "lines": 0}
    with Corpus(corpus_path) as corpus:
        if not corpus.con.execute("SELECT count(*) FROM documents").fetchall()[0][0]:
            raise ValueError(f"{corpus_path}: the corpus has no documents to train on")

        def sentences() -> Iterator[str]:
            for batch in _batches(corpus, where, sample_docs, 256):
                for text in batch["text"]:
                    seen["docs"] += 1
                    for line in text.splitlines():
                        if line.strip():
                            seen["lines"] += 1
                            yield line

        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=sentences(), model_writer=model, vocab_size=vocab_size, model_type=model_type,
            character_coverage=character_coverage, hard_vocab_limit=False, max_sentence_length=1 << 16,
            num_threads=threads or min(os.cpu_count() or 1, 8), minloglevel=2,
            # digits one by one and no dummy prefix inside words: friendlier to scripts without spaces
            split_digits=True)
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    tmp.write_bytes(model.getvalue())
    os.replace(tmp, out)
    tok = load_tokenizer(out)
    return TrainResult(out, tok.vocab_size, seen["docs"], seen["lines"],
                       token_counts(corpus_path, tok, where=where, limit=sample_docs))
