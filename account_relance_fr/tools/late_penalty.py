"""Late-payment interest under French law, as plain functions.

Nothing here touches the database: dates, amounts and a rate lookup come in,
periods and amounts go out, so every rule can be tested by hand.

Rules applied (domain reference §2 and §3):

- interest runs from the day after the due date to the day the funds reached
  the creditor (or the computation date), both included:
  ``days = end - due`` in calendar days;
- simple interest, no compounding (C. civ. 1343-2):
  ``base × annual rate × days / 365``, rounded to the cent once, on the total;
- a payment received on day D still bears interest on D, the base is reduced
  from D + 1 (a full payment on D closes the delay on D);
- the rate of a half-year is the one in force on its first day (L441-10 II);
  a delay spanning 1 January or 1 July is either split, each part at its own
  half-year's rate (``split``), or charged entirely at the rate of the
  half-year in which interest started (``start``, the public-buyer rule);
- the lookup tells whether a half-year's rates are known; an unknown one is
  computed with the last known rates and the result is *provisional*.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

DAYS_IN_YEAR = 365
SPLIT = "split"
START = "start"


def half_year_of(day):
    """(year, half) of a date, half being 1 (January–June) or 2 (July–December)."""
    return day.year, 1 if day.month <= 6 else 2


def half_year_start(year, half):
    return date(year, 1 if half == 1 else 7, 1)


def half_year_end(year, half):
    return date(year, 6, 30) if half == 1 else date(year, 12, 31)


def half_year_label(year, half):
    """Language-neutral label of a half-year, e.g. ``H2 2026``."""
    return f"H{half} {year}"


def round_amount(amount):
    """Round to the cent, half up (the commercial rounding of a claim)."""
    # Kept rather than odoo.tools.float_round: this module stays free of Odoo
    # imports, and Decimal on repr() rounds the figures as written (1.005 → 1.01).
    return float(
        Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    )


@dataclass
class RateInfo:
    """The annual rate (in %) applied to one half-year.

    ``known`` is False when the half-year is missing from the rate table and
    the rate is the last known one; ``note`` says how the rate was obtained
    (e.g. "ECB 2.15 % + 10 points").
    """

    rate: float
    known: bool = True
    note: str = ""


@dataclass
class PenaltyPeriod:
    date_from: date
    date_to: date
    base: float
    rate: float
    half_year: tuple
    known: bool
    note: str = ""

    @property
    def days(self):
        return (self.date_to - self.date_from).days + 1

    @property
    def interest(self):
        """Unrounded interest of the period."""
        return self.base * self.rate / 100.0 * self.days / DAYS_IN_YEAR


@dataclass
class PenaltyResult:
    periods: list = field(default_factory=list)
    method: str = SPLIT

    @property
    def days(self):
        return sum(period.days for period in self.periods)

    @property
    def interest(self):
        """Interest of all periods, rounded once."""
        return round_amount(sum(period.interest for period in self.periods))

    @property
    def provisional(self):
        return any(not period.known for period in self.periods)

    @property
    def missing_half_years(self):
        """Sorted (year, half) whose rates were not in the table."""
        return sorted({period.half_year for period in self.periods if not period.known})


def _base_on(base, payments, day):
    """Base in force on ``day``: what remains after payments made before it."""
    paid = sum(amount for pay_date, amount in payments if pay_date < day)
    return max(base - paid, 0.0)


def compute_late_interest(
    due_date,
    end_date,
    base,
    rate_lookup,
    payments=(),
    method=SPLIT,
    start_after=None,
):
    """Interest on a late amount, period by period.

    :param due_date: the due date; interest starts the day after
    :param end_date: last day counted: the day the funds reached the creditor,
        or the computation date when the amount is still unpaid
    :param base: amount due at the due date (TTC or HT, as chosen)
    :param rate_lookup: callable ``(year, half) -> RateInfo``
    :param payments: [(date, amount)] reducing the base from the next day
    :param method: ``split`` (each half-year at its rate) or ``start`` (the
        whole delay at the rate of the half-year in which interest started)
    :param start_after: count only days after this date (e.g. the end of a
        period already invoiced, or the date of a formal notice)
    :return: a PenaltyResult; no period when nothing is late
    """
    result = PenaltyResult(method=method)
    first_day = due_date + timedelta(days=1)
    if start_after and start_after >= first_day:
        first_day = start_after + timedelta(days=1)
    if not end_date or end_date < first_day or base <= 0:
        return result
    # periods are cut where the base changes and, when splitting, at 1 Jan / 1 Jul
    cuts = {first_day}
    cuts.update(pay_date + timedelta(days=1) for pay_date, _amount in payments)
    start_half_year = half_year_of(due_date + timedelta(days=1))
    start_rate = rate_lookup(*start_half_year) if method == START else None
    if method != START:
        year, half = half_year_of(first_day)
        while True:
            year, half = (year, 2) if half == 1 else (year + 1, 1)
            boundary = half_year_start(year, half)
            if boundary > end_date:
                break
            cuts.add(boundary)
    cuts = sorted(day for day in cuts if first_day <= day <= end_date)
    for index, day_from in enumerate(cuts):
        day_to = (
            cuts[index + 1] - timedelta(days=1) if index + 1 < len(cuts) else end_date
        )
        current_base = _base_on(base, payments, day_from)
        if current_base <= 0:
            continue
        if method == START:
            hy, info = start_half_year, start_rate
        else:
            hy = half_year_of(day_from)
            info = rate_lookup(*hy)
        result.periods.append(
            PenaltyPeriod(
                date_from=day_from,
                date_to=day_to,
                base=current_base,
                rate=info.rate,
                half_year=hy,
                known=info.known,
                note=info.note,
            )
        )
    return result
