"""Sign-in rules: Argon2id passwords, TOTP second factor, back-off throttling, API tokens,
and the creation of organisations and users (used by the CLI, the admin UI and the demo)."""
from __future__ import annotations

import functools
import gzip
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from sqlalchemy import func, select

from consent import DOMAINS, ROLES
from igp import clock, process_cache, request_cache
from igp.audit import services as audit
from igp.auth.models import ApiToken, LoginThrottle, Organisation, User, UserRole
from igp.crypto import blind_index
from igp.errors import ValidationError
from igp.extensions import db

_DEFAULT_HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) defaults
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only


def _hasher_for_app() -> PasswordHasher:
    """The app's Argon2id hasher; fast parameters only under Testing."""
    return _FAST_HASHER if current_app.config.get("FAST_PASSWORD_HASHING") else _DEFAULT_HASHER

_DUMMY_HASHES: dict[int, str] = {}


def _dummy_hash() -> str:
    hasher = _hasher_for_app()
    key = id(hasher)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hasher.hash("dummy password for timing equalisation")
    return _DUMMY_HASHES[key]

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
FREE_ATTEMPTS = 5            # failures before the back-off starts
BACKOFF_START = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=15)
TOTP_INTERVAL = 30
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")

# Roles whose holders never see personal data of families: a second factor is optional for
# an account that has only these roles. Every other account must enrol one.
AGGREGATE_ONLY_ROLES = frozenset({"projectleider"})


# ------------------------------------------------------------------ passwords

def hash_password(password: str) -> str:
    return _hasher_for_app().hash(password)


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of breached/common passwords (see PASSWORDS-NOTICE.txt)."""
    path = Path(__file__).with_name("common-passwords.txt.gz")
    return frozenset(gzip.decompress(path.read_bytes()).decode("utf-8").split())


def password_problems(password: str, username: str | None = None) -> str | None:
    """NIST SP 800-63B: length, not a known breached/common password, not the username; no
    composition rules (they push people to predictable patterns)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Het wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens lang zijn."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Het wachtwoord mag hoogstens {MAX_PASSWORD_LENGTH} tekens lang zijn."
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        return "Dit wachtwoord komt voor in lijsten van gelekte wachtwoorden. Kies een ander, bijvoorbeeld een zin."
    if len(set(lowered)) < 4:
        return "Dit wachtwoord is te voorspelbaar (te weinig verschillende tekens)."
    if username and len(username) >= 4 and username.lower() in lowered:
        return "Het wachtwoord mag de gebruikersnaam niet bevatten."
    return None


def check_password(user: User | None, password: str) -> bool:
    """Verify; rehash when the parameters changed. Unknown users cost the same time."""
    if user is None:
        try:
            _hasher_for_app().verify(_dummy_hash(), password + "x")
        except VerificationError:
            pass
        return False
    try:
        _hasher_for_app().verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if _hasher_for_app().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher_for_app().hash(password)
    return True


def set_password(user: User, password: str) -> None:
    problem = password_problems(password, user.username)
    if problem:
        raise ValidationError({"password": problem})
    user.password_hash = hash_password(password)
    user.password_changed_at = clock.now()
    user.session_version = (user.session_version or 0) + 1


# ------------------------------------------------------------------ throttling

def _throttle_key(username: str) -> str:
    return blind_index("login", (username or "").strip().lower())


def _throttle(username: str) -> LoginThrottle:
    key = _throttle_key(username)
    row = db.session.execute(select(LoginThrottle).where(LoginThrottle.username_key == key)).scalar_one_or_none()
    if row is None:
        row = LoginThrottle(username_key=key, failures=0)
        db.session.add(row)
    return row


def blocked_for(username: str) -> timedelta | None:
    """How long this username must wait before the next attempt, or None."""
    key = _throttle_key(username)
    row = db.session.execute(select(LoginThrottle).where(LoginThrottle.username_key == key)).scalar_one_or_none()
    if row is None or row.blocked_until is None:
        return None
    left = row.blocked_until - clock.now()
    return left if left > timedelta(0) else None


