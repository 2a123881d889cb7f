"""Exact and MinHash dedup: planted duplicates of the real seed articles must go, the five distinct
articles must stay, and every drop must point at a kept document."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from khlang.dedup import (
    candidate_probability,
    dedup_exact,
    dedup_minhash,
    lsh_params,
    near_duplicates,
    shingle_tokens,
    shingles,
    signatures,
)
from khlang.document import Document
from khlang.pipeline import Pipeline
from khlang.runner import run
from khlang.stage import Stage
from khlang.store import Corpus

BOILER_TOP = "หน้าแรก | ข่าวล่าสุด | การเมือง | เศรษฐกิจ | กีฬา | บันเทิง\n"
BOILER_BOTTOM = "\nติดตามข่าวสารได้ที่เว็บไซต์ของเรา © สงวนลิขสิทธิ์ แชร์ข่าวนี้ Facebook Line X"


def variants(text: str) -> dict[str, str]:
    """Near duplicates of an article the way crawls make them."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    changed = list(lines)
    mid = len(changed) // 2
    changed[mid] = changed[mid][: len(changed[mid]) // 2] + " (แก้ไขข้อมูลเมื่อวันที่ 5 ก.พ. 2568)"
    return {
        "sentence": "\n".join(changed),
        "footer": text + "\n\nอ่านข่าวที่เกี่ยวข้องเพิ่มเติมได้ที่หน้าข่าวต่างประเทศ",
        "wrapped": BOILER_TOP + text + BOILER_BOTTOM,
    }


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def pipeline(inp: Path, stages: list, per_shard: int = 4) -> Pipeline:
    return Pipeline.from_dict({"name": "dedup-test", "input": {"paths": [str(inp)]},
                               "docs_per_shard": per_shard, "stages": stages})


def check_drops_point_at_kept(corpus: Corpus, stage: str) -> list[tuple]:
    drops = corpus.con.execute(
        "SELECT id, duplicate_of, reason FROM dropped WHERE stage = ?", [stage]).fetchall()
    live = {r[0] for r in corpus.con.execute("SELECT id FROM documents").fetchall()}
    for doc_id, dup_of, reason in drops:
        assert reason == "duplicate" and dup_of in live and doc_id not in live
    return drops


# -- exact ---------------------------------------------------------------------------------------------
def test_exact_dedup_across_shards(tmp_path, seed_texts):
    rows = [{"text": t, "title": f"seed{i}"} for i, t in enumerate(seed_texts)]
    # exact copies (after normalisation: whitespace, NFC, case) planted in other shards
    rows += [{"text": "  " + seed_texts[0].replace("\n", "\n\n") + "\n", "title": "seed0"},
             {"text": seed_texts[3], "title": "seed3"},
             {"text": seed_texts[3], "title": "seed3"},
             {"text": "Breaking NEWS: DeepSeek", "title": "en"},
             {"text": "breaking news:   deepseek", "title": "en"}]
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    res = run(pipeline(inp, ["clean", "dedup_exact"], per_shard=3), tmp_path / "out", workers=1, progress=False)
    assert res.stages["dedup_exact"]["dropped"] == {"duplicate": 4}
    with Corpus(tmp_path / "out") as c:
        titles = [r[0] for r in c.con.execute("SELECT title FROM documents ORDER BY title").fetchall()]
        assert titles == ["en", "seed0", "seed1", "seed2", "seed3", "seed4"]
        assert len(check_drops_point_at_kept(c, "dedup_exact")) == 4
        clusters = c.con.execute(
            "SELECT cluster_id, count(*), sum(kept::INT), max(cluster_size) FROM dup_clusters GROUP BY 1").fetchall()
        assert sorted((n, k, s) for _, n, k, s in clusters) == [(2, 1, 2), (2, 1, 2), (3, 1, 3)]


def test_exact_punctuation_option(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [{"text": "ข่าวด่วน! วันนี้ฝนตก."}, {"text": "ข่าวด่วน วันนี้ฝนตก"}])
    run(pipeline(inp, ["clean"]), tmp_path / "out", workers=1, progress=False)
    assert sum(dedup_exact(tmp_path / "out").dropped.values()) == 0
    stats = dedup_exact(tmp_path / "out", ignore_punctuation=True)
    assert stats.dropped["duplicate"] == 1 and stats.docs_out == 1
    with Corpus(tmp_path / "out") as c:
        assert c.con.execute("SELECT count(*) FROM documents").fetchall()[0][0] == 1


# -- minhash building blocks -----------------------------------------------------------------------------
def test_shingle_tokens_by_script():
    toks = shingle_tokens("ข่าววันนี้ Hello, world! សួស្តី ສະບາຍດີ 中文 café")
    assert "".join(toks[:toks.index("hello")]) == "ข่าววันนี้"  # Thai: chunks of the run, nothing lost
    assert toks[toks.index("hello") + 1] == "world" and "," not in toks and "!" not in toks  # no punctuation
    assert toks[-3:] == ["中", "文", "café"]  # one token per Han character; words case-folded
    assert not any(t[0] in "\u0e48\u0e49\u0e31\u0e35\u17b6" for t in toks)  # no chunk starts with a mark
    assert len(shingles("สั้น", ngram=5)) == 1  # too short for 5-grams: still one shingle
    assert len(shingles("   ", ngram=5)) == 0


def test_chunks_are_local_and_batches_agree():
    """A cut depends only on the characters around it: text after an edit keeps its tokens, so most
    shingles of a lightly edited copy survive; a text's shingles do not depend on its batch."""
    from khlang.dedup.shingle import shingle_batch

    text = "สัปดาห์ที่ผ่านมาโมเดลเอไอจากจีนสร้างปรากฏการณ์และเป็นจุดเปลี่ยนที่สำคัญของการพัฒนาเอไอ" * 3
    edited = text[:40] + "กรุงเทพมหานคร" + text[40:]
    a, b = shingle_tokens(text), shingle_tokens(edited)
    assert a[-40:] == b[-40:] and a[:3] == b[:3]
    sa, sb = set(shingles(text).tolist()), set(shingles(edited).tolist())
    assert len(sa & sb) / len(sa | sb) > 0.55  # one 13-letter insertion into a text of ~25 chunks
    flat, lens = shingle_batch(["", text, "ok", edited])
    assert lens.tolist()[0] == 0 and lens.sum() == len(flat)
    parts = np.split(flat, np.cumsum(lens)[:-1])
    assert (np.unique(parts[1]) == shingles(text)).all() and (np.unique(parts[3]) == shingles(edited)).all()


def test_signature_estimates_jaccard():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 2**63, size=2000, dtype=np.uint64)
    other = np.concatenate([base[:1500], rng.integers(0, 2**63, size=500, dtype=np.uint64)])
    true_j = 1500 / 2500
    sig = signatures([np.unique(base), np.unique(other)], num_perm=256)
    assert sig.dtype == np.uint32 and sig.shape == (2, 256)
    assert abs((sig[0] == sig[1]).mean() - true_j) < 0.08


