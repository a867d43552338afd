"""The input of the consent commands (a consent, a preset, a withdrawal, break-the-glass, the
need-to-know table), shared by the forms and the API (igp.validation)."""
from pydantic import Field, field_validator

from consent import CATEGORIES, CONSENT_METHODS, DOMAINS, PRESETS, PURPOSES  # noqa: F401
from igp.validation import Code, Codes, DateTime, Id, Ids, Input, Text


class RecipientIn(Input):
    organisation_id: Id = Field(None, title="Ontvanger: organisatie")
    domain: Text(20) = Field(None, title="Ontvanger: domein")  # checked with the recipient as a whole


class ConsentIn(Input):
    """POST /api/v1/families/{id}/consents (one consent) and the form 'toestemming op maat'."""

    recipient: RecipientIn | None = Field(None, title="Ontvanger")
    categories: Codes(CATEGORIES) = Field(default_factory=list, title="Categorieën")
    purpose: Code(PURPOSES) = Field(None, title="Doel")
    given_at: DateTime = Field(None, title="Gegeven op")
    valid_until: DateTime = Field(None, title="Geldig tot")
    form_version: Text(40) = Field(None, title="Versie formulier")
    method: Code(CONSENT_METHODS) = Field(None, title="Hoe gegeven")
    given_by: Ids = Field(default_factory=list, title="Gegeven door")
    note: Text(2000) = Field(None, title="Toelichting")
    preset: Code([p.code for p in PRESETS]) = Field(None, title="Voorkeuze")

    @field_validator("recipient", mode="before")
    @classmethod
    def _recipient(cls, value):
        return value if isinstance(value, dict) else {}


class PresetIn(Input):
    """POST /api/v1/families/{id}/consents with a preset, and the preset form."""

    preset: Code([p.code for p in PRESETS]) = Field(None, title="Voorkeuze")
    method: Code(CONSENT_METHODS) = Field(None, title="Hoe gegeven")
    given_at: DateTime = Field(None, title="Gegeven op")
    form_version: Text(40) = Field(None, title="Versie formulier")
    categories: Codes(CATEGORIES) | None = Field(None, title="Categorieën")
    domains: Codes(DOMAINS) | None = Field(None, title="Ontvangers")


class ReasonIn(Input):
    reason: Text(4000) = Field(None, title="Reden")


class ReviewIn(Input):
    note: Text(4000) = Field(None, title="Beoordeling")
