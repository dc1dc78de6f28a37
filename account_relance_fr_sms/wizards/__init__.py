from . import relance_send_wizard
