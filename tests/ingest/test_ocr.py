"""Scanned reports read by OCR: page images made here (the CJK font, slightly turned, noisy), real rapidocr.

The scans go through the same furniture, wrap and chunking rules as text PDFs,
keep their page numbers, and answer questions from an index of them.
"""

from __future__ import annotations

import json
import os
import random
import struct
import sys
import unicodedata
import zlib
from pathlib import Path

import pytest

pytest.importorskip("rapidocr", reason="the ocr extra: pip install -e '.[ocr]'")
pytest.importorskip("pypdfium2", reason="the ocr extra: pip install -e '.[ocr]'")

from fpdf import FPDF  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from govqa.config import Config, IndexConfig, ModelConfig  # noqa: E402
from govqa.ingest import IngestError, ingest_paths, load_file  # noqa: E402
from govqa.ingest.ocr import NEEDS_EXTRA  # noqa: E402
from govqa.ingest.settings import ChunkConfig, OcrConfig  # noqa: E402

# The source text of a three-page scan: a wrapped paragraph (page 1), facts on each page, a
# page number at each page's foot (furniture, dropped like a text PDF's).
SCAN_PAGES = [
    ["一、过去一年工作回顾", "　　全市地区生产总值增长百分之六点五，城镇新增就", "业十二万人，居民收入稳步提高。"],
    ["二、今年工作安排", "　　新建保障性住房三千套，改造老旧小区一百个。", "　　新增公共停车位八千个。"],
    ["三、加强政府自身建设", "　　坚持依法行政，压减一般性支出百分之五。"],
]
WIDTH, HEIGHT, SIZE, PITCH = 820, 420, 26, 46


