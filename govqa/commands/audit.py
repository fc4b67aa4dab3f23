"""``govqa audit`` and ``govqa keys``: the audit log of uploads, removals, moves and refusals; the scoped API keys.

The audit log is ``audit.jsonl`` in the index folder (``web.audit``), appended by the server; reading it
needs read access to that folder (an administrator's). ``govqa keys`` lists the ``[keys.NAME]`` of the
users file (``[app] users_file``) with their groups and what they may do, never the keys themselves.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from govqa.config import load_config
from govqa.errors import ConfigError


def register(app: typer.Typer) -> None:
    """Add ``govqa audit`` and ``govqa keys``."""
    app.command("audit")(audit_command)
    app.command("keys")(keys_command)


def audit_command(
    index_dir: Path = typer.Option(None, "--index", help="Index folder (default: config [index] path)."),
    since: str = typer.Option(None, "--since", help="Only events at or after this UTC date or time, e.g. 2026-12-01."),
    user: str = typer.Option(None, "--user", help="Only events of this user (and of its widget and keys)."),
    as_json: bool = typer.Option(False, "--json", help="Print the events as JSON lines."),
) -> None:
    """Show the audit log: who uploaded, removed or moved what, when and from where, and every refusal."""
    from govqa.web.audit import AUDIT_NAME, read_audit

    folder = Path(index_dir or load_config().index.path)
    if not folder.is_dir():
        raise ConfigError(f"no index folder {folder}: pass --index DIR")
    events = list(read_audit(folder / AUDIT_NAME, since, user))
    for event in events:
        if as_json:
            typer.echo(json.dumps(event.to_json(), ensure_ascii=False))
        else:
            what = "、".join(event.what)
            detail = f"\t{event.detail}" if event.detail else ""
            typer.echo(
                f"{event.at}\t{event.who}\t{event.action}\t{event.library}\t{what}\t{event.address}\t"
                f"{event.outcome}{detail}"
            )
    if not as_json:
        typer.echo(f"{len(events)} event(s)")


def keys_command() -> None:
    """List the scoped API keys of the users file with their groups and the libraries they may read and edit."""
    from govqa.web.auth import Access, Principal, load_policy

    config = load_config()
    if not config.app.users_file:
        raise ConfigError("no users file: set [app] users_file (the [keys.NAME] tables live there)")
    policy = load_policy(config.app.users_file)
    access = Access(policy=policy)
    named = sorted(policy.libraries or {})
    if config.app.api_key:
        typer.echo("key\t(the [app] api_key)\tadmin\treads: every library\tedits: every library")
    for key in policy.keys:
        who = Principal(f"key:{key.name}", key.groups, key.read_only)
        reads = [n for n in named if access.may_read(who, n)] if policy.libraries is not None else ["every library"]
        edits = [n for n in named if access.may_edit(who, n)] if policy.libraries is not None else ["every library"]
        if key.read_only:
            edits = []
        groups = ", ".join(sorted(key.groups)) or "-"
        typer.echo(
            f"key:{key.name}\t{key.sha256[:12]}…\tgroups: {groups}\treads: {', '.join(reads) or '-'}\t"
            f"edits: {', '.join(edits) or '-'}"
        )
    typer.echo(f"{len(policy.keys)} scoped key(s)")
