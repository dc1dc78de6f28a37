from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceAccountantRights(RelanceCommon):
    """An accountant with the Invoicing rights only (no "Contact Creation")
    sends reminders from the follow-up screen and the send wizard: the
    reminders are the company's, written on the customer's chatter whoever
    may edit contacts; a salesperson still cannot send them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="compta.sans.contacts",
            name="Léa Comptable",
            email="lea@atelier.example",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
        )

    def test_accountant_without_contact_rights_sends(self):
        self.assertFalse(self.accountant.has_group("base.group_partner_manager"))
        by_wizard = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=10))
        by_row = self._invoice(self.customer_2, 300.0, self.DUE - timedelta(days=10))
        with freeze_time(self.DUE), self.mock_mail_gateway():
            wizard = (
                self.env["account.relance.send.wizard"]
                .with_user(self.accountant)
                .with_context(default_partner_id=self.customer.id)
                .create({})
            )
            result = wizard.action_send()
            self.assertEqual(result["params"]["type"], "success")
            self.env["account.relance.followup"].invalidate_model()
            row = (
                self.env["account.relance.followup"]
                .with_user(self.accountant)
                .search([("partner_id", "=", self.customer_2.id)])
            )
            result = row.action_process()
            self.assertEqual(result["params"]["type"], "success")
        for move, partner in ((by_wizard, self.customer), (by_row, self.customer_2)):
            history = self._histories(move)
            self.assertEqual(history.mapped("state"), ["sent"])
            message = history.mail_message_id
            self.assertEqual(message.model, "res.partner")
            self.assertEqual(message.res_id, partner.id)
            # sent by the company, asked by the accountant
            self.assertIn("compta@atelier.example", message.email_from)
            self.assertEqual(message.create_uid, self.accountant)
            self.assertIn(move.name, message.body)
            mail = (
                self.env["mail.mail"]
                .sudo()
                .search([("mail_message_id", "=", message.id)])
            )
            self.assertEqual(mail.recipient_ids, partner)

    def test_salesperson_cannot_send(self):
        overdue = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=10))
        line = overdue.line_ids.filtered("date_maturity")
        level = self.level_by_days[8]
        run = self.env["account.relance.run"].with_user(self.salesperson)
        with freeze_time(self.DUE), self.assertRaises(AccessError):
            run._send_now(self.customer, line, level, ["email"])
        self.assertFalse(self._histories(overdue))
