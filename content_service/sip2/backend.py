"""``PINDAI_CIRCULATION=sip2``: the kiosk's circulation through the library system.

Contents:
- ``Sip2Backend``: the ``CirculationBackend`` protocol (find_card, authenticate,
  status, checkout, renew, checkin) over one ``SIP2Client`` per worker, plus
  ``item_status`` (17/18, cached briefly) for the availability pages.

What goes where: the library system decides every loan; Pindai's database only
adds what the kiosk shows (a cover, the book page) when it knows the barcode, and
keeps the offline queue. Every "no" becomes a refusal with a stable code and the
server's screen message (AF) quoted as written; when the server is away a checkout
is queued (``offline``) and the member is told it will be confirmed.
"""
from __future__ import annotations

import threading
import time

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..catalogue import shapes
from ..circulation import calendar, refusals
from ..catalogue.models import Item
from . import answers, offline
from .client import LoginRefused, Settings, SIP2Client, Unavailable
from .protocol import Message

# 18's circulation status -> Pindai's item status (what the pages show).
ITEM_STATUS = {"03": "available", "04": "on_loan", "05": "on_loan", "07": "on_loan",
               "08": "on_loan", "10": "in_transit", "12": "missing", "13": "missing",
               "06": "in_transit", "09": "in_transit", "11": "on_loan", "02": "in_transit"}


