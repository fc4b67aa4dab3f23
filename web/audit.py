"""The audit log: uploads, removals, moves and refusals, appended as JSON lines beside the index.

One line per event, never rewritten: ``{"at": ISO time (UTC), "who": principal name, "action": …,
"library": …, "what": document or file names, "from": client address, "outcome": ok | refused,
"detail": …}``. Appends are one ``write`` of a whole line to a file opened with ``O_APPEND``, so
lines of several threads or processes never interleave (POSIX: appends of a line under PIPE_BUF
bytes are atomic; a longer line is still appended whole by one write on a local file system).
Read by ``govqa audit`` and the page's admin section (``read_audit``).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

AUDIT_NAME = "audit.jsonl"
ACTIONS = ("upload", "remove", "move", "cancel", "refused")


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit log."""

    at: str
    who: str
    action: str
    library: str
    what: tuple[str, ...]
    address: str
    outcome: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """The line's JSON object (``from`` for the address)."""
        return {
            "at": self.at,
            "who": self.who,
            "action": self.action,
            "library": self.library,
            "what": list(self.what),
            "from": self.address,
            "outcome": self.outcome,
            "detail": self.detail,
        }


class AuditLog:
    """Appends events to ``path`` (created on the first event); safe from many threads and processes."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(
        self,
        who: str,
        action: str,
        library: str,
        what: list[str] | tuple[str, ...],
        address: str = "",
        outcome: str = "ok",
        detail: str = "",
    ) -> AuditEvent:
        """Append one event now; ``OSError`` when the file cannot be written (the caller's action is then refused)."""
        event = AuditEvent(
            datetime.now(UTC).isoformat(timespec="seconds"), who, action, library, tuple(what), address, outcome, detail
        )
        line = (json.dumps(event.to_json(), ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        return event

    def events(self, since: str | None = None, user: str | None = None) -> list[AuditEvent]:
        """The events at or after ``since`` (an ISO date or time, UTC) by ``user`` (or a key/widget of that user),
        oldest first."""
        return list(read_audit(self.path, since, user))


def read_audit(path: str | Path, since: str | None = None, user: str | None = None) -> Iterator[AuditEvent]:
    """Events of the audit log file ``path`` (none when it does not exist), filtered as ``AuditLog.events``."""
    path = Path(path)
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                data = json.loads(line)
            except json.JSONDecodeError:  # a line cut by a crash: skipped, the rest is read
                continue
            if since and data["at"] < since:
                continue
            if user and data["who"] not in (user, f"widget:{user}", f"key:{user}"):
                continue
            yield AuditEvent(
                data["at"],
                data["who"],
                data["action"],
                data["library"],
                tuple(data["what"]),
                data["from"],
                data["outcome"],
                data.get("detail", ""),
            )
