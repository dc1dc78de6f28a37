from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import sms_info


class AccountRelanceSendWizard(models.TransientModel):
    _inherit = "account.relance.send.wizard"

    channel_sms = fields.Boolean(
        string="SMS", compute="_compute_channels", store=True, readonly=False
    )
    preview_sms = fields.Text(string="SMS Preview", compute="_compute_preview_sms")

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends("partner_id", "line_ids", "level_id", "channel_sms", "company_id")
    def _compute_preview_sms(self):
        for wizard in self:
            wizard.preview_sms = (
                wizard._render_preview_sms() if wizard.channel_sms else False
            )

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_channel_codes(self):
        """SMS right after the email, as on the levels."""
        codes = super()._get_channel_codes()
        codes.insert(codes.index("email") + 1 if "email" in codes else 0, "sms")
        return codes

    def _get_selected_channels(self):
        """The customer who prefers SMS gets it first, as in the ladder."""
        channels = super()._get_selected_channels()
        partner = self.partner_id.commercial_partner_id
        if partner.relance_channel_preference == "sms" and "sms" in channels:
            channels.remove("sms")
            channels.insert(0, "sms")
        return channels

    def _render_preview_sms(self):
        """What the SMS channel would do: the text and its number, or why not."""
        self.ensure_one()
        level = self.level_id
        if not self.partner_id or not level or not self.line_ids:
            return False
        if not level.sms_template_id:
            return self.env._("This level has no SMS template.")
        partner = self.partner_id.commercial_partner_id
        run = self.env["account.relance.run"].with_company(self.company_id)
        number, recipient, skip_reason = run._get_relance_sms_recipient(
            partner, moves=self.line_ids.move_id
        )
        if skip_reason:
            reasons = dict(
                self.env["account.relance.history"]
                ._fields["sms_skip_reason"]
                ._description_selection(self.env)
            )
            return self.env._(
                "No SMS (%(reason)s): the level's email goes instead.",
                reason=reasons[skip_reason],
            )
        record = partner.with_company(self.company_id).with_context(
            lang=partner._get_relance_lang(recipient),
            relance_line_ids=self.line_ids.ids,
            relance_level_id=level.id,
            # a preview writes nothing: no pay link is created
            relance_sms_preview=True,
        )
        body = run._render_relance_sms(level.sms_template_id, record)
        info = sms_info(body)
        return self.env._(
            "To %(number)s (%(length)s characters, %(encoding)s, %(segments)s "
            "SMS):\n%(body)s",
            number=number,
            length=info.length,
            encoding=info.encoding,
            segments=info.segments,
            body=body,
        )

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def action_send(self):
        self.ensure_one()
        if self.channel_sms and self.level_id and not self.level_id.sms_template_id:
            raise UserError(
                self.env._(
                    "Level %(level)s has no SMS template: untick SMS or choose "
                    "another level.",
                    level=self.level_id.name,
                )
            )
        return super().action_send()
