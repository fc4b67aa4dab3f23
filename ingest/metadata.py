"""Document metadata read from the title, the file name or export columns: title, year, region."""

from __future__ import annotations

import re
from pathlib import PurePath

# Provincial-level divisions, short name → official name.
PROVINCES = {
    "北京": "北京市",
    "天津": "天津市",
    "上海": "上海市",
    "重庆": "重庆市",
    "河北": "河北省",
    "山西": "山西省",
    "辽宁": "辽宁省",
    "吉林": "吉林省",
    "黑龙江": "黑龙江省",
    "江苏": "江苏省",
    "浙江": "浙江省",
    "安徽": "安徽省",
    "福建": "福建省",
    "江西": "江西省",
    "山东": "山东省",
    "河南": "河南省",
    "湖北": "湖北省",
    "湖南": "湖南省",
    "广东": "广东省",
    "海南": "海南省",
    "四川": "四川省",
    "贵州": "贵州省",
    "云南": "云南省",
    "陕西": "陕西省",
    "甘肃": "甘肃省",
    "青海": "青海省",
    "台湾": "台湾省",
    "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区",
    "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
    "香港": "香港特别行政区",
    "澳门": "澳门特别行政区",
}
NATIONAL = "全国"

_REPORT_WORDS = ("报告", "规划", "纲要", "通知", "意见", "办法", "方案", "决定", "公告", "通告", "政策", "措施")
# Titles that authoring tools write into PDF/Word properties, not the document's own.
_TOOL_TITLE = re.compile(r"^(?:Microsoft Word|WPS|untitled|无标题)|\.(?:docx?|wps|pdf|txt)$", re.IGNORECASE)
_DATE = re.compile(r"(?<!\d)(19[4-9]\d|20\d\d)年\d{1,2}月\d{1,2}日")
_YEAR = re.compile(r"(?<!\d)(19[4-9]\d|20\d\d)(?!\d)")
# A city, prefecture or district name ahead of its suffix: "成都市", "青羊区", "阿坝州".
_PLACE = re.compile(r"([\u4e00-\u9fff]{2,4}?(?:市|区|县|州|盟|旗))")
_YEAR_PREFIX = re.compile(r"^(?:(?:19|20)\d\d年?|[（(].*?[）)]|关于|中共|\s)+")
_NOT_PLACES = (
    "地区",
    "城区",
    "新区",
    "园区",
    "社区",
    "片区",
    "市场",
    "城市",
    "市级",
    "县域",
    "县级",
    "区域",
    "全市",
    "全区",
    "全县",
)
# The opening of a State Council report (its date line and speaker); a local
# notice that cites 国务院 in its first lines is not thereby national.
_NATIONAL_HINTS = ("国务院总理", "政务院总理", "全国人民代表大会")
# Characters that never occur in a place name but do in the words before one ("印发顺义区", "李希到广州").
_NOT_IN_PLACE = set("到发在的和与对为于是了及将把给向从按由关")


def title_of(name: str, lines: list[str], meta: dict[str, str]) -> str:
    """The report's title: an export's title column, a title-like first line, or the file name.

    A first line counts as the title when it names a kind of document (报告,
    通知…); when the file name says nothing (no Chinese in it, or a row of an
    export) any short first line without sentence punctuation does.
    """
    if meta.get("title") and not _TOOL_TITLE.search(meta["title"]):
        return meta["title"].strip()
    heads = [re.split(r"\s+", line.strip(), maxsplit=1)[0] for line in lines[:3]]
    titled = [h for h in heads if _title_shaped(h)]
    for head in titled:
        if names_document_kind(head):
            above = heads[: heads.index(head)]
            # A big title set on two lines, the place over the rest: "成都市青羊区" / "2023年政府工作报告".
            if len(above) == 1 and _is_place_line(above[0]):
                return above[0] + head
            return head
    stem = PurePath(name.split("#", 1)[0]).stem
    if "#" in name or not re.search(r"[\u4e00-\u9fff]", stem):
        if titled and heads[0] == titled[0]:
            return titled[0]
        if lines:  # no title anywhere: the opening words, so a reader can tell documents apart
            first = re.split(r"[。！？!?；;]", lines[0], maxsplit=1)[0]
            return first[:30] + ("…" if len(first) > 30 else "")
    return stem.replace("_", " ")


def _is_place_line(line: str) -> bool:
    """A short line that only names a place: "成都市青羊区", "四川省", "西藏自治区"."""
    rest = line
    while match := _PLACE.match(rest):
        rest = rest[match.end() :]
    for full in PROVINCES.values():
        rest = rest.removeprefix(full)
    return 2 <= len(line) <= 16 and not rest


def _title_shaped(line: str) -> bool:
    return 4 <= len(line) <= 60 and not re.search(r"[。！？!?，,；;：:]", line)


def names_document_kind(line: str) -> bool:
    """True for a title-shaped line (short, no sentence punctuation) that names a kind of document (报告, 通知…)."""
    return _title_shaped(line) and any(w in line for w in _REPORT_WORDS)


def year_of(title: str, name: str, meta: dict[str, str], head_text: str = "") -> int | None:
    """The report's year from an export column, its title, its file name, or a date near the top."""
    for text in (meta.get("year", ""), meta.get("publish_date", ""), title, name):
        match = _YEAR.search(text)
        if match:
            return int(match.group(1))
    match = _DATE.search(head_text)
    return int(match.group(1)) if match else None


def region_path_of(title: str, name: str, meta: dict[str, str], head_text: str) -> list[str]:
    """Places the report is about, outermost first: ``["成都市", "青羊区"]``, ``["四川省"]``, ``["全国"]``."""
    found: list[str] = []
    for text in (meta.get("region", ""), meta.get("province", ""), title, PurePath(name).stem):
        for short, full in PROVINCES.items():
            if short in text and full not in found:
                found.append(full)
        rest = _YEAR_PREFIX.sub("", text).strip()
        # Issuers and places lead titles: "成都市青羊区政府工作报告", "通州区人力资源…".
        while (
            (match := _PLACE.match(rest))
            and not match.group(1).endswith(_NOT_PLACES)
            and not rest[match.end() :].startswith("民")
            and not _NOT_IN_PLACE & set(match.group(1))
        ):
            place = match.group(1)
            if not any(short in place for short in PROVINCES) and place not in found:
                found.append(place)
            rest = rest[match.end() :]
        if found:
            break
    if not found and any(hint in head_text[:300] for hint in _NATIONAL_HINTS):
        found.append(NATIONAL)
    return found
