"""Informal support records and the volunteer's notes. The organisation, kind, dates and status
are codes and process dates (counted in monitoring); the notes are free text, encrypted."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from igp.crypto import EncryptedText
from igp.extensions import db
from igp.models_base import UTCDateTime, utcnow


class InformalSupport(db.Model):
    """Support agreed with, or given by, an organisation of informal support to one family."""

    __tablename__ = "informal_support"
    __table_args__ = (Index("ix_informal_support_starts_on", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))          # rules.KINDS
    status: Mapped[str] = mapped_column(String(20))        # rules.STATUSES
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation = relationship("Organisation", lazy="joined")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    notes: Mapped[list["InformalSupportNote"]] = relationship(
        back_populates="support", order_by="InformalSupportNote.created_at", cascade="all, delete-orphan")


class InformalSupportNote(db.Model):
    """A short note by a volunteer of the support's organisation, within the support agreed."""

    __tablename__ = "informal_support_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    support_id: Mapped[int] = mapped_column(ForeignKey("informal_support.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(EncryptedText)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    support: Mapped[InformalSupport] = relationship(back_populates="notes")
    author = relationship("User")
