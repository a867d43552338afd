"""A contact moment: a date, a discipline and a kind, all codes (counted in monitoring). No free
text: what was discussed belongs in the dossier of the professional's own organisation."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from igp.extensions import db
from igp.models_base import UTCDateTime, utcnow


class ContactMoment(db.Model):
    """One contact of a professional with the family (a consult, a home visit, a call, ...)."""

    __tablename__ = "contact_moment"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    contact_on: Mapped[date] = mapped_column(Date, index=True)     # the local (Europe/Amsterdam) date
    discipline: Mapped[str] = mapped_column(String(30))             # rules.DISCIPLINES
    kind: Mapped[str] = mapped_column(String(20))                   # rules.KINDS
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))   # the recorder's
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))    # the absent coordinator
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    on_behalf_of = relationship("User", foreign_keys=[on_behalf_of_id])
    organisation = relationship("Organisation")
