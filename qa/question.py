"""Question understanding: validation, normalisation, and the years and places a question names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from govqa.errors import GovqaError
from govqa.index.keyword import query_terms
from govqa.index.simplified import to_simplified
from govqa.ingest.clean import normalise_chars
from govqa.ingest.metadata import NATIONAL, PROVINCES
from govqa.qa import synonyms
from govqa.qa.asking import asking_part


class QuestionError(GovqaError):
    """A question that cannot be searched; the message says why and what to do (the API answers 400)."""

    status = 400


class EmptyQuestion(QuestionError):
    """A question with nothing in it."""

    page_message_zh = "请输入问题，例如：大运会有哪些场馆"


class QuestionTooLong(QuestionError):
    """A question over ``[search] max_question_chars`` (the API answers 413)."""

    status = 413

    def __init__(self, length: int, limit: int):
        super().__init__(f"the question is too long ({length} characters, at most {limit})", "shorten it")
        self.page_message_zh = f"问题过长（最多 {limit} 字），请精简后再问。"


class QuestionWithoutWords(QuestionError):
    """A question of punctuation or symbols only."""

    page_message_zh = "问题中没有可检索的文字，请换个问法。"


# A letter or digit of any script (Chinese, Latin, Arabic…): a question needs one to be searched.
_WORDY = re.compile(r"[^\W_]")
_YEAR = re.compile(r"(?<!\d)(19[4-9]\d|20\d\d)(?!\d)")
# Old reports write years in Chinese numerals: 一九五八年.
_CHINESE_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})年")
# A year mention: "2025年", "一九五八年".
YEAR_MENTION = re.compile(_YEAR.pattern + "年|" + _CHINESE_YEAR.pattern)
# Years named relative to the report's own: offsets from its year. A word right
# after 比/较 compares ("比上年增长") and does not say which year is asked about.
_RELATIVE_YEAR = re.compile(
    r"(?<![比较])(今年|本年|去年|上一年|上年|前年|明年)|近([0-9]{1,2}|[两二三四五六七八九十]{1,2})年"
)
_RELATIVE_OFFSETS = {"今年": 0, "本年": 0, "去年": -1, "上一年": -1, "上年": -1, "前年": -2, "明年": 1}
_SMALL_NUMERALS = {c: n for n, c in enumerate("零一二三四五六七八九十") if n} | {"两": 2}
_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
# Words that name the national level itself (not "全国", which local reports use for rankings).
_NATIONAL_WORDS = ("国务院", "中央政府", "全国人大", "全国人民代表大会")
# Words that ask rather than say what is asked about: never evidence that a passage is on the question.
_QUESTION_WORDS = frozenset(
    "多少 什么 哪些 哪个 哪里 哪儿 哪几 几个 哪几个 怎么 怎样 如何 为什么 是否 有没有 是不是 能不能 可以 可不可以".split()
)
_ASKING = re.compile(r"^(?:几|多少)[\u3400-\u9fff]?$")
# A keyword query (``is_keyword_query``): short, without a sentence's punctuation or a question's words.
_KEYWORD_QUERY_CHARS = 8
# 何 (何时, 如何, 为何), 哪 (哪年, 哪五个), 谁, 啥, 怎, 几, 多+adjective (多大, 多长) ask; 吗/呢 end a question.
_NOT_KEYWORDS = re.compile(
    r"[？?。！!，,；;何哪谁啥怎几吗呢]|多[少大长高远久重宽深]|"
    + "|".join(sorted(_QUESTION_WORDS, key=len, reverse=True))
)
_CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ADMIN_SUFFIX = re.compile(r"(?:省|市|区|县|州|盟|旗|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$")


@dataclass(frozen=True)
class Question:
    """A validated question with the grounding it names, read once and handed to every stage.

    What later stages derive from the words is computed on first use and kept on the question
    (``simplified``, ``terms``, ``content``), so that search, ask and compare read one reading of it
    rather than each folding and cutting the text again.
    """

    text: str
    years: tuple[int, ...]
    places: tuple[str, ...]  # names as they appear in documents' region paths, e.g. "成都市", "四川省", "全国"
    relative_years: tuple[int, ...] = ()  # offsets from a report's year: 去年 → -1, 近3年 → -3…0
    asking_part: str = ""  # a long question's part that asks (``qa.asking``); "" when it is all asking

    @property
    def asking(self) -> str:
        """What the question asks, without the asker's background: its years, terms and kind are read from this."""
        return self.asking_part or self.text

    @cached_property
    def simplified(self) -> str:
        """What it asks (``asking``) in simplified characters (a 繁體 question's 達到 is 达到)."""
        return to_simplified(self.asking)

    @cached_property
    def terms(self) -> tuple[str, ...]:
        """Its words to look for in passages, in ``synonyms.comparable`` form (``match_terms``)."""
        return tuple(match_terms(self))

    @cached_property
    def content(self) -> tuple[str, ...]:
        """Of ``terms``, those that say what it asks about (``content_terms``): not places, years, question words."""
        return tuple(content_terms(self, list(self.terms)))

    def years_in_report(self, report_year: int | None) -> tuple[int, ...]:
        """The years asked about of a report of ``report_year``: the written ones and the relative ones resolved.

        "去年…" asked of a 2024 report is about 2023. A report of unknown year
        cannot resolve them, so only the written years are left.
        """
        if not self.relative_years or report_year is None:
            return self.years
        return tuple(sorted(set(self.years) | {report_year + offset for offset in self.relative_years}))


