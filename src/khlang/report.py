"""The corpus report: one self-contained HTML file (charts + data + JavaScript inline, opens
offline), the same charts as PNG for slides, and a terse summary for the terminal. (Over 400
lines: one small function per chart section; splitting them would scatter one page's layout.)

Charts are Vega-Lite specs built with Altair. The HTML embeds the Vega/Vega-Lite/vega-embed
bundle that ``vl-convert-python`` ships (no CDN); PNGs are rendered by vl-convert too, with no
browser. Every chart reads the catalog with DuckDB; a chart whose data comes from a stage that did
not run says so ("no data: run the quality stage") instead of failing.

What the other stages leave, and where the report looks for it::

    documents.lang, annotations.langid.confidence        langid
    annotations.segment.n_words                           segment (else: whitespace words)
    annotations.quality.{signal: value, score}            quality
    runs.stages.quality.info.{rules, signals}             quality: rules applied/skipped per language
    annotations.pii.{TYPE: count}                         pii
    annotations.normalize / annotations.clean.{rule: n}   normalize, clean
    view dup_clusters(id, cluster_id, cluster_size, kept) dedup
    runs.stages (JSON), view dropped                      every run
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from .stats import LANG_SQL, WORDS_SQL, has_annotation, key_counts, stage_info
from .store import Corpus
#: Rows of per-document values a chart embeds at most (a deterministic sample beyond that).
MAX_POINTS = 5000
WIDTH = 640
SAMPLES_PER_LANG = 3
SAMPLE_CHARS = 600


@dataclass
class Figure:
    """One section of the report: a chart, or a note saying why there is none, plus an optional
    table shown under it."""

    key: str
    title: str
    chart: Any = None  # an Altair chart
    note: str = ""
    table: pd.DataFrame | None = None
    description: str = ""

    def spec(self) -> dict[str, Any] | None:
        return None if self.chart is None else self.chart.to_dict()


@dataclass
class ReportData:
    corpus: Path
    totals: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    samples: pd.DataFrame | None = None


# -- catalog helpers --------------------------------------------------------------------------------
def _df(corpus: Corpus, query: str, params: list | None = None) -> pd.DataFrame:
    return corpus.con.execute(query, params or []).df()


def _sample_clause(n: int) -> str:
    return f"ORDER BY md5(id) LIMIT {int(n)}"


def _missing(stage: str) -> str:
    return f"no data: run the {stage} stage"


# -- quality rules --------------------------------------------------------------------------------
def quality_rules(corpus: Corpus) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """What the quality stage recorded in the run: ``({lang: {"applied": {rule: threshold},
    "skipped": {rule: why}}}, {rule: signal})``. The report only renders this; it never works out
    thresholds itself."""
    info = stage_info(corpus, "quality")
    return info.get("rules", {}), info.get("signals", {})


def quality_thresholds(corpus: Corpus) -> dict[str, dict[str, list[float]]]:
    """``{lang: {signal: [thresholds]}}``: the applied rules the quality stage recorded, by signal
    (for the dashed lines on the histograms)."""
    rules, signals = quality_rules(corpus)
    out: dict[str, dict[str, list[float]]] = {}
    for lang, entry in rules.items():
        for rule, value in entry.get("applied", {}).items():
            out.setdefault(lang, {}).setdefault(signals.get(rule, rule), []).append(float(value))
    return out


def _rules_table(rules: dict[str, dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for lang, entry in sorted(rules.items()):
        applied = entry.get("applied", {})
        skipped = entry.get("skipped", {})
        rows.append((lang, len(applied), ", ".join(f"{r} {v:g}" for r, v in applied.items()),
                     len(skipped), "; ".join(f"{r}: {why}" for r, why in skipped.items())))
    return pd.DataFrame(rows, columns=["language", "applied", "rules applied (threshold)", "skipped",
                                       "rules skipped (why)"])


# -- figures --------------------------------------------------------------------------------------
def _per_language(corpus: Corpus) -> Figure:
    df = _df(corpus, f"""SELECT {LANG_SQL} AS lang, count(*) AS documents, sum({WORDS_SQL}) AS words,
                                coalesce(sum(n_chars), 0) AS characters
                         FROM documents GROUP BY 1 ORDER BY documents DESC""")
    fig = Figure("languages", "Documents, words and characters per language", table=df,
                 description="Words: annotations.segment.n_words where the segment stage ran, "
                             "else whitespace-separated tokens.")
    if df.empty:
        fig.note = "no data: the corpus has no documents"
        return fig
    long = df.melt("lang", var_name="measure", value_name="value")
    fig.chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("value:Q", title=None),
        y=alt.Y("lang:N", sort="-x", title="language"),
        color=alt.Color("lang:N", legend=None),
        tooltip=["lang", "measure", alt.Tooltip("value:Q", format=",")],
    ).properties(width=WIDTH // 3 - 20, height=max(60, 22 * len(df))).facet(
        column=alt.Column("measure:N", title=None, sort=["documents", "words", "characters"])
    ).resolve_scale(x="independent")
    return fig


def _lengths(corpus: Corpus) -> Figure:
    df = _df(corpus, f"""SELECT {LANG_SQL} AS lang, greatest(n_chars, 1) AS characters, {WORDS_SQL} AS words
                         FROM documents {_sample_clause(MAX_POINTS)}""")
    fig = Figure("lengths", "Document length distribution (characters, words)",
                 description=f"Log scale; at most {MAX_POINTS:,} documents sampled by hash of id.")
    if df.empty:
        fig.note = "no data: the corpus has no documents"
        return fig
    df["log10_chars"] = np.log10(df["characters"].clip(lower=1).astype(float))
    df["log10_words"] = np.log10(df["words"].clip(lower=1).astype(float))
    charts = []
    for col, title in (("log10_chars", "log10(characters)"), ("log10_words", "log10(words)")):
        charts.append(alt.Chart(df).mark_bar(opacity=0.75).encode(
            x=alt.X(f"{col}:Q", bin=alt.Bin(maxbins=40), title=title),
            y=alt.Y("count():Q", stack=True, title="documents"),
            color=alt.Color("lang:N", title="language"),
            tooltip=["lang", "count()"],
        ).properties(width=WIDTH // 2 - 20, height=220))
    fig.chart = alt.hconcat(*charts)
    return fig


def _quality(corpus: Corpus) -> Figure:
    fig = Figure("quality", "Quality signals (thresholds drawn as dashed lines)")
    if not has_annotation(corpus, "quality"):
        fig.note = _missing("quality")
        return fig
    raw = _df(corpus, f"""SELECT {LANG_SQL} AS lang, annotations->>'$.quality' AS q FROM documents
                          WHERE json_exists(annotations, '$.quality') {_sample_clause(MAX_POINTS)}""")
    rows = []
    for lang, q in zip(raw["lang"], raw["q"]):
        for signal, value in (json.loads(q) or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                rows.append((lang, signal, float(value)))
    long = pd.DataFrame(rows, columns=["lang", "signal", "value"])
    if long.empty:
        fig.note = "no data: annotations.quality holds no numeric signals"
        return fig
    recorded, _ = quality_rules(corpus)
    thresholds = quality_thresholds(corpus)
    with_lines = {sig for per_lang in thresholds.values() for sig in per_lang}
    signals = sorted(set(long["signal"]), key=lambda s: (s != "score", s not in with_lines, s))[:16]
    charts = []
    for signal in signals:
        part = long[long["signal"] == signal]
        lines = [(lang, v) for lang, sig in thresholds.items() for s, vals in sig.items() if s == signal for v in vals]
        lo = min([part["value"].min(), *(v for _, v in lines)])
        hi = max([part["value"].max(), *(v for _, v in lines)])
        if signal == "score":
            lo, hi = min(lo, 0.0), max(hi, 1.0)
        pad = 0.0 if hi > lo else (abs(lo) * 0.1 or 0.5)
        extent = [lo - pad, hi + pad]  # bins cover the thresholds too
        hist = alt.Chart(part).mark_bar(opacity=0.8).encode(
            x=alt.X("value:Q", bin=alt.Bin(maxbins=30, extent=extent), title=signal),
            y=alt.Y("count():Q", title="documents"),
            color=alt.Color("lang:N", title="language"),
            tooltip=["lang", "count()"],
        ).properties(width=WIDTH // 2 - 40, height=150)
        if lines:
            rules = alt.Chart(pd.DataFrame(lines, columns=["lang", "threshold"])).mark_rule(
                strokeDash=[6, 3], strokeWidth=2, color="black").encode(
                x="threshold:Q", tooltip=["lang", "threshold"])
            hist = alt.layer(hist, rules)
        charts.append(hist)
    fig.chart = alt.concat(*charts, columns=2)
    n_signals = long["signal"].nunique()
    fig.description = ("Kept documents only (dropped rows carry no annotations; run the quality stage "
                       "with dry_run to see what it would cut)."
                       + (f" Showing {len(signals)} of {n_signals} signals: the score and those with thresholds first."
                          if n_signals > len(signals) else ""))
    if recorded:
        fig.table = _rules_table(recorded)
        fig.description += (" The table: per language, the rules the quality stage applied (with their "
                            "thresholds) and the rules it skipped, with why (no data for that language, "
                            "or switched off).")
    else:
        fig.description += " The quality stage of these runs recorded no rules (made by an older khlang)."
    return fig


def funnel_rows(corpus: Corpus) -> pd.DataFrame:
    """What every stage kept and dropped (and why), summed over finished runs, in pipeline order:
    columns ``order, stage, outcome, docs``."""
    order: dict[str, int] = {}
    totals: dict[tuple[str, str], int] = {}
    for (stages,) in corpus.con.execute(
            "SELECT stages FROM runs WHERE status = 'done' AND stages IS NOT NULL ORDER BY started_at").fetchall():
        for name, st in json.loads(stages).items():
            order.setdefault(name, len(order))
            totals[(name, "kept")] = totals.get((name, "kept"), 0) + int(st.get("docs_out", 0))
            for reason, n in (st.get("dropped") or {}).items():
                totals[(name, reason)] = totals.get((name, reason), 0) + int(n)
    rows = [(order[s], s, outcome, n) for (s, outcome), n in totals.items()]
    return pd.DataFrame(rows, columns=["order", "stage", "outcome", "docs"]).sort_values(["order", "outcome"])


def _funnel(corpus: Corpus) -> Figure:
    df = funnel_rows(corpus)
    drops = _df(corpus, """SELECT stage, reason, count(*) AS documents, any_value(detail) AS example_detail
                           FROM dropped GROUP BY ALL ORDER BY documents DESC, stage, reason""")
    fig = Figure("funnel", "Funnel: what each stage kept and dropped, and why", table=drops,
                 description="From runs.stages (every finished run); the table lists the dropped view.")
    if df.empty:
        fig.note = "no data: no finished run recorded stage statistics"
        return fig
    stage_order = list(dict.fromkeys(df["stage"]))
    df = df.assign(rank=(df["outcome"] != "kept").astype(int))
    fig.chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y("stage:N", sort=stage_order, title="stage (pipeline order)"),
        x=alt.X("docs:Q", title="documents", stack=True),
        color=alt.Color("outcome:N", title="outcome",
                        scale=alt.Scale(domain=["kept"] + sorted(set(df["outcome"]) - {"kept"}),
                                        range=["#4c78a8", "#e45756", "#f58518", "#eeca3b", "#b279a2",
                                               "#ff9da6", "#9d755d", "#bab0ac", "#72b7b2", "#54a24b"])),
        order=alt.Order("rank:Q"),
        tooltip=["stage", "outcome", alt.Tooltip("docs:Q", format=",")],
    ).properties(width=WIDTH, height=max(80, 32 * len(stage_order)))
    return fig


def _duplicates(corpus: Corpus) -> Figure:
    fig = Figure("duplicates", "Duplicate-cluster sizes")
    dup_drops = _df(corpus, """SELECT reason, count(*) AS documents FROM dropped
                               WHERE reason IN ('duplicate', 'near_duplicate') GROUP BY 1 ORDER BY 1""")
    fig.table = dup_drops if not dup_drops.empty else None
    if not corpus.cluster_files():  # the view exists, empty, until dedup runs
        fig.note = _missing("dedup")
        return fig
    df = _df(corpus, """SELECT cluster_size, count(*) AS clusters FROM
                        (SELECT cluster_id, max(cluster_size) AS cluster_size FROM dup_clusters GROUP BY 1)
                        WHERE cluster_size > 1 GROUP BY 1 ORDER BY 1""")
    if df.empty:
        fig.note = "no duplicates found: every cluster has one document"
        return fig
    fig.chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("cluster_size:O", title="documents in cluster"),
        y=alt.Y("clusters:Q", title="clusters", scale=alt.Scale(type="symlog")),
        tooltip=["cluster_size", "clusters"],
    ).properties(width=WIDTH, height=220)
    return fig


def _pii(corpus: Corpus) -> Figure:
    fig = Figure("pii", "Personal information found, by type")
    if not has_annotation(corpus, "pii"):
        fig.note = _missing("pii")
        return fig
    df = key_counts(corpus, "pii").rename(columns={"key": "type"})
    df = df[df["count"] > 0]
    fig.table = df
    if df.empty or not df["count"].sum():
        fig.note = "the pii stage ran and found nothing"
        return fig
    fig.chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y("type:N", sort="-x", title="PII type"),
        x=alt.X("sum(count):Q", title="occurrences"),
        color=alt.Color("lang:N", title="language"),
        tooltip=["type", "lang", "count", "docs"],
    ).properties(width=WIDTH, height=max(60, 24 * df["type"].nunique()))
    return fig


def _sources(corpus: Corpus) -> Figure:
    df = _df(corpus, """
        SELECT coalesce(nullif(regexp_extract(coalesce(url, ''), '^[a-zA-Z]+://([^/:?#]+)', 1), ''),
                        nullif(regexp_extract(source_uri, '^[a-zA-Z]+://([^/:?#]+)', 1), ''),
                        regexp_extract(regexp_replace(source_uri, '#.*$', ''), '([^/\\\\]+)$', 1)) AS source,
               coalesce(source_kind, '') AS kind, count(*) AS documents, coalesce(sum(n_chars), 0) AS characters
        FROM documents GROUP BY ALL ORDER BY documents DESC, source LIMIT 30""")
    fig = Figure("sources", "Sources and domains (top 30)", table=df,
                 description="Domain of the url, else of source_uri, else the source file name.")
    if df.empty:
        fig.note = "no data: the corpus has no documents"
        return fig
    fig.chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y("source:N", sort="-x", title=None),
        x=alt.X("documents:Q"),
        color=alt.Color("kind:N", title="source kind"),
        tooltip=["source", "kind", "documents", "characters"],
    ).properties(width=WIDTH, height=max(60, 20 * len(df)))
    return fig


def _rules(corpus: Corpus) -> Figure:
    fig = Figure("rules", "Normalisation and cleaning rules applied")
    parts = [key_counts(corpus, s).assign(stage=s) for s in ("normalize", "clean") if has_annotation(corpus, s)]
    if not parts:
        fig.note = "no data: run the normalize or clean stage"
        return fig
    df = pd.concat(parts, ignore_index=True)
    df["rule"] = df["stage"] + ": " + df["key"]
    fig.table = df.groupby(["stage", "key"], as_index=False)[["docs", "count"]].sum().rename(columns={"key": "rule"})
    fig.chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y("rule:N", sort="-x", title=None),
        x=alt.X("sum(docs):Q", title="documents changed"),
        color=alt.Color("lang:N", title="language"),
        tooltip=["rule", "lang", "docs", "count"],
    ).properties(width=WIDTH, height=max(60, 22 * df["rule"].nunique()))
    if "normalize" not in set(df["stage"]):
        fig.description = "The normalize stage did not run; showing the clean stage only."
    return fig


def _langid(corpus: Corpus) -> Figure:
    fig = Figure("langid", "Language-identification confidence")
    df = _df(corpus, f"""SELECT {LANG_SQL} AS lang, TRY_CAST(annotations->>'$.langid.confidence' AS DOUBLE) AS confidence
                         FROM documents WHERE json_exists(annotations, '$.langid.confidence') {_sample_clause(MAX_POINTS)}""")
    if df.empty:
        fig.note = _missing("langid")
        return fig
    fig.chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("confidence:Q", bin=alt.Bin(maxbins=20, extent=[0, 1])),
        y=alt.Y("count():Q", title="documents"),
        color=alt.Color("lang:N", title="language"),
    ).properties(width=WIDTH, height=180)
    return fig


def tuning(result: dict[str, Any]) -> Figure:
    """The section ``khlang tune`` adds (its ``.report.json``): per language the classifier's
    keep-precision / keep-recall curve over its threshold, and the keep rates before and after."""
    fig = Figure("tuning", f"Tuned thresholds: {result['examples']} labelled documents, target {result['target']}")
    rows = []
    for lang, r in result["languages"].items():
        b, a = r["before"], r["after"]
        rows.append({"lang": lang, "labelled (keep/drop)": f"{r['good']}/{r['bad']}",
                     "keep rate before": b["keep_rate"], "keep rate after": a["keep_rate"],
                     "keep P before": b["keep_precision"], "keep P after": a["keep_precision"],
                     "keep R before": b["keep_recall"], "keep R after": a["keep_recall"],
                     "changed": ", ".join(f"{k} {v}" for k, v in r["changed"].items())
                     or ("–" if r["tuned"] else "too few labels")})
    fig.table = pd.DataFrame(rows)
    curve = pd.DataFrame([{"lang": lang, **pt} for lang, r in result["languages"].items() for pt in r["classifier_pr"]])
    if curve.empty or curve["precision"].isna().all():
        fig.note = "no classifier curve: tune ran without --model"
        return fig
    fig.chart = alt.Chart(curve.dropna()).mark_line(point=True).encode(
        x=alt.X("recall:Q", title="keep-recall", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("precision:Q", title="keep-precision", scale=alt.Scale(zero=False)),
        color=alt.Color("lang:N", title="language"),
        tooltip=["lang", "threshold", "precision", "recall"],
    ).properties(width=WIDTH, height=260)
    fig.description = ("Each point: keep a document when the classifier's score is at least the threshold "
                       "(0.05 … 0.95), measured on the labelled documents of that language.")
    return fig


FIGURES = (_per_language, _lengths, _funnel, _quality, _duplicates, _pii, _sources, _rules, _langid)


def totals(corpus: Corpus, per_language: pd.DataFrame | None = None) -> dict[str, Any]:
    """Headline numbers; ``per_language`` (the languages figure's table) saves a second scan."""
    if per_language is None:
        per_language = _per_language(corpus).table
    known = [lang for lang in per_language["lang"] if lang != "(unknown)"]
    dropped = corpus.con.execute("SELECT count(*) FROM dropped").fetchall()[0][0]
    runs = corpus.con.execute("SELECT count(*) FROM runs").fetchall()[0][0]
    return {"documents": int(per_language["documents"].sum()), "characters": int(per_language["characters"].sum()),
            "words": int(per_language["words"].sum()), "languages": len(known), "dropped": dropped, "runs": runs}


def samples(corpus: Corpus, per_lang: int = SAMPLES_PER_LANG) -> pd.DataFrame:
    """A few documents per language, chosen by hash of id (deterministic)."""
    return _df(corpus, f"""
        SELECT lang, id, title, url, source_uri, n_chars, text FROM (
            SELECT {LANG_SQL} AS lang, id, title, url, source_uri, n_chars, left(text, {SAMPLE_CHARS}) AS text,
                   row_number() OVER (PARTITION BY {LANG_SQL} ORDER BY md5(id)) AS r FROM documents)
        WHERE r <= {int(per_lang)} ORDER BY lang, r""")


def _safely(builder, corpus: Corpus) -> Figure:
    """One section's figure; a section that cannot be computed (say, a stage's view points at
    files that were moved) says why instead of sinking the whole report."""
    try:
        return builder(corpus)
    except Exception as exc:  # noqa: BLE001 - any failure becomes a visible note
        key = builder.__name__.strip("_")
        return Figure(key, key.replace("_", " ").capitalize(), note=f"could not compute: {type(exc).__name__}: {exc}")


def collect(corpus: Corpus) -> ReportData:
    """Everything the report shows, computed from the catalog."""
    figures = [_safely(f, corpus) for f in FIGURES]
    return ReportData(corpus=corpus.path, totals=totals(corpus, figures[0].table),
                      figures=figures, samples=samples(corpus))


# -- output ---------------------------------------------------------------------------------------
def _script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element (no ``</script>``, no HTML comment tricks)."""
    return (json.dumps(data, ensure_ascii=False, default=str)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _html_table(df: pd.DataFrame | None) -> str:
    if df is None or df.empty:
        return ""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            text = f"{v:,}" if isinstance(v, int) else "" if v is None or (isinstance(v, float) and v != v) else str(v)
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


CSS = """
body{font-family:system-ui,-apple-system,'Noto Sans','Noto Sans Thai',sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem} .sub{color:#666;margin-top:0}
.totals{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.totals div{background:#f3f5f8;border-radius:6px;padding:.6rem 1rem}.totals b{display:block;font-size:1.4rem}
section{border-top:1px solid #ddd;padding:1rem 0}
.note{color:#a15c00;background:#fff6e5;padding:.5rem .8rem;border-radius:4px;display:inline-block}
.desc{color:#555;font-size:.9rem}
table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
th{background:#f3f5f8} nav a{margin-right:.8rem}
.doc{border:1px solid #ddd;border-radius:6px;padding:.6rem .8rem;margin:.5rem 0;background:#fcfcfc}
.doc .meta{color:#666;font-size:.8rem;word-break:break-all} .doc pre{white-space:pre-wrap;font-family:inherit;margin:.4rem 0 0}
"""


@functools.lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega + Vega-Lite + vega-embed as one script, from vl-convert (offline; a few seconds to
    build, so cached in ~/.cache/khlang per vl-convert version)."""
    import vl_convert as vlc
    from importlib import metadata

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "khlang"
    path = cache / f"vega-bundle-{metadata.version('vl-convert-python')}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vlc.javascript_bundle()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        tmp.write_text(bundle, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a read-only home is fine: just slower next time
        pass
    return bundle


def render_html(data: ReportData) -> str:
    """The report as one HTML string with the Vega bundle and every chart's data inline."""
    specs = {f.key: f.spec() for f in data.figures if f.chart is not None}
    bundle = vega_bundle().replace("</script", "<\\/script")
    t = data.totals
    cards = "".join(f"<div><b>{v:,}</b>{html.escape(k)}</div>" for k, v in t.items())
    nav = "".join(f'<a href="#{f.key}">{html.escape(f.title.split(":")[0])}</a>' for f in data.figures)
    sections = []
    for f in data.figures:
        parts = [f'<section id="{f.key}"><h2>{html.escape(f.title)}</h2>']
        if f.description:
            parts.append(f'<p class="desc">{html.escape(f.description)}</p>')
        if f.chart is not None:
            parts.append(f'<div class="chart" id="chart-{f.key}"></div>')
        if f.note:
            parts.append(f'<p class="note">{html.escape(f.note)}</p>')
        parts.append(_html_table(f.table))
        parts.append("</section>")
        sections.append("".join(parts))
    docs = []
    if data.samples is not None:
        for row in data.samples.itertuples(index=False):
            meta = " · ".join(html.escape(str(x)) for x in (row.lang, row.id, row.title, row.url or row.source_uri,
                                                            f"{row.n_chars:,} chars") if x)
            docs.append(f'<div class="doc"><div class="meta">{meta}</div><pre>{html.escape(row.text or "")}</pre></div>')
    created = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>khlang report: {html.escape(data.corpus.name)}</title><style>{CSS}</style>
<script type="text/javascript">{bundle}</script></head>
<body><h1>khlang corpus report</h1><p class="sub">{html.escape(str(data.corpus))} · {created}</p>
<div class="totals">{cards}</div><nav>{nav}<a href="#samples">Samples</a></nav>
{''.join(sections)}
<section id="samples"><h2>Sample documents ({SAMPLES_PER_LANG} per language, first {SAMPLE_CHARS} characters)</h2>
{''.join(docs) or '<p class="note">no documents</p>'}</section>
<script id="khlang-specs" type="application/json">{_script_json(specs)}</script>
<script type="text/javascript">
const specs = JSON.parse(document.getElementById("khlang-specs").textContent);
for (const [key, spec] of Object.entries(specs)) {{
  const el = document.getElementById("chart-" + key);
  vegaEmbed(el, spec, {{renderer: "svg", actions: false}})
    .then(() => el.setAttribute("data-rendered", "1"))
    .catch(err => {{ el.textContent = "chart failed: " + err; el.setAttribute("data-error", "1"); }});
}}
</script></body></html>
"""


def write_pngs(data: ReportData, directory: str | Path, scale: float = 2.0) -> list[Path]:
    """Every chart as ``DIR/<key>.png`` (rendered by vl-convert: no browser needed)."""
    import vl_convert as vlc

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for f in data.figures:
        if f.chart is None:
            continue
        path = directory / f"{f.key}.png"
        path.write_bytes(vlc.vegalite_to_png(f.spec(), scale=scale))
        out.append(path)
    return out


def write_report(corpus_path: str | Path, out_html: str | Path = "report.html",
                 png_dir: str | Path | None = None) -> Path:
    """Write the HTML report of the corpus at ``corpus_path`` (and PNGs when ``png_dir`` is set);
    return the HTML path. This is what ``khlang report`` and ``khlang demo`` call."""
    data = build(corpus_path)
    out = Path(out_html)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(data), encoding="utf-8")
    if png_dir is not None:
        write_pngs(data, png_dir)
    return out


def build(corpus_path: str | Path, tune: str | Path | None = None) -> ReportData:
    """The report's data; ``tune``: a ``khlang tune`` report (``.report.json``) to add as a section."""
    with Corpus(corpus_path) as corpus:
        data = collect(corpus)
    if tune is not None:
        data.figures.append(tuning(json.loads(Path(tune).read_text(encoding="utf-8"))))
    return data


def print_summary(data: ReportData, console=None) -> None:
    """A terse summary for the terminal: totals, languages, drops, and the stages with no data."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    t = data.totals
    console.print(f"[bold]{t['documents']:,}[/] documents · {t['words']:,} words · {t['characters']:,} characters · "
                  f"{t['languages']} languages · {t['dropped']:,} dropped · {t['runs']} runs")
    by_key = {f.key: f for f in data.figures}
    langs = by_key["languages"].table
    if langs is not None and not langs.empty:
        table = Table("language", "docs", "words", "chars", box=None, pad_edge=False)
        for row in langs.head(12).itertuples(index=False):
            table.add_row(str(row.lang), f"{row.documents:,}", f"{int(row.words):,}", f"{int(row.characters):,}")
        console.print(table)
    drops = by_key["funnel"].table
    if drops is not None and not drops.empty:
        console.print("dropped: " + ", ".join(f"{r.stage}/{r.reason} {r.documents:,}" for r in drops.head(8).itertuples()))
    missing = [f"{f.key} ({f.note})" for f in data.figures if f.chart is None and f.note]
    if missing:
        console.print("[dim]no chart: " + "; ".join(missing) + "[/]")
