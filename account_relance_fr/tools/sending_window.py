"""Sending windows: allowed weekdays and hours, closed days skipped.

A window is described by a plain dict so that the SMS add-on can reuse the same
functions with its own settings::

    {"weekdays": {0, 1, 2, 3, 4}, "hour_from": 8.0, "hour_to": 18.0,
     "skip_holidays": True, "closed_days": ClosedDays("67", [...])}

Weekdays follow ``date.weekday()`` (Monday is 0). Hours are local wall-clock
hours as floats (8.5 is 08:30). ``closed_days`` is any container of dates
(``res.company._get_relance_closed_days()``: the public holidays of the
company's region and its own closing days); without it, the public holidays of
metropolitan France. Neither Odoo nor a kept library offers such windows
(``resource.calendar`` models working hours, not a sending policy), so this
stays hand-written.
"""

from datetime import datetime, time, timedelta

from .french_calendar import ClosedDays

_METROPOLE = ClosedDays()


def is_open_day(window, day):
    """True when ``window`` lets reminders go out on ``day`` (a date)."""
    if day.weekday() not in window["weekdays"]:
        return False
    if not window["skip_holidays"]:
        return True
    return day not in window.get("closed_days", _METROPOLE)


def _hour(value):
    hours = int(value)
    minutes = round((value - hours) * 60)
    return time(min(hours, 23), min(minutes, 59))


def within_window(window, local_dt):
    """True when the naive local datetime ``local_dt`` falls inside ``window``."""
    if not is_open_day(window, local_dt.date()):
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
    if local_dt < opening and is_open_day(window, day):
        return opening
    for offset in range(1, 370):
        candidate = day + timedelta(days=offset)
        if is_open_day(window, candidate):
            return datetime.combine(candidate, _hour(window["hour_from"]))
    return None
