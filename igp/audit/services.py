"""Recording and verifying the audit log.

`record(...)` queues an entry on the current database session. Just before that session
commits, the queued entries are chained (each stores the previous entry's hash and an HMAC
of its own content with IGP_AUDIT_KEY, a key the database never sees) and inserted in the
same transaction as the change they describe: no change without its entry, no entry
without its change. The head row is locked while appending (SELECT ... FOR UPDATE on
PostgreSQL) so concurrent writers never fork the chain.

Reads are recorded the same way; the request handler commits before the response leaves,
and when that commit fails the response is replaced by an error (fail closed).
"""
from __future__ import annotations

import getpass
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Iterable

from flask import current_app, g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import bindparam, func, insert, or_, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from igp import clock
from igp.audit.models import AuditEntry, AuditHead
from igp.audit.witness import HEAD_MARK, RESTORE_MARK, read_witness
from igp.extensions import db
from igp.pagination import one_page

GENESIS = "0" * 64
PENDING_KEY = "igp_audit_pending"
NEW_HEAD_KEY = "igp_audit_new_head"
FLUSHED_KEY = "igp_audit_flushed"

ACTIONS = (
    "create", "read", "update", "delete", "search", "export", "print", "transfer",
    "break_glass", "sign_in", "sign_in_failed", "sign_out", "session_expired",
    "token_issued", "token_refused", "token_revoked", "totp_enrolled", "refused",
    "configure",
)
ACTION_LABELS = {
    "create": "Aangemaakt", "read": "Ingezien", "update": "Gewijzigd", "delete": "Verwijderd",
    "search": "Gezocht", "export": "Geëxporteerd", "print": "Afgedrukt", "transfer": "Overgedragen",
    "break_glass": "Noodtoegang", "sign_in": "Aangemeld", "sign_in_failed": "Aanmelden mislukt",
    "sign_out": "Afgemeld", "session_expired": "Sessie verlopen", "token_issued": "API-token uitgegeven",
    "token_refused": "API-token geweigerd", "token_revoked": "API-token ingetrokken",
    "totp_enrolled": "Tweede factor ingesteld", "refused": "Geweigerd", "configure": "Instelling gewijzigd",
}
HASHED_FIELDS = (
    "seq", "at", "user_id", "username", "organisation_id", "roles", "on_behalf_of_id", "action",
    "object_type", "object_id", "family_pseudonym", "categories_shown", "categories_withheld",
    "consent_ids", "outcome", "source_address", "user_agent", "detail", "prev_hash",
)


def _join(values: Iterable | None) -> str | None:
    if values is None:
        return None
    items = [str(v) for v in values]
    return ",".join(items) if items else None


def record(
    action: str,
    *,
    user=None,
    object_type: str | None = None,
    object_id=None,
    family_pseudonym: str | None = None,
    shown: Iterable[str] | None = None,
    withheld: Iterable | None = None,
    consent_ids: Iterable[int] | None = None,
    outcome: str = "allowed",
    detail: str | None = None,
    on_behalf_of_id: int | None = None,
    username: str | None = None,
    session: Session | None = None,
) -> None:
    """Queue one audit entry on the session; it is written when the session commits.

    `user` defaults to the signed-in user. `withheld` takes category codes or
    (category, reason) pairs. `detail` must never hold personal data of a family.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if outcome not in ("allowed", "denied", "failed"):
        raise ValueError(f"unknown audit outcome {outcome!r}")
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    entry = {
        "at": clock.now(), **_who(user, username), "on_behalf_of_id": on_behalf_of_id,
        "action": action, "object_type": object_type, "object_id": None if object_id is None else str(object_id),
        "family_pseudonym": family_pseudonym, "categories_shown": _join(shown),
        "categories_withheld": None if withheld is None else _join(
            f"{w[0]}:{w[1]}" if isinstance(w, tuple) else w for w in withheld),
        "consent_ids": _join(sorted(set(consent_ids)) if consent_ids else None),
        "outcome": outcome, **_where_from(), "detail": detail,
    }
    if not has_request_context() and entry["username"] is None:
        entry["username"] = f"cli:{getpass.getuser()}"[:80]  # a command run by an operator
    target = session if session is not None else db.session()
    target.info.setdefault(PENDING_KEY, []).append(entry)
    if has_request_context() and (action in SURVIVING_ACTIONS or outcome != "allowed"):
        g.setdefault("igp_audit_reads", []).append(entry)


def _who(user, username: str | None) -> dict:
    return {"user_id": getattr(user, "id", None), "username": getattr(user, "username", None) or username,
            "organisation_id": getattr(user, "organisation_id", None), "roles": getattr(user, "roles_label", None)}


def _where_from() -> dict:
    """The request's address and browser (none for a command run by an operator); once per request."""
    if not has_request_context():
        return {"source_address": None, "user_agent": None}
    where = g.get("igp_audit_where")
    if where is None:
        where = g.igp_audit_where = {"source_address": (request.remote_addr or "")[:64] or None,
                                     "user_agent": (request.user_agent.string or "")[:300] or None}
    return where


