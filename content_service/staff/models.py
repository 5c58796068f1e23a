"""The staff portal's tables: staff accounts, failed logins (for
throttling), the audit log, asset plays, and what the upload checks learnt
about each stored asset file (thumbnail, poster frame, duration)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..clock import utcnow

ROLES = ("admin", "librarian", "editor")


class StaffUser(Base):
    """A person who works in the staff portal. Only a salted password hash
    is stored (werkzeug's scrypt)."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # A library of the network the account is limited to (a school librarian
    # edits her school's copies only); None: the whole network.
    library_id: Mapped[int | None] = mapped_column(ForeignKey("library.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Copied into the session at login and checked on every request; raised
    # (``access.end_sessions``) by logout, a password change, or an admin's
    # disable/reset, so older cookies, copies included, stop working at once.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint("role IN ('admin', 'librarian', 'editor')", name="staff_user_role"),
        CheckConstraint("username = lower(username)", name="staff_user_username_lower"),
    )

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class LoginFailure(Base):
    """One failed login; recent ones lock the account and the address."""

    __tablename__ = "staff_login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


class AuditEntry(Base):
    """Who changed what. The username is copied so the entry outlives the account."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str | None] = mapped_column(String(30))
    target_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class AssetPlay(Base):
    """A video or audio started, or a 3D model opened, on a phone or a kiosk."""

    __tablename__ = "asset_play"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id", ondelete="SET NULL"))

    __table_args__ = (CheckConstraint("channel IN ('kiosk', 'phone')", name="asset_play_channel"),)


class AssetFile(Base):
    """What the upload checks found in an asset's file: one row per asset
    with a stored file."""

    __tablename__ = "asset_file"

    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True)
    original_name: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    # Content-addressed names in the media store (sha256 hex).
    thumbnail_hash: Mapped[str | None] = mapped_column(String(64))
    poster_hash: Mapped[str | None] = mapped_column(String(64))
    usdz_hash: Mapped[str | None] = mapped_column(String(64))
