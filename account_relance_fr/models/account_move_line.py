from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    relance_history_ids = fields.One2many(
        "account.relance.history", "move_line_id", string="Reminders"
    )
    relance_days_late = fields.Integer(
        string="Days Late",
        compute="_compute_relance_days_late",
        help="Days since the due date of this instalment (negative before it).",
    )

    def _compute_relance_days_late(self):
        today = fields.Date.context_today(self)
        for line in self:
            line.relance_days_late = (
                (today - line.date_maturity).days if line.date_maturity else 0
            )
