"""Each sentence's time and kind: which year a figure speaks of, and whether it is a result or a target.

A 政府工作报告 of year Y reviews Y-1 (工作回顾: results, 完成/实现/达到) and sets
Y's tasks (主要预期目标, 工作安排: targets, 左右/力争/预期). So "地区生产总值
1.70万亿元" in a 2020 report is 2019's result, and "增长6%左右" under
"二、2020年工作安排" is 2020's target. Three things tell, strongest first:

1. the sentence's own words: a year it names ("2019年", "一九五八年"), a
   relative one (去年, 今年, 明年: against the report's year), a five-year
   plan period ("十四五"期间), and its markers of a target (预期目标, 力争,
   6%左右, 控制在) or of a result (完成, 达到, 比上年增长, 一年来);
2. its section: a review ("一、2024年工作回顾", "过去五年的回顾",
   "一、1990年计划的执行情况") or a plan ("二、2025年工作安排",
   "三、2017年重点工作任务", "二、“十三五”时期主要目标任务") — titles of the
   national reports 1954–2017 and the provincial 2025/2026 reports;
3. its report's year: a review is of the year before, a plan of the year itself.

Everything is read from stored fields (the text, the section path, the
report's year) at question time: nothing is embedded and the index format
does not change.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import Enum

from govqa.index.context import SECTION_SEPARATOR
from govqa.index.simplified import to_simplified
from govqa.qa.question import YEAR_MENTION, years_in


class Kind(Enum):
    """What a sentence states about its figures."""

    RESULT = "result"  # what was done: 完成, 达到, 比上年增长
    TARGET = "target"  # what is to be done: 预期目标, 力争, 6%左右
    UNKNOWN = "unknown"

    @property
    def zh(self) -> str:
        """The word the page shows: 实际完成值 / 预期目标 / "" (unknown)."""
        return {"result": "实际完成值", "target": "预期目标", "unknown": ""}[self.value]


@dataclass(frozen=True)
class Fact:
    """The time and kind of one sentence.

    ``years`` are the years it speaks of (empty: nothing tells); ``period``
    is True when it speaks of several years at once ("十四五"期间, 五年来,
    年均), so it does not state one year's figure unless it names that year.
    ``named`` is True when the sentence itself names a year it speaks of.
    """

    years: frozenset[int]
    kind: Kind
    period: bool = False
    named: bool = False

    def about(self, years: tuple[int, ...] | frozenset[int]) -> bool:
        """Can this sentence state a figure of one of ``years``? True when either side does not tell.

        A sentence of a period that names no year speaks of the period's last year only.
        """
        if not years or not self.years:
            return True
        if self.period and not self.named:
            # A period's review states levels as at its end ("每百户拥有家用汽车21.5辆" in the review of 2008–2012).
            return max(self.years) in years
        return bool(self.years & set(years))


# Five-year plans (计划 to the 十五, 规划 since the 十一五): the first ran 1953–1957, the second 1958–1962,
# the third began in 1966 after three years of adjustment, and each since has run five years.
_FIVE_YEAR_PLAN = re.compile(
    r"[“\"「]?(十[一二三四五]|[六七八九十])五[”\"」]?(?=规划|计划|时期|期间|以来|末|[”\"」])"
    r"|第([一二三四五六七八九十]{1,3})个五年(?:计划|规划)"
)
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def plan_years(number: int) -> range:
    """The years of the ``number``-th five-year plan: 1 → 1953–1957, 2 → 1958–1962, 3 → 1966–1970, 14 → 2021–2025."""
    if number == 1:
        return range(1953, 1958)
    if number == 2:
        return range(1958, 1963)
    start = 1966 + 5 * (number - 3)
    return range(start, start + 5)


def _chinese_number(text: str) -> int:
    """一 … 十五 → 1 … 15."""
    if text.startswith("十"):
        return 10 + (_NUMERALS[text[1]] if len(text) > 1 else 0)
    return _NUMERALS[text]


def plan_periods(text: str) -> set[int]:
    """The years of the five-year plans ``text`` names: "“十四五”时期" → 2021–2025, "第一个五年计划" → 1953–1957."""
    years: set[int] = set()
    for match in _FIVE_YEAR_PLAN.finditer(text):
        numeral = match.group(1) or match.group(2)
        if len(numeral) <= 2:
            years.update(plan_years(_chinese_number(numeral)))
    return years


# Section titles: a review of the past, or the plans ahead.
_REVIEW_SECTION = re.compile(r"回顾|执行情况|完成情况|成就|过去|[一二三五两]年来|决算|工作总结")
_PLAN_SECTION = re.compile(
    r"任务|安排|部署|目标|(?<!的)计划(?!执行)|要求|方针|建议|重点工作|今后|预算|规划|努力做好|奋斗|打算|展望"
)
_CARRIED_OUT = re.compile(r"计划的?(?=执行)")
# Sentence markers, each a clear sign on its own; a sentence with signs of both kinds is left to its section.
_TARGET_WORDS = re.compile(
    r"预期目标|主要目标|目标(?:是|为)|力争|争取|[0-9%０-９]\s*左右|百分之[一二三四五六七八九十点]+左右|控制在|以内|"
    r"计划(?!单列|生育|经济)|拟|预期(?!寿命)|将(?:达到|实现|完成|增长|新增|建成)"
)
_RESULT_WORDS = re.compile(
    r"比上年|比去年|同比|较上年|完成了|实现了|达到了|增加了|增长了|提高了|下降了|[一二三五两]年来|过去一年|过去五年|"
    r"去年|上年|累计|超额完成|全年完成|如期完成|圆满完成|已经|已(?=[\u4e00-\u9fff])|首次|突破|取得"
)
# Several years at once: a plan period, the years since, a growth averaged over years ("年均浓度" is one year's mean).
_PERIOD_WORDS = re.compile(r"期间|时期|年均增|年平均增|[二三四五两十]年来|过去五年|五年间")
# Relative years, against the report's: 比上年 compares and names none (as in ``question``).
_RELATIVE = re.compile(r"(?<![比较])(今年|本年|去年|上一年|上年|前年|明年)")
_OFFSETS = {"今年": 0, "本年": 0, "去年": -1, "上一年": -1, "上年": -1, "前年": -2, "明年": 1}
# A year after 比/较/从/与 is a baseline ("比2020年增长", "从2020年的645元"), not the year spoken of.
_BASELINE = re.compile(r"(?:比|较|从|与|同)\s*$")
# Nor is one the figure is counted from: "2013年以来最好", "2020年起".
_SINCE = re.compile(r"\s*(?:以来|来|起|至今)")


@dataclass(frozen=True)
class Frame:
    """What a section title says: the years it speaks of, its kind (a review, a plan, or neither), and
    whether those years are a period spoken of as a whole ("“十四五”时期", "过去五年")."""

    years: frozenset[int]
    kind: Kind
    period: bool = False


@functools.lru_cache(maxsize=4096)
def section_frame(section: str, report_year: int | None) -> Frame:
    """The frame of ``section`` (a path, " › " between levels): years and kind each from the outermost title telling it.

    "一、2024年工作回顾" → 2024, review; "二、2025年工作安排" → 2025, plan;
    "一、去年工作回顾" in a 2006 report → 2005, review; "过去五年的回顾" → the
    five years before the report; a title with words of both kinds
    ("一、1998年工作回顾和1999年工作的总体要求") → its years, kind unknown. The
    outer title wins: "一、2025年工作回顾 › （二）聚力落实国家重大战略任务" is a
    review, whatever its subsection's words.
    """
    years: frozenset[int] = frozenset()
    kind, period = Kind.UNKNOWN, False
    for title in (t for t in section.split(SECTION_SEPARATOR) if t.strip()):
        frame = title_frame(title, report_year)
        if not years and frame.years:
            years, period = frame.years, frame.period
        kind = frame.kind if kind is Kind.UNKNOWN else kind
    return Frame(years, kind, period)


def title_frame(title: str, report_year: int | None) -> Frame:
    """The frame of one heading (see ``section_frame``)."""
    title = to_simplified(title)
    # A plan's name ("第二个五年计划", "“十四五”时期") and "计划的执行" say nothing of the title's kind.
    words = _CARRIED_OUT.sub("", _FIVE_YEAR_PLAN.sub("", title))
    review, plan = bool(_REVIEW_SECTION.search(words)), bool(_PLAN_SECTION.search(words))
    kind = Kind.RESULT if review and not plan else Kind.TARGET if plan and not review else Kind.UNKNOWN
    # A year named wins over a plan period: "第二个五年计划的第二年——一九五九年" is 1959.
    years = set(years_in(title))
    period = not years
    years = years or plan_periods(title)
    if report_year is not None:
        years |= {report_year + _OFFSETS[w] for w in _RELATIVE.findall(title)}
        if not years and ("过去五年" in title or "五年来" in title or "五年的回顾" in title):
            years = set(range(report_year - 5, report_year))
        elif not years and ("过去一年" in title or "一年来" in title):
            years = {report_year - 1}
    return Frame(frozenset(years), kind, period and len(years) > 1)


def sentence_kind(sentence: str, frame_kind: Kind = Kind.UNKNOWN, past: bool = False) -> Kind:
    """A target or a result by the sentence's own markers; ``frame_kind`` (its section's) when they do not
    tell; failing both, a result when it names only years before its report's (``past``: "2019年，我们…实现
    地区生产总值1.70万亿元" in the 2020 report)."""
    target, result = bool(_TARGET_WORDS.search(sentence)), bool(_RESULT_WORDS.search(sentence))
    if target and not result:
        return Kind.TARGET
    if result and not target:
        return Kind.RESULT
    if frame_kind is Kind.UNKNOWN and past and not target:
        return Kind.RESULT
    return frame_kind


