"""Organisations, users, roles, API tokens and login throttling."""
from __future__ import annotations

from datetime import datetime
from functools import cache

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from consent import DOMAINS, ROLES
from igp.crypto import EncryptedText
from igp.extensions import db
from igp.models_base import UTCDateTime, utcnow

# Roles that hold cases (may be a family's coordinator) and roles that are kernteam members.
CASEHOLDING_ROLES = ("jeugdverpleegkundige", "sociaal_werker", "mmw")
PROFESSIONAL_ROLES = (
    "gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
    "jeugdverpleegkundige", "sociaal_werker", "planner", "informele_steun",
)


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    domain: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.domain}>"


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40))


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    skj_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship(back_populates="users", lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="select", order_by=UserRole.role
    )
    # The roles come with every row of the user, also in a joined load (a note's author, an action's
    # owner): a correlated subquery, not one more statement per query that returns users (issue 21).
    # role_rows is loaded only where roles are changed; once loaded it is what `roles` reads.
    roles_text: Mapped[str | None] = column_property(
        select(func.aggregate_strings(UserRole.role, ",")).where(UserRole.user_id == id)
        .correlate_except(UserRole).scalar_subquery())

    # Flask-Login: the id carries the session version, so logout (which bumps the version)
    # invalidates every cookie issued before it, even though cookies are only signed.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return bool(self.active)

    @property
    def roles(self) -> frozenset[str]:
        if "role_rows" in self.__dict__ or self.id is None:
            return frozenset(r.role for r in self.role_rows)
        return frozenset(self.roles_text.split(",")) if self.roles_text else frozenset()

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def domain(self) -> str:
        return self.organisation.domain

    @property
    def roles_label(self) -> str:
        return ",".join(sorted(self.roles))

    @property
    def totp_enrolled(self) -> bool:
        return self.totp_secret is not None and self.totp_enrolled_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


@cache
def name_of(user_id):
    """The name of the user a foreign-key column points at, as a correlated scalar subquery: a list adds
    the names it shows to its own statement instead of joining whole users and their organisations
    (issue 21). NULL for a NULL key. Built once per column (an SQL expression is immutable)."""
    return select(User.name).where(User.id == user_id).correlate_except(User).scalar_subquery()


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is stored (it is 256 random bits, so a hash suffices)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_version: Mapped[int] = mapped_column(Integer)

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(db.Model):
    """Failed sign-ins per username key (HMAC of the lower-cased name, also for unknown names,
    so the response never tells whether an account exists). Backs off; never locks forever."""

    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


__all__ = ["ApiToken", "CASEHOLDING_ROLES", "DOMAINS", "LoginThrottle", "Organisation",
           "PROFESSIONAL_ROLES", "ROLES", "User", "UserRole"]
