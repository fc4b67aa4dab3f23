"""The server's one link to ``qa`` and ``index``: open or build the index, search, add, remove.

The page and the API both call a ``Service``; it owns the index lifecycle
(built from the corpus in the background on first start, with progress),
the upload store and the upload jobs (``web.jobs``). Searches take no lock of the service's:
the index lets reads run beside its one writer (see ``index.Index``), so an
upload indexing in the background never stops a search.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govqa.config import Config
from govqa.errors import GovqaError
from govqa.web.auth import Access, load_access
from govqa.web.job_store import FileRecord, JobRecord, JobStore
from govqa.web.jobs import Jobs, new_job_id
from govqa.web.refresher import Refresher
from govqa.web.uploads import UploadError, UploadStore

log = logging.getLogger("govqa.web")
# How often the index looks for what another process wrote (a few microseconds when nothing was: web.refresher).
REFRESH_SECONDS = 2.0


class ServiceError(GovqaError):
    """A request the service refuses; ``status`` is the HTTP status to answer with."""

    status = 400


class NotReady(ServiceError):
    """The index is still being built (or failed to build)."""

    status = 503


class UnknownDocument(ServiceError):
    """A document name the index does not hold."""

    status = 404


@dataclass
class Progress:
    """Where the index build is: ``state`` and a one-line ``message``."""

    state: str = "starting"  # starting | building | ready | error
    message: str = "正在启动…"
    done: int = 0
    total: int = 0


class Service:
    """Search, answers and the document library of one index, safe to call from many threads."""

    def __init__(
        self,
        config: Config,
        index_dir: str | Path | None = None,
        corpus_dir: str | Path | None = None,
        access: Access | None = None,
        searcher: Any = None,
    ):
        self.config = config
        self.index_dir = Path(index_dir or config.index.path)
        self.corpus_dir = Path(corpus_dir or config.app.corpus_dir)
        self.access = access or load_access(config.app.api_key, config.app.users_file)
        self.uploads = UploadStore(config.app.data_dir, config.app.max_upload_mb, config.ingest)
        self.progress = Progress()
        self._searcher: Any = searcher  # an open qa.Searcher to share (tests, embedding apps)
        if searcher is not None:
            self.progress = Progress("ready", "索引就绪")
        self.jobs = Jobs(JobStore(Path(config.app.data_dir) / "jobs.sqlite3"), self.uploads)
        self._refresher: Refresher | None = None
        if searcher is not None:  # whoever opened it keeps it up to date with other processes (``web.refresher``)
            self.jobs.start(searcher.index)
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------
    def start(self, background: bool = True) -> None:
        """Open the index, or build it from the corpus when there is none (in a thread if ``background``)."""
        if self._searcher is not None:
            return
        if background:
            self._thread = threading.Thread(target=self._open_or_build, name="govqa-index", daemon=True)
            self._thread.start()
        else:
            self._open_or_build()

    def close(self, timeout: float = 10.0) -> None:
        """Stop the upload worker (after at most the embedding batch it is in) and wait up to ``timeout`` s.

        Unfinished uploads stay recorded and resume at the next start.
        """
        if self._refresher is not None:
            self._refresher.stop(timeout)
        self.jobs.stop(timeout)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the index is ready or failed; True when ready."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.progress.state == "ready"

    @property
    def ready(self) -> bool:
        """Whether searches can run."""
        return self.progress.state == "ready"

    def _open_or_build(self) -> None:
        try:
            from govqa.index import Index
            from govqa.index.manifest import IndexNotFoundError
            from govqa.qa import Searcher

            self._set("starting", f"正在打开索引 {self.index_dir}…")
            try:
                index = Index.open(self.index_dir, self.config, create=False)
            except IndexNotFoundError:
                index = self._build(Index)
            self._set("starting", "正在加载模型…")
            index.warm_up()  # load the model and its fast path now, not on the first user's question
            index.add_on_cores(self.config.app.upload_cores)  # after the first build, which had every core
            self._searcher = Searcher(index, self.config, concurrency=self.config.app.question_workers())
            self.jobs.start(index)  # uploads accepted before a stop or a crash go on
            self._start_refresher(index)
            stats = self.stats()
            self._set("ready", ready_message(stats))
        except GovqaError as exc:  # a known cause with its fix: one line, shown on the page and in /api/health
            log.error("index unavailable: %s", exc)
            self._set("error", f"索引不可用：{exc}")
        except Exception as exc:  # not swallowed: its traceback goes to the log
            log.exception("index unavailable")
            self._set("error", f"索引不可用：{exc}")

    def _build(self, index_cls: Any) -> Any:
        from govqa.ingest import iter_files

        files = [p for p, problem in iter_files([self.corpus_dir]) if not problem]
        if not self.corpus_dir.is_dir():
            log.warning("corpus folder %s not found: starting with an empty index", self.corpus_dir)
        self._set("building", f"首次启动：正在从 {self.corpus_dir} 建立索引（加载模型）…", 0, len(files))
        index = index_cls.open(self.index_dir, self.config, create=True)
        for number, path in enumerate(files, 1):
            self._set("building", f"正在建立索引（{number}/{len(files)}）：{path.name}", number - 1, len(files))
            for report in index.add_paths([path], self.config.chunk, progress=True):
                if report.error:
                    log.warning("%s: %s", path, report.error)
        self.progress.done = len(files)
        return index

    def _set(self, state: str, message: str, done: int = 0, total: int = 0) -> None:
        self.progress = Progress(state, message, done, total)
        log.info("%s", message)

    def _start_refresher(self, index: Any) -> None:
        """Pick up documents another process (e.g. `govqa index add`) adds, in a thread of its own."""
        self._refresher = Refresher(index, REFRESH_SECONDS)
        self._refresher.start()

    def _ready_searcher(self) -> Any:
        if self.progress.state != "ready" or self._searcher is None:
            raise NotReady(self.progress.message)
        return self._searcher

    # -- questions (``qa`` refuses an empty, wordless or too long one) ------
    def search(self, question: str, k: int = 5, filters: Any = None) -> Any:
        """``qa`` search: a ``SearchResult``."""
        searcher = self._ready_searcher()
        self._check_filters(filters)
        return searcher.search(question, k=k, filters=filters)

    def ask(self, question: str, k: int = 5, filters: Any = None) -> Any:
        """``qa`` ask: an ``Answer`` (``found`` or ``not_found``)."""
        searcher = self._ready_searcher()
        self._check_filters(filters)
        return searcher.ask(question, k=k, filters=filters)

    def compare(self, question: str, filters: Any = None, by: str | None = None) -> Any:
        """``qa`` compare: a ``Comparison``, one row per matching report."""
        searcher = self._ready_searcher()
        self._check_filters(filters)
        return searcher.compare(question, filters=filters, by=by)

    def _check_filters(self, filters: Any) -> None:
        if filters is None or not filters.docs:
            return
        known = {facet[0] for facet in self._searcher.index.document_facets()}  # the question reads the same
        unknown = [d for d in filters.docs if d not in known]
        if unknown:
            raise UnknownDocument(f"unknown document: {', '.join(unknown)}")

    def context(self, chunk_id: int, start: int, end: int) -> tuple[str, str]:
        """The text just before and just after a passage (from its neighbouring chunks)."""
        searcher = self._ready_searcher()
        # A passage may merge up to three chunks: look far enough ahead to pass its end.
        records = searcher.index.neighbours(chunk_id, before=1, after=3)
        return surrounding_text(records, start, end)

    # -- library ----------------------------------------------------------
    def documents(self) -> list[Any]:
        """Every indexed document (``index.DocumentInfo``), ordered by title."""
        if self._searcher is None:
            return []
        docs = list(self._searcher.index.documents())
        return sorted(docs, key=lambda d: (d.title or d.name, d.name))

    def document(self, name: str) -> Any:
        """One document's info, or ``UnknownDocument``."""
        for doc in self.documents():
            if doc.name == name:
                return doc
        raise UnknownDocument(f"unknown document: {name}")

    def stats(self) -> dict[str, Any]:
        """Index statistics (``index.stats()``) with ``documents`` and ``chunks`` always present."""
        if self._searcher is None:
            return {"documents": 0, "chunks": 0}
        stats = dict(self._searcher.index.stats())
        if "documents" not in stats:  # listing every document costs 0.5 s at 10,000 of them: only when needed
            stats["documents"] = len(self.documents())
        stats.setdefault("chunks", 0)
        return stats

    def health(self) -> dict[str, Any]:
        """``/api/health``: status, counts, the model, and the build progress line."""
        ready = self.ready
        stats = self.stats() if ready else {"documents": 0, "chunks": 0}
        return {
            "status": {"ready": "ok"}.get(self.progress.state, self.progress.state),
            "documents": stats["documents"],
            "chunks": stats["chunks"],
            "model": self.config.model.name,
            # The counts of now: uploads here or by another server sharing the index change them.
            "message": ready_message(stats) if ready else self.progress.message,
        }

    def submit_uploads(self, files: list[tuple[str, bytes]]) -> JobRecord:
        """Store each ``(client name, content)`` and record the job, then index them in the background.

        The job is on disk before this returns (``web.job_store``): a restart resumes it.
        Raises ``NotReady`` while the index is being built, ``IndexReadOnlyError`` when the
        index cannot be written, ``UploadStoreError``/``JobStoreError`` when the data folder
        cannot. A file refused on arrival (type, size) is a failed file of the job, never an exception.
        """
        self._ready_searcher().index.check_writable()
        job_id = new_job_id()
        records = []
        try:
            for seq, (client_name, data) in enumerate(files):
                try:
                    stored = self.uploads.store(client_name, data, job_id)
                except UploadError as exc:
                    records.append(FileRecord(seq, client_name, status="failed", message=str(exc)))
                else:
                    records.append(FileRecord(seq, client_name, str(stored.path)))
            return self.jobs.submit(job_id, records)
        except BaseException:
            self.uploads.discard(job_id)
            raise

    def job(self, job_id: str) -> JobRecord:
        """One upload job with its files and their committed documents; ``UnknownJob`` (404) when there is none."""
        return self.jobs.get(job_id)

    def job_list(self) -> list[JobRecord]:
        """Every upload job kept, newest first."""
        return self.jobs.list()

    def cancel_job(self, job_id: str) -> JobRecord:
        """Cancel an upload job (see ``Jobs.cancel``): ``UnknownJob`` 404, ``JobEnded`` 409."""
        return self.jobs.cancel(job_id)

    def remove(self, name: str) -> int:
        """Remove one document by name (and its uploaded file); ``UnknownDocument`` if absent.

        A running upload gives way at its next document: the removal waits for the
        documents being embedded at most, not for the upload.
        """
        searcher = self._ready_searcher()
        doc = self.document(name)
        with self.jobs.removal():
            removed = searcher.index.remove([name])
        if not removed:
            raise UnknownDocument(f"unknown document: {name}")
        source = getattr(doc, "source", "") or ""
        if (
            source
            and self.uploads.owns(source)
            and not any(getattr(d, "source", "") == source for d in self.documents())
        ):
            Path(source).unlink(missing_ok=True)
        return int(removed)


def surrounding_text(records: list[Any], start: int, end: int) -> tuple[str, str]:
    """Text of ``records`` (overlapping chunks with document offsets) before ``start`` and after ``end``."""
    before: list[str] = []
    after: list[str] = []
    covered_before, covered_after = None, end
    for record in sorted(records, key=lambda r: r.start):
        text, r_start, r_end = record.text, record.start, record.end
        if r_end - r_start != len(text):  # offsets do not map onto the text: show nothing rather than wrong text
            continue
        if r_start < start:
            lo = r_start if covered_before is None else max(r_start, covered_before)
            hi = min(r_end, start)
            if hi > lo:
                before.append(text[lo - r_start : hi - r_start])
                covered_before = hi
        if r_end > end:
            lo = max(r_start, covered_after)
            if r_end > lo:
                after.append(text[lo - r_start :])
                covered_after = r_end
    return "".join(before), "".join(after)


def ready_message(stats: dict) -> str:
    """The ready status line with the index's counts (``Service.stats``), as the page and /api/health show it."""
    return f"索引就绪：{stats.get('documents', 0)} 份报告，{stats.get('chunks', 0)} 个段落"
