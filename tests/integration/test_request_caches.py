"""Per-request and per-process caches (issue 21): the settings are kept a few seconds per process and
emptied by a change; the viewer's substitutions are read once per request and again after a write."""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, update

from igp.admin import services as admin
from igp.admin.models import Setting
from igp.auth.models import User
from igp.coordination.models import Absence
from igp.extensions import db
from igp.sharing import involvement


@contextmanager
def _request(app):
    """A request as a worker serves it: its own app context (so its own flask.g)."""
    with app.app_context(), app.test_request_context("/"):
        yield


def _statements(app, table: str | None = None):
    count = {"n": 0}

    def counter(conn, cursor, statement, *_args):
        if table is None or f"FROM {table}" in statement:
            count["n"] += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    return count, lambda: event.remove(db.engine, "before_cursor_execute", counter)


def test_settings_are_read_once_per_request_in_one_statement(app):
    count, stop = _statements(app, "setting")
    try:
        with _request(app):
            values = [admin.get_setting(k) for k in ("handover_term_workdays", "calendar", "need_to_know",
                                                     "consent_both_parents", "handover_term_workdays")]
    finally:
        stop()
    assert values[0] == 5 and values[3] is False
    assert count["n"] == 1


def test_the_process_keeps_settings_for_a_few_seconds_and_a_change_empties_its_copy(app):
    app.config["SETTINGS_CACHE_SECONDS"] = 60
    with _request(app):
        assert admin.get_setting("handover_term_workdays") == 5
    # another worker writes the setting (not through this process's session hooks): this process keeps
    # its copy for SETTINGS_CACHE_SECONDS
    with app.app_context():
        db.session.connection().execute(Setting.__table__.insert().values(key="handover_term_workdays",
                                                                          value=json.dumps(7)))
        db.session.commit()
    with _request(app):
        assert admin.get_setting("handover_term_workdays") == 5
        assert admin.get_setting("handover_term_workdays", fresh=True) == 7
    # a change made by this process is seen at once (by the next request too)
    with _request(app):
        admin.set_setting("handover_term_workdays", 9)
        assert admin.get_setting("handover_term_workdays") == 9
        db.session.commit()
    with _request(app):
        assert admin.get_setting("handover_term_workdays") == 9
    app.config["SETTINGS_CACHE_SECONDS"] = 0
    with app.app_context():
        db.session.execute(update(Setting).where(Setting.key == "handover_term_workdays").values(value="11"))
        db.session.commit()
    with _request(app):
        assert admin.get_setting("handover_term_workdays") == 11   # no process copy without a TTL


def test_substitutions_are_read_once_per_request_and_again_after_a_write(app, make_user):
    nurse, colleague = make_user(username="vervanger.een"), make_user(username="afwezig.een")
    day = date(2026, 11, 24)
    with _request(app):
        assert involvement.substituted_user_ids(nurse.id, day) == []
        count, stop = _statements(app)
        try:
            assert involvement.substituted_user_ids(nurse.id, day) == []
            assert count["n"] == 0                   # the same request: no statement
            db.session.add(Absence(user_id=colleague.id, starts_on=day, ends_on=day, reason="ziek",
                                   substitute_id=nurse.id, recorded_by_id=nurse.id))
            db.session.flush()                        # a write empties the request's cache
            assert involvement.substituted_user_ids(nurse.id, day) == [colleague.id]
        finally:
            stop()


# ------------------------------------------------------------------ reference data per process (igp.process_cache)

def _poli_names():
    return [p.name for p in admin.list_polis(active_only=False)]


def test_reference_data_is_kept_per_process_and_a_change_of_this_process_is_seen_at_once(app, make_org):
    from sqlalchemy import text

    from igp.auth import services as auth
    from igp.families import codes

    app.config["SETTINGS_CACHE_SECONDS"] = 60
    org = make_org(name="Ziekenhuis Noord")
    with app.app_context():
        admin.create_poli("gyn", "Gynaecologie")
        db.session.commit()
    with _request(app):
        before = _poli_names()
        assert "Ziekenhuis Noord" in [o.name for o in auth.organisations()]
        codes.labels("vulnerabilities")
        assert not isinstance(admin.list_polis()[0], db.Model)       # plain rows: they outlive the session
    count, stop = _statements(app)
    try:
        with _request(app):                      # the next request: nothing of it is read again
            assert _poli_names() == before and auth.organisations() and codes.labels("vulnerabilities")
        assert count["n"] == 0
    finally:
        stop()
    # another worker renames the organisation (not through this process's session hooks)
    with app.app_context():
        db.session.execute(text("UPDATE organisation SET name = 'Ziekenhuis Zuid' WHERE id = :i"), {"i": org.id})
        db.session.commit()
    with _request(app):
        assert "Ziekenhuis Noord" in [o.name for o in auth.organisations()]   # until the copy is a minute old
    # this process adds a poli: seen at once, in this request and the next
    with _request(app):
        admin.create_poli("kraam", "Kraamzorg")
        assert "Kraamzorg" in _poli_names()
        db.session.commit()
    with _request(app):
        assert "Kraamzorg" in _poli_names()
        # only what was read from the changed table is read again: the organisations are still the copy
        assert "Ziekenhuis Noord" in [o.name for o in auth.organisations()]
    app.config["SETTINGS_CACHE_SECONDS"] = 0
    with _request(app):
        assert "Ziekenhuis Zuid" in [o.name for o in auth.organisations()]    # no process copy without a TTL


