"""The short anonymous family experience question (handreiking §9.1 stap 1)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
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


class ReferralDay(db.Model):
    """Roll-up of the aanmeldingen (issue 21): how many referrals were received on a day, per poli,
    referrer type, target-group outcome and gemeente (a code of the IGP's list, or none), so a
    year's dashboard reads a few thousand rows instead of every referral. Only days listed in
    RolledDay count; see igp.reporting.rollup."""

    __tablename__ = "report_referral_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id"), index=True)
    referrer_type: Mapped[str] = mapped_column(String(20))
    target_eligible: Mapped[bool] = mapped_column(Boolean)
    target_override: Mapped[bool] = mapped_column(Boolean)
    gemeente: Mapped[str | None] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)


class HandoverDay(db.Model):
    """Roll-up of the inward handovers (issue 21): per day the handover started, poli, steps reached,
    outcome and working days to intake, how many. The columns are the groups of
    `reporting.services.handover_figures`; only days listed in RolledDay (kind "handover") count."""

    __tablename__ = "report_handover_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id"), index=True)
    contact: Mapped[int] = mapped_column(Integer)
    planned: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer)
    term_met: Mapped[int | None] = mapped_column(Integer)
    written: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    missed_reason: Mapped[str | None] = mapped_column(String(30))
    workdays_to_intake: Mapped[int | None] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)


class ExitDay(db.Model):
    """Roll-up of the exits (issue 21): per exit date, poli, exit reason, exit target, gemeente and
    whole days from the family's first aanmelding to its exit (none: no aanmelding), how many families
    left. Only days listed in RolledDay (kind "exit") count."""

    __tablename__ = "report_exit_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id"), index=True)
    exit_reason: Mapped[str | None] = mapped_column(String(30))
    exit_target: Mapped[str | None] = mapped_column(String(30))
    gemeente: Mapped[str | None] = mapped_column(String(40))
    days_in_igp: Mapped[int | None] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)


class RolledDay(db.Model):
    """A day whose roll-up rows of one kind ("referral": ReferralDay, "handover": HandoverDay,
    "exit": ExitDay) are complete; any change to what that day counts removes the day again, so the
    live scan covers it."""

    __tablename__ = "report_rolled_day"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True, default="referral")
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class RollupState(db.Model):
    """One row: the generation of the roll-up, a new random value at every rebuild (`flask --app igp
    reports rollup`). The roll-up tables change only by a rebuild (a new generation) or by a write
    removing days (fewer days in RolledDay), so the roll-up's part of a figure is fully given by the
    generation and the days rolled up: igp.reporting.services keeps that part per process under those
    two and reads it again only when one of them changed (issue 21)."""

    __tablename__ = "report_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[str] = mapped_column(String(32))
