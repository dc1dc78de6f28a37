"""Collection figures that are plain arithmetic: DSO (two methods), months.

No Odoo import: the SQL gives the sums, these functions turn them into days.
"""

import calendar
from datetime import date, timedelta

# Payer rating of a customer from its last 12 months (account.relance.payer.rating).
PAYER_RATINGS = [
    ("good", "Good Payer"),
    ("average", "Average Payer"),
    ("bad", "Bad Payer"),
]

# French averages, domain-fr.md §10: Altares, first half of 2025.
BENCHMARK_AVG_DAYS_LATE = 14.1
BENCHMARK_ON_TIME_SHARE = 45.2
BENCHMARK_SOURCE = "Altares, H1 2025"

# Countback stops looking back after this many months (receivables older than
# two years of sales are counted as two years).
COUNTBACK_MAX_MONTHS = 24


def accounting_dso(receivables, sales, days):
    """DSO by the accounting method: receivables ÷ credit sales × days.

    :param receivables: receivables at the end of the period (any currency,
        the same as ``sales``)
    :param sales: credit sales of the period, taxes included
    :param days: number of days of the period
    :return: days (float), or None when the period has no sales
    """
    if sales <= 0:
        return None
    return receivables / sales * days


def countback_dso(receivables, monthly_sales):
    """DSO by the countback method (exhaustion of the sales, latest month first).

    The receivables are matched against the sales of the latest month, then the
    month before, and so on: each month fully covered adds its days, the last
    month adds the share of its days that the rest of the receivables covers.

    :param receivables: receivables at the end of the last month
    :param monthly_sales: ``[(days, sales), ...]`` latest month first; ``days``
        is the number of days of the month counted (the last month may be
        partial)
    :return: days (float); 0 when nothing is receivable; None when the months
        given have no sales at all
    """
    if receivables <= 0:
        return 0.0
    if not any(sales > 0 for _days, sales in monthly_sales):
        return None
    remaining = receivables
    total_days = 0.0
    for days, sales in monthly_sales[:COUNTBACK_MAX_MONTHS]:
        if sales <= 0:
            total_days += days
            continue
        if remaining <= sales:
            return total_days + days * remaining / sales
        remaining -= sales
        total_days += days
    return total_days


def month_start(day):
    return day.replace(day=1)


def month_end(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def previous_month_start(day):
    return month_start(month_start(day) - timedelta(days=1))


def months_back(end, count):
    """The ``count`` months ending with the month of ``end``, oldest first.

    :return: ``[(first_day, last_day), ...]``; the last month stops at ``end``
    """
    months = []
    start = month_start(end)
    for _index in range(count):
        months.append((start, min(month_end(start), end)))
        start = previous_month_start(start)
    return months[::-1]


def week_start(day):
    """Monday of the week of ``day``."""
    return day - timedelta(days=day.weekday())


def days_between(first, last):
    """Number of days from ``first`` to ``last``, both included."""
    return (last - first).days + 1 if first and last and last >= first else 0


def as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class ReceivableSeries:
    """Receivables and credit sales of any day of a window, from the opening
    balance and the daily movements (see
    ``account.relance.analysis.data._get_receivable_series``)."""

    def __init__(self, opening, sales_by_day, settled_by_day):
        self.opening = opening
        self.sales_by_day = sales_by_day
        self.settled_by_day = settled_by_day

    def at(self, day):
        """Receivables at the end of ``day`` (a day of the window, or the day
        before it)."""
        return (
            self.opening
            + sum(
                amount for moment, amount in self.sales_by_day.items() if moment <= day
            )
            - sum(
                amount
                for moment, amount in self.settled_by_day.items()
                if moment <= day
            )
        )

    def sales(self, first, last):
        """Credit sales from ``first`` to ``last``, both included."""
        return sum(
            amount
            for moment, amount in self.sales_by_day.items()
            if first <= moment <= last
        )


def lateness(settled_by_day, first, last):
    """Invoices settled from ``first`` to ``last``.

    :param settled_by_day: ``{date: (count, days late summed, count paid late)}``
    :return: ``(count, average days late, share paid late in %)``; averages are
        None without any invoice
    """
    count = days = late = 0
    for moment, (momentcount, momentdays, momentlate) in settled_by_day.items():
        if first <= moment <= last:
            count += momentcount
            days += momentdays
            late += momentlate
    if not count:
        return 0, None, None
    return count, days / count, 100.0 * late / count
