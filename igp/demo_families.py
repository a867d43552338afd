"""About forty fictional families for the demo, created through the same services as the
pages (so they are encrypted, audited and consistent). Deterministic: the same seed gives
the same families. Every name is invented."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from igp import clock
from igp.admin.services import add_poli_team_member
from igp.auth.models import User
from igp.contacts.services import record_contact
from igp.coordination.services import add_core_member, record_absence
from igp.extensions import db
from igp.families.services import aanmelden, plan_or_record_intake
from igp.handover.services import open_inward, record_event, record_feedback
from igp.mdo.services import (
    accept_proposal,
    add_outcome,
    create_meeting,
    create_series,
    finalise,
    mark_not_discussed,
    record_attendance,
    request_discussion,
)
from igp.plan.services import save_plan
from igp.reporting.services import record_experience
from igp.sharing.services import record_preset
from igp.support.services import add_note, record_support

FIRST = ["Sanne", "Fatima", "Noor", "Emma", "Yasmina", "Lisa", "Aylin", "Priya", "Julia", "Sara", "Amal", "Iris",
         "Mila", "Nadia", "Lotte", "Esra", "Fleur", "Hanna", "Zeynep", "Maud"]
PARTNERS = ["Mark", "Youssef", "Daan", "Kevin", "Mehmet", "Tim", "Rachid", "Bas", "Luca", "Omar"]
LAST = ["de Boer", "Bakker", "El Idrissi", "Visser", "Yilmaz", "Jansen", "Meijer", "Bos", "Mulder", "de Groot",
        "Hoekstra", "Kaya", "van Dijk", "Smits", "Peeters", "Benali", "de Wit", "Dekker", "Verbeek", "Amrani"]
CHILDREN = ["Liam", "Noah", "Sem", "Julia", "Tess", "Adam", "Zoë", "Mohammed", "Lina", "Finn"]
STREETS = ["Lindelaan", "Havenstraat", "Molenweg", "Kerkstraat", "Parklaan", "Dorpsstraat", "Vaartkade"]
REASONS = ["Stress rond geldzorgen en huisvesting, eerste kind.", "Eerdere postpartum depressie, weinig netwerk.",
           "Baby huilt veel, ouders uitgeput, relatiespanning.", "Vroeggeboorte (30 weken), ouders getraumatiseerd.",
           "Verslavingsproblematiek in het verleden, wil hulp.", "LVB bij moeder, hulp bij opvoeding gewenst."]


def _bsn(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        if digits[0] == 0:
            continue
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1))) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def _user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def load_families(count: int = 40, seed: int = 2026) -> int:
    rng = random.Random(seed)
    now = clock.now()
    today = clock.today()
    registrars = [_user(u) for u in ("jvk.smit", "jvk.elamrani", "jvk.visser", "gyn.dekker", "vk.bos", "ka.vermeulen",
                                     "mmw.jansen")]
    polis = ["pop", "mamaplus", "neonatologie", "hse"]
    made = 0
    for i in range(count):
        actor = registrars[i % len(registrars)]
        data, days_ago, referred = _aanmelding(rng, i, polis[i % 4], now, today)
        family = aanmelden(actor, data).family
        made += 1
        if family.status == "niet_in_doelgroep" or family.coordinator is None:
            continue
        coordinator = family.coordinator
        _first_weeks(rng, family, coordinator, days_ago, referred, now)
        if i % 8 == 1 and family.status != "uitgestroomd":
            _informal_support(actor, family, coordinator, referred)
        if (i % 9 == 0 or i % 8 == 4) and family.status != "uitgestroomd":   # the POP-poli's next MDO: several
            request_discussion(actor if actor.id == coordinator.id else coordinator, family.id,
                               "Is inzet van maatschappelijk werk voor de schulden nodig?")
    for i, score in enumerate((5, 4, 4, 3, 5, 4, 5, 2, 4, 4, 5, 3)):   # anonymous, no family
        record_experience(registrars[i % len(registrars)], {"poli": polis[i % 2], "score": score,
                                                            "respondent": "gezin" if i % 3 else "professional"})
    db.session.flush()
    return made


def _aanmelding(rng, i: int, poli: str, now, today) -> tuple[dict, int, object]:
    """The aanmelding of demo family `i` as a referrer would send it (the API's JSON)."""
    postnatal = poli in ("neonatologie", "hse") or rng.random() < 0.3
    days_ago = rng.choice([0, 1, 2, 3, 4, 6, 8, 10, 15, 25, 40, 60, 90])
    referred = now - timedelta(days=days_ago, hours=rng.randint(0, 6))
    data = {
        "poli": poli, "phase": "postnatal" if postnatal else "prenatal", "referred_at": referred.isoformat(),
        "parents": _parents(rng, today, "Jansen" if i % 7 == 3 else None),   # a few Jansens to search for
        "referrer": {"type": rng.choice(["verloskundige", "huisarts", "ziekenhuis", "jgz", "wijkteam", "kraamzorg"]),
                     "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                     "organisation": rng.choice(["Verloskundigenpraktijk De Wieg", "Huisartsenpraktijk Centrum",
                                                 "Rijnstad Ziekenhuis", "Wijkteam Noord"])},
        "reason": rng.choice(REASONS),
        "vulnerabilities": rng.sample(["financien", "huisvesting", "relatie", "opvoeding", "psychisch", "netwerk",
                                       "trauma", "lvb"], k=rng.randint(1, 3)) if i % 13 != 5 else [],
        "medical_reasons": rng.sample(["prematuriteit", "psychiatrie", "huilen", "voeding", "slaap"], k=1),
        "high_risk": rng.random() < 0.3,
    }
    if postnatal:
        born = today - timedelta(days=rng.randint(5, 300))
        data["children"] = [{"name": rng.choice(CHILDREN), "birth_date": born.isoformat(),
                             "gestational_age_weeks": rng.randint(27, 41), "gestational_age_days": rng.randint(0, 6),
                             "birth_weight_grams": rng.randint(900, 4200)}]
    else:
        data["expected_due_date"] = (today + timedelta(days=rng.randint(20, 250))).isoformat()
    # gemeente and wijk (the demo's local teams, igp.demo.LOCAL_TEAMS): by the family's number, no draw
    data["gemeente"], data["wijk"] = DEMO_AREAS[i % len(DEMO_AREAS)]
    if i % 5 != 3:  # most families gave consent for the kernteam; some not (yet)
        data["consent"] = {"preset": "kernteam", "method": "mondeling_vastgelegd", "form_version": "IGP-2026-1",
                           "given_at": referred.isoformat()}
    return data, days_ago, referred


