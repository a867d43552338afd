"""Input of the gezinsplan: PUT /api/v1/families/{id}/plan and the page /gezinnen/<id>/plan."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from igp.mdo.rules import REFERRAL_TYPES
from igp.plan import rules
from igp.validation import MAX_ID, Code, Date, Id, Input, Integer, Text

MAX_GOALS = 20
MAX_ACTIONS = 30
MAX_REFERRALS = 20


def _list(value, limit: int, what: str):
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValueError(f"{what}: geef een lijst.")
    if len(value) > limit:
        raise ValueError(f"{what}: hoogstens {limit}.")
    return value


class PlanGoalIn(Input):
    """A goal: what the family wants to reach, who works on it, by when; `status` how far it is
    (loopt, bereikt or niet_bereikt; left out: loopt)."""

    what: Text(500) = Field(None, title="Doel", validate_default=True)
    who: Text(200) = Field(None, title="Wie")
    by_when: Date = Field(None, title="Wanneer bereikt")
    status: Code(rules.GOAL_STATUSES) = Field(None, title="Stand van het doel")

    @field_validator("what")
    @classmethod
    def _what(cls, value):
        if value is None:
            raise ValueError("Beschrijf het doel.")
        return value


class PlanActionIn(Input):
    """An agreed action; `mdo_action_id` links it to an action agreed in the MDO."""

    what: Text(500) = Field(None, title="Afspraak", validate_default=True)
    who: Text(200) = Field(None, title="Wie")
    by_when: Date = Field(None, title="Wanneer")
    mdo_action_id: Id = Field(None, title="MDO-actie")

    @field_validator("what")
    @classmethod
    def _what(cls, value):
        if value is None:
            raise ValueError("Beschrijf de afspraak.")
        return value


class PlanReferralIn(Input):
    """An onward referral with its status; `id` names a referral of the plan seen (none: a new one);
    `reason` explains a status that goes back."""

    id: Text(20) = Field(None, title="Doorverwijzing")
    to: Text(200) = Field(None, title="Naar (organisatie of hulp)", validate_default=True)
    referral_type: Code(REFERRAL_TYPES) = Field(None, title="Soort hulp")
    status: Code(rules.REFERRAL_STATUSES) = Field(None, title="Status", validate_default=True)
    requested_on: Date = Field(None, title="Aangevraagd op")
    reason: Text(500) = Field(None, title="Reden")

    @field_validator("to")
    @classmethod
    def _to(cls, value):
        if value is None:
            raise ValueError("Naar wie of welke hulp is verwezen?")
        return value

    @field_validator("status")
    @classmethod
    def _status(cls, value):
        if value is None:
            raise ValueError("Kies de status van de doorverwijzing.")
        return value


class PlanIn(Input):
    """The whole plan; it replaces the previous one and is kept as a new revision. `version`: the
    revision seen (0 when the family has no plan yet); a stale one is 409."""

    required = ("version", "hulpvraag", "start_date", "evaluation_date")
    required_messages: ClassVar[dict[str, str]] = {
        "version": "Geef de versie (revisie) mee die u zag (version; 0 voor een nieuw plan).",
        "hulpvraag": "Schrijf de hulpvraag op in de woorden van de ouders.",
    }

    version: Integer(0, MAX_ID) = Field(None, title="Versie")
    hulpvraag: Text(2000) = Field(None, title="Hulpvraag van de ouders")
    start_date: Date = Field(None, title="Startdatum")
    evaluation_date: Date = Field(None, title="Evaluatiedatum")
    goals: list[PlanGoalIn] = Field(default_factory=list, title="Doelen")
    actions: list[PlanActionIn] = Field(default_factory=list, title="Afspraken")
    referrals: list[PlanReferralIn] = Field(default_factory=list, title="Doorverwijzingen")

    @field_validator("goals", mode="before")
    @classmethod
    def _goals(cls, value):
        return _list(value, MAX_GOALS, "Doelen")

    @field_validator("actions", mode="before")
    @classmethod
    def _actions(cls, value):
        return _list(value, MAX_ACTIONS, "Afspraken")

    @field_validator("referrals", mode="before")
    @classmethod
    def _referrals(cls, value):
        return _list(value, MAX_REFERRALS, "Doorverwijzingen")
