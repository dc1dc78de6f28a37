import smtplib
from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import exception_to_unicode, format_date

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceFailures(RelanceCommon):
    """What a person must fix is said in a sentence; nothing is lost, nothing
    is sent twice, nothing is tried again in vain."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls.env.user
        cls.company.relance_accountant_id = cls.accountant
        cls.failure_type = cls.env.ref(
            "account_relance_fr.mail_activity_type_relance_failure"
        )

    def _failure_activities(self, partner):
        return partner.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.failure_type
        )

    def _refuse(self, history, failure_reason, failure_type="unknown"):
        """The mail queue's answer for the reminder's email, as ``mail.mail._send``
        gives it after the SMTP server refused it."""
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "=", history.mail_message_id.id)])
        )
        self.assertEqual(len(mail), 1)
        mail._postprocess_sent_message(
            success_pids=[], failure_reason=failure_reason, failure_type=failure_type
        )

    def _refused_reason(self, email, code, text):
        """Exactly what ``mail.mail._send`` records for a refused recipient."""
        return exception_to_unicode(
            smtplib.SMTPRecipientsRefused({email: (code, text.encode())})
        )

    def _mail_count(self, partner):
        return (
            self.env["mail.mail"]
            .sudo()
            .search_count([("recipient_ids", "in", partner.ids)])
        )

    def test_archived_customer_failed_not_sent(self):
        """A customer archived with open invoices: a failure naming it, no
        "sent" history without its email; the other customers are sent."""
        invoice = self._invoice(self.customer, 250.0, self.DUE - timedelta(days=1))
        control = self._invoice(self.customer_2, 250.0, self.DUE - timedelta(days=1))
        self.customer.active = False
        with self.mock_mail_gateway():
            self._run(self.DUE)
        history = self._histories(invoice)
        self.assertEqual(history.state, "failed")
        self.assertFalse(history.mail_message_id)
        self.assertIn("Boulangerie Martin is archived", history.error)
        self.assertIn("Restore it", history.error)
        self.assertEqual(self._mail_count(self.customer), 0)
        activity = self._failure_activities(self.customer)
        self.assertEqual(activity.user_id, self.accountant)
        self.assertIn("is archived", activity.note)
        self.assertEqual(self._histories(control).state, "sent")
        self.assertEqual(self._mail_count(self.customer_2), 1)

    def test_permanent_refusal_waits_for_a_new_address(self):
        """550: no new attempt until the address is corrected, then the
        reminder goes and the accountant's activity is closed."""
        invoice = self._invoice(self.customer, 250.0, self.DUE - timedelta(days=1))
        # the control customer is due a day later: reminded the next day
        control = self._invoice(self.customer_2, 250.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE)
        history = self._histories(invoice)
        self._refuse(
            history,
            self._refused_reason(
                "compta@boulangerie-martin.example", 550, "5.1.1 User unknown"
            ),
        )
        self.assertEqual(history.state, "failed")
        self.assertTrue(history.retry_blocked)
        self.assertIn(
            "The mail server refused the address compta@boulangerie-martin.example "
            "of Boulangerie Martin for good",
            history.error,
        )
        self.assertIn("Correct the contact's email address", history.error)
        # the server's own words close the sentence, quoted
        self.assertRegex(
            history.error, r"until then\. Server's answer: “[^”]*550[^”]*”\.$"
        )
        activity = self._failure_activities(self.customer)
        self.assertIn(
            "The reminder could not be sent. The mail server refused the address",
            activity.note,
        )
        # the next two days: nothing to the refused address, the control is sent
        for day in (1, 2):
            with self.mock_mail_gateway():
                self._run(self.DUE + timedelta(days=day))
            self.assertEqual(self._histories(invoice), history)
            self.assertEqual(history.state, "failed")
        self.assertEqual(self._histories(control).state, "sent")
        self.assertEqual(self._mail_count(self.customer), 1)
        # corrected: tried again the next day, the activity is closed
        self.customer.email = "comptabilite@boulangerie-martin.example"
        self.assertFalse(history.retry_blocked)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=3))
        self.assertEqual(self._histories(invoice), history)
        self.assertEqual(history.state, "sent")
        self.assertFalse(history.error)
        self.assertEqual(self._mail_count(self.customer), 2)
        self.assertFalse(self._failure_activities(self.customer))
        # marked done (Odoo keeps the trace in the chatter)
        self.assertFalse(activity.exists())
        sent_on = format_date(self.env, self.DUE + timedelta(days=3))
        done = self.customer.message_ids.filtered(
            lambda message: f"The reminder was sent on {sent_on}." in message.body
        )
        self.assertEqual(len(done), 1)

    def test_temporary_refusal_retried_next_day(self):
        """451: tried again the next day without anyone's help; the activity
        closes when the reminder finally goes."""
        invoice = self._invoice(self.customer, 250.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
        history = self._histories(invoice)
        self._refuse(
            history,
            self._refused_reason(
                "compta@boulangerie-martin.example", 451, "4.7.1 Try again later"
            ),
        )
        self.assertEqual(history.state, "failed")
        self.assertFalse(history.retry_blocked)
        self.assertIn("did not accept the reminder", history.error)
        self.assertIn("tried again the next sending day", history.error)
        self.assertTrue(self._failure_activities(self.customer))
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        self.assertEqual(history.state, "sent")
        self.assertEqual(self._mail_count(self.customer), 2)
        self.assertFalse(self._failure_activities(self.customer))

    def test_failure_activities_closed_together(self):
        """Two customers refused for a while (451) are sent again in one batch
        the next day: both activities close; a customer refused for good
        (550) is not tried again and keeps its activity."""
        customer_3 = self.customer_2.copy(
            {"name": "Fromagerie Blanc", "email": "compta@fromagerie-blanc.example"}
        )
        invoices = {
            partner: self._invoice(partner, 250.0, self.DUE - timedelta(days=1))
            for partner in (self.customer, self.customer_2, customer_3)
        }
        with self.mock_mail_gateway():
            self._run(self.DUE)
        for partner, code, text in (
            (self.customer, 451, "4.7.1 Try again later"),
            (self.customer_2, 451, "4.7.1 Try again later"),
            (customer_3, 550, "5.1.1 User unknown"),
        ):
            self._refuse(
                self._histories(invoices[partner]),
                self._refused_reason(partner.email, code, text),
            )
            self.assertEqual(self._histories(invoices[partner]).state, "failed")
            self.assertEqual(len(self._failure_activities(partner)), 1)
        activities = {
            partner: self._failure_activities(partner) for partner in invoices
        }
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        sent_on = format_date(self.env, self.DUE + timedelta(days=1))
        for partner in (self.customer, self.customer_2):
            self.assertEqual(self._histories(invoices[partner]).state, "sent")
            self.assertEqual(self._mail_count(partner), 2)
            self.assertFalse(self._failure_activities(partner), partner.name)
            self.assertFalse(activities[partner].exists())
            done = partner.message_ids.filtered(
                lambda message: f"The reminder was sent on {sent_on}." in message.body
            )
            self.assertEqual(len(done), 1, partner.name)
        self.assertEqual(self._histories(invoices[customer_3]).state, "failed")
        self.assertEqual(self._mail_count(customer_3), 1)
        self.assertEqual(self._failure_activities(customer_3), activities[customer_3])

    def test_invalid_address_in_the_accountants_language(self):
        """No bare "mail_email_invalid": a French accountant reads a French
        sentence naming the address to correct."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        self.accountant.lang = "fr_FR"
        invoice = self._invoice(self.customer, 250.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
        history = self._histories(invoice)
        self._refuse(history, False, "mail_email_invalid")
        self.assertEqual(history.state, "failed")
        self.assertTrue(history.retry_blocked)
        self.assertNotIn("mail_email_invalid", history.error)
        self.assertIn(
            "L'adresse e-mail compta@boulangerie-martin.example de Boulangerie "
            "Martin n'est pas valide",
            history.error,
        )
        activity = self._failure_activities(self.customer)
        self.assertIn("n'est pas valide", activity.note)
