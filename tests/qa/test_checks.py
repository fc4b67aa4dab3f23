"""The constraints a question sets and their check on a sentence (qa/checks.py), and the reasons (qa/reasons.py)."""

from __future__ import annotations

import pytest

from govqa.qa import checks, reasons
from govqa.qa.facts import Kind, section_frame, sentence_fact
from govqa.qa.question import match_terms, understand

KNOWN = {"全国", "江苏省", "四川省", "成都市"}


def asked(text: str, this_year: int = 2026):
    question = understand(text, KNOWN)
    return question, checks.ask(question, match_terms(question), KNOWN, this_year)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("2026年江苏GDP增长目标是多少？", Kind.TARGET),
        ("2009年全国财政赤字安排了多少？", Kind.TARGET),
        ("青羊区2021年金融服务业增加值要达到多少？", Kind.TARGET),
        ("2017年全国国内生产总值实际增长了多少？", Kind.RESULT),
        ("2025年北京的雾霾改善到什么程度了？", Kind.RESULT),
        ("糧食總產量達到多少", Kind.RESULT),  # 繁體: 達到 asks what 达到 asks
        # A past year's figure asked plainly is its result; this year's may be either.
        ("2016年我国国内生产总值是多少？", Kind.RESULT),
        ("去年城镇新增就业多少人？", Kind.RESULT),
        ("2026年北京地区生产总值是多少？", Kind.UNKNOWN),
        ("大运会有哪些场馆", Kind.UNKNOWN),
    ],
)
def test_the_kind_asked(text, kind):
    assert asked(text)[1].kind is kind


@pytest.mark.parametrize(
    "text, unit",
    [
        ("西藏定日6.8级地震造成多少人遇难？", "人"),
        ("2024年浙江省地区生产总值总量是多少亿元？", "元"),
        ("截至2025年底，北京地铁总里程有多少公里？", "公里"),
        ("2024年城镇化率是多少？", "%"),
        ("大运会有几个场馆", ""),
    ],
)
def test_the_unit_asked(text, unit):
    assert asked(text)[1].unit == unit


def test_a_number_in_another_unit_does_not_answer():
    assert checks.has_unit("238名医疗卫生人员驰援武汉", "人") and checks.has_unit("接待游客3.2亿人次", "人")
    assert not checks.has_unit("日喀则定日县发生6.8级地震", "人")
    assert checks.has_unit("粮食总产量1344亿斤", "吨") and checks.has_unit("下降0.3个百分点", "%")


def test_places_no_report_is_of_and_words_tagged_as_places_that_are_not():
    assert asked("江苏昆山市2025年地区生产总值是多少？")[1].outside == ("昆山市",)
    assert asked("泰国曼谷2025年接待了多少国际游客？")[1].outside == ("泰国",)
    # A known place, its short form, common words jieba tags as places, continents in names (中欧班列).
    for text in ("成都2019年GDP是多少", "北京市采取了哪些措施确保安全出行？", "开往欧洲的货运班列跑了多少趟？"):
        assert asked(text)[1].outside == ()


def test_the_subject_is_the_indicator_in_the_reports_words():
    question, a = asked("贵州2025年上调后的月最低工资标准是多少钱？")
    assert "最低工资" in a.subject and all(t in "最低工资" for t in a.subject)
    assert checks.subject_share(a.subject, "城乡低保平均标准提高到645元/月。") == 0
    assert checks.subject_share(("粮食产量",), "粮食总产量1344亿斤。") == 1  # a compound split by the text
    # A measure's wording without a year varies from notice to notice: not checked.
    assert asked("湖南省长沙市受理意见建议的热线电话是多少？")[1].subject == ()


def check_of(text: str, sentence: str, section: str, report_year: int, passage: str = "", region: bool = True):
    question, a = asked(text)
    fact = sentence_fact(sentence, section_frame(section, report_year), report_year)
    found = checks.check(a, question.years_in_report(report_year), sentence, fact, passage or sentence, 0.5, region)
    return {c.name: c.met for c in found}, a, question, fact, found


