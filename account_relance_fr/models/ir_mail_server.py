from email.header import Header

from odoo import models

from odoo.addons.base.models.ir_mail_server import IdentificationFieldsNoFoldPolicy


class SubjectFoldPolicy(IdentificationFieldsNoFoldPolicy):
    """Odoo's SMTP policy, with long non-ASCII subjects folded correctly.

    Python 3.11's header folder encodes each non-ASCII word of a long subject
    as its own encoded word: the space between two of them is lost for the
    reader (RFC 2047 ignores the white space between encoded words) and a space
    is doubled at the fold, so "facture impayée n° INV/1" reaches the customer
    as "facture  impayéen° INV/1". Such a subject is encoded whole instead, its
    spaces inside the encoded words.
    """

    def _fold(self, name, value, *args, **kwargs):
        text = str(value)
        if name.lower() == "subject" and not text.isascii():
            encoded = Header(text, "utf-8", header_name=name).encode(
                linesep=self.linesep
            )
            return f"{name}: {encoded}{self.linesep}"
        return super()._fold(name, value, *args, **kwargs)


class IrMailServer(models.Model):
    _inherit = "ir.mail_server"

    def build_email(self, *args, **kwargs):
        """Odoo's message, with the subject folding of ``SubjectFoldPolicy``
        (the reminders' French subjects are long and accented).

        :return: email.message.EmailMessage
        """
        message = super().build_email(*args, **kwargs)
        message.policy = SubjectFoldPolicy(linesep=message.policy.linesep)
        return message
