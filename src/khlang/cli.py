"""The ``khlang`` command line: a thin layer over the Python API (every command calls one function).

Every command shares the same conventions, kept here once: bad input is one line on stderr and
exit 2 (:func:`_fail`); text commands take a file, ``-`` for stdin, or the text (``--text``);
Ctrl-C stops a run cleanly and a second one exits at once. (Over 400 lines: one short function per
command, nothing else.)
"""

from __future__ import annotations

import json
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console

from .tables import print_rows, print_stats

# Plain click help (rich_markup_mode=None): typer's rich help shows every flag as taking a <bool>.
# No locals in tracebacks: they would print passwords and whole documents.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  pretty_exceptions_show_locals=False,
                  help="khlang: Southeast-Asian text → training-ready corpora.")
console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def _fail(message: str | BaseException) -> None:
    """Print a one-line error on stderr and exit 2 (bad input is never a traceback)."""
    if isinstance(message, BaseException):
        message = _describe(message)
    one_line = ""
    for part in filter(None, (line.strip() for line in str(message).splitlines())):
        one_line += (" " if one_line.endswith(":") else "; " if one_line else "") + part
    err_console.print("[bold red]error:[/] ", end="", markup=True, highlight=False)
    err_console.print(one_line, markup=False, highlight=False)
    raise typer.Exit(2)


def _describe(exc: BaseException) -> str:
    """An exception as users read it: ``no such file: x`` rather than ``[Errno 2] …``, a
    KeyError's text without its quotes."""
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"no such file: {exc.filename}"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


@contextmanager
def _second_interrupt_exits() -> Iterator[None]:
    """The first Ctrl-C raises KeyboardInterrupt as usual, so the run stops its workers and
    records itself as interrupted; a second one while that happens exits at once, quietly."""
    def handler(signum, frame):
        if state["interrupted"]:
            err_console.print("interrupted again: exiting now; --resume finishes the run later")
            for child in __import__("multiprocessing").active_children():
                child.terminate()
            os._exit(130)
        state["interrupted"] = True
        raise KeyboardInterrupt

    state = {"interrupted": False}
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        # Interrupted and cleaned up: only exiting is left, so later presses are ignored. Not our
        # handler: at shutdown Python resets Python-level handlers to the default, and a press then
        # would kill the process with SIGINT instead of exit code 130.
        signal.signal(signal.SIGINT, signal.SIG_IGN if state["interrupted"] else previous)


