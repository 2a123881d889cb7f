"""The light core: a run with the language, quality, PII and dedup stages imports none of the
optional extras, and a missing extra is named with the pip command that installs it."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from khlang.extras import EXTRA_OF, missing_extra

ROOT = Path(__file__).resolve().parents[1]

CORE_RUN = """
import json, sys
from khlang.cli import app
sys.argv = ["khlang", "run", sys.argv[1], "-o", sys.argv[2], "-q", "-w", "1"]
try:
    app()
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_core_run_imports_no_extra(tmp_path, seed_texts):
    folder = tmp_path / "in"
    folder.mkdir()
    for i, text in enumerate(seed_texts):
        (folder / f"{i}.txt").write_text(text, encoding="utf-8")
    (folder / "dup.txt").write_text(seed_texts[0], encoding="utf-8")
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(json.dumps({"name": "core", "input": {"paths": [str(folder)]}, "stages": [
        "clean", "normalize", "langid", "segment", "quality", "pii", "dedup_exact", "dedup_minhash"]}))
    out = subprocess.run([sys.executable, "-c", CORE_RUN, str(pipeline), str(tmp_path / "out")],
                         capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "khlang" in loaded and "pythainlp" in loaded
    # pandas is left out: pyarrow imports it when it happens to be installed, and works without it
    extras = set(EXTRA_OF) - {"pandas"}
    assert not loaded & extras, f"the core run imported extras: {sorted(loaded & extras)}"


def test_every_extra_named_exists_in_pyproject():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(EXTRA_OF.values()) <= set(extras)
    assert {"ray", "serve", "report", "all", "test", "bench"} <= set(extras)
    assert all(f"khlang[{name}" in " ".join(extras["all"]) or name in extras["all"][0]
               for name in ("ray", "serve", "report"))
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.startswith("lxml_html_clean") for d in core)
    assert not any(d.split(">")[0].split("[")[0] in ("ray", "fastapi", "altair", "pandas") for d in core)


def test_missing_extra_names_the_pip_install():
    try:
        import ray_is_not_a_module  # noqa: F401
    except ModuleNotFoundError as exc:
        assert missing_extra(exc) is None  # not an optional dependency: a real bug, traceback kept
    advice = missing_extra(ModuleNotFoundError("No module named 'ray'", name="ray"))
    assert "pip install 'khlang[ray]'" in advice
    assert "khlang[serve]" in missing_extra(ModuleNotFoundError(name="sqlalchemy.orm"))
    assert "khlang[report]" in missing_extra(ModuleNotFoundError(name="altair"))
