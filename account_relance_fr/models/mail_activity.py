from odoo import models
from odoo.exceptions import RedirectWarning


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """A reminder call is completed through its outcome, never blindly."""
        call_type = self.env.ref(
            "account_relance_fr.mail_activity_type_relance_call",
            raise_if_not_found=False,
        )
        calls = self.filtered(lambda activity: activity.activity_type_id == call_type)
        if calls and not self.env.context.get("relance_call_outcome_recorded"):
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "account_relance_fr.relance_call_outcome_wizard_action"
            )
            action["context"] = {"default_activity_id": calls[0].id}
            raise RedirectWarning(
                self.env._(
                    "Record the outcome of the reminder call before closing it."
                ),
                action,
                self.env._("Record the outcome"),
            )
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
