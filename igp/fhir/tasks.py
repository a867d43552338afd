"""PUT /fhir/Task/{id}: the handover's owner (and whoever may move the handover in the app) advances it.

parse (If-Match, the Task: igp.fhir.task_input) -> authorise (the consent gateway's write check:
an unknown or invisible Task is 404 before anything else) -> the same step as the app and the JSON
API (igp.families.services.record_handover_step: the handover roles, the rules of the steps, the
intake kept in step, the audit entry, feedback and signals) -> the Task as it is now, with its
version. Versioning: `If-Match: W/"<meta.versionId>"` is required (428) and must be the current
version (412); the handover's own version column guards against a concurrent write as well.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from igp.errors import PreconditionFailed, PreconditionRequired, ValidationError
from igp.extensions import db
from igp.families import services as families
from igp.fhir import referral as mapping
from igp.fhir import task_input
from igp.handover import services as handover_services
from igp.handover.models import Handover
from igp.sharing import gateway

TASK_CODES = task_input.TaskCodes(steps=mapping.codes.HANDOVER_STEPS, inputs=mapping.codes.TASK_INPUT,
                                  task_status=mapping.TASK_STATUS, step_for_status=mapping.STEP_FOR_STATUS)
ETAG_RE = re.compile(r'^\s*(?:W/)?"([0-9]{1,9})"\s*$')


def etag(handover: Handover) -> str:
    return f'W/"{handover.version}"'


def _version_sent(if_match: str | None) -> int:
    if if_match is None or not if_match.strip():
        raise PreconditionRequired('Stuur de versie die u las mee als If-Match: W/"<meta.versionId>".',
                                   field="If-Match")
    match = ETAG_RE.match(if_match)
    if match is None:
        raise PreconditionFailed('If-Match moet de vorm W/"<versie>" hebben, bijvoorbeeld W/"3".', field="If-Match")
    return int(match.group(1))


def _load(user, task_id: int) -> Handover:
    # locked to the end of the transaction (PostgreSQL): a concurrent PUT waits and then sees the new version
    db.session.execute(select(Handover.id).where(Handover.id == task_id).with_for_update())
    handover = db.session.get(Handover, task_id)
    if handover is None:  # the same answer as a handover of a family the user may not see
        raise gateway.refusal(user, None, "fhir task update: no such handover")
    gateway.load_for_write(user, handover.family_id, access="fhir")
    return handover


def update_task(user, task_id: int, if_match: str | None, body) -> Handover:
    """One step of the handover behind Task/{task_id}; the handover as it is afterwards."""
    handover = _load(user, task_id)
    sent = _version_sent(if_match)
    if sent != handover.version:
        raise PreconditionFailed(f"De overdracht is intussen gewijzigd (versie {handover.version}, u stuurde "
                                 f"{sent}): haal de Task opnieuw op.", field="If-Match")
    current = mapping.task(handover)
    try:
        step, where = task_input.step_of(current, body, handover.direction, TASK_CODES)
    except task_input.TaskProblems as exc:
        raise ValidationError(exc.problems) from exc
    running = handover_services.current_handover(handover.family_id)
    if running is None or running.id != handover.id:
        raise ValidationError({"Task.status": "Deze overdracht is afgesloten en niet meer de lopende overdracht van "
                                              "het gezin."})
    try:
        families.record_handover_step(user, handover.family_id, step)
        db.session.flush()
    except ValidationError as exc:   # the rules' refusals, named as the Task's elements
        raise ValidationError({where.get(key, "Task"): message for key, message in exc.errors.items()}) from exc
    except StaleDataError as exc:    # written by someone else in between (the version column)
        raise PreconditionFailed("De overdracht is intussen gewijzigd: haal de Task opnieuw op.",
                                 field="If-Match") from exc
    return handover
