"""Legal deadlines: calendar or working days, Romanian public holidays, pauses, extension.

How a term of N days is counted (Codul de procedură civilă, art. 181, applied by
the administration to the terms of OG 27/2002, Legea 544/2001, Legea 50/1991):

- the day the case is registered does not count: counting starts the next day;
- *calendar days*: the term ends N days later; when that day is a Saturday, a
  Sunday or a public holiday, it ends on the next working day;
- *working days*: N working days are counted (weekends and public holidays are
  skipped);
- while the case awaits the citizen (completion requested) the clock stops:
  the days of a pause do not count; an open pause means no deadline yet;
- one extension (e.g. +15 days for a petition, OG 27/2002 art. 9) adds its
  days, counted the same way, after the original end.
- where tacit approval applies, it is acquired the day after the deadline.

Public holidays come from the ``holidays`` library (country RO), plus any days
the settings add (``cityportal.extra_holidays``: ISO dates, comma-separated,
e.g. days off the government declares).
"""
import datetime
import functools

import holidays

CALENDAR = 'calendar'
WORKING = 'working'
ONE_DAY = datetime.timedelta(days=1)
MAX_DAYS = 3660          # no legal term is longer than ten years


class Calendar:
    """Working days in Romania."""

    def __init__(self, extra_holidays=()):
        self.extra = frozenset(extra_holidays)

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def _year(year):
        return frozenset(holidays.country_holidays('RO', years=year).keys())

    def is_holiday(self, day):
        return day in self.extra or day in self._year(day.year)

    def is_working_day(self, day):
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_working_day(self, day):
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add(self, start, days, kind=CALENDAR, pauses=()):
        """The last day of a term of ``days`` counted from ``start`` (excluded).

        ``pauses``: (first, last) dates, both included, during which the clock
        stands still; ``last`` None means the pause is still open: no deadline
        (None is returned).
        """
        if days < 0:
            raise ValueError('a term cannot be negative')
        closed = []
        for first, last in pauses:
            if last is None:
                return None
            closed.append((first, last))

        def paused(d):
            return any(first <= d <= last for first, last in closed)

        day, counted, steps = start, 0, 0
        while counted < days:
            day += ONE_DAY
            steps += 1
            if steps > MAX_DAYS + 366 * max(1, len(closed)):
                raise ValueError('term too long')
            if paused(day):
                continue
            if kind == WORKING and not self.is_working_day(day):
                continue
            counted += 1
        if kind == CALENDAR:
            day = self.next_working_day(day)
            while paused(day):              # ends inside a pause: after it, on a working day
                day = self.next_working_day(day + ONE_DAY)
        return day

    def working_days_between(self, first, last):
        """Working days after ``first`` up to ``last`` included (negative if last < first)."""
        if last < first:
            return -self.working_days_between(last, first)
        n, day = 0, first
        while day < last:
            day += ONE_DAY
            if self.is_working_day(day):
                n += 1
        return n


@functools.lru_cache(maxsize=8)
def calendar_for(extra=''):
    days = []
    for part in (extra or '').replace(';', ',').split(','):
        part = part.strip()
        if part:
            days.append(datetime.date.fromisoformat(part))
    return Calendar(days)


def get_calendar(registry=None):
    extra = registry.settings.get('cityportal.extra_holidays', '') if registry else ''
    return calendar_for(extra)


def deadline_for(term, start, pauses=(), extended=False, calendar=None):
    """The deadline of a case (a date, or None when unknown or paused).

    ``term`` is the service's ``deadline`` dict (``days``, ``kind``,
    ``extension_days``) or None when the law's term is unknown.
    """
    if not term or not term.get('days'):
        return None
    calendar = calendar or Calendar()
    days = int(term['days'])
    if extended:
        days += int(term.get('extension_days') or 0)
    return calendar.add(start, days, term.get('kind') or CALENDAR, pauses)


def tacit_approval_date(deadline):
    """Tacit approval is acquired the day after the deadline passes unanswered."""
    return deadline + ONE_DAY if deadline is not None else None


#: a case is "at risk" this many working days before its deadline
AT_RISK_WORKING_DAYS = 3


def urgency(deadline, today, calendar=None):
    """'late', 'at-risk', 'on-time' or None (no deadline)."""
    if deadline is None:
        return None
    if today > deadline:
        return 'late'
    calendar = calendar or Calendar()
    if calendar.working_days_between(today, deadline) <= AT_RISK_WORKING_DAYS:
        return 'at-risk'
    return 'on-time'
