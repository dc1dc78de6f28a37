"""What the customer documents claim and assert: disputed invoices, guessed
figures, public buyers' texts, rates with their basis, SIREN, earlier
reminders, the deadline of a mise en demeure, the 40 € wording.

Rates of the shipped table: H1 2026 ECB 2.15 % → B2B 12.15 %, public buyers
10.15 %; H2 2026 is not in the table. 1 000 € late 20 days at 12.15 %:
1 000 × 12.15 % × 20 / 365 = 6.6575 → 6.66 €; 30 days: 9.99 €.
"""

import html as html_lib
import shutil
import unittest
from datetime import date, timedelta

from freezegun import freeze_time
from lxml import html

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import RelanceCommon, pdf_text

NBSP = "\u00a0"


def visible_text(content):
    """Visible text of an HTML document or fragment, spaces normalised."""
    if isinstance(content, bytes):
        content = content.decode()
    text = (
        html.fromstring(content)
        .text_content()
        .replace(NBSP, " ")
        .replace("\ufeff", "")  # the monetary widget's sign separator
    )
    return " ".join(html_lib.unescape(text).split())


class RelanceDocumentsCommon(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"street": "12 quai Saint-Vincent", "zip": "69001", "city": "Lyon"}
        )
        cls.customer_2.write(
            {"street": "1 rue Garibaldi", "zip": "69003", "city": "Lyon"}
        )
        cls._create_individual_and_public_body()
        cls.public_body.email = "finances@villeurbanne.example"
        cls.formal_level = cls.levels.filtered("is_formal_notice")[:1]
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])

    def _render(self, report, partners, **context):
        content, _type = (
            self.env["ir.actions.report"]
            .with_context(**context)
            ._render_qweb_html(f"account_relance_fr.{report}", partners.ids)
        )
        return content.decode()

    def _statement(self, partner):
        return self._render("report_relance_statement", partner)

    def _formal_notice(self, partner, **context):
        """The mise en demeure of ``partner`` as a French reader receives it
        (the letter follows its customer's language): the legal wording
        checked with this helper is the French one."""
        lang = partner.lang
        partner.lang = "fr_FR"
        try:
            return self._render("report_relance_formal_notice", partner, **context)
        finally:
            partner.lang = lang

    def _message(self, partner, day):
        """Text of the reminder email posted on ``partner`` on ``day``."""
        histories = self.env["account.relance.history"].search(
            [("partner_id", "=", partner.id), ("date", "=", day)]
        )
        message = histories.mail_message_id
        self.assertEqual(len(message), 1, "one email for the customer that day")
        return visible_text(str(message.body))