# Entries that must be kept even when the request's transaction is rolled back (a 4xx page may
# still show family data it read; a refusal must always be logged): these actions, and every
# entry whose outcome is not 'allowed'. Allowed writes are rolled back with the data they describe.
SURVIVING_ACTIONS = frozenset({"read", "search", "export", "print", "refused", "sign_in_failed", "token_refused",
                               "session_expired"})


def requeue_unwritten(session: Session | None = None) -> int:
    """After a rollback: queue again the read-type entries of this request that were not
    written. The caller commits. Returns how many."""
    if not has_request_context():
        return 0
    target = session if session is not None else db.session()
    unwritten = [e for e in g.pop("igp_audit_reads", []) if not e.get("_written")]
    for entry in unwritten:
        target.info.setdefault(PENDING_KEY, []).append(entry)
        g.setdefault("igp_audit_reads", []).append(entry)
    return len(unwritten)


def pending_count(session: Session | None = None) -> int:
    target = session if session is not None else db.session()
    return len(target.info.get(PENDING_KEY, []))


# ------------------------------------------------------------------ hashing

# One encoder for every entry (json.dumps with options builds a new encoder per call); the bytes are
# exactly those of json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
# so entries chained before and after this change verify alike.
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _encode_time(value: datetime) -> str:
    """As strftime("%Y-%m-%dT%H:%M:%S.%fZ") of the UTC time, without strftime's cost."""
    v = clock.as_utc(value)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)


def _canonical(values: dict) -> bytes:
    get = values.get
    payload = {}
    for key in HASHED_FIELDS:
        value = get(key)
        payload[key] = _encode_time(value) if isinstance(value, datetime) else value
    return _ENCODER.encode(payload).encode()


_KEYED: dict[bytes, "hmac.HMAC"] = {}


def entry_hash(values: dict, key: bytes) -> str:
    """HMAC-SHA256 of the canonical form (the keyed state is prepared once per key and copied)."""
    keyed = _KEYED.get(key)
    if keyed is None:
        keyed = _KEYED[key] = hmac.new(key, digestmod=hashlib.sha256)
    mac = keyed.copy()
    mac.update(_canonical(values))
    return mac.hexdigest()


def head_seal(last_seq: int, last_hash: str, key: bytes) -> str:
    return hmac.new(key, f"head:{last_seq}:{last_hash}".encode(), hashlib.sha256).hexdigest()


def _chain_key() -> bytes:
    return current_app.config["AUDIT_CHAIN_KEY"].encode()


@cache
def _head_statement(for_update: bool):
    """Built once per process (every request that logs reads the head)."""
    stmt = select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    return stmt.with_for_update() if for_update else stmt


# The entry's columns in the order the COPY below sends them (the id is the table's own sequence).
ENTRY_COLUMNS = tuple(c.name for c in AuditEntry.__table__.columns if c.name != "id")


@cache
def _copy_statement() -> str:
    return f"COPY audit_entry ({', '.join(ENTRY_COLUMNS)}) FROM STDIN"


