"""Amounts in words, as French legal letters and their English version
write them."""

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


# ISO code: (unit, units, subunit, subunits) in English.
CURRENCY_WORDS_EN = {
    "EUR": ("euro", "euros", "cent", "cents"),
    "USD": ("US dollar", "US dollars", "cent", "cents"),
    "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "GBP": ("pound sterling", "pounds sterling", "penny", "pence"),
    "CHF": ("Swiss franc", "Swiss francs", "centime", "centimes"),
    "XOF": ("CFA franc", "CFA francs", None, None),
    "XPF": ("CFP franc", "CFP francs", None, None),
    "JPY": ("yen", "yen", None, None),
    "MAD": ("dirham", "dirhams", "centime", "centimes"),
    "TND": ("Tunisian dinar", "Tunisian dinars", "millime", "millimes"),
}


def amount_to_words_en(amount, currency_code="EUR"):
    """An amount in English words, in its own currency.

    ``1234.5`` → "one thousand two hundred and thirty-four euros and fifty
    cents"; ``0.01`` → "one cent"; ``(1000, "USD")`` → "one thousand US
    dollars". Same rounding as ``amount_to_words_fr``.

    :param currency_code: ISO 4217 code of the amount's currency (default EUR)
    """
    unit, units, subunit, subunits = CURRENCY_WORDS_EN.get(
        (currency_code or "EUR").upper(),
        (currency_code, currency_code, "hundredth", "hundredths"),
    )
    cents_total = int(
        Decimal(repr(abs(amount))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        * 100
    )
    whole, cents = divmod(cents_total, 100)
    if not subunit:
        whole, cents = divmod(cents_total + 50, 100)[0], 0
    parts = []
    if whole:
        words = num2words(whole, lang="en").replace(",", "")
        parts.append(f"{words} {units if whole > 1 else unit}")
    if cents:
        words = num2words(cents, lang="en")
        parts.append(f"{words} {subunits if cents > 1 else subunit}")
    if not parts:
        return f"zero {units}"
    return " and ".join(parts)
