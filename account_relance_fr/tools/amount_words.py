"""Amounts in words, as French legal letters write them."""

from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words


def amount_to_words_fr(amount):
    """A euro amount in French words.

    ``1234.5`` → "mille deux cent trente-quatre euros et cinquante centimes";
    ``1000000`` → "un million d'euros" (the elision of "de" after million and
    milliard); ``0.01`` → "un centime". num2words' own currency mode reads an
    integer as cents and writes "zéro centimes": the two parts are spelled
    separately here.
    """
    cents_total = int(
        Decimal(repr(abs(amount))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        * 100
    )
    euros, cents = divmod(cents_total, 100)
    parts = []
    if euros:
        words = num2words(euros, lang="fr")
        if euros % 1_000_000 == 0:
            # "un million d'euros", "deux milliards d'euros"
            parts.append(f"{words} d'euros")
        else:
            parts.append(f"{words} euro{'s' if euros > 1 else ''}")
    if cents:
        words = num2words(cents, lang="fr")
        parts.append(f"{words} centime{'s' if cents > 1 else ''}")
    if not parts:
        return "zéro euro"
    return " et ".join(parts)
