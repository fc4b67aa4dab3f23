"""`govqa model` (added by a later stage)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this command group to the main app (nothing yet)."""
