"""Compare across reports, end to end over a few small reports (real e5 model, SQLite and FAISS)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from govqa.config import Config, IndexConfig
from govqa.ingest import ingest_paths
from govqa.qa import Filters, QuestionError, comparison_to_json
from govqa.qa.types import CSV_COLUMNS, comparison_to_csv

FILLER = "坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，加快构建新发展格局，着力推动高质量发展。\n"

REPORTS = {
    "2025年四川省政府工作报告.txt": (
        "2025年四川省政府工作报告\n一、2024年工作回顾\n"
        "2024年全省地区生产总值增长5.7%，城镇新增就业100万人。\n"
        + FILLER * 3
        + "二、2025年工作安排\n今年发展主要预期目标是：地区生产总值增长5.5%以上；粮食产量725亿斤以上。\n"
        + FILLER * 2
    ),
    "2025年湖北省政府工作报告.txt": (
        "2025年湖北省政府工作报告\n2024年全省地区生产总值增长5.8%，完成年度目标。\n"
        + FILLER * 2
        + "经济社会发展的主要预期目标是：经济增长6%左右，城镇新增就业70万人以上，粮食产量稳定在1955万吨以上。\n"
        + FILLER * 2
    ),
    "2025年福建省政府工作报告.txt": (
        "2025年福建省政府工作报告\n"
        + FILLER * 2
        + "今年经济社会发展的主要预期目标是：全省地区生产总值增长5.0%—5.5%，固定资产投资增长5%左右。\n"
        + FILLER
    ),
    "2025年西藏自治区政府工作报告.txt": (
        "2025年西藏自治区政府工作报告\n全区地区生产总值比上年增长6.3%，圆满完成目标任务。\n"
        + FILLER * 2
        + "加强生态环境保护，守护好高原的生灵草木、万水千山。\n"
        + FILLER
    ),
    "2024年四川省政府工作报告.txt": (
        "2024年四川省政府工作报告\n"
        + FILLER
        + "今年发展主要预期目标是：地区生产总值增长6%左右；粮食产量720亿斤以上。\n"
        + FILLER
    ),
}
PROVINCES_2025 = [
    "2025年福建省政府工作报告.txt",
    "2025年湖北省政府工作报告.txt",  # GB/T 2260 order: 35, 42,
    "2025年四川省政府工作报告.txt",
    "2025年西藏自治区政府工作报告.txt",
]  # 51, 54
TARGET = "2025年地区生产总值增长目标是多少"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    for name, text in REPORTS.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def searcher(folder: Path, seed_config: Config, tmp_path_factory: pytest.TempPathFactory):
    from govqa.index import Index
    from govqa.qa import Searcher

    config = seed_config.replace(index=IndexConfig(path=str(tmp_path_factory.mktemp("compare") / "index")))
    index = Index.open(config.index.path, config)
    assert all(r.status == "ok" for r in index.add_paths([folder], config.chunk))
    return Searcher(index, config)


@pytest.fixture(scope="module")
def texts(folder: Path, seed_config: Config) -> dict[str, str]:
    return {d.name: d.text for r in ingest_paths([folder], seed_config.chunk) for d, _ in r.documents}


def test_one_row_per_report_of_the_year_asked_with_its_sentence_value_and_citation(searcher, texts):
    result = searcher.compare(TARGET)
    assert result.by == "region"
    assert [r.doc for r in result.rows] == PROVINCES_2025
    values = {r.region: (r.value.low, r.value.high, r.value.unit, r.value.qualifier) for r in result.rows if r.found}
    assert values == {
        "福建省": (5.0, 5.5, "%", ""),
        "湖北省": (6.0, 6.0, "%", "左右"),
        "四川省": (5.5, 5.5, "%", "以上"),
    }
    for row in result.rows:
        if row.found:
            assert texts[row.doc][row.citation.start : row.citation.end] == row.answer
            assert row.value.text in row.answer and row.confidence >= 0.5


def test_a_report_that_states_no_such_target_is_a_row_marked_not_found(searcher):
    # Its only figure is last year's result ("比上年增长6.3%"): no answer to a question about a goal.
    tibet = next(r for r in searcher.compare(TARGET).rows if r.region == "西藏自治区")
    assert (tibet.found, tibet.answer, tibet.citation, tibet.value) == (False, "", None, None)
    assert tibet.confidence < 0.5


def test_each_report_answers_with_its_own_years_target_not_last_years_result(searcher):
    rows = {r.region: r for r in searcher.compare(TARGET).rows}
    assert "5.5%以上" in rows["四川省"].answer and "5.7%" not in rows["四川省"].answer
    # "1955万吨" is an amount, not a year: the target sentence stays of its own year.
    assert rows["湖北省"].value.text == "6%左右" and "5.8%" not in rows["湖北省"].answer


def test_ranking_is_one_pass_over_the_index_not_a_search_per_report(searcher, monkeypatch):
    calls = {"dense": 0, "keyword": 0}
    index = searcher.index
    dense, keyword = index.dense_search, index.keyword_search

    def counted(kind, fn):
        def call(*args, **kwargs):
            calls[kind] += 1
            return fn(*args, **kwargs)

        return call

    monkeypatch.setattr(index, "dense_search", counted("dense", dense))
    monkeypatch.setattr(index, "keyword_search", counted("keyword", keyword))
    assert len(searcher.compare(TARGET).rows) == 4
    assert calls == {"dense": 1, "keyword": 1}


def test_a_question_naming_one_province_gives_one_row(searcher):
    rows = searcher.compare("四川2025年地区生产总值增长目标是多少").rows
    assert [r.doc for r in rows] == ["2025年四川省政府工作报告.txt"]


@pytest.mark.parametrize(
    "filters, docs",
    [
        (Filters(regions=("湖北",)), ["2025年湖北省政府工作报告.txt"]),
        (Filters(docs=("2025年福建省政府工作报告.txt",)), ["2025年福建省政府工作报告.txt"]),
        (Filters(year_from=2024, year_to=2024), []),  # the question's 2025 and the filter's 2024 exclude each other
    ],
)
def test_filters_restrict_the_reports(searcher, filters, docs):
    assert [r.doc for r in searcher.compare(TARGET, filters).rows] == docs


def test_a_region_over_the_years_is_a_time_series(searcher):
    result = searcher.compare("地区生产总值增长目标", Filters(regions=("四川",)))
    assert result.by == "year"
    assert [(r.year, r.value.text if r.value else None) for r in result.rows] == [(2024, "6%左右"), (2025, "5.5%以上")]


def test_a_question_no_report_answers_gives_every_row_not_found(searcher):
    rows = searcher.compare("2025年火星移民人数目标是多少").rows
    assert len(rows) == 4 and not any(r.found or r.value for r in rows)


def test_the_order_can_be_chosen(searcher):
    assert [r.doc for r in searcher.compare(TARGET, by="report").rows] == sorted(PROVINCES_2025)
    with pytest.raises(ValueError, match="by must be one of"):
        searcher.compare(TARGET, by="size")
    with pytest.raises(QuestionError):
        searcher.compare("  ")


def test_json_and_csv_forms(searcher):
    result = searcher.compare(TARGET)
    data = comparison_to_json(result)
    assert set(data) >= {"question", "by", "rows"}
    row = next(r for r in data["rows"] if r["region"] == "福建省")
    assert set(row) == {
        "doc",
        "title",
        "region",
        "year",
        "answer",
        "citation",
        "confidence",
        "value",
        "figure_year",
        "kind",
        "found",
    }
    assert row["value"] == {
        "text": "5.0%—5.5%",
        "figure": "5.0%—5.5%",
        "low": 5.0,
        "high": 5.5,
        "unit": "%",
        "qualifier": "",
    }
    # The 2025 report's goal for 2025, said so beside the report's year.
    assert (row["year"], row["figure_year"], row["kind"]) == (2025, "2025", "target")
    lines = list(csv.reader(io.StringIO(comparison_to_csv(result))))
    assert tuple(lines[0]) == CSV_COLUMNS and len(lines) == 1 + len(result.rows)


def test_a_result_asked_compares_the_reviews_and_drops_targets(searcher):
    # 2024's growth is a result: the 2025 reports review it; the 2024 report only set a goal for it.
    result = searcher.compare("2024年地区生产总值增长多少")
    rows = {r.doc: r for r in result.rows}
    assert "2024年四川省政府工作报告.txt" not in rows
    sichuan = rows["2025年四川省政府工作报告.txt"]
    assert sichuan.found and sichuan.value.text == "5.7%" and (sichuan.figure_year, sichuan.kind) == ("2024", "result")
    assert rows["2025年湖北省政府工作报告.txt"].value.text == "5.8%"
    # Fujian's 2025 report states only its 2025 target: no 2024 result, so no row value of the wrong kind.
    assert not rows["2025年福建省政府工作报告.txt"].found


def test_a_target_asked_is_never_answered_by_a_result(searcher):
    rows = {r.doc: r for r in searcher.compare("2025年地区生产总值增长目标是多少").rows}
    assert all(r.kind == "target" for r in rows.values() if r.found)
    # Tibet's report states the 2024 result (比上年增长6.3%) and no 2025 goal for 生产总值.
    assert not rows["2025年西藏自治区政府工作报告.txt"].found


@pytest.mark.parametrize(
    "question",
    [
        "2025年四川地区生产总值增长目标是多少",
        "2025年四川地區生產總值增長目標是多少",  # 繁體: compare folds it as ask does
        "2025年四川GDP增长目标是多少",  # a synonym: GDP is 地区生产总值 in the reports
    ],
)
def test_compare_and_ask_give_the_same_evidence(searcher, question):
    answer = searcher.ask(question)
    rows = {r.doc: r for r in searcher.compare(question).rows}
    row = rows["2025年四川省政府工作报告.txt"]
    assert answer.verdict == "found" and answer.citation.doc == row.doc
    assert row.found and row.value.text == "5.5%以上"
    assert row.answer[row.value.start : row.value.end] == "5.5%以上"
    assert "5.5%以上" in answer.answer and row.answer in answer.answer


def test_a_place_no_report_is_of_is_checked_as_ask_checks_it(searcher):
    # No report is of 成都: a province's target is not the city's, in compare as in ask (checks.check: place).
    question = "2025年成都市地区生产总值增长目标是多少"
    assert searcher.ask(question).verdict == "not_found"
    rows = searcher.compare(question).rows
    assert rows and not any(r.found for r in rows)
    assert any(r.found for r in searcher.compare("2025年地区生产总值增长目标是多少").rows)