DEMO_AREAS = [("rijnstad", "noord"), ("rijnstad", "zuid"), ("rijnstad", "centrum"), ("heuveldorp", "dorpskern"),
              ("rijnstad", "oosterpark"), ("heuveldorp", "buitengebied"), (None, None)]


def _parents(rng, today, surname: str | None = None) -> list[dict]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    mother = f"{first} {surname or last}"
    parents = [{"name": mother, "birth_date": (today - timedelta(days=rng.randint(19, 38) * 365)).isoformat(),
                "bsn": _bsn(rng), "phone": f"06-{rng.randint(10000000, 99999999)}",
                "address": f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
                "postcode": f"{rng.randint(1000, 9999)} {rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}"
                            f"{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}",
                "city": "Rijnstad", "preferred_language": rng.choice(["Nederlands", "Nederlands", "Arabisch",
                                                                      "Turks", "Engels"]),
                "interpreter_needed": rng.random() < 0.15, "relationship_type": "moeder", "gezag": "ja"}]
    if rng.random() < 0.6:
        parents.append({"name": f"{rng.choice(PARTNERS)} {mother.split(' ', 1)[1]}",
                        "relationship_type": "vader", "gezag": "ja"})
    return parents


def _first_weeks(rng, family, coordinator, days_ago: int, referred, now) -> None:
    """Contact, the intake planned and held (with a reason when late), and feedback."""
    if days_ago >= 2:
        record_event(coordinator, family.id, {"type": "contact_gelegd", "contact_mode": "coordinator_met_gezin",
                                              "at": (referred + timedelta(days=1)).isoformat()})
    if days_ago < 4:
        return
    planned = referred + timedelta(days=rng.choice([3, 4, 6, 9]))
    plan_or_record_intake(coordinator, family.id, {"type": rng.choice(["gezamenlijk", "gefaseerd"]),
                                                   "location": rng.choice(["ziekenhuis", "consultatiebureau",
                                                                           "thuis"]),
                                                   "planned_at": planned.isoformat()})
    if planned < now - timedelta(hours=2) and rng.random() < 0.85:
        held = {"held_at": planned.isoformat(), "report": "Kennismaking met het gezin; hulpvraag besproken.",
                "outcome": "actief" if rng.random() < 0.85 else "geen_hulp_gewenst",
                "plan": "Wekelijks contact met de jeugdverpleegkundige; maatschappelijk werk voor financiën."}
        handover = open_inward(family.id)
        if handover is not None and clock.local_date(planned) > handover.deadline:
            held["missed_reason"] = rng.choice(["capaciteit", "gezin_wil_later", "gezin_niet_bereikbaar"])
            held["missed_text"] = "Eerste afspraak door het gezin verzet."
        plan_or_record_intake(coordinator, family.id, held)
        _contacts(rng, family, coordinator, planned, now)
        if held["outcome"] == "actief" and rng.random() < 0.4:
            _plan(rng, family, coordinator, planned)
        if rng.random() < 0.8:
            record_feedback(coordinator, family.id, {"recipient": "verwijzer", "method": "telefoon"})
        if rng.random() < 0.5:
            record_feedback(coordinator, family.id, {"recipient": "gezin", "method": "telefoon"})


