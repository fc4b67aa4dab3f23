"""Upload checks: type by content, safe names, storage under the data dir only."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from PIL import Image

from govqa.ingest.loaders import supported_suffixes
from govqa.ingest.loaders.image import ImageLoader
from govqa.ingest.settings import IngestConfig
from govqa.web.uploads import UploadError, UploadStore, UploadTooLarge, choose_suffix, safe_stem, sniff


def docx_bytes(with_document: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_sniff_by_content() -> None:
    assert sniff(b"%PDF-1.7\n...") == "pdf"
    assert sniff(docx_bytes()) == "docx"
    assert sniff("政府工作报告".encode()) == "text"
    assert sniff("政府工作报告".encode("gb18030")) == "text"
    assert sniff("\ufeff报告".encode("utf-8")) == "text"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"text\0with nul", "NUL"),
        (docx_bytes(with_document=False), "word/document.xml"),
        (b"PK\x03\x04broken", "damaged"),
        (bytes(range(1, 9)) * 100, "control"),
    ],
)
def test_sniff_refuses(data: bytes, reason: str) -> None:
    with pytest.raises(UploadError, match=reason):
        sniff(data)


def test_suffix_from_content_not_name() -> None:
    assert choose_suffix("report.pdf", "pdf") == ".pdf"
    assert choose_suffix("report", "pdf") == ".pdf"
    assert choose_suffix("a.md", "text") == ".md"
    assert choose_suffix("a.htm", "text") == ".html"
    assert choose_suffix("a", "text") == ".txt"
    with pytest.raises(UploadError, match="content is plain text"):
        choose_suffix("fake.pdf", "text")
    with pytest.raises(UploadError, match="content is a PDF"):
        choose_suffix("fake.txt", "pdf")
    with pytest.raises(UploadError, match="unsupported"):
        choose_suffix("tool.exe", "text")


@pytest.mark.parametrize(
    "suffix", [s for s in supported_suffixes() if s not in (".pdf", ".docx", *ImageLoader.suffixes)]
)
def test_form_takes_every_text_format_the_loaders_read(suffix: str) -> None:
    expected = ".html" if suffix == ".htm" else suffix
    assert choose_suffix(f"报告{suffix.upper()}", "text") == expected


@pytest.mark.parametrize(
    "fmt, name, kind, stored",
    [
        ("PNG", "扫描件.png", "png", ".png"),
        ("JPEG", "photo.JPG", "jpeg", ".jpg"),
        ("JPEG", "photo", "jpeg", ".jpg"),
        ("TIFF", "scan.tiff", "tiff", ".tiff"),
    ],
)
def test_page_images_are_sniffed_by_content(fmt: str, name: str, kind: str, stored: str) -> None:
    buffer = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buffer, fmt)
    assert sniff(buffer.getvalue()) == kind
    assert choose_suffix(name, kind) == stored


def test_an_image_named_as_another_type_is_refused() -> None:
    with pytest.raises(UploadError, match="content is a PNG image"):
        choose_suffix("report.pdf", "png")
    with pytest.raises(UploadError, match="content is plain text"):
        choose_suffix("scan.png", "text")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\2020年报告（要点）.txt", "2020年报告（要点）"),
        ("/abs/path/report.md", "report"),
        ("<script>alert(1)</script>.txt", "script"),  # the last path component only
        ("<img onerror=x>.txt", "img onerror_x"),
        ("..", None),
        (".bashrc", "bashrc"),
    ],
)
def test_safe_stem_is_one_harmless_component(name: str, expected: str | None) -> None:
    stem = safe_stem(name)
    assert "/" not in stem and "\\" not in stem and not stem.startswith(".")
    if expected is None:
        assert stem.startswith("upload-")
    else:
        assert stem == expected


def test_store_writes_only_under_the_jobs_folder(tmp_path) -> None:
    store = UploadStore(tmp_path / "data", max_upload_mb=1)
    job = "0123456789abcdef"
    stored = store.store("../../../evil.txt", "内容".encode(), job)
    assert stored.path.parent == (tmp_path / "data" / "uploads" / job).resolve()
    assert stored.path.name == "evil.txt" and stored.path.read_text(encoding="utf-8") == "内容"
    assert store.owns(stored.path) and not store.owns(tmp_path / "evil.txt")
    assert not list((tmp_path / "data" / "uploads").rglob(".*.tmp"))
    with pytest.raises(UploadTooLarge):
        store.store("big.txt", b"a" * (1024 * 1024 + 1), job)
    with pytest.raises(UploadError):
        store.store("r.txt", "内容".encode(), "../../etc")  # a job folder is 16 hex digits, nothing else


def test_a_jobs_folder_goes_with_the_job_and_orphans_are_swept(tmp_path) -> None:
    store = UploadStore(tmp_path / "data", max_upload_mb=1)
    kept, ended, orphan = "a" * 16, "b" * 16, "c" * 16
    for job in (kept, ended, orphan):
        store.store("报告.txt", "内容".encode(), job)
    (store.root / "旧报告.txt").write_text("an upload of an older version, a document's source", encoding="utf-8")
    store.discard(ended)
    store.sweep(keep={kept})
    assert sorted(p.name for p in store.root.iterdir()) == sorted([kept, "旧报告.txt"])


def inflating_docx(megabytes: int) -> bytes:
    """A .docx of a few hundred KB whose document.xml inflates to ``megabytes`` MB."""
    paragraph = "<w:p><w:r><w:t>各有关单位要认真落实各项工作要求。</w:t></w:r></w:p>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml",
            f"<w:document>{paragraph * (megabytes * 2**20 // len(paragraph.encode()))}</w:document>",
        )
    return buffer.getvalue()


def test_nothing_over_an_ingest_limit_is_stored(tmp_path) -> None:
    store = UploadStore(tmp_path / "data", max_upload_mb=50, limits=IngestConfig(max_rows=100))
    rows = "title,full_text\n" + "".join(f"通知{i},各有关单位要认真落实。\n" for i in range(101))
    bomb = inflating_docx(60)
    assert len(bomb) < 500_000
    for name, data, fragment in (
        ("rows.csv", rows.encode(), "rows.csv: more than 100 rows (each row is a document); the limit is 100"),
        ("bomb.docx", bomb, "bomb.docx: 60.0 MB in 2 parts when inflated; the limit is 20 MB"),
    ):
        started = time.perf_counter()
        with pytest.raises(UploadTooLarge, match="split the file, or raise the limit") as caught:
            store.store(name, data, "0123456789abcdef")
        assert time.perf_counter() - started < 1
        assert str(caught.value).startswith(fragment) and "[ingest] max_" in str(caught.value)
        with pytest.raises(UploadTooLarge):
            store.check_limits(name, data)
    assert not (tmp_path / "data" / "uploads").exists() or not list((tmp_path / "data" / "uploads").iterdir())
    store.check_limits("fake.pdf", "不是PDF".encode())  # a refused type passes: store says why
    assert store.store("ok.csv", rows.rsplit("\n", 2)[0].encode(), "0123456789abcdef").kind == "text"  # 100 rows fit
