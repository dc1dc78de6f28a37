"""French formats for legal letters, whatever languages the database has.

Numbers and dates come from Babel's French locale (CLDR), as Odoo's
``format_date`` does; Odoo's ``format_amount`` and ``formatLang`` are not used
here because they need the French language active in the database and follow
the current user's or customer's. Added on top, for French legal letters:

- amounts rounded half up, to the cent (Babel rounds half to even);
- a no-break space (U+00A0) between thousands, as Odoo's French language
  (``res.lang`` fr_FR) prints the invoices, where CLDR has a narrow one;
- "1er" for the first day of a month, "1er/2e semestre";
- a no-break space before ``:``, ``;``, ``?`` and ``!`` in the letters and
  mails (``nbsp_before_double_punctuation``).
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal, get_group_symbol

LOCALE = "fr_FR"
NBSP = "\u00a0"


def fr_date(day):
    """``1er juillet 2026``, ``23 novembre 2026``."""
    if not day:
        return ""
    text = format_date(day, "d MMMM y", locale=LOCALE)
    return f"1er{text[1:]}" if day.day == 1 else text


def fr_date_short(day):
    """``01/07/2026``."""
    return format_date(day, "short", locale=LOCALE) if day else ""


def fr_number(value, digits=2):
    """``1 234,50`` with no-break spaces between thousands, rounded half up."""
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    pattern = "#,##0" + (f".{'0' * digits}" if digits > 0 else "")
    text = format_decimal(rounded, format=pattern, locale=LOCALE)
    return text.replace(get_group_symbol(LOCALE), NBSP)


def fr_amount(value, symbol="€"):
    """``1 234,50 €``: the French currency pattern, symbol after the amount."""
    return f"{fr_number(value)}{NBSP}{symbol}"


def fr_rate(value):
    """``12,15 %``: a rate with two decimals (the French percent pattern)."""
    return f"{fr_number(value)}{NBSP}%"


def fr_half_year(year, half):
    """``1er semestre 2026``, ``2e semestre 2026`` (no locale format for it)."""
    return f"{'1er' if half == 1 else '2e'} semestre {year}"


def fr_siren(number):
    """A SIREN or SIRET as printed on French documents: ``813 742 590`` (the
    SIREN in groups of three digits), ``813 742 590 00014`` (the SIRET: the
    SIREN, then the 5-digit establishment number); anything else is returned
    as it is, '' for nothing. The one formatter of these numbers."""
    text = (number or "").replace(" ", "")
    if len(text) in (9, 14) and text.isdigit():
        return " ".join(filter(None, (text[:3], text[3:6], text[6:9], text[9:])))
    return number or ""


# a space (or line break) before a French double punctuation mark that ends a
# word group: followed by a space, the end of the text or a closing sign
_SPACE_BEFORE_DOUBLE_PUNCTUATION = re.compile(
    r"[ \t\r\n]+(?=[:;?!](?:[\s\u00a0\u202f»)\"'.,]|$))"
)
# what the substitution needs at least: a blank just before the mark
_SPACE_THEN_DOUBLE_PUNCTUATION = re.compile(r"[ \t\r\n][:;?!]")
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][\w:-]*)")
# elements whose text is not read: their content is left as it is
_RAW_TEXT_ELEMENTS = ("style", "script")


def nbsp_before_double_punctuation(html):
    """``html`` (str) with a no-break space in place of the space before each
    double punctuation mark (``:``, ``;``, ``?``, ``!``) of its text, so that
    the mark never wraps alone onto the next line (French typography: "à ce
    jour :"). Tags, attributes and style or script content are left as they
    are; ``10:30`` or ``https://`` have no space and do not change."""
    if not _SPACE_THEN_DOUBLE_PUNCTUATION.search(html):
        return str(html)  # nothing to change (most English texts)
    parts = _TAG.split(html)
    raw = None
    for index, part in enumerate(parts):
        if index % 2:
            match = _TAG_NAME.match(part)
            if match and match.group(2).lower() in _RAW_TEXT_ELEMENTS:
                raw = None if match.group(1) else match.group(2).lower()
            continue
        if part and not raw and _SPACE_THEN_DOUBLE_PUNCTUATION.search(part):
            parts[index] = _SPACE_BEFORE_DOUBLE_PUNCTUATION.sub(NBSP, part)
    return "".join(parts)
