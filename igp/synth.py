"""A fast, deterministic generator of realistic fictional data at national scale.

    flask --app igp synth --families 100000 --seed 1

Everything goes through the model layer (so identifying fields are encrypted and blind-indexed
exactly as in production), in batches, without the per-request audit and validation work of the
services. The same seed gives the same families (ciphertexts differ: Fernet uses a random IV).

Mix (roughly, from the guide and the demo IGP): four poli's; referrers mostly verloskundige,
huisarts, ziekenhuis and JGZ; 8% outside the target group; handovers spread over three years with
about a quarter late; kernteam consent for most families and some withdrawals; weekly MDO series
per poli with items, outcomes and actions; absences; exits after the second birthday.
"""
from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from igp import clock
from igp.admin.models import Poli
from igp.admin.services import work_calendar
from igp.audit import services as audit
from igp.auth.models import Organisation, User, UserRole
from igp.auth.services import hash_password
from igp.coordination.models import Absence, CoreTeamMember
from igp.crypto import bsn_index, name_birth_index
from igp.demo import load_base
from igp.extensions import db
from igp.families.models import Child, Family, FamilyNote, Intake, Parent, Referral
from igp.families.rules import PSEUDONYM_ALPHABET, add_months
from igp.handover.models import Handover, HandoverEvent, HandoverFeedback
from igp.mdo.models import AgendaItem, MdoAction, MdoAttendee, MdoMeeting, MdoOutcome, MinutesRevision
from igp.sharing.models import ConsentRecord
from igp.workdays import add_workdays, workdays_between

FIRST = ["Sanne", "Fatima", "Noor", "Emma", "Yasmina", "Lisa", "Aylin", "Priya", "Julia", "Sara", "Amal", "Iris",
         "Mila", "Nadia", "Lotte", "Esra", "Fleur", "Hanna", "Zeynep", "Maud", "Ilse", "Rachida", "Femke", "Ayse"]
LAST = ["de Boer", "Bakker", "El Idrissi", "Visser", "Yilmaz", "Jansen", "Meijer", "Bos", "Mulder", "de Groot",
        "Hoekstra", "Kaya", "van Dijk", "Smits", "Peeters", "Benali", "de Wit", "Dekker", "Verbeek", "Amrani",
        "Vos", "Koster", "Brouwer", "Öztürk", "Willems", "van Leeuwen"]
CHILDREN = ["Liam", "Noah", "Sem", "Julia", "Tess", "Adam", "Zoë", "Mohammed", "Lina", "Finn", "Saar", "Yara"]
STREETS = ["Lindelaan", "Havenstraat", "Molenweg", "Kerkstraat", "Parklaan", "Dorpsstraat", "Vaartkade"]
CITIES = ["Rijnstad", "Noordveen", "Oosterwold", "Zuidmeer", "Westerhaven"]
POLI_MIX = [("pop", 30), ("mamaplus", 30), ("neonatologie", 20), ("hse", 20)]
REFERRER_MIX = [("verloskundige", 30), ("huisarts", 18), ("ziekenhuis", 20), ("jgz", 12), ("wijkteam", 8),
                ("kraamzorg", 5), ("vsv", 3), ("ggz", 2), ("zelf", 1), ("anders", 1)]
VULNERABILITIES = ["financien", "huisvesting", "relatie", "opvoeding", "lvb", "trauma", "psychisch", "verslaving",
                   "netwerk"]
MEDICAL = {"pop": ["psychiatrie"], "mamaplus": ["psychiatrie", "anders", "dysmaturiteit"],
           "neonatologie": ["prematuriteit", "dysmaturiteit", "asfyxie"], "hse": ["huilen", "slaap", "voeding"]}
KERNTEAM = ["naw", "medische_voorgeschiedenis", "ontwikkeling_risicos", "consultverslagen", "verwijzingen",
            "mdo_notulen", "zorgplan"]
FAMILIES_PER_NURSE = 120   # active families a jeugdverpleegkundige coordinates, roughly
HISTORY_DAYS = 3 * 365


def _pick(rng: random.Random, mix):
    total = sum(w for _, w in mix)
    x = rng.uniform(0, total)
    for value, weight in mix:
        x -= weight
        if x <= 0:
            return value
    return mix[-1][0]


def _bsn(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1))) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


@dataclass
class Staff:
    hospital: Organisation
    jgz: Organisation
    nurses: list[User]
    others: list[User]
    chair: User
    polis: dict[str, Poli]


