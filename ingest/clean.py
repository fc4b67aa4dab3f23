"""Cleaning: normalise what hurts search, drop web chrome and spam, keep the wording.

All phrase lists live here, in one place. Rules work on line shape and
position (the page header before the report starts, tails after it ends),
never on strings of one particular file.
"""

from __future__ import annotations

import re
import unicodedata

# Lines that are web page furniture wherever they appear: matched against the
# whole line after whitespace is removed. A sharing site may glue its download
# link to the next field ("下载本文作者:会员上传"), hence the optional link first.
CHROME_LINES = re.compile(
    r"^(?:下载本文|下载全文)?(?:"
    r"下载本文|下载|打印|全屏|收藏|分享|关闭|返回顶部|关闭窗口|打印本页|打印此页|【?字号[:：]?.*|"
    r"【?(?:大|中|小|加大|还原|减小)】?|】|"
    r"分享(?:[:：到至].{0,20})?|(?:微信)?扫一扫.{0,20}|用手机扫.{0,20}|.{0,10}二维码.{0,10}|"
    r"(?:责任编辑|编辑|审核|校对|责编|作者|来源|发布时间|发布日期|时间|日期|信息来源|"
    r"浏览量|浏览次数|阅读量|阅读次数|点击量|点击数|访问量|下载次数|上传者|文档格式|文档大小|页数)[:：].{0,60}|"
    # A document-sharing site's own lines: its blurb, and the "第一篇:" that heads each reposted text.
    r"(?:简介|内容简介|文档简介)[:：].*|第[一二三四五六七八九十]+篇[:：].{0,60}|"
    r"(?:技术支持|网站标识码|网站地图|联系我们|关于我们|网站声明)(?:[:：].{0,80})?|"
    r"※.*(?:发布时间|发布作者|出自何处).*|"
    r"(?:网站首页|首页|当前位置|您的位置|您现在的位置)[:：>»/ ].*|"
    r"上一篇.*|下一篇.*|相关(?:阅读|链接|文章|新闻)[:：]?.*|【(?:打印|关闭|收藏)】.*"
    r")$"
)

# Chrome lines that may hold a full stop: a site's blurb is written in sentences.
CHROME_WITH_SENTENCES = re.compile(r"^(?:简介|内容简介|文档简介)[:：]")

# A line from which everything to the end of the document is page furniture.
TAIL_MARKERS = re.compile(r"^(?:相关报道|相关阅读|相关链接|相关新闻|延伸阅读|推荐阅读|责任编辑|扫一扫)[:：]?")

# A portal's footer block: its ICP licence, public-security filing or copyright line, and
# the lines next to it that name the site's sponsor and address (主办单位, 承办, 地址…:
# words a report uses too, so they count only there).
FOOTER_MARKER = re.compile(r"ICP[备证]|公网安备|网站标识码|版权所有|Copyright|©")
FOOTER_LABEL = re.compile(r"^(?:主办单位|主办|承办单位|承办|协办单位|协办|技术支持|地址|邮编|备案号)[:：]")

# Spam and link bait glued to the end of the last paragraph ("…新亮点。眼跳测吉凶").
# Only looked for in the last TAIL_SPAN characters of a document.
SPAM_PHRASES = ("测吉凶", "算命", "周公解梦", "星座运势", "点击查看更多", "更多精彩", "点击进入", "加微信", "免费领取")
TAIL_SPAN = 40

SENTENCE_END = "。！？!?；;…"

# The kinds of official document a title ends with (GB/T 9704-2012 7.3.3: a title is
# issuer + 关于 + subject + kind), so "…关于加强普通高等学校" / "毕业生就业工作的通知" is one title.
DOCUMENT_KINDS = (
    "通知",
    "通报",
    "意见",
    "决定",
    "决议",
    "办法",
    "规定",
    "方案",
    "报告",
    "公告",
    "通告",
    "批复",
    "请示",
    "函",
    "纲要",
    "规划",
    "细则",
    "条例",
    "命令",
    "议案",
    "纪要",
)
_TITLE_LINE = re.compile(r"^[^。！？!?，,；;：:、]{2,40}$")

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


# A justified PDF line places every glyph on its own, and extractors put a space
# between each: five or more single characters (at least one of them CJK) each
# followed by one space. Fewer, as in "2020 年 2 月 29 日", are ordinary spacing;
# Latin words are longer than one letter, so their spaces stay.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
# "|" is left out: it separates the cells of a table row.
_LETTER_SPACED = re.compile(r"(?<!\S)[^\s|](?: [^\s|]){4,}(?!\S)")


def close_letter_spacing(text: str) -> str:
    """Take out the spaces of a letter-spaced run: ``全 市 新 建 5 G 基 站`` → ``全市新建5G基站``."""

    def close(match: re.Match) -> str:
        run = match.group()
        return run.replace(" ", "") if re.search(f"[{_CJK}]", run) else run

    return _LETTER_SPACED.sub(close, text)


def clean_line(text: str) -> str:
    """One line with characters normalised, letter spacing closed, indentation and trailing space removed."""
    return close_letter_spacing(normalise_chars(text)).strip()


def strip_emphasis(text: str) -> str:
    """Remove markdown emphasis markers (``**7%左右**`` → ``7%左右``)."""
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)


def is_chrome(line: str) -> bool:
    """True for a line that is page furniture (share bar, breadcrumbs, source, editor, site footer…)."""
    compact = re.sub(r"\s+", "", line)
    # Furniture is never a sentence: a line with a full stop is report text, but for a site's blurb.
    if not compact or ("。" in compact and not CHROME_WITH_SENTENCES.match(compact)):
        return False
    return bool(CHROME_LINES.match(compact))


def is_footer_marker(line: str) -> bool:
    """True for a portal footer's licence, filing or copyright line (short, not a sentence)."""
    return bool(FOOTER_MARKER.search(line)) and len(line) <= 120 and "。" not in line


def is_footer_line(line: str) -> bool:
    """True for a line of a portal's footer block: a marker line or a sponsor/address line."""
    return is_footer_marker(line) or (bool(FOOTER_LABEL.match(re.sub(r"\s+", "", line))) and "。" not in line)


def is_tail_marker(line: str) -> bool:
    """True for a line after which the page holds no more report text."""
    return bool(TAIL_MARKERS.match(line.strip()))


def title_goes_on(line: str, nxt: str) -> bool:
    """True when ``nxt`` is the second line of a title that ``line`` starts.

    ``line`` holds 关于 and no punctuation and does not yet name a document kind;
    ``nxt`` is short, without punctuation, and ends with one (``DOCUMENT_KINDS``).
    """
    return (
        bool(_TITLE_LINE.match(line))
        and bool(_TITLE_LINE.match(nxt))
        and "关于" in line
        and not line.endswith(DOCUMENT_KINDS)
        and nxt.endswith(DOCUMENT_KINDS)
    )


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
