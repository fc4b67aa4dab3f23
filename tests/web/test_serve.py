"""`govqa serve` and `python app.py` entry points (without starting a server)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from typer.testing import CliRunner

from govqa.cli import app
from govqa.web.auth import verify_password

REPO = Path(__file__).resolve().parents[2]


def test_serve_options_listed() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--index", "--hash-password"):
        assert option in result.output


def test_hash_password_prints_a_usable_hash() -> None:
    result = CliRunner().invoke(app, ["serve", "--hash-password"], input="pw-1\npw-1\n")
    assert result.exit_code == 0
    digest = result.output.strip().splitlines()[-1]
    assert digest.startswith("scrypt$") and verify_password("pw-1", digest)


def test_app_py_runs_the_server_only_as_a_script() -> None:
    spec = importlib.util.spec_from_file_location("govqa_app", REPO / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # importing must not start a server
    assert callable(module.serve)
