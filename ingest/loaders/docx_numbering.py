"""Word's automatic numbering rendered as a reader sees it ("一、", "（三）", "7.").

python-docx gives a numbered paragraph's text without its number: Word computes the number when
it lays the page out, from ``numbering.xml`` (ECMA-376 Part 1, 17.9). A paragraph is numbered
by its own ``w:numPr`` (``numId``, ``ilvl``) or by its style's; ``numId`` points to a ``w:num``,
which names a ``w:abstractNum`` (possibly through a numbering style, ``w:numStyleLink``) and may
override levels (``w:lvlOverride``: a whole ``w:lvl`` or a ``w:startOverride``). Each level has
a ``start``, a ``numFmt`` (decimal, chineseCounting…) and a ``lvlText`` pattern
(``"%1."``, ``"（%2）"``, ``"第%1章"``).

Counting follows Word: paragraphs of ``w:num`` instances of one abstract list continue one count
unless an instance overrides a start (a restarted list counts on its own); using a level restarts
the deeper levels, unless their ``w:lvlRestart`` says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cn2an
from docx.oxml.ns import qn

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"))
_ROMAN += ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
_CHINESE_COUNTING = {"chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting"}
_CHINESE_LEGAL = {"chineseLegalSimplified", "ideographLegalTraditional", "japaneseLegal"}


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def format_number(n: int, fmt: str) -> str:
    """``n`` written in Word's number format ``fmt`` (``w:numFmt``): 7 → "7", "七", "⑦", "庚", "vii"…

    Unknown formats fall back to decimal; ``bullet`` and ``none`` give "" (a bullet's glyph is in
    the level text).
    """
    if fmt in ("bullet", "none"):
        return ""
    if fmt in _CHINESE_COUNTING and n > 0:
        return cn2an.an2cn(n)
    if fmt in _CHINESE_LEGAL and n > 0:
        return cn2an.an2cn(n, "up")
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt == "ideographTraditional" and n > 0:
        return _HEAVENLY_STEMS[(n - 1) % 10]
    if fmt == "ideographZodiac" and n > 0:
        return _EARTHLY_BRANCHES[(n - 1) % 12]
    if fmt in ("upperLetter", "lowerLetter") and n > 0:
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman") and n > 0:
        return _roman(n) if fmt == "upperRoman" else _roman(n).lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalFullWidth":
        return str(n)  # cleaning makes full-width digits ASCII anyway
    return str(n)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None  # w:lvlRestart: 0 never, k when level k (1-based) or higher is used
    legal: bool = False  # w:isLgl: every level's number shown in decimal
    suffix: str = "tab"


def _val(element, child: str) -> str | None:
    found = element.find(qn(child)) if element is not None else None
    return found.get(qn("w:val")) if found is not None else None


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _level(lvl, base: _Level | None = None) -> _Level:
    """A ``w:lvl`` read over ``base`` (the abstract level an override replaces)."""
    base = base or _Level()
    restart = _val(lvl, "w:lvlRestart")
    legal = lvl.find(qn("w:isLgl"))
    return _Level(
        start=_int(_val(lvl, "w:start"), base.start),
        fmt=_val(lvl, "w:numFmt") or base.fmt,
        text=_val(lvl, "w:lvlText") if _val(lvl, "w:lvlText") is not None else base.text,
        restart=_int(restart, 0) if restart is not None else base.restart,
        legal=(legal is not None and legal.get(qn("w:val"), "1") not in ("0", "false")) or base.legal,
        suffix=_val(lvl, "w:suff") or base.suffix,
    )


@dataclass
class _List:
    """One count: the levels in use and each level's current number (None: not used since its last restart)."""

    levels: dict[int, _Level]
    counts: dict[int, int | None] = field(default_factory=dict)


