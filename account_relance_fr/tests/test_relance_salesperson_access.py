"""What a salesperson (internal user without the invoicing) may do: read their
own customers' follow-up rows, invoices (PDF) and reminder history, record the
outcome of their calls; nothing of other customers, no configuration, no
sending."""

from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RelanceCommon

TODAY = "2026-04-15 10:00:00"


@tagged("post_install", "-at_install")
class TestRelanceSalespersonAccess(RelanceCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson.password = "julien.relance"
        cls.other_salesperson = new_test_user(
            cls.env,
            login="sophie.relance",
            groups="base.group_user",
            company_id=cls.company.id,
        )
        cls.customer_2.user_id = cls.other_salesperson
        cls.mine = cls._invoice(cls.customer, 1000.0, date(2026, 4, 5))
        cls.theirs = cls._invoice(
            cls.customer_2,
            700.0,
            date(2026, 4, 5),
            invoice_user_id=cls.other_salesperson.id,
        )

    def _rows(self, user=None):
        followup = self.env["account.relance.followup"]
        followup.invalidate_model()
        if user:
            followup = followup.with_user(user)
        return followup.search([("company_id", "=", self.company.id)])

    @freeze_time(TODAY)
    def test_own_rows_read_only(self):
        with self.mock_mail_gateway():
            self._run(date(2026, 4, 15))
        all_rows = self._rows()
        self.assertEqual(all_rows.partner_id, self.customer | self.customer_2)
        rows = self._rows(self.salesperson)
        self.assertEqual(rows.partner_id, self.customer)
        other_row = all_rows.filtered(lambda row: row.partner_id == self.customer_2)
        with self.assertRaises(AccessError):
            other_row.with_user(self.salesperson).read(["amount_overdue"])
        # the form's figures, without any access to the accounting
        self.assertIn(self.mine.name, rows.invoice_summary)
        self.assertIn(f"/relance/invoice/{self.mine.id}/pdf", rows.invoice_summary)
        self.assertIn("1,000.00", rows.ageing_html)
        self.assertEqual(rows.penalty_amount, 3.33)  # 1 000 × 12.15 % × 10 / 365
        self.assertEqual(rows.indemnity_amount, 40.0)
        self.assertEqual(rows.history_ids.move_id, self.mine)
        self.assertIn(self.customer, rows.contact_ids)
        # the next action, as the accountant sees it
        self.assertEqual(rows.next_action, "Next reminder")
        self.assertGreater(rows.next_action_date, date(2026, 4, 15))
        self.assertFalse(rows.action_due)
        self.assertEqual(
            self._rows()
            .filtered(lambda row: row.partner_id == self.customer)
            .mapped("next_action_date"),
            [rows.next_action_date],
        )
        # the salesperson's "My Customers" list and form read as a whole
        rows.invalidate_recordset()
        views = rows.get_views([(False, "list"), (False, "form")])["views"]
        names = {
            node.get("name")
            for view in ("list", "form")
            for node in etree.fromstring(views[view]["arch"]).xpath(
                "//field[not(ancestor::field)]"
            )
        }
        self.assertIn("next_action", names)
        self.assertNotIn("move_ids", names)
        values = rows.web_read({name: {} for name in names})[0]
        self.assertEqual(values["penalty_amount"], 3.33)
        with self.assertRaises(AccessError):
            self.mine.with_user(self.salesperson).read(["name"])
        # read only: no note, no approval, no sending, no configuration
        with self.assertRaises(AccessError):
            rows.write({"new_note": "Note"})
        with self.assertRaises(AccessError):
            rows.history_ids.write({"note": "changed"})
        with self.assertRaises(AccessError):
            self.env["account.relance.send.wizard"].with_user(self.salesperson).create(
                {"partner_id": self.customer.id}
            )
        with self.assertRaises(AccessError):
            self.ladder.with_user(self.salesperson).write({"name": "Changed"})
        for action in ("action_process", "action_approve", "action_toggle_exclude"):
            with self.assertRaises(AccessError, msg=action):
                getattr(rows, action)()
        arch = rows.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="invoice_summary"', arch)
        for name in (
            "action_send_now",
            "action_send_statement",
            "action_print_statement",
            "action_log_call",
            "action_postpone",
            "action_approve",
            "new_note",
            "move_ids",
        ):
            self.assertNotIn(f'name="{name}"', arch)

    @freeze_time(TODAY)
    def test_customer_invoices_button(self):
        partner = self.customer.with_user(self.salesperson)
        action = partner.action_relance_open_followup()
        self.assertEqual(action["res_model"], "account.relance.followup")
        self.assertEqual(
            action["res_id"],
            self._rows().filtered(lambda row: row.partner_id == self.customer).id,
        )
        with self.assertRaisesRegex(UserError, "no open invoice among your customers"):
            self.customer_2.with_user(self.salesperson).action_relance_open_followup()
        # the button is on the customer form of a user without the invoicing
        arch = (
            self.env["res.partner"]
            .with_user(self.salesperson)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="action_relance_open_followup"', arch)
        self.assertNotIn('name="relance_amount_overdue"', arch)

    def test_invoice_pdf_route(self):
        self.authenticate("julien.relance", "julien.relance")
        response = self.url_open(f"/relance/invoice/{self.mine.id}/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.mine.name, response.text)
        self.assertIn("1,000.00", response.text)
        # another salesperson's customer, a draft, an unknown id: alike
        draft = self._invoice(self.customer, 50.0, date(2026, 4, 5), post=False)
        for move_id in (self.theirs.id, draft.id, 999999):
            response = self.url_open(f"/relance/invoice/{move_id}/pdf")
            self.assertEqual(response.status_code, 404, move_id)
        # an accountant opens any customer's
        new_test_user(
            self.env,
            login="compta.relance",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        self.authenticate("compta.relance", "compta.relance")
        response = self.url_open(f"/relance/invoice/{self.theirs.id}/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.theirs.name, response.text)

    @freeze_time(TODAY)
    def test_call_outcome_own_calls_only(self):
        call_type = "account_relance_fr.mail_activity_type_relance_call"
        mine = self.customer.activity_schedule(call_type, user_id=self.salesperson.id)
        theirs = self.customer_2.activity_schedule(
            call_type, user_id=self.other_salesperson.id
        )
        wizard_model = self.env["account.relance.call.outcome.wizard"].with_user(
            self.salesperson
        )
        wizard_model.create(
            {
                "activity_id": mine.id,
                "outcome": "promise",
                "promise_date": date(2026, 4, 30),
                "feedback": "Règlement à la fin du mois.",
            }
        ).action_confirm()
        self.assertEqual(self.mine.relance_promise_date, date(2026, 4, 30))
        self.assertFalse(mine.exists())
        row = self._rows(self.salesperson)
        self.assertIn("Règlement à la fin du mois.", row.note_ids[0].body)
        with self.assertRaises(AccessError):
            wizard_model.create(
                {
                    "activity_id": theirs.id,
                    "outcome": "promise",
                    "promise_date": date(2026, 4, 30),
                }
            ).action_confirm()
        self.assertFalse(self.theirs.relance_promise_date)
        self.assertTrue(theirs.exists())
