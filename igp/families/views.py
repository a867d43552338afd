"""Family pages: list and search, aanmelding, the family record and its actions."""
from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from consent import CATEGORY_LABELS, CONSENT_METHOD_LABELS, PURPOSE_LABELS, REASON_LABELS
from igp import clock
from igp.admin import services as admin_services
from igp.admin.services import list_polis
from igp.audit.services import ACTION_LABELS
from igp.auth import access
from igp.auth import services as auth_services
from igp.contacts import rules as contact_rules
from igp.contacts import services as contact_services
from igp.coordination import services as coordination
from igp.errors import Conflict, Forbidden, ServiceError, UsePost, ValidationError
from igp.extensions import db
from igp.families import assessment, codes, course, duplicates, page_forms, rules, services
from igp.families.forms import AanmeldingForm, IntakeForm, NoteForm, SearchForm, TargetAssessmentForm, TextForm
from igp.families.overview import family_page
from igp.forms_util import flash_refusal, options, refusal_errors
from igp.handover import feedback as family_feedback
from igp.handover import rules as handover_rules
from igp.handover import services as handover
from igp.mdo import rules as mdo_rules
from igp.mdo.services import request_discussion
from igp.sharing import services as sharing
from igp.support import rules as support_rules
from igp.support import services as support_services
from igp.validation import form_data

bp = Blueprint("families", __name__, url_prefix="/gezinnen")

FAMILY_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
                "sociaal_werker", "planner", "informele_steun", "mdo_voorzitter")
WRITE_ROLES = tuple(services.REGISTERING_ROLES)

LABELS = {
    "phases": rules.PHASES, "statuses": rules.STATUSES, "referrer_types": rules.REFERRER_TYPES,
    "admissions": rules.ADMISSIONS,
    # the IGP's own code lists, read when shown (retired codes keep their label)
    "vulnerabilities": codes.LabelsOf("vulnerabilities"), "medical_reasons": codes.LabelsOf("medical_reasons"),
    "protective_factors": codes.LabelsOf("protective_factors"), "assessment_triggers": rules.ASSESSMENT_TRIGGERS,
    "handover_effects": assessment.HANDOVER_EFFECTS,
    "instruments": rules.SCREENING_INSTRUMENTS, "non_primary": rules.NON_PRIMARY,
    "intake_types": rules.INTAKE_TYPES, "intake_locations": rules.INTAKE_LOCATIONS,
    "intake_outcomes": rules.INTAKE_OUTCOMES, "categories": CATEGORY_LABELS, "reasons": REASON_LABELS,
    "purposes": PURPOSE_LABELS, "methods": CONSENT_METHOD_LABELS, "handover_statuses": handover_rules.STATUSES,
    "handover_events": handover_rules.EVENT_TYPES, "contact_modes": handover_rules.CONTACT_MODES,
    "missed_reasons": handover_rules.MISSED_REASONS, "feedback_methods": handover_rules.FEEDBACK_METHODS,
    "feedback_recipients": handover_rules.FEEDBACK_RECIPIENTS, "signals": handover_rules.SIGNALS,
    "outward_targets": handover_rules.OUTWARD_TARGETS, "assign_reasons": coordination.ASSIGN_REASONS,
    "exit_reasons": coordination.EXIT_REASONS, "outcome_kinds": mdo_rules.OUTCOME_KINDS,
    "action_decisions": coordination.ACTION_DECISIONS,
    "inward_events": {code: handover_rules.EVENT_TYPES[code] for code in handover_rules.INWARD_EVENTS},
    "outward_events": {code: handover_rules.EVENT_TYPES[code] for code in handover_rules.OUTWARD_EVENTS},
    "referral_types": mdo_rules.REFERRAL_TYPES, "item_statuses": mdo_rules.ITEM_STATUSES,
    "action_statuses": mdo_rules.ACTION_STATUSES, "knelpunt_kinds": coordination.KNELPUNT_KINDS,
    "parent_relationships": rules.PARENT_RELATIONSHIPS, "gezag": rules.GEZAG,
    "pregnancy_outcomes": rules.PREGNANCY_OUTCOMES, "poli_move_reasons": rules.POLI_MOVE_REASONS,
    "feedback_about": handover_rules.FEEDBACK_ABOUT,
}


