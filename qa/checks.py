"""What a question asks beyond its topic, and whether an answer sentence meets it: the verdict's constraints.

Closeness in meaning cannot tell "2019年国内生产总值实际增长多少" from the 2019
*target* it finds, nor 1959's actual steel output from its plan, nor 昆山's
figure from 江苏's. So besides the similarity, an answer sentence must meet
each constraint the question sets, read from the question's words:

- **year**: the years asked about (written, or 去年 resolved against the
  sentence's report) are among those the sentence speaks of (``qa.facts``);
- **kind**: a question asking for a result (实际, 完成, 达到了, 增长了多少)
  is not answered by a target (预期目标, 左右), nor one asking for a target
  (目标, 计划, 预期) by a result;
- **place**: a place the question names that no indexed report is of
  (昆山, 曼谷: ``jieba.posseg``'s place names) appears in the passage;
- **unit**: a question asking "多少人" or "多少亿元" is answered by a number
  in people or in yuan, not by "6.8级" or "4%";
- **subject**: a sentence answering a quantity question holds enough of the
  question's content words (the metric: 最低工资, 遇难), with synonyms and
  繁簡 folded;
- **item**: a question asking for an item by its place ("第15项", "第七件") is
  answered by the sentence that is that item (``qa.ordinal``);
- **term**: each part of a keyword query, and the thing a where-question
  asks about ("门票在哪里购买": 门票), is named in the passage;
- **attachment**: a question about "附件2" is answered from a passage of, or
  naming, attachment 2 (ingest titles each attachment's section by its 附件 line).

Each check met or failed is part of the answer (``Answer.checks``), and the
first one failed by the closest sentence is the not-found reason.
"""

from __future__ import annotations

import datetime
import functools
import re
import threading
from dataclasses import dataclass

from govqa.index.keyword import query_terms
from govqa.index.simplified import to_simplified
from govqa.qa import answer_type, ordinal
from govqa.qa.facts import Fact, Kind, years_text
from govqa.qa.question import Question, content_terms, is_keyword_query, short_name
from govqa.qa.synonyms import comparable
from govqa.qa.value import values_in

