"""Legal deadlines around weekends, Romanian holidays, pauses and extensions."""
import datetime

import pytest

from cityportal.cases.deadlines import (
    CALENDAR, WORKING, Calendar, calendar_for, deadline_for, tacit_approval_date, urgency)

D = datetime.date
cal = Calendar()


def test_romanian_holidays_and_weekends():
    assert cal.is_holiday(D(2026, 12, 1))        # Ziua Națională
    assert cal.is_holiday(D(2026, 12, 25)) and cal.is_holiday(D(2026, 12, 26))
    assert cal.is_holiday(D(2027, 1, 1)) and cal.is_holiday(D(2027, 1, 2))
    assert cal.is_holiday(D(2027, 1, 6)) and cal.is_holiday(D(2027, 1, 7))   # Boboteaza, Sf. Ioan
    assert cal.is_holiday(D(2026, 4, 10))        # Vinerea Mare (Orthodox Easter 2026)
    assert not cal.is_working_day(D(2026, 11, 28))   # a Saturday
    assert cal.is_working_day(D(2026, 12, 2))


def test_thirty_calendar_days_from_20_december():
    # 20 Dec 2026 + 30 = 19 Jan 2027, a Tuesday: a working day
    assert deadline_for({'days': 30, 'kind': CALENDAR}, D(2026, 12, 20)) == D(2027, 1, 19)


def test_a_calendar_term_ending_on_a_holiday_moves_to_the_next_working_day():
    # 2 Dec 2026 + 30 = 1 Jan 2027 (holiday), 2 Jan (holiday, Saturday), 3 Jan Sunday
    assert deadline_for({'days': 30, 'kind': CALENDAR}, D(2026, 12, 2)) == D(2027, 1, 4)
    # 1 Nov + 30 = 1 Dec (Ziua Națională, a Tuesday) -> 2 Dec
    assert deadline_for({'days': 30, 'kind': CALENDAR}, D(2026, 11, 1)) == D(2026, 12, 2)


def test_thirty_working_days_from_20_december_skip_the_holidays():
    # after Sunday 20 Dec 2026: 21-24 Dec (4), 28-31 Dec (8), 4, 5, 8 Jan (11), then whole
    # weeks to 29 Jan (26), 1-4 Feb (30); 25 Dec, 1 Jan, 6 and 7 Jan are holidays
    end = deadline_for({'days': 30, 'kind': WORKING}, D(2026, 12, 20))
    assert cal.working_days_between(D(2026, 12, 20), end) == 30
    assert end == D(2027, 2, 4)


def test_working_days_over_a_weekend():
    # Friday 27 Nov 2026 + 1 working day: Monday 30 Nov (Sf. Andrei) and Tuesday
    # 1 Dec (Ziua Națională) are holidays
    assert cal.add(D(2026, 11, 27), 1, WORKING) == D(2026, 12, 2)
    assert cal.add(D(2026, 11, 23), 3, WORKING) == D(2026, 11, 26)


def test_a_pause_stops_the_clock():
    term = {'days': 10, 'kind': CALENDAR}
    start = D(2026, 3, 2)
    plain = deadline_for(term, start)
    assert plain == D(2026, 3, 12)
    paused = deadline_for(term, start, pauses=[(D(2026, 3, 5), D(2026, 3, 9))])
    assert paused == D(2026, 3, 17)               # five paused days later
    assert deadline_for(term, start, pauses=[(D(2026, 3, 5), None)]) is None


def test_one_extension_adds_its_days():
    petition = {'days': 30, 'kind': CALENDAR, 'extension_days': 15}
    start = D(2026, 3, 2)
    assert deadline_for(petition, start) == D(2026, 4, 1)
    assert deadline_for(petition, start, extended=True) == D(2026, 4, 16)


def test_unknown_term_has_no_deadline():
    assert deadline_for(None, D(2026, 3, 2)) is None
    assert deadline_for({'days': None}, D(2026, 3, 2)) is None


def test_tacit_approval_the_day_after():
    assert tacit_approval_date(D(2026, 4, 1)) == D(2026, 4, 2)
    assert tacit_approval_date(None) is None


@pytest.mark.parametrize('today, expected', [
    (D(2026, 3, 2), 'on-time'), (D(2026, 3, 9), 'at-risk'), (D(2026, 3, 12), 'at-risk'),
    (D(2026, 3, 13), 'late')])
def test_urgency(today, expected):
    assert urgency(D(2026, 3, 12), today) == expected
    assert urgency(None, today) is None


def test_extra_holidays_from_the_settings():
    extra = calendar_for('2026-03-12, 2026-03-13')
    assert not extra.is_working_day(D(2026, 3, 12))
    assert deadline_for({'days': 10, 'kind': CALENDAR}, D(2026, 3, 2), calendar=extra) == \
        D(2026, 3, 16)
