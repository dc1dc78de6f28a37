"""Two Odoo servers run the reminder job on one database at the same moment:
every reminder reaches the SMTP sink exactly once.

Real processes: two ``odoo-bin shell`` on the test database run the job's
batches (and commit after each, as Odoo's cron runner does) from the same
instant; a third one sends the mail queue to ``setup/mailbox_server.py``. The
data is committed from a separate cursor and removed at the end.
"""

import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from test_mailbox import read_eml, start_mailbox, stop_mailbox

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged

ODOO_BIN = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
PREFIX = "Deux serveurs"
CUSTOMERS = 12

JOB = """
import time
partners = env["res.partner"].search([("name", "=like", "{prefix} %")])
while time.time() < {start_at}:
    time.sleep(0.01)
remaining = None
for _call in range(400):
    remaining = env["account.relance.run"]._run_batch(
        batch_size=3, partners=partners, part={part}
    )
    env.cr.commit()
    if not remaining:
        break
    time.sleep(0.05)
print("JOB DONE", remaining)
"""

SEND = """
partners = env["res.partner"].search([("name", "=like", "{prefix} %")])
mails = env["mail.mail"].sudo().search([("recipient_ids", "in", partners.ids)])
mails.send(raise_exception=True)
env.cr.commit()
print("SENT", len(mails))
"""


def create_overdue_customers(env, prefix, domain, count, mailbox_port):
    """The data of a real-process test, to commit: the main company's sending
    window always open and the standard ladder active, ``count`` customers
    named "<prefix> NN" (emails at ``domain``.example) with one posted 500 €
    invoice due yesterday each, a mail server pointing at the SMTP sink.

    :return: dict with partners, moves, server, today and saved (the window
        and ladder state to restore)
    """
    company = env.ref("base.main_company")
    window = {
        "relance_send_saturday": True,
        "relance_send_sunday": True,
        "relance_hour_from": 0.0,
        "relance_hour_to": 24.0,
        "relance_skip_holidays": False,
    }
    ladder = env.ref("account_relance_fr.ladder_standard")
    saved = {
        "window": company.read(list(window))[0],
        "ladder_active": ladder.active,
    }
    company.write(window)
    ladder.active = True
    today = company._get_relance_today()
    partners = env["res.partner"].create(
        [
            {
                "name": f"{prefix} {index:02d}",
                "is_company": True,
                "email": f"client{index:02d}@{domain}.example",
            }
            for index in range(count)
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
                    "invoice_date": today - timedelta(days=31),
                    "invoice_date_due": today - timedelta(days=1),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Prestation", "price_unit": 500.0, "tax_ids": []}
                        )
                    ],
                }
                for partner in partners
            ]
        )
    )
    moves.action_post()
    server = env["ir.mail_server"].create(
        {
            "name": f"{prefix}: mailbox",
            "smtp_host": "127.0.0.1",
            "smtp_port": mailbox_port,
            "smtp_encryption": "none",
            "sequence": 0,
        }
    )
    return {
        "partners": partners,
        "moves": moves,
        "server": server,
        "today": today,
        "saved": saved,
    }