def _apply_errors(form, exc: ValidationError, mapper=None) -> None:
    for path, message in exc.errors.items():
        field = mapper(path) if mapper else getattr(form, path, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + [message]
        else:
            flash(message, "error")


# ------------------------------------------------------------------ list and search

IDENTIFYING_ARGS = ("bsn", "naam", "geboortedatum")
LIST_SORT_LABELS = {"aangemeld": "Nieuwste aanmelding eerst", "pseudoniem": "Pseudoniem", "status": "Status",
                    "poli": "Poli"}
SEARCH_KINDS = {"pseudonym": "pseudoniem", "bsn": "BSN", "naam_geboortedatum": "naam en geboortedatum",
                "zoekterm": "naam, pseudoniem of BSN"}


@bp.route("/")
@access.roles(*FAMILY_ROLES)
def index():
    if any(request.args.get(k) for k in IDENTIFYING_ARGS):
        raise UsePost("Zoek op BSN, naam of geboortedatum met het zoekformulier op deze pagina; zulke gegevens "
                      "horen niet in een adres.")
    search = SearchForm(formdata=None)
    poli, status, phase = request.args.get("poli") or None, request.args.get("status") or None, \
        request.args.get("fase") or None
    filters = {"coordinator": request.args.get("coordinator") or None, "signal": request.args.get("signaal") or None,
               "sort": request.args.get("sorteer") or None}
    page = max(1, request.args.get("pagina", 1, type=int) or 1)
    results, where, searched, kind = [], None, False, None
    try:
        stored = session.get("family_search") or {}
        if request.args.get("zoekopdracht") and stored.get("token") == request.args.get("zoekopdracht"):
            searched, kind = True, stored.get("kind")
            results = services.show_search_results(current_user, stored.get("ids") or [])
        elif request.args.get("pseudoniem"):
            searched, kind = True, "pseudonym"
            search.pseudoniem.data = request.args.get("pseudoniem")
            results = services.search_families(current_user, pseudonym=request.args.get("pseudoniem"))
        else:
            results, where = services.list_families(current_user, poli=poli, status=status, phase=phase, page=page,
                                                       **filters)
    except ValidationError as exc:
        for message in exc.errors.values():
            flash(message, "error")
    return render_template("families/index.html", families=results, where=where, page=page, search=search,
                           searched=searched, search_kind=SEARCH_KINDS.get(kind), polis=list_polis(), labels=LABELS,
                           args=request.args, coordinator_choices=services.LIST_COORDINATOR, show_coordinator=not searched,
                           sorts=LIST_SORT_LABELS)


@bp.route("/zoeken", methods=["POST"])
@access.roles(*FAMILY_ROLES)
def search():
    """Post, then redirect (so back and refresh work): the result is kept in the session as family
    ids under a random token; the identifying values are in no URL and in no cookie."""
    form = SearchForm()
    status = 422
    if form.validate():
        try:
            if form.q.data or (form.naam.data and not form.geboortedatum.data):
                results = services.forgiving_search(current_user, form.q.data or form.naam.data)
            else:
                results = services.search_families(current_user, pseudonym=form.pseudoniem.data or None,
                                                   bsn=form.bsn.data or None, name=form.naam.data or None,
                                                   birth_date=form.geboortedatum.data)
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc, mapper=lambda p: form.q if form.q.data else {
                "bsn": form.bsn, "name": form.naam, "birth_date": form.geboortedatum, "q": form.q}.get(p))
        else:
            kind = ("zoekterm" if form.q.data or (form.naam.data and not form.geboortedatum.data) else
                    "pseudonym" if form.pseudoniem.data else "bsn" if form.bsn.data else "naam_geboortedatum")
            token = secrets.token_urlsafe(8)
            session["family_search"] = {"token": token, "ids": [r.id for r in results], "kind": kind}
            return redirect(url_for("families.index", zoekopdracht=token))
    return render_template("families/index.html", families=[], has_next=False, page=1, search=form, searched=False,
                           search_kind=None, polis=list_polis(), labels=LABELS, args={},
                           coordinator_choices=services.LIST_COORDINATOR, show_coordinator=True,
                           sorts=LIST_SORT_LABELS), status


# ------------------------------------------------------------------ aanmelding

def _aanmelding_form() -> AanmeldingForm:
    form = AanmeldingForm()
    form.poli.choices = options([("", "Kies...")] + [(p.code, p.name) for p in list_polis()])
    for kind in rules.CODE_LISTS:   # this IGP's active codes
        getattr(form, kind).choices = options(list(codes.active(kind).items()))
    areas = admin_services.area_choices()   # the local teams of this IGP (beheer)
    form.gemeente.choices = options([("", "Onbekend")] + [(a["code"], a["name"]) for a in areas])
    form.wijk.choices = options([("", "Onbekend")] + [(code, f"{name} ({a['name']})") for a in areas
                                                      for code, name in a["wijken"].items()])
    if request.method == "GET":
        form.referred_at.data = clock.local(clock.now()).replace(second=0, microsecond=0, tzinfo=None)
    return form


