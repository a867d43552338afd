"""The JSON the API v1 routes answer, as pydantic models: the OpenAPI document's response bodies
(igp.api.operations) and, in tests/web/test_openapi_contract.py, the check that a route still
answers this shape (every key named, no key more: extra="forbid").

Written from the routes (igp/api/*.py) and the serialisers they call (igp.families.overview).
Dates are ISO 8601 (`2026-11-24`), moments ISO 8601 in UTC (`2026-11-24T09:00:00Z`). A key marked
`Absent()` is left out of the answer (not null) where its data category is withheld or the case
does not arise. Where a shape is not modelled field by field, the class says so.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    """A response body: every key listed, no other key allowed."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


def Absent(description: str = "Left out where its data category is withheld.") -> Any:  # noqa: N802
    """A key the answer leaves out (rather than sending null) in some cases: not required, and
    (unless its type says `| None`) never null when present."""
    return Field(None, description=description, json_schema_extra=_no_default)


# ------------------------------------------------------------------ errors

class ErrorBody(Out):
    code: str
    message: str
    field: str = Absent("The (first) field the error is about.")
    fields: dict[str, str] = Absent("Every bad field with its Dutch message (paths like parents[0].bsn).")


class ErrorOut(Out):
    """Every error of the API: 4xx and 5xx, also 405, 413, 414 and 429."""

    error: ErrorBody


class DuplicateMatchOut(Out):
    id: int
    pseudonym: str
    match: str = Field(description="bsn or naam_geboortedatum")
    visible: bool
    organisation: str


class DuplicateErrorBody(ErrorBody):
    duplicates: list[DuplicateMatchOut]


class DuplicateErrorOut(Out):
    """409 on POST /families: possible duplicates the user may see; send again with
    link_to_family_id or confirm_new."""

    error: DuplicateErrorBody


# ------------------------------------------------------------------ auth

class TokenOut(Out):
    token: str
    expires_at: datetime


class OrganisationOut(Out):
    id: int
    name: str
    domain: str


class MeOut(Out):
    id: int
    username: str
    name: str
    organisation: OrganisationOut
    roles: list[str]


# ------------------------------------------------------------------ people

class PersonOut(Out):
    user_id: int
    name: str
    organisation: str


class CoordinatorOut(PersonOut):
    acting_substitute: PersonOut | None


class CoreMemberOut(PersonOut):
    case_role: str | None


# ------------------------------------------------------------------ families: lists and search

class WithheldOut(Out):
    category: str
    reason: str | None


class FamilySummaryOut(Out):
    id: int
    pseudonym: str
    poli: str
    phase: str
    status: str
    referred_at: datetime | None
    name: str | None = Field(description="Null when NAW is withheld (see withheld)")
    withheld: list[WithheldOut]


class FamilyListOut(Out):
    items: list[FamilySummaryOut]
    page: int
    has_next: bool


class FamilySearchOut(Out):
    items: list[FamilySummaryOut]


# ------------------------------------------------------------------ handover

class HandoverEventOut(Out):
    type: str
    at: datetime
    by: str | None
    on_behalf_of_id: int | None
    contact_mode: str | None
    reason: str | None
    note: str | None = Field(description="Null without the category of process notes")


class HandoverOut(Out):
    """A warm handover (inward `in` or outward `uit`) with its steps."""

    id: int
    direction: str
    status: str
    started_on: date
    term_workdays: int
    deadline: date
    workdays_left: int | None
    signal: str | None
    term_met: bool | None
    workdays_to_intake: int | None
    missed_reason: str | None
    closed_at: datetime | None
    completed_at: datetime | None
    feedback_referrer: str | None
    feedback_family: str | None
    target: str | None
    events: list[HandoverEventOut]


class HandoverBriefOut(Out):
    status: str
    deadline: date
    workdays_left: int | None
    signal: str | None


# ------------------------------------------------------------------ families: registration

class TargetGroupCreatedOut(Out):
    eligible: bool
    reasons: list[str]
    flags: list[str]
    override: bool


class FamilyCreatedOut(Out):
    id: int
    pseudonym: str
    status: str
    linked: bool = Field(description="true (status 200): linked to an existing family")
    target_group: TargetGroupCreatedOut
    handover: HandoverBriefOut | None
    coordinator: CoordinatorOut | None


