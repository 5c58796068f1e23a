"""Turning a QR code's raw payload bytes into the text its author meant.

A QR byte segment carries no charset unless the encoder wrote an ECI header,
and most phone-made codes do not. zxing-cpp guesses well on its own; zbar and
OpenCV do not (zbar reads half-width katakana as kanji, OpenCV as Latin-1), so
their adapters hand us the raw bytes and we guess here the way ZXing does:
ASCII, then UTF-8, then Shift_JIS when the bytes look Japanese, else
ISO-8859-1 (the QR standard's default).
"""

from __future__ import annotations

_UTF8_BOM = b"\xef\xbb\xbf"

# ECI designators (AIM ITS/04-023) for the charsets Python can decode.
ECI_CODECS = {
    1: "iso-8859-1", 2: "cp437", 3: "iso-8859-1",
    **{n: f"iso-8859-{n - 1}" for n in range(4, 14)},
    **{n: f"iso-8859-{n - 2}" for n in range(15, 19)},
    20: "shift_jis", 21: "cp1250", 22: "cp1251", 23: "cp1252", 24: "cp1256",
    25: "utf-16-be", 26: "utf-8", 27: "ascii", 28: "big5", 29: "gb18030", 30: "euc-kr",
}


def text_from_bytes(raw: bytes, eci: int | None = None) -> str:
    """Decode a QR byte payload to text: by its ECI designator when the code
    carries one, else by guessing the charset."""
    codec = ECI_CODECS.get(eci or 0)
    if codec:
        return raw.decode(codec, errors="replace")
    if raw.isascii():
        return raw.decode("ascii")
    if raw.startswith(_UTF8_BOM):
        return raw[len(_UTF8_BOM):].decode("utf-8", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _looks_like_shift_jis(raw):
        return raw.decode("shift_jis")
    return raw.decode("iso-8859-1")


def _looks_like_shift_jis(raw: bytes) -> bool:
    """Mirror ZXing's guess: valid Shift_JIS that uses double-byte characters,
    or a run of 3+ half-width katakana, or bytes Latin-1 would not print."""
    try:
        text = raw.decode("shift_jis")
    except UnicodeDecodeError:
        return False
    # C1 controls (0x80-0x9f) are never printable ISO-8859-1 text.
    if any(0x80 <= b <= 0x9F for b in raw):
        return True
    double_byte = sum(1 for ch in text if len(ch.encode("shift_jis")) == 2)
    if double_byte:
        return True
    run = longest = 0
    for ch in text:
        run = run + 1 if "\uff61" <= ch <= "\uff9f" else 0
        longest = max(longest, run)
    return longest >= 3
