"""Every CLI command, including its errors: one line, exit code 1, nothing half-written."""
from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import func, select

from config import Testing
from igp import create_app
from igp.auth.models import Organisation, User
from igp.demo import DEMO_PASSWORD, USERS
from tests.conftest import PASSWORD


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, input=None):
        return runner.invoke(args=list(args), input=input)

    return run


def _count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_org_create_prints_id_and_refuses_bad_input(cli, db_session):
    result = cli("org", "create", "--name", "JGZ Noord", "--domain", "jgz")
    assert result.exit_code == 0
    org = db_session.get(Organisation, int(result.output.strip()))
    assert (org.name, org.domain) == ("JGZ Noord", "jgz")
    bad = cli("org", "create", "--name", "Iets", "--domain", "gemeente")
    assert bad.exit_code == 1 and bad.output.count("\n") == 1
    assert "Onbekend domein 'gemeente'" in bad.output
    dup = cli("org", "create", "--name", "jgz noord", "--domain", "jgz")
    assert dup.exit_code == 1 and "bestaat al" in dup.output
    assert _count(db_session, Organisation) == 1


def test_poli_create(cli):
    assert cli("poli", "create", "--code", "pop", "--name", "POP-poli").exit_code == 0
    dup = cli("poli", "create", "--code", "pop", "--name", "Andere naam")
    assert dup.exit_code == 1 and "code 'pop'" in dup.output
    bad = cli("poli", "create", "--code", "P O P", "--name", "X")
    assert bad.exit_code == 1 and "Code" in bad.output
    listing = cli("poli", "list")
    assert "pop\tPOP-poli" in listing.output


