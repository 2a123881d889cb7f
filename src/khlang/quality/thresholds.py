"""The threshold table: one place that says, per language, which quality rules apply and where.

Each rule is ``min_<x>`` or ``max_<x>`` over one signal of :func:`khlang.quality.quality_signals`;
``None`` switches a rule off. ``default`` holds the Gopher / C4 / FineWeb values (for languages
written with spaces); a language entry lists only what differs from it. Why the differences:

* Thai, Lao, Khmer, Burmese have no spaces between words: word statistics come from a segmenter,
  and a Thai word is about 5 code points (vowel and tone marks count), short words are common.
* A segmenter splits one compound term into several words, so the most frequent 2/3/4-gram of
  good Thai text covers more characters than in English (limits 0.25/0.25/0.22, not 0.2/0.18/0.16).
* Thai and Lao do not end sentences with a full stop, so the "lines end in punctuation" rule
  (FineWeb) is off there; Khmer (។) and Burmese (။) have their own stops and a lower bar.
* Chinese has no word list here (each Han character counts as a word), so word-length rules are off.

Override from a pipeline file (deep-merged over these defaults; unknown rules are an error)::

    - quality: {thresholds: {th: {min_words: 30}, default: {max_dup_line_frac: 0.2}}}
"""

from __future__ import annotations

import copy
from typing import Any

#: rule → (signal it reads, "min" or "max"), in order of precedence: when several rules fail, the
#: first one names the drop reason, so specific rules come before generic ones (a navigation page
#: is also short, but ``max_boilerplate_lines_frac`` says why it is junk).
RULES: dict[str, tuple[str, str]] = {
    "max_lorem_ipsum": ("lorem_ipsum", "max"),
    "max_boilerplate_lines_frac": ("boilerplate_lines_frac", "max"),
    "max_dup_para_frac": ("dup_para_frac", "max"),
    "max_dup_para_char_frac": ("dup_para_char_frac", "max"),
    "max_dup_line_frac": ("dup_line_frac", "max"),
    "max_dup_line_char_frac": ("dup_line_char_frac", "max"),
    "max_top_2gram_frac": ("top_2gram_frac", "max"),
    "max_top_3gram_frac": ("top_3gram_frac", "max"),
    "max_top_4gram_frac": ("top_4gram_frac", "max"),
    "max_dup_5gram_frac": ("dup_5gram_frac", "max"),
    "max_dup_6gram_frac": ("dup_6gram_frac", "max"),
    "max_dup_7gram_frac": ("dup_7gram_frac", "max"),
    "max_dup_8gram_frac": ("dup_8gram_frac", "max"),
    "max_dup_9gram_frac": ("dup_9gram_frac", "max"),
    "max_dup_10gram_frac": ("dup_10gram_frac", "max"),
    "max_symbol_word_ratio": ("symbol_word_ratio", "max"),
    "min_alpha_words_frac": ("alpha_words_frac", "min"),
    "max_bullet_lines_frac": ("bullet_lines_frac", "max"),
    "max_ellipsis_lines_frac": ("ellipsis_lines_frac", "max"),
    "min_end_punct_lines_frac": ("end_punct_lines_frac", "min"),
    "max_short_lines_frac": ("short_lines_frac", "max"),
    "min_words": ("n_words", "min"),
    "max_words": ("n_words", "max"),
    "min_mean_word_len": ("mean_word_len", "min"),
    "max_mean_word_len": ("mean_word_len", "max"),
    "min_stop_words": ("stop_words", "min"),
}

_NO_SPACES = {  # Thai, Lao: segmented words, short words, no full stop at line ends
    "min_mean_word_len": 2,
    "max_mean_word_len": 9,
    "min_alpha_words_frac": 0.6,
    "min_end_punct_lines_frac": None,
    # a segmenter splits one compound term into 3–4 words, so a term repeated in a paragraph
    # ("การสื่อสารโทรคมนาคมระหว่างประเทศ") is a frequent 3-/4-gram in perfectly good text
    "max_top_2gram_frac": 0.25,
    "max_top_3gram_frac": 0.25,
    "max_top_4gram_frac": 0.22,
}

