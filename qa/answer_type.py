"""The kind of answer a question wants, and whether a sentence can give it.

"门票多少钱" wants a number; a sentence without one ("开展迎大运系列活动") may
be about the topic but cannot answer it, however close it is in meaning. Only
the two kinds that can be told from the text alone are recognised: a number
(多少, 几个, 多大, 多久 …) and a time (哪一年, 何时, 哪天 …). Other questions
want anything.
"""

from __future__ import annotations

import re
from enum import Enum

from qa.question import without_years


class Wants(Enum):
    """What a question asks for."""

    ANYTHING = "anything"
    NUMBER = "number"
    TIME = "time"


# "哪几个" asks for a list, not a count, so 几 after 哪 is left out.
_NUMBER_QUESTION = re.compile(r"多少|(?<!哪)几[个项条家所辆次年天岁名位座处万千百十亿倍成]|多大|多长|多高|多远|多久|多重|多快")
_TIME_QUESTION = re.compile(r"哪一?年|何年|何时|什么时候|什么时间|哪天|哪一天|几月|几号|哪个月")
_CHINESE_NUMERAL = "〇零一二三四五六七八九十百千万亿两"
# A heading's or list item's own number ("6 全力保障…", "（三）…", "二、…") counts nothing.
_ENUMERATION = re.compile(r"^\s*(?:[-·•]\s*)?(?:\d{1,2}(?:[\s、.．]|$)|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)")
# Chinese numerals count in runs ("一千一百零八万", "九十四"): a lone 千 or 百 is
# mostly an idiom (千方百计).
_NUMBER = re.compile(rf"[0-9０-９%％]|[{_CHINESE_NUMERAL}]{{2,}}|[一两二三四五六七八九十]倍|一半|过半|半数")
_TIME = re.compile(rf"[0-9０-９]|[{_CHINESE_NUMERAL}]{{2,}}年|今年|明年|去年|年底|年初|年内|月|日")


def wants(question: str) -> Wants:
    """What ``question`` asks for: a number, a time, or anything."""
    if _TIME_QUESTION.search(question):
        return Wants.TIME
    if _NUMBER_QUESTION.search(question):
        return Wants.NUMBER
    return Wants.ANYTHING


def can_answer(sentence: str, wanted: Wants) -> bool:
    """Can ``sentence`` give the kind of answer wanted? A number question needs a number besides any year.

    A year says when, not how much: "2024年四川GDP是多少" is not answered by
    the line "2025年四川省政府工作报告".
    """
    if wanted is Wants.NUMBER:
        return bool(_NUMBER.search(without_years(_ENUMERATION.sub("", sentence))))
    if wanted is Wants.TIME:
        return bool(_TIME.search(sentence))
    return True
