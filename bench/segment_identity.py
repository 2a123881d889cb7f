"""Same tokens as before: this tree's ``segment_words`` against another revision's, document by document.

    python bench/segment_identity.py [--ref main] [--docs 3000]

Speed work on the segmenters must not move a single token (the accuracy table in the README holds
only while the tokens stay the same). The texts: ``--docs`` documents of the realistic benchmark
corpus (bench/corpus.py: all 14 languages, code-switching, junk), every line of the segmentation
gold files (Thai, Burmese, Khmer from ../shared/data/eval, Lao from bench/data) and each gold file
as one text. The reference revision's ``src`` is taken with ``git archive`` and run in a child
process; the tokens and engine names must be equal for every text. Exit status 1 on a difference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

import corpus as bench_corpus  # noqa: E402

_CHILD = """
import json, sys, time
from khlang.lang.segment import segment_words
texts = json.load(open(sys.argv[1], encoding="utf-8"))
t = time.process_time()
out = [segment_words(text) for text in texts]
json.dump({"seconds": time.process_time() - t, "tokens": out}, open(sys.argv[2], "w", encoding="utf-8"))
"""


def texts(docs: int) -> list[str]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = bench_corpus.build(Path(tmp) / "c.jsonl", docs)
        out += [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    gold = [ROOT / "bench" / "data" / "seg_lo.txt"]
    gold += [f for lang in ("th", "my", "km") if (f := bench_corpus.eval_file(f"seg_{lang}.txt"))]
    for f in gold:
        lines = [line.replace("|", "") for line in f.read_text(encoding="utf-8").splitlines()]
        out += lines + ["\n".join(lines)]
    return out


def run(src: Path, batch: Path) -> dict:
    """``segment_words`` over the texts in a fresh process importing khlang from ``src``."""
    result = batch.with_suffix(f".{abs(hash(src))}.json")
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, "-c", _CHILD, str(batch), str(result)], env=env, check=True)
    return json.loads(result.read_text(encoding="utf-8"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default="main", help="git revision to compare with (default: main)")
    ap.add_argument("--docs", type=int, default=3000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.ref, "src"], check=True,
                                 capture_output=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(tmp_path / "ref", filter="data")
        batch = tmp_path / "texts.json"
        all_texts = texts(args.docs)
        batch.write_text(json.dumps(all_texts), encoding="utf-8")
        t = time.perf_counter()
        ref = run(tmp_path / "ref" / "src", batch)
        new = run(ROOT / "src", batch)
        wall = time.perf_counter() - t
    differ = [i for i, (a, b) in enumerate(zip(ref["tokens"], new["tokens"])) if a != b]
    n_tokens = sum(len(tokens) for tokens, _ in new["tokens"])
    print(f"{len(all_texts):,} texts, {n_tokens:,} tokens: {len(differ)} differ from {args.ref} "
          f"(segment_words CPU seconds: {args.ref} {ref['seconds']:.2f}, this tree {new['seconds']:.2f}; "
          f"{wall:.0f} s in all)")
    for i in differ[:5]:
        a, b = ref["tokens"][i][0], new["tokens"][i][0]
        j = next((j for j, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        print(f"  text {i}: token {j}: {args.ref} {a[j:j + 3]} / this tree {b[j:j + 3]}")
    return 1 if differ or len(ref["tokens"]) != len(new["tokens"]) else 0


if __name__ == "__main__":
    sys.exit(main())