#: The default table. Read it top to bottom: ``default`` first, then what each language changes.
THRESHOLDS: dict[str, dict[str, Any]] = {
    "default": {
        "min_words": 50,  # Gopher
        "max_words": 100_000,
        "min_mean_word_len": 3,
        "max_mean_word_len": 10,
        "max_symbol_word_ratio": 0.1,
        "min_alpha_words_frac": 0.8,
        "min_stop_words": 2,
        "max_bullet_lines_frac": 0.9,
        "max_ellipsis_lines_frac": 0.3,
        "min_end_punct_lines_frac": 0.12,  # FineWeb
        "max_short_lines_frac": 0.67,  # FineWeb
        "max_boilerplate_lines_frac": 0.3,
        "max_dup_line_frac": 0.3,  # Gopher repetition
        "max_dup_line_char_frac": 0.2,
        "max_dup_para_frac": 0.3,
        "max_dup_para_char_frac": 0.2,
        "max_top_2gram_frac": 0.2,
        "max_top_3gram_frac": 0.18,
        "max_top_4gram_frac": 0.16,
        "max_dup_5gram_frac": 0.15,
        "max_dup_6gram_frac": 0.14,
        "max_dup_7gram_frac": 0.13,
        "max_dup_8gram_frac": 0.12,
        "max_dup_9gram_frac": 0.11,
        "max_dup_10gram_frac": 0.10,
        "max_lorem_ipsum": 0,  # C4
    },
    "th": dict(_NO_SPACES),
    "lo": dict(_NO_SPACES),
    "km": {**_NO_SPACES, "min_end_punct_lines_frac": 0.05},
    "my": {**_NO_SPACES, "min_end_punct_lines_frac": 0.05},
    "zh": {"min_mean_word_len": None, "max_mean_word_len": None, "min_alpha_words_frac": 0.6},
    "vi": {"min_mean_word_len": 2, "max_mean_word_len": 8},  # one syllable per space
    "id": {},
    "ms": {},
    "tl": {},
    "en": {},
    "ta": {"max_mean_word_len": 14, "min_alpha_words_frac": 0.6},  # agglutinative, combining marks
}


def merge(overrides: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """The default table with ``overrides`` deep-merged over it; unknown rules raise ``ValueError``.

    A language not in the table may be added; it inherits ``default`` like the others.
    """
    if overrides is not None and not isinstance(overrides, dict):
        raise ValueError(f"thresholds must be a mapping of language → {{rule: value}}, got {overrides!r}")
    table = copy.deepcopy(THRESHOLDS)
    for lang, rules in (overrides or {}).items():
        if not isinstance(rules, dict):
            raise ValueError(f"thresholds for {lang!r} must be a mapping of rule → value, got {rules!r}")
        unknown = sorted(set(rules) - set(RULES))
        if unknown:
            raise ValueError(f"unknown quality rule(s) for {lang!r}: {unknown}; known: {sorted(RULES)}")
        for rule, value in rules.items():
            if value is not None and not isinstance(value, (int, float)):
                raise ValueError(f"threshold {lang}.{rule} must be a number or null, got {value!r}")
        table.setdefault(lang, {}).update(rules)
    return table


def for_lang(table: dict[str, dict[str, Any]], lang: str | None) -> dict[str, Any]:
    """The effective rules for ``lang``: ``default`` updated with the language's entry."""
    return {**table["default"], **table.get(lang or "", {})}


def check(signals: dict[str, Any], rules: dict[str, Any]) -> list[tuple[str, float, float]]:
    """The rules ``signals`` fail, as (rule, value, threshold), in order of precedence."""
    failed = []
    for rule, (signal, kind) in RULES.items():
        threshold = rules.get(rule)
        if threshold is None:
            continue
        value = signals.get(signal)
        if value is None:
            continue
        if (kind == "min" and value < threshold) or (kind == "max" and value > threshold):
            failed.append((rule, value, threshold))
    return failed
