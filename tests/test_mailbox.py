"""The demo's local SMTP server: raw SMTP, then Odoo's own mail sending."""

import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from unittest.mock import patch

import odoo
from odoo.tests import TransactionCase, tagged

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "setup" / "mailbox_server.py"
# long, accented: folded on two lines
SUBJECT = (
    "Atelier Duval SAS - Dernier rappel avant mise en demeure : facture "
    "impayée n° INV/2026/00020"
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_mailbox(folder):
    """Start setup/mailbox_server.py on a free port; return (process, port)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", str(port), "--dir", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = process.stdout.readline()
    assert "listening" in line, line + process.stdout.read()
    return process, port


def stop_mailbox(process):
    process.terminate()
    try:
        out, _err = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, out
    assert "mailbox: stopped" in out


def wait_for_eml(folder, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(Path(folder).glob("*.eml"))
        if files:
            return files
        time.sleep(0.05)
    raise AssertionError(f"no .eml file in {folder} after {timeout} s")


def read_eml(path):
    with open(path, "rb") as handle:
        return BytesParser(policy=default_policy).parse(handle)


def test_smtplib_message_becomes_eml(tmp_path):
    process, port = start_mailbox(tmp_path)
    try:
        message = EmailMessage()
        message["From"] = "compta@atelier.example"
        message["To"] = "client@example.com"
        message["Subject"] = "Relance : facture FAC/2025/0001 échue"
        message.set_content(
            "Bonjour,\nsauf erreur de notre part, la facture reste due.\n"
        )
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message)
        (eml,) = wait_for_eml(tmp_path)
    finally:
        stop_mailbox(process)
    assert eml.suffix == ".eml"
    received = read_eml(eml)
    assert received["Subject"] == "Relance : facture FAC/2025/0001 échue"
    assert received["X-Mailbox-To"] == "client@example.com"
    assert "la facture reste due" in received.get_content()
    assert not list(tmp_path.glob(".*.tmp"))


def test_stops_on_sigint(tmp_path):
    process, _port = start_mailbox(tmp_path)
    process.send_signal(signal.SIGINT)
    out, _err = process.communicate(timeout=10)
    assert process.returncode == 0, out
    assert "mailbox: stopped" in out


# Outside an add-on, Odoo's test metaclass sets no tags: give the usual ones.
@tagged("standard", "post_install", "-at_install")
class TestOdooSendsToMailbox(TransactionCase):
    """Odoo's ir.mail_server + mail.mail.send() deliver into the mailbox."""

    def test_mail_mail_send_reaches_mailbox(self):
        tmp = tempfile.TemporaryDirectory(prefix="relance-mailbox-")
        self.addCleanup(tmp.cleanup)
        folder = Path(tmp.name)
        process, port = start_mailbox(folder)
        try:
            server = self.env["ir.mail_server"].create(
                {
                    "name": "Test mailbox",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": port,
                    "smtp_encryption": "none",
                    "sequence": 0,
                }
            )
            mail = self.env["mail.mail"].create(
                {
                    "subject": SUBJECT,
                    "body_html": "<p>Votre facture est échue.</p>",
                    "email_from": "compta@atelier.example",
                    "email_to": "client@example.com",
                    "mail_server_id": server.id,
                    "auto_delete": False,
                }
            )
            # Odoo skips real SMTP while a test runs (current_test); this test
            # is about the real delivery, so it lifts that guard.
            with patch.object(odoo.modules.module, "current_test", None):
                mail.send(raise_exception=True)
            (eml,) = wait_for_eml(folder)
        finally:
            stop_mailbox(process)
        received = read_eml(eml)
        # word for word: Python 3.11 alone folds such a subject into
        # "facture  impayéen°" (account_relance_fr's SubjectFoldPolicy)
        self.assertEqual(received["Subject"], SUBJECT)
        self.assertEqual(received["X-Mailbox-To"], "client@example.com")
        body = received.get_body(preferencelist=("html", "plain")).get_content()
        self.assertIn("Votre facture est échue.", body)
        self.assertEqual(mail.state, "sent")
