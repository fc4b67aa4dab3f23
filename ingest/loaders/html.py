"""HTML pages: the main text only, one line per block element, h1–h6 as heading levels."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from govqa.ingest.document import IngestError, Line, RawDocument
from govqa.ingest.loaders.base import Loader
from govqa.ingest.loaders.text import bom_encoding, looks_binary

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_GB_ALIASES = {"gb2312", "gbk", "x-gbk", "cp936", "gb_2312-80", "euc-cn"}
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "template",
    "svg",
    "button",
    "select",
)
_CHROME_WORDS = ("nav", "menu", "breadcrumb", "crumb", "footer", "share", "bdshare", "comment")
_KEEP = {"html", "body", "main", "article"}
# Containers the main-text search may descend into (not inline or paragraph-level tags).
_CONTAINERS = {"div", "section", "article", "main", "table", "tbody", "tr", "td", "center"}
_DOMINANT = 0.6
_BLOCKS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "header",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "ol",
    "p",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
}
_LAYOUT_MARKERS = sorted(_BLOCKS - {"tr"} | {"br"})
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # not \s: &nbsp; and U+3000 are text, kept for cleaning


def decode_html(data: bytes) -> tuple[str, str]:
    """The page's text and codec: BOM, else UTF-8, else the declared charset, else GB18030.

    Valid UTF-8 is tried before the declared charset because saved pages often keep a
    ``gb2312`` declaration after being re-encoded, and GB18030 would decode them to garbage.
    """
    encoding = bom_encoding(data)
    if encoding:
        return data.decode(encoding), encoding
    declared = _META_CHARSET.search(data[:4096])
    candidates = ["utf-8"]
    if declared:
        name = declared.group(1).decode("ascii", "replace").lower()
        candidates.append("gb18030" if name in _GB_ALIASES else name)
    candidates.append("gb18030")
    for name in candidates:
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"


def _is_chrome(tag: Tag) -> bool:
    """Whether the tag's id or class names it navigation, a menu, a footer, sharing or comments."""
    if tag.name in _KEEP or tag.attrs is None:
        return False
    if "hidden" in tag.attrs or "display:none" in str(tag.get("style", "")).replace(" ", ""):
        return True
    values = [str(tag.get("id", ""))] + list(tag.get("class") or [])
    tokens = [t for v in values for t in re.split(r"[-_\s]+", v.lower()) if t]
    return any(t.startswith(_CHROME_WORDS) or t.endswith(_CHROME_WORDS) for t in tokens)


def _strip_chrome(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(_DROP_TAGS):
        # an <article>'s own <header> usually holds its title
        if not (tag.name == "header" and tag.find_parent("article")):
            tag.decompose()
    root = soup.body or soup
    sizes: dict[int, int] = {}
    total = _text_sizes(root, sizes)
    for tag in soup.find_all(_is_chrome):
        # a class like "has-menu" on the page wrapper must not take the report with it
        if not tag.decomposed and sizes.get(id(tag), 0) <= 0.5 * total:
            tag.decompose()


def _text_sizes(root: Tag, sizes: dict[int, int]) -> int:
    """Characters of non-link text under ``root``, recorded for every container below it.

    Walked with a stack, not recursion, so a page nested 100,000 deep is measured like any other.
    """
    stack: list[tuple[Tag, bool]] = [(root, False)]
    while stack:
        tag, children_done = stack.pop()
        if not children_done:
            stack.append((tag, True))
            stack.extend((c, False) for c in tag.children if isinstance(c, Tag) and c.name != "a")
            continue
        total = 0
        for child in tag.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):
                    total += len(child.strip())
            elif isinstance(child, Tag) and child.name != "a":
                total += sizes[id(child)]
        sizes[id(tag)] = total
    return sizes[id(root)]


