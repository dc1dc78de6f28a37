from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    relance_default_ladder_id = fields.Many2one(
        "account.relance.ladder",
        string="Default Reminder Ladder",
        compute="_compute_relance_default_ladder_id",
        inverse="_inverse_relance_default_ladder_id",
    )
    relance_send_monday = fields.Boolean(string="Monday", default=True)
    relance_send_tuesday = fields.Boolean(string="Tuesday", default=True)
    relance_send_wednesday = fields.Boolean(string="Wednesday", default=True)
    relance_send_thursday = fields.Boolean(string="Thursday", default=True)
    relance_send_friday = fields.Boolean(string="Friday", default=True)
    relance_send_saturday = fields.Boolean(string="Saturday")
    relance_send_sunday = fields.Boolean(string="Sunday")
    relance_hour_from = fields.Float(string="Send From", default=8.0)
    relance_hour_to = fields.Float(string="Send Until", default=18.0)
    relance_skip_holidays = fields.Boolean(
        string="Skip French Public Holidays", default=True
    )
    relance_min_days_between = fields.Integer(
        string="Days Between Two Reminders", default=3
    )
    relance_promise_grace_days = fields.Integer(
        string="Promise Grace Days",
        default=2,
        help="Days after a promised date before the promise counts as broken.",
    )
    relance_sender_email = fields.Char(
        string="Reminder Sender",
        help="From address of the reminders, e.g. comptabilite@example.com. "
        "Empty: the company's email.",
    )
    relance_signatory_name = fields.Char(string="Signatory")
    relance_signatory_title = fields.Char(string="Signatory Title")
    relance_accountant_id = fields.Many2one(
        "res.users",
        string="Accountant",
        help="Gets the activities nobody else is assigned to, such as failed "
        "reminders.",
    )
    relance_thank_you = fields.Boolean(
        string="Thank-you Email",
        default=True,
        help="One short email when an invoice that got a reminder is fully paid.",
    )

    _WEEKDAY_FIELDS = (
        "relance_send_monday",
        "relance_send_tuesday",
        "relance_send_wednesday",
        "relance_send_thursday",
        "relance_send_friday",
        "relance_send_saturday",
        "relance_send_sunday",
    )

    def _compute_relance_default_ladder_id(self):
        ladders = self.env["account.relance.ladder"].search(
            [("company_id", "in", self.ids), ("is_default", "=", True)]
        )
        by_company = ladders.grouped("company_id")
        for company in self:
            company.relance_default_ladder_id = by_company.get(company, ladders.browse())[:1]

    def _inverse_relance_default_ladder_id(self):
        for company in self:
            ladders = self.env["account.relance.ladder"].search(
                [("company_id", "=", company.id), ("is_default", "=", True)]
            )
            new = company.relance_default_ladder_id
            (ladders - new).write({"is_default": False})
            if new and not new.is_default:
                new.is_default = True

    @api.constrains("relance_hour_from", "relance_hour_to")
    def _check_relance_hours(self):
        for company in self:
            if not 0 <= company.relance_hour_from < company.relance_hour_to <= 24:
                raise ValidationError(
                    self.env._(
                        "The reminder sending hours must run from 0:00 to 24:00, "
                        "the start before the end."
                    )
                )

    @api.constrains("relance_min_days_between", "relance_promise_grace_days")
    def _check_relance_days(self):
        for company in self:
            if company.relance_min_days_between < 0 or company.relance_promise_grace_days < 0:
                raise ValidationError(
                    self.env._("Reminder day counts cannot be negative.")
                )

    def _get_relance_window(self):
        """The email sending window of the company, for tools.sending_window."""
        self.ensure_one()
        return {
            "weekdays": {
                index for index, fname in enumerate(self._WEEKDAY_FIELDS) if self[fname]
            },
            "hour_from": self.relance_hour_from,
            "hour_to": self.relance_hour_to,
            "skip_holidays": self.relance_skip_holidays,
        }

    def _get_relance_tz(self):
        self.ensure_one()
        return self.partner_id.tz or "Europe/Paris"

    def _get_relance_sender(self):
        self.ensure_one()
        email = self.relance_sender_email or self.email
        return f'"{self.name}" <{email}>' if email else False

    def _get_relance_accountant(self):
        """The person who handles failures: the setting, else an administrator."""
        self.ensure_one()
        return self.relance_accountant_id or self.env.ref("base.user_admin")

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._relance_install_default_ladders()
        return companies

    @api.model
    def _relance_get_default_ladder_xmlids(self):
        """XML ids of the shipped ladders copied into each new company."""
        return [
            "account_relance_fr.ladder_standard",
            "account_relance_fr.ladder_risky",
            "account_relance_fr.ladder_key_account",
        ]

    def _relance_install_default_ladders(self):
        """Give each company without a ladder a copy of the shipped ladders."""
        shipped = self.env["account.relance.ladder"]
        for xmlid in self._relance_get_default_ladder_xmlids():
            shipped |= self.env.ref(xmlid, raise_if_not_found=False) or shipped.browse()
        shipped = shipped.sudo().with_context(active_test=False)
        for company in self:
            has_ladder = shipped.search_count([("company_id", "=", company.id)])
            if has_ladder or not shipped:
                continue
            for ladder in shipped:
                ladder.copy(
                    {
                        "company_id": company.id,
                        "name": ladder.name,
                        "is_default": ladder.is_default,
                    }
                )
