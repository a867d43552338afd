"""The input of the warm-handover commands (a step, feedback, a recalculation), one model each,
shared by the forms and the API (igp.validation)."""
from typing import ClassVar

from pydantic import Field

from igp.handover import rules
from igp.validation import Code, DateTime, Id, Input, Text


class EventIn(Input):
    """POST /api/v1/families/{id}/handover/events and the step form."""

    type: Code(rules.EVENT_TYPES) = Field(None, title="Stap")
    at: DateTime = Field(None, title="Moment")
    note: Text(4000) = Field(None, title="Toelichting")
    # a missed-term reason code; with a side exit (gezin ziet af, niet bereikbaar, geannuleerd) a short reason
    reason: Text(30) = Field(None, title="Reden")
    contact_mode: Code(rules.CONTACT_MODES) = Field(None, title="Wijze van contact")
    planned_at: DateTime = Field(None, title="Intake gepland op")


class FeedbackIn(Input):
    """POST /api/v1/families/{id}/handover/feedback and the feedback form."""

    recipient: Code(rules.FEEDBACK_RECIPIENTS) = Field(None, title="Aan wie")
    method: Code(rules.FEEDBACK_METHODS) = Field(None, title="Hoe")
    at: DateTime = Field(None, title="Moment")
    note: Text(2000) = Field(None, title="Toelichting")


class RecalculateIn(Input):
    reason: Text(2000) = Field(None, title="Reden")


class FamilyFeedbackIn(Input):
    """POST /api/v1/families/{id}/feedback and the Terugkoppeling form on the family page."""

    required: ClassVar[tuple[str, ...]] = ("about", "recipient", "method")

    about: Code(rules.FEEDBACK_ABOUT) = Field(None, title="Waarover")
    outcome_id: Id = Field(None, title="Uitkomst van het MDO")
    intake_id: Id = Field(None, title="Intake")
    recipient: Code(rules.FEEDBACK_RECIPIENTS) = Field(None, title="Aan wie")
    method: Code(rules.FEEDBACK_METHODS) = Field(None, title="Hoe")
    at: DateTime = Field(None, title="Moment")
    note: Text(2000) = Field(None, title="Toelichting")
