"""Unit tests for igp.workdays (pure: no app, no database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from igp.workdays import (
    DEFAULT_CALENDAR,
    HOLIDAY_CODES,
    HOLIDAY_LABELS,
    REASON_LABELS,
    WorkCalendar,
    add_workdays,
    is_workday,
    workdays_between,
)

NO_LIBERATION = WorkCalendar(disabled_holidays=frozenset({"bevrijdingsdag"}))

# database=None: do not write a .hypothesis directory; deadline=None: the first
# lookup of a year consults the holidays package, which may be slow-ish.
PROPERTY_SETTINGS = settings(database=None, deadline=None, max_examples=300)


def d(text: str) -> date:
    """Parse a Dutch-style dd-mm-yyyy date."""
    day, month, year = map(int, text.split("-"))
    return date(year, month, day)


# ---------------------------------------------------------------------------
# reference implementation (deliberately naive, day by day)
# ---------------------------------------------------------------------------


def naive_is_workday(day: date, calendar: WorkCalendar) -> bool:
    if day.weekday() >= 5:
        return False
    if day in calendar.closing_days:
        return False
    return day not in calendar.holidays_in(day.year)


def naive_add(day: date, n: int, calendar: WorkCalendar) -> date:
    if n == 0:
        return day
    if n > 0:
        current = day
        remaining = n
        while remaining:
            current += timedelta(days=1)
            if naive_is_workday(current, calendar):
                remaining -= 1
        return current
    # negative: anchor on the last working day on or before `day`
    current = day
    while not naive_is_workday(current, calendar):
        current -= timedelta(days=1)
    remaining = -n
    while remaining:
        current -= timedelta(days=1)
        if naive_is_workday(current, calendar):
            remaining -= 1
    return current


def naive_between(a: date, b: date, calendar: WorkCalendar) -> int:
    if b < a:
        return -naive_between(b, a, calendar)
    return sum(
        naive_is_workday(a + timedelta(days=i), calendar) for i in range(1, (b - a).days + 1)
    )


# ---------------------------------------------------------------------------
# constants
# ---------------------------------------------------------------------------


def test_holiday_codes_and_labels():
    assert HOLIDAY_CODES == (
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
    assert set(HOLIDAY_LABELS) == set(HOLIDAY_CODES)
    assert HOLIDAY_LABELS["tweede_paasdag"] == "2e Paasdag"
    assert HOLIDAY_LABELS["bevrijdingsdag"] == "Bevrijdingsdag (5 mei)"
    assert set(REASON_LABELS) == set(HOLIDAY_CODES) | {"zaterdag", "zondag", "sluitingsdag"}


# ---------------------------------------------------------------------------
# holidays
# ---------------------------------------------------------------------------

HOLIDAYS_2026 = [
    ("nieuwjaarsdag", date(2026, 1, 1)),
    ("goede_vrijdag", date(2026, 4, 3)),
    ("tweede_paasdag", date(2026, 4, 6)),
    ("koningsdag", date(2026, 4, 27)),
    ("bevrijdingsdag", date(2026, 5, 5)),
    ("hemelvaartsdag", date(2026, 5, 14)),
    ("tweede_pinksterdag", date(2026, 5, 25)),
    ("eerste_kerstdag", date(2026, 12, 25)),
    ("tweede_kerstdag", date(2026, 12, 26)),
]


@pytest.mark.parametrize(("code", "day"), HOLIDAYS_2026)
def test_holidays_2026_by_code(code, day):
    holidays_2026 = DEFAULT_CALENDAR.holidays_in(2026)
    assert holidays_2026[day] == code
    assert DEFAULT_CALENDAR.non_working_reason(day) == code
    assert not is_workday(day)


def test_holidays_2026_exact():
    assert DEFAULT_CALENDAR.holidays_in(2026) == {day: code for code, day in HOLIDAYS_2026}


def test_easter_and_pentecost_sunday_are_not_listed_but_are_sundays():
    holidays_2026 = DEFAULT_CALENDAR.holidays_in(2026)
    assert date(2026, 4, 5) not in holidays_2026  # Eerste Paasdag
    assert date(2026, 5, 24) not in holidays_2026  # Eerste Pinksterdag
    assert DEFAULT_CALENDAR.non_working_reason(date(2026, 4, 5)) == "zondag"
    assert DEFAULT_CALENDAR.non_working_reason(date(2026, 5, 24)) == "zondag"


@pytest.mark.parametrize("year", range(2020, 2036))
def test_every_year_has_each_holiday_once(year):
    holidays_year = DEFAULT_CALENDAR.holidays_in(year)
    assert sorted(holidays_year.values(), key=HOLIDAY_CODES.index) == list(HOLIDAY_CODES)
    by_code = {code: day for day, code in holidays_year.items()}
    assert by_code["nieuwjaarsdag"] == date(year, 1, 1)
    assert by_code["bevrijdingsdag"] == date(year, 5, 5)  # every year, not only lustrum years
    assert by_code["eerste_kerstdag"] == date(year, 12, 25)
    assert by_code["tweede_kerstdag"] == date(year, 12, 26)
    assert by_code["koningsdag"] == (
        date(year, 4, 26) if date(year, 4, 27).weekday() == 6 else date(year, 4, 27)
    )
    assert by_code["goede_vrijdag"].weekday() == 4
    assert by_code["tweede_paasdag"] == by_code["goede_vrijdag"] + timedelta(days=3)
    assert by_code["hemelvaartsdag"] == by_code["goede_vrijdag"] + timedelta(days=41)
    assert by_code["tweede_pinksterdag"] == by_code["goede_vrijdag"] + timedelta(days=52)


def test_koningsdag_2025_moved_to_saturday():
    holidays_2025 = DEFAULT_CALENDAR.holidays_in(2025)
    assert holidays_2025[date(2025, 4, 26)] == "koningsdag"
    assert date(2025, 4, 27) not in holidays_2025
    assert is_workday(date(2025, 4, 28))
    assert add_workdays(d("25-04-2025"), 1) == d("28-04-2025")


def test_liberation_day_every_year_including_non_lustrum():
    for year in (2021, 2022, 2023, 2024, 2026, 2027):
        assert DEFAULT_CALENDAR.holidays_in(year)[date(year, 5, 5)] == "bevrijdingsdag"


def test_shared_date_ascension_and_liberation_2016():
    # Hemelvaartsdag fell on 5 May in 2016: switching one off keeps the other.
    assert DEFAULT_CALENDAR.holidays_in(2016)[date(2016, 5, 5)] == "bevrijdingsdag"
    assert NO_LIBERATION.holidays_in(2016)[date(2016, 5, 5)] == "hemelvaartsdag"
    assert not NO_LIBERATION.is_workday(date(2016, 5, 5))
    both_off = WorkCalendar(disabled_holidays=frozenset({"bevrijdingsdag", "hemelvaartsdag"}))
    assert both_off.is_workday(date(2016, 5, 5))


def test_holidays_in_returns_a_copy():
    first = DEFAULT_CALENDAR.holidays_in(2026)
    first.clear()
    assert len(DEFAULT_CALENDAR.holidays_in(2026)) == 9


def test_disabled_holidays_are_not_listed():
    assert date(2026, 5, 5) not in NO_LIBERATION.holidays_in(2026)
    assert NO_LIBERATION.is_workday(date(2026, 5, 5))
    assert NO_LIBERATION.non_working_reason(date(2026, 5, 5)) is None


# ---------------------------------------------------------------------------
# add_workdays: fixed cases (term 5)
# ---------------------------------------------------------------------------

DEFAULT_CASES = [
    # start, n, expected
    ("30-04-2026", 5, "08-05-2026"),  # 5 mei is a holiday
    ("24-04-2026", 5, "04-05-2026"),  # Koningsdag Mon 27-04-2026
    ("23-12-2026", 5, "31-12-2026"),  # 1e Kerstdag Fri, 2e Kerstdag Sat
    ("09-05-2026", 1, "11-05-2026"),  # Saturday referral counts from Monday
    ("09-05-2026", 5, "18-05-2026"),  # ... and Hemelvaart Thu 14-05-2026 is skipped
    ("10-05-2026", 1, "11-05-2026"),  # Sunday too
    ("25-03-2027", 1, "30-03-2027"),  # Goede Vrijdag 26-03 and 2e Paasdag 29-03-2027
    ("25-03-2027", 5, "05-04-2027"),
    ("29-12-2025", 5, "06-01-2026"),  # year boundary: Nieuwjaarsdag 2026 skipped
    ("22-05-2026", 1, "26-05-2026"),  # 2e Pinksterdag Mon 25-05-2026
]


@pytest.mark.parametrize(("start", "n", "expected"), DEFAULT_CASES)
def test_add_workdays_default_calendar(start, n, expected):
    assert add_workdays(d(start), n) == d(expected)
    assert DEFAULT_CALENDAR.add_workdays(d(start), n) == d(expected)
    assert workdays_between(d(start), d(expected)) == n


NO_LIBERATION_CASES = [
    ("30-04-2026", 5, "07-05-2026"),  # 5 mei switched off
    ("24-04-2026", 5, "04-05-2026"),
    ("23-12-2026", 5, "31-12-2026"),
    ("09-05-2026", 1, "11-05-2026"),
    ("09-05-2026", 5, "18-05-2026"),
    ("25-03-2027", 5, "05-04-2027"),
    ("29-12-2025", 5, "06-01-2026"),
]


@pytest.mark.parametrize(("start", "n", "expected"), NO_LIBERATION_CASES)
def test_add_workdays_without_liberation_day(start, n, expected):
    assert add_workdays(d(start), n, NO_LIBERATION) == d(expected)
    assert NO_LIBERATION.add_workdays(d(start), n) == d(expected)
    assert workdays_between(d(start), d(expected), NO_LIBERATION) == n


def test_good_friday_and_easter_monday_2027_skipped():
    assert not is_workday(date(2027, 3, 26))
    assert not is_workday(date(2027, 3, 29))
    assert DEFAULT_CALENDAR.non_working_reason(date(2027, 3, 26)) == "goede_vrijdag"
    assert DEFAULT_CALENDAR.non_working_reason(date(2027, 3, 29)) == "tweede_paasdag"
    assert workdays_between(date(2027, 3, 25), date(2027, 3, 30)) == 1


def test_add_zero_returns_date_unchanged():
    for day in (date(2026, 5, 9), date(2026, 5, 5), date(2026, 5, 6)):
        assert add_workdays(day, 0) == day


def test_negative_n_from_working_day():
    assert add_workdays(d("08-05-2026"), -5) == d("30-04-2026")
    assert add_workdays(d("04-05-2026"), -5) == d("24-04-2026")
    assert add_workdays(d("06-01-2026"), -5) == d("29-12-2025")
    assert add_workdays(d("11-05-2026"), -1) == d("08-05-2026")
    assert add_workdays(d("30-03-2027"), -1) == d("25-03-2027")
    assert workdays_between(d("08-05-2026"), d("30-04-2026")) == -5


def test_negative_n_from_non_working_day_counts_from_preceding_working_day():
    # Saturday 09-05-2026 counts as Friday 08-05-2026 (also when counting forward).
    assert add_workdays(d("09-05-2026"), -1) == d("07-05-2026")
    assert add_workdays(d("09-05-2026"), -1) == add_workdays(d("08-05-2026"), -1)
    assert workdays_between(d("09-05-2026"), d("07-05-2026")) == -1
    # Holiday Tue 05-05-2026 counts as Mon 04-05-2026.
    assert add_workdays(d("05-05-2026"), -1) == d("01-05-2026")


def test_round_trip_from_working_day():
    start = d("30-04-2026")
    for n in range(-40, 41):
        assert add_workdays(add_workdays(start, n), -n) == start


# ---------------------------------------------------------------------------
# workdays_between
# ---------------------------------------------------------------------------


def test_workdays_between_basics():
    assert workdays_between(d("30-04-2026"), d("30-04-2026")) == 0
    assert workdays_between(d("09-05-2026"), d("10-05-2026")) == 0  # weekend only
    assert workdays_between(d("08-05-2026"), d("11-05-2026")) == 1
    assert workdays_between(d("11-05-2026"), d("08-05-2026")) == -1
    # deadline Friday, today the following Saturday: not yet a working day late
    assert workdays_between(d("09-05-2026"), d("08-05-2026")) == 0
    assert workdays_between(d("12-05-2026"), d("08-05-2026")) == -2


def test_workdays_between_full_years():
    # 2026: 261 weekdays, of which 8 holidays on a weekday (2e Kerstdag is a Saturday)
    assert workdays_between(date(2025, 12, 31), date(2026, 12, 31)) == 261 - 8
    assert workdays_between(date(2026, 12, 31), date(2025, 12, 31)) == -(261 - 8)


def test_workdays_between_several_years_matches_naive():
    a, b = date(2019, 3, 7), date(2031, 11, 2)
    cal = WorkCalendar(closing_days=frozenset({date(2024, 12, 27), date(2030, 1, 2)}))
    assert workdays_between(a, b, cal) == naive_between(a, b, cal)
    assert workdays_between(b, a, cal) == -naive_between(a, b, cal)


def test_large_n_matches_naive():
    for start in (date(2026, 1, 1), date(2026, 5, 9), date(2027, 12, 24)):
        for n in (250, 400, -250, -400):
            assert add_workdays(start, n) == naive_add(start, n, DEFAULT_CALENDAR)


# ---------------------------------------------------------------------------
# closing days, reasons, validation
# ---------------------------------------------------------------------------


def test_closing_days_are_skipped():
    cal = WorkCalendar(closing_days=frozenset({d("06-05-2026"), d("07-05-2026")}))
    assert not cal.is_workday(d("06-05-2026"))
    assert cal.non_working_reason(d("06-05-2026")) == "sluitingsdag"
    # Fri 01-05 (1), Mon 04 (2), 05 holiday, 06+07 closed, Fri 08 (3), Mon 11 (4), Tue 12 (5)
    assert cal.add_workdays(d("30-04-2026"), 5) == d("12-05-2026")
    assert cal.workdays_between(d("30-04-2026"), d("12-05-2026")) == 5
    assert cal.add_workdays(d("12-05-2026"), -5) == d("30-04-2026")


def test_christmas_closure_week():
    closure = frozenset(d("28-12-2026") + timedelta(days=i) for i in range(4))  # Mon-Thu
    cal = WorkCalendar(closing_days=closure)
    assert cal.add_workdays(d("23-12-2026"), 2) == d("04-01-2027")  # 24-12, then 01-01 is a holiday
    assert cal.add_workdays(d("23-12-2026"), 1) == d("24-12-2026")
    assert cal.add_workdays(d("31-12-2026"), -1) == d("23-12-2026")


def test_non_working_reason_values():
    assert DEFAULT_CALENDAR.non_working_reason(d("11-05-2026")) is None
    assert DEFAULT_CALENDAR.non_working_reason(d("09-05-2026")) == "zaterdag"
    assert DEFAULT_CALENDAR.non_working_reason(d("10-05-2026")) == "zondag"
    assert DEFAULT_CALENDAR.non_working_reason(d("05-05-2026")) == "bevrijdingsdag"
    # holiday on a weekend reports the holiday
    assert DEFAULT_CALENDAR.non_working_reason(d("26-12-2026")) == "tweede_kerstdag"
    assert DEFAULT_CALENDAR.non_working_reason(d("26-04-2025")) == "koningsdag"
    # disabled holiday on a weekend is just a weekend day
    no_xmas = WorkCalendar(disabled_holidays=frozenset({"tweede_kerstdag"}))
    assert no_xmas.non_working_reason(d("26-12-2026")) == "zaterdag"
    cal = WorkCalendar(closing_days=frozenset({d("12-05-2026"), d("05-05-2026"), d("10-05-2026")}))
    assert cal.non_working_reason(d("12-05-2026")) == "sluitingsdag"
    assert cal.non_working_reason(d("05-05-2026")) == "bevrijdingsdag"
    assert cal.non_working_reason(d("10-05-2026")) == "zondag"
    for reason in ("zaterdag", "zondag", "sluitingsdag", "bevrijdingsdag"):
        assert REASON_LABELS[reason]


@pytest.mark.parametrize(
    "call",
    [
        lambda v: is_workday(v),
        lambda v: add_workdays(v, 1),
        lambda v: add_workdays(v, 0),
        lambda v: add_workdays(v, -1),
        lambda v: workdays_between(v, date(2026, 5, 1)),
        lambda v: workdays_between(date(2026, 5, 1), v),
        lambda v: DEFAULT_CALENDAR.non_working_reason(v),
        lambda v: WorkCalendar(closing_days=frozenset({v})),
    ],
)
@pytest.mark.parametrize("value", [datetime(2026, 5, 1, 12, 0), "2026-05-01", None])
def test_type_error_for_non_dates(call, value):
    with pytest.raises(TypeError):
        call(value)


@pytest.mark.parametrize("n", [1.0, "1", True, None])
def test_type_error_for_non_int_n(n):
    with pytest.raises(TypeError):
        add_workdays(date(2026, 5, 1), n)


def test_unknown_holiday_code_rejected():
    with pytest.raises(ValueError):
        WorkCalendar(disabled_holidays=frozenset({"pasen"}))


def test_calendar_normalises_and_is_hashable():
    cal = WorkCalendar(disabled_holidays={"bevrijdingsdag"}, closing_days=[date(2026, 6, 1)])
    assert cal.disabled_holidays == frozenset({"bevrijdingsdag"})
    assert cal.closing_days == frozenset({date(2026, 6, 1)})
    cal.is_workday(date(2026, 6, 1))  # populate the per-instance cache
    assert cal == WorkCalendar(
        disabled_holidays=frozenset({"bevrijdingsdag"}), closing_days=frozenset({date(2026, 6, 1)})
    )
    assert hash(cal) == hash(
        WorkCalendar(
            disabled_holidays=frozenset({"bevrijdingsdag"}),
            closing_days=frozenset({date(2026, 6, 1)}),
        )
    )
    assert cal != DEFAULT_CALENDAR


# ---------------------------------------------------------------------------
# property tests
# ---------------------------------------------------------------------------

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
terms = st.integers(min_value=-60, max_value=60)


@st.composite
def calendars(draw):
    disabled = draw(st.frozensets(st.sampled_from(HOLIDAY_CODES)))
    closing = set(
        draw(
            st.frozensets(
                st.dates(min_value=date(2019, 10, 1), max_value=date(2036, 3, 31)), max_size=8
            )
        )
    )
    # sometimes a run of consecutive closing days (e.g. a Christmas closure)
    run_start = draw(st.none() | st.dates(min_value=date(2019, 10, 1), max_value=date(2036, 3, 1)))
    if run_start is not None:
        length = draw(st.integers(min_value=1, max_value=15))
        closing.update(run_start + timedelta(days=i) for i in range(length))
    return WorkCalendar(disabled_holidays=disabled, closing_days=frozenset(closing))


@PROPERTY_SETTINGS
@given(dates, terms)
def test_property_round_trip_default(day, n):
    result = add_workdays(day, n)
    assert workdays_between(day, result) == n
    if n != 0:
        assert is_workday(result)
        assert (result > day) == (n > 0)
    else:
        assert result == day


@PROPERTY_SETTINGS
@given(dates, terms)
def test_property_monotonic_default(day, n):
    assert add_workdays(day, n) < add_workdays(day, n + 1)


@PROPERTY_SETTINGS
@given(dates, terms, calendars())
def test_property_round_trip_random_calendar(day, n, cal):
    result = cal.add_workdays(day, n)
    assert cal.workdays_between(day, result) == n
    assert workdays_between(day, result, cal) == n
    if n != 0:
        assert cal.is_workday(result)
        assert cal.non_working_reason(result) is None
    assert cal.add_workdays(day, n) < cal.add_workdays(day, n + 1)


@PROPERTY_SETTINGS
@given(dates, terms, calendars())
def test_property_matches_naive(day, n, cal):
    assert cal.add_workdays(day, n) == naive_add(day, n, cal)


@PROPERTY_SETTINGS
@given(dates, st.integers(min_value=-500, max_value=500), calendars())
def test_property_between_matches_naive_and_is_antisymmetric(a, offset, cal):
    b = a + timedelta(days=offset)
    assert cal.workdays_between(a, b) == naive_between(a, b, cal)
    assert cal.workdays_between(a, b) == -cal.workdays_between(b, a)


@PROPERTY_SETTINGS
@given(dates, calendars())
def test_property_is_workday_matches_reason(day, cal):
    assert cal.is_workday(day) == (cal.non_working_reason(day) is None)
    assert cal.is_workday(day) == naive_is_workday(day, cal)


@PROPERTY_SETTINGS
@given(dates, st.integers(min_value=1, max_value=60))
def test_property_forward_is_nth_working_day_after(day, n):
    result = add_workdays(day, n)
    between = [day + timedelta(days=i) for i in range(1, (result - day).days)]
    assert sum(is_workday(x) for x in between) == n - 1
