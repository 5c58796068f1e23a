"""Square 1080x1080 PNG posters for Instagram (an event, a featured book),
drawn with Pillow and DejaVu (fonts-dejavu-core): the library's name in a
band, a small heading, the title (wrapped, and shrunk until it fits), a few
lines under it, an optional cover, and the QR of the label URL with its code.

``layout`` places every piece of text and the QR, and ``render`` draws
exactly that, so a test can check that nothing leaves its box. Nothing here
knows Flask: the callers (``sharing.books``, ``events.sharing``) gather the
words in the right languages."""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from ..codes.qr import qr_matrix

SIZE = 1080
MARGIN = 64
BAND = 128  # the library's name, across the top
QR_BOX = 400  # the QR's white square (quiet zone included), bottom left
GAP = 36
GREEN = (11, 110, 79)  # the public pages' accent (pindai.css --accent)
INK = (29, 35, 48)
MUTED = (75, 85, 99)
PAPER = (246, 244, 239)
WHITE = (255, 255, 255)
# Bumped whenever the drawing changes, so the ETag of every poster changes with it.
DRAWING_VERSION = "1"

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONTS = {"bold": "DejaVuSans-Bold.ttf", "regular": "DejaVuSans.ttf", "mono": "DejaVuSansMono-Bold.ttf"}
TITLE_SIZES = range(88, 39, -4)  # largest first: a short title fills the space
ELLIPSIS = "…"


