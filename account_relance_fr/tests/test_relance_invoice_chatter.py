from datetime import timedelta

from odoo.tests import tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceInvoiceChatter(RelanceCommon):
    """Each reminder shows on the chatter of every invoice it covered."""

    def test_reminder_logged_on_each_invoice_without_mail(self):
        first = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=1))
        second = self._invoice(self.customer, 300.0, self.DUE - timedelta(days=1))
        control = self._invoice(self.customer_2, 200.0, self.DUE + timedelta(days=20))
        with self.mock_mail_gateway():
            self._run(self.DUE)
            histories = self._histories(first | second)
            message = histories.mail_message_id
            self.assertEqual(len(message), 1, "one message for the customer")
            # one mail to the customer, none per invoice
            self.assertEqual(len(self._new_mails), 1)
            self.assertEqual(
                self._new_mails.recipient_ids, self.customer.relance_contact_id
            )
        level = self.level_by_days[1]
        for invoice in first | second:
            notes = invoice.message_ids.filtered(
                lambda msg: f"/mail/message/{message.id}" in (msg.body or "")
            )
            self.assertEqual(len(notes), 1, invoice.name)
            self.assertIn(level.name, notes.body)
            self.assertIn("Email", notes.body)
            self.assertTrue(notes.is_internal)
            self.assertFalse(notes.notification_ids, "nobody is notified")
        self.assertFalse(
            control.message_ids.filtered(
                lambda msg: "/mail/message/" in (msg.body or "")
            ),
            "an invoice not reminded gets no note",
        )

    def test_letter_logged_with_its_link(self):
        level = self.level_by_days[1]
        level.write({"channel_letter": True, "channel_email": False})
        invoice = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
        history = self._histories(invoice)
        self.assertTrue(history.letter_attachment_id)
        note = invoice.message_ids.filtered(
            lambda msg: f"/web/content/{history.letter_attachment_id.id}"
            in (msg.body or "")
        )
        self.assertEqual(len(note), 1)
        self.assertIn("Letter", note.body)
