"""The ingest stage's errors: a file that cannot become a document, or is over a limit."""

from __future__ import annotations

from govqa.errors import GovqaError


class IngestError(GovqaError):
    """A file that cannot become a document; the message is the one-line reason."""

    status = 422


class LimitError(IngestError):
    """A file over one of the ``[ingest]`` limits, refused before the work it would cost (the API answers 413).

    ``found`` says what the file holds (``2,000 pages``, ``more than 10,000 rows``); the message
    adds the limit and the setting that raises it: ``2,000 pages; the limit is 1,000
    ([ingest] max_pages): split the file, or raise the limit``.
    """

    status = 413

    def __init__(self, found: str, setting: str, limit: int, unit: str = ""):
        super().__init__(
            f"{found}; the limit is {limit:,}{unit} ([ingest] {setting})", "split the file, or raise the limit"
        )
