from datetime import date

from freezegun import freeze_time
from lxml import html

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import RelanceCommon

TODAY = "2026-06-30"  # a Tuesday; the week of the forecast starts on 29 June


class RelanceAnalysisCommon(RelanceCommon):
    """Eight invoices whose figures the tests work out by hand (amounts
    without tax, company currency).

    ====  ===========  ====  ==========  ==========  =============================
    Inv.  Customer     Amt   Accounted   Due         Settlement
    ====  ===========  ====  ==========  ==========  =============================
    A     Boulangerie  1000  2026-03-01  2026-03-31  paid 04-10 (10 days late)
    B     Boulangerie  2000  2026-04-01  2026-05-01  paid 05-01 (on time)
    C     Boulangerie  3000  2026-05-15  2026-06-14  open (16 days late)
    D     Garage       4000  2026-06-01  2026-07-01  open, disputed on 06-20
    E     Garage        500  2026-02-01  2026-03-03  200 paid 06-20, 300 open
    F     Garage       1500  2026-04-15  2026-05-15  500 on 05-20, 1000 on 06-19
    G     Boulangerie  -200  2026-06-10  2026-06-10  credit note, open
    H     Boulangerie   800  2026-06-20  2026-07-20  open
    ====  ===========  ====  ==========  ==========  =============================

    D belongs to another salesperson, the others to Julien Martin.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_salesperson = cls.env["res.users"].create(
            {
                "name": "Sophie Bernard",
                "login": "sophie.relance",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [Command.set(cls.env.ref("base.group_user").ids)],
            }
        )
        boulangerie, garage = cls.customer, cls.customer_2
        cls.inv_a = cls._invoice(boulangerie, 1000, date(2026, 3, 31), date(2026, 3, 1))
        cls.inv_b = cls._invoice(boulangerie, 2000, date(2026, 5, 1), date(2026, 4, 1))
        cls.inv_c = cls._invoice(
            boulangerie, 3000, date(2026, 6, 14), date(2026, 5, 15)
        )
        cls.inv_d = cls._invoice(
            garage,
            4000,
            date(2026, 7, 1),
            date(2026, 6, 1),
            invoice_user_id=cls.other_salesperson.id,
        )
        cls.inv_e = cls._invoice(garage, 500, date(2026, 3, 3), date(2026, 2, 1))
        cls.inv_f = cls._invoice(garage, 1500, date(2026, 5, 15), date(2026, 4, 15))
        cls.inv_g = cls._invoice(
            boulangerie,
            200,
            date(2026, 6, 10),
            date(2026, 6, 10),
            move_type="out_refund",
        )
        cls.inv_h = cls._invoice(boulangerie, 800, date(2026, 7, 20), date(2026, 6, 20))
        # promises: A kept (paid within the 2 grace days), E broken, C running
        cls._promise(cls.inv_a, "2026-04-05", date(2026, 4, 8))
        cls._promise(cls.inv_e, "2026-05-05", date(2026, 5, 10))
        cls._promise(cls.inv_c, "2026-06-26", date(2026, 7, 2))
        cls._pay_on(cls.inv_a, 1000, date(2026, 4, 10))
        cls._pay_on(cls.inv_b, 2000, date(2026, 5, 1))
        with freeze_time("2026-05-13"):
            cls.env["account.relance.run"]._check_broken_promises(
                cls.company, date(2026, 5, 13)
            )
        cls._pay_on(cls.inv_f, 500, date(2026, 5, 20))
        cls._pay_on(cls.inv_f, 1000, date(2026, 6, 19))
        cls._pay_on(cls.inv_e, 200, date(2026, 6, 20))
        with freeze_time("2026-06-20"):
            cls.inv_d.action_relance_set_dispute("Livraison incomplète")
        # reminders sent (H1 to H8)
        friendly, reminder, call, notice = (
            cls.level_by_days[1],
            cls.level_by_days[8],
            cls.level_by_days[12],
            cls.level_by_days[30],
        )
        cls._sent(cls.inv_a, friendly, "2026-04-01")
        cls._sent(cls.inv_a, reminder, "2026-04-08")
        cls._sent(cls.inv_f, friendly, "2026-05-16")
        cls._sent(cls.inv_f, reminder, "2026-05-23")
        cls._sent(cls.inv_f, call, "2026-05-27", channel="call")
        cls._sent(cls.inv_e, notice, "2026-06-10", channel="letter")
        cls._sent(cls.inv_c, friendly, "2026-06-15")
        cls._sent(cls.inv_c, reminder, "2026-06-25")

    @classmethod
    def _promise(cls, move, day, promise_date):
        with freeze_time(day):
            move.action_relance_set_promise(promise_date)

    @classmethod
    def _pay_on(cls, move, amount, day):
        with freeze_time(day):
            cls.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=move.ids
            ).create({"amount": amount, "payment_date": day})._create_payments()

    @classmethod
    def _sent(cls, move, level, day, channel="email"):
        line = move._get_relance_open_lines()[:1] or move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        return cls.env["account.relance.history"].create(
            {
                "move_line_id": line.id,
                "move_id": move.id,
                "company_id": move.company_id.id,
                "partner_id": move.commercial_partner_id.id,
                "level_id": level.id,
                "date": day,
                "channel": channel,
                "currency_id": move.currency_id.id,
                "state": "sent",
            }
        )

    def _overview(self, **values):
        values = {
            "company_ids": [Command.set(self.company.ids)],
            "date_from": "2026-04-01",
            "date_to": TODAY,
            **values,
        }
        return self.env["account.relance.analysis.overview"].create(values)

    def _table_rows(self, html_text):
        """The cells of each body row of an HTML table, as stripped texts."""
        tree = html.fromstring(html_text)
        return [
            [" ".join(cell.text_content().split()) for cell in row.xpath("./td")]
            for row in tree.xpath("//tbody/tr")
        ]


@tagged("post_install", "-at_install")
class TestRelanceAnalysis(RelanceAnalysisCommon):
    """Collection figures: each expected value is worked out in a comment."""

    # ------------------------------------------------------------------
    # DSO, LATENESS, AGEING
    # ------------------------------------------------------------------

    @freeze_time(TODAY)
    def test_dso_both_methods(self):
        overview = self._overview()
        # receivables at 30 June: C 3000 + D 4000 + E 300 + G -200 + H 800
        self.assertAlmostEqual(overview.receivables, 7900.0)
        # sales 1 April - 30 June: B 2000 + C 3000 + D 4000 + F 1500 - G 200 + H 800
        self.assertAlmostEqual(overview.credit_sales, 11100.0)
        self.assertEqual(overview.period_days, 91)
        self.assertAlmostEqual(overview.dso, 7900 / 11100 * 91)  # 64.77 days
        # countback: June sales 4600 (30 days), May 3000 (31), then 300 of
        # April's 3500 (30 days)
        self.assertAlmostEqual(overview.dso_countback, 30 + 31 + 30 * 300 / 3500)
        # previous period 31 Dec - 31 March: receivables A 1000 + E 500, sales the same
        self.assertAlmostEqual(overview.dso_previous, 91.0)
        self.assertTrue(overview.has_dso_previous)
        self.assertIn("7,900.00", overview.dso_formula)
        self.assertIn("11,100.00", overview.dso_formula)

    @freeze_time(TODAY)
    def test_dso_of_one_salesperson(self):
        """D is Sophie's: without it, 3900 receivable for 7100 of sales."""
        overview = self._overview(user_id=self.salesperson.id)
        self.assertAlmostEqual(overview.receivables, 3900.0)
        self.assertAlmostEqual(overview.credit_sales, 7100.0)
        self.assertAlmostEqual(overview.dso, 3900 / 7100 * 91)
        other = self._overview(user_id=self.other_salesperson.id)
        self.assertAlmostEqual(other.dso, 4000 / 4000 * 91)

    @freeze_time(TODAY)
    def test_dso_trend_by_month(self):
        rows = self._table_rows(self._overview().trend_html)
        self.assertEqual(len(rows), 12)
        by_month = {row[0]: row for row in rows}
        # March: receivables A 1000 + E 500 at 31 March, sales A 1000
        # countback 1500: March 1000 (31 days), then E's 500 of February (28 days)
        self.assertEqual(
            by_month["March 2026"][1:5], ["1,500.00 €", "1,000.00 €", "46.5", "59.0"]
        )
        # April: A paid, receivables E 500 + B 2000 + F 1500, sales 3500;
        # countback 4000: April 3500 (30 days), then 500 of March's 1000 (31 days)
        self.assertEqual(
            by_month["April 2026"][1:5],
            ["4,000.00 €", "3,500.00 €", "34.3", f"{30 + 31 * 500 / 1000:.1f}"],
        )
        # April: A settled 10 days late; June: F 35 days late
        self.assertEqual(by_month["April 2026"][6:9], ["1", "10.0", "100.0 %"])
        self.assertEqual(by_month["May 2026"][6:9], ["1", "0.0", "0.0 %"])
        self.assertEqual(by_month["June 2026"][6:9], ["1", "35.0", "100.0 %"])
        self.assertEqual(by_month["June 2026"][1:3], ["7,900.00 €", "4,600.00 €"])
        self.assertEqual(by_month["January 2026"][3], "-")  # no sales

    @freeze_time(TODAY)
    def test_lateness_and_benchmark(self):
        overview = self._overview()
        # settled in the period: A 10 days late, B on time, F 35 days late
        self.assertEqual(overview.paid_count, 3)
        self.assertAlmostEqual(overview.avg_days_late, 15.0)
        self.assertAlmostEqual(overview.late_share, 200 / 3)
        self.assertAlmostEqual(overview.on_time_share, 100 / 3)
        self.assertAlmostEqual(overview.benchmark_days_late, 14.1)
        self.assertAlmostEqual(overview.benchmark_on_time, 45.2)
        # previous period (1 January - 31 March): nothing settled
        self.assertFalse(overview.has_previous_lateness)
        # from 15 May (47 days): the previous period, 29 March - 14 May, has A and B
        self.assertTrue(self._overview(date_from="2026-05-15").has_previous_lateness)

    @freeze_time(TODAY)
    def test_ageing_buckets(self):
        overview = self._overview()
        rows = {row[0]: row[1:] for row in self._table_rows(overview.ageing_html)}
        # not due: D 4000 + H 800; 1-30: C 3000 (16 days) and G -200 (20 days);
        # over 90: E 300 (119 days)
        self.assertEqual(rows["Not Due"], ["2", "4,800.00 €", "60.8 %"])
        self.assertEqual(rows["1-30 Days"], ["2", "2,800.00 €", "35.4 %"])
        self.assertEqual(rows["31-60 Days"], ["0", "0.00 €", "0.0 %"])
        self.assertEqual(rows["61-90 Days"], ["0", "0.00 €", "0.0 %"])
        self.assertEqual(rows["Over 90 Days"], ["1", "300.00 €", "3.8 %"])
        self.assertAlmostEqual(overview.overdue_amount, 3100.0)
        items = self.env["account.relance.analysis.item"].search(
            [("company_id", "=", self.company.id), ("move_id", "=", self.inv_e.id)]
        )
        self.assertEqual(items.ageing_bucket, "over_90")
        self.assertEqual(items.days_late, 119)
        self.assertAlmostEqual(items.residual, 300.0)

    # ------------------------------------------------------------------
    # REMINDERS, PROMISES, DISPUTES, FORMAL NOTICES
    # ------------------------------------------------------------------

    @freeze_time(TODAY)
    def test_effectiveness_per_level_and_channel(self):
        overview = self._overview()
        rows = {
            (row[1], row[2]): row[3:]
            for row in self._table_rows(overview.effectiveness_html)
        }
        # friendly: A 1000 on 04-01 (paid 04-10), F 1500 on 05-16 (500 on
        # 05-20, rest 06-19), C 3000 on 06-15 (not paid; its 30 days run on)
        # 7 days: 500 of 5500; 30 days: 1000 + 500 of 2500; median of 9 and 34
        self.assertEqual(
            rows["Friendly reminder", "Email"],
            ["3", "5,500.00 €", "9.1 %", "60.0 %", "21.5"],
        )
        # reminder: A 1000 on 04-08 (paid 2 days later), F 1000 on 05-23 (paid
        # 27 days later), C 3000 on 06-25 (7 days not passed yet)
        self.assertEqual(
            rows["Reminder", "Email"], ["3", "5,000.00 €", "50.0 %", "100.0 %", "14.5"]
        )
        # call: F 1000 on 05-27, paid 23 days later
        self.assertEqual(
            rows["Reminder call", "Call"],
            ["1", "1,000.00 €", "0.0 %", "100.0 %", "23.0"],
        )
        # formal notice: E 500 on 06-10, 200 paid on 06-20 (10 days after);
        # its 30 days have not passed: nothing to measure yet, not 0 %
        self.assertEqual(
            rows["Formal notice", "Letter"], ["1", "500.00 €", "0.0 %", "-", "-"]
        )
        self.assertEqual(overview.reminder_count, 8)
        self.assertTrue(overview.has_paid_7)
        self.assertTrue(overview.has_paid_30)
        self.assertAlmostEqual(overview.paid_7_share, 100 * 1500 / 9000)
        self.assertAlmostEqual(overview.paid_30_share, 100 * 4500 / 5500)

    @freeze_time(TODAY)
    def test_formal_notices_promises_disputes(self):
        overview = self._overview()
        self.assertEqual(overview.formal_notice_count, 1)
        self.assertAlmostEqual(overview.formal_notice_amount, 500.0)
        self.assertAlmostEqual(overview.formal_notice_recovered, 200.0)
        # promises of the period: A kept (paid within the grace days), E broken;
        # C's promise, made on 26 June for 2 July, runs today
        self.assertEqual(
            (
                overview.promise_kept_count,
                overview.promise_broken_count,
                overview.promise_pending_count,
            ),
            (1, 1, 1),
        )
        # a running promise is one of today, whatever the period
        march = self._overview(date_from="2026-03-01", date_to="2026-03-31")
        self.assertEqual(
            (
                march.promise_kept_count,
                march.promise_broken_count,
                march.promise_pending_count,
            ),
            (0, 0, 1),
        )
        self.assertEqual(overview.dispute_count, 1)
        self.assertAlmostEqual(overview.dispute_amount, 4000.0)
        self.assertAlmostEqual(overview.dispute_avg_age, 10.0)

    @freeze_time(TODAY)
    def test_reminder_sent_by_the_engine_is_counted(self):
        """A reminder the daily job sends shows in the reminder figures."""
        customer = self.env["res.partner"].create(
            {"name": "Fromagerie Roux", "is_company": True, "email": "r@example.com"}
        )
        move = self._invoice(customer, 640, date(2026, 6, 29), date(2026, 5, 30))
        with self.mock_mail_gateway():
            self.env["account.relance.run"]._run_batch(partners=customer)
        reminders = self.env["account.relance.analysis.reminder"].search(
            [("move_id", "=", move.id)]
        )
        self.assertEqual(len(reminders), 1)
        self.assertEqual(reminders.level_id, self.level_by_days[1])
        self.assertEqual(reminders.channel, "email")
        self.assertAlmostEqual(reminders.amount_reminded, 640.0)
        self.assertEqual(self._overview().reminder_count, 9)

    # ------------------------------------------------------------------
    # EXPECTED CASH-IN
    # ------------------------------------------------------------------

    @freeze_time(TODAY)
    def test_forecast_by_week(self):
        """Usual delays, from the daily rating: Boulangerie (A 10, B 0) 5 days,
        Garage (F) 35 days."""
        self.env["account.relance.payer.rating"]._rate_payers(
            self.customer | self.customer_2
        )
        forecast = self.env["account.relance.analysis.forecast"].search(
            [("company_id", "=", self.company.id)]
        )
        by_move = {row.move_id: row for row in forecast}
        self.assertEqual(set(by_move), {self.inv_c, self.inv_d, self.inv_e, self.inv_h})
        # C: promised for 2 July, in the current week
        self.assertEqual(by_move[self.inv_c].source, "promise")
        self.assertEqual(by_move[self.inv_c].expected_date, date(2026, 7, 2))
        self.assertEqual(by_move[self.inv_c].bucket, "week_1")
        # H: due 20 July + 5 days = 25 July, the week of 20 July
        self.assertEqual(by_move[self.inv_h].delay_days, 5)
        self.assertEqual(by_move[self.inv_h].expected_date, date(2026, 7, 25))
        self.assertEqual(by_move[self.inv_h].week_date, date(2026, 7, 20))
        self.assertEqual(by_move[self.inv_h].bucket, "week_4")
        # E: due 3 March + 35 days = 7 April, already past; D disputed
        self.assertEqual(by_move[self.inv_e].expected_date, date(2026, 4, 7))
        self.assertEqual(by_move[self.inv_e].bucket, "overdue")
        self.assertEqual(by_move[self.inv_d].bucket, "disputed")
        overview = self._overview()
        self.assertAlmostEqual(overview.forecast_total, 3800.0)
        rows = self._table_rows(overview.forecast_html)
        self.assertEqual(rows[0][0::2], ["Week 1", "1", ""])
        self.assertEqual(rows[0][3], "3,000.00 €")
        self.assertEqual(rows[3][3], "800.00 €")
        self.assertEqual(rows[1][3], "0.00 €")
        self.assertEqual(rows[8][1], "3,800.00 €")  # total of the 8 weeks
        self.assertEqual(rows[9][0::2], ["Expected Before Today", "300.00 €"])
        self.assertEqual(rows[11][0::2], ["Disputed", "4,000.00 €"])

    # ------------------------------------------------------------------
    # SCREENS AND EXPORTS
    # ------------------------------------------------------------------

    @freeze_time(TODAY)
    def test_screens_open(self):
        for xmlid in (
            "account_relance_analysis_item_action",
            "account_relance_analysis_reminder_action",
            "account_relance_analysis_forecast_action",
            "account_relance_analysis_movement_action",
            "account_relance_profile_change_action",
        ):
            action = self.env["ir.actions.act_window"]._for_xml_id(
                f"account_relance_fr.{xmlid}"
            )
            Model = self.env[action["res_model"]]
            view_types = [mode for mode in action["view_mode"].split(",")]
            views = Model.get_views([(False, view) for view in view_types + ["search"]])
            self.assertEqual(set(views["views"]), set(view_types + ["search"]))
        # the menu: a server action opening the screen on a new record
        action = self.env.ref(
            "account_relance_fr.account_relance_analysis_overview_action_open"
        ).run()
        self.assertEqual(action["res_model"], "account.relance.analysis.overview")
        screen = self.env["account.relance.analysis.overview"].browse(action["res_id"])
        self.assertEqual(screen.display_name, "Collection Figures")
        self.assertEqual(screen.date_from, date(2026, 4, 1))  # two months back
        self.assertEqual(screen.date_to, date(2026, 6, 30))
        self.assertIn("<table", screen.trend_html)
        with Form(self.env["account.relance.analysis.overview"]) as form:
            form.date_from = date(2026, 4, 1)
            self.assertAlmostEqual(form.receivables, 7900.0)
            form.user_id = self.salesperson
            self.assertAlmostEqual(form.receivables, 3900.0)
        overview = form.save()
        action = overview.action_open_reminders()
        self.assertEqual(action["res_model"], "account.relance.analysis.reminder")
        reminders = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(len(reminders), 8)  # D (Sophie's) was never reminded
        action = overview.action_open_items()
        items = self.env[action["res_model"]].search(action["domain"])
        self.assertNotIn(self.inv_d, items.move_id)
        self.assertIn(self.inv_a, items.move_id)
        action = overview.action_open_forecast()
        self.assertEqual(
            self.env[action["res_model"]].search(action["domain"]).move_id,
            self.inv_c | self.inv_e | self.inv_h,
        )
        action = overview.action_open_movements()
        self.assertTrue(self.env[action["res_model"]].search(action["domain"]))

    @freeze_time(TODAY)
    def test_export_and_pivot_grouping(self):
        Item = self.env["account.relance.analysis.item"]
        items = Item.search(
            [("company_id", "=", self.company.id), ("ageing_bucket", "!=", "settled")]
        )
        rows = items.export_data(
            ["move_id", "partner_id", "ageing_bucket", "residual"]
        )["datas"]
        self.assertIn([self.inv_e.name, "Garage Dupont", "Over 90 Days", 300.0], rows)
        groups = Item.read_group(
            [("company_id", "=", self.company.id), ("move_type", "=", "out_invoice")],
            ["paid_days_late:avg", "paid_late_rate:avg"],
            ["partner_id"],
        )
        by_partner = {group["partner_id"][0]: group for group in groups}
        # Boulangerie: A 10, B 0; Garage: F 35
        self.assertAlmostEqual(by_partner[self.customer.id]["paid_days_late"], 5.0)
        self.assertAlmostEqual(by_partner[self.customer.id]["paid_late_rate"], 50.0)
        self.assertAlmostEqual(by_partner[self.customer_2.id]["paid_days_late"], 35.0)

    @freeze_time(TODAY)
    def test_empty_figures_say_so(self):
        """March 2026: nothing settled in it nor in the 31 days before, no
        reminder, no payment plan: the screen says so instead of showing 0."""
        overview = self._overview(date_from="2026-03-01", date_to="2026-03-31")
        self.assertEqual(overview.paid_count, 0)
        self.assertFalse(overview.has_previous_lateness)
        self.assertFalse(overview.has_paid_7)
        self.assertFalse(overview.has_paid_30)
        self.assertFalse(overview.has_plan_ended)
        self.assertIn("No reminder sent in the period.", overview.effectiveness_html)
        # August 2025: its previous period, July 2025, has no sale: no DSO to
        # compare with (the screen says "no sales", not 0 days)
        august = self._overview(date_from="2025-08-01", date_to="2025-08-31")
        self.assertFalse(august.has_dso_previous)
        # July 2025: no receivable and no sale, no DSO by either method;
        # March 2026: 1500 receivable, countback 59.0 (see the trend test)
        rows = {row[0]: row for row in self._table_rows(overview.trend_html)}
        self.assertEqual(rows["April 2025"][1:5], ["0.00 €", "0.00 €", "-", "-"])
        self.assertEqual(rows["March 2026"][3:5], ["46.5", "59.0"])
        # the reminders of 15 and 25 June: 7 days passed for the first only
        june = self._overview(date_from="2026-06-15")
        self.assertTrue(june.has_paid_7)
        self.assertFalse(june.has_paid_30)
        rows = {
            (row[1], row[2]): row[3:]
            for row in self._table_rows(june.effectiveness_html)
        }
        # C 3000 reminded on 15 June, nothing paid within 7 days, 30 not passed
        self.assertEqual(
            rows["Friendly reminder", "Email"], ["1", "3,000.00 €", "0.0 %", "-", "-"]
        )
        # C reminded again on 25 June: neither 7 nor 30 days passed
        self.assertEqual(rows["Reminder", "Email"], ["1", "3,000.00 €", "-", "-", "-"])
        # the screen itself opens with these figures
        form = Form(overview)
        self.assertEqual(form.paid_count, 0)

    @freeze_time(TODAY)
    def test_groups_in_the_order_of_their_selection(self):
        """Pivot and graph groups (read_group, as the web client calls it)
        follow the selection: "Not Due" before "1-30 Days", week 1 before
        week 4, not the alphabetical order of the codes."""
        Item = self.env["account.relance.analysis.item"]
        groups = Item.read_group(
            [("company_id", "=", self.company.id)],
            ["residual:sum"],
            ["ageing_bucket"],
            lazy=False,
        )
        self.assertEqual(
            [group["ageing_bucket"] for group in groups],
            ["not_due", "1_30", "over_90", "settled"],
        )
        groups = Item.read_group(
            [("company_id", "=", self.company.id)],
            ["residual:sum"],
            ["ageing_bucket"],
            orderby="ageing_bucket desc",
            lazy=False,
        )
        self.assertEqual(groups[0]["ageing_bucket"], "settled")
        self.env["account.relance.payer.rating"]._rate_payers(
            self.customer | self.customer_2
        )
        groups = self.env["account.relance.analysis.forecast"].read_group(
            [("company_id", "=", self.company.id)],
            ["amount:sum"],
            ["bucket"],
            lazy=False,
        )
        # E expected before today, C in week 1, H in week 4, D disputed
        self.assertEqual(
            [group["bucket"] for group in groups],
            ["overdue", "week_1", "week_4", "disputed"],
        )

    @freeze_time(TODAY)
    def test_reminder_levels_named_with_their_ladder(self):
        """Two ladders may both have a "Reminder" level: the reminder analysis
        names each level with its ladder, so the pivot does not show
        "Reminder (2)"."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.account_relance_analysis_reminder_action"
        )
        self.assertIn("'relance_level_with_ladder': True", action["context"])
        Reminder = self.env["account.relance.analysis.reminder"].with_context(
            relance_level_with_ladder=True
        )
        groups = Reminder.read_group(
            [("company_id", "=", self.company.id)],
            ["amount_reminded:sum"],
            ["level_id"],
            lazy=False,
        )
        ladder = self.ladder.name
        self.assertEqual(
            [group["level_id"][1] for group in groups],
            [
                f"{ladder} / Friendly reminder",
                f"{ladder} / Reminder",
                f"{ladder} / Reminder call",
                f"{ladder} / Formal notice",
            ],
        )
        # elsewhere a level keeps its own name
        self.assertEqual(self.level_by_days[8].display_name, "Reminder")

    def test_new_company_ladders_in_french(self):
        """A company created once French is installed gets the shipped
        ladders under their French names too (the analysis and the follow-up
        screen show them)."""
        company = self.env["res.company"].create(
            {"name": "Tapisserie Rousset", "country_id": self.env.ref("base.fr").id}
        )
        ladders = (
            self.env["account.relance.ladder"]
            .with_context(lang="fr_FR")
            .search([("company_id", "=", company.id)])
        )
        names = set(ladders.mapped("name"))
        self.assertLessEqual({"Standard", "Clients à risque", "Grands comptes"}, names)
        self.assertFalse(names & {"Risky Customers", "Key Accounts"})
        self.assertLessEqual(
            {"Standard", "Risky Customers", "Key Accounts"},
            set(ladders.with_context(lang="en_US").mapped("name")),
        )


@tagged("post_install", "-at_install")
class TestRelancePayerRating(RelanceAnalysisCommon):
    """The daily rating on the same invoices, at 30 June 2026.

    Boulangerie: A 10 days late, B on time: 5.0 days on average, no broken
    promise: a good payer. Garage: F 35 days late, E's promise broken: a bad
    payer (over 30 days).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.relance_payer_profile = "risky"
        # the chatter notes are in the language of the company's accountant
        cls.company.relance_accountant_id = cls.env.user
        cls.pinned = cls.env["res.partner"].create(
            {
                "name": "Menuiserie Blanc",
                "is_company": True,
                "relance_payer_profile_pinned": True,
            }
        )
        move = cls._invoice(cls.pinned, 900, date(2026, 4, 30), date(2026, 3, 31))
        cls._pay_on(move, 900, date(2026, 6, 9))  # 40 days late
        cls.Ladder = cls.env["account.relance.ladder"]

    def _changes(self, partner):
        return self.env["account.relance.profile.change"].search(
            [("partner_id", "=", partner.id)]
        )

    def _ladder(self, partner):
        return self.Ladder._get_ladders_for_partners(partner, self.company)[partner]

    @freeze_time(TODAY)
    def test_bad_payer_moves_to_the_risky_ladder(self):
        garage = self.customer_2
        self.assertEqual(self._ladder(garage), self.ladder)
        self.env.ref("account_relance_fr.ir_cron_rate_payers").method_direct_trigger()
        self.assertEqual(garage.relance_payer_rating, "bad")
        self.assertAlmostEqual(garage.relance_rating_days_late, 35.0)
        self.assertEqual(garage.relance_rating_paid_count, 1)
        self.assertEqual(garage.relance_rating_broken_promises, 1)
        self.assertEqual(garage.relance_rating_date, date(2026, 6, 30))
        self.assertEqual(garage.relance_payer_profile, "risky")
        risky = self._ladder(garage)
        self.assertEqual(risky.rule_payer_profile, "risky")
        self.assertEqual(risky.company_id, self.company)
        self.assertEqual(risky.name, "Risky Customers")
        change = self._changes(garage)
        self.assertRecordValues(
            change,
            [
                {
                    "date": date(2026, 6, 30),
                    "old_profile": "standard",
                    "new_profile": "risky",
                    "rating": "bad",
                    "days_late": 35.0,
                    "paid_count": 1,
                    "broken_promises": 1,
                    "ladder_names": "Risky Customers",
                }
            ],
        )
        note = garage.message_ids.filtered(
            lambda message: "Payer profile changed" in (message.body or "")
        )
        self.assertEqual(len(note), 1)
        self.assertIn("from Standard to Risky Payer", note.body)
        self.assertIn("average days late: 35.0", note.body)
        self.assertIn("Reminder ladder: Risky Customers.", note.body)
        # the next day nothing changes any more
        with freeze_time("2026-07-01"):
            self.env["account.relance.payer.rating"]._cron_rate_payers()
        self.assertEqual(len(self._changes(garage)), 1)

    @freeze_time(TODAY)
    def test_good_payer_back_to_standard_pinned_not_moved(self):
        rating = self.env["account.relance.payer.rating"]
        moved = rating._rate_payers(self.customer | self.customer_2 | self.pinned)
        self.assertEqual(moved, self.customer | self.customer_2)
        self.assertEqual(self.customer.relance_payer_rating, "good")
        self.assertAlmostEqual(self.customer.relance_rating_days_late, 5.0)
        self.assertEqual(self.customer.relance_rating_paid_count, 2)
        self.assertEqual(self.customer.relance_payer_profile, "standard")
        self.assertEqual(self._changes(self.customer).old_profile, "risky")
        self.assertEqual(self._ladder(self.customer), self.ladder)
        # pinned: rated bad (40 days), profile and ladder unchanged
        self.assertEqual(self.pinned.relance_payer_rating, "bad")
        self.assertAlmostEqual(self.pinned.relance_rating_days_late, 40.0)
        self.assertEqual(self.pinned.relance_payer_profile, "standard")
        self.assertFalse(self._changes(self.pinned))
        self.assertEqual(self._ladder(self.pinned), self.ladder)

    @freeze_time(TODAY)
    def test_update_button_for_accountants_only(self):
        garage = self.customer_2
        with self.assertRaises(AccessError):
            garage.with_user(self.salesperson).action_relance_update_payer_rating()
        self.assertFalse(garage.relance_payer_rating)
        garage.action_relance_update_payer_rating()
        self.assertEqual(garage.relance_payer_rating, "bad")

    @freeze_time(TODAY)
    def test_thresholds_are_company_settings(self):
        rating = self.env["account.relance.payer.rating"]
        garage = self.customer_2
        self.company.relance_rating_bad_days = 40  # 35 days: an average payer
        rating._rate_payers(garage)
        self.assertEqual(garage.relance_payer_rating, "average")
        self.assertEqual(garage.relance_payer_profile, "standard")
        self.company.relance_rating_bad_promises = 1  # one broken promise: bad
        rating._rate_payers(garage)
        self.assertEqual(garage.relance_payer_rating, "bad")
        self.assertEqual(garage.relance_payer_profile, "risky")
        self.company.relance_rating_good_days = 4  # Boulangerie's 5 days: average
        rating._rate_payers(self.customer)
        self.assertEqual(self.customer.relance_payer_rating, "average")
        with self.assertRaises(ValidationError):
            self.company.relance_rating_good_days = 50

    @freeze_time(TODAY)
    def test_no_automatic_move_when_turned_off(self):
        self.company.relance_rating_auto_profile = False
        moved = self.env["account.relance.payer.rating"]._rate_payers(self.customer_2)
        self.assertFalse(moved)
        self.assertEqual(self.customer_2.relance_payer_rating, "bad")
        self.assertEqual(self.customer_2.relance_payer_profile, "standard")

    @freeze_time(TODAY)
    def test_overview_per_payer_rating(self):
        self.env["account.relance.payer.rating"]._rate_payers(
            self.customer | self.customer_2
        )
        bad = self._overview(payer_rating="bad")
        # Garage: D 4000 + E 300 receivable; sales D 4000 + F 1500
        self.assertAlmostEqual(bad.receivables, 4300.0)
        self.assertAlmostEqual(bad.dso, 4300 / 5500 * 91)
        risky = self._overview(payer_profile="risky")
        self.assertAlmostEqual(risky.receivables, 4300.0)
        good = self._overview(payer_rating="good")
        self.assertAlmostEqual(good.avg_days_late, 5.0)