@bp.route("/aanmelden", methods=["GET", "POST"])
@access.roles(*WRITE_ROLES)
def new():
    form = _aanmelding_form()
    duplicates, target_group, status = None, None, 200
    if request.method == "POST" and form.validate_on_submit():
        data = form.to_data()
        if form.consent_preset.data:
            data["consent"] = {"preset": form.consent_preset.data, "method": form.consent_method.data,
                               "form_version": form.consent_form_version.data}
        try:
            result = services.aanmelden(current_user, data)
        except services.DuplicateFound as exc:
            db.session.rollback()
            duplicates, status = exc.duplicates, 409
            flash(exc.message, "warning")
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc, mapper=form.field_for)
            status = 422
        else:
            family = result.family
            if result.linked:
                flash(f"De aanmelding is gekoppeld aan het bestaande gezin {family.pseudonym}.", "success")
            else:
                flash(f"Gezin {family.pseudonym} is aangemeld.", "success")
            if not result.target_group.eligible and not family.target_override:
                flash("Let op: dit gezin valt buiten de doelgroep; er is geen warme overdracht gestart.", "warning")
            if services.gateway.is_visible(current_user, family.id):
                return redirect(url_for("families.detail", family_id=family.id))
            return redirect(url_for("families.index"))
    elif request.method == "POST":
        status = 400
    return render_template("families/new.html", form=form, duplicates=duplicates, target_group=target_group,
                           labels=LABELS), status


# ------------------------------------------------------------------ the family record

def _intake_form(page) -> IntakeForm:
    """The intake form; on a fresh page prefilled from the planned intake (type, location, planned
    date and time, participants), so recording it as held needs only the outcome and the report."""
    users = auth_services.people()
    intake = IntakeForm(prefix="intake", formdata=None)
    intake.participants.choices = options([(u.id, f"{u.name} ({u.organisation_name})") for u in users
                                           if u.roles & services.INTAKE_ROLES])
    intake.missed_reason.choices = options([("", "n.v.t.")] + list(handover_rules.MISSED_REASONS.items()))
    planned = page_forms.planned_intake(page.view.intakes)
    if planned is not None:
        intake.type.data, intake.location.data = planned.get("type") or "", planned.get("location") or ""
        intake.planned_at.data = page_forms.local_minutes(planned.get("planned_at"))
        intake.held_at.data = page_forms.local_minutes(planned.get("held_at"))
        intake.participants.data = [p["id"] for p in planned.get("participants") or [] if p.get("id")]
    return intake


def _forms(page, overrides: dict | None = None) -> dict:
    forms = {"note": NoteForm(prefix="note", formdata=None), "text": TextForm(prefix="text"),
             "action": FlaskForm(), "users": auth_services.people(), "polis": list_polis(), "birth": {},
             "birth_errors": {}, "pregnancy": {}, "pregnancy_errors": {}, "sibling": {}, "sibling_errors": {}}
    if not (overrides or {}).get("intake"):
        forms["intake"] = _intake_form(page)
    forms.update(overrides or {})
    forms["note"].category.choices = options([(c, CATEGORY_LABELS[c]) for c in page.may["note_categories"]])
    return forms


def _render_family(family_id: int, overrides: dict | None = None, status: int = 200):
    page = family_page(current_user, family_id)
    forms = _forms(page, overrides)
    failed = forms.get("failed")
    # re-shown after a refused POST: the canonical address (with the form's anchor) replaces the
    # POST address in the browser (app.js), so a refresh is a GET and re-submits nothing
    canonical = url_for("families.detail", family_id=family_id, _anchor=failed["anchor"]) if failed else None
    return render_template(
        "families/detail.html", page=page, view=page.view, forms=forms, echo=page_forms.Echo(forms), labels=LABELS,
        presets=sharing.preset_choices(), organisations=sharing.organisations(),
        caseholders=[u for u in forms["users"] if coordination.can_hold_cases(u)], canonical=canonical,
        **_partner_context(page), **_contacts_context(page),
    ), status


@bp.route("/<int:family_id>")
@access.roles(*FAMILY_ROLES)
def detail(family_id: int):
    return _render_family(family_id)


def _done(family_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("families.detail", family_id=family_id))



