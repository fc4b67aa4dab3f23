"""Parts of a PDF report answer with their page: a table's cell from its row, a footnote from the note.

The PDFs are made by bench/made_pdfs.py: a ruled project list and a three-line
indicator table, both running over a page break without a repeated header, and
a report with ①② notes at the foot of a page that a sentence runs across.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import pytest

from govqa.config import IndexConfig

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def table_searcher(seed_searcher, seed_config, tmp_path_factory, cjk_font_file):
    """A Searcher over the made PDFs alone."""
    from govqa.index import Index
    from govqa.qa import Searcher

    spec = importlib.util.spec_from_file_location("made_pdfs", ROOT / "bench" / "made_pdfs.py")
    made = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(made)
    folder = tmp_path_factory.mktemp("table-pdfs")
    made.ruled_project_list(folder / "projects.pdf", cjk_font_file)
    made.three_line_indicators(folder / "indicators.pdf", cjk_font_file)
    made.footnoted_report(folder / "notes.pdf", cjk_font_file)
    config = replace(seed_config, index=IndexConfig(path=str(tmp_path_factory.mktemp("table-index") / "index")))
    index = Index.open(config.index.path, config, embedder=seed_searcher.index.embedder)
    reports = index.add_paths([folder], config.chunk)
    assert all(r.status == "ok" for r in reports), [(r.path, r.error) for r in reports]
    return Searcher(index, config)


@pytest.mark.parametrize(
    ("question", "row", "answer", "doc", "page"),
    [
        (
            "青溪港三期码头工程2025年计划投资多少亿元",
            "青溪港三期码头工程",
            "2025年计划投资：3.7亿元",
            "projects.pdf",
            1,
        ),
        ("青溪港三期码头工程由哪个单位建设", "青溪港三期码头工程", "建设单位：市港航投资公司", "projects.pdf", 1),
        ("南山隧道工程总投资多少亿元", "南山隧道工程", "总投资：26.9亿元", "projects.pdf", 2),
        ("2024年农村居民人均可支配收入是多少元", "农村居民人均可支配收入", "2024年：21846元", "indicators.pdf", 2),
        ("2024年第一产业增加值比上年增长多少", "第一产业增加值", "比上年增长：28.3%", "indicators.pdf", 1),
    ],
)
def test_a_cell_question_is_answered_from_its_row_with_its_page(table_searcher, question, row, answer, doc, page):
    found = table_searcher.ask(question)
    assert found.verdict == "found", (found.verdict, found.answer)
    assert answer in found.answer, found.answer
    assert f"：{row}，" in found.answer  # the cell with its row, not a neighbour's
    assert found.citation.doc == doc
    assert found.citation.page == page


def test_a_definition_in_a_footnote_is_answered_from_the_note_with_its_page(table_searcher):
    found = table_searcher.ask("城镇新增就业人数是指什么")
    assert found.verdict == "found", (found.verdict, found.answer)
    assert "城镇累计新就业人数减去自然减员人数" in found.answer
    assert "农村居民" not in found.answer  # not the sentence the note sat in
    assert (found.citation.doc, found.citation.page) == ("notes.pdf", 1)


def test_the_sentence_across_the_page_break_answers_whole(table_searcher):
    from govqa.qa.types import Filters

    found = table_searcher.ask("农村居民人均可支配收入增长多少", filters=Filters(docs=("notes.pdf",)))
    assert found.verdict == "found", (found.verdict, found.answer)
    assert "21846元，增长6.9%" in found.answer
    assert "①" not in found.answer