@tagged("post_install", "-at_install")
class TestRelanceAnalysisFrench(RelanceAnalysisCommon):
    """The screen in French, and the chatter note in the accountant's French."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        cls.company.relance_accountant_id = cls.env["res.users"].create(
            {
                "name": "Claire Duval",
                "login": "claire.relance",
                "lang": "fr_FR",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
            }
        )

    @freeze_time(TODAY)
    def test_overview_in_french(self):
        overview = self._overview().with_context(lang="fr_FR")
        overview.invalidate_recordset()
        ageing = [row[0] for row in self._table_rows(overview.ageing_html)]
        self.assertEqual(
            ageing,
            [
                "Non échu",
                "1 à 30 jours",
                "31 à 60 jours",
                "61 à 90 jours",
                "Plus de 90 jours",
            ],
        )
        months = [row[0] for row in self._table_rows(overview.trend_html)]
        self.assertEqual(months[-1], "juin 2026")
        self.assertIn("DSO par épuisement", overview.trend_html)
        self.assertTrue(
            overview.dso_formula.startswith(
                "DSO = créances clients en fin de période ÷ CA TTC facturé"
            )
        )
        forecast = self._table_rows(overview.forecast_html)
        self.assertEqual(forecast[0][0], "Semaine 1")
        self.assertEqual(forecast[9][0], "Attendu avant aujourd'hui")
        effectiveness = self._table_rows(overview.effectiveness_html)
        self.assertIn("Courrier", [row[2] for row in effectiveness])

    @freeze_time(TODAY)
    def test_profile_change_note_in_french(self):
        self.env["account.relance.payer.rating"]._rate_payers(self.customer_2)
        note = self.customer_2.message_ids.filtered(
            lambda message: "Profil de payeur" in (message.body or "")
        )
        self.assertEqual(len(note), 1)
        self.assertIn("changé de Standard en Payeur à risque", note.body)
        self.assertIn("(Mauvais payeur)", note.body)
        self.assertIn("retard moyen en jours : 35,0", note.body)
        self.assertIn("promesses non tenues : 1", note.body)
