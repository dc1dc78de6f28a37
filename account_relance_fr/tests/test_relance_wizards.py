from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceWizards(RelanceCommon):
    """Send-now, call outcome and dispute / promise / postpone wizards."""

    def _new_invoice(self, partner, amount, due, salesperson=None):
        move = self.init_invoice(
            "out_invoice", partner=partner, invoice_date=due, amounts=[amount], taxes=[]
        )
        move.write(
            {
                "invoice_payment_term_id": False,
                "invoice_date_due": due,
                "invoice_user_id": (salesperson or self.salesperson).id,
            }
        )
        move.action_post()
        return move

    def _receivable(self, move):
        return move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )

    def _send_wizard(self, **values):
        """*Send Reminder Now* opened on the customer, with ``values``."""
        return (
            self.env["account.relance.send.wizard"]
            .with_context(default_partner_id=self.customer.id)
            .create(values)
        )

    # ------------------------------------------------------------------
    # SEND NOW
    # ------------------------------------------------------------------

    def test_send_wizard_defaults_preview_and_send(self):
        overdue = self._new_invoice(
            self.customer, 1000.0, self.DUE - timedelta(days=10)
        )
        older = self._new_invoice(self.customer, 250.0, self.DUE - timedelta(days=2))
        not_due = self._new_invoice(self.customer, 400.0, self.DUE + timedelta(days=10))
        with freeze_time(self.DUE):
            wizard = self._send_wizard()
            self.assertEqual(
                wizard.line_ids,
                self._receivable(overdue | older),
                "overdue ones preselected",
            )
            self.assertIn(self._receivable(not_due), wizard.available_line_ids)
            self.assertEqual(wizard.ladder_id, self.ladder)
            # nothing sent yet: the engine's next step, one at a time, is J+1
            self.assertEqual(wizard.level_id, self.level_by_days[1])
            self.assertEqual(wizard._get_selected_channels(), ["email"])
            self.assertEqual(wizard.amount_selected, 1250.0)
            self.assertIn(overdue.name, wizard.preview_subject)
            self.assertIn(overdue.name, wizard.preview_body)
            self.assertIn(older.name, wizard.preview_body)
            self.assertNotIn(not_due.name, wizard.preview_body)
            with self.mock_mail_gateway():
                result = wizard.action_send()
            self.assertEqual(result["params"]["type"], "success")
        histories = self._histories(overdue | older)
        self.assertEqual(histories.mapped("state"), ["sent", "sent"])
        self.assertEqual(histories.level_id, self.level_by_days[1])
        message = histories.mail_message_id
        self.assertEqual(len(message), 1, "one message for the customer")
        self.assertIn(overdue.name, message.body)
        self.assertEqual(message.subject, wizard.preview_subject)
        self.assertFalse(self._histories(not_due))

        with freeze_time(self.DUE):
            # the same level again: nothing left to send
            wizard = self._send_wizard(level_id=self.level_by_days[1].id)
            with self.assertRaisesRegex(UserError, "Nothing was sent"):
                wizard.action_send()
            # the default is now the next step, J+8 for the 10 days late invoice
            wizard = self._send_wizard()
            self.assertEqual(wizard.level_id, self.level_by_days[8])
            self.assertEqual(wizard._get_selected_channels(), ["email"])

    def test_send_wizard_disputed_level_and_preview(self):
        """Disputed invoices are unticked and shown apart; the level is the
        one the daily job would send; the preview holds only what the
        customer receives."""
        disputed = self._new_invoice(
            self.customer, 900.0, self.DUE - timedelta(days=20)
        )
        disputed.action_relance_set_dispute("Goods damaged")
        late = self._new_invoice(self.customer, 400.0, self.DUE - timedelta(days=13))
        Wizard = self.env["account.relance.send.wizard"].with_context(
            default_partner_id=self.customer.id
        )
        with freeze_time(self.DUE):
            wizard = Wizard.create({})
            self.assertEqual(wizard.line_ids, self._receivable(late))
            self.assertEqual(wizard.disputed_line_ids, self._receivable(disputed))
            # never reminded: the job sends J+1 first, not the J+12 call
            plan = self.env["account.relance.run"]._plan(
                self.company, self.DUE, partners=self.customer
            )
            self.assertEqual(
                {level for _c, _p, items in plan for _line, level in items},
                {self.level_by_days[1]},
            )
            self.assertEqual(wizard.level_id, self.level_by_days[1])
            self.assertNotIn(disputed.name, wizard.preview_body)
            # the call level: its script is for the salesperson, not previewed
            wizard.level_id = self.level_by_days[12]
            self.assertTrue(wizard.channel_call)
            self.assertNotIn("Call script", wizard.preview_body or "")
            self.assertNotIn(
                self.level_by_days[12].activity_note, wizard.preview_body or ""
            )
            # a letter is announced in the preview
            wizard.level_id = self.level_by_days[20]
            self.assertTrue(wizard.channel_letter)
            self.assertIn("printed letter", wizard.preview_body)
            self.assertIn(late.name, wizard.preview_body)

    def test_send_wizard_channels_and_errors(self):
        invoice = self._new_invoice(self.customer, 500.0, self.DUE - timedelta(days=3))
        with freeze_time(self.DUE):
            form = Form(
                self.env["account.relance.send.wizard"].with_context(
                    default_partner_id=self.customer.id
                )
            )
            form.level_id = self.level_by_days[20]
            self.assertTrue(form.channel_email)
            self.assertTrue(form.channel_letter)
            self.assertFalse(form.channel_call)
            form.channel_email = False
            wizard = form.save()
            self.assertEqual(wizard._get_selected_channels(), ["letter"])
            wizard.channel_letter = False
            with self.assertRaisesRegex(UserError, "at least one channel"):
                wizard.action_send()
            wizard.channel_letter = True
            wizard.line_ids = False
            with self.assertRaisesRegex(UserError, "at least one instalment"):
                wizard.action_send()
            wizard.line_ids = self._receivable(invoice)
            wizard.action_send()
        history = self._histories(invoice)
        self.assertEqual((history.state, history.channels), ("sent", "letter"))
        self.assertTrue(history.letter_attachment_id)
        self.assertFalse(history.mail_message_id)

    def test_formal_notice_claims_overdue_invoices_only(self):
        """A person sending a formal notice with an invoice not overdue yet
        (due today) is told to untick it, and nothing is sent; the same formal
        notice for the overdue invoice alone (the control) goes."""
        self.company.write(
            {"street": "12 quai Saint-Vincent", "zip": "69001", "city": "Lyon"}
        )
        overdue = self._new_invoice(self.customer, 500.0, self.DUE - timedelta(days=40))
        due_today = self._new_invoice(self.customer, 200.0, self.DUE)
        with freeze_time(self.DUE):
            wizard = self._send_wizard()
            self.assertEqual(wizard.line_ids, self._receivable(overdue))
            wizard.level_id = self.level_by_days[30]
            wizard.line_ids |= self._receivable(due_today)
            with self.assertRaisesRegex(
                UserError,
                f"invoice {due_today.name} is not overdue yet. Untick it",
            ):
                wizard.action_send()
            self.assertFalse(self._histories(overdue | due_today))
            wizard.line_ids -= self._receivable(due_today)
            wizard.action_send()
        history = self._histories(overdue)
        self.assertEqual((history.state, history.level_id.days), ("sent", 30))
        self.assertTrue(history.letter_attachment_id)
        self.assertFalse(self._histories(due_today))

    def test_level_after_due_date_needs_an_invoice_due(self):
        """A reminder sent after the due date asks to pay what is due: with
        only an invoice not due yet selected, the person is asked to choose a
        level sent before the due date; the preventive level (the control)
        goes, and so does the friendly reminder for an invoice due today."""
        coming = self._new_invoice(self.customer, 300.0, self.DUE + timedelta(days=4))
        due_today = self._new_invoice(self.customer, 200.0, self.DUE)
        with freeze_time(self.DUE):
            wizard = self._send_wizard()
            wizard.line_ids = self._receivable(coming)
            wizard.level_id = self.level_by_days[1]
            with self.assertRaisesRegex(
                UserError, "None of the selected invoices is due yet"
            ):
                wizard.action_send()
            self.assertFalse(self._histories(coming))
            wizard.level_id = self.level_by_days[-5]
            wizard.channel_email = True
            wizard.action_send()
            wizard.line_ids = self._receivable(due_today)
            wizard.level_id = self.level_by_days[1]
            wizard.channel_email = True
            wizard.action_send()
        self.assertEqual(self._histories(coming).level_id.days, -5)
        self.assertEqual(self._histories(due_today).level_id.days, 1)

    # ------------------------------------------------------------------
    # CALL OUTCOME
    # ------------------------------------------------------------------

    def _schedule_call(self, invoice, day):
        """The ladder's call, scheduled for the invoice's salesperson on ``day``."""
        salesperson = invoice.invoice_user_id
        with freeze_time(day):
            histories = self.env["account.relance.run"]._send_now(
                self.customer,
                self._receivable(invoice),
                self.level_by_days[12],
                ["call"],
            )
        activity = histories.activity_id
        self.assertEqual(activity.user_id, salesperson)
        return activity

    def _record_outcome(self, activity, user=None, **values):
        wizard_model = self.env["account.relance.call.outcome.wizard"]
        if user:
            wizard_model = wizard_model.with_user(user)
        return wizard_model.with_context(default_activity_id=activity.id).create(values)

    def test_call_outcome_promise_as_salesperson(self):
        """A salesperson without accounting rights records a promise."""
        salesperson = new_test_user(
            self.env, login="paul.relance", groups="base.group_user"
        )
        invoice = self._new_invoice(
            self.customer,
            1200.0,
            self.DUE - timedelta(days=12),
            salesperson=salesperson,
        )
        other = self._new_invoice(self.customer, 300.0, self.DUE - timedelta(days=1))
        activity = self._schedule_call(invoice, self.DUE)
        self.assertFalse(salesperson.has_group("account.group_account_invoice"))
        # closing the call without an outcome is refused
        with self.assertRaises(RedirectWarning):
            activity.with_user(salesperson).action_feedback(feedback="done")
        with freeze_time(self.DUE):
            wizard = self._record_outcome(
                activity,
                user=salesperson,
                outcome="promise",
                promise_date=self.DUE + timedelta(days=5),
                feedback="Will pay by transfer on Friday",
            )
            self.assertEqual(wizard.partner_id, self.customer)
            self.assertIn(invoice.name, wizard.invoice_summary)
            self.assertNotIn(other.name, wizard.invoice_summary)
            wizard.action_confirm()
        self.assertEqual(invoice.relance_promise_date, self.DUE + timedelta(days=5))
        self.assertFalse(other.relance_promise_date, "only the invoices of the call")
        self.assertFalse(activity.exists(), "the call is done")
        history = self._histories(invoice).filtered(lambda h: h.channel == "call")
        self.assertEqual(history.call_outcome, "promise")
        self.assertIn("Will pay by transfer on Friday", history.call_note)
        message = self.customer.message_ids[0]
        self.assertIn("Promise to Pay", message.body)
        self.assertIn("Will pay by transfer on Friday", message.body)
        self.assertEqual(message.author_id, salesperson.partner_id)

    def test_call_outcome_dispute_paid_wrong_contact(self):
        invoice = self._new_invoice(
            self.customer, 1200.0, self.DUE - timedelta(days=12)
        )
        accountant = new_test_user(
            self.env, login="compta.relance", groups="account.group_account_invoice"
        )
        self.company.relance_accountant_id = accountant
        with freeze_time(self.DUE):
            activity = self._schedule_call(invoice, self.DUE)
            wizard = self._record_outcome(
                activity, user=self.salesperson, outcome="dispute"
            )
            with self.assertRaisesRegex(UserError, "reason"):
                wizard.action_confirm()
            wizard.dispute_reason = "Goods damaged"
            wizard.action_confirm()
            self.assertTrue(invoice.relance_dispute)
            self.assertEqual(invoice.relance_dispute_reason, "Goods damaged")
            self.assertFalse(activity.exists())
            invoice.action_relance_resolve_dispute()

            for outcome, summary in (
                ("paid", "Check a payment"),
                ("wrong_contact", "Fix the reminder contact"),
            ):
                self.env["account.relance.history"].sudo().search(
                    [("move_id", "=", invoice.id)]
                ).unlink()
                activity = self._schedule_call(invoice, self.DUE)
                self._record_outcome(
                    activity, user=self.salesperson, outcome=outcome, feedback="Noted"
                ).action_confirm()
                self.assertFalse(activity.exists())
                todo = self.customer.activity_ids.filtered(
                    lambda act, summary=summary: act.summary == summary
                )
                self.assertEqual(todo.user_id, accountant)
                self.assertIn("Noted", todo.note)
        self.assertFalse(invoice.relance_dispute)
        self.assertFalse(invoice.relance_promise_date)

    def test_call_outcome_no_answer_reschedules(self):
        invoice = self._new_invoice(
            self.customer, 1200.0, self.DUE - timedelta(days=12)
        )
        friday = date(2026, 3, 20)
        activity = self._schedule_call(invoice, friday)
        with freeze_time(friday):
            self._record_outcome(
                activity, user=self.salesperson, outcome="no_answer"
            ).action_confirm()
        self.assertTrue(activity.exists(), "the call stays open")
        self.assertEqual(activity.date_deadline, date(2026, 3, 24), "two working days")
        self.assertIn("no answer", self.customer.message_ids[0].body)
        history = self._histories(invoice).filtered(lambda h: h.channel == "call")
        self.assertEqual(history.call_outcome, "no_answer")
        # Ascension 2026 is Thursday 14 May: skipped with the company's holidays
        self.company.relance_skip_holidays = True
        with freeze_time(date(2026, 5, 13)):
            self._record_outcome(
                activity, user=self.salesperson, outcome="no_answer"
            ).action_confirm()
        self.assertEqual(activity.date_deadline, date(2026, 5, 18))

    def test_call_outcome_only_own_calls(self):
        invoice = self._new_invoice(
            self.customer, 1200.0, self.DUE - timedelta(days=12)
        )
        activity = self._schedule_call(invoice, self.DUE)
        colleague = new_test_user(
            self.env, login="sophie.relance", groups="base.group_user"
        )
        wizard = self._record_outcome(
            activity, user=colleague, outcome="promise", promise_date=self.DUE
        )
        with freeze_time(self.DUE), self.assertRaises(AccessError):
            wizard.action_confirm()
        self.assertTrue(activity.exists())
        self.assertFalse(invoice.relance_promise_date)

    # ------------------------------------------------------------------
    # DISPUTE / PROMISE / POSTPONE
    # ------------------------------------------------------------------

    def test_action_wizard_on_invoices_and_customers(self):
        first = self._new_invoice(self.customer, 100.0, self.DUE - timedelta(days=5))
        second = self._new_invoice(self.customer, 200.0, self.DUE + timedelta(days=5))
        third = self._new_invoice(self.customer_2, 300.0, self.DUE - timedelta(days=5))
        Wizard = self.env["account.relance.action.wizard"]
        with freeze_time(self.DUE):
            wizard = Wizard.with_context(
                active_model="account.move", active_ids=first.ids
            ).create({"action_type": "dispute", "reason": "Price"})
            self.assertEqual(wizard.target_move_ids, first)
            wizard.action_confirm()
            self.assertTrue(first.relance_dispute)
            self.assertFalse(second.relance_dispute)

            # a promise on customers covers their overdue invoices
            wizard = Wizard.with_context(
                active_model="res.partner",
                active_ids=(self.customer | self.customer_2).ids,
            ).create({"action_type": "promise", "date": self.DUE + timedelta(days=7)})
            self.assertEqual(wizard.target_move_ids, first | third)
            wizard.action_confirm()
            self.assertEqual(third.relance_promise_date, self.DUE + timedelta(days=7))
            self.assertFalse(second.relance_promise_date)
            with self.assertRaises(UserError):
                Wizard.with_context(
                    active_model="account.move", active_ids=second.ids
                ).create(
                    {"action_type": "promise", "date": self.DUE - timedelta(days=1)}
                ).action_confirm()

            # postponing from invoices postpones their customers
            wizard = Wizard.with_context(
                active_model="account.move", active_ids=third.ids
            ).create({"action_type": "postpone", "date": self.DUE})
            with self.assertRaisesRegex(UserError, "future"):
                wizard.action_confirm()
            wizard.date = self.DUE + timedelta(days=20)
            wizard.action_confirm()
        self.assertEqual(
            self.customer_2.relance_postponed_until, self.DUE + timedelta(days=20)
        )
        self.assertFalse(self.customer.relance_postponed_until)
