from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    # SMS sending window: Monday to Saturday, 8:00 to 20:00, no public holiday
    # nor closing day (the hours usually recommended in France for SMS to
    # consumers).
    relance_sms_send_monday = fields.Boolean(string="SMS on Monday", default=True)
    relance_sms_send_tuesday = fields.Boolean(string="SMS on Tuesday", default=True)
    relance_sms_send_wednesday = fields.Boolean(string="SMS on Wednesday", default=True)
    relance_sms_send_thursday = fields.Boolean(string="SMS on Thursday", default=True)
    relance_sms_send_friday = fields.Boolean(string="SMS on Friday", default=True)
    relance_sms_send_saturday = fields.Boolean(string="SMS on Saturday", default=True)
    relance_sms_send_sunday = fields.Boolean(string="SMS on Sunday")
    relance_sms_hour_from = fields.Float(string="Send SMS From", default=8.0)
    relance_sms_hour_to = fields.Float(string="Send SMS Until", default=20.0)
    relance_sms_skip_holidays = fields.Boolean(
        string="No SMS on Public Holidays and Closing Days",
        default=True,
        help="The public holidays of the company's region and the closing days "
        "of its working calendar, as for the emails.",
    )

    _SMS_WEEKDAY_FIELDS = (
        "relance_sms_send_monday",
        "relance_sms_send_tuesday",
        "relance_sms_send_wednesday",
        "relance_sms_send_thursday",
        "relance_sms_send_friday",
        "relance_sms_send_saturday",
        "relance_sms_send_sunday",
    )

    # ------------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------------

    @api.constrains("relance_sms_hour_from", "relance_sms_hour_to")
    def _check_relance_sms_hours(self):
        for company in self:
            if (
                not 0
                <= company.relance_sms_hour_from
                < company.relance_sms_hour_to
                <= 24
            ):
                raise ValidationError(
                    self.env._(
                        "The SMS sending hours must run from 0:00 to 24:00, the "
                        "start before the end."
                    )
                )

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_relance_sms_window(self):
        """The SMS sending window of the company, for tools.sending_window."""
        self.ensure_one()
        return {
            "weekdays": {
                index
                for index, fname in enumerate(self._SMS_WEEKDAY_FIELDS)
                if self[fname]
            },
            "hour_from": self.relance_sms_hour_from,
            "hour_to": self.relance_sms_hour_to,
            **self._get_relance_holiday_window_values(self.relance_sms_skip_holidays),
        }

    @api.model
    def _relance_get_default_ladder_xmlids(self):
        """New companies also get a copy of the "Private Individuals" ladder."""
        return [
            *super()._relance_get_default_ladder_xmlids(),
            "account_relance_fr_sms.ladder_individual",
        ]
