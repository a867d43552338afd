"""The short anonymous family experience question (handreiking §9.1 stap 1)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from igp.crypto import EncryptedText
from igp.extensions import db
from igp.models_base import UTCDateTime, utcnow


class ExperienceResponse(db.Model):
    """A score 1-5 recorded after a consult. Deliberately WITHOUT a link to the family: only
    the poli and the date are kept, so the answers stay anonymous in reports and exports."""

    __tablename__ = "experience_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id"), index=True)
    recorded_on: Mapped[date] = mapped_column(Date, index=True)
    score: Mapped[int] = mapped_column(Integer)
    # who answered: the family ("gezin") or a professional about the collaboration ("professional")
    respondent: Mapped[str] = mapped_column(String(20), default="gezin", server_default="gezin", index=True)
    comment: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
