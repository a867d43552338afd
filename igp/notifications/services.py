"""Create and read notifications."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import func, select, update

from igp import clock
from igp.extensions import db
from igp.families.models import Family
from igp.notifications.models import Notification
from igp.sharing import gateway

KINDS = {
    "toestemming_ingetrokken": "Toestemming ingetrokken",
    "noodtoegang": "Noodtoegang gebruikt",
    "coordinator": "Coördinatie",
    "vervanging": "Vervanging",
    "signaal": "Signaal",
    "mdo": "MDO",
    "knelpunt": "Knelpunt",
    "dubbel": "Mogelijk dubbel gezin",
}


FAMILY_PLACEHOLDER = "{gezin}"


def notify(user_ids: Iterable[int], kind: str, message: str, family_id: int | None = None) -> int:
    """Queue a notification. A message about a family names it only by the placeholder
    ``{gezin}``: the pseudonym is filled in when it is shown, and only if the reader may still
    see the family then (a notification must not outlive the reader's involvement)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if family_id is not None and FAMILY_PLACEHOLDER not in message:
        raise ValueError("a notification about a family names it as {gezin}, never by its pseudonym")
    count = 0
    for user_id in sorted(set(user_ids)):
        db.session.add(Notification(user_id=user_id, kind=kind, message=message, family_id=family_id))
        count += 1
    return count


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


@dataclass
class NotificationView:
    id: int
    kind: str
    created_at: datetime
    read_at: datetime | None
    message: str
    family_id: int | None      # only when the reader may see the family now (for the link)


def for_user(user, limit: int = 100) -> list[NotificationView]:
    """The reader's notifications, each naming its family only if the reader may see it now."""
    rows = list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))
    family_ids = {n.family_id for n in rows if n.family_id}
    visible = dict(db.session.execute(select(Family.id, Family.pseudonym).where(
        Family.id.in_(family_ids), gateway.visibility_clause(user))).all()) if family_ids else {}
    views = []
    for n in rows:
        pseudonym = visible.get(n.family_id)
        text = n.message.replace(FAMILY_PLACEHOLDER, pseudonym or "een gezin")
        views.append(NotificationView(n.id, n.kind, n.created_at, n.read_at, text,
                                      n.family_id if pseudonym else None))
    return views


def mark_all_read(user_id: int) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
                       .values(read_at=clock.now()))
