"""Amounts in words, as French legal letters write them."""

from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

# ISO code: (unit, units, subunit, subunits) in French. A currency without
# subunit has None.
CURRENCY_WORDS = {
    "EUR": ("euro", "euros", "centime", "centimes"),
    "USD": ("dollar", "dollars", "cent", "cents"),
    "CAD": ("dollar canadien", "dollars canadiens", "cent", "cents"),
    "AUD": ("dollar australien", "dollars australiens", "cent", "cents"),
    "GBP": ("livre sterling", "livres sterling", "penny", "pence"),
    "CHF": ("franc suisse", "francs suisses", "centime", "centimes"),
    "XOF": ("franc CFA", "francs CFA", None, None),
    "XPF": ("franc CFP", "francs CFP", None, None),
    "JPY": ("yen", "yens", None, None),
    "MAD": ("dirham", "dirhams", "centime", "centimes"),
    "TND": ("dinar tunisien", "dinars tunisiens", "millime", "millimes"),
}
VOWELS = "aeiouyéèêh"


def _currency_words(currency_code):
    """(unit, units, subunit, subunits); unknown currencies keep their code."""
    return CURRENCY_WORDS.get(
        (currency_code or "EUR").upper(),
        (currency_code, currency_code, "centième", "centièmes"),
    )


def amount_to_words_fr(amount, currency_code="EUR"):
    """An amount in French words, in its own currency.

    ``1234.5`` → "mille deux cent trente-quatre euros et cinquante centimes";
    ``1000000`` → "un million d'euros" (the "de" after million and milliard,
    elided before a vowel: "un million de dollars"); ``0.01`` → "un centime";
    ``(1000, "USD")`` → "mille dollars". num2words' own currency mode reads an
    integer as cents and writes "zéro centimes": the two parts are spelled
    separately here.

    :param currency_code: ISO 4217 code of the amount's currency (default EUR)
    """
    unit, units, subunit, subunits = _currency_words(currency_code)
    cents_total = int(
        Decimal(repr(abs(amount))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        * 100
    )
    whole, cents = divmod(cents_total, 100)
    if not subunit:
        whole, cents = divmod(cents_total + 50, 100)[0], 0
    parts = []
    if whole:
        words = num2words(whole, lang="fr")
        if whole % 1_000_000 == 0:
            # "un million d'euros", "deux milliards de dollars"
            of = "d'" if units[0].lower() in VOWELS else "de "
            parts.append(f"{words} {of}{units}")
        else:
            parts.append(f"{words} {units if whole > 1 else unit}")
    if cents:
        words = num2words(cents, lang="fr")
        parts.append(f"{words} {subunits if cents > 1 else subunit}")
    if not parts:
        return f"zéro {unit}"
    return " et ".join(parts)
