"""Question validation and the years and places a question names."""

import pytest

from qa.question import QuestionError, short_name, understand, validate


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", None])
def test_empty_questions_get_a_clear_message(bad):
    with pytest.raises(QuestionError, match="empty"):
        validate(bad, 100)


def test_oversize_and_wordless_questions_are_refused_with_a_reason():
    with pytest.raises(QuestionError, match="too long"):
        validate("问" * 10_000, 2000)
    with pytest.raises(QuestionError, match="no words"):
        validate("？？！……“”", 100)


def test_full_width_characters_are_normalised():
    assert validate("２０１９年ＧＤＰ是多少", 100) == "2019年GDP是多少"


def test_years_and_places_are_read_from_the_question():
    q = understand("2019年成都地区生产总值是多少", {"成都市", "青羊区"})
    assert q.years == (2019,) and q.places == ("成都市",)
    assert understand("2026年四川省GDP增长目标", set()).places == ("四川省",)
    assert "全国" in understand("国务院2008年政府工作报告提出了什么", set()).places
    assert "全国" not in understand("成都在全国率先推行的行政处罚制度是什么", {"成都市"}).places
    assert understand("青羊的研发投入", {"青羊区"}).places == ("青羊区",)


def test_short_names():
    assert short_name("成都市") == "成都"
    assert short_name("广西壮族自治区") == "广西"
    assert short_name("青羊区") == "青羊"
