"""Late-payment penalties: hand-computed cases.

Every expected figure is written out: base × annual rate × days / 365, days
counted from the day after the due date to the payment date included, the
total of an invoice rounded once.

Rates of the shipped table (domain reference §3):
H1 2025 ECB 3.15 % → B2B 13.15 %, public 11.15 %; H2 2025 ECB 2.15 % →
12.15 %; H1 2026 ECB 2.15 % → 12.15 %, taux légal "autres cas" 2.62 %
(floor 7.86 %).
"""

from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import BaseCase
from odoo.tools import mute_logger

from ..tools import SPLIT, START, RateInfo, compute_late_interest
from .common import RelanceCommon


def flat(rate):
    return lambda year, half: RateInfo(rate=rate)


# the shipped table, as (year, half) -> ECB rate + 10
B2B = {(2025, 1): 13.15, (2025, 2): 12.15, (2026, 1): 12.15}


def b2b(year, half):
    if (year, half) in B2B:
        return RateInfo(rate=B2B[year, half])
    return RateInfo(rate=12.15, known=False)  # last known: H1 2026


@tagged("post_install", "-at_install")
class TestLatePenaltyTool(BaseCase):
    """tools/late_penalty.py, with plain dates and amounts."""

    def test_reference_example(self):
        """15 000 € TTC due 15 Apr, paid 15 May, 15 %: 16 Apr-15 May = 30 days,
        15 000 × 15 % × 30 / 365 = 184.9315… → 184.93 €."""
        result = compute_late_interest(
            date(2025, 4, 15), date(2025, 5, 15), 15000.0, flat(15.0)
        )
        self.assertEqual(result.days, 30)
        self.assertEqual(result.interest, 184.93)
        self.assertFalse(result.provisional)

    def test_not_late(self):
        result = compute_late_interest(
            date(2025, 4, 15), date(2025, 4, 15), 15000.0, flat(15.0)
        )
        self.assertEqual((result.days, result.interest), (0, 0.0))

    def test_span_first_of_july_split(self):
        """10 000 € due 15 Jun 2025, paid 15 Jul 2025, days split per half-year:
        16-30 Jun, 15 days at 13.15 %: 10 000 × 13.15 % × 15 / 365 = 54.0411
        1-15 Jul, 15 days at 12.15 %: 10 000 × 12.15 % × 15 / 365 = 49.9315
        total 103.9726 → 103.97 €."""
        result = compute_late_interest(
            date(2025, 6, 15), date(2025, 7, 15), 10000.0, b2b, method=SPLIT
        )
        self.assertEqual(
            [(p.date_from, p.date_to, p.days, p.rate) for p in result.periods],
            [
                (date(2025, 6, 16), date(2025, 6, 30), 15, 13.15),
                (date(2025, 7, 1), date(2025, 7, 15), 15, 12.15),
            ],
        )
        self.assertEqual(result.interest, 103.97)

    def test_span_first_of_july_one_rate(self):
        """Same delay, one rate for the whole delay, that of the half-year in
        which it began (H1 2025, 13.15 %): 10 000 × 13.15 % × 30 / 365 =
        108.0822 → 108.08 €."""
        result = compute_late_interest(
            date(2025, 6, 15), date(2025, 7, 15), 10000.0, b2b, method=START
        )
        self.assertEqual(len(result.periods), 1)
        self.assertEqual(result.days, 30)
        self.assertEqual(result.interest, 108.08)

    def test_partial_payments(self):
        """12 000 € due 31 Jan 2026 at 12.15 %, 5 000 € received 20 Feb, the
        remaining 7 000 € on 31 Mar:
        1-20 Feb, 20 days on 12 000: 12 000 × 12.15 % × 20 / 365 = 79.8904
        21 Feb-31 Mar, 39 days on 7 000: 7 000 × 12.15 % × 39 / 365 = 90.8753
        total 170.7658 → 170.77 €."""
        result = compute_late_interest(
            date(2026, 1, 31),
            date(2026, 3, 31),
            12000.0,
            b2b,
            payments=[(date(2026, 2, 20), 5000.0), (date(2026, 3, 31), 7000.0)],
        )
        self.assertEqual(
            [(p.days, p.base) for p in result.periods], [(20, 12000.0), (39, 7000.0)]
        )
        self.assertEqual(result.interest, 170.77)

    def test_payment_before_due_date_lowers_the_base(self):
        """4 000 of 10 000 paid before the due date: 6 000 × 15 % × 30 / 365 =
        73.97 €."""
        result = compute_late_interest(
            date(2025, 4, 15),
            date(2025, 5, 15),
            10000.0,
            flat(15.0),
            payments=[(date(2025, 4, 1), 4000.0)],
        )
        self.assertEqual(result.interest, 73.97)

    def test_start_after_billed_period(self):
        """Billed up to 30 Apr: only 1-15 May remains, 15 000 × 15 % × 15 / 365
        = 92.47 €."""
        result = compute_late_interest(
            date(2025, 4, 15),
            date(2025, 5, 15),
            15000.0,
            flat(15.0),
            start_after=date(2025, 4, 30),
        )
        self.assertEqual((result.days, result.interest), (15, 92.47))

    def test_missing_half_year(self):
        """Due 15 Jun 2026, computed on 23 Nov 2026, H2 2026 unknown:
        16-30 Jun, 15 days at 12.15 %: 10 000 × 12.15 % × 15 / 365 = 49.9315
        1 Jul-23 Nov, 146 days at the last known 12.15 %: 486.0000
        total 535.93 €, provisional, H2 2026 missing."""
        result = compute_late_interest(
            date(2026, 6, 15), date(2026, 11, 23), 10000.0, b2b
        )
        self.assertEqual([p.days for p in result.periods], [15, 146])
        self.assertEqual(result.interest, 535.93)
        self.assertTrue(result.provisional)
        self.assertEqual(result.missing_half_years, [(2026, 2)])


