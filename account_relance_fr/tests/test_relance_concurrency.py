from datetime import date, timedelta

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestRelanceConcurrency(TransactionCase):
    """Two Odoo servers running the job at the same time send a reminder once.

    The data is committed from a separate cursor (a worker cannot see another
    transaction's uncommitted data) and removed at the end.
    """

    DUE = date(2026, 3, 16)  # a Monday

    def _setup_committed_invoice(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            window = {
                "relance_send_saturday": True,
                "relance_send_sunday": True,
                "relance_hour_from": 0.0,
                "relance_hour_to": 24.0,
            }
            ladder = env.ref("account_relance_fr.ladder_standard")
            self._saved = {
                "window": company.read(list(window))[0],
                "ladder_active": ladder.active,
            }
            company.write(window)
            # the demo data archives the ladders of Odoo's own demo companies
            ladder.active = True
            partner = env["res.partner"].create(
                {
                    "name": "Concurrence SARL",
                    "is_company": True,
                    "email": "compta@concurrence.example",
                }
            )
            move = (
                env["account.move"]
                .with_company(company)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": self.DUE - timedelta(days=31),
                        "invoice_date_due": self.DUE - timedelta(days=1),
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Prestation",
                                    "price_unit": 500.0,
                                    "tax_ids": [],
                                }
                            )
                        ],
                    }
                )
            )
            move.action_post()
            return partner.id, move.id

    def _cleanup(self, partner_id, move_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["account.relance.history"].search(
                [("partner_id", "=", partner_id)]
            ).unlink()
            env["mail.mail"].search(
                [("res_id", "=", partner_id), ("model", "=", "res.partner")]
            ).unlink()
            env["mail.message"].search(
                [("res_id", "=", partner_id), ("model", "=", "res.partner")]
            ).unlink()
            move = env["account.move"].browse(move_id)
            move.button_draft()
            move.with_context(force_delete=True).unlink()
            env["res.partner"].browse(partner_id).unlink()
            saved_window = dict(self._saved["window"])
            saved_window.pop("id")
            env.ref("base.main_company").write(saved_window)
            env.ref("account_relance_fr.ladder_standard").active = self._saved[
                "ladder_active"
            ]

    def test_two_workers_send_once(self):
        partner_id, move_id = self._setup_committed_invoice()
        try:
            with (
                freeze_time(f"{self.DUE} 09:00:00"),
                self.registry.cursor() as cr1,
                self.registry.cursor() as cr2,
            ):
                env1 = api.Environment(cr1, SUPERUSER_ID, {})
                env2 = api.Environment(cr2, SUPERUSER_ID, {})
                partner1 = env1["res.partner"].browse(partner_id)
                partner2 = env2["res.partner"].browse(partner_id)
                # worker 1 sends and still holds the invoice's row lock
                env1["account.relance.run"]._run_batch(partners=partner1)
                history_model1 = env1["account.relance.history"]
                self.assertEqual(
                    history_model1.search_count([("partner_id", "=", partner_id)]), 1
                )
                # worker 2 at the same moment skips the locked invoice
                env2["account.relance.run"]._run_batch(partners=partner2)
                history_model2 = env2["account.relance.history"]
                self.assertEqual(
                    history_model2.search_count([("partner_id", "=", partner_id)]), 0
                )
                cr2.rollback()
                cr1.commit()
                # worker 2 later: it sees what worker 1 committed, sends nothing
                env2.invalidate_all()
                env2["account.relance.run"]._run_batch(partners=partner2)
                self.assertEqual(
                    history_model2.search_count([("partner_id", "=", partner_id)]), 1
                )
                messages = env2["mail.message"].search_count(
                    [
                        ("model", "=", "res.partner"),
                        ("res_id", "=", partner_id),
                        ("message_type", "=", "comment"),
                    ]
                )
                self.assertEqual(messages, 1)
                cr2.commit()
        finally:
            self._cleanup(partner_id, move_id)
