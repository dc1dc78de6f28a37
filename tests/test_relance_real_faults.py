"""The reminder job in real Odoo processes, interrupted in the middle of a
batch: killed with SIGKILL, or meeting a payment committed by another
connection. Nothing is lost, nothing is sent twice, every "sent" history has
its mail: counted from the mails the SMTP sink (``setup/mailbox_server.py``)
receives.

The job runs in ``odoo-bin shell`` exactly as Odoo's cron runner calls it (the
cron in the context, one commit after each call, until nothing remains). To
stop it at a known point of a batch, the job's process waits, once, right
after it queued its first mail of the chosen call: its transaction is open,
some customers of the batch are done, the others are not. The data is
committed from a separate cursor and removed at the end.
"""

import os
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path

from test_mailbox import read_eml, start_mailbox, stop_mailbox
from test_relance_two_servers import create_overdue_customers, odoo_shell, wait_shell

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

CUSTOMERS = 10
BATCH = 4

# {prefix}, {pause_call}, {pause_at}, {go_file}, {batch}: the job as the cron
# runner calls it, restricted to the test's customers, then the mail queue sent
# to the sink. It pauses in call number {pause_call} (0: never), after the
# batch's first mail ("mail") or before the batch locks its invoices ("lock").
JOB = """
import logging
import os
import time

from odoo import api

# the engine's own account of the batches, in the log on failure
logging.getLogger("odoo.addons.account_relance_fr").setLevel(logging.INFO)

partners = env["res.partner"].search([("name", "=like", "{prefix} %")])
cron = env.ref("account_relance_fr.ir_cron_send_relances")
run = env["account.relance.run"].with_context(cron_id=cron.id)
pause = {{"armed": False}}


def wait_here(cr):
    if pause["armed"]:
        pause["armed"] = False
        cr.execute("SELECT pg_backend_pid()")
        print("PAUSED", cr.fetchone()[0], flush=True)
        while not os.path.exists("{go_file}"):
            time.sleep(0.05)


if "{pause_at}" == "mail":
    # after the batch's first mail: its invoices locked, its mails half made
    MailMail = type(env["mail.mail"])
    original_create = MailMail.create

    @api.model_create_multi
    def create(self, vals_list):
        records = original_create(self, vals_list)
        wait_here(self.env.cr)
        return records

    MailMail.create = create
else:
    # the batch planned and read, its invoices not locked yet
    Run = type(run)
    original_lock = Run._lock_customers

    def lock_customers(self, entries):
        wait_here(self.env.cr)
        return original_lock(self, entries)

    Run._lock_customers = lock_customers
remaining = None
for call in range(1, 200):
    pause["armed"] = call == {pause_call}
    remaining = run._run_batch(batch_size={batch}, partners=partners)
    env.cr.commit()
    if not remaining:
        break
    time.sleep(0.05)
print("JOB DONE", remaining, flush=True)
mails = env["mail.mail"].sudo().search(
    [("recipient_ids", "in", partners.ids), ("state", "=", "outgoing")]
)
mails.send(raise_exception=True)
env.cr.commit()
print("SENT", len(mails), flush=True)
"""


