"""A person's notifications as shown to them: each names its family only if the reader may see the
family now (the gateway's visibility), so a notification never outlives the reader's involvement."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from igp.extensions import db
from igp.families.models import Family
from igp.notifications.models import Notification
from igp.notifications.services import FAMILY_PLACEHOLDER
from igp.sharing import gateway


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
