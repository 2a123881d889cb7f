"""Pipelines: what to read and which stages to run, declared in YAML/TOML or built in Python.

A pipeline is data, not objects, so every executor (local processes, Ray) can rebuild the same
stages inside its workers. Example file::

    name: news
    input:
      paths: ["crawl/*.warc.gz", "feeds/*.jsonl"]
      text_field: body          # for JSONL / Parquet / CSV
    docs_per_shard: 1000
    stages:
      - clean
      - langid: {min_confidence: 0.5}
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import registry
from .stage import CorpusStage, Stage


@dataclass
class InputSpec:
    """Where the documents come from and how to read them."""

    paths: list[str]
    text_field: str = "text"
    id_field: str | None = None
    encoding: str | None = None  # None: detect (UTF-8, UTF-16 BOM, TIS-620/CP874 …)
    kind: str | None = None  # force one reader kind instead of choosing by file extension
    #: Follow symlinks that leave the input folder (off: such a link is a ``symlink_outside`` drop).
    follow_symlinks: bool = False
    #: Largest record read as a document, in bytes (a file, a JSONL line, a WARC record body, a
    #: text field): a bigger one is a ``too_large`` drop holding only its first bytes, so one
    #: huge or decompression-bomb record cannot exhaust memory or stall the stages.
    max_bytes: int = 10_000_000


@dataclass
class StageSpec:
    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Pipeline:
    """An input spec plus an ordered list of stage specs."""

    input: InputSpec
    stages: list[StageSpec] = field(default_factory=list)
    name: str = "pipeline"
    docs_per_shard: int = 1000

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any], base_dir: Path | None = None) -> "Pipeline":
        """Build from the dict form of a pipeline file; relative input paths resolve against
        ``base_dir`` (the file's folder)."""
        unknown = set(data) - {"name", "input", "stages", "docs_per_shard"}
        if unknown:
            raise ValueError(f"unknown pipeline keys: {sorted(unknown)}")
        inp = data.get("input")
        if isinstance(inp, (str, list)):
            inp = {"paths": inp}
        if not inp or not inp.get("paths"):
            raise ValueError("pipeline needs input.paths (files, folders or globs)")
        inp = dict(inp)
        paths = [inp.pop("paths")] if isinstance(inp["paths"], str) else list(inp.pop("paths"))
        if base_dir is not None:
            paths = [p if Path(p).is_absolute() else str(base_dir / p) for p in paths]
        return cls(
            input=InputSpec(paths=paths, **inp),
            stages=[_stage_spec(s) for s in data.get("stages") or []],
            name=data.get("name", "pipeline"),
            docs_per_shard=int(data.get("docs_per_shard", 1000)),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> "Pipeline":
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a pipeline file must be a mapping")
        return cls.from_dict(data, base_dir=path.parent.resolve())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "input": asdict(self.input),
            "docs_per_shard": self.docs_per_shard,
            "stages": [{s.name: s.params} for s in self.stages],
        }

    def fingerprint(self) -> str:
        """Hash of everything that decides the output; a resumed run must match it. Files the stages
        read (a classifier model, a thresholds file, block lists, benchmark sets) count by their
        contents, not their names: retraining the model into the same path is a different run."""
        config = self.to_dict()
        config["files"] = {path: _content_hash(path) for path in sorted(_file_params(config["stages"]))}
        return hashlib.sha1(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]

    # -- stages -------------------------------------------------------------------------------
    def build(self) -> tuple[list[Stage], list[CorpusStage]]:
        """Instantiate the stages: per-document ones first, corpus-level ones after.

        Corpus stages (dedup) must come after all per-document stages in the file, because they
        run once the shards are written.
        """
        doc_stages: list[Stage] = []
        corpus_stages: list[CorpusStage] = []
        for spec in self.stages:
            stage = registry.build(spec.name, spec.params)
            if isinstance(stage, CorpusStage):
                corpus_stages.append(stage)
            elif corpus_stages:
                raise ValueError(
                    f"stage {spec.name!r} works per document but comes after a corpus-level "
                    f"stage ({corpus_stages[-1].name!r}); move it before"
                )
            else:
                doc_stages.append(stage)
        return doc_stages, corpus_stages


def _stage_spec(item: Any) -> StageSpec:
    if isinstance(item, str):
        return StageSpec(item)
    if isinstance(item, StageSpec):
        return item
    if isinstance(item, dict) and isinstance(item.get("name"), str):  # {name: x, params: {...}}
        return StageSpec(item["name"], dict(item.get("params") or {}))
    if isinstance(item, dict) and len(item) == 1:  # {x: {...}}
        (name, params), = item.items()
        return StageSpec(name, dict(params or {}))
    raise ValueError(f"cannot read stage entry {item!r}: use 'name' or {{name: {{params}}}}")


def _file_params(value: Any) -> set[str]:
    """Every string among the stage parameters that names an existing file or folder."""
    if isinstance(value, dict):
        return set().union(*(_file_params(v) for v in value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*(_file_params(v) for v in value))
    if isinstance(value, str) and value and len(value) < 4096 and "\n" not in value:
        try:
            path = Path(value)
            if path.is_file():
                return {value}
            # a folder, unless it is the working folder or one above it ("." as a separator, "/")
            here = Path.cwd().resolve()
            return {value} if path.is_dir() and path.resolve() not in (here, *here.parents) else set()
        except (OSError, ValueError):  # not a possible path (too long a name, a NUL)
            return set()
    return set()


def _content_hash(path: str) -> str:
    """SHA-256 of a file's bytes; of a folder, of its files' relative paths and bytes."""
    root = Path(path)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for f in files:
        digest.update(str(f.relative_to(root) if f != root else "").encode() + b"\0")
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
