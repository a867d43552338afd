"""Gezinsplan tables: one plan per family (its current revision number and the plan's dates, plain:
process dates the database selects the evaluation signal on) and every saved revision (the whole
plan, encrypted), kept like MDO minutes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from igp.crypto import EncryptedJSON
from igp.extensions import db
from igp.models_base import UTCDateTime, utcnow


class FamilyPlan(db.Model):
    __tablename__ = "family_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), unique=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    start_date: Mapped[date] = mapped_column(Date)
    evaluation_date: Mapped[date] = mapped_column(Date, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    revisions: Mapped[list["PlanRevision"]] = relationship(back_populates="plan", order_by="PlanRevision.number",
                                                           cascade="all, delete-orphan")


class PlanRevision(db.Model):
    """One saved version of the whole plan (author, time, on whose behalf); the highest is current."""

    __tablename__ = "family_plan_revision"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("family_plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # {"hulpvraag", "start_date", "evaluation_date", "goals", "actions", "referrals"}
    content: Mapped[dict] = mapped_column(EncryptedJSON)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[FamilyPlan] = relationship(back_populates="revisions")
    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    on_behalf_of = relationship("User", foreign_keys=[on_behalf_of_id], lazy="joined")


class PlanReferralFact(db.Model):
    """The countable side of each onward referral in the current plan revision (monitoring §7.2,
    referrals by destination): its kind of help, status and request date, plain like an MDO
    outcome's referral type; the 'to' (organisation, free text) stays in the encrypted revision.
    Rewritten at every save (igp.plan.services.save_plan) from the new revision."""

    __tablename__ = "family_plan_referral"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("family_plan.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(20))                       # the referral's id in the plan ("r1")
    referral_type: Mapped[str | None] = mapped_column(String(30))      # igp.mdo.rules.REFERRAL_TYPES
    status: Mapped[str] = mapped_column(String(20))                    # rules.REFERRAL_STATUSES
    requested_on: Mapped[date] = mapped_column(Date, index=True)
