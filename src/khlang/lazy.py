"""``"package.module:Name"`` → the object, imported on first use.

The stage registry, the reader table and the executor table all name their classes this way, so
that choosing a reader by file extension or building a pipeline never imports trafilatura, Ray or
the segmenters until a class is really used. One loader, one error message.
"""

from __future__ import annotations

import importlib
from typing import Any


def load(target: str) -> Any:
    """The object ``target`` names (``"khlang.clean:Clean"``); a target without ``:`` is a ValueError.

    No cache of its own: Python keeps imported modules in ``sys.modules``, so a second call is a
    dictionary lookup and an attribute read."""
    module_name, sep, name = target.partition(":")
    if not sep or not module_name or not name:
        raise ValueError(f"{target!r} is not of the form package.module:Name")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, name)
    except AttributeError:
        raise AttributeError(f"module {module_name!r} has no {name!r} (from {target!r})") from None
