from odoo import fields, models

# mail.notification statuses of an SMS, mirrored on the reminder history.
SMS_STATES = [
    ("ready", "Queued"),
    ("process", "Processing"),
    ("pending", "Sent"),
    ("sent", "Delivered"),
    ("bounce", "Bounced"),
    ("exception", "Error"),
    ("canceled", "Cancelled"),
]
SMS_FAILED_STATES = ("bounce", "exception")
SMS_SKIP_REASONS = [
    ("missing", "No Mobile Number"),
    ("invalid", "Invalid Mobile Number"),
    ("blacklisted", "Number on the Blacklist"),
    ("window", "Outside the SMS Hours"),
]


def _ondelete_channel_sms(histories):
    """Uninstalling the add-on keeps the SMS reminders, shown as emails.

    The history is evidence of the reminders sent: it is never deleted. Its
    ``channels`` text still says "sms".
    """
    histories.write({"channel": "email"})


class AccountRelanceHistory(models.Model):
    _inherit = "account.relance.history"

    channel = fields.Selection(
        selection_add=[("sms", "SMS")], ondelete={"sms": _ondelete_channel_sms}
    )
    sms_message_id = fields.Many2one(
        "mail.message",
        string="SMS Message",
        index="btree_not_null",
        ondelete="set null",
    )
    sms_notification_id = fields.Many2one(
        "mail.notification",
        string="SMS Notification",
        index="btree_not_null",
        ondelete="set null",
        help="Carries the delivery status of the SMS.",
    )
    sms_number = fields.Char(string="SMS Number")
    sms_body = fields.Text(string="SMS Text")
    sms_state = fields.Selection(
        SMS_STATES,
        string="SMS Status",
        help="Delivery status of the SMS, updated as the SMS provider reports it.",
    )
    sms_skip_reason = fields.Selection(
        SMS_SKIP_REASONS,
        string="SMS Not Sent",
        help="Why the level's SMS was not sent; the reminder went by email.",
    )

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _relance_sms_update_state(self):
        """Copy the status of each SMS notification; a failure alerts a person.

        An SMS that fails after its reminder was recorded as sent makes the
        reminder failed (retried on a later day, never the same day) when the
        SMS was its only message to the customer; when an email or a letter
        went too, the reminder stays sent and the failure is noted. Either way
        the accountant gets the failure activity.
        """
        run = self.env["account.relance.run"].sudo()
        failed = self.browse()
        for history in self:
            notification = history.sms_notification_id
            status = notification.notification_status
            if not status or status == history.sms_state:
                continue
            vals = {"sms_state": status}
            if status in SMS_FAILED_STATES and history.state == "sent":
                error = history._relance_sms_error_message(notification)
                other_channels = {
                    channel.strip() for channel in (history.channels or "").split(",")
                } & {"email", "letter"}
                if other_channels:
                    vals["error"] = error
                else:
                    vals.update(state="failed", error=error)
                failed |= history
            history.write(vals)
        for (company, partner), histories in failed.grouped(
            lambda history: (history.company_id, history.partner_id)
        ).items():
            run.with_company(company)._schedule_failure_activity(
                partner, histories[:1].error
            )
        return failed

    def _relance_sms_error_message(self, notification):
        """Readable reason of an SMS failure, e.g. "SMS to +336…: Bounced"."""
        self.ensure_one()
        failure_types = dict(
            notification._fields["failure_type"]._description_selection(self.env)
        )
        reason = (
            notification.failure_reason
            or failure_types.get(notification.failure_type)
            or dict(self._fields["sms_state"]._description_selection(self.env)).get(
                notification.notification_status
            )
        )
        return self.env._(
            "SMS to %(number)s not delivered: %(reason)s",
            number=self.sms_number or notification.sms_number or "-",
            reason=reason,
        )
