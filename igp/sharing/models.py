"""Consent records and break-the-glass accesses."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from igp.crypto import EncryptedBytes, EncryptedText
from igp.extensions import db
from igp.models_base import UTCDateTime, utcnow


class ConsentRecord(db.Model):
    """Parents' consent to share listed categories with a recipient for a purpose."""

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_record_family_withdrawn", "family_id", "withdrawn_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    recipient_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    recipient_domain: Mapped[str | None] = mapped_column(String(20))
    categories: Mapped[list] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(40))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    given_by: Mapped[list] = mapped_column(JSON)  # parent ids
    form_version: Mapped[str | None] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(30))
    preset: Mapped[str | None] = mapped_column(String(30))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(EncryptedText)
    scan: Mapped[bytes | None] = mapped_column(EncryptedBytes, deferred=True)
    scan_mimetype: Mapped[str | None] = mapped_column(String(60))
    scan_filename: Mapped[str | None] = mapped_column(EncryptedText)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(EncryptedText)

    family = relationship("Family")
    recipient_organisation = relationship("Organisation", lazy="joined")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="joined")
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])


class BreakGlassAccess(db.Model):
    """Emergency access (Meldcode) to withheld categories for 24 hours, with a reason."""

    __tablename__ = "break_glass_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    reason: Mapped[str] = mapped_column(EncryptedText)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(EncryptedText)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    family = relationship("Family")
