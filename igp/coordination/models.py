"""Coordinator history, core team, absences with substitutes, knelpunten."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from igp.crypto import EncryptedText
from igp.extensions import db
from igp.models_base import UTCDateTime, utcnow


class CoordinatorAssignment(db.Model):
    """History: who coordinated a family from when, assigned by whom and why."""

    __tablename__ = "coordinator_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(EncryptedText)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    from_user = relationship("User", foreign_keys=[from_user_id])
    to_user = relationship("User", foreign_keys=[to_user_id], lazy="joined")
    by_user = relationship("User", foreign_keys=[by_user_id])


class CoordinatorProposal(db.Model):
    """A kernteam member who may not change the coordinator proposes it; the planner, the
    current coordinator (or substitute) or the registering organisation accepts or declines."""

    __tablename__ = "coordinator_proposal"
    __table_args__ = (Index("ix_coordinator_proposal_family_status", "family_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    proposed_user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | aangenomen | afgewezen
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposed_user = relationship("User", foreign_keys=[proposed_user_id], lazy="joined")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id], lazy="joined")


class CoreTeamMember(db.Model):
    """A professional involved with a family ('vaste gezichten'), with their role on the case."""

    __tablename__ = "core_team_member"
    __table_args__ = (Index("ix_core_team_member_user_active", "user_id", "removed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    case_role: Mapped[str] = mapped_column(String(40))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    family = relationship("Family")


class Absence(db.Model):
    """A period of absence (inclusive dates, Europe/Amsterdam) and who stands in."""

    __tablename__ = "absence"
    __table_args__ = (Index("ix_absence_user_period", "user_id", "starts_on", "ends_on"),
                      Index("ix_absence_substitute_period", "substitute_id", "starts_on", "ends_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))
    substitute_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    substitute = relationship("User", foreign_keys=[substitute_id], lazy="joined")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])


class Knelpunt(db.Model):
    """A bottleneck in collaboration, access or capacity, raised with the projectleider."""

    __tablename__ = "knelpunt"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(EncryptedText)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    resolution: Mapped[str | None] = mapped_column(EncryptedText)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    raised_by = relationship("User", foreign_keys=[raised_by_id], lazy="joined")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id], lazy="joined")
