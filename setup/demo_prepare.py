#!/usr/bin/env python3
"""Prepare the demo database before setup/run serves it.

Run by setup/run with the virtualenv's Python and PYTHONPATH=$ODOO_SRC:

    demo_prepare.py -c .local/odoo.cfg -d relance_demo --smtp 127.0.0.1:2525 \
        --base-url http://127.0.0.1:8069 [--mail-server-name "Demo mailbox"]

1. points the database's outgoing mail server at the local mailbox (or the
   --smtp relay): an ir.mail_server first in sequence, no TLS;
2. sets web.base.url;
3. enables the demo company's payment providers (Odoo's demo card provider
   and the wire transfer, when payment_demo and payment_custom are installed);
4. cancels the mails Odoo's own demo data left unsent while installing (the
   demo mailbox holds this product's mails only, each once);
5. runs the reminder job once (account.relance.run._cron_send_relances) and
   prints what it sent: emails, SMS, letters to post, call activities;
6. sends the mail queue (and the SMS queue when the sms module is there);
7. commits.
"""

import argparse
import sys
import threading

MAIL_SERVER_NAME = "Demo mailbox"


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Prepare the demo database.")
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--smtp", required=True, help="HOST:PORT of the SMTP server")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--mail-server-name", default=MAIL_SERVER_NAME)
    parser.add_argument("--logfile", help="Odoo log file (default: the config's)")
    args = parser.parse_args(argv)
    host, _sep, port = args.smtp.rpartition(":")
    if not host or not port.isdigit():
        parser.error("--smtp must be HOST:PORT")
    args.smtp_host, args.smtp_port = host, int(port)
    return args


def set_mail_server(env, name, host, port):
    """Create or update the outgoing server ``name`` and put it first."""
    servers = env["ir.mail_server"].with_context(active_test=False)
    server = servers.search([("name", "=", name)], limit=1)
    others = servers.search([("id", "!=", server.id)])
    first = min(others.mapped("sequence"), default=10)
    vals = {
        "name": name,
        "smtp_host": host,
        "smtp_port": port,
        "smtp_encryption": "none",
        "smtp_authentication": "login",
        "smtp_user": False,
        "smtp_pass": False,
        "from_filter": False,
        "sequence": min(first - 1, 1) if others else 1,
        "active": True,
    }
    if server:
        server.write(vals)
    else:
        server = servers.create(vals)
    # Other servers created by earlier runs of this script must not win.
    others.filtered(lambda s: s.name.startswith(("Demo mailbox", "Demo relay"))).write(
        {"active": False}
    )
    return server


def setup_payment_providers(env):
    """Card and wire transfer for the demo company, so its customers can pay."""
    if "account.relance.demo" not in env.registry:
        return
    providers = env["account.relance.demo"]._demo_setup_payment_providers()
    env.cr.commit()
    if providers:
        names = ", ".join(providers.mapped("name"))
        print(f"demo: payment providers of the demo company: {names}")


def last_id(env, model):
    """The highest id of ``model`` (0 when empty or not installed)."""
    if model not in env.registry:
        return 0
    return env[model].search([], order="id desc", limit=1).id or 0


def drop_foreign_mail_queue(env):
    """Cancel the mails Odoo's own demo data left unsent, with their
    notifications: the activities the demo of account and l10n_fr_account
    assigns to the admin while installing are mailed at once, in English;
    setup/run installs with an SMTP port where nothing listens
    (NO_SMTP_ARGS), so they wait queued or failed. The demo mailbox holds this
    product's mails only, each once."""
    foreign = env["mail.mail"].search([("state", "in", ("outgoing", "exception"))])
    if foreign:
        env["mail.notification"].search(
            [("mail_mail_id", "in", foreign.ids)]
        ).notification_status = "canceled"
        foreign.write({"state": "cancel"})
        env.cr.commit()
        print(f"demo: {len(foreign)} mail(s) of Odoo's demo data left unsent")


def run_reminder_job(env):
    """Run the daily reminder job once, if the engine is installed, and say
    what it sent."""
    # Guard kept until the engine is sure to exist in every database.
    if "account.relance.run" not in env.registry:
        print("demo: the reminder engine isn't installed yet (no account.relance.run)")
        return
    before = {
        model: last_id(env, model) for model in ("account.relance.history", "sms.sms")
    }
    # The reminder engine: the same call as the daily ir.cron.
    remaining = env["account.relance.run"]._cron_send_relances()
    env.cr.commit()
    histories = env["account.relance.history"].search(
        [("id", ">", before["account.relance.history"])]
    )
    sent = histories.filtered(lambda history: history.state == "sent")
    sms = (
        env["sms.sms"].search_count([("id", ">", before["sms.sms"])])
        if "sms.sms" in env.registry
        else 0
    )
    to_approve = len(histories.filtered(lambda h: h.state == "to_confirm"))
    failed = len(histories.filtered(lambda h: h.state == "failed"))
    print(
        f"demo: reminder job sent {len(sent.mail_message_id)} email(s), {sms} SMS, "
        f"{len(sent.letter_attachment_id)} letter(s) to post, "
        f"{len(sent.activity_id)} call activity(ies); "
        f"{to_approve} reminder(s) to approve, {failed} failed"
    )
    if isinstance(remaining, int) and remaining:
        print(f"demo: {remaining} customer(s) left for the cron")


def send_queues(env):
    """Send what the job queued: mails, then SMS."""
    queued = env["mail.mail"].search_count([("state", "=", "outgoing")])
    env["mail.mail"].process_email_queue()
    if "sms.sms" in env.registry:
        env["sms.sms"]._process_queue()
    env.cr.commit()
    failed = env["mail.mail"].search_count([("state", "=", "exception")])
    print(f"demo: {queued - failed} mail(s) delivered")
    if failed:
        print(f"demo: {failed} mail(s) in exception, see Settings > Technical > Emails")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)

    import odoo
    from odoo.tools import config

    odoo_args = ["-c", args.config, "-d", args.database, "--no-http"]
    if args.logfile:
        odoo_args.append(f"--logfile={args.logfile}")
    config.parse_config(odoo_args, setup_logging=True)
    threading.current_thread().dbname = args.database

    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        server = set_mail_server(
            env, args.mail_server_name, args.smtp_host, args.smtp_port
        )
        env["ir.config_parameter"].set_param("web.base.url", args.base_url)
        cr.commit()
        target = f"{args.smtp_host}:{args.smtp_port}"
        print(f"demo: outgoing mail server {server.name!r} -> {target}")
        print(f"demo: web.base.url = {args.base_url}")
        setup_payment_providers(env)
        drop_foreign_mail_queue(env)
        run_reminder_job(env)
        send_queues(env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
