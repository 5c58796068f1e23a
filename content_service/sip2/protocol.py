"""SIP2 codec shared by Pindai's SIP2 client and SIP2 server.

Contents:
- Errors (defined in ``errors``): ``SIP2Error``; ``MalformedMessage`` (a message
  that cannot be read; a server answers it with 96 "please resend"), and its
  ``ChecksumError``.
- Dates: ``format_date`` / ``parse_date`` for the 18-character SIP2 date
  ``YYYYMMDDZZZZHHMMSS`` (ZZZZ: four spaces = local time, ``   Z`` = UTC).
- ``checksum``: the AZ checksum, computed over the *encoded bytes*.
- ``Message``: one message (code, typed fixed fields, ordered variable fields with
  repeats, sequence number), with ``get`` / ``getall`` and ``Message.make``.
- ``encode`` / ``decode``: Message <-> bytes in the institution's encoding, with the
  error-detection trailer ``AYnAZxxxx`` and the CR terminator.
- ``Sequence``: AY sequence numbers 0..9, wrapping; ``FrameReader``: splits a byte
  stream into messages (CR, LF or CRLF ends one). Both defined in ``framing``.
- ``patron_status_flags``: the 14-character patron status as named booleans.

Parsing is strict where the message cannot be trusted (unknown code, fixed part too
short, bad checksum, a variable field without a two-character identifier) and
tolerant where real servers legally differ: unknown field identifiers are kept but
never required, optional fields may be absent, fields come in any order, the last
field may or may not end with ``|``, counts may be space padded. ``strict=False``
(the client's choice: be liberal in what you accept) also keeps a fixed field whose
characters are not legal for its kind as ``None`` instead of refusing the message.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Mapping

from .errors import ChecksumError, MalformedMessage, SIP2Error
from .messages import MESSAGES, PATRON_STATUS_FLAGS, FixedField, MessageSpec

__all__ = [
    "SIP2Error", "MalformedMessage", "ChecksumError", "Message", "Sequence",
    "FrameReader", "checksum", "encode", "decode", "format_date", "parse_date",
    "patron_status_flags", "MESSAGES", "ENCODINGS", "normalize_encoding",
]

TERMINATOR = b"\r"
DATE_WIDTH = 18
BLANK_DATE = " " * DATE_WIDTH
# The encodings an institution may configure; other Python codec names also work.
ENCODINGS = ("ascii", "utf-8", "latin-1", "cp1252")

# "...|AY1AZxxxx", "941AY0AZxxxx" (fixed fields only) or "...|AZxxxx" (no sequence).
_TRAILER = re.compile(rb"(\|)?(?:AY([0-9]))?AZ([0-9A-Fa-f]{4})$")
_FIELD_ID = re.compile(r"[A-Za-z0-9]{2}\Z")
_UNSAFE = str.maketrans({"|": "/", "\r": " ", "\n": " "})


# ----------------------------------------------------------------- dates
def format_date(value: datetime | None) -> str:
    """The 18-character SIP2 date; blanks for None; aware datetimes go out as UTC."""
    if value is None:
        return BLANK_DATE
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc).strftime("%Y%m%d   Z%H%M%S")
    return value.strftime("%Y%m%d    %H%M%S")


def parse_date(text: str) -> datetime | None:
    """Read an 18-character SIP2 date. Blank -> None; ``   Z`` -> aware UTC; any other
    zone -> naive (local to the sender). Raises ValueError when it is not a date."""
    if not text.strip():
        return None
    if len(text) != DATE_WIDTH:
        raise ValueError(f"a SIP2 date has 18 characters, not {len(text)}: {text!r}")
    day, zone, time = text[:8], text[8:12], text[12:]
    # Some servers put zeros or spaces where no time is known.
    time = time.replace(" ", "0")
    if not (day + time).isdigit():
        raise ValueError(f"not a SIP2 date: {text!r}")
    value = datetime(int(day[:4]), int(day[4:6]), int(day[6:]),
                     int(time[:2]), int(time[2:4]), int(time[4:]))
    if zone.strip().upper() in ("Z", "UTC", "GMT"):
        return value.replace(tzinfo=timezone.utc)
    return value


# -------------------------------------------------------------- checksum
def checksum(data: bytes) -> str:
    """AZ checksum: two's complement of the 16-bit sum of the bytes, 4 hex digits.

    ``data`` is the message from its first byte up to and including ``AZ``."""
    return f"{(-sum(data)) & 0xFFFF:04X}"


def normalize_encoding(name: str) -> str:
    """Canonical codec name ('UTF8' -> 'utf-8'); ValueError for unknown codecs."""
    import codecs

    try:
        info = codecs.lookup(name.strip())
    except LookupError as exc:
        raise ValueError(f"unknown SIP2 encoding {name!r}") from exc
    return {"iso8859-1": "latin-1"}.get(info.name, info.name)


# --------------------------------------------------------------- message
@dataclass
class Message:
    """One SIP2 message. ``fixed`` holds typed fixed fields by name (see messages.py);
    ``fields`` the variable fields in order, a repeated identifier once per value."""

    code: str
    fixed: dict[str, Any] = field(default_factory=dict)
    fields: list[tuple[str, str]] = field(default_factory=list)
    sequence: int | None = None
    error_detection: bool = False  # the message came with an AZ checksum

    @property
    def spec(self) -> MessageSpec:
        return MESSAGES[self.code]

    @property
    def name(self) -> str:
        return self.spec.name

    def get(self, field_id: str, default: str | None = None) -> str | None:
        """The first value of a variable field, or ``default`` when absent."""
        for fid, value in self.fields:
            if fid == field_id:
                return value
        return default

    def getall(self, field_id: str) -> list[str]:
        """Every value of a (repeatable) variable field, in order."""
        return [value for fid, value in self.fields if fid == field_id]

    def __contains__(self, field_id: object) -> bool:
        return any(fid == field_id for fid, _ in self.fields)

    def __getitem__(self, name: str) -> Any:
        return self.fixed[name]

    def missing_required(self) -> list[str]:
        """Required variable fields that are absent (a server may refuse on these)."""
        return [fid for fid in self.spec.required if fid not in self]

    @property
    def screen_messages(self) -> list[str]:
        """The AF lines exactly as the server wrote them (empty ones dropped)."""
        return [line for line in self.getall("AF") if line.strip()]

    @classmethod
    def make(cls, code: str, fields: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
             **fixed: Any) -> "Message":
        """Build a message: fixed fields as keywords, variable fields as a mapping or
        pairs. A list value repeats the field; None leaves it out. Missing fixed fields
        get neutral defaults when encoded (transaction date: now)."""
        if code not in MESSAGES:
            raise ValueError(f"unknown SIP2 message code {code!r}")
        spec = MESSAGES[code]
        known = {f.name for f in spec.fixed}
        unknown = set(fixed) - known
        if unknown:
            raise ValueError(f"message {code} has no fixed field {sorted(unknown)}")
        pairs = fields.items() if isinstance(fields, Mapping) else fields
        flat: list[tuple[str, str]] = []
        for fid, value in pairs:
            if not _FIELD_ID.match(fid):
                raise ValueError(f"bad SIP2 field identifier {fid!r}")
            values = value if isinstance(value, (list, tuple)) else [value]
            flat.extend((fid, _text(v)) for v in values if v is not None)
        return cls(code, dict(fixed), flat)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, datetime):
        return format_date(value)
    return str(value)


def patron_status_flags(status: str) -> dict[str, bool]:
    """Named booleans for the 14-character patron status (Y = true)."""
    padded = (status or "").ljust(len(PATRON_STATUS_FLAGS))
    return {name: padded[i].upper() == "Y" for i, name in enumerate(PATRON_STATUS_FLAGS)}


# ---------------------------------------------------------------- encode
def _encode_fixed(spec_field: FixedField, value: Any) -> str:
    kind, width = spec_field.kind, spec_field.width
    if kind == "date":
        if value is None and spec_field.name == "transaction_date":
            value = datetime.now()
        return format_date(value) if not isinstance(value, str) else value.ljust(width)
    if kind == "yn":
        return "Y" if value else "N"
    if kind == "ynu":
        return "U" if value is None else ("Y" if value else "N")
    if kind == "01":
        return "1" if value else "0"
    if kind == "int":
        number = int(value or 0)
        if number < 0 or len(str(number)) > width:
            raise ValueError(f"{spec_field.name}={number} does not fit {width} digits")
        return str(number).zfill(width)
    text = _STR_DEFAULTS.get(spec_field.name, "") if value is None else str(value)
    if len(text) > width:
        raise ValueError(f"{spec_field.name}={text!r} is longer than {width}")
    return text.ljust(width)


# Neutral values for "str" fixed fields left out of Message.make.
_STR_DEFAULTS = {"uid_algorithm": "0", "pwd_algorithm": "0", "language": "000",
                 "status_code": "0", "protocol_version": "2.00", "hold_mode": "+",
                 "circulation_status": "01", "security_marker": "00", "fee_type": "01",
                 "payment_type": "00", "currency_type": "IDR"}


def _safe_text(text: str, encoding: str) -> str:
    """Make a value fit the wire: no field delimiter or line ends, and characters the
    institution's encoding lacks are transliterated (é -> e) or replaced by '?'."""
    text = text.translate(_UNSAFE)
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        folded = "".join(c for c in unicodedata.normalize("NFKD", text)
                         if not unicodedata.combining(c))
        return folded.encode(encoding, errors="replace").decode(encoding)


