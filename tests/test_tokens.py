"""Token counts per language with a user-named tokenizer, and sentencepiece training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sentencepiece as spm
from typer.testing import CliRunner

from khlang.cli import app
from khlang.store import Corpus
from khlang.tokens import load_tokenizer, token_counts, train_tokenizer
from khlang_fakes import build_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, seed_texts) -> Path:
    return build_corpus(tmp_path_factory.mktemp("tokens"), seed_texts)


def _docs(corpus):
    with Corpus(corpus) as c:
        return c.con.execute("SELECT lang, text, annotations FROM documents").fetchall()


def test_train_sentencepiece_and_report_fertility(corpus, tmp_path):
    result = train_tokenizer(corpus, tmp_path / "tok.model", vocab_size=400)
    assert result.model.exists() and 100 < result.vocab_size <= 400 and result.documents == 8
    sp = spm.SentencePieceProcessor(model_file=str(result.model))
    rows = {r["lang"]: r for r in result.fertility}
    docs = _docs(corpus)
    for lang in ("th", "en", "lo"):
        mine = [(t, json.loads(a)) for lg, t, a in docs if lg == lang]
        assert rows[lang]["tokens"] == sum(len(sp.encode(t)) for t, _ in mine)
        # words come from annotations.segment.n_words when the segment stage ran
        assert rows[lang]["words"] == sum(a["segment"]["n_words"] for _, a in mine)
        assert rows[lang]["tokens_per_word"] == round(rows[lang]["tokens"] / rows[lang]["words"], 3)
    assert rows["(all)"]["documents"] == 8
    # the model learned Thai pieces: far fewer tokens than characters
    assert rows["th"]["chars_per_token"] > 1.3


def test_hf_tokenizer_counts(corpus, tmp_path, seed_texts):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(seed_texts, trainers.BpeTrainer(vocab_size=300, special_tokens=["[UNK]"]))
    tok.save(str(tmp_path / "tok.json"))
    rows = {r["lang"]: r for r in token_counts(corpus, tmp_path / "tok.json")}
    th = [t for lg, t, _ in _docs(corpus) if lg == "th"]
    assert rows["th"]["tokens"] == sum(len(tok.encode(t).ids) for t in th) and rows["th"]["documents"] == 5
    only_lo = token_counts(corpus, load_tokenizer(tmp_path / "tok.json"), where="lang = 'lo'")
    assert [r["lang"] for r in only_lo] == ["lo", "(all)"]


def test_whitespace_words_without_segment_stage(tmp_path, seed_texts):
    bare = build_corpus(tmp_path, seed_texts, annotate=False)
    model = train_tokenizer(bare, tmp_path / "t.model", vocab_size=300).model
    rows = {r["lang"]: r for r in token_counts(bare, model)}
    with Corpus(bare) as c:
        texts = [t for (t,) in c.con.execute("SELECT text FROM documents").fetchall()]
    assert rows["(unknown)"]["words"] == sum(len(t.split()) for t in texts)


def test_cli_tokens_and_errors(corpus, tmp_path):
    runner = CliRunner()
    train = runner.invoke(app, ["tokenizer", "train", str(corpus), "-o", str(tmp_path / "t.model"), "--vocab-size", "300"])
    assert train.exit_code == 0, train.output
    assert "fertility" in train.output and "th" in train.output
    count = runner.invoke(app, ["tokens", str(corpus), "--tokenizer", str(tmp_path / "t.model")])
    assert count.exit_code == 0 and "(all)" in count.output
    (tmp_path / "bad.txt").write_text("x")
    bad = runner.invoke(app, ["tokens", str(corpus), "--tokenizer", str(tmp_path / "bad.txt")])
    assert bad.exit_code == 2 and "unknown tokenizer format" in bad.output
    missing = runner.invoke(app, ["tokens", str(corpus), "--tokenizer", str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "not found" in missing.output


def test_export_tokens_shards_decode_back_and_verify(corpus, tmp_path):
    """export --format tokens: shards + index, shuffled by seed, covered by MANIFEST and card;
    a reader decodes each document back to its text; verify catches a cut shard."""
    from khlang.exchange import verify
    from khlang.exchange.writers import read_tokens

    model = train_tokenizer(corpus, tmp_path / "t.model", vocab_size=400).model
    sp = spm.SentencePieceProcessor(model_file=str(model))
    runner = CliRunner()
    args = ["export", str(corpus), str(tmp_path / "pkg"), "--format", "tokens", "--tokenizer", str(model),
            "--split", "1.0", "--shard-size", "3rows", "--seed", "7"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    with Corpus(corpus) as c:
        texts = dict(c.con.execute("SELECT id, text FROM documents").fetchall())
    shards = sorted((tmp_path / "pkg" / "data").glob("*.tokens"))
    assert len(shards) == 3  # 8 documents, 3 a shard
    order = []
    for shard in shards:
        tokens, index = read_tokens(shard)
        assert tokens.dtype.itemsize == 2  # a 400-piece vocabulary fits uint16
        for doc_id, start, length in zip(*(index.column(c).to_pylist() for c in ("id", "start", "length"))):
            # the text as the tokenizer normalises it (sentencepiece's NFKC turns Thai ำ into ํา)
            assert sp.decode(tokens[start:start + length].tolist()) == sp.decode(sp.encode(texts[doc_id]))
            assert length == len(sp.encode(texts[doc_id]))
            order.append(doc_id)
    assert sorted(order) == sorted(texts) and order != sorted(order)  # every document, shuffled
    manifest = verify(tmp_path / "pkg")
    assert manifest["tokens"] == {"tokenizer": "t.model", "kind": "sentencepiece", "vocab_size": 400, "dtype": "uint16",
                                  "shuffle_seed": 7}
    assert {f"data/{s.name}.idx" for s in shards} <= set(manifest["files"])
    assert "## Token shards" in (tmp_path / "pkg" / "README.md").read_text(encoding="utf-8")
    # the same seed gives the same files
    assert runner.invoke(app, args[:2] + [str(tmp_path / "again")] + args[3:]).exit_code == 0
    assert [p.read_bytes() for p in shards] == [p.read_bytes() for p in sorted((tmp_path / "again" / "data").glob("*.tokens"))]
    # a truncated shard fails verify, naming the file
    with open(shards[0], "r+b") as f:
        f.truncate(shards[0].stat().st_size - 2)
    bad = runner.invoke(app, ["verify", str(tmp_path / "pkg")])
    assert bad.exit_code == 1 and shards[0].name in bad.output


def test_export_tokens_bad_tokenizer(corpus, tmp_path):
    runner = CliRunner()
    missing = runner.invoke(app, ["export", str(corpus), str(tmp_path / "p"), "--format", "tokens",
                                  "--tokenizer", str(tmp_path / "none.model")])
    assert missing.exit_code == 2 and "not found" in missing.output and not (tmp_path / "p").exists()
    none = runner.invoke(app, ["export", str(corpus), str(tmp_path / "p"), "--format", "tokens"])
    assert none.exit_code == 2 and "needs --tokenizer" in none.output
