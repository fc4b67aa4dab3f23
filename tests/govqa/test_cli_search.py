"""``govqa search`` and ``govqa ask`` without a usable index: one line saying what to do, exit 2."""

import pytest
from typer.testing import CliRunner

from govqa.cli import app


@pytest.mark.parametrize("command", ["search", "ask", "compare"])
def test_a_missing_index_is_a_one_line_error(command, tmp_path):
    result = CliRunner().invoke(app, [command, "大运会有哪些场馆", "--index", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "no index at" in lines[0] and "govqa index add" in lines[0]
    assert "Traceback" not in result.output


def test_compare_refuses_an_unknown_order_before_opening_anything(tmp_path):
    result = CliRunner().invoke(app, ["compare", "地区生产总值增长目标", "--by", "size", "--index", str(tmp_path)])
    assert result.exit_code == 2 and "--by takes one of report, region, year" in result.output
