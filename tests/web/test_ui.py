"""Page handlers that need no browser: filters, messages, who may change the library."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from govqa.config import Config
from govqa.errors import GovqaError
from govqa.qa import Filters
from govqa.qa.question import QuestionError, validate
from govqa.web.auth import Access, make_hash
from govqa.web.service import Service
from govqa.web.ui import Page, filters_of


def test_filters_from_widgets() -> None:
    assert filters_of(None, None, None) is None
    assert filters_of([], "", "") is None
    assert filters_of(["a.txt"], "成都市", "2020") == Filters(("a.txt",), ("成都市",), 2020, 2020)
    assert filters_of(None, None, "2015-2020") == Filters((), (), 2015, 2020)  # a range is kept, not dropped


def test_filters_from_widgets_are_checked_as_the_api_checks_them() -> None:
    with pytest.raises(QuestionError, match="ends before it starts"):
        filters_of(None, None, "2020-2015")
    with pytest.raises(QuestionError, match="year must be"):
        filters_of(None, None, "二〇二〇")


@pytest.mark.parametrize(
    ("question", "words"), [("", "请输入问题"), ("问" * 30, "问题过长（最多 20 字）"), ("？！", "没有可检索的文字")]
)
def test_question_errors_have_a_chinese_page_message(question: str, words: str) -> None:
    with pytest.raises(QuestionError) as raised:
        validate(question, max_chars=20)
    assert words in raised.value.page_message


def test_other_errors_show_their_own_message_on_the_page() -> None:
    assert GovqaError("其他", "run `govqa index rebuild`").page_message == "其他: run `govqa index rebuild`"


def test_who_may_upload_or_remove() -> None:
    def page(access: Access) -> Page:
        return Page(Service(Config(), access=access))

    anonymous, alice = SimpleNamespace(username=None), SimpleNamespace(username="alice")
    assert page(Access()).may_write("", anonymous)
    keyed = page(Access(api_key="k"))
    assert not keyed.may_write("", anonymous) and not keyed.may_write("x", anonymous)
    assert keyed.may_write("k", anonymous)
    login = page(Access(users={"alice": make_hash("pw")}))
    assert login.may_write("", alice) and not login.may_write("", anonymous)