def _insert_entries(session: Session, rows: list[dict]) -> None:
    """Write a request's entries in one statement. On PostgreSQL one COPY: an executemany of
    INSERTs (what SQLAlchemy does with a list of rows there) is one INSERT per entry, pipelined,
    and a list of 50 families cost 1.9 ms of client CPU against 0.4 ms for the COPY (issue 21,
    twelfth session); a multi-row INSERT ... VALUES measured slower still. The engine's statement
    listeners hear of the COPY like of any statement (the query count per page stays exact).
    Elsewhere (SQLite) one executemany."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(AuditEntry.__table__), rows)
        return
    bind_at = AuditEntry.__table__.c.at.type.process_bind_param
    values = [tuple(bind_at(row["at"], connection.dialect) if name == "at" else row.get(name)
                    for name in ENTRY_COLUMNS) for row in rows]
    statement = _copy_statement()
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.driver_connection.cursor()
    try:
        for listener in connection.dispatch.before_cursor_execute:
            listener(connection, cursor, statement, values, None, True)
        with cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
        for listener in connection.dispatch.after_cursor_execute:
            listener(connection, cursor, statement, values, None, True)
    except dbapi.Error as exc:   # as SQLAlchemy raises it for any statement: the commit fails closed
        raise DBAPIError.instance(statement, None, exc, dbapi.Error, dialect=connection.dialect) from exc
    finally:
        cursor.close()


@cache
def _head_update():
    table = AuditHead.__table__
    return (update(table).where(table.c.id == 1)
            .values(last_seq=bindparam("seq"), last_hash=bindparam("hash"), seal=bindparam("seal")))


def _read_head(session: Session, *, for_update: bool) -> AuditHead | None:
    return session.execute(_head_statement(for_update)).scalar_one_or_none()


def _lock_head(session: Session, key: bytes) -> AuditHead:
    """The chain's head, locked until the commit: all appenders across workers and machines take
    their turn. On PostgreSQL one statement reads and locks the head row (SELECT ... FOR UPDATE,
    which waits for the appender before and then sees its head); only the very first append, when
    there is no row to lock yet, takes the advisory lock and reads again. SQLite writes one at a time."""
    postgres = session.get_bind().dialect.name == "postgresql"
    head = _read_head(session, for_update=postgres)
    if head is None and postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(7513)"))
        head = _read_head(session, for_update=True)
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash=GENESIS, seal=head_seal(0, GENESIS, key))
        session.add(head)
    return head


def _flush_pending(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    key = _chain_key()
    head = _lock_head(session, key)
    seq, prev = head.last_seq, head.last_hash
    rows = []
    for original in pending:
        seq += 1
        values = {k: v for k, v in original.items() if not k.startswith("_")}
        values.update(seq=seq, prev_hash=prev)
        digest = entry_hash(values, key)
        rows.append(dict(values, entry_hash=digest))
        prev = digest
    _insert_entries(session, rows)
    seal = head_seal(seq, prev, key)
    if head in session.new:   # the very first append: the head row is inserted by the flush
        head.last_seq, head.last_hash, head.seal = seq, prev, seal
    else:                     # one Core UPDATE, not a unit-of-work flush of the head (issue 21)
        session.execute(_head_update(), {"seq": seq, "hash": prev, "seal": seal})
        for name, value in (("last_seq", seq), ("last_hash", prev), ("seal", seal)):
            set_committed_value(head, name, value)
    session.info[NEW_HEAD_KEY] = (seq, prev)
    session.info[FLUSHED_KEY] = pending  # marked written only once the commit succeeded


def _before_commit(session: Session) -> None:
    if session.info.get(PENDING_KEY):
        _flush_pending(session)


def _after_commit(session: Session) -> None:
    # Only a committed head is witnessed: a head published before the commit and then rolled
    # back would look exactly like a rollback attack.
    for entry in session.info.pop(FLUSHED_KEY, ()):
        entry["_written"] = True
    new_head = session.info.pop(NEW_HEAD_KEY, None)
    if new_head is not None and has_app_context():
        witness = current_app.extensions.get("igp_audit_witness")
        if witness is not None and witness.enabled:
            witness.publish(*new_head, clock.now())


def _after_rollback(session: Session, previous_transaction) -> None:
    # A rolled-back transaction leaves no trace, not even a queued audit entry: the
    # caller that wants a refusal logged records it again after the rollback.
    session.info.pop(PENDING_KEY, None)
    session.info.pop(NEW_HEAD_KEY, None)
    session.info.pop(FLUSHED_KEY, None)


# installed on the Session by igp.app.install_session_hooks (create_app), never at import
SESSION_HOOKS = (("before_commit", _before_commit), ("after_commit", _after_commit),
                 ("after_soft_rollback", _after_rollback))



# ------------------------------------------------------------------ verification

# What `verify_chain` reports: a code per kind of break, with the text for the operator (CLI,
# English like the rest of the operations output) and for the privacy officer's page (Dutch).
PROBLEM_LABELS_NL = {
    "edited": "de inhoud past niet bij de hash (gewijzigd)",
    "deleted": "er ontbreken regels (verwijderd)",
    "inserted": "een regel die niet in de verzegelde keten hoort (ingevoegd)",
    "reordered": "de regel sluit niet aan op de vorige (volgorde veranderd of vervangen)",
    "tail_cut": "de laatste regels zijn weggehaald (staart afgeknipt)",
    "head_missing": "de kop van de keten ontbreekt",
    "head_altered": "de kop van de keten is gewijzigd (zegel ongeldig)",
    "rolled_back": "de keten is teruggezet naar een oudere kop (minder regels dan de getuige zag)",
    "wiped": "de keten is leeg, maar de getuige zag regels (gewist)",
    "witness_mismatch": "een regel wijkt af van wat de getuige zag (herschreven)",
    "witness_forged": "de getuige bevat een regel met een ongeldige handtekening",
    "witness_unreadable": "het getuigenbestand kan niet worden gelezen",
}


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str | None = None
    kind: str | None = None
    witnessed_seq: int | None = None   # the latest head a witness saw (None: no witness read)

    def message(self) -> str:
        if self.ok:
            text = f"Audit chain intact: {self.checked} entries verified"
            if self.witnessed_seq is not None:
                text += f", latest witnessed head seq={self.witnessed_seq} matches"
            return text + "."
        where = f"entry seq={self.broken_seq}" if self.broken_seq is not None else "the chain head"
        if self.broken_id is not None:
            where += f" (id={self.broken_id})"
        return (f"Audit chain BROKEN ({self.kind}) at {where}: {self.problem}. "
                f"Entries verified before it: {self.checked}.")

    @property
    def problem_nl(self) -> str | None:
        return PROBLEM_LABELS_NL.get(self.kind, self.problem) if self.kind else None


def _broken(kind: str, checked: int, problem: str, entry: AuditEntry | None = None, seq: int | None = None,
            witnessed: int | None = None) -> VerifyResult:
    return VerifyResult(False, checked, entry.seq if entry is not None else seq,
                        entry.id if entry is not None else None, problem, kind, witnessed)


def _wiped(latest) -> VerifyResult:
    return _broken("wiped", 0, f"the chain is empty but the witness saw {latest.seq} entries "
                   f"({latest.source}, {latest.at}): the log was wiped", witnessed=latest.seq)


def witness_paths(extra: Iterable[str] = ()) -> list[str]:
    """The app's own witness file plus any the operator names (a copy from the log server)."""
    witness = current_app.extensions.get("igp_audit_witness")
    own = witness.files() if witness is not None else []
    return list(dict.fromkeys([*own, *extra]))


