"""The CLI is a thin layer: check each inspect command against the API on a real corpus."""

from __future__ import annotations

import json
import re
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


# -- issue 22: every text command, errors, read-only SQL, demo, serve, help, Ctrl-C, README ----------
TEXT_COMMANDS = ["langid", "words", "normalize", "quality", "redact"]


def first_line(result) -> str:
    return (result.stderr.strip().splitlines() or [""])[0]


@pytest.mark.parametrize("command", TEXT_COMMANDS)
def test_every_text_command_reads_stdin_from_dash(command):
    result = cli.invoke(app, [command, "-"], input="ติดต่อคุณสมชายได้ที่ somchai@example.co.th หรือที่สำนักงานใหญ่ได้ทุกวันครับ\n")
    assert result.exit_code == 0, result.output + result.stderr
    if command == "redact":
        assert "<EMAIL>" in result.stdout and "somchai@example.co.th" not in result.stdout
    elif command == "normalize":
        assert "somchai@example.co.th" in result.stdout
    elif command == "quality":
        assert json.loads(result.stdout)["lang"] == "th"
    elif command == "langid":
        assert result.stdout.startswith("th")
    else:
        assert result.stdout.strip().split(" | ")[:2] == ["ติดต่อ", "คุณ"] and "\n" not in result.stdout.strip()


@pytest.mark.parametrize("command", TEXT_COMMANDS)
def test_a_missing_file_is_a_one_line_error(command, tmp_path):
    result = cli.invoke(app, [command, str(tmp_path / "nosuch.txt")])
    assert result.exit_code == 2
    assert first_line(result) == f"error: no such file: {tmp_path / 'nosuch.txt'} (add --text to analyse the argument itself as text)"
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


@pytest.mark.parametrize("command", ["langid", "words"])
def test_text_forces_the_argument_to_be_text(command):
    assert cli.invoke(app, [command, "nosuch.txt"]).exit_code == 2
    forced = cli.invoke(app, [command, "nosuch.txt", "--text"])
    assert forced.exit_code == 0 and "nosuch" in forced.stdout
    plain = cli.invoke(app, [command, "สวัสดีครับ ยินดีต้อนรับ"])  # not path-like: the text itself
    assert plain.exit_code == 0 and ("th" in plain.stdout.split()[0] or "สวัสดี" in plain.stdout)


def test_a_file_that_is_not_utf8_is_a_one_line_error(tmp_path):
    bad = tmp_path / "tis620.txt"
    bad.write_bytes("ข่าว".encode("cp874"))
    result = cli.invoke(app, ["redact", str(bad)])
    assert result.exit_code == 2 and first_line(result).startswith(f"error: {bad} is not UTF-8 text")


def test_sql_unknown_format_lists_the_formats(corpus):
    result = cli.invoke(app, ["sql", str(corpus), "SELECT 1", "-f", "xml"])
    assert result.exit_code == 2 and first_line(result) == "error: unknown format 'xml': choose table, csv, json"


def test_sql_is_read_only_unless_write(corpus, tmp_path):
    import shutil

    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    refused = cli.invoke(app, ["sql", str(copy), "DELETE FROM runs"])
    assert refused.exit_code == 2 and first_line(refused).startswith("error: ")
    assert "read-only" in first_line(refused) and first_line(refused).endswith("add --write to change it)")
    count = "SELECT count(*) AS n FROM runs"
    assert json.loads(cli.invoke(app, ["sql", str(copy), count, "-f", "json"]).stdout) == [{"n": 1}]
    allowed = cli.invoke(app, ["sql", str(copy), "DELETE FROM runs", "--write"])
    assert allowed.exit_code == 0 and first_line(allowed).startswith("warning: --write")
    assert json.loads(cli.invoke(app, ["sql", str(copy), count, "-f", "json"]).stdout) == [{"n": 0}]


def test_demo_refuses_an_existing_folder_without_overwrite(corpus, tmp_path):
    before = sorted(p.name for p in corpus.rglob("*"))
    refused = cli.invoke(app, ["demo", "-o", str(corpus)])
    assert refused.exit_code == 2
    assert first_line(refused) == f"error: {corpus} already holds a corpus; add --overwrite to replace it"
    assert sorted(p.name for p in corpus.rglob("*")) == before
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    refused = cli.invoke(app, ["demo", "-o", str(other), "--overwrite"])
    assert refused.exit_code == 2 and "is not a khlang corpus" in first_line(refused)
    assert (other / "mine.txt").read_text() == "keep me"


def test_serve_checks_its_corpora_and_says_how_to_make_the_first_admin(corpus, tmp_path):
    missing = cli.invoke(app, ["serve", str(tmp_path / "nosuch"), "--db", str(tmp_path / "a.db")])
    assert missing.exit_code == 2
    assert first_line(missing) == f"error: {tmp_path / 'nosuch'} is not a khlang corpus (no catalog.duckdb)"
    no_admin = cli.invoke(app, ["serve", str(corpus), "--db", str(tmp_path / "a.db")], env={"KHLANG_ADMIN_USER": "",
                                                                                          "KHLANG_ADMIN_PASSWORD": ""})
    assert no_admin.exit_code == 2
    assert first_line(no_admin).startswith(f"error: {tmp_path / 'a.db'} has no admin yet, so nobody could log in")
    assert "--admin-user NAME --admin-password" in first_line(no_admin)
    half = cli.invoke(app, ["serve", str(corpus), "--admin-user", "root"], env={"KHLANG_ADMIN_PASSWORD": ""})
    assert half.exit_code == 2 and first_line(half) == "error: give both --admin-user and --admin-password"


