from . import report_relance_formal_notice
from . import report_relance_statement
from . import account_relance_analysis_mixin
from . import account_relance_analysis_item
from . import account_relance_analysis_movement
from . import account_relance_analysis_reminder
from . import account_relance_analysis_forecast
from . import account_relance_analysis_overview
