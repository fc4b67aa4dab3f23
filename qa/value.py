"""Value reading: the quantity an answer sentence states, as written and as numbers.

"地区生产总值增长5.0%—5.5%，固定资产投资增长5%左右" read for 地区生产总值 gives
``Value("5.0%—5.5%", 5.0, 5.5, "%", "")``. A value is a number (Arabic or
Chinese numerals; a percentage also in words, 百分之八至九), or a range of two
joined by —, -, ～, ~, 至 or 到, with
its unit (magnitude words such as 万 and 亿 belong to the unit: ``64697亿元``
is 64697 with unit 亿元) and its qualifier (左右, 以上, 以内 …).

Whether a sentence can answer a number question at all is ``answer_type``'s
rule; the rules of which numbers in it are no values (years, dates, document
numbers, ordinals and names such as 十四五 or 二十大) are all in this module,
in ``_NOT_VALUES`` and ``_is_name``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from govqa.qa import answer_type, numerals

_FULL_WIDTH = str.maketrans("０１２３４５６７８９％．－～", "0123456789%.-~")
_CN_NUMERAL = "〇零一二两三四五六七八九十百千"

# Digits may stand one space apart ("7 4 7 7 2 亿元"): some converted reports space them out.
_ARABIC = r"\d(?: ?\d)*(?:,\d{3})*(?:\.\d+)?"
# A Chinese numeral ("二百零六亿", "一万二千", "六点二", "两倍"): which runs count is ``numerals.counts``.
_NUMBER = rf"(?:{_ARABIC}|{numerals.AMOUNT})"
_MAGNITUDE = r"(?:万亿|亿|万|千)"
# Units as reports write them, longest first where one starts another.
_UNIT_WORDS = (
    "个百分点|百分点|%|‰|美元|元|人次|人|平方公里|平方米|立方米|公里|千米|米|亩|公顷|吨|公斤|千克|斤|"
    "千瓦时|千瓦|户|辆|个月|个|家|所|项|倍|"
    + numerals.SHARE
    + "|座|套|件|台|次|天|条|处|艘|架|头|张|名|位|批|种|场|份|床|岁|年"
)
_UNIT = rf"(?:{_MAGNITUDE}?(?:{_UNIT_WORDS})|{_MAGNITUDE})"
_QUALIFIER_AFTER = r"(?:左右|以上|以下|以内|之内|上下|多|余)"
_QUALIFIER_BEFORE = r"(?:不低于|不高于|不少于|不超过|超过|高于|低于|约|近)"
_RANGE_JOIN = r"\s*(?:—|–|-|～|~|至|到)\s*"
_VALUE = re.compile(
    rf"(?P<before>{_QUALIFIER_BEFORE})?(?P<low>{_NUMBER})(?:\s*(?P<unit1>{_UNIT}))?"
    rf"(?:{_RANGE_JOIN}(?P<high>{_NUMBER})(?:\s*(?P<unit2>{_UNIT}))?)?(?P<after>{_QUALIFIER_AFTER})?"
)
# Percentages in words, as older reports write them: 百分之五, 百分之六点七, 百分之八至九.
_WORD_NUMBER = rf"[{_CN_NUMERAL}]+(?:点[〇零一二三四五六七八九]+)?"
_PERCENT_WORDS = re.compile(
    rf"(?P<before>{_QUALIFIER_BEFORE})?百分之(?P<low>{_WORD_NUMBER})"
    rf"(?:{_RANGE_JOIN}(?:百分之)?(?P<high>{_WORD_NUMBER}))?(?P<after>{_QUALIFIER_AFTER})?"
)
# A digit in words (not a magnitude: "1,200万元" is written in digits).
_HAS_CHINESE_NUMERAL = re.compile("[〇零一二两三四五六七八九十]")
_YEAR = r"(?:1 ?9 ?[4-9] ?\d|2 ?0 ?\d ?\d)"

# Stretches whose numbers are never values. Each rule is written once, here.
_NOT_VALUES = re.compile(
    "|".join(
        (
            r"[\u4e00-\u9fff]{0,6}[〔\[【（(]\s*(?:19|20)\d\d\s*[〕\]】）)]\s*\d+\s*号",  # document number: 国办发〔2009〕3号
            rf"{_YEAR}(?:\s*(?:—|–|-|～|~|至|到)\s*{_YEAR})?\s*年(?:度)?",  # a year or span of years
            r"[〇零一二三四五六七八九]{4}年",  # a year in Chinese numerals: 一九五八年
            r"\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?|\d{1,2}\s*[日号]",  # a date
            rf"第\s*(?:{_ARABIC}|[{_CN_NUMERAL}]+)",  # an ordinal: 第二十, 第3
            rf"[{_CN_NUMERAL}]+(?:大|届|中全会|五(?=规划|时期|期间|末|”|\"))",  # 二十大, 十四届, 三中全会
            r"[“\"][^”\"]{0,6}[”\"]",  # a short quoted name: “十四五”, “双11”
        )
    )
)
# A heading's or list item's own number.
_ENUMERATION = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、|\d{1,2}[、.．](?!\d))"
)
# Clause ends: the words that say what a value is about stand in its own clause.
_CLAUSE_END = "，,；;。：:、！？\n"
_WINDOW = 30

# Words that ask for a quantity even without 多少: "国内生产总值增长目标".
_QUANTITY_WORDS = re.compile(
    r"目标|增长|增速|增幅|下降|比重|占比|比例|总量|规模|产量|总值|增加值|收入|人数|金额|投资|指标|率|多少"
)


@dataclass(frozen=True)
class Value:
    """A quantity read from a sentence.

    ``text`` is the value as written ("5.0%—5.5%", "7%以上"); ``low``/``high``
    its number(s) in the written unit (equal for one number); ``unit`` as
    written with its magnitude ("%", "亿元", "万人"; "" when none);
    ``qualifier`` the word that bounds it ("左右", "以上", "以内", "约"; "" when
    none); ``start``/``end`` its offsets in the sentence.
    """

    text: str
    low: float
    high: float
    unit: str
    qualifier: str
    start: int
    end: int

    @property
    def figure(self) -> str:
        """The value in Arabic digits, as a report would write it: "二百零六亿元" → "206亿元",
        "百分之六点二" → "6.2%", "约二十亿元" → "约20亿元"; a value written in digits is ``text`` itself."""
        if not _HAS_CHINESE_NUMERAL.search(self.text):
            return self.text
        number = _digits(self.low) if self.low == self.high else f"{_digits(self.low)}—{_digits(self.high)}"
        if re.fullmatch(_QUALIFIER_AFTER, self.qualifier):
            return f"{number}{self.unit}{self.qualifier}"
        return f"{self.qualifier}{number}{self.unit}"


def _digits(number: float) -> str:
    """1763.0 → "1763", 17.63 → "17.63" (no exponent, no trailing zeros)."""
    return f"{number:.6f}".rstrip("0").rstrip(".")


def asks_quantity(question: str) -> bool:
    """Does ``question`` ask for a quantity (多少, 几个, or words such as 目标, 增长, 比重, 产量)?"""
    wanted = answer_type.wants(question)
    return wanted in (answer_type.Wants.NUMBER, answer_type.Wants.MONEY) or bool(_QUANTITY_WORDS.search(question))


def values_in(sentence: str) -> list[Value]:
    """Every value written in ``sentence``, in text order (years, dates, document numbers and names left out)."""
    plain = sentence.translate(_FULL_WIDTH)  # one character for one: offsets stay valid
    if not answer_type.can_answer(sentence, answer_type.Wants.NUMBER):
        return []
    blocked = [m.span() for m in _NOT_VALUES.finditer(plain)]
    enumeration = _ENUMERATION.match(plain)
    if enumeration:
        blocked.append(enumeration.span())
    found = []
    for match in _PERCENT_WORDS.finditer(plain):
        found.append(_value(sentence, match, "%"))
        blocked.append(match.span())
    for match in _VALUE.finditer(plain):
        start, end = match.start("low"), match.end()
        if any(s < end and start < e for s, e in blocked) or _is_name(match) or not _counts(match, plain):
            continue
        found.append(_value(sentence, match))
    return sorted((v for v in found if v is not None), key=lambda v: v.start)


def read_value(sentence: str, terms: Sequence[str] = ()) -> Value | None:
    """The value of ``sentence`` that ``terms`` (the question's content words) are about, or None.

    Each value is scored by the question words in its own clause before it
    (up to 30 characters back, not past the previous value), and half as
    much for those after it in the clause; the best wins, the first on a tie.
    "地区生产总值增长5%左右，一般公共预算收入增长3%" read for 地区生产总值/增长 gives 5%左右.
    """
    values = values_in(sentence)
    if not values:
        return None
    plain = sentence.translate(_FULL_WIDTH)
    best, best_score = values[0], -1.0
    for i, value in enumerate(values):
        floor = max(values[i - 1].end if i else 0, value.start - _WINDOW)
        before = _clause_tail(plain[floor : value.start])
        until = values[i + 1].start if i + 1 < len(values) else len(plain)
        after = _clause_head(plain[value.end : until])
        score = _weight(terms, before) + 0.5 * _weight(terms, after)
        if score > best_score:
            best, best_score = value, score
    return best


def _weight(terms: Sequence[str], text: str) -> float:
    return float(sum(len(t) for t in set(terms) if t and t in text))


def _clause_tail(text: str) -> str:
    """The part of ``text`` after its last clause end, but past a colon ("目标是：地区…")."""
    cut = max(text.rfind(ch) for ch in _CLAUSE_END if ch not in "：:")
    tail = text[cut + 1 :]
    colon = max(tail.rfind("："), tail.rfind(":"))
    # "主要预期目标是：地区生产总值增长5%": the words before the colon still frame the value.
    return tail if colon < 0 else tail.replace("：", "").replace(":", "")


def _clause_head(text: str) -> str:
    cuts = [text.find(ch) for ch in _CLAUSE_END if text.find(ch) >= 0]
    return text[: min(cuts)] if cuts else text


def _is_name(match: re.Match) -> bool:
    """A Chinese numeral without unit, qualifier or range names rather than counts: 十四五, 一二三产业, 千方百计."""
    return not (
        match.group("low")[0].isdigit()
        or match.group("unit1")
        or match.group("unit2")
        or match.group("after")
        or match.group("high")
    )


def _counts(match: re.Match, text: str) -> bool:
    """A Chinese low (and high) must be an amount, not a word such as 一些 or 一个 (``numerals.counts``)."""
    for group in ("low", "high"):
        numeral = match.group(group)
        if numeral and not numeral[0].isdigit() and not numerals.counts(numeral, text[match.end(group) :][:2]):
            return False
    return True


def _value(sentence: str, match: re.Match, unit: str = "") -> Value | None:
    low, low_magnitude = _number(match.group("low"))
    high, high_magnitude = _number(match.group("high")) if match.group("high") else (low, low_magnitude)
    if low is None or high is None:
        return None
    groups = match.groupdict()
    # "二百零六亿元": the numeral's magnitude (亿) belongs to the unit, as in "206亿元".
    magnitude = high_magnitude or low_magnitude
    unit = unit or magnitude + (groups.get("unit2") or groups.get("unit1") or "")
    if (
        not unit
        and not match.group("after")
        and not match.group("before")
        and low == high
        and low.is_integer()
        and 1940 <= low <= 2099
    ):
        return None  # a bare four-digit year-like number ("2025" in a title) says when, not how much
    qualifier = match.group("after") or match.group("before") or ""
    start, end = match.start(), match.end()
    return Value(sentence[start:end], low, high, unit, qualifier, start, end)


def _number(text: str) -> tuple[float | None, str]:
    """An Arabic or Chinese numeral as a float in its magnitude, and that magnitude.

    "5.5" → (5.5, ""), "1,200" → (1200, ""), "一百二十" → (120, ""), "六点七" → (6.7, ""),
    "二百零六亿" → (206, "亿") (``numerals.in_magnitude``).
    """
    if text[0].isdigit():
        return float(text.replace(",", "").replace(" ", "")), ""
    read = numerals.in_magnitude(text)
    return read if read is not None else (None, "")
