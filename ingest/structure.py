"""Heading detection for Chinese reports.

Each heading style has a kind; kinds have a fixed order of depth
(``第一章`` above ``一、`` above ``（一）`` above ``1.`` above ``（1）`` above
emphasised lines). A document's levels are the ranks of the kinds it actually
uses, so a report that starts at ``一、`` has those at level 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_NUM = "一二三四五六七八九十百零〇"

# (kind, pattern); the pattern's group "title" is the heading text to show.
_NUMBERED = (
    ("chapter", re.compile(rf"^第[{_CN_NUM}\d]+[章编部分篇节]\s*(?P<title>.*)$")),
    ("cn", re.compile(rf"^[{_CN_NUM}]+[、．.]\s*(?P<title>.+)$")),
    ("cn_paren", re.compile(rf"^[（(][{_CN_NUM}]+[）)]\s*(?P<title>.+)$")),
    ("arabic", re.compile(r"^\d{1,2}(?:[.．、]|\s)\s*(?P<title>\D.*)$")),
    ("arabic_paren", re.compile(r"^[（(]\d{1,2}[）)]\s*(?P<title>.+)$")),
)
# An attachment's mark line after a notice's body (GB/T 9704-2012 8: "附件2", "附件2：项目申报表", a lone
# "附件" for one attachment). "附件：" and "附件：1．…" open the body's list of attachments, not one of them.
_ATTACHMENT = re.compile(rf"^附件\s*(?:(?P<number>\d{{1,2}}|[{_CN_NUM}]{{1,3}})\s*[：:．.、]?\s*(?P<title>.*))?$")
_EMPHASIS = re.compile(r"^(?:[·•●■▲◆]\s*)?(?:\*\*|__)(?P<title>[^*_]{2,40})(?:\*\*|__)[。：:]?$")
_BULLET = re.compile(r"^[·•●■◆]\s*(?P<title>[^。，,；;]{2,30})$")

# Depth order of kinds; "md" and "style" levels come from the format; an "attachment" is above them all.
KIND_ORDER = ("plain", "chapter", "cn", "cn_paren", "arabic", "arabic_paren", "emphasis")

MAX_TITLE = 40
_TERMINAL = "。！？!?；;，,：:"


@dataclass(frozen=True)
class HeadingCandidate:
    """A line that looks like a heading: its kind and the title to show in section paths."""

    kind: str
    title: str
    inline_body: bool = False  # the line goes on with body text after the title


def attachment(line: str) -> HeadingCandidate | None:
    """An attachment's mark line ("附件2", "附件2 项目申报表") as a heading of kind ``attachment``, or None.

    Its title is the mark and, when on the same line, the attachment's title; a bare mark's title
    is completed from the line after it by the build (``titled``).
    """
    match = _ATTACHMENT.match(_strip_marks(line).strip())
    if not match:
        return None
    number, title = match.group("number") or "", (match.group("title") or "").strip()
    if len(title) > MAX_TITLE or (title and title[-1] in _TERMINAL):
        return None
    return HeadingCandidate("attachment", f"附件{number} {title}".strip())


def titled(mark: HeadingCandidate, nxt: str) -> HeadingCandidate | None:
    """A bare attachment mark ("附件2") titled by the line after it ("项目申报表"), when that line reads as a title."""
    bare = mark.title.count(" ") == 0
    numbered = classify(nxt)
    if mark.kind != "attachment" or not bare or not is_title_line(nxt) or (numbered and numbered.kind != "emphasis"):
        return None
    return HeadingCandidate("attachment", f"{mark.title} {_strip_marks(nxt)}")


def is_title_line(line: str) -> bool:
    """A line short enough and unpunctuated enough to be a title ("2025年重点项目申报表")."""
    line = _strip_marks(line)
    return 2 <= len(line) <= MAX_TITLE + 20 and line[-1] not in _TERMINAL


def classify(line: str) -> HeadingCandidate | None:
    """The heading kind of one cleaned line (emphasis markers still present), or None."""
    match = _EMPHASIS.match(line) or _BULLET.match(line)
    if match:
        return HeadingCandidate("emphasis", _strip_marks(line))
    for kind, pattern in _NUMBERED:
        match = pattern.match(line)
        if not match:
            continue
        title = match.group("title").strip()
        if not title and kind != "chapter":
            return None
        first = re.split(r"[。！？!?；;]", line, maxsplit=1)[0]
        if len(first) <= MAX_TITLE and len(first) < len(line.rstrip("。！？!?；;")):
            return HeadingCandidate(kind, _short_title(first), inline_body=True)
        if len(line) <= MAX_TITLE + 10 and line[-1] not in "。！？!?；;，,":
            return HeadingCandidate(kind, _short_title(line))
        return None
    return None


def classify_bold(line: str) -> HeadingCandidate | None:
    """A line set in bold as a whole: numbered ("（一）钢铁行业。", "1.改造进展；"), it is a heading though it
    closes like a sentence; the closing mark is left out of its title. None when it is not numbered."""
    bare = line.rstrip("。；;，,")
    candidate = classify(bare) if bare != line else None
    return candidate if candidate is not None and candidate.kind != "emphasis" else None


def is_plain_heading(line: str) -> bool:
    """A short line without sentence punctuation, e.g. ``政府工作展望``."""
    return 2 <= len(line) <= 30 and not any(c in _TERMINAL for c in line) and not line.startswith(("-", "—", "——"))


def _short_title(text: str) -> str:
    """A heading's first clause: ``6 全力保障大运会顺利举办，全面展现…`` → ``6 全力保障大运会顺利举办``."""
    return re.split(r"[，,：:。！？!?；;]", _strip_marks(text), maxsplit=1)[0].strip()


def _strip_marks(text: str) -> str:
    text = re.sub(r"(\*\*|__)", "", text)
    return re.sub(r"^[·•●■▲◆]\s*", "", text).strip()


def assign_levels(kinds_in_use: set[str]) -> dict[str, int]:
    """Level (1 = outermost) for each kind a document uses, by the fixed depth order."""
    ordered = [k for k in KIND_ORDER if k in kinds_in_use]
    return {kind: i + 1 for i, kind in enumerate(ordered)}
