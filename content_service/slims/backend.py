"""``PINDAI_CIRCULATION=slims``: self-checkout written straight into a
SLiMS database, the way SLiMS's own circulation desk writes it.

- Loans are rows of SLiMS's ``loan`` table (``is_lent=1, is_return=0``
  while out), made by SLiMS's rules (``rules.py``): the desk sees a kiosk
  loan the moment it is made, and a desk loan stops the kiosk at once.
- Every operation runs in one transaction holding named locks
  (``GET_LOCK``) on the member and the copy, and reads the copy ``FOR
  UPDATE``: SLiMS's tables are MyISAM, where only the named lock keeps two
  kiosks from lending one copy; on InnoDB the row lock does it too.
- Members log in with their SLiMS OPAC password (``mpasswd``, bcrypt with
  PHP's ``$2y$`` prefix) as the PIN; wrong tries are counted on the
  member's Pindai mirror row, as the local backend counts them.
- Refusals are the local backend's (``circulation.refusals``), plus
  ``library_system_unavailable`` when SLiMS cannot be reached."""
from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import bcrypt
from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from ..catalogue import shapes
from ..circulation import calendar, local, refusals
from ..circulation.models import Patron
from ..circulation.patrons import find_patron, normalise_card
from ..config import ConfigError
from ..catalogue.models import Item
from . import desk, mapping, rules
from . import schema as t
from .desk import SlimsUnavailable  # noqa: F401  (the refusal this backend adds)


PENDING = dict(message_id="Keanggotaan Anda belum aktif (menunggu persetujuan). Silakan hubungi petugas.",
               message_en="Your membership is not active yet (pending). Please ask a librarian.")


def _now_local() -> datetime:
    """SLiMS stores PHP's local time (WIB), without a zone."""
    return calendar.local(calendar.utcnow()).replace(tzinfo=None)


def _due_moment(day: date) -> datetime:
    return datetime.combine(day, calendar.DUE_TIME, tzinfo=calendar.WIB).astimezone(timezone.utc)