def _refused(family_id: int, form_key: str, exc, *, typed: dict | None = None, form=None):
    """THE way a form of the family page fails (every form uses it): what the request wrote is undone
    and the family page is shown again (422 for bad input, 403/409 for a refusal) with an error summary
    at the top linking to the fields, the messages next to the fields, the form opened and every
    typed value kept. A stale version (409) keeps nothing typed: the page shows the new data."""
    errors = refusal_errors(exc)
    if isinstance(exc, Conflict):
        typed = {}
    elif typed is None:
        typed = {key: (values if len(values) > 1 else values[0]) for key, values in request.form.lists()}
    if form is not None:   # a WTForms form shows its own values and errors
        for path, message in errors.items():
            field = getattr(form, path, None)
            if field is not None and hasattr(field, "errors") and message not in (field.errors or []):
                field.errors = list(field.errors or []) + [message]
    posted = {key: request.form.get(key) for key in request.form}
    failed = page_forms.failure(form_key, errors, prefix=form._prefix if form is not None else None, typed=posted,
                                shown=exc.status != 403)
    overrides = {"failed": failed, form_key: form if form is not None else typed, f"{form_key}_errors": errors}
    return _render_family(family_id, overrides, status=exc.status)


ENDPOINT_FORMS = {"intake": "intake", "note": "note", "override": "override", "request_mdo": "mdo",
                  "record_consent": "consent", "break_glass": "glass", "emergency_note": "enote", "assign": "assign",
                  "propose_coordinator": "propose", "decide_proposal": "proposal", "add_member": "team",
                  "remove_member": "team", "exit_family": "exit", "handover_step": "step", "handover_feedback": "hfb",
                  "family_feedback_record": "feedback", "knelpunt": "knelpunt", "update_record": "naw",
                  "record_birth": "birth", "record_pregnancy": "pregnancy", "add_sibling": "sibling",
                  "record_support": "support", "local_area": "area", "record_contact": "contact"}


@access.refused_form_page("families")
def _refused_for_role():
    """A form of the family page posted by a role that may not use it (the form was not shown to
    them): the page again with what they typed and a Dutch reason, not the bare "Geen toegang"."""
    family_id = (request.view_args or {}).get("family_id")
    form_key = ENDPOINT_FORMS.get(request.endpoint.split(".", 1)[1])
    if family_id is None or form_key is None or not current_user.roles & set(FAMILY_ROLES):
        return None
    refusal = Forbidden("Uw rol mag dit formulier niet gebruiken; er is niets opgeslagen. Wat u typte staat "
                        "hieronder, zodat u het kunt bewaren of aan een collega kunt geven.")
    form = _posted_intake() if form_key == "intake" else NoteForm(prefix="note") if form_key == "note" else None
    try:
        return _refused(family_id, form_key, refusal, form=form)
    except ServiceError:   # a family this user may not see: the bare page, nothing about the family
        db.session.rollback()
        return None


def _small_action(family_id: int, form_key: str, func, success: str):
    """Run an action from the family page; a refusal goes through _refused."""
    try:
        func()
    except (ValidationError, Conflict, Forbidden) as exc:
        return _refused(family_id, form_key, exc)
    return _done(family_id, success)


def _posted_intake() -> IntakeForm:
    form = IntakeForm(prefix="intake")
    # every user: an unknown or inactive one is named by the service, not refused as "not a choice"
    form.participants.choices = options([(u.id, u.name) for u in auth_services.all_users()])
    form.missed_reason.choices = options([("", "n.v.t.")] + list(handover_rules.MISSED_REASONS.items()))
    return form


@bp.route("/<int:family_id>/intake", methods=["POST"])
@access.roles(*WRITE_ROLES)
def intake(family_id: int):
    form = _posted_intake()
    if not form.validate():  # dates that do not parse are named here, before the service runs
        return _refused(family_id, "intake", ValidationError({
            name: " ".join(errors) for name, errors in form.errors.items() if name != "csrf_token"} or
            {"_": "Het formulier is verlopen. Verstuur het opnieuw."}), form=form)
    try:
        services.plan_or_record_intake(current_user, family_id, form.to_data(),
                                       on_behalf_of_id=None)
    except (ValidationError, Forbidden) as exc:
        return _refused(family_id, "intake", exc, form=form)
    return _done(family_id, "De intake is bijgewerkt.")


@bp.route("/<int:family_id>/aantekening", methods=["POST"])
@access.roles(*FAMILY_ROLES)   # who may write in which category: the service decides (a refusal keeps the text)
def note(family_id: int):
    form = NoteForm(prefix="note")
    try:
        services.add_note(current_user, family_id, form.category.data, form.text.data)
    except (ValidationError, Forbidden) as exc:
        return _refused(family_id, "note", exc, form=form)
    return _done(family_id, "De aantekening is opgeslagen.")


@bp.route("/<int:family_id>/doelgroep", methods=["POST"])
@access.roles(*WRITE_ROLES)
def override(family_id: int):
    return _small_action(family_id, "override", lambda: services.override_target_group(
        current_user, family_id, request.form.get("reason", "")), "De afwijking van de doelgroep is vastgelegd.")


