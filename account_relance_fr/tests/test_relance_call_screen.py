from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .common import RelanceCommon
from .tour_screenshots import RelanceTourScreenshots


@tagged("post_install", "-at_install")
class TestRelanceCallScreen(RelanceTourScreenshots, RelanceCommon, HttpCase):
    """The salesperson closes a reminder call from the chatter."""

    def _schedule_call(self):
        """A call scheduled today for the salesperson, on an invoice 12 days late."""
        today = self.company._get_relance_today()
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.customer,
            invoice_date=today - timedelta(days=12),
            amounts=[1200.0],
            taxes=[],
        )
        invoice.write(
            {
                "invoice_payment_term_id": False,
                "invoice_date_due": today - timedelta(days=12),
                "invoice_user_id": self.salesperson.id,
            }
        )
        invoice.action_post()
        line = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        histories = self.env["account.relance.run"]._send_now(
            self.customer, line, self.level_by_days[12], ["call"]
        )
        self.assertTrue(histories.activity_id)
        return invoice, histories

    def test_done_opens_outcome_keeping_comment(self):
        """Every way of closing the call leads to its outcome, none raises."""
        invoice, histories = self._schedule_call()
        activity = histories.activity_id.with_user(self.salesperson)
        for action in (
            activity.action_relance_call_outcome(feedback="Busy, call back"),
            activity.action_feedback_schedule_next(feedback="Busy, call back"),
        ):
            self.assertEqual(action["res_model"], "account.relance.call.outcome.wizard")
            self.assertEqual(action["context"]["default_activity_id"], activity.id)
            self.assertEqual(action["context"]["default_feedback"], "Busy, call back")
        self.assertEqual(
            activity.action_done()["res_model"], "account.relance.call.outcome.wizard"
        )
        self.assertTrue(activity.exists(), "nothing closed the call")
        # the web client knows which activity is a reminder call
        todo = self.customer.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.salesperson.id
        )
        data = (activity | todo).activity_format()["mail.activity"]
        flags = {values["id"]: values["relance_call"] for values in data}
        self.assertEqual(flags, {activity.id: True, todo.id: False})
        self.assertFalse(todo.action_relance_call_outcome())
        todo.action_feedback(feedback="done")
        self.assertFalse(todo.exists(), "other activities close as usual")
        self.assertFalse(invoice.relance_promise_date)

    def test_tour_salesperson_records_promise(self):
        """From the Payment Reminders app to the customer's call: chatter
        "Done" with a comment opens the outcome wizard directly; the promise
        lands on the invoice, the reminder history and the chatter."""
        invoice, histories = self._schedule_call()
        self.salesperson.password = "julien.relance"
        self.start_tour(
            "/odoo",
            "relance_call_outcome",
            login="julien.relance",
        )
        today = self.company._get_relance_today()
        self.assertEqual(invoice.relance_promise_date, today + timedelta(days=5))
        self.assertFalse(histories.activity_id.exists())
        self.assertEqual(histories.call_outcome, "promise")
        self.assertEqual(histories.call_user_id, self.salesperson)
        self.assertEqual(histories.call_date, today)
        self.assertIn("Will pay by transfer on Friday", histories.call_note)
        self.assertIn("Promise to Pay", histories.call_note)
        message = self.customer.message_ids.filtered(
            lambda message: "Will pay by transfer on Friday" in (message.body or "")
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.salesperson.partner_id)
        names = {path.name for path in self.screenshots}
        for step in ("my-customers", "call-activity", "call-outcome"):
            for width in ("desktop", "phone"):
                self.assertIn(f"relance_call_outcome-{step}-{width}.png", names)
