"""The not-found reason: what was missing, in one short line, with the nearest passages still shown below it.

"报告中只有2019年的预期目标（6%-6.5%），没有实际完成值", "没有2019年的报告
（已收录：全国1954—2017年，省级2025—2026年）", "报告中没有提到昆山市":
built from what the verdict saw (``qa.answer``), never from the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from govqa.ingest.metadata import NATIONAL
from govqa.qa.checks import Asked, Check
from govqa.qa.facts import Fact, Kind
from govqa.qa.question import Question
from govqa.qa.value import read_value
from govqa.qa.verdict import Reason

Report = tuple[int | None, tuple[str, ...]]  # a report's year and region path


def year_ranges(years: Iterable[int]) -> str:
    """Years written as runs: {1954, 1955, 1956, 1959} → "1954—1956、1959年"; "" for none."""
    ordered = sorted(set(years))
    if not ordered:
        return ""
    runs, start, prev = [], ordered[0], ordered[0]
    for year in ordered[1:] + [None]:
        if year is not None and year - prev <= 2:  # a gap of a year or two (reports not every year) is one run
            prev = year
            continue
        runs.append(f"{start}" if start == prev else f"{start}—{prev}")
        if year is not None:
            start = prev = year
    return "、".join(runs) + "年"


def holdings(reports: Sequence[Report], places: Sequence[str] = ()) -> str:
    """What the index holds, briefly: "全国1954—2017年，省级2025—2026年", or the years of ``places``' reports."""
    if places:
        of = [y for y, path in reports if y is not None and any(p in path for p in places)]
        return f"{'、'.join(places)}：{year_ranges(of)}" if of else ""
    national = [y for y, path in reports if y is not None and path == (NATIONAL,)]
    local = [y for y, path in reports if y is not None and path != (NATIONAL,)]
    parts = [f"全国{year_ranges(national)}" if national else "", f"地方{year_ranges(local)}" if local else ""]
    return "，".join(p for p in parts if p)


def no_report(question: Question, reports: Sequence[Report]) -> Reason | None:
    """``no_report`` when no indexed report can be about the place or year asked, else None.

    A report of year Y reviews Y-1: a question about Y is covered by the reports of Y and Y+1.
    """
    places = list(question.places)
    of_place = [r for r in reports if not places or any(p in r[1] for p in places)]
    if places and not of_place:
        held = holdings(reports)
        return Reason("no_report", f"没有{'、'.join(places)}的报告" + (f"（已收录：{held}）" if held else ""))
    if question.years and any(r[0] is not None for r in of_place):
        covering = [r for r in of_place if r[0] is not None and any(r[0] in (y, y + 1) for y in question.years)]
        if not covering:
            asked = "、".join(f"{y}年" for y in question.years)
            held = holdings(reports, places)
            return Reason(
                "no_report",
                f"没有{''.join(places)}{asked}的报告" + (f"（已收录：{held}）" if held else ""),
            )
    return None


def not_grounded(question: Question, reports: Sequence[Report]) -> Reason:
    """No passage is of the year or place asked: is there no such report at all, or only nothing in them?"""
    missing = no_report(question, reports)
    if missing is not None:
        return missing
    places = list(question.places)
    about = "".join(places) + "、".join(f"{y}年" for y in question.years)
    return Reason("not_grounded", f"找到的段落都不是关于{about}的" if about else "找到的段落不能回答这个问题")


def unmet(asked: Asked, question: Question, sentence: str, fact: Fact, checks: Sequence[Check]) -> Reason | None:
    """The reason given by the first check the closest sentence failed, or None when it failed none."""
    failed = next((c for c in checks if not c.met), None)
    if failed is None:
        return None
    value = read_value(sentence, asked.subject)
    shown = f"（{value.text}）" if value else ""
    years = failed.detail if failed.name == "year" else next((c.detail for c in checks if c.name == "year"), "")
    if failed.name == "kind":
        if fact.kind is Kind.TARGET:
            return Reason("only_target", f"报告中只有{years}的预期目标{shown}，没有实际完成值")
        return Reason("only_result", f"报告中只有{years}的实际完成值{shown}，没有预期目标")
    if failed.name == "year":
        asked_years = "、".join(f"{y}年" for y in question.years) or "所问年份"
        return Reason("other_year", f"报告中相近的数字是{years or '其他年份'}的{shown}，不是{asked_years}的")
    if failed.name == "place":
        return Reason("place_not_mentioned", f"报告中没有提到{failed.detail}")
    if failed.name == "term":
        return Reason("subject_not_mentioned", f"报告中没有提到“{failed.detail}”")
    if failed.name in ("item", "attachment"):
        return Reason("item_not_found", f"报告中没有找到{failed.detail}")
    if failed.name == "unit":
        unit = "百分比" if failed.detail == "%" else f"以“{failed.detail}”计的数"
        return Reason("no_value_in_unit", f"报告中相近的句子没有给出{unit}")
    subject = "、".join(asked.subject[:3])
    return Reason("subject_not_stated", f"报告中相近的句子没有说到“{subject}”的数字")


def not_mentioned(terms: Sequence[str]) -> Reason:
    """None of the question's content words is in the passages found."""
    shown = "、".join(f"“{t}”" for t in terms[:3])
    return Reason("subject_not_mentioned", f"报告中没有提到{shown}")


NO_CLOSE_SENTENCE = Reason("no_close_sentence", "报告中没有足够接近问题的句子")
