"""Train khlang's Latin-script language model (src/khlang/lang/data/latin_lid.ftz).

    python scripts/langid_corpus.py MIRRORS CORPUS     # training text from public repositories
    python scripts/langid_train.py CORPUS [--out FILE]  # needs the `fasttext` training package

Training needs the full ``fasttext`` package (e.g. ``pip install fasttext-numpy2`` in a scratch
virtualenv); khlang itself only predicts, through ``fasttext-predict``. Every sentence is one
example, plus one random fragment of one to four words (so short text and single tokens — what
code-switching needs — are seen too). Small classes are repeated up to the size of the others.
The project's own tuning sentences (``src/khlang/lang/data/tuning``) are added to their languages.
Normalisation is the package's own (:func:`khlang.lang.latin_model.normalise`).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src" / "khlang" / "lang"))

import latin_model  # noqa: E402  (the module alone: training needs none of khlang's dependencies)

TARGET = 14_000  # examples a class is repeated up to
PARAMS = dict(dim=16, minn=2, maxn=4, wordNgrams=1, epoch=15, lr=0.5, bucket=200_000)


def examples(corpus: Path, rng: random.Random) -> list[str]:
    tuning = ROOT / "src" / "khlang" / "lang" / "data" / "tuning"
    lines = []
    for path in sorted(corpus.glob("*.txt")):
        lang = path.stem
        texts = path.read_text(encoding="utf-8").splitlines()
        if (tuning / path.name).exists():
            texts += [t for t in (tuning / path.name).read_text(encoding="utf-8").splitlines() if not t.startswith("#")]
        norm = [n for n in map(latin_model.normalise, texts) if n]
        for _ in range(max(1, min(6, TARGET // max(len(norm), 1)))):
            for text in norm:
                lines.append(f"__label__{lang} {text}")
                w = text.split()
                if len(w) > 4:
                    i = rng.randrange(len(w) - 2)
                    lines.append(f"__label__{lang} " + " ".join(w[i : i + rng.randint(1, 4)]))
    rng.shuffle(lines)
    return lines


def main() -> None:
    import fasttext

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "khlang" / "lang" / "data" / latin_model.MODEL_FILE)
    args = ap.parse_args()
    lines = examples(args.corpus, random.Random(14))
    with tempfile.TemporaryDirectory() as tmp:
        train = Path(tmp) / "train.txt"
        train.write_text("\n".join(lines) + "\n", encoding="utf-8")
        model = fasttext.train_supervised(str(train), thread=2, verbose=0, seed=14, **PARAMS)
        model.quantize(input=str(train), qnorm=True, retrain=False, cutoff=100_000)
    model.save_model(str(args.out))
    print(f"{len(lines):,} examples → {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