# A question asking for a target, or for a result; a target word wins ("计划完成多少" asks for the plan).
_TARGET_QUESTION = re.compile(
    r"目标|预期(?!寿命)|计划|打算|力争|争取|指标|规划|拟|安排|准备|[要将](?:达到|实现|完成|新增|建成|增长|新建)"
)
# "了" closing a question asks what has happened: "改善到什么程度了？".
_RESULT_QUESTION = re.compile(r"实际|完成|实现|达到|取得|了多少|最终|全年共|了[？?]?$")
# The unit asked for after 多少/几 (with a magnitude): each with the units a report may answer in.
_UNITS = {
    "人": ("人", "名", "人次"),
    "名": ("人", "名", "人次"),
    "元": ("元",),
    "吨": ("吨", "斤", "公斤", "千克"),
    "斤": ("吨", "斤", "公斤", "千克"),
    "公斤": ("吨", "斤", "公斤", "千克"),
    "亩": ("亩", "公顷"),
    "公顷": ("亩", "公顷"),
    "公里": ("公里", "千米"),
    "千米": ("公里", "千米"),
    "平方米": ("平方米", "平方公里"),
    "平方公里": ("平方米", "平方公里"),
    "立方米": ("立方米",),
    "千瓦": ("千瓦", "瓦"),
    "岁": ("岁",),
    "户": ("户",),
    "套": ("套",),
    "辆": ("辆",),
}
_UNIT_QUESTION = re.compile(
    r"(?:多少|几)[十百千万亿]*(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")(?!民币|口|员|家|均)"
)
# A rate asked for: the answer is a percentage (or 百分之…, 个百分点, 成, 倍).
_RATE_QUESTION = re.compile(r"(?:增速|增幅|增长率|比重|占比|比例|[^效频汇利]率)(?:是|为|达到|有)?多少")
_RATE_UNITS = ("%", "个百分点", "成", "倍")
# Place names that are not places a report is of.
# Nor are continents and world regions: reports abbreviate them in names (中欧班列, 义新欧).
_NOT_PLACES = frozenset(
    "中国 全国 我国 国内 国外 国际 海外 境内 境外 全省 全市 全区 全县 本市 本省 各地 地方 城乡 城镇 农村 乡村 城市 "
    "东部 西部 中部 东北 沿海 内地 边境 山区 库区 老区 牧区 "
    "亚洲 欧洲 非洲 美洲 北美 南美 拉美 大洋洲 中东 中亚 东南亚 南亚 西亚 东亚 欧盟 东盟 世界 全球".split()
)
# Place words that name no one place: 周边城市, 沿线国家, 西部地区.
_GENERIC_PLACE = re.compile(r"周边|沿线|各国|各地|城市$|地区$|国家$|省份$|区域$")
# jieba tags many common words as places (东西, 上路, 确保安全): only a name with an administrative
# suffix, or a country's, is taken for a place.
_PLACE_NAME = re.compile(r"(?:省|市|县|区|州|盟|旗|镇|乡|村|岛|国)$")
# jieba.posseg's tags of the words that can name what is measured (the metric: 最低工资, 生产总值, 粮食产量):
# common nouns (n, nl, ng), verbal nouns (vn), fixed phrases (l) and abbreviations (j); not the names of
# places, people, organisations or things (ns, nr, nt, nz), which a figure's sentence need not repeat.
_SUBJECT_TAGS = frozenset(("n", "vn", "l", "j", "nl", "ng"))
# An indicator's name is a term of three characters or more (生产总值, 最低工资, 颗粒物, 常住人口): the reports
# name their indicators in these words, where a question's two-character nouns (老人, 单位) are as often its own.
_TERM_CHARS = 3
# A where-question ending in its verb ("门票在哪里购买", "大运村在哪里") asks about the noun before 在哪里:
# a passage that never names it (a ticket, a village) cannot say where it is. Words that may stand between
# the two are skipped: adverbs (d), conjunctions (c: jieba tags 可以 so), times (t) and modal verbs.
_WHERE_WORDS = frozenset(("哪里", "哪儿", "哪"))
_WHERE_VERBS = frozenset(("在", "去", "到"))
_WHERE_SKIPPED_TAGS = frozenset(("d", "c", "t"))
_MODALS = frozenset("可以 能 能够 应 应该 应当 需要 要 可 该 还 都".split())
_WHERE_OBJECT_TAGS = _SUBJECT_TAGS | {"nz", "nt"}
# Words that name no thing of their own ("具体内容在哪里能够查到" asks where the notice is published).
_WHERE_GENERIC = frozenset("内容 具体内容 详细内容 信息 详细信息 相关信息 详情 情况 地址 位置 地点 原文 全文".split())


@dataclass(frozen=True)
class Asked:
    """The constraints a question sets, read once per question.

    ``figure`` is True for a question asking for a quantity (多少, 几个): only
    then does a sentence's year count (a fact question's "1954年" names the
    report it asks about). ``keywords`` are the words to be found whole in the passage: the parts of a keyword query
    ("冰雪大世界", "大运会 场馆"), or what a where-question asks about (门票 of "门票在哪里购买": ``asked_where``). ``kind`` is the kind asked for (``Kind.UNKNOWN``: either); ``unit`` the
    answer's unit ("人", "元", "%": "" for none); ``subject`` the content words
    a quantity's sentence must hold (empty: not checked); ``outside`` the places
    named that no report is of; ``item`` the place in a list asked for ("第15项": 15), or None;
    ``attachment`` the number of the attachment asked about ("附件2": 2), or None.
    """

    kind: Kind
    unit: str
    subject: tuple[str, ...]
    outside: tuple[str, ...]
    figure: bool = True
    keywords: tuple[str, ...] = ()
    item: int | None = None
    attachment: int | None = None


@dataclass(frozen=True)
class Check:
    """One constraint on an answer sentence: ``name`` (year, kind, place, unit, subject), met or not, and what it saw."""

    name: str
    met: bool
    detail: str = ""

    def to_json(self) -> dict:
        """``{"name", "met", "detail"}``."""
        return {"name": self.name, "met": self.met, "detail": self.detail}


def asked_kind(question: str) -> Kind:
    """``Kind.TARGET`` for a question asking for a goal, ``Kind.RESULT`` for one asking what was done, else UNKNOWN."""
    if _TARGET_QUESTION.search(question):
        return Kind.TARGET
    if _RESULT_QUESTION.search(question):
        return Kind.RESULT
    return Kind.UNKNOWN