def _staff(n_families: int, rng: random.Random) -> Staff:
    """The demo organisations and users, plus enough nurses and professionals for the caseload."""
    if not db.session.scalar(select(func.count()).select_from(User)):
        load_base()
    orgs = {o.domain: o for o in db.session.scalars(select(Organisation).order_by(Organisation.id))}
    polis = {p.code: p for p in db.session.scalars(select(Poli))}
    password_hash = hash_password("synth-wachtwoord-2026")  # one hash for all generated users: fast
    wanted = max(3, n_families // (FAMILIES_PER_NURSE * 4))  # a quarter of families is active
    nurses = list(db.session.scalars(select(User).join(UserRole).where(UserRole.role == "jeugdverpleegkundige")
                                     .order_by(User.id)))
    created = 0
    while len(nurses) < wanted:
        created += 1
        user = User(username=f"synth.jvk{len(nurses):05d}", name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    organisation_id=orgs["jgz"].id, password_hash=password_hash, active=True, session_version=1,
                    email=f"synth.jvk{len(nurses):05d}@synth.igp.example", phone="010-0000000")
        user.role_rows = [UserRole(role="jeugdverpleegkundige")]
        db.session.add(user)
        nurses.append(user)
    others = list(db.session.scalars(select(User).join(UserRole).where(
        UserRole.role.in_(("sociaal_werker", "mmw", "jeugdarts", "kinderarts", "gynaecoloog"))).order_by(User.id)))
    chair = db.session.scalars(select(User).join(UserRole).where(UserRole.role == "mdo_voorzitter")
                               .order_by(User.id)).first()
    db.session.flush()
    return Staff(orgs["zorg"], orgs["jgz"], nurses, others, chair, polis)


def _pseudonyms(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    result = []
    while len(result) < count:
        candidate = "GZ-" + "".join(rng.choice(PSEUDONYM_ALPHABET) for _ in range(5))
        if candidate not in taken:
            taken.add(candidate)
            result.append(candidate)
    return result


def synth(n_families: int, seed: int = 1, batch: int = 1000, progress=None) -> dict:
    """Generate `n_families` families (with referrals, handovers, consents, intakes, MDO history,
    actions, absences and exits) deterministically from `seed`. Returns counts."""
    rng = random.Random(seed)
    now = clock.now()
    today = clock.today()
    calendar = work_calendar()
    staff = _staff(n_families, rng)
    taken = set(db.session.scalars(select(Family.pseudonym)))
    pseudonyms = _pseudonyms(rng, n_families, taken)
    counts = {"families": 0, "referrals": 0, "handovers": 0, "late": 0, "consents": 0, "withdrawn": 0,
              "intakes": 0, "exits": 0}
    creator = staff.nurses[0]
    active_by_poli: dict[str, list[int]] = {code: [] for code in staff.polis}
    for start in range(0, n_families, batch):
        rows: list = []
        for i in range(start, min(start + batch, n_families)):
            _family(rng, i, pseudonyms[i], staff, creator, now, today, calendar, rows, counts, active_by_poli)
        db.session.add_all(rows)
        db.session.flush()
        codes = {p.id: code for code, p in staff.polis.items()}
        for obj in rows:
            if isinstance(obj, Family) and obj.status in ("aangemeld", "in_intake", "actief"):
                active_by_poli[codes[obj.poli_id]].append(obj.id)
        db.session.expunge_all()  # keep memory flat at national scale
        staff = _staff(0, rng)
        creator = staff.nurses[0]
        if progress:
            progress(min(start + batch, n_families))
    counts["mdo_meetings"], counts["mdo_items"], counts["actions"] = _mdo(rng, staff, active_by_poli, now)
    counts["absences"] = _absences(rng, staff, today)
    audit.record("create", object_type="synth", detail=f"synthetic data: {counts['families']} families, seed {seed}")
    return counts


def _family(rng, i, pseudonym, staff, creator, now, today, calendar, rows, counts, active_by_poli):
    poli_code = _pick(rng, [(code, weight) for code, weight in POLI_MIX if code in staff.polis])  # the IGP's own polis
    poli = staff.polis[poli_code]
    referred = now - timedelta(days=rng.uniform(0, HISTORY_DAYS), hours=rng.uniform(0, 10))
    local_day = clock.local_date(referred)
    postnatal = poli_code in ("neonatologie", "hse") or rng.random() < 0.25
    eligible = rng.random() >= 0.08
    registering = staff.hospital if rng.random() < 0.45 else staff.jgz
    nurse = staff.nurses[i % len(staff.nurses)]
    age_days = (today - local_day).days
    child_birth = local_day - timedelta(days=rng.randint(3, 200)) if postnatal else local_day + timedelta(
        days=rng.randint(20, 200))
    status = _synthetic_status(rng, age_days, postnatal and add_months(child_birth, 24) <= today, eligible)
    family = Family(
        pseudonym=pseudonym, poli_id=poli.id, phase="postnatal" if postnatal else "prenatal", status=status,
        registering_organisation_id=registering.id, created_by_id=creator.id, created_at=referred,
        updated_at=referred, target_eligible=eligible,
        target_result={"eligible": eligible, "reasons": ["Synthetisch gezin."], "flags": [], "codes": []},
        expected_due_date=None if postnatal else child_birth,
        coordinator_id=nurse.id if eligible else None,
    )
    _people(rng, family, local_day, child_birth if postnatal else None)
    family.referrals.append(Referral(
        received_at=referred, received_on=local_day, referrer_type=_pick(rng, REFERRER_MIX),
        referrer_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", referrer_organisation="Praktijk",
        reason="Synthetische aanmelding.", vulnerabilities=rng.sample(VULNERABILITIES, k=rng.randint(1, 3)),
        medical_reasons=[rng.choice(MEDICAL[poli_code])], high_risk=rng.random() < 0.3, created_by_id=creator.id,
    ))
    rows.append(family)
    counts["families"] += 1
    counts["referrals"] += 1
    if rng.random() < 0.85:
        _kernteam_consent(rng, family, referred, creator, rows, counts)
    if not eligible:
        return
    handover = _handover(family, poli, referred, local_day, creator, calendar)
    rows.append(handover)
    counts["handovers"] += 1
    if age_days < 1:
        return
    _course(rng, family, handover, referred, local_day, nurse, now, calendar, rows, counts)
    if rng.random() < 0.25 and staff.others:
        member = staff.others[i % len(staff.others)]
        rows.append(CoreTeamMember(family=family, user_id=member.id, case_role=member.role_rows[0].role,
                                   added_by_id=creator.id, added_at=referred))
    if status == "uitgestroomd":
        _exit(rng, family, handover, referred, now, counts)


def _exit(rng, family, handover, referred, now, counts) -> None:
    # spread over the days from the aanmelding to now (an exit that would lie ahead is not piled onto
    # today: the 100k benchmark had 4,000 exits "an hour ago", which no real day has)
    latest = max(1, min(720, (now - referred).days - 1))
    exited = max(referred, min(now - timedelta(hours=1), referred + timedelta(days=rng.randint(min(120, latest), latest))))
    family.exit_reason = rng.choice(["doelen_bereikt", "leeftijdsgrens", "verhuisd", "gezin_stopt",
                                     "overgedragen"])
    family.exited_at, family.exited_on = exited, clock.local_date(exited)
    if handover.closed_at is None:
        handover.status, handover.closed_at = "geannuleerd", exited
    counts["exits"] += 1


def _synthetic_status(rng, age_days: int, child_too_old: bool, eligible: bool) -> str:
    if age_days > 365 * 2 or child_too_old:
        return "uitgestroomd"
    if not eligible:
        return "niet_in_doelgroep"
    if age_days < 6:
        return rng.choice(["aangemeld", "in_intake"])
    return "actief" if rng.random() < 0.9 else "uitgestroomd"


def _people(rng, family, local_day, child_birth) -> None:
    """The mother, often a partner, and the child once born (`child_birth` None: pregnant)."""
    mother = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    mother_birth = local_day - timedelta(days=rng.randint(18 * 365, 42 * 365))
    bsn = _bsn(rng)
    family.parents.append(Parent(
        position=1, name=mother, birth_date=mother_birth, bsn=bsn, bsn_index=bsn_index(bsn),
        name_birth_index=name_birth_index(mother, mother_birth), phone=f"06-{rng.randint(10000000, 99999999)}",
        address=f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
        postcode=f"{rng.randint(1000, 9999)} {''.join(rng.choice(string.ascii_uppercase) for _ in range(2))}",
        city=rng.choice(CITIES), preferred_language="Nederlands", interpreter_needed=rng.random() < 0.1))
    if rng.random() < 0.5:
        partner = f"{rng.choice(['Mark', 'Youssef', 'Daan', 'Kevin', 'Mehmet', 'Tim'])} {mother.split(' ', 1)[1]}"
        family.parents.append(Parent(position=2, name=partner))
    if child_birth is not None:
        child = rng.choice(CHILDREN)
        family.children.append(Child(position=1, name=child, birth_date=child_birth,
                                     name_birth_index=name_birth_index(child, child_birth),
                                     gestational_age_weeks=rng.randint(25, 41),
                                     birth_weight_grams=rng.randint(700, 4300)))


def _kernteam_consent(rng, family, referred, creator, rows, counts) -> None:
    """The 'kernteam' preset: one record per domain, now and then withdrawn later."""
    for domain in ("zorg", "jgz", "sociaal"):
        record = ConsentRecord(family=family, recipient_domain=domain, categories=KERNTEAM,
                               purpose="zorg_en_ondersteuning", given_at=referred,
                               valid_until=referred + timedelta(days=365 * 3), given_by=[], method="schriftelijk",
                               preset="kernteam", recorded_by_id=creator.id)
        if rng.random() < 0.02:
            record.withdrawn_at = referred + timedelta(days=rng.randint(5, 100))
            record.withdrawn_by_id = creator.id
            record.withdrawal_reason = "Verzoek van de ouders."
            counts["withdrawn"] += 1
        rows.append(record)
        counts["consents"] += 1


def _handover(family, poli, referred, local_day, creator, calendar) -> Handover:
    term = poli.handover_term_workdays or 5
    handover = Handover(family=family, direction="in", poli_id=poli.id, status="aangemeld", started_at=referred,
                        started_on=local_day, term_workdays=term, deadline=add_workdays(local_day, term, calendar))
    handover.events.append(HandoverEvent(event_type="aangemeld", at=referred, by_user_id=creator.id,
                                         to_status="aangemeld"))
    return handover


def _course(rng, family, handover, referred, local_day, nurse, now, calendar, rows, counts) -> None:
    """Contact, the planned intake and, when it lies in the past, the intake held (about 25% late)."""
    contact = referred + timedelta(hours=rng.randint(2, 48))
    if contact < now:
        handover.status, handover.contact_at = "contact_gelegd", contact
        handover.events.append(HandoverEvent(event_type="contact_gelegd", at=contact, by_user_id=nurse.id,
                                             contact_mode="coordinator_met_gezin", from_status="aangemeld",
                                             to_status="contact_gelegd"))
    delay = rng.choice([1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 9, 12])  # working days to the intake: ~25% late
    held_day = add_workdays(local_day, delay, calendar)
    held_at = clock.from_local(held_day, rng.choice([9, 10, 11, 13, 14, 15]))
    planned_at = held_at
    if planned_at < now or rng.random() < 0.7:
        handover.status, handover.intake_planned_at = "intake_gepland", planned_at
        handover.events.append(HandoverEvent(event_type="intake_gepland", at=min(contact, now), by_user_id=nurse.id,
                                             from_status="contact_gelegd", to_status="intake_gepland"))
    if held_at < now - timedelta(hours=1):  # else planned in the past, not recorded: late or at risk now
        _held(rng, family, handover, local_day, held_day, held_at, planned_at, nurse, calendar, rows, counts)


def _held(rng, family, handover, local_day, held_day, held_at, planned_at, nurse, calendar, rows, counts) -> None:
    met = held_day <= handover.deadline
    handover.status, handover.intake_held_at, handover.closed_at = "intake_gehouden", held_at, held_at
    handover.term_met = met
    handover.workdays_to_intake = workdays_between(local_day, held_day, calendar)
    if not met:
        handover.missed_reason = rng.choice(["gezin_niet_bereikbaar", "capaciteit", "gezin_wil_later",
                                             "administratief"])
        handover.missed_text = "Synthetisch."
        counts["late"] += 1
    handover.events.append(HandoverEvent(event_type="intake_gehouden", at=held_at, by_user_id=nurse.id,
                                         from_status="intake_gepland", to_status="intake_gehouden"))
    if rng.random() < 0.9:
        handover.feedback_referrer = "telefoon"
        handover.completed_at = held_at + timedelta(days=1)
        handover.feedback.append(HandoverFeedback(recipient="verwijzer", method="telefoon",
                                                  at=held_at + timedelta(hours=20), by_user_id=nurse.id))
    intake = Intake(family=family, intake_type=rng.choice(["gezamenlijk", "gefaseerd"]),
                    location=rng.choice(["ziekenhuis", "consultatiebureau", "thuis"]), planned_at=planned_at,
                    held_at=held_at, report="Kennismaking.", outcome="actief", plan="Contact elke week.",
                    created_by_id=nurse.id, created_at=held_at)
    rows.append(intake)
    counts["intakes"] += 1
    if rng.random() < 0.3:
        rows.append(FamilyNote(family=family, category=rng.choice(["consultverslagen", "overleg_derden"]),
                               text="Synthetische aantekening.", author_id=nurse.id,
                               created_at=held_at + timedelta(days=7)))


def _mdo(rng, staff, active_by_poli, now) -> tuple[int, int, int]:
    """Weekly MDO per poli over the last year, each with ~8 items, outcomes and actions."""
    meetings = items_total = actions = 0
    attendees = [u.id for u in staff.nurses[:3]] + [u.id for u in staff.others[:3]]
    for code, poli in staff.polis.items():
        family_ids = active_by_poli.get(code) or []
        if not family_ids:
            continue
        for week in range(52, 0, -1):
            starts = now - timedelta(weeks=week, hours=rng.randint(0, 3))
            meeting = MdoMeeting(poli_id=poli.id, starts_at=starts, duration_minutes=90,
                                 chair_id=staff.chair.id if staff.chair else None, quorum_domains=["zorg", "jgz"],
                                 quorum_roles=[], status="afgerond", finalised_at=starts + timedelta(hours=2),
                                 finalised_by_id=staff.chair.id if staff.chair else None)
            meeting.attendees = [MdoAttendee(user_id=uid, status="aanwezig") for uid in dict.fromkeys(
                [staff.chair.id] + attendees if staff.chair else attendees)]
            chosen = rng.sample(family_ids, k=min(8, len(family_ids)))
            for position, family_id in enumerate(chosen, start=1):
                discussed = rng.random() < 0.9
                item = AgendaItem(family_id=family_id, position=position, reasons=["lang_niet_besproken"],
                                  status="besproken" if discussed else "niet_besproken")
                if discussed:
                    item.revisions.append(MinutesRevision(text="Besproken.", author_id=staff.chair.id,
                                                          created_at=starts + timedelta(minutes=20)))
                    kind = rng.choice(["besluit", "advies", "actie", "doorverwijzing"])
                    outcome = MdoOutcome(kind=kind, text="Synthetische uitkomst.", quorum_met=rng.random() < 0.9,
                                         created_by_id=staff.chair.id, created_at=starts + timedelta(minutes=25),
                                         referral_type=rng.choice(["kindergeneeskunde", "ggz", "jeugdzorg", "welzijn",
                                                                   "paramedisch", "veilig_thuis"])
                                         if kind == "doorverwijzing" else None)
                    if kind == "actie":
                        due = clock.local_date(starts) + timedelta(days=rng.randint(5, 21))
                        done = rng.random() < 0.8 and due < clock.today()
                        outcome.action = MdoAction(family_id=family_id, owner_id=staff.nurses[family_id %
                                                                                                len(staff.nurses)].id,
                                                   due_date=due, status="gedaan" if done else "open",
                                                   done_at=starts + timedelta(days=rng.randint(1, 20)) if done else None)
                        if done:
                            outcome.action.done_on = clock.local_date(outcome.action.done_at)
                        actions += 1
                    item.outcomes.append(outcome)
                meeting.items.append(item)
                items_total += 1
            db.session.add(meeting)
            meetings += 1
        db.session.flush()
        db.session.expunge_all()
        staff = _staff(0, rng)
    return meetings, items_total, actions


def _absences(rng, staff, today) -> int:
    """About 5% of the nurses is absent today (the last ones: the demo users stay present); once."""
    if db.session.scalar(select(func.count()).select_from(Absence)):
        return 0
    count = 0
    absent = staff.nurses[-max(1, len(staff.nurses) // 20):]
    for n, nurse in enumerate(absent):
        substitute = staff.nurses[n % max(1, len(staff.nurses) - len(absent))] if rng.random() < 0.8 else None
        db.session.add(Absence(user_id=nurse.id, starts_on=today - timedelta(days=1),
                               ends_on=today + timedelta(days=rng.randint(2, 10)), reason="verlof",
                               substitute_id=substitute.id if substitute and substitute.id != nurse.id else None,
                               recorded_by_id=nurse.id))
        count += 1
    db.session.flush()
    return count

