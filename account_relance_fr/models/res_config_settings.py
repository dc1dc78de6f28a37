from odoo import api, fields, models

from .res_company import FORMAL_NOTICE_MIN_DAYS, FORMAL_NOTICE_USUAL_MAX_DAYS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    relance_default_ladder_id = fields.Many2one(
        related="company_id.relance_default_ladder_id", readonly=False
    )
    relance_send_monday = fields.Boolean(
        related="company_id.relance_send_monday", readonly=False
    )
    relance_send_tuesday = fields.Boolean(
        related="company_id.relance_send_tuesday", readonly=False
    )
    relance_send_wednesday = fields.Boolean(
        related="company_id.relance_send_wednesday", readonly=False
    )
    relance_send_thursday = fields.Boolean(
        related="company_id.relance_send_thursday", readonly=False
    )
    relance_send_friday = fields.Boolean(
        related="company_id.relance_send_friday", readonly=False
    )
    relance_send_saturday = fields.Boolean(
        related="company_id.relance_send_saturday", readonly=False
    )
    relance_send_sunday = fields.Boolean(
        related="company_id.relance_send_sunday", readonly=False
    )
    relance_hour_from = fields.Float(
        related="company_id.relance_hour_from", readonly=False
    )
    relance_hour_to = fields.Float(related="company_id.relance_hour_to", readonly=False)
    relance_skip_holidays = fields.Boolean(
        related="company_id.relance_skip_holidays", readonly=False
    )
    relance_min_days_between = fields.Integer(
        related="company_id.relance_min_days_between", readonly=False
    )
    relance_promise_grace_days = fields.Integer(
        related="company_id.relance_promise_grace_days", readonly=False
    )
    relance_sender_email = fields.Char(
        related="company_id.relance_sender_email", readonly=False
    )
    relance_signatory_name = fields.Char(
        related="company_id.relance_signatory_name", readonly=False
    )
    relance_signatory_title = fields.Char(
        related="company_id.relance_signatory_title", readonly=False
    )
    relance_accountant_id = fields.Many2one(
        related="company_id.relance_accountant_id", readonly=False
    )
    relance_thank_you = fields.Boolean(
        related="company_id.relance_thank_you", readonly=False
    )
    relance_penalty_mode = fields.Selection(
        related="company_id.relance_penalty_mode", readonly=False
    )
    relance_penalty_contract_rate = fields.Float(
        related="company_id.relance_penalty_contract_rate", readonly=False
    )
    relance_indemnity_enabled = fields.Boolean(
        related="company_id.relance_indemnity_enabled", readonly=False
    )
    relance_penalty_period_rule = fields.Selection(
        related="company_id.relance_penalty_period_rule", readonly=False
    )
    relance_penalty_base = fields.Selection(
        related="company_id.relance_penalty_base", readonly=False
    )
    relance_formal_notice_days = fields.Integer(
        related="company_id.relance_formal_notice_days", readonly=False
    )
    relance_formal_notice_days_unusual = fields.Boolean(
        compute="_compute_relance_formal_notice_days_unusual"
    )
    relance_penalty_floor_warning = fields.Char(
        compute="_compute_relance_penalty_floor_warning"
    )
    relance_penalty_product_id = fields.Many2one(
        related="company_id.relance_penalty_product_id", readonly=False
    )
    relance_penalty_account_id = fields.Many2one(
        related="company_id.relance_penalty_account_id", readonly=False
    )

    @api.depends("relance_formal_notice_days")
    def _compute_relance_formal_notice_days_unusual(self):
        for settings in self:
            settings.relance_formal_notice_days_unusual = not (
                FORMAL_NOTICE_MIN_DAYS
                <= settings.relance_formal_notice_days
                <= FORMAL_NOTICE_USUAL_MAX_DAYS
            )

    @api.depends("relance_penalty_mode", "relance_penalty_contract_rate")
    def _compute_relance_penalty_floor_warning(self):
        """The half-years of the rate table whose floor (3 × taux légal) is
        above the contractual rate: delays in them are charged at the floor."""
        penalty = self.env["account.relance.penalty"]
        table = self.env["account.relance.rate"]._get_table()
        for settings in self:
            lines = (
                [
                    line
                    for line in penalty._get_floor_lines(
                        settings.company_id,
                        "b2b",
                        table.keys,
                        table=table,
                        contract_rate=settings.relance_penalty_contract_rate,
                    )
                    if line["applied"]
                ]
                if settings.relance_penalty_mode == "contract"
                else []
            )
            settings.relance_penalty_floor_warning = (
                self.env._(
                    "Below the legal floor of these half-years: %(floors)s. Delays "
                    "in them are charged at the floor.",
                    floors=", ".join(
                        f"{penalty._get_half_year_text(line['half_year'])} "
                        f"({penalty._format_rate(line['floor'])})"
                        for line in lines
                    ),
                )
                if lines
                else False
            )
