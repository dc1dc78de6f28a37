from odoo import api, fields, models
from odoo.osv import expression

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
    relance_holiday_region = fields.Selection(
        related="company_id.relance_holiday_region", readonly=False
    )
    relance_holiday_region_applied = fields.Selection(
        related="company_id.relance_holiday_region_applied"
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
    relance_legal_form = fields.Char(
        related="company_id.relance_legal_form", readonly=False
    )
    relance_share_capital = fields.Monetary(
        related="company_id.relance_share_capital", readonly=False
    )
    relance_rcs_city = fields.Char(
        related="company_id.relance_rcs_city", readonly=False
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

    def action_relance_closing_days(self):
        """Open the company's closing days: the time off without an employee
        of its working hours or of all its calendars, which the reminders skip
        with the public holidays (``res.company._get_relance_closed_days``).

        :return: an ``ir.actions.act_window`` dict
        """
        self.ensure_one()
        company = self.company_id
        calendar = company.resource_calendar_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "resource.resource_calendar_closing_days"
        )
        scope = [("calendar_id", "=", False), ("company_id", "=", company.id)]
        if calendar:
            scope = expression.OR([scope, [("calendar_id", "=", calendar.id)]])
        action["name"] = self.env._("Closing Days")
        action["domain"] = expression.AND([[("resource_id", "=", False)], scope])
        action["context"] = {"default_calendar_id": calendar.id}
        return action

    relance_tolerance = fields.Monetary(
        related="company_id.relance_tolerance", readonly=False
    )
    relance_credit_to_confirm = fields.Boolean(
        related="company_id.relance_credit_to_confirm", readonly=False
    )

    @api.depends("relance_formal_notice_days")
    def _compute_relance_formal_notice_days_unusual(self):
        for settings in self:
            settings.relance_formal_notice_days_unusual = not (
                FORMAL_NOTICE_MIN_DAYS
                <= settings.relance_formal_notice_days
                <= FORMAL_NOTICE_USUAL_MAX_DAYS
            )

    relance_portal_paid_days = fields.Integer(
        related="company_id.relance_portal_paid_days", readonly=False
    )
    relance_portal_promise_max_days = fields.Integer(
        related="company_id.relance_portal_promise_max_days", readonly=False
    )
    relance_portal_answer_limit = fields.Integer(
        related="company_id.relance_portal_answer_limit", readonly=False
    )
    relance_rating_good_days = fields.Integer(
        related="company_id.relance_rating_good_days", readonly=False
    )
    relance_rating_bad_days = fields.Integer(
        related="company_id.relance_rating_bad_days", readonly=False
    )
    relance_rating_bad_promises = fields.Integer(
        related="company_id.relance_rating_bad_promises", readonly=False
    )
    relance_rating_auto_profile = fields.Boolean(
        related="company_id.relance_rating_auto_profile", readonly=False
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

    relance_plan_grace_days = fields.Integer(
        related="company_id.relance_plan_grace_days", readonly=False
    )
    relance_plan_days_before = fields.Integer(
        related="company_id.relance_plan_days_before", readonly=False
    )
    relance_plan_days_after = fields.Integer(
        related="company_id.relance_plan_days_after", readonly=False
    )
    relance_plan_allow_long_consumer = fields.Boolean(
        related="company_id.relance_plan_allow_long_consumer", readonly=False
    )
