"""The collectors' progress bar: pages done (of the planned total when known), pages/s, bytes."""

from __future__ import annotations

import time

from rich.console import Console
from rich.filesize import decimal
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


class CollectProgress:
    def __init__(self, label: str, total: int | None = None, enabled: bool = True):
        self.started = time.monotonic()
        self.pages = self.bytes = 0
        self._bar = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed:,.0f} pages"),
            TextColumn("{task.fields[rate]:,.1f} pages/s"), TextColumn("{task.fields[size]}"), TimeElapsedColumn(),
            console=Console(stderr=True), disable=not enabled, transient=False,
        )
        self._task = self._bar.add_task(label, total=total, rate=0.0, size="0 bytes")

    def __enter__(self) -> "CollectProgress":
        self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self._bar.stop()

    def advance(self, pages: int = 1, nbytes: int = 0) -> None:
        self.pages += pages
        self.bytes += nbytes
        rate = self.pages / max(time.monotonic() - self.started, 1e-9)
        self._bar.update(self._task, advance=pages, rate=rate, size=decimal(self.bytes))

    def total(self, total: int | None) -> None:
        self._bar.update(self._task, total=total)
