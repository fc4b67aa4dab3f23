"""Plain text and markdown: encoding detection, streamed decoding, markdown ``#`` headings."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from govqa.ingest.document import IngestError, Line, RawDocument
from govqa.ingest.errors import LimitError
from govqa.ingest.loaders.base import Loader

BLOCK = 1 << 16
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls other than \t \n \v \f \r and ESC, plus DEL: rare in any real text file.
_CONTROL = bytes(set(range(32)) - {9, 10, 11, 12, 13, 27} | {127})
_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_FENCE = re.compile(r" {0,3}(```|~~~)")


def bom_encoding(head: bytes) -> str | None:
    """The codec named by a byte-order mark at the start of ``head``, if any."""
    return next((name for bom, name in _BOMS if head.startswith(bom)), None)


def guess_encoding(sample: bytes) -> str | None:
    """UTF-8 if ``sample`` decodes as UTF-8, else GB18030 if it decodes as that, else None.

    ``sample`` may end in the middle of a character (it is a block of a longer file).
    """
    for name in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(name)().decode(sample, final=False)
            return name
        except UnicodeDecodeError:
            continue
    return None


def looks_binary(block: bytes) -> bool:
    """True for NUL bytes or more than 5% control characters: not a text file."""
    if b"\0" in block:
        return True
    return len(block) > 0 and len(block.translate(None, _CONTROL)) < len(block) * 0.95


class _StreamDecoder:
    """Decodes a byte stream block by block, choosing the encoding at the first non-ASCII block.

    Leading ASCII needs no decision (it reads the same in UTF-8 and GB18030), so a
    file whose first megabytes are ASCII is still judged on its first Chinese bytes.
    """

    def __init__(self, encoding: str | None) -> None:
        self.encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)() if encoding else None
        self._offset = 0

    def decode(self, block: bytes, following: bytes = b"") -> str:
        """Decode ``block``; ``following`` is the next block (empty at the end of the file)."""
        if self._decoder is None:
            if block.isascii():
                self._offset += len(block)
                return block.decode("ascii")
            # judge on the next block too: the first non-ASCII bytes may be few, at the very end
            self.encoding = guess_encoding(block + following)
            if self.encoding is None:
                raise IngestError(f"unknown text encoding at byte {self._offset} (not UTF-8, UTF-16 or GB18030)")
            self._decoder = codecs.getincrementaldecoder(self.encoding)()
        pending = len(self._decoder.getstate()[0])
        try:
            text = self._decoder.decode(block, final=not following)
        except UnicodeDecodeError as exc:
            at = self._offset - pending + exc.start
            raise IngestError(
                f"invalid {self.encoding} bytes at byte offset {at} "
                f"(the start of the file read as {self.encoding}; mixed encodings?)"
            ) from None
        self._offset += len(block)
        return text


def split_lines(chunks: Iterable[str]) -> Iterator[str]:
    """Lines of the text made by ``chunks``, for CRLF, CR or LF endings, with no line end kept."""
    tail = ""
    for chunk in chunks:
        text = tail + chunk
        if text.endswith("\r"):  # maybe the first half of a CRLF split across chunks
            text, tail = text[:-1], "\r"
        else:
            tail = ""
        parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        tail = parts.pop() + tail
        yield from parts
    if tail:
        yield tail.replace("\r", "")


def markdown_lines(lines: Iterable[str]) -> Iterator[Line]:
    """Lines with ATX headings (``## Title``) turned into heading levels; code fences left alone."""
    fence = None
    for text in lines:
        opener = _FENCE.match(text)
        if opener:
            fence = None if fence == opener.group(1) else fence or opener.group(1)
        match = None if fence or opener else _HEADING.fullmatch(text)
        if match and match.group(2):
            yield Line(match.group(2).strip(), heading=len(match.group(1)))
        else:
            yield Line(text)


def counted(texts: Iterable[str], limit: int) -> Iterator[str]:
    """``texts`` passed on; ``LimitError`` (``[ingest] max_chars``) once they hold more than ``limit`` characters."""
    total = 0
    for text in texts:
        total += len(text)
        if total > limit:
            raise LimitError(f"more than {limit:,} characters", "max_chars", limit)
        yield text


class TextLoader(Loader):
    """Reads ``.txt`` and markdown files in UTF-8 (with or without BOM), UTF-16 with BOM or GB18030.

    The file is read in blocks and decoded incrementally, so only the resulting
    lines are held in memory, and reading stops once they pass ``[ingest]
    max_chars``; the detected codec goes to ``meta["encoding"]``.
    """

    suffixes = (".txt", ".md", ".markdown")

    def check(self, source: BinaryIO, name: str) -> None:
        """``LimitError`` for more than ``[ingest] max_chars`` characters, counted while decoding (nothing kept)."""
        first = source.read(BLOCK)
        encoding = bom_encoding(first)
        if encoding is None and looks_binary(first):
            return  # load says why
        try:
            for _ in counted(self._decoded(source, first, _StreamDecoder(encoding)), self.limits.max_chars):
                pass
        except LimitError:
            raise
        except IngestError:
            return

    def load(self, path: Path) -> Iterator[RawDocument]:
        with path.open("rb") as handle:
            first = handle.read(BLOCK)
            encoding = bom_encoding(first)
            if encoding is None and looks_binary(first):
                raise IngestError("binary file, not text")
            decoder = _StreamDecoder(encoding)
            texts = counted(self._decoded(handle, first, decoder), self.limits.max_chars)
            raw = split_lines(texts)
            is_md = path.suffix.lower() in (".md", ".markdown")
            lines = list(markdown_lines(raw) if is_md else (Line(t) for t in raw))
        if not any(line.text.strip() for line in lines):
            raise IngestError("empty file")
        yield RawDocument(path.name, str(path), lines, {"encoding": decoder.encoding or "ascii"})

    @staticmethod
    def _decoded(handle: BinaryIO, first: bytes, decoder: _StreamDecoder) -> Iterator[str]:
        block = first
        while block:
            following = handle.read(BLOCK)
            yield decoder.decode(block, following)
            block = following
