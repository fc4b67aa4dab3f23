"""Page handlers that need no browser: filters, messages, who may change the library."""

from __future__ import annotations

from types import SimpleNamespace

from govqa.config import Config
from qa import Filters, QuestionError
from web.auth import Access, make_hash
from web.service import QuestionTooLong, Service
from web.ui import Page, filters_of, friendly_error


def test_filters_from_widgets() -> None:
    assert filters_of(None, None, None) is None
    assert filters_of([], "", "") is None
    assert filters_of(["a.txt"], "成都市", "2020") == Filters(("a.txt",), ("成都市",), 2020, 2020)


def test_messages_in_chinese_for_fixable_errors() -> None:
    service = Service(Config())
    assert "请输入问题" in friendly_error(QuestionError("the question is empty: type"), service)
    assert "问题过长" in friendly_error(QuestionTooLong("too long"), service)
    assert friendly_error(RuntimeError("其他"), service) == "其他"


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
