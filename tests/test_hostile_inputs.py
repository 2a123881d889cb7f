"""Hostile input folders through ``khlang run`` with every stage: each run finishes, every input
path is accounted for (a kept document or a ``dropped`` row saying why), and no file can abort
the run, escape the input folder or exhaust memory. All files are built here, for real: a gzip
cut in half, a gzip bomb, symlink loops, empty files, a 50 MB line, damaged UTF-8 Thai."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hostile_files import gzip_bomb, warc_record

from khlang.pipeline import Pipeline
from khlang.readers import read, scan
from khlang.readers.base import PREFIX_BYTES
from khlang.runner import run
from khlang.store import Corpus

ALL_STAGES = ["clean", "normalize", "langid", "segment", "quality", "pii", "dedup_exact", "dedup_minhash"]


def _paragraphs(seed_texts: list[str]) -> list[str]:
    return [p.strip() for t in seed_texts for p in t.split("\n") if len(p.strip()) > 80]


def _run(folder: Path, out: Path, **input_fields) -> tuple[dict, list[dict], list[dict]]:
    """Run every stage over ``folder``; return the run row, the kept and the dropped rows."""
    pipeline = Pipeline.from_dict({"name": "hostile", "input": {"paths": [str(folder)], **input_fields},
                                   "stages": ALL_STAGES, "docs_per_shard": 50})
    result = run(pipeline, out, workers=1, progress=False)
    with Corpus(out) as c:
        (run_row,) = c.runs()
        kept = c.rows("SELECT id, text, source_uri, meta FROM documents")
        dropped = c.rows("SELECT id, stage, reason, detail, source_uri, text FROM dropped")
    assert run_row["status"] == "done"
    assert result.docs_in == len(kept) + len(dropped), "every record read is kept or dropped"
    return run_row, kept, dropped


def _accounted(folder: Path, kept: list[dict], dropped: list[dict], spec_fields: dict | None = None) -> None:
    """Every path the input folder holds shows up in the corpus, kept or dropped."""
    seen = set()
    for row in kept:
        seen.add(row["source_uri"].split("#")[0])
        seen.add(json.loads(row["meta"] or "{}").get("warc_file"))
    for row in dropped:
        seen.add(row["source_uri"].split("#")[0])
    paths = [p for p, _ in scan(str(folder))]
    assert paths, "the folder holds inputs"
    missing = [p for p in paths if p not in seen]
    assert not missing, f"input paths in neither documents nor dropped: {missing}"


def _reasons(dropped: list[dict], name: str) -> list[str]:
    return [d["reason"] for d in dropped if d["stage"] == "read" and d["source_uri"].split("#")[0].endswith(name)]


def _page(text: str) -> bytes:
    return f"<html><head><title>ข่าว</title></head><body><article><p>{text}</p></article></body></html>".encode()


# -- row 1: a .jsonl.gz cut in half ---------------------------------------------------------------
def test_truncated_jsonl_gz_keeps_records_before_the_cut(tmp_path, seed_texts):
    paras = _paragraphs(seed_texts)
    lines = [json.dumps({"text": f"{i} {paras[i % len(paras)]}"}, ensure_ascii=False) for i in range(200)]
    data = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    with gzip.open(folder / "cut.jsonl.gz", "rb") as f:  # how many whole lines survive the cut
        survived = 0
        with pytest.raises(EOFError):
            for line in f:
                survived += line.endswith(b"\n")
    assert 0 < survived < 200

    run_row, kept, dropped = _run(folder, tmp_path / "out")
    assert _reasons(dropped, "cut.jsonl.gz").count("truncated") == 1
    (cut,) = [d for d in dropped if d["reason"] == "truncated"]
    assert "gzip" in cut["detail"]
    assert run_row["docs_in"] == survived + 1  # every whole line, and the truncation
    _accounted(folder, kept, dropped)


# -- rows 2 and 3: empty files, symlink loops ------------------------------------------------------
def test_folder_of_only_empty_files_and_a_symlink_loop_finishes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.csv").touch()
    (folder / "empty.jsonl").touch()
    os.symlink("loop.txt", folder / "loop.txt")
    run_row, kept, dropped = _run(folder, tmp_path / "out")
    assert kept == []
    assert sorted((Path(d["source_uri"]).name, d["reason"]) for d in dropped) == [
        ("empty.csv", "empty_file"), ("empty.jsonl", "empty_file"), ("loop.txt", "symlink_loop")]
    assert run_row["docs_in"] == 3
    # an empty folder is a finished run with nothing in it, not a crash
    (tmp_path / "nothing").mkdir()
    run_row, kept, dropped = _run(tmp_path / "nothing", tmp_path / "out2")
    assert (run_row["docs_in"], kept, dropped) == (0, [], [])


def test_mixed_folder_accounts_for_every_path(tmp_path, seed_texts):
    paras = _paragraphs(seed_texts)
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for i, text in enumerate(seed_texts):
        (folder / f"news{i}.txt").write_text(text, encoding="utf-8")
    (folder / "feed.jsonl").write_text("\n".join(json.dumps({"text": p}, ensure_ascii=False) for p in paras[:5]),
                                       encoding="utf-8")
    (folder / "blank.jsonl").write_text("\n\n  \n", encoding="utf-8")  # bytes, but no record
    (folder / "header_only.csv").write_text("text,title\n", encoding="utf-8")
    (folder / "empty.md").touch()
    (folder / "notes.log").write_text("not a format khlang reads", encoding="utf-8")
    os.symlink("loop_a.txt", folder / "loop_b.txt")
    os.symlink("loop_b.txt", folder / "loop_a.txt")
    os.symlink("gone.txt", folder / "dangling.txt")
    os.symlink("..", folder / "sub" / "parent")  # a folder link back up must not loop the walk
    os.mkfifo(folder / "pipe.txt")  # reading a FIFO would block the run forever

    run_row, kept, dropped = _run(folder, tmp_path / "out")
    _accounted(folder, kept, dropped)
    expect = {"blank.jsonl": "no_records", "header_only.csv": "no_records", "empty.md": "empty_file",
              "notes.log": "unsupported_format", "loop_a.txt": "symlink_loop", "loop_b.txt": "symlink_loop",
              "dangling.txt": "broken_symlink", "pipe.txt": "not_a_file"}
    for name, reason in expect.items():
        assert _reasons(dropped, name) == [reason], name
    assert {Path(k["source_uri"].split("#")[0]).name for k in kept} >= {"feed.jsonl"}
    assert not any("/parent/" in d["source_uri"] for d in kept + dropped), "the parent link was walked"


# -- row 4: a symlink out of the input tree --------------------------------------------------------
def test_symlink_leaving_the_input_tree_is_not_followed(tmp_path, seed_texts):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:SECRET-OUTSIDE-THE-TREE:/root:/bin/bash\n" * 20, encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "news.txt").write_text(seed_texts[0], encoding="utf-8")
    os.symlink(secret, folder / "passwd_link.txt")
    os.symlink("/etc/passwd", folder / "etc_passwd.txt")
    os.symlink(folder / "news.txt", folder / "inside_link.txt")  # stays inside: read

    run_row, kept, dropped = _run(folder, tmp_path / "out")
    _accounted(folder, kept, dropped)
    assert not any("SECRET-OUTSIDE" in k["text"] or "root:x:0" in k["text"] for k in kept)
    for name in ("passwd_link.txt", "etc_passwd.txt"):
        (row,) = [d for d in dropped if d["source_uri"].endswith(name)]
        assert row["reason"] == "symlink_outside" and "--follow-symlinks" in row["detail"]
        assert row["text"] == ""  # nothing of the target is stored
    assert any(d["source_uri"].endswith("inside_link.txt") for d in kept + dropped)

    # the CLI option reads them anyway
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(json.dumps({"name": "follow", "input": {"paths": [str(folder)]}, "stages": ["clean"]}))
    cli = [sys.executable, "-m", "khlang", "run", str(pipeline), "-o", str(tmp_path / "followed"), "-q", "-w", "1"]
    subprocess.run([*cli, "--follow-symlinks"], check=True, capture_output=True)
    with Corpus(tmp_path / "followed") as c:
        texts = [r["text"] for r in c.rows("SELECT text FROM documents")]
    assert any("SECRET-OUTSIDE" in t for t in texts)


# -- row 5: a gzip bomb in a WARC -------------------------------------------------------------------
def test_warc_gzip_bomb_is_a_bounded_too_large_drop(tmp_path, seed_texts):
    folder = tmp_path / "in"
    folder.mkdir()
    # 300 MB of text/plain that gzips to a few hundred KB, between two normal pages
    bomb = [gzip_bomb(300)]
    parts = [gzip.compress(warc_record(1, _page(seed_texts[0]))), *bomb,
             gzip.compress(warc_record(2, _page(seed_texts[1])))]
    (folder / "crawl.warc.gz").write_bytes(b"".join(parts))
    assert (folder / "crawl.warc.gz").stat().st_size < 5 * 2**20

    run_row, kept, dropped = _run(folder, tmp_path / "out")
    (bomb_row,) = [d for d in dropped if d["source_uri"] == "http://example.th/bomb"]
    assert bomb_row["reason"] == "too_large" and "max_bytes" in bomb_row["detail"]
    assert len(bomb_row["text"]) <= PREFIX_BYTES
    assert {k["source_uri"] for k in kept} == {"http://example.th/1", "http://example.th/2"}
    # `khlang show` on the drop answers at once with the bounded prefix
    shown = subprocess.run([sys.executable, "-m", "khlang", "show", str(tmp_path / "out"), bomb_row["id"]],
                           capture_output=True, text=True, timeout=120, check=True)
    assert "too_large" in shown.stdout and len(shown.stdout) < 40_000


# -- row 6: one 50 MB JSONL line ---------------------------------------------------------------------
def test_50mb_jsonl_line_is_cut_by_the_size_limit(tmp_path, seed_texts):
    folder = tmp_path / "in"
    folder.mkdir()
    huge = " ".join(seed_texts) * (50 * 2**20 // len(" ".join(seed_texts).encode()) + 1)
    with open(folder / "big.jsonl", "w", encoding="utf-8") as f:
        f.write(json.dumps({"text": "ข่าวสั้น " + seed_texts[0]}, ensure_ascii=False) + "\n")
        f.write(json.dumps({"text": huge}, ensure_ascii=False) + "\n")
        f.write(json.dumps({"text": seed_texts[1]}, ensure_ascii=False) + "\n")
    assert (folder / "big.jsonl").stat().st_size > 50 * 2**20

    run_row, kept, dropped = _run(folder, tmp_path / "out")
    (row,) = [d for d in dropped if d["source_uri"].endswith("big.jsonl#1")]
    assert row["reason"] == "too_large" and len(row["text"]) <= PREFIX_BYTES
    assert {k["source_uri"] for k in kept} == {f"{folder / 'big.jsonl'}#0", f"{folder / 'big.jsonl'}#2"}
    # the limit is configurable: raised above the line, the line is read whole
    docs = list(read(str(folder / "big.jsonl"), max_bytes=60 * 2**20))
    assert [d.drop for d in docs] == [None, None, None] and len(docs[1].text) == len(huge)


# -- row 7: a WARC cut in half -----------------------------------------------------------------------
@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("fraction", [0.45, 0.5, 0.55])
def test_warc_cut_in_half_keeps_complete_records(tmp_path, seed_texts, compressed, fraction):
    records = [warc_record(i, _page(seed_texts[i % len(seed_texts)])) for i in range(8)]
    blobs = [gzip.compress(r) if compressed else r for r in records]
    data = b"".join(blobs)
    cut = int(len(data) * fraction)
    ends = [sum(map(len, blobs[: i + 1])) for i in range(8)]
    complete = sum(end <= cut for end in ends)
    folder = tmp_path / "in"
    folder.mkdir()
    name = "crawl.warc.gz" if compressed else "crawl.warc"
    (folder / name).write_bytes(data[:cut])

    run_row, kept, dropped = _run(folder, tmp_path / "out")
    reads = [d for d in dropped if d["stage"] == "read"]
    assert [d["reason"] for d in reads] == ["truncated"], reads
    kept_urls = {k["source_uri"] for k in kept}
    later = {d["source_uri"] for d in dropped if d["stage"] != "read"}  # e.g. a near-duplicate page
    assert kept_urls | later == {f"http://example.th/{i}" for i in range(complete)}
    _accounted(folder, kept, dropped)


# -- row 8: a few invalid bytes inside UTF-8 Thai ---------------------------------------------------
def test_invalid_bytes_in_thai_are_replaced_and_counted(tmp_path, seed_texts):
    folder = tmp_path / "in"
    folder.mkdir()
    raw = seed_texts[0].encode("utf-8")
    middle = len(raw) // 2
    while raw[middle] & 0xC0 == 0x80:  # a character boundary
        middle += 1
    damaged = raw[:middle] + b"\xff\xfe\x80\x81" + raw[middle:]
    (folder / "damaged.txt").write_bytes(damaged)
    line = json.dumps({"text": seed_texts[1]}, ensure_ascii=False).encode("utf-8")
    (folder / "damaged.jsonl").write_bytes(line[:60] + b"\xc3" + line[60:] + b"\n")
    (folder / "noise.txt").write_bytes(bytes(range(0x80, 0x100)) * 40 + b"\x00\x01" * 200)

    run_row, kept, dropped = _run(folder, tmp_path / "out")
    by_source = {k["source_uri"]: k for k in kept}
    doc = by_source[str(folder / "damaged.txt")]
    assert json.loads(doc["meta"])["replaced_bytes"] == 4
    assert doc["text"].count("\ufffd") == 4 and "\ufffd\ufffd\ufffd\ufffd" in doc["text"]
    assert json.loads(by_source[f"{folder / 'damaged.jsonl'}#0"]["meta"])["replaced_bytes"] == 1
    assert _reasons(dropped, "noise.txt") == ["decode_error"]  # mostly undecodable: dropped


def test_globs_judge_links_like_folders_and_named_files_are_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET", encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("สวัสดี", encoding="utf-8")
    (folder / "x.log").write_text("log", encoding="utf-8")
    os.symlink(secret, folder / "passwd.txt")
    found = {Path(p).name: why and why.reason for p, why in scan(str(folder / "*"))}
    assert found == {"a.txt": None, "passwd.txt": "symlink_outside", "x.log": "unsupported_format"}
    assert scan(str(folder / "passwd.txt")) == [(str(folder / "passwd.txt"), None)]  # named: read
    texts = [d.text for d in read(str(folder / "*.txt"), follow_symlinks=True)]
    assert sorted(texts) == ["SECRET", "สวัสดี"]
