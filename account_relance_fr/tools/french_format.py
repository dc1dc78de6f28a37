"""French formats for legal letters, whatever languages the database has."""

from decimal import ROUND_HALF_UP, Decimal

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
NBSP = "\u00a0"


def fr_date(day):
    """``1er juillet 2026``, ``23 novembre 2026``."""
    if not day:
        return ""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def fr_date_short(day):
    return day.strftime("%d/%m/%Y") if day else ""


def fr_number(value, digits=2):
    """``1 234,50`` with no-break spaces between thousands."""
    quantum = Decimal(1).scaleb(-digits)
    text = (
        f"{Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP):,.{digits}f}"
    )
    return text.replace(",", NBSP).replace(".", ",")


def fr_amount(value, symbol="€"):
    return f"{fr_number(value)}{NBSP}{symbol}"


def fr_rate(value):
    return f"{fr_number(value)}{NBSP}%"


def fr_half_year(year, half):
    return f"{'1er' if half == 1 else '2e'} semestre {year}"
