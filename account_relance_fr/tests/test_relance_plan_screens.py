from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .test_relance_plan import RelancePlanCommon


@tagged("post_install", "-at_install")
class TestRelancePlanScreens(RelancePlanCommon):
    """Running plans on the follow-up screen, the customer and the invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_1 = cls._invoice(cls.customer, 600.0, cls.DUE)
        cls.inv_2 = cls._invoice(cls.customer, 400.0, cls.DUE)
        cls.control = cls._invoice(cls.customer_2, 500.0, cls.DUE)

    def _rows(self, domain=None):
        # the rows are SQL: read them again after the payments
        self.env["account.relance.followup"].invalidate_model()
        with freeze_time("2026-04-20 09:00:00"):
            return self.env["account.relance.followup"].search(
                [("partner_id", "in", (self.customer | self.customer_2).ids)]
                + (domain or [])
            )

    def test_followup_row_shows_plan_and_next_instalment(self):
        """1 000 € in 3 instalments (333.33, 333.33, 333.34); 400 € paid:
        the first instalment is paid, 266.66 € are left on the second one
        (15 May). The row says so; the filter keeps the customers under plan
        only (not the control customer)."""
        plan = self._plan(self.customer)
        # a draft or proposed plan is not running yet
        self.assertFalse(self._rows([("under_plan", "=", True)]))
        plan.action_accept()
        self._pay(self.inv_2, 400.0, date(2026, 4, 10))
        rows = self._rows()
        row = rows.filtered(lambda row: row.partner_id == self.customer)
        control = rows - row
        self.assertEqual(control.partner_id, self.customer_2)
        self.assertTrue(row.under_plan)
        self.assertEqual(row.plan_state, "running")
        self.assertEqual(row.plan_id, plan)
        self.assertEqual(row.plan_next_date, date(2026, 5, 15))
        self.assertEqual(row.plan_next_amount, 266.66)
        self.assertEqual(row.plan_currency_id, plan.currency_id)
        self.assertFalse(control.under_plan)
        self.assertFalse(control.plan_state)
        self.assertFalse(control.plan_next_date)
        self.assertEqual(self._rows([("under_plan", "=", True)]), row)
        self.assertEqual(self._rows([("under_plan", "=", False)]), control)
        self.assertEqual(
            row.action_open_plans()["domain"], [("partner_id", "=", self.customer.id)]
        )
        # the customer pays the second instalment in full: the third is next
        self._pay(self.inv_1, 266.66, date(2026, 5, 12))
        row = self._rows([("under_plan", "=", True)])
        self.assertEqual(row.plan_next_date, date(2026, 6, 15))
        self.assertEqual(row.plan_next_amount, 333.34)
        # a broken or cancelled plan leaves the filter
        plan.action_cancel()
        self.assertFalse(self._rows([("under_plan", "=", True)]))
        self.assertEqual(len(self._rows()), 2)

    def test_followup_views_show_the_plan(self):
        """The list has the plan badge and the next instalment, the search
        view the "Under Payment Plan" filter, and the list loads."""
        plan = self._plan(self.customer)
        plan.action_accept()
        Followup = self.env["account.relance.followup"]
        views = Followup.get_views(
            [(False, "list"), (False, "form"), (False, "search")]
        )
        list_arch = etree.fromstring(views["views"]["list"]["arch"])
        for name in ("plan_state", "plan_next_amount", "plan_next_date"):
            self.assertTrue(list_arch.xpath(f"//field[@name='{name}']"), name)
        search_arch = etree.fromstring(views["views"]["search"]["arch"])
        self.assertTrue(search_arch.xpath("//filter[@name='under_plan']"))
        form_arch = etree.fromstring(views["views"]["form"]["arch"])
        self.assertTrue(form_arch.xpath("//button[@name='action_open_plans']"))
        with freeze_time("2026-04-20 09:00:00"):
            result = Followup.web_search_read(
                [("under_plan", "=", True)],
                {
                    "partner_id": {"fields": {"display_name": {}}},
                    "plan_state": {},
                    "plan_next_date": {},
                    "plan_next_amount": {},
                },
            )
        self.assertEqual(result["length"], 1)
        record = result["records"][0]
        self.assertEqual(record["partner_id"]["id"], self.customer.id)
        self.assertEqual(record["plan_next_date"], date(2026, 4, 15))
        self.assertEqual(record["plan_next_amount"], 333.33)

    def test_no_ladder_reminder_announced_under_plan(self):
        """While a plan runs, its invoices leave the ladder: the follow-up
        row, the customer and the invoices announce no next reminder (the
        plan's instalments are followed instead); the control customer keeps
        its own; a cancelled plan gives the reminders back."""

        def next_dates():
            self.env.invalidate_all()
            rows = self._rows()
            with freeze_time("2026-04-20 09:00:00"):
                return {
                    "row": rows.filtered(
                        lambda row: row.partner_id == self.customer
                    ).next_action_date,
                    "control_row": rows.filtered(
                        lambda row: row.partner_id == self.customer_2
                    ).next_action_date,
                    "customer": self.customer.relance_next_action_date,
                    "invoice": self.inv_1.relance_next_date,
                    "control": self.control.relance_next_date,
                }

        plan = self._plan(self.customer)
        before = next_dates()
        self.assertTrue(all(before.values()), before)
        plan.action_accept()
        under_plan = next_dates()
        self.assertFalse(under_plan["row"])
        self.assertFalse(under_plan["customer"])
        self.assertFalse(under_plan["invoice"])
        self.assertEqual(under_plan["control_row"], before["control_row"])
        self.assertEqual(under_plan["control"], before["control"])
        # the daily job agrees: the control customer is reminded, not the plan's
        self._run(date(2026, 4, 20))
        self.assertFalse(self._histories(self.inv_1 | self.inv_2))
        self.assertTrue(self._histories(self.control))
        plan.action_cancel()
        self.assertTrue(next_dates()["invoice"])

    def test_customer_and_invoice_show_the_plan(self):
        """The customer's form shows the running plan and its next instalment;
        each covered invoice its plan and the next instalment; the control
        customer and its invoice show nothing."""
        plan = self._plan(self.customer)
        self.assertFalse(self.customer.relance_plan_id)
        plan.action_accept()
        self._pay(self.inv_1, 100.0, date(2026, 4, 10))
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.relance_plan_id, plan)
        self.assertEqual(self.customer.relance_plan_next_date, date(2026, 4, 15))
        self.assertEqual(self.customer.relance_plan_next_amount, 233.33)
        self.assertEqual(self.customer.relance_plan_count, 1)
        self.assertFalse(self.customer_2.relance_plan_id)
        self.assertFalse(self.customer_2.relance_plan_next_date)
        line = plan.line_ids[0]
        for move in self.inv_1 | self.inv_2:
            self.assertEqual(move.relance_plan_id, plan)
            self.assertEqual(move.relance_plan_next_line_id, line)
        self.assertEqual(
            line.display_name, "333.33\xa0€ on 04/15/2026 (233.33\xa0€ left)"
        )
        self.assertFalse(self.control.relance_plan_next_line_id)
        # in French, for a French accountant
        self.assertEqual(
            line.with_context(lang="fr_FR").display_name,
            "333,33\xa0€ le 15/04/2026 (reste 233,33\xa0€)",
        )
        # the forms open with the fields
        self.assertEqual(Form(self.customer).relance_plan_next_date, "2026-04-15")
        self.assertEqual(Form(self.inv_1).relance_plan_next_line_id, line)


@tagged("post_install", "-at_install")
class TestRelancePlanFromCall(RelancePlanCommon):
    """Outcome "payment plan requested" of a reminder call."""

    CALL_DAY = date(2026, 3, 28)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_1 = cls._invoice(cls.customer, 600.0, cls.DUE)
        cls.inv_2 = cls._invoice(cls.customer, 400.0, cls.DUE)
        cls.control = cls._invoice(cls.customer_2, 500.0, cls.DUE)

    def _call(self, moves):
        lines = moves.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        with freeze_time(self.CALL_DAY):
            histories = self.env["account.relance.run"]._send_now(
                self.customer, lines, self.level_by_days[12], ["call"]
            )
        activity = histories.activity_id
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesperson)
        return activity, histories

    def _record(self, activity, user, **values):
        """Record the outcome; returns (the first instalment's date offered,
        the action). Closing the call deletes the wizard."""
        with freeze_time(self.CALL_DAY):
            wizard = (
                self.env["account.relance.call.outcome.wizard"]
                .with_user(user)
                .with_context(default_activity_id=activity.id)
                .create({"outcome": "plan", **values})
            )
            return wizard.plan_start_date, wizard.action_confirm()

    def test_accountant_opens_the_prefilled_plan(self):
        """The accountant records the request: the call is closed, a draft
        plan of the call's invoices opens, split as asked."""
        activity, histories = self._call(self.inv_1 | self.inv_2)
        start, action = self._record(
            activity,
            self.accountant,
            plan_instalment_count=4,
            feedback="Four monthly payments, the 5th of each month",
        )
        self.assertEqual(start, date(2026, 4, 28), "a month after the call")
        plan = self.env["account.relance.plan"].browse(action["res_id"])
        self.assertEqual(action["res_model"], "account.relance.plan")
        self.assertEqual(plan.state, "draft")
        self.assertEqual(plan.partner_id, self.customer)
        self.assertEqual(plan.move_ids, self.inv_1 | self.inv_2)
        self.assertEqual(plan.date, self.CALL_DAY)
        self.assertEqual(plan.amount_total, 1000.0)
        self.assertEqual(plan.line_ids.mapped("amount"), [250.0] * 4)
        self.assertEqual(
            plan.line_ids.mapped("date"),
            [
                date(2026, 4, 28),
                date(2026, 5, 28),
                date(2026, 6, 28),
                date(2026, 7, 28),
            ],
        )
        self.assertEqual(plan.note, "Four monthly payments, the 5th of each month")
        self.assertFalse(self.control.relance_plan_ids, "only the customer's invoices")
        self.assertFalse(activity.exists(), "the call is done")
        self.assertEqual(set(histories.mapped("call_outcome")), {"plan"})
        self.assertIn("instalments: 4, the first on 04/28/2026", histories[0].call_note)
        message = self.customer.message_ids.filtered(
            lambda message: "Payment Plan Requested" in (message.body or "")
        )
        self.assertTrue(message)
        # the plan then goes its usual way
        plan.action_accept()
        self.assertEqual(self.inv_1.relance_plan_id, plan)

    def test_salesperson_hands_over_to_the_accountant(self):
        """A salesperson without accounting rights records the request: the
        draft plan is made, the accountant gets a to-do on it."""
        activity, _histories = self._call(self.inv_1)
        self.assertFalse(self.salesperson.has_group("account.group_account_invoice"))
        _start, action = self._record(
            activity, self.salesperson, plan_start_date=date(2026, 4, 10)
        )
        self.assertEqual(action["type"], "ir.actions.act_window_close")
        plan = self.inv_1.relance_plan_ids
        self.assertEqual(plan.state, "draft")
        self.assertEqual(plan.move_ids, self.inv_1, "the invoices of the call only")
        self.assertEqual(plan.line_ids.mapped("amount"), [200.0] * 3)
        self.assertFalse(self.inv_2.relance_plan_ids)
        todo = plan.activity_ids
        self.assertEqual(todo.user_id, self.accountant)
        self.assertEqual(todo.summary, "Payment plan requested during a call")
        self.assertIn("Julien Martin", todo.note)
        self.assertFalse(activity.exists())

    def test_plan_without_instalment_refused(self):
        """A request without instalment is refused with a clear message; the
        call stays open and nothing is drafted."""
        activity, _histories = self._call(self.inv_1)
        with self.assertRaisesRegex(UserError, "number of instalments"):
            self._record(activity, self.accountant, plan_instalment_count=0)
        self.assertFalse(self.inv_1.relance_plan_ids)
        self.assertTrue(activity.exists(), "the call stays open")
