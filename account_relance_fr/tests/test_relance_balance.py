from datetime import timedelta

from freezegun import freeze_time
from lxml import html

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tests.common import BaseCase

from ..tools import amount_to_words_fr
from .common import RelanceCommon

NBSP = "\u00a0"


@tagged("post_install", "-at_install")
class TestRelanceBalance(RelanceCommon):
    """The amount claimed: overdue instalments net of the customer's credits."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.env.ref("base.EUR")
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.reconcile_type = cls.env.ref(
            "account_relance_fr.mail_activity_type_relance_reconcile"
        )

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    def _credit_note(self, partner, amount, day):
        return self._invoice(
            partner, amount, day, invoice_date=day, move_type="out_refund"
        )

    def _unmatched_payment(self, partner, amount, day):
        """A customer payment on the bank journal, matched to no invoice."""
        with freeze_time(day):
            payment = self.env["account.payment"].create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": partner.id,
                    "amount": amount,
                    "date": day,
                    "journal_id": self.bank_journal.id,
                }
            )
            payment.action_post()
        return payment

    def _bank_line(self, partner, amount, day):
        """A bank statement line attributed to the customer, not reconciled."""
        return self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank_journal.id,
                "date": day,
                "payment_ref": f"VIR {partner.name}",
                "partner_id": partner.id,
                "amount": amount,
            }
        )

    def _body(self, partner):
        """Text of the last reminder email of ``partner``."""
        message = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                (
                    "subtype_id",
                    "=",
                    self.env.ref("account_relance_fr.mail_message_subtype_relance").id,
                ),
            ],
            order="id desc",
            limit=1,
        )
        self.assertTrue(message, f"no reminder to {partner.name}")
        text = html.fromstring(message.body).text_content().replace("\ufeff", "")
        return " ".join(text.split())

    def _reconcile_activities(self, partner):
        return partner.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.reconcile_type
        )

    # ------------------------------------------------------------------
    # ENGINE
    # ------------------------------------------------------------------

    def test_open_credit_note_is_netted(self):
        """1 000 € due 10 days ago, 300 € credit note unmatched: claims 700 €."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        credit_note = self._credit_note(self.customer, 300.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=10))
        history = self._histories(invoice)
        self.assertEqual(history.state, "sent")
        body = self._body(self.customer)
        self.assertIn("Total of the invoices 1,000.00 €", body)
        self.assertIn(f"Credit note {credit_note.name}", body)
        self.assertIn("-300.00 €", body)
        self.assertIn("Net amount due 700.00 €", body)
        self.assertNotIn("Total due 1,000.00", body)

    def test_unreconciled_payment_covers_no_reminder(self):
        """1 000 € due, 1 000 € payment posted 3 days ago not reconciled: no
        reminder, one activity to reconcile; the control customer is reminded."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        control = self._invoice(self.customer_2, 400.0, self.DUE)
        payment = self._unmatched_payment(
            self.customer, 1000.0, self.DUE + timedelta(days=7)
        )
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=10))
            self._run(self.DUE + timedelta(days=11))
            self._run(self.DUE + timedelta(days=20))
        self.assertFalse(self._histories(invoice))
        self.assertEqual(self._histories(control).mapped("state"), ["sent", "sent"])
        activity = self._reconcile_activities(self.customer)
        self.assertEqual(len(activity), 1, "one activity, not one per run")
        self.assertEqual(activity.user_id, self.company._get_relance_accountant())
        self.assertIn(invoice.name, activity.note)
        self.assertIn(payment.move_id.name, activity.note)
        self.assertFalse(self._reconcile_activities(self.customer_2))

    def test_bank_statement_line_of_customer_is_a_credit(self):
        """A bank line attributed to the customer, not reconciled, is netted."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        self._bank_line(self.customer, 250.0, self.DUE + timedelta(days=5))
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=10))
        self.assertEqual(self._histories(invoice).state, "sent")
        body = self._body(self.customer)
        self.assertIn("Bank transfer received on", body)
        self.assertIn("-250.00 €", body)
        self.assertIn("Net amount due 750.00 €", body)

    def test_payment_and_its_bank_line_count_once(self):
        """The bank line of an unmatched payment is the same money: 400 €, not
        800 €, are deducted."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        day = self.DUE + timedelta(days=5)
        self._unmatched_payment(self.customer, 400.0, day)
        self._bank_line(self.customer, 400.0, day)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=10))
        self.assertEqual(self._histories(invoice).state, "sent")
        body = self._body(self.customer)
        self.assertIn("Net amount due 600.00 €", body)
        self.assertNotIn("Bank transfer received", body)

    def test_credits_to_confirm_setting(self):
        """The company setting holds a reminder netted with credits for
        approval; approved, it claims the net amount."""
        self.company.relance_credit_to_confirm = True
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        self._credit_note(self.customer, 300.0, self.DUE)
        control = self._invoice(self.customer_2, 400.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=10))
            history = self._histories(invoice)
            self.assertEqual(history.state, "to_confirm")
            self.assertEqual(self._histories(control).state, "sent")
            with freeze_time(self.DUE + timedelta(days=10)):
                history.action_approve()
        self.assertEqual(history.state, "sent")
        self.assertIn("Net amount due 700.00 €", self._body(self.customer))

    def test_tiny_remainder_is_settled(self):
        """1 000 € paid 999,99 € on time: no reminder, no indemnity, never a
        formal notice of 40,01 €; the control customer goes through its ladder."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        control = self._invoice(self.customer_2, 400.0, self.DUE)
        self._pay(invoice, 999.99, self.DUE)
        self.assertEqual(invoice.amount_residual, 0.01)
        with self.mock_mail_gateway():
            for offset in (1, 8, 12, 20, 30, 40):
                self._run(self.DUE + timedelta(days=offset))
        self.assertFalse(self._histories(invoice))
        self.assertEqual(
            self._histories(control).mapped("level_days"), [1, 8, 12, 20, 30]
        )
        with freeze_time(self.DUE + timedelta(days=40)):
            invoice.invalidate_recordset()
            self.assertEqual(invoice.relance_indemnity_amount, 0.0)
            self.assertEqual(invoice.relance_penalty_amount, 0.0)
            self.assertFalse(invoice.relance_next_date)

    def test_tiny_remainder_after_late_payment_stops_the_ladder(self):
        """Reminded at J+1, paid 999,99 € at J+5: the ladder stops there, no
        formal notice; penalties run to the payment day only."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        control = self._invoice(self.customer_2, 400.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
            self._pay(invoice, 999.99, self.DUE + timedelta(days=5))
            for offset in (8, 12, 20, 30, 40):
                self._run(self.DUE + timedelta(days=offset))
        self.assertEqual(self._histories(invoice).mapped("level_days"), [1])
        self.assertEqual(
            self._histories(control).mapped("level_days"), [1, 8, 12, 20, 30]
        )
        with freeze_time(self.DUE + timedelta(days=40)):
            invoice.invalidate_recordset()
            self.assertEqual(invoice.relance_penalty_days, 5)

    def test_shipped_ladder_minimum_on_net_amount(self):
        """Standard ladder: nothing below 15 € net; 1 000 € less a 990 € credit
        note is 10 € net: no reminder (and no activity: the credits do not
        cover it all); the control customer is reminded."""
        self.assertEqual(self.ladder.min_amount, 15.0)
        small = self._invoice(self.customer, 12.0, self.DUE)
        netted = self._invoice(self.customer_2, 1000.0, self.DUE)
        self._credit_note(self.customer_2, 990.0, self.DUE)
        control_partner = self.env["res.partner"].create(
            {"name": "Fromagerie Blanc", "is_company": True, "email": "fb@example.com"}
        )
        control = self._invoice(control_partner, 16.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        self.assertFalse(self._histories(small | netted))
        self.assertFalse(self._reconcile_activities(self.customer_2))
        self.assertEqual(self._histories(control).state, "sent")

    def test_send_wizard_refuses_covered_reminder(self):
        """Sending by hand what a payment covers is refused, with the credits;
        the preview of a partly covered reminder claims the net."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        self._unmatched_payment(self.customer, 1000.0, self.DUE)
        with freeze_time(self.DUE + timedelta(days=10)):
            form = Form(
                self.env["account.relance.send.wizard"].with_context(
                    default_partner_id=self.customer.id
                )
            )
            wizard = form.save()
            self.assertEqual(wizard.line_ids.move_id, invoice)
            with self.assertRaisesRegex(UserError, "cover the selected invoices"):
                wizard.action_send()
        self.assertFalse(self._histories(invoice))
        other = self._invoice(self.customer_2, 1000.0, self.DUE)
        self._credit_note(self.customer_2, 100.0, self.DUE)
        with freeze_time(self.DUE + timedelta(days=10)), self.mock_mail_gateway():
            form = Form(
                self.env["account.relance.send.wizard"].with_context(
                    default_partner_id=self.customer_2.id
                )
            )
            wizard = form.save()
            preview = " ".join(
                html.fromstring(wizard.preview_body).text_content().split()
            )
            self.assertIn("Net amount due 900.00", preview)
            wizard.action_send()
        self.assertEqual(self._histories(other).state, "sent")

    # ------------------------------------------------------------------
    # DOCUMENTS AND SCREEN
    # ------------------------------------------------------------------

    def _html_text(self, report, partners, **context):
        content, _type = (
            self.env["ir.actions.report"]
            .with_context(**context)
            ._render_qweb_html(report, partners.ids)
        )
        text = html.fromstring(content.decode()).text_content()
        return " ".join(text.replace(NBSP, " ").replace("\ufeff", "").split())

    def _followup(self, partner):
        return self.env["account.relance.followup"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
        )

    @freeze_time("2026-03-26")
    def test_documents_and_screen_agree_on_net(self):
        """Letter, formal notice, statement and follow-up screen state 700 €."""
        self.company.write(
            {"street": "12 quai Saint-Vincent", "zip": "69001", "city": "Lyon"}
        )
        self._invoice(self.customer, 1000.0, self.DUE)
        credit_note = self._credit_note(self.customer, 300.0, self.DUE)
        letter = self._html_text(
            "account_relance_fr.report_relance_letter", self.customer
        )
        self.assertIn("Total of the invoices 1,000.00 €", letter)
        self.assertIn(f"Credit note {credit_note.name}", letter)
        self.assertIn("Net amount due 700.00 €", letter)
        notice = self._html_text(
            "account_relance_fr.report_relance_formal_notice", self.customer
        )
        # the customer reads English: so does its mise en demeure
        self.assertIn("Outstanding principal €1,000.00", notice)
        self.assertIn(
            f"Less: Credit note {credit_note.name} of 03/16/2026 -€300.00", notice
        )
        self.assertIn("Net principal claimed €700.00", notice)
        # 10 days late: 1 000 × 12.15 % × 10 / 365 = 3.33 €, + 40 €
        self.assertIn("Total due €743.33", notice)
        self.assertIn("the sum of €743.33 within a period", notice)
        self.assertIn(
            "seven hundred and forty-three euros and thirty-three cents", notice
        )
        statement = self._html_text(
            "account_relance_fr.report_relance_statement", self.customer
        )
        self.assertIn("Balance of the account 700.00 €", statement)
        followup = self._followup(self.customer)
        self.assertEqual(followup.amount_overdue, 1000.0)
        self.assertEqual(followup.amount_credit, 300.0)
        self.assertEqual(followup.amount_claimed, 700.0)
        self.assertEqual(followup.claimed_text.replace(NBSP, " "), "700.00 €")
        self.assertEqual(followup.credit_text.replace(NBSP, " "), "300.00 €")
        # the customer's salesperson, with no accounting rights, sees it too
        as_salesperson = followup.with_user(self.salesperson)
        as_salesperson.invalidate_recordset()
        self.assertEqual(as_salesperson.claimed_text.replace(NBSP, " "), "700.00 €")

    @freeze_time("2026-03-26")
    def test_formal_notice_refused_when_credits_cover(self):
        self.company.write(
            {"street": "12 quai Saint-Vincent", "zip": "69001", "city": "Lyon"}
        )
        self._invoice(self.customer, 1000.0, self.DUE)
        self._bank_line(self.customer, 1000.0, self.DUE + timedelta(days=3))
        with self.assertRaisesRegex(UserError, "unapplied credits cover"):
            self._html_text(
                "account_relance_fr.report_relance_formal_notice", self.customer
            )
        statement = self._html_text(
            "account_relance_fr.report_relance_statement", self.customer
        )
        self.assertIn("Bank transfer received", statement)
        self.assertIn("Balance of the account 0.00 €", statement)
        self.assertEqual(self._followup(self.customer).amount_claimed, 0.0)


