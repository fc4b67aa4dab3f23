"""Background jobs: uploads are indexed one job at a time by one worker thread, while searches go on.

``JobQueue.submit(files, run)`` answers at once with a ``Job`` (the API's
``202`` and ``/api/jobs/{id}``); the worker calls ``run(job)``, which reports
progress on the job as each file commits. Finished jobs are kept (the newest
``keep``) so their results can be read after the fact.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("govqa.web")


@dataclass
class Job:
    """One upload of one or more files: ``state`` is queued, running, done or failed."""

    id: str
    files: list[str]
    state: str = "queued"
    done: int = 0
    message: str = ""
    results: list[Any] = field(default_factory=list)  # web.service.UploadReport, one per finished file
    created: float = field(default_factory=time.time)
    finished: float | None = None
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def total(self) -> int:
        """How many files the job holds."""
        return len(self.files)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished; True when it has."""
        return self._finished.wait(timeout)

    def to_json(self) -> dict[str, Any]:
        """The job as ``/api/jobs/{id}`` returns it."""
        return {
            "job": self.id,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "message": self.message,
            "files": [r.to_json() for r in self.results],
            "status_url": f"/api/jobs/{self.id}",
        }


class JobQueue:
    """A FIFO of jobs and the one worker thread that runs them (one writer: the index takes one at a time)."""

    def __init__(self, keep: int = 200):
        self._queue: queue.Queue[tuple[Job, Callable[[Job], None]] | None] = queue.Queue()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def submit(self, files: list[str], run: Callable[[Job], None]) -> Job:
        """Queue ``run(job)`` for ``files`` (their client names) and return the job at once."""
        job = Job(secrets.token_hex(8), files)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                oldest = next(iter(self._jobs.values()))
                if oldest.state in ("queued", "running"):
                    break
                self._jobs.popitem(last=False)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="govqa-jobs", daemon=True)
                self._thread.start()
        self._queue.put((job, run))
        return job

    def get(self, job_id: str) -> Job | None:
        """The job with this id, or None (unknown or long forgotten)."""
        with self._lock:
            return self._jobs.get(job_id)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the worker to stop (the index notices between embedding batches) and wait up to ``timeout`` s.

        Queued jobs are marked failed; the running one ends with the files committed so far.
        """
        self.stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            job, run = item
            if self.stopping.is_set():
                self._finish(job, "failed", "the server stopped before this upload started: send it again")
                continue
            job.state = "running"
            try:
                run(job)
            except Exception as exc:  # reported on the job, never kills the worker
                log.exception("upload job %s failed", job.id)
                self._finish(job, "failed", str(exc))
                continue
            self._finish(job, "done", job.message)

    @staticmethod
    def _finish(job: Job, state: str, message: str) -> None:
        job.state, job.message, job.finished = state, message, time.time()
        job._finished.set()
