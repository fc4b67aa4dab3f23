"""Question understanding: validation, normalisation, and the years and places a question names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.clean import normalise_chars
from ingest.errors import GovqaError
from ingest.metadata import NATIONAL, PROVINCES


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
_YEAR_WORD = re.compile(_YEAR.pattern + "年")
# Old reports write years in Chinese numerals: 一九五八年.
_CHINESE_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})年")
_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
# Words that name the national level itself (not "全国", which local reports use for rankings).
_NATIONAL_WORDS = ("国务院", "中央政府", "全国人大", "全国人民代表大会")
# Words that ask rather than say what is asked about: never evidence that a passage is on the question.
_QUESTION_WORDS = frozenset(
    "多少 什么 哪些 哪个 哪里 哪儿 哪几 几个 哪几个 怎么 怎样 如何 为什么 是否 有没有 是不是 能不能 可以 可不可以".split())
_CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ADMIN_SUFFIX = re.compile(r"(?:省|市|区|县|州|盟|旗|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$")


@dataclass(frozen=True)
class Question:
    """A validated question with the grounding it names."""

    text: str
    years: tuple[int, ...]
    places: tuple[str, ...]  # names as they appear in documents' region paths, e.g. "成都市", "四川省", "全国"


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
    is named when its full or short form occurs in the question.
    """
    years = tuple(sorted(years_in(text)))
    places = []
    if any(word in text for word in _NATIONAL_WORDS):
        places.append(NATIONAL)
    for place in sorted(known_places | set(PROVINCES.values()), key=len, reverse=True):
        if place != NATIONAL and (place in text or short_name(place) in text) and place not in places:
            places.append(place)
    return Question(text=text, years=years, places=tuple(places))


def without_years(text: str) -> str:
    """``text`` with its year mentions ("2025年", "一九五八年") taken out."""
    return _CHINESE_YEAR.sub("", _YEAR_WORD.sub("", text))


def years_in(text: str) -> set[int]:
    """The years (1940–2099) written in ``text``, in digits or in Chinese numerals ("一九五八年")."""
    years = {int(y) for y in _YEAR.findall(text)}
    for written in _CHINESE_YEAR.findall(text):
        year = int(written.translate(_CHINESE_DIGITS))
        if 1940 <= year <= 2099:
            years.add(year)
    return years


def content_terms(question: Question, terms: list[str]) -> list[str]:
    """The question's Chinese words that say what it asks about: not its places, years, numbers or question words.

    "青羊区常住人口有多少" → 常住, 人口, 常住人口. Single characters are left out
    (jieba leaves particles and measure words as single characters), and so are
    words without a Chinese character: reports spell abbreviations out (GDP is
    地区生产总值 in the text), so their absence from a passage says nothing.
    """
    places = {form for place in question.places for form in (place, short_name(place))}
    return [t for t in terms
            if len(t) >= 2 and _CHINESE.search(t) and not t[0].isdigit() and t not in _QUESTION_WORDS
            and not any(t in place or place in t for place in places)]


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
