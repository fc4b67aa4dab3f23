"""Upload jobs on disk: one SQLite file (WAL) that outlives the server, so an accepted upload is never lost.

A job is written here, with its files, before its ``202`` is answered. As it
runs, each file gets its totals when it is loaded and each document a row
before it is committed to the index (``plan``) and a mark once committed
(``commit``); a server started again reads the unfinished jobs back
(``unfinished``) and goes on from the documents not marked. Finished jobs are
kept, the newest ``KEEP`` of them, for ``/api/jobs``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govqa.errors import GovqaError

KEEP = 200  # finished jobs kept for /api/jobs
ENDED = ("done", "failed", "cancelled")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,                 -- queued | running | done | failed | cancelled
    message TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,               -- seconds since the epoch
    finished REAL,
    cancel INTEGER NOT NULL DEFAULT 0,   -- 1: asked to stop (a restart ends it as cancelled)
    library TEXT NOT NULL DEFAULT '',    -- the library its documents go to ('' : the index's default)
    owner TEXT NOT NULL DEFAULT ''       -- who sent it (web.auth.Principal.name)
);
CREATE TABLE IF NOT EXISTS files (
    job TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,                -- order in the upload
    name TEXT NOT NULL,                  -- the client's name
    path TEXT NOT NULL,                  -- the stored upload; '' when refused on arrival
    status TEXT NOT NULL,                -- pending | added | unchanged | replaced | mixed | failed | cancelled
    message TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '[]',    -- JSON list: pages of a scan to check
    documents INTEGER,                   -- documents to index, once the file is loaded
    chunks INTEGER,
    PRIMARY KEY (job, seq)
);
CREATE TABLE IF NOT EXISTS documents (
    job TEXT NOT NULL,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,                -- added | replaced | unchanged
    chunks INTEGER NOT NULL,
    committed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job, seq, name),
    FOREIGN KEY (job, seq) REFERENCES files(job, seq) ON DELETE CASCADE
);
"""


