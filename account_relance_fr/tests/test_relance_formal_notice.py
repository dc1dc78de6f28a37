"""Mise en demeure and relevé de compte: content of the letters, checks before
sending, one real PDF."""

import re
import shutil
import unittest
from datetime import date

from freezegun import freeze_time
from lxml import html

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..tools import LetterFormat, amount_to_words_en, amount_to_words_fr
from .common import RelanceCommon, pdf_lines, pdf_text

NBSP = "\u00a0"


@tagged("post_install", "-at_install")
class TestAmountInWords(BaseCase):
    def test_amounts(self):
        cases = {
            0.01: "un centime",
            80: "quatre-vingts euros",
            71.71: "soixante et onze euros et soixante et onze centimes",
            1_000_000: "un million d'euros",
            1234.50: "mille deux cent trente-quatre euros et cinquante centimes",
            1: "un euro",
            2_000_000.10: "deux millions d'euros et dix centimes",
        }
        for amount, words in cases.items():
            with self.subTest(amount=amount):
                self.assertEqual(amount_to_words_fr(amount), words)

    def test_amounts_in_english(self):
        cases = {
            (0.01, "EUR"): "one cent",
            (80, "EUR"): "eighty euros",
            (1, "EUR"): "one euro",
            (1234.50, "EUR"): "one thousand two hundred and thirty-four euros and "
            "fifty cents",
            (1_000_000, "EUR"): "one million euros",
            (1009.99, "USD"): "one thousand and nine US dollars and ninety-nine cents",
            (2.01, "GBP"): "two pounds sterling and one penny",
            (1500.4, "JPY"): "one thousand five hundred yen",
        }
        for (amount, currency), words in cases.items():
            with self.subTest(amount=amount, currency=currency):
                self.assertEqual(amount_to_words_en(amount, currency), words)

    def test_letter_formats(self):
        """French letters keep the French legal forms; English ones get the
        English forms of their language, rounded half up like the French."""
        day = date(2026, 7, 1)
        euro = type("Currency", (), {"name": "EUR", "symbol": "€"})
        french = LetterFormat("fr_FR")
        self.assertEqual(french.amount(1234.565, euro), f"1{NBSP}234,57{NBSP}€")
        self.assertEqual(french.date(day), "1er juillet 2026")
        self.assertEqual(french.date_short(day), "01/07/2026")
        self.assertEqual(french.rate(12.15), f"12,15{NBSP}%")
        self.assertEqual(french.half_year(2026, 2), "2e semestre 2026")
        english = LetterFormat("en_US", "%m/%d/%Y")
        self.assertEqual(english.amount(1234.565, euro), "€1,234.57")
        self.assertEqual(english.date(day), "July 1, 2026")
        self.assertEqual(english.date_short(day), "07/01/2026")
        self.assertEqual(english.rate(12.15), "12.15%")
        self.assertEqual(english.half_year(2026, 1), "first half of 2026")
        british = LetterFormat("en_GB", "%d/%m/%Y")
        self.assertEqual(british.date(day), "1 July 2026")
        self.assertEqual(british.date_short(day), "01/07/2026")
        # a language without a translation of the letter: English forms
        self.assertEqual(LetterFormat("de_DE").date(day), "July 1, 2026")


