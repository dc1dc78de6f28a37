from odoo import api, fields, models


class AccountRelanceLevel(models.Model):
    _inherit = "account.relance.level"

    channel_sms = fields.Boolean(
        string="SMS",
        help="Sends the level's SMS template to the customer's mobile. Without a "
        "valid mobile number, or when the number is on the blacklist, the "
        "level's email goes instead.",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS Template",
        domain=[("model", "=", "res.partner")],
        help="Rendered on the customer, like the email template.",
    )

    # ------------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------------

    @api.constrains("channel_sms")
    def _check_has_channel_sms(self):
        # the engine's check only watches its own channel fields
        self._check_has_channel()

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_channels(self):
        """SMS comes right after the email, before the letter and the call."""
        channels = super()._get_channels()
        if self.channel_sms:
            position = channels.index("email") + 1 if "email" in channels else 0
            channels.insert(position, "sms")
        return channels
