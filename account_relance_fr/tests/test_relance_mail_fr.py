import html
from datetime import timedelta

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.tests import tagged
from odoo.tools import format_amount

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceMailFrench(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        cls.customer.lang = "fr_FR"
        cls.customer.ref = "CLI-0042"

    def test_french_customer_gets_french_reminder(self):
        invoice = self._invoice(self.customer, 1234.5, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
        message = self._histories(invoice).mail_message_id
        self.assertIn("Facture impayée", message.subject)
        self.assertIn(invoice.name, message.subject)
        body = html.unescape(str(message.body))
        for text in (
            "Madame, Monsieur,",
            "Sauf erreur de notre part",
            "Si votre règlement a été effectué entre-temps, merci de ne pas tenir "
            "compte de ce message.",
            "Votre référence client",
            "CLI-0042",
            "Consulter et régler votre facture",
            "Jours de retard",
            "Claire Duval",
            format_amount(self.env, 1234.5, invoice.currency_id, "fr_FR"),
            "15/03/2026",  # due date, French format
        ):
            self.assertIn(text, body)
        self.assertNotIn("Dear", body)
        # the seller's legal mentions close the mail the customer receives
        mail = self._new_mails.filtered(lambda m: m.mail_message_id == message)
        footer = " ".join(html.unescape(str(mail.body_html)).split())
        self.assertIn(
            "SIREN 552 100 554 - N° TVA intracommunautaire FR44552100554", footer
        )

    def test_reminder_email_fits_a_phone(self):
        """The email of a reminder of several invoices: its language as an
        HTML tag (fr-FR), a card at most 590 px wide (no minimum width), and
        a table whose every row, totals included, has the same columns with
        the invoice-date column (hidden on a phone by the layout's style) and
        without it: the totals stay under the amounts on a phone."""
        first = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=1))
        second = self._invoice(self.customer, 300.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
        message = self._histories(first).mail_message_id
        self.assertEqual(self._histories(second).mail_message_id, message)
        mail = self._new_mails.filtered(lambda m: m.mail_message_id == message)
        document = lxml_html.fromstring(mail.body_html)
        self.assertEqual(document.get("lang"), "fr-FR")
        self.assertIn("max-width: 590px", mail.body_html)
        self.assertNotIn("min-width: 590px", mail.body_html)
        self.assertIn("@media (max-width: 480px)", mail.body_html)
        (table,) = document.find_class("o_relance_invoices")
        rows = table.xpath(".//tr")
        self.assertEqual(len(rows), 4, "header, two invoices, the total")

        def width(row, phone):
            return sum(
                int(cell.get("colspan", 1))
                for cell in row.xpath("./th|./td")
                if not (phone and "o_relance_hide_phone" in cell.get("class", ""))
            )

        self.assertEqual({width(row, phone=False) for row in rows}, {6})
        self.assertEqual({width(row, phone=True) for row in rows}, {5})
        text = " ".join(html.unescape(table.text_content()).split())
        self.assertIn("Total dû", text)
        total = format_amount(self.env, 1000.0, first.currency_id, "fr_FR")
        self.assertIn(" ".join(total.split()), text)

    def _send_now(self, invoices, level):
        """Send ``invoices`` (account.move) to their customer at ``level`` by
        email, as a person does on the due date.

        :return: (the histories written, the text of the message sent)
        """
        with self.mock_mail_gateway(), freeze_time(f"{self.DUE} 09:00:00"):
            histories = self.env["account.relance.run"]._send_now(
                invoices.commercial_partner_id,
                invoices._get_relance_open_lines(),
                level,
                ["email"],
            )
        body = str(histories.mail_message_id.body)
        text = " ".join(
            html.unescape(lxml_html.fromstring(body).text_content()).split()
        )
        return histories, text

    def test_reminder_tells_the_part_not_yet_due(self):
        """A reminder listing an invoice not yet due with an overdue one: its
        opening says that only some are due, the total of the table which
        part of it is not yet due (the control, a reminder of overdue invoices
        only, has no such line: see test_reminder_email_fits_a_phone)."""
        overdue = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=3))
        coming = self._invoice(self.customer, 300.0, self.DUE + timedelta(days=5))
        histories, text = self._send_now(overdue | coming, self.level_by_days[1])
        self.assertEqual(histories.move_id, overdue | coming)
        self.assertIn("Total dû 1 000,00 €", text)
        self.assertIn("dont non échu 300,00 €", text)
        # the opening does not call them all due (the control, a reminder of
        # overdue invoices only: test_several_invoices_are_plural)
        self.assertIn(
            "pourriez-vous régler les factures échues, et les autres à leur "
            "échéance ?",
            text,
        )
        self.assertNotIn("ci-dessous, arrivées à échéance", text)

    def test_invoice_due_today_is_due(self):
        """An invoice due today is due ("échue"), though not late yet: a
        reminder listing it with an overdue one totals both as due, with no
        "dont non échu" line, and its opening calls them both due (the
        control, an invoice due in five days:
        test_reminder_tells_the_part_not_yet_due)."""
        overdue = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=3))
        due_today = self._invoice(self.customer, 300.0, self.DUE)
        histories, text = self._send_now(overdue | due_today, self.level_by_days[1])
        self.assertEqual(histories.move_id, overdue | due_today)
        self.assertIn("Total dû 1 000,00 €", text)
        self.assertNotIn("non échu", text)
        self.assertIn("ci-dessous, arrivées à échéance", text)

    def test_firm_reminder_says_which_invoice_is_not_due_yet(self):
        """A second reminder a person sends with an invoice not yet due next to
        overdue ones says that this one is listed for information, payable on
        its due date (one invoice: singular); the same level sent for overdue
        invoices alone (the control) says nothing of the kind."""
        reminder = self.level_by_days[8]
        earlier = self._invoice(self.customer, 400.0, self.DUE - timedelta(days=12))
        overdue = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=10))
        coming = self._invoice(self.customer, 300.0, self.DUE + timedelta(days=5))
        _control, control_text = self._send_now(earlier, reminder)
        mixed, text = self._send_now(overdue | coming, reminder)
        self.assertEqual(mixed.move_id, overdue | coming)
        self.assertIn(
            "La facture non encore échue est indiquée pour information : elle est "
            "à régler à son échéance.",
            text,
        )
        self.assertIn("dont non échu 300,00 €", text)
        self.assertIn("Sauf erreur de notre part", control_text)
        self.assertNotIn("non encore échue", control_text)

    def test_english_customer_gets_english_reminder(self):
        self.customer_2.lang = "en_US"
        invoice = self._invoice(self.customer_2, 80.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
        body = self._histories(invoice).mail_message_id.body
        # a company: no person to greet by name
        self.assertIn("Dear Sir or Madam,", body)
        self.assertIn("please disregard this message", body)

    def test_french_last_notice_recalls_law_for_companies_only(self):
        invoice = self._invoice(self.customer, 500.0, self.DUE - timedelta(days=20))
        last_notice = self.level_by_days[20]
        with self.mock_mail_gateway():
            history = self.env["account.relance.run"]._send_now(
                self.customer, invoice._get_relance_open_lines(), last_notice, ["email"]
            )
        body = history.mail_message_id.body
        self.assertIn("article L441-10 du Code de", body)
        self.assertIn("40 €", body)
        individual = self.env["res.partner"].create(
            {"name": "Jean Petit", "email": "jean@example.com", "lang": "fr_FR"}
        )
        self.assertEqual(individual.relance_customer_type, "individual")
        invoice_b2c = self._invoice(individual, 500.0, self.DUE - timedelta(days=20))
        with self.mock_mail_gateway():
            history = self.env["account.relance.run"]._send_now(
                individual,
                invoice_b2c._get_relance_open_lines(),
                last_notice,
                ["email"],
            )
        self.assertNotIn("40 €", history.mail_message_id.body)
        self.assertNotIn("L441-10", history.mail_message_id.body)
