"""Demo artwork drawn with Pillow: book covers, an illustration card and an
AR overlay (PNG with alpha). Deterministic, so re-seeding stores nothing new."""
from __future__ import annotations

import io
import math
import textwrap
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

PALETTE = [
    ((11, 110, 79), (240, 200, 80)),
    ((30, 64, 175), (250, 204, 21)),
    ((159, 18, 57), (254, 243, 199)),
    ((67, 56, 202), (165, 243, 252)),
    ((146, 64, 14), (254, 215, 170)),
    ((15, 118, 110), (253, 230, 138)),
    ((88, 28, 135), (233, 213, 255)),
]
_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@lru_cache(maxsize=16)
def _font(size: int):
    try:
        return ImageFont.truetype(_FONT, size)
    except OSError:
        return ImageFont.load_default(size)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def cover_png(title: str, authors: list[str], index: int) -> bytes:
    """A 400x600 cover: colour band, title, author."""
    background, accent = PALETTE[index % len(PALETTE)]
    image = Image.new("RGB", (400, 600), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 390, 400, 410), fill=accent)
    draw.ellipse((270, 470, 370, 570), outline=accent, width=6)
    y = 90
    for line in textwrap.wrap(title, 16)[:6]:
        draw.text((28, y), line, font=_font(34), fill="white")
        y += 44
    author_lines = textwrap.wrap(", ".join(authors[:2]), 26)[:2]
    for offset, line in enumerate(author_lines):
        draw.text((28, 436 + offset * 30), line, font=_font(22), fill=accent)
    draw.text((28, 540), "Perpustakaan Kota Batam", font=_font(16), fill=(255, 255, 255))
    return _png(image)


def illustration_png(title: str, index: int) -> bytes:
    """A 960x540 picture card for the gallery."""
    background, accent = PALETTE[(index + 3) % len(PALETTE)]
    image = Image.new("RGB", (960, 540), accent)
    draw = ImageDraw.Draw(image)
    for i in range(6):
        r = 60 + i * 40
        draw.ellipse((480 - r, 300 - r, 480 + r, 300 + r), outline=background, width=8)
    draw.rectangle((0, 0, 960, 110), fill=background)
    draw.text((30, 30), textwrap.shorten(title, 40, placeholder="…"), font=_font(44), fill="white")
    return _png(image)


def ar_overlay_png(text: str, index: int) -> bytes:
    """A 512x512 star badge with a transparent background, for the AR preview."""
    _, accent = PALETTE[index % len(PALETTE)]
    image = Image.new("RGBA", (512, 512), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = []
    for k in range(10):
        radius = 240 if k % 2 == 0 else 110
        angle = math.pi / 2 + k * math.pi / 5
        points.append((256 + radius * math.cos(angle), 256 - radius * math.sin(angle)))
    draw.polygon(points, fill=accent + (235,), outline=(0, 0, 0, 255))
    box = draw.textbbox((0, 0), text, font=_font(56))
    draw.text((256 - (box[2] - box[0]) / 2, 230), text, font=_font(56), fill=(20, 20, 20, 255))
    return _png(image)