def asked_unit(question: str) -> str:
    """The unit of the answer asked for: "人" (多少人), "元" (多少亿元), "%" (增速是多少), or ""."""
    match = _UNIT_QUESTION.search(question)
    if match:
        return match.group(1)
    return "%" if _RATE_QUESTION.search(question) else ""


def has_unit(sentence: str, unit: str) -> bool:
    """Does ``sentence`` state a value in ``unit`` (or a unit a report writes for it: 名 for 人, 斤 for 吨)?"""
    if not unit:
        return True
    sentence = to_simplified(sentence)
    accepted = _RATE_UNITS if unit == "%" else _UNITS[unit]
    if unit == "%" and "百分之" in sentence:
        return True
    return any(value.unit.endswith(accepted) for value in values_in(sentence))


_posseg_lock = threading.Lock()


@functools.lru_cache(maxsize=1024)
def tagged(text: str) -> tuple[tuple[str, str], ...]:
    """``text`` cut into (word, part-of-speech tag) by ``jieba.posseg`` (tags of the ICTCLAS set: n, ns, v…)."""
    with _posseg_lock:  # jieba.posseg builds its tagger on first use; not thread-safe then
        import jieba.posseg

        return tuple((word, flag) for word, flag in jieba.posseg.cut(text))


def named_places(text: str) -> list[str]:
    """The place names (``ns``) jieba's part-of-speech tagger finds in ``text``, in order."""
    return [word for word, flag in tagged(text) if flag == "ns"]


def places_outside(question: Question, known_places: set[str]) -> tuple[str, ...]:
    """Places ``question`` names that no indexed report is of, and that are not a known place's short form.

    "江苏昆山市2025年地区生产总值" over provincial reports → ("昆山市",); 江苏 is a report's place.
    """
    known = {form for place in known_places | set(question.places) for form in (place, short_name(place))}
    out = []
    for place in named_places(question.simplified):
        if place in _NOT_PLACES or _GENERIC_PLACE.search(place) or not _PLACE_NAME.search(place):
            continue
        if any(place in k or k in place for k in known):
            continue
        out.append(place)
    return tuple(dict.fromkeys(out))


def asked_where(question: Question) -> str | None:
    """The thing a where-question ending in its verb asks about, or None: "成都大运会的门票在哪里购买" → 门票.

    Only when nothing but verbs and particles follow 在/去/到哪里: in "市民去哪里购买家禽" the noun before
    is who asks (市民) and what is bought comes after, so nothing is returned.
    """
    words = tagged(question.simplified)
    at = next(
        (i for i, (w, _) in enumerate(words) if w in _WHERE_WORDS and i > 0 and words[i - 1][0] in _WHERE_VERBS),
        None,
    )
    if at is None or any(not f.startswith(("v", "y", "u", "x")) for _, f in words[at + 1 :]):
        return None
    before = at - 2
    while before >= 0 and (words[before][1] in _WHERE_SKIPPED_TAGS or words[before][0] in _MODALS):
        before -= 1
    if before < 0:
        return None
    word, flag = words[before]
    thing = flag in _WHERE_OBJECT_TAGS and len(word) >= 2 and word not in _WHERE_GENERIC
    return comparable(word) if thing else None


def subject_terms(question: Question, terms: list[str]) -> tuple[str, ...]:
    """The question's content words of ``_TERM_CHARS`` or more inside a noun of it: the indicator a quantity is of.

    "贵州2025年上调后的月最低工资标准是多少钱" → 最低工资; the verbs and
    modifiers (上调, 平均, 能活) say how it is asked, and two-character nouns
    (老人, 单位) are as often the asker's words as the report's.
    """
    text = question.simplified
    nouns = [comparable(w) for w, flag in tagged(text) if flag in _SUBJECT_TAGS]
    return tuple(
        t for t in content_terms(question, terms) if len(t) >= _TERM_CHARS and any(t in noun for noun in nouns)
    )