def verify_chain(session: Session | None = None, batch: int = 2000, *,
                 witness_files: Iterable[str] | None = None) -> VerifyResult:
    """Walk the whole log in sequence order; check every link, the sealed head and the latest
    head the witnesses saw (`witness_files`; default: the app's IGP_AUDIT_WITNESS file).

    The head is read before the walk: entries appended while the walk runs (by other workers)
    are checked as links of the chain like the others, and never mistaken for a forgery."""
    session = session if session is not None else db.session()
    key = _chain_key()
    paths = witness_paths() if witness_files is None else list(witness_files)
    seen = read_witness(paths, key) if paths else None
    latest = seen.latest if seen is not None else None
    witnessed_seq = latest.seq if latest is not None else None
    problem = _witness_problem(seen, witnessed_seq)
    if problem is not None:
        return problem
    head = current_head(session)
    walk = _Walk(key=key, sealed_seq=head.last_seq if head is not None else 0,
                 witnessed=seen.heads if seen is not None else {}, witnessed_seq=witnessed_seq)
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    with session.scalars(stmt) as entries:  # closes the server-side cursor on early return
        for entry in entries:
            problem = walk.step(entry)
            if problem is not None:
                return problem
    return _head_problem(session, head, walk.checked, latest, key) or \
        VerifyResult(True, walk.checked, witnessed_seq=witnessed_seq)


def _witness_problem(seen, witnessed_seq) -> VerifyResult | None:
    if seen is not None and seen.unreadable:
        return _broken("witness_unreadable", 0, f"witness file unreadable: {seen.unreadable[0]}")
    if seen is not None and seen.forged:
        return _broken("witness_forged", 0, f"witness line {seen.forged[0]} has an invalid signature "
                       "(written without the audit key)", witnessed=witnessed_seq)
    return None