def validate(text: str | None, max_chars: int) -> str:
    """The normalised question, or ``QuestionError`` for an empty, oversize or wordless one."""
    if text is None or not text.strip():
        raise EmptyQuestion("the question is empty", "type a few words, e.g. 大运会有哪些场馆")
    text = normalise_chars(unicodedata.normalize("NFC", text)).strip()
    if len(text) > max_chars:
        raise QuestionTooLong(len(text), max_chars)
    if not _WORDY.search(text):
        raise QuestionWithoutWords("the question has no words to search for (only punctuation or symbols)")
    return text


def short_name(place: str) -> str:
    """``成都市`` → ``成都``, ``广西壮族自治区`` → ``广西``; names of two characters stay whole."""
    for short, full in PROVINCES.items():
        if place == full:
            return short
    stripped = _ADMIN_SUFFIX.sub("", place)
    return stripped if len(stripped) >= 2 else place


def understand(text: str, known_places: set[str]) -> Question:
    """Read the years (in digits or Chinese numerals) and places named in a (validated) question.

    ``known_places`` are the region names of the indexed documents; a place
    is named when its full or short form occurs in the question. Years are
    read from the part that asks (``qa.asking``), places from the whole: the
    place an asker names in their background is mostly the one they ask about.
    """
    # A long question's background ("2023年的时候申请过一次") names no year asked about: read what asks.
    part = asking_part(text)
    years = tuple(sorted(years_in(part)))
    # A written year says which year is meant; a relative word beside it only compares.
    relative = () if years else relative_years(part)
    places = []
    if any(word in text for word in _NATIONAL_WORDS):
        places.append(NATIONAL)
    for place in sorted(known_places | set(PROVINCES.values()), key=len, reverse=True):
        if place != NATIONAL and (place in text or short_name(place) in text) and place not in places:
            places.append(place)
    asking = "" if part == text else part
    return Question(text=text, years=years, places=tuple(places), relative_years=relative, asking_part=asking)


def relative_years(text: str) -> tuple[int, ...]:
    """Offsets from the report's year of the years ``text`` names relatively, sorted.

    今年/本年 → 0, 去年/上年/上一年 → -1, 前年 → -2, 明年 → +1, 近N年 → -N…0
    (the N years a report looks back on, and its own). "比上年" compares and names none.
    """
    offsets = set()
    for match in _RELATIVE_YEAR.finditer(text):
        if match.group(1):
            offsets.add(_RELATIVE_OFFSETS[match.group(1)])
            continue
        count = match.group(2)
        n = int(count) if count.isdigit() else _chinese_count(count)
        offsets.update(range(-n, 1))
    return tuple(sorted(offsets))


