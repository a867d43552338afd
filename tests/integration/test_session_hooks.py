"""The audit chain and the mail outbox hook into the session in create_app, not at import; the
hooks are installed once however many apps are made, and a test can take them out."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from config import Testing
from igp import app as app_module
from igp import create_app, mail
from igp.audit import services as audit
from igp.audit.models import AuditEntry
from igp.extensions import db


@pytest.fixture
def own_app(tmp_path):
    application = create_app(Testing(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'hooks.db'}",
                                     INSTANCE_PATH=str(tmp_path)))
    with application.app_context():
        db.create_all()
        yield application
        db.session.remove()
        db.engine.dispose()
    app_module.install_session_hooks()   # whatever a test did, the next one has them


def _entries() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def _hooked() -> list[bool]:
    return [event.contains(Session, name, hook) for name, hook in (*audit.SESSION_HOOKS, *mail.SESSION_HOOKS)]


def test_create_app_installs_the_hooks_once(own_app, tmp_path):
    assert all(_hooked())
    create_app(Testing(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'other.db'}", INSTANCE_PATH=str(tmp_path)))
    audit.record("export", object_type="report", detail="one entry, written once")
    db.session.commit()
    assert _entries() == 1


def test_without_the_hooks_nothing_is_written_and_they_come_back(own_app):
    app_module.remove_session_hooks()
    assert not any(_hooked())
    audit.record("export", object_type="report", detail="queued, never written")
    db.session.commit()
    assert _entries() == 0
    db.session.remove()   # a new session: the queued entry went with the old one
    app_module.install_session_hooks()
    audit.record("export", object_type="report", detail="written")
    db.session.commit()
    assert _entries() == 1