def _read_text(source: str, literal: bool = False) -> str:
    """The text a text command works on: ``source`` itself with ``--text``; stdin for ``-``; else
    the UTF-8 file at that path. An argument without a file behind it is the text itself, unless
    it looks like a path (``notes.txt``, ``a/b``): then it is an error, not silently analysed."""
    if literal:
        return source
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if path.is_dir():
        _fail(f"{source} is a folder, not a text file")
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            _fail(f"{source} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                  "`khlang read` detects other encodings")
        except OSError as exc:
            _fail(f"cannot read {source}: {exc.strerror}")
    if _looks_like_path(source):
        _fail(f"no such file: {source} (add --text to analyse the argument itself as text)")
    return source


def _looks_like_path(source: str) -> bool:
    import re

    return not any(c.isspace() for c in source) and (
        "/" in source or os.sep in source or re.search(r"\.[A-Za-z][A-Za-z0-9]{0,4}$", source) is not None)


SOURCE_HELP = "a UTF-8 text file, '-' for stdin, or the text itself"
TEXT_HELP = "take SOURCE as the text itself, even if it looks like a file name"


@app.command()
def run(
    pipeline: Path = typer.Argument(..., help="pipeline file (YAML or TOML)"),
    output: Path = typer.Option(..., "--output", "-o", help="corpus folder to write"),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="worker processes (default: all cores)"),
    executor: str = typer.Option("local", help="local or ray"),
    address: Optional[str] = typer.Option(None, help="Ray cluster address (auto, ray://host:port)"),
    resume: bool = typer.Option(False, "--resume", help="finish the interrupted run of this pipeline"),
    append: bool = typer.Option(False, "--append", help="add a new run to an existing corpus"),
    on_existing: str = typer.Option("skip", "--on-existing", metavar="skip|replace",
                                    help="a document whose id the corpus already holds: skip keeps the corpus's "
                                         "copy, replace updates it with the new one"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace an existing corpus"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
    follow_symlinks: bool = typer.Option(False, "--follow-symlinks",
                                         help="read symlinks that leave the input folders (off: dropped)"),
) -> None:
    """Run a pipeline into a corpus folder (resumable with --resume)."""
    from .pipeline import Pipeline
    from .runner import RunError, run as run_pipeline

    spec: Path | Pipeline = pipeline
    if follow_symlinks:
        try:
            spec = Pipeline.from_file(pipeline)
        except (OSError, ValueError) as exc:
            _fail(str(exc))
        spec.input.follow_symlinks = True

    options = {"address": address} if address else {}
    mode = "overwrite" if overwrite else "append" if append else "new"
    try:
        with _second_interrupt_exits():
            result = run_pipeline(spec, output, executor=executor, workers=workers, resume=resume, mode=mode,
                                  on_existing=on_existing, progress=not quiet, executor_options=options)
    except (RunError, FileNotFoundError, ValueError, KeyError, TypeError) as exc:
        _fail(exc)
    except KeyboardInterrupt:
        err_console.print(f"interrupted: finished shards are kept; continue with: khlang run {pipeline} -o {output} --resume",
                          markup=False, highlight=False)
        raise typer.Exit(130)
    extra = "".join(f", {n:,} {what}" for n, what in ((result.already_present, "already in the corpus"),
                                                      (result.replaced, "replaced")) if n)
    console.print(
        f"run [bold]{result.run_id}[/]: {result.docs_in:,} in, {result.docs_out:,} kept, "
        f"{result.docs_dropped:,} dropped{extra} in {result.seconds:.1f}s ({result.docs_per_second:,.0f} docs/s) → {result.corpus}",
        soft_wrap=True,
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
        _fail(exc)
    print_stats(console, result)


@app.command()
def show(corpus: Path = typer.Argument(..., help="corpus folder"),
         doc_id: str = typer.Argument(..., help="document id (see: khlang sql CORPUS \"SELECT id FROM documents\")")) -> None:
    """Print one document (kept or dropped) with its metadata and annotations."""
    from .store import Corpus

    try:
        with Corpus(corpus) as c:
            row = c.get(doc_id)
    except FileNotFoundError as exc:
        _fail(exc)
    if row is None:
        _fail(f"no document {doc_id!r} in {corpus}")
    text = row.pop("text")
    for key in ("meta", "annotations"):
        if row.get(key):
            row[key] = json.loads(row[key])
    console.print_json(json.dumps(row, ensure_ascii=False, default=str))
    console.rule("text")
    console.print(text, markup=False, highlight=False)


SQL_FORMATS = ("table", "csv", "json")


@app.command()
def sql(
    corpus: Path = typer.Argument(..., help="corpus folder"),
    query: str = typer.Argument(..., help="DuckDB SQL"),
    fmt: str = typer.Option("table", "--format", "-f", metavar="table|csv|json", help="output format"),
    write: bool = typer.Option(False, "--write", help="allow statements that change the catalog (read-only without)"),
) -> None:
    """Run DuckDB SQL over the catalog (views: documents, all_docs, dropped; table: runs).

    The catalog is opened read-only unless --write is given."""
    import duckdb

    from .store import Corpus

    if fmt not in SQL_FORMATS:
        _fail(f"unknown format {fmt!r}: choose {', '.join(SQL_FORMATS)}")
    if write:
        err_console.print("[yellow]warning:[/] --write: statements may change the catalog (the runs table); "
                          "nothing undoes them", highlight=False)
    try:
        with Corpus(corpus):  # a writable open refreshes the views over the shard files first
            pass
        with Corpus(corpus, read_only=not write) as c:
            rel = c.con.execute(query)
            if rel.description is None:
                return
            cols = [d[0] for d in rel.description]
            rows = [dict(zip(cols, r)) for r in rel.fetchall()]
    except (FileNotFoundError, duckdb.Error) as exc:
        message = str(exc).splitlines()[0]
        if "read-only" in message and not write:
            message += " (the catalog is read-only here: add --write to change it)"
        _fail(message)
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
    elif fmt == "csv":
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=cols, lineterminator="\n")  # so `$(khlang sql … -f csv)` pipes cleanly
        writer.writeheader()
        writer.writerows(rows)
    else:
        print_rows(console, f"{len(rows)} rows", rows)


@app.command()
def demo(
    output: Path = typer.Option(Path("demo-out"), "--output", "-o", help="where to write the demo corpus"),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="worker processes (default: all cores)"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace the corpus already in --output"),
) -> None:
    """Run the built-in demo pipeline on the built-in demo corpus into a fresh folder."""
    from .demo import run_demo

    try:
        with _second_interrupt_exits():
            run_demo(output, workers=workers, console=console, overwrite=overwrite)
    except FileExistsError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        err_console.print("interrupted", highlight=False)
        raise typer.Exit(130)


@app.command("read")
def read_files(
    paths: list[str] = typer.Argument(..., help="files, folders or globs"),
    text_field: str = typer.Option("text", help="JSONL/CSV/Parquet field holding the text"),
    id_field: Optional[str] = typer.Option(None, help="field holding the record's own id"),
    encoding: Optional[str] = typer.Option(None, help="force an encoding (default: detect)"),
    kind: Optional[str] = typer.Option(None, help="force a reader (text, html, jsonl, csv, parquet, warc)"),
    limit: int = typer.Option(10, "--limit", "-n", help="documents to print (0: all)"),
) -> None:
    """Print what the readers make of PATHS, as JSON lines (errors included, with their reason)."""
    from itertools import islice

    from .readers import read

    docs = read(paths, text_field=text_field, id_field=id_field, encoding=encoding, kind=kind)
    try:
        for doc in islice(docs, limit or None):
            drop = {"reason": doc.drop.reason, "detail": doc.drop.detail} if doc.drop else None
            print(json.dumps({"id": doc.id, "source_uri": doc.source_uri, "source_kind": doc.source_kind,
                              "drop": drop, "metadata": doc.metadata, "text": doc.text},
                             ensure_ascii=False, default=str))
    except (FileNotFoundError, ValueError, KeyError) as exc:
        _fail(exc)


@app.command("quality")
def quality_cmd(
    source: str = typer.Argument(..., help=SOURCE_HELP + " (one document)"),
    lang: Optional[str] = typer.Option(None, "--lang", "-l", help="language code (default: guessed from the script)"),
    text: bool = typer.Option(False, "--text", help=TEXT_HELP),
) -> None:
    """Quality signals of one text, the rules it fails and its score (JSON)."""
    from .quality import assess

    try:
        result = assess(_read_text(source, text), lang)
    except (KeyError, ValueError) as exc:
        _fail(exc)
    print(json.dumps(result, ensure_ascii=False, indent=1))


@app.command()
def redact(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    text: bool = typer.Option(False, "--text", help=TEXT_HELP),
) -> None:
    """Print the text with PII replaced by <EMAIL>, <PHONE>, <ID_TH> …; counts go to stderr."""
    from .pii import redact as redact_text

    redacted, counts = redact_text(_read_text(source, text))
    print(redacted)
    typer.echo(f"redacted: {counts}", err=True)


# -- analyse, visualise, exchange (report, export, verify, import, tokens, tokenizer) ------------
@app.command()
def report(
    corpus: Path = typer.Argument(..., help="corpus folder"),
    output: Path = typer.Option(Path("report.html"), "--output", "-o", help="HTML file to write (self-contained)"),
    png: Optional[Path] = typer.Option(None, "--png", help="also write every chart as PNG into this folder"),
    tune: Optional[Path] = typer.Option(None, "--tune", help="add the section of a khlang tune report (.report.json)"),
) -> None:
    """Write a self-contained HTML report (charts, samples) and print a summary."""
    from .report import build, print_summary, render_html, write_pngs

    try:
        data = build(corpus, tune=tune)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        _fail(exc)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_html(data), encoding="utf-8")
    print_summary(data, console)
    console.print(f"report → [bold]{output}[/]")
    if png is not None:
        console.print(f"{len(write_pngs(data, png))} PNG charts → [bold]{png}[/]")