def test_a_target_does_not_answer_a_result_nor_the_reverse_with_the_reason():
    met, a, question, fact, found = check_of(
        "2017年全国国内生产总值实际增长了多少？",
        "今年发展的主要预期目标是：国内生产总值增长6.5%左右，在实际工作中争取更好结果；",
        "二、2017年工作总体部署",
        2017,
    )
    assert met == {"year": True, "kind": False, "subject": True}
    reason = reasons.unmet(a, question, "国内生产总值增长6.5%左右", fact, found)
    assert reason.code == "only_target" and reason.message == "报告中只有2017年的预期目标（6.5%左右），没有实际完成值"
    met, a, question, fact, found = check_of(
        "2024年地区生产总值增长目标是多少？", "全省地区生产总值增长5.3%。", "一、2024年工作回顾", 2025
    )
    assert (
        not met["kind"] and reasons.unmet(a, question, "全省地区生产总值增长5.3%。", fact, found).code == "only_result"
    )


def test_a_year_the_sentence_is_not_about():
    met = check_of("2024年河南省粮食产量是多少？", "粮食总产量稳定在1300亿斤以上。", "二、2025年工作安排", 2025)[0]
    assert not met["year"]
    met = check_of("2024年河南省粮食产量是多少？", "粮食总产量1344亿斤。", "一、2024年工作回顾", 2025)[0]
    assert all(met.values())


def test_a_place_inside_a_province_must_be_named():
    question = "江苏昆山市2025年地区生产总值是多少？"
    sentence = "全省地区生产总值增长5.3%，达到14.2万亿元。"
    assert not check_of(question, sentence, "一、2025年工作回顾", 2026)[0]["place"]
    assert check_of(question, sentence, "一、2025年工作回顾", 2026, "昆山市地区生产总值5700亿元。" + sentence)[0][
        "place"
    ]
    # A notice of unknown region ("市政府关于…") may be of the place without naming it.
    assert "place" not in check_of(question, sentence, "", 2026, region=False)[0]


@pytest.mark.parametrize(
    "text, thing",
    [
        ("成都大运会的门票在哪里购买？", "门票"),
        ("大运村在哪里", "大运村"),
        ("志愿者可以在哪里报名？", "志愿者"),  # 可以 stands between
        ("核酸检测点在哪儿?", "检测点"),
        ("門票在哪裡購買", "门票"),  # 繁體, read as simplified
        # What follows the verb is what is asked about, and the noun before is who asks: not checked.
        ("休市期间市民去哪里购买家禽？", None),
        ("乐山市中小企业在哪里查询补贴政策？", None),
        # A clause break before 在哪里 leaves nothing asked about in its clause.
        ("河北省的单位想要审批投资项目，可以在哪里办理呢？", None),
        ("北京市将重点企业的用工需求信息发布在哪？", None),
        ("申报指南的具体内容在哪里能够查到？", None),  # a word that names no thing of its own
    ],
)
def test_the_thing_a_where_question_asks_about(text, thing):
    assert checks.asked_where(understand(text, KNOWN)) == thing


def test_a_passage_that_never_names_what_a_where_question_asks_about_does_not_answer_it():
    text = "成都大运会的门票在哪里购买？"
    sentence = "开展“爱成都 迎大运”系列活动，创建专业化办赛机制。"
    met, a, question, fact, found = check_of(text, sentence, "全力保障大运会顺利举办", 2021)
    assert met == {"term": False}
    reason = reasons.unmet(a, question, sentence, fact, found)
    assert reason.code == "subject_not_mentioned" and reason.message == "报告中没有提到“门票”"
    assert check_of(text, "大运会门票可通过官方票务网站购买。", "全力保障大运会顺利举办", 2021)[0] == {"term": True}


def test_no_report_of_the_year_or_place():
    reports = [(2020, ("四川省", "成都市")), (2021, ("四川省", "成都市", "青羊区")), (2017, ("全国",))]
    question = understand("成都2022年GDP是多少", {"四川省", "成都市", "青羊区", "全国"})
    reason = reasons.no_report(question, reports)
    assert reason.code == "no_report" and reason.message == "没有成都市2022年的报告（已收录：成都市：2020—2021年）"
    assert reasons.no_report(understand("2020年成都GDP是多少", {"成都市"}), reports) is None
    # Reports are not written every year: a gap of a year or two does not break a run.
    assert reasons.year_ranges([1954, 1955, 1956, 1958, 1975]) == "1954—1958、1975年"
