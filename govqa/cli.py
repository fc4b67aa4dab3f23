"""The ``govqa`` command: one sub-command per stage (ingest, index, model, search, ask, serve, eval)."""

from __future__ import annotations

import logging

import typer

from govqa.commands import eval as eval_cmd
from govqa.commands import index as index_cmd
from govqa.commands import ingest as ingest_cmd
from govqa.commands import model as model_cmd
from govqa.commands import search as search_cmd
from govqa.commands import serve as serve_cmd

app = typer.Typer(
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


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details.")) -> None:
    """govqa: ingest reports, build an index, search it, serve it, evaluate it."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(message)s")
