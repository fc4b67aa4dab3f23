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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, cast

from govqa.config import Config
from govqa.errors import GovqaError
from govqa.web.audit import AUDIT_NAME, AuditLog
from govqa.web.auth import ANYONE, Access, Principal, load_access
from govqa.web.job_store import FileRecord, JobRecord, JobStore
from govqa.web.jobs import Jobs, new_job_id
from govqa.web.refresher import Refresher
from govqa.web.uploads import UploadError, UploadStore

if TYPE_CHECKING:  # the index and qa load numpy, FAISS and the model: imported when the index opens
    from govqa.index.index import Index
    from govqa.index.records import ChunkRecord, DocumentInfo
    from govqa.index.stats import IndexStats
    from govqa.qa.searcher import Searcher
    from govqa.qa.types import Answer, Comparison, Filters, SearchResult

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


class Forbidden(ServiceError):
    """A request its principal may not make (a library it may not read or edit): 403, saying what is missing."""

    status = 403


class DocumentCounts(TypedDict):
    """The counts every statistics answer has (``IndexStats`` has them too): reports and passages."""

    documents: int
    chunks: int


class Health(TypedDict):
    """``/api/health``: ``status`` (ok, starting, building, error), the counts, the model, the status line."""

    status: str
    documents: int
    chunks: int
    model: str
    message: str


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
        searcher: Searcher | None = None,
    ):
        self.config = config
        self.index_dir = Path(index_dir or config.index.path)
        self.corpus_dir = Path(corpus_dir or config.app.corpus_dir)
        self.access = access or load_access(config.app.api_key, config.app.users_file)
        self.uploads = UploadStore(config.app.data_dir, config.app.max_upload_mb, config.ingest)
        self.progress = Progress()
        self._searcher = searcher  # an open searcher to share (tests, embedding apps)
        if searcher is not None:
            self.progress = Progress("ready", "索引就绪")
        self.jobs = Jobs(JobStore(Path(config.app.data_dir) / "jobs.sqlite3"), self.uploads)
        self.audit = AuditLog(self.index_dir / AUDIT_NAME)
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
            from govqa.runtime import open_runtime

            self._set("starting", f"正在打开索引 {self.index_dir}…")
            runtime = open_runtime(
                self.config,
                self.index_dir,
                build_from=self.corpus_dir,
                report=self._building,
                warm=True,
                concurrency=self.config.app.question_workers(),  # the BM25 pool serves as many as are admitted
            )
            index = runtime.index
            index.add_on_cores(self.config.app.upload_cores)  # after the first build, which had every core
            self._searcher = runtime.searcher
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

    def _building(self, message: str, done: int, total: int) -> None:
        self._set("building", message, done, total)

    def _set(self, state: str, message: str, done: int = 0, total: int = 0) -> None:
        self.progress = Progress(state, message, done, total)
        log.info("%s", message)

    def _start_refresher(self, index: Index) -> None:
        """Pick up documents another process (e.g. `govqa index add`) adds, in a thread of its own."""
        self._refresher = Refresher(index, REFRESH_SECONDS)
        self._refresher.start()

    def _ready_searcher(self) -> Searcher:
        if self.progress.state != "ready" or self._searcher is None:
            raise NotReady(self.progress.message)
        return self._searcher

    # -- questions (``qa`` refuses an empty, wordless or too long one) ------
    def search(
        self, question: str, k: int = 5, filters: Filters | None = None, who: Principal = ANYONE
    ) -> SearchResult:
        """``qa`` search: the ``k`` best passages, cited and highlighted, from the libraries ``who`` may read."""
        searcher = self._ready_searcher()
        filters = self._check_filters(filters, who)
        return searcher.search(question, k=k, filters=filters)

    def ask(self, question: str, k: int = 5, filters: Filters | None = None, who: Principal = ANYONE) -> Answer:
        """``qa`` ask: a verdict, ``found`` or ``not_found``, from the libraries ``who`` may read."""
        searcher = self._ready_searcher()
        filters = self._check_filters(filters, who)
        return searcher.ask(question, k=k, filters=filters)

    def compare(
        self, question: str, filters: Filters | None = None, by: str | None = None, who: Principal = ANYONE
    ) -> Comparison:
        """``qa`` compare: one row per matching report of the libraries ``who`` may read."""
        searcher = self._ready_searcher()
        filters = self._check_filters(filters, who)
        return searcher.compare(question, filters=filters, by=by)

    # -- libraries and who may read them ------------------------------------
    def libraries(self, who: Principal = ANYONE) -> list[str]:
        """The index's libraries ``who`` may read, sorted ([] before the index opens)."""
        if self._searcher is None:
            return []
        return list(self.access.readable(who, self._searcher.index.libraries()))

    def default_library(self) -> str:
        """The library an upload goes to when none is named."""
        return self._ready_searcher().index.default_library

    def reading(self, who: Principal, asked: Sequence[str] | None = None) -> tuple[str, ...] | None:
        """The libraries a question of ``who`` searches: those ``asked`` (each must be readable: else
        ``Forbidden``), or every library ``who`` may read; None when that is every library (no filter)."""
        index = self._ready_searcher().index
        every = index.libraries()
        if asked:
            refused = [name for name in asked if not self.access.may_read(who, name)]
            if refused:
                raise Forbidden(f"{who.name} may not read the library {refused[0]}: ask for one of its reader groups")
            unknown = [name for name in asked if name not in every]
            if unknown:
                raise UnknownDocument(f"unknown library: {', '.join(unknown)} (libraries: {', '.join(every)})")
            chosen = tuple(dict.fromkeys(asked))
        else:
            chosen = self.access.readable(who, every)
        return None if set(chosen) >= set(every) else chosen

    def _check_filters(self, filters: Filters | None, who: Principal = ANYONE) -> Filters | None:
        """The filters with the libraries ``who`` reads; ``UnknownDocument`` for a document it cannot see."""
        from govqa.qa.types import Filters

        libraries = self.reading(who, filters.libraries if filters is not None else None)
        filters = replace(filters or Filters(), libraries=libraries)
        if filters.docs:
            index = self._ready_searcher().index
            known = set(index.documents_where(libraries=libraries))  # what the question reads
            unknown = [d for d in filters.docs if d not in known]
            if unknown:
                raise UnknownDocument(f"unknown document: {', '.join(unknown)}")
        return None if filters.is_empty() else filters

    def check_edit(self, who: Principal, library: str, action: str, what: list[str], address: str = "") -> None:
        """``Forbidden`` (recorded in the audit log) unless ``who`` may add or remove documents of ``library``."""
        if self.access.may_edit(who, library):
            return
        visible = self.access.may_read(who, library)
        where = f"the library {library}" if visible else "this document's library"
        message = f"{who.name} may not {action} documents of {where}: it needs an editor group of it"
        if who.read_only:
            message = f"{who.name} may only read: {action} needs an editor's key"
        self.audit.record(who.name, "refused", library, what, address, "refused", f"{action}: {message}")
        raise Forbidden(message)

    def context(self, chunk_id: int, start: int, end: int, who: Principal = ANYONE) -> tuple[str, str]:
        """The text just before and just after a passage (from its neighbouring chunks); ("", "") for a
        passage of a library ``who`` may not read."""
        searcher = self._ready_searcher()
        # A passage may merge up to three chunks: look far enough ahead to pass its end.
        records = searcher.index.neighbours(chunk_id, before=1, after=3)
        filed = searcher.index.document_libraries()
        if records and not self.access.may_read(who, filed.get(records[0].doc, "")):
            return "", ""
        return surrounding_text(records, start, end)

    # -- library ----------------------------------------------------------
    def documents(self, who: Principal = ANYONE, libraries: Sequence[str] | None = None) -> list[DocumentInfo]:
        """The documents of the libraries ``who`` may read (of ``libraries`` when given), ordered by title."""
        if self._searcher is None:
            return []
        docs = [d for d in self._searcher.index.documents(libraries) if self.access.may_read(who, d.library)]
        return sorted(docs, key=lambda d: (d.title or d.name, d.name))

    def document(self, name: str, who: Principal = ANYONE) -> DocumentInfo:
        """One document's info, or ``UnknownDocument`` (also for one of a library ``who`` may not read)."""
        for doc in self.documents(who):
            if doc.name == name:
                return doc
        raise UnknownDocument(f"unknown document: {name}")

    def index_stats(self) -> IndexStats | None:
        """The index's statistics (``Index.stats``); None while there is no index."""
        return None if self._searcher is None else self._searcher.index.stats()

    def stats(self, who: Principal = ANYONE) -> IndexStats | DocumentCounts:
        """``/api/stats``: the index's statistics; only the zero counts while there is no index. For a reader
        of some libraries only, the counts are those of the libraries it may read."""
        stats = self.index_stats()
        if stats is None:
            return {"documents": 0, "chunks": 0}
        readable = self.libraries(who)
        if self._searcher is not None and set(readable) != set(self._searcher.index.libraries()):
            counts = self.library_counts(who)
            # Only what its libraries hold: the index's other counts and sizes would tell of the rest.
            hidden = ("vectors_stored", "sentences_stored", "vectors_indexed", "bytes")
            shown = {key: value for key, value in stats.items() if key not in hidden}
            shown["documents"] = sum(c["documents"] for c in counts.values())
            shown["chunks"] = sum(c["chunks"] for c in counts.values())
            return cast("IndexStats", shown)
        return stats

    def library_counts(self, who: Principal = ANYONE) -> dict[str, dict[str, int]]:
        """Documents, chunks and characters of each library ``who`` may read."""
        if self._searcher is None:
            return {}
        return self._searcher.index.library_stats(self.libraries(who))

    def health(self, who: Principal = ANYONE) -> Health:
        """``/api/health``: status, the counts of the libraries ``who`` may read, the model, and the build progress line."""
        ready = self.ready
        stats: IndexStats | DocumentCounts = self.stats(who) if ready else {"documents": 0, "chunks": 0}
        return {
            "status": {"ready": "ok"}.get(self.progress.state, self.progress.state),
            "documents": stats["documents"],
            "chunks": stats["chunks"],
            "model": self.config.model.name,
            # The counts of now: uploads here or by another server sharing the index change them.
            "message": ready_message(stats) if ready else self.progress.message,
        }

    def submit_uploads(
        self,
        files: list[tuple[str, bytes]],
        library: str | None = None,
        who: Principal = ANYONE,
        address: str = "",
    ) -> JobRecord:
        """Store each ``(client name, content)`` and record the job, then index them in the background.

        The job is on disk before this returns (``web.job_store``): a restart resumes it.
        Raises ``NotReady`` while the index is being built, ``IndexReadOnlyError`` when the
        index cannot be written, ``UploadStoreError``/``JobStoreError`` when the data folder
        cannot. A file refused on arrival (type, size) is a failed file of the job, never an exception.
        The files go to ``library`` (default: the index's default library), which ``who`` must be
        an editor of (``Forbidden`` otherwise); the upload is recorded in the audit log.
        """
        from govqa.index.index import check_library

        index = self._ready_searcher().index
        try:
            library = check_library(library) if library else index.default_library
        except ValueError as exc:
            raise ServiceError(str(exc)) from None
        names = [name for name, _ in files]
        self.check_edit(who, library, "upload", names, address)
        index.check_writable()
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
            job = self.jobs.submit(job_id, records, library=library, owner=who.name)
        except BaseException:
            self.uploads.discard(job_id)
            raise
        self.audit.record(who.name, "upload", library, names, address, detail=f"job {job_id}")
        return job

    def _job_visible(self, job: JobRecord, who: Principal) -> bool:
        library = job.library or (self._searcher.index.default_library if self._searcher is not None else "")
        return job.owner == who.name or self.access.may_read(who, library)

    def job(self, job_id: str, who: Principal = ANYONE) -> JobRecord:
        """One upload job with its files and their committed documents; ``UnknownJob`` (404) when there is none
        or it uploads to a library ``who`` may not read (and ``who`` did not send it)."""
        from govqa.web.jobs import UnknownJob

        job = self.jobs.get(job_id)
        if not self._job_visible(job, who):
            raise UnknownJob(f"no such job: {job_id} (the newest 200 finished jobs are kept)")
        return job

    def job_list(self, who: Principal = ANYONE) -> list[JobRecord]:
        """The upload jobs kept, newest first: those to libraries ``who`` may read, and its own."""
        return [job for job in self.jobs.list() if self._job_visible(job, who)]

    def cancel_job(self, job_id: str, who: Principal = ANYONE, address: str = "") -> JobRecord:
        """Cancel an upload job (see ``Jobs.cancel``): ``UnknownJob`` 404, ``JobEnded`` 409, ``Forbidden`` 403
        unless ``who`` sent it or edits its library."""
        job = self.job(job_id, who)
        library = job.library or self.default_library()
        if job.owner != who.name:
            self.check_edit(who, library, "cancel", [job_id], address)
        cancelled = self.jobs.cancel(job_id)
        self.audit.record(who.name, "cancel", library, [job_id], address)
        return cancelled

    def move(self, name: str, library: str, who: Principal = ANYONE, address: str = "") -> int:
        """File one document under another library (no re-embedding): ``who`` must edit both libraries."""
        from govqa.index.index import check_library

        searcher = self._ready_searcher()
        doc = self.document(name, who)
        try:
            library = check_library(library)
        except ValueError as exc:
            raise ServiceError(str(exc)) from None
        self.check_edit(who, doc.library, "move", [name], address)
        self.check_edit(who, library, "move", [name], address)
        with self.jobs.removal():
            moved = searcher.index.move([name], library)
        self.audit.record(who.name, "move", library, [name], address, detail=f"from {doc.library}")
        return moved

    def remove(self, name: str, who: Principal = ANYONE, address: str = "") -> int:
        """Remove one document by name (and its uploaded file); ``UnknownDocument`` if absent (or unreadable
        by ``who``), ``Forbidden`` unless ``who`` edits its library. Recorded in the audit log.

        A running upload gives way at its next document: the removal waits for the
        documents being embedded at most, not for the upload.
        """
        searcher = self._ready_searcher()
        known = {d.name: d for d in self.documents()}
        doc = known.get(name)
        if doc is None or not self.access.may_read(who, doc.library):
            if doc is not None:  # one it may not read: refused, as an unknown one is, and the refusal is logged
                self.audit.record(who.name, "refused", doc.library, [name], address, "refused", "remove: not readable")
            raise UnknownDocument(f"unknown document: {name}")
        self.check_edit(who, doc.library, "remove", [name], address)
        with self.jobs.removal():
            removed = searcher.index.remove([name])
        if not removed:
            raise UnknownDocument(f"unknown document: {name}")
        self.audit.record(who.name, "remove", doc.library, [name], address)
        source = doc.source
        if source and self.uploads.owns(source) and not any(d.source == source for d in self.documents()):
            Path(source).unlink(missing_ok=True)
        return int(removed)


def surrounding_text(records: Sequence[ChunkRecord], start: int, end: int) -> tuple[str, str]:
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


def ready_message(stats: DocumentCounts) -> str:
    """The ready status line with the index's counts (``Service.stats``), as the page and /api/health show it."""
    return f"索引就绪：{stats['documents']} 份报告，{stats['chunks']} 个段落"
