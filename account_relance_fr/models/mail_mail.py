import re

from odoo import models

# failure types of mail.mail that no new attempt can fix: a person must
# correct the address first
PERMANENT_FAILURE_TYPES = ("mail_email_invalid", "mail_email_missing", "mail_bl")
# an SMTP reply code in the server's answer, e.g. "{'a@b.fr': (550, b'5.1.1 ...')}"
SMTP_CODE = re.compile(r"(?:^|[\s({'\"])([2-5]\d\d)(?=[\s,)\-:]|$)")


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        """A reminder refused by the mail server becomes a failed history.

        A permanent refusal (invalid or missing address, blacklisted address,
        SMTP reply 5xx) blocks the new attempts until the address is corrected
        (``res.partner.write``); a temporary one (SMTP 4xx, server unreachable)
        is tried again the next day.
        """
        if failure_type:
            self._relance_record_refusal(failure_reason, failure_type)
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )

    def _relance_record_refusal(self, failure_reason, failure_type):
        """Turn the sent histories of these mails into failures with a sentence
        in the accountant's language, and tell the accountant."""
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
        if not histories:
            return histories
        permanent = self._relance_is_permanent_refusal(failure_reason, failure_type)
        run = self.env["account.relance.run"].sudo()
        for (company, partner), group in histories.grouped(
            lambda history: (history.company_id, history.partner_id)
        ).items():
            company_run = run.with_company(company)
            error = company_run._with_accountant_lang()._get_refusal_message(
                group.contact_id[:1], failure_reason, failure_type, permanent
            )
            group.write({"state": "failed", "error": error, "retry_blocked": permanent})
            company_run._schedule_failure_activity(partner, error)
        return histories

    def _relance_is_permanent_refusal(self, failure_reason, failure_type):
        """True when sending again to the same address cannot succeed: an
        invalid, missing or blacklisted address, or an SMTP reply 5xx
        (RFC 5321 §4.2.1: permanent negative completion)."""
        if failure_type in PERMANENT_FAILURE_TYPES:
            return True
        codes = SMTP_CODE.findall(failure_reason or "")
        return bool(codes) and codes[0].startswith("5")
