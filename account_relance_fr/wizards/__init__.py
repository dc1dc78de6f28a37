from . import relance_send_wizard
from . import relance_call_outcome_wizard
from . import relance_action_wizard
from . import relance_penalty_invoice_wizard