class FamilyUpdatedOut(Out):
    id: int
    version: int
    phase: str


# ------------------------------------------------------------------ consent

class OrganisationRecipientOut(Out):
    organisation_id: int


class DomainRecipientOut(Out):
    domain: str


class ConsentOut(Out):
    id: int
    recipient: OrganisationRecipientOut | DomainRecipientOut
    categories: list[str]
    purpose: str
    given_at: datetime
    valid_until: datetime | None
    method: str
    form_version: str | None
    withdrawn_at: datetime | None
    status: str


class ConsentListOut(Out):
    items: list[ConsentOut]


class ConsentCreatedOut(Out):
    id: int
    ids: list[int] = Absent("With a preset: every consent it recorded (id is the first).")


class BreakGlassOut(Out):
    id: int
    expires_at: datetime


class AccessLogEntryOut(Out):
    at: datetime
    user: str | None
    organisation_id: int | None
    roles: str | None = Field(description="Comma separated, as logged")
    action: str
    outcome: str
    on_behalf_of_id: int | None
    shown: list[str]
    withheld: list[str]
    consent_ids: list[int]


class AccessLogOut(Out):
    family: str = Field(description="The pseudonym")
    items: list[AccessLogEntryOut]


# ------------------------------------------------------------------ FHIR export (issue 22)

class FhirMetaOut(Out):
    lastUpdated: datetime   # noqa: N815  (FHIR's own element names)


class FhirIdentifierOut(Out):
    system: str
    value: str


class FhirEntryOut(Out):
    fullUrl: str = Field(description="The resource's absolute URL on this server's /fhir endpoint")  # noqa: N815
    resource: dict[str, Any] = Field(description="A FHIR R4 (4.0.1) resource; nl-core profiles where one exists "
                                                 "(README, FHIR: the mapping table)")


class FhirBundleOut(Out):
    """A FHIR R4 Bundle of type collection: only what the family's consent lets the recipient see.
    Modelled as a Bundle; each resource is FHIR JSON, checked in the tests against the 4.0.1 models."""

    resourceType: str = Field(description="Bundle")  # noqa: N815
    meta: FhirMetaOut
    type: str = Field(description="collection")
    timestamp: datetime
    identifier: FhirIdentifierOut
    entry: list[FhirEntryOut]


# ------------------------------------------------------------------ families: the record

class TargetGroupOut(Out):
    eligible: bool
    reasons: list[str] = Absent("With the category ontwikkeling_risicos.")
    flags: list[str] = Absent("With the category ontwikkeling_risicos.")
    codes: list[str] = Absent("With the category ontwikkeling_risicos.")
    override: bool = Absent("With the category ontwikkeling_risicos.")


class ParentOut(Out):
    position: int
    name: str | None
    birth_date: date | None
    bsn: str | None = Field(description="Null unless the reader's role and domain may see the BSN")
    phone: str | None
    address: str | None
    postcode: str | None
    city: str | None
    preferred_language: str | None
    interpreter_needed: bool | None
    relationship_type: str | None = Field(description="moeder, vader, partner, pleegouder, voogd, anders")
    gezag: str | None = Field(description="ja, nee, onbekend (ouderlijk gezag)")
    contact_secret: bool = Field(description="Geheim adres: never shown to the other parent")


class ChildOut(Out):
    name: str | None
    birth_date: date | None
    sibling: bool = Field(description="A sibling (broer of zus) of any age, not an index child")


class ChildMedicalOut(Out):
    position: int
    gestational_age_weeks: int | None
    gestational_age_days: int | None
    birth_weight_grams: int | None
    admission: str | None = Field(description="Opname na de geboorte: geen | neonatologie | nicu (null: not recorded)")
    corrected_age: str | None = Field(description="Gecorrigeerde leeftijd (Dutch), born before 37 weeks, "
                                                  "until the second birthday")


class PregnancyOut(Out):
    expected_due_date: date | None
    outcome: str = Field(description="lopend | geboren")
    ended_on: date | None


class PoliMoveOut(Out):
    from_poli: str
    to_poli: str
    reason: str
    moved_at: datetime


