"""The package on disk: ``MANIFEST.json`` (sha256, bytes and rows of every other file), writing
it, reading it and verifying a received package against it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any, Iterator

from ..store import write_json_atomic
from .writers import read_data_file, writer_for

MANIFEST = "MANIFEST.json"
CARD = "README.md"


class PackageError(Exception):
    """A package failed verification; ``problems`` lists every mismatch, each naming its file."""

    def __init__(self, package: Path, problems: list[str]) -> None:
        self.package, self.problems = package, problems
        super().__init__(f"package {package} failed verification:\n  " + "\n  ".join(problems))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(package: Path, files: dict[str, dict[str, Any]], info: dict[str, Any]) -> Path:
    """``MANIFEST.json`` listing ``files`` (relative path → extra fields such as rows and split)."""
    entries = {}
    for rel, extra in sorted(files.items()):
        path = package / rel
        entries[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size, **extra}
    manifest = {"khlang_package": 1, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                **info, "files": entries}
    write_json_atomic(manifest, package / MANIFEST)
    return package / MANIFEST


def read_manifest(package: Path) -> dict[str, Any]:
    path = package / MANIFEST
    if not path.exists():
        raise PackageError(package, [f"{MANIFEST}: missing (not a khlang package?)"])
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(manifest.get("files"), dict)
    except (ValueError, AssertionError) as exc:
        raise PackageError(package, [f"{MANIFEST}: unreadable ({exc or 'no files list'})"]) from None
    return manifest


def verify(package: str | Path) -> dict[str, Any]:
    """Check a package against its MANIFEST: every file present, no extra file, sha256, byte size
    and row count equal. Raises :class:`PackageError` listing every problem; returns the manifest."""
    package = Path(package)
    if not package.is_dir():
        raise PackageError(package, [f"{package}: not a folder"])
    manifest = read_manifest(package)
    problems = []
    listed = manifest["files"]
    present = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()} - {MANIFEST}
    for rel in sorted(present - set(listed)):
        problems.append(f"{rel}: extra file, not in {MANIFEST}")
    for rel, entry in sorted(listed.items()):
        path = package / rel
        if not path.is_file():
            problems.append(f"{rel}: missing (listed in {MANIFEST})")
            continue
        digest = sha256_file(path)
        if digest != entry.get("sha256"):
            problems.append(f"{rel}: sha256 mismatch (expected {entry.get('sha256')}, found {digest})")
        if entry.get("bytes") is not None and path.stat().st_size != entry["bytes"]:
            problems.append(f"{rel}: {path.stat().st_size:,} bytes, {MANIFEST} says {entry['bytes']:,}")
        if entry.get("rows") is not None:
            try:
                rows = writer_for(path).count_rows(path)
            except Exception as exc:  # a corrupt file must be reported, not crash the check
                problems.append(f"{rel}: unreadable ({type(exc).__name__}: {exc})")
                continue
            if rows != entry["rows"]:
                problems.append(f"{rel}: {rows:,} rows, {MANIFEST} says {entry['rows']:,}")
    if problems:
        raise PackageError(package, problems)
    return manifest


def iter_package(package: str | Path) -> Iterator[dict[str, Any]]:
    """Rows of every data file of a package (for quick checks and tests)."""
    package = Path(package)
    manifest = read_manifest(package)
    for rel, entry in sorted(manifest["files"].items()):
        if entry.get("rows") is not None:
            yield from read_data_file(package / rel).to_pylist()