def test_signatures_are_per_set_and_densified():
    """A set's signature must not depend on the batch around it (shards are signed apart), every
    position of a non-empty set must be filled (one-permutation hashing leaves empty bins that
    densification fills), and an empty set stays all-max."""
    rng = np.random.default_rng(1)
    sets = [np.unique(rng.integers(0, 2**63, size=n, dtype=np.uint64)) for n in (1, 3, 40, 400, 5000)]
    sets.append(np.empty(0, dtype=np.uint64))
    together = signatures(sets, num_perm=112)
    for i, s in enumerate(sets):
        assert (signatures([s], num_perm=112)[0] == together[i]).all()
    assert (signatures(sets[::-1], num_perm=112)[::-1] == together).all()
    assert (together[:-1] != 0xFFFFFFFF).all() and (together[-1] == 0xFFFFFFFF).all()
    assert len(set(together[0].tolist())) == 1  # one shingle: every bin copies the one value
    assert (signatures(sets, num_perm=112, seed=2) != together)[:-1].any()  # the seed matters


def test_signature_estimate_is_unbiased_over_seeds():
    """Averaged over seeds, the share of equal positions is the Jaccard similarity (±0.02) for a
    small set (many bins densified) and a large one."""
    rng = np.random.default_rng(2)
    for size in (60, 600):
        base = rng.integers(0, 2**63, size=size, dtype=np.uint64)
        other = np.concatenate([base[: size * 2 // 3], rng.integers(0, 2**63, size=size // 3, dtype=np.uint64)])
        a, b = np.unique(base), np.unique(other)
        true_j = len(np.intersect1d(a, b)) / len(np.union1d(a, b))
        est = np.mean([(lambda s: (s[0] == s[1]).mean())(signatures([a, b], num_perm=112, seed=k))
                       for k in range(150)])
        assert abs(est - true_j) < 0.02, (size, est, true_j)


def test_lsh_params_follow_threshold():
    b_lo, r_lo = lsh_params(0.5, 128)
    b_hi, r_hi = lsh_params(0.9, 128)
    assert b_lo * r_lo <= 128 and b_hi * r_hi <= 128 and r_hi > r_lo
    assert candidate_probability(0.98, b_hi, r_hi) > 0.9 and candidate_probability(0.6, b_hi, r_hi) < 0.01


def test_near_duplicates_in_memory(seed_texts):
    docs = list(seed_texts)
    for t in seed_texts[:2]:
        docs += variants(t).values()
    labels = near_duplicates(docs)
    assert labels[:5] == [0, 1, 2, 3, 4]  # distinct articles stay apart
    assert labels[5:] == [0, 0, 0, 1, 1, 1]


# -- minhash over a corpus ----------------------------------------------------------------------------------
class SeedQuality(Stage):
    """Test stage: a quality score that prefers the 'footer' variant."""

    name = "quality"

    def process(self, doc: Document) -> Document:
        doc.annotations["quality"] = {"score": 1.0 if doc.metadata.get("kind") == "footer" else 0.5}
        return doc


@pytest.fixture()
def near_dup_input(tmp_path, seed_texts) -> Path:
    rows = []
    for i, text in enumerate(seed_texts):
        rows.append({"text": text, "title": f"seed{i}", "kind": "original"})
        for kind, v in variants(text).items():
            rows.append({"text": v, "title": f"seed{i}", "kind": kind})
    rows.append({"text": seed_texts[2], "title": "seed2", "kind": "exact"})
    return write_jsonl(tmp_path / "in.jsonl", rows)


def test_minhash_finds_near_duplicates(tmp_path, near_dup_input):
    out = tmp_path / "out"
    res = run(pipeline(near_dup_input, ["clean", "dedup_exact", "dedup_minhash"]), out, workers=1, progress=False)
    assert res.stages["dedup_exact"]["dropped"] == {"duplicate": 1}
    assert res.stages["dedup_minhash"]["dropped"] == {"duplicate": 15}
    with Corpus(out) as c:
        kept = c.con.execute("SELECT title, json_extract_string(meta, '$.kind'), n_chars FROM documents").fetchall()
        assert sorted(t for t, _, _ in kept) == [f"seed{i}" for i in range(5)]  # one per cluster
        assert {k for _, k, _ in kept} == {"wrapped"}  # keep=longest: boilerplate-wrapped is longest
        assert len(check_drops_point_at_kept(c, "dedup_minhash")) == 15
        # every drop points at a document of the same article
        wrong = c.con.execute(
            "SELECT count(*) FROM dropped x JOIN all_docs a ON a.id = x.id JOIN all_docs k ON k.id = x.duplicate_of "
            "WHERE a.title <> k.title").fetchall()[0][0]
        assert wrong == 0
        sizes = c.con.execute("SELECT cluster_size, count(*) FROM dup_clusters WHERE stage = 'dedup_minhash' "
                              "AND kept GROUP BY 1").fetchall()
        assert sizes == [(4, 5)]
    sig_files = list((out / "dedup").glob("minhash-*/part-*.parquet"))
    assert len(sig_files) == 6  # 21 documents, 4 per shard: one signature file per shard


def test_minhash_resume_reuses_signatures_and_keep_policy(tmp_path, near_dup_input):
    out = tmp_path / "out"
    res = run(pipeline(near_dup_input, ["clean", SeedQuality.__module__ + ":SeedQuality",
                                        {"dedup_minhash": {"keep": "best_quality"}}]), out, workers=1, progress=False)
    sig_files = sorted((out / "dedup").glob("minhash-*/part-*.parquet"))
    mtimes = [p.stat().st_mtime_ns for p in sig_files]
    with Corpus(out) as c:
        first = c.con.execute("SELECT id FROM documents ORDER BY id").fetchall()
        kinds = {r[0] for r in c.con.execute("SELECT json_extract_string(meta, '$.kind') FROM documents").fetchall()}
        assert kinds == {"footer", "exact"} or kinds == {"footer"}
        # re-running the stage for the same run (as a resume does) replaces its drops, reusing signatures
        stats = dedup_minhash(c, run_id=res.run_id, keep="best_quality")
        assert stats.dropped["duplicate"] == res.stages["dedup_minhash"]["dropped"]["duplicate"]
        assert c.con.execute("SELECT id FROM documents ORDER BY id").fetchall() == first
    assert [p.stat().st_mtime_ns for p in sig_files] == mtimes


def test_bad_parameters_fail_before_work(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [{"text": "x"}])
    for params in ({"keep": "random"}, {"bands": 20, "rows": 10}, {"bands": 4}):
        with pytest.raises(ValueError):
            run(pipeline(inp, [{"dedup_minhash": params}]), tmp_path / "out", workers=1, progress=False)
    assert not (tmp_path / "out").exists()


def test_cli_dedup(tmp_path, seed_texts):
    from typer.testing import CliRunner

    from khlang.cli import app

    inp = write_jsonl(tmp_path / "in.jsonl", [{"text": t} for t in seed_texts + seed_texts[:1] + [variants(seed_texts[1])["footer"]]])
    run(pipeline(inp, ["clean"]), tmp_path / "out", workers=1, progress=False)
    cli = CliRunner()
    res = cli.invoke(app, ["dedup", str(tmp_path / "out"), "--method", "exact"])
    assert res.exit_code == 0 and "1 duplicates dropped" in res.output
    res = cli.invoke(app, ["dedup", str(tmp_path / "out"), "--workers", "1"])
    assert res.exit_code == 0 and "1 duplicates dropped, 5 kept" in res.output
    assert cli.invoke(app, ["dedup", str(tmp_path / "out"), "--method", "fuzzy"]).exit_code == 2


def test_minhash_parallel_signing_matches_serial(tmp_path, near_dup_input):
    """One variable at a time against a serial, verified run: signing in worker processes
    (executor.map, spawn) writes the same signatures and drops the same documents; turning
    verification off (still serial) drops the same documents on this input too."""
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    run(pipeline(near_dup_input, ["clean"]), out, workers=1, progress=False)

    def kept_after(run_id: str, **params) -> tuple[dict, list]:
        stats = dedup_minhash(out, run_id=run_id, **params)
        with Corpus(out) as c:
            kept = c.con.execute("SELECT id FROM documents ORDER BY id").fetchall()
            (out / "dropped" / f"dedup_minhash-{run_id}.parquet").unlink()  # undo, for the next variant
            (out / "dedup" / f"clusters-dedup_minhash-{run_id}.parquet").unlink()
            c.refresh()
        return stats.dropped, kept

    def signatures_on_disk() -> dict[str, list]:
        files = sorted((out / "dedup").glob("minhash-*/*.parquet"))
        return {f.name: pq.read_table(f).sort_by("id").to_pylist() for f in files}

    serial, kept_serial = kept_after("serial", workers=1)
    assert serial == {"duplicate": 16}
    signed_serially = signatures_on_disk()
    assert len(signed_serially) == 6
    for f in (out / "dedup").glob("minhash-*/*.parquet"):
        f.unlink()

    assert kept_after("parallel", workers=2) == (serial, kept_serial)  # only the worker count differs
    assert signatures_on_disk() == signed_serially

    assert kept_after("unverified", workers=1, verify=False) == (serial, kept_serial)  # only verify differs


# -- outputs independent of ids and order ---------------------------------------------------------------
def chained_variants(seed: int = 128, n: int = 6) -> list[str]:
    """Texts that each copy an earlier one with ~6 % of the words replaced: similarities around the
    threshold, so a bucket can hold a pair that matches and a member that matches neither."""
    import random

    r = random.Random(seed)
    vocab = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(3, 9))) for _ in range(3000)]
    out = [[r.choice(vocab) for _ in range(150)]]
    for _ in range(n - 1):
        words = list(r.choice(out))
        for i in range(len(words)):
            if r.random() < 0.06:
                words[i] = r.choice(vocab)
        out.append(words)
    return [" ".join(w) for w in out]