class MedicalOut(Out):
    expected_due_date: date | None
    medical_reasons: list[str]
    high_risk: bool
    children: list[ChildMedicalOut]


class ScreeningOut(Out):
    instrument: str | None
    result: str | None


class ReferrerOut(Out):
    type: str | None
    name: str | None
    organisation: str | None


class ReferralOut(Out):
    received_at: datetime
    referrer: ReferrerOut
    reason: str | None


class ParticipantOut(Out):
    id: int
    name: str


class IntakeViewOut(Out):
    id: int
    type: str | None
    location: str | None
    planned_at: datetime | None
    held_at: datetime | None
    participants: list[ParticipantOut]
    report: str | None = Field(description="Null without the category consultverslagen")
    outcome: str | None = Field(description="Null without the category zorgplan")
    plan: str | None = Field(description="Null without the category zorgplan")


class NoteViewOut(Out):
    text: str | None
    author: str
    created_at: datetime


class DiscussionOutcomeOut(Out):
    kind: str
    referral_type: str | None
    text: str | None = Field(description="Null without the category mdo_notulen")


class DiscussionOut(Out):
    meeting_id: int
    starts_at: datetime
    status: str
    anonymous: bool
    outcomes: list[DiscussionOutcomeOut]


class FeedbackItemOut(Out):
    """One terugkoppeling of a family (its own record, or the warm handover's)."""

    id: int
    source: str = Field(description="gezin: recorded at family level (POST /families/{id}/feedback); "
                                    "overdracht: recorded on the warm handover (POST .../handover/feedback)")
    about: str = Field(description="aanmelding | overdracht | intake | mdo_uitkomst | uitstroom")
    outcome_id: int | None = Field(description="The MDO outcome reported on (about mdo_uitkomst)")
    event_at: datetime | None = Field(description="The moment of the event reported on (null for the handover's own)")
    recipient: str
    method: str
    at: datetime
    by: str | None
    on_behalf_of: str | None = Field(description="The coordinator the recorder stood in for")
    note: str | None = Field(description="Null without the category verwijzingen")


class FamilyDetailOut(Out):
    """GET /families/{id}: the categories the reader may see; the rest is listed in `withheld`."""

    id: int
    version: int
    pseudonym: str
    poli: str
    phase: str
    status: str
    registering_organisation: str
    created_at: datetime
    referred_at: list[datetime]
    target_group: TargetGroupOut
    coordinator: CoordinatorOut | None
    withheld: list[WithheldOut]
    allowed: list[str]
    parents: list[ParentOut] = Absent("With the category naw.")
    children: list[ChildOut] = Absent("With the category naw.")
    support_question: str | None = Absent("With the category naw (may be null).")
    gemeente: str | None = Absent("With the category naw: the code of the family's gemeente (IGP's list of local "
                                  "teams; null: none recorded).")
    wijk: str | None = Absent("With the category naw: the code of the wijk within the gemeente (may be null).")
    medical: MedicalOut = Absent("With the category medische_voorgeschiedenis.")
    pregnancies: list[PregnancyOut] = Absent("With the category medische_voorgeschiedenis.")
    children_without_consent: int = Field(description="Children that no consent given after their birth covers "
                                                       "for this reader: not shown")
    poli_moves: list[PoliMoveOut]
    expected_due_date: date | None = Absent("With the category medische_voorgeschiedenis (may be null).")
    vulnerabilities: list[str] = Absent("With the category ontwikkeling_risicos.")
    screenings: list[ScreeningOut] = Absent("With the category ontwikkeling_risicos.")
    referrals: list[ReferralOut] = Absent("With the category verwijzingen.")
    intakes: list[IntakeViewOut]
    notes: dict[str, list[NoteViewOut]] = Field(description="Per data category the reader may see")
    handover: HandoverOut | None
    outward_handover: HandoverOut | None
    core_team: list[CoreMemberOut]
    consents: list[ConsentOut]
    mdo: list[DiscussionOut]
    feedback: list[FeedbackItemOut] = Field(description="Terugkoppeling to the referrer and the family, oldest first")


