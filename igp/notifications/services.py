"""Create notifications and keep their read state. Reading them for a person, with each family
named only if that person may see it now, is igp.sharing.inbox (it needs the gateway)."""
from __future__ import annotations

from functools import cache
from typing import Iterable

from sqlalchemy import bindparam, func, select, update

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
    "dubbel": "Mogelijk dubbel gezin",
    "geboorte": "Geboorte",
    "mdo_actie": "MDO-actie bij uitstroom of intrekking",
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


@cache
def _unread_statement():
    return (select(func.count()).select_from(Notification)
            .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)))


def unread_count(user_id: int) -> int:
    """The user's unread notifications (the menu shows the number on every page: built once per process)."""
    return db.session.scalar(_unread_statement(), {"user_id": user_id}) or 0


def mark_all_read(user_id: int) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
                       .values(read_at=clock.now()))
