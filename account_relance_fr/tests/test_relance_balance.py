from datetime import timedelta

from freezegun import freeze_time
from lxml import html

from odoo.tests import tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceBalance(RelanceCommon):
    """The amount claimed: overdue instalments net of the customer's credits."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a French company: euros, whatever the test chart's default
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.company.currency_id = cls.eur
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
        self._unmatched_payment(self.customer, 1000.0, self.DUE + timedelta(days=7))
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
        self.assertIn("Payment", activity.note)
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
