"""Items asked for by their place in a list: "第15项民生实事", "第七件", "民生实事第3项的目标".

The meaning of "第15项" is a position, which an embedding barely tells from "第1项"; the list
states it in the item itself: a table row made a record ("表：…，第15行：…", ingest/table_records.py),
a numbered item as Word renders it ("7. …", "（七）…", "七、…", docx_numbering.py), a 序号 cell.
A question asking for item N is answered only by a sentence that is item N (``qa.checks``, the
"item" check). Likewise a question about "附件2" is answered from a passage of attachment 2 (its
section, titled by its 附件 line by ingest, or a passage naming it): the "attachment" check.
"""

from __future__ import annotations

import re

import cn2an

_CN_DIGITS = "零〇一二两三四五六七八九十百"
# 第N项 / 第N件 / 第N行, N in Arabic or Chinese numerals. Not 第N个 (第一个五年计划 is a name), nor
# 第N条 / 第N款 (an article of a regulation, whose answer is its text, not a sentence labelled N).
_ASKED = re.compile(rf"第\s*([0-9]{{1,3}}|[{_CN_DIGITS}]{{1,4}})\s*(?:项|件|行)")
# What an item states of its own number: a record's "第N行："/"第N项：", a 序号 cell, a leading list label.
_RECORD = re.compile(r"第([0-9]{1,3})[行项][：:]")
_SERIAL = re.compile(r"序号[：:]\s*([0-9]{1,3})(?![0-9])")
_LABEL = re.compile(
    rf"^\s*(?:([0-9]{{1,3}})\s*[.．、)）]|[（(]([0-9]{{1,3}}|[{_CN_DIGITS}]{{1,4}})[）)]|([{_CN_DIGITS}]{{1,4}})、)"
)
_ATTACHMENT = re.compile(rf"附件\s*([0-9]{{1,2}}|[{_CN_DIGITS}]{{1,3}})(?![0-9])")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _number(text: str) -> int | None:
    """An Arabic or Chinese numeral ("15", "十五", "两") as an int; None when it is not one."""
    if text.isdigit():
        return int(text)
    try:
        return int(cn2an.cn2an(text.replace("两", "二").replace("〇", "零"), "strict"))
    except (ValueError, KeyError):
        return None


def asked_item(question: str) -> int | None:
    """The position the question asks for ("第15项民生实事是什么" → 15, "第七件" → 7), or None."""
    match = _ASKED.search(question)
    return _number(match.group(1)) if match else None


def item_number(sentence: str) -> int | None:
    """The position a sentence states for itself as a list item or table row, or None when it states none."""
    for pattern in (_RECORD, _SERIAL):
        match = pattern.search(sentence)
        if match:
            return int(match.group(1))
    stripped = sentence.lstrip()
    if stripped[:1] and stripped[0] in _CIRCLED:
        return _CIRCLED.index(stripped[0]) + 1
    match = _LABEL.match(sentence)
    if match:
        return _number(next(g for g in match.groups() if g))
    return None


def asked_attachment(question: str) -> int | None:
    """The attachment a question asks about ("这份通知的附件2是什么", "附件二" → 2), or None."""
    match = _ATTACHMENT.search(question)
    return _number(match.group(1)) if match else None


def names_attachment(text: str, number: int) -> bool:
    """Does ``text`` (a passage with its section path) name attachment ``number`` ("附件2", "附件二")?"""
    return any(_number(m.group(1)) == number for m in _ATTACHMENT.finditer(text))
