from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import SQL

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

    def _message_row(self, message):
        """The stored columns of ``message`` (mail.message) but its id, its
        dates, its document id and its message id (one per batch)."""
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT * FROM mail_message WHERE id = %s", message.id))
        columns = [column.name for column in self.env.cr.description]
        row = dict(zip(columns, self.env.cr.fetchone(), strict=True))
        for column in (
            "id",
            "res_id",
            "date",
            "create_date",
            "write_date",
            "message_id",
        ):
            row.pop(column)
        return row

    def test_notes_same_as_message_log_batch(self):
        """The notes the job writes on the invoices in one query are the
        rows Odoo's ``_message_log_batch`` writes: author, sender, subtype
        Note, internal, type notification, no record name, no recipient, no
        notification; the invoices' chatter shows them at once."""
        first = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=1))
        second = self._invoice(self.customer, 300.0, self.DUE - timedelta(days=1))
        other = self._invoice(self.customer_2, 200.0, self.DUE - timedelta(days=1))
        # read before the run: the cache must not hide the new notes
        for invoice in first | second | other:
            self.assertFalse(
                invoice.message_ids.filtered(lambda msg: msg.is_internal),
                invoice.name,
            )
        with self.mock_mail_gateway():
            self._run(self.DUE)
        notes = self.env["mail.message"]
        for invoice in first | second | other:
            message = self._histories(invoice).mail_message_id
            self.assertEqual(len(message), 1, invoice.name)
            note = invoice.message_ids.filtered(
                lambda msg, message=message: f"/mail/message/{message.id}"
                in (msg.body or "")
            )
            self.assertEqual(len(note), 1, invoice.name)
            self.assertEqual(note.res_id, invoice.id)
            self.assertEqual(note.model, "account.move")
            self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
            self.assertEqual(note.message_type, "notification")
            self.assertTrue(note.is_internal)
            self.assertEqual(note.author_id, self.env.user.partner_id)
            self.assertEqual(note.email_from, self.env.user.partner_id.email_formatted)
            self.assertFalse(note.record_name)
            self.assertFalse(note.partner_ids)
            self.assertFalse(note.notification_ids, "nobody is notified")
            self.assertFalse(note.attachment_ids)
            self.assertFalse(note.tracking_value_ids)
            self.assertIn(self.level_by_days[1].name, note.body)
            self.assertIn(invoice.partner_id.name, note.body)
            notes |= note
        self.assertEqual(len(set(notes.mapped("message_id"))), 1, "one batch")
        # the same note through Odoo's own batch log
        reference = first.sudo()._message_log_batch({first.id: notes[0].body})
        self.assertEqual(self._message_row(notes[0]), self._message_row(reference))
        self.assertEqual(notes[0].body, reference.body)
