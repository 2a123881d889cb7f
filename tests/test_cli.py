"""The CLI is a thin layer: check each inspect command against the API on a real corpus."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from khlang.cli import app
from khlang.pipeline import Pipeline
from khlang.runner import run

cli = CliRunner()  # click >= 8.2 keeps stderr apart: result.stderr


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    inp = tmp / "in.jsonl"
    inp.write_text(
        json.dumps({"id": "a1", "text": "ราคา ๑๒๐ บาท 价格", "title": "ข่าว"}, ensure_ascii=False) + "\n"
        + json.dumps({"id": "a2", "text": "hello world"}) + "\n{oops\n",
        encoding="utf-8",
    )
    out = tmp / "corpus"
    run(Pipeline.from_dict({"input": {"paths": [str(inp)], "id_field": "id"}, "stages": ["clean"]}), out, workers=1, progress=False)
    return out


def test_stats(corpus):
    result = cli.invoke(app, ["stats", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "jsonl" in result.output and "parse_error" in result.output and "kept" in result.output


def test_sql_json_and_show(corpus):
    result = cli.invoke(app, ["sql", str(corpus), "SELECT id, text, title FROM documents ORDER BY text DESC", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["title"] for r in rows] == ["ข่าว", None]
    thai_id = rows[0]["id"]
    shown = cli.invoke(app, ["show", str(corpus), thai_id])
    assert shown.exit_code == 0 and "ราคา ๑๒๐ บาท 价格" in shown.output and '"status": "kept"' in shown.output


def test_sql_csv_pipes_into_show(corpus):
    """``khlang show C $(khlang sql C "SELECT id …" -f csv | tail -1)`` works: plain \\n line ends."""
    out = cli.invoke(app, ["sql", str(corpus), "SELECT id, title FROM documents ORDER BY id", "-f", "csv"]).output
    assert "\r" not in out and out.splitlines()[0] == "id,title"
    last_id = out.splitlines()[-1].split(",")[0]
    assert cli.invoke(app, ["show", str(corpus), last_id]).exit_code == 0


def test_show_dropped_and_missing(corpus):
    (row,) = json.loads(cli.invoke(app, ["sql", str(corpus), "SELECT id FROM dropped", "-f", "json"]).output)
    shown = cli.invoke(app, ["show", str(corpus), row["id"]])
    assert shown.exit_code == 0 and "parse_error" in shown.output and "{oops" in shown.output
    missing = cli.invoke(app, ["show", str(corpus), "nope"])
    assert missing.exit_code == 2 and "no document" in missing.stderr


def test_bad_sql_and_missing_corpus_are_clear_errors(corpus, tmp_path):
    bad = cli.invoke(app, ["sql", str(corpus), "SELECT nope FROM documents"])
    assert bad.exit_code == 2 and "nope" in bad.stderr
    missing = cli.invoke(app, ["stats", str(tmp_path / "none")])
    assert missing.exit_code == 2 and "not a khlang corpus" in missing.stderr


def test_run_cli_reports_counts(tmp_path):
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"text": "สวัสดี"}\n', encoding="utf-8")
    pfile = tmp_path / "p.yaml"
    pfile.write_text("input:\n  paths: [in.jsonl]\nstages: [clean]\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "khlang", "run", str(pfile), "-o", str(tmp_path / "o"), "-q"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "1 in, 1 kept, 0 dropped" in proc.stdout
    again = subprocess.run([sys.executable, "-m", "khlang", "run", str(pfile), "-o", str(tmp_path / "o"), "-q"],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "already holds a corpus" in again.stderr