class BirthOut(Out):
    """POST /families/{id}/births."""

    family_id: int
    version: int
    phase: str
    poli: str
    status: str
    children: list[int] = Field(description="The new children's positions")
    poli_moved: bool
    target_eligible: bool = Field(description="The target group re-checked at the birth (herbeoordeling, "
                                              "trigger geboorte)")


class PregnancyCreatedOut(Out):
    family_id: int
    version: int
    expected_due_date: date


class IntakeOut(Out):
    id: int
    type: str | None
    location: str | None
    planned_at: datetime | None
    held_at: datetime | None
    outcome: str | None
    family_status: str
    participants: list[int]


class NoteOut(Out):
    id: int
    category: str
    created_at: datetime
    emergency: bool


class ErasedOut(Out):
    erased: str = Field(description="The pseudonym of the erased family")


# ------------------------------------------------------------------ coordination of a family

class ProposalOut(Out):
    id: int
    family_id: int
    user_id: int
    proposed_by_id: int
    reason: str | None
    status: str
    created_at: datetime


class OpenProposalOut(Out):
    id: int
    proposed_user: str
    proposed_by: str
    reason: str | None
    reason_text: str | None = Field(description="Null without the category of process notes")
    created_at: datetime


class OpenProposalListOut(Out):
    items: list[OpenProposalOut]


class CoordinatorSetOut(Out):
    coordinator: CoordinatorOut | None
    reason: str | None


class CriterionChangeOut(Out):
    before: Any = Field(description="A list of codes, or true/false for high_risk")
    after: Any


class TargetAssessmentOut(Out):
    """A herbeoordeling doelgroep. `changes` names only criteria whose category the reader may see."""

    id: int
    trigger: str = Field(description="herbeoordeling, correctie or geboorte")
    reason: str
    assessed_at: datetime
    by: str | None
    on_behalf_of_id: int | None
    eligible_before: bool
    eligible: bool
    status_before: str
    status: str
    reasons: list[str]
    reasons_before: list[str]
    changes: dict[str, CriterionChangeOut]
    handover_effect: str | None = Field(description="gesloten (the inward handover ended), gestart (a new one) "
                                                    "or null")
    handover: HandoverOut | None = Absent("The family's inward handover after the re-assessment (POST only).")


class TargetAssessmentListOut(Out):
    items: list[TargetAssessmentOut]
    withheld: list[WithheldOut]


class IdOut(Out):
    id: int


class OpenActionOut(Out):
    id: int
    owner_id: int
    due_date: date


class ExitOut(Out):
    status: str
    exit_reason: str | None
    outward_handover: HandoverOut | None
    exited_on: date | None
    exit_target: str | None
    open_actions: list[OpenActionOut] = Field(description="The MDO actions still open after the exit (kept with "
                                                          "a reason, or handed over), with their owner.")


class ConsentWithdrawnOut(ConsentOut):
    stranded_actions: list[OpenActionOut] = Field(description="Open MDO actions whose owner could read them before "
                                                              "and cannot now; their owners were told.")


class MdoRequestOut(Out):
    id: int
    mdo_requested_at: datetime | None


class EventBriefOut(Out):
    type: str
    at: datetime
    on_behalf_of_id: int | None


class HandoverStepOut(Out):
    event: EventBriefOut
    handover: HandoverOut


class FeedbackOut(Out):
    id: int
    handover: HandoverOut


# ------------------------------------------------------------------ handovers board, absences, caseload

class BoardRowOut(Out):
    id: int
    family_id: int
    pseudonym: str
    poli: str
    direction: str
    status: str
    deadline: date
    workdays_left: int | None
    signal: str | None
    coordinator: str | None


class BoardOut(Out):
    items: list[BoardRowOut]
    page: int
    total: int
    has_next: bool


class RecalculatedOut(Out):
    id: int
    deadline: date
    term_workdays: int


class AbsenceOut(Out):
    id: int
    user_id: int
    from_: date = Field(alias="from")
    to: date
    substitute_id: int | None
    reason: str | None


class AbsenceWrittenOut(AbsenceOut):
    warnings: list[str] = Field(description="In Dutch: e.g. the substitute's load passes substitute_load_warning")


class AbsenceListOut(Out):
    items: list[AbsenceOut]


