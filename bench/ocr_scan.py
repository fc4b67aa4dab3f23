"""OCR speed, memory and accuracy on an N-page scanned report: docs/ingest.md, *Scanned pages*.

    python bench/ocr_scan.py [--pages 50] [--out scan.pdf] [--font FILE] [--json]

Makes an image-only PDF: A4 pages at 150 dpi (1241 × 1754 px), each a heading, 24 lines of
30-px CJK text (from a passage of 74 characters) and a page number at the foot, turned by up to 0.8° as a scanner leaves it,
written one page at a time. Then reads it with ``ingest.load_file`` (the ``[ocr]`` settings of
``govqa.toml``) in a child process, so that the peak memory is the reading's alone, and prints
pages per second (wall), CPU seconds a page, the child's peak RSS, the character error rate
against the drawn text, and the mean OCR confidence. The file is also what
``/usr/bin/time -v govqa ingest --dry-run scan.pdf`` reads.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_latency import machine, machine_line  # noqa: E402

TEXT = (
    "坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，加快构建新发展格局，着力推动高质量发展，"
    "全市地区生产总值增长百分之六点五，城镇新增就业十二万人。"
)
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def page_lines(n: int) -> list[str]:
    """The text drawn on page ``n`` (its page number, furniture, left out).

    Each page starts at another place of ``TEXT`` (11 is prime to its length), so no line
    stands at the same edge of many pages: the furniture rule would drop it as a running header.
    """
    at = 11 * n
    heading = f"第{n}部分　{TEXT[at % 60 :][:4]}"
    return [heading] + [(TEXT * 3)[(at + 7 * i) % len(TEXT) :][:33] for i in range(24)]


def pages(count: int, font_file: str) -> Iterator[Image.Image]:
    font = ImageFont.truetype(font_file, 30)
    for n in range(1, count + 1):
        image = Image.new("L", (1241, 1754), 255)
        draw = ImageDraw.Draw(image)
        heading, *body = page_lines(n)
        draw.text((150, 120), heading, font=font, fill=0)
        for i, line in enumerate(body):
            draw.text((150, 190 + 56 * i), line, font=font, fill=0)
        draw.text((590, 1650), f"— {n} —", font=font, fill=0)
        yield image.rotate(random.Random(n).uniform(-0.8, 0.8), fillcolor=255, resample=Image.Resampling.BICUBIC)


def make_scan(path: Path, count: int, font_file: str) -> None:
    made = pages(count, font_file)
    next(made).save(path, save_all=True, append_images=made, resolution=150)


def read(path: Path) -> None:
    """The child: load the scan and print each page's recognised text and the meta as JSON."""
    from govqa.config import load_config
    from govqa.ingest import load_file

    (document,), _ = load_file(path, load_config().ocr)
    starts = [*document.page_starts, (len(document.text), None)]
    texts = {number: document.text[a:b] for (a, number), (b, _) in zip(starts, starts[1:], strict=False)}
    print(json.dumps({"pages": texts, "meta": document.meta}, ensure_ascii=False))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions each cost 1)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]


def squashed(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--out", type=Path, help="where to write the scan (default: a temporary file)")
    parser.add_argument("--font", default=FONT)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.read:
        read(args.read)
        return 0

    with tempfile.TemporaryDirectory(prefix="ocr-scan-") as tmp:
        path = args.out or Path(tmp) / f"scan{args.pages}.pdf"
        make_scan(path, args.pages, args.font)
        start = time.perf_counter()
        child = subprocess.run(
            [sys.executable, __file__, "--read", str(path)], capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - start
    if child.returncode:
        print(child.stderr.strip().splitlines()[-1] if child.stderr.strip() else "the reading failed", file=sys.stderr)
        return 1
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(child.stdout)
    # Page by page: the distance is quadratic in the length, and each page's text is known.
    errors = sources = 0
    for n in range(1, args.pages + 1):
        source = squashed("".join(page_lines(n)))
        errors += edit_distance(squashed(result["pages"].get(str(n), "")), source)
        sources += len(source)
    figures = {
        "pages": args.pages,
        "wall_s": round(wall, 1),
        "pages_per_s": round(args.pages / wall, 3),
        "cpu_s_per_page": round((usage.ru_utime + usage.ru_stime) / args.pages, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),  # Linux: kilobytes
        "cer": round(errors / sources, 5),
        "characters": sources,
        "ocr_confidence": float(result["meta"].get("ocr_confidence", "nan")),
        "machine": machine(),
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
    else:
        print(
            f"{figures['pages']} pages in {figures['wall_s']} s: {figures['pages_per_s']} pages/s, "
            f"{figures['cpu_s_per_page']} CPU s a page, peak RSS {figures['peak_rss_mb']} MB"
        )
        print(
            f"CER {figures['cer']:.4f} over {figures['characters']} characters; "
            f"mean OCR confidence {figures['ocr_confidence']:.3f}"
        )
        print(machine_line(figures["machine"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
