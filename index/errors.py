"""The index's errors: an index or model that cannot be used as configured.

Each message says what is wrong and how to mend it (which command to run).
"""

from __future__ import annotations

import errno
from pathlib import Path

from govqa.errors import GovqaError

# What writing to a read-only mount, or to a folder without permission, fails with.
READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


class IndexUnavailableError(GovqaError):
    """An index, its model or its files that cannot be used; the API answers 503."""

    status = 503


class IndexNotFoundError(IndexUnavailableError, FileNotFoundError):
    """There is no index at the given folder."""


class IndexMismatchError(IndexUnavailableError):
    """The index was built with another embedding model (or format) than the configuration asks for."""


class ModelNotFoundError(IndexUnavailableError):
    """The configured embedding model cannot be loaded (offline, not built, or not a model)."""


class VectorIndexError(IndexUnavailableError):
    """The vector index cannot be built or used as configured."""


class IndexReadOnlyError(IndexUnavailableError):
    """The index folder cannot be written (a read-only mount, or no permission): it can be read, not changed."""

    public_message = (
        "the index is read-only on this server: searches work, but adding or removing reports "
        "needs its index folder made writable (ask the administrator)"
    )
    page_message_zh = "索引为只读：可以检索，但添加或移除报告需要管理员将索引文件夹设为可写。"

    def __init__(self, directory: Path, reason: str):
        super().__init__(
            f"cannot write to the index at {directory} ({reason})",
            f"make the folder writable, or copy the index to a writable one: `govqa index copy {directory} NEW_DIR`",
        )
