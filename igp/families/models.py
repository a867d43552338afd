"""Family record tables. Identifying and sensitive columns are encrypted (igp.crypto);
plain columns are codes, dates of process steps and flags needed for lists and reports."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from igp.crypto import EncryptedDate, EncryptedInteger, EncryptedJSON, EncryptedText
from igp.extensions import db
from igp.models_base import UTCDateTime, utcnow


class Family(db.Model):
    __tablename__ = "family"
    # (coordinator_id, status): "my active families", caseloads and coordinator filters from the index
    # the MDO proposal reads the poli's active families never discussed in order of creation, and the
    # families that asked for an MDO, along these two (issue 21); the dashboard counts the active
    # families per gemeente and coordinator, and the exits, from the index alone on PostgreSQL
    __table_args__ = (Index("ix_family_status_poli", "status", "poli_id",
                            postgresql_include=["gemeente", "coordinator_id"]),
                      Index("ix_family_exited_on", "exited_on",
                            postgresql_include=["poli_id", "exit_reason", "exit_target", "gemeente", "exited_at"]),
                      Index("ix_family_coordinator_status", "coordinator_id", "status"),
                      Index("ix_family_poli_status_created", "poli_id", "status", "created_at", "id"),
                      Index("ix_family_mdo_requested", "mdo_requested_at"),
                      # the forgiving search's "start of a pseudonym" (LIKE 'GZ-AB%') along an index on PostgreSQL
                      Index("ix_family_pseudonym_prefix", "pseudonym", postgresql_ops={"pseudonym": "varchar_pattern_ops"}))

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(12), unique=True)
    poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id"), index=True)
    phase: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20))
    registering_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    expected_due_date: Mapped[date | None] = mapped_column(EncryptedDate)
    target_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    target_result: Mapped[dict | None] = mapped_column(EncryptedJSON)
    target_override: Mapped[bool] = mapped_column(Boolean, default=False)
    target_override_reason: Mapped[str | None] = mapped_column(EncryptedText)
    target_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    target_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    support_question: Mapped[str | None] = mapped_column(EncryptedText)
    # coordination (igp.coordination): the point of contact, and the exit
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    exit_reason: Mapped[str | None] = mapped_column(String(30))
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exited_on: Mapped[date | None] = mapped_column(Date, active_history=True)  # old day known to the roll-up
    exit_target: Mapped[str | None] = mapped_column(String(30))   # handover.rules.OUTWARD_TARGETS
    # MDO (igp.mdo): a professional asks to discuss this family, with a question
    mdo_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mdo_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    mdo_question: Mapped[str | None] = mapped_column(EncryptedText)
    # local team (igp.admin LocalTeam): gemeente and wijk as codes of the IGP's list (category NAW)
    gemeente: Mapped[str | None] = mapped_column(String(40), index=True)
    wijk: Mapped[str | None] = mapped_column(String(40))

    poli = relationship("Poli", lazy="joined")
    coordinator = relationship("User", foreign_keys=[coordinator_id], lazy="joined")
    registering_organisation = relationship("Organisation", lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    mdo_requested_by = relationship("User", foreign_keys=[mdo_requested_by_id])
    parents: Mapped[list["Parent"]] = relationship(back_populates="family", order_by="Parent.position",
                                                   cascade="all, delete-orphan")
    children: Mapped[list["Child"]] = relationship(back_populates="family", order_by="Child.position",
                                                   cascade="all, delete-orphan")
    referrals: Mapped[list["Referral"]] = relationship(back_populates="family", order_by="Referral.received_at",
                                                       cascade="all, delete-orphan")
    intakes: Mapped[list["Intake"]] = relationship(back_populates="family", order_by="Intake.id",
                                                   cascade="all, delete-orphan")
    notes: Mapped[list["FamilyNote"]] = relationship(back_populates="family", order_by="FamilyNote.created_at",
                                                     cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class Parent(db.Model):
    """A parent or carer (ouder/verzorger)."""

    __tablename__ = "parent"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(EncryptedText)
    birth_date: Mapped[date | None] = mapped_column(EncryptedDate)
    bsn: Mapped[str | None] = mapped_column(EncryptedText)
    bsn_index: Mapped[str | None] = mapped_column(String(64), index=True)
    name_birth_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    address: Mapped[str | None] = mapped_column(EncryptedText)
    postcode: Mapped[str | None] = mapped_column(EncryptedText)
    city: Mapped[str | None] = mapped_column(EncryptedText)
    preferred_language: Mapped[str | None] = mapped_column(EncryptedText)
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    # relationship to the child(ren) (rules.PARENT_RELATIONSHIPS) and parental authority (rules.GEZAG)
    relationship_type: Mapped[str | None] = mapped_column(String(20))
    gezag: Mapped[str | None] = mapped_column(String(10))
    # geheim adres: address and phone never shown to the other parent, flagged wherever shown
    contact_secret: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    family: Mapped[Family] = relationship(back_populates="parents")


class Child(db.Model):
    __tablename__ = "child"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str | None] = mapped_column(EncryptedText)
    birth_date: Mapped[date | None] = mapped_column(EncryptedDate)
    name_birth_index: Mapped[str | None] = mapped_column(String(64), index=True)
    gestational_age_weeks: Mapped[int | None] = mapped_column(EncryptedInteger)
    gestational_age_days: Mapped[int | None] = mapped_column(EncryptedInteger)
    birth_weight_grams: Mapped[int | None] = mapped_column(EncryptedInteger)
    # a sibling (broer of zus: any age), or an index child of the IGP episode (the age limit applies)
    sibling: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # admission after birth (rules.ADMISSIONS), where recorded
    admission: Mapped[str | None] = mapped_column(EncryptedText)

    family: Mapped[Family] = relationship(back_populates="children")


class SearchToken(db.Model):
    """Forgiving search on names that stay encrypted: keyed blind indexes (HMAC with the index key)
    of every normalised word of the parents' and children's names ("w:jansen") and of each word's
    prefixes of 3 to 12 characters ("p:jan", "p:jans", ...), in the manner of CipherSweet's
    truncated blind indexes. Rewritten whenever a name is written (igp.families.search_index).
    Leakage (README, "Search"): whoever reads the table sees which families share a word or a
    prefix (frequency), never the word itself without the key."""

    __tablename__ = "family_search_token"
    __table_args__ = (Index("ix_family_search_token_token_family", "token", "family_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64))


class BirthOutcome(db.Model):
    """What monitoring (§7.2) counts of a birth: coarse classes only, never the child's data.
    Deliberately WITHOUT a foreign key to the child or the family: `ref` is a keyed hash of the
    child's id (so a correction replaces the row), the poli is the one at the birth, and only the
    month of birth is kept. The classes are re-derived whenever an index child's birth data are
    written (igp.families.outcomes); the row outlives the family's erasure as an anonymous count."""

    __tablename__ = "birth_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id"), index=True)
    born_month: Mapped[date] = mapped_column(Date, index=True)     # the first day of the month of birth
    gestation_class: Mapped[str] = mapped_column(String(20))       # rules.GESTATION_CLASSES
    weight_class: Mapped[str] = mapped_column(String(20))          # rules.WEIGHT_CLASSES
    admission: Mapped[str] = mapped_column(String(20))             # rules.ADMISSIONS or "onbekend"


