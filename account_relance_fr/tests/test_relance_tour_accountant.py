from datetime import timedelta

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import RelanceCommon, pdf_text
from .tour_screenshots import RelanceTourScreenshots


@tagged("post_install", "-at_install")
class TestRelanceTourAccountant(RelanceTourScreenshots, RelanceCommon, HttpCase):
    """The accountant's path in the browser: the list of today, a reminder
    previewed and sent, a formal notice approved, the letters printed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls.env["res.users"].create(
            {
                "name": "Claire Duval",
                "login": "claire.relance",
                "password": "claire.relance",
                "email": "claire@atelier.example",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set(
                        (
                            cls.env.ref("base.group_user")
                            | cls.env.ref("base.group_partner_manager")
                            | cls.env.ref("account.group_account_manager")
                        ).ids
                    )
                ],
            }
        )

    def _setup_morning(self):
        """Boulangerie Martin: an invoice 3 days late, its friendly reminder
        due today. Garage Dupont: an invoice 35 days late, reminded at J+1,
        J+8, J+12 and J+20; its formal notice is queued for approval by
        "Process Selected"."""
        today = self.company._get_relance_today()
        # the letter's sender
        self.company.partner_id.write(
            {"street": "12 rue des Tanneurs", "zip": "69002", "city": "Lyon"}
        )
        self.customer_2.write(
            {
                "street": "8 avenue Foch",
                "zip": "75016",
                "city": "Paris",
                "user_id": self.salesperson.id,
            }
        )
        late = self._invoice(self.customer, 1200.0, today - timedelta(days=3))
        due = today - timedelta(days=35)
        notice = self._invoice(self.customer_2, 2400.0, due)
        line = notice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        for days in (1, 8, 12, 20):
            self.env["account.relance.history"].create(
                {
                    "move_line_id": line.id,
                    "move_id": notice.id,
                    "company_id": self.company.id,
                    "partner_id": self.customer_2.id,
                    "contact_id": self.customer_2.id,
                    "level_id": self.level_by_days[days].id,
                    "date": due + timedelta(days=days),
                    "channel": "email",
                    "channels": "email",
                    "currency_id": line.currency_id.id,
                    "amount_total": line.amount_currency,
                    "amount_residual": line.amount_residual_currency,
                    "days_late": days,
                    "state": "sent",
                }
            )
        self.env["account.relance.followup"].search(
            [("partner_id", "=", self.customer_2.id)]
        ).action_process()
        queued = self._histories(notice).filtered(
            lambda history: history.state == "to_confirm"
        )
        self.assertEqual(len(queued), 1)
        self.assertTrue(queued.level_id.is_formal_notice)
        # real PDFs for the letters, as in production (tests get HTML otherwise)
        self.env.ref(
            "account_relance_fr.account_relance_followup_action"
        ).context = "{'search_default_action_due': 1, 'force_report_rendering': True}"
        # without their styles: wkhtmltopdf cannot load them from the test
        # server while the request printing the letter holds the test cursor
        self.env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:1")
        return late, notice, queued

    def test_tour_accountant_morning(self):
        late, notice, formal = self._setup_morning()
        Attachment = self.env["ir.attachment"]
        before = Attachment.search([]).ids
        with self.mock_mail_gateway():
            self.start_tour(
                "/odoo/action-account_relance_fr.account_relance_followup_action",
                "relance_accountant",
                login="claire.relance",
            )
        # the reminder sent from the wizard: by email, to the customer
        reminder = self._histories(late)
        self.assertEqual(len(reminder), 1)
        self.assertEqual(
            (reminder.level_id.name, reminder.state), ("Friendly reminder", "sent")
        )
        self.assertEqual(reminder.user_id, self.accountant)
        self.assertIn(self.customer, reminder.mail_message_id.partner_ids)
        self.assertIn(late.name, reminder.mail_message_id.body)
        # the formal notice approved: sent, its letter waits to be posted
        self.assertEqual(formal.state, "sent")
        self.assertEqual(formal.postal_state, "to_post")
        self.assertIn(notice.name, pdf_text(formal.letter_attachment_id.raw))
        # the letters printed in one PDF: the formal notice of Garage Dupont
        printed = Attachment.search(
            [("id", "not in", before), ("name", "=like", "Letters to post %")]
        )
        self.assertEqual(len(printed), 1)
        self.assertEqual(printed.mimetype, "application/pdf")
        text = pdf_text(printed.raw)
        self.assertIn("Garage Dupont", text)
        self.assertIn(notice.name, text)
        # the screenshots of each step, at both widths
        names = {path.name for path in self.screenshots}
        for step in ("followup-today", "send-preview", "letters-to-post"):
            for width in ("desktop", "phone"):
                self.assertIn(f"relance_accountant-{step}-{width}.png", names)
        for path in self.screenshots:
            self.assertEqual(path.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        # on a phone the preview reads without scrolling the dialog sideways:
        # only the invoice table of the mail scrolls, in its own box
        self.assertEqual(
            self.screenshot_wide["relance_accountant-send-preview-desktop"], []
        )
        self.assertEqual(
            self.screenshot_wide["relance_accountant-send-preview-phone"],
            ["o_relance_table_scroll overflow-x-auto"],
        )