@tagged("post_install", "-at_install")
class TestRelanceCurrencies(RelanceCommon):
    """Company in euros, invoice A of 1 000 $ (800 €), invoice B of 500 €."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_dollars()
        cls.invoice_a = cls._invoice(
            cls.customer, 1000.0, cls.DUE, currency_id=cls.usd.id
        )
        cls.invoice_b = cls._invoice(cls.customer, 500.0, cls.DUE)

    def _text(self, content):
        text = html.fromstring(content).text_content()
        return " ".join(text.replace(NBSP, " ").replace("\ufeff", "").split())

    def _render(self, report, partners, **context):
        content, _type = (
            self.env["ir.actions.report"]
            .with_context(**context)
            ._render_qweb_html(report, partners.ids)
        )
        return self._text(content.decode())

    def test_invoice_a_is_800_euros(self):
        self.assertEqual(self.invoice_a.amount_residual, 1000.0)
        self.assertEqual(self.invoice_a.amount_residual_signed, 800.0)

    def test_mail_and_call_totals_per_currency(self):
        """The email's totals: 1 000,00 $ and 500,00 €, never 1 300,00 €; the
        call activity says both."""
        with self.mock_mail_gateway():
            for offset in (1, 8, 12):
                self._run(self.DUE + timedelta(days=offset))
        friendly = self._histories(self.invoice_a).filtered(
            lambda history: history.level_days == 1
        )
        body = self._text(friendly.mail_message_id.body)
        self.assertIn("Total due $ 1,000.00", body)
        self.assertIn("Total due 500.00 €", body)
        self.assertNotIn("1,300.00", body)
        self.assertNotIn("1,500.00", body)
        call = self._histories(self.invoice_a).filtered(
            lambda history: history.level_days == 12
        )
        summary = call.activity_id.summary.replace(NBSP, " ").replace("\ufeff", "")
        self.assertEqual(
            summary, "Call Boulangerie Martin: 500.00 € and $ 1,000.00 overdue"
        )
        note = self._text(call.activity_id.note)
        self.assertIn("Amount due: 500.00 €", note)
        self.assertIn("Amount due: $ 1,000.00", note)
        # J+20: penalties on each invoice's own currency: 1 000 $ × 12.15 % ×
        # 20 / 365 = 6.66 $, 500 € × 12.15 % × 20 / 365 = 3.33 €
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=20))
        last = self._histories(self.invoice_a).filtered(
            lambda history: history.level_days == 20
        )
        body = self._text(last.mail_message_id.body)
        self.assertIn("Penalties to date: 3.33 € and $ 6.66", body)
        self.assertIn("Recovery indemnities: 80.00 €", body)

    @freeze_time("2026-04-15")
    def test_letter_statement_screen_per_currency(self):
        letter = self._render("account_relance_fr.report_relance_letter", self.customer)
        self.assertIn("Total due 500.00 € Total due $ 1,000.00", letter)
        statement = self._render(
            "account_relance_fr.report_relance_statement", self.customer
        )
        self.assertIn("Balance of the account 500.00 €", statement)
        self.assertIn("Balance of the account $ 1,000.00", statement)
        self.assertNotIn("1,300.00", statement)
        followup = self.env["account.relance.followup"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(
            followup.claimed_text.replace(NBSP, " ").replace("\ufeff", ""),
            "500.00 € and $ 1,000.00",
        )
        self.assertEqual(followup.amount_overdue, 1300.0)
        self.assertEqual(
            followup._fields["amount_overdue"].string, "Overdue (Company Currency)"
        )

    @freeze_time("2026-04-15")
    def test_formal_notice_claims_dollars(self):
        """A: 30 days × 12.15 % on 1 000 $ = 9.99 $; the 40 € indemnity stays in
        euros; the words say dollars."""
        lines = self.invoice_a._get_relance_open_lines()
        text = self._render(
            "account_relance_fr.report_relance_formal_notice",
            self.customer,
            relance_line_ids=lines.ids,
        )
        # an English customer: the letter, its amounts and words in English
        self.assertIn("$1,000.00 $0.00 $1,000.00 30", text)
        self.assertIn("Outstanding principal in USD $1,000.00", text)
        self.assertNotIn("500.00", text)
        self.assertIn("(Article L441-10 of the French Commercial Code) $9.99", text)
        self.assertIn("Total due in USD $1,009.99", text)
        self.assertIn("Total due in EUR €40.00", text)
        self.assertIn("the sum of $1,009.99 and €40.00 within a period", text)
        self.assertIn(
            "That is the sum of one thousand and nine US dollars and ninety-nine "
            "cents, and forty euros.",
            text,
        )
        self.assertNotIn("840", text)
        # the company-currency figures of the invoice convert the dollars
        self.invoice_a.invalidate_recordset()
        self.assertEqual(self.invoice_a.relance_penalty_amount, 7.99)


@tagged("post_install", "-at_install")
class TestAmountInWordsCurrencies(BaseCase):
    def test_words_in_the_claimed_currency(self):
        cases = {
            (1009.99, "USD"): "mille neuf dollars et quatre-vingt-dix-neuf cents",
            (1_000_000, "USD"): "un million de dollars",
            (1_000_000, "EUR"): "un million d'euros",
            (0.01, "USD"): "un cent",
            (2, "GBP"): "deux livres sterling",
            (200, "CHF"): "deux cents francs suisses",
            (1500, "XOF"): "mille cinq cents francs CFA",
            (12.5, "SEK"): "douze SEK et cinquante centièmes",
            (80, "EUR"): "quatre-vingts euros",
        }
        for (amount, code), words in cases.items():
            with self.subTest(amount=amount, currency=code):
                self.assertEqual(amount_to_words_fr(amount, code), words)


@tagged("post_install", "-at_install")
class TestRelanceBalanceFrench(RelanceCommon):
    """A French customer reads its credits and the net amount in French."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        cls.customer.lang = "fr_FR"

    def test_french_mail_and_call_with_credit_note(self):
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        credit_note = self._invoice(
            self.customer,
            300.0,
            self.DUE,
            invoice_date=self.DUE,
            move_type="out_refund",
        )
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=10))
        history = self._histories(invoice)
        text = html.fromstring(history.mail_message_id.body).text_content()
        text = " ".join(text.replace(NBSP, " ").replace("\ufeff", "").split())
        self.assertIn("Total des factures 1 000,00 €", text)
        self.assertIn(f"Avoir {credit_note.name} du 16/03/2026 -300,00 €", text)
        self.assertIn("Net à payer 700,00 €", text)