@bp.route("/<int:family_id>/doelgroep/herbeoordelen", methods=["GET", "POST"])
@access.roles(*WRITE_ROLES)
def reassess(family_id: int):
    """Doelgroep herbeoordelen: the reason, optionally corrected criteria, then the outcome and its effect."""
    view, values = assessment.form_for(current_user, family_id)
    form = TargetAssessmentForm()
    for kind in rules.CODE_LISTS:   # active codes, and the retired ones the family already has
        getattr(form, kind).choices = options(list(codes.active(kind).items()) + [
            (c, f"{codes.labels(kind).get(c, c)} (vervallen)") for c in values.get(kind, [])
            if c not in codes.active(kind)])
    status = 200
    if request.method == "GET":
        form.fill(values)
    elif form.validate_on_submit():
        try:
            row = assessment.assess(current_user, family_id, form.to_data(values))
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
            status = 422
        else:
            return _done(family_id, "De doelgroep is opnieuw beoordeeld: " + (
                "het gezin valt binnen de doelgroep." if row.eligible_after else "het gezin valt buiten de doelgroep."))
    else:
        status = 400
    return render_template("families/target_assessment.html", view=view, form=form, labels=LABELS,
                           history=assessment.history(view), shows_medical="medical_reasons" in values), status


@bp.route("/<int:family_id>/mdo-bespreken", methods=["POST"])
@access.roles(*WRITE_ROLES + ("mdo_voorzitter",))
def request_mdo(family_id: int):
    return _small_action(family_id, "mdo", lambda: request_discussion(current_user, family_id,
                                                               request.form.get("question", "")),
                         "Het gezin staat klaar om in het MDO te bespreken.")


@bp.route("/<int:family_id>/toestemming", methods=["POST"])
@access.roles(*WRITE_ROLES)
def record_consent(family_id: int):
    def run():
        form = request.form
        if form.get("preset"):
            sharing.record_preset(current_user, family_id, form["preset"], method=form.get("method", ""),
                                  given_at=form.get("given_at") or None, form_version=form.get("form_version"),
                                  categories=form.getlist("categories") or None,
                                  domains=form.getlist("domains") or None)
        else:
            upload = request.files.get("scan")
            data = upload.read() if upload and upload.filename else None
            recipient = ({"organisation_id": form.get("organisation_id")} if form.get("organisation_id")
                         else {"domain": form.get("domain") or None})
            sharing.record_consent(current_user, family_id, {
                "recipient": recipient, "categories": form.getlist("categories"),
                "purpose": form.get("purpose"), "given_at": form.get("given_at") or None,
                "valid_until": form.get("valid_until") or None, "method": form.get("method"),
                "form_version": form.get("form_version"), "note": form.get("note"),
            }, scan=data, scan_mimetype=upload.mimetype if data else None,
                scan_filename=upload.filename if data else None)

    return _small_action(family_id, "preset" if request.form.get("preset") else "consent", run,
                         "De toestemming is vastgelegd.")


@bp.route("/<int:family_id>/toestemming/<int:consent_id>/intrekken", methods=["POST"])
@access.roles(*WRITE_ROLES)
def withdraw_consent(family_id: int, consent_id: int):
    done = {}

    def run():
        done["record"] = sharing.withdraw(current_user, consent_id, request.form.get("reason"), family_id=family_id)

    response = _small_action(family_id, f"withdraw{consent_id}", run, "De toestemming is ingetrokken. Vanaf nu worden deze gegevens niet meer "
                                             "gedeeld.")
    stranded = getattr(done.get("record"), "stranded_actions", None)
    if stranded:
        owners = ", ".join(f"{a.owner.name} (uiterlijk {a.due_date.strftime('%d-%m-%Y')})" for a in stranded)
        flash(f"Let op: {len(stranded)} open MDO-actie(s) kan de eigenaar niet meer inzien: {owners}. De eigenaars "
              "zijn ingelicht; draag de acties over of sluit ze af.", "warning")
    return response


@bp.route("/<int:family_id>/toestemming/<int:consent_id>/scan")
@access.roles(*WRITE_ROLES)
def consent_scan(family_id: int, consent_id: int):
    scan = sharing.consent_scan(current_user, family_id, consent_id)
    return Response(scan.data, mimetype=scan.mimetype, headers={
        "Content-Disposition": f'attachment; filename="toestemming-{scan.consent_id}.{scan.extension}"'})


@bp.route("/<int:family_id>/noodtoegang", methods=["POST"])
@access.roles(*WRITE_ROLES)
def break_glass(family_id: int):
    return _small_action(family_id, "glass", lambda: sharing.break_glass(current_user, family_id, request.form.get("reason")),
                         "Noodtoegang is geopend voor 24 uur. De privacy officer en de coördinator zijn ingelicht.")


