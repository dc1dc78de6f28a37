"""The company's own day: today, days late, the sending window and the dates
printed come from the company's time zone, not the server's or the user's."""

from datetime import date

from freezegun import freeze_time
from lxml import html

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceCompanyDay(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a company in Nouméa (UTC+11), weekdays 8:00-18:00 of its own clock;
        # the job's user in Los Angeles (UTC-7), the server in UTC
        cls.company.partner_id.tz = "Pacific/Noumea"
        cls.company.write(
            {
                "relance_send_saturday": False,
                "relance_send_sunday": False,
                "relance_hour_from": 8.0,
                "relance_hour_to": 18.0,
            }
        )
        cls.env.user.tz = "America/Los_Angeles"

    def _cron(self):
        while self.env["account.relance.run"]._cron_send_relances():
            pass

    def test_noumea_day_when_paris_is_still_on_the_day_before(self):
        """Monday 16 March 2026 22:30 UTC: Tuesday 17 March 9:30 in Nouméa,
        Monday 23:30 in Paris, Monday 15:30 in Los Angeles. The invoice fell
        due on Monday 16: one day late in Nouméa, not yet in Paris."""
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        with freeze_time("2026-03-16 22:30:00"):
            self.env.invalidate_all()
            self.assertEqual(self.company._get_relance_today(), date(2026, 3, 17))
            line = invoice._get_relance_open_lines()
            self.assertEqual(line.relance_days_late, 1)
            self.assertEqual(invoice.relance_next_date, date(2026, 3, 17))
            self.assertEqual(self.customer.relance_next_action_date, date(2026, 3, 17))
            self.assertEqual(self.customer.relance_oldest_days_late, 1)
            self.assertEqual(self.customer.relance_amount_overdue, 1000.0)
            row = self.env["account.relance.followup"].search(
                [("partner_id", "=", self.customer.id)]
            )
            self.assertEqual(
                (row.oldest_days_late, row.amount_overdue, row.action_due),
                (1, 1000.0, True),
            )
            self.assertEqual(row.next_action_date, date(2026, 3, 17))
            with self.mock_mail_gateway():
                self._cron()
            history = self._histories(invoice)
            self.assertEqual(history.state, "sent")
            self.assertEqual(history.level_id, self.level_by_days[1])
            self.assertEqual((history.date, history.days_late), (date(2026, 3, 17), 1))
            # the letter printed now is dated Nouméa's day
            content, _type = self.env["ir.actions.report"]._render_qweb_html(
                "account_relance_fr.report_relance_letter", self.customer.ids
            )
            text = html.fromstring(content.decode()).text_content()
            # the letter's date line, written in full (same form as the
            # mise en demeure)
            self.assertIn("March 17, 2026", text)
            self.assertNotIn("March 16, 2026", text)

    def test_each_company_sends_in_its_own_window(self):
        """Monday 16 March 2026 12:00 UTC: 13:00 in Paris (open), 23:00 in
        Nouméa (closed). The Paris company sends; Nouméa's waits for its
        window to open at 8:00, 21:00 UTC, then counts its own day."""
        paris = self.setup_other_company(name="Société Paris")["company"]
        paris.partner_id.tz = "Europe/Paris"
        here = self._invoice(self.customer, 600.0, date(2026, 3, 15))
        there = (
            self.env["account.move"]
            .with_company(paris)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer_2.id,
                    "invoice_date": date(2026, 2, 13),
                    "invoice_date_due": date(2026, 3, 15),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Prestation", "price_unit": 400.0, "tax_ids": []}
                        )
                    ],
                }
            )
        )
        there.action_post()
        with (
            freeze_time("2026-03-16 12:00:00"),
            self.mock_mail_gateway(),
            self.capture_triggers("account_relance_fr.ir_cron_send_relances") as cap,
        ):
            self._cron()
        sent_there = self._histories(there)
        self.assertEqual(sent_there.state, "sent")
        self.assertEqual(
            (sent_there.date, sent_there.days_late), (date(2026, 3, 16), 1)
        )
        self.assertFalse(self._histories(here), "Nouméa's window is closed")
        self.assertIn(
            "2026-03-16 21:00:00",
            [str(trigger.call_at) for trigger in cap.records],
            "the job runs again when Nouméa's window opens",
        )
        with freeze_time("2026-03-16 21:30:00"), self.mock_mail_gateway():
            self._cron()
        sent_here = self._histories(here)
        self.assertEqual(sent_here.state, "sent")
        self.assertEqual((sent_here.date, sent_here.days_late), (date(2026, 3, 17), 2))

    def test_contractual_rate_floor_of_the_company_half_year(self):
        """A contractual rate of 12 %: below the floor of H2 2024 (3 × 4.92 %
        = 14.76 %), above that of H1 2025 (3 × 3.71 % = 11.13 %), article
        L441-10. On 31 December 2024 at 14:30 UTC it is already 1 January 2025
        in Nouméa (the user, in Los Angeles, is still on 31 December): the
        company's half-year decides, the rate is accepted; at 12:30 UTC
        (23:30 in Nouméa) it is refused."""
        values = {
            "relance_penalty_mode": "contract",
            "relance_penalty_contract_rate": 12.0,
        }
        with freeze_time("2024-12-31 12:30:00"):
            with self.assertRaisesRegex(ValidationError, "14.76 %"):
                with self.env.cr.savepoint():
                    self.company.write(values)
        with freeze_time("2024-12-31 14:30:00"):
            self.company.write(values)
        self.assertEqual(self.company.relance_penalty_contract_rate, 12.0)