@tagged("post_install", "-at_install")
class TestRelanceDisputedInvoices(RelanceDocumentsCommon):
    """A disputed invoice is shown as disputed and never claimed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kept = cls._invoice(cls.customer, 1000.0, cls.DUE)
        cls.disputed = cls._invoice(cls.customer, 500.0, cls.DUE)
        cls.control = cls._invoice(cls.customer_2, 300.0, cls.DUE)

    def _dispute(self):
        self.disputed.action_relance_set_dispute("Livraison incomplète")

    @freeze_time("2026-04-15")
    def test_statement_marks_and_leaves_out_disputed_invoice(self):
        """15 Apr: 1 000 € 30 days late (9.99 € + 40 €) and 500 € disputed:
        balance 1 500 €, disputed −500 €, total claimed 1 000 + 9.99 + 40 =
        1 049.99 €; the disputed row has no penalty and no pay link."""
        self._dispute()
        content = self._statement(self.customer)
        tree = html.fromstring(content)
        rows = {
            row.xpath("string(td[1])").strip(): row
            for row in tree.xpath("//table[@name='items']/tbody/tr")
        }
        disputed_row = rows[self.disputed.name]
        self.assertEqual(
            disputed_row.xpath("string(.//*[@name='disputed'])"), "In dispute"
        )
        self.assertFalse(disputed_row.xpath(".//a"))
        # remaining shown, penalty cell empty
        cells = [" ".join(td.text_content().split()) for td in disputed_row.xpath("td")]
        self.assertIn("500.00", cells[4])
        self.assertEqual(cells[6], "")
        kept_cells = [
            " ".join(td.text_content().split())
            for td in rows[self.kept.name].xpath("td")
        ]
        self.assertIn("9.99", kept_cells[6])
        self.assertTrue(rows[self.kept.name].xpath(".//a[text()='Pay']"))
        text = visible_text(content)
        # balance 1 500, the disputed 500 out, penalties and 40 € of the other
        for expected in (
            "Balance of the account 1,500.00 €",
            "Disputed invoices, not claimed while the dispute lasts -500.00 €",
            "Late-payment penalties to date (article L441-10 of the French "
            "Commercial Code) 9.99 €",
            "Flat indemnities for recovery costs, 40 € per invoice not paid by its "
            "due date (article D441-5 of the French Commercial Code) 40.00 €",
            "Total 1,049.99 €",
        ):
            self.assertIn(expected, text)

    def test_cron_mails_letters_and_formal_notice_leave_disputed_out(self):
        """Both invoices reminded at J+1; the 500 € one disputed on J+5: the
        J+8 and J+20 emails and the J+20 letter name only the 1 000 € invoice,
        the J+20 email claims its penalties only (6.66 € and one 40 €), the
        formal notice approved from the follow-up screen on J+30 claims
        1 000 + 9.99 + 40 = 1 049.99 €; the customer's penalty totals leave
        the disputed invoice out. The control customer is reminded meanwhile."""
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
            self.assertIn(
                self.disputed.name,
                self._message(self.customer, self.DUE + timedelta(days=1)),
            )
            with freeze_time(self.DUE + timedelta(days=5)):
                self._dispute()
            for offset in (8, 12, 20, 30):
                self._run(self.DUE + timedelta(days=offset))
        for offset in (8, 20):
            day = self.DUE + timedelta(days=offset)
            text = self._message(self.customer, day)
            self.assertIn(self.kept.name, text)
            self.assertNotIn(self.disputed.name, text)
            self.assertIn(self.control.name, self._message(self.customer_2, day))
        last_notice = self._message(self.customer, self.DUE + timedelta(days=20))
        self.assertIn("Penalties to date: 6.66 €", last_notice)
        self.assertIn("Recovery indemnities: 40.00 €", last_notice)
        letter = (
            self.env["account.relance.history"]
            .search(
                [
                    ("partner_id", "=", self.customer.id),
                    ("level_id", "=", self.level_by_days[20].id),
                ]
            )
            .letter_attachment_id
        )
        self.assertEqual(len(letter), 1)
        letter_text = visible_text(letter.raw)
        self.assertIn(self.kept.name, letter_text)
        self.assertNotIn(self.disputed.name, letter_text)
        self.assertFalse(
            self.env["account.relance.history"].search(
                [
                    ("move_id", "=", self.disputed.id),
                    ("date", ">", self.DUE + timedelta(days=5)),
                ]
            )
        )
        with freeze_time(self.DUE + timedelta(days=30)):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.relance_penalty_total, 9.99)
            self.assertEqual(self.customer.relance_indemnity_total, 40.0)
            row = self.env["account.relance.followup"].search(
                [("partner_id", "=", self.customer.id)]
            )
            row.action_approve()
        formal = self.env["account.relance.history"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("level_id", "=", self.formal_level.id),
            ]
        )
        self.assertEqual(formal.state, "sent")
        self.assertEqual(formal.move_id, self.kept)
        formal_text = visible_text(formal.letter_attachment_id.raw)
        self.assertNotIn(self.disputed.name, formal_text)
        # an English customer: its mise en demeure is in English
        self.assertIn("Total due €1,049.99", formal_text)
        self.assertIn("€40 × 1 invoice not paid by its due date", formal_text)


@tagged("post_install", "-at_install")
class TestRelanceLegalWording(RelanceDocumentsCommon):
    # ------------------------------------------------------------------
    # no guessed figure
    # ------------------------------------------------------------------

    @freeze_time("2026-11-23")
    def test_statement_withholds_guessed_penalties(self):
        """H2 2026 missing: 2 000 € due 15 Jun 2026 claims 2 000 + 40 = 2 040 €,
        no penalty figure, no internal note; the internal screens still show
        the provisional figure for the accountant."""
        invoice = self._invoice(self.customer, 2000.0, date(2026, 6, 15))
        self.assertTrue(invoice.relance_penalty_provisional)
        content = self._statement(self.customer)
        text = visible_text(content)
        self.assertIn(
            "Late-payment penalties (article L441-10 of the French Commercial Code) "
            "run until payment in full; they are not included in this statement.",
            text,
        )
        self.assertNotIn("Late-payment penalties to date", text)
        self.assertNotIn(f"{invoice.relance_penalty_amount:,.2f}", text)
        for internal in ("provisional", "H2 2026", "to be entered", "rates of"):
            self.assertNotIn(internal, text)
        total = html.fromstring(content).xpath("string(//td[@name='total'])")
        self.assertIn("2,040.00", total)

    def test_last_notice_withholds_guessed_penalties(self):
        """The J+20 email of an invoice due 15 Jun 2026, sent on 5 Jul 2026
        (H2 2026 missing): the principle and the 40 €, no penalty figure,
        no "provisional"."""
        invoice = self._invoice(self.customer, 1000.0, date(2026, 6, 15))
        with self.mock_mail_gateway(), freeze_time("2026-07-05"):
            histories = self.env["account.relance.run"]._send_now(
                self.customer,
                invoice._get_relance_open_lines(),
                self.level_by_days[20],
                ["email"],
            )
        text = visible_text(str(histories.mail_message_id.body))
        self.assertIn(
            "Late-payment penalties keep running until payment in full.", text
        )
        self.assertNotIn("Penalties to date", text)
        self.assertIn("Recovery indemnities", text)
        for internal in ("Provisional", "H2 2026", "to be updated"):
            self.assertNotIn(internal, text)
        # the rate of the missing half-year is not guessed either
        self.assertIn(
            "Rate applied: 12.15 % (H1 2026: ECB rate 2.15 % + 10 points).", text
        )

    # ------------------------------------------------------------------
    # public buyers
    # ------------------------------------------------------------------

    @freeze_time("2026-04-15")
    def test_public_buyer_statement_and_formal_notice(self):
        """Public buyer, 1 000 € 30 days late: intérêts moratoires at ECB + 8 =
        10.15 %: 8.34 €, 40 €; the Code de la commande publique, never the
        Commercial Code."""
        self._invoice(self.public_body, 1000.0, self.DUE)
        text = visible_text(self._statement(self.public_body))
        self.assertIn(
            "Late-payment interest (intérêts moratoires) to date (articles L2192-13 "
            "and R2192-31 of the French Public Procurement Code)",
            text,
        )
        self.assertIn("8.34", text)
        self.assertIn("(article D2192-35 of the French Public Procurement Code)", text)
        self.assertNotIn("L441-10", text)
        self.assertNotIn("D441-5", text)
        formal = visible_text(self._formal_notice(self.public_body))
        self.assertIn("articles L2192-12, L2192-13, R2192-31 et D2192-35", formal)
        self.assertNotIn("L441-10", formal)
        self.assertNotIn("D441-5", formal)

    def test_public_buyer_last_notice_email_and_letter(self):
        """J+20 email and letter to a public buyer, 1 000 € due 16 Mar 2026,
        on 5 Apr: its own texts and rate, 1 000 × 10.15 % × 20 / 365 =
        5.56 €."""
        invoice = self._invoice(self.public_body, 1000.0, self.DUE)
        with self.mock_mail_gateway(), freeze_time("2026-04-05"):
            histories = self.env["account.relance.run"]._send_now(
                self.public_body,
                invoice._get_relance_open_lines(),
                self.level_by_days[20],
                ["email", "letter"],
            )
        self.assertEqual(histories.state, "sent")
        mail = visible_text(str(histories.mail_message_id.body))
        letter = visible_text(histories.letter_attachment_id.raw)
        for text in (mail, letter):
            self.assertIn(
                "under articles L2192-12 and L2192-13 of the French Public "
                "Procurement Code (Code de la commande publique), late payment gives "
                "rise by law, without any formality, to late-payment interest "
                "(intérêts moratoires)",
                text,
            )
            self.assertIn(
                "40 € per invoice not paid by its due date (article D2192-35)", text
            )
            self.assertIn("Rate applied: 10.15 % (ECB rate 2.15 % + 8 points).", text)
            self.assertNotIn("L441-10", text)
            self.assertNotIn("D441-5", text)
        self.assertIn("Late-payment interest to date: 5.56 €", mail)

    # ------------------------------------------------------------------
    # firm level: the rate with its basis
    # ------------------------------------------------------------------

    def test_firm_level_states_rate_and_basis(self):
        """J+20 email and letter to a company on 5 Apr 2026: 12.15 % = ECB
        2.15 % + 10 points; with a contractual 14.5 %: "14.50 % (contractual
        rate)"."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        run = self.env["account.relance.run"]
        with self.mock_mail_gateway(), freeze_time("2026-04-05"):
            histories = run._send_now(
                self.customer,
                invoice._get_relance_open_lines(),
                self.level_by_days[20],
                ["email", "letter"],
            )
        for text in (
            visible_text(str(histories.mail_message_id.body)),
            visible_text(histories.letter_attachment_id.raw),
        ):
            self.assertIn("Rate applied: 12.15 % (ECB rate 2.15 % + 10 points).", text)
            self.assertIn(
                "a flat indemnity for recovery costs of 40 € per invoice not paid by "
                "its due date (article D441-5)",
                text,
            )
        other = self._invoice(self.customer_2, 1000.0, self.DUE)
        with self.mock_mail_gateway(), freeze_time("2026-04-05"):
            self.company.write(
                {
                    "relance_penalty_mode": "contract",
                    "relance_penalty_contract_rate": 14.5,
                }
            )
            histories = run._send_now(
                self.customer_2,
                other._get_relance_open_lines(),
                self.level_by_days[20],
                ["email"],
            )
        self.assertIn(
            "Rate applied: 14.50 % (contractual rate).",
            visible_text(str(histories.mail_message_id.body)),
        )

    def test_formal_notice_prints_the_floor_of_each_half_year(self):
        """Contractual 14.5 %, 10 000 € due 1 Mar 2024, printed on 1 Mar 2025:
        H1 2024 floor 15.21 % (3 × 5.07 %) and H2 2024 floor 14.76 % (3 ×
        4.92 %) apply, H1 2025 floor 11.13 % (3 × 3.71 %) does not:
        10 000 × (15.21 % × 121 + 14.76 % × 184 + 14.5 % × 60) / 365 =
        504.22 + 744.07 + 238.36 = 1 486.64 €."""
        with freeze_time("2025-03-01"):
            self.company.write(
                {
                    "relance_penalty_mode": "contract",
                    "relance_penalty_contract_rate": 14.5,
                }
            )
        self._invoice(self.customer, 10000.0, date(2024, 3, 1))
        with freeze_time("2025-03-01"):
            text = visible_text(self._formal_notice(self.customer))
        self.assertIn(
            "plancher légal de chaque semestre de calcul : 1er semestre 2024 : "
            "15,21 % (3 × 5,07 %), appliqué car supérieur au taux contractuel ; "
            "2e semestre 2024 : 14,76 % (3 × 4,92 %), appliqué car supérieur au taux "
            "contractuel ; 1er semestre 2025 : 11,13 % (3 × 3,71 %) ;",
            text,
        )
        self.assertIn("Pénalités de retard arrêtées au 01/03/2025", text)
        self.assertIn("1 486,64 €", text)

    @freeze_time("2025-03-01")
    def test_settings_list_the_floors_above_the_contractual_rate(self):
        """14.5 % is above the H1 2025 floor (11.13 %), accepted, but below the
        floors of H1 2024 (15.21 %) and H2 2024 (14.76 %): the settings say so;
        16 % is above every floor of the table."""
        settings = Form(self.env["res.config.settings"])
        settings.relance_penalty_mode = "contract"
        settings.relance_penalty_contract_rate = 14.5
        self.assertEqual(
            settings.relance_penalty_floor_warning,
            "Below the legal floor of these half-years: H1 2024 (15.21 %), H2 2024 "
            "(14.76 %). Delays in them are charged at the floor.",
        )
        settings.relance_penalty_contract_rate = 16.0
        self.assertFalse(settings.relance_penalty_floor_warning)
        settings.relance_penalty_contract_rate = 10.0
        self.assertTrue(settings.relance_penalty_floor_warning)
        settings.relance_penalty_mode = "ecb"
        self.assertFalse(settings.relance_penalty_floor_warning)

    # ------------------------------------------------------------------
    # SIREN of the customer
    # ------------------------------------------------------------------

    def test_customer_siren(self):
        """The registry, a SIRET, the French VAT number; never a foreign
        registry number."""
        partner = self.customer_2
        cases = [
            ({"company_registry": "732 829 320"}, "732829320"),
            ({"company_registry": "73282932000074"}, "732829320"),
            ({"company_registry": False, "vat": "FR44732829320"}, "732829320"),
            ({"company_registry": "HRB 12345", "vat": "DE123456788"}, ""),
            ({"company_registry": "123456789", "vat": False}, ""),  # not a SIREN
        ]
        for values, siren in cases:
            with self.subTest(values=values):
                partner.write(values)
                self.assertEqual(partner._get_relance_siren(), siren)

    @freeze_time("2026-04-15")
    def test_customer_siren_on_formal_notice_and_statement(self):
        self.customer.company_registry = "732829320"
        self._invoice(self.customer, 1000.0, self.DUE)
        self.assertIn(
            "Votre SIREN : 732 829 320",
            visible_text(self._formal_notice(self.customer)),
        )
        self.assertIn(
            "Your SIREN 732 829 320", visible_text(self._statement(self.customer))
        )
        self._invoice(self.customer_2, 300.0, self.DUE)
        self.assertNotIn(
            "Votre SIREN", visible_text(self._formal_notice(self.customer_2))
        )

    # ------------------------------------------------------------------
    # earlier reminders: only what the history shows
    # ------------------------------------------------------------------

    @freeze_time("2026-04-15")
    def test_never_reminded_asserts_no_reminder(self):
        """A formal notice printed for a customer never reminded, and a J+8
        email sent by hand: neither mentions earlier reminders."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        text = visible_text(self._formal_notice(self.customer))
        self.assertIn(
            "Nous constatons que la facture ci-dessous, arrivée à échéance, demeure "
            "impayée à ce jour",
            text,
        )
        self.assertNotIn("Malgré", text)
        self.assertNotIn("relances", text)
        with self.mock_mail_gateway():
            histories = self.env["account.relance.run"]._send_now(
                self.customer,
                invoice._get_relance_open_lines(),
                self.level_by_days[8],
                ["email"],
            )
        mail = visible_text(str(histories.mail_message_id.body))
        self.assertIn(
            "Unless we are mistaken, the invoice below remains unpaid to date.", mail
        )
        self.assertNotIn("Despite", mail)

    def test_reminded_invoices_recall_the_history(self):
        """The ladder day by day: J+8 recalls one reminder (J+1), J+20 several
        (J+1, J+8; the J+12 call and the J-5 préventive do not count), the
        formal notice approved on J+30 recalls them; an invoice never
        reminded in the same letter makes it neutral again."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        with self.mock_mail_gateway():
            for offset in (-5, 1, 8, 12, 20, 30):
                self._run(self.DUE + timedelta(days=offset))
        self.assertIn(
            "Despite our previous reminder, the invoice below remains unpaid to date.",
            self._message(self.customer, self.DUE + timedelta(days=8)),
        )
        self.assertIn(
            "Despite our previous reminders, the invoice below remains unpaid to date.",
            self._message(self.customer, self.DUE + timedelta(days=20)),
        )
        formal = self._histories(invoice).filtered(
            lambda history: history.level_id == self.formal_level
        )
        self.assertEqual(formal.state, "to_confirm")
        with freeze_time(self.DUE + timedelta(days=30)):
            formal.action_approve()
            # sent to an English customer: in English
            self.assertIn(
                "Despite our previous reminders, which have remained unanswered, we "
                "note that the invoice below",
                visible_text(formal.letter_attachment_id.raw),
            )
            # a second invoice never reminded: the letter asserts nothing
            self._invoice(self.customer, 200.0, self.DUE + timedelta(days=20))
            text = visible_text(self._formal_notice(self.customer))
            self.assertIn("Nous constatons que les factures ci-dessous", text)
            self.assertNotIn("Malgré", text)

    # ------------------------------------------------------------------
    # deadline of the mise en demeure
    # ------------------------------------------------------------------

    def test_formal_notice_deadline_bounds(self):
        """8 to 30 days; the settings warn outside 8 to 15."""
        for days in (2, 7, 31, 45):
            with self.subTest(days=days), self.assertRaises(ValidationError) as error:
                self.company.relance_formal_notice_days = days
            self.assertIn("between 8 and 30 days", str(error.exception))
        for days, unusual in ((8, False), (15, False), (20, True), (30, True)):
            with self.subTest(days=days):
                settings = Form(self.env["res.config.settings"])
                settings.relance_formal_notice_days = days
                self.assertEqual(settings.relance_formal_notice_days_unusual, unusual)
                settings.save().execute()
                self.assertEqual(self.company.relance_formal_notice_days, days)

    @freeze_time("2026-04-15")
    def test_formal_notice_deadline_printed(self):
        """30 days from 15 Apr 2026: 15 May 2026, in the letter and in the email
        covering it."""
        self.company.relance_formal_notice_days = 30
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        text = visible_text(self._formal_notice(self.customer))
        self.assertIn("dans un délai de 30 jours", text)
        self.assertIn("soit au plus tard le 15 mai 2026", text)
        self.formal_level.write(
            {
                "channel_email": True,
                "mail_template_id": self.env.ref(
                    "account_relance_fr.mail_template_relance_formal_notice"
                ).id,
            }
        )
        with self.mock_mail_gateway():
            histories = self.env["account.relance.run"]._send_now(
                self.customer,
                invoice._get_relance_open_lines(),
                self.formal_level,
                ["email"],
            )
        mail = visible_text(str(histories.mail_message_id.body))
        self.assertIn(
            "We hereby give you formal notice to pay the amount below within 30 days.",
            mail,
        )
        self.assertNotIn("eight days", mail)
        self.assertNotIn("previous reminders", mail)

    # ------------------------------------------------------------------
    # 40 € wording
    # ------------------------------------------------------------------

    @freeze_time("2026-04-15")
    def test_indemnity_wording_for_unpaid_invoices(self):
        """Two invoices still unpaid: "2 factures non réglées à leur échéance",
        never "payées en retard"."""
        self._invoice(self.customer, 1000.0, self.DUE)
        self._invoice(self.customer, 500.0, self.DUE)
        text = visible_text(self._formal_notice(self.customer))
        self.assertIn(
            "40 € × 2 factures non réglées à leur échéance (art. D441-5", text
        )
        self.assertIn("pour chaque facture non réglée à son échéance", text)
        self.assertNotIn("payée en retard", text)
        self.assertNotIn("payées en retard", text)

    # ------------------------------------------------------------------
    # one real PDF
    # ------------------------------------------------------------------

    @unittest.skipUnless(
        shutil.which("wkhtmltopdf") and shutil.which("pdftotext"),
        "needs wkhtmltopdf and pdftotext",
    )
    @freeze_time("2026-04-15")
    def test_real_pdf_statement(self):
        """The statement as printed: the disputed invoice marked, the total
        without it (1 000 + 9.99 + 40 = 1 049.99)."""
        self._invoice(self.customer, 1000.0, self.DUE)
        disputed = self._invoice(self.customer, 500.0, self.DUE)
        disputed.action_relance_set_dispute("Livraison incomplète")
        pdf = self._render_real_pdf(
            "account_relance_fr.report_relance_statement", self.customer.ids
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = pdf_text(pdf)
        self.assertIn("In dispute", text)
        self.assertIn("Disputed invoices, not claimed while the dispute lasts", text)
        self.assertIn("1,049.99", text)


@tagged("post_install", "-at_install")
class TestRelanceLegalWordingFrench(RelanceDocumentsCommon):
    """The same documents for a French customer: fr.po wording, French
    figures, no internal note."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        (cls.customer | cls.public_body).lang = "fr_FR"

    def test_last_notice_withheld_figure_and_rate(self):
        """J+20 email of 5 Jul 2026, H2 2026 missing: the rate of H1 2026 with
        its basis, the principle of the penalties, no figure, no "à
        actualiser"."""
        invoice = self._invoice(self.customer, 1000.0, date(2026, 6, 15))
        with self.mock_mail_gateway(), freeze_time("2026-07-05"):
            histories = self.env["account.relance.run"]._send_now(
                self.customer,
                invoice._get_relance_open_lines(),
                self.level_by_days[20],
                ["email"],
            )
        text = visible_text(str(histories.mail_message_id.body))
        for expected in (
            "Sauf erreur de notre part, la facture ci-dessous reste impayée à ce "
            "jour.",
            "Nous vous rappelons que, conformément à l'article L441-10 du Code de "
            "commerce",
            "40 € par facture non réglée à son échéance (article D441-5)",
            "Taux appliqué : 12,15 % (1er semestre 2026 : taux BCE 2,15 % + 10 "
            "points).",
            "Les pénalités de retard continuent de courir jusqu'au complet paiement.",
            "Indemnités forfaitaires de recouvrement :",
        ):
            self.assertIn(expected, text)
        for internal in (
            "provisoire",
            "actualiser",
            "2e semestre 2026",
            "H2 2026",
            "Pénalités de retard à ce jour",
        ):
            self.assertNotIn(internal, text)

    @freeze_time("2026-04-15")
    def test_statement_in_french(self):
        """Relevé of a French customer with a disputed invoice: "Contestée",
        the disputed amount out of the total, the French legal labels."""
        self._invoice(self.customer, 1000.0, self.DUE)
        disputed = self._invoice(self.customer, 500.0, self.DUE)
        disputed.action_relance_set_dispute("Livraison incomplète")
        self.customer.company_registry = "732829320"
        text = visible_text(self._statement(self.customer))
        for expected in (
            "Contestée",
            "Factures contestées, non réclamées tant que dure la contestation",
            "Indemnités forfaitaires pour frais de recouvrement, 40 € par facture "
            "non réglée à son échéance (article D441-5 du Code de commerce)",
            "- Votre SIREN 732 829 320",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("payée en retard", text)

    def test_public_buyer_email_and_penalty_invoice_in_french(self):
        """Public buyer, 1 000 € due 16 Mar 2026: the J+20 email of 5 Apr and
        the penalty invoice of 15 Apr speak of intérêts moratoires at ECB + 8
        (10,15 %): 1 000 × 10,15 % × 30 / 365 = 8,34 €."""
        invoice = self._invoice(self.public_body, 1000.0, self.DUE)
        with self.mock_mail_gateway(), freeze_time("2026-04-05"):
            histories = self.env["account.relance.run"]._send_now(
                self.public_body,
                invoice._get_relance_open_lines(),
                self.level_by_days[20],
                ["email", "letter"],
            )
        mail = visible_text(str(histories.mail_message_id.body))
        letter = visible_text(histories.letter_attachment_id.raw)
        for text in (mail, letter):
            for expected in (
                "conformément aux articles L2192-12 et L2192-13 du Code de la "
                "commande publique, le retard de paiement fait courir de plein droit "
                "et sans autre formalité des intérêts moratoires",
                "40 € par facture non réglée à son échéance (article D2192-35)",
                "Taux appliqué : 10,15 % (taux BCE 2,15 % + 8 points).",
            ):
                self.assertIn(expected, text)
            self.assertNotIn("L441-10", text)
        self.assertIn("Intérêts moratoires à ce jour : 5,56 €", mail)
        with freeze_time("2026-04-15"):
            form = Form(
                self.env["relance.penalty.invoice.wizard"].with_context(
                    active_model="res.partner", active_ids=self.public_body.ids
                )
            )
            action = form.save().action_post()
        penalty = self.env["account.move"].browse(action["res_id"])
        labels = penalty.invoice_line_ids.mapped("name")
        self.assertIn(
            f"Intérêts moratoires, facture {invoice.name} échue le 16/03/2026 : du "
            "17/03/2026 au 15/04/2026, 30 jours à 10,15 % (taux BCE 2,15 % + 8 "
            "points) (articles L2192-13 et R2192-31 du Code de la commande "
            "publique)",
            labels,
        )
        self.assertIn(
            f"Indemnité forfaitaire pour frais de recouvrement, facture "
            f"{invoice.name} (article D2192-35 du Code de la commande publique)",
            labels,
        )
        self.assertIn("intérêts moratoires", str(penalty.narration))

    @freeze_time("2026-04-15")
    def test_formal_notice_email_in_french(self):
        """The email covering a mise en demeure, never reminded before: no
        "précédentes relances", the deadline of the settings."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        self.formal_level.write(
            {
                "channel_email": True,
                "mail_template_id": self.env.ref(
                    "account_relance_fr.mail_template_relance_formal_notice"
                ).id,
            }
        )
        with self.mock_mail_gateway():
            histories = self.env["account.relance.run"]._send_now(
                self.customer,
                invoice._get_relance_open_lines(),
                self.formal_level,
                ["email"],
            )
        text = visible_text(str(histories.mail_message_id.body))
        self.assertIn(
            "Par la présente, nous vous mettons en demeure de régler la somme "
            "ci-dessous dans un délai de 8 jours.",
            text,
        )
        self.assertNotIn("relances", text)

    def test_deadline_refused_in_french(self):
        """A French user entering 45 days reads why in French."""
        company = self.company.with_context(lang="fr_FR")
        with self.assertRaises(ValidationError) as error:
            company.relance_formal_notice_days = 45
        self.assertIn(
            "Le délai d'une mise en demeure doit être compris entre 8 et 30 jours "
            "(45 saisis pour",
            str(error.exception),
        )
        self.assertIn("l'usage est de 8 à 15 jours", str(error.exception))