@tagged("post_install", "-at_install")
class TestRelanceFormalNotice(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"street": "12 quai Saint-Vincent", "zip": "69001", "city": "Lyon"}
        )
        cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR1420041010050500013M02606",
                "partner_id": cls.company.partner_id.id,
                "allow_out_payment": True,
            }
        )
        cls.formal_level = cls.levels.filtered("is_formal_notice")[:1]
        cls._create_individual_and_public_body()
        # the mise en demeure follows its customer's language: French here
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        (cls.individual | cls.public_body).lang = "fr_FR"

    def _render(self, partners, **context):
        (partners - self.customer_2).lang = "fr_FR"
        content, _type = (
            self.env["ir.actions.report"]
            .with_context(**context)
            ._render_qweb_html(
                "account_relance_fr.report_relance_formal_notice", partners.ids
            )
        )
        return content.decode()

    @staticmethod
    def _text(content):
        """Visible text, spaces normalised."""
        text = html.fromstring(content).text_content().replace(NBSP, " ")
        return " ".join(text.split())

    def _b2b_invoice(self):
        """1 200 € due 16 Mar 2026, 100 € paid on the due date: on 15 Apr,
        1 100 € × 12.15 % × 30 / 365 = 10.9849 → 10.98 €, + 40 €:
        1 100 + 10.98 + 40 = 1 150.98 €."""
        invoice = self._invoice(self.customer, 1200.0, self.DUE)
        self._pay(invoice, amount=100.0, day=self.DUE)
        return invoice

    # ------------------------------------------------------------------
    # content
    # ------------------------------------------------------------------

    @freeze_time("2026-04-15")
    def test_content_professional_customer(self):
        invoice = self._b2b_invoice()
        content = self._render(self.customer)
        text = self._text(content)
        for expected in (
            # sender and recipient
            self.company.name,
            "12 quai Saint-Vincent",
            "69001 Lyon",
            "SIREN 552 100 554",
            "N° TVA intracommunautaire FR44552100554",
            "Boulangerie Martin",
            "3 rue de la Paix",
            "69002 Lyon",
            # place, date, form, subject
            "Lyon, le 15 avril 2026",
            "Lettre recommandée avec accusé de réception",
            "Objet : Mise en demeure de payer",
            # the invoice: number, date, due date, amount, paid, remaining, days
            f"{invoice.name} 14/02/2026 16/03/2026 1 200,00 € 100,00 € 1 100,00 € 30",
            # amounts and their basis
            "Principal restant dû 1 100,00 €",
            "Pénalités de retard arrêtées au 15/04/2026 (art. L441-10 du Code de "
            "commerce) 10,98 €",
            # an invoice still unpaid is not "payée en retard" yet
            "40 € × 1 facture non réglée à son échéance (art. D441-5 du Code de "
            "commerce) 40,00 €",
            "Total dû 1 150,98 €",
            "Soit la somme de mille cent cinquante euros et quatre-vingt-dix-huit "
            "centimes.",
            "majoré de dix points",
            "du 17/03/2026 au 15/04/2026 30 1 100,00 € 12,15 %",
            "Méthode retenue : les jours de retard sont répartis par semestre",
            # demand, deadline, legal references, consequences
            "nous vous mettons en demeure de nous régler la somme de 1 150,98 € "
            "dans un délai de 8 jours",
            "soit au plus tard le 23 avril 2026",
            "article L441-10 du Code de commerce",
            "1344 du Code civil",
            "injonction de payer",
            # how to pay, signature
            "IBAN FR14",
            "Claire Duval",
            "Directrice financière",
        ):
            self.assertIn(expected, text)
        tree = html.fromstring(content)
        qr = tree.xpath("//img[@alt='QR']/@src")
        self.assertEqual(len(qr), 1)
        self.assertTrue(qr[0].startswith("data:image/png;base64,"))
        self.assertTrue(tree.xpath("//a[contains(@href, '/relance/')]"))
        self.assertEqual(
            tree.xpath("string(//td[@name='total'])").replace(NBSP, " "), "1 150,98 €"
        )

    @freeze_time("2026-11-23")
    def test_content_missing_half_year(self):
        """H2 2026 missing: principal and indemnity claimed, penalties reserved
        without a figure: 2 000 + 40 = 2 040 €."""
        self._invoice(self.customer, 2000.0, date(2026, 6, 15))
        text = self._text(self._render(self.customer))
        self.assertNotIn("Pénalités de retard arrêtées", text)
        self.assertNotIn("Base de calcul", text)
        self.assertIn(
            "Les pénalités de retard, dues au taux prévu à l'article L441-10 du Code "
            "de commerce, s'ajoutent aux sommes réclamées ci-dessus",
            text,
        )
        self.assertIn("Total dû 2 040,00 €", text)
        self.assertIn("Soit la somme de deux mille quarante euros.", text)
        self.assertTrue(
            self.env["mail.activity"].search(
                [
                    ("res_model", "=", "account.relance.rate"),
                    ("summary", "ilike", "H2 2026"),
                ]
            )
        )

    @freeze_time("2026-04-15")
    def test_content_consumer(self):
        self._invoice(self.individual, 500.0, self.DUE)
        text = self._text(self._render(self.individual))
        self.assertIn("Total dû 500,00 €", text)
        self.assertIn("articles 1231-6 et 1344-1 du Code civil", text)
        self.assertNotIn("40 €", text)
        self.assertNotIn("D441-5", text)
        self.assertNotIn("L441-10", text)

    @freeze_time("2026-04-15")
    def test_content_public_buyer(self):
        """Public buyer: ECB + 8 = 10.15 %: 1 000 × 10.15 % × 30 / 365 = 8.34 €."""
        self._invoice(self.public_body, 1000.0, self.DUE)
        text = self._text(self._render(self.public_body))
        self.assertIn("Intérêts moratoires arrêtés au 15/04/2026", text)
        self.assertIn("8,34 €", text)
        self.assertIn("R2192-31", text)
        self.assertIn("D2192-35", text)
        self.assertIn("Total dû 1 048,34 €", text)

    @freeze_time("2026-04-15")
    def test_bulk_print_one_pdf(self):
        self._b2b_invoice()
        self.customer_2.write(
            {"street": "1 rue Garibaldi", "zip": "69003", "city": "Lyon"}
        )
        self._invoice(self.customer_2, 300.0, self.DUE)
        partners = self.customer | self.customer_2
        tree = html.fromstring(self._render(partners))
        # one article, one letter per customer from a new page
        self.assertEqual(len(tree.xpath("//div[contains(@class, 'article')]")), 1)
        letters = tree.xpath("//div[@name='letter']")
        self.assertEqual(len(letters), 2)
        self.assertIn("Boulangerie Martin", letters[0].text_content())
        self.assertIn("Garage Dupont", letters[1].text_content())
        self.assertNotIn("page-break-before", letters[0].get("style"))
        self.assertIn("page-break-before: always", letters[1].get("style"))

    @freeze_time("2026-04-15")
    def test_print_refused_with_what_to_fill(self):
        self._invoice(self.customer_2, 300.0, self.DUE)
        self.company.company_registry = False
        with self.assertRaises(UserError) as error:
            self._render(self.customer_2)
        message = str(error.exception)
        self.assertIn("the SIREN", message)
        self.assertIn("Garage Dupont", message)
        self.assertIn("the street, the ZIP code, the city", message)

    @freeze_time("2026-04-15")
    def test_print_refused_without_overdue_invoice(self):
        """Only the sending company's overdue invoices are claimed; nothing to
        claim, no letter."""
        self._invoice(self.customer, 300.0, date(2026, 5, 15))  # not due yet
        with self.assertRaises(UserError) as error:
            self._render(self.customer)
        self.assertIn(
            "Nothing overdue to claim from Boulangerie Martin", str(error.exception)
        )

    # ------------------------------------------------------------------
    # sending
    # ------------------------------------------------------------------

    def test_letter_report_of_levels(self):
        run = self.env["account.relance.run"]
        self.assertEqual(
            run._get_letter_report(self.formal_level),
            "account_relance_fr.report_relance_formal_notice",
        )
        self.assertEqual(
            run._get_letter_report(self.level_by_days[20]),
            "account_relance_fr.report_relance_letter",
        )

    @freeze_time("2026-04-15")
    def test_send_stops_on_missing_data_then_goes(self):
        """Missing SIREN and customer address: the failure lists them, nothing
        goes out (not even the email of a level with email and letter), the
        accountant gets an activity; once filled, the letter is attached."""
        invoice = self._invoice(self.customer_2, 300.0, self.DUE)
        self.company.company_registry = False
        self.formal_level.write(
            {
                "channel_email": True,
                "mail_template_id": self.env.ref(
                    "account_relance_fr.mail_template_relance_formal_notice"
                ).id,
            }
        )
        run = self.env["account.relance.run"]
        lines = invoice._get_relance_open_lines()
        messages_before = self.customer_2.message_ids
        with self.mock_mail_gateway():
            histories = run._send_now(
                self.customer_2, lines, self.formal_level, ["email", "letter"]
            )
        self.assertEqual(histories.state, "failed")
        self.assertIn("the SIREN (company registry)", histories.error)
        self.assertIn("the street, the ZIP code, the city", histories.error)
        self.assertFalse(histories.letter_attachment_id)
        self.assertFalse(histories.mail_message_id)
        self.assertFalse(
            (self.customer_2.message_ids - messages_before).filtered(
                lambda message: message.message_type == "comment"
            )
        )
        self.assertEqual(len(self._new_mails), 0)
        activity = self.customer_2.activity_ids.filtered(
            lambda activity: activity.activity_type_id
            == self.env.ref("account_relance_fr.mail_activity_type_relance_failure")
        )
        self.assertIn("the SIREN", activity.note)

        self.company.company_registry = "552100554"
        self.customer_2.write(
            {"street": "1 rue Garibaldi", "zip": "69003", "city": "Lyon"}
        )
        with self.mock_mail_gateway():
            histories = run._send_now(
                self.customer_2, lines, self.formal_level, ["email", "letter"]
            )
        self.assertEqual(histories.state, "sent")
        attachment = histories.letter_attachment_id
        self.assertTrue(attachment.name.startswith("Formal notice Garage Dupont"))
        # tests render the HTML of the report, in the customer's language
        self.assertIn("Formal notice to pay", attachment.raw.decode())
        self.assertEqual(attachment.res_model, "res.partner")
        self.assertEqual(attachment.res_id, self.customer_2.id)

    @freeze_time("2026-04-15")
    def test_statement(self):
        """Open items: 1 000 € 30 days late, 500 € 75 days late, 200 € not due.
        Penalties: 1 000 × 12.15 % × 30 / 365 = 9.99; 500 × 12.15 % × 75 / 365
        = 12.48 (31 Jan 2026 to 15 Apr, all H1 2026); + 2 × 40 €."""
        self._invoice(self.customer, 1000.0, self.DUE)
        self._invoice(self.customer, 500.0, date(2026, 1, 30))
        self._invoice(self.customer, 200.0, date(2026, 4, 30))
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "account_relance_fr.report_relance_statement", self.customer.ids
        )
        text = self._text(content.decode())
        self.assertIn("Account statement", text)
        tree = html.fromstring(content.decode())
        ageing = [
            " ".join(cell.text_content().split())
            for cell in tree.xpath("//table[@name='ageing']//td")
        ]
        # not due, 1-30, 31-60, 61-90, over 90, balance
        self.assertEqual(
            [cell.split(NBSP)[-1].strip("$€ ") for cell in ageing],
            ["200.00", "1,000.00", "0.00", "500.00", "0.00", "1,700.00"],
        )
        self.assertIn("Late-payment penalties to date", text)
        self.assertIn("22.47", text)
        self.assertIn("80.00", text)
        self.assertIn("Total", text)
        self.assertIn("1,802.47", text)
        self.assertIn("Pay", text)

    @freeze_time("2026-04-15")
    def test_level_attaches_statement(self):
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        level = self.level_by_days[8]
        level.attach_statement = True
        with self.mock_mail_gateway():
            histories = self.env["account.relance.run"]._send_now(
                self.customer, invoice._get_relance_open_lines(), level, ["email"]
            )
        self.assertEqual(histories.state, "sent")
        names = histories.mail_message_id.attachment_ids.mapped("name")
        self.assertIn("Account statement Boulangerie Martin.pdf", names)

    # ------------------------------------------------------------------
    # one real PDF
    # ------------------------------------------------------------------

    @unittest.skipUnless(
        shutil.which("wkhtmltopdf") and shutil.which("pdftotext"),
        "needs wkhtmltopdf and pdftotext",
    )
    @freeze_time("2026-04-15")
    def test_real_pdf(self):
        self._b2b_invoice()
        self.customer.lang = "fr_FR"
        pdf = self._render_real_pdf(
            "account_relance_fr.report_relance_formal_notice", self.customer.ids
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = pdf_text(pdf)
        self.assertIn("Mise en demeure de payer", text)
        self.assertIn("1 150,98 €", text)
        self.assertIn(
            "mille cent cinquante euros et quatre-vingt-dix-huit centimes", text
        )
        self.assertIn("Lettre recommandée avec accusé de réception", text)

    @unittest.skipUnless(
        shutil.which("wkhtmltopdf") and shutil.which("pdftotext"),
        "needs wkhtmltopdf and pdftotext",
    )
    @freeze_time("2026-04-15")
    def test_french_double_punctuation_never_wraps_alone(self):
        """French typography: a no-break space before ``:``, ``;``, ``?``,
        ``!``, so that no mark wraps alone onto the next line ("à ce jour :");
        the English letter keeps its colons against the word."""
        self._b2b_invoice()
        text = html.fromstring(self._render(self.customer)).text_content()
        self.assertIn(f"Objet{NBSP}: Mise en demeure de payer", text)
        self.assertIn(f"Indemnité forfaitaire pour frais de recouvrement{NBSP}:", text)
        self.assertEqual(re.findall(r"\S*[ \t\r\n][:;?!](?=\s|$)", text), [])
        self.customer_2.write(
            {
                "lang": "en_US",
                "street": "8 avenue Foch",
                "zip": "75016",
                "city": "Paris",
            }
        )
        self._invoice(self.customer_2, 800.0, self.DUE)
        english = html.fromstring(self._render(self.customer_2)).text_content()
        self.assertIn("Subject: Formal notice to pay", " ".join(english.split()))
        # the real PDF: no line of the letter begins with a double punctuation
        pdf = self._render_real_pdf(
            "account_relance_fr.report_relance_formal_notice", self.customer.ids
        )
        lines = pdf_lines(pdf)
        self.assertIn("Mise en demeure de payer", " ".join(lines))
        self.assertEqual([line for line in lines if line[0] in ":;?!"], [])
