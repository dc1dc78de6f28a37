from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestRelanceConcurrency(TransactionCase):
    """Two Odoo servers running the job at the same time send a reminder once.

    The data is committed from a separate cursor (a worker cannot see another
    transaction's uncommitted data) and removed at the end.
    """

    DUE = date(2026, 3, 16)  # a Monday

    def _setup_committed_invoice(self):
        partner_ids, move_ids = self._setup_committed_invoices(["Concurrence SARL"])
        return partner_ids[0], move_ids[0]

    def _setup_committed_invoices(self, names):
        """One customer per name with one invoice due the day before DUE,
        committed; returns ([partner ids], [move ids])."""
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
            partners = env["res.partner"].create(
                [
                    {
                        "name": name,
                        "is_company": True,
                        "email": f"compta{index}@concurrence.example",
                    }
                    for index, name in enumerate(names)
                ]
            )
            moves = (
                env["account.move"]
                .with_company(company)
                .create(
                    [
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
                        for partner in partners
                    ]
                )
            )
            moves.action_post()
            return partners.ids, moves.ids

    def _cleanup(self, partner_ids, move_ids):
        partner_ids = partner_ids if isinstance(partner_ids, list) else [partner_ids]
        move_ids = move_ids if isinstance(move_ids, list) else [move_ids]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["account.relance.history"].search(
                [("partner_id", "in", partner_ids)]
            ).unlink()
            env["mail.mail"].search(
                [("res_id", "in", partner_ids), ("model", "=", "res.partner")]
            ).unlink()
            env["mail.message"].search(
                [("res_id", "in", partner_ids), ("model", "=", "res.partner")]
            ).unlink()
            env["mail.activity"].search(
                [("res_id", "in", partner_ids), ("res_model", "=", "res.partner")]
            ).unlink()
            cron = env.ref("account_relance_fr.ir_cron_send_relances")
            env["ir.cron.trigger"].search(
                [("cron_id", "=", cron.id), ("call_at", "<=", f"{self.DUE} 23:59:59")]
            ).unlink()
            moves = env["account.move"].browse(move_ids)
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            env["res.partner"].browse(partner_ids).unlink()
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

    def _sent_partner_ids(self, env, partner_ids):
        histories = env["account.relance.history"].search(
            [("partner_id", "in", partner_ids), ("state", "=", "sent")]
        )
        return set(histories.partner_id.ids)

    def _triggers(self, env):
        cron = env.ref("account_relance_fr.ir_cron_send_relances")
        return set(
            env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).mapped("call_at")
        )

    def test_held_customer_skipped_not_counted_retried_later(self):
        """A customer whose invoice another transaction holds is skipped, the
        batch goes on with the next ones; it counts as remaining, not done, and
        the job does not loop on it: it tries again a few minutes later."""
        partner_ids, move_ids = self._setup_committed_invoices(
            ["Verrou SARL", "Libre SARL", "Suivant SARL"]
        )
        held, free, following = partner_ids
        try:
            with (
                freeze_time(f"{self.DUE} 09:00:00"),
                self.registry.cursor() as cr_hold,
                self.registry.cursor() as cr_job,
            ):
                # a user's transaction holds the first customer's invoice
                cr_hold.execute(
                    "SELECT id FROM account_move WHERE id = %s FOR UPDATE",
                    [move_ids[0]],
                )
                env = api.Environment(cr_job, SUPERUSER_ID, {})
                partners = env["res.partner"].browse(partner_ids)
                run = env["account.relance.run"]
                before = self._triggers(env)
                # batch of 1: the held customer is skipped, the next one done
                self.assertEqual(run._run_batch(batch_size=1, partners=partners), 2)
                self.assertEqual(self._sent_partner_ids(env, partner_ids), {free})
                cr_job.commit()
                self.assertEqual(run._run_batch(batch_size=1, partners=partners), 1)
                self.assertEqual(
                    self._sent_partner_ids(env, partner_ids), {free, following}
                )
                cr_job.commit()
                # only the held customer is left: nothing done, no loop, a
                # retry in a few minutes
                self.assertEqual(run._run_batch(batch_size=1, partners=partners), 1)
                cr_job.commit()
                self.assertIn(datetime(2026, 3, 16, 9, 5), self._triggers(env) - before)
                self.assertNotIn(held, self._sent_partner_ids(env, partner_ids))
                # the lock is released: the retry sends it, once
                cr_hold.rollback()
                env.invalidate_all()
                self.assertEqual(run._run_batch(batch_size=1, partners=partners), 0)
                cr_job.commit()
                self.assertEqual(
                    self._sent_partner_ids(env, partner_ids), set(partner_ids)
                )
                self.assertEqual(
                    env["account.relance.history"].search_count(
                        [("partner_id", "in", partner_ids)]
                    ),
                    3,
                )
        finally:
            self._cleanup(partner_ids, move_ids)

    def test_payment_meanwhile_affects_that_customer_only(self):
        """An invoice changed and committed by a user after the job's
        transaction started: that customer is left for the next call (its
        change may be a payment), the others of the batch are sent."""
        partner_ids, move_ids = self._setup_committed_invoices(
            ["Change SARL", "Autre SARL", "Encore SARL"]
        )
        changed = partner_ids[0]
        try:
            with (
                freeze_time(f"{self.DUE} 09:00:00"),
                self.registry.cursor() as cr_job,
                self.registry.cursor() as cr_user,
            ):
                env = api.Environment(cr_job, SUPERUSER_ID, {})
                partners = env["res.partner"].browse(partner_ids)
                # the job's transaction has started (its snapshot is taken)
                cr_job.execute("SELECT 1")
                # a user edits the first invoice and commits
                env_user = api.Environment(cr_user, SUPERUSER_ID, {})
                env_user["account.move"].browse(move_ids[0]).ref = "Bon 42"
                cr_user.commit()
                run = env["account.relance.run"]
                self.assertEqual(run._run_batch(partners=partners), 1)
                self.assertEqual(
                    self._sent_partner_ids(env, partner_ids), set(partner_ids[1:])
                )
                cr_job.commit()
                # next call, a new transaction: the changed customer goes too
                env.invalidate_all()
                self.assertEqual(run._run_batch(partners=partners), 0)
                cr_job.commit()
                self.assertEqual(
                    self._sent_partner_ids(env, partner_ids), set(partner_ids)
                )
                self.assertEqual(
                    env["mail.mail"].search_count(
                        [
                            ("model", "=", "res.partner"),
                            ("res_id", "=", changed),
                        ]
                    ),
                    1,
                )
        finally:
            self._cleanup(partner_ids, move_ids)

    def test_approval_while_held_keeps_waiting(self):
        """Approving a reminder whose invoice another process holds says so
        and leaves it waiting for approval, never cancelled."""
        partner_ids, move_ids = self._setup_committed_invoices(["Attente SARL"])
        try:
            with (
                freeze_time(f"{self.DUE} 09:00:00"),
                self.registry.cursor() as cr_hold,
                self.registry.cursor() as cr_job,
            ):
                env = api.Environment(cr_job, SUPERUSER_ID, {})
                move = env["account.move"].browse(move_ids[0])
                line = move.line_ids.filtered(
                    lambda aml: aml.account_id.account_type == "asset_receivable"
                )
                level = env.ref(
                    "account_relance_fr.ladder_standard"
                ).level_ids.filtered(lambda level: level.days == 1)
                history = env["account.relance.history"].create(
                    {
                        "move_line_id": line.id,
                        "move_id": move.id,
                        "company_id": move.company_id.id,
                        "partner_id": partner_ids[0],
                        "level_id": level.id,
                        "channel": "email",
                        "currency_id": move.currency_id.id,
                        "state": "to_confirm",
                    }
                )
                # committed before the other transaction takes the lock
                cr_job.commit()
                # never wait for a lock in this test: fail instead
                cr_job.execute("SET LOCAL lock_timeout = '10s'")
                cr_hold.execute("SET LOCAL lock_timeout = '10s'")
                cr_hold.execute(
                    "SELECT id FROM account_move WHERE id = %s FOR UPDATE",
                    [move.id],
                )
                with self.assertRaisesRegex(UserError, "another process"):
                    history.action_approve()
                self.assertEqual(history.state, "to_confirm")
                self.assertFalse(history.mail_message_id)
        finally:
            self._cleanup(partner_ids, move_ids)
