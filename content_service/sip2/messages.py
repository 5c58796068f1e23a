"""The SIP2 message table: every message's fixed fields and variable fields.

Contents:
- ``FixedField``: one fixed-length field (name, width, kind).
- ``MessageSpec``: one message code with its fixed fields, required and optional
  variable field identifiers, and (for requests) the code of its answer.
- ``MESSAGES``: the table, keyed by the two-character command code, covering both
  directions (self-check -> ACS requests and ACS -> self-check answers).
- ``FIELD_NAMES``: readable names of the variable field identifiers, for logs and
  error messages.

Kinds of fixed field (how ``protocol.decode`` turns the characters into values):
``yn`` Y/N -> bool; ``ynu`` Y/N/U -> bool or None; ``01`` 1/0 -> bool; ``date``
18-character SIP2 date -> datetime or None; ``int`` zero-padded count -> int;
``str`` the characters as they are (codes such as circulation status, language,
the 14-character patron status and the 10-character summary).

Layouts follow "3M Standard Interchange Protocol Version 2.00" (the SIP2 spec).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FixedField:
    name: str
    width: int
    kind: str  # "yn" | "ynu" | "01" | "date" | "int" | "str"
    choices: str | None = None  # allowed single characters for "str" of width 1


@dataclass(frozen=True)
class MessageSpec:
    code: str
    name: str
    fixed: tuple[FixedField, ...]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    response: str | None = None  # the answer's code, for requests

    @property
    def fixed_width(self) -> int:
        return sum(f.width for f in self.fixed)

    @property
    def known_fields(self) -> tuple[str, ...]:
        return self.required + self.optional


def _date(name: str) -> FixedField:
    return FixedField(name, 18, "date")


TRANSACTION_DATE = _date("transaction_date")
PATRON_STATUS = FixedField("patron_status", 14, "str")
LANGUAGE = FixedField("language", 3, "str")
_MAGNETIC = FixedField("magnetic_media", 1, "ynu")
_DESENSITIZE = FixedField("desensitize", 1, "ynu")

_SPECS: tuple[MessageSpec, ...] = (
    # --- requests: self-check (SC) -> library system (ACS) ---
    MessageSpec("93", "login", (
        FixedField("uid_algorithm", 1, "str"), FixedField("pwd_algorithm", 1, "str")),
        ("CN", "CO"), ("CP",), "94"),
    MessageSpec("99", "sc_status", (
        FixedField("status_code", 1, "str", "012"), FixedField("max_print_width", 3, "int"),
        FixedField("protocol_version", 4, "str")), (), (), "98"),
    MessageSpec("63", "patron_information", (
        LANGUAGE, TRANSACTION_DATE, FixedField("summary", 10, "str")),
        ("AO", "AA"), ("AC", "AD", "BP", "BQ"), "64"),
    MessageSpec("23", "patron_status", (LANGUAGE, TRANSACTION_DATE),
        ("AO", "AA", "AC", "AD"), (), "24"),
    MessageSpec("11", "checkout", (
        FixedField("sc_renewal_policy", 1, "yn"), FixedField("no_block", 1, "yn"),
        TRANSACTION_DATE, _date("nb_due_date")),
        ("AO", "AA", "AB", "AC"), ("CH", "AD", "BO", "BI"), "12"),
    MessageSpec("09", "checkin", (
        FixedField("no_block", 1, "yn"), TRANSACTION_DATE, _date("return_date")),
        ("AP", "AO", "AB", "AC"), ("CH", "BI"), "10"),
    MessageSpec("29", "renew", (
        FixedField("third_party_allowed", 1, "yn"), FixedField("no_block", 1, "yn"),
        TRANSACTION_DATE, _date("nb_due_date")),
        ("AO", "AA"), ("AD", "AB", "AJ", "AC", "CH", "BO"), "30"),
    MessageSpec("65", "renew_all", (TRANSACTION_DATE,),
        ("AO", "AA"), ("AD", "AC", "BO"), "66"),
    MessageSpec("17", "item_information", (TRANSACTION_DATE,),
        ("AO", "AB"), ("AC",), "18"),
    MessageSpec("35", "end_patron_session", (TRANSACTION_DATE,),
        ("AO", "AA"), ("AC", "AD"), "36"),
    MessageSpec("15", "hold", (
        FixedField("hold_mode", 1, "str", "+-*"), TRANSACTION_DATE),
        ("AO", "AA"), ("BW", "BS", "BY", "AD", "AB", "AJ", "AC", "BO"), "16"),
    MessageSpec("01", "block_patron", (
        FixedField("card_retained", 1, "yn"), TRANSACTION_DATE),
        ("AO", "AL", "AA", "AC"), (), "24"),
    MessageSpec("19", "item_status_update", (TRANSACTION_DATE,),
        ("AO", "AB", "CH"), ("AC",), "20"),
    MessageSpec("25", "patron_enable", (TRANSACTION_DATE,),
        ("AO", "AA"), ("AC", "AD"), "26"),
    MessageSpec("37", "fee_paid", (
        TRANSACTION_DATE, FixedField("fee_type", 2, "str"),
        FixedField("payment_type", 2, "str"), FixedField("currency_type", 3, "str")),
        ("BV", "AO", "AA"), ("AC", "AD", "CG", "BK"), "38"),
    MessageSpec("97", "request_acs_resend", (), (), (), None),
    # --- answers: ACS -> SC ---
    MessageSpec("94", "login_response", (FixedField("ok", 1, "01"),)),
    MessageSpec("98", "acs_status", (
        FixedField("online_status", 1, "yn"), FixedField("checkin_ok", 1, "yn"),
        FixedField("checkout_ok", 1, "yn"), FixedField("acs_renewal_policy", 1, "yn"),
        FixedField("status_update_ok", 1, "yn"), FixedField("offline_ok", 1, "yn"),
        FixedField("timeout_period", 3, "int"), FixedField("retries_allowed", 3, "int"),
        _date("date_time_sync"), FixedField("protocol_version", 4, "str")),
        ("AO", "BX"), ("AM", "AN", "AF", "AG")),
    MessageSpec("64", "patron_information_response", (
        PATRON_STATUS, LANGUAGE, TRANSACTION_DATE,
        FixedField("hold_items_count", 4, "int"), FixedField("overdue_items_count", 4, "int"),
        FixedField("charged_items_count", 4, "int"), FixedField("fine_items_count", 4, "int"),
        FixedField("recall_items_count", 4, "int"),
        FixedField("unavailable_holds_count", 4, "int")),
        ("AO", "AA", "AE"),
        ("BZ", "CA", "CB", "BL", "CQ", "BH", "BV", "CC", "AS", "AT", "AU", "AV", "BU",
         "CD", "BD", "BE", "BF", "AF", "AG")),
    MessageSpec("24", "patron_status_response", (PATRON_STATUS, LANGUAGE, TRANSACTION_DATE),
        ("AO", "AA", "AE"), ("BL", "CQ", "BH", "BV", "AF", "AG")),
    MessageSpec("12", "checkout_response", (
        FixedField("ok", 1, "01"), FixedField("renewal_ok", 1, "yn"), _MAGNETIC,
        _DESENSITIZE, TRANSACTION_DATE),
        ("AO", "AA", "AB", "AJ", "AH"), ("BT", "CI", "BH", "BV", "CK", "AF", "AG")),
    MessageSpec("10", "checkin_response", (
        FixedField("ok", 1, "01"), FixedField("resensitize", 1, "yn"), _MAGNETIC,
        FixedField("alert", 1, "yn"), TRANSACTION_DATE),
        ("AO", "AB", "AQ"), ("AJ", "CL", "AA", "CK", "CH", "CV", "AF", "AG")),
    MessageSpec("30", "renew_response", (
        FixedField("ok", 1, "01"), FixedField("renewal_ok", 1, "yn"), _MAGNETIC,
        _DESENSITIZE, TRANSACTION_DATE),
        ("AO", "AA", "AB", "AJ", "AH"), ("BT", "CI", "BH", "BV", "CK", "AF", "AG")),
    MessageSpec("66", "renew_all_response", (
        FixedField("ok", 1, "01"), FixedField("renewed_count", 4, "int"),
        FixedField("unrenewed_count", 4, "int"), TRANSACTION_DATE),
        ("AO",), ("BM", "BN", "AF", "AG")),
    MessageSpec("18", "item_information_response", (
        FixedField("circulation_status", 2, "str"), FixedField("security_marker", 2, "str"),
        FixedField("fee_type", 2, "str"), TRANSACTION_DATE),
        ("AB", "AJ"), ("CF", "AH", "CJ", "CM", "BG", "BH", "BV", "CK", "AQ", "AP", "CH",
                       "AF", "AG")),
    MessageSpec("36", "end_session_response", (
        FixedField("end_session", 1, "yn"), TRANSACTION_DATE),
        ("AO", "AA"), ("AF", "AG")),
    MessageSpec("16", "hold_response", (
        FixedField("ok", 1, "01"), FixedField("available", 1, "yn"), TRANSACTION_DATE),
        ("AO", "AA"), ("BW", "BR", "BS", "AB", "AJ", "AF", "AG")),
    MessageSpec("20", "item_status_update_response", (
        FixedField("item_properties_ok", 1, "01"), TRANSACTION_DATE),
        ("AB",), ("AJ", "CH", "AF", "AG")),
    MessageSpec("26", "patron_enable_response", (PATRON_STATUS, LANGUAGE, TRANSACTION_DATE),
        ("AO", "AA", "AE"), ("BL", "CQ", "AF", "AG")),
    MessageSpec("38", "fee_paid_response", (
        FixedField("payment_accepted", 1, "yn"), TRANSACTION_DATE),
        ("AO", "AA"), ("BK", "AF", "AG")),
    MessageSpec("96", "request_sc_resend", (), (), (), None),
)

MESSAGES: dict[str, MessageSpec] = {spec.code: spec for spec in _SPECS}

# Fields that may occur more than once in one message (item lists, screen lines).
REPEATABLE = frozenset({"AS", "AT", "AU", "AV", "BU", "CD", "BM", "BN", "AF", "AG"})

FIELD_NAMES: dict[str, str] = {
    "AA": "patron identifier", "AB": "item identifier", "AC": "terminal password",
    "AD": "patron password", "AE": "personal name", "AF": "screen message",
    "AG": "print line", "AH": "due date", "AJ": "title identifier",
    "AL": "blocked card message", "AM": "library name", "AN": "terminal location",
    "AO": "institution id", "AP": "current location", "AQ": "permanent location",
    "AS": "hold items", "AT": "overdue items", "AU": "charged items", "AV": "fine items",
    "AY": "sequence number", "AZ": "checksum", "BD": "home address", "BE": "e-mail address",
    "BF": "home phone number", "BG": "owner", "BH": "currency type", "BI": "cancel",
    "BK": "transaction id", "BL": "valid patron", "BM": "renewed items",
    "BN": "unrenewed items", "BO": "fee acknowledged", "BP": "start item",
    "BQ": "end item", "BR": "queue position", "BS": "pickup location",
    "BT": "fee type", "BU": "recall items", "BV": "fee amount", "BW": "expiration date",
    "BX": "supported messages", "BY": "hold type", "BZ": "hold items limit",
    "CA": "overdue items limit", "CB": "charged items limit", "CC": "fee limit",
    "CD": "unavailable hold items", "CF": "hold queue length", "CG": "fee identifier",
    "CH": "item properties", "CI": "security inhibit", "CJ": "recall date",
    "CK": "media type", "CL": "sort bin", "CM": "hold pickup date", "CN": "login user id",
    "CO": "login password", "CP": "location code", "CQ": "valid patron password",
    "CV": "alert type",
}

# Positions of the 14-character patron status ("Y" = the condition holds).
PATRON_STATUS_FLAGS: tuple[str, ...] = (
    "charge_privileges_denied", "renewal_privileges_denied", "recall_privileges_denied",
    "hold_privileges_denied", "card_reported_lost", "too_many_items_charged",
    "too_many_items_overdue", "too_many_renewals", "too_many_claims_of_items_returned",
    "too_many_items_lost", "excessive_outstanding_fines", "excessive_outstanding_fees",
    "recall_overdue", "too_many_items_billed",
)

# Positions of the 10-character summary of a 63 request: which item list to return.
SUMMARY_LISTS: tuple[str, ...] = ("AS", "AT", "AU", "AV", "BU", "CD")

# The 24 characters of the 98 "supported messages" (BX) field, in spec order.
SUPPORTED_MESSAGES: tuple[str, ...] = (
    "patron_status", "checkout", "checkin", "block_patron", "sc_status", "request_resend",
    "login", "patron_information", "end_patron_session", "fee_paid", "item_information",
    "item_status_update", "patron_enable", "hold", "renew", "renew_all",
)

# Circulation status of an 18 answer (spec values 01-13).
CIRCULATION_STATUS: dict[str, str] = {
    "01": "other", "02": "on_order", "03": "available", "04": "charged",
    "05": "charged_not_to_be_recalled", "06": "in_process", "07": "recalled",
    "08": "waiting_on_hold_shelf", "09": "waiting_to_be_reshelved", "10": "in_transit",
    "11": "claimed_returned", "12": "lost", "13": "missing",
}
