"""Which files an input spec names, and why some of them are not read.

An input folder is untrusted: it may hold empty files, symlink loops, FIFOs, or a link such as
``passwd.txt -> /etc/passwd``. :func:`scan` walks the given files, folders and globs and returns
*every* path it meets with either ``None`` (read it) or the :class:`~khlang.document.Drop` that
says why not, so a run can account for each input path in its ``dropped`` table instead of
silently leaving it out or aborting on it.

Symlinks found inside a folder (or a glob's folder) are followed only while their target stays
inside that folder, unless ``InputSpec.follow_symlinks`` is set; a file named explicitly is read
wherever it points, because the user named it.
"""

from __future__ import annotations

import errno
import glob
import os
import stat
from pathlib import Path

from ..document import Document, Drop, make_id
from ..pipeline import InputSpec

#: One entry per input path: the path and, when it is not read, why.
Entry = tuple[str, Drop | None]


def _drop(reason: str, detail: str) -> Drop:
    return Drop("read", reason, detail)


def _check_file(path: str, root: str | None, spec: InputSpec) -> Drop | None:
    """Why ``path`` (met under ``root``, or named explicitly when ``root`` is None) is not read."""
    if os.path.islink(path):
        try:
            target = os.path.realpath(path, strict=True)
        except OSError as exc:  # ELOOP or a dangling link
            if exc.errno == errno.ELOOP:
                return _drop("symlink_loop", f"symbolic link loop: {path} -> {os.readlink(path)}")
            return _drop("broken_symlink", f"symbolic link to a missing file: {os.readlink(path)}")
        if root is not None and not spec.follow_symlinks and not _inside(target, root):
            return _drop("symlink_outside", f"symbolic link leaves the input folder ({target}); "
                                             "--follow-symlinks (input.follow_symlinks) reads it")
    try:
        st = os.stat(path)
    except OSError as exc:
        return _drop("unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")
    if stat.S_ISDIR(st.st_mode):
        return None  # the caller walks folders
    if not stat.S_ISREG(st.st_mode):
        return _drop("not_a_file", "not a regular file (FIFO, socket or device): not read")
    if st.st_size == 0:
        return _drop("empty_file", "the file is empty (0 bytes)")
    if not os.access(path, os.R_OK):
        return _drop("unreadable", "no permission to read the file")
    return None


_UNSUPPORTED = Drop("read", "unsupported_format", "no reader for this file type; input.kind forces one")


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _walk(folder: str, spec: InputSpec) -> list[Entry]:
    """Every non-hidden file under ``folder``. Folders reached through a symlink are entered only
    with ``follow_symlinks`` (each real folder once, so a link to a parent cannot loop); files
    no reader claims are ``unsupported_format`` drops unless ``spec.kind`` forces a reader."""
    from . import kind_for

    root = os.path.realpath(folder)
    entries: list[Entry] = []
    seen: set[str] = set()
    stack = [folder]
    while stack:
        current = stack.pop()
        real = os.path.realpath(current)
        if real in seen:
            continue
        seen.add(real)
        try:
            names = sorted(os.listdir(current))
        except OSError as exc:
            entries.append((current, _drop("unreadable", f"cannot list the folder: {exc.strerror or exc}")))
            continue
        for name in names:
            if name.startswith("."):
                continue
            full = os.path.join(current, name)
            if os.path.isdir(full) and not os.path.islink(full):
                stack.append(full)
                continue
            why = _check_file(full, root, spec)
            if why is None and os.path.isdir(full):  # a symlink to a folder
                if spec.follow_symlinks or _inside(os.path.realpath(full), root):
                    stack.append(full)
                continue
            if why is None and not (spec.kind or kind_for(full)):
                why = _UNSUPPORTED
            entries.append((full, why))
    return entries


def _glob_root(pattern: str) -> str:
    """The folder a glob searches: its leading components without wildcards."""
    parts = Path(pattern).parts
    fixed = []
    for part in parts:
        if any(ch in part for ch in "*?["):
            break
        fixed.append(part)
    return os.path.realpath(os.path.join(*fixed) if fixed else ".")


def scan(paths: list[str] | str, spec: InputSpec | None = None) -> list[Entry]:
    """Every path ``paths`` names (files, folders walked recursively, globs), sorted and unique,
    each with ``None`` when it is to be read or the Drop saying why not. Raises
    FileNotFoundError for an explicit path that does not exist or a glob that matches nothing."""
    from . import kind_for

    spec = spec or InputSpec(paths=[])
    if isinstance(paths, str):
        paths = [paths]
    found: dict[str, Drop | None] = {}
    for p in paths:
        if any(ch in p for ch in "*?["):
            matches = glob.glob(p, recursive=True)
            if not matches:
                raise FileNotFoundError(f"no files match {p!r}")
            root = _glob_root(p)
            for m in matches:
                if os.path.isdir(m) and not os.path.islink(m):
                    continue
                why = _check_file(m, root, spec)
                if why is None and os.path.isdir(m):
                    continue
                if why is None and not (spec.kind or kind_for(m)):
                    why = _UNSUPPORTED
                found[m] = why
        elif os.path.isdir(p):
            found.update(_walk(p, spec))
        elif os.path.lexists(p) and os.path.islink(p) and not os.path.exists(p):
            found[p] = _check_file(p, None, spec)  # a loop or dangling link named explicitly
        elif os.path.exists(p):
            found[p] = _check_file(p, None, spec)
        else:
            raise FileNotFoundError(f"input path does not exist: {p!r}")
    normalized: dict[str, Drop | None] = {}
    for path, why in found.items():
        normalized.setdefault(str(Path(path)), why)
    return sorted(normalized.items())


def refused_document(path: str, drop: Drop) -> Document:
    """The dropped-table row for an input path that was not read (or held no record)."""
    from . import kind_for

    return Document(id=make_id(path), text="", source_uri=path, source_kind=kind_for(path) or "file",
                    drop=drop)