def ask(question: Question, terms: list[str], known_places: set[str], this_year: int | None = None) -> Asked:
    """The constraints ``question`` sets (``terms``: its ``match_terms``).

    A quantity of a year that has ended (before ``this_year``, default the
    current one), or of 去年, asked without a word of the plan, asks for the
    result: "2016年国内生产总值是多少" is not answered by the 2016 target.
    """
    text = question.simplified  # a 繁體 question: 達到 asks what 达到 asks
    wanted = answer_type.wants(text)
    quantity = wanted in (answer_type.Wants.NUMBER, answer_type.Wants.MONEY)
    kind = asked_kind(text)
    this_year = this_year or datetime.date.today().year
    past = (question.years and max(question.years) < this_year) or any(o < 0 for o in question.relative_years)
    if quantity and kind is Kind.UNKNOWN and past:
        kind = Kind.RESULT
    if is_keyword_query(question):
        keywords = tuple(comparable(part) for part in question.asking.split())
    else:
        keywords = tuple(filter(None, [asked_where(question)]))
    # A year's figure is stated under its indicator's name (地区生产总值, 最低工资); the wording of a
    # measure without a year (热线电话, 可延长多久) varies from notice to notice.
    stated = quantity and bool(question.years or question.relative_years)
    return Asked(
        kind,
        asked_unit(text),
        subject_terms(question, terms) if stated else (),
        places_outside(question, known_places),
        quantity,
        keywords,
        ordinal.asked_item(text),
        ordinal.asked_attachment(text),
    )


def subject_share(subject: tuple[str, ...], text: str) -> float:
    """Share of the subject words (by length, the longest forms: 生产总值 not also 生产) that ``text`` holds; 1.0 without any."""
    words = [t for t in subject if not any(t != o and t in o for o in subject)]
    total = sum(len(t) for t in words)
    if not total:
        return 1.0
    text = comparable(text)

    def held(word: str) -> bool:
        # A compound the sentence splits ("粮食产量" in "粮食总产量") is held when each of its words is.
        parts = [t for t in query_terms(word) if t != word and len(t) >= 2]
        return word in text or (bool(parts) and all(p in text for p in parts))

    return sum(len(t) for t in words if held(t)) / total


def check(
    asked: Asked,
    years: tuple[int, ...],
    sentence: str,
    fact: Fact,
    passage: str,
    min_subject: float,
    regional: bool = True,
) -> tuple[Check, ...]:
    """Each constraint of ``asked`` on ``sentence`` (of ``fact``, in ``passage``); ``years`` are those asked of its report.

    ``passage`` (its title, section and text) is in ``synonyms.comparable`` form, folded once per passage
    by the caller, not once per sentence.

    ``regional`` is False for a document of unknown region ("市政府关于…",
    "我市…"): it may be of the place asked about without naming it, so the
    place is not checked.
    """
    shown = years_text(fact.years, "—")
    checks = [Check("year", fact.about(years), f"{shown}年" if shown else "")] if asked.figure else []
    if asked.keywords:
        missing = [k for k in asked.keywords if k not in passage]
        checks.append(Check("term", not missing, "、".join(missing)))
    if asked.kind is not Kind.UNKNOWN:
        checks.append(Check("kind", kind_fits(asked, fact), fact.kind.zh))
    if asked.outside and regional:
        missing = [p for p in asked.outside if p not in passage and short_name(p) not in passage]
        checks.append(Check("place", not missing, "、".join(missing)))
    if asked.unit:
        checks.append(Check("unit", has_unit(sentence, asked.unit), asked.unit))
    if asked.subject:
        share = subject_share(asked.subject, sentence)
        checks.append(Check("subject", share >= min_subject, f"{share:.2f}"))
    if asked.attachment is not None:
        named = ordinal.names_attachment(passage, asked.attachment)
        checks.append(Check("attachment", named, f"附件{asked.attachment}"))
    if asked.item is not None:
        checks.append(Check("item", ordinal.item_number(sentence) == asked.item, f"第{asked.item}项"))
    return tuple(checks)


def kind_fits(asked: Asked, fact: Fact) -> bool:
    """Is a sentence of ``fact`` of the kind asked? A sentence that does not tell (a headless summary's
    "全市新增救护车100辆以上") may be of either."""
    return asked.kind is Kind.UNKNOWN or fact.kind in (asked.kind, Kind.UNKNOWN)
