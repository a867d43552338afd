"""Create and read notifications."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import func, select, update

from igp import clock
from igp.extensions import db
from igp.notifications.models import Notification

KINDS = {
    "toestemming_ingetrokken": "Toestemming ingetrokken",
    "noodtoegang": "Noodtoegang gebruikt",
    "coordinator": "Coördinatie",
    "vervanging": "Vervanging",
    "signaal": "Signaal",
    "mdo": "MDO",
    "knelpunt": "Knelpunt",
}


def notify(user_ids: Iterable[int], kind: str, message: str, family_id: int | None = None) -> int:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    count = 0
    for user_id in sorted(set(user_ids)):
        db.session.add(Notification(user_id=user_id, kind=kind, message=message, family_id=family_id))
        count += 1
    return count


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def for_user(user_id: int, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_all_read(user_id: int) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
                       .values(read_at=clock.now()))
