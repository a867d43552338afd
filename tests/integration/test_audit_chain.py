"""The audit log is a hash chain: every kind of tampering is detected."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from igp.audit import services as audit
from igp.audit.models import AuditEntry


@pytest.fixture
def chain(app, db_session):
    for i in range(6):
        audit.record("read", username="tester", object_type="family", object_id=i, family_pseudonym=f"GZ-{i:05d}",
                     shown=["naw"], withheld=[("medicatie", "geen_toestemming")], consent_ids=[3, 1])
    db_session.commit()
    assert audit.verify_chain().ok
    return db_session


@pytest.fixture
def tamper(chain):
    """Allow direct changes for the duration of this test's transaction (rolled back after it);
    normally triggers refuse them."""
    disable_audit_triggers(chain)
    return chain


def disable_audit_triggers(session):
    """What a database superuser can do: switch the append-only triggers off."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
        session.execute(text("ALTER TABLE audit_head DISABLE TRIGGER USER"))
    else:
        for name in ("audit_entry_no_update", "audit_entry_no_delete", "audit_head_no_second",
                     "audit_head_forward_only", "audit_head_no_delete"):
            session.execute(text(f"DROP TRIGGER {name}"))


def _entry(session, seq):
    return session.scalars(select(AuditEntry).where(AuditEntry.seq == seq)).one()


def test_intact_chain_verifies(chain):
    result = audit.verify_chain()
    assert result.ok and result.checked == 6
    entry = _entry(chain, 1)
    assert entry.consent_ids == "1,3" and entry.categories_withheld == "medicatie:geen_toestemming"


def test_edited_row_is_detected(tamper):
    tamper.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(username="someone else"))
    result = audit.verify_chain()
    assert not result.ok and result.broken_seq == 3 and "edited" in result.problem


def test_deleted_row_is_detected(tamper):
    tamper.execute(text("DELETE FROM audit_entry WHERE seq = 4"))
    result = audit.verify_chain()
    assert not result.ok and result.broken_seq == 5


def test_deleted_first_row_is_detected(tamper):
    tamper.execute(text("DELETE FROM audit_entry WHERE seq = 1"))
    result = audit.verify_chain()
    assert not result.ok and result.broken_seq == 2


def test_truncated_tail_is_detected(tamper):
    tamper.execute(text("DELETE FROM audit_entry WHERE seq >= 5"))
    result = audit.verify_chain()
    assert not result.ok and "cut off" in result.problem


def test_inserted_row_is_detected(tamper):
    last = _entry(tamper, 6)
    # a forger without the chain key copies a valid-looking link
    tamper.execute(text(
        "INSERT INTO audit_entry (seq, at, action, outcome, prev_hash, entry_hash) "
        "VALUES (7, :at, 'read', 'allowed', :prev, :fake)"), {"at": last.at, "prev": last.entry_hash, "fake": "f" * 64})
    result = audit.verify_chain()
    assert not result.ok and result.broken_seq == 7


def test_reordered_rows_are_detected(tamper):
    tamper.execute(text("UPDATE audit_entry SET seq = 100 WHERE seq = 2"))
    tamper.execute(text("UPDATE audit_entry SET seq = 2 WHERE seq = 3"))
    tamper.execute(text("UPDATE audit_entry SET seq = 3 WHERE seq = 100"))
    result = audit.verify_chain()
    assert not result.ok and result.broken_seq == 2


def test_altered_head_is_detected(tamper):
    tamper.execute(text("UPDATE audit_head SET last_seq = 5"))
    result = audit.verify_chain()
    assert not result.ok and "head" in result.problem


def test_rewritten_chain_without_key_is_detected(tamper):
    # an attacker recomputes hashes with a guessed key: the chain no longer matches the real key
    from igp.audit.services import HASHED_FIELDS, entry_hash

    entry = _entry(tamper, 2)
    values = {f: getattr(entry, f) for f in HASHED_FIELDS}
    values["username"] = "forged"
    forged = entry_hash(values, b"guessed key")
    tamper.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(username="forged", entry_hash=forged))
    assert not audit.verify_chain().ok


def test_entries_are_written_with_the_transaction_or_not_at_all(app, db_session):
    before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    audit.record("read", username="x")
    db_session.rollback()
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_unknown_action_is_a_programming_error(app):
    with pytest.raises(ValueError):
        audit.record("peek")


def test_database_refuses_update_and_delete(chain):
    nested = chain.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        chain.execute(text("UPDATE audit_entry SET username = 'x' WHERE seq = 1"))
    nested.rollback()
    nested = chain.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        chain.execute(text("DELETE FROM audit_entry WHERE seq = 1"))
    nested.rollback()
    nested = chain.begin_nested()
    statement = "TRUNCATE audit_entry" if chain.get_bind().dialect.name == "postgresql" else "DELETE FROM audit_entry"
    with pytest.raises(DBAPIError, match="append-only"):
        chain.execute(text(statement))
    nested.rollback()


def test_privacy_officer_reads_the_log_others_cannot(client, make_user, login, db_session):
    officer = make_user("privacy_officer")
    nurse = make_user("jeugdverpleegkundige")
    login(nurse)
    assert client.get("/audit/").status_code == 403
    client.post("/logout", data={})  # (no CSRF: refused, still signed in) -- use a fresh client instead
    fresh = client.application.test_client()
    login(officer, test_client=fresh)
    page = fresh.get(f"/audit/?gebruiker={nurse.username}").get_data(as_text=True)
    assert "Aangemeld" in page and nurse.username in page
    from tests.conftest import csrf_token

    token = csrf_token(fresh, "/audit/")
    result = fresh.post("/audit/controle", data={"csrf_token": token})
    assert "De keten is intact" in result.get_data(as_text=True)
