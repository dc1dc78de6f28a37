import io
import shutil
import unittest
from datetime import timedelta

from lxml import html

from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader

from .common import RelanceCommon


def _text(content):
    """Visible text of an HTML document (bytes or str), spaces normalised."""
    if isinstance(content, bytes):
        content = content.decode()
    text = html.fromstring(content).text_content().replace("\u00a0", " ")
    return " ".join(text.split())


@tagged("post_install", "-at_install")
class TestRelanceBatchSending(RelanceCommon):
    """The job sends a batch of customers together: each customer still gets
    its own message in its chatter, its queued email in the reminders' layout
    and its language, its invoice PDFs as issued."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        for module in ("account", "account_relance_fr"):
            cls.env.ref(f"base.module_{module}")._update_translations(["fr_FR"])
        cls.customer.lang = "fr_FR"
        cls.customer_2.lang = "en_US"
        cls.friendly = cls.level_by_days[1]
        cls.reminder = cls.level_by_days[8]
        cls.friendly.attach_invoice_pdf = True
        cls.reminder.attach_invoice_pdf = True

    def _invoice_attachments(self, customer, day):
        """{invoice name: attachment} of the invoice PDFs of the reminder
        ``customer`` received on ``day``."""
        history = self.env["account.relance.history"].search(
            [("partner_id", "=", customer.id), ("date", "=", day)]
        )
        return {
            attachment.name: attachment
            for attachment in history.mail_message_id.attachment_ids
        }

    def test_batch_messages_and_emails(self):
        """Two customers in one batch: one message each in its chatter,
        notifying its contact only, its email queued in the reminders' layout
        and in the customer's language, a note on each invoice."""
        french = self._invoice(self.customer, 100.0, self.DUE)
        english = self._invoice(self.customer_2, 200.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        for customer, invoice, words, absent in (
            (self.customer, french, "Madame, Monsieur,", "Dear"),
            (self.customer_2, english, "Dear Sir or Madam,", "Madame"),
        ):
            history = self._histories(invoice)
            self.assertEqual(history.state, "sent", history.error)
            message = history.mail_message_id
            self.assertEqual(
                (message.model, message.res_id), (customer._name, customer.id)
            )
            self.assertIn(message, customer.message_ids)
            self.assertEqual(message.message_type, "comment")
            self.assertEqual(
                message.subtype_id,
                self.env.ref("account_relance_fr.mail_message_subtype_relance"),
            )
            self.assertEqual(message.partner_ids, customer)
            notification = message.notification_ids
            self.assertEqual(notification.res_partner_id, customer)
            self.assertEqual(notification.notification_type, "email")
            mail = notification.mail_mail_id
            self.assertEqual(mail.state, "outgoing")
            self.assertEqual(mail.recipient_ids, customer)
            body = _text(mail.body_html)
            self.assertIn(words, body)
            self.assertNotIn(absent, body)
            self.assertIn(invoice.name, body)
            # the reminders' layout: the company's own footer, no "Powered by"
            self.assertIn("compta@atelier.example", body)
            self.assertNotIn("Powered by", body)
            self.assertIn(message.message_id, mail.references)
            self.assertIn(f"/mail/message/{message.id}", invoice.message_ids[:1].body)

    def test_follower_of_the_reminders_notified(self):
        """A person who follows a customer's reminders is notified of them;
        the customer sent in the same batch without such a follower gets its
        email as well."""
        subtype = self.env.ref("account_relance_fr.mail_message_subtype_relance")
        self.customer.message_subscribe(
            partner_ids=self.salesperson.partner_id.ids, subtype_ids=subtype.ids
        )
        followed = self._invoice(self.customer, 100.0, self.DUE)
        control = self._invoice(self.customer_2, 200.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        message = self._histories(followed).mail_message_id
        self.assertEqual(
            message.notification_ids.res_partner_id,
            self.customer | self.salesperson.partner_id,
        )
        control_message = self._histories(control).mail_message_id
        self.assertEqual(
            control_message.notification_ids.res_partner_id, self.customer_2
        )
        self.assertEqual(
            control_message.notification_ids.mail_mail_id.state, "outgoing"
        )

    def test_invoice_pdfs_rendered_once_and_reused(self):
        """An invoice sent by Odoo keeps its PDF as issued; the others are
        rendered once, in their customer's language, stored as the invoice's
        PDF and attached as is to the next reminders."""
        issued, french = (self._invoice(self.customer, 100.0, self.DUE) for _i in "12")
        english = self._invoice(self.customer_2, 200.0, self.DUE)
        # the PDF Odoo kept when the invoice was sent
        stored = self.env["ir.attachment"].create(
            {
                "name": f"{issued.name}.pdf",
                "raw": b"<html><body><p>Invoice as issued</p></body></html>",
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": issued.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        issued.invalidate_recordset()
        self.assertEqual(issued.invoice_pdf_report_id, stored)
        day = self.DUE + timedelta(days=1)
        with self.mock_mail_gateway():
            self._run(day)
        self.assertEqual(issued.invoice_pdf_report_id, stored)
        first = self._invoice_attachments(self.customer, day)
        self.assertEqual(len(first), 2)
        (issued_copy,) = (a for a in first.values() if a.checksum == stored.checksum)
        self.assertEqual(issued_copy.raw, stored.raw)
        self.assertEqual(
            (issued_copy.res_model, issued_copy.res_id),
            ("res.partner", self.customer.id),
        )
        # the others rendered in their customer's language, with the seller
        for invoice, words, absent in (
            (french, "Facture", "Invoice Date"),
            (english, "Invoice", "Facture"),
        ):
            pdf = invoice.invoice_pdf_report_id
            self.assertTrue(pdf, invoice.name)
            text = _text(pdf.raw)
            self.assertIn(words, text)
            self.assertNotIn(absent, text)
            self.assertIn(invoice.name, text)
            self.assertIn("552 100 554", text)
            # one invoice per PDF
            for other in (issued | french | english) - invoice:
                self.assertNotIn(other.name, text)
        rendered = {
            invoice: invoice.invoice_pdf_report_id for invoice in (french, english)
        }
        # the next reminder attaches the same documents: nothing rendered again
        later = self.DUE + timedelta(days=8)
        with self.mock_mail_gateway():
            self._run(later)
        for invoice, pdf in rendered.items():
            self.assertEqual(invoice.invoice_pdf_report_id, pdf)
        second = self._invoice_attachments(self.customer, later)
        self.assertEqual(
            sorted(a.checksum for a in second.values()),
            sorted([stored.checksum, rendered[french].checksum]),
        )
        self.assertEqual(
            [
                a.checksum
                for a in self._invoice_attachments(self.customer_2, later).values()
            ],
            [rendered[english].checksum],
        )
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "in", (issued | french | english).ids),
                    ("res_field", "=", "invoice_pdf_report_file"),
                ]
            ),
            3,
        )

    @unittest.skipUnless(shutil.which("wkhtmltopdf"), "needs wkhtmltopdf")
    def test_real_invoice_pdfs_one_call_split(self):
        """Real PDFs: the invoices of a reminder rendered by one wkhtmltopdf
        call are cut into one PDF per invoice, stored as each invoice's PDF
        and attached to the message.

        (The invoice report prints blank pages with the unpatched-Qt
        wkhtmltopdf of the distributions, with or without this add-on: its
        text is checked by the HTML tests.)"""
        invoices = self._invoice(self.customer, 100.0, self.DUE) | self._invoice(
            self.customer, 250.0, self.DUE
        )
        run = self.env["account.relance.run"].with_context(force_report_rendering=True)
        with (
            self.enter_test_mode(),
            mute_logger("odoo.addons.base.models.ir_actions_report"),
            self.mock_mail_gateway(),
        ):
            histories = run._send_now(
                self.customer,
                invoices._get_relance_open_lines(),
                self.friendly,
                ["email"],
            )
        self.assertEqual(
            set(histories.mapped("state")), {"sent"}, histories.mapped("error")
        )
        pdfs = invoices.invoice_pdf_report_id
        self.assertEqual(len(pdfs), 2)
        for pdf in pdfs:
            self.assertTrue(pdf.raw.startswith(b"%PDF"), pdf.name)
            self.assertEqual(PdfFileReader(io.BytesIO(pdf.raw)).numPages, 1)
        self.assertEqual(
            sorted(pdfs.mapped("name")),
            sorted(invoice._get_invoice_report_filename() for invoice in invoices),
        )
        attached = histories.mail_message_id.attachment_ids
        self.assertEqual(
            sorted(attached.mapped("checksum")), sorted(pdfs.mapped("checksum"))
        )
