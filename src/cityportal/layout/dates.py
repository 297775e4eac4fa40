"""Dates as the city hall shows them: Romanian local time, dd.mm.yyyy."""
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo('Europe/Bucharest')


def local_datetime(value):
    """'28.11.2026 16:05' for an aware datetime (shown in Romanian local time)."""
    if value.tzinfo is not None:
        value = value.astimezone(LOCAL_TZ)
    return '%02d.%02d.%04d %02d:%02d' % (value.day, value.month, value.year,
                                         value.hour, value.minute)


def local_date(value):
    return '%02d.%02d.%04d' % (value.day, value.month, value.year)