@app.command()
def export(
    corpus: Path = typer.Argument(..., help="corpus folder"),
    out: Path = typer.Argument(..., help="package folder to write"),
    fmt: str = typer.Option("parquet", "--format", "-f", help="parquet, jsonl, hf or tokens"),
    lang: Optional[str] = typer.Option(None, "--lang", help="only these languages, comma-separated (th,lo)"),
    min_quality: Optional[float] = typer.Option(None, "--min-quality", help="only annotations.quality.score >= this"),
    where: Optional[str] = typer.Option(None, "--where", help="SQL condition over the documents view"),
    shard_size: str = typer.Option("100MB", "--shard-size", help="per shard: 100MB, 1GB … or 50000rows"),
    split: str = typer.Option("0.98,0.01,0.01", "--split", help="train,validation,test fractions (by hash of id)"),
    name: Optional[str] = typer.Option(None, "--name", help="package name (default: folder name)"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace an existing package folder"),
    tokenizer: Optional[Path] = typer.Option(None, "--tokenizer", "-t", help="--format tokens: tokenizers .json or sentencepiece .model"),
    seed: int = typer.Option(0, "--seed", help="--format tokens: shuffle seed"),
) -> None:
    """Export the corpus as a package: split shards + data card (README.md) + MANIFEST.json."""
    import duckdb

    from .exchange import export as export_package

    langs = [x.strip() for x in lang.split(",") if x.strip()] if lang else None
    try:
        result = export_package(corpus, out, fmt=fmt, langs=langs, min_quality=min_quality, where=where,
                                shard_size=shard_size, split=split, name=name, overwrite=overwrite,
                                tokenizer=tokenizer, seed=seed)
    except (FileNotFoundError, FileExistsError, ValueError, duckdb.Error) as exc:
        _fail(exc)
    rows = ", ".join(f"{k} {v:,}" for k, v in result.rows.items())
    console.print(f"package [bold]{result.package}[/]: {rows} rows in {len(result.files) - 1} data files ({result.seconds:.1f}s)")
    if not sum(result.rows.values()):
        console.print("[yellow]warning:[/] no document matched the filters; the package holds only its data card")


@app.command()
def verify(package: Path = typer.Argument(..., help="package folder (with MANIFEST.json)")) -> None:
    """Check a received package against its MANIFEST (hashes, row counts, missing/extra files)."""
    from .exchange import PackageError, verify as verify_package

    try:
        manifest = verify_package(package)
    except PackageError as exc:
        console.print(f"[bold red]FAILED[/] {package}:")
        for problem in exc.problems:
            console.print(f"  [red]✗[/] {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"[bold green]OK[/] {package}: {len(manifest['files'])} files, "
                  f"{sum(e['rows'] or 0 for e in manifest['files'].values()):,} rows match the MANIFEST")


@app.command("import")
def import_(
    package: Path = typer.Argument(..., help="package folder to import"),
    corpus: Path = typer.Argument(..., help="corpus folder to merge into (created if absent)"),
) -> None:
    """Verify a package and merge it into a corpus as a new import run (ids and provenance kept)."""
    from .exchange import PackageError, import_package

    try:
        result = import_package(package, corpus)
    except PackageError as exc:
        _fail(exc)
    except (FileNotFoundError, ValueError) as exc:
        _fail(exc)
    console.print(f"run [bold]{result.run_id}[/]: {result.imported:,} documents imported, "
                  f"{result.skipped:,} already present (recorded as dropped) → {result.corpus}")


@app.command()
def tokens(
    corpus: Path = typer.Argument(..., help="corpus folder"),
    tokenizer: Path = typer.Option(..., "--tokenizer", "-t", help="tokenizers .json or sentencepiece .model"),
    where: Optional[str] = typer.Option(None, "--where", help="SQL condition over the documents view"),
    limit: Optional[int] = typer.Option(None, "--limit", help="at most this many documents (hash-ordered sample)"),
) -> None:
    """Token counts and fertility (tokens per word) per language, for training budgets."""
    from .tokens import token_counts

    try:
        rows = token_counts(corpus, tokenizer, where=where, limit=limit)
    except (FileNotFoundError, ValueError) as exc:
        _fail(exc)
    print_rows(console, f"tokens ({tokenizer.name})", rows)


tokenizer_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Train tokenizers on a corpus.")
app.add_typer(tokenizer_app, name="tokenizer")


collect_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                          help="Collect raw text: Common Crawl, sites (sitemaps, feeds), MediaWiki dumps.")
app.add_typer(collect_app, name="collect")
_OUT_HELP = "output folder (WARC.gz / JSONL shards, and .khlang/manifest.jsonl)"


