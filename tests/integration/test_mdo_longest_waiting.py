"""The MDO proposal's routine reviews (issue 21 reads them as two short lists merged): the active
families of the poli not discussed for the set weeks, longest waiting first, where a family waits
since its last discussion or, never discussed, since its aanmelding; a recent discussion removes it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, true

from igp import clock
from igp.admin.models import Poli
from igp.admin.services import set_setting
from igp.extensions import db
from igp.families.models import Family
from igp.mdo.models import AgendaItem, MdoMeeting
from igp.mdo.services import _proposal_reasons
from igp.synth import synth


def _meeting(poli_id: int, starts_at, families, status="afgerond") -> MdoMeeting:
    meeting = MdoMeeting(poli_id=poli_id, starts_at=starts_at, quorum_domains=[], quorum_roles=[], status=status)
    meeting.items = [AgendaItem(family_id=f.id, reasons=["handmatig"], status="besproken") for f in families]
    db.session.add(meeting)
    return meeting


def _waiting(meeting, visible) -> set[int]:
    return {fid for fid, codes in _proposal_reasons(meeting, visible).items() if "lang_niet_besproken" in codes}


def test_longest_waiting_first_since_the_last_discussion_or_the_aanmelding(app):
    synth(30, seed=3, batch=30)
    now = clock.now()
    poli = db.session.scalars(select(Poli).order_by(Poli.id)).first()
    others = db.session.scalars(select(Family).where(Family.poli_id == poli.id)).all()
    db.session.execute(AgendaItem.__table__.delete())
    for family in others:     # every other family of the poli: just registered, so not waiting
        family.status, family.created_at = "actief", now - timedelta(days=1)
    recent, never, long_ago, oldest, intake = others[:5]
    never.created_at = now - timedelta(days=300)        # never discussed: waits since day -300
    long_ago.created_at = now - timedelta(days=900)     # discussed on day -400: waits since then
    oldest.created_at = now - timedelta(days=200)       # discussed on day -500 (before its record...)
    recent.created_at = now - timedelta(days=1000)      # discussed a week ago: not waiting
    _meeting(poli.id, now - timedelta(days=400), [long_ago])
    _meeting(poli.id, now - timedelta(days=500), [oldest])
    intake.status, intake.created_at = "in_intake", now - timedelta(days=800)   # not active (yet): no review
    _meeting(poli.id, now - timedelta(days=600), [intake])
    _meeting(poli.id, now - timedelta(days=7), [recent])
    upcoming = _meeting(poli.id, now + timedelta(days=2), [], status="gepland")
    set_setting("mdo_not_discussed_weeks", 12)
    set_setting("mdo_not_discussed_max", 10)
    db.session.commit()

    assert _waiting(upcoming, true()) == {oldest.id, long_ago.id, never.id}
    set_setting("mdo_not_discussed_max", 2)
    db.session.commit()
    assert _waiting(upcoming, true()) == {oldest.id, long_ago.id}
    assert _waiting(upcoming, Family.id != long_ago.id) == {oldest.id, never.id}
    set_setting("mdo_not_discussed_max", 1)
    db.session.commit()
    assert _waiting(upcoming, true()) == {oldest.id}
