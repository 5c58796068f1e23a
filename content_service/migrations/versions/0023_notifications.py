"""Notifications: the outbox, staff's templates and switches, members' choices

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 14:10:00

``notification``: one row per message, written in the transaction of the
change it tells of (``dedupe_key`` unique), sent by ``flask notify-worker``.
``notification_kind``: kinds staff switched off. ``notification_template``:
staff's wording per kind and language. ``notification_preference``: a
member's (or a phone registrant's) channel, language and opt-out.
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

STATUSES = "status IN ('queued', 'sending', 'sent', 'failed', 'cancelled', 'manual')"
CHANNELS = "channel IN ('email', 'whatsapp', 'sms')"


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("channel", sa.String(10), nullable=True),
        sa.Column("recipient", sa.String(200), nullable=True),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leased_by", sa.String(100), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("provider_id", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("dedupe_key"),
        sa.CheckConstraint(STATUSES, name="notification_status"),
        sa.CheckConstraint(f"channel IS NULL OR {CHANNELS}", name="notification_channel"),
        sa.CheckConstraint("attempts >= 0", name="notification_attempts"),
    )
    op.create_index("ix_notification_due", "notification", ["status", "next_attempt_at"])
    op.create_index("ix_notification_created", "notification", ["created_at"])
    op.create_table(
        "notification_kind",
        sa.Column("kind", sa.String(30), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notification_template",
        sa.Column("kind", sa.String(30), primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("language IN ('id', 'en')", name="notification_template_language"),
    )
    op.create_table(
        "notification_preference",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("patron_id", sa.Integer(), sa.ForeignKey("patron.id", ondelete="CASCADE"), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(10), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("patron_id"),
        sa.UniqueConstraint("phone"),
        sa.UniqueConstraint("token"),
        sa.CheckConstraint(f"channel IS NULL OR {CHANNELS}", name="notification_preference_channel"),
        sa.CheckConstraint("language IN ('id', 'en')", name="notification_preference_language"),
        sa.CheckConstraint("patron_id IS NOT NULL OR phone IS NOT NULL", name="notification_preference_who"),
    )


def downgrade() -> None:
    op.drop_table("notification_preference")
    op.drop_table("notification_template")
    op.drop_table("notification_kind")
    op.drop_index("ix_notification_created", table_name="notification")
    op.drop_index("ix_notification_due", table_name="notification")
    op.drop_table("notification")
