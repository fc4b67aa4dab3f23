"""The kind of answer a question wants, and whether a sentence can give it: one set of rules, used everywhere.

"门票多少钱" wants a number; a sentence without one ("开展迎大运系列活动") may
be about the topic but cannot answer it, however close it is in meaning. The
kinds that can be told from the text alone are recognised: a number (多少,
几个, 多大, 多久 …), an amount of money (多少钱, 票价是多少, 费用多少 …: a number
in 元, or 免费) and a time (哪一年, 何时, 哪天 …). Other questions want anything.

Not every numeral is a quantity. ``non_quantities`` finds those that name or
order rather than count: a document number (国办发〔2009〕3号), a date or a
clock time, a year, an ordinal (第三次), the name of a party congress or
plenum (二十大, 十九届三中全会), a five-year plan (十四五) and a heading's or
list item's own number. ``quantity_text`` blanks them out (offsets kept), so
a reader of values (5%左右, 64697亿元) can run on what is left.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from enum import Enum

from govqa.index.simplified import to_simplified
from govqa.qa import numerals
from govqa.qa.question import YEAR_MENTION


class Wants(Enum):
    """What a question asks for."""

    ANYTHING = "anything"
    NUMBER = "number"
    MONEY = "money"  # a number that is an amount of money: "13处新建场馆" does not say what a ticket costs
    TIME = "time"


# "哪几个" asks for a list, not a count, so 几 after 哪 is left out.
_NUMBER_QUESTION = re.compile(
    r"多少|(?<!哪)几[个项条家所辆次年天岁名位座处万千百十亿倍成]|多大|多长|多高|多远|多久|多重|多快"
)
# Only a question that asks how much: "隔离费用由谁承担" asks who, "收费标准是什么" may be a rule.
_MONEY_QUESTION = re.compile(
    r"多少钱|几块钱|多少元|几元|(?:价格|票价|价钱|费用|花费|收费(?:标准)?)(?:是|为|要|需要)?多少"
)
_TIME_QUESTION = re.compile(r"哪一?年|何年|何时|什么时候|什么时间|哪天|哪一天|几月|几号|哪个月")
_CHINESE_NUMERAL = "〇零一二三四五六七八九十百千万亿两"
_NUMERAL = rf"[{_CHINESE_NUMERAL}0-9]"
# Arabic digits, a percentage in words, a half; Chinese-numeral amounts are ``numerals.amounts``
# ("一千一百零八万", "六点二", "三成"; not 一些, 一二三产业 or a lone 千 of 千方百计).
_NUMBER = re.compile(r"[0-9%]|百分之|一半|过半|半数")
# An amount of money: a numeral then (a magnitude and) a currency, or free of charge.
_MONEY = re.compile(
    rf"(?:[0-9]|{_NUMERAL}{{2,}}|[一两二三四五六七八九十半])\s*[多余]?\s*[十百千万亿]*\s*(?:元|块钱|美元|欧元)|免费"
)
_TIME = re.compile(rf"[0-9]|[{_CHINESE_NUMERAL}]{{2,}}年|今年|明年|去年|年底|年初|年内|月|日")

# Numerals that name or order, not count. Brackets of document numbers come in
# many shapes, including those of a mis-decoded 〔〕 („‟).
_NON_QUANTITIES = tuple(
    re.compile(p)
    for p in (
        # A heading's or list item's own number at the start: "6 全力保障…", "（三）…", "二、…", "第一章".
        r"^\s*(?:[-·•]\s*)?(?:\d{1,2}(?:[\s、.．]|$)|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)",
        # Document numbers (发文字号), GB/T 7714: 机关代字 + 〔年份〕 + 序号 + 号.
        r"[\u4e00-\u9fff]{0,12}[〔［\[【(（„‚«〈]\s*(?:19|20)\d\d\s*[〕］\]】)）‟‛»〉]\s*(?:第\s*)?\d{1,5}\s*号",
        # Dates and clock times: 2019-05-14, 2019/5/14, 5月14日, 10:45(:55).
        r"(?:19|20)\d\d[-/.]\d{1,2}(?:[-/.]\d{1,2})?",
        rf"(?<![0-9]){_NUMERAL}{{1,3}}月(?:份)?(?:{_NUMERAL}{{1,3}}[日号])?",
        r"(?<![0-9个])\d{1,2}[日号](?![0-9])",
        r"(?<![0-9])\d{1,2}:\d{2}(?::\d{2})?(?![0-9:])",
        # Ordinals and sessions: 第三次, 第十四届; 十九届四中全会; 二十大; 十四五.
        rf"第{_NUMERAL}+",
        rf"{_NUMERAL}+届(?:{_NUMERAL}+中全会)?|[一二三四五六七八九]中全会",
        r"(?:十[一二三四五六七八九]|二十[一二三四五六七八九]?)大",
        r"十[一二三四五六七八九]五|[六七八九]五(?=规划|计划|时期|期间|”|\")",
    )
)


# "哪些", "哪几个", "哪五个", "哪八个方面": the answer is several items, often over several sentences.
_LIST_QUESTION = re.compile(r"哪些|哪几|哪[两二三四五六七八九十]+[个项条家种类大方]")


def asks_for_list(question: str) -> bool:
    """Does ``question`` ask for several items ("大运会新建场馆有哪些", "哪五个产业")?"""
    return bool(_LIST_QUESTION.search(to_simplified(question)))


def wants(question: str) -> Wants:
    """What ``question`` asks for: a time, an amount of money, a number, or anything."""
    question = to_simplified(question)
    if _TIME_QUESTION.search(question):
        return Wants.TIME
    if _MONEY_QUESTION.search(question):
        return Wants.MONEY
    if _NUMBER_QUESTION.search(question):
        return Wants.NUMBER
    return Wants.ANYTHING


def non_quantities(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each numeral mention in ``text`` that is not a quantity (see the module's docstring).

    Years are those of ``question.YEAR_MENTION`` (2024年, 一九五八年). Offsets
    index ``text`` itself; mentions may overlap.
    """
    for pattern in (*_NON_QUANTITIES, YEAR_MENTION):
        for match in pattern.finditer(text):
            if match.end() > match.start():
                yield match.start(), match.end()


def quantity_text(text: str) -> str:
    """``text`` with its non-quantities replaced by spaces: same length, so offsets still hold."""
    chars = list(text)
    for start, end in non_quantities(text):
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def has_quantity(text: str) -> bool:
    """Does ``text`` state a quantity: a number that is not a year, date, name, ordinal or document number?"""
    text = unicodedata.normalize("NFKC", to_simplified(text))
    # Blanking the non-quantities only removes numbers: a text without one needs no blanking.
    return _has_number(text) and _has_number(quantity_text(text))


def _has_number(text: str) -> bool:
    return bool(_NUMBER.search(text)) or bool(numerals.amounts(text))


def can_answer(sentence: str, wanted: Wants) -> bool:
    """Can ``sentence`` give the kind of answer wanted? A number question needs a quantity (``has_quantity``).

    A year says when, not how much: "2024年四川GDP是多少" is not answered by
    the line "2025年四川省政府工作报告", nor by a sentence whose only number
    is a document number (国办发〔2009〕3号).
    """
    if wanted is Wants.NUMBER:
        return has_quantity(sentence)
    if wanted is Wants.MONEY:
        plain = unicodedata.normalize("NFKC", to_simplified(sentence))
        return bool(_MONEY.search(quantity_text(plain)))
    if wanted is Wants.TIME:
        return bool(_TIME.search(unicodedata.normalize("NFKC", to_simplified(sentence))))
    return True
