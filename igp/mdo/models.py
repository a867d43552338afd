"""MDO tables."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from igp.crypto import EncryptedText
from igp.extensions import db
from igp.models_base import UTCDateTime, utcnow


class MdoSeries(db.Model):
    __tablename__ = "mdo_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    rhythm: Mapped[str] = mapped_column(String(20))           # wekelijks | tweewekelijks | datumlijst
    weekday: Mapped[int | None] = mapped_column(Integer)       # 0 = Monday
    start_time: Mapped[str] = mapped_column(String(5))         # "13:30", Europe/Amsterdam
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    first_date: Mapped[date | None] = mapped_column(Date)
    dates: Mapped[list | None] = mapped_column(JSON)           # for 'datumlijst' (after each poli afternoon)
    location: Mapped[str | None] = mapped_column(String(200))
    video_link: Mapped[str | None] = mapped_column(String(300))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    minute_taker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    quorum_domains: Mapped[list] = mapped_column(JSON)         # domains that must be present
    quorum_roles: Mapped[list] = mapped_column(JSON)           # roles that must be present
    member_ids: Mapped[list] = mapped_column(JSON)             # standing invitees
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    poli = relationship("Poli", lazy="joined")
    chair = relationship("User", foreign_keys=[chair_id], lazy="joined")
    minute_taker = relationship("User", foreign_keys=[minute_taker_id], lazy="joined")


class MdoMeeting(db.Model):
    __tablename__ = "mdo_meeting"
    __table_args__ = (Index("ix_mdo_meeting_poli_starts", "poli_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("mdo_series.id"), index=True)
    poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    location: Mapped[str | None] = mapped_column(String(200))
    video_link: Mapped[str | None] = mapped_column(String(300))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    minute_taker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    quorum_domains: Mapped[list] = mapped_column(JSON)
    quorum_roles: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="gepland")  # gepland | gedeeld | afgerond | geannuleerd
    agenda_shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    series = relationship("MdoSeries")
    poli = relationship("Poli", lazy="joined")
    chair = relationship("User", foreign_keys=[chair_id], lazy="joined")
    minute_taker = relationship("User", foreign_keys=[minute_taker_id], lazy="joined")
    items: Mapped[list["AgendaItem"]] = relationship(back_populates="meeting", order_by="AgendaItem.position",
                                                     cascade="all, delete-orphan")
    attendees: Mapped[list["MdoAttendee"]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                          order_by="MdoAttendee.id")

    __mapper_args__ = {"version_id_col": version}


class MdoAttendee(db.Model):
    __tablename__ = "mdo_attendee"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),
                      Index("ix_mdo_attendee_user", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("mdo_meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default="uitgenodigd")  # uitgenodigd | aanwezig | afwezig | te_laat
    item_ids: Mapped[list | None] = mapped_column(JSON)  # present for these items only (None: all)

    meeting: Mapped[MdoMeeting] = relationship(back_populates="attendees")
    user = relationship("User", lazy="joined")


class AgendaItem(db.Model):
    __tablename__ = "mdo_agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "family_id"),
                      Index("ix_mdo_agenda_item_family", "family_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("mdo_meeting.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    minutes_planned: Mapped[int] = mapped_column(Integer, default=10)
    reasons: Mapped[list] = mapped_column(JSON)                  # reason codes (no personal data)
    question: Mapped[str | None] = mapped_column(EncryptedText)  # the question for the MDO
    status: Mapped[str] = mapped_column(String(20), default="gepland")  # gepland | besproken | niet_besproken
    # "anoniem bespreken": without consent for the MDO the family is discussed by pseudonym and
    # question only, and attendance gives no access to it
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    meeting: Mapped[MdoMeeting] = relationship(back_populates="items")
    family = relationship("Family", lazy="joined")
    feedback_by = relationship("User", foreign_keys=[feedback_by_id], lazy="joined")
    revisions: Mapped[list["MinutesRevision"]] = relationship(back_populates="item", order_by="MinutesRevision.id",
                                                              cascade="all, delete-orphan")
    outcomes: Mapped[list["MdoOutcome"]] = relationship(back_populates="item", order_by="MdoOutcome.id",
                                                        cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class MinutesRevision(db.Model):
    """Every saved version of an item's minutes (author, time); the last one is current."""

    __tablename__ = "mdo_minutes_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("mdo_agenda_item.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(EncryptedText)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="revisions")
    author = relationship("User", lazy="joined")


class MdoOutcome(db.Model):
    __tablename__ = "mdo_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("mdo_agenda_item.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))              # besluit | advies | actie | doorverwijzing
    text: Mapped[str] = mapped_column(EncryptedText)
    referral_type: Mapped[str | None] = mapped_column(String(30), index=True)
    quorum_met: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="outcomes")
    created_by = relationship("User", lazy="joined")
    action: Mapped["MdoAction | None"] = relationship(back_populates="outcome", uselist=False)


class MdoAction(db.Model):
    __tablename__ = "mdo_action"
    __table_args__ = (Index("ix_mdo_action_owner_status", "owner_id", "status"),
                      Index("ix_mdo_action_family_status", "family_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("mdo_outcome.id", ondelete="CASCADE"), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | gedaan | vervallen
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_on: Mapped[date | None] = mapped_column(Date)  # Europe/Amsterdam date, for 'on time'
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # why it stays open after the family's exit (the exit form asks it per open action)
    keep_reason: Mapped[str | None] = mapped_column(EncryptedText)
    version: Mapped[int] = mapped_column(Integer, default=1)

    outcome: Mapped[MdoOutcome] = relationship(back_populates="action")
    owner = relationship("User", lazy="joined")
    family = relationship("Family")

    __mapper_args__ = {"version_id_col": version}
