"""``govqa serve``: the page, the JSON API and the widget on http://HOST:PORT (default 127.0.0.1:7860)."""

from __future__ import annotations

from pathlib import Path

import typer

from govqa.config import load_config


def register(app: typer.Typer) -> None:
    """Add ``govqa serve``."""
    app.command("serve")(serve)


def serve(
    host: str = typer.Option(None, "--host", help="Address to listen on (default: config app.host, 127.0.0.1)."),
    port: int = typer.Option(None, "--port", help="Port (default: config app.port, 7860)."),
    index_dir: Path = typer.Option(
        None,
        "--index",
        help="Index folder (default: config or $GOVQA_INDEX); built from config app.corpus_dir on first start.",
    ),
    hash_password: bool = typer.Option(
        False, "--hash-password", help="Ask for a password, print its hash for the users file, and exit."
    ),
    hash_key: bool = typer.Option(
        False,
        "--hash-key",
        help="Make a new API key, print it and the sha256 line for a [keys.NAME] table of the users file, and exit.",
    ),
) -> None:
    """Serve the question page, /api/* and /widget; builds the index from the corpus on first start."""
    if hash_key:
        import secrets

        from govqa.web.auth import key_digest

        key = secrets.token_urlsafe(32)
        typer.echo(f"key (give it to its user; it is not stored): {key}")
        typer.echo(f'sha256 = "{key_digest(key)}"')
        raise typer.Exit(0)
    if hash_password:
        from govqa.web.auth import make_hash

        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        typer.echo(make_hash(password))
        raise typer.Exit(0)
    from govqa.web import serve as run_server

    run_server(load_config(), index_dir, host, port)
