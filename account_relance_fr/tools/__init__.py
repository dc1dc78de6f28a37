from .french_calendar import (
    METROPOLE,
    ClosedDays,
    department_from_zip,
    french_public_holidays,
    is_french_public_holiday,
    local_date_ranges,
    region_from_address,
)
from .sending_window import is_open_day, next_window_opening, within_window
from .amount_words import amount_to_words_en, amount_to_words_fr
from .late_penalty import (
    SPLIT,
    START,
    RateInfo,
    compute_late_interest,
    half_year_label,
    half_year_of,
    half_year_start,
)
from .french_format import (
    fr_amount,
    fr_date,
    fr_date_short,
    fr_half_year,
    fr_rate,
    fr_siren,
    nbsp_before_double_punctuation,
)
from .menu_path import menu_path
from .letter_format import LetterFormat
