"""The connection side of ``PINDAI_CIRCULATION=slims``: a SLiMS
transaction holding MariaDB named locks, the lookups every operation starts
with (a member by card, a copy, open loans), and whether SLiMS's triggers
keep ``loan_history``."""
from __future__ import annotations

import hashlib
from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..circulation import refusals
from ..circulation.models import Patron
from . import schema as t
from .reading import SlimsCopy

LOCK_SECONDS = 10


class SlimsUnavailable(refusals.Refusal):
    status = 503
    code = "library_system_unavailable"
    message_en = _l("The library system (SLiMS) cannot be reached just now. Please go to the desk.")



@contextmanager
def transaction(engine: Engine, *lock_keys: str):
    """A SLiMS connection in a transaction, holding the named locks of
    ``lock_keys`` (in a fixed order, so two kiosks never deadlock). GET_LOCK
    works on MyISAM too, where ``FOR UPDATE`` locks nothing."""
    try:
        with engine.connect() as conn:
            database = engine.url.database or ""
            # Named locks are server-wide: the database is part of the name.
            names = ["pindai-slims:" + hashlib.sha1(f"{database}:{key}".encode()).hexdigest()[:40]
                     for key in sorted(set(lock_keys))]
            held: list[str] = []
            try:
                if names:  # one round trip for all of them (MariaDB evaluates them in order)
                    got = conn.execute(text("SELECT " + ", ".join(f"GET_LOCK(:n{i}, :wait)" for i in range(len(names)))),
                                       {"wait": LOCK_SECONDS, **{f"n{i}": n for i, n in enumerate(names)}}).one()
                    held = [n for n, ok in zip(names, got, strict=True) if ok == 1]
                    if len(held) != len(names):
                        raise SlimsUnavailable(_l("SLiMS is busy with this copy or member; please try again."))
                yield conn
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                try:
                    if held:
                        conn.execute(text("SELECT " + ", ".join(f"RELEASE_LOCK(:n{i})" for i in range(len(held)))),
                                     {f"n{i}": n for i, n in enumerate(held)})
                        conn.commit()
                except DBAPIError:
                    pass  # a lost connection released its locks with it
    except DBAPIError as exc:
        if exc.connection_invalidated or isinstance(exc.orig, OSError) or "connect" in str(exc.orig).lower():
            raise SlimsUnavailable() from exc
        raise


def has_history_trigger(conn: Connection) -> bool:
    """Older SLiMS 9 databases fill ``loan_history`` by triggers; later
    versions write it from PHP, and so does Pindai where it sees no trigger
    (a user without the TRIGGER privilege sees none: the writes are then
    ``INSERT IGNORE`` and absolute values, so a trigger's copy wins)."""
    return bool(conn.execute(text(
        "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
        " AND EVENT_OBJECT_TABLE = 'loan' AND EVENT_MANIPULATION = 'INSERT'")).scalar())


def member(conn: Connection, session: Session, card: str) -> Row:
    """The SLiMS member behind a (normalised) card number, with its type name."""
    query = (select(t.member, t.mst_member_type.c.member_type_name)
             .select_from(t.member.outerjoin(t.mst_member_type,
                                             t.member.c.member_type_id == t.mst_member_type.c.member_type_id)))
    mirror = session.scalars(select(Patron.slims_member_id).where(Patron.card_number == card,
                                                                   Patron.slims_member_id.is_not(None))).first()
    for where in ([t.member.c.member_id == mirror] if mirror else []) + [
        t.member.c.member_id == card,
        # Cards printed "2021-0001" are typed without the dash.
        func.upper(func.replace(func.replace(t.member.c.member_id, "-", ""), " ", "")) == card,
    ]:
        row = conn.execute(query.where(where)).first()
        if row is not None:
            return row
    raise refusals.UnknownCard()


def copy(conn: Connection, item_code: str, for_update: bool = False) -> tuple[Row, SlimsCopy] | None:
    """A copy with its title's GMD and its status, locked when lending."""
    query = (select(t.item.c.item_id, t.item.c.item_code, t.item.c.coll_type_id, t.biblio.c.gmd_id, t.biblio.c.biblio_id,
                    t.biblio.c.title, t.item.c.item_status_id, t.mst_item_status.c.no_loan,
                    t.mst_item_status.c.item_status_name, t.mst_item_status.c.skip_stock_take)
             .select_from(t.item.outerjoin(t.biblio, t.biblio.c.biblio_id == t.item.c.biblio_id)
                          .outerjoin(t.mst_item_status, t.mst_item_status.c.item_status_id == t.item.c.item_status_id))
             .where(t.item.c.item_code == item_code))
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        return None
    return row, SlimsCopy(row.item_id, row.biblio_id, row.item_code, None, None, row.item_status_id,
                          row.item_status_name, bool(row.no_loan), bool(row.skip_stock_take), on_loan=False)


def open_loans(conn: Connection, member_id: str | None = None, item_code: str | None = None) -> list[Row]:
    """Loans out now (``is_lent=1, is_return=0``), with their titles, soonest due first."""
    query = (select(t.loan, t.biblio.c.title)
             .select_from(t.loan.outerjoin(t.item, t.item.c.item_code == t.loan.c.item_code)
                          .outerjoin(t.biblio, t.biblio.c.biblio_id == t.item.c.biblio_id))
             .where(t.loan.c.is_lent == 1, t.loan.c.is_return == 0).order_by(t.loan.c.due_date, t.loan.c.loan_id))
    if member_id is not None:
        query = query.where(t.loan.c.member_id == member_id)
    if item_code is not None:
        query = query.where(t.loan.c.item_code == item_code)
    return list(conn.execute(query).all())