def _commands(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_help_describes_every_option_and_shows_flags_as_flags():
    import click
    import typer.main

    commands = dict(_commands(typer.main.get_command(app)))
    assert {("run",), ("demo",), ("sql",), ("serve",), ("tokenizer", "train")} <= set(commands)
    for path, command in commands.items():
        result = cli.invoke(app, [*path, "--help"], terminal_width=250)
        assert result.exit_code == 0, path
        assert "<bool>" not in result.stdout, path
        for param in command.params:
            assert (param.help or "").strip(), f"khlang {' '.join(path)}: {param.name} has no help text"
            if isinstance(param, click.Option) and param.is_flag:
                last = (param.secondary_opts or param.opts)[-1]
                (line,) = [ln for ln in result.stdout.splitlines() if re.search(re.escape(last) + r"(\s|$)", ln)]
                # a flag's line is its names, then straight away its help: no <value> after them
                assert line.split(last, 1)[1].strip().startswith(param.help.strip()[:20]), line


def test_ctrl_c_stops_cleanly_then_resume_finishes(tmp_path):
    """Ctrl-C in a terminal reaches every process of the group; the run must end quickly, with
    the --resume hint and no traceback, and a second Ctrl-C must end it at once."""
    import os
    import signal
    import time
    from pathlib import Path

    from khlang.store import Corpus

    tests = Path(__file__).parent
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"text": f"ข่าว {i}"}, ensure_ascii=False) + "\n" for i in range(1500)), encoding="utf-8")
    pfile = tmp_path / "p.yaml"
    pfile.write_text(json.dumps({"name": "ctrlc", "input": {"paths": [str(inp)]}, "docs_per_shard": 50,
                                 "stages": ["clean", {"stages_for_tests:Slow": {"seconds": 0.004}}]}), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tests.parent / "src"), str(tests), os.environ.get("PYTHONPATH", "")]))
    for presses in (2, 1):  # the last one is the run that gets resumed
        out = tmp_path / f"out{presses}"
        cmd = [sys.executable, "-m", "khlang", "run", str(pfile), "-o", str(out), "-w", "2", "-q"]
        proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not (out / "_runs").exists() or not list((out / "_runs").glob("*/done/*.json")):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        started = time.monotonic()
        for _ in range(presses):
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal does
            time.sleep(0.1)
        stdout, stderr = proc.communicate(timeout=30)
        assert time.monotonic() - started < 15
        assert proc.returncode == 130 and "Traceback" not in stdout + stderr, stderr
        # the hint is the run's last word (multiprocessing's resource tracker may still warn after it)
        assert any("--resume" in line for line in stderr.strip().splitlines()[-2:]), stderr
    with Corpus(out) as c:
        (row,) = c.runs()
        assert row["status"] == "interrupted"
        done_before = c.scalar("SELECT count(DISTINCT shard) FROM all_docs")
    assert 0 < done_before < 30
    resumed = subprocess.run(cmd + ["--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    with Corpus(out) as c:
        assert c.scalar("SELECT count(*) FROM documents") == 1500 and c.runs()[0]["status"] == "done"


def test_readme_lists_every_dependency_and_the_corpus_layout():
    """README's install section names every core dependency of pyproject.toml, and its corpus
    layout names every top-level entry a corpus folder can hold."""
    import re
    import tomllib
    from pathlib import Path

    root = Path(__file__).parent.parent
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    install = text[text.index("## Install"):text.index("## The picture")]
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [re.split(r"[<>=\[ ]", d, maxsplit=1)[0] for d in deps]
    missing = [n for n in names if n.lower() not in install.lower()]
    assert not missing, f"README install section omits {missing}"
    assert "make setup" in install and "[test]" in install
    layout = text[text.index("## The corpus store"):]
    layout = layout[:layout.index("| catalog object")]
    for entry in ("catalog.duckdb", "docs/", "dropped/part-", "dropped/dedup_", "dropped/append-", "dedup/clusters-",
                  "dedup/minhash-", "annotations/gold-", "report.html", "_runs/<run>/plan.json",
                  "_runs/<run>/known_ids.parquet", "_runs/<run>/done/"):
        assert entry in layout, f"corpus layout in README omits {entry}"


@pytest.mark.parametrize("args", [
    ["run", "{t}/nosuch.yaml", "-o", "{t}/out"], ["stats", "{t}/nosuch"], ["show", "{t}/nosuch", "x"],
    ["sql", "{t}/nosuch", "SELECT 1"], ["report", "{t}/nosuch"], ["export", "{t}/nosuch", "{t}/pkg"],
    ["import", "{t}/nosuch", "{t}/c"], ["dedup", "{t}/nosuch"], ["tokenizer", "train", "{t}/nosuch"],
    ["serve", "{t}/nosuch"], ["read", "{t}/nosuch.jsonl"],
])
def test_a_missing_input_is_one_line_and_exit_2(args, tmp_path):
    result = cli.invoke(app, [a.format(t=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "nosuch" in lines[0], result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "c").exists()
