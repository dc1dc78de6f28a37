from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceAccountantRights(RelanceCommon):
    """An accountant with the Invoicing rights only (no "Contact Creation")
    sends reminders from the follow-up screen and the send wizard: the
    reminders are the company's, written on the customer's chatter whoever
    may edit contacts."""

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
            self.assertEqual(message.author_id, self.accountant.partner_id)
            self.assertIn(move.name, message.body)
            mail = (
                self.env["mail.mail"]
                .sudo()
                .search([("mail_message_id", "=", message.id)])
            )
            self.assertEqual(mail.recipient_ids, partner)