class CaseloadRowOut(Out):
    user_id: int
    name: str
    organisation: str
    active_families: int
    open_handovers: int
    open_actions: int
    signals: int
    absent: bool
    substitute_id: int | None


class CaseloadOut(Out):
    items: list[CaseloadRowOut]
    without_contact: int


class ReassignedOut(Out):
    reassigned: list[int] = Field(description="The families that changed coordinator")


class KnelpuntOut(Out):
    id: int
    status: str


# ------------------------------------------------------------------ MDO

class AttendeeOut(Out):
    user_id: int
    status: str


class AgendaItemOut(Out):
    id: int
    family_id: int
    pseudonym: str
    position: int
    reasons: list[str]
    status: str
    minutes_planned: int


class MeetingOut(Out):
    """POST /mdo/meetings: the meeting as planned."""

    id: int
    poli: str
    starts_at: datetime
    duration_minutes: int
    status: str
    chair_id: int | None
    quorum_domains: list[str]
    items: list[AgendaItemOut]
    attendees: list[AttendeeOut]


class ItemOutcomeOut(Out):
    kind: str
    referral_type: str | None
    quorum_met: bool | None
    text: str | None = Field(description="Null without the family's category mdo_notulen")


class AgendaItemDetailOut(AgendaItemOut):
    anonymous: bool
    quorum_met: bool
    visible: bool = Field(description="false: the reader may not see this family (name is null)")
    name: str | None
    question: str | None
    minutes: str | None
    outcomes: list[ItemOutcomeOut]


class MeetingDetailOut(Out):
    """GET /mdo/meetings/{id}: the meeting with its agenda as this reader may see it."""

    id: int
    poli: str
    starts_at: datetime
    duration_minutes: int
    status: str
    chair_id: int | None
    quorum_domains: list[str]
    attendees: list[AttendeeOut]
    items: list[AgendaItemDetailOut]


class AgendaProposalOut(Out):
    family_id: int
    pseudonym: str
    reasons: list[str]
    open_actions: int
    name: str | None
    coordinator: str | None
    question: str | None
    mdo_consent: bool = Field(description="false: goes on the agenda anonymously")
    may_open: bool = Field(description="true: the reader may open the family page")


class AgendaProposalListOut(Out):
    items: list[AgendaProposalOut]


class ItemCreatedOut(Out):
    id: int
    family_id: int
    position: int
    reasons: list[str]
    anonymous: bool


class AttendanceRowOut(AttendeeOut):
    item_ids: list[int] | None = Field(description="Present for these items only; null: all")


class AttendanceOut(Out):
    attendees: list[AttendanceRowOut]
    quorum: bool


class SharedOut(Out):
    status: str
    agenda_shared_at: datetime | None


class WithoutOutcomeOut(Out):
    item_id: int
    pseudonym: str


class FinalisedOut(Out):
    status: str
    finalised_at: datetime | None
    without_outcome: list[WithoutOutcomeOut] = Field(
        description="The items that had no outcome: recorded as niet besproken")


class InvitedOut(Out):
    invited: list[int] = Field(description="The users invited now (kernteam and coordinators not yet listed)")
    attendees: list[AttendeeOut]


class ActionBriefOut(Out):
    id: int
    owner_id: int
    due_date: date
    status: str


class OutcomeCreatedOut(Out):
    id: int
    kind: str
    quorum_met: bool | None
    action: ActionBriefOut = Absent("Only for an outcome of kind actie.")


class MinutesSavedOut(Out):
    revision: int
    created_at: datetime


class ItemStatusOut(Out):
    id: int
    status: str


class ActionRowOut(Out):
    id: int
    family_id: int
    pseudonym: str
    owner_id: int
    due_date: date
    status: str
    meeting_id: int
    text: str | None = Field(description="Null without the family's category mdo_notulen")


class ActionListOut(Out):
    items: list[ActionRowOut]


class ActionOut(Out):
    id: int
    status: str
    done_at: datetime | None


# ------------------------------------------------------------------ the kernteam of a poli, duplicates

class PoliMemberOut(Out):
    id: int
    user_id: int
    name: str
    organisation: str
    added_at: datetime


class PoliTeamOut(Out):
    poli: str
    members: list[PoliMemberOut]


