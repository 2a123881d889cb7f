"""The report: every section from a corpus built by the real stages, graceful notes when stages did
not run, the quality rules the stage recorded (applied and skipped per language), escaped samples,
a self-contained HTML that headless Chromium draws offline, PNGs, CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from khlang.cli import app
from khlang.quality import RULES
from khlang.quality.thresholds import merge, rules_for
from khlang.report import (build, collect, funnel_rows, quality_rules, quality_thresholds, render_html, write_pngs,
                           write_report)
from khlang.store import Corpus
from khlang_fakes import THRESHOLDS, build_corpus

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, seed_texts) -> Path:
    return build_corpus(tmp_path_factory.mktemp("report"), seed_texts)


@pytest.fixture(scope="module")
def bare_corpus(tmp_path_factory, seed_texts) -> Path:
    """Only the clean stage ran: no langid, quality, pii, dedup."""
    return build_corpus(tmp_path_factory.mktemp("bare"), seed_texts, annotate=False)


def test_every_section_has_a_chart_when_every_stage_ran(corpus):
    data = build(corpus)
    figures = {f.key: f for f in data.figures}
    assert {k for k, f in figures.items() if f.chart is None} == set(), [(f.key, f.note) for f in data.figures]
    assert data.totals["documents"] == 8 and data.totals["dropped"] == 2
    langs = figures["languages"].table.set_index("lang")
    assert langs.loc["th", "documents"] == 5 and langs.loc["lo", "documents"] == 1 and langs.loc["en", "documents"] == 2
    assert langs.loc["th", "words"] > 1000  # the segmenter's Thai words, not whitespace chunks
    pii = figures["pii"].table
    assert pii[(pii["type"] == "EMAIL")]["count"].sum() == 1  # the one e-mail in the English text
    rules = figures["rules"].table
    assert rules.set_index("rule").loc["lao_sara_am", "docs"] == 1  # the decomposed Sara Am of the Lao text
    assert sorted(data.samples["lang"].unique()) == ["en", "lo", "th"]


def test_funnel_counts_each_stage_and_reason(corpus):
    with Corpus(corpus) as c:
        rows = {(r.stage, r.outcome): r.docs for r in funnel_rows(c).itertuples()}
    assert rows[("read", "kept")] == 10
    assert rows[("langid", "kept")] == rows[("segment", "kept")] == 10
    assert rows[("quality", "max_boilerplate_lines_frac")] == 1 and rows[("quality", "kept")] == 9  # the menu page
    assert rows[("dedup_exact", "duplicate")] == 1 and rows[("dedup_exact", "kept")] == 8


def test_quality_section_renders_the_rules_the_stage_recorded(corpus):
    """Thresholds drawn and tabled are those the real quality stage applied, overrides included;
    rules it skipped are listed with why."""
    with Corpus(corpus) as c:
        thresholds = quality_thresholds(c)
        quality = next(f for f in collect(c).figures if f.key == "quality")
    assert thresholds["lo"]["n_words"] == [10.0, 100000.0]  # the pipeline's override, and max_words
    assert thresholds["en"]["n_words"] == [30.0, 100000.0] and thresholds["th"]["n_words"] == [50.0, 100000.0]
    assert thresholds["th"]["mean_word_len"] == [2.0, 9.0] and thresholds["en"]["mean_word_len"] == [3.0, 10.0]
    assert "end_punct_lines_frac" not in thresholds["th"] and thresholds["en"]["end_punct_lines_frac"] == [0.12]
    spec = json.dumps(quality.spec())
    assert '{"lang": "en", "threshold": 0.12}' in spec  # FineWeb's end-punctuation limit, drawn for English
    table = quality.table.set_index("language")
    assert sorted(table.index) == ["en", "lo", "th"]
    assert "min_words 10," in table.loc["lo", "rules applied (threshold)"]
    assert table.loc["th", "rules skipped (why)"] == "min_end_punct_lines_frac: switched off for th (null threshold)"
    assert table.loc["en", "skipped"] == 0 and table.loc["en", "applied"] == len(RULES)
    html = render_html(build(corpus))
    assert "min_end_punct_lines_frac: switched off for th" in html and "min_words 30," in html


def test_quality_thresholds_follow_the_stage_rules_table(corpus):
    """What the report shows per language is exactly the real stage's table (``RULES`` and the
    ``THRESHOLDS`` merged with the run's overrides), not a second reading of it."""
    table = merge(THRESHOLDS)
    with Corpus(corpus) as c:
        rules, signals = quality_rules(c)
        thresholds = quality_thresholds(c)
    assert signals == {rule: signal for rule, (signal, _) in RULES.items()}
    for lang in ("th", "en", "lo"):
        applied, skipped = rules_for(table, lang)
        assert rules[lang] == {"applied": applied, "skipped": skipped}
        drawn = sorted((signals[r], float(v)) for r, v in applied.items())
        assert sorted((sig, v) for sig, vals in thresholds[lang].items() for v in vals) == drawn