def register_failure(username: str) -> None:
    row = _throttle(username)
    row.failures = (row.failures or 0) + 1
    row.last_failure_at = clock.now()
    if row.failures >= FREE_ATTEMPTS:
        delay = BACKOFF_START * (2 ** (row.failures - FREE_ATTEMPTS))
        row.blocked_until = clock.now() + min(delay, BACKOFF_MAX)


def register_success(username: str) -> None:
    key = _throttle_key(username)
    row = db.session.execute(select(LoginThrottle).where(LoginThrottle.username_key == key)).scalar_one_or_none()
    if row is not None:
        row.failures = 0
        row.blocked_until = None


# ------------------------------------------------------------------ sign-in

@dataclass
class PasswordResult:
    user: User | None
    error: str | None = None      # Dutch, the same for unknown user and wrong password
    blocked: bool = False


GENERIC_LOGIN_ERROR = "Onjuiste gebruikersnaam of wachtwoord."
BLOCKED_ERROR = "Te veel mislukte pogingen. Wacht enkele minuten en probeer het opnieuw."


def find_user(username: str) -> User | None:
    name = (username or "").strip().lower()
    if not name:
        return None
    return db.session.execute(select(User).where(User.username == name)).scalar_one_or_none()


UNKNOWN_USERNAME_PREFIX = "onbekend:"


def logged_username(username: str, user: User | None) -> str:
    """What the audit log keeps of a typed username: the name of an existing account, but for an
    unknown name only a marker with a keyed hash (HMAC with the index key). The typed text may be
    a password entered in the wrong field; the hash still shows repeated attempts with one name."""
    if user is not None:
        return user.username
    digest = blind_index("aanmeldnaam", username)
    return f"{UNKNOWN_USERNAME_PREFIX}{digest[:16]}"


def check_credentials(username: str, password: str) -> PasswordResult:
    """First factor. Records failures (audit + throttle); success is recorded after factor two."""
    username = (username or "").strip().lower()
    user = find_user(username)
    if blocked_for(username):
        audit.record("sign_in_failed", username=logged_username(username, user), outcome="denied",
                     detail="throttled")
        return PasswordResult(None, BLOCKED_ERROR, blocked=True)
    ok = check_password(user, password or "")
    if not ok or user is None or not user.is_active:
        register_failure(username)
        audit.record("sign_in_failed", user=user, username=logged_username(username, user), outcome="denied",
                     detail="password" if user is not None else "password (unknown user)")
        return PasswordResult(None, GENERIC_LOGIN_ERROR)
    return PasswordResult(user)


def requires_totp(user: User) -> bool:
    if not current_app.config.get("REQUIRE_TOTP", True):
        return user.totp_enrolled
    return user.totp_enrolled or not user.roles <= AGGREGATE_ONLY_ROLES


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, interval=TOTP_INTERVAL)


