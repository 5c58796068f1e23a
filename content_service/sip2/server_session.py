"""What one SIP2 connection knows, and the shapes handlers work with.

Contents:
- ``MachineSession``: the state of one self-check machine's connection
  (its login, whether it uses error detection, the last answer for a 97).
- ``Answer``: what a handler returns, a ``protocol.Message`` with ``add`` /
  ``add_if``; requests are plain ``protocol.Message`` objects.
- ``refuse``: the "no" answer of any request, built from the request alone
  (echoing its ids) with the reason in the screen message AF.
- small helpers: ``text``, ``sip_now``, ``sip_date_text``, ``from_sip_date``, ``fee``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..circulation import calendar, refusals
from .protocol import Message, format_date
from .server_text import screen_message

CURRENCY = "IDR"
FIELD_MAX = 255


@dataclass
class MachineSession:
    """One connection from one machine. ``account_*`` are copied from the
    account row at login, so no ORM object outlives its session."""

    address: str = ""
    account_id: int | None = None
    login: str | None = None
    institution: str = "PINDAI"
    encoding: str = "utf-8"
    error_detection: bool = False
    last_answer: bytes | None = None
    failed_logins: int = 0
    account_checked: float = 0.0  # time.monotonic() of the last check that the login still exists

    @property
    def logged_in(self) -> bool:
        return self.account_id is not None


class Answer(Message):
    """A message the server sends: a ``Message`` with helpers to add fields."""

    def add(self, field_id: str, value: Any) -> Answer:
        # SIP2 variable fields hold at most 255 characters (long titles, long reasons).
        self.fields.append((field_id, "" if value is None else str(value)[:FIELD_MAX]))
        return self

    def add_if(self, field_id: str, value: Any) -> Answer:
        if value not in (None, ""):
            self.add(field_id, value)
        return self


def echo(request: Message, field_id: str) -> str:
    """A field's value as the machine sent it ('' when absent), to echo back."""
    return request.get(field_id) or ""


def text(request: Message, field_id: str) -> str:
    """A field's value, stripped ('' when absent)."""
    return (request.get(field_id) or "").strip()


def sip_now() -> datetime:
    """Now in the library's time (WIB), naive: SIP2 dates are the ACS's local
    time (four blank zone characters), which machines show as they are."""
    return sip_date(calendar.utcnow())


def sip_date(moment: datetime) -> datetime:
    return calendar.local(moment).replace(tzinfo=None)


def sip_date_text(moment: datetime | None) -> str:
    """A date for a variable field (AH due date ...), in the same form."""
    return format_date(sip_date(moment)) if moment is not None else ""


def from_sip_date(value: datetime | None) -> datetime | None:
    """A date a machine sent, as UTC: naive ones are the library's local time."""
    if value is None:
        return None
    return calendar.as_utc(value if value.tzinfo is not None else value.replace(tzinfo=calendar.WIB))


def fee(amount: int) -> str:
    return f"{amount}.00"


def refusal_lines(refusal: refusals.Refusal) -> list[tuple[str, str]]:
    return [("AF", screen_message(refusal))]


DENIED = "YYYY" + " " * 10  # an unknown patron: no privileges, nothing else known


def refuse(request: Message, refusal: refusals.Refusal, institution: str, *,
           title: str = "", valid_patron: bool | None = None) -> Answer:
    """The "no" answer to ``request`` (any message type), from its own fields."""
    now = sip_now()
    aa, ab = echo(request, "AA"), echo(request, "AB")
    language = request.fixed.get("language") or "000"
    af = refusal_lines(refusal)
    code = request.code
    if code in ("23", "01", "25"):
        answer = Answer({"23": "24", "01": "24", "25": "26"}[code],
                        {"patron_status": DENIED, "language": language, "transaction_date": now},
                        [("AO", institution), ("AA", aa), ("AE", ""), ("BL", "N")])
    elif code == "63":
        answer = Answer("64", {"patron_status": DENIED, "language": language, "transaction_date": now,
                               "hold_items_count": 0, "overdue_items_count": 0, "charged_items_count": 0,
                               "fine_items_count": 0, "recall_items_count": 0, "unavailable_holds_count": 0},
                        [("AO", institution), ("AA", aa), ("AE", ""), ("BL", "N")])
    elif code in ("11", "29"):
        answer = Answer("12" if code == "11" else "30",
                        {"ok": False, "renewal_ok": False, "magnetic_media": None, "desensitize": False,
                         "transaction_date": now},
                        [("AO", institution), ("AA", aa), ("AB", ab), ("AJ", title), ("AH", "")])
        if valid_patron is not None:
            answer.add("BL", "Y" if valid_patron else "N")
    elif code == "09":
        answer = Answer("10", {"ok": False, "resensitize": True, "magnetic_media": None, "alert": False,
                               "transaction_date": now},
                        [("AO", institution), ("AB", ab), ("AQ", ""), ("AJ", title)])
    elif code == "65":
        answer = Answer("66", {"ok": False, "renewed_count": 0, "unrenewed_count": 0, "transaction_date": now},
                        [("AO", institution)])
    elif code == "17":
        answer = Answer("18", {"circulation_status": "01", "security_marker": "00", "fee_type": "01",
                               "transaction_date": now}, [("AB", ab), ("AJ", title)])
    elif code == "35":
        answer = Answer("36", {"end_session": False, "transaction_date": now}, [("AO", institution), ("AA", aa)])
    elif code == "15":
        answer = Answer("16", {"ok": False, "available": False, "transaction_date": now},
                        [("AO", institution), ("AA", aa)])
        answer.add_if("AB", ab)
        answer.add_if("AJ", title or echo(request, "AJ"))
    elif code == "19":
        answer = Answer("20", {"item_properties_ok": False, "transaction_date": now}, [("AB", ab)])
    elif code == "37":
        answer = Answer("38", {"payment_accepted": False, "transaction_date": now},
                        [("AO", institution), ("AA", aa)])
    elif code == "93":
        answer = Answer("94", {"ok": False})
    else:  # pragma: no cover - the dispatcher only routes known codes here
        raise ValueError(f"no refusal answer for message {code}")
    answer.fields.extend(af)
    answer.fields = [(fid, value[:FIELD_MAX]) for fid, value in answer.fields]
    return answer