def _collected(counts: dict, out: Path) -> None:
    """One summary line after a collection, from the manifest's event counts."""
    from .collect.manifest import BOOKKEEPING

    order = ["fetched", "shard", "unchanged", "skipped", "failed"]
    events = sorted(counts, key=lambda e: order.index(e) if e in order else len(order))
    parts = ", ".join(f"{counts[e]:,} {e}" for e in events) or "nothing"
    console.print(f"{parts} → {out} (manifest: {out / BOOKKEEPING / 'manifest.jsonl'})", soft_wrap=True,
                  highlight=False)


def _collect(call) -> dict:
    """Run ``call(khlang.collect)`` with the CLI's conventions: bad input is one line (a
    CollectError is a ValueError), a missing extra says how to install it, Ctrl-C keeps what is done."""
    try:
        from . import collect

        with _second_interrupt_exits():
            return call(collect)
    except ImportError as exc:
        _fail(f"khlang collect needs its extra: pip install 'khlang[collect]' ({exc})")
    except (FileNotFoundError, ValueError) as exc:
        _fail(exc)
    except KeyboardInterrupt:
        err_console.print("interrupted: what was fetched is kept; run the same command again to go on",
                          highlight=False)
        raise typer.Exit(130)


def _csv(value: Optional[str]) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@collect_app.command("cc")
def collect_cc_cmd(
    crawl: list[str] = typer.Option(..., "--crawl", help="crawl name, e.g. CC-MAIN-2024-10 (repeatable)"),
    output: Path = typer.Option(..., "--output", "-o", help=_OUT_HELP),
    tld: Optional[str] = typer.Option(None, "--tld", help="top-level domains, comma-separated (th,la)"),
    domains: Optional[Path] = typer.Option(None, "--domains", help="file of domains, one a line"),
    lang: Optional[str] = typer.Option(None, "--lang", help="content languages the index records, ISO 639-3 (tha,lao)"),
    date_from: Optional[str] = typer.Option(None, "--from", help="captures from this date (YYYY[MM[DD]])"),
    date_to: Optional[str] = typer.Option(None, "--to", help="captures up to this date (YYYY[MM[DD]])"),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="records to hold in the output folder"),
    workers: int = typer.Option(8, "--workers", "-w", help="records fetched at once"),
    index_url: str = typer.Option("https://index.commoncrawl.org", "--index-url", help="CDX index server"),
    data_url: str = typer.Option("https://data.commoncrawl.org", "--data-url", help="server of the WARC files"),
    timeout: float = typer.Option(60.0, "--timeout", help="seconds before a request gives up"),
    retries: int = typer.Option(5, "--retries", help="retries on 429, 5xx, timeouts"),
    backoff: float = typer.Option(2.0, "--backoff", help="first retry waits this many seconds, doubling"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """Common Crawl records by TLD/domain and language, fetched with range requests into WARC.gz."""
    def call(c):
        query = c.CCQuery(crawls=crawl, tlds=_csv(tld), domains=c.read_domains(domains) if domains else [],
                          langs=_csv(lang), date_from=date_from, date_to=date_to, limit=limit,
                          index_url=index_url, data_url=data_url)
        return c.collect_cc(query, output, workers=workers, progress=not quiet, timeout=timeout, retries=retries,
                          backoff=backoff)

    _collected(_collect(call), output)


@collect_app.command("site")
def collect_site_cmd(
    url: str = typer.Argument(..., help="site, sitemap or feed URL"),
    output: Path = typer.Option(..., "--output", "-o", help=_OUT_HELP),
    feed: bool = typer.Option(False, "--feed", help="URL is an RSS/Atom feed (default: sitemaps)"),
    sitemap: bool = typer.Option(False, "--sitemap", help="URL is a sitemap, or a site whose robots.txt names them"),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="pages to take from the lists"),
    rate: float = typer.Option(1.0, "--rate", help="requests per second per host (robots.txt Crawl-delay may lower it)"),
    concurrency: int = typer.Option(2, "--concurrency", help="requests at once per host"),
    revisit_after: float = typer.Option(86400, "--revisit-after",
                                        help="seconds before a held page is asked for again (conditionally)"),
    contact: Optional[str] = typer.Option(None, "--contact", help="e-mail or URL added to the user agent"),
    timeout: float = typer.Option(30.0, "--timeout", help="seconds before a request gives up"),
    retries: int = typer.Option(3, "--retries", help="retries on 429, 5xx, timeouts"),
    backoff: float = typer.Option(2.0, "--backoff", help="first retry waits this many seconds, doubling"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """A site's pages from its sitemaps or feed into WARC.gz, politely (robots.txt, rate limit)."""
    if feed and sitemap:
        _fail("--feed and --sitemap exclude each other")
    _collected(_collect(lambda c: c.collect_site(
        url, output, mode="feed" if feed else "sitemap", limit=limit, rate=rate, concurrency=concurrency,
        revisit_after=revisit_after, contact=contact, progress=not quiet, timeout=timeout, retries=retries,
        backoff=backoff)), output)


@collect_app.command("wiki")
def collect_wiki_cmd(
    dump: Path = typer.Argument(..., help="MediaWiki XML dump (.xml, .xml.bz2, .xml.gz)"),
    output: Path = typer.Option(..., "--output", "-o", help=_OUT_HELP),
    lang: str = typer.Option(..., "--lang", help="the wiki's language code (th), for URLs and metadata"),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="article URL prefix (default: from the dump)"),
    licence: str = typer.Option("CC BY-SA 4.0", "--licence", help="licence recorded on every document"),
    docs_per_shard: int = typer.Option(10_000, "--docs-per-shard", help="documents per JSONL shard"),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="articles to hold in the output folder"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """A MediaWiki XML dump into JSONL documents with title, URL and licence."""
    _collected(_collect(lambda c: c.collect_wiki(dump, output, lang=lang, base_url=base_url, licence=licence,
                                                 docs_per_shard=docs_per_shard, limit=limit, progress=not quiet)),
               output)


@tokenizer_app.command("train")
def tokenizer_train(
    corpus: Path = typer.Argument(..., help="corpus folder"),
    output: Path = typer.Option(Path("tok.model"), "--output", "-o", help="sentencepiece model to write"),
    vocab_size: int = typer.Option(8000, "--vocab-size", help="vocabulary size (upper bound on small corpora)"),
    model_type: str = typer.Option("unigram", "--model-type", help="unigram, bpe, char or word"),
    sample_docs: int = typer.Option(100_000, "--sample-docs", help="train on at most this many documents"),
    where: Optional[str] = typer.Option(None, "--where", help="SQL condition over the documents view"),
) -> None:
    """Train a sentencepiece model on the corpus and report fertility per language."""
    from .tokens import train_tokenizer

    try:
        result = train_tokenizer(corpus, output, vocab_size=vocab_size, model_type=model_type,
                                 sample_docs=sample_docs, where=where)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        _fail(exc)
    console.print(f"model [bold]{result.model}[/]: vocabulary {result.vocab_size:,}, trained on "
                  f"{result.documents:,} documents ({result.sentences:,} lines)")
    print_rows(console, "fertility (tokens per word)", result.fertility)


@app.command()
def dedup(
    corpus: Path = typer.Argument(..., help="corpus folder"),
    method: str = typer.Option("minhash", "--method", "-m", help="exact, minhash, url or paragraph"),
    keep: Optional[str] = typer.Option(None, help="earliest, longest, newest or best_quality (which copy survives)"),
    threshold: float = typer.Option(0.7, help="minhash: Jaccard similarity that counts as duplicate"),
    ignore_punctuation: bool = typer.Option(False, "--ignore-punctuation", help="exact: ignore punctuation"),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="minhash: worker processes"),
) -> None:
    """Deduplicate an existing corpus in place (drops go to the dropped table, clusters to dup_clusters)."""
    from .dedup import dedup_exact, dedup_minhash

    if method not in ("exact", "minhash", "url", "paragraph"):
        _fail("--method must be exact, minhash, url or paragraph")
    try:
        if method == "exact":
            st = dedup_exact(corpus, ignore_punctuation=ignore_punctuation, keep=keep or "earliest")
        elif method == "url":
            from .dedup.url import dedup_url

            st = dedup_url(corpus, keep=keep or "newest")
        elif method == "paragraph":
            from .dedup.paragraph import dedup_paragraph

            st = dedup_paragraph(corpus, keep=keep or "earliest")
            revised = st.info.get("documents_revised", 0)
            console.print(f"paragraph: {st.info.get('paragraphs_removed', 0)} recurring paragraphs removed from "
                          f"{revised} documents (new versions), {st.docs_in - st.docs_out} documents dropped "
                          "(too little left)")
            return
        else:
            st = dedup_minhash(corpus, workers=workers, threshold=threshold, keep=keep or "longest")
    except (FileNotFoundError, ValueError) as exc:
        _fail(exc)
    console.print(f"{method}: {st.docs_in} documents, {st.docs_in - st.docs_out} duplicates dropped, {st.docs_out} kept")


@app.command()
def langid(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    text: bool = typer.Option(False, "--text", help=TEXT_HELP),
) -> None:
    """Language of a text and its language spans (code-point offsets)."""
    from .lang.langid import detect, spans

    content = _read_text(source, text)
    lang, confidence = detect(content)
    console.print(f"[bold]{lang}[/] (confidence {confidence:.2f})")
    print_rows(console, "spans", [{"start": s.start, "end": s.end, "lang": s.lang, "conf": f"{s.confidence:.2f}",
                           "text": content[s.start : s.end].strip()[:60]} for s in spans(content)])


@app.command()
def words(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    engine: Optional[str] = typer.Option(None, "--engine", "-e", help="e.g. nlpo3, khmernltk, pyvi"),
    text: bool = typer.Option(False, "--text", help=TEXT_HELP),
) -> None:
    """Word tokens of a text, one script engine per script run, separated by ' | '."""
    from .lang.segment import words as segment_words

    content = _read_text(source, text)
    try:
        console.print(" | ".join(segment_words(content, engine=engine)), markup=False, soft_wrap=True)
    except ValueError as exc:
        _fail(exc)


@app.command()
def normalize(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    thai_digits: bool = typer.Option(False, "--thai-digits", help="also turn Thai digits into 0-9"),
    text: bool = typer.Option(False, "--text", help=TEXT_HELP),
) -> None:
    """Script-aware normalisation: prints the text, then the rule counts on stderr."""
    from .lang.normalize import normalize as run_normalize

    normalized, counts = run_normalize(_read_text(source, text), thai_digits=thai_digits)
    sys.stdout.write(normalized)
    print(json.dumps(counts, ensure_ascii=False), file=sys.stderr)


# -- the labelling loop: classify train / sample, tune --------------------------------------------
classify_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                           help="Train a document classifier on your labels; sample what it is unsure of.")
app.add_typer(classify_app, name="classify")
LABELS_FROM = "labelled file: an annotation export (jsonl/parquet) or any jsonl/csv/tsv/parquet with text + label"
# Where labelled examples come from: the same options on `classify train` and `tune` (see _examples).
_LABELS = {
    "source": typer.Option(None, "--from", help=LABELS_FROM),
    "db": typer.Option(None, "--db", help="annotation database (SQLite file or postgresql://…)"),
    "project": typer.Option(None, "--project", help="annotation project whose labels to use"),
    "text_col": typer.Option("text", "--text-col", help="text column of a plain labelled file"),
    "label_col": typer.Option("label", "--label-col", help="label column of a plain labelled file"),
    "corpus": typer.Option(None, "--corpus", help="corpus whose catalog --sql reads"),
    "sql": typer.Option(None, "--sql", help="query returning text, label (and lang) over --corpus"),
}


