"""The operations of API v1 in one table: the OpenAPI document (igp.api.openapi) is generated from
it, and tests/web/test_openapi_contract.py holds it against the Flask routes, the input models
and the real answers.

Each row names the method and path (as OpenAPI writes it, below /api/v1), a summary, a tag, the
input model the route's service parses (igp.validation.parse; none: no body), the response model
(igp.api.responses; None: not modelled, the note says why), and the status codes. Where the document cannot say everything, the
row says so: `parsed=False` (the model describes the body, but the service still validates it by
hand), `body` (a hand-written schema: no input model exists), `conditional` (fields required only
in some cases, which JSON Schema here does not express), `route_requires` (fields the route
requires although the model's `required` does not list them) and `note`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pydantic import BaseModel

from igp.admin.schemas import DuplicateResolveIn, PoliTeamIn
from igp.api import responses as r
from igp.contacts.schemas import ContactMomentIn
from igp.coordination.schemas import (
    AbsenceChangeIn,
    AbsenceIn,
    CoordinatorIn,
    CoreTeamIn,
    ExitIn,
    KnelpuntIn,
    ReassignIn,
)
from igp.families import rules as family_rules
from igp.families.schemas import (
    AanmeldingIn,
    BirthIn,
    FamilyUpdateIn,
    IntakeIn,
    NoteIn,
    PregnancyIn,
    SearchIn,
    TargetAssessmentIn,
)
from igp.handover import rules as handover_rules
from igp.handover.schemas import EventIn, FamilyFeedbackIn, FeedbackIn, RecalculateIn
from igp.mdo import rules as mdo_rules
from igp.mdo.schemas import (
    ActionStatusIn,
    AttendanceIn,
    DiscussionRequestIn,
    FinaliseIn,
    ItemIn,
    MeetingIn,
    MinutesIn,
    OutcomeIn,
)
from igp.plan.schemas import PlanIn
from igp.sharing.schemas import ConsentIn, PresetIn, ReasonIn
from igp.support.schemas import InformalSupportIn, SupportNoteIn, SupportUpdateIn

ERRORS = (401, 403, 404, 409, 422)   # what any signed-in operation may answer, besides 405, 413, 414, 429
READ_ERRORS = (401, 403, 404)


@dataclass(frozen=True)
class Query:
    name: str
    schema: Mapping = field(default_factory=lambda: {"type": "string"})
    description: str = ""


@dataclass(frozen=True)
class Operation:
    method: str                        # get, post, put, patch, delete
    path: str                          # below /api/v1, OpenAPI style: /families/{family_id}
    summary: str
    tag: str
    request: tuple[type[BaseModel], ...] = ()   # the input model(s); two: either body (anyOf)
    response: type[BaseModel] | None = None     # the body of `status`; None: not modelled (see note)
    status: int = 200
    errors: tuple[int, ...] = ERRORS
    also: Mapping[int, type[BaseModel] | None] = field(default_factory=dict)   # other answers, own body
    query: tuple[Query, ...] = ()
    public: bool = False
    parsed: bool = True                # the service parses `request` with igp.validation.parse
    body: Mapping | None = None        # a hand-written body schema (no input model exists)
    conditional: Mapping[str, str] = field(default_factory=dict)   # field -> when it is required
    # fields the route always requires that the model does not list in `required` (a model problem;
    # the description says so): field -> why
    route_requires: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    @property
    def has_body(self) -> bool:
        return bool(self.request) or self.body is not None


def _enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


INT = {"type": "integer"}
PAGE = Query("page", {"type": "integer", "minimum": 1}, "A whole number from 1; anything else is 422 naming page")
TOKEN_BODY = MappingProxyType({
    "type": "object", "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"},
                   "otp": {"type": "string", "description": "The 6 digits of the authenticator app"}}})

OPERATIONS: tuple[Operation, ...] = (
    # ---------------------------------------------------------------- auth and meta
    Operation("post", "/auth/token", "Issue a bearer token", "auth", response=r.TokenOut, public=True,
              errors=(401, 422, 429), body=TOKEN_BODY,
              note="No input model: the route checks username, password and otp itself (igp/api/auth.py)."),
    Operation("delete", "/auth/token", "Revoke the token of this request", "auth", status=204, errors=(401,)),
    Operation("get", "/me", "The signed-in user", "auth", response=r.MeOut, errors=(401,)),
    Operation("get", "/openapi.json", "This document", "meta", public=True, errors=(),
              note="The OpenAPI document itself; not described by a model."),
    # ---------------------------------------------------------------- families
    Operation("post", "/families", "Register an aanmelding", "families", (AanmeldingIn,), r.FamilyCreatedOut, 201,
              also={200: r.FamilyCreatedOut, 409: r.DuplicateErrorOut},
              conditional={"expected_due_date": "phase prenatal", "children": "phase postnatal"},
              route_requires={"poli": "Kies een poli", "phase": "rules.aanmelding_problems",
                              "referrer": "referrer.type, rules.aanmelding_problems",
                              "parents": "at least one parent, rules.parent_problems"},
              note="200: linked to an existing family (link_to_family_id). 409: possible duplicates the user may "
                   "see; send again with link_to_family_id or confirm_new."),
    Operation("get", "/families", "Families the user is involved with", "families", response=r.FamilyListOut,
              errors=(401, 403, 422), query=(Query("poli"), Query("status", _enum(family_rules.STATUSES)),
                                             Query("phase", _enum(family_rules.PHASES)), PAGE)),
    Operation("get", "/families/search", "Search by pseudonym (BSN, name or birth date in the URL: 400, use the POST)",
              "families", response=r.FamilySearchOut, errors=(400, 401, 403, 422), query=(Query("pseudonym"),)),
    Operation("post", "/families/search", "Exact search by BSN, name + birth date, or pseudonym, in the body",
              "families", (SearchIn,), r.FamilySearchOut, errors=(401, 403, 422),
              conditional={"name": "with birth_date", "birth_date": "with name"}),
    Operation("get", "/families/{family_id}", "A family: allowed categories only, plus what is withheld and why",
              "families", response=r.FamilyDetailOut, errors=READ_ERRORS),
    Operation("patch", "/families/{family_id}", "Correct the record (optimistic locking with version)", "families",
              (FamilyUpdateIn,), r.FamilyUpdatedOut),
    Operation("delete", "/families/{family_id}", "Erase on request (privacy officer)", "families", (ReasonIn,),
              r.ErasedOut, route_requires={"reason": "at least 10 characters"}),
    Operation("post", "/families/{family_id}/births",
              "Record the birth: index children, phase postnatal, optionally the poli after the birth; the "
              "target group is re-checked and consent for the child is asked", "families", (BirthIn,), r.BirthOut,
              201),
    Operation("post", "/families/{family_id}/pregnancies", "A next pregnancy with its own due date", "families",
              (PregnancyIn,), r.PregnancyCreatedOut, 201),
    Operation("post", "/families/{family_id}/intake", "Plan or record the intake", "families", (IntakeIn,),
              r.IntakeOut, 201, conditional={"exit_target": "outcome doorverwezen (an exit with a warm handover)",
                                             "exit_target_name": "exit_target anders"}),
    Operation("post", "/families/{family_id}/target-group/assessments",
              "Herbeoordeling doelgroep: re-check the target group (guide §2) with a reason, optionally corrected "
              "criteria; the status and the inward handover follow", "families", (TargetAssessmentIn,),
              r.TargetAssessmentOut, 201,
              note="Coordinator, acting substitute or a care role of the registering organisation (others 403). "
                   "Needs consent category ontwikkeling_risicos, and medische_voorgeschiedenis to change "
                   "medical_reasons or high_risk. Codes are checked against the IGP's active code lists (422 "
                   "naming the field)."),
    Operation("get", "/families/{family_id}/target-group/assessments", "The history of the target-group "
              "re-assessments (category ontwikkeling_risicos; else empty with withheld)", "families",
              response=r.TargetAssessmentListOut, errors=READ_ERRORS),
    Operation("get", "/families/{family_id}/plan", "The gezinsplan with its revision number (category zorgplan; "
              "else plan null with withheld)", "families", response=r.PlanOut, errors=READ_ERRORS),
    Operation("put", "/families/{family_id}/plan",
              "Replace the gezinsplan (kept as a new revision); version: the revision seen (0: none yet)",
              "families", (PlanIn,), r.PlanOut,
              note="The coordinator, the acting substitute and the core team's care professionals, with category "
                   "zorgplan (others 403). A stale version is 409. An evaluation date before the start, an unknown "
                   "referral id, a referral status going back without a reason or an MDO action of another family "
                   "is 422 naming the field (e.g. referrals[0].reason); nothing is stored."),
    Operation("post", "/families/{family_id}/notes",
              "A note in one data category; emergency: a noodnotitie under an open break-the-glass", "families",
              (NoteIn,), r.NoteOut, 201),
    # ---------------------------------------------------------------- consent and transparency
    Operation("post", "/families/{family_id}/consents", "Record the parents' consent (registering organisation)",
              "consent", (ConsentIn, PresetIn), r.ConsentCreatedOut, 201,
              conditional={"recipient": "without preset", "categories": "without preset"},
              route_requires={"method": "how the consent was given"},
              note="With `preset` the body is a PresetIn (one consent per recipient), else a ConsentIn."),
    Operation("get", "/families/{family_id}/consents", "The family's consent records", "consent",
              response=r.ConsentListOut, errors=READ_ERRORS),
    Operation("post", "/consents/{consent_id}/withdraw", "Withdraw a consent", "consent", (ReasonIn,), r.ConsentWithdrawnOut, route_requires={"reason": "why, or at whose request"}),
    Operation("post", "/families/{family_id}/break-glass", "Emergency access for 24 hours", "consent", (ReasonIn,),
              r.BreakGlassOut, 201, route_requires={"reason": "at least 20 characters"}),
    Operation("get", "/families/{family_id}/access-log", "Wie zag wat (coordinator, privacy officer)", "consent",
              response=r.AccessLogOut, errors=READ_ERRORS),
    Operation("get", "/families/{family_id}/fhir",
              "The family as a FHIR R4 Bundle for one recipient organisation (only what its consent allows)", "fhir",
              response=r.FhirBundleOut, errors=(401, 403, 404, 422),
              query=(Query("recipient", {"type": "integer", "minimum": 1},
                           "The id of the receiving organisation (required; 422 naming recipient otherwise)"),),
              note="Coordinator, acting substitute and core team only (403 for other involved readers). The body is "
                   "FHIR JSON (nl-core profiles), sent as application/json."),
    # ---------------------------------------------------------------- coordination of a family
    Operation("put", "/families/{family_id}/coordinator", "Assign the coordinator", "coordination", (CoordinatorIn,),
              r.CoordinatorSetOut),
    Operation("post", "/families/{family_id}/coordinator/proposals",
              "Propose another coordinator (kernteam members who may not change it)", "coordination",
              (CoordinatorIn,), r.ProposalOut, 201),
    Operation("get", "/families/{family_id}/coordinator/proposals", "Open proposals", "coordination",
              response=r.OpenProposalListOut, errors=READ_ERRORS),
    Operation("post", "/coordinator-proposals/{proposal_id}/{decision}",
              "Accept or decline a proposal (planner, coordinator or substitute, registering organisation)",
              "coordination", response=r.ProposalOut),
    Operation("post", "/families/{family_id}/core-team", "Add a professional to the core team", "coordination",
              (CoreTeamIn,), r.IdOut, 201),
    Operation("post", "/families/{family_id}/exit", "Exit with an outward handover", "coordination", (ExitIn,),
              r.ExitOut, conditional={"target": "an exit that is a warm handover (e.g. doelen_bereikt)",
                                      "target_name": "target anders",
                                      "confirm_open_actions": "with open MDO actions (old clients)",
                                      "actions": "with open MDO actions: a decision per action"}),
    Operation("post", "/families/{family_id}/mdo-request", "Flag for discussion in the MDO", "mdo",
              (DiscussionRequestIn,), r.MdoRequestOut),
    # ---------------------------------------------------------------- warm handover
    Operation("post", "/families/{family_id}/handover/events", "A step of the warm handover", "handover", (EventIn,),
              r.HandoverStepOut, 201,
              conditional={"contact_mode": "a contact attempt", "reason": "a missed term or a side exit",
                           "at": "a held intake"},
              route_requires={"type": "the step (handover.services.parse_event)"}),
    Operation("post", "/families/{family_id}/handover/feedback", "Feedback to referrer or family", "handover",
              (FeedbackIn,), r.FeedbackOut, 201,
              route_requires={"recipient": "handover.services.record_feedback",
                              "method": "handover.services.record_feedback"}),
    Operation("post", "/families/{family_id}/feedback", "Terugkoppeling to referrer or family after the aanmelding, "
              "the handover, the intake, an MDO outcome or the exit; 422 naming `at` when dated before that event",
              "handover", (FamilyFeedbackIn,), r.FeedbackItemOut, 201,
              conditional={"outcome_id": "about mdo_uitkomst", "note": "method nvt"}),
    Operation("get", "/me/referrals", "Mijn aanmeldingen: the families the signed-in user referred, with their "
              "status and the feedback to the referrer", "handover", response=r.MyReferralsOut, errors=READ_ERRORS),
    Operation("get", "/handovers", "Handovers with their signal, most urgent first, 300 per page; "
              "`total` and `has_next` in the answer", "handover", response=r.BoardOut, errors=(401, 403, 422),
              query=(Query("signal", _enum(handover_rules.SIGNALS)), Query("poli"), Query("coordinator", INT),
                     Query("mine"), Query("status", _enum(handover_rules.STATUSES)), PAGE)),
    Operation("post", "/handovers/{handover_id}/recalculate", "Recalculate a deadline (explicit, logged)", "handover",
              (RecalculateIn,), r.RecalculatedOut,
              route_requires={"reason": "at least 10 characters"}),
    # ---------------------------------------------------------------- absences, caseload, knelpunten
    Operation("post", "/absences", "Record an absence and its substitute; `warnings` names a substitute whose "
              "active families would pass the setting substitute_load_warning (a warning, not a refusal)",
              "coordination", (AbsenceIn,), r.AbsenceWrittenOut, 201),
    Operation("patch", "/absences/{absence_id}", "Change the period, reason or substitute of an absence (the absent "
              "user or a planner of her organisation): what is sent replaces, what is left out stays; the old "
              "substitute loses the families at once; `warnings` as when recording", "coordination",
              (AbsenceChangeIn,), r.AbsenceWrittenOut),
    Operation("get", "/absences", "Current and future absences", "coordination", response=r.AbsenceListOut,
              errors=(401, 403)),
    Operation("delete", "/absences/{absence_id}", "Cancel", "coordination", status=204),
    Operation("get", "/caseload", "Caseload per coordinator (counts)", "coordination", response=r.CaseloadOut,
              errors=(401, 403)),
    Operation("post", "/caseload/reassign", "Bulk reassignment, all or nothing", "coordination", (ReassignIn,),
              r.ReassignedOut),
    Operation("post", "/knelpunten", "Raise a knelpunt", "coordination", (KnelpuntIn,), r.KnelpuntOut, 201),
    # ---------------------------------------------------------------- MDO
    Operation("post", "/mdo/meetings", "Plan an MDO", "mdo", (MeetingIn,), r.MeetingOut, 201),
    Operation("get", "/mdo/meetings/{meeting_id}", "Meeting with agenda", "mdo", response=r.MeetingDetailOut,
              errors=READ_ERRORS),
    Operation("post", "/mdo/meetings/{meeting_id}/agenda/propose", "The proposed agenda with reasons", "mdo",
              response=r.AgendaProposalListOut),
    Operation("post", "/mdo/meetings/{meeting_id}/items",
              "Add an agenda item (a family the actor may already see; without MDO consent only anonymously)",
              "mdo", (ItemIn,), r.ItemCreatedOut, 201,
              conditional={"anonymous": "a family without consent for the MDO", "family_id": "without pseudonym",
                           "pseudonym": "without family_id"}),
    Operation("post", "/mdo/meetings/{meeting_id}/attendance", "Attendance", "mdo", (AttendanceIn,), r.AttendanceOut),
    Operation("post", "/mdo/meetings/{meeting_id}/attendees/invite", "Invite the kernteam of the series and poli "
              "and the coordinators of the agenda's families ('uitgenodigd'; those listed are skipped)", "mdo",
              response=r.InvitedOut),
    Operation("post", "/mdo/meetings/{meeting_id}/share", "Share the agenda", "mdo", response=r.SharedOut),
    Operation("post", "/mdo/meetings/{meeting_id}/finalise", "Finalise the minutes: only after the start and "
              "with confirm true; items without outcome become niet besproken", "mdo", (FinaliseIn,),
              r.FinalisedOut, errors=(401, 403, 404, 409, 422)),
    Operation("post", "/mdo/items/{item_id}/minutes", "Save minutes (a new revision)", "mdo", (MinutesIn,),
              r.MinutesSavedOut, 201),
    Operation("post", "/mdo/items/{item_id}/outcomes", "Record an outcome", "mdo", (OutcomeIn,), r.OutcomeCreatedOut,
              201, conditional={"referral_type": "kind doorverwijzing", "owner_id": "kind actie",
                                "due_date": "kind actie (or due_workdays)"}),
    Operation("post", "/mdo/items/{item_id}/not-discussed", "Mark not discussed", "mdo", response=r.ItemStatusOut),
    Operation("get", "/actions", "MDO actions; owner=me: the user's own, and during an absence the open actions of "
              "the colleague she stands in for (owner_id tells whose)", "mdo", response=r.ActionListOut, errors=(401, 403, 422),
              query=(Query("owner", description="me (default) or all"),
                     Query("status", _enum(mdo_rules.ACTION_STATUSES)))),
    Operation("post", "/actions/{action_id}", "Update an action: the owner, the coordinator, the chair, or the "
              "substitute of the absent owner or coordinator (logged on her behalf)", "mdo", (ActionStatusIn,),
              r.ActionOut),
    # ---------------------------------------------------------------- beheer: the kernteam of a poli, duplicates
    Operation("get", "/polis/{code}/team", "The kernteam of a poli (whose MDO attendance counts as involvement)",
              "beheer", response=r.PoliTeamOut, errors=READ_ERRORS),
    Operation("post", "/polis/{code}/team", "Add a member (planner, beheerder)", "beheer", (PoliTeamIn,),
              r.PoliMemberAddedOut, 201),
    Operation("delete", "/polis/{code}/team/{member_id}", "Remove a member (planner, beheerder)", "beheer",
              status=204),
    Operation("get", "/duplicates", "Possible duplicates the registering user could not see (planner, privacy "
              "officer)", "beheer", response=r.DuplicateQueueOut, errors=(401, 403)),
    Operation("post", "/duplicates/{candidate_id}/resolve", "Merge or mark as distinct", "beheer",
              (DuplicateResolveIn,), r.DuplicateResolvedOut),
    # ---------------------------------------------------------------- informal support
    Operation("get", "/families/{family_id}/informal-support", "Informal support of the family (category naw; a "
              "volunteer sees her own organisation's records only)", "families", response=r.InformalSupportListOut,
              errors=READ_ERRORS),
    Operation("post", "/families/{family_id}/informal-support", "Record informal support agreed or started",
              "families", (InformalSupportIn,), r.InformalSupportCreatedOut, 201,
              note="The coordinator or acting substitute, for any organisation of the informal domain; a volunteer "
                   "(informele_steun) for her own organisation only (others 403). ends_on before starts_on: 422 "
                   "naming ends_on. status defaults to gestart (start today or earlier) or afgesproken."),
    Operation("post", "/families/{family_id}/informal-support/{support_id}", "Move informal support on (stand, end)",
              "families", (SupportUpdateIn,), r.InformalSupportCreatedOut,
              conditional={"ends_on": "status afgerond or gestopt (unless the record has an end already)"},
              note="Who may record it (coordinator, acting substitute, a volunteer of that organisation); afgerond "
                   "and gestopt need ends_on (422 naming ends_on, also for an end before the start)."),
    Operation("post", "/families/{family_id}/informal-support/{support_id}/notes",
              "A volunteer's short note (at most 500 characters) on her organisation's support", "families",
              (SupportNoteIn,), r.SupportNoteCreatedOut, 201,
              note="Only a volunteer of the support's organisation; a record of another organisation is 404."),
    # ---------------------------------------------------------------- contact moments
    Operation("get", "/families/{family_id}/contacts", "Contact moments of the family, newest first, with the "
              "count per discipline (category naw)", "families", response=r.ContactMomentListOut, errors=READ_ERRORS),
    Operation("post", "/families/{family_id}/contacts", "Record a contact moment (date, kind; the discipline "
              "follows from the recorder's role)", "families", (ContactMomentIn,), r.ContactMomentCreatedOut, 201,
              note="A care role with a discipline and a care relationship with the family (registering organisation, "
                   "coordinator, core team, acting substitute: then on_behalf_of_id is the coordinator) who may "
                   "write its NAW; others 403. contact_on defaults to today; in the future or before the first "
                   "aanmelding: 422 naming contact_on. A discipline not of the recorder's roles: 422 naming "
                   "discipline."),
    # ---------------------------------------------------------------- reports
    Operation("get", "/reports/throughput", "Aggregated throughput (projectleider, beheerder)", "reports",
              response=r.ThroughputOut, errors=(401, 403, 422),
              query=(Query("from", {"type": "string", "format": "date"}),
                     Query("to", {"type": "string", "format": "date"}), Query("poli")),
              note="Small cells are suppressed as on the dashboard: a count is a number, \"<5\" or \"x\" "
                   "(secondary suppression). The sections of counts (caseload, mdo, exits, ...) are objects "
                   "whose keys are not modelled."),
    Operation("get", "/reports/gemeenten", "Figures per gemeente: aanmeldingen, exits, active families (projectleider, "
              "beheerder)", "reports", response=r.GemeenteReportOut, errors=(401, 403, 422),
              query=(Query("from", {"type": "string", "format": "date"}),
                     Query("to", {"type": "string", "format": "date"}), Query("poli"),
                     Query("gemeente", description="A gemeente code of the IGP's list of local teams (beheer)")),
              note="Suppressed as on the dashboard, per measure over the gemeenten (a count is a number, \"<5\" or "
                   "\"x\"). Families without a gemeente count under onbekend."),
)

PATH_PARAMETERS: Mapping[str, Mapping] = MappingProxyType({
    "code": {"type": "string"},
    "decision": _enum(["accept", "decline"]),
})   # any other path parameter is an id (integer)

TAGS = {
    "auth": "Bearer tokens and the signed-in user",
    "meta": "This document",
    "families": "Aanmelding, the family record, intake and notes",
    "consent": "Consent, break-the-glass and who saw what",
    "coordination": "Coordinator, core team, exit, absences, caseload and knelpunten",
    "handover": "The warm handover and its term in working days",
    "mdo": "Multidisciplinary meetings, minutes, outcomes and actions",
    "beheer": "The kernteam of a poli and possible duplicates (planner, beheerder, privacy officer)",
    "reports": "Aggregated figures",
    "fhir": "FHIR R4 exchange with the nl-core profiles (the /fhir endpoint itself: GET /fhir/metadata)",
}


def request_models() -> list[type[BaseModel]]:
    """Every input model the document describes (each once, in table order)."""
    return list(dict.fromkeys(model for op in OPERATIONS for model in op.request))


def response_models() -> list[type[BaseModel]]:
    models = [r.ErrorOut]
    for op in OPERATIONS:
        models += [op.response, *op.also.values()]
    return list(dict.fromkeys(m for m in models if m is not None))
