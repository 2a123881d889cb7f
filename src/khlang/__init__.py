"""khlang: raw Southeast-Asian text → clean, deduplicated, annotated, documented corpora."""

from .document import Document, Drop
from .pipeline import InputSpec, Pipeline, StageSpec
from .stage import CorpusStage, Stage

__version__ = "0.1.0"

__all__ = ["CorpusStage", "Document", "Drop", "InputSpec", "Pipeline", "Stage", "StageSpec", "__version__"]
