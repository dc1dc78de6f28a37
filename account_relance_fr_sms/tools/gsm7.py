"""GSM-7 encoding and SMS segment count, without any Odoo import.

An SMS carries 140 bytes. Texts written only with the GSM 03.38 default
alphabet (3GPP TS 23.038) use 7 bits per character: 160 characters fit in one
SMS, 153 per segment once the text is split (the rest holds the concatenation
header). The characters of the extension table (``€``, ``[``, ``{``…) take an
escape character, so they count twice. Any other character (``ê``, ``ç``, a
non-breaking space, an emoji…) switches the whole text to UCS-2: 70 UTF-16
units in one SMS, 67 per segment.

Which characters GSM-7 carries, and in how many septets, is the ``gsm0338``
codec's answer (one byte per septet). The segment count and the French
replacements stay here: no maintained library counts segments the way the
operators bill them (a two-septet character is never split across segments),
nor knows which spelling a French reader accepts.
"""

import unicodedata
from collections import namedtuple

import gsm0338

_CODEC = gsm0338.Codec()
# The codec's table has the escape code itself: it is no character of a text.
_ESCAPE = "\x1b"

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

SmsInfo = namedtuple("SmsInfo", "encoding length segments non_gsm_chars")
SmsInfo.__doc__ = """What an SMS text costs.

:param encoding: ``"GSM-7"`` or ``"UCS-2"``
:param length: septets (GSM-7, extension characters count 2) or UTF-16 units
:param segments: SMS needed to carry the text (0 for an empty text)
:param non_gsm_chars: the characters that forced UCS-2, sorted, as a string
"""

# Replacements that keep a French text readable in GSM-7.
_GSM7_REPLACEMENTS = {
    "\u00a0": " ",  # no-break space (French amounts, "facture :")
    "\u202f": " ",  # narrow no-break space (French thousands separator)
    "\u2009": " ",
    "\u2007": " ",
    "\t": " ",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "«": '"',
    "»": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2011": "-",
    "\u2026": "...",
    "ç": "c",
    "œ": "oe",
    "Œ": "OE",
    "°": "o",
}


def gsm7_length(char):
    """Septets ``char`` takes in GSM-7, or 0 when GSM-7 cannot carry it."""
    if char == _ESCAPE:
        return 0
    try:
        return len(_CODEC.encode(char)[0])
    except UnicodeEncodeError:
        return 0


def _utf16_units(char):
    return 2 if ord(char) > 0xFFFF else 1


def _count_segments(costs, single, multi):
    """Segments for characters of the given ``costs``, never splitting one."""
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments += 1
            used = 0
        used += cost
    return segments


def sms_info(text):
    """Encoding, length and number of segments of the SMS ``text``.

    >>> sms_info("Bonjour")
    SmsInfo(encoding='GSM-7', length=7, segments=1, non_gsm_chars='')
    >>> sms_info("Total : 12 €").length
    13
    >>> sms_info("Fête").encoding
    'UCS-2'
    """
    text = text or ""
    costs = [gsm7_length(char) for char in text]
    non_gsm = "".join(
        sorted({char for char, cost in zip(text, costs, strict=False) if not cost})
    )
    if non_gsm:
        costs = [_utf16_units(char) for char in text]
        return SmsInfo(
            "UCS-2",
            sum(costs),
            _count_segments(costs, UCS2_SINGLE, UCS2_MULTI),
            non_gsm,
        )
    return SmsInfo(
        "GSM-7", sum(costs), _count_segments(costs, GSM7_SINGLE, GSM7_MULTI), ""
    )


def to_gsm7(text):
    """``text`` rewritten with GSM-7 characters only, as close as possible.

    Typographic spaces, quotes and dashes get their plain equivalent, accented
    letters outside GSM-7 (``ê``, ``â``, ``ç``…) lose their accent; what is left
    becomes ``?``. Use it on the variables of an SMS (a company name, a
    formatted amount) so that they cannot turn the message into UCS-2.
    """
    result = []
    for char in text or "":
        if gsm7_length(char):
            result.append(char)
            continue
        if char in _GSM7_REPLACEMENTS:
            result.append(_GSM7_REPLACEMENTS[char])
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(part for part in decomposed if not unicodedata.combining(part))
        if base and all(gsm7_length(part) for part in base):
            result.append(base)
        elif unicodedata.category(char).startswith("Z"):
            result.append(" ")
        else:
            result.append("?")
    return "".join(result)
