from markupsafe import Markup

from odoo import models

from ..tools import nbsp_before_double_punctuation
from .ir_actions_report import RELANCE_LETTER_REPORTS

# What the customers read, rendered by QWeb: the letters (PDF) and the layout
# of the reminder emails, which holds their body.
RELANCE_CUSTOMER_TEMPLATES = (
    *RELANCE_LETTER_REPORTS,
    "account_relance_fr.relance_mail_layout",
)


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _render(self, template, values=None, **options):
        """Our letters and reminder emails with a no-break space before each
        ``:``, ``;``, ``?`` and ``!`` of their text: the mark never wraps
        alone onto the next line (French typography, "à ce jour :")."""
        result = super()._render(template, values=values, **options)
        if template in RELANCE_CUSTOMER_TEMPLATES:
            return Markup(nbsp_before_double_punctuation(str(result)))
        return result
