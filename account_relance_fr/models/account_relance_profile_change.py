from odoo import fields, models

from ..tools.collection_figures import PAYER_RATINGS
from .res_partner import PAYER_PROFILES


class AccountRelanceProfileChange(models.Model):
    """A payer profile changed by the daily rating, with the figures behind it."""

    _name = "account.relance.profile.change"
    _description = "Payer Profile Change"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    old_profile = fields.Selection(PAYER_PROFILES)
    new_profile = fields.Selection(PAYER_PROFILES, required=True)
    rating = fields.Selection(PAYER_RATINGS)
    days_late = fields.Float(
        string="Average Days Late",
        digits=(16, 1),
        help="Average days late of the invoices settled in the last 12 months.",
    )
    paid_count = fields.Integer(string="Invoices Settled")
    broken_promises = fields.Integer()
    ladder_names = fields.Char(
        string="Ladders",
        help="Ladders the assignment rules give the customer after the change.",
    )
