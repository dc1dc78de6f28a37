"""Sending windows: allowed weekdays and hours, French public holidays skipped.

A window is described by a plain dict so that the SMS add-on can reuse the same
functions with its own settings::

    {"weekdays": {0, 1, 2, 3, 4}, "hour_from": 8.0, "hour_to": 18.0,
     "skip_holidays": True}

Weekdays follow ``date.weekday()`` (Monday is 0). Hours are local wall-clock
hours as floats (8.5 is 08:30).
"""

from datetime import datetime, time, timedelta

from .french_calendar import is_french_public_holiday


def _is_open_day(window, day):
    if day.weekday() not in window["weekdays"]:
        return False
    return not (window["skip_holidays"] and is_french_public_holiday(day))


def _hour(value):
    hours = int(value)
    minutes = round((value - hours) * 60)
    return time(min(hours, 23), min(minutes, 59))


def within_window(window, local_dt):
    """True when the naive local datetime ``local_dt`` falls inside ``window``."""
    if not _is_open_day(window, local_dt.date()):
        return False
    hour = local_dt.hour + local_dt.minute / 60.0
    return window["hour_from"] <= hour < window["hour_to"]


def next_window_opening(window, local_dt):
    """First naive local datetime at or after ``local_dt`` inside ``window``.

    Returns ``None`` when the window has no open day at all.
    """
    if not window["weekdays"] or window["hour_from"] >= window["hour_to"]:
        return None
    if within_window(window, local_dt):
        return local_dt
    day = local_dt.date()
    opening = datetime.combine(day, _hour(window["hour_from"]))
    if local_dt < opening and _is_open_day(window, day):
        return opening
    for offset in range(1, 370):
        candidate = day + timedelta(days=offset)
        if _is_open_day(window, candidate):
            return datetime.combine(candidate, _hour(window["hour_from"]))
    return None
