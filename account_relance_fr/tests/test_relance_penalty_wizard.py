"""The penalty-invoice wizard driven through its form, as a user does.

Rates of the shipped table: H1 2026 ECB 2.15 % → B2B 12.15 %, public buyers
10.15 %; H1 2024 taux légal "autres cas" 5.07 % → floor 15.21 %.
"""

from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelancePenaltyWizardForm(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_individual_and_public_body()

    def _form(self, records):
        return Form(
            self.env["relance.penalty.invoice.wizard"].with_context(
                active_model=records._name, active_ids=records.ids
            )
        )

    def _post(self, form):
        """Save the form and click its button, as the web client does."""
        wizard = form.save()
        action = wizard.action_post()
        return self.env["account.move"].search(
            action.get("domain") or [("id", "=", action["res_id"])]
        )

    @freeze_time("2026-04-15")
    def test_form_saves_and_posts_the_lines(self):
        """Two late invoices, 1 000 € and 2 000 € due 16 Mar 2026, 30 days on
        15 Apr at 12.15 %: 1 000 × 12.15 % × 30 / 365 = 9.99 € and 19.97 €,
        + 2 × 40 €: one penalty invoice of 109.96 €, four lines, no VAT."""
        first = self._invoice(self.customer, 1000.0, self.DUE)
        second = self._invoice(self.customer, 2000.0, self.DUE)
        form = self._form(self.customer)
        self.assertEqual(len(form.line_ids), 2)
        self.assertEqual(form.amount_total, 109.96)
        penalty = self._post(form)
        self.assertEqual(len(penalty), 1)
        self.assertEqual(penalty.state, "posted")
        self.assertTrue(penalty.relance_is_penalty_invoice)
        self.assertEqual(penalty.partner_id, self.customer)
        self.assertEqual(penalty.amount_total, 109.96)
        self.assertEqual(penalty.amount_tax, 0.0)
        self.assertEqual(
            sorted(penalty.invoice_line_ids.mapped("price_unit")),
            [9.99, 19.97, 40.0, 40.0],
        )
        self.assertEqual(penalty.relance_penalty_source_ids.move_id, first | second)
        label = penalty.invoice_line_ids.filtered(
            lambda line: line.price_unit == 9.99
        ).name
        self.assertIn(first.name, label)
        self.assertIn("30 days at 12.15 %", label)
        self.assertIn("ECB rate 2.15 % + 10 points", label)
        self.assertIn("L441-10", label)

    @freeze_time("2026-04-15")
    def test_unticked_line_is_not_billed(self):
        """The user unticks one of two invoices: only the other is billed
        (2 000 € → 19.97 + 40 = 59.97 €)."""
        first = self._invoice(self.customer, 1000.0, self.DUE)
        second = self._invoice(self.customer, 2000.0, self.DUE)
        form = self._form(self.customer)
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.move_id, first)
            line.include = False
        self.assertEqual(form.amount_total, 59.97)
        penalty = self._post(form)
        self.assertEqual(penalty.amount_total, 59.97)
        self.assertEqual(penalty.relance_penalty_source_ids.move_id, second)
        first.invalidate_recordset()
        self.assertEqual(first.relance_penalty_to_invoice, 49.99)

    @freeze_time("2026-04-15")
    def test_disputed_invoice_listed_unticked(self):
        """A disputed invoice is listed with its reason, not ticked, left out of
        the total; the other invoice is billed alone. Ticked on purpose once
        the dispute is settled, it is billed."""
        disputed = self._invoice(self.customer, 5000.0, self.DUE)
        disputed.action_relance_set_dispute("Livraison incomplète")
        other = self._invoice(self.customer, 1000.0, self.DUE)
        form = self._form(self.customer)
        self.assertTrue(form.has_disputed)
        shown = {}
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                shown[line.move_id] = (line.include, line.disputed, line.dispute_reason)
        self.assertEqual(
            shown,
            {
                disputed: (False, True, "Livraison incomplète"),
                other: (True, False, False),
            },
        )
        # 1 000 × 12.15 % × 30 / 365 = 9.99 + 40
        self.assertEqual(form.amount_total, 49.99)
        penalty = self._post(form)
        self.assertEqual(penalty.relance_penalty_source_ids.move_id, other)
        self.assertEqual(penalty.amount_total, 49.99)

        disputed.action_relance_resolve_dispute()
        form = self._form(disputed)
        with form.line_ids.edit(0) as line:
            self.assertTrue(line.include)
        # 5 000 × 12.15 % × 30 / 365 = 49.93 + 40
        self.assertEqual(self._post(form).amount_total, 89.93)

    @freeze_time("2026-04-15")
    def test_public_buyer_lines_use_public_procurement_words(self):
        """Public buyer, 1 000 € due 16 Mar: intérêts moratoires at ECB + 8 =
        10.15 %: 1 000 × 10.15 % × 30 / 365 = 8.34 € and 40 €; the lines cite
        the Code de la commande publique, never L441-10 / D441-5."""
        self._invoice(self.public_body, 1000.0, self.DUE)
        penalty = self._post(self._form(self.public_body))
        self.assertEqual(penalty.amount_total, 48.34)
        labels = " ".join(penalty.invoice_line_ids.mapped("name"))
        self.assertIn("Late-payment interest (intérêts moratoires)", labels)
        self.assertIn("ECB rate 2.15 % + 8 points", labels)
        self.assertIn("R2192-31", labels)
        self.assertIn("D2192-35", labels)
        self.assertNotIn("L441-10", labels)
        self.assertNotIn("D441-5", labels)

    def test_contract_rate_line_prints_the_floor_applied(self):
        """Contractual 14.5 %, invoice of 10 000 € due 1 Mar 2024 paid 31 Mar
        2024: H1 2024 floor 15.21 % (3 × 5.07 %) applies: 10 000 × 15.21 % ×
        30 / 365 = 125.01 €; the line says which floor applied."""
        with freeze_time("2025-03-01"):
            self.company.write(
                {
                    "relance_penalty_mode": "contract",
                    "relance_penalty_contract_rate": 14.5,
                }
            )
        invoice = self._invoice(self.customer, 10000.0, date(2024, 3, 1))
        self._pay(invoice, day=date(2024, 3, 31))
        with freeze_time("2025-03-01"):
            penalty = self._post(self._form(invoice))
        label = penalty.invoice_line_ids.filtered(
            lambda line: line.price_unit == 125.01
        ).name
        self.assertIn(
            "15.21 % (H1 2024: legal floor, 3 × legal interest rate 5.07 %)", label
        )
