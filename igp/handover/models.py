"""Handovers (inward after an aanmelding, outward at exit), their steps and feedback."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from igp.crypto import EncryptedText
from igp.extensions import db
from igp.models_base import UTCDateTime, utcnow


class Handover(db.Model):
    __tablename__ = "handover"
    # (direction, started_on): the dashboard's live days (those not yet rolled up) by index (issue 21)
    __table_args__ = (Index("ix_handover_open_deadline", "closed_at", "deadline"),
                      Index("ix_handover_direction_started_on", "direction", "started_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(4), default="in")  # in | uit
    poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id"), index=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)      # the moment the term starts (aanmelding)
    # its Europe/Amsterdam date; active history: a change loads the old value, so the dashboard's roll-up
    # (igp.reporting.rollup) also takes the old day out
    started_on: Mapped[date] = mapped_column(Date, active_history=True)
    term_workdays: Mapped[int] = mapped_column(Integer)            # fixed when the handover starts
    deadline: Mapped[date] = mapped_column(Date, index=True)
    contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    intake_planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    intake_held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    term_met: Mapped[bool | None] = mapped_column(Boolean)
    workdays_to_intake: Mapped[int | None] = mapped_column(Integer)
    missed_reason: Mapped[str | None] = mapped_column(String(30))
    missed_text: Mapped[str | None] = mapped_column(EncryptedText)
    feedback_referrer: Mapped[str | None] = mapped_column(String(20))  # method, or "nvt"
    feedback_family: Mapped[str | None] = mapped_column(String(20))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # outward handover (exit): to whom
    target: Mapped[str | None] = mapped_column(String(30))
    target_name: Mapped[str | None] = mapped_column(EncryptedText)
    version: Mapped[int] = mapped_column(Integer, default=1)

    family = relationship("Family", lazy="joined")
    poli = relationship("Poli", lazy="joined")
    events: Mapped[list["HandoverEvent"]] = relationship(back_populates="handover", order_by="HandoverEvent.id",
                                                         cascade="all, delete-orphan")
    feedback: Mapped[list["HandoverFeedback"]] = relationship(back_populates="handover",
                                                              order_by="HandoverFeedback.id",
                                                              cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class HandoverEvent(db.Model):
    __tablename__ = "handover_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime)               # when it happened
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    contact_mode: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(EncryptedText)
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))

    handover: Mapped[Handover] = relationship(back_populates="events")
    by_user = relationship("User", foreign_keys=[by_user_id], lazy="joined")
    on_behalf_of = relationship("User", foreign_keys=[on_behalf_of_id])


class HandoverFeedback(db.Model):
    """Terugkoppeling: the referrer or the family was told the outcome, and how."""

    __tablename__ = "handover_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(20))  # verwijzer | gezin
    method: Mapped[str] = mapped_column(String(20))     # telefoon | brief | beveiligde_mail | dossier | nvt
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(EncryptedText)

    handover: Mapped[Handover] = relationship(back_populates="feedback")
    by_user = relationship("User", lazy="joined")


class DigestLog(db.Model):
    """One row per user and day a signal digest was sent: makes `signals send` idempotent."""

    __tablename__ = "digest_log"
    __table_args__ = (Index("uq_digest_log_user_day", "user_id", "day", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    items: Mapped[int] = mapped_column(Integer)


class FamilyFeedback(db.Model):
    """Terugkoppeling at family level: the referrer or the family was told the outcome of an event
    (the aanmelding, the warm handover, the intake, an MDO outcome, the exit), how, when and by whom.
    Also for a family outside the target group (no handover needed)."""

    __tablename__ = "family_feedback"
    __table_args__ = (Index("ix_family_feedback_family_at", "family_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    about: Mapped[str] = mapped_column(String(20))   # aanmelding | overdracht | intake | mdo_uitkomst | uitstroom
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intake.id", ondelete="SET NULL"))
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("mdo_outcome.id", ondelete="SET NULL"))
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handover.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(20))  # verwijzer | gezin
    method: Mapped[str] = mapped_column(String(20))     # FEEDBACK_METHODS
    at: Mapped[datetime] = mapped_column(UTCDateTime)   # when the referrer or family was told
    event_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the moment of the event it reports on
    note: Mapped[str | None] = mapped_column(EncryptedText)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by_user = relationship("User", foreign_keys=[by_user_id], lazy="joined")
    on_behalf_of = relationship("User", foreign_keys=[on_behalf_of_id], lazy="joined")
