"""Poli's of this IGP and its settings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # tweedelijns zorg: a poli of the hospital; a family seen here meets the care condition of §2
    second_line: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Setting(db.Model):
    """One IGP-wide setting as JSON text (term, risk threshold, calendar, need-to-know, ...)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PoliTeamMember(db.Model):
    """The kernteam of a poli: the professionals whose attendance at this poli's MDO counts as
    involvement with the families on its agenda (kept by a planner or beheerder)."""

    __tablename__ = "poli_team_member"
    __table_args__ = (Index("ix_poli_team_member_user_active", "user_id", "removed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    poli = relationship("Poli", lazy="joined")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")


class LocalTeam(db.Model):
    """A local team of the social domain (wijkteam, sociaal team, ...) in one gemeente, with its own
    name, the wijken it serves (none: the whole gemeente) and one fixed contact person (guide §9.2:
    "één vast aanspreekpunt per lokaal team"). Retired, never deleted: families keep their codes."""

    __tablename__ = "local_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente_code: Mapped[str] = mapped_column(String(40), index=True)
    gemeente_name: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    # [{"code": "noord", "name": "Noord"}, ...]: the wijken of this gemeente that this team serves
    wijken: Mapped[list] = mapped_column(JSON, default=list)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contact_user = relationship("User", foreign_keys=[contact_user_id], lazy="joined")
