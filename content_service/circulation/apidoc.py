"""The OpenAPI description of ``/api/v1/circulation`` (registered by ``init_app``)."""
from __future__ import annotations

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}


def _ok(ref: str, description: str = "OK") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _err(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _body(properties: dict, required: list[str]) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": required, "properties": properties}}}}


_SESSION = [{"name": "X-Patron-Session", "in": "header", "required": True, "schema": _STR,
             "description": "The token POST /sessions answered."}]
_KIOSK: list[dict[str, list[str]]] = [{"kioskKey": []}]
_COMMON = {"401": _err("kiosk_key_required, bad_kiosk_key, session_required or session_expired.")}
_ITEM_ERRORS = _err("not_an_item, not_ours, unknown_code, retired_code ...: the scan is not a copy of ours.")

SCHEMAS = {
    "Loan": {
        "type": "object",
        "required": ["barcode", "title", "due", "due_local", "due_date", "overdue", "renewals"],
        "properties": {
            "barcode": _STR, "title": _STR, "book_id": {"type": "integer"}, "cover_url": _NSTR,
            "checked_out_at": _STR,
            "due": {"type": "string", "description": "UTC, ISO 8601."},
            "due_local": {"type": "string", "description": "WIB (+07:00), ISO 8601."},
            "due_date": {"type": "string", "description": "The local date it is due, YYYY-MM-DD."},
            "overdue": {"type": "boolean"}, "renewals": {"type": "integer"},
            "renewals_left": {"type": ["integer", "null"]},
        },
    },
    "PatronStatus": {
        "type": "object",
        "required": ["patron", "loans", "blocks", "fines", "can_borrow"],
        "properties": {
            "patron": {"type": "object", "required": ["first_name", "category"], "properties": {
                "first_name": {"type": "string", "description": "First name only: never the full name."},
                "category": {"enum": ["child", "adult", "student", "staff"]},
                "card_hint": {"type": "string", "description": "The card's last 3 characters."},
                "expires_on": _NSTR}},
            "loans": {"type": "array", "items": {"$ref": "#/components/schemas/Loan"}},
            "blocks": {"type": "array", "items": {"$ref": "#/components/schemas/Error/properties/error"}},
            "holds": {"type": "array", "items": {"$ref": "#/components/schemas/Hold"}},
            "holds_ready": {"type": "integer", "description": "Reserved books waiting on the hold shelf."},
            "fines": {"type": "integer", "description": "Rupiah owed."},
            "max_loans": {"type": ["integer", "null"],
                          "description": "How many books the member may have at once (absent: not known)."},
            "can_borrow": {"type": "boolean"},
            "session": {"type": "string"}, "expires_at": {"type": "string"},
        },
    },
    "Checkin": {
        "type": "object", "required": ["returned", "to_hold_shelf", "overdue"],
        "properties": {"returned": {"anyOf": [
                           {"$ref": "#/components/schemas/Loan"},
                           {"type": "object", "required": ["barcode", "title"],
                            "description": "A copy marked on loan with no loan record: no loan to close.",
                            "properties": {"barcode": _STR, "title": _STR, "book_id": {"type": "integer"},
                                           "cover_url": _NSTR}}]},
                       "repaired": {"type": "object", "required": ["code", "from", "to", "message", "message_id"],
                                    "description": "The copy's status was put right (status_repaired).",
                                    "properties": {"code": _STR, "from": _STR, "to": _STR,
                                                   "message": _STR, "message_id": _STR}},
                       "to_hold_shelf": {"type": "boolean", "description": "Another member waits: put it on the hold shelf."},
                       "overdue": {"type": "boolean"},
                       "hold_for": {"type": "object", "description": "Who the copy on the hold shelf waits for.",
                                    "properties": {"first_name": _STR, "card_hint": _STR,
                                                   "send_to": {"type": ["object", "null"], "description":
                                                               "The library to send the copy to: the member "
                                                               "collects it there.",
                                                               "properties": {"code": _STR, "name": _STR}}}}},
    },
    "Hold": {
        "type": "object", "required": ["id", "title", "position", "ready"],
        "properties": {"id": _STR, "book_id": {"type": "integer"}, "title": _STR, "placed_at": _STR,
                       "position": {"type": ["integer", "null"], "description": "1 = next to get a copy."},
                       "ready": {"type": "boolean", "description": "A copy waits on the hold shelf."},
                       "pickup_by": {"type": ["string", "null"], "description": "Last day to collect it, YYYY-MM-DD."},
                       "pickup_library": {"type": ["object", "null"], "description": "Where to collect it.",
                                          "properties": {"id": {"type": "integer"}, "code": _STR, "name": _STR}}},
    },
    "Renewals": {
        "type": "object", "required": ["results", "renewed"],
        "properties": {"renewed": {"type": "integer"}, "results": {"type": "array", "items": {
            "type": "object", "required": ["barcode", "renewed"],
            "properties": {"barcode": _STR, "renewed": {"type": "boolean"},
                           "loan": {"$ref": "#/components/schemas/Loan"},
                           "error": {"$ref": "#/components/schemas/Error/properties/error"}}}}},
    },
    "ReceiptLink": {
        "type": "object", "required": ["url", "expires_at", "lines", "qr_svg"],
        "properties": {"url": _STR, "expires_at": _STR, "qr_svg": {"type": "string", "description": "The URL as a QR, SVG."},
                       "email_to": {"type": ["string", "null"], "description": "A hint of the member's email "
                                    "address (s•••@gmail.com) when the receipt can be emailed; null otherwise."},
                       "emailed": {"type": "boolean", "description": "Whether this receipt was queued to be emailed."},
                       "lines": {"type": "array", "items": {"type": "object", "properties": {
                           "action": {"enum": ["checkout", "renewal", "queued"]}, "title": _STR,
                           "barcode": _STR, "due_date": _STR}}}},
    },
}

PATHS = {
    "/api/v1/circulation/sessions": {"post": {
        "operationId": "circulationLogin", "summary": "A member logs in with card + PIN",
        "description": "5 wrong PINs lock the card for 15 minutes (card_locked, with locked_until).",
        "security": _KIOSK,
        "requestBody": _body({"card": _STR, "pin": _STR}, ["card", "pin"]),
        "responses": {"201": _ok("PatronStatus", "The session token and the member's status."), **_COMMON,
                      "401": _err("wrong_pin (details.attempts_left), kiosk_key_required, bad_kiosk_key."),
                      "403": _err("card_lost or no_pin."), "404": _err("unknown_card."),
                      "423": _err("card_locked (details.locked_until, locked_until_local).")}}},
    "/api/v1/circulation/session": {
        "get": {"operationId": "circulationStatus", "summary": "The member's loans, due dates, blocks and fines",
                "security": _KIOSK, "parameters": _SESSION,
                "responses": {"200": _ok("PatronStatus"), **_COMMON}},
        "delete": {"operationId": "circulationLogout", "summary": "End the member's session",
                   "security": _KIOSK, "parameters": _SESSION,
                   "responses": {"204": {"description": "Ended."}, **_COMMON}},
    },
    "/api/v1/circulation/checkouts": {"post": {
        "operationId": "circulationCheckout", "summary": "Borrow the scanned copy",
        "security": _KIOSK, "parameters": _SESSION,
        "requestBody": _body({"payload": {"type": "string", "description": "The raw scanned text."}}, ["payload"]),
        "responses": {"201": {"description": "Borrowed.", "content": {"application/json": {"schema": {
            "type": "object", "required": ["loan"], "properties": {"loan": {"$ref": "#/components/schemas/Loan"}}}}}},
            **_COMMON,
            "403": _err("card_expired, card_lost, fines_too_high, blocked_by_staff, too_many_loans, reference_copy."),
            "409": _err("already_on_loan, already_borrowed_by_you, on_hold_for_another, not_loanable "
                        "(details.copy: barcode, title, cover_url of a catalogued copy)."),
            "422": _ITEM_ERRORS}}},
    "/api/v1/circulation/renewals": {"post": {
        "operationId": "circulationRenew", "summary": "Renew one loan, or all",
        "security": _KIOSK, "parameters": _SESSION,
        "requestBody": _body({"barcode": _STR, "all": {"type": "boolean"}}, []),
        "responses": {"200": _ok("Renewals"), **_COMMON, "400": _err("Neither barcode nor all."),
                      "403": _err("renew_limit or a block (one loan)."), "404": _err("unknown_loan."),
                      "409": _err("renew_on_hold, renew_not_extended.")}}},
    "/api/v1/circulation/checkins": {"post": {
        "operationId": "circulationCheckin", "summary": "Return the scanned copy (no login)",
        "security": _KIOSK,
        "requestBody": _body({"payload": _STR}, ["payload"]),
        "responses": {"200": _ok("Checkin"), **_COMMON,
                      "409": _err("not_on_loan (details.copy: barcode, title, cover_url)."), "422": _ITEM_ERRORS}}},
    "/api/v1/circulation/holds": {"post": {
        "operationId": "circulationReserve", "summary": "Reserve a title none of whose copies is on the shelf",
        "security": _KIOSK, "parameters": _SESSION,
        "requestBody": _body({"book_id": {"type": "integer"},
                              "pickup_library": {"type": "string", "description": "The library (its code) where "
                                                 "the member collects it; default: the kiosk's."}}, ["book_id"]),
        "responses": {"201": {"description": "Reserved.", "content": {"application/json": {"schema": {
            "type": "object", "required": ["hold"], "properties": {"hold": {"$ref": "#/components/schemas/Hold"}}}}}},
            **_COMMON, "400": _err("No book_id."), "403": _err("too_many_holds or a block."),
            "404": _err("no_such_book, no_such_library."),
            "409": _err("copy_on_shelf, already_reserved, reserve_own_loan, not_holdable."),
            "501": _err("holds_unsupported: the library system takes no holds.")}}},
    "/api/v1/circulation/holds/{hold_id}": {"delete": {
        "operationId": "circulationCancelHold", "summary": "Cancel one of the member's holds",
        "security": _KIOSK,
        "parameters": [*_SESSION, {"name": "hold_id", "in": "path", "required": True, "schema": _STR}],
        "responses": {"204": {"description": "Cancelled."}, **_COMMON, "404": _err("unknown_hold.")}}},
    "/api/v1/circulation/receipts": {"post": {
        "operationId": "circulationReceipt", "summary": "A receipt link (and QR) of this session, working for CIRCULATION_RECEIPT_DAYS",
        "security": _KIOSK, "parameters": _SESSION,
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"email": {"type": "boolean", "description": "Email it to the member too."}}}}}},
        "responses": {"201": _ok("ReceiptLink"), **_COMMON,
                      "409": _err("no_email: no email address for this card.")}}},
}
