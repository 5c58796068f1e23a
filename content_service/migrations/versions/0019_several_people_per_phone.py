"""Several people per phone number: a phone registration's identity names the person

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-02 14:10:00

A parent registering two children with one phone number got the first
child's registration back. A registration by phone is now one person: the
phone number and the name (``phone:<digits>:<key of the name>``), so each
child has a seat of their own. Existing phone registrations get the new
form from the name they were made with; downgrade gives the old form back
(keeping, per date and number, the earliest registration active).
"""
import hashlib

import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0016'
branch_labels = None
depends_on = None

registration = sa.table(
    "registration",
    sa.column("id", sa.Integer), sa.column("identity", sa.String), sa.column("name", sa.String),
    sa.column("phone", sa.String),
)


def _name_key(name: str) -> str:
    # As content_service.events.registration.name_key made it on this date.
    return hashlib.sha256(" ".join(name.split()).casefold().encode()).hexdigest()[:16]


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(registration.c.id, registration.c.phone, registration.c.name)
                              .where(registration.c.identity.like("phone:%"))).all()
    for row_id, phone, name in rows:
        identity = f"phone:{phone}:{_name_key(name or '')}"
        connection.execute(registration.update().where(registration.c.id == row_id).values(identity=identity))


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(registration.c.id, registration.c.phone)
                              .where(registration.c.identity.like("phone:%"))
                              .order_by(registration.c.id)).all()
    for row_id, phone in rows:
        connection.execute(registration.update().where(registration.c.id == row_id)
                           .values(identity=f"phone:{phone}#{row_id}"))
    # The old form allows one active registration per number and date: the earliest takes it.
    connection.execute(sa.text(
        "UPDATE registration SET identity = 'phone:' || phone WHERE identity LIKE 'phone:%' AND id IN ("
        " SELECT MIN(id) FROM registration WHERE identity LIKE 'phone:%' AND status <> 'cancelled'"
        " GROUP BY occurrence_id, phone)"))