def test_near_duplicates_do_not_depend_on_order():
    """Seed 128 made verification against each bucket's first member split {1, 2, 5} by order."""
    texts = chained_variants()
    partitions = set()
    for order in (list(range(6)), list(range(5, -1, -1)), [2, 0, 5, 3, 1, 4], [1, 4, 0, 2, 5, 3]):
        label = near_duplicates([texts[i] for i in order])
        groups: dict[int, set[int]] = {}
        for pos, lab in enumerate(label):
            groups.setdefault(lab, set()).add(order[pos])
        partitions.add(frozenset(frozenset(g) for g in groups.values()))
    assert partitions == {frozenset({frozenset({1, 2, 5}), frozenset({0}), frozenset({3}), frozenset({4})})}


def test_minhash_stage_does_not_depend_on_ids(tmp_path):
    """Ids hash the input path, so the same texts read from another file get other ids (and another
    smallest id per bucket): the clusters and the drop count must stay the same."""
    texts = chained_variants()
    results = set()
    for name in ("a", "b", "c", "d", "e", "f"):
        inp = write_jsonl(tmp_path / f"{name}.jsonl", [{"text": t, "title": str(i)} for i, t in enumerate(texts)])
        out = tmp_path / f"out-{name}"
        run(pipeline(inp, ["dedup_minhash"], per_shard=3), out, workers=1, progress=False)
        with Corpus(out) as c:
            rows = c.con.execute("SELECT d.title, k.title FROM dup_clusters x JOIN all_docs d ON d.id = x.id "
                                 "JOIN all_docs k ON k.id = x.kept_id WHERE x.stage = 'dedup_minhash'").fetchall()
        clusters: dict[str, set[str]] = {}
        for title, kept in rows:
            clusters.setdefault(kept, set()).add(title)
        results.add(frozenset(frozenset(v) for v in clusters.values()))
    assert results == {frozenset({frozenset({"1", "2", "5"})})}


