from datetime import timedelta

from odoo.tests import tagged

from odoo.addons.account_relance_fr.tests.common import RelanceCommon
from odoo.addons.sms.tests.common import SMSCommon

MOBILE = "+33612345678"
OTHER_MOBILE = "+33698765432"


@tagged("post_install", "-at_install")
class TestRelanceSmsRecipient(RelanceCommon, SMSCommon):
    """The SMS number follows the recipient chain; the SMS text the
    customer's language, whoever runs the job."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_relance_fr_sms.transport", "iap"
        )
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr_sms")._update_translations(
            ["fr_FR"]
        )
        cls.company.write(
            {
                "relance_sms_send_saturday": True,
                "relance_sms_send_sunday": True,
                "relance_sms_hour_from": 0.0,
                "relance_sms_hour_to": 24.0,
                "relance_sms_skip_holidays": False,
            }
        )
        # the friendly reminder of the standard ladder goes by SMS only
        cls.friendly = cls.level_by_days[1]
        cls.friendly.write(
            {
                "channel_sms": True,
                "channel_email": False,
                "sms_template_id": cls.env.ref(
                    "account_relance_fr_sms.sms_template_relance_friendly"
                ).id,
            }
        )
        france = cls.env.ref("base.fr")
        cls.menuiserie = cls.env["res.partner"].create(
            {"name": "Menuiserie Leroy", "is_company": True, "country_id": france.id}
        )
        cls.paul = cls.env["res.partner"].create(
            {
                "name": "Paul Leroy",
                "parent_id": cls.menuiserie.id,
                "mobile": "06 12 34 56 78",
                "country_id": france.id,
            }
        )
        cls.customer_2.write({"mobile": "06 98 76 54 32", "country_id": france.id})

    def test_sms_goes_to_the_contact_the_invoice_is_addressed_to(self):
        invoice = self._invoice(self.paul, 640.0, self.DUE)
        control = self._invoice(self.customer_2, 80.0, self.DUE)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        history = self._histories(invoice)
        self.assertEqual(history.state, "sent")
        self.assertEqual(history.channel, "sms")
        self.assertEqual(history.sms_number, MOBILE)
        self.assertFalse(history.sms_skip_reason)
        self.assertSMSOutgoing(self.paul, MOBILE, content=invoice.name)
        self.assertEqual(self._histories(control).sms_number, OTHER_MOBILE)

    def test_sms_in_the_customer_language_whoever_runs_the_job(self):
        # a French job user, an English customer
        self.env.user.lang = "fr_FR"
        self.customer_2.lang = "en_US"
        english = self._invoice(self.customer_2, 80.0, self.DUE)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        body = self._histories(english).sms_body
        # one day: singular
        self.assertIn(f"your invoice {english.name} of ", body)
        self.assertIn(" is 1 day overdue. If you have already paid", body)
        self.assertNotIn("facture", body)
        # an English job user, a French customer (the invoice's contact)
        self.env.user.lang = "en_US"
        self.menuiserie.lang = "fr_FR"
        self.paul.lang = "fr_FR"
        french = self._invoice(self.paul, 640.0, self.DUE + timedelta(days=7))
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=8))
        body = self._histories(french).sms_body
        self.assertIn(
            f"sauf erreur de notre part, votre facture {french.name} de", body
        )
        self.assertIn(" est échue depuis 1 jour. Si vous avez déjà réglé", body)
        self.assertNotIn("invoice", body)
