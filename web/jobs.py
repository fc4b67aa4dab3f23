"""Upload jobs: durable, taking turns, cancellable, and never in the way of a removal.

Every job is recorded in a ``JobStore`` before its ``202`` and survives the
server: ``Jobs.start`` resumes the unfinished ones from the documents not yet
committed (a document the index already holds with the same content is not
embedded again). One worker thread indexes them; jobs take turns: a turn reads
a job's next file (outside the index's write lock) and commits its documents
for about ``TURN_SECONDS`` before the next job's turn, so a small upload is
not stuck behind a 300,000-row CSV. A turn also ends, between documents, as
soon as a removal waits (``Jobs.removal``), and the next turn starts only
after it: a removal waits for the documents being embedded, not the upload.
"""

from __future__ import annotations

import builtins
import logging
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from govqa.errors import GovqaError
from govqa.web.job_store import DocResult, FileRecord, JobRecord, JobStore
from govqa.web.uploads import UploadStore

if TYPE_CHECKING:
    from govqa.index.index import Index
    from govqa.ingest.document import Chunk, Document

log = logging.getLogger("govqa.web")

TURN_SECONDS = 5.0  # a job's turn, when another job waits for one
TAKING_TURNS = 4  # jobs taking turns at once (each holds its current file in memory); later ones wait
PROGRESS_SECONDS = 1.0  # how often a running turn records the documents committed so far
SHOWN_DOCUMENTS = 10  # a file's message names its documents up to this many, else counts them


class UnknownJob(GovqaError):
    """No job has this id (or it is long forgotten); the API answers 404."""

    status = 404


class JobEnded(GovqaError):
    """The job has already ended: nothing to cancel; the API answers 409."""

    status = 409


def new_job_id() -> str:
    """A fresh job id: 16 hex digits."""
    return secrets.token_hex(8)


@dataclass
class _Loaded:
    """The file of a job being indexed: its documents still to commit, and reasons for rows left out."""

    seq: int
    remaining: deque[tuple[Document, list[Chunk]]]  # a document and its chunks
    problems: list[str] = field(default_factory=list)


