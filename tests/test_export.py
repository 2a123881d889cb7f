"""Export → verify → import, tamper detection, the data card, and loading with HF datasets offline."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from khlang.cli import app
from khlang.exchange import PackageError, export, import_package, iter_package, parse_shard_size, parse_split, verify
from khlang.exchange.writers import row_sizes
from khlang.store import Corpus
from khlang_fakes import build_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, seed_texts) -> Path:
    return build_corpus(tmp_path_factory.mktemp("export"), seed_texts)


def _docs(corpus: Path) -> dict[str, dict]:
    with Corpus(corpus) as c:
        rel = c.con.execute("SELECT * FROM documents")
        cols = [d[0] for d in rel.description]
        return {r[0]: dict(zip(cols, r)) for r in rel.fetchall()}


def _split_of(doc_id: str, fractions=(0.5, 0.25, 0.25)) -> str:
    u = int(hashlib.md5(doc_id.encode()).hexdigest()[:8], 16) / 2**32
    return "train" if u < fractions[0] else "validation" if u < fractions[0] + fractions[1] else "test"


@pytest.fixture
def package(corpus, tmp_path) -> Path:
    export(corpus, tmp_path / "pkg", shard_size="2rows", split="0.5,0.25,0.25")
    return tmp_path / "pkg"


def test_export_layout_splits_and_verify(corpus, package):
    manifest = verify(package)
    docs = _docs(corpus)
    files = manifest["files"]
    data_files = sorted(f for f in files if f.startswith("data/"))
    names = [re.fullmatch(r"data/(train|validation|test)-(\d{5})-of-(\d{5})\.parquet", f) for f in data_files]
    assert all(names), data_files
    for split in {m[1] for m in names}:  # shard i of n, i = 0..n-1, as the Hub names them
        shards = [(int(m[2]), int(m[3])) for m in names if m[1] == split]
        assert sorted(i for i, _ in shards) == list(range(len(shards))) and {n for _, n in shards} == {len(shards)}
    assert all(files[f]["rows"] <= 2 for f in data_files)
    assert sum(files[f]["rows"] for f in data_files) == len(docs) == 8  # dedup + quality drops excluded
    for f in data_files:  # each id sits in the split its hash says
        split = f.split("/")[1].split("-")[0]
        assert {_split_of(i) for i in pq.read_table(package / f, columns=["id"])["id"].to_pylist()} == {split}
    assert set(files) == set(data_files) | {"README.md"}


def test_export_shards_by_bytes(corpus, tmp_path):
    export(corpus, tmp_path / "a", split="1", shard_size="20KB")
    export(corpus, tmp_path / "b", split="1", shard_size="1GB")
    ids = lambda p: [r["id"] for r in iter_package(p)]
    assert ids(tmp_path / "a") == ids(tmp_path / "b") == sorted(_docs(corpus))
    a = json.loads((tmp_path / "a" / "MANIFEST.json").read_text())["files"]
    b = json.loads((tmp_path / "b" / "MANIFEST.json").read_text())["files"]
    assert len([f for f in b if f.startswith("data/")]) == 1
    shards = [f for f in a if f.startswith("data/train")]
    assert len(shards) >= 3  # five Thai articles of 6-25 KB (UTF-8) each
    for f in sorted(shards):  # a shard closes once full, and passes 20 KB only by its last row
        table = pq.read_table(tmp_path / "a" / f)
        sizes = row_sizes(table)
        assert a[f]["rows"] == table.num_rows and sizes[:-1].sum() < 20_000
        assert f == sorted(shards)[-1] or sizes.sum() >= 20_000


def test_flipped_byte_fails_verify(package):
    target = sorted((package / "data").glob("*.parquet"))[0]
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    target.write_bytes(bytes(raw))
    with pytest.raises(PackageError) as err:
        verify(package)
    assert any(p.startswith(f"data/{target.name}: sha256 mismatch") for p in err.value.problems)
    result = CliRunner().invoke(app, ["verify", str(package)])
    assert result.exit_code == 1 and "FAILED" in result.output and target.name in result.output


def test_removed_row_fails_verify(package):
    target = sorted((package / "data").glob("*.parquet"))[0]
    table = pq.read_table(target)
    pq.write_table(table.slice(0, table.num_rows - 1), target)
    with pytest.raises(PackageError) as err:
        verify(package)
    problems = "\n".join(err.value.problems)
    assert f"data/{target.name}: {table.num_rows - 1:,} rows, MANIFEST.json says {table.num_rows:,}" in problems


def test_missing_and_extra_files_fail_verify(package):
    victim = sorted((package / "data").glob("*.parquet"))[-1]
    victim.unlink()
    (package / "data" / "stray.parquet").write_bytes(b"x")
    with pytest.raises(PackageError) as err:
        verify(package)
    assert f"data/{victim.name}: missing (listed in MANIFEST.json)" in err.value.problems
    assert "data/stray.parquet: extra file, not in MANIFEST.json" in err.value.problems
    (package / "MANIFEST.json").unlink()
    with pytest.raises(PackageError, match="MANIFEST.json: missing"):
        verify(package)


def test_import_round_trip_keeps_documents_and_provenance(corpus, package, tmp_path):
    original = _docs(corpus)
    target = tmp_path / "merged"
    result = import_package(package, target)
    assert result.imported == len(original) and result.skipped == 0
    imported = _docs(target)
    assert imported.keys() == original.keys()
    manifest_sha = hashlib.sha256((package / "MANIFEST.json").read_bytes()).hexdigest()
    for doc_id, row in imported.items():
        src = original[doc_id]
        for col in ("text", "lang", "source_uri", "source_kind", "title", "url", "licence", "n_chars", "annotations"):
            assert row[col] == src[col], (doc_id, col)
        meta = json.loads(row["meta"])
        prov = meta.pop("imported_from")
        assert meta == json.loads(src["meta"])
        assert prov["run_id"] == src["run_id"] and prov["shard"] == src["shard"]
        assert prov["manifest_sha256"] == manifest_sha and prov["split"] == _split_of(doc_id)
        assert row["run_id"] == result.run_id
    with Corpus(target) as c:
        run = c.runs()[-1]
        assert run["run_id"].startswith("import-") and run["status"] == "done"
        assert json.loads(run["config"])["import"]["manifest_sha256"] == manifest_sha
    again = import_package(package, target)  # nothing doubles; the repeats are recorded, not lost
    assert again.imported == 0 and again.skipped == len(original)
    assert _docs(target).keys() == original.keys()
    with Corpus(target) as c:
        reasons = c.con.execute("SELECT stage, reason, count(*) FROM dropped GROUP BY ALL").fetchall()
    assert reasons == [("import", "already_present", len(original))]


def test_import_refuses_a_tampered_package(package, tmp_path):
    target = sorted((package / "data").glob("*.parquet"))[0]
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(PackageError, match=target.name):
        import_package(package, tmp_path / "c")
    result = CliRunner().invoke(app, ["import", str(package), str(tmp_path / "c2")])
    assert result.exit_code == 2 and not (tmp_path / "c2").exists()


def test_jsonl_export_with_filters_round_trips(corpus, tmp_path):
    export(corpus, tmp_path / "j", fmt="jsonl", langs=["th", "lo"], min_quality=0.3, where="n_chars > 50")
    verify(tmp_path / "j")
    rows = list(iter_package(tmp_path / "j"))
    docs = _docs(corpus)
    expected = {i for i, d in docs.items() if d["lang"] in ("th", "lo") and d["n_chars"] > 50
                and json.loads(d["annotations"])["quality"]["score"] >= 0.3}
    assert {r["id"] for r in rows} == expected and len(expected) >= 5
    result = import_package(tmp_path / "j", tmp_path / "jc")
    assert result.imported == len(expected)
    assert {i: d["text"] for i, d in _docs(tmp_path / "jc").items()} == {i: docs[i]["text"] for i in expected}


def test_min_quality_without_quality_stage_is_a_clear_error(tmp_path, seed_texts):
    bare = build_corpus(tmp_path, seed_texts, annotate=False)
    with pytest.raises(ValueError, match="run the quality stage"):
        export(bare, tmp_path / "p", min_quality=0.5)
    result = CliRunner().invoke(app, ["export", str(bare), str(tmp_path / "p2"), "--min-quality", "0.5"])
    assert result.exit_code == 2 and "quality" in result.output


def test_data_card(corpus, package):
    card = (package / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["language"] == ["en", "lo", "th"] and front["multilinguality"] == "multilingual"
    assert front["license"] == "other" and "cc0-1.0" in front["license_details"]
    assert {d["split"] for d in front["configs"][0]["data_files"]} <= {"train", "validation", "test"}
    assert sum(s["num_examples"] for s in front["dataset_info"]["splits"]) == 8
    body = card.split("---\n", 2)[2]
    for heading in ("## Languages and counts", "## Sources", "## Licences", "## Processing steps",
                    "## Personal information (PII) policy", "## Known limitations"):
        assert heading in body
    assert '"lo": {"min_words": 10}' in body  # stage parameters from the runs table
    assert "max_boilerplate_lines_frac 1" in body and "duplicate 1" in body and "duckdb " in body
    assert "news.example.co.th" in body and "EMAIL 1" in body


def test_load_dataset_reads_the_package_offline(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets

    export(corpus, tmp_path / "pq", split="0.5,0.25,0.25", shard_size="3rows")
    export(corpus, tmp_path / "js", fmt="jsonl", split="0.5,0.5")
    rows = json.loads((tmp_path / "pq" / "MANIFEST.json").read_text())["rows"]
    ds = datasets.load_dataset("parquet", data_dir=str(tmp_path / "pq"), cache_dir=str(tmp_path / "cache"))
    assert {k: v.num_rows for k, v in ds.items()} == {k: v for k, v in rows.items() if v}
    assert set(ds["train"][0]) >= {"id", "text", "lang", "annotations"}
    # the package folder itself: its card declares the splits and the column types (a JSON file
    # whose rows all lack a url would otherwise be typed null and clash with the next file)
    ds = datasets.load_dataset(str(tmp_path / "js"), cache_dir=str(tmp_path / "cache"))
    assert sum(v.num_rows for v in ds.values()) == 8
    assert ds["train"].features["url"].dtype == "string"


def test_option_parsing():
    assert parse_shard_size("100MB") == ("bytes", 100_000_000)
    assert parse_shard_size("1GiB") == ("bytes", 1 << 30)
    assert parse_shard_size("5000") == ("rows", 5000) == parse_shard_size("5000rows")
    assert parse_split("0.98,0.01,0.01") == {"train": 0.98, "validation": 0.01, "test": 0.01}
    assert parse_split("0.9,0.1") == {"train": 0.9, "test": 0.1}
    for bad in ("0.5,0.4", "1,0,0,0", "-0.1,1.1"):
        with pytest.raises(ValueError):
            parse_split(bad)
    with pytest.raises(ValueError):
        parse_shard_size("lots")


def test_failed_export_leaves_nothing_behind(corpus, tmp_path):
    result = CliRunner().invoke(app, ["export", str(corpus), str(tmp_path / "p"), "--where", "no_such_column > 1"])
    assert result.exit_code == 2 and "no_such_column" in result.output
    assert not (tmp_path / "p").exists()
    with pytest.raises(FileNotFoundError):
        export(tmp_path / "not-a-corpus", tmp_path / "q")
    assert not (tmp_path / "q").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError, match="not a folder"):
        export(corpus, tmp_path / "file")
