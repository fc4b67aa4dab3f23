"""The answer span: what of a passage may be given as the answer, and its extent in the document.

An answer is always one contiguous stretch of the cleaned document, made of
whole sentences: a fragment cut by a chunk edge or a line wrap is extended to
its sentence, and two sentences far apart are never joined. A heading
("一、2023年工作回顾") or a line that only repeats the question
("湘政办发〔2009〕24号") says nothing the user did not know: it is no answer.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from govqa.index.context import SECTION_SEPARATOR

# Where a sentence ends (with the closing quotes or brackets that may follow).
SENTENCE_END = "。！？!?；;"
_CLOSERS = "”’」』）)"
# A heading's numbering: 一、 （三） 3. 第二章 第五条.
_NUMBERED = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[、.．]\s*"
    r"|第[一二三四五六七八九十百\d]{1,4}[章节条部分篇])"
)
_LIST_ITEM = re.compile(
    r"^\s*(?:[-·•●◆■□▪*]|\d{1,2}[、.．)）]|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)"
)
_MAX_HEADING = 40
_CJK = re.compile(r"[\u3400-\u9fff]")
# A wrapped line runs near the full width; a shorter line ending without punctuation is a line of its own.
_MIN_WRAPPED_LINE = 15
# How far an answer may grow beyond the sentence(s) picked, each way.
_MAX_EXTENSION = 300


@functools.lru_cache(maxsize=4096)
def _compact(text: str) -> str:
    # Cached: a ranking asks of the same question, section titles and sentences many times.
    return "".join(unicodedata.normalize("NFKC", text).split()).rstrip(SENTENCE_END + "，,:：")


@functools.lru_cache(maxsize=1024)
def _titles(section: str) -> frozenset[str]:
    """The compacted titles of a section path."""
    return frozenset(_compact(title) for title in section.split(SECTION_SEPARATOR))


def is_heading(sentence: str, section: str = "") -> bool:
    """Is ``sentence`` a heading: a title of its section path, or a short numbered line without a sentence's end?"""
    text = sentence.strip()
    if not text:
        return False
    if section and _compact(text) in _titles(section):
        return True
    return len(text) <= _MAX_HEADING and text[-1] not in SENTENCE_END + "，,:：" and bool(_NUMBERED.match(text))


def echoes(sentence: str, question: str) -> bool:
    """Does ``sentence`` only repeat (part of) the question? "湘政办发〔2009〕24号" for "湘政办发〔2009〕24号是关于什么的通知"."""
    compact = _compact(sentence)
    return bool(compact) and compact in _compact(question)


def _ends_sentence(line: str) -> bool:
    line = line.rstrip().rstrip(_CLOSERS)
    return not line or line[-1] in SENTENCE_END


def _wraps(line: str, following: str, headings: frozenset[str]) -> bool:
    """Does ``line`` continue on the next line, ``following``? (A PDF's hard line wrap inside a sentence.)

    Not when ``line`` ends a sentence or a clause (：), is short, is a heading
    or one of ``headings`` (compacted titles), nor when ``following`` is a list
    item, a title, or holds no Chinese (a page number such as "— 2 —").
    """
    line, following = line.strip(), following.strip()
    return (
        len(line) >= _MIN_WRAPPED_LINE
        and bool(_CJK.search(following))
        and not _ends_sentence(line)
        and line[-1] not in ":："
        and not is_heading(line)
        and not _LIST_ITEM.match(following)
        and _compact(line) not in headings
        and _compact(following) not in headings
    )


def whole_sentences(text: str, start: int, end: int, headings: Iterable[str] = ()) -> tuple[int, int]:
    """``(start, end)`` widened to whole sentences of ``text``: back to the end of the previous sentence, on to the end of this one.

    A single line break ends a sentence unless the line wraps (``_wraps``);
    a blank line always does, and so does a line that is one of ``headings``
    (the document's title and section titles). Each side grows by at most 300
    characters. Leading and trailing whitespace is left out.
    """
    headings = frozenset(_compact(h) for h in headings if h.strip())
    lo, hi = max(0, start - _MAX_EXTENSION), min(len(text), end + _MAX_EXTENSION)
    s = start
    while s > lo and text[s - 1] not in SENTENCE_END:
        if text[s - 1] == "\n":
            line_start = text.rfind("\n", 0, s - 1) + 1
            line_end = text.find("\n", s)
            if not _wraps(text[line_start : s - 1], text[s : line_end if line_end >= 0 else len(text)], headings):
                break
        s -= 1
    e = end
    while e < hi and not _ends_sentence(text[start:e]):
        if text[e] == "\n":
            line_start = text.rfind("\n", 0, e) + 1
            next_end = text.find("\n", e + 1)
            if not _wraps(text[line_start:e], text[e + 1 : next_end if next_end >= 0 else len(text)], headings):
                break
        e += 1
    while e < len(text) and text[e] in _CLOSERS:
        e += 1
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e