@bp.route("/<int:family_id>/noodnotitie", methods=["POST"])
@access.roles(*WRITE_ROLES)
def emergency_note(family_id: int):
    return _small_action(family_id, "enote", lambda: services.add_note(
        current_user, family_id, request.form.get("category", ""), request.form.get("text", ""), emergency=True),
        "De noodnotitie is opgeslagen en wordt met de noodtoegang beoordeeld.")


@bp.route("/<int:family_id>/wie-zag-wat")
@access.signed_in
def access_log(family_id: int):
    family, entries = sharing.access_log(current_user, family_id)

    return render_template("families/access_log.html", family=family, entries=entries, action_labels=ACTION_LABELS,
                           labels=LABELS)


@bp.route("/<int:family_id>/inzage-ouders")
@access.signed_in
def parents_overview(family_id: int):
    overview = sharing.overview_for_parents(current_user, family_id, request.args.get("ouder", type=int))
    return render_template("families/parents_overview.html", overview=overview, view=overview.view,
                           consents=overview.consents, entries=overview.entries, family_id=family_id,
                           labels=LABELS, action_labels=ACTION_LABELS, printed_at=clock.now())


@bp.route("/<int:family_id>/coordinator", methods=["POST"])
@access.roles(*WRITE_ROLES)
def assign(family_id: int):
    return _small_action(family_id, "assign", lambda: coordination.assign_coordinator(current_user, family_id, {
        "user_id": request.form.get("user_id"), "reason": request.form.get("reason") or None,
        "reason_text": request.form.get("reason_text")}), "De coördinator is gewijzigd.")


@bp.route("/<int:family_id>/coordinator/voorstel", methods=["POST"])
@access.roles(*WRITE_ROLES)
def propose_coordinator(family_id: int):
    return _small_action(family_id, "propose", lambda: coordination.propose_coordinator_change(current_user, family_id, {
        "user_id": request.form.get("user_id"), "reason": request.form.get("reason") or None,
        "reason_text": request.form.get("reason_text")}),
        "Uw voorstel is doorgegeven aan de planner en de coördinator.")


@bp.route("/<int:family_id>/coordinator/voorstel/<int:proposal_id>/<decision>", methods=["POST"])
@access.roles(*WRITE_ROLES)
def decide_proposal(family_id: int, proposal_id: int, decision: str):
    if decision not in ("aannemen", "afwijzen"):
        abort(404)
    accept = decision == "aannemen"
    return _small_action(family_id, "proposal", lambda: coordination.decide_proposal(current_user, proposal_id, accept,
                                                                         family_id=family_id),
                         "Het voorstel is aangenomen: de coördinator is gewijzigd." if accept
                         else "Het voorstel is afgewezen.")


@bp.route("/<int:family_id>/kernteam", methods=["POST"])
@access.roles(*WRITE_ROLES)
def add_member(family_id: int):
    return _small_action(family_id, "team", lambda: coordination.add_core_member(current_user, family_id,
                                                                         form_data(request.form)),
                         "Het kernteam is bijgewerkt.")


@bp.route("/<int:family_id>/kernteam/<int:member_id>/verwijderen", methods=["POST"])
@access.roles(*WRITE_ROLES)
def remove_member(family_id: int, member_id: int):
    return _small_action(family_id, "team", lambda: coordination.remove_core_member(current_user, family_id, member_id),
                         "Het kernteam is bijgewerkt.")


@bp.route("/<int:family_id>/uitstroom", methods=["POST"])
@access.roles(*WRITE_ROLES)
def exit_family(family_id: int):
    """On bad input the page again with the exit form open, the message next to the field and what
    was chosen kept."""
    try:
        coordination.exit_family(current_user, family_id, _exit_form_data(request.form))
    except (ValidationError, Forbidden) as exc:
        return _refused(family_id, "exit", exc)
    return _done(family_id, "Het gezin is uitgestroomd.")


def _exit_form_data(form) -> dict:
    """The exit form in the API's shape: actions[i].id/decision/owner_id/reason -> a list."""
    data = {k: v for k, v in form_data(form).items() if not k.startswith("actions[")}
    data["actions"] = []
    while f"actions[{len(data['actions'])}].id" in form:
        i = len(data["actions"])
        data["actions"].append({key: form.get(f"actions[{i}].{key}") or None
                                for key in ("id", "decision", "owner_id", "reason")})
    return data


@bp.route("/<int:family_id>/overdracht/stap", methods=["POST"])
@access.roles(*WRITE_ROLES)
def handover_step(family_id: int):
    data = form_data(request.form)
    form_key = "outstep" if data.pop("_form", None) == "outstep" else "step"   # the page has two step forms
    for key in ("at", "planned_at"):
        if not data.get(key):
            data.pop(key, None)
    return _small_action(family_id, form_key, lambda: services.record_handover_step(current_user, family_id, data),
                         "De warme overdracht is bijgewerkt.")


