"""What a question asks for, and which sentences can give it."""

import pytest

from govqa.qa.answer_type import Wants, can_answer, wants


@pytest.mark.parametrize(
    "question, wanted",
    [
        ("成都大运会的门票多少钱？", Wants.MONEY),
        ("江苏省省长今年多大年纪？", Wants.NUMBER),
        ("注册公司最快多久能办完？", Wants.NUMBER),
        ("成都设置了几家定点医院？", Wants.NUMBER),
        ("成都要打造哪几条经济带？", Wants.ANYTHING),  # a list, not a count
        ("大运会有哪些场馆", Wants.ANYTHING),
        ("就医一码通计划哪年实现？", Wants.TIME),
        ("从哪天开始复工复产？", Wants.TIME),
    ],
)
def test_what_a_question_wants(question, wanted):
    assert wants(question) is wanted


@pytest.mark.parametrize(
    "sentence, ok",
    [
        ("实现地区生产总值1.70万亿元、增长7.8%。", True),
        ("到一九五八年就增加到一千一百零八万吨。", True),  # Chinese numerals
        ("开展“爱成都 迎大运”系列活动", False),
        ("2025年四川省政府工作报告", False),  # a year alone says when, not how much
        ("青羊总部经济区", False),
        ("千方百计扩大就业。", False),  # an idiom, not a number
        ("城乡居民收入增长一倍。", True),
        ("6 全力保障大运会顺利举办，全面展现城市发展新形象", False),  # a heading's own number
        ("（三）聚力培育发展新质生产力", False),
        ("二、关于2026年工作", False),
    ],
)
def test_a_number_question_needs_a_number_besides_any_year(sentence, ok):
    assert can_answer(sentence, Wants.NUMBER) is ok


def test_a_time_question_needs_a_date_and_other_questions_take_any_sentence():
    assert can_answer("确保2020年实现就医“一码通”", Wants.TIME)
    assert can_answer("2月3日起,分类有序组织企业复工复产。", Wants.TIME)
    assert not can_answer("推动医疗机构信息互联互通互认", Wants.TIME)
    assert can_answer("青羊总部经济区", Wants.ANYTHING)


@pytest.mark.parametrize(
    "sentence",
    [
        "根据《国务院办公厅关于加强普通高等学校毕业生就业工作的通知》(国办发〔2009〕3号)精神，结合我省实际。",
        "根据国办发„2009‟3号精神，现通知如下：",  # a mis-decoded 〔〕 is still a document number's bracket
        "按照川府发[2023]12号文件要求执行。",
        "全面贯彻党的二十大精神。",
        "深入学习贯彻党的十九届四中全会精神。",
        "编制“十四五”规划纲要。",
        "第三次全国国土调查顺利完成。",
        "时间:2019-05-14 10:45:55",
        "5月14日召开全市工作会议。",
        "2024年是实现“十四五”规划目标任务的关键一年。",
        "（一）着力扩大有效需求",
    ],
)
def test_names_ordinals_document_numbers_dates_and_years_are_not_quantities(sentence):
    assert not can_answer(sentence, Wants.NUMBER)


@pytest.mark.parametrize(
    "sentence",
    [
        "新增就业3.6万人，一般公共预算收入151亿元。",
        "争取用3-5年时间，做到每个村至少有一名高校毕业生。",
        "经费由省、市、县按照4:3:3的比例分担。",
        "城鎮新增就業5.1萬人。",  # traditional characters
        "2023年5月全市新建5G基站1860个。",  # a quantity beside a date
        "党的二十大以来新建学校12所。",
    ],
)
def test_quantities_beside_them_still_count(sentence):
    assert can_answer(sentence, Wants.NUMBER)


def test_quantity_text_blanks_non_quantities_and_keeps_offsets():
    from govqa.qa.answer_type import non_quantities, quantity_text

    sentence = "根据国办发〔2009〕3号，2009年全省新增就业52万人。"
    kept = quantity_text(sentence)
    assert len(kept) == len(sentence) and "52万人" in kept and "3号" not in kept and "2009" not in kept
    spans = sorted(non_quantities(sentence))
    assert sentence[spans[0][0] : spans[0][1]].endswith("国办发〔2009〕3号")


def test_a_money_question_wants_an_amount_of_money_not_any_number():
    assert wants("成都大运会的门票多少钱？") is wants("景区门票价格是多少") is Wants.MONEY
    assert wants("隔离期间的费用由谁承担？") is wants("收费标准是什么") is Wants.ANYTHING  # who, what: not how much
    assert wants("2024年河南省粮食产量是多少？") is Wants.NUMBER  # a quantity, not money
    assert not can_answer("加快推进13处新建场馆和大运村建设。", Wants.MONEY)
    assert not can_answer("2025年成都市政府工作报告", Wants.MONEY)
    for sentence in (
        "门票价格为每张80元。",
        "最低工资标准调整为每月2,100元",
        "票价五十元",
        "对老年人免费开放",
        "投资1.2亿元",
    ):
        assert can_answer(sentence, Wants.MONEY), sentence
