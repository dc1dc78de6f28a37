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
        """Days late counted from the date today of the line's company."""
        for company, lines in self.grouped("company_id").items():
            today = (company or self.env.company)._get_relance_today()
            for line in lines:
                line.relance_days_late = (
                    (today - line.date_maturity).days if line.date_maturity else 0
                )
