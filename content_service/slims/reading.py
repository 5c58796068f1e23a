"""What ``flask slims sync`` reads from a SLiMS database, as plain records:
titles (with authors, subjects, publisher), copies (with location, status
and whether they are out on loan) and members (with type and fines owed)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from . import schema as t


@dataclass
class SlimsTitle:
    biblio_id: int
    title: str
    isbn_issn: str | None
    publisher: str | None
    publish_year: str | None
    call_number: str | None
    language_id: str | None
    notes: str | None
    authors: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)


@dataclass
class SlimsCopy:
    item_id: int
    biblio_id: int | None
    item_code: str | None
    call_number: str | None
    location: str | None
    status_id: str | None
    status_name: str | None
    no_loan: bool
    skip_stock_take: bool
    on_loan: bool


@dataclass
class SlimsMember:
    member_id: str
    name: str
    member_type: str | None
    email: str | None
    phone: str | None
    expires_on: date | None
    pending: bool
    fines: int


def titles(conn: Connection) -> dict[int, SlimsTitle]:
    rows = conn.execute(
        select(t.biblio.c.biblio_id, t.biblio.c.title, t.biblio.c.isbn_issn, t.mst_publisher.c.publisher_name,
               t.biblio.c.publish_year, t.biblio.c.call_number, t.biblio.c.language_id, t.biblio.c.notes)
        .select_from(t.biblio.outerjoin(t.mst_publisher, t.biblio.c.publisher_id == t.mst_publisher.c.publisher_id))
    )
    found = {row.biblio_id: SlimsTitle(row.biblio_id, row.title or "", row.isbn_issn, row.publisher_name,
                                       row.publish_year, row.call_number, row.language_id, row.notes) for row in rows}
    # Main entry first (level 1), then the rest in the order they were added.
    for biblio_id, name in conn.execute(
        select(t.biblio_author.c.biblio_id, t.mst_author.c.author_name)
        .join(t.mst_author, t.mst_author.c.author_id == t.biblio_author.c.author_id)
        .order_by(t.biblio_author.c.biblio_id, t.biblio_author.c.level, t.biblio_author.c.author_id)
    ):
        if biblio_id in found and name and name.strip() and name.strip() not in found[biblio_id].authors:
            found[biblio_id].authors.append(name.strip())
    for biblio_id, topic in conn.execute(
        select(t.biblio_topic.c.biblio_id, t.mst_topic.c.topic)
        .join(t.mst_topic, t.mst_topic.c.topic_id == t.biblio_topic.c.topic_id)
        .order_by(t.biblio_topic.c.biblio_id, t.biblio_topic.c.level, t.biblio_topic.c.topic_id)
    ):
        if biblio_id in found and topic and topic.strip() and topic.strip() not in found[biblio_id].subjects:
            found[biblio_id].subjects.append(topic.strip())
    return found


def open_loan_codes(conn: Connection) -> set[str]:
    """Item codes out on loan now, as SLiMS's own desk decides it."""
    rows = conn.execute(select(t.loan.c.item_code).where(t.loan.c.is_lent == 1, t.loan.c.is_return == 0))
    return {code.upper() for (code,) in rows if code}


def copies(conn: Connection) -> dict[int, SlimsCopy]:
    out = open_loan_codes(conn)
    rows = conn.execute(
        select(t.item.c.item_id, t.item.c.biblio_id, t.item.c.item_code, t.item.c.call_number,
               t.mst_location.c.location_name, t.item.c.location_id, t.item.c.item_status_id,
               t.mst_item_status.c.item_status_name, t.mst_item_status.c.no_loan, t.mst_item_status.c.skip_stock_take)
        .select_from(t.item.outerjoin(t.mst_location, t.item.c.location_id == t.mst_location.c.location_id)
                     .outerjoin(t.mst_item_status, t.item.c.item_status_id == t.mst_item_status.c.item_status_id))
    )
    return {
        row.item_id: SlimsCopy(
            row.item_id, row.biblio_id, (row.item_code or "").strip() or None, row.call_number,
            row.location_name or row.location_id or None, row.item_status_id, row.item_status_name,
            bool(row.no_loan), bool(row.skip_stock_take), bool(row.item_code) and row.item_code.upper() in out)
        for row in rows
    }


def members(conn: Connection) -> dict[str, SlimsMember]:
    balance = dict(conn.execute(
        select(t.fines.c.member_id, func.sum(func.coalesce(t.fines.c.debet, 0) - func.coalesce(t.fines.c.credit, 0)))
        .group_by(t.fines.c.member_id)
    ).all())
    rows = conn.execute(
        select(t.member.c.member_id, t.member.c.member_name, t.mst_member_type.c.member_type_name,
               t.member.c.member_email, t.member.c.member_phone, t.member.c.expire_date, t.member.c.is_pending)
        .select_from(t.member.outerjoin(t.mst_member_type,
                                        and_(t.member.c.member_type_id == t.mst_member_type.c.member_type_id)))
    )
    return {
        row.member_id: SlimsMember(row.member_id, (row.member_name or "").strip(), row.member_type_name,
                                   (row.member_email or "").strip() or None, (row.member_phone or "").strip() or None,
                                   row.expire_date if isinstance(row.expire_date, date) else None,  # '0000-00-00'
                                   bool(row.is_pending), max(0, int(balance.get(row.member_id) or 0)))
        for row in rows
    }
