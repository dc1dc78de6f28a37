from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .test_relance_analysis import TODAY, RelanceAnalysisCommon


@tagged("post_install", "-at_install")
class TestRelancePlanFigures(RelanceAnalysisCommon):
    """Payment plans in the collection figures, on the invoices of
    ``RelanceAnalysisCommon`` (today 30 June 2026, week 1 from 29 June) plus:

    - plan E: Garage's invoice E (300 open), 2 × 150 on 5 June and 5 July,
      broken on 11 June (5 June + 5 grace days passed);
    - plan I: a new Garage invoice I (600 due 31 May), 2 × 300 on 10 June and
      10 July, paid on 15 June, completed on 16 June;
    - plan C: Boulangerie's invoice C (3 000 open, promised for 2 July),
      3 × 1 000 on 3 July, 3 August, 3 September; 400 paid on 25 June.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.relance_plan_grace_days = 5
        cls.inv_i = cls._invoice(
            cls.customer_2, 600, date(2026, 5, 31), date(2026, 5, 1)
        )

    def _plan(self, partner, moves, day, start, count):
        with freeze_time(day):
            plan = self.env["account.relance.plan"].create(
                {
                    "partner_id": partner.id,
                    "date": day,
                    "scope": "selection",
                    "move_ids": [Command.set(moves.ids)],
                    "start_date": start,
                    "instalment_count": count,
                }
            )
            plan.action_accept()
        return plan

    def _check(self, day):
        with self.mock_mail_gateway(), freeze_time(f"{day} 08:00:00"):
            self.env["account.relance.plan"]._cron_check_plans()

    def _build_plans(self):
        plan_e = self._plan(
            self.customer_2, self.inv_e, "2026-06-01", date(2026, 6, 5), 2
        )
        plan_i = self._plan(
            self.customer_2, self.inv_i, "2026-06-05", date(2026, 6, 10), 2
        )
        self._check(date(2026, 6, 11))
        self.assertEqual(plan_e.state, "broken")
        self.assertEqual(plan_i.state, "accepted")
        self._pay_on(self.inv_i, 600, date(2026, 6, 15))
        self._check(date(2026, 6, 16))
        self.assertEqual(plan_i.state, "completed")
        self.assertEqual(plan_i.completed_on, date(2026, 6, 16))
        plan_c = self._plan(
            self.customer, self.inv_c, "2026-06-22", date(2026, 7, 3), 3
        )
        self.assertEqual(plan_c.line_ids.mapped("amount"), [1000.0] * 3)
        self._pay_on(self.inv_c, 400, date(2026, 6, 25))
        return plan_e, plan_i, plan_c

    @freeze_time(TODAY)
    def test_forecast_counts_instalments_not_their_invoices(self):
        """C's 2 600 left are expected as its plan's instalments: 600 left on
        3 July (week 1), 1 000 on 3 August (week 6), 1 000 on 3 September
        (later), not as the invoice promised for 2 July. E is back in the
        forecast (its plan is broken): 300 expected before today. H: 800 in
        week 4 (due 20 July, no usual delay computed). The 8 weeks: 600 + 800
        + 1 000 = 2 400 (without the plan: 2 600 + 800 = 3 400)."""
        _plan_e, _plan_i, plan_c = self._build_plans()
        forecast = self.env["account.relance.analysis.forecast"].search(
            [("company_id", "=", self.company.id)]
        )
        invoice_rows = forecast.filtered(lambda row: row.source != "plan")
        plan_rows = (forecast - invoice_rows).sorted("expected_date")
        self.assertEqual(
            set(invoice_rows.move_id), {self.inv_d, self.inv_e, self.inv_h}
        )
        self.assertEqual(
            [(row.expected_date, row.amount, row.bucket) for row in plan_rows],
            [
                (date(2026, 7, 3), 600.0, "week_1"),
                (date(2026, 8, 3), 1000.0, "week_6"),
                (date(2026, 9, 3), 1000.0, "later"),
            ],
        )
        self.assertEqual(set(plan_rows.plan_id), {plan_c})
        self.assertEqual(set(plan_rows.move_id), {self.inv_c})
        self.assertEqual(set(plan_rows.partner_id), {self.customer})
        self.assertEqual(set(plan_rows.user_id), {self.salesperson})
        overview = self._overview()
        self.assertAlmostEqual(overview.forecast_total, 2400.0)
        rows = self._table_rows(overview.forecast_html)
        self.assertEqual(rows[0][0::2], ["Week 1", "1", ""])
        self.assertEqual(rows[0][3], "600.00 €")
        self.assertEqual(rows[3][3], "800.00 €")
        self.assertEqual(rows[5][3], "1,000.00 €")
        self.assertEqual(rows[8][1], "2,400.00 €")
        self.assertEqual(rows[9][0::2], ["Expected Before Today", "300.00 €"])
        self.assertEqual(rows[10][0::2], ["Later", "1,000.00 €"])
        # the salesperson filter keeps the plan (its invoice's salesperson)
        mine = self._overview(user_id=self.salesperson.id)
        self.assertAlmostEqual(mine.forecast_total, 2400.0)
        other = self._overview(user_id=self.other_salesperson.id)
        self.assertAlmostEqual(other.forecast_total, 0.0)
        self.assertEqual(other.plan_running_count, 0)

    @freeze_time(TODAY)
    def test_overview_plan_figures(self):
        """From 1 April to 30 June: plan I completed (16 June), plan E broken
        (11 June): 1 kept of 2 ended, 50 %. Running today: plan C, 2 600 left
        (3 000 - 400)."""
        self._build_plans()
        overview = self._overview()
        self.assertEqual(overview.plan_running_count, 1)
        self.assertAlmostEqual(overview.plan_amount, 2600.0)
        self.assertEqual(overview.plan_completed_count, 1)
        self.assertEqual(overview.plan_broken_count, 1)
        self.assertAlmostEqual(overview.plan_kept_share, 50.0)
        # a period after both ended: nothing ended, no share
        later = self._overview(date_from="2026-06-17", date_to=TODAY)
        self.assertEqual(later.plan_broken_count + later.plan_completed_count, 0)
        self.assertEqual(later.plan_kept_share, 0.0)
        self.assertEqual(later.plan_running_count, 1)
        # the other salesperson's figures: no plan of theirs
        other = self._overview(user_id=self.other_salesperson.id)
        self.assertEqual(other.plan_completed_count + other.plan_broken_count, 0)
        # the screen shows the card
        with freeze_time(TODAY):
            arch = self.env["account.relance.analysis.overview"].get_view()["arch"]
        self.assertIn("plan_kept_share", arch)
