"""The labelling loop on the benchmark corpus with its planted truth: how many labels it takes.

For 50, 100, 200 and 400 labelled documents (a seeded random sample; the rest is held out):
classifier accuracy and macro-F1 on the held-out documents, and keep-precision / keep-recall
(kept documents that are clean / clean documents kept) of the default thresholds against the
thresholds ``khlang tune`` proposes from those labels (with the classifier threshold), pooled and
per language. Then the speed of the ``classify`` stage next to the ``quality`` stage, same
documents, same run.

Two corpora (clean = dev sentences of ``shared/data/eval/langid.tsv`` + the Thai seeds, junk =
``bench/quality_junk.py``): ``bench`` — bench/quality.py's keep-drop corpus (clean documents of
≥ 8 sentences, which the defaults already keep); ``short`` — the same sentences as short pieces of
2–5 sentences, which a team may want and the default ``min_words`` drops.

    python bench/loop.py [--corpus bench|short|both] [--seed 0] [--per-language 200]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

from quality import EVAL, SEEDS, clean_docs  # noqa: E402
from quality_junk import junk_docs  # noqa: E402

from khlang.classify import train  # noqa: E402
from khlang.classify.train import metrics  # noqa: E402
from khlang.classify.tune import kept, tune  # noqa: E402
from khlang.lang.segment import words  # noqa: E402
from khlang.quality.signals import doc_lang, quality_signals  # noqa: E402

SIZES = (50, 100, 200, 400)


def short_docs(seed: int = 7) -> list[tuple[str, str]]:
    """The dev sentences as pieces of 2–5 sentences (one source at a time) + seed paragraphs."""
    rng = random.Random(seed)
    groups: dict[tuple[str, str], list[str]] = {}
    for line in EVAL.open(encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        lang, text, source = line.rstrip("\n").split("\t")
        groups.setdefault((lang, source), []).append(text.strip())
    out = []
    for (lang, _), sents in sorted(groups.items()):
        i = 0
        while i < len(sents):
            k = rng.randint(2, 5)
            out.append((lang, ("" if lang == "zh" else " ").join(sents[i:i + k])))
            i += k
    paras = [p.strip() for f in sorted(SEEDS.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n")
             if len(p.strip()) > 80]
    out += [("th", "\n".join(paras[i:i + 2])) for i in range(0, len(paras), 2)]
    return out


def build(kind: str) -> list[dict]:
    clean = clean_docs(EVAL, SEEDS) if kind == "bench" else short_docs()
    docs = [{"gold_lang": g, "text": t, "label": "good"} for g, t in clean]
    docs += [{"gold_lang": g, "text": t, "label": "bad"} for g, t, _ in [(g, t, k) for g, k, t in junk_docs()]]
    for d in docs:  # the language layer decides, as in a pipeline
        d["lang"] = doc_lang(d["text"], None)
        d["words"] = words(d["text"], d["lang"])
        d["sig"] = quality_signals(d["text"], d["lang"], d["words"])
    return docs


def pr(keep: list[bool], good: list[bool]) -> tuple[float, float]:
    tp = sum(k and g for k, g in zip(keep, good))
    return (tp / sum(keep) if sum(keep) else 0.0), (tp / sum(good) if sum(good) else 0.0)


def one_size(docs: list[dict], n: int, seed: int) -> dict:
    rng = random.Random(seed)
    idx = list(range(len(docs)))
    rng.shuffle(idx)
    lab, held = [docs[i] for i in idx[:n]], [docs[i] for i in idx[n:]]
    model = train(lab, positive=["good"], words_of=lambda e: e["words"])
    probs = model.proba([d["text"] for d in docs], [d["words"] for d in docs])
    score = model.score(probs)
    for d, p, s in zip(docs, probs, score):
        d["pred"], d["sig_c"] = model.labels[int(p.argmax())], {**d["sig"], "classify_score": float(s)}
    result = tune(lab, ["good"], model=model, sigs=[d["sig_c"] for d in lab])
    clf = metrics([d["label"] for d in held], [d["pred"] for d in held], model.labels)
    default = kept([d["sig"] for d in held])
    tuned = kept([d["sig_c"] for d in held], result["thresholds"])
    good = [d["label"] == "good" for d in held]
    per_lang = {}
    for lang in sorted({d["gold_lang"] for d in held}):
        ii = [i for i, d in enumerate(held) if d["gold_lang"] == lang]
        per_lang[lang] = (pr([default[i] for i in ii], [good[i] for i in ii]),
                          pr([tuned[i] for i in ii], [good[i] for i in ii]))
    return {"n": n, "held": len(held), "clf": clf, "default": pr(default, good), "tuned": pr(tuned, good),
            "per_lang": per_lang, "model": model, "changed": result["thresholds"]}


def speed(docs: list[dict], model) -> tuple[float, float]:
    """docs/s of the quality and the classify stage over the same segmented documents (best of 2)."""
    from khlang import registry
    from khlang.document import Document

    with tempfile.TemporaryDirectory() as tmp:
        path = model.save(Path(tmp) / "m.npz")
        front = [registry.build(n, {}) for n in ("clean", "normalize", "langid", "segment")]
        out = [Document(id=str(i), text=d["text"]) for i, d in enumerate(docs)]
        for st in front:
            out = list(st(out))
        rates = {}
        for name, params in (("quality", {"dry_run": True}), ("classify", {"model": str(path)})):
            best = float("inf")
            for _ in range(2):
                st = registry.build(name, params)
                for d in out:
                    d.annotations.pop(name, None)
                t = time.perf_counter()
                list(st(out))
                best = min(best, time.perf_counter() - t)
            rates[name] = len(out) / best
    return rates["quality"], rates["classify"]


def report(kind: str, seed: int) -> None:
    t = time.perf_counter()
    docs = build(kind)
    good = sum(d["label"] == "good" for d in docs)
    print(f"\n## corpus {kind}: {len(docs)} documents ({good} clean, {len(docs) - good} junk), seed {seed}\n")
    print("| labels | held-out | classifier accuracy | classifier macro-F1 | keep P / R default | keep P / R tuned |")
    print("|---:|---:|---:|---:|---:|---:|")
    runs = [one_size(docs, n, seed) for n in SIZES]
    for r in runs:
        print(f"| {r['n']} | {r['held']} | {r['clf']['accuracy']:.3f} | {r['clf']['macro_f1']:.3f} | "
              f"{r['default'][0]:.3f} / {r['default'][1]:.3f} | {r['tuned'][0]:.3f} / {r['tuned'][1]:.3f} |")
    print("\nper language (held-out keep precision / recall), default → tuned:\n")
    print("| language | " + " | ".join(f"{r['n']} labels" for r in runs) + " |")
    print("|---|" + "---:|" * len(runs))
    for lang in runs[0]["per_lang"]:
        cells = [f"{d[0]:.2f}/{d[1]:.2f} → {t_[0]:.2f}/{t_[1]:.2f}" for d, t_ in (r["per_lang"][lang] for r in runs)]
        print(f"| {lang} | " + " | ".join(cells) + " |")
    print(f"\nthresholds tuned from {runs[-1]['n']} labels: {runs[-1]['changed']}")
    q, c = speed(docs, runs[-1]["model"])
    print(f"\nstage speed on these {len(docs)} documents: quality {q:,.0f} docs/s, classify {c:,.0f} docs/s "
          f"(classify/quality = {c / q:.2f}); bench took {time.perf_counter() - t:.0f}s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", choices=("bench", "short", "both"), default="both")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for kind in ("bench", "short") if args.corpus == "both" else (args.corpus,):
        report(kind, args.seed)


if __name__ == "__main__":
    main()
