"""The ``govqa`` command: one sub-command per stage (ingest, index, model, search, ask, serve, eval).

Every ``GovqaError`` that reaches the top ends the command here, the one
handler for all of them: one line on stderr (``error: …``, with the command that
fixes it where there is one) and its exit code (2: cannot be used as is).
"""

from __future__ import annotations

import logging
from typing import Any

import typer
from typer.core import TyperGroup

from govqa.commands import audit as audit_cmd
from govqa.commands import eval as eval_cmd
from govqa.commands import index as index_cmd
from govqa.commands import ingest as ingest_cmd
from govqa.commands import model as model_cmd
from govqa.commands import search as search_cmd
from govqa.commands import serve as serve_cmd
from govqa.errors import GovqaError


class _Group(TyperGroup):
    """The command group; sub-groups (``govqa index …``) run inside its ``invoke``, so this one handler sees all."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except GovqaError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_Group,
    help="Search and answers over Chinese government reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
ingest_cmd.register(app)
index_cmd.register(app)
model_cmd.register(app)
search_cmd.register(app)
serve_cmd.register(app)
eval_cmd.register(app)
audit_cmd.register(app)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details.")) -> None:
    """govqa: ingest reports, build an index, search it, serve it, evaluate it."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(message)s")
