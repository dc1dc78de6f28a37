"""Amounts, dates and rates of a legal letter, in the letter's language.

French letters keep the French legal forms of ``french_format`` ("1 234,50 €",
"1er juillet 2026", "12,15 %", amounts in French words). Any other language
gets English forms (the letters exist in French and English only): Babel's
formats of that language when it is an English one, else of ``en_US``, and
amounts in English words.
"""

from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from .amount_words import amount_to_words_en, amount_to_words_fr
from .french_format import fr_amount, fr_date, fr_date_short, fr_half_year, fr_rate


def _half_up(value, digits=2):
    """``value`` rounded half up (Babel rounds half to even)."""
    return Decimal(repr(value)).quantize(
        Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP
    )


class LetterFormat:
    """Formats of one letter.

    :param lang: language code of the letter, e.g. ``"fr_FR"``, ``"en_GB"``
    :param date_format: strftime pattern of the language's numeric dates
        (``res.lang.date_format``), used for English dates in tables
    """

    def __init__(self, lang, date_format=None):
        lang = lang or "en_US"
        self.french = lang.startswith("fr")
        self.locale = lang if lang.startswith("en") else "en_US"
        self.date_format = date_format or "%m/%d/%Y"

    def amount(self, value, currency):
        """``1 234,50 €`` (French), ``€1,234.50`` (English).

        :param currency: the res.currency of the amount
        """
        if self.french:
            return fr_amount(value, currency.symbol)
        return format_currency(
            _half_up(value), currency.name, locale=self.locale, currency_digits=True
        )

    def date(self, day):
        """``23 avril 2026``, ``April 23, 2026``."""
        if not day:
            return ""
        if self.french:
            return fr_date(day)
        return format_date(day, "long", locale=self.locale)

    def date_short(self, day):
        """``23/04/2026``; in English the language's numeric date."""
        if not day:
            return ""
        if self.french:
            return fr_date_short(day)
        return day.strftime(self.date_format)

    def rate(self, value):
        """``12,15 %``, ``12.15%``."""
        if self.french:
            return fr_rate(value)
        return f"{format_decimal(_half_up(value), '#,##0.00', locale=self.locale)}%"

    def half_year(self, year, half):
        """``1er semestre 2026``, ``first half of 2026``."""
        if self.french:
            return fr_half_year(year, half)
        return f"{'first' if half == 1 else 'second'} half of {year}"

    def words(self, amount, currency_code):
        """The amount in words in its own currency: "mille euros", "one
        thousand euros"."""
        if self.french:
            return amount_to_words_fr(amount, currency_code)
        return amount_to_words_en(amount, currency_code)
