"""The built-in demo: a tiny multilingual corpus (written by us) and the pipeline that cleans it.

``khlang demo`` runs :data:`PIPELINE` over :data:`DATA` into a fresh folder, prints the stats and
writes the HTML report beside the corpus (``report.html``).
The data mixes formats on purpose: a Thai HTML page, a WARC file, a JSONL file, a TIS-620 text
file and a broken file, with planted exact duplicates.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE / "data"
PIPELINE = HERE / "pipeline.yaml"


def demo_pipeline():
    """The demo pipeline with its input pointing at the packaged demo data."""
    from ..pipeline import Pipeline

    return Pipeline.from_file(PIPELINE)


def run_demo(output: str | Path, workers: int | None = None, console=None, progress: bool = True,
             overwrite: bool = False):
    """Run the demo pipeline into ``output``, which must not exist yet (``overwrite=True``: an
    existing corpus there is replaced; a folder that is not a corpus never is)."""
    from rich.console import Console

    from ..runner import run
    from ..stats import corpus_stats
    from ..store import Corpus
    from ..tables import print_stats

    console = console or Console()
    output = Path(output)
    if output.exists() and (output.is_file() or any(output.iterdir())):
        if not (output / "catalog.duckdb").exists():
            raise FileExistsError(f"{output} exists and is not a khlang corpus; choose another --output")
        if not overwrite:
            raise FileExistsError(f"{output} already holds a corpus; add --overwrite to replace it")
        shutil.rmtree(output)
    result = run(demo_pipeline(), output, workers=workers, progress=progress)
    console.print(
        f"[bold green]demo corpus[/] at [bold]{result.corpus}[/]: {result.docs_in} documents read, "
        f"{result.docs_out} kept, {result.docs_dropped} dropped"
    )
    with Corpus(output) as corpus:
        stats = corpus_stats(corpus)
    print_stats(console, stats)
    from ..report import write_report

    report = write_report(output, output / "report.html")
    console.print(f"report (open in a browser, works offline): [bold]{report}[/]")
    console.print(f"next: khlang stats {output} · khlang sql {output} \"SELECT lang, count(*) FROM documents GROUP BY 1\"")
    return result
