"""The input of the MDO commands (series, meetings, agenda items, attendance, minutes, outcomes,
actions), one model each, shared by the forms and the API (igp.validation)."""
import re
from typing import ClassVar

from pydantic import Field, field_validator

from consent import DOMAINS, ROLES
from igp.mdo import rules
from igp.validation import Bool, Code, Codes, Date, DateTime, Id, Ids, Input, Integer, Text

TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _video_link(value):
    if value is None:
        return None
    if not value.startswith("https://") or len(value) > 300 or any(c.isspace() for c in value):
        raise ValueError("De videolink moet een https-adres zijn.")
    return value


class _Planning(Input):
    poli: Text(30) = Field(None, title="Poli")
    duration_minutes: Integer(15, 480) = Field(None, title="Duur (minuten)")
    location: Text(200) = Field(None, title="Locatie")
    video_link: Text(300) = Field(None, title="Videolink")
    chair_id: Id = Field(None, title="Voorzitter")
    minute_taker_id: Id = Field(None, title="Notulist")
    quorum_domains: Codes(DOMAINS) | None = Field(None, title="Quorum: domeinen")
    quorum_roles: Codes(ROLES) | None = Field(None, title="Quorum: rollen")

    _link = field_validator("video_link")(classmethod(lambda cls, value: _video_link(value)))


class SeriesIn(_Planning):
    """A series of MDO's (POST of the series form)."""

    required = ("poli", "rhythm")

    name: Text(200) = Field(None, title="Naam")
    rhythm: Code(rules.RHYTHMS) = Field(None, title="Ritme")
    first_date: Date = Field(None, title="Eerste datum")
    dates: list[Date] = Field(default_factory=list, title="Datum")
    start_time: Text(5) = Field(None, title="Begintijd")
    member_ids: Ids = Field(default_factory=list, title="Deelnemers")

    @field_validator("start_time")
    @classmethod
    def _time(cls, value):
        if value is not None and not TIME_RE.match(value):
            raise ValueError("Gebruik een tijd als 13:30.")
        return value

    @field_validator("dates", mode="before")
    @classmethod
    def _dates(cls, value):
        if value in (None, ""):
            return []
        if isinstance(value, str):
            return [d.strip() for d in value.replace(";", ",").split(",") if d.strip()]
        return value


class MeetingIn(_Planning):
    """POST /api/v1/mdo/meetings and the meeting form."""

    required = ("poli", "starts_at")

    starts_at: DateTime = Field(None, title="Begint om")


class ItemIn(Input):
    """POST /api/v1/mdo/meetings/{id}/items."""

    family_id: Id = Field(None, title="Gezin")
    pseudonym: Text(20) = Field(None, title="Pseudoniem")
    reasons: Codes(rules.PROPOSAL_REASONS) = Field(default_factory=list, title="Redenen")
    question: Text(2000) = Field(None, title="Vraag aan het MDO")
    minutes_planned: Integer(1, 120) = Field(None, title="Tijd (minuten)")
    position: Integer(1, 500) = Field(None, title="Volgorde")
    anonymous: Bool = Field(False, title="Anoniem bespreken")


class ItemUpdateIn(Input):
    minutes_planned: Integer(1, 120) = Field(None, title="Tijd (minuten)")
    question: Text(2000) = Field(None, title="Vraag aan het MDO")
    position: Integer(1, 500) = Field(None, title="Volgorde")


class AttendeeIn(Input):
    user_id: Id = Field(None, title="Deelnemer")
    status: Code(rules.ATTENDANCE) = Field(None, title="Status")
    item_ids: Ids | None = Field(None, title="Agendapunten")


class AttendanceIn(Input):
    """POST /api/v1/mdo/meetings/{id}/attendance and the attendance form."""

    required = ("attendees",)
    required_messages: ClassVar[dict[str, str]] = {"attendees": "Geef een lijst met aanwezigheid per persoon."}

    attendees: list[AttendeeIn] = Field(default_factory=list, title="Aanwezigheid")


class FinaliseIn(Input):
    """POST /api/v1/mdo/meetings/{id}/finalise: confirm after seeing the items without outcome."""

    required = ("confirm",)
    required_messages: ClassVar[dict[str, str]] = {
        "confirm": "Bevestig het vaststellen (confirm: true): het verslag is daarna definitief."}

    confirm: Bool = Field(None, title="Bevestiging")


class MinutesIn(Input):
    """POST /api/v1/mdo/items/{id}/minutes and the minutes form."""

    required = ("text",)
    required_messages: ClassVar[dict[str, str]] = {"text": "Het verslag is leeg."}

    text: Text(20000) = Field(None, title="Verslag")
    expected_revision: Integer(0, 2**31 - 1) = Field(None, title="Versie")


class OutcomeIn(Input):
    """POST /api/v1/mdo/items/{id}/outcomes and the outcome form."""

    required = ("kind", "text")

    kind: Code(rules.OUTCOME_KINDS) = Field(None, title="Soort uitkomst")
    text: Text(4000) = Field(None, title="Omschrijving")
    referral_type: Code(rules.REFERRAL_TYPES) = Field(None, title="Soort doorverwijzing")
    owner_id: Id = Field(None, title="Eigenaar")
    due_date: Date = Field(None, title="Uiterlijk")
    due_workdays: Integer(1, 120) = Field(None, title="Termijn (werkdagen)")
    meeting_id: Id = Field(None, title="MDO")
    feedback_by_id: Id = Field(None, title="Koppelt terug")


class ActionStatusIn(Input):
    """POST /api/v1/actions/{id} and the actions page."""

    required = ("status",)
    required_messages: ClassVar[dict[str, str]] = {"status": "Kies gedaan, vervallen of open."}
    status: Code(rules.ACTION_STATUSES) = Field(None, title="Status")


class DiscussionRequestIn(Input):
    """POST /api/v1/families/{id}/mdo-request and the form on the family page."""

    required = ("question",)
    required_messages: ClassVar[dict[str, str]] = {"question": "Formuleer de vraag aan het MDO."}

    question: Text(2000) = Field(None, title="Vraag aan het MDO")

    @field_validator("question")
    @classmethod
    def _question(cls, value):
        if value is not None and len(value.strip()) < 5:
            raise ValueError("Formuleer de vraag aan het MDO.")
        return value.strip() if value is not None else None
