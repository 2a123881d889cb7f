"""Stage names → classes, resolved lazily so heavy libraries load only when a pipeline uses them.

A pipeline file names stages (``normalize``, ``langid`` …); this table says where each lives. A
name that is not here may be given as ``package.module:ClassName`` to use your own stage.

Where a stage lives: **with its domain**. A stage class sits beside the code it wraps —
``clean.py``, ``lang/stages.py`` (normalize, langid, segment), ``quality/``, ``pii.py``,
``dedup/exact.py``, ``dedup/minhash.py`` — and this table is the one list of them
(see docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from .lazy import load
from .stage import CorpusStage, Stage

#: Built-in stages. One line per stage; the module is imported on first use.
STAGES: dict[str, str] = {
    "clean": "khlang.clean:Clean",
    "normalize": "khlang.lang.stages:Normalize",
    "langid": "khlang.lang.stages:LangId",
    "segment": "khlang.lang.stages:Segment",
    "classify": "khlang.classify:Classify",
    "quality": "khlang.quality:Quality",
    "pii": "khlang.pii:Pii",
    "dedup_exact": "khlang.dedup.exact:ExactDedup",
    "dedup_minhash": "khlang.dedup.minhash:MinhashDedup",
    "dedup_url": "khlang.dedup.url:UrlDedup",
    "dedup_paragraph": "khlang.dedup.paragraph:ParagraphDedup",
    "decontaminate": "khlang.decontam:Decontaminate",
    "blocklist": "khlang.blocklist:Blocklist",
}


def resolve(name: str) -> type:
    """The stage class for ``name`` (a built-in name or ``module:Class``)."""
    target = STAGES.get(name, name)
    if ":" not in target:
        known = ", ".join(sorted(STAGES))
        raise KeyError(f"unknown stage {name!r}; built-in stages are: {known} (or use module:Class)")
    cls = load(target)
    if not (isinstance(cls, type) and issubclass(cls, (Stage, CorpusStage))):
        raise TypeError(f"{target} is not a khlang Stage or CorpusStage")
    return cls


def build(name: str, params: dict[str, Any] | None = None) -> Stage | CorpusStage:
    """Instantiate stage ``name`` with ``params`` (unknown parameters are an error, not ignored)."""
    return resolve(name)(**(params or {}))