class Pregnancy(db.Model):
    """A pregnancy of the family that has ended (a birth recorded) or a next pregnancy. The open
    pregnancy's due date is Family.expected_due_date; a row here keeps the course."""

    __tablename__ = "pregnancy"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    expected_due_date: Mapped[date | None] = mapped_column(EncryptedDate)
    outcome: Mapped[str] = mapped_column(String(20))   # lopend | geboren
    ended_on: Mapped[date | None] = mapped_column(EncryptedDate)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PoliMove(db.Model):
    """The family moved to another poli (at the birth, from the POP-poli to a postnatal poli):
    from then on the handover board and the MDO of the new poli follow it."""

    __tablename__ = "poli_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    from_poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id"))
    to_poli_id: Mapped[int] = mapped_column(ForeignKey("poli.id"))
    reason: Mapped[str] = mapped_column(String(20))   # geboorte | anders
    moved_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    from_poli = relationship("Poli", foreign_keys=[from_poli_id], lazy="joined")
    to_poli = relationship("Poli", foreign_keys=[to_poli_id], lazy="joined")


class Referral(db.Model):
    """An aanmelding: who referred the family, when, why."""

    __tablename__ = "referral"
    # Reports scan a period (received_on) and a family's first aanmelding (family_id, received_at);
    # both indexes cover those queries so that the database reads no table rows for them.
    __table_args__ = (Index("ix_referral_family_received", "family_id", "received_at"),
                      Index("ix_referral_period", "received_on", "family_id", "referrer_type"))

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_on: Mapped[date] = mapped_column(Date)  # Europe/Amsterdam date, for reports
    referrer_type: Mapped[str] = mapped_column(String(20), index=True)
    referrer_name: Mapped[str | None] = mapped_column(EncryptedText)
    referrer_organisation: Mapped[str | None] = mapped_column(EncryptedText)
    referrer_contact: Mapped[str | None] = mapped_column(EncryptedText)
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    vulnerabilities: Mapped[list] = mapped_column(EncryptedJSON)
    vulnerability_note: Mapped[str | None] = mapped_column(EncryptedText)
    medical_reasons: Mapped[list] = mapped_column(EncryptedJSON)
    high_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    non_primary: Mapped[list | None] = mapped_column(EncryptedJSON)
    protective_factors: Mapped[list | None] = mapped_column(EncryptedJSON)   # beschermende factoren
    screening_instrument: Mapped[str | None] = mapped_column(String(20))
    screening_result: Mapped[str | None] = mapped_column(EncryptedText)
    # an aanmelding imported as a FHIR document (igp.fhir.importing): the sender's own identifiers,
    # kept to answer in their terms: [{"resource": "ServiceRequest", "system": ..., "value": ...}, ...]
    sender_identifiers: Mapped[list | None] = mapped_column(EncryptedJSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship(back_populates="referrals")
    created_by = relationship("User", foreign_keys=[created_by_id])


class TargetAssessment(db.Model):
    """A re-assessment of the target group (herbeoordeling doelgroep): who, when, why, what changed
    and the outcome before and after; the family's course keeps every one (igp.families.assessment)."""

    __tablename__ = "target_assessment"
    __table_args__ = (Index("ix_target_assessment_family", "family_id", "assessed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(String(20))        # rules.ASSESSMENT_TRIGGERS
    reason: Mapped[str] = mapped_column(EncryptedText)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    eligible_before: Mapped[bool] = mapped_column(Boolean)
    eligible_after: Mapped[bool] = mapped_column(Boolean)
    status_before: Mapped[str] = mapped_column(String(20))
    status_after: Mapped[str] = mapped_column(String(20))
    result_before: Mapped[dict | None] = mapped_column(EncryptedJSON)
    result_after: Mapped[dict | None] = mapped_column(EncryptedJSON)
    # the criteria that changed: {field: {"before": ..., "after": ...}}
    changes: Mapped[dict | None] = mapped_column(EncryptedJSON)
    handover_effect: Mapped[str | None] = mapped_column(String(20))   # gesloten | gestart

    assessed_by = relationship("User", foreign_keys=[assessed_by_id], lazy="joined")


class TargetGroupCode(db.Model):
    """This IGP's change to a target-group code list (rules.CODE_LISTS are the defaults): a code
    added, renamed or retired by a beheerder. A retired code stays readable on the families that
    have it and cannot be chosen again. The code itself never changes (a contract)."""

    __tablename__ = "target_group_code"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))   # a key of rules.CODE_LISTS
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class IntakeParticipant(db.Model):
    __tablename__ = "intake_participant"
    __table_args__ = (UniqueConstraint("intake_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intake.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)

    user = relationship("User", lazy="joined")


class Intake(db.Model):
    __tablename__ = "intake"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    intake_type: Mapped[str | None] = mapped_column(String(20))
    location: Mapped[str | None] = mapped_column(String(20))
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report: Mapped[str | None] = mapped_column(EncryptedText)
    outcome: Mapped[str | None] = mapped_column(String(20))
    plan: Mapped[str | None] = mapped_column(EncryptedText)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    family: Mapped[Family] = relationship(back_populates="intakes")
    participants: Mapped[list[IntakeParticipant]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class FamilyNote(db.Model):
    """A dated entry in one data category (consultverslag, overleg met derden, diagnostiek,
    medicatie, ...): the category decides who may read it."""

    __tablename__ = "family_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(EncryptedText)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # An emergency note (noodnotitie): written under break-the-glass, the one write it allows
    break_glass_id: Mapped[int | None] = mapped_column(ForeignKey("break_glass_access.id"))

    family: Mapped[Family] = relationship(back_populates="notes")
    author = relationship("User", lazy="joined")


class DuplicateCandidate(db.Model):
    """A possible duplicate that the registering user could not see (so was not told about):
    the registration went ahead and the planner or privacy officer of the registering side
    resolves it (merge, or mark as distinct families). No oracle for the registering user."""

    __tablename__ = "duplicate_candidate"
    __table_args__ = (Index("ix_duplicate_candidate_open", "resolved_at", "registering_organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    new_family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    existing_family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    new_pseudonym: Mapped[str] = mapped_column(String(12))
    existing_pseudonym: Mapped[str] = mapped_column(String(12))
    match: Mapped[str] = mapped_column(String(30))  # bsn | naam_geboortedatum
    registering_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolution: Mapped[str | None] = mapped_column(String(20))  # samengevoegd | verschillend
    note: Mapped[str | None] = mapped_column(EncryptedText)

    registering_organisation = relationship("Organisation", lazy="joined")
    registered_by = relationship("User", foreign_keys=[registered_by_id], lazy="joined")
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
