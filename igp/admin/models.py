"""Poli's of this IGP and its settings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from igp.extensions import db
from igp.models_base import UTCDateTime, utcnow


class Poli(db.Model):
    """A poli of this IGP (POP-poli, MamaPlusPoli, ...): names differ per region."""

    __tablename__ = "poli"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Handover term in working days for this poli; None = the IGP's term.
    handover_term_workdays: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Setting(db.Model):
    """One IGP-wide setting as JSON text (term, risk threshold, calendar, need-to-know, ...)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
