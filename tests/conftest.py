"""Shared fixtures. Tests import the package from ./src (pytest's pythonpath) and subprocesses
get the same through PYTHONPATH, so a checkout's own code is what is tested."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p)


def _find_shared() -> Path | None:
    """``shared/`` sits beside the repository (found by walking up, so worktrees work too)."""
    if os.environ.get("KHLANG_SHARED"):
        return Path(os.environ["KHLANG_SHARED"])
    for parent in ROOT.parents:
        if (parent / "shared" / "seeds").is_dir():
            return parent / "shared"
    return None


SHARED = _find_shared()


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    """The five real Thai news articles in ../shared/seeds (required: these are our real input)."""
    assert SHARED is not None, "../shared/seeds not found beside the repository (set KHLANG_SHARED)"
    paths = sorted((SHARED / "seeds").glob("*.txt"))
    assert len(paths) == 5, f"expected 5 seed articles, found {len(paths)}"
    return paths


@pytest.fixture(scope="session")
def seed_texts(seed_paths) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in seed_paths]