class Sip2Backend:
    """Circulation on the library's own system, spoken to over SIP2."""

    accepts_unknown_barcodes = True  # the library system knows copies Pindai does not

    def __init__(self, config) -> None:
        self.settings = Settings.from_config(config)
        self.client = SIP2Client(self.settings)
        self.cache_seconds = float(config.get("SIP2_AVAILABILITY_CACHE_SECONDS") or 0)
        self.offline_days = int(config.get("SIP2_OFFLINE_LOAN_DAYS") or 14)
        self._cards: dict[str, tuple[float, bool]] = {}
        self._items: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()
        self._holds_supported: bool | None = None
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app, not the proxy
        self.replayer = offline.Replayer(app, self.client,
                                         float(config.get("SIP2_REPLAY_SECONDS") or 30))
        self.replayer.start()

    # ---------------------------------------------------------------- helpers
    def _call(self, method, *args, **kwargs) -> Message:
        """One SIP2 request; a login refusal or an unreachable server becomes the
        kiosk's refusal, and a good answer after trouble wakes the replayer."""
        was_down = not self.client.connected
        try:
            answer = method(*args, **kwargs)
        except LoginRefused:
            raise answers.LibrarySystemLoginRefused() from None
        if was_down:
            self.replayer.wake()
        return answer

    def _local_item(self, session: Session, barcode: str) -> Item | None:
        return session.scalars(select(Item).where(Item.barcode == barcode)
                               .options(joinedload(Item.book))).first()

    def _loan(self, session: Session, barcode: str, answer: Message | None,
              title: str | None = None, renewals: int = 0) -> dict:
        """A loan as kiosks show it (the same shape as the local backend's)."""
        item = self._local_item(session, barcode)
        due_text = (answer.get("AH") if answer is not None else None) or ""
        due = answers.parse_due(due_text)
        estimated = due is None
        if due is None:  # no (readable) due date: the library's usual loan period
            due = calendar.due_at(session, calendar.local_today(), self.offline_days)
        body = {
            "barcode": barcode,
            "title": answers.text(answer.get("AJ") if answer is not None else None) or title
                     or (item.book.title if item is not None else barcode),
            "cover_url": shapes.cover_url(item.book) if item is not None else None,
            "due": due.isoformat(), "due_local": calendar.local(due).isoformat(),
            "due_date": calendar.due_date(due).isoformat(),
            "overdue": due < calendar.utcnow(), "renewals": renewals, "renewals_left": None,
        }
        if item is not None:
            body["book_id"] = item.book.id
        if estimated:
            body["due_estimated"] = True
            if due_text.strip():
                body["due_text"] = due_text.strip()
        return body

    # ------------------------------------------------------------- the protocol
    def find_card(self, session: Session, card: str) -> bool:
        """Is this a card of the library? (23; remembered for a minute, and False
        while the server is away: the scan is then not taken for a card)."""
        now = time.monotonic()
        hit = self._cards.get(card)
        if hit and hit[0] > now:
            return hit[1]
        try:
            answer = self._call(self.client.patron_status, card)
        except Unavailable:
            return False
        # Positive evidence only: BL=Y, or (servers that omit BL) a personal name.
        valid = (answer.get("BL") or "").strip().upper()
        known = valid.startswith("Y") or (not valid and bool((answer.get("AE") or "").strip()))
        with self._lock:
            if len(self._cards) > 4096:
                self._cards.clear()
            self._cards[card] = (now + 60, known)
        return known

    def authenticate(self, session: Session, card: str, pin: str) -> dict:
        try:
            answer = self._call(self.client.patron_information, card, pin)
        except Unavailable:
            raise answers.LibrarySystemUnavailable() from None
        if (answer.get("BL") or "Y").upper().startswith("N"):
            raise answers.with_screen_message(refusals.UnknownCard(), answer)
        # CQ absent: the library system does not use patron passwords (SIP2 spec).
        if (answer.get("CQ") or "Y").upper() != "Y":
            raise answers.with_screen_message(refusals.WrongPin(), answer)
        return {"card": card, "first_name": answers.first_name(answer.get("AE")),
                "category": answers.category(answer)}

    def status(self, session: Session, card: str) -> dict:
        """The member's account (63): loans with titles and due dates, holds, fines,
        blocks with the server's own words, and checkouts still queued offline."""
        try:
            info = self._call(self.client.patron_information, card, None, "AU")
            holds = (self._call(self.client.patron_information, card, None, "AS")
                     .getall("AS") if info.fixed.get("hold_items_count") else [])
            fine_items = (self._call(self.client.patron_information, card, None, "AV")
                          .getall("AV") if info.fixed.get("fine_items_count") else [])
            loans = [self._loan_of(session, barcode) for barcode in info.getall("AU")]
        except Unavailable:
            raise answers.LibrarySystemUnavailable() from None
        queued = session.scalars(select(offline.OfflineCheckout).where(
            offline.OfflineCheckout.card_number == card,
            offline.OfflineCheckout.state.in_(("queued", "replaying")))).all()
        blocks = answers.patron_blocks(info)
        expires = answers._expiry(info)
        return {
            "patron": {"first_name": answers.first_name(info.get("AE")),
                       "category": answers.category(info), "card_hint": "•••" + card[-3:],
                       "expires_on": expires.isoformat() if expires else None},
            "loans": loans + [self._queued_loan(session, row) for row in queued],
            "holds": [{"title": answers.text(line)} for line in holds],
            "fine_items": [answers.text(line) for line in fine_items],
            "blocks": [b.to_dict() for b in blocks],
            "fines": answers.fine_amount(info),
            "screen_messages": [answers.text(line) for line in info.screen_messages],
            "can_borrow": not blocks,
        }

    def _loan_of(self, session: Session, text: str) -> dict:
        """A charged item (AU) with its title and due date from 17/18."""
        barcode = text.split(" ", 1)[0].strip() or text
        answer = self._call(self.client.item_information, barcode)
        return self._loan(session, barcode, answer)

    def _queued_loan(self, session: Session, row) -> dict:
        body = self._loan(session, row.barcode, None, row.title)
        body.update(queued=True, notice=_QUEUED_NOTICE, renewals_left=0)  # not renewable before confirmed
        return body

    def checkout(self, session: Session, card: str, barcode: str, kiosk_id: int | None) -> dict:
        try:
            answer = self._call(self.client.checkout, card, barcode)
        except Unavailable:
            item = self._local_item(session, barcode)
            row = offline.enqueue(session, card, barcode, kiosk_id,
                                  item.book.title if item is not None else None)
            body = self._queued_loan(session, row)
            return body
        if answer.fixed.get("ok"):
            self._forget_item(barcode)
            return self._loan(session, barcode, answer)
        raise self._why_not(card, barcode, answer, renewing=False)

    def renew(self, session: Session, card: str, barcode: str) -> dict:
        try:
            answer = self._call(self.client.renew, card, barcode)
        except Unavailable:
            raise answers.LibrarySystemUnavailable() from None
        if answer.fixed.get("ok"):
            return self._loan(session, barcode, answer, renewals=1)
        raise self._why_not(card, barcode, answer, renewing=True)

    def checkin(self, session: Session, barcode: str) -> dict:
        try:
            answer = self._call(self.client.checkin, barcode)
        except Unavailable:
            raise answers.OfflineCheckin() from None
        self._forget_item(barcode)
        if not answer.fixed.get("ok"):
            item = self._item_answer(barcode)
            if item is not None and item.fixed.get("circulation_status") == "03":
                raise answers.with_screen_message(refusals.NotOnLoan(), answer)
            raise answers.with_screen_message(answers.LibrarySystemRefused(), answer)
        loan = self._loan(session, barcode, answer)
        # CV 01/02 (hold / hold at another branch) or an alert with a hold queue.
        alert = (answer.get("CV") or "").strip()
        to_hold = alert in ("01", "02") or (bool(answer.fixed.get("alert")) and not alert)
        return {"returned": loan, "to_hold_shelf": to_hold, "overdue": loan["overdue"],
                "screen_messages": [answers.text(line) for line in answer.screen_messages]}

    # ------------------------------------------------------------------ holds
    def supports_holds(self) -> bool:
        """Does the library system take holds (15)? From its 98's supported messages, asked once."""
        if self._holds_supported is None:
            from .messages import SUPPORTED_MESSAGES

            try:
                flags = self._call(self.client.sc_status).get("BX") or ""
            except Unavailable:
                raise answers.LibrarySystemUnavailable() from None
            at = SUPPORTED_MESSAGES.index("hold")
            self._holds_supported = len(flags) > at and flags[at].upper() == "Y"
        return self._holds_supported

    def reserve(self, session: Session, card: str, book_id: int, pickup_library_id: int | None = None) -> dict:
        """A hold on the title (15 +), naming a copy Pindai knows of it (BY 2: any copy); the
        pickup library is the library system's to know (its own branches), not sent."""
        from ..catalogue.queries import get_book

        book = get_book(session, book_id)
        if not self.supports_holds():
            raise refusals.HoldsUnsupported()
        copies = sorted(book.items, key=lambda i: (i.status != "on_loan", i.id))
        if not copies:
            raise refusals.NotHoldable()
        try:
            answer = self._call(self.client.hold, card, "+", copies[0].barcode, book.title)
        except Unavailable:
            raise answers.LibrarySystemUnavailable() from None
        if not answer.fixed.get("ok"):
            raise answers.with_screen_message(answers.LibrarySystemRefused(), answer)
        position = (answer.get("BR") or "").strip()
        return {"id": copies[0].barcode, "book_id": book.id, "title": book.title,
                "position": int(position) if position.isdigit() else None,
                "ready": bool(answer.fixed.get("available")), "pickup_by": None,
                "screen_messages": [answers.text(line) for line in answer.screen_messages]}

    def cancel_hold(self, session: Session, card: str, hold_id: str) -> None:
        """15 -: ``hold_id`` is the copy's barcode the hold was placed on."""
        if not self.supports_holds():
            raise refusals.HoldsUnsupported()
        try:
            answer = self._call(self.client.hold, card, "-", hold_id)
        except Unavailable:
            raise answers.LibrarySystemUnavailable() from None
        if not answer.fixed.get("ok"):
            raise answers.with_screen_message(refusals.UnknownHold(), answer)

    # -------------------------------------------------------------- refusals
    def _item_answer(self, barcode: str) -> Message | None:
        try:
            return self._call(self.client.item_information, barcode)
        except Unavailable:
            return None

    def _why_not(self, card: str, barcode: str, answer: Message, renewing: bool):
        """Name the reason of a refused 11/29 from the patron (63) and the copy
        (17); the server's own AF is always quoted."""
        if (answer.get("BL") or "Y").upper().startswith("N"):
            return answers.with_screen_message(refusals.UnknownCard(), answer)
        try:
            patron = self._call(self.client.patron_information, card, None, "AU")
        except Unavailable:
            patron = None
        if patron is not None:
            blocks = answers.patron_blocks(patron)
            if blocks:
                return answers.with_screen_message(type(blocks[0])(**blocks[0].details), answer)
        item = self._item_answer(barcode)
        mine = patron is not None and barcode in {t.split(" ", 1)[0] for t in patron.getall("AU")}
        if item is not None:
            status = item.fixed.get("circulation_status") or ""
            holds = _count(item.get("CF"))
            if not (item.get("AJ") or "").strip() and status in ("", "01"):
                refusal: refusals.Refusal = refusals.NotAnItem()
            elif renewing and (holds or status == "08"):
                refusal = refusals.RenewOnHold()
            elif renewing and not mine:
                refusal = refusals.UnknownLoan()
            elif renewing:
                refusal = refusals.RenewLimit()
            elif mine:
                refusal = refusals.AlreadyYours()
            elif status in ("04", "05", "07", "11", "12", "13"):
                refusal = refusals.AlreadyOnLoan()
            elif holds or status == "08":
                refusal = refusals.OnHoldForAnother()
            else:
                refusal = answers.LibrarySystemRefused()
        else:
            refusal = answers.LibrarySystemRefused()
        return answers.with_screen_message(refusal, answer)

    # ----------------------------------------------------------- availability
    def item_status(self, barcode: str) -> str | None:
        """The copy's status as the desk sees it (17/18), or None when unknown
        (server away, copy unknown to it): the caller then keeps its own."""
        now = time.monotonic()
        hit = self._items.get(barcode)
        if hit and hit[0] > now:
            return hit[1]
        answer = self._item_answer(barcode) if self.client.may_try() else None
        status = None
        if answer is not None:
            code = answer.fixed.get("circulation_status") or ""
            if (answer.get("AJ") or "").strip() or code not in ("", "01"):
                status = ITEM_STATUS.get(code)
        with self._lock:
            if len(self._items) > 8192:
                self._items.clear()
            self._items[barcode] = (now + self.cache_seconds, status)
        return status

    def _forget_item(self, barcode: str) -> None:
        self._items.pop(barcode, None)


_QUEUED_NOTICE = {
    "code": "loan_queued",
    "message_id": "Peminjaman dicatat. Sistem perpustakaan sedang tidak tersambung; "
                  "peminjaman akan dikonfirmasi otomatis begitu tersambung kembali.",
    "message": "Loan recorded. The library system cannot be reached just now; the loan "
               "will be confirmed automatically as soon as it is back.",
}



def _count(text: str | None) -> int:
    raw = (text or "").strip()
    return int(raw) if raw.isdigit() else 0
