from odoo import fields, models


class AccountRelancePenaltyLine(models.Model):
    """What a penalty invoice bills for one late invoice, and up to when.

    The next penalty invoice of the same late invoice starts the day after
    ``date_to``: a period is never billed twice, and the 40 € indemnity only
    once. Lines of a cancelled penalty invoice no longer count.
    """

    _name = "account.relance.penalty.line"
    _description = "Late Penalty Billed"
    _order = "date_to desc, id desc"
    _check_company_auto = True

    penalty_move_id = fields.Many2one(
        "account.move",
        string="Penalty Invoice",
        required=True,
        ondelete="cascade",
        index=True,
    )
    move_id = fields.Many2one(
        "account.move",
        string="Late Invoice",
        required=True,
        ondelete="restrict",
        index=True,
    )
    company_id = fields.Many2one(
        related="penalty_move_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", help="First day of interest billed.")
    date_to = fields.Date(
        string="Until", required=True, help="Last day of interest billed."
    )
    days = fields.Integer()
    penalty_amount = fields.Monetary(string="Penalties")
    indemnity_amount = fields.Monetary(string="Indemnity")
    detail = fields.Text(help="Periods, bases and rates of the computation.")
    state = fields.Selection(related="penalty_move_id.state", string="Status")
