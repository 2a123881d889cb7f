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
#: doccano 1.8.4 leaves two dependencies open that have since broken it: environs 9.5 (which it
#: takes) fails on marshmallow 4, and its pandas 1.5 on numpy 2
DOCCANO = ("doccano==1.8.4", "marshmallow<4", "numpy<2")
LABEL_STUDIO = (LABEL_STUDIO,)
PASSWORD = "interop-" + secrets.token_hex(8)


def venv(name: str, requirements: tuple[str, ...]) -> Path:
    """The ``bin`` folder of a venv holding ``requirements``, installed from PyPI on first use."""
    folder = CACHE / name
    marker = folder / ".khlang-installed"
    if marker.exists() and marker.read_text() == " ".join(requirements):
        return folder / "bin"
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
    subprocess.run([str(folder / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", *requirements],
                   check=True)
    marker.write_text(" ".join(requirements))
    return folder / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 180) -> None:
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
           "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "", "COLLECT_ANALYTICS": "false", "HOME": str(data),
           # "uwsgi" only skips Label Studio's start-up request to pypi.org for its latest version
           "APP_WEBSERVER": "uwsgi"}
    cmd = [str(bin_ / "label-studio"), "start", "--no-browser", "--host", "127.0.0.1", "--internal-host", "127.0.0.1",
           "--port", str(port), "--data-dir", str(data)]
    url = f"http://127.0.0.1:{port}"
    with process(cmd, env, data / "server.log") as proc:
        wait_http(f"{url}/health", proc, data / "server.log")
        with httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"}, timeout=120) as client:
            yield client


# -- doccano ----------------------------------------------------------------------------------------
@contextmanager
def doccano(data: Path) -> Iterator[httpx.Client]:
    """doccano's web server (gunicorn, bound to 127.0.0.1: ``doccano webserver`` binds 0.0.0.0) and
    its task queue (celery on SQLite, which runs imports and exports); yields an httpx client
    logged in as its admin (token auth)."""
    bin_ = venv("doccano", DOCCANO)
    port = free_port()
    backend = next((bin_.parent / "lib").glob("python3*/site-packages/backend"))
    env = {"DOCCANO_HOME": str(data), "DATABASE_URL": f"sqlite:///{data / 'db.sqlite3'}", "MEDIA_ROOT": str(data / "media"),
           "STANDALONE": "True", "DJANGO_SETTINGS_MODULE": "config.settings.production", "DEBUG": "False",
           "SECRET_KEY": secrets.token_hex(20), "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
           "HOME": str(data), "PYTHONPATH": str(backend)}
    full = {**os.environ, **env}
    subprocess.run([str(bin_ / "doccano"), "init"], env=full, check=True, capture_output=True)
    subprocess.run([str(bin_ / "doccano"), "createuser", "--username", "admin", "--password", PASSWORD],
                   env=full, check=True, capture_output=True)
    url = f"http://127.0.0.1:{port}"
    web = [str(bin_ / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--chdir", str(backend), "config.wsgi"]
    queue = [str(bin_ / "doccano"), "task", "--concurrency", "1"]
    with process(web, env, data / "web.log") as proc, process(queue, env, data / "task.log"):
        wait_http(f"{url}/v1/health/", proc, data / "web.log")
        with httpx.Client(base_url=url, timeout=120) as client:
            r = client.post("/v1/auth/login/", json={"username": "admin", "password": PASSWORD})
            r.raise_for_status()
            client.cookies.clear()
            client.headers["Authorization"] = f"Token {r.json()['key']}"
            yield client


def doccano_wait(client: httpx.Client, task_id: str, seconds: float = 180) -> dict:
    """Wait for one of doccano's celery tasks; returns its result."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(f"/v1/tasks/status/{task_id}").json()
        if status["ready"]:
            if status["error"]:
                raise RuntimeError(f"doccano task failed: {status['error']}")
            return status["result"]
        time.sleep(1)
    raise RuntimeError(f"doccano task {task_id}: not done in {seconds} s")


if __name__ == "__main__":  # `make interop-tools`: install both ahead of the tests (minutes, once)
    for name, requirements in (("ls", LABEL_STUDIO), ("doccano", DOCCANO)):
        began = time.monotonic()
        print(f"{name}: {venv(name, requirements)} ({time.monotonic() - began:.0f} s)", flush=True)
