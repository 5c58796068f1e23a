"""Drawing the symbols a library prints, as grayscale images, from scratch.

Used for demo media and tests. The encoders are independent of the decoders
under test: QR via the `qrcode` package (plus a few lines to write an ECI
header, which `qrcode` cannot), Code 128 / Code 39 / Codabar bar patterns
from reportlab's encoders, EAN-13 from its published tables here.
"""

from __future__ import annotations

import numpy as np
import qrcode
from qrcode import base as qr_base
from qrcode import util as qr_util

SYMBOLOGIES = ("qr", "ean13", "code128", "codabar", "code39")

_QR_EC = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
          "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}
ECI_UTF8 = 26


def render_qr(payload: str | bytes, *, module_px: int = 6, border: int = 4,
              error_correction: str = "M", eci: int | None = None) -> np.ndarray:
    """A QR code as a uint8 image (0 black, 255 white), quiet zone included.

    `payload` str is written as UTF-8 bytes with no ECI (as most phone apps
    do); bytes are written as given. `eci` adds an ECI designator (26 = UTF-8).
    """
    data = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    qr = qrcode.QRCode(border=border, box_size=1, error_correction=_QR_EC[error_correction])
    if eci is None:
        qr.add_data(qrcode.util.QRData(data, mode=qr_util.MODE_8BIT_BYTE))
        qr.make(fit=True)
    else:
        qr.version = _smallest_version(len(data) + 2, qr.error_correction)
        qr.data_cache = _eci_codewords(qr.version, qr.error_correction, eci, data)
        qr.make(fit=False)
    modules = np.array(qr.get_matrix(), dtype=bool)
    image = np.where(modules, 0, 255).astype(np.uint8)
    return np.kron(image, np.ones((module_px, module_px), dtype=np.uint8))


def _smallest_version(nbytes: int, ec) -> int:
    for version in range(1, 41):
        bits = sum(b.data_count * 8 for b in qr_base.rs_blocks(version, ec))
        if 4 + 8 + 4 + qr_util.length_in_bits(qr_util.MODE_8BIT_BYTE, version) + 8 * nbytes <= bits:
            return version
    raise ValueError("payload too long for a QR code")


def _eci_codewords(version: int, ec, eci: int, data: bytes) -> list[int]:
    """qrcode's create_data with an ECI segment (mode 0111) in front."""
    buffer = qr_util.BitBuffer()
    buffer.put(0b0111, 4)
    buffer.put(eci, 8)  # designators < 128 take one byte
    buffer.put(qr_util.MODE_8BIT_BYTE, 4)
    buffer.put(len(data), qr_util.length_in_bits(qr_util.MODE_8BIT_BYTE, version))
    for byte in data:
        buffer.put(byte, 8)
    rs_blocks = qr_base.rs_blocks(version, ec)
    limit = sum(b.data_count * 8 for b in rs_blocks)
    for _ in range(min(limit - len(buffer), 4)):
        buffer.put_bit(False)
    while len(buffer) % 8:
        buffer.put_bit(False)
    for i in range((limit - len(buffer)) // 8):
        buffer.put(qr_util.PAD0 if i % 2 == 0 else qr_util.PAD1, 8)
    return qr_util.create_bytes(buffer, rs_blocks)


# --- 1-D ------------------------------------------------------------------
_EAN_L = ["0001101", "0011001", "0010011", "0111101", "0100011",
          "0110001", "0101111", "0111011", "0110111", "0001011"]
_EAN_R = ["".join("1" if c == "0" else "0" for c in code) for code in _EAN_L]
_EAN_G = [code[::-1] for code in _EAN_R]
_EAN_PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
               "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]


def ean13_check_digit(digits12: str) -> str:
    """The EAN-13 check digit of 12 digits (ISBN-13 uses the same)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


def _ean13_modules(text: str) -> str:
    if len(text) == 12:
        text += ean13_check_digit(text)
    if len(text) != 13 or not text.isdigit() or text[-1] != ean13_check_digit(text[:12]):
        raise ValueError(f"not an EAN-13 number: {text!r}")
    parity = _EAN_PARITY[int(text[0])]
    left = "".join((_EAN_L if p == "L" else _EAN_G)[int(d)] for p, d in zip(parity, text[1:7]))
    right = "".join(_EAN_R[int(d)] for d in text[7:])
    return "101" + left + "01010" + right + "101"


def _reportlab_modules(text: str, symbology: str) -> str:
    """Bar/space pattern as a 0/1 module string, from reportlab's encoders."""
    from reportlab.graphics.barcode import code39, code128
    from reportlab.graphics.barcode.common import Codabar

    if symbology == "code128":
        widget = code128.Code128(text)
    elif symbology == "code39":
        widget = code39.Standard39(text, checksum=0)
    elif symbology == "codabar":
        widget = Codabar(text, checksum=0)
    else:
        raise ValueError(symbology)
    widget.validate()
    widget.encode()
    widget.decompose()
    modules = []
    for ch in widget.decomposed:
        if symbology == "code128":  # A-D bars / a-d spaces of 1-4 modules
            width = ord(ch.lower()) - ord("a") + 1
            modules.append(("1" if ch.isupper() else "0") * width)
        else:  # b/B narrow/wide bar, s/S narrow/wide space, i inter-gap
            width = 3 if ch in "BS" else 1
            modules.append(("1" if ch in "bB" else "0") * width)
    return "".join(modules)


def render_barcode(text: str, symbology: str, *, module_px: int = 3,
                   height_px: int = 90, quiet_modules: int = 12) -> np.ndarray:
    """A 1-D bar code as a uint8 image with quiet zones.

    EAN-13 takes 12 or 13 digits; Codabar takes the full symbol text
    including its start/stop letters, e.g. "A12345678B".
    """
    if symbology == "ean13":
        modules = _ean13_modules(text)
    else:
        modules = _reportlab_modules(text, symbology)
    row = np.array([0 if m == "1" else 255 for m in
                    "0" * quiet_modules + modules + "0" * quiet_modules], dtype=np.uint8)
    row = np.repeat(row, module_px)
    pad = quiet_modules * module_px // 2
    image = np.full((height_px + 2 * pad, row.size), 255, dtype=np.uint8)
    image[pad:pad + height_px] = row
    return image


def render_symbol(text: str, symbology: str, **options) -> np.ndarray:
    """One entry point for tests: QR or any 1-D symbology by name."""
    if symbology == "qr":
        return render_qr(text, **options)
    return render_barcode(text, symbology, **options)
