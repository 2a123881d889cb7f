"""The ``khlang`` command line: a thin layer over the Python API (every command calls one function)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, help="khlang: Southeast-Asian text → training-ready corpora.")
console = Console()


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(2)


def _print_rows(title: str, rows: list[dict]) -> None:
    table = Table(title=title, title_justify="left")
    if not rows:
        console.print(f"{title}: (none)")
        return
    for col in rows[0]:
        table.add_column(str(col), justify="right" if isinstance(rows[0][col], (int, float)) else "left")
    for row in rows:
        table.add_row(*("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()))
    console.print(table)


@app.command()
def run(
    pipeline: Path = typer.Argument(..., help="pipeline file (YAML or TOML)"),
    output: Path = typer.Option(..., "--output", "-o", help="corpus folder to write"),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="worker processes (default: all cores)"),
    executor: str = typer.Option("local", help="local or ray"),
    address: Optional[str] = typer.Option(None, help="Ray cluster address (auto, ray://host:port)"),
    resume: bool = typer.Option(False, "--resume", help="finish the interrupted run of this pipeline"),
    append: bool = typer.Option(False, "--append", help="add a new run to an existing corpus"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace an existing corpus"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """Run a pipeline into a corpus folder (resumable with --resume)."""
    from .runner import RunError, run as run_pipeline

    options = {"address": address} if address else {}
    mode = "overwrite" if overwrite else "append" if append else "new"
    try:
        result = run_pipeline(pipeline, output, executor=executor, workers=workers, resume=resume,
                              mode=mode, progress=not quiet, executor_options=options)
    except (RunError, FileNotFoundError, ValueError, KeyError, TypeError) as exc:
        _fail(str(exc))
    console.print(
        f"run [bold]{result.run_id}[/]: {result.docs_in:,} in, {result.docs_out:,} kept, "
        f"{result.docs_dropped:,} dropped in {result.seconds:.1f}s ({result.docs_per_second:,.0f} docs/s) → {result.corpus}"
    )


@app.command()
def stats(corpus: Path = typer.Argument(..., help="corpus folder")) -> None:
    """Documents and characters by source kind, language and stage outcome."""
    from .stats import corpus_stats
    from .store import Corpus

    try:
        with Corpus(corpus) as c:
            result = corpus_stats(c)
    except FileNotFoundError as exc:
        _fail(str(exc))
    _print_rows("by source kind", result["by_source_kind"])
    _print_rows("by language", result["by_lang"])
    _print_rows("by stage outcome", result["by_outcome"])


@app.command()
def show(corpus: Path, doc_id: str) -> None:
    """Print one document (kept or dropped) with its metadata and annotations."""
    from .store import Corpus

    try:
        with Corpus(corpus) as c:
            row = c.get(doc_id)
    except FileNotFoundError as exc:
        _fail(str(exc))
    if row is None:
        _fail(f"no document {doc_id!r} in {corpus}")
    text = row.pop("text")
    for key in ("meta", "annotations"):
        if row.get(key):
            row[key] = json.loads(row[key])
    console.print_json(json.dumps(row, ensure_ascii=False, default=str))
    console.rule("text")
    console.print(text, markup=False, highlight=False)


@app.command()
def sql(corpus: Path, query: str, fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json")) -> None:
    """Run DuckDB SQL over the catalog (views: documents, all_docs, dropped; table: runs)."""
    import duckdb

    from .store import Corpus

    try:
        with Corpus(corpus) as c:
            rel = c.con.execute(query)
            if rel.description is None:
                return
            cols = [d[0] for d in rel.description]
            rows = [dict(zip(cols, r)) for r in rel.fetchall()]
    except (FileNotFoundError, duckdb.Error) as exc:
        _fail(str(exc))
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
    elif fmt == "csv":
        import csv
        import sys

        writer = csv.DictWriter(sys.stdout, fieldnames=cols)
        writer.writeheader()
        writer.writerows(rows)
    else:
        _print_rows(f"{len(rows)} rows", rows)


@app.command()
def demo(
    output: Path = typer.Option(Path("demo-out"), "--output", "-o", help="where to write the demo corpus"),
    workers: Optional[int] = typer.Option(None, "--workers", "-w"),
) -> None:
    """Run the built-in demo pipeline on the built-in demo corpus into a fresh folder."""
    from .demo import run_demo

    run_demo(output, workers=workers, console=console)


@app.command()
def serve(
    corpora: list[Path] = typer.Argument(None, help="corpus folders projects may sample documents from"),
    db: str = typer.Option("khlang-annotate.db", "--db", help="SQLite file or postgresql://user:pw@host/db"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    admin_user: Optional[str] = typer.Option(None, "--admin-user", envvar="KHLANG_ADMIN_USER", help="create this admin if missing"),
    admin_password: Optional[str] = typer.Option(None, "--admin-password", envvar="KHLANG_ADMIN_PASSWORD"),
    secure_cookies: Optional[bool] = typer.Option(None, "--secure-cookies/--no-secure-cookies", help="default: when served over HTTPS"),
) -> None:
    """Start the annotation server (web UI + JSON API under /api)."""
    from .annotate.web import serve as run_server

    admin = (admin_user, admin_password) if admin_user and admin_password else None
    if bool(admin_user) != bool(admin_password):
        _fail("give both --admin-user and --admin-password")
    try:
        run_server(corpora or [], db=db, host=host, port=port, admin=admin, secure_cookies=secure_cookies)
    except ValueError as exc:
        _fail(str(exc))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