class Jobs:
    """The upload jobs of one server over one index: submit, list, cancel, and let removals pass.

    ``store`` records them (``web.job_store``); ``uploads`` holds each job's
    files in its own folder, removed when the job ends. Call ``start(index)``
    once the index is open.
    """

    def __init__(self, store: JobStore, uploads: UploadStore):
        self.store = store
        self.uploads = uploads
        self.stopping = threading.Event()
        self._cond = threading.Condition()
        self._order: list[str] = []  # unfinished jobs of this server; the first TAKING_TURNS take turns
        self._cancelled: set[str] = set()
        self._loaded: dict[str, _Loaded] = {}
        self._turn: str | None = None  # the job whose turn it is
        self._removals = 0
        self._index: Index | None = None
        self._thread: threading.Thread | None = None
        self._claim = FileLock(f"{store.path}.lock", thread_local=False)

    # -- lifecycle ------------------------------------------------------------
    def start(self, index: Index) -> None:
        """Index jobs into ``index`` from now on; resume the unfinished ones.

        Only the server that holds ``<data_dir>/jobs.sqlite3.lock`` resumes them
        (two servers on one data folder would do each other's work twice); it
        also deletes upload folders that belong to no unfinished job.
        """
        with self._cond:
            if self._thread is not None:
                return
            self._index = index
            if self._owner():
                for record in self.store.unfinished():
                    self._order.append(record.id)
                    if record.cancel:  # asked to stop before the server went down
                        self._end(record.id, "cancelled")
                if self._order:
                    log.info("resuming %d upload job(s)", len(self._order))
                self.uploads.sweep(keep=set(self._order))
            self._thread = threading.Thread(target=self._work, name="govqa-jobs", daemon=True)
            self._thread.start()

    def _owner(self) -> bool:
        try:
            self.store.path.parent.mkdir(parents=True, exist_ok=True)
            self._claim.acquire(timeout=0)
            return True
        except Timeout:
            log.warning("another govqa server uses %s: its unfinished uploads are left to it", self.store.path)
        except OSError as exc:  # a read-only data folder: no uploads here at all
            log.warning("upload jobs cannot be recorded in %s (%s)", self.store.path, exc.strerror)
        return False

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker between two embedding batches and wait up to ``timeout`` s.

        What was committed stays; unfinished jobs stay recorded and resume at the next ``start``.
        """
        with self._cond:
            self.stopping.set()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._thread is None or not self._thread.is_alive():
            self.store.close()

    # -- requests -------------------------------------------------------------
    def submit(self, job_id: str, files: list[FileRecord], library: str = "", owner: str = "") -> JobRecord:
        """Record the job with its files (stored under ``uploads/<job_id>``, or refused), then queue it;
        its documents go to ``library`` ("": the index's default), ``owner`` sent it.

        Raises ``JobStoreError`` when the record cannot be written (then nothing was accepted).
        """
        self.store.create(job_id, files, library, owner)
        with self._cond:
            self._order.append(job_id)
            self._cond.notify_all()
        return self.get(job_id)

    def get(self, job_id: str) -> JobRecord:
        """The job, with each file's committed documents; ``UnknownJob`` when there is none."""
        record = self.store.get(job_id)
        if record is None:
            raise UnknownJob(f"no such job: {job_id} (the newest 200 finished jobs are kept)")
        return record

    def list(self) -> list[JobRecord]:
        """Every job kept, newest first (files with their counts, documents not listed)."""
        return self.store.jobs()

    def wait(self, job_id: str, timeout: float | None = None) -> JobRecord:
        """Block until the job has ended (or ``timeout`` s passed); the job as it is then."""
        with self._cond:
            self._cond.wait_for(lambda: job_id not in self._order, timeout)
        return self.get(job_id)

    def cancel(self, job_id: str, timeout: float = 10.0) -> JobRecord:
        """Cancel a job: a waiting one at once; a running one stops at its next document or embedding batch.

        Documents it committed stay in the index; its files are deleted. Waits up to
        ``timeout`` s for a running job to stop. ``UnknownJob``, or ``JobEnded`` when it has ended.
        """
        record = self.get(job_id)
        if record.ended:
            raise JobEnded(f"job {job_id} has already ended ({record.state}): there is nothing to cancel")
        self.store.ask_cancel(job_id)
        with self._cond:
            if job_id in self._order:
                self._cancelled.add(job_id)
                if self._turn != job_id:
                    self._end(job_id, "cancelled")
                self._cond.wait_for(lambda: job_id not in self._order, timeout)
        return self.get(job_id)

    @contextmanager
    def removal(self) -> Iterator[None]:
        """Run the ``with`` block (a removal from the index) ahead of the jobs.

        The running turn gives way at its next document, and no turn starts until the block has ended.
        """
        with self._cond:
            self._removals += 1
        try:
            yield
        finally:
            with self._cond:
                self._removals -= 1
                self._cond.notify_all()

    # -- the worker -----------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self.stopping.is_set() or (self._order and not self._removals))
                if self.stopping.is_set():
                    return
                job_id = self._turn = self._order[0]
            try:
                ended = self._take_turn(job_id)
            except Exception as exc:  # reported on the job, never kills the worker
                log.exception("upload job %s failed", job_id)
                ended = ("failed", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            with self._cond:
                self._turn = None
                if job_id in self._cancelled:
                    self._end(job_id, "cancelled")
                elif ended:
                    self._end(job_id, *ended)
                elif not self.stopping.is_set():  # to the back of those taking turns
                    self._order.remove(job_id)
                    self._order.insert(min(TAKING_TURNS, len(self._order) + 1) - 1, job_id)
                self._cond.notify_all()

    def _take_turn(self, job_id: str) -> tuple[str, str] | None:
        """Read the job's next file or commit some of its documents; (state, message) when the job is over."""
        loaded = self._loaded.get(job_id)
        if loaded is None:
            record = self.store.get(job_id, documents=False)
            if record is None:
                return "failed", "the job's record is gone"
            if record.state == "queued":
                self.store.set_state(job_id, "running")
            pending = [f for f in record.files if f.status == "pending"]
            if not pending:
                indexed = sum(f.status not in ("failed", "cancelled") for f in record.files)
                return "done", f"{indexed} of {record.total} file(s) indexed"
            loaded = self._load(job_id, pending[0])
            if loaded is None:
                return None
            self._loaded[job_id] = loaded
        self._commit_some(job_id, loaded)
        if not loaded.remaining:
            self._finish_file(job_id, loaded)
            del self._loaded[job_id]
        return None

    def _load(self, job_id: str, file: FileRecord) -> _Loaded | None:
        """Read and chunk one stored file (no lock held); None when it failed as a whole (recorded)."""
        from govqa.ingest import ingest_paths

        index, path = self._started_index(), Path(file.path)
        if not path.is_file():
            self.store.finish_file(job_id, file.seq, "failed", "the stored upload is gone: send the file again")
            return None
        try:
            result = next(iter(ingest_paths([path], index.config.chunk, index.config.ocr)))
        except Exception as exc:  # a loader's bug must fail this file only
            log.exception("reading %s failed", path)
            error = f"the server could not read it ({type(exc).__name__}: {exc})".splitlines()[0]
            self.store.finish_file(job_id, file.seq, "failed", error)
            return None
        if result.status != "ok":
            self.store.finish_file(job_id, file.seq, "failed", result.error)
            return None
        committed = self.store.committed(job_id, file.seq)
        loaded = _Loaded(file.seq, deque(), list(result.row_errors))
        accepted = 0
        chunks = 0
        for document, doc_chunks in result.documents:
            too_big = index.too_big(document, doc_chunks)
            if too_big and len(result.documents) == 1:
                self.store.finish_file(job_id, file.seq, "failed", too_big)
                return None
            if too_big:
                loaded.problems.append(f"{document.name}: {too_big}")
                continue
            accepted += 1
            chunks += len(doc_chunks)
            if document.name not in committed:
                loaded.remaining.append((document, doc_chunks))
        self.store.loaded(job_id, file.seq, accepted, chunks, result.notes)
        return loaded

    def _commit_some(self, job_id: str, loaded: _Loaded) -> None:
        """Commit the file's next documents until the turn is over; what is not committed stays to do."""
        index = self._started_index()
        deadline = time.monotonic() + TURN_SECONDS
        taken: list[tuple[Document, list[Chunk]]] = []
        noted, looked = 0, time.monotonic()  # documents of ``taken`` recorded as committed; when last looked

        def documents() -> Iterator[tuple[Document, list[Chunk]]]:
            nonlocal noted, looked
            while loaded.remaining and not self._give_way(job_id, deadline):
                if time.monotonic() - looked >= PROGRESS_SECONDS:  # the job's progress, as the index has it
                    noted += self._note_committed(job_id, loaded.seq, taken[noted:])
                    looked = time.monotonic()
                document, chunks = loaded.remaining.popleft()
                taken.append((document, chunks))
                stored = index.content_hash(document.name)
                status = "added" if stored is None else "unchanged" if stored == document.content_hash else "replaced"
                self.store.plan(job_id, loaded.seq, document.name, status, len(chunks))
                yield document, chunks

        stop = lambda: self.stopping.is_set() or job_id in self._cancelled  # noqa: E731
        error = ""
        try:
            job = self.store.get(job_id, documents=False)
            library = job.library if job is not None and job.library else None
            results = [
                DocResult(r.name, r.status, r.chunks) for r in index.add(documents(), cancel=stop, library=library)
            ]
        except GovqaError as exc:  # this file fails; the other files and jobs go on
            log.warning("indexing file %s of job %s failed: %s", loaded.seq, job_id, exc)
            error = exc.public_message
        except OSError as exc:  # the uploader is told why, never the server's paths
            log.exception("indexing file %s of job %s failed", loaded.seq, job_id)
            error = f"the server could not index it ({exc.strerror})"
        except Exception as exc:  # a bug met by one document must fail its file only
            log.exception("indexing file %s of job %s failed", loaded.seq, job_id)
            error = f"the server could not index it ({type(exc).__name__}: {exc})".splitlines()[0]
        if error:  # ask the index what it holds now
            results = [DocResult(d.name, "unchanged", len(c)) for d, c in taken if self._committed(d)]
            loaded.problems.append(error)
            loaded.remaining.clear()
        self.store.commit(job_id, loaded.seq, results)
        committed = Counter(r.name for r in results)
        for document, chunks in reversed(taken):  # left over by a stop or a cancel: still to do
            if committed[document.name]:
                committed[document.name] -= 1
            elif not error:
                loaded.remaining.appendleft((document, chunks))

    def _started_index(self) -> Index:
        if self._index is None:
            raise RuntimeError("upload jobs run only after Jobs.start(index)")
        return self._index

    def _committed(self, document: Document) -> bool:
        """Whether the index holds this document as it is (committed, now or before)."""
        return self._started_index().content_hash(document.name) == document.content_hash

    def _note_committed(
        self, job_id: str, seq: int, taken: builtins.list[tuple[Document, builtins.list[Chunk]]]
    ) -> int:
        """Record the leading documents of ``taken`` that the index has committed; how many."""
        count = 0
        while count < len(taken) and self._committed(taken[count][0]):
            count += 1
        # "unchanged" keeps the status planned for them (web.job_store.JobStore.commit).
        self.store.commit(job_id, seq, [DocResult(d.name, "unchanged", len(c)) for d, c in taken[:count]])
        return count

    def _give_way(self, job_id: str, deadline: float) -> bool:
        """Whether the turn ends before the next document: a removal waits, a stop, or time is up and others wait."""
        if self._removals or self.stopping.is_set() or job_id in self._cancelled:
            return True
        return time.monotonic() >= deadline and len(self._order) > 1

    def _finish_file(self, job_id: str, loaded: _Loaded) -> None:
        record = self.get(job_id)
        file = record.files[loaded.seq]
        self.store.finish_file(job_id, loaded.seq, *file_outcome(file.documents, loaded.problems))

    def _end(self, job_id: str, state: str, message: str = "") -> None:
        """End a job (the caller holds ``_cond``): record it, delete its stored files, forget it.

        When the end cannot be recorded (a full disk), the job is only forgotten: it stays
        unfinished on disk, with its files, and resumes at the next start.
        """
        try:
            if state != "done":  # cancelled, or failed: the files not finished say so
                record = self.get(job_id)
                for file in record.files:
                    if file.status == "pending":
                        done = f" after {file.documents_done} of {file.documents_total} documents"
                        why = "cancelled" if state == "cancelled" else f"not indexed: {message}"
                        self.store.finish_file(job_id, file.seq, state, why + (done if file.documents_done else ""))
                if state == "cancelled":
                    message = f"cancelled after {record.done} of {record.total} file(s)"
            self.store.set_state(job_id, state, message)
            self.uploads.discard(job_id)
        except GovqaError as exc:
            log.error("upload job %s could not be ended (%s): it resumes at the next start", job_id, exc)
        finally:
            self._order.remove(job_id)
            self._loaded.pop(job_id, None)
            self._cancelled.discard(job_id)
            self._cond.notify_all()


def file_outcome(documents: list[DocResult], problems: list[str]) -> tuple[str, str]:
    """A file's (status, message) from its committed documents and the reasons rows were left out."""
    error = "; ".join(problems)
    if not documents:
        return "failed", error or "the file holds no document"
    statuses = {d.status for d in documents}
    status = statuses.pop() if len(statuses) == 1 else "mixed"
    if error:
        return status, error
    if len(documents) <= SHOWN_DOCUMENTS:
        return status, ", ".join(f"{d.name}: {d.status} ({d.chunks})" for d in documents)
    counts = Counter(d.status for d in documents)
    return status, f"{len(documents)} documents: " + ", ".join(f"{n} {s}" for s, n in counts.items())
