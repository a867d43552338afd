"""The audit chain is anchored outside the database: every commit that appends publishes the
signed head to a witness file, and `verify_chain` checks the chain against the latest head the
witness saw. Every tamper kind is reported with its own, exact problem.

The triggers are switched off first, as a database superuser could; each test's transaction is
rolled back afterwards, so the triggers come back.
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from igp.audit import services as audit
from igp.audit.models import AuditEntry, AuditHead
from igp.audit.witness import read_witness
from tests.integration.test_audit_chain import disable_audit_triggers


@pytest.fixture
def witness_file(tmp_path):
    return tmp_path / "witness" / "audit-witness.log"


@pytest.fixture
def settings_overrides(witness_file):
    return {"AUDIT_WITNESS": str(witness_file)}


def _append(session, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        audit.record("read", username="tester", object_type="family", object_id=i, family_pseudonym=f"GZ-{i:05d}",
                     shown=["naw"])
    session.commit()


@pytest.fixture
def chain(app, db_session):
    """Six entries in three commits (2 + 2 + 2), each witnessed."""
    for start in (0, 2, 4):
        _append(db_session, 2, start)
    result = audit.verify_chain()
    assert result.ok and result.checked == 6 and result.witnessed_seq == 6, result.message()
    return db_session


def _key(app) -> bytes:
    return app.config["AUDIT_CHAIN_KEY"].encode()


def _latest(app, witness_file):
    return read_witness([witness_file], _key(app)).latest


def _entry(session, seq):
    return session.scalars(select(AuditEntry).where(AuditEntry.seq == seq)).one()


def test_every_appending_commit_is_witnessed(app, chain, witness_file):
    lines = witness_file.read_text().splitlines()
    assert len(lines) == 3 and all(line.startswith("IGP-AUDIT-HEAD v=1 seq=") for line in lines)
    seen = read_witness([witness_file], _key(app))
    assert sorted(seen.heads) == [2, 4, 6] and not seen.forged
    assert seen.heads[6].hash == _entry(chain, 6).entry_hash


def test_a_rolled_back_transaction_is_not_witnessed(app, chain, witness_file):
    audit.record("read", username="tester")
    chain.flush()
    chain.rollback()
    chain.commit()  # nothing pending: no new head
    assert len(witness_file.read_text().splitlines()) == 3
    assert audit.verify_chain().ok


def test_a_commit_without_audit_entries_writes_no_witness_line(app, chain, witness_file):
    chain.commit()
    assert len(witness_file.read_text().splitlines()) == 3


# ------------------------------------------------------------------ the tamper table

def _edit(s):
    s.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(username="someone else"))


def _delete(s):
    s.execute(text("DELETE FROM audit_entry WHERE seq = 4"))


def _forged_insert(s):
    last = _entry(s, 6)
    s.execute(text("INSERT INTO audit_entry (seq, at, action, outcome, prev_hash, entry_hash) "
                   "VALUES (7, :at, 'read', 'allowed', :prev, :fake)"),
              {"at": last.at, "prev": last.entry_hash, "fake": "f" * 64})


def _reorder(s):
    s.execute(text("UPDATE audit_entry SET seq = 100 WHERE seq = 2"))
    s.execute(text("UPDATE audit_entry SET seq = 2 WHERE seq = 3"))
    s.execute(text("UPDATE audit_entry SET seq = 3 WHERE seq = 100"))


def _tail_cut(s):
    s.execute(text("DELETE FROM audit_entry WHERE seq >= 5"))


def _head_edit(s):
    s.execute(text("UPDATE audit_head SET last_seq = 5"))


def _wipe(s):
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("TRUNCATE audit_entry, audit_head"))
    else:
        s.execute(text("DELETE FROM audit_entry"))
        s.execute(text("DELETE FROM audit_head"))


TAMPER_CASES = {
    # kind: (tamper, broken seq, exact message)
    "edit": (_edit, "edited",
             "Audit chain BROKEN (edited) at entry seq=3 (id={id}): content does not match its hash (edited). "
             "Entries verified before it: 2."),
    "delete": (_delete, "deleted",
               "Audit chain BROKEN (deleted) at entry seq=5 (id={id}): expected sequence number 4, found 5: "
               "1 entries are missing (deleted). Entries verified before it: 3."),
    "forged insert": (_forged_insert, "inserted",
                      "Audit chain BROKEN (inserted) at entry seq=7 (id={id}): entry beyond the sealed head (seq=6) "
                      "whose hash does not match its content (forged insert). Entries verified before it: 6."),
    "reorder": (_reorder, "reordered",
                "Audit chain BROKEN (reordered) at entry seq=2 (id={id}): the link to the previous entry does not "
                "match (entries reordered, or one before it replaced). Entries verified before it: 1."),
    "tail cut": (_tail_cut, "tail_cut",
                 "Audit chain BROKEN (tail_cut) at entry seq=5: head says 6 entries but 4 were found "
                 "(entries cut off the end). Entries verified before it: 4."),
    "head edit": (_head_edit, "head_altered",
                  "Audit chain BROKEN (head_altered) at the chain head: chain head seal is invalid (head was "
                  "altered). Entries verified before it: 6."),
}


@pytest.mark.parametrize("case", list(TAMPER_CASES))
def test_tamper_kind_is_reported_exactly(chain, case):
    tamper, kind, message = TAMPER_CASES[case]
    disable_audit_triggers(chain)
    tamper(chain)
    result = audit.verify_chain()
    assert not result.ok and result.kind == kind
    broken_id = None if result.broken_id is None else result.broken_id
    assert result.message() == message.format(id=broken_id)
    assert result.problem_nl == audit.PROBLEM_LABELS_NL[kind]


def test_rollback_to_an_old_sealed_head_is_detected(app, db_session, witness_file):
    """The attack the battery found: copy the sealed head, later delete the newest entries and
    put the old head back. The chain is then consistent with its head; only the witness knows."""
    _append(db_session, 4)
    old = db_session.execute(select(AuditHead.last_seq, AuditHead.last_hash, AuditHead.seal)).one()
    _append(db_session, 5, start=4)
    witnessed = _latest(app, witness_file)
    assert witnessed.seq == 9
    disable_audit_triggers(db_session)
    db_session.execute(text("DELETE FROM audit_entry WHERE seq > 4"))
    db_session.execute(update(AuditHead).where(AuditHead.id == 1).values(
        last_seq=old.last_seq, last_hash=old.last_hash, seal=old.seal))
    # what the database alone says: a valid chain of 4 (this is why a witness is needed)
    assert audit.verify_chain(witness_files=[]).ok
    result = audit.verify_chain()
    assert not result.ok and result.kind == "rolled_back" and result.witnessed_seq == 9
    assert result.message() == (
        f"Audit chain BROKEN (rolled_back) at entry seq=5: the witness saw 9 entries ({witness_file}:2, "
        f"{witnessed.at}) but the chain has 4: entries after seq=4 were removed and an older head was put back "
        "(rolled back). Entries verified before it: 4.")


@pytest.mark.parametrize("how", ["delete", "truncate"])
def test_full_wipe_is_detected(app, chain, witness_file, how):
    disable_audit_triggers(chain)
    if how == "truncate":
        _wipe(chain)
    else:
        chain.execute(text("DELETE FROM audit_entry"))
        chain.execute(text("DELETE FROM audit_head"))
    assert audit.verify_chain(witness_files=[]).ok  # the database alone: "intact, 0 entries"
    result = audit.verify_chain()
    witnessed = _latest(app, witness_file)
    assert not result.ok and result.kind == "wiped"
    assert result.message() == (
        f"Audit chain BROKEN (wiped) at the chain head: the chain is empty but the witness saw 6 entries "
        f"({witness_file}:3, {witnessed.at}): the log was wiped. Entries verified before it: 0.")


def test_wipe_keeping_the_head_is_a_tail_cut(chain):
    disable_audit_triggers(chain)
    chain.execute(text("DELETE FROM audit_entry"))
    result = audit.verify_chain()
    assert result.kind == "tail_cut" and result.checked == 0


def test_rewritten_chain_differs_from_the_witness(app, chain, witness_file):
    """Someone with the audit key rebuilds the log from seq 3 on (consistent links, valid head):
    the witness still holds the hash it saw at seq 4."""
    from igp.audit.services import GENESIS, HASHED_FIELDS, entry_hash, head_seal

    key = _key(app)
    disable_audit_triggers(chain)
    prev = _entry(chain, 2).entry_hash
    for seq in range(3, 7):
        entry = _entry(chain, seq)
        values = {f: getattr(entry, f) for f in HASHED_FIELDS}
        values.update(username="rewritten", prev_hash=prev)
        digest = entry_hash(values, key)
        chain.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(
            username="rewritten", prev_hash=prev, entry_hash=digest))
        prev = digest
    chain.execute(update(AuditHead).values(last_hash=prev, seal=head_seal(6, prev, key)))
    assert prev != GENESIS
    assert audit.verify_chain(witness_files=[]).ok
    result = audit.verify_chain()
    assert not result.ok and result.kind == "witness_mismatch" and result.broken_seq == 4
    assert f"the witness saw a different hash at seq=4 ({witness_file}:2," in result.message()


def test_a_witness_line_without_the_key_is_reported(app, chain, witness_file):
    with witness_file.open("a") as handle:
        handle.write("IGP-AUDIT-HEAD v=1 seq=2 hash=" + "0" * 64 + " at=2026-11-24T09:00:00.000000Z sig="
                     + "1" * 64 + "\n")
    result = audit.verify_chain()
    assert not result.ok and result.kind == "witness_forged"
    assert f"witness line {witness_file}:4 has an invalid signature" in result.message()


def test_lines_of_other_programs_in_a_syslog_file_are_ignored(app, chain, witness_file, tmp_path):
    """A copy from the log server carries syslog prefixes and other programs' lines."""
    forwarded = tmp_path / "loghost-auth.log"
    lines = [f"Nov 24 10:00:0{i} igp-app igp-audit[123]: {line}"
             for i, line in enumerate(witness_file.read_text().splitlines())]
    forwarded.write_text("Nov 24 09:59:59 igp-app sshd[99]: Accepted publickey for beheer\n" + "\n".join(lines) + "\n")
    result = audit.verify_chain(witness_files=[forwarded])
    assert result.ok and result.witnessed_seq == 6


