"""The follow-up screen's next actions are stored (account.relance.next.action):
its page reads them in a handful of queries, whatever the number of rows, and
they follow every change at once."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import RelanceCommon

LIST_FIELDS = {
    "partner_id": {"fields": {"display_name": {}}},
    "next_action": {},
    "next_action_date": {},
    "action_due": {},
    "amount_overdue": {},
    "failed_count": {},
    "to_confirm_count": {},
}


@tagged("post_install", "-at_install")
class TestRelanceNextAction(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Followup = cls.env["account.relance.followup"]
        cls.NextAction = cls.env["account.relance.next.action"]
        cls.today = cls.DUE + timedelta(days=10)

    def _customers(self, count, prefix):
        """``count`` customers, each with invoices at different stages: due
        from 40 days ago to 20 days ahead."""
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"{prefix} {index:02d}",
                    "is_company": True,
                    "email": f"{prefix.lower()}{index}@clients.example",
                }
                for index in range(count)
            ]
        )
        with freeze_time(f"{self.today} 08:00:00"):
            for index, customer in enumerate(customers):
                for offset in (index * 3 % 40, -(index % 20)):
                    self._invoice(
                        customer, 200.0 + index, self.today - timedelta(days=offset)
                    )
        return customers

    def _page(self, domain=()):
        """The screen's first page as the web client reads it: {partner:
        (next action, date, to do today)}."""
        self.env.invalidate_all()
        page = self.Followup.web_search_read(
            [("company_id", "=", self.company.id), *domain], LIST_FIELDS, limit=80
        )
        partners = self.env["res.partner"]
        return {
            partners.browse(record["partner_id"]["id"]): (
                record["next_action"],
                record["next_action_date"],
                record["action_due"],
            )
            for record in page["records"]
        }

    def _engine(self, customers):
        """What the engine itself says now: {partner: (next action, date,
        to do today)}, from the job's plan and forecast."""
        planned = self.Followup._get_planned_levels(self.company, customers)
        forecast = self.env["account.relance.run"]._get_next_dates(
            self.company, customers
        )
        today = self.company._get_relance_today()
        result = {}
        for customer in customers:
            levels = planned.get(customer.id)
            if levels:
                names = ", ".join(levels.sorted("days").mapped("name"))
                result[customer] = (names, today, True)
            else:
                day = forecast[customer][0]
                result[customer] = (day and "Next reminder", day, False)
        return result

    def _stored_count(self, customers):
        return self.NextAction.search_count([("partner_id", "in", customers.ids)])

    def test_page_reads_stored_rows_in_few_queries(self):
        first = self._customers(10, "Alpha")
        with freeze_time(f"{self.today} 08:00:00"):
            self.NextAction._cron_refresh()
            self.assertEqual(self._stored_count(first), 10)
            expected = self._engine(first)
            # warm-up: the registry's and the view's own first queries
            self._page()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            shown = self._page()
            small_page = self.cr.sql_log_count - before
            self.assertEqual({p: shown[p] for p in first}, expected)
            # the filter "To Do Today" the menu opens with: stored rows too
            due = self._page([("action_due", "=", True)])
            self.assertEqual(
                set(due) & set(first),
                {partner for partner, value in expected.items() if value[2]},
            )
            self.assertTrue(any(value[2] for value in expected.values()))
            self.assertTrue(any(not value[2] for value in expected.values()))

            second = self._customers(30, "Beta")
            self.NextAction._cron_refresh()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            shown = self._page()
            large_page = self.cr.sql_log_count - before
        # four times the rows, the same queries: none per row
        self.assertEqual(large_page, small_page)
        self.assertLessEqual(small_page, 15)
        with freeze_time(f"{self.today} 08:00:00"):
            self.assertEqual(
                {p: shown[p] for p in first | second}, self._engine(first | second)
            )

    def test_changes_move_the_next_action_at_once(self):
        customers = self._customers(6, "Gamma")
        paid, promised, postponed, control = customers[1:5]
        with freeze_time(f"{self.today} 08:00:00"):
            self.NextAction._cron_refresh()
            before = self._page()
            self.assertTrue(before[paid][2], "an invoice 3 days late: to do today")
            # a payment, a promise, a postponement; no refresh in between
            for move in self._open_moves(paid):
                self._pay(move, day=self.today)
            for move in self._open_moves(promised):
                move.action_relance_set_promise(self.today + timedelta(days=12))
            postponed.action_relance_postpone(self.today + timedelta(days=9))
            shown = self._page()
            self.assertNotIn(paid, shown, "paid: no open invoice, no row")
            self.assertEqual(shown, self._engine(customers - paid))
            self.assertEqual(shown[postponed][1], self.today + timedelta(days=9))
            self.assertEqual(shown[control], before[control])
        # the job runs: what it sent is no longer to do; the row says when
        # the next reminder goes, as the engine does
        with (
            self.mock_mail_gateway(),
            self.capture_triggers(
                "account_relance_fr.ir_cron_refresh_next_actions"
            ) as capture,
        ):
            self._run(self.today)
        self.assertTrue(capture.records, "the run's end refreshes the rows")
        with freeze_time(f"{self.today} 09:30:00"):
            shown = self._page()
            self.assertFalse(any(value[2] for value in shown.values()))
            self.assertEqual(shown, self._engine(customers - paid))

    def test_rows_kept_from_one_day_to_the_next(self):
        customers = self._customers(8, "Delta")
        with freeze_time(f"{self.today} 08:00:00"):
            self.NextAction._cron_refresh()
            with self.mock_mail_gateway():
                self._run(self.today)
            self.NextAction._cron_refresh()
            rows = self.NextAction.search([("partner_id", "in", customers.ids)])
            computed_on = {row.partner_id: (row.start, row.next_date) for row in rows}
        tomorrow = self.today + timedelta(days=1)
        with freeze_time(f"{tomorrow} 08:00:00"):
            shown = self._page()
            self.assertEqual(shown, self._engine(customers))
            rows = self.NextAction.search([("partner_id", "in", customers.ids)])
            kept = {row.partner_id for row in rows if row.start == self.today}
            # a row planning nothing before tomorrow is still true: kept; a row
            # planning tomorrow is computed again for the levels of the day
            self.assertEqual(
                kept,
                {
                    partner
                    for partner, (_start, day) in computed_on.items()
                    if not day or day > tomorrow
                },
            )
            self.assertTrue(kept)

    def _open_moves(self, partner):
        return self.env["account.move"].search(
            [
                ("partner_id", "=", partner.id),
                ("payment_state", "in", ("not_paid", "partial")),
                ("state", "=", "posted"),
            ]
        )
