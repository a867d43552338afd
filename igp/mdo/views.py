"""MDO pages: meetings, agenda, attendance, minutes, outcomes, actions, calendar feed."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from consent import DOMAIN_LABELS, ROLE_LABELS
from igp import clock
from igp.admin import services as admin
from igp.admin.services import list_polis
from igp.audit import services as audit
from igp.auth import access
from igp.auth import services as auth_services
from igp.errors import Conflict, NotFound, ServiceError, ValidationError
from igp.extensions import db, limiter
from igp.families.views import LABELS
from igp.forms_util import flash_refusal, refusal_errors, safe_next
from igp.mdo import readmodels, rules, services
from igp.validation import form_data

bp = Blueprint("mdo", __name__, url_prefix="/mdo")

MDO_VIEW_ROLES = tuple(services.MDO_ROLES)
MDO_LABELS = dict(LABELS, rhythms=rules.RHYTHMS, meeting_statuses=rules.MEETING_STATUSES,
                  attendance=rules.ATTENDANCE, proposal_reasons=rules.PROPOSAL_REASONS)


def _users():
    return auth_services.active_users()


@bp.route("/")
@access.roles(*MDO_VIEW_ROLES)
def index():
    return render_template("mdo/index.html", meetings=readmodels.upcoming_meetings(current_user), labels=MDO_LABELS,
                           next_meeting=readmodels.next_meeting(current_user),
                           may_plan=bool(current_user.roles & services.CHAIR_ROLES))


QUORUM_LISTS = ("quorum_domains", "quorum_roles")


def _planning_form(template: str, create, on_success):
    """The meeting and series forms: on an error every typed value and every ticked box comes back."""
    errors, values = {}, {}
    if request.method == "POST":
        values = form_data(request.form, lists=(*QUORUM_LISTS, "member_ids"))
        try:
            created = create(values)
        except ValidationError as exc:
            errors = refusal_errors(exc)
        else:
            return on_success(created)
    else:
        values["quorum_domains"], values["quorum_roles"] = services.quorum_default()
    return render_template(template, errors=errors, values=values, polis=list_polis(), users=_users(),
                           domains=DOMAIN_LABELS, roles=ROLE_LABELS, rhythms=rules.RHYTHMS, form=FlaskForm()), \
        (422 if errors else 200)


@bp.route("/nieuw", methods=["GET", "POST"])
@access.roles(*services.CHAIR_ROLES)
def new_meeting():
    def done(meeting):
        flash("Het MDO is gepland.", "success")
        return redirect(url_for("mdo.meeting", meeting_id=meeting.id))
    return _planning_form("mdo/new_meeting.html", lambda values: services.create_meeting(current_user, values), done)


@bp.route("/reeks/nieuw", methods=["GET", "POST"])
@access.roles(*services.CHAIR_ROLES)
def new_series():
    def done(series):
        flash(f"De reeks '{series.name}' is aangemaakt met de MDO's voor de komende 8 weken.", "success")
        return redirect(url_for("mdo.index"))
    return _planning_form("mdo/new_series.html", lambda values: services.create_series(current_user, values), done)


@bp.route("/<int:meeting_id>")
@access.roles(*MDO_VIEW_ROLES)
def meeting(meeting_id: int):
    return _render_meeting(meeting_id)


def _render_meeting(meeting_id: int, status: int = 200, template: str = "mdo/meeting.html", action: str = "read",
                    kept: dict | None = None, access: str = "web", confirm_finalise: bool = False):
    """``kept``: the refused form of one agenda item (item_id, form, values, errors), shown open
    with every typed value and the messages next to its fields; ``confirm_finalise``: the question
    whether to finalise, with the items without an outcome."""
    meeting, items = readmodels.meeting_page(current_user, meeting_id, action=action, access=access)
    proposal = []
    if meeting.manage and meeting.status in ("gepland", "gedeeld") and template == "mdo/meeting.html":
        proposal = services.propose_agenda(current_user, meeting.id)
    return render_template(template, meeting=meeting, items=items, manage=meeting.manage, proposal=proposal,
                           labels=MDO_LABELS, users=auth_services.people(), form=FlaskForm(), quorum=meeting.quorum,
                           domains=DOMAIN_LABELS, kept=kept or {}, field_ids=ITEM_FIELD_IDS,
                           confirm_finalise=confirm_finalise,
                           without_outcome=[i for i in items if not i.has_outcomes and i.status != "niet_besproken"]), \
        status


# the ids of an agenda item's form fields (for the error summary's links): name -> prefix
ITEM_FIELD_IDS = {"verslag": {"text": "min", "_": "min"},
                  "uitkomst": {"kind": "kind", "text": "otext", "referral_type": "rtype", "owner_id": "owner",
                               "due_date": "due", "due_workdays": "duew", "feedback_by_id": "fb", "_": "otext"}}


@bp.route("/<int:meeting_id>/afdruk")
@access.roles(*MDO_VIEW_ROLES)
def print_agenda(meeting_id: int):
    return _render_meeting(meeting_id, template="mdo/print.html", action="print")


@bp.route("/<int:meeting_id>/notulen")
@access.roles(*MDO_VIEW_ROLES)
def print_minutes(meeting_id: int):
    """The minutes of every item this reader may read, with outcomes and actions; printed (logged
    as a print of the meeting and of each family shown)."""
    return _render_meeting(meeting_id, template="mdo/print_minutes.html", action="print", access="web: notulen")


@bp.route("/<int:meeting_id>/besluitenlijst")
@access.roles(*MDO_VIEW_ROLES)
def print_decisions(meeting_id: int):
    """Decisions, referrals and actions (owner, due date) of the items this reader may read."""
    return _render_meeting(meeting_id, template="mdo/print_decisions.html", action="print",
                           access="web: besluitenlijst")


def _act(meeting_id: int, func, message: str, anchor: str = "", not_found: str | None = None,
         kept: dict | None = None):
    """Run a page's command: after success back to the page (at ``anchor``) with a flash; a
    refused agenda-item form (``kept``: item_id, form, values) comes back open with its input."""
    try:
        func()
    except (ValidationError, Conflict) as exc:
        if kept is not None:
            return _render_meeting(meeting_id, status=exc.status, kept=dict(
                kept, errors=refusal_errors(exc), conflict=isinstance(exc, Conflict)))
        flash_refusal(exc)
        return _render_meeting(meeting_id, status=exc.status)
    except NotFound as exc:
        if not_found is None or exc.audit is None:
            raise
        # the family to add does not exist or may not be seen: the same message either way; the
        # refusal is logged, and the meeting page stays with what was typed
        db.session.rollback()
        audit.record(**exc.audit)
        flash(not_found, "error")
        return _render_meeting(meeting_id, status=404)
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        db.session.rollback()
        flash(exc.message, "error")
        return _render_meeting(meeting_id, status=exc.status)
    flash(message, "success")
    return redirect(url_for("mdo.meeting", meeting_id=meeting_id) + anchor)


@bp.route("/<int:meeting_id>/voorstel", methods=["POST"])
@access.roles(*MDO_VIEW_ROLES)
def accept_proposal(meeting_id: int):
    chosen = request.form.getlist("family_ids", type=int) or None
    return _act(meeting_id, lambda: services.accept_proposal(current_user, meeting_id, chosen),
                "Het voorstel is op de agenda gezet.")


@bp.route("/<int:meeting_id>/punten", methods=["POST"])
@access.roles(*MDO_VIEW_ROLES)
def add_item(meeting_id: int):
    return _act(meeting_id, lambda: services.add_item(current_user, meeting_id, {
        "pseudonym": request.form.get("pseudonym"), "question": request.form.get("question"),
        "minutes_planned": request.form.get("minutes_planned") or None, "reasons": ["handmatig"],
        "anonymous": request.form.get("anonymous") == "1"}),
        "Het gezin staat op de agenda.", not_found="Er is geen gezin met dit pseudoniem dat u op de agenda mag zetten.")


@bp.route("/<int:meeting_id>/aanwezigheid", methods=["POST"])
@access.roles(*MDO_VIEW_ROLES)
def attendance(meeting_id: int):
    entries = []
    for key, value in request.form.items():
        if key.startswith("status_") and value and key.removeprefix("status_").isdigit():
            entries.append({"user_id": int(key.removeprefix("status_")), "status": value})
    if request.form.get("add_user_id"):
        # an attendee added is invited; presence is confirmed at or after the start
        entries.append({"user_id": request.form.get("add_user_id"), "status": request.form.get("add_status")
                        or "uitgenodigd"})
    return _act(meeting_id, lambda: services.record_attendance(current_user, meeting_id, {"attendees": entries}),
                "De aanwezigheid is bijgewerkt.", "#aanwezigheid")


@bp.route("/<int:meeting_id>/uitnodigen", methods=["POST"])
@access.roles(*MDO_VIEW_ROLES)
def invite(meeting_id: int):
    try:
        added = services.invite_team(current_user, meeting_id)
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        db.session.rollback()
        flash(exc.message, "error")
        return _render_meeting(meeting_id, status=exc.status)
    flash(f"{len(added)} uitgenodigd: het kernteam en de coördinatoren van de gezinnen op de agenda." if added else
          "Het kernteam en de coördinatoren waren al uitgenodigd.", "success")
    return redirect(url_for("mdo.meeting", meeting_id=meeting_id) + "#aanwezigheid")


@bp.route("/<int:meeting_id>/delen", methods=["POST"])
@access.roles(*MDO_VIEW_ROLES)
def share(meeting_id: int):
    return _act(meeting_id, lambda: services.share_agenda(current_user, meeting_id),
                "De agenda is gedeeld met de deelnemers.")


@bp.route("/<int:meeting_id>/vaststellen", methods=["POST"])
@access.roles(*MDO_VIEW_ROLES)
def finalise(meeting_id: int):
    """The first POST shows the items without outcome and asks to confirm; 'Definitief maken'
    (confirm=1) finalises."""
    if request.form.get("confirm") != "1":
        try:
            services.finalise_check(current_user, meeting_id)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            flash(exc.message, "error")
            return _render_meeting(meeting_id, status=exc.status)
        return _render_meeting(meeting_id, confirm_finalise=True)
    return _act(meeting_id, lambda: services.finalise(current_user, meeting_id, {"confirm": True}),
                "Het verslag is vastgesteld en kan niet meer worden gewijzigd.")


@bp.route("/punt/<int:item_id>/<action>", methods=["POST"])
@access.roles(*MDO_VIEW_ROLES)
def item_action(item_id: int, action: str):
    item = services.get_item(item_id)
    meeting_id = item.meeting_id
    form = request.form
    handlers = {
        "verslag": (lambda: services.save_minutes(current_user, item_id, form.get("text", ""),
                                                  expected_revision=form.get("revision", type=int)),
                    "Het verslag is opgeslagen."),
        "uitkomst": (lambda: services.add_outcome(current_user, item_id, {
            "kind": form.get("kind"), "text": form.get("text"), "referral_type": form.get("referral_type") or None,
            "owner_id": form.get("owner_id") or None, "due_date": form.get("due_date") or None,
            "due_workdays": form.get("due_workdays") or None, "feedback_by_id": form.get("feedback_by_id") or None,
            "meeting_id": meeting_id}), "De uitkomst is vastgelegd."),
        "niet-besproken": (lambda: services.mark_not_discussed(current_user, item_id),
                           "Gemarkeerd als niet besproken; het gezin wordt voor het volgende MDO voorgesteld."),
        "omhoog": (lambda: services.move_item(current_user, item_id, -1), "De volgorde is aangepast."),
        "omlaag": (lambda: services.move_item(current_user, item_id, 1), "De volgorde is aangepast."),
        "verwijderen": (lambda: services.remove_item(current_user, item_id), "Het punt is van de agenda gehaald."),
        "tijd": (lambda: services.update_item(current_user, item_id, {"minutes_planned": form.get("minutes_planned"),
                                                                      "question": form.get("question")}),
                 "Het agendapunt is bijgewerkt."),
    }
    if action not in handlers:
        abort(404)
    func, message = handlers[action]
    kept = None
    if action in ITEM_FIELD_IDS:   # the item's own minutes or outcome form: kept as typed on a refusal
        kept = {"item_id": item_id, "form": action, "values": form.to_dict()}
    return _act(meeting_id, func, message, f"#punt-{item_id}", kept=kept)


@bp.route("/acties", methods=["GET", "POST"])
@access.roles(*MDO_VIEW_ROLES)
def my_actions():
    if request.method == "POST":
        try:
            services.set_action_status(current_user, request.form.get("action_id", type=int) or 0,
                                       request.form.get("status", ""))
        except ValidationError as exc:
            flash_refusal(exc)
        else:
            flash("De actie is bijgewerkt.", "success")
            # the family page's buttons return there; "Mijn acties" to itself
            return redirect(safe_next(request.form.get("next"),
                                      url_for("mdo.my_actions", status=request.args.get("status", "open"))))
    status = request.args.get("status", "open") or None
    if status == "alle":
        status = None
    actions = services.action_views(current_user, services.actions_for(current_user, owner="me", status=status))
    return render_template("mdo/actions.html", actions=actions, labels=MDO_LABELS, status=status,
                           today=clock.today(), form=FlaskForm())


@bp.route("/agenda-link", methods=["POST"])
@access.roles(*MDO_VIEW_ROLES)
def feed_link():
    token = services.new_feed_token(current_user)
    url = url_for("mdo.feed", token=token, _external=True)
    flash(f"Uw persoonlijke agendalink (alleen tijden en plaatsen, geen gezinsgegevens): {url}", "success")
    return redirect(url_for("mdo.index"))


@bp.route("/agenda/<token>.ics")
@access.public
@limiter.limit("60 per minute")
def feed(token: str):
    user = services.user_for_feed(token)
    if user is None:
        abort(404)
    return Response(services.ics_feed(user), mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="igp-mdo.ics"'})


@bp.route("/kernteams", methods=["GET", "POST"])
@access.roles("planner", "beheerder")
def poli_teams():
    """The kernteam of each poli: whose MDO attendance counts as involvement (planner, beheerder)."""
    if request.method == "POST":
        try:
            if request.form.get("remove_id"):
                admin.remove_poli_team_member(current_user, request.form.get("remove_id", type=int) or 0)
                message = "Het kernteamlid is verwijderd."
            else:
                admin.add_poli_team_member(current_user, request.form.get("poli", ""), request.form.get("user_id"))
                message = "Het kernteam is bijgewerkt."
        except ValidationError as exc:
            flash_refusal(exc)
        else:
            flash(message, "success")
            return redirect(url_for("mdo.poli_teams"))
    teams = [(poli, admin.poli_team(poli.id)) for poli in list_polis()]
    candidates = [u for u in _users() if u.roles & admin.TEAM_MEMBER_ROLES]
    return render_template("mdo/poli_teams.html", teams=teams, users=candidates, form=FlaskForm())
