"""The report: every section from a fully annotated corpus, graceful notes when stages did not run,
escaped samples, a self-contained HTML that headless Chromium draws offline, PNGs, CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from khlang.cli import app
from khlang.report import build, collect, funnel_rows, quality_thresholds, render_html, write_pngs, write_report
from khlang.store import Corpus
from khlang_fakes import build_corpus

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
    assert langs.loc["th", "documents"] == 5 and langs.loc["lo", "documents"] == 1
    pii = figures["pii"].table
    assert pii[(pii["type"] == "EMAIL")]["count"].sum() == 1  # the one e-mail in the English text
    assert set(figures["rules"].table["rule"]) >= {"thai_digits", "sara_am"}
    assert sorted(data.samples["lang"].unique()) == ["en", "lo", "th"]


def test_funnel_counts_each_stage_and_reason(corpus):
    with Corpus(corpus) as c:
        rows = {(r.stage, r.outcome): r.docs for r in funnel_rows(c).itertuples()}
    assert rows[("read", "kept")] == 10
    assert rows[("quality", "low_quality")] == 1 and rows[("quality", "kept")] == 9
    assert rows[("dedup_exact", "duplicate")] == 1 and rows[("dedup_exact", "kept")] == 8


def test_quality_thresholds_are_drawn(corpus):
    with Corpus(corpus) as c:
        thresholds = quality_thresholds(c)
        assert thresholds["th"]["frac_digits"] == [0.3] and thresholds["default"]["score"] == [0.2]
        assert {2.0, 30.0} <= set(thresholds["th"]["mean_word_len"])
        quality = next(f for f in collect(c).figures if f.key == "quality")
    spec = json.dumps(quality.spec())
    assert '"rule"' in spec and '"threshold": 0.3' in spec


def test_quality_thresholds_follow_the_stage_rules_table(corpus, monkeypatch):
    """The quality stage's own table (``khlang.quality.THRESHOLDS`` + ``RULES``) is drawn too."""
    import types

    module = types.ModuleType("khlang.quality")
    module.RULES = {"min_words": ("n_words", "min"), "max_dup_line_frac": ("dup_line_frac", "max")}
    module.THRESHOLDS = {"default": {"min_words": 50, "max_dup_line_frac": 0.3}, "th": {"min_words": None}}
    monkeypatch.setitem(sys.modules, "khlang.quality", module)
    with Corpus(corpus) as c:
        thresholds = quality_thresholds(c)
    assert thresholds["default"]["n_words"] == [50.0] and thresholds["default"]["dup_line_frac"] == [0.3]
    assert "n_words" not in thresholds["th"]  # None switches a rule off
    assert thresholds["th"]["frac_digits"] == [0.3]  # the run's parameters still apply


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
