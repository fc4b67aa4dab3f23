"""Chinese-numeral amounts: where a text writes one, and its Arabic value.

Speech transcripts and older reports write their figures in words:
"地区生产总值达到二百零六亿元，增长百分之六点二", "新增就业一万二千人",
"社会消费品零售总额增长三成", "进出口总额是上年的两倍". These are quantities
as much as "206亿元" and "6.2%" are; this module says where they are
(``AMOUNT``, ``counts``) and what they are worth (``number``).

Numerals also name and order: 一带一路, 一些, 统一, 第一, 十四五, 三农, 两新一重,
一二三产业. So a run of numeral characters counts as an amount only when it
has a place word (十 百 千 万 亿: "二百零六", "十二", "一万"), or a decimal point
("六点二"), or stands right before 倍 or 成 ("两倍", "三成"); a run of digits
alone ("一二三", "三五") names. Ordinals, years and plan names are left out by
``answer_type.non_quantities``, not here.

The conversion is cn2an's (``cn2an.cn2an`` in its "normal" mode, which also
reads 两 and 〇): measured in docs/questions.md against chinese2digits; both
turn "一带一路" into "1带1路" when asked to convert a whole sentence, so only
the runs found here are handed to it.
"""

from __future__ import annotations

import functools
import re

import cn2an

DIGITS = "〇零一二两三四五六七八九"
_PLACES = "十百千"
_MAGNITUDES = "万亿"
# A run of numeral characters with an optional decimal part: "二百零六亿", "十七亿六千三百万", "一千二百三十四点五万".
_RUN = rf"[{DIGITS}{_PLACES}][{DIGITS}{_PLACES}{_MAGNITUDES}]*(?:点[{DIGITS}]+[{_MAGNITUDES}]*)?"
# 成 as a share ("三成", "七成以上"), not the first character of a word (成为, 成果, 成都…).
SHARE = r"成(?![为立果员本就效熟绩都交功长型片套])"
# A pattern for other modules' regular expressions: a candidate amount (``counts`` says whether it is one).
AMOUNT = _RUN
_AMOUNT = re.compile(AMOUNT)
_ONES = "一两二三四五六七八九"
_COUNTS = re.compile(rf"[{_PLACES}{_MAGNITUDES}点]")
_TRAILING_MAGNITUDE = re.compile(rf"[{_MAGNITUDES}]+$")
_SCALE = {"万": 1e4, "亿": 1e8, "万亿": 1e12}


def counts(run: str, following: str = "") -> bool:
    """Is the numeral ``run`` (as ``AMOUNT`` matched it) an amount? ``following`` is the text right after it.

    "二百零六", "十二", "一万", "六点二" count; "一二三" and "三五" (digits one by
    one) name; a lone character counts only as a digit before 倍 or 成 ("两倍",
    "三成"; not 十分, 千方百计, 一成不变).
    """
    if len(run) > 1:
        return bool(_COUNTS.search(run))
    # A lone character: 十分, 千方百计, 一成不变 are words; 两倍, 一倍, 三成 are amounts.
    return run in _ONES and (following[:1] == "倍" or (run != "一" and bool(re.match(SHARE, following))))


def amounts(text: str) -> list[tuple[int, int]]:
    """(start, end) of each Chinese-numeral amount in ``text``, in order (years and ordinals not left out)."""
    return [m.span() for m in _AMOUNT.finditer(text) if counts(m.group(), text[m.end() : m.end() + 2])]


@functools.lru_cache(maxsize=4096)
def number(numeral: str) -> float | None:
    """The value of a Chinese numeral, or None when it is not one.

    "二百零六" → 206.0, "一万二千" → 12000.0, "六点二" → 6.2, "两" → 2.0,
    "十七亿六千三百万" → 1763000000.0, "一千二百三十四点五万" → 12345000.0
    (a decimal before 万 or 亿, which cn2an does not read, is scaled here).
    """
    if not numeral:
        return None
    magnitude = _TRAILING_MAGNITUDE.search(numeral)
    head = numeral[: magnitude.start()] if magnitude else numeral
    if magnitude and "点" in head and head and magnitude.group() in _SCALE:
        value = _convert(head)
        return None if value is None else value * _SCALE[magnitude.group()]
    return _convert(numeral)


def _convert(numeral: str) -> float | None:
    try:
        return float(cn2an.cn2an(numeral, "normal"))
    except (ValueError, KeyError, IndexError):
        return None


def in_magnitude(numeral: str) -> tuple[float, str] | None:
    """The value of ``numeral`` in the magnitude a report would write it with, and that magnitude ("" for none).

    "二百零六亿" → (206.0, "亿"), "一千八百万" → (1800.0, "万"), "十七亿六千三百万"
    → (17.63, "亿") (the largest magnitude named), "四万一千" → (41000.0, "")
    (a magnitude inside the numeral, not at its end, is part of the count).
    """
    value = number(numeral)
    if value is None:
        return None
    magnitude = _TRAILING_MAGNITUDE.search(numeral)
    if not magnitude:
        return value, ""
    largest = "万亿" if "万亿" in numeral else "亿" if "亿" in numeral else "万"
    return round(value / _SCALE[largest], 6), largest