def _examples(source: Optional[Path], db: Optional[str], project: Optional[str], text_col: str, label_col: str,
              corpus: Optional[Path] = None, sql: Optional[str] = None) -> list:
    from .classify import labels

    if sum(map(bool, (source, project, corpus))) != 1 or bool(corpus) != bool(sql):
        _fail("give one of: a labelled file (--from), an annotation project (--project, with --db), "
              "or a corpus with a label query (--corpus and --sql)")
    try:
        if project:
            return labels.from_project(db or "khlang-annotate.db", project)
        if corpus:
            return labels.from_corpus(corpus, sql)
        return labels.from_file(source, text_col=text_col, label_col=label_col)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        _fail(exc)


def _split(value: Optional[str]) -> list[str]:
    return [x.strip() for x in (value or "").split(",") if x.strip()]


@classify_app.command("train")
def classify_train(
    source: Optional[Path] = _LABELS["source"],
    db: Optional[str] = _LABELS["db"],
    project: Optional[str] = _LABELS["project"],
    output: Path = typer.Option(Path("classifier.npz"), "--output", "-o", help="model file to write"),
    positive: Optional[str] = typer.Option(None, "--positive", help="the 'keep' label(s), comma-separated: their probability is the score"),
    min_per_label: int = typer.Option(5, "--min-per-label", help="refuse labels with fewer examples"),
    text_col: str = _LABELS["text_col"],
    label_col: str = _LABELS["label_col"],
    corpus: Optional[Path] = _LABELS["corpus"],
    sql: Optional[str] = _LABELS["sql"],
) -> None:
    """Train a linear classifier (hashed word + character n-grams) on labelled documents."""
    from .classify import train

    examples = _examples(source, db, project, text_col, label_col, corpus, sql)
    try:
        model = train(examples, positive=_split(positive), min_per_label=min_per_label,
                      source=f"project {project}" if project else f"{corpus}: {sql}" if corpus else str(source))
    except ValueError as exc:
        _fail(exc)
    model.save(output)
    held = model.meta["held_out"]
    scores = f"held-out accuracy {held['accuracy']:.3f}, macro-F1 {held['macro_f1']:.3f} on {held['n']}" if held["n"] else "no held-out split (too few examples)"
    console.print(f"model [bold]{output}[/]: {model.meta['examples']} examples, labels {model.meta['label_counts']}, "
                  f"languages {model.meta['languages']}; {scores}")


