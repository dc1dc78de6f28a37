from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceAccess(RelanceCommon):
    def test_salesperson_sees_only_own_customers(self):
        mine = self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        other_salesperson = new_test_user(
            self.env,
            login="sophie.relance",
            groups="base.group_user",
            company_id=self.company.id,
        )
        self.customer_2.user_id = other_salesperson
        theirs = self._invoice(
            self.customer_2,
            100.0,
            self.DUE - timedelta(days=1),
            invoice_user_id=other_salesperson.id,
        )
        with self.mock_mail_gateway():
            self._run(self.DUE)
        histories = self.env["account.relance.history"].with_user(self.salesperson)
        visible = histories.search([("move_id", "in", (mine + theirs).ids)])
        self.assertEqual(visible.move_id, mine)
        with self.assertRaises(AccessError):
            histories.browse(self._histories(theirs).id).read(["state"])
        # salespeople read the ladders but do not configure them
        ladder = self.ladder.with_user(self.salesperson)
        self.assertTrue(ladder.name)
        with self.assertRaises(AccessError):
            ladder.write({"name": "Changed"})
        with self.assertRaises(AccessError):
            self.env["account.relance.run"].with_user(self.salesperson)._run_batch()

    def test_salesperson_menu_rows_and_call_outcome(self):
        """A salesperson without the Invoicing app has a menu of their own:
        their customers' follow-up rows and history, read only."""
        self.assertFalse(self.salesperson.has_group("account.group_account_invoice"))
        menus = self.env["ir.ui.menu"].with_user(self.salesperson).load_menus(False)
        root = self.env.ref("account_relance_fr.relance_salesperson_root_menu")
        self.assertIn(root.id, menus["root"]["children"])
        accounting = self.env.ref("account.menu_finance")
        self.assertNotIn(accounting.id, menus["root"]["children"])
        mine = self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        self._invoice(
            self.customer_2,
            100.0,
            self.DUE - timedelta(days=1),
            invoice_user_id=self.env.ref("base.user_admin").id,
        )
        with self.mock_mail_gateway():
            self._run(self.DUE)
        rows = (
            self.env["account.relance.followup"]
            .with_user(self.salesperson)
            .search([("company_id", "=", self.company.id)])
        )
        self.assertEqual(rows.partner_id, self.customer)
        # the customer's invoices, read only, without access to the invoicing
        self.assertIn(mine.name, rows.invoice_summary)
        self.assertIn("100.00", rows.invoice_summary)
        with self.assertRaises(AccessError):
            mine.with_user(self.salesperson).read(["name"])
        form = rows.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="invoice_summary"', form)
        self.assertNotIn('name="move_ids"', form)
        accountant_form = self.env["account.relance.followup"].get_views(
            [(False, "form")]
        )["views"]["form"]["arch"]
        self.assertIn('name="move_ids"', accountant_form)
        self.assertNotIn('name="invoice_summary"', accountant_form)
        history = (
            self.env["account.relance.history"].with_user(self.salesperson).search([])
        )
        self.assertEqual(history.move_id, mine)
        with self.assertRaises(AccessError):
            history.write({"note": "changed"})

    def test_multi_company_isolation(self):
        other = self.setup_other_company(name="Société B")["company"]
        other.write(
            {
                "relance_hour_from": 0.0,
                "relance_hour_to": 24.0,
                "relance_send_saturday": True,
                "relance_send_sunday": True,
                "relance_skip_holidays": False,
            }
        )
        other_ladder = self.env["account.relance.ladder"].search(
            [("company_id", "=", other.id), ("is_default", "=", True)]
        )
        self.assertTrue(other_ladder, "a new company gets the shipped ladders")
        self.assertNotEqual(other_ladder, self.ladder)
        here = self._invoice(self.customer, 100.0, self.DUE - timedelta(days=1))
        there = self._invoice(
            self.customer, 200.0, self.DUE - timedelta(days=1), company_id=other.id
        )
        with self.mock_mail_gateway():
            self._run(self.DUE)
        self.assertEqual(self._histories(here).level_id.ladder_id, self.ladder)
        self.assertEqual(self._histories(there).level_id.ladder_id, other_ladder)
        # one message per customer and company: the invoices are not mixed
        self.assertNotEqual(
            self._histories(here).mail_message_id,
            self._histories(there).mail_message_id,
        )
        self.assertIn("100.00", self._histories(here).mail_message_id.body)
        self.assertNotIn("200.00", self._histories(here).mail_message_id.body)
        # each message speaks for its own company, whatever company runs the job
        self.assertIn("Société B", self._histories(there).mail_message_id.body)
        self.assertNotIn(self.company.name, self._histories(there).mail_message_id.body)
        user_here = new_test_user(
            self.env,
            login="compta.a",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        visible = self.env["account.relance.history"].with_user(user_here).search([])
        self.assertIn(self._histories(here), visible)
        self.assertNotIn(self._histories(there), visible)
