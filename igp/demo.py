"""A fictional demo IGP: organisations, poli's and a user for every role.

All names are invented. `flask --app igp demo` loads it into an empty database.
"""
from __future__ import annotations

from sqlalchemy import func, select

from igp.admin.services import create_poli, save_local_team
from igp.auth.models import User
from igp.auth.services import create_organisation, create_user
from igp.demo_families import load_absences, load_families, load_mdo
from igp.errors import ValidationError
from igp.extensions import db

DEMO_PASSWORD = "demo-igp-2026!"

ORGANISATIONS = [
    ("Rijnstad Ziekenhuis", "zorg"),
    ("JGZ Rijnstad", "jgz"),
    ("Wijkteam Rijnstad-Noord", "sociaal"),
    ("Home-Start Rijnstad", "informeel"),
]

# code, name, second-line care (tweedelijns zorg): the four poli's of the guide are the hospital's (§2)
POLIS = [
    ("pop", "POP-poli", True),
    ("mamaplus", "MamaPlusPoli", True),
    ("neonatologie", "Nazorg neonatologie", True),
    ("hse", "Huil-, slaap- en eetproblemen", True),
]

# username, full name, organisation index, roles, skj
USERS = [
    ("gyn.dekker", "Dr. Anna Dekker", 0, ["gynaecoloog"], False),
    ("vk.bos", "Fatima Bos", 0, ["verloskundige"], False),
    ("ka.vermeulen", "Dr. Jeroen Vermeulen", 0, ["kinderarts", "mdo_voorzitter"], False),
    ("mmw.jansen", "Sanne Jansen", 0, ["mmw"], True),
    ("ja.peters", "Dr. Karim Peters", 1, ["jeugdarts"], False),
    ("jvk.smit", "Lotte Smit", 1, ["jeugdverpleegkundige"], False),
    ("jvk.elamrani", "Yasmina El Amrani", 1, ["jeugdverpleegkundige"], False),
    ("jvk.visser", "Ingrid Visser", 1, ["jeugdverpleegkundige"], False),
    ("sw.mulder", "Daan Mulder", 2, ["sociaal_werker"], True),
    ("planner.kok", "Monique Kok", 1, ["planner"], False),
    ("vrijw.dijkstra", "Els Dijkstra", 3, ["informele_steun"], False),
    ("mdo.dejong", "Dr. Pieter de Jong", 0, ["mdo_voorzitter", "gynaecoloog"], False),
    ("pl.hendriks", "Marieke Hendriks", 1, ["projectleider"], False),
    ("po.vandenberg", "Thomas van den Berg", 0, ["privacy_officer"], False),
    ("beheer.admin", "Functioneel beheer", 1, ["beheerder"], False),
]


def demo_users() -> list[User] | None:
    """The demo users present, or None when the database has no users at all."""
    if not db.session.scalar(select(func.count()).select_from(User)):
        return None
    names = [u[0] for u in USERS]
    found = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(names)))}
    return [found[n] for n in names if n in found]


def load_demo() -> list[User]:
    users = load_base()

    load_families()
    load_mdo()
    load_absences()
    return users


def load_base() -> list[User]:
    """Organisations, poli's and a user of every role (no families)."""
    if db.session.scalar(select(func.count()).select_from(User)):
        raise ValidationError({"_": "de database is niet leeg; de demo vult alleen een lege database."})
    orgs = [create_organisation(name, domain) for name, domain in ORGANISATIONS]
    for code, name, second_line in POLIS:
        create_poli(code, name, second_line=second_line)
    users = []
    for n, (username, name, org_index, roles, skj) in enumerate(USERS):
        users.append(create_user(
            username=username, name=name, organisation=orgs[org_index], roles=roles,
            password=DEMO_PASSWORD, email=f"{username}@demo.igp.example", phone=f"010-555{n:04d}",
            skj_registered=skj,
        ))
    load_local_teams(users)
    return users


# gemeente, the team's own name, wijken, contact (name, phone, e-mail) or a demo user's username
LOCAL_TEAMS = [
    ("Rijnstad", "Sociaal Wijkteam Noord", "Noord, Centrum", "sw.mulder"),
    ("Rijnstad", "Buurtteam Rijnstad-Zuid", "Zuid, Oosterpark", ("Fatima Ouali", "010-5559876", None)),
    ("Heuveldorp", "Sociaal Team Heuveldorp", "Dorpskern, Buitengebied",
     ("Joost van Dam", None, "sociaalteam@heuveldorp.example")),
]


def load_local_teams(users: list[User]) -> None:
    """Two gemeenten with their wijken and local teams, each with one fixed contact person."""
    by_name = {u.username: u for u in users}
    keeper = next(u for u in users if u.has_role("beheerder"))
    for gemeente, name, wijken, contact in LOCAL_TEAMS:
        data = {"gemeente_name": gemeente, "name": name, "wijken": wijken}
        if isinstance(contact, str):
            data["contact_user_id"] = by_name[contact].id
        else:
            data.update(contact_name=contact[0], contact_phone=contact[1], contact_email=contact[2])
        save_local_team(keeper, data)