@dataclass(frozen=True)
class Poster:
    """What a poster says. ``hint`` is the scan instruction in Indonesian, then
    English; ``cover`` an image file (from the media store) drawn beside the title."""

    heading: str
    title: str
    lines: tuple[str, ...]
    url: str
    code: str
    library: str
    hint: tuple[str, str]
    cover: str | None = None

    def etag(self) -> str:
        """Changes when anything drawn changes (the cover file is content-addressed)."""
        text = json.dumps([DRAWING_VERSION, asdict(self)], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class Text:
    """One line of text as drawn: where (top left), in which font and size, and the
    box its glyphs cover (``bbox``: left, top, right, bottom)."""

    text: str
    xy: tuple[int, int]
    style: str
    size: int
    fill: tuple[int, int, int]
    bbox: tuple[int, int, int, int] = field(default=(0, 0, 0, 0))


@dataclass
class Layout:
    texts: list[Text]
    qr_box: tuple[int, int, int, int]
    cover_box: tuple[int, int, int, int] | None
    title_size: int


@lru_cache(maxsize=64)
def font(style: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(_FONT_DIR / _FONTS[style]), size)
    except OSError:  # no DejaVu installed: Pillow's own font, still sized
        return ImageFont.load_default(size)


def _width(text: str, style: str, size: int) -> float:
    return font(style, size).getlength(text)


def wrap(text: str, style: str, size: int, width: int) -> list[str]:
    """Greedy word wrap by measured width; a word wider than the line is cut
    between characters (a long URL or a run of capitals without spaces)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if _width(candidate, style, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while _width(word, style, size) > width:
            cut = 1
            while cut < len(word) and _width(word[:cut + 1], style, size) <= width:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _shorten(line: str, style: str, size: int, width: int) -> str:
    """``line`` with an ellipsis at its end, cut until it fits in ``width``."""
    while line and _width(line + ELLIPSIS, style, size) > width:
        line = line[:-1].rstrip()
    return line + ELLIPSIS


def _clip(lines: list[str], most: int, style: str, size: int, width: int) -> list[str]:
    if len(lines) <= most:
        return lines
    kept = lines[:most]
    if kept:
        kept[-1] = _shorten(kept[-1], style, size, width)
    return kept


def _line_height(size: int) -> int:
    return round(size * 1.22)


def _place(texts: list[Text], lines: list[str], x: int, y: int, style: str, size: int, fill) -> int:
    """Add ``lines`` from (x, y) down; returns the y under the last one."""
    face = font(style, size)
    for line in lines:
        left, top, right, bottom = face.getbbox(line)
        texts.append(Text(line, (x, y), style, size, fill, (x + int(left), y + int(top), x + int(right), y + int(bottom))))
        y += _line_height(size)
    return y


def _cover_size(path: str | None, most_w: int, most_h: int) -> tuple[int, int] | None:
    image = _open_cover(path)
    if image is None:
        return None
    scale = min(most_w / image.width, most_h / image.height)
    return max(1, int(image.width * scale)), max(1, int(image.height * scale))


@lru_cache(maxsize=8)
def _open_cover(path: str | None) -> Image.Image | None:
    if not path:
        return None
    try:
        with Image.open(path) as opened:
            opened.draft("RGB", (600, 900))  # a JPEG decodes at a fraction of its size
            opened.thumbnail((600, 900))  # kept small: covers may be up to 40 megapixels
            return opened.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):  # a cover that will not open: no cover
        return None


def layout(poster: Poster) -> Layout:
    """Where every line of text, the cover and the QR go on the square."""
    texts: list[Text] = []
    inner = SIZE - 2 * MARGIN
    # The band: the library's name on one line, shrunk (then shortened) to fit.
    size = 44
    while size > 28 and _width(poster.library, "bold", size) > inner:
        size -= 2
    name = poster.library if _width(poster.library, "bold", size) <= inner else _shorten(poster.library, "bold", size, inner)
    _place(texts, [name], MARGIN, (BAND - _line_height(size)) // 2 + 4, "bold", size, WHITE)

    top = BAND + 40
    y = _place(texts, _clip(wrap(poster.heading, "bold", 30, inner), 1, "bold", 30, inner), MARGIN, top, "bold", 30, GREEN)
    top = y + 12
    qr_top = SIZE - MARGIN - QR_BOX
    bottom = qr_top - GAP  # the title and its lines stay above the QR
    left = MARGIN
    cover_box = None
    cover = _cover_size(poster.cover, 300, bottom - top)
    if cover is not None:
        cover_box = (MARGIN, top, MARGIN + cover[0], top + cover[1])
        left = cover_box[2] + GAP
    width = SIZE - MARGIN - left
    height = bottom - top

    # The biggest title size at which the title and its lines fit; at the smallest,
    # the title is cut (ending in "…") so the lines under it still show.
    chosen = None
    for title_size in TITLE_SIZES:
        line_size = max(28, min(40, title_size // 2))
        title_lines = wrap(poster.title, "bold", title_size, width)
        detail = [part for line in poster.lines for part in _clip(wrap(line, "regular", line_size, width), 2,
                                                                    "regular", line_size, width)]
        needed = len(title_lines) * _line_height(title_size) + 16 + len(detail) * _line_height(line_size)
        chosen = (title_size, line_size, title_lines, detail)
        if needed <= height:
            break
    assert chosen is not None
    title_size, line_size, title_lines, detail = chosen
    detail_height = 16 + len(detail) * _line_height(line_size)
    room = max(1, (height - detail_height) // _line_height(title_size))
    title_lines = _clip(title_lines, room, "bold", title_size, width)
    detail = detail[:max(0, (height - len(title_lines) * _line_height(title_size) - 16) // _line_height(line_size))]
    y = _place(texts, title_lines, left, top, "bold", title_size, INK)
    _place(texts, detail, left, y + 16, "regular", line_size, MUTED)

    # Beside the QR: how to use it (Indonesian, then English), its code, the address.
    qr_box = (MARGIN, qr_top, MARGIN + QR_BOX, qr_top + QR_BOX)
    x = qr_box[2] + GAP
    side = SIZE - MARGIN - x
    y = qr_top + 8
    hint_id, hint_en = poster.hint
    y = _place(texts, _clip(wrap(hint_id, "bold", 34, side), 4, "bold", 34, side), x, y, "bold", 34, INK) + 6
    y = _place(texts, _clip(wrap(hint_en, "regular", 28, side), 3, "regular", 28, side), x, y, "regular", 28, MUTED) + 18
    y = _place(texts, [f"{poster.code[:4]}-{poster.code[4:]}" if len(poster.code) == 8 else poster.code], x, y,
               "mono", 48, GREEN) + 6
    address = poster.url.split("://", 1)[-1]
    _place(texts, _clip(wrap(address, "regular", 24, side), 2, "regular", 24, side), x, y, "regular", 24, MUTED)
    return Layout(texts, qr_box, cover_box, title_size)


def render(poster: Poster) -> bytes:
    """The poster as PNG bytes (1080x1080, RGB)."""
    return _render(poster)


@lru_cache(maxsize=32)  # a shared link is fetched by every preview bot at once
def _render(poster: Poster) -> bytes:
    spot = layout(poster)
    image = Image.new("RGB", (SIZE, SIZE), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, SIZE, BAND), fill=GREEN)
    if spot.cover_box is not None:
        cover = _open_cover(poster.cover)
        assert cover is not None
        box = spot.cover_box
        image.paste(ImageOps.fit(cover, (box[2] - box[0], box[3] - box[1])), box[:2])
    _draw_qr(image, poster.url, spot.qr_box)
    for text in spot.texts:
        draw.text(text.xy, text.text, font=font(text.style, text.size), fill=text.fill)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _draw_qr(image: Image.Image, url: str, box: tuple[int, int, int, int]) -> None:
    """Whole pixels per module (no blur for a camera to fight), centred in a white box."""
    matrix = qr_matrix(url, border=2)  # the white box around it widens the quiet zone
    draw = ImageDraw.Draw(image)
    draw.rectangle(box, fill=WHITE)
    side = box[2] - box[0]
    module = side // len(matrix)
    x0 = box[0] + (side - module * len(matrix)) // 2
    y0 = box[1] + (side - module * len(matrix)) // 2
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                x, y = x0 + col * module, y0 + row * module
                draw.rectangle((x, y, x + module - 1, y + module - 1), fill=INK)
