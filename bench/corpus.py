"""The realistic benchmark corpus, shared by every benchmark so their numbers compare.

Documents are assembled from real sentences: the five Thai seed articles (``../shared/seeds``) and
the language-ID evaluation sentences (``../shared/data/eval/langid.tsv``, 14 languages), read by
path at bench time — nothing is copied into the package. Deterministic for a given seed and size.

* languages weighted towards Thai (25 %), Vietnamese and Indonesian (15 % each), the other eleven
  sharing the rest;
* lengths from a log-normal with a median of 1,500 characters and a long tail (capped by what the
  language's sentence pool can fill without repeating itself);
* paragraphs of 1–5 sentences; boilerplate lines (menus, "read more", share buttons, cookie
  notices, footers) on about half the documents;
* about 5 % code-switched documents (a third of the sentences from English or Chinese);
* about 5 % junk: symbol runs, very short texts, one line repeated;
* planted duplicates: about 10 % exact copies and 10 % near copies (1–30 % of the words replaced,
  deleted or inserted) of earlier documents, with the truth kept in ``truth.jsonl`` (``id, kind,
  lang, dup_of, edit``) for scoring.

Written as JSONL (the main input), and optionally as WARC.gz (HTML responses) and HTML files, so
the readers are measured too.

    python bench/corpus.py OUT_DIR [--docs 100000] [--warc] [--html 1000]
"""

from __future__ import annotations

