from datetime import date, datetime

from odoo.tests import tagged

from odoo.addons.account_relance_fr.tests.common import RelanceCommon
from odoo.addons.sms.tests.common import SMSCommon

CRON = "account_relance_fr.ir_cron_send_relances"


@tagged("post_install", "-at_install")
class TestRelanceSmsHolidays(RelanceCommon, SMSCommon):
    """The SMS window skips the public holidays of the company's region."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        france = cls.env.ref("base.fr")
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_relance_fr_sms.transport", "iap"
        )
        # a VAT number valid for a French company (the fixture's is not)
        cls.company.vat = "FR96552100554"
        # SMS any day and hour, holidays skipped: only a holiday stops them
        sms_window = {
            "relance_sms_send_sunday": True,
            "relance_sms_hour_from": 0.0,
            "relance_sms_hour_to": 24.0,
            "relance_sms_skip_holidays": True,
        }
        cls.company.write(
            {"zip": "68100", "city": "Mulhouse", "country_id": france.id, **sms_window}
        )
        cls.paris = cls.setup_other_company(name="Atelier Paris")["company"]
        cls.paris.write(
            {
                "email": "compta@atelier-paris.example",
                "zip": "75011",
                "city": "Paris",
                "country_id": france.id,
                "relance_send_saturday": True,
                "relance_send_sunday": True,
                "relance_hour_from": 0.0,
                "relance_hour_to": 24.0,
                "relance_skip_holidays": False,
                **sms_window,
            }
        )
        cls.person = cls.env["res.partner"].create(
            {
                "name": "Camille Durand",
                "is_company": False,
                "email": "camille.durand@example.com",
                "mobile": "06 12 34 56 78",
                "country_id": france.id,
            }
        )

    def test_sms_waits_for_saint_stephen_in_alsace(self):
        self.assertEqual(self.company.relance_holiday_region_applied, "68")
        # due Wednesday 23 December 2026: the J+3 SMS falls on 26 December
        due = date(2026, 12, 23)
        here = self._invoice(self.person, 100.0, due)
        paris = self._invoice(self.person, 200.0, due, company_id=self.paris.id)
        email_only = self._invoice(self.customer, 300.0, due)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            with self.capture_triggers(CRON) as capture:
                self._run(date(2026, 12, 26))
            self.assertFalse(self._histories(here), "26 December in Mulhouse")
            self.assertTrue(
                self._histories(email_only).mail_message_id, "the emails go"
            )
            paris_history = self._histories(paris)
            self.assertEqual(paris_history.channel, "sms")
            self.assertEqual(paris_history.date, date(2026, 12, 26))
            # back when Sunday begins in Mulhouse
            self.assertIn(
                datetime(2026, 12, 26, 23, 0), capture.records.mapped("call_at")
            )
            self._run(date(2026, 12, 27))
        history = self._histories(here)
        self.assertEqual(
            (history.channel, history.date, history.sms_number),
            ("sms", date(2026, 12, 27), "+33612345678"),
        )
        self.assertIn("100.00", history.sms_body)
