from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import tagged

from ..tools import department_from_zip, region_from_address
from .common import RelanceCommon

CRON = "account_relance_fr.ir_cron_send_relances"


@tagged("post_install", "-at_install")
class TestRelanceHolidays(RelanceCommon):
    """Public holidays of the company's region and its closing days, through
    the daily job: nothing goes out on such a day, the reminder goes on the
    next open day, and a company of another region sends as usual."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        france = cls.env.ref("base.fr")
        # any day and hour: only holidays and closing days stop the job
        window = {
            "relance_send_saturday": True,
            "relance_send_sunday": True,
            "relance_hour_from": 0.0,
            "relance_hour_to": 24.0,
            "relance_skip_holidays": True,
        }
        # the VAT number of the SIREN, valid for a French company
        cls.company.vat = "FR96552100554"
        cls.company.write(
            {
                "street": "5 place Kléber",
                "zip": "67000",
                "city": "Strasbourg",
                "country_id": france.id,
                **window,
            }
        )
        cls.paris = cls.setup_other_company(name="Atelier Paris")["company"]
        cls.paris.write(
            {
                "email": "compta@atelier-paris.example",
                "street": "12 rue Oberkampf",
                "zip": "75011",
                "city": "Paris",
                "country_id": france.id,
                **window,
            }
        )

    def _invoices(self, due):
        """One invoice due on ``due`` in each company, for the same customer."""
        here = self._invoice(self.customer, 100.0, due)
        paris = self._invoice(self.customer, 200.0, due, company_id=self.paris.id)
        return here, paris

    def _assert_sent_on(self, invoice, day):
        history = self._histories(invoice)
        self.assertEqual(len(history), 1, invoice.name)
        self.assertEqual((history.date, history.state), (day, "sent"), invoice.name)
        self.assertIn(invoice.name, history.mail_message_id.body)

    def test_region_from_address(self):
        self.assertEqual(self.company.relance_holiday_region, "auto")
        self.assertEqual(self.company.relance_holiday_region_applied, "67")
        self.assertEqual(self.paris.relance_holiday_region_applied, "metropole")
        self.assertEqual(
            [
                department_from_zip(zip_code)
                for zip_code in (
                    "57000",
                    "68 100",
                    "20000",
                    "20200",
                    "97200",
                    "97133",
                    "97150",
                    "98000",
                    "1000",
                    "",
                )
            ],
            ["57", "68", "2A", "2B", "972", "977", "978", None, None, None],
        )
        # Corsica has no day of its own; Odoo's overseas countries give theirs
        self.assertEqual(region_from_address("FR", "20000"), "metropole")
        self.assertEqual(region_from_address("MQ", False), "972")
        self.assertEqual(region_from_address("RE", "97400"), "974")
        self.assertEqual(region_from_address("BE", "67000"), "metropole")
        self.assertEqual(region_from_address(False, "97600"), "976")
        # the setting wins over the address
        self.paris.relance_holiday_region = "57"
        self.assertEqual(self.paris.relance_holiday_region_applied, "57")

    def test_alsace_skips_good_friday(self):
        # due Thursday 2 April 2026: J+1 is Good Friday, a holiday in Alsace
        here, paris = self._invoices(date(2026, 4, 2))
        with self.mock_mail_gateway():
            with self.capture_triggers(CRON) as capture:
                self._run(date(2026, 4, 3))
            self.assertFalse(self._histories(here), "Good Friday in Strasbourg")
            self._assert_sent_on(paris, date(2026, 4, 3))
            # the job comes back when Saturday begins in Strasbourg
            self.assertIn(
                datetime(2026, 4, 3, 22, 0), capture.records.mapped("call_at")
            )
            self._run(date(2026, 4, 4))
        self._assert_sent_on(here, date(2026, 4, 4))
        self._assert_sent_on(paris, date(2026, 4, 3))

    def test_alsace_skips_saint_stephen(self):
        # due Friday 25 December 2026: J+1 is 26 December, a holiday in Alsace
        here, paris = self._invoices(date(2026, 12, 25))
        with self.mock_mail_gateway():
            self._run(date(2026, 12, 26))
            self.assertFalse(self._histories(here), "26 December in Strasbourg")
            self._assert_sent_on(paris, date(2026, 12, 26))
            self._run(date(2026, 12, 27))
        self._assert_sent_on(here, date(2026, 12, 27))

    def test_region_setting_overrides_address(self):
        # a Paris address, but the company keeps the days of Moselle
        self.paris.relance_holiday_region = "57"
        self.company.relance_holiday_region = "metropole"
        here, paris = self._invoices(date(2026, 4, 2))
        with self.mock_mail_gateway():
            self._run(date(2026, 4, 3))
            self.assertFalse(self._histories(paris), "Good Friday in Moselle")
            self._assert_sent_on(here, date(2026, 4, 3))
            self._run(date(2026, 4, 4))
        self._assert_sent_on(paris, date(2026, 4, 4))

    def test_overseas_own_day(self):
        # Fort-de-France: the abolition of slavery is on 22 May in Martinique
        self.company.write(
            {"street": "1 rue Victor Hugo", "zip": "97200", "city": "Fort-de-France"}
        )
        self.company.partner_id.tz = "America/Martinique"
        self.assertEqual(self.company.relance_holiday_region_applied, "972")
        here, paris = self._invoices(date(2026, 5, 21))
        with self.mock_mail_gateway():
            # 15:00 UTC: 11:00 in Fort-de-France, 17:00 in Paris
            with freeze_time("2026-05-22 15:00:00"):
                self.env["account.relance.run"]._cron_send_relances()
            self.assertFalse(self._histories(here), "22 May in Martinique")
            self._assert_sent_on(paris, date(2026, 5, 22))
            with freeze_time("2026-05-23 15:00:00"):
                self.env["account.relance.run"]._cron_send_relances()
        self._assert_sent_on(here, date(2026, 5, 23))

    def test_company_closing_days(self):
        # Strasbourg closes on Tuesday 17 March (its working hours) and on
        # Wednesday 18 March (all its calendars); Paris has no closing day
        calendar = self.company.resource_calendar_id
        self.assertTrue(calendar)
        Leave = self.env["resource.calendar.leaves"]
        # 17 March 00:00 to 23:59:59 in Strasbourg (UTC+1)
        Leave.create(
            {
                "name": "Inventaire",
                "calendar_id": calendar.id,
                "date_from": datetime(2026, 3, 16, 23, 0),
                "date_to": datetime(2026, 3, 17, 22, 59, 59),
            }
        )
        due = self.DUE  # Monday 16 March: J+1 on the first closing day
        here, paris = self._invoices(due)
        with self.mock_mail_gateway():
            self._run(date(2026, 3, 17))
            self.assertFalse(self._histories(here), "closed on 17 March")
            self._assert_sent_on(paris, date(2026, 3, 17))
            # a closing day added afterwards, for every calendar of the company
            Leave.with_company(self.company).create(
                {
                    "name": "Déménagement",
                    "calendar_id": False,
                    "date_from": datetime(2026, 3, 17, 23, 0),
                    "date_to": datetime(2026, 3, 18, 23, 0),
                }
            )
            self.assertEqual(
                self.company._get_relance_closed_days().between(
                    date(2026, 3, 16), date(2026, 3, 20)
                ),
                [date(2026, 3, 17), date(2026, 3, 18)],
            )
            self._run(date(2026, 3, 18))
            self.assertFalse(self._histories(here), "closed on 18 March")
            self._run(date(2026, 3, 19))
        self._assert_sent_on(here, date(2026, 3, 19))
        # the time off of one employee does not close the company
        employee = (
            self.env["resource.resource"]
            .sudo()
            .create({"name": "Julien Martin", "calendar_id": calendar.id})
        )
        Leave.create(
            {
                "name": "Congés",
                "calendar_id": calendar.id,
                "resource_id": employee.id,
                "date_from": datetime(2026, 3, 19, 23, 0),
                "date_to": datetime(2026, 3, 20, 22, 59, 59),
            }
        )
        self.assertNotIn(date(2026, 3, 20), self.company._get_relance_closed_days())

    def test_closing_days_in_settings(self):
        Leave = self.env["resource.calendar.leaves"]
        calendar = self.company.resource_calendar_id
        own = Leave.create(
            {
                "name": "Pont de l'Ascension",
                "calendar_id": calendar.id,
                "date_from": datetime(2026, 5, 14, 22, 0),
                "date_to": datetime(2026, 5, 15, 21, 59, 59),
            }
        )
        night_shift = self.env["resource.calendar"].create(
            {"name": "Équipe de nuit", "company_id": self.company.id}
        )
        other = Leave.create(
            {
                "name": "Fermeture de l'équipe de nuit",
                "calendar_id": night_shift.id,
                "date_from": datetime(2026, 5, 21, 22, 0),
                "date_to": datetime(2026, 5, 22, 21, 59, 59),
            }
        )
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertEqual(settings.relance_holiday_region, "auto")
        self.assertEqual(settings.relance_holiday_region_applied, "67")
        shown = Leave.search(settings.action_relance_closing_days()["domain"])
        self.assertIn(own, shown)
        self.assertNotIn(other, shown)
        closed = self.company._get_relance_closed_days()
        self.assertEqual(
            closed.between(date(2026, 5, 14), date(2026, 5, 22)),
            [date(2026, 5, 14), date(2026, 5, 15)],
            "Ascension Day and the bridge day, not the other calendar's day",
        )
        self.assertNotIn(date(2026, 5, 15), self.paris._get_relance_closed_days())
        # the company's working hours decide which closing days apply
        self.company.resource_calendar_id = night_shift
        self.assertEqual(
            self.company._get_relance_closed_days().between(
                date(2026, 5, 14), date(2026, 5, 22)
            ),
            [date(2026, 5, 14), date(2026, 5, 22)],
        )
        self.company.resource_calendar_id = calendar
        # with the box unticked, holidays and closing days are sending days
        self.company.relance_skip_holidays = False
        self.assertEqual(
            self.company._get_relance_window(),
            {
                "weekdays": set(range(7)),
                "hour_from": 0.0,
                "hour_to": 24.0,
                "skip_holidays": False,
            },
        )
        here, paris = self._invoices(date(2026, 5, 14))
        with self.mock_mail_gateway():
            self._run(date(2026, 5, 15))
        self._assert_sent_on(here, date(2026, 5, 15))
        self._assert_sent_on(paris, date(2026, 5, 15))