import argparse
import gzip
import html
import io
import json
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Document languages and their weights (the region's big three first).
WEIGHTS = {"th": 0.25, "vi": 0.15, "id": 0.15}
OTHERS = ["lo", "km", "my", "ms", "tl", "ceb", "jv", "su", "zh", "en", "ta"]
MEDIAN_CHARS = 1500
SIGMA = 0.9  # log-normal spread: about 10 % of documents above 4,700 characters
SHARE = {"exact": 0.10, "near": 0.10, "junk": 0.05, "codeswitch": 0.05}
UNSPACED = {"zh"}  # sentences joined without a space
GRAPHEME_WORDS = {"lo", "km", "my", "zh"}  # near-copy edits work on grapheme clusters there

# Boilerplate written for this benchmark (short, generic site furniture in the region's languages).
MENUS = {
    "th": "หน้าแรก | ข่าว | กีฬา | บันเทิง | ติดต่อเรา", "vi": "Trang chủ | Tin tức | Thể thao | Giải trí | Liên hệ",
    "id": "Beranda | Berita | Olahraga | Hiburan | Kontak", "ms": "Laman Utama | Berita | Sukan | Hubungi Kami",
    "tl": "Home | Balita | Palakasan | Makipag-ugnayan", "en": "Home | News | Sport | Entertainment | Contact us",
}
MORE = {"th": "อ่านต่อ", "vi": "Xem thêm", "id": "Baca juga", "ms": "Baca juga", "en": "Read more", "tl": "Basahin pa"}
FOOTERS = [
    "We use cookies to improve your experience. By continuing you accept our cookie policy. Accept",
    "© 2024 All rights reserved. Privacy policy | Terms of use",
    "Share: Facebook | Twitter | LINE | WhatsApp",
    "เว็บไซต์นี้ใช้คุกกี้เพื่อพัฒนาประสบการณ์การใช้งาน ยอมรับ",
    "Bagikan: Facebook | Twitter | WhatsApp",
    "Chia sẻ: Facebook | Zalo | Twitter",
]


def shared_dir() -> Path:
    for parent in ROOT.parents:
        if (parent / "shared" / "seeds").is_dir():
            return parent / "shared"
    raise SystemExit("../shared/seeds not found beside the repository")


def eval_file(name: str) -> Path | None:
    """``../shared/data/eval/<name>`` beside the repository (the dev half of the evaluation sets),
    or None when it is not there."""
    for parent in ROOT.parents:
        path = parent / "shared" / "data" / "eval" / name
        if path.is_file():
            return path
    return None


def seeds_dir() -> Path:
    return shared_dir() / "seeds"


def seed_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted(seeds_dir().glob("*.txt")):
        paragraphs += [p.strip() for p in path.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 40]
    return paragraphs


def sentence_pools() -> dict[str, list[str]]:
    """Real sentences by language: langid.tsv (all 14 languages) plus the Thai seed paragraphs."""
    pools: dict[str, list[str]] = defaultdict(list)
    tsv = shared_dir() / "data" / "eval" / "langid.tsv"
    if not tsv.exists():
        raise SystemExit(f"{tsv} not found (the realistic corpus needs the evaluation sentences)")
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        lang, text = line.split("\t")[:2]
        if text.strip():
            pools[lang].append(text.strip())
    pools["th"] += seed_paragraphs()
    return dict(pools)


@lru_cache(maxsize=50_000)  # bounded: a 1M-document build must not keep every edited line
def _units(text: str, lang: str) -> list[str]:
    """Word-like units a near copy edits: whitespace words; grapheme clusters for unspaced scripts;
    PyThaiNLP newmm words for Thai (fixed here, independent of khlang's own segmenter)."""
    if lang == "th":
        from pythainlp.tokenize import word_tokenize

        return word_tokenize(text, engine="newmm", keep_whitespace=True)
    if lang in GRAPHEME_WORDS:
        import regex

        return regex.findall(r"\X", text)
    return text.split(" ")


@dataclass
class Doc:
    id: str
    lang: str
    kind: str
    text: str
    dup_of: str | None = None
    edit: float = 0.0
    url: str = ""
    extra: dict = field(default_factory=dict)


class Generator:
    """Deterministic document factory over the sentence pools (one ``random.Random``)."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.pools = sentence_pools()
        rest = (1.0 - sum(WEIGHTS.values())) / len(OTHERS)
        self.langs = list(WEIGHTS) + OTHERS
        self.cum = list(_accumulate([WEIGHTS.get(lg, rest) for lg in self.langs]))
        self.pool_chars = {lg: sum(map(len, p)) for lg, p in self.pools.items()}
        self.vocab = {lg: [w for s in p[:200] for w in self.units(s, lg) if w.strip()] for lg, p in self.pools.items()}

    def units(self, sentence: str, lang: str) -> list[str]:
        return _units(sentence, lang)

    def lang(self) -> str:
        x = self.rng.random()
        for lg, c in zip(self.langs, self.cum):
            if x < c:
                return lg
        return self.langs[-1]

    def target_length(self, lang: str) -> int:
        n = int(math.exp(self.rng.gauss(math.log(MEDIAN_CHARS), SIGMA)))
        return max(60, min(n, int(0.8 * self.pool_chars[lang])))

    def sentences(self, lang: str, chars: int) -> list[str]:
        pool = self.pools[lang]
        order = self.rng.sample(range(len(pool)), len(pool))
        out, total = [], 0
        for i in order:
            out.append(pool[i])
            total += len(pool[i]) + 1
            if total >= chars:
                break
        return out

    def paragraphs(self, sents: list[str], lang: str) -> list[str]:
        sep = "" if lang in UNSPACED else " "
        out, i = [], 0
        while i < len(sents):
            k = self.rng.randint(1, 5)
            out.append(sep.join(sents[i : i + k]))
            i += k
        return out

    def boilerplate(self, lang: str, paras: list[str]) -> list[str]:
        r = self.rng
        if r.random() < 0.35:
            paras = [MENUS.get(lang, MENUS["en"])] + paras
        if r.random() < 0.25 and len(paras) > 2:
            at = r.randrange(1, len(paras))
            paras = paras[:at] + [f"{MORE.get(lang, MORE['en'])}: {r.choice(self.pools[lang])[:60]}"] + paras[at:]
        if r.random() < 0.45:
            paras = paras + r.sample(FOOTERS, r.randint(1, 2))
        return paras

    def normal(self, i: int) -> Doc:
        lang = self.lang()
        paras = self.boilerplate(lang, self.paragraphs(self.sentences(lang, self.target_length(lang)), lang))
        return Doc(f"doc-{i:07d}", lang, "normal", "\n".join(paras))

    def codeswitch(self, i: int) -> Doc:
        lang = self.rng.choice(["th", "vi", "id", "ms", "tl", "th", "vi", "id"])
        other = self.rng.choice(["en", "en", "zh"])
        n = self.target_length(lang)
        mine, theirs = self.sentences(lang, int(n * 0.67)), self.sentences(other, int(n * 0.33))
        mixed = mine + theirs
        self.rng.shuffle(mixed)
        return Doc(f"doc-{i:07d}", lang, "codeswitch", "\n".join(self.paragraphs(mixed, lang)), extra={"other": other})

    def junk(self, i: int) -> Doc:
        r, lang = self.rng, self.lang()
        style = r.choice(["symbols", "short", "repeated"])
        if style == "symbols":
            text = "\n".join("".join(r.choice("#$%&*+=~^|<>/\\@!?-_") for _ in range(r.randint(20, 120)))
                             for _ in range(r.randint(1, 20)))
        elif style == "short":
            text = r.choice(self.pools[lang])[: r.randint(5, 40)]
        else:
            line = r.choice(self.pools[lang])
            text = "\n".join([line] * r.randint(10, 60))
        return Doc(f"doc-{i:07d}", lang, "junk", text, extra={"style": style})

    def near(self, i: int, src: Doc) -> Doc:
        """A copy of ``src`` with a fraction (1–30 %) of its word units replaced, deleted or inserted."""
        r = self.rng
        level = round(r.uniform(0.01, 0.30), 3)
        vocab = self.vocab[src.lang] or ["x"]
        lines = []
        for line in src.text.split("\n"):
            out = []
            for u in self.units(line, src.lang):
                if not u.strip() or r.random() >= level:
                    out.append(u)
                    continue
                op = r.randrange(3)
                if op == 0:
                    out.append(r.choice(vocab))
                elif op == 1:
                    out += [u, r.choice(vocab)]
            sep = "" if src.lang in GRAPHEME_WORDS or src.lang == "th" else " "
            lines.append(sep.join(out))
        return Doc(f"doc-{i:07d}", src.lang, "near", "\n".join(lines), dup_of=src.id, edit=level)


def _accumulate(xs: list[float]):
    total = 0.0
    for x in xs:
        total += x
        yield total


def generate(docs: int, seed: int = 0):
    """Yield ``docs`` documents. Duplicates copy an earlier normal or code-switched document."""
    g = Generator(seed)
    originals: list[Doc] = []
    cut = list(_accumulate(list(SHARE.values())))
    for i in range(docs):
        x = g.rng.random()
        kind = next((k for k, c in zip(SHARE, cut) if x < c), "normal")
        if kind in ("exact", "near") and not originals:
            kind = "normal"
        if kind == "exact":
            src = g.rng.choice(originals)
            doc = Doc(f"doc-{i:07d}", src.lang, "exact", src.text, dup_of=src.id)
        elif kind == "near":
            doc = g.near(i, g.rng.choice(originals))
        elif kind == "junk":
            doc = g.junk(i)
        elif kind == "codeswitch":
            doc = g.codeswitch(i)
        else:
            doc = g.normal(i)
        if doc.kind in ("normal", "codeswitch"):
            if len(originals) < 20_000:
                originals.append(doc)
            else:  # a reservoir: duplicates of anything seen so far, memory bounded
                originals[g.rng.randrange(len(originals))] = doc
        doc.url = f"https://{doc.lang}.example.org/{doc.kind}/{i}"
        yield doc


def build(out: Path, docs: int = 100_000, seed: int = 0, warc: bool = False, html_files: int = 0) -> Path:
    """Write the corpus; return the JSONL path. ``out`` is a ``.jsonl`` file path (its folder gets
    ``truth.jsonl`` and the other formats) or a folder (``corpus.jsonl`` inside it)."""
    out = Path(out)
    path = out if out.suffix == ".jsonl" else out / "corpus.jsonl"
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    warc_f = (folder / "corpus.warc.gz").open("wb") if warc else None  # records are gzip members already
    if html_files:
        (folder / "html").mkdir(exist_ok=True)
    with path.open("w", encoding="utf-8") as f, (folder / "truth.jsonl").open("w", encoding="utf-8") as t:
        for n, d in enumerate(generate(docs, seed)):
            f.write(json.dumps({"id": d.id, "text": d.text, "url": d.url}, ensure_ascii=False) + "\n")
            t.write(json.dumps({"id": d.id, "kind": d.kind, "lang": d.lang, "dup_of": d.dup_of, "edit": d.edit},
                               ensure_ascii=False) + "\n")
            if warc_f or n < html_files:
                page = to_html(d)
                if warc_f:
                    warc_f.write(warc_record(d, page, n))
                if n < html_files:
                    (folder / "html" / f"{d.id}.html").write_text(page, encoding="utf-8")
    if warc_f:
        warc_f.close()
    return path


def to_html(d: Doc) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in d.text.split("\n"))
    return (f'<!DOCTYPE html><html lang="{d.lang}"><head><meta charset="utf-8"><title>{d.id}</title></head>'
            f"<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article>\n{body}\n</article>"
            f"<footer>© 2024 example.org</footer></body></html>")


def warc_record(d: Doc, page: str, n: int) -> bytes:
    """One gzip member holding a WARC/1.0 response record (HTTP headers + the HTML page)."""
    payload = page.encode("utf-8")
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()) + payload
    rid = uuid.UUID(int=random.Random(n).getrandbits(128))
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{rid}>\r\n"
            f"WARC-Date: 2024-01-01T00:00:00Z\r\nWARC-Target-URI: {d.url}\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n").encode()
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as z:
        z.write(head + http + b"\r\n\r\n")
    return buf.getvalue()


def read_truth(folder: Path) -> dict[str, dict]:
    with (Path(folder) / "truth.jsonl").open(encoding="utf-8") as f:
        return {r["id"]: r for r in map(json.loads, f)}


def describe(path: Path) -> str:
    """A one-paragraph summary: documents by kind and language, length quantiles, megabytes."""
    truth = read_truth(path.parent)
    lens = sorted(len(json.loads(line)["text"]) for line in path.open(encoding="utf-8"))
    kinds: dict[str, int] = defaultdict(int)
    langs: dict[str, int] = defaultdict(int)
    for r in truth.values():
        kinds[r["kind"]] += 1
        langs[r["lang"]] += 1
    q = lambda p: lens[min(len(lens) - 1, int(p * len(lens)))]  # noqa: E731
    return (f"{len(lens):,} docs, {path.stat().st_size / 1e6:.1f} MB; chars p10/p50/p90/p99/max "
            f"{q(.1)}/{q(.5)}/{q(.9)}/{q(.99)}/{lens[-1]}; kinds " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
            + "; langs " + ", ".join(f"{k} {v}" for k, v in sorted(langs.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="output folder (or a .jsonl path)")
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--warc", action="store_true", help="also write corpus.warc.gz (HTML responses)")
    ap.add_argument("--html", type=int, default=0, help="also write the first N documents as HTML files")
    args = ap.parse_args()
    p = build(args.out, args.docs, args.seed, args.warc, args.html)
    print(p)
    print(describe(p))
