"""The audit log is a hash chain: every kind of tampering is detected."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from igp.audit import services as audit
from igp.audit.models import AuditEntry
from igp.audit.services import head_seal
from igp.audit.witness import format_line


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


def test_entries_are_stored_exactly_as_recorded_and_in_order(app, db_session):
    """Written in one statement (PostgreSQL: COPY, which has its own escaping): the characters that
    COPY's text format treats specially, a value of None, the time to the microsecond and the order
    of the entries come back as they were recorded, and the chain over them verifies."""
    detail = "tab\there, a backslash \\N and \\. and a newline\nend; ' \" é"
    at = datetime(2026, 12, 6, 21, 15, 30, 123456, tzinfo=timezone.utc)
    for i in range(3):
        audit.record("read", username="tester", object_type="family", object_id=f"f{i}", detail=detail if i else None,
                     shown=["naw"], family_pseudonym=None)
    db_session.info[audit.PENDING_KEY][0]["at"] = at
    db_session.commit()
    entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()[-3:]
    assert [e.object_id for e in entries] == ["f0", "f1", "f2"]
    assert [e.seq for e in entries] == [entries[0].seq, entries[0].seq + 1, entries[0].seq + 2]
    assert entries[0].detail is None and entries[0].family_pseudonym is None and entries[0].at == at
    assert entries[1].detail == detail and entries[2].detail == detail
    assert audit.verify_chain().ok


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


# ------------------------------------------------------------------ which check fired, exactly
# One tamper case per check that verify_chain makes, each asserting the exact report of that
# check: removing any single check from verify_chain fails the test named after it
# (bench/mutations.py runs exactly that).

WITNESSED_AT = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
WITNESSED_STAMP = "2026-11-24T09:00:00.000000Z"


def _chain_key(app) -> bytes:
    return app.config["AUDIT_CHAIN_KEY"].encode()


def _witness(app, path, *heads, sig: str | None = None):
    """A witness file holding these (seq, hash) heads, signed with the audit key (or with `sig`)."""
    lines = [format_line(_chain_key(app), seq, digest, WITNESSED_AT) for seq, digest in heads]
    if sig is not None:
        lines = [line.rsplit("sig=", 1)[0] + "sig=" + sig for line in lines]
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _broken(result, kind):
    assert not result.ok and result.kind == kind, result.message()
    assert result.problem_nl == audit.PROBLEM_LABELS_NL[kind]
    return result.message()


def test_verify_with_a_matching_witness_is_intact(app, chain, tmp_path):
    witness = _witness(app, tmp_path / "witness.log", (6, _entry(chain, 6).entry_hash))
    result = audit.verify_chain(witness_files=[witness])
    assert result.ok and result.checked == 6 and result.witnessed_seq == 6
    assert result.message() == "Audit chain intact: 6 entries verified, latest witnessed head seq=6 matches."


def test_verify_reports_a_changed_row_as_edited(tamper):
    tamper.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(detail="changed afterwards"))
    assert _broken(audit.verify_chain(witness_files=[]), "edited") == (
        f"Audit chain BROKEN (edited) at entry seq=3 (id={_entry(tamper, 3).id}): content does not match its hash "
        "(edited). Entries verified before it: 2.")


def test_verify_reports_a_forged_row_beyond_the_head_as_inserted(tamper):
    last = _entry(tamper, 6)
    tamper.execute(text("INSERT INTO audit_entry (seq, at, action, outcome, prev_hash, entry_hash) "
                        "VALUES (7, :at, 'read', 'allowed', :prev, :fake)"),
                   {"at": last.at, "prev": last.entry_hash, "fake": "e" * 64})
    assert _broken(audit.verify_chain(witness_files=[]), "inserted") == (
        f"Audit chain BROKEN (inserted) at entry seq=7 (id={_entry(tamper, 7).id}): entry beyond the sealed head "
        "(seq=6) whose hash does not match its content (forged insert). Entries verified before it: 6.")


def test_verify_reports_a_deleted_row_as_deleted(tamper):
    tamper.execute(text("DELETE FROM audit_entry WHERE seq IN (3, 4)"))
    assert _broken(audit.verify_chain(witness_files=[]), "deleted") == (
        f"Audit chain BROKEN (deleted) at entry seq=5 (id={_entry(tamper, 5).id}): expected sequence number 3, "
        "found 5: 2 entries are missing (deleted). Entries verified before it: 2.")


def test_verify_reports_swapped_rows_as_a_broken_link(tamper):
    tamper.execute(text("UPDATE audit_entry SET seq = 100 WHERE seq = 4"))
    tamper.execute(text("UPDATE audit_entry SET seq = 4 WHERE seq = 5"))
    tamper.execute(text("UPDATE audit_entry SET seq = 5 WHERE seq = 100"))
    assert _broken(audit.verify_chain(witness_files=[]), "reordered") == (
        f"Audit chain BROKEN (reordered) at entry seq=4 (id={_entry(tamper, 4).id}): the link to the previous "
        "entry does not match (entries reordered, or one before it replaced). Entries verified before it: 3.")


def test_verify_reports_a_cut_tail(tamper):
    tamper.execute(text("DELETE FROM audit_entry WHERE seq = 6"))
    assert _broken(audit.verify_chain(witness_files=[]), "tail_cut") == (
        "Audit chain BROKEN (tail_cut) at entry seq=6: head says 6 entries but 5 were found "
        "(entries cut off the end). Entries verified before it: 5.")


def test_verify_reports_an_edited_head_by_its_seal(tamper):
    tamper.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": _entry(tamper, 5).entry_hash})
    assert _broken(audit.verify_chain(witness_files=[]), "head_altered") == (
        "Audit chain BROKEN (head_altered) at the chain head: chain head seal is invalid (head was altered). "
        "Entries verified before it: 6.")


def test_verify_reports_a_sealed_head_that_belongs_to_another_chain(app, tamper):
    """A head with a valid seal (made with the key, e.g. copied from another copy of the log)
    whose hash is not that of the entry it names."""
    other = "ab" * 32
    tamper.execute(text("UPDATE audit_head SET last_hash = :h, seal = :s"),
                   {"h": other, "s": head_seal(6, other, _chain_key(app))})
    assert _broken(audit.verify_chain(witness_files=[]), "head_altered") == (
        "Audit chain BROKEN (head_altered) at the chain head: the sealed head does not match entry seq=6. "
        "Entries verified before it: 6.")


def test_verify_reports_a_missing_head(tamper):
    tamper.execute(text("DELETE FROM audit_head"))
    assert _broken(audit.verify_chain(witness_files=[]), "head_missing") == (
        "Audit chain BROKEN (head_missing) at the chain head: chain head is missing. Entries verified before it: 6.")


def test_verify_reports_an_unreadable_witness(app, chain, tmp_path):
    assert _broken(audit.verify_chain(witness_files=[tmp_path]), "witness_unreadable") == (
        f"Audit chain BROKEN (witness_unreadable) at the chain head: witness file unreadable: {tmp_path}: "
        "Is a directory. Entries verified before it: 0.")


def test_verify_reports_a_witness_line_with_a_wrong_signature(app, chain, tmp_path):
    witness = _witness(app, tmp_path / "witness.log", (6, _entry(chain, 6).entry_hash), sig="1" * 64)
    assert _broken(audit.verify_chain(witness_files=[witness]), "witness_forged") == (
        f"Audit chain BROKEN (witness_forged) at the chain head: witness line {witness}:1 has an invalid "
        "signature (written without the audit key). Entries verified before it: 0.")


def test_verify_reports_a_row_that_differs_from_what_the_witness_saw(app, chain, tmp_path):
    witness = _witness(app, tmp_path / "witness.log", (4, "cd" * 32))
    assert _broken(audit.verify_chain(witness_files=[witness]), "witness_mismatch") == (
        f"Audit chain BROKEN (witness_mismatch) at entry seq=4 (id={_entry(chain, 4).id}): the witness saw a "
        f"different hash at seq=4 ({witness}:1, {WITNESSED_STAMP}): the chain was rewritten. "
        "Entries verified before it: 3.")


def test_verify_reports_a_chain_shorter_than_the_witness_saw_as_rolled_back(app, chain, tmp_path):
    witness = _witness(app, tmp_path / "witness.log", (9, "cd" * 32))
    assert _broken(audit.verify_chain(witness_files=[witness]), "rolled_back") == (
        f"Audit chain BROKEN (rolled_back) at entry seq=7: the witness saw 9 entries ({witness}:1, "
        f"{WITNESSED_STAMP}) but the chain has 6: entries after seq=6 were removed and an older head was put back "
        "(rolled back). Entries verified before it: 6.")


def test_verify_reports_a_wipe_of_entries_and_head(app, tamper, tmp_path):
    witness = _witness(app, tmp_path / "witness.log", (6, _entry(tamper, 6).entry_hash))
    tamper.execute(text("DELETE FROM audit_entry"))
    tamper.execute(text("DELETE FROM audit_head"))
    assert _broken(audit.verify_chain(witness_files=[witness]), "wiped") == (
        f"Audit chain BROKEN (wiped) at the chain head: the chain is empty but the witness saw 6 entries "
        f"({witness}:1, {WITNESSED_STAMP}): the log was wiped. Entries verified before it: 0.")


def test_verify_reports_a_wipe_behind_a_resealed_empty_head(app, tamper, tmp_path):
    witness = _witness(app, tmp_path / "witness.log", (6, _entry(tamper, 6).entry_hash))
    tamper.execute(text("DELETE FROM audit_entry"))
    tamper.execute(text("UPDATE audit_head SET last_seq = 0, last_hash = :h, seal = :s"),
                   {"h": audit.GENESIS, "s": head_seal(0, audit.GENESIS, _chain_key(app))})
    assert _broken(audit.verify_chain(witness_files=[witness]), "wiped") == (
        f"Audit chain BROKEN (wiped) at the chain head: the chain is empty but the witness saw 6 entries "
        f"({witness}:1, {WITNESSED_STAMP}): the log was wiped. Entries verified before it: 0.")
