"""The follow-up rows are stored, and never stale: every kind of change shows
on the next read, and the first page costs the same queries whatever the
number of customers."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from ..tools.followup_marks import MARK_TABLE
from .common import RelanceCommon

# the list view's columns, as the web client asks for them
LIST_SPECIFICATION = {
    "priority_rank": {},
    "partner_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "amount_overdue": {},
    "oldest_days_late": {},
    "level_id": {"fields": {"display_name": {}}},
    "next_action": {},
    "next_action_date": {},
    "followup_state": {},
    "claimed_text": {},
    "credit_text": {},
    "amount_due": {},
    "invoice_count": {},
    "last_reminder_date": {},
    "excluded": {},
    "broken_promise": {},
    "to_confirm_count": {},
    "failed_count": {},
    "currency_id": {"fields": {"display_name": {}}},
}


@tagged("post_install", "-at_install")
class TestRelanceFollowupRows(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Followup = cls.env["account.relance.followup"]

    def _row(self, partner):
        """The customer's row as the screen reads it now (empty if none)."""
        return self.Followup.search(
            [("company_id", "=", self.company.id), ("partner_id", "=", partner.id)]
        )

    def _page(self, domain=()):
        """The screen's first page: web_search_read of the list's columns."""
        return self.Followup.web_search_read(
            [("company_id", "=", self.company.id), *domain],
            LIST_SPECIFICATION,
            limit=80,
        )

    def test_payment_shows_at_once(self):
        """A payment registered: the next read shows what is left; paid in
        full, the row goes; the row keeps its id meanwhile."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE - timedelta(days=10))
        control = self._invoice(self.customer_2, 300.0, self.DUE - timedelta(days=10))
        with freeze_time(self.DUE):
            row = self._row(self.customer)
            self.assertEqual((row.amount_due, row.amount_overdue), (1000.0, 1000.0))
            row_id = row.id
        self._pay(invoice, amount=400.0, day=self.DUE)
        with freeze_time(self.DUE):
            row = self._row(self.customer)
            self.assertEqual(row.id, row_id, "the row keeps its id")
            self.assertEqual((row.amount_due, row.amount_overdue), (600.0, 600.0))
            # 600 × (1 + 10/30) = 800, ahead of the control's 300 × 1.33 = 400
            self.assertEqual(row.priority, 800)
            self.assertEqual(row.priority_rank, 1)
        self._pay(invoice, day=self.DUE)
        with freeze_time(self.DUE):
            self.assertFalse(self._row(self.customer))
            self.assertEqual(self._row(self.customer_2).amount_due, 300.0)
            self.assertEqual(self._row(self.customer_2).priority_rank, 1)
            self.assertEqual(control.amount_residual, 300.0)

    def test_posting_and_cancelling_show_at_once(self):
        """An invoice posted adds its row; reset to draft and cancelled, the
        row goes."""
        self._invoice(self.customer_2, 300.0, self.DUE)
        with freeze_time(self.DUE):
            self.assertFalse(self._row(self.customer))
            invoice = self._invoice(self.customer, 500.0, self.DUE, post=False)
            self.assertFalse(self._row(self.customer), "a draft is not open")
            invoice.action_post()
            self.assertEqual(self._row(self.customer).amount_due, 500.0)
            second = self._invoice(self.customer, 250.0, self.DUE)
            self.assertEqual(self._row(self.customer).invoice_count, 2)
            second.button_draft()
            second.button_cancel()
            self.assertEqual(self._row(self.customer).invoice_count, 1)
            invoice.button_draft()
            self.assertFalse(self._row(self.customer))
            self.assertEqual(self._row(self.customer_2).amount_due, 300.0)

    def test_reminder_sent_by_the_job_shows_at_once(self):
        """The daily job's reminder: level, last reminder, nothing left to do
        today, the next reminder's day."""
        self._invoice(self.customer, 1000.0, self.DUE)
        self._invoice(self.customer_2, 200.0, self.DUE + timedelta(days=20))
        friendly = self.level_by_days[1]
        with freeze_time(f"{self.DUE + timedelta(days=1)} 09:00:00"):
            row = self._row(self.customer)
            self.assertTrue(row.action_due)
            self.assertEqual(row.next_action, friendly.name)
            self.assertFalse(row.level_id)
            self.assertEqual(
                self.Followup.search(
                    [("company_id", "=", self.company.id), ("action_due", "=", True)]
                ),
                row,
            )
            with self.mock_mail_gateway():
                while self.env["account.relance.run"]._cron_send_relances():
                    pass
            row = self._row(self.customer)
            self.assertEqual(row.level_id, friendly)
            self.assertEqual(row.last_reminder_date, self.DUE + timedelta(days=1))
            self.assertFalse(row.action_due)
            self.assertEqual(row.next_action, "Next reminder")
            self.assertEqual(row.next_action_date, self.DUE + timedelta(days=8))
            self.assertFalse(
                self.Followup.search(
                    [("company_id", "=", self.company.id), ("action_due", "=", True)]
                )
            )
            # the control customer, not due yet, was not reminded
            self.assertFalse(self._row(self.customer_2).level_id)

    def test_dispute_promise_and_raw_sql_show_at_once(self):
        """A dispute flagged, a promise, and a change made in SQL (not through
        the ORM) show on the next read."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE - timedelta(days=3))
        self._invoice(self.customer_2, 200.0, self.DUE - timedelta(days=3))
        with freeze_time(self.DUE):
            self.assertEqual(self._row(self.customer).followup_state, "ok")
            invoice.action_relance_set_dispute("Wrong quantity")
            row = self._row(self.customer)
            self.assertTrue(row.disputed)
            self.assertEqual(row.followup_state, "disputed")
            invoice.action_relance_resolve_dispute()
            invoice.action_relance_set_promise(self.DUE + timedelta(days=5))
            row = self._row(self.customer)
            self.assertFalse(row.disputed)
            self.assertEqual(row.followup_state, "promised")
            self.env.cr.execute(
                SQL(
                    "UPDATE account_move SET relance_dispute = TRUE WHERE id = %s",
                    invoice.id,
                )
            )
            self.env.invalidate_all()
            self.assertTrue(self._row(self.customer).disputed)
            self.assertFalse(self._row(self.customer_2).disputed)

    def test_next_day_moves_days_amounts_and_ranks(self):
        """The company's next day: days late, overdue amounts and ranks move
        although no data changed."""
        self._invoice(self.customer, 1000.0, self.DUE)
        self._invoice(self.customer_2, 900.0, self.DUE - timedelta(days=3))
        with freeze_time(f"{self.DUE} 12:00:00"):
            row, row_2 = self._row(self.customer), self._row(self.customer_2)
            self.assertEqual((row.amount_overdue, row.oldest_days_late), (0.0, 0))
            self.assertEqual((row_2.priority_rank, row.priority_rank), (1, 2))
        with freeze_time(f"{self.DUE + timedelta(days=30)} 12:00:00"):
            row, row_2 = self._row(self.customer), self._row(self.customer_2)
            self.assertEqual((row.amount_overdue, row.oldest_days_late), (1000.0, 30))
            self.assertEqual(row_2.oldest_days_late, 33)
            # 1 000 × 2 = 2 000 before 900 × 2.1 = 1 890
            self.assertEqual((row.priority_rank, row_2.priority_rank), (1, 2))
            self.assertEqual(row.day, self.DUE + timedelta(days=30))

    def test_customer_and_ladder_settings_show_at_once(self):
        """The customer's salesperson, exclusion, ladder, and the ladder's
        levels: the next read shows them."""
        self._invoice(self.customer, 1000.0, self.DUE)
        self._invoice(self.customer_2, 200.0, self.DUE)
        with freeze_time(f"{self.DUE + timedelta(days=2)} 09:00:00"):
            row = self._row(self.customer)
            self.assertEqual(row.user_id, self.salesperson)
            self.assertEqual(row.next_action, self.level_by_days[1].name)
            self.customer.user_id = False
            self.assertFalse(self._row(self.customer).user_id)
            self.customer.action_relance_toggle_exclude()
            self.assertEqual(self._row(self.customer).followup_state, "excluded")
            self.assertFalse(self._row(self.customer).action_due)
            self.customer.action_relance_toggle_exclude()
            self.assertTrue(self._row(self.customer).action_due)
            # the first level moved 5 days later: nothing to do today
            self.level_by_days[1].days = 5
            row = self._row(self.customer)
            self.assertFalse(row.action_due)
            self.assertEqual(row.next_date, self.DUE + timedelta(days=5))
            self.assertEqual(self._row(self.customer_2).next_action_date, row.next_date)
            other = self.env["account.relance.ladder"].create(
                {"name": "Other", "company_id": self.company.id}
            )
            self.customer.with_company(self.company).relance_ladder_id = other
            self.assertEqual(self._row(self.customer).ladder_id, other)
            self.assertEqual(self._row(self.customer_2).ladder_id, self.ladder)

    def test_payment_plan_shows_at_once(self):
        """A payment plan accepted puts the badge on the row."""
        self._invoice(self.customer, 900.0, self.DUE - timedelta(days=5))
        self._invoice(self.customer_2, 200.0, self.DUE - timedelta(days=5))
        with freeze_time(self.DUE):
            self.assertFalse(self._row(self.customer).under_plan)
            plan = self.env["account.relance.plan"].create(
                {
                    "partner_id": self.customer.id,
                    "date": self.DUE,
                    "start_date": self.DUE + timedelta(days=10),
                    "instalment_count": 3,
                }
            )
            plan.action_accept()
            row = self._row(self.customer)
            self.assertTrue(row.under_plan)
            self.assertEqual(row.plan_id, plan)
            self.assertEqual(row.plan_next_date, self.DUE + timedelta(days=10))
            self.assertEqual(row.plan_next_amount, 300.0)
            self.assertFalse(self._row(self.customer_2).under_plan)

    def test_first_page_queries_do_not_grow_with_customers(self):
        """The first page (search, count, the list's columns) costs the same
        queries with 12 customers or 24; the rows changed since the last read
        are computed again in no more queries for 12 changed rows than for 3."""

        def customers(count):
            partners = self.env["res.partner"].create(
                [
                    {"name": f"Client {index}", "is_company": True}
                    for index in range(count)
                ]
            )
            for partner in partners:
                self._invoice(partner, 100.0, self.DUE - timedelta(days=40))
            return partners

        def count(customers=None, postponed_until=None):
            with freeze_time(f"{self.DUE} 09:00:00"):
                self._page()  # rows computed for the day
                if customers:
                    # a change on each customer: its row is to compute again
                    customers.relance_postponed_until = postponed_until
                self.env.flush_all()
                self.env.invalidate_all()
                before = self.cr.sql_log_count
                page = self._page()
                return self.cr.sql_log_count - before, page

        partners = customers(12)
        count(partners[:1], self.DUE + timedelta(days=5))  # caches warm
        few, _page = count(partners[1:4], self.DUE + timedelta(days=5))
        many, page = count(partners, self.DUE + timedelta(days=6))
        self.assertEqual(page["length"], 12)
        self.assertEqual(
            {record["partner_id"]["id"] for record in page["records"]},
            set(partners.ids),
        )
        self.assertLessEqual(
            many, few, f"{few} queries for 3 changed rows, {many} for 12"
        )
        # nothing changed: the same queries for 12 customers as for 24 (in the
        # same state: not postponed, a level planned today)
        partners.relance_postponed_until = False
        count()  # the rows computed again, the caches the refresh cleared warm
        unchanged_12, page = count()
        self.assertTrue(all(record["next_action"] for record in page["records"]))
        partners |= customers(12)
        count()
        unchanged_24, page = count()
        self.assertEqual(page["length"], 24)
        self.assertEqual(
            unchanged_12, unchanged_24, "the page's queries grow with its rows"
        )
        self.assertLessEqual(unchanged_24, 20)
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM %s", SQL.identifier(MARK_TABLE)))
        self.assertEqual(self.env.cr.fetchone()[0], 0, "every mark was read")
        # the rows are those of the company's customers, sorted by priority
        ranks = [record["priority_rank"] for record in page["records"]]
        self.assertEqual(ranks, sorted(ranks))
        self.assertEqual(
            self.Followup.search_count([("partner_id", "in", partners.ids)]), 24
        )
        self.assertFalse(
            self.Followup.search([("partner_id", "in", partners.ids)]).filtered(
                lambda row: row.currency_id != self.company.currency_id
            )
        )

    def test_sending_window_closing_moves_the_next_action(self):
        """The sending window closes for the day: what was to do today moves
        to the next sending day on the next read, the figures stay."""
        self.company.write({"relance_hour_from": 8.0, "relance_hour_to": 18.0})
        self._invoice(self.customer, 1000.0, self.DUE)
        self._invoice(self.customer_2, 200.0, self.DUE + timedelta(days=30))
        friendly = self.level_by_days[1]
        day = self.DUE + timedelta(days=1)
        with freeze_time(f"{day} 09:00:00"):
            row = self._row(self.customer)
            self.assertTrue(row.action_due)
            self.assertEqual(row.next_action, friendly.name)
            self.assertEqual(row.next_action_date, day)
            control_date = self._row(self.customer_2).next_action_date
            self.assertGreater(control_date, day + timedelta(days=1))
        with freeze_time(f"{day} 19:00:00"):
            row = self._row(self.customer)
            self.assertFalse(row.action_due)
            self.assertEqual(row.next_action, "Next reminder")
            self.assertEqual(row.next_action_date, day + timedelta(days=1))
            self.assertEqual(row.amount_overdue, 1000.0)
            self.assertEqual(row.forecast_start, day + timedelta(days=1))
            # the control customer's next reminder did not move
            self.assertEqual(self._row(self.customer_2).next_action_date, control_date)
