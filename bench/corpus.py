"""The benchmark corpus: about 100k documents built from the paragraphs of the real Thai seed
articles (../shared/seeds), shared by every benchmark so their numbers compare.

    python bench/corpus.py OUT.jsonl [--docs 100000]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seeds_dir() -> Path:
    for parent in ROOT.parents:
        if (parent / "shared" / "seeds").is_dir():
            return parent / "shared" / "seeds"
    raise SystemExit("../shared/seeds not found beside the repository")


def seed_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted(seeds_dir().glob("*.txt")):
        paragraphs += [p.strip() for p in path.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 40]
    return paragraphs


def build(out: Path, docs: int = 100_000, seed: int = 0) -> Path:
    """Write ``docs`` JSONL documents of 1–4 seed paragraphs each (deterministic for ``seed``)."""
    rng = random.Random(seed)
    paragraphs = seed_paragraphs()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for i in range(docs):
            text = "\n".join(rng.choice(paragraphs) for _ in range(rng.randint(1, 4)))
            f.write(json.dumps({"id": f"bench-{i}", "text": text}, ensure_ascii=False) + "\n")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=100_000)
    args = ap.parse_args()
    print(build(args.out, args.docs))