def encode(message: Message, *, encoding: str = "utf-8", sequence: int | None = None,
           error_detection: bool = True) -> bytes:
    """Message -> bytes on the wire, ending with CR. With error detection the trailer
    ``AYnAZxxxx`` is added (sequence: the argument, else ``message.sequence``, else 0)
    and the checksum is computed over the encoded bytes."""
    spec = MESSAGES.get(message.code)
    if spec is None:
        raise ValueError(f"unknown SIP2 message code {message.code!r}")
    parts = [message.code]
    parts.extend(_encode_fixed(f, message.fixed.get(f.name)) for f in spec.fixed)
    order = {fid: i for i, fid in enumerate(spec.known_fields)}
    present = {fid for fid, _ in message.fields}
    fields = list(message.fields) + [(fid, "") for fid in spec.required if fid not in present]
    # Spec order for the fields the spec knows; unknown (extension) fields after them.
    fields.sort(key=lambda pair: order.get(pair[0], len(order)))
    parts.extend(f"{fid}{_safe_text(value, encoding)}|" for fid, value in fields)
    body = "".join(parts).encode(encoding)
    if not error_detection:
        return body + TERMINATOR
    seq = sequence if sequence is not None else (message.sequence or 0)
    if not 0 <= seq <= 9:
        raise ValueError(f"SIP2 sequence number is 0-9, not {seq}")
    head = body + f"AY{seq}AZ".encode("ascii")
    return head + checksum(head).encode("ascii") + TERMINATOR