class PoliMemberAddedOut(Out):
    id: int
    user_id: int
    poli: str


class DuplicateCandidateOut(Out):
    id: int
    new_family_id: int | None
    existing_family_id: int | None
    new_pseudonym: str
    existing_pseudonym: str
    match: str
    created_at: datetime


class DuplicateQueueOut(Out):
    items: list[DuplicateCandidateOut]


class DuplicateResolvedOut(Out):
    id: int
    resolution: str | None
    resolved_at: datetime | None


# ------------------------------------------------------------------ reports

class PeriodOut(Out):
    from_: date = Field(alias="from")
    to: date
    poli: str | None


# a count as the reports show it: the number, or its mark when suppressed ("<5", "x")
Count = int | str


class FunnelOut(Out):
    aangemeld: Count
    contact: Count
    intake_gepland: Count
    intake_gehouden: Count


class ThroughputOut(Out):
    """GET /reports/throughput. Modelled to the first level: the sections open_handovers, caseload,
    mdo, onward_referrals, exits, knelpunten and experience are objects of counts whose keys are
    not listed here (igp.reporting.services builds them). Every count is small-cell suppressed as
    on the dashboard: a number, "<5" (1 to threshold-1) or "x" (hidden so that a hidden count
    cannot be worked out by subtraction); a share or statistic that would give one away is "x"."""

    period: PeriodOut
    referrals: Count
    eligible: Count
    not_eligible: Count
    not_eligible_admitted: Count
    by_poli: dict[str, Count]
    by_referrer_type: dict[str, Count]
    intakes_held: Count
    intake_within_term: Count
    intake_within_term_pct: float | str | None
    median_workdays_to_intake: float | str | None
    p90_workdays_to_intake: float | str | None
    funnel: FunnelOut
    missed_term_reasons: dict[str, Count]
    written_referral_sufficed: Count
    completed_with_feedback: Count
    open_handovers: dict[str, Any]
    caseload: dict[str, Any]
    mdo: dict[str, Any]
    onward_referrals: dict[str, Any]
    exits: dict[str, Any]
    knelpunten: dict[str, Any]
    experience: dict[str, Any]
    experience_professionals: dict[str, Any]   # the same shape as experience, answered by professionals
    referrals_by_destination: dict[str, Any]   # by_destination {code: {totaal, mdo, intake, plan}},
    #                                            per_source {mdo, intake, plan}, plan_by_status {status: n}
    informal_support: dict[str, Any]           # started, by_kind
    contacts: dict[str, Any]                   # contacts, families, by_discipline, by_kind
    birth_outcomes: dict[str, Any]             # births, by_gestation, by_weight, by_admission
    eligible_pct: float | str | None
    funnel_pct: dict[str, float | str | None]
    series_unit: str
    series: list[tuple[str, Count]]   # the referrals per week or month (per day would not be suppressed)
    threshold: int


# ------------------------------------------------------------------ terugkoppeling, Mijn aanmeldingen

class MyReferralOut(Out):
    """A family the signed-in user referred. `visible` false: she may no longer see it; then only the
    pseudonym and her aanmelding's date are given (the other keys null, `feedback` empty)."""

    family_id: int
    pseudonym: str
    referred_at: datetime
    visible: bool
    name: str | None = Field(description="With the category naw")
    poli: str | None
    status: str | None
    target_eligible: bool | None
    handover_status: str | None
    coordinator: str | None
    feedback_received: bool = Field(description="Feedback to the referrer was recorded")
    last_feedback_at: datetime | None
    feedback: list[FeedbackItemOut] = Field(description="The feedback to the referrer, oldest first")


class MyReferralsOut(Out):
    items: list[MyReferralOut]
# ------------------------------------------------------------------ gezinsplan (igp.plan)

class PlanGoalOut(Out):
    what: str
    who: str | None
    by_when: date | None
    status: str | None = Field(None, description="loopt, bereikt or niet_bereikt (a goal saved before goals "
                                                  "had a status: loopt)")


class PlanActionOut(Out):
    what: str
    who: str | None
    by_when: date | None
    mdo_action_id: int | None = Field(description="The MDO action this agreement comes from, or null")