def _upgrade(db: sqlite3.Connection) -> None:
    """A job file of a server before libraries (issue 28) gains the jobs' library and owner, in place."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    for column in ("library", "owner"):
        if column not in columns:
            db.execute(f"ALTER TABLE jobs ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")


class JobStoreError(GovqaError):
    """The job file cannot be written (read-only or full disk); the API answers 503."""

    status = 503


@dataclass(frozen=True)
class DocResult:
    """One committed document of an uploaded file: ``status`` added, replaced or unchanged."""

    name: str
    status: str
    chunks: int


@dataclass
class FileRecord:
    """One file of a job: its outcome, its committed documents (listed when asked for) and the counts.

    ``documents_total``/``chunks_total`` (what the file holds to index) are None until the file is read.
    """

    seq: int
    name: str
    path: str = ""
    status: str = "pending"
    message: str = ""
    notes: list[str] = field(default_factory=list)
    documents: list[DocResult] = field(default_factory=list)
    documents_done: int = 0
    chunks_done: int = 0
    documents_total: int | None = None
    chunks_total: int | None = None

    def to_json(self, documents: bool = True) -> dict[str, Any]:
        """The file as ``/api/jobs/{id}`` gives it (``documents=False``: the counts without the list)."""
        data: dict[str, Any] = {"file": self.name, "status": self.status, "message": self.message}
        if documents:
            data["documents"] = [vars(d) for d in self.documents]
        return data | {
            "notes": self.notes,
            "documents_done": self.documents_done,
            "documents_total": self.documents_total,
            "chunks_done": self.chunks_done,
            "chunks_total": self.chunks_total,
        }


@dataclass
class JobRecord:
    """One upload: its ``state`` (queued, running, done, failed, cancelled) and its files in the order sent."""

    id: str
    state: str
    message: str
    created: float
    finished: float | None
    cancel: bool
    files: list[FileRecord]
    library: str = ""
    owner: str = ""

    @property
    def ended(self) -> bool:
        """Done, failed or cancelled."""
        return self.state in ENDED

    @property
    def done(self) -> int:
        """Files finished (indexed, refused or cancelled)."""
        return sum(f.status != "pending" for f in self.files)

    @property
    def total(self) -> int:
        """Files in the job."""
        return len(self.files)

    def to_json(self, documents: bool = True) -> dict[str, Any]:
        """The job as ``/api/jobs/{id}`` gives it; the totals of documents and chunks are None while a file is unread."""

        def total(key: str) -> int | None:
            if any(f.status == "pending" and getattr(f, key) is None for f in self.files):
                return None
            return sum(getattr(f, key) or 0 for f in self.files)

        return {
            "job": self.id,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "message": self.message,
            "cancel_requested": self.cancel,
            "library": self.library,
            "created": self.created,
            "finished": self.finished,
            "documents_done": sum(f.documents_done for f in self.files),
            "documents_total": total("documents_total"),
            "chunks_done": sum(f.chunks_done for f in self.files),
            "chunks_total": total("chunks_total"),
            "files": [f.to_json(documents) for f in self.files],
            "status_url": f"/api/jobs/{self.id}",
        }


class JobStore:
    """The jobs of one server in ``path`` (SQLite, WAL, every commit synced). Safe to call from many threads.

    The file is created by the first job; reading a store that does not exist
    yet gives no jobs. ``JobStoreError`` when the file cannot be written.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the file (the next call opens it again)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @contextmanager
    def _connection(self, create: bool = True) -> Iterator[sqlite3.Connection | None]:
        with self._lock:
            if self._db is None and (create or self.path.exists()):
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
                    db.executescript("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
                    db.executescript(_SCHEMA)
                    _upgrade(db)
                except (OSError, sqlite3.Error) as exc:
                    raise JobStoreError(
                        f"the server cannot record upload jobs in {self.path} ({exc}): "
                        "ask its administrator to check [app] data_dir"
                    ) from None
                self._db = db
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise JobStoreError(f"the upload job file {self.path} cannot be written ({exc})") from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as db:
            assert db is not None
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- writing --------------------------------------------------------------
    def create(self, job_id: str, files: list[FileRecord], library: str = "", owner: str = "") -> None:
        """Record a new queued job with its files, in one transaction; older finished jobs beyond ``KEEP`` go."""
        with self._write() as db:
            db.execute(
                "INSERT INTO jobs (id, state, created, library, owner) VALUES (?, 'queued', ?, ?, ?)",
                (job_id, time.time(), library, owner),
            )
            db.executemany(
                "INSERT INTO files (job, seq, name, path, status, message) VALUES (?, ?, ?, ?, ?, ?)",
                [(job_id, f.seq, f.name, f.path, f.status, f.message) for f in files],
            )
            db.execute(
                "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN (?, ?, ?) "
                "ORDER BY created DESC LIMIT -1 OFFSET ?)",
                (*ENDED, KEEP),
            )

    def set_state(self, job_id: str, state: str, message: str = "") -> None:
        """Set a job's state; an ended state also stamps ``finished``."""
        finished = time.time() if state in ENDED else None
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET state = ?, message = ?, finished = ? WHERE id = ?", (state, message, finished, job_id)
            )

    def ask_cancel(self, job_id: str) -> None:
        """Remember that the job was asked to stop (a restart then ends it instead of resuming it)."""
        with self._write() as db:
            db.execute("UPDATE jobs SET cancel = 1 WHERE id = ?", (job_id,))

    def loaded(self, job_id: str, seq: int, documents: int, chunks: int, notes: list[str]) -> None:
        """A file was read: how many documents and chunks it has to index, and what to check in it."""
        with self._write() as db:
            db.execute(
                "UPDATE files SET documents = ?, chunks = ?, notes = ? WHERE job = ? AND seq = ?",
                (documents, chunks, json.dumps(notes, ensure_ascii=False), job_id, seq),
            )

    def plan(self, job_id: str, seq: int, name: str, status: str, chunks: int) -> None:
        """A document is about to be committed as ``status`` (the first plan of a name stays: a restart keeps it)."""
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO documents (job, seq, name, status, chunks) VALUES (?, ?, ?, ?, ?)",
                (job_id, seq, name, status, chunks),
            )

    def commit(self, job_id: str, seq: int, results: Iterable[DocResult]) -> None:
        """Mark documents committed; an ``unchanged`` result keeps the planned status (committed before a restart)."""
        with self._write() as db:
            db.executemany(
                "INSERT INTO documents (job, seq, name, status, chunks, committed) VALUES (?, ?, ?, ?, ?, 1) "
                "ON CONFLICT (job, seq, name) DO UPDATE SET committed = 1, chunks = excluded.chunks, "
                "status = CASE WHEN excluded.status = 'unchanged' THEN status ELSE excluded.status END",
                [(job_id, seq, r.name, r.status, r.chunks) for r in results],
            )

    def finish_file(self, job_id: str, seq: int, status: str, message: str) -> None:
        """A file's outcome."""
        with self._write() as db:
            db.execute(
                "UPDATE files SET status = ?, message = ? WHERE job = ? AND seq = ?", (status, message, job_id, seq)
            )

    # -- reading --------------------------------------------------------------
    def get(self, job_id: str, documents: bool = True) -> JobRecord | None:
        """The job with this id, with its files' committed documents listed (unless not wanted); or None."""
        found = self._read("WHERE id = ?", (job_id,), documents)
        return found[0] if found else None

    def jobs(self) -> list[JobRecord]:
        """Every job kept, newest first; files with their counts, documents not listed."""
        return self._read("ORDER BY created DESC", ())

    def unfinished(self) -> list[JobRecord]:
        """Jobs queued or running, oldest first (the order to resume them in)."""
        return self._read("WHERE state IN ('queued', 'running') ORDER BY created", ())

    def committed(self, job_id: str, seq: int) -> set[str]:
        """Names of the file's documents marked committed."""
        with self._connection(create=False) as db:
            if db is None:
                return set()
            rows = db.execute("SELECT name FROM documents WHERE job = ? AND seq = ? AND committed", (job_id, seq))
            return {name for (name,) in rows}

    def _read(self, where: str, args: tuple, documents: bool = False) -> list[JobRecord]:
        with self._connection(create=False) as db:
            if db is None:
                return []
            jobs = db.execute(
                f"SELECT id, state, message, created, finished, cancel, library, owner FROM jobs {where}", args
            ).fetchall()
            return [
                JobRecord(
                    job_id,
                    state,
                    message,
                    created,
                    finished,
                    bool(cancel),
                    self._files(db, job_id, documents),
                    library,
                    owner,
                )
                for job_id, state, message, created, finished, cancel, library, owner in jobs
            ]

    @staticmethod
    def _files(db: sqlite3.Connection, job_id: str, documents: bool) -> list[FileRecord]:
        counts = {
            seq: (n, chunks)
            for seq, n, chunks in db.execute(
                "SELECT seq, COUNT(*), SUM(chunks) FROM documents WHERE job = ? AND committed GROUP BY seq", (job_id,)
            )
        }
        listed: dict[int, list[DocResult]] = {}
        if documents:
            for seq, name, status, chunks in db.execute(
                "SELECT seq, name, status, chunks FROM documents WHERE job = ? AND committed ORDER BY rowid", (job_id,)
            ):
                listed.setdefault(seq, []).append(DocResult(name, status, chunks))
        return [
            FileRecord(
                seq,
                name,
                path,
                status,
                message,
                json.loads(notes),
                listed.get(seq, []),
                *counts.get(seq, (0, 0)),
                total_docs,
                total_chunks,
            )
            for seq, name, path, status, message, notes, total_docs, total_chunks in db.execute(
                "SELECT seq, name, path, status, message, notes, documents, chunks FROM files WHERE job = ? ORDER BY seq",
                (job_id,),
            )
        ]