@bp.route("/<int:family_id>/overdracht/terugkoppeling", methods=["POST"])
@access.roles(*WRITE_ROLES)
def handover_feedback(family_id: int):
    data = form_data(request.form)
    if not data.get("at"):
        data.pop("at", None)
    return _small_action(family_id, "hfb", lambda: handover.record_feedback(current_user, family_id, data),
                         "De terugkoppeling is vastgelegd.")


@bp.route("/<int:family_id>/terugkoppeling", methods=["POST"])
@access.roles(*WRITE_ROLES)
def family_feedback_record(family_id: int):
    """Terugkoppeling to the referrer or the family (about the aanmelding, the handover, the intake, an
    MDO outcome or the exit); on bad input the page again with the message next to the field and
    the typed values kept."""
    data = {k: v for k, v in form_data(request.form).items() if v not in (None, "")}
    try:
        family_feedback.record_feedback(current_user, family_id, data)
    except (ValidationError, Forbidden) as exc:
        return _refused(family_id, "feedback", exc)
    return _done(family_id, "De terugkoppeling is vastgelegd.")


@bp.route("/<int:family_id>/knelpunt", methods=["POST"])
@access.roles(*WRITE_ROLES)
def knelpunt(family_id: int):
    data = dict(form_data(request.form), family_id=family_id)
    return _small_action(family_id, "knelpunt", lambda: coordination.raise_knelpunt(current_user, data),
                         "Het knelpunt is gemeld bij de projectleider.")


PARENT_KEYS = ("name", "birth_date", "bsn", "phone", "address", "postcode", "city", "preferred_language",
               "relationship_type", "gezag")


@bp.route("/<int:family_id>/gegevens", methods=["POST"])
@access.roles(*WRITE_ROLES)
def update_record(family_id: int):
    """Correct NAW and pregnancy data, with the version the user saw (no silent overwrite)."""
    form = request.form
    parents = []
    for n in (1, 2):  # only the fields on the form are sent: a field the user cannot see keeps its value
        values = {key: form.get(f"p{n}_{key}", "").strip() or None for key in PARENT_KEYS if f"p{n}_{key}" in form}
        values["interpreter_needed"] = form.get(f"p{n}_interpreter") == "1"
        values["contact_secret"] = form.get(f"p{n}_contact_secret") == "1"
        if n == 1 or any(v for k, v in values.items() if k not in ("interpreter_needed", "contact_secret")):
            parents.append(values)
    data = {"version": form.get("version"), "parents": parents,
            "support_question": form.get("support_question") or None}
    if "expected_due_date" in form:
        data["expected_due_date"] = form.get("expected_due_date") or None
    try:
        services.update_family(current_user, family_id, data)
    except (ValidationError, Conflict, Forbidden) as exc:
        return _refused(family_id, "naw", exc)
    return _done(family_id, "De gegevens zijn bijgewerkt.")


BIRTH_KEYS = ("name", "birth_date", "gestational_age_weeks", "gestational_age_days", "birth_weight_grams",
              "admission")


@bp.route("/<int:family_id>/geboorte", methods=["POST"])
@access.roles(*WRITE_ROLES)
def record_birth(family_id: int):
    """Geboorte vastleggen: one child, or two (a meerling); an empty second row is left out."""
    form = request.form
    children = [{key: form.get(f"c{n}_{key}", "").strip() or None for key in BIRTH_KEYS} for n in (0, 1)]
    children = [children[0]] + [c for c in children[1:] if any(c.values())]
    data = {"version": form.get("version"), "poli": form.get("poli") or None, "children": children}
    try:
        result = course.record_birth(current_user, family_id, data)
    except (ValidationError, Conflict, Forbidden) as exc:
        return _refused(family_id, "birth", exc)
    moved = f" Het gezin gaat verder bij {result.moved.to_poli.name}." if result.moved else ""
    return _done(family_id, "De geboorte is vastgelegd; de fase is nu 'na de geboorte'." + moved)


@bp.route("/<int:family_id>/zwangerschap", methods=["POST"])
@access.roles(*WRITE_ROLES)
def record_pregnancy(family_id: int):
    data = {"version": request.form.get("version"), "expected_due_date": request.form.get("expected_due_date") or None}
    try:
        course.record_pregnancy(current_user, family_id, data)
    except (ValidationError, Conflict, Forbidden) as exc:
        return _refused(family_id, "pregnancy", exc)
    return _done(family_id, "De nieuwe zwangerschap is vastgelegd.")


