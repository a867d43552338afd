"""The family's course through the first 1000 days: the birth, a next pregnancy, a move to another
poli. Each is one command: parse -> authorise (the gateway, the categories it writes) -> pure rules
(igp.families.rules) -> apply -> audit; nothing is stored half.

At the birth the children become index children of the IGP episode, the phase becomes postnatal,
the open pregnancy is closed (kept in `Pregnancy`), the family may move to a postnatal poli (the
open handover and the MDO of the new poli follow it from then on; the move is kept in `PoliMove`),
and the coordinator is asked to record the parents' consent for the child: a consent given before
a child was born does not cover that child (igp.sharing.gateway).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm.exc import StaleDataError

from igp import clock
from igp.admin.services import find_poli
from igp.audit import services as audit
from igp.errors import Conflict, Forbidden, ValidationError
from igp.extensions import db
from igp.families import assessment, outcomes, rules, search_index
from igp.families.models import Child, Family, PoliMove, Pregnancy
from igp.families.schemas import BirthIn, PregnancyIn
from igp.handover.models import Handover
from igp.ids import as_id
from igp.notifications.services import notify
from igp.sharing import gateway
from igp.validation import parse

# the care roles that record a birth or a pregnancy (medical history): never social or informal roles
COURSE_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige"})
COURSE_NEEDS = ("naw", "medische_voorgeschiedenis")
STALE = "Iemand anders heeft dit gezin intussen gewijzigd. Laad de pagina opnieuw; uw wijziging is niet opgeslagen."


def may_record_course(user, decision) -> bool:
    """The same rule as the commands below, for the page (show the form only to who may use it)."""
    return bool(user.roles & COURSE_ROLES) and all(decision.may_write(c) for c in COURSE_NEEDS)


def _load(actor, family_id: int, model, data) -> tuple[Family, object]:
    gateway.load_for_write(actor, family_id)          # a family the actor may not see: 404 before any field error
    if not actor.roles & COURSE_ROLES:   # the action itself first: 403 before any field error
        raise Forbidden("Alleen een zorgverlener (verloskundige, arts, MMW of JGZ) legt de geboorte of een "
                        "zwangerschap vast.")
    command = parse(model, data)
    family, _ = gateway.load_for_write(actor, family_id, needs=COURSE_NEEDS)
    if family.version != as_id(command.version):
        raise Conflict(STALE)
    if family.status == "uitgestroomd":
        raise ValidationError({"_": "Dit gezin is uitgestroomd. Meld het gezin opnieuw aan om het verder te volgen."})
    return family, command


def _save(actor, family: Family, detail: str) -> None:
    """Bump the version (a concurrent change is a conflict, never a silent overwrite) and log."""
    family.updated_at = clock.now()
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(STALE) from None
    audit.record("update", user=actor, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 shown=list(COURSE_NEEDS), detail=detail)


def _open_pregnancy(family_id: int) -> Pregnancy | None:
    return db.session.scalars(select(Pregnancy).where(Pregnancy.family_id == family_id,
                                                      Pregnancy.outcome == "lopend")).first()


def _prenatal_since(family: Family, pregnancy: Pregnancy | None) -> date | None:
    """Since when the family is known to be in this pregnancy (a birth cannot be earlier)."""
    if pregnancy is not None:
        return clock.local_date(pregnancy.recorded_at)
    if family.phase == "prenatal" and family.referrals:
        return family.referrals[0].received_on
    return None


@dataclass
class BirthResult:
    family: Family
    children: list[Child]
    moved: PoliMove | None
    assessment: object = None     # the target group re-checked at the birth (families.assessment)


def record_birth(actor, family_id: int, data: dict) -> BirthResult:
    """"Geboorte vastleggen" (BirthIn): the children born, and optionally the poli after the birth."""
    family, command = _load(actor, family_id, BirthIn, data)
    pregnancy = _open_pregnancy(family.id)
    problems = rules.birth_problems(command.children, today=clock.today(), due=family.expected_due_date,
                                    prenatal_since=_prenatal_since(family, pregnancy))
    poli = find_poli(command.poli) if command.poli else None
    if command.poli and (poli is None or not poli.active):
        problems["poli"] = f"Onbekende poli '{command.poli}'."
    if problems:
        raise ValidationError(problems)
    born = _add_children(family, command.children)
    outcomes.note_births(family)
    search_index.reindex(family)
    _close_pregnancy(actor, family, pregnancy, min(c.birth_date for c in born))
    family.phase = "postnatal"
    moved = move_poli(actor, family, poli, "geboorte") if poli is not None and poli.id != family.poli_id else None
    _save(actor, family, f"birth recorded: {len(born)} child(ren)"
          + (f"; poli {moved.from_poli.code} -> {moved.to_poli.code}" if moved else ""))
    # the target group re-checked now the child is born (the phase, the index child, the new poli)
    checked = assessment.reassess(actor, family, reason="Geboorte vastgelegd", trigger="geboorte")
    _ask_consent_for_child(actor, family)
    return BirthResult(family, born, moved, checked)


def _add_children(family: Family, children) -> list[Child]:
    position = max((c.position for c in family.children), default=0)
    born = []
    for offset, child in enumerate(children, start=1):
        row = Child(position=position + offset, name=child.name, birth_date=child.birth_date, sibling=False,
                    gestational_age_weeks=child.gestational_age_weeks,
                    gestational_age_days=child.gestational_age_days, birth_weight_grams=child.birth_weight_grams,
                    admission=child.admission)
        family.children.append(row)
        born.append(row)
    return born


def _close_pregnancy(actor, family: Family, pregnancy: Pregnancy | None, born_on: date) -> None:
    if pregnancy is None:
        pregnancy = Pregnancy(family_id=family.id, expected_due_date=family.expected_due_date,
                              recorded_by_id=actor.id, recorded_at=clock.now())
        db.session.add(pregnancy)
    pregnancy.outcome, pregnancy.ended_on = "geboren", born_on
    family.expected_due_date = None


def move_poli(actor, family: Family, poli, reason: str) -> PoliMove:
    """The family goes on at another poli; the open handover goes with it (its board and signals
    follow the new poli), the MDO of the new poli takes it up from now on."""
    move = PoliMove(family_id=family.id, from_poli_id=family.poli_id, to_poli_id=poli.id, reason=reason,
                    moved_by_id=actor.id, moved_at=clock.now())
    db.session.add(move)
    for handover in db.session.scalars(select(Handover).where(Handover.family_id == family.id,
                                                              Handover.closed_at.is_(None))):
        handover.poli_id = poli.id
    family.poli = poli
    db.session.flush()
    db.session.refresh(move)
    return move


def _ask_consent_for_child(actor, family: Family) -> None:
    """The prenatal consent does not silently extend to the newborn: the coordinator asks the
    parents with gezag (the family page shows which consent does not cover the child)."""
    to = [family.coordinator_id] if family.coordinator_id and family.coordinator_id != actor.id else []
    if to:
        notify(to, "geboorte", "De geboorte is vastgelegd voor gezin {gezin}. Vraag de ouders met gezag "
                               "toestemming om de gegevens van het kind te delen.", family_id=family.id)


def record_pregnancy(actor, family_id: int, data: dict) -> tuple[Family, Pregnancy]:
    """A next pregnancy (PregnancyIn) with its own due date, while the family stays in the IGP."""
    family, command = _load(actor, family_id, PregnancyIn, data)
    youngest = max((c.birth_date for c in family.children if c.birth_date and not c.sibling), default=None)
    problems = rules.pregnancy_problems(command.expected_due_date, today=clock.today(),
                                        open_due=family.expected_due_date, youngest_birth=youngest)
    if problems:
        raise ValidationError(problems)
    pregnancy = Pregnancy(family_id=family.id, expected_due_date=command.expected_due_date, outcome="lopend",
                          recorded_by_id=actor.id, recorded_at=clock.now())
    db.session.add(pregnancy)
    family.expected_due_date = command.expected_due_date
    _save(actor, family, "next pregnancy recorded")
    return family, pregnancy


@cache
def _course_statements():
    """Built once per process (issue 21); the family is a bound parameter."""
    return (select(Pregnancy).where(Pregnancy.family_id == bindparam("family_id"))
            .order_by(Pregnancy.recorded_at, Pregnancy.id),
            select(PoliMove).where(PoliMove.family_id == bindparam("family_id"))
            .order_by(PoliMove.moved_at, PoliMove.id))


def course_of(family_id: int) -> tuple[list[Pregnancy], list[PoliMove]]:
    """The pregnancies and poli moves of a family, oldest first (the caller checks the category)."""
    pregnancy_stmt, move_stmt = _course_statements()
    pregnancies = list(db.session.scalars(pregnancy_stmt, {"family_id": family_id}))
    moves = list(db.session.scalars(move_stmt, {"family_id": family_id}))
    return pregnancies, moves
