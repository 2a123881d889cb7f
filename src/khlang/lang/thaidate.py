"""Thai dates: Buddhist-era years (พ.ศ. 2568 = 2025 CE) and "23 มกราคม 2568"-style dates.

Thai text counts years in the Buddhist era (BE = CE + 543) and writes digits in Thai or Arabic
numerals, so a corpus that wants a document date in ISO form has to read both. We take the first
full day-month-year date in the text as the document date (news articles open with their
dateline) and report every Buddhist-era year mention for provenance.
"""

from __future__ import annotations

import datetime as dt
import re

BE_OFFSET = 543
MONTHS_FULL = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
               "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
MONTHS_ABBR = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
               "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
_MONTH_NUMBER = {name: i + 1 for names in (MONTHS_FULL, MONTHS_ABBR) for i, name in enumerate(names)}
_DIGIT = "[0-9\u0e50-\u0e59]"
# longest names first so "มกราคม" is not read as a prefix of something shorter
_MONTH_ALT = "|".join(re.escape(m) for m in sorted(_MONTH_NUMBER, key=len, reverse=True))
_DATE = re.compile(
    rf"(?<![0-9\u0e50-\u0e59])({_DIGIT}{{1,2}})\s*({_MONTH_ALT})\s*(?:พ\.ศ\.|ค\.ศ\.)?\s*({_DIGIT}{{4}}|{_DIGIT}{{2}})(?![0-9\u0e50-\u0e59])"
)
_BE_YEAR = re.compile(rf"(?:พ\.ศ\.|พุทธศักราช|ปี)\s*({_DIGIT}{{4}})(?![0-9\u0e50-\u0e59])")
_TO_ARABIC = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def _int(s: str) -> int:
    return int(s.translate(_TO_ARABIC))


def to_gregorian_year(year: int) -> int:
    """A year as written in Thai text → CE. Four-digit years ≥ 2400 are Buddhist era; two-digit
    years (as in "23 ม.ค. 68") are the last digits of a Buddhist-era year; others are already CE."""
    if year < 100:
        year += 2500
    return year - BE_OFFSET if year >= 2400 else year


def find_dates(text: str) -> list[tuple[int, int, dt.date, bool]]:
    """Every valid day-month-year date: (start, end, Gregorian date, written in Buddhist era)."""
    out = []
    for m in _DATE.finditer(text):
        day, month, raw_year = _int(m.group(1)), _MONTH_NUMBER[m.group(2)], _int(m.group(3))
        year = to_gregorian_year(raw_year)
        try:
            out.append((m.start(), m.end(), dt.date(year, month, day), year != raw_year))
        except ValueError:  # 31 กุมภาพันธ์ and the like: not a date
            continue
    return out


def buddhist_era_years(text: str) -> list[int]:
    """Years introduced by พ.ศ./ปี written in the Buddhist era (2400–2700), in order of mention."""
    return [y for y in (_int(m.group(1)) for m in _BE_YEAR.finditer(text)) if 2400 <= y <= 2700]


def date_metadata(text: str) -> dict:
    """Metadata for a Thai document: ``date_gregorian`` (ISO, first full date), ``date_text`` (as
    written), ``date_buddhist_era`` (whether its year was BE) and ``buddhist_era_years`` (CE
    conversions of BE year mentions). Empty when nothing is found."""
    meta: dict = {}
    dates = find_dates(text)
    if dates:
        start, end, date, was_be = dates[0]
        meta.update(date_gregorian=date.isoformat(), date_text=text[start:end], date_buddhist_era=was_be)
    years = buddhist_era_years(text)
    if years:
        meta["buddhist_era_years"] = sorted({y - BE_OFFSET for y in years})
    return meta
