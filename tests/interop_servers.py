"""Real Label Studio and doccano servers for the ``interop`` tests.

Each tool is pip-installed (pinned) into its own virtual environment under ``KHLANG_INTEROP_DIR``
(default ``.cache/interop`` in the checkout, git-ignored), once: later runs reuse it. A server runs
on SQLite in a fresh data folder, on 127.0.0.1 and a free port, and is stopped when the test ends.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("KHLANG_INTEROP_DIR") or ROOT / ".cache" / "interop")
LABEL_STUDIO = "label-studio==1.23.2"
DOCCANO = "doccano==1.8.4"
PASSWORD = "interop-" + secrets.token_hex(8)


def venv(name: str, requirement: str) -> Path:
    """The ``bin`` folder of a venv holding ``requirement``, installed from PyPI on first use."""
    folder = CACHE / name
    marker = folder / ".khlang-installed"
    if marker.exists() and marker.read_text() == requirement:
        return folder / "bin"
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
    subprocess.run([str(folder / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", requirement],
                   check=True)
    marker.write_text(requirement)
    return folder / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url}: no answer in {seconds} s:\n{log.read_text()[-3000:]}")


@contextmanager
def process(cmd: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()


# -- Label Studio ---------------------------------------------------------------------------------
@contextmanager
def label_studio(data: Path) -> Iterator[httpx.Client]:
    """A Label Studio server; yields an httpx client logged in as its admin (token auth)."""
    bin_ = venv("ls", LABEL_STUDIO)
    port, token = free_port(), secrets.token_hex(20)
    env = {"LABEL_STUDIO_BASE_DATA_DIR": str(data), "DJANGO_DB": "sqlite", "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "false",
           "LABEL_STUDIO_USERNAME": "admin@khlang.invalid", "LABEL_STUDIO_PASSWORD": PASSWORD,
           "LABEL_STUDIO_USER_TOKEN": token, "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
           "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "", "COLLECT_ANALYTICS": "false", "HOME": str(data)}
    cmd = [str(bin_ / "label-studio"), "start", "--no-browser", "--host", "127.0.0.1", "--port", str(port),
           "--data-dir", str(data)]
    url = f"http://127.0.0.1:{port}"
    with process(cmd, env, data / "server.log") as proc:
        wait_http(f"{url}/health", proc, data / "server.log")
        with httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"}, timeout=120) as client:
            yield client
