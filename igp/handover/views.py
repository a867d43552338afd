"""The handover board, 'Mijn signalen' and the team's signals."""
from __future__ import annotations

import re

from flask import Blueprint, render_template, request
from flask_login import current_user

from igp.admin.services import list_polis
from igp.auth import access
from igp.coordination import services as coordination
from igp.errors import ValidationError
from igp.families.views import LABELS
from igp.handover import feedback, rules, services
from igp.ids import as_id
from igp.mdo.services import overdue_actions_page
from igp.pagination import Page, page_number
from igp.plan.services import plan_evaluation_due
from igp.sharing import gateway

bp = Blueprint("handover", __name__)

BOARD_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
               "sociaal_werker", "planner", "mdo_voorzitter")


CARDS_PER_COLUMN = 10   # the most urgent cards of each column; "Alle tonen" pages through the rest
CARDS_PER_PAGE = 100    # one column at a time
TEAM_SIGNALS_SHOWN = 50  # the planner's team signals: the most urgent; the board filters show the rest
SIGNALS_PER_PAGE = 50    # the reader's own handover signals, a page at a time (most urgent first)
SECTION_PER_PAGE = 25    # the other signal sections (actions, age limit, birth, plan), each a page at a time
# the page parameter of each paged section of /signalen (kept when another section turns a page)
SIGNAL_PAGES = {"handovers": "pagina", "actions": "acties", "age_limit": "leeftijd", "birth_overdue": "geboorte",
                "plan_evaluations": "evaluatie"}


def _section(param: str, fetch) -> tuple[list, Page]:
    """One paged section: ``fetch(offset=, limit=)`` gives (rows, total); a page past the end
    shows the last one."""
    number = page_number(request.args.get(param))
    rows, total = fetch(offset=(number - 1) * SECTION_PER_PAGE, limit=SECTION_PER_PAGE)
    where = Page(number, SECTION_PER_PAGE, total)
    if number > where.pages:
        where = Page(where.pages, SECTION_PER_PAGE, total)
        rows, _ = fetch(offset=where.offset, limit=SECTION_PER_PAGE)
    return rows, where


def _dated_sections(user, lists: dict) -> dict[str, tuple[list, Page]]:
    """The date-ordered signal sections, each a page at a time (a page past the end shows the last
    one), their families read together (gateway.read_dated_lists: one load and one decision pass)."""
    pages = {key: Page(page_number(request.args.get(SIGNAL_PAGES[key])), SECTION_PER_PAGE, len(dated.due))
             for key, dated in lists.items()}
    pages = {key: Page(min(where.number, where.pages), SECTION_PER_PAGE, where.total) for key, where in pages.items()}
    read = gateway.read_dated_lists(user, [(dated, pages[key].offset, SECTION_PER_PAGE) for key, dated in lists.items()])
    return {key: (rows, pages[key]) for key, (rows, _total) in zip(lists, read)}


@bp.route("/overdrachten")
@access.roles(*BOARD_ROLES)
def board():
    poli = request.args.get("poli") or None
    coordinator = as_id(request.args.get("coordinator"))  # not an id (too large): no filter
    signal = request.args.get("signaal") or None
    status = request.args.get("status") or None
    raw_page = (request.args.get("pagina") or "1").strip()
    page = int(raw_page) if re.fullmatch(r"[0-9]{1,6}", raw_page) else 1
    filters = {"poli": poli, "coordinator_id": coordinator, "signal": signal}
    error = None
    pages = 1
    try:
        per_column = None if status else CARDS_PER_COLUMN   # one statement gives the cards and the totals
        counts = services.board_counts(current_user, status=status, per_status=per_column, **filters)
        if status:
            pages = max((counts.get(status, 0) - 1) // CARDS_PER_PAGE + 1, 1)
            page = min(max(page, 1), pages)  # past the end: the last page, not an empty one
            rows = services.board(current_user, status=status, offset=(page - 1) * CARDS_PER_PAGE,
                                  limit=CARDS_PER_PAGE, **filters)
        else:
            rows = services.board(current_user, per_status=per_column, **filters)
    except ValidationError as exc:
        rows, counts, error, status = [], {}, exc.message, None
    shown = [status] if status in rules.BOARD_COLUMNS else [] if status else list(rules.BOARD_COLUMNS)
    columns = {s: [r for r in rows if r.handover.status == s] for s in shown}
    closed = [r for r in rows if r.handover.status in rules.SIDE_EXITS]
    holders = coordination.coordinator_choices()
    filter_args = {k: v for k, v in request.args.items() if k in ("poli", "coordinator", "signaal") and v}
    return render_template("handover/board.html", columns=columns, closed=closed, counts=counts, labels=LABELS,
                           polis=list_polis(), holders=holders, args=request.args, error=error, status=status,
                           page=page, pages=pages, filter_args=filter_args,
                           closed_total=sum(counts.get(s, 0) for s in rules.SIDE_EXITS), side_exits=list(rules.SIDE_EXITS))


@bp.route("/signalen")
@access.roles(*BOARD_ROLES)
def my_signals():
    total = sum(services.board_counts(current_user, mine=True, urgent=True).values())
    where = Page(1, SIGNALS_PER_PAGE, total)
    where = Page(min(page_number(request.args.get("pagina")), where.pages), SIGNALS_PER_PAGE, total)
    rows = services.board(current_user, mine=True, urgent=True, offset=where.offset, limit=SIGNALS_PER_PAGE)

    team = None
    if current_user.has_role("planner"):
        no_contact, no_contact_total = coordination.families_without_contact_list()
        team = {
            "handovers": services.board(current_user, urgent=True, limit=TEAM_SIGNALS_SHOWN),
            "handovers_total": sum(services.board_counts(current_user, urgent=True).values()),
            "no_contact": no_contact, "no_contact_total": no_contact_total,
        }
    user = current_user._get_current_object()
    sections = {
        "actions": _section("acties", lambda offset, limit: overdue_actions_page(user, offset=offset, limit=limit)),
        **_dated_sections(user, {"age_limit": coordination.age_limit_due(user),
                                 "birth_overdue": coordination.birth_overdue_due(user),
                                 "plan_evaluations": plan_evaluation_due(user)}),
    }
    keep = {p: request.args[p] for p in SIGNAL_PAGES.values() if request.args.get(p)}
    return render_template("handover/signals.html", rows=rows, labels=LABELS, team=team, where=where,
                           sections=sections, keep=keep,
                           substituting=coordination.substituted_user_ids(user))


# the roles that register families (gynaecoloog, verloskundige, kinderarts and the other registering roles)
REFERRER_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
                  "sociaal_werker", "planner")


@bp.route("/mijn-aanmeldingen")
@access.roles(*REFERRER_ROLES)
def my_referrals():
    """The families the signed-in user referred, with status and the feedback to her (each a logged read)."""
    return render_template("handover/my_referrals.html", lines=feedback.my_referrals(current_user), labels=LABELS)