def test_a_witness_behind_the_chain_is_fine(app, chain, witness_file):
    """The witness line is written after the commit; a crash in between leaves it behind."""
    lines = witness_file.read_text().splitlines()
    witness_file.write_text("\n".join(lines[:1]) + "\n")
    result = audit.verify_chain()
    assert result.ok and result.witnessed_seq == 2 and result.checked == 6


def test_a_restore_from_backup_is_acknowledged_with_a_signed_line(app, db_session, witness_file):
    _append(db_session, 3)
    old = db_session.execute(select(AuditHead.last_seq, AuditHead.last_hash, AuditHead.seal)).one()
    _append(db_session, 3, start=3)
    disable_audit_triggers(db_session)   # what a restore of last night's backup amounts to
    db_session.execute(text("DELETE FROM audit_entry WHERE seq > 3"))
    db_session.execute(update(AuditHead).values(last_seq=old.last_seq, last_hash=old.last_hash, seal=old.seal))
    db_session.commit()  # the command starts its own transaction
    assert audit.verify_chain().kind == "rolled_back"
    result = CliRunner().invoke(app.cli, ["audit", "witness", "--restored", "backup van 23-11 teruggezet"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("IGP-AUDIT-RESTORE v=1 seq=3 ")
    after = audit.verify_chain()
    assert after.ok and after.checked == 4 and after.witnessed_seq == 4, after.message()
    entry = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.action == "configure" and entry.detail == "restore acknowledged: backup van 23-11 teruggezet"


def test_cli_verify_reports_the_rollback_and_exits_1(app, chain, witness_file, tmp_path):
    disable_audit_triggers(chain)
    chain.execute(text("DELETE FROM audit_entry WHERE seq > 4"))
    key = _key(app)
    from igp.audit.services import head_seal

    last = _entry(chain, 4).entry_hash
    chain.execute(update(AuditHead).values(last_seq=4, last_hash=last, seal=head_seal(4, last, key)))
    chain.commit()  # the command ends its own transaction
    runner = CliRunner()
    broken = runner.invoke(app.cli, ["audit", "verify"])
    assert broken.exit_code == 1 and "Audit chain BROKEN (rolled_back)" in broken.output
    # the operator checks against the copy on the log server as well
    copy = tmp_path / "copy.log"
    copy.write_text(witness_file.read_text())
    assert "witness saw 6 entries" in runner.invoke(app.cli, ["audit", "verify", "--witness", str(copy)]).output


def test_cli_verify_intact_names_the_witnessed_head(app, chain):
    result = CliRunner().invoke(app.cli, ["audit", "verify"])
    assert result.exit_code == 0
    assert result.output.strip() == "Audit chain intact: 6 entries verified, latest witnessed head seq=6 matches."


def test_the_privacy_officer_page_names_the_kind_in_dutch(app, chain, make_user, login, client):
    from tests.conftest import csrf_token

    officer = make_user("privacy_officer")
    login(officer)
    token = csrf_token(client, "/audit/")
    disable_audit_triggers(chain)
    last = chain.scalar(select(AuditHead.last_seq))
    chain.execute(text("DELETE FROM audit_entry WHERE seq > :n"), {"n": last - 2})
    chain.commit()
    page = client.post("/audit/controle", data={"csrf_token": token}).get_data(as_text=True)
    assert "De keten is verbroken" in page and "de laatste regels zijn weggehaald (staart afgeknipt)" in page


# ------------------------------------------------------------------ the database refuses it first

def test_the_head_cannot_be_set_back(chain):
    nested = chain.begin_nested()
    with pytest.raises(DBAPIError, match="audit_head is append-only"):
        chain.execute(text("UPDATE audit_head SET last_seq = 4"))
    nested.rollback()


def test_the_head_cannot_be_deleted_or_duplicated(chain):
    for statement in ("DELETE FROM audit_head",
                      "INSERT INTO audit_head (id, last_seq, last_hash, seal) VALUES (2, 99, 'x', 'y')"):
        nested = chain.begin_nested()
        with pytest.raises(DBAPIError, match="audit_head is append-only"):
            chain.execute(text(statement))
        nested.rollback()
    if chain.get_bind().dialect.name == "postgresql":
        nested = chain.begin_nested()
        with pytest.raises(DBAPIError, match="audit_head is append-only"):
            chain.execute(text("TRUNCATE audit_head"))
        nested.rollback()


def test_the_head_moves_forward(chain):
    _append(chain, 1, start=10)
    assert chain.scalar(select(AuditHead.last_seq)) == 7


# ------------------------------------------------------------------ settings

def test_production_needs_a_witness(monkeypatch):
    from config import ConfigurationError, Production

    for name, value in {"IGP_DATABASE_URL": "postgresql+psycopg://x@localhost/igp", "IGP_SECRET_KEY": "s" * 40,
                        "IGP_ENCRYPTION_KEYS": "bm90LXRoZS1kZXYta2V5LW5vdC10aGUtZGV2LWtleS0=",
                        "IGP_BLIND_INDEX_KEY": "b" * 40, "IGP_AUDIT_KEY": "a" * 40,
                        "IGP_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
                        "IGP_AUDIT_WITNESS": "off"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match="the audit chain needs a witness outside the database"):
        Production().validate()
    monkeypatch.setenv("IGP_AUDIT_WITNESS_SYSLOG", "1")
    settings = Production()
    settings.validate()
    assert settings.AUDIT_WITNESS is None and settings.AUDIT_WITNESS_SYSLOG == "authpriv"


def test_syslog_witness_sends_the_signed_line(app, monkeypatch):
    import syslog

    from igp.audit.witness import Witness

    sent = []
    monkeypatch.setattr(syslog, "openlog", lambda ident, option, facility: sent.append(("open", ident, facility)))
    monkeypatch.setattr(syslog, "syslog", lambda priority, line: sent.append((priority, line)))
    witness = Witness(b"k" * 32, syslog_facility="authpriv")
    from datetime import datetime, timezone

    line = witness.publish(3, "a" * 64, datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc))
    assert sent == [("open", "igp-audit", syslog.LOG_AUTHPRIV), (syslog.LOG_NOTICE, line)]


def test_an_unwritable_witness_file_is_logged_not_raised(app, tmp_path, caplog):
    from datetime import datetime, timezone

    from igp.audit.witness import Witness

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    witness = Witness(b"k" * 32, path=str(blocker / "witness.log"))
    witness.publish(1, "a" * 64, datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc))
    assert "audit witness file" in caplog.text and "could not be written" in caplog.text