def odoo_shell(script, log_path):
    """Start ``odoo-bin shell`` on the test database with ``script``."""
    config = odoo.tools.config
    log = open(log_path, "w")  # noqa: SIM115 - closed by the caller's wait
    process = subprocess.Popen(
        [
            sys.executable,
            str(ODOO_BIN),
            "shell",
            "-c",
            config.rcfile,
            "-d",
            config["db_name"],
            "--no-http",
            "--log-level=warn",
        ],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.stdin.write(script)
    process.stdin.close()
    return process, log


def wait_shell(process, log, log_path, timeout=240):
    try:
        process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    output = Path(log_path).read_text()
    assert process.returncode == 0, output
    return output


# Outside an add-on, Odoo's test metaclass sets no tags: give the usual ones.
@tagged("standard", "post_install", "-at_install")
class TestTwoServers(TransactionCase):
    def _setup(self, mailbox_port):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            data = create_overdue_customers(
                env, PREFIX, "deux-serveurs", CUSTOMERS, mailbox_port
            )
            self._saved = data["saved"]
            self._ids = {
                "partners": data["partners"].ids,
                "moves": data["moves"].ids,
                "server": data["server"].id,
            }
            return data["partners"]

    def _cleanup(self):
        ids = getattr(self, "_ids", None)
        if not ids:
            return
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner_ids = ids["partners"]
            env["account.relance.history"].search(
                [("partner_id", "in", partner_ids)]
            ).unlink()
            env["mail.mail"].sudo().search(
                [("res_id", "in", partner_ids), ("model", "=", "res.partner")]
            ).unlink()
            env["mail.message"].search(
                [("res_id", "in", partner_ids), ("model", "=", "res.partner")]
            ).unlink()
            env["mail.activity"].search(
                [("res_id", "in", partner_ids), ("res_model", "=", "res.partner")]
            ).unlink()
            moves = env["account.move"].browse(ids["moves"])
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            env["res.partner"].browse(partner_ids).unlink()
            env["ir.mail_server"].browse(ids["server"]).unlink()
            saved_window = dict(self._saved["window"])
            saved_window.pop("id")
            env.ref("base.main_company").write(saved_window)
            env.ref("account_relance_fr.ladder_standard").active = self._saved[
                "ladder_active"
            ]

    def test_two_servers_send_every_reminder_once(self):
        """Both servers take every customer: they meet on each one."""
        self._run_two_servers([(0, 1), (0, 1)])

    def test_two_cron_workers_send_every_reminder_once(self):
        """The job's two cron workers, each its share of the customers (id
        modulo 2), at the same instant: every reminder once."""
        self._run_two_servers([(0, 2), (1, 2)])

    def _run_two_servers(self, parts):
        tmp = tempfile.TemporaryDirectory(prefix="relance-two-servers-")
        self.addCleanup(tmp.cleanup)
        folder = Path(tmp.name)
        mailbox, port = start_mailbox(folder)
        self.addCleanup(self._cleanup)
        try:
            partners = self._setup(port)
            # both servers start their first batch at the same instant, once
            # both have loaded the registry
            start_at = time.time() + 15
            servers = [
                odoo_shell(
                    JOB.format(prefix=PREFIX, start_at=start_at, part=part),
                    folder / f"server{index}.log",
                )
                for index, part in enumerate(parts, start=1)
            ]
            outputs = [
                wait_shell(process, log, folder / f"server{index}.log")
                for index, (process, log) in enumerate(servers, start=1)
            ]
            for output in outputs:
                self.assertIn("JOB DONE 0", output)
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                histories = env["account.relance.history"].search(
                    [("partner_id", "in", partners.ids)]
                )
                self.assertEqual(len(histories), CUSTOMERS)
                self.assertEqual(set(histories.mapped("state")), {"sent"})
                self.assertEqual(len(histories.partner_id), CUSTOMERS)
                # one message and one queued mail per customer, no more
                mails = (
                    env["mail.mail"]
                    .sudo()
                    .search([("recipient_ids", "in", partners.ids)])
                )
                self.assertEqual(len(mails), CUSTOMERS)
                self.assertEqual(histories.mail_message_id, mails.mail_message_id)
            send_log = folder / "send.log"
            process, log = odoo_shell(SEND.format(prefix=PREFIX), send_log)
            self.assertIn(f"SENT {CUSTOMERS}", wait_shell(process, log, send_log))
            deadline = time.monotonic() + 20
            while (
                len(list(folder.glob("*.eml"))) < CUSTOMERS
                and time.monotonic() < deadline
            ):
                time.sleep(0.1)
        finally:
            stop_mailbox(mailbox)
        received = Counter(
            read_eml(path)["X-Mailbox-To"] for path in folder.glob("*.eml")
        )
        expected = {
            f"client{index:02d}@deux-serveurs.example": 1 for index in range(CUSTOMERS)
        }
        self.assertEqual(dict(received), expected)
