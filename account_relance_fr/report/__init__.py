from . import report_relance_formal_notice
from . import report_relance_statement
