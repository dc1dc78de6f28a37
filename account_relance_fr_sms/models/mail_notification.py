from odoo import models


class MailNotification(models.Model):
    _inherit = "mail.notification"

    def write(self, vals):
        """Mirror the delivery status of reminder SMS on their history."""
        result = super().write(vals)
        if "notification_status" in vals:
            sms_notifications = self.filtered(
                lambda notification: notification.notification_type == "sms"
            )
            if sms_notifications:
                self.env["account.relance.history"].sudo().search(
                    [("sms_notification_id", "in", sms_notifications.ids)]
                )._relance_sms_update_state()
        return result