class SlimsBackend:
    """Circulation on a SLiMS 9 database (``PINDAI_SLIMS_DATABASE_URL``)."""

    def __init__(self, config: dict):
        url = config.get("SLIMS_DATABASE_URL")
        if not url:
            raise ConfigError("PINDAI_CIRCULATION=slims needs PINDAI_SLIMS_DATABASE_URL (mysql://user:password@host/slims)")
        self.engine = t.make_slims_engine(url)
        self.max_fines = int(config.get("CIRCULATION_MAX_FINES", 0))
        self._history_trigger: bool | None = None

    def _writes_history(self, conn: Connection) -> bool:
        if self._history_trigger is None:
            self._history_trigger = desk.has_history_trigger(conn)
        return not self._history_trigger

    def _blocks(self, conn: Connection, member: Row, today: date) -> list[refusals.Refusal]:
        found: list[refusals.Refusal] = []
        if isinstance(member.expire_date, date) and member.expire_date < today:
            found.append(refusals.CardExpired(expired_on=member.expire_date.isoformat()))
        if member.is_pending:
            found.append(refusals.StaffBlock(**PENDING))
        owed = rules.fines_owed(conn, member.member_id)
        if owed > self.max_fines:
            found.append(refusals.FinesTooHigh(fines=owed, limit=self.max_fines))
        return found

    def _loan_terms(self, conn: Connection, member: Row, loan: Row) -> rules.Terms:
        found = rules.rule_terms(conn, loan.loan_rules_id) if loan.loan_rules_id else None
        return found or rules.member_type_terms(conn, member.member_type_id)

    def _loan_dict(self, session: Session, loan: Row, renewals_left: int | None, today: date) -> dict:
        item = session.scalars(select(Item).where(Item.barcode == loan.item_code)).first()
        title = mapping.split_title(loan.title)[0] or (item.book.title if item else loan.item_code)
        due = _due_moment(loan.due_date)
        out = loan.input_date.replace(tzinfo=calendar.WIB) if isinstance(loan.input_date, datetime) else \
            datetime.combine(loan.loan_date, datetime.min.time(), tzinfo=calendar.WIB)
        answer = {"barcode": item.barcode if item else loan.item_code, "title": title}
        if item is not None:
            answer |= {"book_id": item.book_id, "cover_url": shapes.cover_url(item.book)}
        return answer | {
            "checked_out_at": calendar.as_utc(out).isoformat(), "due": due.isoformat(),
            "due_local": calendar.local(due).isoformat(), "due_date": loan.due_date.isoformat(),
            "overdue": loan.due_date < today, "renewals": int(loan.renewed or 0), "renewals_left": renewals_left,
        }

    def _mirror(self, session: Session, member: Row) -> Patron:
        """The member's Pindai row (made now if the sync has not run yet)."""
        patron = session.scalars(select(Patron).where(Patron.slims_member_id == member.member_id)).first()
        card = normalise_card(member.member_id) or member.member_id.upper()
        if patron is None:
            patron = find_patron(session, card)
            if patron is None:
                patron = Patron(card_number=card, name=(member.member_name or card)[:200],
                                category=mapping.category(member.member_type_name))
                session.add(patron)
            if patron.slims_member_id is None:  # never steal another member's mirror ("M-0001" and "M0001")
                patron.slims_member_id = member.member_id
            session.flush()
        return patron

    def _set_status(self, session: Session, barcode: str, status: str) -> None:
        # The catalogue shows SLiMS's truth at once, not after the next sync.
        item = session.scalars(select(Item).where(Item.barcode == barcode)).first()
        if item is not None and item.status != status and item.status != "withdrawn":
            item.status = status
            session.flush()

    # -- the CirculationBackend protocol --------------------------------------------

    def find_card(self, session: Session, card: str) -> bool:
        try:
            with desk.transaction(self.engine) as conn:
                desk.member(conn, session, card)
                return True
        except refusals.UnknownCard:
            return False
        except desk.SlimsUnavailable:  # a card scan still resolves from the last sync
            return session.scalars(select(Patron.id).where(Patron.card_number == card,
                                                           Patron.slims_member_id.is_not(None))).first() is not None

    def authenticate(self, session: Session, card: str, pin: str) -> dict:
        with desk.transaction(self.engine) as conn:
            member = desk.member(conn, session, card)
        patron = self._mirror(session, member)
        stored = (member.mpasswd or "").strip()
        if not stored.startswith(("$2y$", "$2a$", "$2b$")):
            raise refusals.NoPin(message_id="Akun ini belum memiliki kata sandi OPAC. Silakan minta kepada petugas.",
                                 message_en="This member has no OPAC password yet. Please ask a librarian to set one.")

        def right() -> bool:
            try:
                return bcrypt.checkpw((pin or "").encode()[:72], stored.encode())
            except ValueError:
                return False

        # The same 5-tries lock as local cards, counted on the mirror row before the password is compared.
        patron = local.guard_pin(session, patron, right)
        return {"card": card, "first_name": patron.first_name, "category": patron.category}

    def status(self, session: Session, card: str) -> dict:
        today = calendar.local_today()
        with desk.transaction(self.engine) as conn:
            member = desk.member(conn, session, card)
            found = self._blocks(conn, member, today)
            loans = desk.open_loans(conn, member_id=member.member_id)
            base = rules.member_type_terms(conn, member.member_type_id)
            owed = rules.fines_owed(conn, member.member_id)
            shown = [self._loan_dict(session, l, max(0, self._loan_terms(conn, member, l).reborrow_limit - (l.renewed or 0)),
                                     today) for l in loans]
        limit = refusals.TooManyLoans(max_loans=base.loan_limit) if len(loans) >= base.loan_limit else None
        name = (member.member_name or "").split()
        return {
            "patron": {"first_name": name[0] if name else "", "category": mapping.category(member.member_type_name),
                       "card_hint": "•••" + card[-3:],
                       "expires_on": member.expire_date.isoformat() if isinstance(member.expire_date, date) else None},
            "loans": shown,
            "blocks": [b.to_dict() for b in [*found, *([limit] if limit else [])]],
            "fines": owed,
            "max_loans": base.loan_limit,
            "can_borrow": not found and limit is None,
        }

    def checkout(self, session: Session, card: str, barcode: str, kiosk_id: int | None) -> dict:
        today = calendar.local_today()
        with desk.transaction(self.engine, f"member:{card}", f"item:{barcode.upper()}") as conn:
            member = desk.member(conn, session, card)
            found = self._blocks(conn, member, today)
            if found:
                raise found[0]
            found_copy = desk.copy(conn, barcode, for_update=True)
            if found_copy is None:
                raise refusals.NotAnItem()
            copy, seen = found_copy
            current = desk.open_loans(conn, item_code=copy.item_code)
            if current:
                raise refusals.AlreadyYours() if current[0].member_id == member.member_id else refusals.AlreadyOnLoan()
            if copy.no_loan:
                status = mapping.copy_status(seen)
                raise refusals.ReferenceCopy() if status == "reference" else refusals.NotLoanable(status=copy.item_status_name)
            first = conn.execute(select(t.reserve.c.member_id).where(t.reserve.c.item_code == copy.item_code)
                                 .order_by(t.reserve.c.reserve_date, t.reserve.c.reserve_id)).first()
            if first is not None and first.member_id != member.member_id:
                raise refusals.OnHoldForAnother()
            terms = rules.terms_for(conn, member.member_type_id, copy.coll_type_id, copy.gmd_id)
            counted = select(func.count()).select_from(t.loan).where(
                t.loan.c.member_id == member.member_id, t.loan.c.is_lent == 1, t.loan.c.is_return == 0)
            if terms.loan_rules_id:
                counted = counted.where(t.loan.c.loan_rules_id == terms.loan_rules_id)
            if (conn.execute(counted).scalar() or 0) >= terms.loan_limit:
                raise refusals.TooManyLoans(max_loans=terms.loan_limit)
            due = rules.due_date(today, terms.loan_periode, rules.holidays(conn), member.expire_date)
            stamp = _now_local()
            loan_id = conn.execute(insert(t.loan).values(
                item_code=copy.item_code, member_id=member.member_id, loan_date=today, due_date=due, renewed=0,
                loan_rules_id=terms.loan_rules_id, is_lent=1, is_return=0, input_date=stamp, last_update=stamp,
            )).inserted_primary_key[0]
            if self._writes_history(conn):
                conn.execute(insert(t.loan_history).prefix_with("IGNORE").values(
                    loan_id=loan_id, item_code=copy.item_code, biblio_id=copy.biblio_id, member_id=member.member_id,
                    member_name=member.member_name, loan_date=today, due_date=due, renewed=0, is_lent=1, is_return=0,
                    input_date=stamp, last_update=stamp,
                    title=copy.title))
            # The member's own reservation of this copy is fulfilled.
            if first is not None:
                conn.execute(delete(t.reserve).where(t.reserve.c.member_id == member.member_id,
                                                     t.reserve.c.item_code == copy.item_code))
            loan = SimpleNamespace(item_code=copy.item_code, title=copy.title, loan_date=today, due_date=due,
                                   input_date=stamp, renewed=0)
        self._set_status(session, barcode, "on_loan")
        return self._loan_dict(session, loan, terms.reborrow_limit, today)

    def renew(self, session: Session, card: str, barcode: str) -> dict:
        today = calendar.local_today()
        with desk.transaction(self.engine, f"member:{card}", f"item:{barcode.upper()}") as conn:
            member = desk.member(conn, session, card)
            loans = [l for l in desk.open_loans(conn, item_code=barcode) if l.member_id == member.member_id]
            if not loans:
                raise refusals.UnknownLoan()
            loan = loans[0]
            found = self._blocks(conn, member, today)
            if found:
                raise found[0]
            waiting = conn.execute(select(t.reserve.c.reserve_id).where(
                t.reserve.c.item_code == loan.item_code, t.reserve.c.member_id != member.member_id)).first()
            if waiting is not None:
                raise refusals.RenewOnHold()
            terms = self._loan_terms(conn, member, loan)
            if (loan.renewed or 0) >= terms.reborrow_limit:
                raise refusals.RenewLimit(max_renewals=terms.reborrow_limit)
            closed = rules.holidays(conn)
            self._charge(conn, member, loan, today, closed)  # renewing late costs what returning late does
            due = rules.due_date(today, terms.loan_periode, closed, member.expire_date)
            renewed = int(loan.renewed or 0) + 1  # absolute values: right whether or not a trigger also writes
            conn.execute(update(t.loan).where(t.loan.c.loan_id == loan.loan_id).values(
                renewed=renewed, due_date=due, is_return=0, last_update=_now_local()))
            if self._writes_history(conn):
                conn.execute(update(t.loan_history).where(t.loan_history.c.loan_id == loan.loan_id)
                             .values(renewed=renewed, is_return=0))
            loan = desk.open_loans(conn, item_code=loan.item_code)[0]
        return self._loan_dict(session, loan, max(0, terms.reborrow_limit - loan.renewed), today)

    def _charge(self, conn: Connection, member: Row, loan: Row, today: date, closed: rules.Holidays) -> rules.Fine | None:
        loan_terms = rules.rule_terms(conn, loan.loan_rules_id) if loan.loan_rules_id else None
        fine = rules.overdue_fine(loan, today, rules.member_type_terms(conn, member.member_type_id), loan_terms,
                                  closed, rules.ignores_holidays_in_fines(conn))
        if fine is not None:
            conn.execute(insert(t.fines).values(
                fines_date=today, member_id=member.member_id, debet=fine.amount, credit=0,
                description=rules.FINE_DESCRIPTION.format(item_code=loan.item_code)))
        return fine

    def checkin(self, session: Session, barcode: str) -> dict:
        today = calendar.local_today()
        with desk.transaction(self.engine, f"item:{barcode.upper()}") as conn:
            loans = desk.open_loans(conn, item_code=barcode)
            if not loans:
                known = conn.execute(select(t.item.c.item_id).where(t.item.c.item_code == barcode)).first()
                raise refusals.NotOnLoan() if known else refusals.NotAnItem()
            loan = loans[0]
            member = conn.execute(select(t.member).where(t.member.c.member_id == loan.member_id)).first()
            if member is not None:
                self._charge(conn, member, loan, today, rules.holidays(conn))
            stamp = _now_local()
            conn.execute(update(t.loan).where(t.loan.c.loan_id == loan.loan_id, t.loan.c.is_return == 0)
                         .values(is_return=1, return_date=today, last_update=stamp))
            if self._writes_history(conn):
                conn.execute(update(t.loan_history).where(t.loan_history.c.loan_id == loan.loan_id)
                             .values(is_return=1, return_date=today))
            waiting = conn.execute(select(t.reserve.c.reserve_id).where(
                and_(t.reserve.c.item_code == loan.item_code, t.reserve.c.member_id != loan.member_id))).first()
            back = desk.copy(conn, loan.item_code)
        # On the shelf again, or whatever its SLiMS status says (a "No Loan" copy lent at the desk).
        self._set_status(session, barcode, mapping.copy_status(back[1]) if back else "available")
        return {"returned": self._loan_dict(session, loan, None, today), "to_hold_shelf": waiting is not None,
                "overdue": loan.due_date < today}
