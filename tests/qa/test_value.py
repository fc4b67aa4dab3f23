"""Value reading: the quantity a sentence states, and the numbers that are never one."""

import pytest

from govqa.qa.value import Value, asks_quantity, read_value, values_in

GDP = ["地区", "生产总值", "增长", "目标"]


def reading(sentence: str, terms=GDP) -> tuple:
    value = read_value(sentence, terms)
    assert value is not None, sentence
    assert sentence[value.start : value.end] == value.text
    return value.text, value.low, value.high, value.unit, value.qualifier


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("主要预期目标是：地区生产总值增长5%左右；", ("5%左右", 5.0, 5.0, "%", "左右")),
        ("地区生产总值增长5.5%以上，在实际工作中争取更好结果。", ("5.5%以上", 5.5, 5.5, "%", "以上")),
        ("城镇调查失业率控制在5.5%以内。", ("5.5%以内", 5.5, 5.5, "%", "以内")),
        ("经济增长速度８％左右。", ("８％左右", 8.0, 8.0, "%", "左右")),  # full-width, read as written
        ("经济增长速度8 ％。", ("8 ％", 8.0, 8.0, "%", "")),
    ],
)
def test_percentages_with_their_qualifier(sentence, expected):
    assert reading(sentence) == expected


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("全省地区生产总值增长5.0%—5.5%，争取更好结果。", ("5.0%—5.5%", 5.0, 5.5, "%", "")),
        ("国内生产总值增长6.5%-7%。", ("6.5%-7%", 6.5, 7.0, "%", "")),
        ("地区生产总值增长6%～7%。", ("6%～7%", 6.0, 7.0, "%", "")),
        ("地区生产总值增长5%至5.5%左右。", ("5%至5.5%左右", 5.0, 5.5, "%", "左右")),
    ],
)
def test_a_range_keeps_both_ends(sentence, expected):
    assert reading(sentence) == expected


@pytest.mark.parametrize(
    "sentence, terms, expected",
    [
        ("全年地区生产总值达到64697亿元。", ["生产总值"], ("64697亿元", 64697.0, 64697.0, "亿元", "")),
        ("城镇新增就业50万人以上。", ["就业"], ("50万人以上", 50.0, 50.0, "万人", "以上")),
        ("高标准农田建设面积稳定在1,200万亩。", ["农田"], ("1,200万亩", 1200.0, 1200.0, "万亩", "")),
        ("国内生产总值达到7 4 7 7 2 亿元。", ["生产总值"], ("7 4 7 7 2 亿元", 74772.0, 74772.0, "亿元", "")),
    ],
)
def test_amounts_keep_their_magnitude_in_the_unit(sentence, terms, expected):
    assert reading(sentence, terms) == expected


@pytest.mark.parametrize(
    "sentence, terms, expected",
    [
        ("城镇新增就业一百二十万人以上。", ["就业"], ("一百二十万人以上", 120.0, 120.0, "万人", "以上")),
        ("粮食播种面积一千一百零五万亩。", ["粮食"], ("一千一百零五万亩", 1105.0, 1105.0, "万亩", "")),
        ("全年进出口总额一千二百零一亿元。", ["进出口"], ("一千二百零一亿元", 1201.0, 1201.0, "亿元", "")),
        ("钢产量增长约两倍。", ["钢产量"], ("约两倍", 2.0, 2.0, "倍", "约")),
    ],
)
def test_chinese_numerals(sentence, terms, expected):
    assert reading(sentence, terms) == expected


@pytest.mark.parametrize(
    "sentence, terms, expected",
    [
        (
            "今年计划要求，国民生产总值增长百分之六，全社会固定资产投资增长百分之八。",
            ["生产总值"],
            ("百分之六", 6.0, 6.0, "%", ""),
        ),
        ("今年经济增长速度的宏观调控目标，定为百分之八至九。", ["经济增长"], ("百分之八至九", 8.0, 9.0, "%", "")),
        ("工农业总产值平均每年增长百分之六点七左右。", ["总产值"], ("百分之六点七左右", 6.7, 6.7, "%", "左右")),
    ],
)
def test_percentages_in_words(sentence, terms, expected):
    assert reading(sentence, terms) == expected


def test_a_lone_chinese_digit_is_a_word_not_a_value():
    assert values_in("进一步统一思想，一般公共预算收入稳步增长。") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "2025年是“十四五”规划收官之年。",
        "根据国办发〔2009〕3号文件精神推进改革。",
        "2024年12月5日召开全省经济工作会议。",
        "全面贯彻党的二十大和二十届三中全会精神。",
        "（三）着力扩大有效需求。",
        "二〇二五年政府工作报告",
        "一九五八年的工作。",
        "在全国排名第20位。",
    ],
)
def test_years_dates_document_numbers_ordinals_names_and_headings_are_never_values(sentence):
    assert values_in(sentence) == []


def test_a_year_next_to_the_value_is_not_read_as_it():
    assert reading("2025年地区生产总值增长目标为5%左右。") == ("5%左右", 5.0, 5.0, "%", "左右")
    assert reading("按照国发〔2024〕12号文件要求，地区生产总值增长6%。") == ("6%", 6.0, 6.0, "%", "")


def test_the_value_read_is_the_one_the_question_words_stand_before():
    sentence = (
        "主要预期目标是：全市生产总值增长5%左右，地方一般公共预算收入增长2%，"
        "研发经费支出相当于全市生产总值的比例达到4.5%左右。"
    )
    assert reading(sentence)[0] == "5%左右"
    assert reading(sentence, ["一般公共预算", "收入"])[0] == "2%"


def test_a_value_before_its_words_is_read_when_nothing_stands_before_it():
    assert (
        reading("这里要着重说明，提出８％左右的国内生产总值增长目标。", ["生产总值", "增长", "目标"])[0] == "８％左右"
    )


def test_a_sentence_without_a_value_gives_none():
    assert read_value("居民收入增长与经济增长同步。", GDP) is None


def test_value_offsets_slice_the_sentence():
    sentence = "今年粮食产量1300亿斤以上，城镇新增就业110万人以上。"
    assert [(v.text, sentence[v.start : v.end]) for v in values_in(sentence)] == [
        ("1300亿斤以上", "1300亿斤以上"),
        ("110万人以上", "110万人以上"),
    ]
    assert isinstance(values_in(sentence)[0], Value)


@pytest.mark.parametrize(
    "question, expected",
    [
        ("2025年地区生产总值增长目标是多少", True),
        ("国内生产总值增长目标", True),
        ("第三产业比重", True),
        ("城镇新增就业多少人", True),
        ("哪些省份提出了低空经济", False),
        ("大运会有哪些场馆", False),
    ],
)
def test_which_questions_ask_for_a_quantity(question, expected):
    assert asks_quantity(question) is expected