def test_rule_without_data_is_reported_skipped(tmp_path):
    """A language with no stop-word list and no word-length range (French here: langid says
    ``other``) is kept when its text is fine, and the report says which rules were skipped and why."""
    from khlang.pipeline import Pipeline
    from khlang.runner import run

    fr = ("La rivière traverse six pays avant de rejoindre la mer, et des millions de personnes vivent de "
          "ses eaux. Les pêcheurs attendent chaque année la crue, qui apporte les poissons et la vase.\n"
          "Depuis vingt ans, les barrages construits en amont ont changé le calendrier des crues, et les "
          "chercheurs mesurent maintenant ce qui arrive encore jusqu'au delta.\n"
          "Les villages du bord de l'eau racontent comment leur vie a changé avec le fleuve.")
    src = tmp_path / "fr.jsonl"
    src.write_text(json.dumps({"text": fr}, ensure_ascii=False) + "\n", encoding="utf-8")
    pipeline = Pipeline.from_dict({"input": {"paths": [str(src)]}, "stages": ["clean", "langid", "quality"]})
    run(pipeline, tmp_path / "c", workers=1, progress=False)
    data = build(tmp_path / "c")
    assert data.totals["documents"] == 1 and data.totals["dropped"] == 0
    quality = next(f for f in data.figures if f.key == "quality")
    [row] = quality.table.to_dict("records")
    lang = row["language"]
    assert lang not in ("fr", "en")  # langid has no French: the detector says so instead of guessing
    why = row["rules skipped (why)"]
    assert f"min_stop_words: no stop-word list for {lang}" in why
    assert "min_mean_word_len: " in why and "max_mean_word_len: " in why and row["skipped"] == 3
    assert "min_words 50" in row["rules applied (threshold)"]
    assert f"min_stop_words: no stop-word list for {lang}" in render_html(data)


def test_missing_stages_say_which_stage_to_run(bare_corpus):
    figures = {f.key: f for f in build(bare_corpus).figures}
    assert figures["quality"].chart is None and figures["quality"].note == "no data: run the quality stage"
    assert figures["pii"].note == "no data: run the pii stage"
    assert figures["duplicates"].note == "no data: run the dedup stage"
    assert figures["langid"].note == "no data: run the langid stage"
    for key in ("languages", "lengths", "funnel", "sources", "rules"):  # clean ran: its rules show
        assert figures[key].chart is not None, key
    html = render_html(build(bare_corpus))
    assert "no data: run the quality stage" in html


def test_html_is_self_contained_and_escaped(corpus, tmp_path):
    html = write_report(corpus, tmp_path / "r.html").read_text(encoding="utf-8")
    assert all("src" not in tag for tag in re.findall(r"<script[^>]*>", html))  # every script inline
    outside_scripts = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.DOTALL)
    assert not re.search(r"<(link|img|iframe)\b", outside_scripts, re.IGNORECASE)  # nothing else loaded
    assert "vegaEmbed" in html and len(html) > 500_000  # the Vega bundle is inline
    assert "<script>alert('x')</script>" not in html and "<img src=x onerror" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_png_charts(corpus, tmp_path):
    data = build(corpus)
    paths = write_pngs(data, tmp_path / "png")
    assert len(paths) == sum(f.chart is not None for f in data.figures)
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000


def test_cli_report(corpus, tmp_path):
    result = CliRunner().invoke(app, ["report", str(corpus), "-o", str(tmp_path / "x.html"), "--png", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert "8 documents" in result.output and (tmp_path / "x.html").exists() and (tmp_path / "p" / "funnel.png").exists()
    missing = CliRunner().invoke(app, ["report", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "not a khlang" in missing.output


def _chromium(*args: str) -> subprocess.CompletedProcess:
    assert shutil.which(CHROMIUM), "chromium missing: run scripts/setup-system.sh"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
           "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: any remote load would fail
           "--virtual-time-budget=15000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_report_renders_in_headless_chromium_offline(corpus, tmp_path):
    html_path = write_report(corpus, tmp_path / "report.html")
    n_charts = sum(f.chart is not None for f in build(corpus).figures)
    dom = _chromium("--dump-dom", html_path.as_uri()).stdout
    assert dom.count('data-rendered="1"') == n_charts, "not every chart was drawn"
    assert 'data-error="1"' not in dom
    assert len(re.findall(r'class="mark-rect', dom)) >= n_charts - 1  # bars drawn as SVG marks
    assert "role-axis" in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    _chromium(f"--screenshot={shot}", "--window-size=1400,3000", html_path.as_uri())
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 50_000


def test_empty_corpus_reports_without_charts(tmp_path):
    Corpus(tmp_path / "empty", create=True).close()
    data = build(tmp_path / "empty")
    assert data.totals["documents"] == 0 and all(f.chart is None and f.note for f in data.figures)
    html = write_report(tmp_path / "empty", tmp_path / "e.html").read_text(encoding="utf-8")
    assert "no data: the corpus has no documents" in html and "no documents" in html


def test_a_broken_stage_view_becomes_a_note(corpus, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(corpus, copy)
    with Corpus(copy) as c:  # the view now points at a file that is then removed
        [clusters] = (copy / "dedup").glob("clusters-*.parquet")
        moved = copy / "moved.parquet"
        clusters.rename(moved)
        c.con.execute(f"CREATE OR REPLACE VIEW dup_clusters AS SELECT * FROM read_parquet('{moved}')")
        moved.unlink()
        clusters.write_bytes(b"")  # so the section believes dedup ran
        figures = {f.key: f for f in collect(c).figures}
    assert figures["duplicates"].chart is None and figures["duplicates"].note.startswith("could not compute")
    assert figures["funnel"].chart is not None


def test_chart_data_cannot_close_the_script_element():
    from khlang.report import _script_json

    out = _script_json({"source": "</script><script>alert(1)</script>", "amp": "a&b"})
    assert "<" not in out and ">" not in out and "&" not in out
    assert json.loads(out) == {"source": "</script><script>alert(1)</script>", "amp": "a&b"}
