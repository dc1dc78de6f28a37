"""The penalty-invoice wizard driven through its form, as a user does.

Rates of the shipped table: H1 2026 ECB 2.15 % → B2B 12.15 %, public buyers
10.15 %; H1 2024 taux légal "autres cas" 5.07 % → floor 15.21 %.
"""

from datetime import date

from freezegun import freeze_time
from lxml import html

from odoo.exceptions import UserError
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


@tagged("post_install", "-at_install")
class TestRelancePenaltyClaimable(RelanceCommon):
    """ "Invoice Penalties" only when something is legally claimable: a
    consumer never owes the 40 € (CPCE L111-8) and owes interest at the legal
    rate only from the formal notice (C. civ. 1231-6, 1344-1)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_individual_and_public_body()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        cls.consumer_invoice = cls._invoice(cls.individual, 1000.0, cls.DUE)
        # the control: a business with the same late invoice
        cls.business_invoice = cls._invoice(cls.customer, 1000.0, cls.DUE)

    def _row(self, partner):
        return self.env["account.relance.followup"].search(
            [("partner_id", "=", partner.id)]
        )

    def _open_wizard(self, model, records):
        return Form(
            self.env["relance.penalty.invoice.wizard"].with_context(
                active_model=model, active_ids=records.ids
            )
        )

    def _button_modifier(self, model, view_xmlid, record_id=None):
        """The ``invisible`` of the "Invoice Penalties" button of a form."""
        arch = self.env[model].get_views([(self.env.ref(view_xmlid).id, "form")])[
            "views"
        ]["form"]["arch"]
        tree = html.fromstring(arch)
        buttons = [
            button
            for button in tree.iter("button")
            if button.get("string") == "Invoice Penalties"
        ]
        self.assertEqual(len(buttons), 1)
        return buttons[0].get("invisible")

    @freeze_time("2026-04-15")
    def test_consumer_without_formal_notice_has_nothing_to_bill(self):
        """30 days late, no formal notice: no button, and the wizard refuses
        in French, citing L111-8 and the formal notice; the business customer
        with the same invoice gets 9.99 € of penalties and 40 €."""
        self.assertFalse(self._row(self.individual).penalty_claimable)
        self.assertFalse(self.individual.relance_penalty_claimable)
        self.assertTrue(self._row(self.customer).penalty_claimable)
        self.assertTrue(self.customer.relance_penalty_claimable)
        # the buttons hide on these fields
        self.assertEqual(
            self._button_modifier(
                "account.relance.followup",
                "account_relance_fr.account_relance_followup_view_form",
            ),
            "not penalty_claimable",
        )
        self.assertEqual(
            self._button_modifier(
                "res.partner", "account_relance_fr.view_partner_property_form"
            ),
            "not relance_penalty_claimable",
        )
        # refused server side, from every entry point, in the user's language
        for model, records in (
            ("res.partner", self.individual),
            ("account.relance.followup", self._row(self.individual)),
            ("account.move", self.consumer_invoice),
        ):
            with self.assertRaises(UserError) as error:
                self.env["relance.penalty.invoice.wizard"].with_context(
                    lang="fr_FR", active_model=model, active_ids=records.ids
                ).default_get(["partner_ids", "line_ids"])
            message = str(error.exception)
            self.assertIn("Jeanne Petit", message)
            self.assertIn("indemnité forfaitaire de 40\u00a0€", message)
            self.assertIn("L111-8", message)
            self.assertIn("mise en demeure", message)
        # the business customer: penalties from the day after the due date
        form = self._open_wizard("res.partner", self.customer)
        self.assertEqual(len(form.line_ids), 1)
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.penalty_amount, 9.99)
            self.assertEqual(line.indemnity_amount, 40.0)

    @freeze_time("2026-04-15")
    def test_consumer_after_formal_notice_owes_interest_only(self):
        """Formal notice sent on 15 Apr; on 15 May, 30 days at the taux légal
        2.62 %: 2.15 €, never 40 €. The button shows, the wizard bills it."""
        formal_level = self.levels.filtered("is_formal_notice")[:1]
        self.env["account.relance.history"].create(
            {
                "move_line_id": self.consumer_invoice._get_relance_open_lines().id,
                "move_id": self.consumer_invoice.id,
                "company_id": self.company.id,
                "partner_id": self.individual.id,
                "level_id": formal_level.id,
                "date": date(2026, 4, 15),
                "channel": "letter",
                "currency_id": self.company.currency_id.id,
                "state": "sent",
            }
        )
        with freeze_time("2026-05-15"):
            row = self._row(self.individual)
            self.assertTrue(row.penalty_claimable)
            self.assertEqual(row.penalty_amount, 2.15)
            self.assertEqual(row.indemnity_amount, 0.0)
            self.assertTrue(self.individual.relance_penalty_claimable)
            form = self._open_wizard("res.partner", self.individual)
            self.assertEqual(form.amount_total, 2.15)
            wizard = form.save()
            action = wizard.action_post()
            penalty = self.env["account.move"].search(
                action.get("domain") or [("id", "=", action["res_id"])]
            )
            self.assertEqual(penalty.invoice_line_ids.mapped("price_unit"), [2.15])
            self.assertIn("1231-6", penalty.invoice_line_ids.name)
            # billed up to today: nothing claimable any more, the button hides
            self.individual.invalidate_recordset()
            self.assertFalse(self.individual.relance_penalty_claimable)
            with self.assertRaises(UserError) as error:
                self._open_wizard("res.partner", self.individual)
            self.assertIn("already invoiced", str(error.exception))
