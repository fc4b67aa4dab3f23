"""CSV/TSV and JSON Lines exports: one document per row, the other columns as metadata."""

from __future__ import annotations

import csv
import io
import json
import sys
from abc import abstractmethod
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from govqa.ingest.document import IngestError, Line, RawDocument
from govqa.ingest.errors import LimitError
from govqa.ingest.loaders.base import Loader
from govqa.ingest.loaders.text import BLOCK, bom_encoding, guess_encoding, looks_binary, split_lines
from govqa.ingest.settings import IngestConfig, OcrConfig

TEXT_NAMES = ("full_text", "text", "content", "正文", "内容", "body")
META_NAMES = {
    "province": "region",
    "region": "region",
    "地区": "region",
    "year": "year",
    "年份": "year",
    "title": "title",
    "标题": "title",
    "publish_date": "publish_date",
    "date": "publish_date",
    "source_url": "source_url",
    "url": "source_url",
}
ID_NAMES = ("docid", "id")
_SAMPLE_ROWS = 50
_MIN_TEXT_AVERAGE = 30  # characters; a shorter column holds labels, not report text


def _file_encoding(path: Path) -> str:
    """utf-8-sig (BOM or not), UTF-16 with BOM, or GB18030, judged on the first block."""
    with path.open("rb") as handle:
        return _encoding(handle.read(BLOCK))


def _encoding(head: bytes) -> str:
    """The text encoding of a file whose first block is ``head`` (``_file_encoding``); ``IngestError`` if none fits."""
    if not head.strip():
        raise IngestError("empty file")
    encoding = bom_encoding(head)
    if encoding is None and looks_binary(head):
        raise IngestError("binary file, not text")
    guessed = encoding or guess_encoding(head)
    if guessed is None:
        raise IngestError("unknown text encoding (not UTF-8, UTF-16 or GB18030)")
    return "utf-8-sig" if guessed == "utf-8" else guessed


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class _Rows:
    """Knows a table's text and id columns and turns each row into a document."""

    def __init__(self, path: Path, names: list[str], sample: list[dict[str, Any]], text_column: str | None):
        self.path = path
        by_lower = {name.strip().lower(): name for name in names}
        self.id = next((by_lower[n] for n in ID_NAMES if n in by_lower), None)
        if text_column is not None:
            if text_column not in names:
                raise IngestError(f"text column {text_column!r} not found; columns are: {', '.join(names)}")
            self.text = text_column
        else:
            named = next((by_lower[n] for n in TEXT_NAMES if n in by_lower), None)
            self.text = named or self._longest(names, sample)

    def _longest(self, names: list[str], sample: list[dict[str, Any]]) -> str:
        """The column with the longest values on average, if long enough to be text."""
        candidates = [n for n in names if n and n != self.id and n.strip().lower() not in META_NAMES]
        average = {n: sum(len(_as_text(row.get(n))) for row in sample) / max(len(sample), 1) for n in candidates}
        best = max(candidates, key=average.__getitem__, default=None)
        if best is None or average[best] < _MIN_TEXT_AVERAGE:
            raise IngestError(
                f"no text column (looked for {', '.join(TEXT_NAMES)}, or a column of long text; "
                f"columns are: {', '.join(names) or 'none'})"
            )
        return best

    def document(self, row: dict[str, Any], number: int) -> RawDocument:
        """The row as a document named ``file#id`` (``file#row-number`` without an id).

        A row with no text still comes out (with no lines), so the caller can report it as a bad row.
        """
        text = _as_text(row.get(self.text))
        row_id = _as_text(row.get(self.id)).strip() if self.id else ""
        meta: dict[str, str] = {}
        for name, value in row.items():
            value = _as_text(value)
            if name and name != self.text and value:
                meta.setdefault(META_NAMES.get(name.strip().lower(), name), value)
        lines = [Line(t) for t in split_lines([text])] if text.strip() else []
        return RawDocument(f"{self.path.name}#{row_id or number}", str(self.path), lines, meta)