def test_user_create_reads_password_from_stdin(cli, db_session, make_org):
    make_org("Ziekenhuis", "zorg")
    secret = pyotp.random_base32()
    result = cli("user", "create", "--username", "Dr.Bakker", "--name", "Dr. Eva Bakker", "--org", "Ziekenhuis",
                 "--role", "gynaecoloog", "--role", "mdo_voorzitter", "--password-stdin", "--totp-secret", secret,
                 input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    user = db_session.get(User, int(result.output.strip()))
    assert user.username == "dr.bakker"
    assert user.roles == {"gynaecoloog", "mdo_voorzitter"}
    assert user.totp_enrolled and user.totp_secret == secret
    assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("args,message", [
    (["--role", "chirurg"], "Onbekende rol 'chirurg'"),
    (["--org", "Bestaat Niet"], "Onbekende organisatie"),
    (["--username", "bestaat"], "bestaat al"),
    (["--totp-secret", "not base32!"], "TOTP"),
])
def test_user_create_errors(cli, db_session, make_org, make_user, args, message):
    make_org("Ziekenhuis", "zorg")
    make_user("planner", username="bestaat")
    base = {"--username": "nieuw", "--name": "Nieuwe Gebruiker", "--org": "Ziekenhuis", "--role": "mmw"}
    for key, value in zip(args[::2], args[1::2]):
        base[key] = value
    argv = ["user", "create", "--password-stdin"] + [x for kv in base.items() for x in kv]
    before = _count(db_session, User)
    result = cli(*argv, input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert message in result.output and result.output.startswith("Fout:")
    assert _count(db_session, User) == before


def test_user_create_needs_password_on_stdin(cli, make_org):
    make_org("Ziekenhuis", "zorg")
    result = cli("user", "create", "--username", "a.b", "--name", "A B", "--org", "Ziekenhuis", "--role", "mmw")
    assert result.exit_code == 1 and "--password-stdin" in result.output
    short = cli("user", "create", "--username", "a.b", "--name", "A B", "--org", "Ziekenhuis", "--role", "mmw",
                "--password-stdin", input="kort\n")
    assert short.exit_code == 1 and "12 tekens" in short.output


def test_demo_fills_an_empty_database_once(cli, db_session):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    for username, *_ in USERS:
        assert username in result.output
    roles = set()
    for user in db_session.scalars(select(User)):
        roles |= user.roles
    from consent import ROLES

    assert roles == set(ROLES)  # a demo user for every role
    again = cli("demo")
    assert again.exit_code == 1 and "niet leeg" in again.output


def test_audit_verify_exit_codes(cli, db_session):
    from sqlalchemy import text

    cli("org", "create", "--name", "A", "--domain", "zorg")
    cli("org", "create", "--name", "B", "--domain", "jgz")
    ok = cli("audit", "verify")
    assert ok.exit_code == 0 and "intact: 2 entries" in ok.output
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
    else:
        db_session.execute(text("DROP TRIGGER audit_entry_no_update"))
    db_session.execute(text("UPDATE audit_entry SET detail = 'changed' WHERE seq = 1"))
    broken = cli("audit", "verify")
    assert broken.exit_code == 1 and "BROKEN (edited) at entry seq=1" in broken.output


def test_keys_rotate_is_available(cli):
    result = cli("keys", "rotate")
    assert result.exit_code == 0 and "re-encrypted with the current key" in result.output


def test_database_behind_migrations(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = create_app(Testing(SQLALCHEMY_DATABASE_URI=url))
    response = app.test_client().get("/login")
    assert response.status_code == 503
    assert "flask --app igp db upgrade" in response.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["org", "create", "--name", "X", "--domain", "zorg"])
    assert result.exit_code == 1 and "db upgrade" in result.output
    api = app.test_client().get("/api/v1/me")
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "schema_behind"


def test_synth_generates_fictional_families_but_never_in_production(cli, app, db_session):
    from igp.families.models import Family

    result = cli("synth", "--families", "5", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(func.count()).select_from(Family)) == 5
    app.config["ENV_NAME"] = "production"
    try:
        refused = cli("synth", "--families", "5")
    finally:
        app.config["ENV_NAME"] = "testing"
    assert refused.exit_code == 1 and "weigert in productie" in refused.output
    assert db_session.scalar(select(func.count()).select_from(Family)) == 5


def test_duplicates_scan_queues_hidden_matches_once(cli, network, register, db_session):
    from igp.families.models import DuplicateCandidate
    from igp.families.services import aanmelden
    from tests.conftest import family_data

    register(network.gyn)
    aanmelden(network.outsider, family_data())   # the same mother, registered where it cannot see her
    db_session.commit()
    first = cli("duplicates", "scan")
    assert first.exit_code == 0 and first.output.strip() == ("2 new registration(s) checked, "
                                                              "1 possible duplicate(s) queued.")
    again = cli("duplicates", "scan")
    assert again.output.strip() == "0 new registration(s) checked, 0 possible duplicate(s) queued."
    assert db_session.scalar(select(func.count()).select_from(DuplicateCandidate)) == 1


def test_reports_rebuild_facts_derives_the_monitoring_facts_again(cli, network, register, db_session):
    """Birth outcomes and plan referrals are derived on write; after an import or `synth` (which
    writes children directly) the command derives them from the encrypted data."""
    from igp.families.models import BirthOutcome, Child
    from igp.plan import services as plan_services
    from igp.plan.models import PlanReferralFact
    from igp.synth import synth

    family = register(network.gyn, phase="postnatal", expected_due_date=None, consent={
        "preset": "kernteam", "method": "schriftelijk"}, children=[{"name": "K", "birth_date": "2026-11-02",
                                                                   "gestational_age_weeks": 33}])
    nurse = db_session.get(User, family.coordinator_id)
    plan_services.save_plan(nurse, family.id, {"version": 0, "hulpvraag": "Rust", "start_date": "2026-11-20",
                                               "evaluation_date": "2027-01-20",
                                               "referrals": [{"to": "GGZ", "referral_type": "ggz",
                                                              "status": "aangevraagd"}]})
    synth(3, 5, batch=10)
    db_session.commit()
    db_session.execute(BirthOutcome.__table__.delete())
    db_session.execute(PlanReferralFact.__table__.delete())
    db_session.commit()
    result = cli("reports", "rebuild-facts")
    assert result.exit_code == 0, result.output
    assert "referrals of 1 plans" in result.output
    assert _count(db_session, PlanReferralFact) == 1
    born = [c for c in db_session.scalars(select(Child)) if not c.sibling and c.birth_date is not None]
    assert len(born) >= 1 and _count(db_session, BirthOutcome) == len(born)   # one row per index child born
    again = cli("reports", "rebuild-facts")   # idempotent: the same rows, none twice
    assert again.exit_code == 0
    assert (_count(db_session, PlanReferralFact), _count(db_session, BirthOutcome)) == (1, len(born))


def test_search_reindex_writes_the_index_for_every_family(cli, network, register, db_session):
    from igp.families.models import SearchToken
    from igp.families.services import forgiving_search

    family = register(network.gyn, parents=[{"name": "Reindex Ouder", "birth_date": "1990-01-01"}])
    db_session.execute(SearchToken.__table__.delete())
    db_session.commit()
    assert forgiving_search(network.gyn, "reindex") == []
    result = cli("search", "reindex")
    assert result.exit_code == 0 and "families written" in result.output, result.output
    assert [f.pseudonym for f in forgiving_search(network.gyn, "reindex")] == [family.pseudonym]