@tagged("post_install", "-at_install")
class TestRelancePenalty(RelanceCommon):
    """Penalties read from invoices and payments, and their billing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_individual_and_public_body()
        cls.formal_level = cls.levels.filtered("is_formal_notice")[:1]

    def _penalty_wizard(self, partners):
        return (
            self.env["relance.penalty.invoice.wizard"]
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create({})
        )

    # ------------------------------------------------------------------
    # per invoice
    # ------------------------------------------------------------------

    def test_company_customer_reference_example(self):
        """The reference example on a real invoice, contractual rate 15 %:
        184.93 € of penalties and the 40 € indemnity."""
        with freeze_time("2025-05-20"):
            self.company.write(
                {
                    "relance_penalty_mode": "contract",
                    "relance_penalty_contract_rate": 15,
                }
            )
            invoice = self._invoice(self.customer, 15000.0, date(2025, 4, 15))
            self._pay(invoice, day=date(2025, 5, 15))
            invoice.invalidate_recordset()
            self.assertEqual(invoice.payment_state, "paid")
            self.assertEqual(invoice.relance_penalty_days, 30)
            self.assertEqual(invoice.relance_penalty_amount, 184.93)
            self.assertEqual(invoice.relance_indemnity_amount, 40.0)
            self.assertEqual(invoice.relance_penalty_to_invoice, 224.93)
            self.assertFalse(invoice.relance_penalty_provisional)
            self.assertIn("04/16/2025", invoice.relance_penalty_detail)
            self.assertIn("contractual rate", invoice.relance_penalty_detail)

    def test_consumer_gets_no_indemnity_and_interest_from_formal_notice(self):
        """Consumer, 1 000 € due 16 Mar 2026: nothing before the formal notice;
        formal notice sent on 15 Apr, on 15 May: 30 days at the taux légal
        2.62 %: 1 000 × 2.62 % × 30 / 365 = 2.1534 → 2.15 €, never 40 €.
        A company customer with the same invoice owes 12.15 % from 17 Mar and
        40 €: 1 000 × 12.15 % × 60 / 365 = 19.97 €."""
        consumer_invoice = self._invoice(self.individual, 1000.0, self.DUE)
        company_invoice = self._invoice(self.customer, 1000.0, self.DUE)
        with freeze_time("2026-04-15"):
            consumer_invoice.invalidate_recordset()
            self.assertEqual(consumer_invoice.relance_penalty_days, 30)
            self.assertEqual(consumer_invoice.relance_penalty_amount, 0.0)
            self.assertEqual(consumer_invoice.relance_indemnity_amount, 0.0)
            self.assertIn("formal notice", consumer_invoice.relance_penalty_detail)
            self.env["account.relance.history"].create(
                {
                    "move_line_id": consumer_invoice._get_relance_open_lines().id,
                    "move_id": consumer_invoice.id,
                    "company_id": self.company.id,
                    "partner_id": self.individual.id,
                    "level_id": self.formal_level.id,
                    "date": date(2026, 4, 15),
                    "channel": "letter",
                    "currency_id": self.company.currency_id.id,
                    "state": "sent",
                }
            )
        with freeze_time("2026-05-15"):
            (consumer_invoice | company_invoice).invalidate_recordset()
            self.assertEqual(consumer_invoice.relance_penalty_amount, 2.15)
            self.assertEqual(consumer_invoice.relance_indemnity_amount, 0.0)
            self.assertEqual(company_invoice.relance_penalty_amount, 19.97)
            self.assertEqual(company_invoice.relance_indemnity_amount, 40.0)
            self.individual.invalidate_recordset()
            self.assertEqual(self.individual.relance_indemnity_total, 0.0)
            self.assertEqual(self.individual.relance_penalty_total, 2.15)

    def test_public_buyer_rate_of_the_starting_half_year(self):
        """Public buyer, 10 000 € due 15 Jun 2025, on 15 Jul 2025: ECB of H1
        2025 + 8 = 11.15 % for the whole delay, even with the split rule:
        10 000 × 11.15 % × 30 / 365 = 91.6438 → 91.64 €, and 40 €."""
        invoice = self._invoice(self.public_body, 10000.0, date(2025, 6, 15))
        with freeze_time("2025-07-15"):
            self.assertEqual(self.company.relance_penalty_period_rule, "split")
            self.assertEqual(invoice.relance_penalty_amount, 91.64)
            self.assertEqual(invoice.relance_indemnity_amount, 40.0)
            self.assertIn("R2192-31", invoice.relance_penalty_detail)

    def test_half_year_rule_setting(self):
        """10 000 € due 15 Jun 2025 paid 15 Jul 2025: 103.97 € split, 108.08 €
        with one rate (see TestLatePenaltyTool)."""
        invoice = self._invoice(self.customer, 10000.0, date(2025, 6, 15))
        self._pay(invoice, day=date(2025, 7, 15))
        with freeze_time("2025-08-01"):
            invoice.invalidate_recordset()
            self.assertEqual(invoice.relance_penalty_amount, 103.97)
            self.assertIn("split per half-year", invoice.relance_penalty_detail)
            self.company.relance_penalty_period_rule = "start"
            invoice.invalidate_recordset()
            self.assertEqual(invoice.relance_penalty_amount, 108.08)
            self.assertIn(
                "one rate for the whole delay", invoice.relance_penalty_detail
            )

    def test_partial_payments_on_invoice(self):
        """12 000 € due 31 Jan 2026, 5 000 € on 20 Feb, 7 000 € on 31 Mar:
        170.77 € (see TestLatePenaltyTool); paid, the amount stops growing."""
        invoice = self._invoice(self.customer, 12000.0, date(2026, 1, 31))
        self._pay(invoice, amount=5000.0, day=date(2026, 2, 20))
        with freeze_time("2026-03-01"):
            # still open: 20 days on 12 000 + 9 days on 7 000 =
            # 79.8904 + 20.9692 = 100.8596 → 100.86
            invoice.invalidate_recordset()
            self.assertEqual(invoice.relance_penalty_amount, 100.86)
        self._pay(invoice, amount=7000.0, day=date(2026, 3, 31))
        with freeze_time("2026-06-01"):
            invoice.invalidate_recordset()
            self.assertEqual(invoice.payment_state, "paid")
            self.assertEqual(invoice.relance_penalty_days, 59)
            self.assertEqual(invoice.relance_penalty_amount, 170.77)
            self.assertEqual(invoice.relance_indemnity_amount, 40.0)

    def test_base_tax_excluded(self):
        """1 000 € HT + tax, base HT: 1 000 × 12.15 % × 30 / 365 = 9.99 €."""
        tax = self.company_data["default_tax_sale"]
        self.assertTrue(tax.amount)
        invoice = self._invoice(self.customer, 1000.0, self.DUE, post=False)
        invoice.invoice_line_ids.tax_ids = tax
        invoice.action_post()
        self.assertGreater(invoice.amount_total, 1000.0)
        self.company.relance_penalty_base = "untaxed"
        with freeze_time("2026-04-15"):
            self.assertEqual(invoice.relance_penalty_amount, 9.99)

    def test_indemnity_can_be_disabled(self):
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        self.company.relance_indemnity_enabled = False
        with freeze_time("2026-04-15"):
            self.assertEqual(invoice.relance_indemnity_amount, 0.0)
            self.assertEqual(invoice.relance_penalty_amount, 9.99)

    # ------------------------------------------------------------------
    # rate table
    # ------------------------------------------------------------------

    def test_missing_half_year(self):
        """23 Nov 2026, H2 2026 not in the table: 535.93 € provisional (see
        TestLatePenaltyTool), an activity per missing half-year, penalty invoice
        refused; entering the rates removes all of it."""
        invoice = self._invoice(self.customer, 10000.0, date(2026, 6, 15))
        Rate = self.env["account.relance.rate"]
        activity_type = self.env.ref(
            "account_relance_fr.mail_activity_type_relance_rate_missing"
        )

        def rate_activities():
            return self.env["mail.activity"].search(
                [
                    ("res_model", "=", "account.relance.rate"),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )

        with freeze_time("2026-11-23"):
            self.assertFalse(Rate.search([("year", "=", 2026), ("half", "=", "2")]))
            self.assertEqual(invoice.relance_penalty_amount, 535.93)
            self.assertTrue(invoice.relance_penalty_provisional)
            self.assertEqual(invoice.relance_penalty_missing, "H2 2026")
            self.assertIn("Provisional", invoice.relance_penalty_detail)
            self.assertIn("H2 2026", invoice.relance_penalty_detail)
            self.customer.invalidate_recordset()
            self.assertTrue(self.customer.relance_penalty_provisional)
            self.assertEqual(self.customer.relance_penalty_missing, "H2 2026")

            wizard = self._penalty_wizard(self.customer)
            self.assertTrue(wizard.provisional)
            self.assertEqual(wizard.missing_note, "H2 2026")
            activity = rate_activities()
            self.assertEqual(len(activity), 1)
            self.assertIn("H2 2026", activity.summary)
            self.assertEqual(activity.user_id, self.env.ref("base.user_admin"))
            with self.assertRaises(UserError) as error:
                wizard.action_post()
            message = str(error.exception)
            self.assertIn("H2 2026", message)
            self.assertIn("ecb.europa.eu", message)
            self.assertIn("legifrance.gouv.fr", message)
            # the daily check does not duplicate it
            Rate._cron_check_missing_rates()
            self.assertEqual(len(rate_activities()), 1)

            Rate.create(
                {
                    "year": 2026,
                    "half": "2",
                    "ecb_rate": 2.0,
                    "legal_rate_individual": 6.5,
                    "legal_rate_other": 2.5,
                }
            )
            self.assertFalse(rate_activities())
            invoice.invalidate_recordset()
            # 49.9315 + 10 000 × 12 % × 146 / 365 = 49.9315 + 480 = 529.93
            self.assertEqual(invoice.relance_penalty_amount, 529.93)
            self.assertFalse(invoice.relance_penalty_provisional)
            self.assertNotIn("Provisional", invoice.relance_penalty_detail)
            wizard = self._penalty_wizard(self.customer)
            self.assertFalse(wizard.provisional)
            wizard.action_post()

    def test_contractual_rate_below_floor_refused(self):
        """H1 2025: taux légal 3.71 %, floor 11.13 %: 10 % is refused, 11.13 %
        accepted."""
        with freeze_time("2025-03-01"):
            with self.assertRaises(ValidationError) as error:
                self.company.write(
                    {
                        "relance_penalty_mode": "contract",
                        "relance_penalty_contract_rate": 10.0,
                    }
                )
            message = str(error.exception)
            self.assertIn("11.13", message)
            self.assertIn("H1 2025", message)
            self.assertIn("L441-10", message)
            self.company.write(
                {
                    "relance_penalty_mode": "contract",
                    "relance_penalty_contract_rate": 11.13,
                }
            )
        with freeze_time("2026-11-23"), self.assertRaises(ValidationError) as error:
            # H2 2026 missing: checked against the last known floor, 7.86 %
            self.company.relance_penalty_contract_rate = 7.0
        self.assertIn("7.86", str(error.exception))
        self.assertIn("H2 2026", str(error.exception))

    def test_floor_applies_to_older_half_years(self):
        """A contractual 14.5 % accepted in 2025 stays below the H1 2024 floor
        (15.21 %): a delay of H1 2024 uses the floor: 10 000 × 15.21 % × 30 /
        365 = 125.01 €."""
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
            invoice.invalidate_recordset()
            self.assertEqual(invoice.relance_penalty_amount, 125.01)
            self.assertIn("legal floor", invoice.relance_penalty_detail)

    # ------------------------------------------------------------------
    # penalty invoice
    # ------------------------------------------------------------------

    def test_penalty_invoice_idempotent(self):
        """10 000 € due 16 Mar 2026, billed on 15 Apr: 30 days at 12.15 % =
        99.86 € + 40 €; again the same day: nothing; the next day: 1 day,
        10 000 × 12.15 % / 365 = 3.33 €, no second indemnity."""
        invoice = self._invoice(self.customer, 10000.0, self.DUE)
        other = self._invoice(self.customer, 500.0, self.DUE + date.resolution * 40)
        with freeze_time("2026-04-15"):
            wizard = self._penalty_wizard(self.customer)
            self.assertEqual(wizard.line_ids.move_id, invoice)
            self.assertEqual(wizard.amount_total, 139.86)
            action = wizard.action_post()
            penalty = self.env["account.move"].browse(action["res_id"])
            self.assertEqual(penalty.state, "posted")
            self.assertTrue(penalty.relance_is_penalty_invoice)
            self.assertEqual(penalty.partner_id, self.customer)
            self.assertEqual(penalty.amount_total, 139.86)
            self.assertEqual(penalty.amount_tax, 0.0)
            self.assertFalse(penalty.invoice_line_ids.tax_ids)
            self.assertEqual(penalty.invoice_date_due, date(2026, 4, 15))
            self.assertEqual(
                sorted(penalty.invoice_line_ids.mapped("price_unit")), [40.0, 99.86]
            )
            self.assertEqual(
                penalty.invoice_line_ids.product_id,
                self.env.ref("account_relance_fr.product_relance_penalty"),
            )
            self.assertEqual(
                penalty.invoice_line_ids.account_id,
                self.company._get_relance_penalty_account(),
            )
            self.assertTrue(penalty.invoice_line_ids.account_id)
            self.assertIn("L441-10", penalty.invoice_line_ids[0].name)
            link = penalty.relance_penalty_source_ids
            self.assertEqual(link.move_id, invoice)
            self.assertEqual(
                (link.date_from, link.date_to, link.days),
                (date(2026, 3, 17), date(2026, 4, 15), 30),
            )
            self.assertEqual(invoice.relance_penalty_line_ids, link)
            invoice.invalidate_recordset()
            self.assertEqual(invoice.relance_penalty_amount, 99.86)
            self.assertEqual(invoice.relance_penalty_to_invoice, 0.0)
            # the penalty invoice bears no penalty itself
            self.assertFalse(penalty.relance_penalty_days)
            # confirming again bills nothing twice
            with self.assertRaises(UserError):
                wizard.action_post()
            # opening it again: nothing left to bill, refused with the reason
            with self.assertRaisesRegex(UserError, "already invoiced up to today"):
                self._penalty_wizard(self.customer)
        with freeze_time("2026-04-16"):
            invoice.invalidate_recordset()
            self.assertEqual(invoice.relance_penalty_to_invoice, 3.33)
            wizard = self._penalty_wizard(self.customer)
            self.assertEqual(wizard.line_ids.move_id, invoice)
            self.assertNotIn(other, wizard.line_ids.move_id)
            action = wizard.action_post()
            second = self.env["account.move"].browse(action["res_id"])
            self.assertEqual(second.amount_total, 3.33)
            self.assertEqual(
                second.relance_penalty_source_ids.date_from, date(2026, 4, 16)
            )
            # a cancelled penalty invoice frees its period
            second.button_draft()
            second.button_cancel()
            invoice.invalidate_recordset()
            self.assertEqual(invoice.relance_penalty_to_invoice, 3.33)

    def test_penalty_invoice_from_followup(self):
        """The follow-up screen opens the wizard on its customers."""
        self._invoice(self.customer, 10000.0, self.DUE)
        self._invoice(self.customer_2, 2000.0, self.DUE)
        with freeze_time("2026-04-15"):
            rows = self.env["account.relance.followup"].search(
                [("partner_id", "in", (self.customer | self.customer_2).ids)]
            )
            self.assertEqual(len(rows), 2)
            wizard = (
                self.env["relance.penalty.invoice.wizard"]
                .with_context(
                    active_model="account.relance.followup", active_ids=rows.ids
                )
                .create({})
            )
            self.assertEqual(wizard.partner_ids, self.customer | self.customer_2)
            action = wizard.action_post()
            invoices = self.env["account.move"].search(action["domain"])
            self.assertEqual(invoices.partner_id, self.customer | self.customer_2)
            # 2 000 × 12.15 % × 30 / 365 = 19.97 + 40
            self.assertEqual(
                invoices.filtered(
                    lambda move: move.partner_id == self.customer_2
                ).amount_total,
                59.97,
            )

    def test_penalty_account_french_chart(self):
        """A French company books penalties on 7631 by default."""
        company = (
            self.env["res.company"]
            .sudo()
            .create(
                {
                    "name": "Atelier Lyonnais",
                    "country_id": self.env.ref("base.fr").id,
                    "currency_id": self.env.ref("base.EUR").id,
                }
            )
        )
        self.env["account.chart.template"].sudo().try_loading(
            "fr", company, install_demo=False
        )
        account = company.sudo()._get_relance_penalty_account()
        self.assertEqual(account.code, "763100")

    def test_penalty_account_setting(self):
        account = self.env["account.account"].create(
            {"name": "Indemnités", "code": "771100", "account_type": "income_other"}
        )
        self.company.relance_penalty_account_id = account
        self._invoice(self.customer, 10000.0, self.DUE)
        with freeze_time("2026-04-15"):
            action = self._penalty_wizard(self.customer).action_post()
        penalty = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(penalty.invoice_line_ids.account_id, account)

    def test_templates_get_the_amounts(self):
        """The last-notice template states the penalties of the reminded
        invoices: 1 000 × 12.15 % × 20 / 365 = 6.66 €."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        level = self.level_by_days[20]
        with freeze_time("2026-04-05"):
            partner = self.customer.with_context(
                relance_line_ids=invoice._get_relance_open_lines().ids,
                relance_level_id=level.id,
            )
            self.assertEqual(partner.relance_mail_penalty_amount, 6.66)
            self.assertEqual(partner.relance_mail_indemnity_amount, 40.0)

    def test_rate_table_shipped(self):
        rates = self.env["account.relance.rate"].search([])
        self.assertEqual(
            [(rate.year, rate.half) for rate in rates.sorted("date_start")],
            [(y, h) for y in (2023, 2024, 2025) for h in ("1", "2")] + [(2026, "1")],
        )
        h1_2024 = rates.filtered(lambda rate: rate.name == "H1 2024")
        self.assertEqual(
            (h1_2024.ecb_rate, h1_2024.legal_rate_individual, h1_2024.legal_rate_other),
            (4.5, 8.01, 5.07),
        )
        self.assertAlmostEqual(h1_2024.default_rate, 14.5)
        self.assertAlmostEqual(h1_2024.floor_rate, 15.21)
        self.assertAlmostEqual(h1_2024.public_rate, 12.5)
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            rates[0].copy()

    def test_invoice_lines_fields(self):
        """Penalty lines carry no VAT even when the product had taxes."""
        self._invoice(self.customer, 1000.0, self.DUE)
        product = self.env.ref("account_relance_fr.product_relance_penalty")
        product.taxes_id = [Command.set(self.company_data["default_tax_sale"].ids)]
        with freeze_time("2026-04-15"):
            action = self._penalty_wizard(self.customer).action_post()
        penalty = self.env["account.move"].browse(action["res_id"])
        self.assertFalse(penalty.invoice_line_ids.tax_ids)
        self.assertEqual(penalty.amount_tax, 0.0)
