"""The daily e-mail digest of signals per user (`flask --app igp signals send`, from cron): the
user's late or nearly late handovers, children reaching the age limit, overdue MDO actions and,
for planners, families without a point of contact. Pseudonyms and dates only."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from igp import clock, mail
from igp.audit import services as audit
from igp.auth.models import User
from igp.coordination.services import digest_lines
from igp.extensions import db
from igp.handover.models import DigestLog
from igp.handover.services import board
from igp.sharing import gateway


def digest_items(user) -> list[str]:
    """Lines for one user's daily digest."""
    lines = []
    for row in board(user, mine=True, urgent=True, access="digest"):
        if row.signal in ("risico", "te_laat"):
            label = "TE LAAT" if row.signal == "te_laat" else "risico"
            lines.append(f"- {row.summary.pseudonym} ({row.handover.poli_name}): warme overdracht {label}, "
                         f"uiterlijk {row.handover.deadline.strftime('%d-%m-%Y')}")
    lines.extend(digest_lines(user))
    return lines


def send_digests(day: date | None = None) -> tuple[int, int]:
    """Send each user with signals one digest for `day`. Idempotent: a user who already got
    today's digest is skipped. Returns (sent, skipped)."""
    day = day or clock.today()
    already = set(db.session.scalars(select(DigestLog.user_id).where(DigestLog.day == day)))
    sent = skipped = 0
    for user in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)):
        if user.id in already:
            skipped += 1
            continue
        if not user.email or not gateway.may_see_any_family(user):
            continue
        lines = digest_items(user)
        if not lines:
            continue
        body = ("Goedemorgen,\n\nDit vraagt vandaag uw aandacht in het IGP-coördinatiesysteem:\n\n" + "\n".join(lines)
                + "\n\nOpen het systeem voor de details. Deze e-mail bevat bewust geen namen.\n")
        mail.queue(user.email, f"IGP: {len(lines)} signalen voor {day.strftime('%d-%m-%Y')}", body)
        db.session.add(DigestLog(user_id=user.id, day=day, items=len(lines)))
        audit.record("export", user=user, object_type="digest", detail=f"signal digest {day.isoformat()}: "
                                                                        f"{len(lines)} items")
        sent += 1
    return sent, skipped
