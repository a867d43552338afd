"""Working-day (werkdagen) arithmetic for the IGP.

This module is the ONLY place in the code base that knows what a working day
is.  It is deliberately pure: it imports only the standard library and the
``holidays`` package, so it can be used from models, services, templates,
CLI commands and tests alike.

Definitions
-----------
A *working day* is a date that is

* not a Saturday and not a Sunday,
* not an (enabled) non-working holiday of the IGP's calendar, and
* not an extra closing day (sluitingsdag) of the IGP.

The default non-working holidays are the Dutch "algemeen erkende feestdagen"
of art. 3 Algemene termijnenwet that can fall on a weekday: Nieuwjaarsdag,
Goede Vrijdag, 2e Paasdag, Koningsdag (27 April, 26 April when the 27th is a
Sunday), Bevrijdingsdag (5 May, *every* year), Hemelvaartsdag, 2e Pinksterdag,
1e and 2e Kerstdag.  Easter Sunday and Pentecost Sunday are Sundays anyway.
The IGP may switch individual holidays off (``disabled_holidays``) and add
closing days (``closing_days``).

All functions take :class:`datetime.date` objects.  A :class:`datetime.datetime`
is rejected with :class:`TypeError` (it is a subclass of ``date``): callers must
first convert to the Europe/Amsterdam local date.

Counting contracts
------------------
* ``add_workdays(d, n)`` with ``n > 0`` is the n-th working day *after* ``d``;
  ``d`` itself never counts, whether or not it is a working day.  A referral
  on a Saturday therefore counts from Monday.  ``add_workdays(d, 0) == d``.
* ``workdays_between(a, b)`` is the number of working days ``x`` with
  ``a < x <= b`` when ``b >= a``, and ``-workdays_between(b, a)`` when
  ``b < a``.  ``workdays_between(today, deadline)`` is "working days left",
  negative when late.
* For every date ``d`` and every integer ``n`` (also negative):
  ``workdays_between(d, add_workdays(d, n)) == n``, and for ``n != 0`` the
  result is a working day.  For negative ``n`` this means: counting backwards
  from a working day ``d`` gives the |n|-th working day before ``d``; a
  non-working day ``d`` counts as the working day immediately preceding it
  (exactly as it does when counting forwards: ``add_workdays(Sat, n) ==
  add_workdays(Fri, n)`` for a normal Friday).  So ``add_workdays(Sat, -1)``
  is the Thursday, because ``workdays_between(Thu, Sat) == 1``.

Implementation note: weekdays are counted arithmetically on proleptic
Gregorian ordinals; only the (few) non-working weekdays per year are looked up,
via per-year sorted tuples cached on the calendar instance.  The holidays
package is consulted once per year per process.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import holidays as _holidays_pkg

__all__ = [
    "HOLIDAY_CODES",
    "HOLIDAY_LABELS",
    "REASON_LABELS",
    "WorkCalendar",
    "DEFAULT_CALENDAR",
    "is_workday",
    "add_workdays",
    "workdays_between",
]

HOLIDAY_CODES: tuple[str, ...] = (
    "nieuwjaarsdag",
    "goede_vrijdag",
    "tweede_paasdag",
    "koningsdag",
    "bevrijdingsdag",
    "hemelvaartsdag",
    "tweede_pinksterdag",
    "eerste_kerstdag",
    "tweede_kerstdag",
)

HOLIDAY_LABELS: dict[str, str] = {
    "nieuwjaarsdag": "Nieuwjaarsdag",
    "goede_vrijdag": "Goede Vrijdag",
    "tweede_paasdag": "2e Paasdag",
    "koningsdag": "Koningsdag",
    "bevrijdingsdag": "Bevrijdingsdag (5 mei)",
    "hemelvaartsdag": "Hemelvaartsdag",
    "tweede_pinksterdag": "2e Pinksterdag",
    "eerste_kerstdag": "1e Kerstdag",
    "tweede_kerstdag": "2e Kerstdag",
}

#: Dutch labels for every value :meth:`WorkCalendar.non_working_reason` can return.
REASON_LABELS: dict[str, str] = {
    "zaterdag": "Zaterdag",
    "zondag": "Zondag",
    **HOLIDAY_LABELS,
    "sluitingsdag": "Sluitingsdag",
}

# Names as returned by ``holidays.NL(..., language="en_US")`` -> our codes.
# The language is pinned so that matching does not depend on the package's
# default language.  Names not listed here (Easter Sunday, Pentecost, school
# holidays, ...) are ignored on purpose.
_PACKAGE_NAME_TO_CODE: dict[str, str] = {
    "New Year's Day": "nieuwjaarsdag",
    "Good Friday": "goede_vrijdag",
    "Easter Monday": "tweede_paasdag",
    "King's Day": "koningsdag",
    "Queen's Day": "koningsdag",  # before 2014 (Koninginnedag)
    "Liberation Day": "bevrijdingsdag",
    "Ascension Day": "hemelvaartsdag",
    "Pentecost Monday": "tweede_pinksterdag",
    "Christmas Day": "eerste_kerstdag",
    "Second Day of Christmas": "tweede_kerstdag",
}

_CODE_ORDER: dict[str, int] = {code: i for i, code in enumerate(HOLIDAY_CODES)}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _check_date(value: object, name: str = "d") -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(
            f"{name} must be a datetime.date (not {type(value).__name__}); "
            "convert datetimes to the Europe/Amsterdam local date first"
        )
    return value


def _check_int(value: object, name: str = "n") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value


@lru_cache(maxsize=None)
def _package_holidays(year: int) -> tuple[tuple[date, str], ...]:
    """All default holidays of ``year`` as ``(date, code)`` pairs, sorted.

    Two holidays can share a date (Hemelvaart on 5 May, e.g. 2005, 2016);
    then both pairs are present.  Cached per year for the life of the process.
    """
    nl = _holidays_pkg.NL(
        years=year,
        categories=(_holidays_pkg.PUBLIC, _holidays_pkg.OPTIONAL),
        language="en_US",
    )
    pairs: set[tuple[date, str]] = set()
    for day in nl:
        for name in nl.get_list(day):
            code = _PACKAGE_NAME_TO_CODE.get(name)
            if code is not None:
                pairs.add((day, code))
    return tuple(sorted(pairs, key=lambda p: (p[0], _CODE_ORDER[p[1]])))


# Weekday arithmetic on ordinals.  date(1, 1, 1) has ordinal 1 and is a
# Monday, so an ordinal ``o`` is a weekday iff ``o % 7`` is in 1..5.


def _weekdays_upto(o: int) -> int:
    """Number of weekdays (Mon-Fri) with ordinal in ``1..o``."""
    weeks, rest = divmod(o, 7)
    return 5 * weeks + min(rest, 5)


def _weekday_at_index(k: int) -> int:
    """Ordinal of the k-th weekday (1-based) counted from ordinal 1."""
    weeks, rest = divmod(k - 1, 5)
    return 7 * weeks + rest + 1


def _nth_weekday_after(o: int, n: int) -> int:
    """Ordinal of the n-th weekday strictly after ordinal ``o`` (n >= 1)."""
    return _weekday_at_index(_weekdays_upto(o) + n)


def _nth_weekday_before(o: int, n: int) -> int:
    """Ordinal of the n-th weekday strictly before ordinal ``o`` (n >= 1)."""
    return _weekday_at_index(_weekdays_upto(o - 1) - n + 1)


# ---------------------------------------------------------------------------
# calendar
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkCalendar:
    """The IGP's working-day calendar.

    ``disabled_holidays``: codes from :data:`HOLIDAY_CODES` that the IGP
    treats as normal working days.  ``closing_days``: extra dates on which the
    IGP is closed.  Both are normalised to frozensets; unknown holiday codes
    raise :class:`ValueError` and datetimes in ``closing_days`` raise
    :class:`TypeError`.

    Instances are immutable and hashable; derived per-year data is cached on
    the instance, so re-use one instance for many computations.
    """

    disabled_holidays: frozenset[str] = frozenset()
    closing_days: frozenset[date] = frozenset()
    # year -> (active holidays {date: code}, sorted blocked weekday ordinals,
    #          frozenset of those ordinals)
    _year_cache: dict = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _closing_by_year: dict = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        disabled = self.disabled_holidays
        if isinstance(disabled, str) or not isinstance(disabled, Iterable):
            raise TypeError("disabled_holidays must be an iterable of holiday codes")
        disabled = frozenset(disabled)
        unknown = disabled.difference(HOLIDAY_CODES)
        if unknown:
            raise ValueError(f"unknown holiday code(s): {', '.join(sorted(map(str, unknown)))}")
        closing = frozenset(_check_date(d, "closing day") for d in self.closing_days)
        object.__setattr__(self, "disabled_holidays", disabled)
        object.__setattr__(self, "closing_days", closing)
        by_year: dict[int, list[date]] = {}
        for d in closing:
            by_year.setdefault(d.year, []).append(d)
        self._closing_by_year.update(by_year)

    # -- per-year data --------------------------------------------------

    def _year(self, year: int) -> tuple[dict[date, str], tuple[int, ...], frozenset[int]]:
        cached = self._year_cache.get(year)
        if cached is not None:
            return cached
        active: dict[date, str] = {}
        for day, code in _package_holidays(year):
            if code not in self.disabled_holidays and day not in active:
                active[day] = code  # first code in HOLIDAY_CODES order wins
        blocked = {d.toordinal() for d in active}
        blocked.update(d.toordinal() for d in self._closing_by_year.get(year, ()))
        blocked_weekdays = tuple(sorted(o for o in blocked if 1 <= o % 7 <= 5))
        entry = (active, blocked_weekdays, frozenset(blocked_weekdays))
        self._year_cache[year] = entry
        return entry

    def _blocked_between(self, lo: int, hi: int) -> int:
        """Number of non-working weekdays with ordinal ``lo < o <= hi`` (lo <= hi)."""
        if hi <= lo:
            return 0
        first_year = date.fromordinal(lo + 1).year
        last_year = date.fromordinal(hi).year
        total = 0
        for year in range(first_year, last_year + 1):
            ords = self._year(year)[1]
            total += bisect.bisect_right(ords, hi) - bisect.bisect_right(ords, lo)
        return total

    def _is_workday_ordinal(self, o: int) -> bool:
        if not 1 <= o % 7 <= 5:
            return False
        return o not in self._year(date.fromordinal(o).year)[2]

    # -- public API -----------------------------------------------------

    def holidays_in(self, year: int) -> dict[date, str]:
        """The active (not disabled) non-working holidays of ``year``.

        Returns a new ``{date: code}`` dict sorted by date, including holidays
        that fall on a weekend (e.g. Koningsdag on Saturday 26-04-2025).
        Closing days are not included.  If two holidays share a date, the
        code that comes first in :data:`HOLIDAY_CODES` is reported.
        """
        _check_int(year, "year")
        return dict(self._year(year)[0])

    def non_working_reason(self, d: date) -> str | None:
        """Why ``d`` is not a working day, or ``None`` if it is one.

        Returns a holiday code (see :data:`HOLIDAY_CODES`), ``"zaterdag"``,
        ``"zondag"`` or ``"sluitingsdag"`` -- in that order of precedence, so
        1e Kerstdag on a Saturday reports ``"eerste_kerstdag"`` and a closing
        day on a Sunday reports ``"zondag"``.  Dutch labels for all values are
        in :data:`REASON_LABELS`.
        """
        _check_date(d)
        code = self._year(d.year)[0].get(d)
        if code is not None:
            return code
        weekday = d.weekday()
        if weekday == 5:
            return "zaterdag"
        if weekday == 6:
            return "zondag"
        if d in self.closing_days:
            return "sluitingsdag"
        return None

    def is_workday(self, d: date) -> bool:
        """True if ``d`` is a working day of this calendar."""
        _check_date(d)
        return self._is_workday_ordinal(d.toordinal())

    def add_workdays(self, d: date, n: int) -> date:
        """Move ``n`` working days from ``d``.

        * ``n > 0``: the n-th working day *after* ``d``; ``d`` itself never
          counts (a referral on Saturday counts from Monday).
        * ``n == 0``: ``d`` unchanged (even if it is not a working day).
        * ``n < 0``: the working day ``t`` with ``workdays_between(t, d) == -n``;
          for a working day ``d`` that is the |n|-th working day before ``d``,
          a non-working ``d`` counts as the working day just before it.

        For ``n != 0`` the result is always a working day, and always
        ``workdays_between(d, add_workdays(d, n)) == n``.
        """
        _check_date(d)
        _check_int(n)
        if n == 0:
            return d
        o = d.toordinal()
        if n > 0:
            t = _nth_weekday_after(o, n)
            extra = self._blocked_between(o, t)
            while extra:
                prev = t
                t = _nth_weekday_after(prev, extra)
                extra = self._blocked_between(prev, t)
            return date.fromordinal(t)
        # n < 0: anchor on the last working day on or before d.
        p = o
        while not self._is_workday_ordinal(p):
            p -= 1
        t = _nth_weekday_before(p, -n)
        extra = self._blocked_between(t - 1, p - 1)  # blocked in [t, p)
        while extra:
            prev = t
            t = _nth_weekday_before(prev, extra)
            extra = self._blocked_between(t - 1, prev - 1)  # blocked in [t, prev)
        return date.fromordinal(t)

    def workdays_between(self, a: date, b: date) -> int:
        """Signed number of working days from ``a`` to ``b``.

        For ``b >= a``: the number of working days ``x`` with ``a < x <= b``
        (so 0 when ``a == b``).  For ``b < a``: ``-workdays_between(b, a)``.
        ``workdays_between(today, deadline)`` is the number of working days
        left until the deadline, negative when late.
        """
        _check_date(a, "a")
        _check_date(b, "b")
        lo, hi = a.toordinal(), b.toordinal()
        sign = 1
        if hi < lo:
            lo, hi, sign = hi, lo, -1
        count = _weekdays_upto(hi) - _weekdays_upto(lo) - self._blocked_between(lo, hi)
        return sign * count


DEFAULT_CALENDAR = WorkCalendar()


def is_workday(d: date, calendar: WorkCalendar = DEFAULT_CALENDAR) -> bool:
    """True if ``d`` is a working day (see :meth:`WorkCalendar.is_workday`)."""
    return calendar.is_workday(d)


def add_workdays(d: date, n: int, calendar: WorkCalendar = DEFAULT_CALENDAR) -> date:
    """Move ``n`` working days from ``d`` (see :meth:`WorkCalendar.add_workdays`)."""
    return calendar.add_workdays(d, n)


def workdays_between(a: date, b: date, calendar: WorkCalendar = DEFAULT_CALENDAR) -> int:
    """Signed working days from ``a`` to ``b`` (see :meth:`WorkCalendar.workdays_between`)."""
    return calendar.workdays_between(a, b)
