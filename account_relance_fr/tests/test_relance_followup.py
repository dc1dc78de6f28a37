from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceFollowup(RelanceCommon):
    """The follow-up screen: SQL rows, filters, record rules and actions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Followup = cls.env["account.relance.followup"]
        cls.split_terms = cls.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 0}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 30}
                    ),
                ],
            }
        )

    def _new_invoice(self, partner, amount, due, post=True, **values):
        """A customer invoice of ``amount`` without tax, due on ``due``."""
        move = self.init_invoice(
            "out_invoice", partner=partner, invoice_date=due, amounts=[amount], taxes=[]
        )
        move.write(
            {"invoice_payment_term_id": False, "invoice_date_due": due, **values}
        )
        if post:
            move.action_post()
        return move

    def _rows(self, domain=None, user=None):
        """Fresh follow-up rows of the test company (the SQL view is re-read)."""
        self.Followup.invalidate_model()
        model = self.Followup.with_user(user) if user else self.Followup
        return model.search([("company_id", "=", self.company.id)] + (domain or []))

    def _row(self, partner):
        rows = self._rows([("partner_id", "=", partner.id)])
        self.assertLessEqual(len(rows), 1)
        return rows

    # ------------------------------------------------------------------
    # ROWS
    # ------------------------------------------------------------------

    def test_rows_amounts_and_priority(self):
        """One row per customer with open instalments; amounts, delay, priority."""
        late = self._new_invoice(self.customer, 1000.0, self.DUE - timedelta(days=20))
        self._new_invoice(self.customer, 500.0, self.DUE + timedelta(days=20))
        self._new_invoice(
            self.customer, 400.0, self.DUE, invoice_payment_term_id=self.split_terms.id
        )
        other = self._new_invoice(self.customer_2, 200.0, self.DUE - timedelta(days=3))
        # nothing else counts: drafts, paid invoices, credit notes
        self._new_invoice(
            self.customer_2, 999.0, self.DUE - timedelta(days=3), post=False
        )
        paid = self._new_invoice(self.customer_2, 300.0, self.DUE - timedelta(days=3))
        self._pay(paid, day=self.DUE - timedelta(days=1))
        self.init_invoice(
            "out_refund",
            partner=self.customer_2,
            invoice_date=self.DUE,
            amounts=[50.0],
            taxes=[],
            post=True,
        )
        with freeze_time(self.DUE + timedelta(days=10)):
            rows = self._rows()
            self.assertEqual(rows.partner_id, self.customer | self.customer_2)
            row = self._row(self.customer)
            # 1000 (30 days late) + 200 first half of the split (10 days late);
            # the second half and the 500 are not due yet
            self.assertEqual(row.amount_due, 1900.0)
            self.assertEqual(row.amount_overdue, 1200.0)
            self.assertEqual(row.oldest_days_late, 30)
            self.assertEqual(row.invoice_count, 3)
            self.assertEqual(row.priority, round(1200.0 * (1 + 30 / 30.0)))
            self.assertEqual(row.user_id, self.salesperson)
            self.assertEqual(row.currency_id, self.company.currency_id)
            self.assertEqual(row.display_name, self.customer.display_name)
            # a stored row: its id stays when the customer's figures change
            # (test_relance_followup_rows.py), it is no line's id any more
            self.assertEqual(self._row(self.customer).id, row.id)
            self.assertEqual(len(row.move_ids), 3)
            self.assertIn(late, row.move_ids)
            row_2 = self._row(self.customer_2)
            self.assertEqual(row_2.move_ids, other)
            self.assertEqual(row_2.amount_overdue, 200.0)
            self.assertEqual(row_2.oldest_days_late, 13)
            self.assertFalse(row_2.user_id)
            # sorted by priority: the largest weighted overdue first
            self.assertEqual(rows[0], row)
            # nothing overdue yet: the row exists with a zero priority
            self.assertEqual(
                self._rows([("amount_overdue", ">", 0)]).partner_id,
                self.customer | self.customer_2,
            )
        with freeze_time(self.DUE - timedelta(days=30)):
            row = self._row(self.customer)
            self.assertEqual(row.amount_overdue, 0.0)
            self.assertEqual(row.oldest_days_late, 0)
            self.assertEqual(row.priority, 0)
            self.assertFalse(row.action_due)

    def test_rows_follow_reminders_and_flags(self):
        """Level, last reminder, to-do flag, dispute, promise, exclusion."""
        invoice = self._new_invoice(self.customer, 1000.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        friendly = self.level_by_days[1]
        with freeze_time(self.DUE + timedelta(days=1)):
            row = self._row(self.customer)
            self.assertEqual(row.level_id, friendly)
            self.assertEqual(row.last_reminder_date, self.DUE + timedelta(days=1))
            self.assertFalse(row.action_due, "reminded today: nothing to do")
            self.assertEqual(row.history_ids, self._histories(invoice))
        with freeze_time(self.DUE + timedelta(days=2)):
            # the ladder's next level is J+8: nothing to do today
            row = self._row(self.customer)
            self.assertFalse(row.action_due)
            self.assertEqual(row.next_action, "Next reminder")
            self.assertEqual(row.next_action_date, self.DUE + timedelta(days=8))
            self.assertFalse(self._rows([("action_due", "=", True)]))
        reminder = self.level_by_days[8]
        with freeze_time(self.DUE + timedelta(days=8)):
            # every row "to do today" has its action today
            row = self._row(self.customer)
            self.assertTrue(row.action_due)
            self.assertEqual(row.next_action, reminder.name)
            self.assertEqual(row.next_action_date, self.DUE + timedelta(days=8))
            self.assertEqual(self._rows([("action_due", "=", True)]), row)
            self.assertNotIn(row, self._rows([("action_due", "=", False)]))
            self.assertEqual(row.followup_state, "ok")
            invoice.action_relance_set_dispute("Wrong quantity")
            row = self._row(self.customer)
            self.assertTrue(row.disputed)
            self.assertEqual(row.followup_state, "disputed")
            self.assertFalse(row.action_due, "the only overdue invoice is disputed")
            self.assertEqual(self._rows([("disputed", "=", True)]), row)
            invoice.action_relance_resolve_dispute()
            invoice.action_relance_set_promise(self.DUE + timedelta(days=10))
            row = self._row(self.customer)
            self.assertTrue(row.promised)
            self.assertEqual(row.followup_state, "promised")
            self.assertFalse(row.action_due)
            self.assertEqual(self._rows([("promised", "=", True)]), row)
        # the promise is not kept (two grace days): the run flags it
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=13))
        with freeze_time(self.DUE + timedelta(days=13)):
            row = self._row(self.customer)
            self.assertFalse(row.promised)
            self.assertTrue(row.broken_promise)
            self.assertEqual(row.followup_state, "broken_promise")
            self.assertEqual(self._rows([("broken_promise", "=", True)]), row)
            self.customer.action_relance_toggle_exclude()
            row = self._row(self.customer)
            self.assertTrue(row.excluded)
            self.assertEqual(row.followup_state, "excluded")
            self.assertFalse(row.action_due)
            self.assertEqual(self._rows([("excluded", "=", True)]), row)
            self.customer.action_relance_toggle_exclude()
            self.customer.action_relance_postpone(self.DUE + timedelta(days=15))
            row = self._row(self.customer)
            self.assertEqual(row.postponed_until, self.DUE + timedelta(days=15))
            self.assertFalse(row.action_due)

    def test_to_confirm_and_failed_counts(self):
        """Approval and failures show as counts and as things to do."""
        self.level_by_days[1].to_confirm = True
        self._new_invoice(self.customer, 1000.0, self.DUE)
        self.customer_2.email = False
        self._new_invoice(self.customer_2, 300.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        with freeze_time(self.DUE + timedelta(days=1)):
            rows = self._rows([("to_confirm_count", ">", 0)])
            self.assertEqual(rows.partner_id, self.customer | self.customer_2)
            row, row_2 = self._row(self.customer), self._row(self.customer_2)
            self.assertEqual(row.to_confirm_count, 1)
            self.assertTrue(row.action_due)
            self.assertEqual(row.followup_state, "to_confirm")
            self.assertEqual(row.next_action, "Approve the reminder")
            self.assertEqual(row.next_action_date, self.DUE + timedelta(days=1))
            self.assertFalse(row.level_id, "nothing sent yet")
            # approved, but the customer has no email: a failure to fix
            result = row_2.action_approve()
            self.assertEqual(result["params"]["type"], "warning")
            self.assertIn("Failed: 1.", result["params"]["message"])
            row_2 = self._row(self.customer_2)
            self.assertEqual((row_2.to_confirm_count, row_2.failed_count), (0, 1))
            self.assertTrue(row_2.action_due)
            self.assertEqual(row_2.followup_state, "failed")
            self.assertEqual(row_2.next_action, "Fix the failed reminder")
            self.assertEqual(self._rows([("failed_count", ">", 0)]), row_2)
            with self.assertRaises(UserError):
                row_2.action_approve()
            with self.mock_mail_gateway():
                result = row.action_approve()
            self.assertEqual(result["params"]["type"], "success")
            self.assertIn("Emails sent: 1.", result["params"]["message"])
            row = self._row(self.customer)
            self.assertEqual(row.to_confirm_count, 0)
            self.assertEqual(row.level_id, self.level_by_days[1])
            self.assertEqual(row.last_reminder_date, self.DUE + timedelta(days=1))
            self.assertFalse(row.action_due)

    def test_group_by_salesperson_and_level(self):
        self._new_invoice(self.customer, 1000.0, self.DUE - timedelta(days=5))
        self._new_invoice(self.customer_2, 400.0, self.DUE - timedelta(days=5))
        with freeze_time(self.DUE):
            self.Followup.invalidate_model()
            groups = self.Followup._read_group(
                [("company_id", "=", self.company.id)],
                ["user_id"],
                ["amount_overdue:sum", "oldest_days_late:max", "__count"],
            )
        self.assertEqual(
            {user: (amount, days, count) for user, amount, days, count in groups},
            {
                self.salesperson: (1000.0, 5, 1),
                self.env["res.users"]: (400.0, 5, 1),
            },
        )

    def test_rank_ladder_and_list_columns(self):
        """Rank by weighted overdue, ladder of each customer, a list without
        the company column in a one-company database and no sum on what does
        not add up."""
        risky = self.env["account.relance.ladder"].create(
            {
                "name": "Risky",
                "sequence": 5,
                "company_id": self.company.id,
                "rule_payer_profile": "risky",
            }
        )
        self.customer_2.relance_payer_profile = "risky"
        self._new_invoice(self.customer, 1000.0, self.DUE - timedelta(days=5))
        self._new_invoice(self.customer_2, 400.0, self.DUE - timedelta(days=60))
        with freeze_time(self.DUE):
            row, row_2 = self._row(self.customer), self._row(self.customer_2)
            # 400 × (1 + 60/30) = 1 200 before 1 000 × (1 + 5/30) = 1 167
            self.assertEqual((row_2.priority_rank, row.priority_rank), (1, 2))
            self.assertEqual(row.ladder_id, self.ladder)
            self.assertEqual(row_2.ladder_id, risky)
            groups = dict(
                self.Followup._read_group(
                    [("company_id", "=", self.company.id)], ["ladder_id"], ["__count"]
                )
            )
            self.assertEqual(groups, {self.ladder: 1, risky: 1})
            self.assertIn("Rank", self.Followup._fields["priority_rank"].string)
        self.assertIsNone(self.Followup._fields["priority"].aggregator)
        self.assertIsNone(
            self.env["account.relance.history"]._fields["amount_residual"].aggregator
        )
        accountant = new_test_user(
            self.env,
            login="compta.list",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        arch = self.Followup.with_user(accountant).get_views([(False, "list")])[
            "views"
        ]["list"]["arch"]
        self.assertNotIn('name="company_id"', arch)
        for column in (
            "partner_id",
            "amount_overdue",
            "oldest_days_late",
            "level_id",
            "next_action",
            "next_action_date",
            "followup_state",
            "priority_rank",
        ):
            self.assertIn(f'name="{column}"', arch)
        accountant.groups_id |= self.env.ref("base.group_multi_company")
        arch = self.Followup.with_user(accountant).get_views([(False, "list")])[
            "views"
        ]["list"]["arch"]
        self.assertIn('name="company_id"', arch)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.account_relance_followup_action"
        )
        self.assertIn("search_default_action_due", action["context"])

    def test_phone_shows_a_card_per_customer(self):
        """On a phone the screen opens as cards (the action's mobile view):
        customer, overdue amount, days late, state, level reached, next
        action and its date, the salesperson and a button to send now; in
        French for a French user."""
        action = self.env.ref("account_relance_fr.account_relance_followup_action")
        self.assertEqual(action.view_mode, "list,kanban,form")
        self.assertEqual(action.mobile_view_mode, "kanban")
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        arch = self.Followup.with_context(lang="fr_FR").get_views([(False, "kanban")])[
            "views"
        ]["kanban"]["arch"]
        for name in (
            "partner_id",
            "amount_overdue",
            "oldest_days_late",
            "followup_state",
            "level_id",
            "next_action",
            "next_action_date",
            "user_id",
            "action_send_now",
        ):
            self.assertIn(f'name="{name}"', arch)
        for text in ("jours de retard", "non échu", "Niveau atteint :", "Envoyer"):
            self.assertIn(text, arch)

    def test_menu_paths_and_ladder_customer_count(self):
        """Messages name the menus as installed; a ladder counts the customers
        it applies to, not only those assigned to it by hand."""
        root = self.env.ref("account.menu_finance")
        message = self.env["account.relance.rate"]._get_missing_message([(2031, 1)])
        self.assertIn(f"{root.name} > ", message)
        self.assertIn("> Late-Payment Rates", message)
        self.assertNotIn("/", message.split("(")[1].split(")")[0])
        risky = self.env["account.relance.ladder"].create(
            {
                "name": "Risky",
                "sequence": 5,
                "company_id": self.company.id,
                "rule_payer_profile": "risky",
            }
        )
        # customers are partners with a posted invoice
        self._new_invoice(self.customer, 100.0, self.DUE)
        self._new_invoice(self.customer_2, 100.0, self.DUE)
        ladders = self.ladder | risky

        def counts():
            ladders.invalidate_recordset(["partner_count"])
            return self.ladder.partner_count, risky.partner_count

        default_count, risky_count = counts()
        partners = self.env["res.partner"].search(
            self.ladder.action_view_partners()["domain"]
        )
        self.assertEqual(len(partners), default_count)
        self.assertLessEqual(self.customer | self.customer_2, partners)
        # selected by the ladder's rule
        self.customer_2.relance_payer_profile = "risky"
        self.assertEqual(counts(), (default_count - 1, risky_count + 1))
        partners = self.env["res.partner"].search(
            risky.action_view_partners()["domain"]
        )
        self.assertIn(self.customer_2, partners)
        self.assertNotIn(self.customer, partners)
        # assigned by hand
        self.customer.with_company(self.company).relance_ladder_id = risky
        self.assertEqual(counts(), (default_count - 2, risky_count + 2))

    # ------------------------------------------------------------------
    # ACCESS
    # ------------------------------------------------------------------

    def test_salesperson_sees_own_customers(self):
        self._new_invoice(self.customer, 1000.0, self.DUE)
        self._new_invoice(self.customer_2, 400.0, self.DUE)
        with freeze_time(self.DUE + timedelta(days=1)):
            self.assertEqual(
                self._rows(user=self.salesperson).partner_id,
                self.customer,
                "a salesperson sees the customers they are salesperson of",
            )
            self.assertEqual(
                self._rows().partner_id,
                self.customer | self.customer_2,
                "an accountant sees every customer",
            )
            self.assertEqual(
                self._rows([("user_id", "=", self.salesperson.id)]).partner_id,
                self.customer,
            )

    def test_multi_company_rows(self):
        other = self.setup_other_company(name="Société B")["company"]
        self._new_invoice(self.customer, 1000.0, self.DUE)
        there = self.init_invoice(
            "out_invoice",
            partner=self.customer,
            invoice_date=self.DUE,
            amounts=[250.0],
            taxes=[],
            company=other,
        )
        there.action_post()
        user_here = new_test_user(
            self.env,
            login="compta.followup",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with freeze_time(self.DUE + timedelta(days=1)):
            self.Followup.invalidate_model()
            rows = self.Followup.search([("partner_id", "=", self.customer.id)])
            self.assertEqual(len(rows), 2, "one row per company")
            self.assertEqual(sorted(rows.mapped("amount_due")), [250.0, 1000.0])
            visible = self.Followup.with_user(user_here).search(
                [("partner_id", "=", self.customer.id)]
            )
            self.assertEqual(visible.company_id, self.company)
            self.assertEqual(visible.amount_due, 1000.0)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def test_process_selected_customers_only(self):
        """ "Process selected" sends what the ladder plans today, nothing else."""
        mine = self._new_invoice(self.customer, 1000.0, self.DUE)
        theirs = self._new_invoice(self.customer_2, 400.0, self.DUE)
        with freeze_time(self.DUE + timedelta(days=1)), self.mock_mail_gateway():
            row = self._row(self.customer)
            result = row.action_process()
            self.assertEqual(result["params"]["type"], "success")
            history = self._histories(mine)
            self.assertEqual(history.level_id, self.level_by_days[1])
            self.assertEqual(history.state, "sent")
            self.assertIn(mine.name, history.mail_message_id.body)
            self.assertFalse(self._histories(theirs))
            # nothing more is planned today for that customer
            result = self._row(self.customer).action_process()
            self.assertEqual(result["params"]["type"], "info")
            self.assertEqual(len(self._histories(mine)), 1)

    def test_delegating_actions(self):
        self._new_invoice(self.customer, 1000.0, self.DUE)
        with freeze_time(self.DUE + timedelta(days=1)):
            row = self._row(self.customer)
            action = row.action_open_customer()
            self.assertEqual(
                (action["res_model"], action["res_id"]),
                ("res.partner", self.customer.id),
            )
            action = row.action_send_now()
            self.assertEqual(action["res_model"], "account.relance.send.wizard")
            self.assertEqual(action["context"]["default_partner_id"], self.customer.id)
            action = row.action_postpone()
            self.assertEqual(action["res_model"], "account.relance.action.wizard")
            wizard = (
                self.env["account.relance.action.wizard"]
                .with_context(**action["context"])
                .create({"date": self.DUE + timedelta(days=10)})
            )
            wizard.action_confirm()
            self.assertEqual(
                self.customer.relance_postponed_until, self.DUE + timedelta(days=10)
            )
            self.assertEqual(
                self._row(self.customer).next_action_date, self.DUE + timedelta(days=10)
            )
            action = row.action_open_history()
            self.assertIn(("partner_id", "=", self.customer.id), action["domain"])
            action = row.action_print_letter()
            self.assertEqual(
                action["report_name"], "account_relance_fr.report_relance_letter"
            )
            self.assertEqual(action["context"]["active_ids"], self.customer.ids)
            row.action_toggle_exclude()
            self.assertTrue(self.customer.relance_excluded)
            self.assertTrue(self._row(self.customer).excluded)
