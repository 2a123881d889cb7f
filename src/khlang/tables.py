"""Rows (a list of dicts, as ``Corpus.rows`` and ``corpus_stats`` return them) printed as a rich
table: what the CLI and the demo show on the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def print_rows(console: Console, title: str, rows: list[dict[str, Any]]) -> None:
    """One table titled ``title``; numbers right-aligned, integers with thousands separators."""
    if not rows:
        console.print(f"{title}: (none)")
        return
    table = Table(title=title, title_justify="left")
    for col in rows[0]:
        table.add_column(str(col), justify="right" if isinstance(rows[0][col], (int, float)) else "left")
    for row in rows:
        table.add_row(*("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()))
    console.print(table)


def print_stats(console: Console, stats: dict[str, list[dict[str, Any]]]) -> None:
    """The three tables of :func:`khlang.stats.corpus_stats` (``khlang stats`` and the demo)."""
    print_rows(console, "by source kind", stats["by_source_kind"])
    print_rows(console, "by language", stats["by_lang"])
    print_rows(console, "by stage outcome", stats["by_outcome"])