@dataclass
class _Walk:
    """The walk along the chain: each entry must follow the one before, match its own hash, and
    match what the witnesses saw at its sequence number."""

    key: bytes
    sealed_seq: int
    witnessed: dict
    witnessed_seq: int | None
    expected_seq: int = 1
    prev: str = GENESIS
    checked: int = 0

    def step(self, entry: AuditEntry) -> VerifyResult | None:
        checked = self.checked
        if entry.seq != self.expected_seq:
            return _broken("deleted", checked, f"expected sequence number {self.expected_seq}, found {entry.seq}: "
                           f"{entry.seq - self.expected_seq} entries are missing (deleted)", entry)
        if entry.prev_hash != self.prev:
            return _broken("reordered", checked, "the link to the previous entry does not match "
                           "(entries reordered, or one before it replaced)", entry)
        if not hmac.compare_digest(entry_hash({f: getattr(entry, f) for f in HASHED_FIELDS}, self.key),
                                   entry.entry_hash):
            if entry.seq > self.sealed_seq:
                return _broken("inserted", checked, f"entry beyond the sealed head (seq={self.sealed_seq}) whose hash "
                               "does not match its content (forged insert)", entry)
            return _broken("edited", checked, "content does not match its hash (edited)", entry)
        seen_head = self.witnessed.get(entry.seq)
        if seen_head is not None and not hmac.compare_digest(seen_head.hash, entry.entry_hash):
            return _broken("witness_mismatch", checked, f"the witness saw a different hash at seq={entry.seq} "
                           f"({seen_head.source}, {seen_head.at}): the chain was rewritten", entry,
                           witnessed=self.witnessed_seq)
        self.prev, self.expected_seq, self.checked = entry.entry_hash, self.expected_seq + 1, checked + 1
        return None


def _head_problem(session: Session, head, checked: int, latest, key: bytes) -> VerifyResult | None:
    """After the walk: the sealed head must be intact and at the end, and not behind the witness."""
    witnessed_seq = latest.seq if latest is not None else None
    if head is None:
        if checked:
            return _broken("head_missing", checked, "chain head is missing")
        if latest is not None and latest.seq > 0:
            return _wiped(latest)
        return None
    if not hmac.compare_digest(head_seal(head.last_seq, head.last_hash, key), head.seal):
        return _broken("head_altered", checked, "chain head seal is invalid (head was altered)")
    if checked < head.last_seq:
        return _broken("tail_cut", checked, f"head says {head.last_seq} entries but {checked} were found "
                       "(entries cut off the end)", seq=checked + 1)
    if head.last_seq and _hash_at(session, head.last_seq) != head.last_hash:
        return _broken("head_altered", checked, f"the sealed head does not match entry seq={head.last_seq}")
    if latest is not None and checked < latest.seq:
        if checked == 0:
            return _wiped(latest)
        return _broken("rolled_back", checked, f"the witness saw {latest.seq} entries ({latest.source}, {latest.at}) "
                       f"but the chain has {checked}: entries after seq={checked} were removed and an older head "
                       "was put back (rolled back)", seq=checked + 1, witnessed=witnessed_seq)
    return None


def _hash_at(session: Session, seq: int) -> str | None:
    return session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == seq))


def current_head(session: Session | None = None) -> AuditHead | None:
    session = session if session is not None else db.session()
    return session.execute(select(AuditHead).where(AuditHead.id == 1)
                           .execution_options(populate_existing=True)).scalar_one_or_none()


def publish_head(*, restored: bool = False) -> str | None:
    """Write the current head to the witnesses now (first use of a witness on an existing log;
    `restored`: after a restore from a backup, a signed line that makes it the new baseline)."""
    witness = current_app.extensions.get("igp_audit_witness")
    head = current_head()
    if witness is None or not witness.enabled:
        return None
    seq, digest = (head.last_seq, head.last_hash) if head is not None else (0, GENESIS)
    return witness.publish(seq, digest, clock.now(), mark=RESTORE_MARK if restored else HEAD_MARK)


# ------------------------------------------------------------------ reading (privacy officer)

def search(*, username: str | None = None, pseudonym: str | None = None, action: str | None = None,
           outcome: str | None = None, date_from=None, date_to=None, page: int = 1, per_page: int = 50):
    """Entries matching the filters, newest first, one page. Returns (rows, has_next)."""
    stmt = select(AuditEntry)
    if username:
        stmt = stmt.where(func.lower(AuditEntry.username) == username.strip().lower())
    if pseudonym:
        stmt = stmt.where(AuditEntry.family_pseudonym == pseudonym.strip().upper())
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if outcome:
        stmt = stmt.where(AuditEntry.outcome == outcome)
    if date_from:
        stmt = stmt.where(AuditEntry.at >= clock.from_local(date_from))
    if date_to:
        stmt = stmt.where(AuditEntry.at < clock.from_local(date_to + timedelta(days=1)))
    return one_page(stmt.order_by(AuditEntry.seq.desc()), page, per_page, max_page=100_000)


def entries_for_family(pseudonym: str, limit: int = 500):
    stmt = (select(AuditEntry).where(AuditEntry.family_pseudonym == pseudonym)
            .where(or_(AuditEntry.action.in_(("read", "export", "print", "break_glass", "update", "create",
                                               "refused", "transfer"))))
            .order_by(AuditEntry.seq.desc()).limit(limit))
    return list(db.session.scalars(stmt))
