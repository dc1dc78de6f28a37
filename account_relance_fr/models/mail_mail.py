from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        """A reminder refused by the mail server becomes a failed history."""
        if failure_type:
            histories = (
                self.env["account.relance.history"]
                .sudo()
                .search(
                    [
                        ("mail_message_id", "in", self.mail_message_id.ids),
                        ("state", "=", "sent"),
                    ]
                )
            )
            if histories:
                error = failure_reason or failure_type
                histories.write({"state": "failed", "error": error})
                run = self.env["account.relance.run"].sudo()
                for (company, partner), _group in histories.grouped(
                    lambda history: (history.company_id, history.partner_id)
                ).items():
                    run.with_company(company)._schedule_failure_activity(partner, error)
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
