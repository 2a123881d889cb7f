"""The threshold table: one place that says, per language, which quality rules apply and where.

Each rule is ``min_<x>`` or ``max_<x>`` over one signal of :func:`khlang.quality.quality_signals`;
``None`` switches a rule off. ``default`` holds the Gopher / C4 / FineWeb values; each language
adds its row from the language table (:mod:`khlang.lang.languages`: its script's word-length
range, then what the language changes — unspaced scripts have short segmenter words, frequent
n-grams of compound terms, no full stop in Thai and Lao).

A rule that needs data a language lacks is **skipped** for it, with the reason: ``min_stop_words``
without a stop-word list, the word-length rules without a range for the script (Han, Tamil, a
language the table does not know). :func:`rules_for` returns both what applies and what is skipped;
the quality stage records them per language in the run, and the report shows them.

Override from a pipeline file (deep-merged; ``default`` applies to every language, a language
entry wins over it; unknown rules are an error)::

    - quality: {thresholds: {th: {min_words: 30}, default: {max_dup_line_frac: 0.2}}}

or name a YAML/JSON file holding that mapping (``khlang tune`` writes one)::

    - quality: {thresholds: tuned-thresholds.yaml}
"""

from __future__ import annotations

import copy
from typing import Any

from ..lang import languages

#: rule → (signal it reads, "min" or "max"), in order of precedence: when several rules fail, the
#: first one names the drop reason, so specific rules come before generic ones (a navigation page
#: is also short, but ``max_boilerplate_lines_frac`` says why it is junk).
RULES: dict[str, tuple[str, str]] = {
    "max_lorem_ipsum": ("lorem_ipsum", "max"),
    "max_boilerplate_lines_frac": ("boilerplate_lines_frac", "max"),
    "max_spam_words_frac": ("spam_words_frac", "max"),
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
    # the classify stage's P(positive label): documents it did not score have no value and pass
    "min_classify_score": ("classify_score", "min"),
}

#: Gopher / C4 / FineWeb values, for every language unless its row says otherwise. The word-length
#: rules are not here: their range depends on the script (``languages.WORD_LEN``).
DEFAULT: dict[str, Any] = {
    "min_words": 50,  # Gopher
    "max_words": 100_000,
    "max_symbol_word_ratio": 0.1,
    "min_alpha_words_frac": 0.8,
    "min_stop_words": 2,
    "max_bullet_lines_frac": 0.9,
    "max_ellipsis_lines_frac": 0.3,
    "min_end_punct_lines_frac": 0.12,  # FineWeb
    "max_short_lines_frac": 0.67,  # FineWeb
    "max_boilerplate_lines_frac": 0.3,
    "max_spam_words_frac": 0.04,
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
    "min_classify_score": 0,  # lets everything through until a thresholds file (khlang tune) raises it
}


def _language_row(lang: languages.Language) -> dict[str, Any]:
    word_len, _ = languages.word_len_range(lang.code)
    row = {"min_mean_word_len": word_len[0], "max_mean_word_len": word_len[1]} if word_len else {}
    return {**row, **lang.thresholds}


#: The default table: ``default`` first, then every language of the language table.
THRESHOLDS: dict[str, dict[str, Any]] = {
    "default": DEFAULT,
    **{code: _language_row(lang) for code, lang in languages.LANGUAGES.items()},
}


def read_file(path: str) -> dict[str, dict[str, Any]]:
    """The overrides held in a YAML or JSON thresholds file (checked when merged)."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except yaml.YAMLError as exc:
        raise ValueError(f"thresholds file {path} is not YAML/JSON: {str(exc).splitlines()[0]}") from None
    data = data or {}
    if isinstance(data, dict) and isinstance(data.get("thresholds"), dict):
        data = data["thresholds"]
    return data


def merge(overrides: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """The default table with ``overrides`` deep-merged over it; unknown rules raise ``ValueError``.

    ``default`` overrides reach every language (a language's own override wins); a language not in
    the table may be added; it inherits ``default`` like the others.
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
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValueError(f"threshold {lang}.{rule} must be a number or null, got {value!r}")
    user_default = (overrides or {}).get("default", {})
    for row in table.values():
        row.update(user_default)
    for lang, rules in (overrides or {}).items():
        table.setdefault(lang, dict(user_default)).update(rules)
    return table


def rules_for(table: dict[str, dict[str, Any]], lang: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    """What applies to ``lang`` and what is skipped: ``({rule: threshold}, {rule: why skipped})``.

    Skipped: a rule switched off (``null``) and a rule whose data ``lang`` lacks (no stop-word list,
    no word-length range for its script); every rule of :data:`RULES` is in exactly one of the two.
    """
    code = lang or "(unknown)"
    effective = {**table["default"], **table.get(lang or "", {})}
    applied: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for rule in RULES:
        if rule not in effective:
            if rule.endswith("mean_word_len"):
                skipped[rule] = languages.word_len_range(lang)[1] or "no word-length range"
            else:
                skipped[rule] = f"no threshold for {code}"
        elif effective[rule] is None:
            skipped[rule] = f"switched off for {code} (null threshold)"
        elif rule == "min_stop_words" and not (lang and languages.stop_words(lang)):
            skipped[rule] = f"no stop-word list for {code}"
        else:
            applied[rule] = effective[rule]
    return applied, skipped


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