def _raise_field_limit() -> None:
    """Allow fields of any size (reports run far past csv's default 128 KiB)."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:  # the limit is a C long, 32 bits on some platforms
            limit //= 2


def _too_many_rows(limit: int) -> LimitError:
    return LimitError(f"more than {limit:,} rows (each row is a document)", "max_rows", limit)


def _delimiter(name: str, header: str) -> str:
    """A tab for ``.tsv`` files and for a header line with tabs and no commas, else a comma."""
    return "\t" if Path(name).suffix.lower() == ".tsv" or "," not in header and "\t" in header else ","


class _ExportLoader(Loader):
    """Shared by the CSV and JSONL loaders: the row limit, the text column choice and rows to documents."""

    #: Rows that head the file and are not data (a CSV's header).
    header_rows = 0

    def __init__(
        self, text_column: str | None = None, ocr: OcrConfig | None = None, limits: IngestConfig | None = None
    ) -> None:
        super().__init__(ocr, limits)
        self.text_column = text_column

    def check(self, source: BinaryIO, name: str) -> None:
        """``LimitError`` for more than ``[ingest] max_rows`` data rows, counted before any row is read as a document.

        Rows are parsed, not kept, and only until the limit is passed (0.2 s for 60 MB of CSV).
        """
        try:
            encoding = _encoding(source.read(BLOCK))
        except IngestError:
            return  # load says why
        source.seek(0)
        text = io.TextIOWrapper(source, encoding=encoding, newline="")
        limit = self.limits.max_rows
        try:
            rows = sum(1 for _ in islice(self._rows(text, name), limit + self.header_rows + 1))
        except (csv.Error, UnicodeDecodeError, IngestError):
            return
        finally:
            text.detach()  # the caller's stream stays open
        if rows - self.header_rows > limit:
            raise _too_many_rows(limit)

    @abstractmethod
    def _rows(self, handle: TextIO, name: str) -> Iterable[Any]:
        """The file's rows as ``check`` counts them (a CSV's header first), blank ones skipped."""

    def _documents(
        self, path: Path, names: list[str] | None, records: Iterator[dict[str, Any]]
    ) -> Iterator[RawDocument]:
        sample = list(islice(records, _SAMPLE_ROWS))  # enough rows to judge which column is the text
        if not sample:
            raise IngestError("no data rows")
        if names is None:
            names = list(dict.fromkeys(key for record in sample for key in record))
        rows = _Rows(path, names, sample, self.text_column)
        limit = self.limits.max_rows
        for number, record in enumerate(chain(sample, records), start=1):
            if number > limit:  # the same limit as check, for a caller that did not check first
                raise _too_many_rows(limit)
            yield rows.document(record, number)


class CsvLoader(_ExportLoader):
    """Reads ``.csv``/``.tsv`` exports with a header row: one document per data row.

    The text column is ``text_column`` if given, else the first of ``TEXT_NAMES``
    present, else the column with the longest values. Well-known columns go to
    meta under fixed keys (``META_NAMES``); the others keep their own names.
    """

    suffixes = (".csv", ".tsv")
    header_rows = 1

    def _rows(self, handle: TextIO, name: str) -> Iterable[list[str]]:
        _raise_field_limit()
        first = handle.readline()
        handle.seek(0)
        return (fields for fields in csv.reader(handle, delimiter=_delimiter(name, first)) if any(fields))

    def load(self, path: Path) -> Iterator[RawDocument]:
        _raise_field_limit()
        encoding = _file_encoding(path)
        with path.open(encoding=encoding, newline="") as handle:
            first = handle.readline()
            handle.seek(0)
            reader = csv.reader(handle, delimiter=_delimiter(path.name, first))
            try:
                names = [name.strip() for name in next(reader)]
                yield from self._documents(path, names, (dict(zip(names, f, strict=False)) for f in reader if any(f)))
            except csv.Error as exc:
                raise IngestError(f"malformed CSV at line {reader.line_num}: {exc}") from None
            except UnicodeDecodeError:
                raise IngestError(f"invalid {encoding} text near line {reader.line_num} (mixed encodings?)") from None


def _json_records(handle: TextIO, encoding: str) -> Iterator[dict[str, Any]]:
    """The objects of a JSON Lines stream; blank lines are skipped."""
    line_number = 0
    try:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                reason = exc.msg.removesuffix(" at")  # some messages end "... at" before the position
                raise IngestError(f"line {line_number}: malformed JSON ({reason}, column {exc.colno})") from None
            if not isinstance(record, dict):
                raise IngestError(f"line {line_number}: expected a JSON object, got {type(record).__name__}")
            yield record
    except UnicodeDecodeError:
        raise IngestError(f"invalid {encoding} text after line {line_number} (mixed encodings?)") from None


class JsonlLoader(_ExportLoader):
    """Reads ``.jsonl``/``.ndjson``: one document per JSON object, columns chosen as for CSV."""

    suffixes = (".jsonl", ".ndjson")

    def _rows(self, handle: TextIO, name: str) -> Iterable[str]:
        return (line for line in handle if line.strip())

    def load(self, path: Path) -> Iterator[RawDocument]:
        encoding = _file_encoding(path)
        with path.open(encoding=encoding) as handle:
            yield from self._documents(path, None, _json_records(handle, encoding))
