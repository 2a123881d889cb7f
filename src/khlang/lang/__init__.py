"""The Southeast-Asian language layer: script-aware normalisation (:mod:`.normalize`), language
identification with code-point spans (:mod:`.langid`) and word/sentence segmentation
(:mod:`.segment`). Each is a plain function; :mod:`.stages` wraps them as pipeline stages.
:mod:`.languages` is the language table: every per-language fact (code, script, spacing, default
segmenter, stop words, quality threshold row) in one place."""
