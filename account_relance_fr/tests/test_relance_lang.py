"""Everything a customer receives is in the customer's language, whoever runs
the job: mail, letter, mise en demeure, statement, invoice PDFs, file names."""

import shutil
import unittest
from datetime import timedelta

from freezegun import freeze_time
from lxml import html

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RelanceCommon, pdf_text

NBSP = "\u00a0"


def _text(content):
    """Visible text of an HTML document, spaces normalised."""
    if isinstance(content, bytes):
        content = content.decode()
    text = html.fromstring(content).text_content().replace(NBSP, " ")
    return " ".join(text.split())


@tagged("post_install", "-at_install")
class TestRelanceCustomerLanguage(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        for module in ("account", "account_relance_fr"):
            cls.env.ref(f"base.module_{module}")._update_translations(["fr_FR"])
        cls.company.write(
            {"street": "12 quai Saint-Vincent", "zip": "69001", "city": "Lyon"}
        )
        cls.customer.lang = "fr_FR"
        cls.customer_2.write(
            {
                "lang": "en_US",
                "street": "1 High Street",
                "zip": "69003",
                "city": "Lyon",
            }
        )
        # the last reminder (J+20: email and letter) carries every document
        cls.last_notice = cls.level_by_days[20]
        cls.last_notice.write({"attach_invoice_pdf": True, "attach_statement": True})

    def _run_ladder_to_last_notice(self, invoices):
        """The daily job on the days of the ladder up to J+20."""
        with self.mock_mail_gateway():
            for offset in (1, 8, 12, 20):
                self._run(self.DUE + timedelta(days=offset))
        return self._histories(invoices).filtered(
            lambda history: history.level_id == self.last_notice
        )

    def _approve_formal_notice(self, partner):
        """J+30 waits for approval: approve it from the follow-up screen."""
        day = self.DUE + timedelta(days=30)
        self._run(day)
        with self.mock_mail_gateway(), freeze_time(f"{day} 10:00:00"):
            row = self.env["account.relance.followup"].search(
                [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
            )
            row.action_approve()

    def _attachments(self, history):
        return {
            attachment.name: attachment
            for attachment in history.mail_message_id.attachment_ids
        }

    def test_french_customer_with_english_job_user(self):
        self.env.user.lang = "en_US"
        invoice = self._invoice(self.customer, 1234.5, self.DUE)
        history = self._run_ladder_to_last_notice(invoice)
        self.assertEqual(history.state, "sent")
        message = history.mail_message_id
        self.assertIn("Dernier rappel avant mise en demeure", message.subject)
        body = _text(message.body)
        self.assertIn("Madame, Monsieur,", body)
        self.assertNotIn("Dear", body)
        day = (self.DUE + timedelta(days=20)).isoformat()
        # the letter: French text, French level name, French file name
        letter = history.letter_attachment_id
        self.assertEqual(letter.name, f"Lettre de relance Boulangerie Martin {day}.pdf")
        text = _text(letter.raw)
        self.assertIn("Objet : Dernier rappel avant mise en demeure", text)
        self.assertIn("Madame, Monsieur,", text)
        self.assertIn("5 avril 2026", text, "French date of the letter")
        self.assertNotIn("Subject", text)
        # statement and invoice PDF attached to the email, in French
        attachments = self._attachments(history)
        statement = attachments.pop("Relevé de compte Boulangerie Martin.pdf")
        self.assertIn("Relevé de compte", _text(statement.raw))
        self.assertNotIn("Account statement", _text(statement.raw))
        (invoice_pdf,) = attachments.values()
        self.assertIn("Facture", _text(invoice_pdf.raw))
        self.assertNotIn("Invoice Date", _text(invoice_pdf.raw))
        # the mise en demeure and its file name
        self._approve_formal_notice(self.customer)
        formal = self._histories(invoice).filtered(
            lambda history: history.level_id.is_formal_notice
        )
        self.assertEqual(formal.state, "sent", formal.error)
        day = (self.DUE + timedelta(days=30)).isoformat()
        self.assertEqual(
            formal.letter_attachment_id.name,
            f"Mise en demeure Boulangerie Martin {day}.pdf",
        )
        formal_text = _text(formal.letter_attachment_id.raw)
        self.assertIn("Mise en demeure de payer", formal_text)

    def test_english_customer_with_french_job_user(self):
        self.env.user.lang = "fr_FR"
        invoice = self._invoice(self.customer_2, 800.0, self.DUE)
        control = self._invoice(self.customer, 300.0, self.DUE)
        history = self._run_ladder_to_last_notice(invoice)
        self.assertEqual(history.state, "sent")
        message = history.mail_message_id
        self.assertIn("Last reminder before formal notice", message.subject)
        body = _text(message.body)
        self.assertIn("Dear Sir or Madam,", body)  # a company: nobody named
        self.assertNotIn("Madame", body)
        day = (self.DUE + timedelta(days=20)).isoformat()
        letter = history.letter_attachment_id
        self.assertEqual(letter.name, f"Reminder letter Garage Dupont {day}.pdf")
        text = _text(letter.raw)
        self.assertIn("Subject: Last reminder before formal notice", text)
        self.assertIn("Dear Sir or Madam,", text)
        self.assertIn("April 5, 2026", text, "English date of the letter")
        self.assertNotIn("Objet", text)
        attachments = self._attachments(history)
        statement = attachments.pop("Account statement Garage Dupont.pdf")
        self.assertNotIn("Relevé de compte", _text(statement.raw))
        (invoice_pdf,) = attachments.values()
        self.assertIn("Invoice", _text(invoice_pdf.raw))
        self.assertNotIn("Facture", _text(invoice_pdf.raw))
        # the mise en demeure and its file name: English too
        self._approve_formal_notice(self.customer_2)
        formal = self._histories(invoice).filtered(
            lambda history: history.level_id.is_formal_notice
        )
        self.assertEqual(formal.state, "sent", formal.error)
        day = (self.DUE + timedelta(days=30)).isoformat()
        self.assertEqual(
            formal.letter_attachment_id.name, f"Formal notice Garage Dupont {day}.pdf"
        )
        formal_text = _text(formal.letter_attachment_id.raw)
        self.assertIn("Subject: Formal notice to pay", formal_text)
        self.assertNotIn("Mise en demeure", formal_text)
        # the French customer of the same run still gets French
        control_history = self._histories(control).filtered(
            lambda history: history.level_id == self.last_notice
        )
        self.assertIn("Madame, Monsieur,", _text(control_history.mail_message_id.body))
        # letters printed from the follow-up screen: each in its customer's
        # language, in one document
        rows = self.env["account.relance.followup"].search(
            [("partner_id", "in", (self.customer | self.customer_2).ids)]
        )
        action = rows.action_print_letter()
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            action["report_name"], action["context"]["active_ids"]
        )
        text = _text(content)
        self.assertIn("Objet : Relance de paiement", text)
        self.assertIn("Subject: Payment reminder", text)

    @unittest.skipUnless(
        shutil.which("wkhtmltopdf") and shutil.which("pdftotext"),
        "needs wkhtmltopdf and pdftotext",
    )
    def test_real_letter_pdf_in_french(self):
        """One real PDF: the letter to a French customer printed by an English
        job user reads French."""
        self.env.user.lang = "en_US"
        invoice = self._invoice(self.customer, 1234.5, self.DUE)
        run = self.env["account.relance.run"].with_context(force_report_rendering=True)
        with (
            self.enter_test_mode(),
            mute_logger("odoo.addons.base.models.ir_actions_report"),
        ):
            history = run._send_now(
                self.customer,
                invoice._get_relance_open_lines(),
                self.last_notice,
                ["letter"],
            )
        pdf = history.letter_attachment_id.raw
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = pdf_text(pdf)
        self.assertIn("Objet : Dernier rappel avant mise en demeure", text)
        self.assertIn("Madame, Monsieur,", text)
        self.assertIn(invoice.name, text)
        self.assertNotIn("Subject", text)

    # The real PDF of the same mise en demeure for a French and an English
    # customer, sent by the daily job and approved from the follow-up screen
    # by a user of the other language. Both invoices are due on 16 Mar 2026,
    # unpaid, in the first half of 2026 (ECB 2.15 % + 10 = 12.15 %); the letter
    # goes on 15 Apr, 30 days late:
    # - 1 234,50 € × 12.15 % × 30 / 365 = 12.3281 → 12.33 €, + 40 € = 1 286,83 €
    # - 800 € × 12.15 % × 30 / 365 = 7.9890 → 7.99 €, + 40 € = 847.99 €

    FRENCH = (
        "Lettre recommandée avec accusé de réception",
        "Objet : Mise en demeure de payer",
        "Lyon, le 15 avril 2026",
        "Madame, Monsieur,",
        "Malgré nos précédentes relances, restées sans effet, nous constatons que "
        "la facture ci-dessous, arrivée à échéance, demeure impayée à ce jour :",
        "16/03/2026 1 234,50 € 0,00 € 1 234,50 € 30",
        # pdftotext -layout cuts the wrapped cells of the totals
        "Pénalités de retard arrêtées au 15/04/2026 (art. L441-10 du Code de",
        "Indemnité forfaitaire pour frais de recouvrement : 40 € × 1 facture non",
        "réglée à son échéance (art. D441-5 du Code de commerce)",
        "Principal restant dû 1 234,50 €",
        "Total dû 1 286,83 €",
        "Soit la somme de mille deux cent quatre-vingt-six euros et quatre-vingt-"
        "trois centimes.",
        "du 17/03/2026 au 15/04/2026 30 1 234,50 € 12,15 % 12,33 €",
        "nous vous mettons en demeure de nous régler la somme de 1 286,83 € dans "
        "un délai de 8 jours à compter de la date de la présente lettre, soit au "
        "plus tard le 23 avril 2026.",
        "une indemnité forfaitaire pour frais de recouvrement de 40 euros est due "
        "pour chaque facture non réglée à son échéance (article D441-5 du même "
        "code)",
        "La présente lettre vaut mise en demeure au sens de l'article 1344 du Code "
        "civil.",
        "Modalités de règlement",
        "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos "
        "salutations distinguées.",
        "Pour ",
    )
    ENGLISH = (
        "Registered letter with acknowledgement of receipt",
        "Subject: Formal notice to pay",
        "Lyon, April 15, 2026",
        "Dear Sir or Madam,",
        "Despite our previous reminders, which have remained unanswered, we note "
        "that the invoice below, which has fallen due, remains unpaid as of today:",
        "03/16/2026 €800.00 €0.00 €800.00 30",
        "Late-payment penalties accrued to 04/15/2026 (Article L441-10 of the",
        "Fixed indemnity for recovery costs: €40 × 1 invoice not paid by its due",
        "Outstanding principal €800.00",
        "Total due €847.99",
        "That is the sum of eight hundred and forty-seven euros and ninety-nine "
        "cents.",
        "from 03/17/2026 to 04/15/2026 30 €800.00 12.15% €7.99",
        "we hereby give you formal notice to pay us the sum of €847.99 within a "
        "period of 8 days from the date of this letter, that is no later than "
        "April 23, 2026.",
        "a fixed indemnity for recovery costs of 40 euros is due for each invoice "
        "not paid by its due date (Article D441-5 of the same code)",
        "This letter constitutes formal notice within the meaning of Article 1344 "
        "of the French Civil Code.",
        "Means of payment",
        "Yours faithfully",
        "For ",
    )

    def _formal_notice_pdfs(self, job_lang):
        """Both customers through the ladder to the mise en demeure, sent as
        real PDFs by a job user speaking ``job_lang``.

        :return: {customer: (attachment name, PDF text)}
        """
        self.env.user.lang = job_lang
        french = self._invoice(self.customer, 1234.5, self.DUE)
        english = self._invoice(self.customer_2, 800.0, self.DUE)
        self._run_ladder_to_last_notice(french | english)
        day = self.DUE + timedelta(days=30)
        self._run(day)
        rows = self.env["account.relance.followup"].search(
            [
                ("partner_id", "in", (self.customer | self.customer_2).ids),
                ("company_id", "=", self.company.id),
            ]
        )
        self.assertEqual(len(rows), 2)
        with (
            self.mock_mail_gateway(),
            freeze_time(f"{day} 10:00:00"),
            self.enter_test_mode(),
            mute_logger("odoo.addons.base.models.ir_actions_report"),
        ):
            rows.with_context(force_report_rendering=True).action_approve()
        result = {}
        for partner, invoice in ((self.customer, french), (self.customer_2, english)):
            formal = self._histories(invoice).filtered(
                lambda history: history.level_id.is_formal_notice
            )
            self.assertEqual(formal.state, "sent", formal.error)
            pdf = formal.letter_attachment_id.raw
            self.assertTrue(pdf.startswith(b"%PDF"))
            result[partner] = (formal.letter_attachment_id.name, pdf_text(pdf))
        return result

    def _check_letters(self, letters):
        name, text = letters[self.customer]
        self.assertEqual(name, "Mise en demeure Boulangerie Martin 2026-04-15.pdf")
        for expected in self.FRENCH:
            self.assertIn(expected, text)
        for english in ("Subject", "Dear", "Formal notice", "Total due", "€40 ×"):
            self.assertNotIn(english, text)
        name, text = letters[self.customer_2]
        self.assertEqual(name, "Formal notice Garage Dupont 2026-04-15.pdf")
        for expected in self.ENGLISH:
            self.assertIn(expected, text)
        for french in ("Objet", "Madame", "Mise en demeure", "Total dû", "euros et"):
            self.assertNotIn(french, text)

    @unittest.skipUnless(
        shutil.which("wkhtmltopdf") and shutil.which("pdftotext"),
        "needs wkhtmltopdf and pdftotext",
    )
    def test_formal_notices_by_english_job_user(self):
        self._check_letters(self._formal_notice_pdfs("en_US"))

    @unittest.skipUnless(
        shutil.which("wkhtmltopdf") and shutil.which("pdftotext"),
        "needs wkhtmltopdf and pdftotext",
    )
    def test_formal_notices_by_french_job_user(self):
        self._check_letters(self._formal_notice_pdfs("fr_FR"))
