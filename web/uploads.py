"""Uploaded reports: check the type by content, choose a safe name, store under the data dir.

The client's file name only proposes a document name: it is cut to its last
component, reduced to safe characters, and given the extension of the type
the content was found to be. Files land in ``<data_dir>/uploads`` and nowhere else.
"""

from __future__ import annotations

import io
import re
import secrets
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from govqa.errors import GovqaError
from govqa.index.files import atomic_write
from govqa.ingest.errors import IngestError, LimitError
from govqa.ingest.loaders import supported_suffixes
from govqa.ingest.pipeline import check_limits
from govqa.ingest.settings import IngestConfig

# The registered loaders (govqa.registry.loaders) own the list of file types: the form takes what `govqa ingest` takes.
SUFFIXES = supported_suffixes()
ACCEPT = ", ".join(s for s in SUFFIXES if s != ".htm")
MAX_NAME_CHARS = 80
# Characters a stored name may keep: letters and digits of any script (CJK too),
# and a few harmless punctuation marks common in report titles.
_UNSAFE = re.compile(r"[^\w\-. ()（）《》【】\[\]、，·]+")
# A job's folder under uploads/ (web.jobs.new_job_id).
_JOB_ID = re.compile(r"[0-9a-f]{16}")
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13, 27} | {127})
# Scanned pages, by their files' magic numbers (PNG spec 5.2, JPEG's SOI marker, TIFF 6.0 section 2),
# with the endings each may carry.
_IMAGES = {
    "png": ((b"\x89PNG\r\n\x1a\n",), (".png",)),
    "jpeg": ((b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "tiff": ((b"II*\x00", b"MM\x00*"), (".tif", ".tiff")),
}


class UploadError(GovqaError):
    """An upload that is refused; the message is the reason shown to the user (the API answers 400)."""

    status = 400


class UploadTooLarge(UploadError):
    """An upload over ``max_upload_mb`` or an ``[ingest]`` limit (the API answers 413)."""

    status = 413


class UploadStoreError(GovqaError):
    """The upload folder cannot be written (read-only, full); the API answers 503."""

    status = 503


@dataclass(frozen=True)
class StoredUpload:
    """One accepted upload: the client's name for it and where the server stored it."""

    client_name: str
    path: Path
    kind: str  # pdf | docx | text | png | jpeg | tiff
    size: int


def sniff(data: bytes) -> str:
    """What ``data`` is by content: ``pdf``, ``docx``, ``text``, ``png``, ``jpeg``, ``tiff``, or ``UploadError``."""
    if not data:
        raise UploadError("the file is empty")
    for kind, (magics, _) in _IMAGES.items():
        if data.startswith(magics):
            return kind
    # The PDF header may follow up to 1 KiB of junk (PDF 1.7, annex H).
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if b"\0" in data:
        raise UploadError("binary content (NUL bytes): not a text, PDF or DOCX file")
    if _decode(data) is None:
        raise UploadError("the text is neither UTF-8 nor GB18030")
    if len(data.translate(None, _CONTROL)) < len(data) * 0.95:
        raise UploadError("binary content (control characters): not a text, PDF or DOCX file")
    return "text"


def _sniff_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise UploadError("a damaged ZIP archive, not a DOCX file") from None
    if not any(info.filename == "word/document.xml" for info in infos):
        raise UploadError("a ZIP archive without word/document.xml: not a DOCX file")
    return "docx"  # how far it may inflate is [ingest] max_inflated_mb's (UploadStore.check_limits)


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def choose_suffix(client_name: str, kind: str) -> str:
    """The stored file's extension: set by the content, refined by the client's name for text.

    A name claiming one type for content of another is refused (a ``.pdf``
    holding text, a ``.txt`` holding a PDF), as is an unsupported extension.
    """
    claimed = Path(client_name).suffix.lower()
    if claimed and claimed not in SUFFIXES:
        raise UploadError(f"unsupported file type {claimed!r}; supported: {ACCEPT}")
    if kind in _IMAGES:
        endings = _IMAGES[kind][1]
        if claimed and claimed not in endings:
            raise UploadError(f"the name says {claimed} but the content is a {kind.upper()} image")
        return claimed or endings[0]
    if kind in ("pdf", "docx"):
        if claimed and claimed != f".{kind}":
            raise UploadError(f"the name says {claimed} but the content is a {kind.upper()} file")
        return f".{kind}"
    if claimed in (".pdf", ".docx") or any(claimed in endings for _, endings in _IMAGES.values()):
        raise UploadError(f"the name says {claimed} but the content is plain text")
    return ".html" if claimed == ".htm" else (claimed or ".txt")


def safe_stem(client_name: str) -> str:
    """The client's base name without extension, reduced to safe characters (never a path)."""
    base = re.split(r"[\\/]", client_name)[-1]
    stem = unicodedata.normalize("NFC", Path(base).stem if Path(base).suffix.lower() in SUFFIXES else base)
    stem = _UNSAFE.sub("_", stem).strip("._ ")
    stem = re.sub(r"\.{2,}", ".", stem)[:MAX_NAME_CHARS].rstrip(".")
    return stem or f"upload-{secrets.token_hex(4)}"


class UploadStore:
    """The folder of uploaded reports: ``<data_dir>/uploads``, one folder per job (``uploads/<job id>/``).

    Nothing over a size or ``[ingest]`` limit is stored. A file stays only while
    its job runs: the job's folder is deleted when it ends.
    """

    def __init__(self, data_dir: str | Path, max_upload_mb: int, limits: IngestConfig | None = None):
        self.root = Path(data_dir).resolve() / "uploads"
        self.max_bytes = max_upload_mb * 1024 * 1024
        self.limits = limits or IngestConfig()

    def check_size(self, size: int, client_name: str) -> None:
        """``UploadTooLarge`` for a file over the limit."""
        if size > self.max_bytes:
            raise UploadTooLarge(
                f"{client_name}: {size / 1048576:.1f} MB is over the {self.max_bytes // 1048576} MB upload limit"
            )

    def check_limits(self, client_name: str, data: bytes) -> None:
        """``UploadTooLarge`` naming the file, the limit and its setting when ``data`` is over an ``[ingest]`` limit.

        Pages, rows, a .docx's inflated size and a text's characters are measured from the bytes
        (``ingest.check_limits``: at most a second for 50 MB), before anything is stored or
        queued, so the API can answer 413 instead of 202. A file of a refused type passes:
        ``store`` says why it is refused.
        """
        try:
            suffix = choose_suffix(client_name, sniff(data))
        except UploadError:
            return
        self._check(client_name, suffix, data)

    def _check(self, client_name: str, suffix: str, data: bytes) -> None:
        try:
            check_limits(f"upload{suffix}", io.BytesIO(data), self.limits)
        except LimitError as exc:
            raise UploadTooLarge(f"{client_name}: {exc}") from None
        except IngestError as exc:  # plainly not of its format (a .docx part compressed as Word never does)
            raise UploadError(str(exc)) from None

    def store(self, client_name: str, data: bytes, job_id: str) -> StoredUpload:
        """Check ``data`` (size, type, ``[ingest]`` limits) and write it under a server-chosen name in the job's
        folder; ``UploadError`` (``UploadTooLarge`` over a limit) says why not, ``UploadStoreError`` when the
        folder cannot be written."""
        self.check_size(len(data), client_name)
        kind = sniff(data)
        suffix = choose_suffix(client_name, kind)
        self._check(client_name, suffix, data)
        name = safe_stem(client_name) + suffix
        folder = self.root / job_id
        target = (folder / name).resolve()
        if target.parent != folder or not _JOB_ID.fullmatch(job_id):  # cannot happen; checked all the same
            raise UploadError("refused file name")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write(target, lambda temp: Path(temp).write_bytes(data))
        except OSError as exc:  # a read-only or full disk: the server's problem, told without its paths
            raise UploadStoreError(
                f"the server cannot store uploads ({exc.strerror}): ask its administrator to check [app] data_dir"
            ) from None
        return StoredUpload(client_name, target, kind, len(data))

    def discard(self, job_id: str) -> None:
        """Delete the job's folder and its files (the job has ended, or was never recorded)."""
        if _JOB_ID.fullmatch(job_id):
            shutil.rmtree(self.root / job_id, ignore_errors=True)

    def sweep(self, keep: set[str]) -> None:
        """Delete the job folders of jobs not in ``keep`` (left by a server stopped before it recorded them)."""
        if self.root.is_dir():
            for folder in self.root.iterdir():
                if folder.is_dir() and _JOB_ID.fullmatch(folder.name) and folder.name not in keep:
                    self.discard(folder.name)

    def owns(self, path: str | Path) -> bool:
        """True when ``path`` is a file of this store (safe to delete on removal)."""
        try:
            return Path(path).resolve().is_relative_to(self.root)
        except OSError:
            return False