def load_mdo() -> None:
    """A weekly POP-poli MDO series (meetings for the coming weeks) and one finished MDO."""
    chair = _user("mdo.dejong")
    planner = _user("planner.kok")
    members = [_user(u).id for u in ("jvk.smit", "jvk.elamrani", "sw.mulder", "mmw.jansen", "ja.peters",
                                     "planner.kok", "ka.vermeulen")]
    # the kernteam of each MDO poli, kept by the planner: their attendance counts as involvement
    for poli in ("pop", "mamaplus"):
        for uid in [chair.id, *members]:
            add_poli_team_member(planner, poli, uid)
    today = clock.today()
    first = today + timedelta(days=(1 - today.weekday()) % 7 or 7)  # next Tuesday
    create_series(chair, {"poli": "pop", "name": "MDO POP-poli", "rhythm": "wekelijks",
                          "first_date": first.isoformat(), "start_time": "13:30", "duration_minutes": 90,
                          "location": "Rijnstad Ziekenhuis, vergaderruimte 2.14", "chair_id": chair.id,
                          "minute_taker_id": _user("planner.kok").id, "quorum_domains": ["zorg", "jgz", "sociaal"],
                          "member_ids": members})
    past = create_meeting(chair, {"poli": "mamaplus", "starts_at": (clock.now() - timedelta(days=3)).isoformat(),
                                  "location": "Consultatiebureau Noord", "quorum_domains": ["zorg", "jgz", "sociaal"]})
    record_attendance(chair, past.id, {"attendees": [{"user_id": uid, "status": "aanwezig"}
                                                     for uid in [chair.id, *members]]})
    items = accept_proposal(planner, past.id)  # the planner prepares the agenda
    for n, item in enumerate(items):
        if n % 3 == 2:
            mark_not_discussed(chair, item.id)
            continue
        add_outcome(chair, item.id, {"kind": "besluit", "text": "Gezin blijft in de IGP; coördinator houdt contact."})
        if n % 2 == 0:
            owner = item.family.coordinator or chair
            add_outcome(chair, item.id, {"kind": "actie", "text": "Aanvraag schuldhulpverlening begeleiden.",
                                         "owner_id": owner.id, "due_workdays": 5})
    if items:
        finalise(chair, past.id, {"confirm": True})


def load_absences() -> None:
    planner = _user("planner.kok")
    today = clock.today()
    record_absence(planner, {"user_id": _user("jvk.visser").id, "from": (today - timedelta(days=1)).isoformat(),
                             "to": (today + timedelta(days=6)).isoformat(), "reason": "verlof",
                             "substitute_id": _user("jvk.smit").id})


def _plan(rng, family, coordinator, intake_at) -> None:
    """A gezinsplan after the intake, with an onward referral (monitoring: referrals by destination)."""
    start = clock.local_date(intake_at)
    kind, to = rng.choice([("ggz", "GGZ Rijnstad"), ("welzijn", "Welzijn Rijnstad"), ("jeugdzorg", "Jeugdhulp Oost")])
    save_plan(coordinator, family.id, {
        "version": 0, "hulpvraag": "We willen rust in huis en hulp bij de rekeningen.",
        "start_date": start.isoformat(), "evaluation_date": (start + timedelta(weeks=12)).isoformat(),
        "goals": [{"what": "Overzicht van de rekeningen", "who": "Ouders met maatschappelijk werk",
                   "by_when": (start + timedelta(weeks=8)).isoformat()}],
        "referrals": [{"to": to, "referral_type": kind, "status": rng.choice(["aangevraagd", "gestart"]),
                       "requested_on": start.isoformat()}]})


def _contacts(rng, family, coordinator, intake_at, now) -> None:
    """The intake and a few contacts after it (monitoring: contact moments per discipline)."""
    day = clock.local_date(intake_at)
    record_contact(coordinator, family.id, {"kind": "consult", "contact_on": day.isoformat()})
    for _ in range(rng.randint(0, 3)):
        day += timedelta(days=rng.randint(5, 14))
        if day > clock.local_date(now):
            break
        record_contact(coordinator, family.id, {"kind": rng.choice(["huisbezoek", "telefonisch", "consult"]),
                                                "contact_on": day.isoformat()})


def _informal_support(actor, family, coordinator, referred) -> None:
    """Home-Start helps with the post: the parents' consent for informal support (NAW only), the
    volunteer in the core team, the support recorded by the coordinator and a short note by her."""
    volunteer = _user("vrijw.dijkstra")
    record_preset(actor, family.id, "informele_steun", method="mondeling_vastgelegd", given_at=referred)
    add_core_member(actor, family.id, {"user_id": volunteer.id, "case_role": "informele_steun"})
    support = record_support(coordinator, family.id, {
        "organisation_id": volunteer.organisation_id, "kind": "post_financien",
        "starts_on": clock.local_date(referred).isoformat()})
    add_note(volunteer, family.id, support.id, {"text": "Samen de brieven van de belastingdienst doorgenomen."})