def _main_container(soup: BeautifulSoup) -> Tag:
    """<article>, else <main>, else the smallest container holding most of the page's text."""
    articles = soup.find_all("article")
    if articles:
        return max(articles, key=lambda a: len(a.get_text(strip=True)))
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    if main is not None:
        return main
    node = soup.body or soup
    sizes: dict[int, int] = {}
    _text_sizes(node, sizes)
    while True:
        children = [c for c in node.find_all(True, recursive=False) if c.name in _CONTAINERS]
        best = max(children, key=lambda c: sizes.get(id(c), 0), default=None)
        if best is None or sizes.get(id(best), 0) < _DOMINANT * sizes.get(id(node), 0) or not sizes[id(node)]:
            return node
        node = best


def _inline_text(tag: Tag) -> str:
    return _HTML_SPACE.sub(" ", tag.get_text(" ")).strip(" ")


class _BlockWriter:
    """Turns a DOM subtree into lines: one per block element, table rows as ``a | b`` lines."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self._parts: list[str] = []

    def flush(self, heading: int | None = None) -> None:
        text = _HTML_SPACE.sub(" ", "".join(self._parts)).strip(" ")
        self._parts = []
        if text.strip():
            self.lines.append(Line(text, heading=heading))

    def heading(self, tag: Tag, level: int) -> None:
        self.flush()
        self._parts.append(_inline_text(tag))
        self.flush(heading=level)

    def walk(self, node: Tag) -> None:
        """Write the lines of ``node``'s subtree; a stack of open elements, not recursion, so any depth is walked."""
        open_elements: list[tuple[Iterator[Any], bool]] = [(iter(node.children), False)]  # (children left, is block)
        while open_elements:
            children, block = open_elements[-1]
            child = next(children, None)
            if child is None:
                open_elements.pop()
                if block:
                    self.flush()
            elif isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):
                    self._parts.append(str(child))
            elif not isinstance(child, Tag):
                continue
            elif child.name in _HEADINGS:
                self.heading(child, _HEADINGS[child.name])
            elif child.name == "br":
                self.flush()
            elif child.name == "pre":
                self.flush()
                lines = child.get_text().replace("\r\n", "\n").split("\n")
                self.lines.extend(Line(t) for t in lines if t.strip())
            elif child.name == "tr" and not child.find(_LAYOUT_MARKERS):
                # a data row; a row of a layout table (cells holding blocks) is walked instead
                self.flush()
                cells = [_inline_text(c) for c in child.find_all(("td", "th"), recursive=False)]
                if any(cells):
                    self.lines.append(Line(" | ".join(cells)))
            elif child.name in _BLOCKS or child.name in ("td", "th"):
                self.flush()
                open_elements.append((iter(child.children), True))
            else:
                open_elements.append((iter(child.children), False))


class HtmlLoader(Loader):
    """Reads the main text of ``.html`` pages, leaving out scripts, navigation, menus and footers.

    ``meta["title"]`` is the ``<title>`` when the kept text has no ``<h1>``.
    """

    suffixes = (".html", ".htm")

    def load(self, path: Path) -> Iterator[RawDocument]:
        data = path.read_bytes()
        if not data.strip():
            raise IngestError("empty file")
        if bom_encoding(data) is None and looks_binary(data[:65536]):
            raise IngestError("binary file, not text")
        text, encoding = decode_html(data)
        soup = BeautifulSoup(text, "lxml")
        title = soup.title.get_text(" ", strip=True) if soup.title else ""
        _strip_chrome(soup)
        root = _main_container(soup)
        writer = _BlockWriter()
        h1 = soup.find("h1")
        if h1 is not None and root.find("h1") is None:
            writer.heading(h1, 1)  # the page title often sits outside the content container
        writer.walk(root)
        writer.flush()
        meta = {"encoding": encoding}
        if title and not any(line.heading == 1 for line in writer.lines):
            meta["title"] = title
        if not writer.lines:
            raise IngestError("no text in the HTML page")
        yield RawDocument(path.name, str(path), writer.lines, meta)
