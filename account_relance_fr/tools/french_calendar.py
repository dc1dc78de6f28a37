"""French public holidays by region, from the ``holidays`` library.

The library (``holidays.France``) knows the national days and those of each
region with its own: Good Friday and 26 December in Alsace-Moselle (its
subdivisions ``6AE`` for Bas-Rhin and Haut-Rhin, ``57`` for Moselle, in the
pinned version 0.86), the abolition of slavery and other days overseas
(``971`` to ``976``, ``BL``, ``MF``, ``PM``, ``NC``, ``PF``, ``WF``).

A *region* here is the INSEE code of a department or overseas collectivity
with days of its own (``"67"``, ``"972"``, ``"977"``…) or ``"metropole"``;
:func:`region_from_address` finds it from a country code and a ZIP code.
"""

import re
from datetime import time, timedelta
from functools import lru_cache

import holidays

METROPOLE = "metropole"

# INSEE code of the department or collectivity → subdivision of holidays.France
REGION_SUBDIVISIONS = {
    METROPOLE: None,
    "57": "57",  # Moselle
    "67": "6AE",  # Bas-Rhin (Collectivité européenne d'Alsace)
    "68": "6AE",  # Haut-Rhin (Collectivité européenne d'Alsace)
    "971": "971",  # Guadeloupe
    "972": "972",  # Martinique
    "973": "973",  # Guyane
    "974": "974",  # La Réunion
    "975": "PM",  # Saint-Pierre-et-Miquelon
    "976": "976",  # Mayotte
    "977": "BL",  # Saint-Barthélemy
    "978": "MF",  # Saint-Martin
    "986": "WF",  # Wallis-et-Futuna
    "987": "PF",  # Polynésie française
    "988": "NC",  # Nouvelle-Calédonie
}

# ISO country codes Odoo gives the overseas departments and collectivities
COUNTRY_REGIONS = {
    "GP": "971",
    "MQ": "972",
    "GF": "973",
    "RE": "974",
    "PM": "975",
    "YT": "976",
    "BL": "977",
    "MF": "978",
    "WF": "986",
    "PF": "987",
    "NC": "988",
}

# ZIP codes of the collectivities that share the 971 range with Guadeloupe
_ZIP_REGIONS = {"97133": "977", "97150": "978"}


def department_from_zip(zip_code):
    """INSEE code of the French department or collectivity of a ZIP code.

    ``"67000"`` → ``"67"``; ``"20000"`` → ``"2A"``, ``"20200"`` → ``"2B"``
    (Corsica); ``"97200"`` → ``"972"``; ``"97133"`` → ``"977"``
    (Saint-Barthélemy); ``"98800"`` → ``"988"``. Spaces are ignored.

    :return: the code, or ``None`` when ``zip_code`` is no French ZIP code
        (empty, not five digits, Monaco's 980xx)
    """
    digits = re.sub(r"\s", "", zip_code or "")
    if not re.fullmatch(r"\d{5}", digits) or digits.startswith(("00", "980")):
        return None
    if digits in _ZIP_REGIONS:
        return _ZIP_REGIONS[digits]
    if digits.startswith(("97", "98")):
        return digits[:3]
    if digits.startswith("20"):
        return "2A" if digits < "20200" else "2B"
    return digits[:2]


def region_from_address(country_code, zip_code):
    """Holiday region of an address: a key of ``REGION_SUBDIVISIONS``.

    An overseas country code of Odoo (``MQ``, ``RE``…) gives its region
    whatever the ZIP code; otherwise the department of the ZIP code, when it
    has days of its own; otherwise metropolitan France (also for an address
    abroad: the product applies French rules).
    """
    if country_code in COUNTRY_REGIONS:
        return COUNTRY_REGIONS[country_code]
    if country_code not in (False, None, "", "FR"):
        return METROPOLE
    department = department_from_zip(zip_code)
    return department if department in REGION_SUBDIVISIONS else METROPOLE


@lru_cache(maxsize=256)
def french_public_holidays(year, region=METROPOLE):
    """The public holidays of ``region`` (see ``REGION_SUBDIVISIONS``) in
    ``year``, as a frozenset of dates.

    :raise KeyError: on an unknown region
    """
    calendar = holidays.country_holidays(
        "FR", subdiv=REGION_SUBDIVISIONS[region], years=year
    )
    return frozenset(calendar)


def is_french_public_holiday(day, region=METROPOLE):
    """True when ``day`` (a date) is a public holiday in ``region``."""
    return day in french_public_holidays(day.year, region)


class ClosedDays:
    """The days a company does not send: public holidays of its region and
    its own closing days, as a container of dates (``day in closed``).

    :param region: a key of ``REGION_SUBDIVISIONS``
    :param closing_ranges: ``(first_day, last_day)`` pairs of dates, both
        included (the company's time off of its working calendar)
    """

    __slots__ = ("region", "closing_ranges")

    def __init__(self, region=METROPOLE, closing_ranges=()):
        self.region = region
        self.closing_ranges = tuple(sorted(closing_ranges))

    def __contains__(self, day):
        if is_french_public_holiday(day, self.region):
            return True
        return any(first <= day <= last for first, last in self.closing_ranges)

    def __eq__(self, other):
        return isinstance(other, ClosedDays) and (
            self.region,
            self.closing_ranges,
        ) == (other.region, other.closing_ranges)

    def __hash__(self):
        return hash((self.region, self.closing_ranges))

    def __repr__(self):
        return f"ClosedDays({self.region!r}, {self.closing_ranges!r})"

    def between(self, date_from, date_to):
        """Sorted closed days from ``date_from`` to ``date_to``, both included."""
        days = []
        day = date_from
        while day <= date_to:
            if day in self:
                days.append(day)
            day += timedelta(days=1)
        return days


def local_date_ranges(intervals):
    """``(first_day, last_day)`` of naive local ``(start, end)`` datetimes.

    A day counts when the interval covers any part of it; an end at midnight
    sharp closes the day before (``24/12 00:00 → 25/12 00:00`` is 24/12).
    """
    ranges = []
    for start, end in intervals:
        last = end.date()
        if end > start and end.time() == time.min:
            last -= timedelta(days=1)
        ranges.append((start.date(), max(last, start.date())))
    return ranges