@classify_app.command("sample")
def classify_sample(
    corpus: Path = typer.Argument(..., help="corpus folder scored by the classify stage"),
    name: str = typer.Option(..., "--name", help="annotation project to create"),
    db: str = typer.Option("khlang-annotate.db", "--db", help="annotation database (SQLite file or postgresql://…)"),
    labels: str = typer.Option("good,bad", "--labels", help="the project's labels, comma-separated"),
    threshold: float = typer.Option(0.5, "--threshold", help="the classifier threshold in use"),
    width: float = typer.Option(0.15, "--width", help="the band: |score - threshold| <= width"),
    n: int = typer.Option(100, "--n", help="documents to sample"),
) -> None:
    """Create an annotation project from the uncertain band, stratified by language."""
    from .classify.sample import create_project, uncertain_docs

    try:
        docs = uncertain_docs(corpus, threshold=threshold, width=width, n=n)
        pid = create_project(db, name, docs, _split(labels),
                             source={"corpus": str(corpus), "query": {"uncertain": {"threshold": threshold, "width": width, "n": n}}})
    except (FileNotFoundError, ValueError) as exc:
        _fail(exc)
    from collections import Counter

    console.print(f"project [bold]{name}[/] (id {pid}): {len(docs)} documents, by language {dict(Counter(d['lang'] for d in docs))}")