# ---------------------------------------------------------------- decode
_FLAGS: dict[str, dict[str, bool | None]] = {
    "yn": {"Y": True, "N": False},
    "ynu": {"Y": True, "N": False, "U": None},
    "01": {"1": True, "0": False, "Y": True, "N": False},  # some servers send Y/N here
}


def _decode_fixed(spec_field: FixedField, text: str, strict: bool, raw: bytes) -> Any:
    kind = spec_field.kind
    try:
        if kind == "date":
            return parse_date(text)
        if kind == "int":
            stripped = text.strip()
            if not stripped:
                return 0
            if not stripped.isdigit():
                raise ValueError(f"not a number: {text!r}")
            return int(stripped)
        if kind in ("yn", "ynu", "01"):
            char = text.upper()
            table = _FLAGS[kind]
            if char not in table:
                raise ValueError(f"{text!r} is not one of {'/'.join(table)}")
            return table[char]
        if spec_field.choices and text not in spec_field.choices:
            raise ValueError(f"{text!r} is not one of {spec_field.choices!r}")
        return text
    except ValueError as exc:
        if strict:
            raise MalformedMessage(f"fixed field {spec_field.name}: {exc}", raw) from exc
        return None


def decode(data: bytes | str, *, encoding: str = "utf-8", strict: bool = True,
           require_checksum: bool = False) -> Message:
    """Bytes of one message (terminator optional) -> Message.

    Raises ``ChecksumError`` when an AZ checksum is present and wrong (or absent while
    ``require_checksum``), ``MalformedMessage`` for anything else unreadable."""
    raw = data.encode(encoding) if isinstance(data, str) else bytes(data)
    raw = raw.strip(b"\r\n\x00")
    if len(raw) < 2:
        raise MalformedMessage("message too short", raw)
    sequence: int | None = None
    trailer = _TRAILER.search(raw, max(0, len(raw) - 10))  # "|AYnAZxxxx" at most
    if trailer and trailer.group(1) is None and trailer.group(2) is None:
        trailer = None  # "AZ1234" glued to a field value is data, not a trailer
    if trailer:
        head_end = trailer.end() - 4
        expected = checksum(raw[:head_end])
        if trailer.group(3).decode("ascii").upper() != expected:
            raise ChecksumError(
                f"checksum {trailer.group(3).decode()} does not match {expected}", raw)
        if trailer.group(2) is not None:
            sequence = int(trailer.group(2))
        raw_body = raw[:trailer.start()]
    elif require_checksum:
        raise ChecksumError("message has no AY/AZ error-detection trailer", raw)
    else:
        raw_body = raw
    try:
        text = raw_body.decode(encoding)
    except UnicodeDecodeError as exc:
        if strict:
            raise MalformedMessage(f"not valid {encoding}: {exc.reason}", raw) from exc
        text = raw_body.decode(encoding, errors="replace")
    code = text[:2]
    spec = MESSAGES.get(code)
    if spec is None:
        raise MalformedMessage(f"unknown message code {code!r}", raw)
    width = spec.fixed_width
    if len(text) < 2 + width:
        raise MalformedMessage(
            f"message {code} needs {width} characters of fixed fields, has {len(text) - 2}",
            raw)
    fixed: dict[str, Any] = {}
    pos = 2
    for spec_field in spec.fixed:
        chunk = text[pos:pos + spec_field.width]
        fixed[spec_field.name] = _decode_fixed(spec_field, chunk, strict, raw)
        pos += spec_field.width
    fields = list(_split_fields(text[pos:], raw, strict))
    return Message(code, fixed, fields, sequence, trailer is not None)


def _split_fields(text: str, raw: bytes, strict: bool) -> Iterator[tuple[str, str]]:
    for segment in text.split("|"):
        if not segment.strip():
            continue  # "||", a trailing "|", or padding between fields
        if not strict:
            segment = segment.lstrip(" ")
        fid = segment[:2]
        if not _FIELD_ID.match(fid):
            raise MalformedMessage(f"variable field without identifier: {segment!r}", raw)
        yield fid, segment[2:]


# Framing and sequence numbers live in framing.py; importable from here too.
from .framing import FrameReader, Sequence  # noqa: E402