def _chinese_count(numeral: str) -> int:
    """一 … 九十九 written in Chinese: 三 → 3, 十 → 10, 十五 → 15, 二十 → 20."""
    if "十" not in numeral:
        return _SMALL_NUMERALS[numeral]
    tens, _, units = numeral.partition("十")
    return (_SMALL_NUMERALS[tens] if tens else 1) * 10 + (_SMALL_NUMERALS[units] if units else 0)


def without_relative_years(text: str) -> str:
    """``text`` without its relative year words (去年, 近三年): a passage says 2023年, not 去年."""
    return _RELATIVE_YEAR.sub("", text)


def without_years(text: str) -> str:
    """``text`` with its year mentions ("2025年", "一九五八年") taken out."""
    return YEAR_MENTION.sub("", text)


def years_in(text: str) -> set[int]:
    """The years (1940–2099) written in ``text``, in digits or in Chinese numerals ("一九五八年")."""
    years = {int(y) for y in _YEAR.findall(text)}
    for written in _CHINESE_YEAR.findall(text):
        year = int(written.translate(_CHINESE_DIGITS))
        if 1940 <= year <= 2099:
            years.add(year)
    return years


def keyword_query(question: Question) -> str:
    """What BM25 searches for: the question without relative year words, plus the other names of its abbreviations.

    "去年GDP是多少" → "GDP是多少 地区生产总值 国内生产总值 生产总值" (``qa.synonyms``).
    """
    return " ".join([without_relative_years(question.asking), *synonyms.expansions(question.asking)])


def match_terms(question: Question) -> list[str]:
    """The question's words to look for in passages, in ``synonyms.comparable`` form (GDP reads 地区生产总值).

    Question words (多少, 几条) are left out: no passage answers with them.
    """
    return [
        t for t in query_terms(synonyms.comparable(without_relative_years(question.asking))) if not is_question_word(t)
    ]


def is_keyword_query(question: Question) -> bool:
    """Is ``question`` a term or two rather than a sentence ("城市大脑", "两拆一增", "大运会 场馆")?

    At most ``_KEYWORD_QUERY_CHARS`` characters besides spaces, no sentence
    punctuation and no question word. Such a query names what to find; it does
    not say something a sentence could say in other words.
    """
    text = "".join(question.asking.split())
    return len(text) <= _KEYWORD_QUERY_CHARS and not _NOT_KEYWORDS.search(to_simplified(text))


def is_question_word(term: str) -> bool:
    """Does ``term`` ask rather than say: 多少, 哪些, and 几/多少 with a measure word (几条, 多少亿)?"""
    return term in _QUESTION_WORDS or bool(_ASKING.match(term))


def content_terms(question: Question, terms: list[str]) -> list[str]:
    """The question's Chinese words that say what it asks about: not its places, years, numbers or question words.

    "青羊区常住人口有多少" → 常住, 人口, 常住人口. Single characters are left out
    (jieba leaves particles and measure words as single characters), and so are
    words without a Chinese character: reports spell abbreviations out (GDP is
    地区生产总值 in the text), so their absence from a passage says nothing.
    """
    places = {form for place in question.places for form in (place, short_name(place))}
    return [
        t
        for t in terms
        if len(t) >= 2
        and _CHINESE.search(t)
        and not t[0].isdigit()
        and not is_question_word(t)
        and not any(t in place or place in t for place in places)
    ]


def about_years(years: Sequence[int], text: str, section: str, report_year: int | None) -> bool | None:
    """Is a passage about one of ``years``? ``None`` when nothing tells (a report of unknown year).

    A passage that names a year asked about is about it. Otherwise its section
    decides when the section names years ("一、2024年工作回顾" is about 2024,
    "二、2025年工作安排" about 2025), and failing that its report: a report of
    year Y+1 reviews year Y, so it is about Y too, except in a passage that
    names Y+1 and not Y (the report's own plans).
    """
    written = years_in(text)
    if any(y in written for y in years):
        return True
    framed = years_in(section)
    if framed:
        return any(y in framed for y in years)
    if report_year is None:
        return None
    return any(report_year == y or (report_year == y + 1 and report_year not in written) for y in years)