class PlanStatusOut(Out):
    status: str = Field(description="aangevraagd, wachtlijst, gestart, afgerond or afgewezen")
    on: date
    reason: str | None


class PlanReferralOut(Out):
    id: str = Field(description="Send it back with the referral in the PUT; leave it out for a new referral")
    to: str
    referral_type: str | None
    status: str = Field(description="aangevraagd, wachtlijst, gestart, afgerond or afgewezen")
    requested_on: date | None
    history: list[PlanStatusOut]


class PlanContentOut(Out):
    hulpvraag: str
    start_date: date
    evaluation_date: date
    goals: list[PlanGoalOut]
    actions: list[PlanActionOut]
    referrals: list[PlanReferralOut]


class PlanMdoActionOut(Out):
    id: int
    text: str | None = Field(description="Null without the category mdo_notulen")
    owner: str
    due_date: date
    status: str


class PlanRevisionOut(Out):
    number: int
    author: str
    on_behalf_of: str | None
    created_at: datetime


class PlanOut(Out):
    """The family's gezinsplan (category zorgplan): `plan` null when there is none yet or it is
    withheld (then `withheld` names the reason). `version`: the current revision (0: no plan)."""

    family_id: int
    version: int
    plan: PlanContentOut | None
    evaluation_overdue: bool
    may_write: bool
    withheld: list[WithheldOut]
    mdo_actions: list[PlanMdoActionOut]
    revisions: list[PlanRevisionOut]


# ------------------------------------------------------------------ informal support (igp.support)

class SupportOrganisationOut(Out):
    id: int
    name: str


class SupportNoteOut(Out):
    text: str
    author: str
    created_at: datetime


class InformalSupportOut(Out):
    """One support record. `notes` only for the coordinator (and acting substitute) and the
    volunteers of the support's organisation."""

    id: int
    organisation: SupportOrganisationOut
    kind: str = Field(description="luisterend_oor, post_financien, meegaan_loket, praktische_hulp or anders")
    status: str = Field(description="afgesproken, gestart, afgerond or gestopt")
    starts_on: date
    ends_on: date | None
    recorded_at: datetime
    may_note: bool
    notes: list[SupportNoteOut] = Absent("Left out where the reader may not see the notes.")


class InformalSupportListOut(Out):
    items: list[InformalSupportOut]
    withheld: list[WithheldOut]


class InformalSupportCreatedOut(Out):
    id: int
    kind: str
    status: str
    starts_on: date
    ends_on: date | None
    organisation: SupportOrganisationOut


class SupportNoteCreatedOut(Out):
    id: int
    created_at: datetime


# ------------------------------------------------------------------ contact moments (igp.contacts)

class ContactMomentOut(Out):
    """One contact moment: the date, the discipline and the form; no content (that is in the dossier)."""

    id: int
    contact_on: date
    discipline: str = Field(description="jgz, verloskunde, gynaecologie, kindergeneeskunde, mmw or sociaal_domein")
    kind: str = Field(description="consult, huisbezoek, telefonisch, beeldbellen, groep or anders")
    recorded_by: str = Field(description="The name of the professional who recorded it")
    organisation: str = Field(description="The recorder's organisation")
    on_behalf_of: str | None = Field(description="The coordinator a substitute recorded it for")
    recorded_at: datetime


class ContactMomentListOut(Out):
    """Newest first; with the category naw withheld: no items, zero counts and the reason."""

    items: list[ContactMomentOut]
    total: int
    by_discipline: dict[str, int] = Field(description="Every discipline code with its count (0 where none)")
    may_record: bool
    withheld: list[WithheldOut]


class ContactMomentCreatedOut(Out):
    id: int
    contact_on: date
    discipline: str
    kind: str
    on_behalf_of_id: int | None


class GemeenteFiguresOut(Out):
    """One gemeente's column: a count is a number, "<5" or "x" (secondary suppression)."""

    code: str = Field(description="The gemeente's code, onbekend (no gemeente recorded) or totaal")
    name: str
    referrals: Count
    exits: Count
    active: Count


class GemeenteReportOut(Out):
    """GET /reports/gemeenten: one column per gemeente of the IGP's list, onbekend and totaal."""

    period: PeriodOut
    gemeenten: list[GemeenteFiguresOut]
