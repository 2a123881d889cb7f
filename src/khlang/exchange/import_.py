"""Import: merge a received package into a corpus as a new run, provenance kept."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ..store import DOCS_SCHEMA, Corpus
from .package import MANIFEST, sha256_file, verify
from .writers import read_data_file


@dataclass
class ImportResult:
    run_id: str
    corpus: Path
    imported: int = 0
    skipped: int = 0  # ids already in the corpus (recorded as dropped, reason already_present)


def import_package(package: str | Path, corpus_path: str | Path) -> ImportResult:
    """Verify ``package`` and merge its documents into the corpus at ``corpus_path`` (created if
    absent) as a new run ``import-<time>-<manifest hash>``: one shard per package file, done
    markers, a ``runs`` row recording the package name and MANIFEST sha256. Ids are kept; each
    row's ``meta.imported_from`` keeps its package, split and original run. A document whose id the
    corpus already has is not added twice: it goes to ``dropped`` (stage import, already_present)."""
    from ..document import Document, Drop

    package = Path(package)
    manifest = verify(package)
    manifest_sha = sha256_file(package / MANIFEST)
    name = manifest.get("name") or package.resolve().name
    start = time.perf_counter()
    run_id = f"import-{dt.datetime.now().strftime('%Y%m%dT%H%M%S%f')}-{manifest_sha[:6]}"
    corpus = Corpus(corpus_path, create=True)
    result = ImportResult(run_id=run_id, corpus=corpus.path)
    try:
        data_files = [rel for rel, e in sorted(manifest["files"].items()) if e.get("rows") is not None]
        config = {"name": f"import {name}", "import": {"name": name, "path": str(package.resolve()),
                                                       "manifest_sha256": manifest_sha, "format": manifest.get("format"),
                                                       "rows": manifest.get("rows")}, "stages": []}
        corpus.begin_run(run_id, name=f"import {name}", fingerprint=manifest_sha[:12], executor="import", workers=1,
                         shards=len(data_files), config=config)
        for shard, rel in enumerate(data_files):
            table = read_data_file(package / rel)
            corpus.con.register("_pkg", table)
            present = {r[0] for r in corpus.con.execute(
                "SELECT DISTINCT id FROM all_docs WHERE id IN (SELECT id FROM _pkg)").fetchall()}
            corpus.con.unregister("_pkg")
            kept, dropped = [], []
            split = manifest["files"][rel].get("split")
            for row in table.to_pylist():
                meta = json.loads(row["meta"] or "{}")
                meta["imported_from"] = {"package": name, "manifest_sha256": manifest_sha, "file": rel,
                                         "split": split, "run_id": row["run_id"], "shard": row["shard"]}
                row.update(meta=json.dumps(meta, ensure_ascii=False, sort_keys=True), run_id=run_id, shard=shard)
                if row["id"] in present:
                    doc = Document.from_row(row)
                    doc.drop = Drop("import", "already_present", f"id already in the corpus (from {rel})")
                    dropped.append(doc)
                else:
                    present.add(row["id"])
                    kept.append(row)
            stats = {"docs_in": table.num_rows, "docs_out": len(kept),
                     "dropped": {"already_present": len(dropped)} if dropped else {}, "seconds": 0.0}
            corpus.write_shard(run_id, shard, pa.Table.from_pylist(kept, schema=DOCS_SCHEMA), dropped,
                               {"shard": shard, "docs_in": table.num_rows, "docs_out": len(kept),
                                "docs_dropped": len(dropped), "file": rel, "stages": {"import": stats}})
            result.imported += len(kept)
            result.skipped += len(dropped)
        seconds = time.perf_counter() - start
        total = result.imported + result.skipped
        stages = {"import": {"docs_in": total, "docs_out": result.imported,
                             "dropped": {"already_present": result.skipped} if result.skipped else {},
                             "seconds": round(seconds, 6)}}
        corpus.finish_run(run_id, seconds=seconds, docs_in=total, stages=stages)
    except BaseException:  # leave no half import visible: remove its shards, keep the failed run row
        corpus.fail_run(run_id, discard=True)
        raise
    finally:
        corpus.close()
    return result