def test_a_change_rolled_back_is_not_kept_by_the_process(app):
    from igp.admin.models import Poli

    app.config["SETTINGS_CACHE_SECONDS"] = 60
    with _request(app):
        before = _poli_names()
    with _request(app):
        db.session.add(Poli(code="tijdelijk", name="Tijdelijke poli", active=True))
        db.session.flush()
        assert "Tijdelijke poli" in _poli_names()      # this transaction sees its own change, read fresh
        db.session.rollback()
    with _request(app):
        assert _poli_names() == before                   # the uncommitted poli was never kept
    app.config["SETTINGS_CACHE_SECONDS"] = 0


def test_a_code_renamed_by_this_process_is_seen_at_once(app, make_user):
    from igp.families import codes

    app.config["SETTINGS_CACHE_SECONDS"] = 60
    keeper = make_user("beheerder")
    with _request(app):
        code = codes.entries("vulnerabilities")[0].code
    with _request(app):
        codes.rename_code(keeper, "vulnerabilities", code, {"label": "Nieuwe naam"})
        db.session.commit()
    with _request(app):
        assert codes.labels("vulnerabilities")[code] == "Nieuwe naam"
    app.config["SETTINGS_CACHE_SECONDS"] = 0


def test_pick_lists_and_local_teams_are_kept_per_process_and_this_process_s_changes_are_seen_at_once(app, make_user):
    from sqlalchemy import text

    from igp.auth import services as auth

    app.config["SETTINGS_CACHE_SECONDS"] = 60
    keeper, nurse = make_user("beheerder"), make_user("jeugdverpleegkundige", name="Nienke Kempen")
    keeper_id = keeper.id
    with app.app_context():
        admin.save_local_team(keeper, {"gemeente_name": "Rijnstad", "name": "Buurtteam Zuid", "wijken": "Zuid",
                                       "contact_name": "Karin de Wit", "contact_phone": "030-1234567"})
        db.session.commit()
    with _request(app):
        assert "Nienke Kempen" in [p.name for p in auth.people()]
        assert [c["name"] for c in admin.area_choices()] == ["Rijnstad"]
    count, stop = _statements(app)
    try:
        with _request(app):                       # the next request reads neither again
            assert auth.people() and admin.area_choices() and admin.local_team_for("rijnstad", "zuid")
        assert count["n"] == 0
    finally:
        stop()
    # another worker deactivates the nurse and renames the team: this process keeps its copy a minute
    with app.app_context():
        db.session.execute(text("UPDATE \"user\" SET active = :f WHERE id = :i"), {"f": False, "i": nurse.id})
        db.session.execute(text("UPDATE local_team SET name = 'Elders'"))
        db.session.commit()
    with _request(app):
        assert "Nienke Kempen" in [p.name for p in auth.people()]
        assert admin.local_team_for("rijnstad", "zuid").name == "Buurtteam Zuid"
    # this process adds a team: the teams are read again at once (with the other worker's change), the
    # pick list is not
    with _request(app):
        admin.save_local_team(keeper, {"gemeente_name": "Heuveldorp", "name": "Sociaal Team Heuveldorp",
                                       "contact_name": "Piet Bos", "contact_email": "team@heuveldorp.example"})
        db.session.commit()
    with _request(app):
        assert [c["name"] for c in admin.area_choices()] == ["Heuveldorp", "Rijnstad"]
        assert admin.local_team_for("rijnstad", "zuid").name == "Elders"
        assert "Nienke Kempen" in [p.name for p in auth.people()]
    # this process renames a user: the pick list is read again at once
    with _request(app):
        db.session.execute(update(User).where(User.id == keeper_id).values(name="Bea Beheer"))
        db.session.commit()
    with _request(app):
        names = [p.name for p in auth.people()]
        assert "Bea Beheer" in names and "Nienke Kempen" not in names
    app.config["SETTINGS_CACHE_SECONDS"] = 0