def named_years(sentence: str, report_year: int | None) -> set[int]:
    """The years ``sentence`` speaks of by name: written ones (not baselines after 比/从) and 去年/今年/明年 resolved."""
    years = set()
    for match in YEAR_MENTION.finditer(sentence):
        if _BASELINE.search(sentence[max(0, match.start() - 2) : match.start()]) or _SINCE.match(sentence, match.end()):
            continue
        years |= years_in(match.group(0))
    if report_year is not None:
        years |= {report_year + _OFFSETS[w] for w in _RELATIVE.findall(sentence)}
    return years


def years_text(years: frozenset[int], dash: str = "-") -> str:
    """A fact's years as one span: "2019", "2021-2025" (``dash`` between the ends), "" when unknown."""
    if not years:
        return ""
    low, high = min(years), max(years)
    return str(low) if low == high else f"{low}{dash}{high}"


# Cached: the ranking reads a chunk's sentences and the verdict the same sentences again in its passages.
@functools.lru_cache(maxsize=8192)
def sentence_fact(sentence: str, frame: Frame, report_year: int | None) -> Fact:
    """The time and kind of ``sentence`` under ``frame`` (its section's, or a heading's inside the passage).

    Years: those it names, else its plan period, else its frame's, else its
    report's (a review speaks of the year before, a plan of the year itself,
    a sentence of neither of the two). Years named that all come before the
    frame's are references as often as not ("刷新2013年新标准实施以来的最好水平"
    in the review of 2019): the frame's years count too.
    """
    sentence = to_simplified(sentence)
    named = named_years(sentence, report_year)
    past = bool(named) and report_year is not None and max(named) < report_year
    kind = sentence_kind(sentence, frame.kind, past)
    period = bool(_PERIOD_WORDS.search(sentence))
    framed = plan_periods(sentence)
    period = period or bool(framed) or (not framed and frame.period)
    framed = framed or set(frame.years)
    if not framed and report_year is not None:
        framed = {report_year - 1} if kind is Kind.RESULT else {report_year} if kind is Kind.TARGET else set()
        if kind is Kind.UNKNOWN:
            framed = {report_year - 1, report_year}
    if not named:
        return Fact(frozenset(framed), kind, period, False)
    if framed and max(named) < min(framed):
        return Fact(frozenset(named | framed), kind, period, True)
    return Fact(frozenset(named), kind, period, True)


def passage_facts(
    text: str, spans: list[tuple[int, int]], section: str, report_year: int | None, is_heading
) -> list[Fact]:
    """The fact of each sentence span of a passage, in order; a heading inside the passage starts a new frame.

    ``is_heading(sentence)`` tells a heading ("二、2025年工作安排") from a
    sentence: the sentences after it are framed by it, not by the passage's
    section (the section path is that of the passage's first line).
    """
    frame = section_frame(section, report_year)
    facts = []
    for start, end in spans:
        sentence = text[start:end]
        if is_heading(sentence):
            inner = title_frame(sentence, report_year)
            if inner.years or inner.kind is not Kind.UNKNOWN:
                frame = inner
        facts.append(sentence_fact(sentence, frame, report_year))
    return facts
