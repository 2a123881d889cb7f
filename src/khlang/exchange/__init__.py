"""Exchange: export a corpus as a training-ready package, verify a received package, import one.

* :mod:`.export_` — :func:`export`: filters, deterministic splits, shards of a size budget;
* :mod:`.writers` — one :class:`~.writers.Writer` per file format (a new format is one class);
* :mod:`.card` — the data card (``README.md``);
* :mod:`.package` — ``MANIFEST.json`` and :func:`verify`;
* :mod:`.import_` — :func:`import_package`: a package into a corpus, provenance kept.

(``export_`` and ``import_`` end in ``_`` so that the modules and the functions this package
exports under the plain names do not shadow each other.)
"""

from .export_ import ExportResult, export, parse_shard_size, parse_split
from .import_ import ImportResult, import_package
from .package import MANIFEST, PackageError, iter_package, verify
from .writers import FORMATS, WRITERS, Writer

__all__ = [
    "ExportResult", "FORMATS", "ImportResult", "MANIFEST", "PackageError", "WRITERS", "Writer", "export",
    "import_package", "iter_package", "parse_shard_size", "parse_split", "verify",
]
