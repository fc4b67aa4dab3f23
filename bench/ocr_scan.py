"""Make an N-page scanned report (an image-only PDF) to time OCR: docs/ingest.md, *Scanned pages*.

Usage: python bench/ocr_scan.py OUT.pdf [--pages 50] [--font FILE]
then:  /usr/bin/time -v govqa ingest --dry-run OUT.pdf

Each page is A4 at 150 dpi (1241 × 1754 px): a heading, 24 lines of 30-px CJK text, a page
number at the foot, turned by up to 0.8° as a scanner leaves it. Pages are written one at a time.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator

from PIL import Image, ImageDraw, ImageFont

TEXT = (
    "坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，加快构建新发展格局，着力推动高质量发展，"
    "全市地区生产总值增长百分之六点五，城镇新增就业十二万人。"
)


def pages(count: int, font_file: str) -> Iterator[Image.Image]:
    font = ImageFont.truetype(font_file, 30)
    for n in range(1, count + 1):
        image = Image.new("L", (1241, 1754), 255)
        draw = ImageDraw.Draw(image)
        draw.text((150, 120), f"第{n}部分　工作安排", font=font, fill=0)
        for i in range(24):
            draw.text((150, 190 + 56 * i), (TEXT * 3)[(i * 7) % len(TEXT) :][:33], font=font, fill=0)
        draw.text((590, 1650), f"— {n} —", font=font, fill=0)
        yield image.rotate(random.Random(n).uniform(-0.8, 0.8), fillcolor=255, resample=Image.Resampling.BICUBIC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--font", default="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    args = parser.parse_args()
    made = pages(args.pages, args.font)
    next(made).save(args.out, save_all=True, append_images=made, resolution=150)


if __name__ == "__main__":
    main()
