"""Image checks: JPEG, PNG and WebP are decoded and re-encoded, which drops
metadata and anything hidden after or inside the image (polyglots); AR
overlays must be transparent PNGs. Thumbnails for every kind are made here."""
from __future__ import annotations

import io
import struct

from PIL import Image, ImageOps, UnidentifiedImageError
from flask_babel import lazy_gettext as _l

from . import png
from .base import MAX_PIXELS, MAX_SIDE, THUMB_SIDE, Checked, DecompressionBomb, UnsupportedType, UploadRefused, refuse, wrong_type, either

_PIL_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _open_image(data: bytes, kind: str) -> Image.Image:
    if data.startswith(png.SIGNATURE):
        png.check_chunks(data)
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        _bomb()
    except ValueError:  # Pillow's own limits on text chunks and the like
        refuse(DecompressionBomb, _l("Part of this image inflates too far when read: a decompression bomb."))
    except (UnidentifiedImageError, OSError, SyntaxError, struct.error):
        refuse(UnsupportedType, _l("This file is not an image we can read (JPEG, PNG or WebP)."))
    if image.format not in _PIL_TYPES:
        wrong_type(kind, f"image/{(image.format or 'unknown').lower()}", _l("JPEG, PNG or WebP"))
    if image.size[0] * image.size[1] > MAX_PIXELS:
        _bomb(image.size)
    try:
        image.load()
    except Image.DecompressionBombError:
        _bomb(image.size)
    except (OSError, SyntaxError, ValueError):
        refuse(UploadRefused, _l("The image is damaged or incomplete."))
    return image


def _bomb(size=None):
    claims = f" claims {size[0]} x {size[1]} pixels" if size else " claims too many pixels"
    claims_id = f" mengaku {size[0]} x {size[1]} piksel" if size else " mengaku terlalu banyak piksel"
    refuse(DecompressionBomb, _l("The image%(claims)s; at most %(value)s megapixels are accepted.", claims=either(claims, claims_id),
                                 value=MAX_PIXELS // 1_000_000))


def _pixels_only(image: Image.Image) -> Image.Image:
    # A new image from the raw pixels: Pillow would otherwise carry the
    # original's EXIF, comments and text chunks into the saved file.
    return Image.frombytes(image.mode, image.size, image.tobytes())


def encode_image(image: Image.Image, fmt: str) -> bytes:
    """Pixels to JPEG, PNG or WebP bytes."""
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def thumbnail_of(image: Image.Image) -> bytes:
    """A WebP at most THUMB_SIDE pixels on its longer side (staff lists, kiosk menus)."""
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    if thumb.mode not in ("RGB", "RGBA"):
        thumb = thumb.convert("RGBA" if "A" in thumb.getbands() or "transparency" in thumb.info else "RGB")
    return encode_image(thumb, "WEBP")


def check_image(data: bytes, found: str | None) -> Checked:
    if found not in _PIL_TYPES.values():
        wrong_type("image", found, _l("a JPEG, PNG or WebP image"))
    image = _open_image(data, "image")
    fmt = image.format
    image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info or "A" in image.getbands() else "RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    # Re-encoding writes only pixels: EXIF/GPS, comments and anything appended are gone.
    clean = encode_image(_pixels_only(image), fmt)
    return Checked(_PIL_TYPES[fmt], clean, image.width, image.height, thumbnail=thumbnail_of(image))


def check_overlay(data: bytes, found: str | None) -> Checked:
    if found != "image/png":
        wrong_type("ar_overlay", found, _l("a PNG image with transparency"))
    image = _open_image(data, "ar_overlay")
    if not ("A" in image.getbands() or "transparency" in image.info):
        refuse(UploadRefused, _l("An AR overlay must be a PNG with transparency (an alpha channel)."))
    image = image.convert("RGBA")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return Checked("image/png", encode_image(_pixels_only(image), "PNG"), image.width, image.height, thumbnail=thumbnail_of(image))
