"""The data card: the package's ``README.md`` — Hugging Face-style YAML front matter, then
languages, sources, licences, processing steps (from the ``runs`` table), PII policy, splits,
fields and known limitations, all computed from the exported rows."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml

from ..store import DOCS_SCHEMA, Corpus
from .writers import WRITERS


def _md_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)\n"
    cols = list(rows[0])
    fmt = lambda v: f"{v:,}" if isinstance(v, int) else "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                         (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")):
        if n < limit:
            return label
    return "100M<n<1B"


def data_card(corpus: Corpus, name: str, fmt: str, rows: dict[str, int], filters: dict[str, Any],
              splits: dict[str, float], filt: str, params: list) -> str:
    """README.md for the package: HF-style YAML front matter, then sources, licences, languages,
    processing steps (from the ``runs`` table), PII policy and known limitations."""
    from ..stats import WORDS_SQL, has_annotation, key_counts

    sub = f"(SELECT * FROM documents{filt})"
    langs = corpus.rows(f"SELECT coalesce(lang, '(unknown)') AS language, count(*) AS documents, "
                        f"sum({WORDS_SQL}) AS words, sum(n_chars) AS characters FROM {sub} GROUP BY 1 ORDER BY 2 DESC", params)
    licences = corpus.rows(f"SELECT coalesce(licence, '(not stated)') AS licence, count(*) AS documents "
                           f"FROM {sub} GROUP BY 1 ORDER BY 2 DESC", params)
    sources = corpus.rows(f"""SELECT source_kind AS kind,
            coalesce(nullif(regexp_extract(coalesce(url, source_uri), '^[a-zA-Z]+://([^/:?#]+)', 1), ''),
                     regexp_extract(regexp_replace(source_uri, '#.*$', ''), '([^/\\\\]+)$', 1)) AS source,
            count(*) AS documents FROM {sub} GROUP BY ALL ORDER BY documents DESC LIMIT 25""", params)
    runs = corpus.runs()
    ext = WRITERS[fmt].ext
    iso = sorted({r["language"] for r in langs if r["language"] != "(unknown)"})
    licence_ids = sorted({str(r["licence"]).lower() for r in licences if r["licence"] != "(not stated)"})
    total = sum(rows.values())
    front = {
        "pretty_name": name,
        "language": iso,
        "license": licence_ids[0] if len(licence_ids) == 1 and len(licences) == 1 else "other",
        "multilinguality": "multilingual" if len(iso) > 1 else "monolingual",
        "size_categories": [_size_category(total)],
        "task_categories": ["text-generation"],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": s, "path": f"data/{s}-*.{ext}"} for s, n in rows.items() if n]}],
        # features: so `datasets.load_dataset(<package>)` types a column that is null in one file
        # and text in another (JSON has no schema of its own) as the corpus does
        "dataset_info": {"features": [{"name": f.name, "dtype": str(f.type)} for f in DOCS_SCHEMA],
                         "splits": [{"name": s, "num_examples": n} for s, n in rows.items() if n]},
        "khlang": {"format": fmt, "split_fractions": splits, "filters": {k: v for k, v in filters.items() if v is not None},
                   "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                   "corpus_runs": [r["run_id"] for r in runs]},
    }
    if front["license"] == "other":
        front["license_details"] = ", ".join(licence_ids) or "not stated"
    parts = ["---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n",
             f"# {name}\n\nA text corpus packaged by khlang: {total:,} documents in "
             + ", ".join(f"{s} {n:,}" for s, n in rows.items()) + f" ({fmt}).\n",
             "\n## Languages and counts\n\nWords are the segmenter's counts where the segment stage ran, "
             "else whitespace-separated tokens.\n\n" + _md_table(langs),
             "\n## Sources\n\n" + _md_table(sources),
             "\n## Licences\n\nAs recorded per document by the source; check each source's terms before "
             "redistribution.\n\n" + _md_table(licences),
             "\n## Processing steps\n\n" + _processing(runs),
             "\n## Personal information (PII) policy\n\n" + _pii_policy(corpus, has_annotation, key_counts),
             "\n## Splits\n\nDeterministic by id: the first 32 bits of md5(id) against the fractions "
             + ", ".join(f"{k} {v:g}" for k, v in splits.items()) + "; a document keeps its split across exports.\n",
             "\n## Fields\n\n`id`, `text`, `lang`, `source_uri`, `source_kind`, `title`, `date`, `url`, "
             "`licence`, `n_chars`, `meta` (JSON), `annotations` (JSON: what each stage found; offsets "
             "are Unicode code points), `run_id` and `shard` (the corpus run that produced the row).\n",
             "\n## Known limitations\n\n" + _limitations(corpus, langs, runs, has_annotation)]
    return "".join(parts)


def _processing(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return "No runs recorded.\n"
    out = []
    for r in runs:
        config = json.loads(r.get("config") or "{}")
        versions = json.loads(r.get("versions") or "{}")
        stats = json.loads(r.get("stages") or "{}")
        out.append(f"### Run `{r['run_id']}` ({r.get('name')}, {r.get('status')})\n\n"
                   f"Started {r.get('started_at')}; {r.get('docs_in') or 0:,} documents in, "
                   f"{r.get('docs_out') or 0:,} kept, {r.get('docs_dropped') or 0:,} dropped. Versions: "
                   + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".\n\n")
        rows = []
        specs = [next(iter(s.items())) if isinstance(s, dict) else (s, {}) for s in config.get("stages") or []]
        names = [s for s in stats if s not in ("read", "import")]
        # stats are keyed by stage name, specs by the name in the pipeline file (maybe module:Class);
        # both follow pipeline order
        params = dict(zip(names, (p for _, p in specs))) if len(names) == len(specs) else dict(specs)
        for stage, st in stats.items():
            dropped = ", ".join(f"{k} {v:,}" for k, v in (st.get("dropped") or {}).items())
            rows.append({"stage": stage, "parameters": json.dumps(params.get(stage, {}), ensure_ascii=False),
                         "in": st.get("docs_in", 0), "kept": st.get("docs_out", 0), "dropped": dropped})
        if "import" in config:
            out.append(f"Imported from package `{config['import'].get('name')}` "
                       f"(MANIFEST sha256 {config['import'].get('manifest_sha256')}).\n\n")
        out.append(_md_table(rows) + "\n")
    return "".join(out)


def _pii_policy(corpus: Corpus, has_annotation, key_counts) -> str:
    if not has_annotation(corpus, "pii"):
        return ("No PII stage was run on this corpus: the text may contain names, e-mail addresses, phone "
                "numbers and other personal information. Run the pii stage before sharing it further.\n")
    counts = key_counts(corpus, "pii")
    found = counts.groupby("key")["count"].sum()
    found = found[found > 0]
    listing = ", ".join(f"{k} {int(v):,}" for k, v in found.items()) or "none"
    return ("The pii stage ran over every document; what it found is in `annotations.pii` (counts by type). "
            f"Found in the corpus: {listing}. Detection is pattern- and model-based and misses some "
            "personal information; treat the data as possibly containing it.\n")


def _limitations(corpus: Corpus, langs: list[dict[str, Any]], runs, has_annotation) -> str:
    notes = []
    stages = {s for r in runs for s in json.loads(r.get("stages") or "{}")}
    if not any("dedup" in s for s in stages):
        notes.append("No deduplication stage ran: exact and near duplicates may remain.")
    if not has_annotation(corpus, "langid"):
        notes.append("No language identification ran: `lang` comes from the sources, or is empty.")
    if not has_annotation(corpus, "quality"):
        notes.append("No quality filter ran: boilerplate and low-quality text may remain.")
    if not has_annotation(corpus, "segment"):
        notes.append("Word counts are whitespace tokens: they undercount Thai, Lao, Khmer and Burmese.")
    small = [r["language"] for r in langs if r["documents"] < 100]
    if small:
        notes.append("Languages with fewer than 100 documents (too few to train on alone): " + ", ".join(small) + ".")
    if any(r["language"] == "(unknown)" for r in langs):
        notes.append("Some documents have no language.")
    notes.append("Automatic stages make mistakes; counts above describe this package, not the languages.")
    return "".join(f"- {n}\n" for n in notes)