def verify_totp(user: User, code: str, secret: str | None = None) -> bool:
    """Accept a code of the current, previous or next time step (valid_window=1), but only a
    step later than the last accepted one: a code is never accepted twice (ASVS 6.5.1)."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    if user.id is not None:  # serialise concurrent attempts: a step is accepted only once
        db.session.refresh(user, attribute_names=["totp_last_step"], with_for_update=True)
    secret = secret or user.totp_secret
    if not secret:
        return False
    totp = _totp(secret)
    now = clock.now()
    current_step = int(now.timestamp()) // TOTP_INTERVAL
    for offset in (-1, 0, 1):
        step = current_step + offset
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        expected = totp.at(step * TOTP_INTERVAL)
        if hmac.compare_digest(expected, code):
            user.totp_last_step = step
            return True
    return False


def second_factor_failed(user: User) -> None:
    register_failure(user.username)
    audit.record("sign_in_failed", user=user, outcome="denied", detail="totp")


def complete_sign_in(user: User) -> None:
    register_success(user.username)
    user.last_login_at = clock.now()
    audit.record("sign_in", user=user, detail="web")


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return _totp(secret).provisioning_uri(name=user.username, issuer_name=current_app.config["IGP_NAME"])


def enrol_totp(user: User, secret: str, code: str) -> bool:
    if not verify_totp(user, code, secret=secret):
        return False
    user.totp_secret = secret
    user.totp_enrolled_at = clock.now()
    audit.record("totp_enrolled", user=user)
    return True


def sign_out(user: User, reason: str = "sign_out") -> None:
    """End every session of this user: cookies carry the session version in their id."""
    user.session_version = (user.session_version or 0) + 1
    audit.record(reason, user=user)


# ------------------------------------------------------------------ API tokens

def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(username: str, password: str, otp: str | None) -> tuple[str, datetime]:
    """Check both factors and issue a bearer token. Raises ValidationError (401 in the API)."""
    result = check_credentials(username, password)
    if result.user is None:
        raise ValidationError({"credentials": result.error})
    user = result.user
    if requires_totp(user):
        if not user.totp_enrolled:
            audit.record("token_refused", user=user, outcome="denied", detail="no second factor enrolled")
            raise ValidationError({"otp": "Stel eerst in de webapplicatie een tweede factor in."})
        if not verify_totp(user, otp or ""):
            second_factor_failed(user)
            raise ValidationError({"credentials": GENERIC_LOGIN_ERROR})
    raw = secrets.token_urlsafe(32)
    expires = clock.now() + current_app.config["API_TOKEN_LIFETIME"]
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_hash(raw), expires_at=expires,
                            session_version=user.session_version))
    register_success(user.username)
    audit.record("token_issued", user=user)
    return raw, expires


def resolve_token(raw: str) -> tuple[User | None, str | None]:
    """The user of a bearer token, or (None, reason)."""
    if not raw:
        return None, "missing"
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(raw))
    ).scalar_one_or_none()
    if token is None:
        return None, "unknown"
    if token.revoked_at is not None:
        return None, "revoked"
    if token.expires_at <= clock.now():
        return None, "expired"
    user = token.user
    if not user.is_active or user.session_version != token.session_version:
        return None, "revoked"
    return user, None


def revoke_token(raw: str) -> bool:
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(raw))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = clock.now()
    audit.record("token_revoked", user=token.user)
    return True


# ------------------------------------------------------------------ organisations and users

def create_organisation(name: str, domain: str) -> Organisation:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Vul een naam in."
    elif db.session.execute(select(Organisation).where(func.lower(Organisation.name) == name.lower())).first():
        errors["name"] = f"Er bestaat al een organisatie met de naam '{name}'."
    if domain not in DOMAINS:
        errors["domain"] = f"Onbekend domein '{domain}'; kies uit: {', '.join(DOMAINS)}."
    if errors:
        raise ValidationError(errors)
    org = Organisation(name=name, domain=domain)
    db.session.add(org)
    db.session.flush()
    audit.record("create", object_type="organisation", object_id=org.id)
    return org


def find_organisation(name_or_id: str) -> Organisation | None:
    value = (name_or_id or "").strip()
    if value.isdigit():
        org = db.session.get(Organisation, int(value))
        if org:
            return org
    return db.session.execute(
        select(Organisation).where(func.lower(Organisation.name) == value.lower())
    ).scalar_one_or_none()


def create_user(*, username: str, name: str, organisation: str | Organisation, roles: list[str],
                password: str, totp_secret: str | None = None, email: str | None = None,
                phone: str | None = None, skj_registered: bool = False) -> User:
    username = (username or "").strip().lower()
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = ("Gebruikersnaam: 2-80 tekens, kleine letters, cijfers, punt, "
                              "streepje of liggend streepje.")
    elif find_user(username) is not None:
        errors["username"] = f"De gebruikersnaam '{username}' bestaat al."
    if not (name or "").strip():
        errors["name"] = "Vul de volledige naam in."
    org = organisation if isinstance(organisation, Organisation) else find_organisation(organisation)
    if org is None:
        errors["organisation"] = f"Onbekende organisatie '{organisation}'."
    roles = [r.strip() for r in roles if r and r.strip()]
    unknown = [r for r in roles if r not in ROLES]
    if not roles:
        errors["roles"] = "Kies ten minste één rol."
    elif unknown:
        errors["roles"] = f"Onbekende rol '{unknown[0]}'; kies uit: {', '.join(ROLES)}."
    problem = password_problems(password or "", username)
    if problem:
        errors["password"] = problem
    if totp_secret:
        try:
            pyotp.TOTP(totp_secret).now()
        except Exception:  # binascii.Error or ValueError for a bad base32 string
            errors["totp_secret"] = "Het TOTP-geheim is geen geldige base32-tekst."
    if errors:
        raise ValidationError(errors)
    user = User(username=username, name=name.strip(), organisation=org, email=email, phone=phone,
                password_hash=hash_password(password), password_changed_at=clock.now(),
                skj_registered=skj_registered, active=True, session_version=1)
    user.role_rows = [UserRole(role=r) for r in dict.fromkeys(roles)]
    if totp_secret:
        user.totp_secret = totp_secret.strip().upper()
        user.totp_enrolled_at = clock.now()
    db.session.add(user)
    db.session.flush()
    audit.record("create", object_type="user", object_id=user.id)
    return user


# ------------------------------------------------------------------ people and organisations (one query each)

def active_users(*, roles: frozenset[str] | set[str] | None = None) -> list[User]:
    """The active users by name (every pick list of people), optionally only those with one of `roles`."""
    key = tuple(sorted(roles)) if roles else ()
    stmt = select(User).where(User.active.is_(True)).order_by(User.name, User.id)
    if roles:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(key))))
    # once per request: a page with several pick lists of people reads them once
    return list(request_cache.cached("active_users", key, lambda: tuple(db.session.scalars(stmt))))


@dataclass(frozen=True)
class Person:
    """An active user as a pick list shows them: a plain row, no ORM instance (a page with several
    lists of a region's hundreds of users reads them once, in one plain query)."""
    id: int
    name: str
    roles: frozenset[str]
    organisation_name: str
    skj_registered: bool
    is_active: bool = True

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def people() -> list[Person]:
    """The active users by name, as Person rows, for pick lists: once per request, and kept a few seconds
    per process (igp.process_cache). A write checks the chosen user itself (active_users_by_id)."""
    def load(refresh: bool) -> tuple[Person, ...]:
        rows = db.session.execute(
            select(User.id, User.name, User.roles_text, Organisation.name, User.skj_registered)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(User.active.is_(True)).order_by(User.name, User.id).execution_options(igp_cache_refresh=refresh))
        return tuple(Person(id=i, name=name, roles=frozenset(roles.split(",")) if roles else frozenset(),
                            organisation_name=org, skj_registered=bool(skj)) for i, name, roles, org, skj in rows)
    return list(process_cache.cached("people", ("user", "user_role", "organisation"), load))


def all_users() -> list[User]:
    """Every account by name, active or not (user management)."""
    return list(db.session.scalars(select(User).order_by(User.name, User.id)))


def active_users_by_id(user_ids) -> tuple[list[User], list[int]]:
    """The active users with these ids (in the order given, once each), and the ids that name none."""
    found, unknown = [], []
    for user_id in dict.fromkeys(user_ids):
        user = get_user(user_id)
        (found if user is not None and user.is_active else unknown).append(user if user is not None
                                                                           and user.is_active else user_id)
    return found, unknown


def get_user(user_id) -> User | None:
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def organisations() -> list:
    """Every organisation by name (rows with id, name, domain, created_at): once per request, and kept a
    few seconds per process (igp.process_cache; pages name them in several sections)."""
    return list(process_cache.cached("organisations", ("organisation",), lambda refresh: tuple(db.session.execute(
        select(Organisation.__table__).order_by(Organisation.name).execution_options(igp_cache_refresh=refresh)))))
