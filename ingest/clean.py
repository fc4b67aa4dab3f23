"""Cleaning: normalise what hurts search, drop web chrome and spam, keep the wording.

All phrase lists live here, in one place. Rules work on line shape and
position (the page header before the report starts, tails after it ends),
never on strings of one particular file.
"""

from __future__ import annotations

import re
import unicodedata

# Lines that are web page furniture wherever they appear: matched against the
# whole line after whitespace is removed.
CHROME_LINES = re.compile(
    r"^(?:"
    r"下载|打印|全屏|收藏|分享|关闭|返回顶部|关闭窗口|打印本页|打印此页|【?字号[:：]?.*|"
    r"【?(?:大|中|小|加大|还原|减小)】?|】|"
    r"分享(?:[:：到至].{0,20})?|(?:微信)?扫一扫.{0,20}|用手机扫.{0,20}|.{0,10}二维码.{0,10}|"
    r"(?:责任编辑|编辑|审核|校对|责编|作者|来源|发布时间|发布日期|时间|日期|浏览次数|阅读次数|点击数|信息来源)[:：].{0,60}|"
    r"※.*(?:发布时间|发布作者|出自何处).*|"
    r"(?:网站首页|首页|当前位置|您的位置|您现在的位置)[:：>»/ ].*|"
    r"上一篇.*|下一篇.*|相关(?:阅读|链接|文章|新闻)[:：]?.*|【(?:打印|关闭|收藏)】.*"
    r")$"
)

# A line from which everything to the end of the document is page furniture.
TAIL_MARKERS = re.compile(r"^(?:相关报道|相关阅读|相关链接|相关新闻|延伸阅读|推荐阅读|责任编辑|扫一扫)[:：]?")

# Spam and link bait glued to the end of the last paragraph ("…新亮点。眼跳测吉凶").
# Only looked for in the last TAIL_SPAN characters of a document.
SPAM_PHRASES = ("测吉凶", "算命", "周公解梦", "星座运势", "点击查看更多", "更多精彩", "点击进入", "加微信", "免费领取")
TAIL_SPAN = 40

SENTENCE_END = "。！？!?；;…"

# Invisible characters that only break matching.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2002\u2003\u2009\u202f\u205f\t"), " ")


def normalise_chars(text: str) -> str:
    """Full-width digits, letters, %, space to ASCII; invisible characters out.

    Chinese punctuation (，。：；（）) is kept: it carries sentence structure and
    NFKC would turn it into ASCII look-alikes.
    """
    text = text.translate(_INVISIBLE).translate(_SPACES)
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A or ch in "％＋－．／＝＜＞":
            out.append(unicodedata.normalize("NFKC", ch))
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def clean_line(text: str) -> str:
    """One line with characters normalised, indentation and trailing space removed."""
    return normalise_chars(text).strip()


def strip_emphasis(text: str) -> str:
    """Remove markdown emphasis markers (``**7%左右**`` → ``7%左右``)."""
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)


def is_chrome(line: str) -> bool:
    """True for a line that is page furniture (share bar, breadcrumbs, source, editor…)."""
    compact = re.sub(r"\s+", "", line)
    # Furniture is never a sentence: a line with a full stop is report text.
    return bool(compact) and "。" not in compact and bool(CHROME_LINES.match(compact))


def is_tail_marker(line: str) -> bool:
    """True for a line after which the page holds no more report text."""
    return bool(TAIL_MARKERS.match(line.strip()))


def strip_trailing_spam(line: str) -> str:
    """Cut spam glued after a document's final sentence.

    A known spam phrase near the very end of the last paragraph, and all that
    follows it, goes back to the sentence end before it. Phrases elsewhere are
    left alone: the rule is about position, not about words.
    """
    tail_from = max(0, len(line) - TAIL_SPAN)
    for phrase in SPAM_PHRASES:
        at = line.find(phrase, tail_from)
        if at != -1:
            cut = max(line.rfind(p, 0, at) for p in SENTENCE_END + "”")
            return line[: cut + 1] if cut != -1 else line[:at].rstrip()
    return line
