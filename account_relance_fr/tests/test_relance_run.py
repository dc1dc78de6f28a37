from datetime import timedelta

import psycopg2
from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import format_date, mute_logger

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceRun(RelanceCommon):
    def test_standard_ladder_day_by_day(self):
        """J-5 … J+30: each level on its day, nothing in between."""
        invoice = self._invoice(self.customer, 1200.0, self.DUE)
        sent_on = {}
        with self.mock_mail_gateway():
            for offset in range(-7, 32):
                day = self.DUE + timedelta(days=offset)
                before = set(self._histories(invoice).ids)
                self._run(day)
                for history in self._histories(invoice).filtered(
                    lambda history, before=before: history.id not in before
                ):
                    sent_on[history.level_id.days] = (offset, history.state)
        self.assertEqual(
            sent_on,
            {
                -5: (-5, "sent"),
                1: (1, "sent"),
                8: (8, "sent"),
                12: (12, "sent"),
                20: (20, "sent"),
                30: (30, "to_confirm"),
            },
        )
        histories = self._histories(invoice)
        preventive, friendly, reminder, call, last, formal = histories
        # emails went to the customer, through the queue
        for history in (preventive, friendly, reminder, last):
            self.assertEqual(history.channel, "email")
            self.assertIn(invoice.name, history.mail_message_id.body)
            mail = (
                self.env["mail.mail"]
                .sudo()
                .search([("mail_message_id", "=", history.mail_message_id.id)])
            )
            self.assertEqual(mail.recipient_ids, self.customer)
            self.assertEqual(mail.state, "outgoing")
        self.assertIn(" due on ", preventive.mail_message_id.subject)
        self.assertIn("View and pay your invoice", friendly.mail_message_id.body)
        self.assertIn(
            invoice._get_relance_pay_url().split("?")[0], friendly.mail_message_id.body
        )
        # J+8 attaches the invoice PDF
        self.assertTrue(reminder.mail_message_id.attachment_ids)
        # J+12: a call for the invoice's salesperson, with the script
        self.assertEqual(call.channel, "call")
        self.assertEqual(call.activity_id.user_id, self.salesperson)
        self.assertIn(invoice.name, call.activity_id.note)
        self.assertIn("Call script", call.activity_id.note)
        # J+20: email and letter
        self.assertEqual(last.channels, "email, letter")
        self.assertTrue(last.letter_attachment_id)
        self.assertIn("L441-10", last.mail_message_id.body)
        # J+30 waits for a person
        self.assertEqual(formal.state, "to_confirm")
        self.assertFalse(formal.letter_attachment_id)
        # the invoice's summary fields
        self.assertEqual(invoice.relance_count, 5)
        self.assertEqual(invoice.relance_level_id, self.level_by_days[20])
        self.assertEqual(invoice.relance_last_date, self.DUE + timedelta(days=20))

    def test_one_message_per_customer(self):
        """Several invoices reaching a step go in one message at the highest level."""
        old = self._invoice(self.customer, 500.0, self.DUE - timedelta(days=8))
        new = self._invoice(self.customer, 300.0, self.DUE - timedelta(days=1))
        other = self._invoice(self.customer_2, 100.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
        histories = self._histories(old + new)
        self.assertEqual(len(histories), 2)
        self.assertEqual(len(histories.mail_message_id), 1)
        message = histories.mail_message_id
        self.assertIn(old.name, message.body)
        self.assertIn(new.name, message.body)
        self.assertNotIn(other.name, message.body)
        # the message takes the level of the most advanced invoice: J+1 here for
        # both because a first reminder never skips the friendly one
        self.assertEqual(set(histories.level_id.mapped("days")), {1})
        self.assertEqual(message.subject.count("Unpaid invoice"), 1)
        self.assertEqual(
            len(self._new_mails.filtered(lambda m: m.recipient_ids == self.customer)), 1
        )

    def test_overdue_reminder_leaves_out_invoices_not_yet_due(self):
        """A customer with an overdue invoice and one falling due in three
        days: the run's reminder (J+1) claims the overdue one only; the other
        waits for its own level. The control, a customer with only an invoice
        falling due in three days, gets its courtesy reminder, whose total
        says "Total" (nothing is due yet) and no "of which not yet due"
        line."""
        overdue = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=1))
        coming = self._invoice(self.customer, 300.0, self.DUE + timedelta(days=3))
        control = self._invoice(self.customer_2, 200.0, self.DUE + timedelta(days=3))
        with self.mock_mail_gateway():
            self._run(self.DUE)
        histories = self._histories(overdue)
        self.assertEqual(histories.level_id, self.level_by_days[1])
        self.assertEqual(histories.state, "sent")
        self.assertFalse(self._histories(coming))
        message = histories.mail_message_id
        self.assertIn(overdue.name, message.body)
        self.assertNotIn(coming.name, message.body)
        self.assertNotIn(coming.name, message.subject)
        self.assertNotIn("not yet due", message.body)
        self.assertIn("Total due", message.body)
        courtesy = self._histories(control)
        self.assertEqual(courtesy.level_id, self.level_by_days[-5])
        self.assertEqual(courtesy.state, "sent")
        body = courtesy.mail_message_id.body
        self.assertIn(control.name, body)
        self.assertRegex(body, r"<strong>Total</strong>")
        self.assertNotIn("Total due", body)
        self.assertNotIn("not yet due", body)

    def test_levels_progress_one_step_at_a_time(self):
        """An invoice found 40 days late starts at J+1, not at the formal notice."""
        invoice = self._invoice(self.customer, 800.0, self.DUE - timedelta(days=40))
        with self.mock_mail_gateway():
            self._run(self.DUE)
            self.assertEqual(self._histories(invoice).level_id.days, 1)
            # the minimum interval between two reminders holds the next step
            self._run(self.DUE + timedelta(days=1))
            self.assertEqual(len(self._histories(invoice)), 1)
            self._run(self.DUE + timedelta(days=3))
            self.assertEqual(self._histories(invoice).level_id.mapped("days"), [1, 8])

    def test_rerun_same_day_sends_nothing(self):
        self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
            count = self.env["account.relance.history"].search_count([])
            mails = len(self._new_mails)
            self._run(self.DUE)
            self._run(self.DUE)
        self.assertEqual(self.env["account.relance.history"].search_count([]), count)
        self.assertEqual(len(self._new_mails), mails)

    def test_unique_constraint(self):
        invoice = self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
        history = self._histories(invoice)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.IntegrityError),
            self.cr.savepoint(),
        ):
            history.copy()

    def test_payment_stops_ladder_and_thanks(self):
        invoice = self._invoice(self.customer, 400.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
            self.assertEqual(len(self._histories(invoice)), 1)
            self._pay(invoice, day=self.DUE + timedelta(days=3))
            self._run(self.DUE + timedelta(days=8))
            self._run(self.DUE + timedelta(days=9))
        self.assertEqual(len(self._histories(invoice)), 1)
        thanks = self.customer.message_ids.filtered(
            lambda message: message.subject and "Thank you" in message.subject
        )
        self.assertEqual(len(thanks), 1)
        self.assertIn(invoice.name, thanks.body)
        self.assertTrue(invoice.relance_thanked)

    def test_partial_payment_keeps_reminding_remaining(self):
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        self._pay(invoice, amount=400.0, day=self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        history = self._histories(invoice)
        self.assertEqual(history.amount_residual, 600.0)
        self.assertIn("600.00", history.mail_message_id.body)

    def test_dispute_pauses_only_that_invoice(self):
        disputed = self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        other = self._invoice(self.customer, 200.0, self.DUE - timedelta(days=1))
        disputed.action_relance_set_dispute("Marchandise abîmée")
        with self.mock_mail_gateway():
            self._run(self.DUE)
        self.assertFalse(self._histories(disputed))
        self.assertTrue(self._histories(other))
        self.assertNotIn(disputed.name, self._histories(other).mail_message_id.body)
        disputed.action_relance_resolve_dispute()
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=3))
        self.assertEqual(self._histories(disputed).level_id.days, 1)

    def test_reminders_leave_with_their_run(self):
        """The run asks Odoo's mail queue to send the reminders it queued as
        soon as a cron thread is free, not at the queue's next hourly run; a
        run that sends nothing (the control, nine days before the due date,
        before the preventive reminder's day) does not."""
        queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        invoice = self._invoice(self.customer, 300.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            with self.capture_triggers(queue.id) as capture:
                self._run(self.DUE - timedelta(days=10))
            self.assertFalse(self._histories(invoice))
            self.assertFalse(capture.records)
            with self.capture_triggers(queue.id) as capture:
                self._run(self.DUE)
        self.assertEqual(self._histories(invoice).state, "sent")
        self.assertEqual(len(capture.records), 1)
        self.assertLessEqual(capture.records.call_at, fields.Datetime.now())

    def test_promise_pauses_then_breaks(self):
        invoice = self._invoice(self.customer, 300.0, self.DUE - timedelta(days=1))
        with freeze_time(self.DUE):
            invoice.action_relance_set_promise(self.DUE + timedelta(days=5))
        # the date as the reader writes dates (03/21/2026 in English), not ISO
        promised_on = format_date(self.env, self.DUE + timedelta(days=5))
        self.assertIn(
            f"Promise to pay recorded for {promised_on}.",
            invoice.message_ids[:1].body,
        )
        with self.mock_mail_gateway():
            self._run(self.DUE)
            self._run(self.DUE + timedelta(days=7))  # promise + grace (2 days)
        self.assertFalse(self._histories(invoice))
        self.assertFalse(invoice.relance_promise_broken)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=8))
        self.assertTrue(invoice.relance_promise_broken)
        alert = invoice.activity_ids.filtered(
            lambda activity: activity.activity_type_id
            == self.env.ref("account_relance_fr.mail_activity_type_relance_promise")
        )
        self.assertEqual(alert.user_id, self.salesperson)
        self.assertIn(f"by {promised_on};", str(alert.note))
        # the ladder resumes: the invoice is 9 days late, the first step comes
        self.assertEqual(self._histories(invoice).level_id.days, 1)

    def test_promise_kept_no_reminder(self):
        invoice = self._invoice(self.customer, 300.0, self.DUE - timedelta(days=1))
        with freeze_time(self.DUE):
            invoice.action_relance_set_promise(self.DUE + timedelta(days=5))
        self._pay(invoice, day=self.DUE + timedelta(days=4))
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=10))
        self.assertFalse(self._histories(invoice))
        self.assertFalse(invoice.relance_promise_broken)

    def test_instalments_each_on_its_due_date(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "30 % à 30 jours, solde à 60 jours",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 30.0, "nb_days": 30}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 70.0, "nb_days": 60}
                    ),
                ],
            }
        )
        invoice_date = self.DUE - timedelta(days=30)
        invoice = self._invoice(
            self.customer,
            1000.0,
            self.DUE,
            invoice_date=invoice_date,
            invoice_payment_term_id=term.id,
        )
        first, second = invoice._get_relance_open_lines().sorted("date_maturity")
        self.assertEqual(first.date_maturity, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        history = self._histories(invoice)
        self.assertEqual(history.move_line_id, first)
        self.assertEqual(history.amount_residual, 300.0)
        with self.mock_mail_gateway():
            self._run(second.date_maturity + timedelta(days=1))
        second_history = self._histories(invoice).filtered(
            lambda history: history.move_line_id == second
        )
        self.assertEqual(second_history.level_id.days, 1)
        self.assertEqual(second_history.amount_residual, 700.0)

    def test_nothing_for_credit_notes_drafts_excluded_and_small_amounts(self):
        draft = self._invoice(
            self.customer, 100.0, self.DUE - timedelta(days=1), post=False
        )
        excluded = self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        excluded.relance_excluded = True
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": self.DUE - timedelta(days=20),
                "invoice_line_ids": [
                    Command.create({"name": "Avoir", "price_unit": 50.0, "tax_ids": []})
                ],
            }
        )
        refund.action_post()
        excluded_customer_invoice = self._invoice(
            self.customer_2, 100.0, self.DUE - timedelta(days=1)
        )
        self.customer_2.relance_excluded = True
        self.ladder.min_amount = 150.0
        small = self._invoice(
            self.env["res.partner"].create(
                {"name": "Petit client", "email": "p@example.com"}
            ),
            90.0,
            self.DUE - timedelta(days=1),
        )
        with self.mock_mail_gateway():
            self._run(self.DUE)
        self.assertFalse(
            self._histories(
                draft + excluded + refund + excluded_customer_invoice + small
            )
        )

    def test_failure_without_email_then_retry(self):
        self.customer.email = False
        invoice = self._invoice(self.customer, 250.0, self.DUE - timedelta(days=1))
        accountant = self.env.user
        self.company.relance_accountant_id = accountant
        with self.mock_mail_gateway():
            self._run(self.DUE)
        history = self._histories(invoice)
        self.assertEqual(history.state, "failed")
        self.assertIn("has no email address", history.error)
        failure = self.customer.activity_ids.filtered(
            lambda activity: activity.activity_type_id
            == self.env.ref("account_relance_fr.mail_activity_type_relance_failure")
        )
        self.assertEqual(failure.user_id, accountant)
        self.assertIn("has no email address", failure.note)
        # not retried the same day
        with self.mock_mail_gateway():
            self._run(self.DUE)
        self.assertEqual(self._histories(invoice), history)
        self.assertEqual(history.state, "failed")
        # fixed, retried the next day on the same history record
        self.customer.email = "compta@boulangerie-martin.example"
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        self.assertEqual(self._histories(invoice), history)
        self.assertEqual(history.state, "sent")
        self.assertFalse(history.error)
        self.assertTrue(history.mail_message_id)

    def test_failure_on_template_error_does_not_stop_others(self):
        broken = self.env["mail.template"].create(
            {
                "name": "Broken",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "Relance",
                "body_html": '<p><t t-out="object.relance_no_such_field.name"/></p>',
            }
        )
        fine_ladder = self.ladder.copy({"name": "Autre", "is_default": False})
        self.customer_2.relance_ladder_id = fine_ladder
        self.level_by_days[1].mail_template_id = broken
        failing = self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        fine = self._invoice(self.customer_2, 100.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
        self.assertEqual(self._histories(failing).state, "failed")
        self.assertTrue(self._histories(failing).error)
        self.assertEqual(self._histories(fine).state, "sent")

    def test_mail_server_refusal_recorded(self):
        invoice = self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway(), freeze_time(self.DUE):
            self._run(self.DUE)
            history = self._histories(invoice)
            mail = (
                self.env["mail.mail"]
                .sudo()
                .search([("mail_message_id", "=", history.mail_message_id.id)])
            )
            mail._postprocess_sent_message(
                success_pids=[],
                failure_reason="550 mailbox unavailable",
                failure_type="mail_smtp",
            )
        self.assertEqual(history.state, "failed")
        self.assertIn("550", history.error)

    def test_sending_window(self):
        self.company.write(
            {
                "relance_send_saturday": False,
                "relance_send_sunday": False,
                "relance_hour_from": 8.0,
                "relance_hour_to": 18.0,
                "relance_skip_holidays": True,
            }
        )
        invoice = self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        run = self.env["account.relance.run"]
        with self.mock_mail_gateway():
            # Saturday 21 March 2026, 10:00 Paris: closed
            with freeze_time("2026-03-21 09:00:00"):
                run._cron_send_relances()
            self.assertFalse(self._histories(invoice))
            # Monday 6 April 2026 is Easter Monday: closed
            with freeze_time("2026-04-06 09:00:00"):
                run._cron_send_relances()
            self.assertFalse(self._histories(invoice))
            # Tuesday 7 April 2026, 06:30 Paris (04:30 UTC): too early
            with freeze_time("2026-04-07 04:30:00"):
                run._cron_send_relances()
            self.assertFalse(self._histories(invoice))
            with freeze_time("2026-04-07 08:00:00"):
                run._cron_send_relances()
        self.assertTrue(self._histories(invoice))

    def test_to_confirm_then_approve(self):
        self.level_by_days[1].to_confirm = True
        invoice = self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
            history = self._histories(invoice)
            self.assertEqual(history.state, "to_confirm")
            self.assertFalse(history.mail_message_id)
            self._run(self.DUE)
            self.assertEqual(self._histories(invoice), history)
            with freeze_time(self.DUE):
                history.action_approve()
        self.assertEqual(history.state, "sent")
        self.assertIn(invoice.name, history.mail_message_id.body)

    def test_approve_after_payment_cancels(self):
        self.level_by_days[1].to_confirm = True
        invoice = self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
            self._pay(invoice, day=self.DUE)
            history = self._histories(invoice)
            with freeze_time(self.DUE):
                history.action_approve()
        self.assertEqual(history.state, "cancelled")
        self.assertFalse(history.mail_message_id)

    def test_batches_and_retrigger(self):
        customers = self.env["res.partner"].create(
            [
                # companies: the default ladder (individuals may have their own)
                {
                    "name": f"Client {index}",
                    "is_company": True,
                    "email": f"c{index}@example.com",
                }
                for index in range(5)
            ]
        )
        for customer in customers:
            self._invoice(customer, 100.0, self.DUE - timedelta(days=1))
        run = self.env["account.relance.run"]
        with (
            self.mock_mail_gateway(),
            freeze_time(f"{self.DUE} 09:00"),
            self.capture_triggers(
                "account_relance_fr.ir_cron_send_relances"
            ) as capture,
        ):
            self.assertEqual(run._cron_send_relances(batch_size=2), 3)
            self.assertEqual(run._cron_send_relances(batch_size=2), 1)
            self.assertEqual(run._cron_send_relances(batch_size=2), 0)
        self.assertEqual(len(capture.records), 2, capture.records.mapped("call_at"))
        self.assertEqual(
            self.env["account.relance.history"].search_count(
                [("partner_id", "in", customers.ids)]
            ),
            5,
        )

    def test_cron_record_is_wired(self):
        self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway(), freeze_time(f"{self.DUE} 09:00"):
            self.env.ref(
                "account_relance_fr.ir_cron_send_relances"
            ).sudo().method_direct_trigger()
        self.assertTrue(
            self.env["account.relance.history"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )
