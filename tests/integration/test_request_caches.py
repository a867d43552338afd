"""Per-request and per-process caches (issue 21): the settings are kept a few seconds per process and
emptied by a change; the viewer's substitutions are read once per request and again after a write."""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, update

from igp.admin import services as admin
from igp.admin.models import Setting
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
    # another worker writes the setting: this process keeps its copy for SETTINGS_CACHE_SECONDS
    with app.app_context():
        db.session.add(Setting(key="handover_term_workdays", value=json.dumps(7)))
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