class Numbering:
    """The numbers of a document's numbered paragraphs, counted in document order.

    ``Numbering(numbering_element, styles_element)`` takes the ``w:numbering`` root of
    ``numbering.xml`` (None when the document has none) and the ``w:styles`` root; call
    ``label(paragraph)`` on every ``w:p`` of the body in order: it returns the paragraph's
    number as shown ("一、", "（二）", "3.") or "" when it has none.
    """

    def __init__(self, numbering, styles) -> None:
        self._abstract: dict[str, dict[int, _Level]] = {}
        self._abstract_link: dict[str, str] = {}  # abstractNumId → numbering style it takes its levels from
        self._nums: dict[str, tuple[str, dict[int, _Level], bool]] = {}
        self._style_num: dict[str, tuple[str | None, int | None]] = {}  # styleId → (numId, ilvl)
        self._style_base: dict[str, str] = {}
        self._style_level: dict[tuple[str, str], int] = {}  # (abstractNumId, styleId) → ilvl via w:pStyle
        self._lists: dict[str, _List] = {}
        if styles is not None:
            self._read_styles(styles)
        if numbering is not None:
            self._read_numbering(numbering)

    def _read_styles(self, styles) -> None:
        for style in styles.iterfind(qn("w:style")):
            style_id = style.get(qn("w:styleId"))
            if not style_id:
                continue
            based = _val(style, "w:basedOn")
            if based:
                self._style_base[style_id] = based
            num_pr = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
            if num_pr is not None:
                ilvl = _val(num_pr, "w:ilvl")
                self._style_num[style_id] = (_val(num_pr, "w:numId"), int(ilvl) if ilvl and ilvl.isdigit() else None)

    def _read_numbering(self, numbering) -> None:
        for abstract in numbering.iterfind(qn("w:abstractNum")):
            key = abstract.get(qn("w:abstractNumId"), "")
            levels = {}
            for lvl in abstract.iterfind(qn("w:lvl")):
                ilvl = _int(lvl.get(qn("w:ilvl")), 0)
                levels[ilvl] = _level(lvl)
                style = _val(lvl, "w:pStyle")
                if style:
                    self._style_level[(key, style)] = ilvl
            self._abstract[key] = levels
            link = _val(abstract, "w:numStyleLink")
            if link:
                self._abstract_link[key] = link
        for num in numbering.iterfind(qn("w:num")):
            num_id = num.get(qn("w:numId"), "")
            abstract_id = _val(num, "w:abstractNumId") or ""
            overrides: dict[int, _Level] = {}
            restarted = False
            for override in num.iterfind(qn("w:lvlOverride")):
                ilvl = _int(override.get(qn("w:ilvl")), 0)
                level = self._levels_of(abstract_id).get(ilvl, _Level())
                lvl = override.find(qn("w:lvl"))
                if lvl is not None:
                    level = _level(lvl, level)
                start = _val(override, "w:startOverride")
                if start is not None:
                    level = _Level(
                        _int(start, level.start), level.fmt, level.text, level.restart, level.legal, level.suffix
                    )
                    restarted = True
                overrides[ilvl] = level
            self._nums[num_id] = (abstract_id, overrides, restarted)

    def _levels_of(self, abstract_id: str, depth: int = 0) -> dict[int, _Level]:
        """An abstract list's levels, through its numbering style link (``w:numStyleLink``) if it has one."""
        link = self._abstract_link.get(abstract_id)
        if link and depth < 4:
            num_id, _ = self._style_num.get(link, (None, None))
            linked = self._nums.get(num_id or "")
            if linked and linked[0] != abstract_id:
                return self._levels_of(linked[0], depth + 1)
        return self._abstract.get(abstract_id, {})

    def _numbering_of(self, paragraph) -> tuple[str, int] | None:
        """(numId, ilvl) of a ``w:p``: its own ``w:numPr``, else its style chain's; None when not numbered."""
        num_pr = paragraph.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        style = _val(paragraph.find(qn("w:pPr")), "w:pStyle")
        num_id: str | None = None
        ilvl: int | None = None
        if num_pr is not None:
            num_id = _val(num_pr, "w:numId")
            lvl = _val(num_pr, "w:ilvl")
            ilvl = int(lvl) if lvl and lvl.isdigit() else None
        seen = set()
        while num_id is None and style and style not in seen:
            seen.add(style)
            num_id, style_ilvl = self._style_num.get(style, (None, None))
            if num_id is not None:
                abstract_id = self._nums.get(num_id, ("", {}, False))[0]
                ilvl = ilvl if ilvl is not None else style_ilvl
                if ilvl is None:
                    ilvl = self._style_level.get((abstract_id, style), 0)
            style = self._style_base.get(style)
        if not num_id or num_id == "0" or num_id not in self._nums:
            return None
        return num_id, min(max(ilvl or 0, 0), 8)

    def label(self, paragraph) -> str:
        """The number ``paragraph`` (a ``w:p``) shows, with what follows it, or ""; counts it (call in order)."""
        found = self._numbering_of(paragraph)
        if found is None:
            return ""
        num_id, ilvl = found
        abstract_id, overrides, restarted = self._nums[num_id]
        levels = {**self._levels_of(abstract_id), **overrides}
        if ilvl not in levels:
            return ""
        key = f"num:{num_id}" if restarted else f"abstract:{abstract_id}"
        counting = self._lists.setdefault(key, _List(levels))
        counts = counting.counts
        current = counts.get(ilvl)
        counts[ilvl] = levels[ilvl].start if current is None else current + 1
        for deeper, level in levels.items():
            if deeper > ilvl and (level.restart is None or (level.restart and ilvl < level.restart)):
                counts[deeper] = None
        level = levels[ilvl]
        text = level.text
        for shown in range(9):
            marker = f"%{shown + 1}"
            if marker in text:
                other = levels.get(shown, _Level())
                value = counts.get(shown)
                fmt = "decimal" if level.legal and shown != ilvl else other.fmt
                text = text.replace(marker, format_number(value if value is not None else other.start, fmt))
        if not text or level.fmt == "bullet":
            return ""
        # Word's tab after the number: a space after "1." or "(a)"; "一、", "（一）", "①" need nothing before Chinese.
        spaced = level.suffix != "nothing" and text[-1].isascii()
        return text + (" " if spaced else "")
