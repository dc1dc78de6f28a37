from .french_calendar import french_public_holidays, is_french_public_holiday
from .sending_window import next_window_opening, within_window
from .amount_words import amount_to_words_fr
from .late_penalty import (
    SPLIT,
    START,
    RateInfo,
    compute_late_interest,
    half_year_label,
    half_year_of,
    half_year_start,
)
from .french_format import fr_amount, fr_date, fr_date_short, fr_half_year, fr_rate