def test_big_bucket_is_checked_against_one_root_chosen_by_content(tmp_path):
    """Thousands of copies of one page (exact dedup not run first) must not make candidates quadratic:
    a bucket over ALL_PAIRS_MAX members gives one candidate per member, and the clusters still do not
    depend on ids or order."""
    from khlang.dedup.minhash import ALL_PAIRS_MAX, MinhashDedup
    from khlang.executors.local import LocalExecutor

    texts = chained_variants()
    copies = ALL_PAIRS_MAX + 36
    rows = [{"text": t, "title": str(i)} for i, t in enumerate(texts)] + [{"text": texts[1], "title": "c"}] * copies
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    run(pipeline(inp, ["clean"], per_shard=50), tmp_path / "out", workers=1, progress=False)
    stage, ex = MinhashDedup(verify=False), LocalExecutor(1)
    with Corpus(tmp_path / "out") as corpus:
        pairs = {frozenset(p) for left, right in stage.verified_pairs(corpus, stage.sign(corpus, ex), ex)
                 for p in zip(left, right)}
    # every pair of the copies would be copies * (copies + 1) / 2; one root per bucket gives far fewer
    assert len(pairs) < 4 * (copies + len(texts))
    order = list(range(len(rows)))
    partitions = set()
    for o in (order, order[::-1], order[len(texts):] + order[:len(texts)]):
        label = near_duplicates([rows[i]["text"] for i in o])
        groups: dict[int, set[str]] = {}
        for pos, lab in enumerate(label):
            groups.setdefault(lab, set()).add(rows[o[pos]]["title"])
        partitions.add(frozenset(frozenset(g) for g in groups.values()))
    assert len(partitions) == 1
    (partition,) = partitions
    assert any({"1", "c"} <= g for g in partition)