def wait_for_line(path, marker, process, timeout=120):
    """The first line of the log at ``path`` starting with ``marker``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in Path(path).read_text().splitlines():
            if line.startswith(marker):
                return line
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(
        f"no {marker!r} in the job's log:\n{Path(path).read_text()[-3000:]}"
    )


# Outside an add-on, Odoo's test metaclass sets no tags: give the usual ones.
@tagged("standard", "post_install", "-at_install")
class TestRealFaults(TransactionCase):
    """Each test commits its own customers (one overdue invoice each) and
    removes them afterwards; the job is restricted to them."""

    def setUp(self):
        super().setUp()
        tmp = tempfile.TemporaryDirectory(prefix="relance-faults-")
        self.addCleanup(tmp.cleanup)
        self.folder = Path(tmp.name)
        self.mailbox, self.port = start_mailbox(self.folder)
        self.addCleanup(self._stop_mailbox)
        self.addCleanup(self._cleanup)
        self._ids = None

    def _stop_mailbox(self):
        if self.mailbox:
            stop_mailbox(self.mailbox)
            self.mailbox = None

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _setup(self, prefix):
        """Commit CUSTOMERS customers with one invoice due yesterday, an
        always-open sending window and a mail server pointing at the sink."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            domain = prefix.lower().replace(" ", "-")
            data = create_overdue_customers(env, prefix, domain, CUSTOMERS, self.port)
            self._ids = {
                "partners": data["partners"].ids,
                "moves": data["moves"].ids,
                "server": data["server"].id,
                "payments": [],
                "saved": data["saved"],
            }
            self.today = data["today"]
        self.prefix = prefix
        self.emails = [
            f"client{index:02d}@{domain}.example" for index in range(CUSTOMERS)
        ]

    def _cleanup(self):
        ids = self._ids
        if not ids:
            return
        # the company and the ladder first, whatever happens to the rest
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env.ref("base.main_company").write(ids["saved"]["window"])
            env.ref("account_relance_fr.ladder_standard").active = ids["saved"][
                "ladder_active"
            ]
        with self.registry.cursor() as cr:
            env = self._env(cr)
            partner_ids = ids["partners"]
            env["account.relance.history"].search(
                [("partner_id", "in", partner_ids)]
            ).unlink()
            for model, field in (("mail.mail", "model"), ("mail.message", "model")):
                env[model].sudo().search(
                    [("res_id", "in", partner_ids), (field, "=", "res.partner")]
                ).unlink()
            env["mail.activity"].search(
                [("res_id", "in", partner_ids), ("res_model", "=", "res.partner")]
            ).unlink()
            env["account.payment.register"].search(
                [("partner_id", "in", partner_ids)]
            ).unlink()
            payments = env["account.payment"].browse(ids["payments"])
            payments.action_draft()
            payments.unlink()
            moves = env["account.move"].browse(ids["moves"])
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            env["res.partner"].browse(partner_ids).unlink()
            env["ir.mail_server"].browse(ids["server"]).unlink()

    def _start_job(self, name, pause_call=0, pause_at="mail"):
        """``odoo-bin shell`` running the job; it pauses in call number
        ``pause_call`` (0: never) at ``pause_at`` (see JOB) until ``go_file``
        exists."""
        log_path = self.folder / f"{name}.log"
        go_file = self.folder / f"{name}.go"
        script = JOB.format(
            prefix=self.prefix,
            pause_call=pause_call,
            pause_at=pause_at,
            go_file=go_file,
            batch=BATCH,
        )
        process, log = odoo_shell(script, log_path)
        self.addCleanup(self._kill, process, log)
        return process, log, log_path, go_file

    def _kill(self, process, log):
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()

    def _wait_backend_gone(self, pid, timeout=30):
        """Wait until PostgreSQL has ended the killed process's connection
        (its transaction rolled back, its locks released)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.registry.cursor() as cr:
                cr.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
                if not cr.fetchone():
                    return
            time.sleep(0.1)
        raise AssertionError(f"PostgreSQL backend {pid} still alive after the kill")

    def _state(self):
        """(histories by customer index, e-mails of the reminder messages by
        (recipient, notification status), messages without history, sent
        histories without an e-mail), committed data."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            partners = env["res.partner"].browse(self._ids["partners"])
            index_of = {partner: index for index, partner in enumerate(partners)}
            histories = env["account.relance.history"].search(
                [("partner_id", "in", partners.ids)]
            )
            by_customer = {
                index_of[history.partner_id]: (history.state, history.date)
                for history in histories
            }
            self.assertEqual(len(by_customer), len(histories), "one history each")
            messages = env["mail.message"].search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("message_type", "=", "comment"),
                ]
            )
            # a sent mail is deleted from the queue; its notification stays
            notifications = env["mail.notification"].search(
                [
                    ("mail_message_id", "in", messages.ids),
                    ("notification_type", "=", "email"),
                ]
            )
            return (
                by_customer,
                Counter(
                    (
                        notification.res_partner_id.email,
                        notification.notification_status,
                    )
                    for notification in notifications
                ),
                messages - histories.mail_message_id,
                histories.filtered(
                    lambda history: history.state == "sent"
                    and history.mail_message_id not in notifications.mail_message_id
                ),
            )

    def _received(self, expected_count, timeout=20):
        deadline = time.monotonic() + timeout
        while (
            len(list(self.folder.glob("*.eml"))) < expected_count
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        self._stop_mailbox()
        return Counter(
            read_eml(path)["X-Mailbox-To"] for path in self.folder.glob("*.eml")
        )

    def test_killed_in_a_batch_then_restarted(self):
        """SIGKILL while the second batch is half done: the first batch stays
        sent with its mails, the half-done batch leaves nothing; the restarted
        job sends every customer exactly once."""
        self._setup("Panne brutale")
        process, _log, log_path, _go = self._start_job("killed", pause_call=2)
        paused = wait_for_line(log_path, "PAUSED", process)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        self.assertEqual(process.returncode, -signal.SIGKILL)
        self._wait_backend_gone(int(paused.split()[1]))

        by_customer, mailed, orphan_messages, sent_without_mail = self._state()
        # the first batch committed, the second rolled back with the process
        self.assertEqual(
            by_customer, {index: ("sent", self.today) for index in range(BATCH)}
        )
        self.assertEqual(
            dict(mailed), {(self.emails[i], "ready"): 1 for i in range(BATCH)}
        )
        self.assertFalse(orphan_messages)
        self.assertFalse(sent_without_mail)

        process, log, log_path, _go = self._start_job("restarted")
        output = wait_shell(process, log, log_path, timeout=120)
        self.assertIn("JOB DONE 0", output)
        # the queue held the first batch's mails and the restarted job's
        self.assertIn(f"SENT {CUSTOMERS}", output)

        by_customer, mailed, orphan_messages, sent_without_mail = self._state()
        self.assertEqual(
            by_customer, {index: ("sent", self.today) for index in range(CUSTOMERS)}
        )
        self.assertEqual(dict(mailed), {(email, "sent"): 1 for email in self.emails})
        self.assertFalse(orphan_messages)
        self.assertFalse(sent_without_mail)
        # the sink received each customer's reminder once
        self.assertEqual(dict(self._received(CUSTOMERS)), dict.fromkeys(self.emails, 1))

    def test_payment_committed_during_a_batch(self):
        """A payment registered and committed by another connection while the
        job's batch is open: the paid customer gets no reminder, every other
        customer is reminded that same day, once."""
        self._setup("Paiement pendant")
        # in the paused batch: planned and read, not locked yet (once locked,
        # a payment waits a few seconds for the batch to commit)
        paid_index = 2
        process, log, log_path, go_file = self._start_job(
            "paid", pause_call=1, pause_at="lock"
        )
        wait_for_line(log_path, "PAUSED", process)

        with self.registry.cursor() as cr:
            # never wait on the job's locks: a lock here is a failure
            cr.execute("SET LOCAL lock_timeout = '20s'")
            env = self._env(cr)
            move = env["account.move"].browse(self._ids["moves"][paid_index])
            payments = (
                env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=move.ids)
                .create({"payment_date": self.today})
                ._create_payments()
            )
            self._ids["payments"] = payments.ids
            self.assertIn(move.payment_state, ("in_payment", "paid"))
        go_file.touch()
        output = wait_shell(process, log, log_path, timeout=120)
        self.assertIn("JOB DONE 0", output)
        self.assertIn(f"SENT {CUSTOMERS - 1}", output)

        by_customer, mailed, orphan_messages, sent_without_mail = self._state()
        others = [index for index in range(CUSTOMERS) if index != paid_index]
        self.assertEqual(by_customer, dict.fromkeys(others, ("sent", self.today)))
        expected = {self.emails[index]: 1 for index in others}
        self.assertEqual(dict(mailed), {(email, "sent"): 1 for email in expected})
        self.assertFalse(orphan_messages)
        self.assertFalse(sent_without_mail)
        with self.registry.cursor() as cr:
            env = self._env(cr)
            activities = env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", self._ids["partners"]),
                ]
            )
            self.assertFalse(activities, "no failure to fix")
        self.assertEqual(dict(self._received(CUSTOMERS - 1)), expected)
