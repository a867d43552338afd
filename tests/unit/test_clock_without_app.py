"""The app's clock is the only clock: outside an app it refuses instead of quietly using the
system's (a test or a rule that forgot to pass the time would otherwise pass by accident)."""
from datetime import date, datetime, timezone

import pytest

from igp import clock


def test_clock_refuses_outside_an_app():
    with pytest.raises(clock.NoAppContext):
        clock.now()
    with pytest.raises(clock.NoAppContext):
        clock.today()


def test_the_pure_helpers_need_no_app():
    assert clock.iso(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)) == "2026-12-01T09:00:00Z"
    assert clock.iso(date(2026, 12, 1)) == "2026-12-01"
    assert clock.local_date(datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)) == date(2026, 12, 2)
