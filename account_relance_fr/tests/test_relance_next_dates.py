"""One truth for the next dates: what the invoice, the customer and the
follow-up screen announce is the day the daily job really reminds."""

from collections import defaultdict
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import RelanceCommon

START = date(2026, 4, 20)  # a Monday
END = date(2026, 6, 5)


@tagged("post_install", "-at_install")
class TestRelanceNextDates(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the shipped sending window: weekdays 8:00-18:00, public holidays
        # skipped (1 and 8 May, Ascension 14 May, Whit Monday 25 May 2026)
        cls.company.write(
            {
                "relance_send_saturday": False,
                "relance_send_sunday": False,
                "relance_hour_from": 8.0,
                "relance_hour_to": 18.0,
                "relance_skip_holidays": True,
                "relance_min_days_between": 3,
                "relance_promise_grace_days": 2,
            }
        )
        cls.ladder.min_amount = 100.0
        partner = cls.env["res.partner"]
        cls.cafe = partner.create(
            {"name": "Café Lumière", "is_company": True, "email": "cafe@ex.example"}
        )
        cls.small = partner.create(
            {"name": "Petit Client", "is_company": True, "email": "petit@ex.example"}
        )
        cls.tiny = partner.create(
            {"name": "Tout Petit", "is_company": True, "email": "tp@ex.example"}
        )

    def _displayed(self, invoices, customers):
        """What the invoice, the customer and the follow-up screen show now."""
        self.env.invalidate_all()
        rows = self.env["account.relance.followup"].search(
            [("partner_id", "in", customers.ids), ("company_id", "=", self.company.id)]
        )
        # a reminder to approve or fix is the row's action today; the other
        # rows announce the next reminder
        waiting = rows.filtered(lambda row: row.to_confirm_count or row.failed_count)
        for row in waiting:
            self.assertEqual(row.next_action_date, self.company._get_relance_today())
        return (
            {invoice: invoice.relance_next_date for invoice in invoices},
            {customer: customer.relance_next_action_date for customer in customers},
            {row.partner_id: row.next_action_date for row in rows - waiting},
        )

    def _reminded_on(self, day, invoices):
        """{invoice} and {customer} reminded (sent or queued for approval) on
        ``day``."""
        histories = self._histories(invoices).filtered(
            lambda history: history.date == day
            and history.state in ("sent", "to_confirm")
        )
        return set(histories.move_id), set(histories.partner_id)

    def test_displayed_dates_are_the_days_the_job_reminds(self):
        with freeze_time(f"{START} 06:00:00"):
            invoices = {
                # préventive J-5, then every level, spaced by 3 days minimum
                # and moved over weekends and public holidays
                "a": self._invoice(self.customer, 1000.0, date(2026, 4, 27)),
                "b": self._invoice(self.customer, 800.0, date(2026, 4, 29)),
                # a promise to pay by 24 April, 2 grace days
                "garage": self._invoice(self.customer_2, 500.0, date(2026, 4, 20)),
                # postponed until 13 May
                "cafe": self._invoice(self.cafe, 300.0, date(2026, 4, 13)),
                # below the ladder's 100 € until the second invoice is
                # overdue too (a reminder claims only overdue invoices)
                "small_1": self._invoice(self.small, 60.0, date(2026, 4, 27)),
                "small_2": self._invoice(self.small, 50.0, date(2026, 5, 4)),
                # always below the minimum amount: never reminded
                "tiny": self._invoice(self.tiny, 30.0, date(2026, 4, 27)),
            }
            invoices["garage"].action_relance_set_promise(date(2026, 4, 24))
            self.cafe.action_relance_postpone(date(2026, 5, 13))
        moves = self.env["account.move"].union(*invoices.values())
        customers = moves.commercial_partner_id

        with freeze_time(f"{START} 06:00:00"):
            by_invoice, by_customer, by_row = self._displayed(moves, customers)
        self.assertEqual(
            {key: by_invoice[move] for key, move in invoices.items()},
            {
                "a": date(2026, 4, 22),
                "b": date(2026, 4, 27),  # J-5 is 24 April, 2 days after A's
                "garage": date(2026, 4, 27),  # promise + grace end on the 26th
                "cafe": date(2026, 5, 13),
                "small_1": date(2026, 5, 5),  # with small_2, then J+1
                "small_2": date(2026, 5, 5),
                "tiny": False,
            },
        )
        self.assertEqual(by_customer[self.customer], date(2026, 4, 22))
        self.assertEqual(by_row[self.cafe], date(2026, 5, 13))
        self.assertFalse(by_customer[self.tiny])

        # every morning, read the dates shown; then the real job runs at 11:00
        # (Paris): each reminder must fall on the day shown since the last one
        pending = defaultdict(list)
        reminded_days = defaultdict(list)
        day = START
        with self.mock_mail_gateway():
            while day <= END:
                with freeze_time(f"{day} 06:00:00"):
                    shown = self._displayed(moves, customers)
                kinds = ("invoice", "customer", "row")
                for kind, values in zip(kinds, shown, strict=True):
                    for record, value in values.items():
                        pending[kind, record].append((day, value))
                self._run(day)
                reminded_moves, reminded_customers = self._reminded_on(day, moves)
                for kind, records in (
                    ("invoice", reminded_moves),
                    ("customer", reminded_customers),
                    ("row", reminded_customers),
                ):
                    for record in records:
                        reminded_days[kind, record].append(day)
                        for read_on, value in pending.pop((kind, record), []):
                            self.assertEqual(
                                value,
                                day,
                                f"{kind} {record.display_name}: read on {read_on}, "
                                f"reminded on {day}",
                            )
                day += timedelta(days=1)
        # what was announced after the last reminder lies beyond the period
        for (kind, record), readings in pending.items():
            for read_on, value in readings:
                self.assertTrue(
                    not value or value > END,
                    f"{kind} {record.display_name}: {value} read on {read_on}, "
                    "nothing sent",
                )
        # the days the job really used: the window, the minimum interval,
        # holidays, the promise, the postponement and the minimum amount
        self.assertEqual(
            reminded_days["invoice", invoices["b"]],
            [
                date(2026, 4, 27),
                date(2026, 4, 30),
                date(2026, 5, 11),  # 8 May is a holiday
                date(2026, 5, 15),  # 14 May is Ascension
                date(2026, 5, 21),
                date(2026, 5, 29),  # the formal notice, to approve
            ],
        )
        self.assertEqual(
            reminded_days["invoice", invoices["cafe"]][:4],
            [
                date(2026, 5, 13),
                date(2026, 5, 18),
                date(2026, 5, 21),
                date(2026, 5, 26),  # 25 May is Whit Monday
            ],
        )
        self.assertEqual(
            reminded_days["invoice", invoices["garage"]][0], date(2026, 4, 27)
        )
        self.assertEqual(
            reminded_days["invoice", invoices["small_1"]][0], date(2026, 5, 5)
        )
        self.assertFalse(reminded_days["invoice", invoices["tiny"]])