@app.command()
def tune(
    source: Optional[Path] = _LABELS["source"],
    db: Optional[str] = _LABELS["db"],
    project: Optional[str] = _LABELS["project"],
    positive: str = typer.Option(..., "--positive", help="the 'keep' label(s), comma-separated"),
    model: Optional[Path] = typer.Option(None, "--model", help="classifier model: also tune min_classify_score"),
    target: str = typer.Option("f1", "--target", help="f1 (best keep-F1) or precision:0.95 (most recall at that keep-precision)"),
    base: Optional[Path] = typer.Option(None, "--base", help="thresholds file to start from (default: the built-in table)"),
    output: Path = typer.Option(Path("thresholds.yaml"), "--output", "-o", help="thresholds file to write (+ .report.json)"),
    text_col: str = _LABELS["text_col"],
    label_col: str = _LABELS["label_col"],
    corpus: Optional[Path] = _LABELS["corpus"],
    sql: Optional[str] = _LABELS["sql"],
) -> None:
    """Per-language precision/recall of every quality rule on your labels, and tuned thresholds."""
    from .classify import load
    from .classify.tune import tune as run_tune, write
    from .quality.thresholds import read_file

    examples = _examples(source, db, project, text_col, label_col, corpus, sql)
    try:
        result = run_tune(examples, _split(positive), model=load(model) if model else None, target=target,
                          base=read_file(str(base)) if base else None)
    except (FileNotFoundError, ValueError) as exc:
        _fail(exc)
    path, report_path = write(result, output)
    rows = [{"lang": lang, "labelled": f"{r['good']} keep / {r['bad']} drop",
             "keep P/R before": f"{r['before']['keep_precision'] or 0:.2f} / {r['before']['keep_recall'] or 0:.2f}",
             "keep P/R after": f"{r['after']['keep_precision'] or 0:.2f} / {r['after']['keep_recall'] or 0:.2f}",
             "changed": ", ".join(f"{k}={v}" for k, v in r["changed"].items()) or ("–" if r["tuned"] else "too few labels")}
            for lang, r in result["languages"].items()]
    print_rows(console, f"tuned for {target}", rows)
    console.print(f"thresholds → [bold]{path}[/] (quality: {{thresholds: {path}}}); report → [bold]{report_path}[/]")


