"""Zawgyi → Unicode: agreement with the reference pairs, Unicode left alone, speed.

    python bench/zawgyi.py [--repeat N]

Reads ../shared/data/eval/zawgyi.tsv (``zawgyi<TAB>unicode`` pairs from google/myanmar-tools,
the Unicode side made by ICU's Zawgyi converter). For each system, on the same lines:

- exact: converted Zawgyi line == the Unicode line;
- canonical: equal after NFC, i.e. differing at most in the storage order of dot below (U+1037)
  and asat (U+103A), which the reference itself writes both ways (see docs/language.md);
- unicode kept: the Unicode line fed in comes out unchanged (khlang asks myanmartools' detector
  first; the raw converters are given the Unicode line as is, as a caller without a detector would).

Systems: khlang ``normalize`` (detector + converter, what the pipeline runs), khlang's converter
alone, ICU's ``Zawgyi-my`` transform through PyICU, python-myanmar (the converter khlang used
before), each only if installed.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from corpus import eval_file  # noqa: E402

from khlang.lang.normalize import normalize, zawgyi_to_unicode  # noqa: E402


def pairs() -> list[tuple[str, str]]:
    path = eval_file("zawgyi.tsv")
    if path is None:
        sys.exit("../shared/data/eval/zawgyi.tsv not found")
    rows = [ln.split("\t") for ln in path.read_text(encoding="utf-8").splitlines()]
    return [(z, u) for z, u in rows if not z.startswith("#")]


def systems() -> dict[str, Callable[[str], str]]:
    out: dict[str, Callable[[str], str]] = {
        "khlang normalize (detector + converter)": lambda t: normalize(t, "my")[0],
        "khlang zawgyi_to_unicode (converter alone)": zawgyi_to_unicode,
    }
    try:
        import icu

        tr = icu.Transliterator.createInstance("Zawgyi-my")
        out[f"ICU {icu.ICU_VERSION} Zawgyi-my (PyICU)"] = tr.transliterate
    except ImportError:
        pass
    try:
        from myanmar.converter import convert

        out["python-myanmar"] = lambda t: convert(t, "zawgyi", "unicode")
    except ImportError:
        pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rows = pairs()
    nfc = lambda s: unicodedata.normalize("NFC", s)  # noqa: E731
    print(f"{len(rows)} line pairs\n")
    print("| system | exact | canonical (NFC) | Unicode kept | lines/s |")
    print("|---|---:|---:|---:|---:|")
    for name, fn in systems().items():
        out = [fn(z) for z, _ in rows]
        exact = sum(o == u for o, (_, u) in zip(out, rows)) / len(rows)
        canon = sum(nfc(o) == nfc(u) for o, (_, u) in zip(out, rows)) / len(rows)
        kept = sum(fn(u) == u for _, u in rows) / len(rows)
        start = time.perf_counter()
        for _ in range(args.repeat):
            for z, _ in rows:
                fn(z)
        lps = len(rows) * args.repeat / (time.perf_counter() - start)
        print(f"| {name} | {exact:.3f} | {canon:.3f} | {kept:.3f} | {lps:,.0f} |")


if __name__ == "__main__":
    main()
