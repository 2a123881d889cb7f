"""Do two khlang checkouts give the same outputs? For speed work that must change nothing.

    python bench/same_outputs.py --base-src ../wt-main/src [--docs 3000]

Runs the per-document stages (clean, normalize, langid, segment, quality, pii) of this checkout
and of ``--base-src`` (each in its own interpreter, that ``src`` first on the path) over the
realistic corpus (bench/corpus.py, ``--docs`` documents) and every text of
``../shared/data/eval/langid.tsv`` and ``codeswitch.tsv``, and compares, text by text: each
stage's text, annotation, drop and language; ``clean_text``, ``normalize``, ``langid.detect``
and ``langid.spans`` (of the raw and of the normalised text) and ``quality_signals`` called
directly. Prints the number of texts that differ and the first few differences; exit 1 if any.
"""

from __future__ import annotations

import argparse
import csv
import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import corpus as bench_corpus  # noqa: E402

STAGES = ["clean", "normalize", "langid", "segment", "quality", "pii"]


def texts(docs: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = bench_corpus.build(Path(tmp) / "c.jsonl", docs)
        out = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    for name in ("langid.tsv", "codeswitch.tsv"):
        path = bench_corpus.eval_file(name)
        if path is None:
            continue
        with path.open(encoding="utf-8") as f:
            for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                out.extend(x for x in row if len(x) > 3)
    return out


def outputs(src: str, texts_file: str, out_file: str) -> None:
    """In a child interpreter: every output of the khlang under ``src`` for the texts."""
    sys.path.insert(0, src)
    from khlang.clean import clean_text
    from khlang.document import Document
    from khlang.lang import langid
    from khlang.lang.normalize import normalize
    from khlang.quality import quality_signals
    from khlang.registry import build

    stages = [build(name) for name in STAGES]
    result = []
    for i, text in enumerate(pickle.loads(Path(texts_file).read_bytes())):
        doc, per_stage = Document(id=str(i), text=text), []
        for stage in stages:
            doc = stage.process(doc)
            per_stage.append((stage.name, doc.text, repr(doc.annotations.get(stage.name)), repr(doc.drop), doc.lang))
            if doc.drop is not None:
                break
        cleaned = clean_text(text)
        normalized = normalize(cleaned[0])
        result.append((per_stage, cleaned, normalized, langid.detect(text), langid.spans(text),
                       langid.detect(normalized[0]), langid.spans(normalized[0]), repr(quality_signals(normalized[0]))))
    Path(out_file).write_bytes(pickle.dumps(result))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        outputs(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-src", type=Path, required=True, help="src/ of the checkout to compare with")
    ap.add_argument("--docs", type=int, default=3000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        texts_file = Path(tmp) / "texts.pkl"
        all_texts = texts(args.docs)
        texts_file.write_bytes(pickle.dumps(all_texts))
        found = []
        for name, src in (("this", ROOT / "src"), ("base", args.base_src.resolve())):
            out = Path(tmp) / f"{name}.pkl"
            subprocess.run([sys.executable, __file__, "--child", str(src), str(texts_file), str(out)], check=True)
            found.append(pickle.loads(out.read_bytes()))
    differ = [i for i, (a, b) in enumerate(zip(*found)) if a != b]
    print(f"{len(all_texts):,} texts ({args.docs:,} corpus documents and the eval TSVs' texts): {len(differ)} differ")
    for i in differ[:5]:
        print(f"text {i}:\n  this: {str(found[0][i])[:500]}\n  base: {str(found[1][i])[:500]}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