# -- annotate ----------------------------------------------------------------------------------
@app.command()
def serve(
    corpora: list[Path] = typer.Argument(None, help="corpus folders projects may sample documents from"),
    db: str = typer.Option("khlang-annotate.db", "--db", help="SQLite file or postgresql://user:pw@host/db"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", help="port to listen on"),
    admin_user: Optional[str] = typer.Option(None, "--admin-user", envvar="KHLANG_ADMIN_USER",
                                             help="create this admin if missing (the first admin is made so)"),
    admin_password: Optional[str] = typer.Option(None, "--admin-password", envvar="KHLANG_ADMIN_PASSWORD",
                                                 help="password of --admin-user"),
    secure_cookies: Optional[bool] = typer.Option(None, "--secure-cookies/--no-secure-cookies", help="default: when served over HTTPS"),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="server processes (default: 2, or 1 on a one-core machine)"),
    access_log: bool = typer.Option(False, "--access-log/--no-access-log", help="log a line per request"),
) -> None:
    """Start the annotation server (web UI + JSON API under /api)."""
    if bool(admin_user) != bool(admin_password):
        _fail("give both --admin-user and --admin-password")
    for corpus in corpora or []:
        if not (corpus / "catalog.duckdb").is_file():
            _fail(f"{corpus} is not a khlang corpus (no catalog.duckdb)")
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from .annotate.db import Database, User
    from .annotate.web import serve as run_server

    admin = (admin_user, admin_password) if admin_user and admin_password else None
    if admin is None:
        try:
            with Database(db).session() as session:
                has_admin = session.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None
        except SQLAlchemyError as exc:
            _fail(f"cannot open the annotation database {db}: {str(exc).splitlines()[0]}")
        if not has_admin:
            _fail(f"{db} has no admin yet, so nobody could log in: create the first one with "
                  "--admin-user NAME --admin-password 'a long password' (or KHLANG_ADMIN_USER and KHLANG_ADMIN_PASSWORD)")
    try:
        run_server(corpora or [], db=db, host=host, port=port, admin=admin, secure_cookies=secure_cookies,
                   workers=workers, access_log=access_log)
    except ValueError as exc:
        _fail(exc)


def main() -> None:
    try:
        app()
    except ImportError as exc:  # a verb whose optional extra is not installed: say which one
        from rich.markup import escape

        from .extras import missing_extra

        advice = missing_extra(exc)
        if advice is None:
            raise
        err_console.print(f"[bold red]error:[/] {escape(advice)}", markup=True, highlight=False)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