def scan(lines: list[str], page: int | None, font_file: str, seed: int, width: int = WIDTH) -> Image.Image:
    """A page image of ``lines`` as a scanner gives it: turned by under a degree, with salt-and-pepper noise."""
    font = ImageFont.truetype(font_file, SIZE)
    image = Image.new("L", (width, HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((50, 40 + PITCH * i), line, font=font, fill=0)
    if page is not None:
        draw.text((width // 2 - 40, HEIGHT - 50), f"— {page} —", font=font, fill=0)
    rnd = random.Random(seed)
    image = image.rotate(rnd.uniform(-0.8, 0.8), resample=Image.Resampling.BICUBIC, fillcolor=255)
    pixels = image.load()
    for _ in range(width * HEIGHT // 200):
        pixels[rnd.randrange(width), rnd.randrange(HEIGHT)] = rnd.choice((0, 255))
    return image


def image_pdf(images: list[Image.Image], path: Path) -> Path:
    """A PDF of page images only (no text layer), as a scanner writes it."""
    images[0].save(path, save_all=True, append_images=images[1:], resolution=150)
    return path


def cer(recognised: str, source: str) -> float:
    """Character error rate: edit distance over the source's length, both NFKC and without whitespace."""
    a, b = ("".join(unicodedata.normalize("NFKC", t).split()) for t in (recognised, source))
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1] / len(b)


@pytest.fixture(scope="module")
def scans(cjk_font_file: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The scanned files: a 3-page image PDF, a mixed PDF (text page + scanned page), a two-page TIFF."""
    folder = tmp_path_factory.mktemp("scans")
    pages = [scan(lines, n, cjk_font_file, seed=n) for n, lines in enumerate(SCAN_PAGES, start=1)]
    files = {"scanned": image_pdf(pages, folder / "scanned.pdf")}

    mixed = FPDF(unit="pt", format=(WIDTH * 0.48, HEIGHT * 0.48))
    mixed.add_font("cjk", fname=cjk_font_file)
    mixed.set_font("cjk", size=12)
    mixed.add_page()
    mixed.set_xy(24, 24)
    mixed.cell(300, 12, "第一部分　文字页：全年粮食产量稳定在九十万吨以上。")
    mixed.add_page()
    mixed.image(
        scan(["第二部分　扫描页", "　　全年植树造林两万亩，森林覆盖率达到百分之四十。"], None, cjk_font_file, seed=7),
        0,
        0,
        mixed.w,
        mixed.h,
    )
    files["mixed"] = folder / "mixed.pdf"
    mixed.output(str(files["mixed"]))

    tiff = [
        scan(["一、医疗保障", "城乡居民医保参保率稳定在百分之九十五。"], None, cjk_font_file, seed=8),
        scan(["二、公共交通", "新开通公交线路二十条，地铁里程达到六百公里。"], None, cjk_font_file, seed=9),
    ]
    files["tiff"] = folder / "two-pages.tif"
    tiff[0].save(files["tiff"], save_all=True, append_images=tiff[1:])
    return files


@pytest.fixture(scope="module")
def scanned_document(scans: dict[str, Path]):
    (document,), _ = load_file(scans["scanned"])
    return document


def test_scanned_pdf_text_matches_the_source(scanned_document) -> None:
    source = "".join(line for page in SCAN_PAGES for line in page)
    assert cer(scanned_document.text, source) <= 0.01, scanned_document.text


def test_scan_goes_through_the_pdf_rules(scanned_document) -> None:
    # The page numbers are furniture; the line wrapped in the scan is one paragraph again.
    assert "—" not in scanned_document.text
    assert "城镇新增就业十二万人" in scanned_document.text
    assert [s.title for s in scanned_document.sections] == [page[0] for page in SCAN_PAGES]
    # Every page starts where its heading does.
    for page, lines in enumerate(SCAN_PAGES, start=1):
        assert scanned_document.page_at(scanned_document.text.index(lines[0][:4])) == page


def test_scanned_document_records_ocr(scanned_document) -> None:
    meta = scanned_document.meta
    assert meta["ocr"] == "rapidocr" and meta["ocr_pages"] == "3"
    assert 0.9 <= float(meta["ocr_confidence"]) <= 1.0


@pytest.fixture(scope="module")
def scan_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """Settings for an index of the scans (the real e5 model)."""
    cache = os.environ.get("GOVQA_MODEL_CACHE") or str(tmp_path_factory.mktemp("model-cache"))
    return Config(model=ModelConfig(cache_dir=cache), index=IndexConfig(path=str(tmp_path_factory.mktemp("ocr"))))


@pytest.fixture(scope="module")
def scan_searcher(scans: dict[str, Path], scan_config: Config):
    """A ``Searcher`` over an index of the three scanned files (SQLite, FAISS)."""
    from govqa.index import Index
    from govqa.qa import Searcher

    index = Index.open(scan_config.index.path, scan_config, create=True)
    reports = index.add_paths(list(scans.values()))
    assert [r.status for r in reports] == ["ok"] * 3, [(r.path, r.error) for r in reports]
    return Searcher(index, scan_config)


def test_govqa_ask_cites_the_scanned_page(scan_searcher, scan_config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from govqa.cli import app

    monkeypatch.setenv("GOVQA_MODEL_CACHE", scan_config.model.cache_dir)
    result = CliRunner().invoke(app, ["ask", "今年新建多少套保障性住房？", "--json", "--index", scan_config.index.path])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["verdict"] == "found"
    assert (answer["citation"]["doc"], answer["citation"]["page"]) == ("scanned.pdf", 2)
    assert "三千套" in answer["answer"]


@pytest.mark.parametrize(
    "question, doc, page, fact",
    [
        ("全年植树造林多少亩？", "mixed.pdf", 2, "两万亩"),
        ("全年粮食产量是多少？", "mixed.pdf", 1, "九十万吨"),
        ("新开通多少条公交线路？", "two-pages.tif", 2, "二十条"),
    ],
)
def test_mixed_pdf_and_tiff_are_searchable(scan_searcher, question: str, doc: str, page: int, fact: str) -> None:
    (hit, *_) = scan_searcher.search(question, k=3).hits
    assert (hit.citation.doc, hit.citation.page) == (doc, page)
    assert fact in hit.text


def test_index_lists_the_ocr_confidence(scan_searcher) -> None:
    documents = {d.name: d for d in scan_searcher.index.documents()}
    assert documents["mixed.pdf"].ocr_confidence > 0.9
    assert documents["two-pages.tif"].ocr_confidence > 0.9


def test_mixed_pdf_ocrs_only_its_scanned_page(scans: dict[str, Path]) -> None:
    (document,), _ = load_file(scans["mixed"])
    assert document.meta["ocr_pages"] == "1"
    assert document.page_at(document.text.index("九十万吨")) == 1
    assert document.page_at(document.text.index("两万亩")) == 2


def test_two_columns_are_read_one_after_the_other(cjk_font_file: str, tmp_path: Path) -> None:
    font = ImageFont.truetype(cjk_font_file, SIZE)
    image = Image.new("L", (1000, 300), 255)
    draw = ImageDraw.Draw(image)
    draw.text((330, 20), "政府工作报告摘要", font=font, fill=0)  # a title over both columns
    left = ["左栏第一句话。", "左栏第二句话。", "左栏第三句话。"]
    right = ["右栏第一句话。", "右栏第二句话。", "右栏第三句话。"]
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        draw.text((40, 90 + PITCH * i), a, font=font, fill=0)
        draw.text((560, 90 + PITCH * i), b, font=font, fill=0)
    image.save(tmp_path / "columns.png")
    (document,), _ = load_file(tmp_path / "columns.png")
    assert document.text.split("\n") == ["政府工作报告摘要", *left, *right]


def test_low_confidence_pages_are_named(scans: dict[str, Path]) -> None:
    (result,) = ingest_paths([scans["tiff"]], ChunkConfig(), OcrConfig(low_confidence=1.0))
    assert result.status == "ok"
    assert result.notes == ["two-pages.tif: OCR confidence low on page(s) 1, 2; check the scan"]


def test_blank_scanned_page_is_named(cjk_font_file: str, tmp_path: Path) -> None:
    pages = [scan(SCAN_PAGES[0], None, cjk_font_file, seed=1), Image.new("L", (WIDTH, HEIGHT), 255)]
    (result,) = ingest_paths([image_pdf(pages, tmp_path / "half-blank.pdf")], ChunkConfig())
    assert result.status == "ok"
    assert result.notes == ["half-blank.pdf: no text found on scanned page(s) 2"]


def _png_header(width: int, height: int) -> bytes:
    """A PNG claiming ``width`` × ``height`` grey pixels, its pixel data cut short (a header costs nothing to make)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def _blank_png(path: Path) -> Path:
    Image.new("L", (400, 300), 255).save(path)
    return path


def _blank_scan_pdf(path: Path) -> Path:
    return image_pdf([Image.new("L", (400, 300), 255)], path)


def _empty_pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.output(str(path))
    return path


@pytest.mark.parametrize(
    "name, make, reason",
    [
        ("blank.png", _blank_png, "no text recognised (a blank image?)"),
        ("blank-scan.pdf", _blank_scan_pdf, "no text recognised on the scanned pages (blank images?)"),
        ("empty-page.pdf", _empty_pdf, "no text on any page (empty pages)"),
        ("corrupt.png", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 40) and p, "corrupt image: "),
        (
            "not-an-image.jpg",
            lambda p: p.write_bytes(b"plain text, not a JPEG") and p,
            "corrupt image: not a PNG, JPEG or TIFF image that can be read",
        ),
        ("truncated.png", lambda p: p.write_bytes(_png_header(300, 200)) and p, "corrupt image: "),
        ("huge.png", lambda p: p.write_bytes(_png_header(20_000, 20_000)) and p, "image too large: "),
        (
            "large.png",
            lambda p: p.write_bytes(_png_header(8_000, 6_000)) and p,
            "image of 8000 × 6000 pixels is over the limit of 40,000,000 pixels ([ocr] max_pixels)",
        ),
        ("empty.jpg", lambda p: p.write_bytes(b"") and p, "empty file"),
    ],
)
def test_bad_scans_give_one_line_reasons(tmp_path: Path, name: str, make, reason: str) -> None:
    path = make(tmp_path / name) or tmp_path / name
    (result,) = ingest_paths([path], ChunkConfig())
    assert result.status == "failed"
    assert result.error.startswith(reason) and "\n" not in result.error


def test_a_scan_without_the_extra_names_it(scans: dict[str, Path], monkeypatch: pytest.MonkeyPatch, placed_pdf) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # import rapidocr now raises ImportError
    for path in (scans["scanned"], scans["tiff"]):
        with pytest.raises(IngestError) as caught:
            load_file(path)
        assert str(caught.value) == NEEDS_EXTRA and '".[ocr]"' in NEEDS_EXTRA
    # A text PDF needs no OCR and loads without the extra.
    (document,), _ = load_file(placed_pdf([[(72, 72, "第一页正文内容，全年经济平稳运行。")]]))
    assert "ocr" not in document.meta


def test_a_cover_with_an_emblem_keeps_its_text_without_the_extra(
    cjk_font_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr", None)
    pdf = FPDF()
    pdf.add_font("cjk", fname=cjk_font_file)
    pdf.set_font("cjk", size=16)
    pdf.add_page()
    pdf.image(Image.new("L", (60, 60), 0), x=90, y=30, w=30)  # the emblem
    pdf.set_xy(60, 80)
    pdf.cell(90, 16, "政府工作报告")  # a few characters: under min_text_chars
    pdf.add_page()
    pdf.set_font("cjk", size=12)
    pdf.set_xy(20, 20)
    pdf.cell(170, 12, "过去一年，全市经济运行总体平稳，主要指标好于预期。")
    pdf.output(str(tmp_path / "cover.pdf"))
    (document,), _ = load_file(tmp_path / "cover.pdf")
    assert document.text.startswith("政府工作报告") and "ocr" not in document.meta