@bp.route("/<int:family_id>/broer-zus", methods=["POST"])
@access.roles(*WRITE_ROLES)
def add_sibling(family_id: int):
    """A sibling of any age: the existing children are sent unchanged (by position), the new one last."""
    existing = services.child_count(family_id)
    sibling = {"name": request.form.get("name", "").strip() or None,
               "birth_date": request.form.get("birth_date", "").strip() or None, "sibling": True}
    data = {"version": request.form.get("version"), "children": [{}] * existing + [sibling]}
    try:
        services.update_family(current_user, family_id, data)
    except (ValidationError, Conflict, Forbidden) as exc:
        return _refused(family_id, "sibling", exc)
    return _done(family_id, "De broer of zus is toegevoegd.")


# ------------------------------------------------------------------ possible duplicates

@bp.route("/dubbelen", methods=["GET", "POST"])
@access.roles("planner", "privacy_officer")
def duplicate_queue():
    if request.method == "POST":
        try:
            duplicates.resolve(current_user, request.form.get("candidate_id", type=int) or 0,
                               {"resolution": request.form.get("resolution"), "note": request.form.get("note")})
        except ValidationError as exc:
            flash_refusal(exc)
        else:
            flash("De melding is afgehandeld.", "success")
            return redirect(url_for("families.duplicate_queue"))
    return render_template("families/duplicates.html", items=duplicates.queue(current_user),
                           resolutions=duplicates.RESOLUTIONS, match_labels=MATCH_LABELS,
                           may_open=current_user.has_role("planner"), form=FlaskForm())


MATCH_LABELS = {"bsn": "zelfde BSN", "naam_geboortedatum": "zelfde naam en geboortedatum"}


# ------------------------------------------------------------------ informal support and local team (igp.support)

def _partner_context(page) -> dict:
    """The family page's sections "Informele steun" and "Lokaal team" for this reader."""
    return {"support": support_services.section_for(current_user, page.view, page.involvement),
            "page_area": support_services.area_of(current_user, page.view), "areas": admin_services.area_choices(),
            "support_labels": {
                "kinds": support_rules.KINDS, "statuses": support_rules.STATUSES}}


def _form_step(family_id: int, form_key: str, message: str, step):
    """One form of the family page: the step gets the form's data; a refusal re-shows the page with
    what was typed and the errors next to the fields, a success redirects with `message`."""
    try:
        step(form_data(request.form))
    except (ValidationError, Conflict, Forbidden) as exc:
        return _refused(family_id, form_key, exc)
    return _done(family_id, message)


@bp.route("/<int:family_id>/informele-steun", methods=["POST"])
@access.roles(*FAMILY_ROLES)
def record_support(family_id: int):
    return _form_step(family_id, "support", "De informele steun is vastgelegd.",
                      lambda data: support_services.record_support(current_user, family_id, data))


@bp.route("/<int:family_id>/informele-steun/<int:support_id>/notitie", methods=["POST"])
@access.roles("informele_steun")
def support_note(family_id: int, support_id: int):
    return _form_step(family_id, f"note{support_id}", "Uw notitie is opgeslagen.",
                      lambda data: support_services.add_note(current_user, family_id, support_id, data))


@bp.route("/<int:family_id>/gemeente-wijk", methods=["POST"])
@access.roles(*WRITE_ROLES)
def local_area(family_id: int):
    return _form_step(family_id, "area", "De gemeente en wijk zijn bijgewerkt.",
                      lambda data: support_services.set_local_area(current_user, family_id, data))


@bp.route("/<int:family_id>/informele-steun/<int:support_id>", methods=["POST"])
@access.roles(*FAMILY_ROLES)
def update_support(family_id: int, support_id: int):
    return _form_step(family_id, f"update{support_id}", "De stand van de informele steun is bijgewerkt.",
                      lambda data: support_services.update_support(current_user, family_id, support_id, data))


# ------------------------------------------------------------------ contact moments (igp.contacts)

def _contacts_context(page) -> dict:
    """The family page's section "Contactmomenten" for this reader (the form only for who may record)."""
    return {"contacts": contact_services.section_for(current_user, page.view, page.involvement),
            "contact_labels": {"disciplines": contact_rules.DISCIPLINES, "kinds": contact_rules.KINDS},
            "contact_today": clock.today().isoformat()}


@bp.route("/<int:family_id>/contactmoment", methods=["POST"])
@access.roles(*sorted(contact_rules.RECORDING_ROLES))
def record_contact(family_id: int):
    return _form_step(family_id, "contact", "Het contactmoment is vastgelegd.",
                      lambda data: contact_services.record_contact(current_user, family_id, data))
