"""Items and attachments asked by their place: what a question asks for and what a sentence states of itself."""

from __future__ import annotations

import pytest

from govqa.qa.ordinal import asked_attachment, asked_item, item_number, names_attachment


@pytest.mark.parametrize(
    "question, item",
    [
        ("第15项民生实事是什么", 15),
        ("十件民生实事的第七件是什么", 7),
        ("民生实事第3项的目标", 3),
        ("第二十条规定了什么", None),  # an article of a regulation, not an item of a list
        ("第一个五年计划的基本任务是什么", None),  # a name
        ("民生实事有哪些", None),
        ("2025年第一季度增长多少", None),  # 第一季度 is a time, not a place in a list
    ],
)
def test_asked_item(question: str, item: int | None) -> None:
    assert asked_item(question) == item


@pytest.mark.parametrize(
    "sentence, item",
    [
        ("表：2025年二十项民生实事，第15行：序号：15，项目：建设口袋公园。", 15),
        ("序号：8，项目名称：青溪港三期码头工程", 8),
        ("7. 建成口袋公园70个。", 7),
        ("（七）建成口袋公园70个。", 7),
        ("七、建成口袋公园70个。", 7),
        ("⑦建成口袋公园70个。", 7),
        ("建成口袋公园70个。", None),
        ("2025年建成口袋公园70个。", None),
    ],
)
def test_item_number(sentence: str, item: int | None) -> None:
    assert item_number(sentence) == item


def test_attachments_asked_and_named() -> None:
    assert asked_attachment("这份通知的附件2是什么") == 2
    assert asked_attachment("附件二是什么") == 2
    assert asked_attachment("通知有哪些附件") is None
    assert names_attachment("附件2 重点项目申报表 项目名称…", 2)
    assert names_attachment("附件二 重点项目申报表", 2)
    assert not names_attachment("附件3 申报单位承诺书；附件20", 2)
