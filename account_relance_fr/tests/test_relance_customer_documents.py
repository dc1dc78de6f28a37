import html
import re
import shutil
import unittest
from datetime import timedelta

import polib
from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.tests import tagged
from odoo.tools import file_path, mute_logger
from odoo.tools.translate import TranslationModuleReader

from .common import RelanceCommon, pdf_pages


def _text(markup):
    """Visible text of an HTML body, on one line."""
    text = re.sub(r"<[^>]+>", " ", str(markup or ""))
    return " ".join(html.unescape(text).split())


@tagged("post_install", "-at_install")
class TestRelanceCustomerDocuments(RelanceCommon):
    """What the customer reads: wording that agrees with the facts, in the
    customer's language, for a company, a consumer, a public body and an
    English customer, with one invoice and with several."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        cls._create_individual_and_public_body()
        cls.customer.lang = "fr_FR"
        cls.individual.lang = "fr_FR"
        cls.public_body.write({"lang": "fr_FR", "email": "compta@villeurbanne.example"})
        cls.customer_2.lang = "en_US"
        cls.company.write(
            {"street": "12 rue des Tanneurs", "zip": "69002", "city": "Lyon"}
        )
        cls.friendly = cls.level_by_days[1]
        cls.reminder = cls.level_by_days[8]

    def _send(self, partner, invoices, level):
        """Send ``level`` for ``invoices`` through the follow-up entry point."""
        with self.mock_mail_gateway():
            histories = self.env["account.relance.run"]._send_now(
                partner, invoices._get_relance_open_lines(), level, ["email"]
            )
        self.assertEqual(set(histories.mapped("state")), {"sent"})
        message = histories.mail_message_id
        mail = self._new_mails.filtered(lambda m: m.mail_message_id == message)
        self.assertEqual(len(mail), 1)
        return message, mail

    def _invoices(self, partner, count):
        return self.env["account.move"].union(
            *(
                self._invoice(
                    partner, 100.0 * (index + 1), self.DUE - timedelta(days=2)
                )
                for index in range(count)
            )
        )

    # ------------------------------------------------------------------
    # WORDING
    # ------------------------------------------------------------------

    def test_one_invoice_is_singular(self):
        invoice = self._invoices(self.customer, 1)
        message, mail = self._send(self.customer, invoice, self.friendly)
        self.assertEqual(
            message.subject, f"{self.company.name} - Facture impayée n° {invoice.name}"
        )
        body = _text(message.body)
        self.assertIn("Madame, Monsieur,", body)
        self.assertIn("le règlement de la facture ci-dessous, arrivée à échéance", body)
        self.assertIn("pourriez-vous procéder à son paiement ?", body)
        self.assertIn("Consulter et régler votre facture", body)
        self.assertNotIn("factures ci-dessous", body)
        self.assertNotIn("leur paiement", body)
        self.assertNotIn("  ", message.subject)

    def test_french_double_punctuation_never_wraps_alone(self):
        """The email the customer gets: a no-break space before each ``:``,
        ``;``, ``?``, ``!`` of its text (French typography), none left after
        a plain space; the English customer's email is unchanged."""
        invoice = self._invoices(self.customer, 1)
        _message, mail = self._send(self.customer, invoice, self.friendly)
        text = lxml_html.fromstring(mail.body_html).text_content()
        self.assertIn("pourriez-vous procéder à son paiement\u00a0?", text)
        self.assertEqual(re.findall(r"\S*[ \t\r\n][:;?!](?=\s|$)", text), [])
        # the control: the English customer's email keeps its own marks
        invoice = self._invoices(self.customer_2, 1)
        _message, mail = self._send(self.customer_2, invoice, self.friendly)
        text = lxml_html.fromstring(mail.body_html).text_content()
        self.assertIn("could you please arrange its payment?", " ".join(text.split()))
        self.assertNotIn("\u00a0?", text)

    def test_several_invoices_are_plural(self):
        invoices = self._invoices(self.customer, 2)
        message, _mail = self._send(self.customer, invoices, self.friendly)
        self.assertIn("Factures impayées n° ", message.subject)
        for invoice in invoices:
            self.assertIn(invoice.name, message.subject)
        body = _text(message.body)
        self.assertIn("le règlement des factures ci-dessous, arrivées à échéance", body)
        self.assertIn("pourriez-vous procéder à leur paiement ?", body)
        self.assertIn("Consulter et régler vos factures", body)
        self.assertNotIn("la facture ci-dessous", body)

    def test_many_invoices_subject_stays_short(self):
        """A reminder of five invoices: its subject names the first three (by
        due date, then number) and counts the others, the table lists all
        five; the control, a reminder of four, names the four (not "and 1
        other")."""
        invoices = self._invoices(self.customer, 5)
        message, _mail = self._send(self.customer, invoices, self.friendly)
        first = invoices.sorted(lambda move: (move.invoice_date_due, move.name))[:3]
        self.assertEqual(
            message.subject,
            f"{self.env.company.name} - Factures impayées n° "
            f"{', '.join(first.mapped('name'))} et 2 autres",
        )
        body = _text(message.body)
        for invoice in invoices:
            self.assertIn(invoice.name, body)
        control = self._invoices(self.customer_2, 4)
        message, _mail = self._send(self.customer_2, control, self.friendly)
        for invoice in control:
            self.assertIn(invoice.name, message.subject)
        self.assertNotIn("autres", message.subject)
        self.assertNotIn("others", message.subject)

    def test_attached_invoices_agree_in_number(self):
        invoice = self._invoices(self.customer, 1)
        message, _mail = self._send(self.customer, invoice, self.reminder)
        body = _text(message.body)
        self.assertIn("la facture ci-dessous reste impayée", body)
        self.assertIn("Vous la trouverez en pièce jointe", body)
        self.assertIn("à son paiement", body)
        self.assertNotIn("Vous les trouverez", body)
        self.assertEqual(
            message.subject,
            f"{self.company.name} - Rappel : facture impayée n° {invoice.name}",
        )
        invoices = self._invoices(self.customer_2, 2)
        self.customer_2.lang = "fr_FR"
        message, _mail = self._send(self.customer_2, invoices, self.reminder)
        body = _text(message.body)
        self.assertIn("les factures ci-dessous restent impayées", body)
        self.assertIn("Vous les trouverez en pièces jointes", body)
        self.assertIn("à leur paiement", body)

    def test_reminder_without_attachment_says_none(self):
        """The same level with its invoice PDFs turned off: the reminder
        attaches nothing and does not announce attachments (the control,
        test_attached_invoices_agree_in_number, attaches and says so)."""
        self.assertTrue(self.reminder.attach_invoice_pdf)
        self.reminder.attach_invoice_pdf = False
        invoices = self._invoices(self.customer, 2)
        message, mail = self._send(self.customer, invoices, self.reminder)
        self.assertFalse(message.attachment_ids)
        self.assertFalse(mail.attachment_ids)
        body = _text(message.body)
        self.assertNotIn("pièce", body)
        self.assertIn("les factures ci-dessous restent impayées", body)
        self.assertIn(
            "Nous vous remercions de les régler dans les meilleurs délais", body
        )

    def test_company_signs_once_without_a_signatory(self):
        """A company with no signatory's name signs its reminders with its
        name once (it was written twice: as the signatory and as the
        company); the control, with Claire Duval as signatory, has her name
        and title above the company's."""
        invoice = self._invoices(self.customer, 1)
        message, _mail = self._send(self.customer, invoice, self.friendly)
        body = _text(message.body)
        self.assertIn(f"Claire Duval Directrice financière {self.company.name}", body)
        self.company.write(
            {"relance_signatory_name": False, "relance_signatory_title": False}
        )
        invoice = self._invoices(self.customer_2, 1)
        message, _mail = self._send(self.customer_2, invoice, self.friendly)
        body = _text(message.body)
        self.assertEqual(body.count(self.company.name), 1, body)
        self.assertNotIn("Claire Duval", body)
        # the letter's signature too (the PDF, as printed)
        letter = self._send_letter(self.customer, self._invoices(self.customer, 1))
        text = " ".join(self._pdf_text(letter.raw))
        name = re.escape(self.company.name)
        self.assertRegex(text, rf"salutations distinguées\. {name}\s*$")
        self.assertIsNone(re.search(rf"{name}\s+{name}", text), text)

    def test_salutation_by_title_and_name(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Sophie Moreau",
                "parent_id": self.customer.id,
                "type": "invoice",
                "title": self.env.ref("base.res_partner_title_madam").id,
                "email": "s.moreau@boulangerie-martin.example",
                "lang": "fr_FR",
            }
        )
        invoice = self._invoices(self.customer, 1)
        message, mail = self._send(self.customer, invoice, self.friendly)
        self.assertEqual(mail.recipient_ids, contact)
        self.assertTrue(_text(message.body).startswith("Madame Moreau,"))

    def test_consumer_and_public_body_salutations(self):
        invoice = self._invoices(self.individual, 1)
        message, _mail = self._send(self.individual, invoice, self.friendly)
        body = _text(message.body)
        # a consumer without a title: gender-neutral, by name
        self.assertTrue(body.startswith("Bonjour Jeanne Petit,"), body[:80])
        self.assertNotIn("Madame, Monsieur", body)
        invoices = self._invoices(self.public_body, 2)
        message, _mail = self._send(self.public_body, invoices, self.friendly)
        body = _text(message.body)
        self.assertTrue(body.startswith("Madame, Monsieur,"))
        self.assertIn("des factures ci-dessous", body)

    def test_english_customer(self):
        invoice = self._invoices(self.customer_2, 1)
        message, _mail = self._send(self.customer_2, invoice, self.friendly)
        self.assertEqual(
            message.subject, f"{self.company.name} - Unpaid invoice {invoice.name}"
        )
        body = _text(message.body)
        self.assertTrue(body.startswith("Dear Sir or Madam,"))
        self.assertIn("the payment of the invoice below, which is now due", body)
        self.assertIn("arrange its payment?", body)
        self.assertNotIn("facture", body)
        invoices = self._invoices(self.customer_2, 2)
        message, _mail = self._send(self.customer_2, invoices, self.reminder)
        body = _text(message.body)
        self.assertIn("the invoices below remain unpaid", body)
        self.assertIn("You will find them attached", body)

    def test_mail_layout_is_the_company_s(self):
        invoice = self._invoices(self.customer, 1)
        _message, mail = self._send(self.customer, invoice, self.friendly)
        full = _text(mail.body_html)
        self.assertIn(self.company.name, full)
        self.assertIn("compta@atelier.example", full)
        for generic in (
            "Odoo",
            "Votre Contact",
            "Your Contact",
            "Unfollow",
            "Se désabonner",
        ):
            self.assertNotIn(generic, full)

    def test_thank_you_agrees_in_number(self):
        self.company.relance_thank_you = True
        one = self._invoices(self.customer, 1)
        several = self._invoices(self.customer_2, 2)
        self.customer_2.lang = "fr_FR"
        self._run(self.DUE)
        for move in one | several:
            self._pay(move, day=self.DUE + timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=2))
        bodies = {
            mail.recipient_ids.commercial_partner_id: _text(mail.body_html)
            for mail in self._new_mails
        }
        self.assertIn(
            f"Nous avons bien reçu le règlement de la facture {one.name} et vous "
            "en remercions. Votre compte est à jour pour cette facture.",
            bodies[self.customer],
        )
        self.assertIn(
            "Nous avons bien reçu le règlement des factures ", bodies[self.customer_2]
        )
        for move in several:
            self.assertIn(move.name, bodies[self.customer_2])
        self.assertIn("pour ces factures", bodies[self.customer_2])

    # ------------------------------------------------------------------
    # LETTERS AND PDF
    # ------------------------------------------------------------------

    def _pdf_text(self, pdf):
        """Text of a PDF (bytes) by pdftotext, one page per item."""
        return pdf_pages(pdf)

    def _send_letter(self, partner, invoices):
        """The letter of the firm level (J+20) as the job makes it: a real PDF."""
        with (
            self.enter_test_mode(),
            mute_logger("odoo.addons.base.models.ir_actions_report"),
        ):
            histories = (
                self.env["account.relance.run"]
                .with_context(force_report_rendering=True)
                ._send_now(
                    partner,
                    invoices._get_relance_open_lines(),
                    self.level_by_days[20],
                    ["letter"],
                )
            )
        self.assertEqual(set(histories.mapped("state")), {"sent"})
        attachment = histories.letter_attachment_id
        self.assertEqual(len(attachment), 1)
        self.assertTrue(attachment.raw.startswith(b"%PDF"))
        return attachment

    @unittest.skipUnless(
        shutil.which("wkhtmltopdf") and shutil.which("pdftotext"),
        "needs wkhtmltopdf and pdftotext",
    )
    @freeze_time("2026-03-29 09:00:00")
    def test_letters_of_the_job(self):
        """French company with one invoice, consumer with many (two pages),
        English customer: same sheet, date form, wording by number."""
        for partner in (self.customer, self.individual, self.customer_2):
            partner.write(
                {"street": "3 rue de la Paix", "zip": "69002", "city": "Lyon"}
            )
        one = self._invoices(self.customer, 1)
        letter = self._send_letter(self.customer, one)
        self.assertTrue(letter.name.startswith("Lettre de relance"), letter.name)
        pages = self._pdf_text(letter.raw)
        text = " ".join(pages)
        self.assertIn("SIREN 552 100 554", text)
        self.assertIn("Lyon, le 29 mars 2026", text)
        self.assertIn("Madame, Monsieur,", text)
        self.assertIn("la facture ci-dessous reste impayée", text)
        self.assertNotIn("1/1", text)
        self.assertLess(len(letter.raw), 150_000)

        many = self.env["account.move"].union(
            *(
                self._invoice(
                    self.individual, 10.0 + index, self.DUE - timedelta(days=2)
                )
                for index in range(40)
            )
        )
        letter = self._send_letter(self.individual, many)
        pages = [page for page in self._pdf_text(letter.raw) if page]
        self.assertEqual(len(pages), 2)
        # numbered pages stay small: their text is compressed again
        self.assertLess(len(letter.raw), 150_000)
        self.assertTrue(pages[0].endswith("1/2"), pages[0][-40:])
        self.assertTrue(pages[1].endswith("2/2"), pages[1][-40:])
        self.assertIn("Bonjour Jeanne Petit,", pages[0])
        self.assertIn("les factures ci-dessous restent impayées", pages[0])
        # the closing comes with the courtesy clause, never alone
        self.assertIn("Si votre règlement a été effectué entre-temps", pages[1])
        self.assertIn("Claire Duval", pages[1])

        english = self._invoices(self.customer_2, 2)
        letter = self._send_letter(self.customer_2, english)
        text = " ".join(self._pdf_text(letter.raw))
        self.assertTrue(letter.name.startswith("Reminder letter"), letter.name)
        self.assertIn("Lyon, March 29, 2026", text)
        self.assertIn("Dear Sir or Madam,", text)
        self.assertIn("the invoices below remain unpaid", text)
        self.assertNotIn("facture", text)

    def test_attached_invoice_carries_the_seller(self):
        self.company.report_footer = "SAS au capital de 10 000 € - RCS Lyon"
        invoice = self._invoices(self.customer, 1)
        self._send(self.customer, invoice, self.reminder)
        attachment = self._histories(invoice).mail_message_id.attachment_ids
        self.assertEqual(len(attachment), 1)
        # tests get the HTML wkhtmltopdf would print
        content = _text(attachment.raw.decode())
        for text in (
            self.company.name,
            "12 rue des Tanneurs",
            "SIREN 552 100 554",
            "FR44552100554",
            "SAS au capital de 10 000 € - RCS Lyon",
        ):
            self.assertIn(text, content)

    # ------------------------------------------------------------------
    # FRENCH SCREENS
    # ------------------------------------------------------------------

    def test_history_channels_in_reader_language(self):
        invoice = self._invoices(self.customer, 1)
        self._send(self.customer, invoice, self.friendly)
        history = self._histories(invoice).with_context(lang="fr_FR")
        history.channels = "email, letter"
        self.assertEqual(history.channels_label, "Email, Courrier")
        self.assertEqual(
            history.with_context(lang="en_US").channels_label, "Email, Letter"
        )

    def test_every_term_has_a_french_translation(self):
        """Every translatable term of the add-on (views, templates, reports,
        data names, fields, code) has a French translation in fr.po."""
        # what Odoo loads: fr.po merged with the .pot (occurrences of the .pot)
        po = polib.pofile(file_path("account_relance_fr/i18n/fr.po"))
        po.merge(
            polib.pofile(file_path("account_relance_fr/i18n/account_relance_fr.pot"))
        )
        translated = {}
        for entry in po:
            if entry.msgstr and not entry.obsolete:
                places = translated.setdefault(entry.msgid, set())
                for occurrence, _line in entry.occurrences:
                    # Python strings are only found with the odoo-python flag
                    if not occurrence.startswith("code:"):
                        places.add(occurrence)
                    elif "odoo-python" in entry.comment:
                        places.add("code")
        missing = sorted(
            {
                f"{ttype}:{name}:{res_id}: {source[:80]!r}"
                for _module, ttype, name, res_id, source, _value, _comments in (
                    TranslationModuleReader(self.env.cr, modules=["account_relance_fr"])
                )
                if ("code" if ttype == "code" else f"{ttype}:{name}:{res_id}")
                not in translated.get(source, ())
            }
        )
        self.assertFalse(
            missing, "Terms without French translation:\n" + "\n".join(missing)
        )
