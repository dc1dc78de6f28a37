"""The demo data of account_relance_fr, checked on a database installed with it.

Run with pytest-odoo against a database where account_relance_fr was installed
WITH demo data::

    PYTHONPATH=/opt/odoo .venv/bin/pytest -p no:cacheprovider \
        --odoo-database=relance_demodata --odoo-config=/tmp/relance.cfg \
        tests/test_demo_data.py

The demo dates its invoices relative to the day it was loaded. The stages are
checked against that day (today when the database was installed today); the
reminder run is replayed on that day when the database is older.
"""

import contextlib
import importlib.util
import io
import re
import unittest
from datetime import datetime, time, timedelta
from pathlib import Path
from unittest.mock import patch

from stdnum import iban as stdnum_iban
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva

from odoo import fields
from odoo.tests import TransactionCase, freeze_time, tagged

from odoo.addons.mail.tests.common import MailCase

MODULE = "account_relance_fr"
STAGES = {  # days late of the first open instalment (negative: not yet due)
    "due_in_5_days": -5,
    "late_1_day": 1,
    "late_10_days": 10,
    "late_20_days": 20,
    "late_45_days": 45,
    "late_90_days": 90,
}


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase, MailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref(f"base.module_{MODULE}").demo:
            raise unittest.SkipTest(f"{MODULE} is installed without demo data")
        cls.company = cls.env.ref(f"{MODULE}.res_company_atelier_duval_demo")
        cls.admin = cls.env.ref("base.user_admin")
        cls.salespeople = cls.env.ref(f"{MODULE}.res_users_julien_demo") | cls.env.ref(
            f"{MODULE}.res_users_sophie_demo"
        )
        # the day the demo was loaded, as the install computed it
        cls.demo_day = fields.Date.context_today(
            cls.company, timestamp=cls.company.create_date
        )
        cls.customers = cls._demo_records("res.partner").filtered(
            lambda partner: not partner.parent_id
        )
        # the engine's demo invoices (the SMS add-on adds its own)
        cls.invoices = cls._demo_records("account.move").filtered(
            lambda move: move.move_type == "out_invoice"
        )

    @classmethod
    def _demo_records(cls, model):
        """The records of ``model`` that have a demo xmlid of the module."""
        data = cls.env["ir.model.data"].search(
            [
                ("module", "=", MODULE),
                ("model", "=", model),
                ("name", "=like", "%_demo"),
            ]
        )
        return cls.env[model].browse(data.mapped("res_id"))

    def _demo(self, name):
        return self.env.ref(f"{MODULE}.{name}")

    def _days_late(self, move):
        """Days late of the first open instalment of ``move`` on the demo day."""
        first_due = min(move._get_relance_open_lines().mapped("date_maturity"))
        return (self.demo_day - first_due).days

    def _on_demo_day(self):
        """Replay on the demo day when the database was not installed today."""
        if self.demo_day == fields.Date.context_today(self.company):
            return contextlib.nullcontext()
        return freeze_time(datetime.combine(self.demo_day, time(10, 0)))

    # ------------------------------------------------------------------
    # Company, users
    # ------------------------------------------------------------------

    def test_company(self):
        company = self.company
        self.assertEqual(company.name, "Atelier Duval SAS")
        self.assertEqual(company.country_id.code, "FR")
        self.assertEqual(company.currency_id.name, "EUR")
        self.assertEqual(company.chart_template, "fr")
        self.assertTrue(company.street and company.city)
        self.assertRegex(company.zip, r"^\d{5}$")
        # SIREN, shown by groups of 3 digits, with a valid Luhn check
        self.assertRegex(company.company_registry, r"^\d{3} \d{3} \d{3}$")
        siren = company.company_registry.replace(" ", "")
        self.assertTrue(stdnum_siren.is_valid(siren))
        self.assertTrue(stdnum_siret.is_valid(company.partner_id.siret))
        self.assertTrue(company.partner_id.siret.startswith(siren))
        # VAT: FR + key + SIREN
        key = (12 + 3 * (int(siren) % 97)) % 97
        self.assertEqual(company.vat, f"FR{key:02d}{siren}")
        self.assertTrue(stdnum_tva.is_valid(company.vat))
        # bank account: valid French IBAN with a BIC, on the bank journal
        bank = company.partner_id.bank_ids
        self.assertEqual(len(bank), 1)
        self.assertTrue(bank.acc_number.startswith("FR"))
        self.assertTrue(stdnum_iban.is_valid(bank.acc_number))
        self.assertEqual(len(bank.acc_number.replace(" ", "")), 27)
        self.assertTrue(bank.bank_bic)
        journal = self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
        )
        self.assertEqual(journal.bank_account_id, bank)
        self.assertTrue(company.email and company.phone and company.website)
        # reminder settings
        self.assertEqual(company.relance_signatory_name, "Claire Duval")
        self.assertTrue(company.relance_signatory_title)
        self.assertEqual(
            company.relance_sender_email, "comptabilite@atelier-duval.example"
        )
        self.assertEqual(company.relance_accountant_id, self.admin)
        # the demo sends at any hour, any day
        self.assertEqual(
            company._get_relance_window(),
            {
                "weekdays": set(range(7)),
                "hour_from": 0.0,
                "hour_to": 24.0,
                "skip_holidays": False,
            },
        )
        # the shipped ladders were copied into the company
        ladder = company.relance_default_ladder_id
        self.assertEqual(ladder.name, "Standard")
        self.assertEqual(ladder.level_ids.mapped("days"), [-5, 1, 8, 12, 20, 30])
        ladders = self.env["account.relance.ladder"].search(
            [("company_id", "=", company.id)]
        )
        # (add-ons such as account_relance_fr_sms may ship more ladders)
        self.assertLessEqual(
            {"key_account", "risky"}, set(ladders.mapped("rule_payer_profile"))
        )

    def test_payment_providers(self):
        """The demo company is paid online without internet: Odoo's demo card
        provider in test mode and the wire transfer with its IBAN, when setup/run
        or setup/test installed payment_demo and payment_custom."""
        Provider = self.env["payment.provider"].sudo()
        codes = dict(Provider._fields["code"].selection)
        if "demo" not in codes or "custom" not in codes:
            raise unittest.SkipTest("payment_demo and payment_custom are not installed")
        providers = Provider.search([("company_id", "=", self.company.id)])
        demo = providers.filtered(lambda provider: provider.code == "demo")
        transfer = providers.filtered(lambda provider: provider.code == "custom")
        self.assertEqual((demo.state, demo.is_published), ("test", True))
        self.assertEqual((transfer.state, transfer.is_published), ("enabled", True))
        iban = self.company.partner_id.bank_ids.acc_number
        self.assertIn(iban, transfer.pending_msg)
        self.assertTrue(demo.journal_id and transfer.journal_id)
        # both are offered to a customer of the company
        methods = (
            self.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                (demo | transfer).ids,
                self.customers[0].id,
                currency_id=self.company.currency_id.id,
            )
        )
        self.assertEqual(set(methods.mapped("code")), {"demo", "wire_transfer"})
        # invoices carry a structured creditor reference (RF, ISO 11649)
        invoice = self._demo_records("account.move").filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "posted"
        )[:1]
        self.assertRegex(invoice.payment_reference, r"^RF\d{2} ")
        # idempotent: setup/demo_prepare.py calls it again
        again = self.env["account.relance.demo"]._demo_setup_payment_providers()
        self.assertEqual(again, demo | transfer)

    def test_users_and_language(self):
        self.assertTrue(self.env["res.lang"]._lang_get("fr_FR").active)
        self.assertEqual(self.admin.company_id, self.company)
        self.assertIn(self.company, self.admin.company_ids)
        self.assertEqual(self.admin.lang, "fr_FR")
        self.assertEqual(sorted(self.salespeople.mapped("login")), ["julien", "sophie"])
        for user in self.salespeople:
            self.assertFalse(user.share)
            self.assertEqual(user.company_id, self.company)
            self.assertEqual(user.lang, "fr_FR")
            self.assertTrue(user.has_group("base.group_user"))
            self.assertTrue(user.has_group(f"{MODULE}.group_relance_user"))
            self.assertFalse(user.has_group("account.group_account_invoice"))
            self.assertFalse(user.has_group(f"{MODULE}.group_relance_manager"))
            # the password is the login
            self.assertEqual(
                user.with_user(user)._check_credentials(
                    {"login": user.login, "password": user.login, "type": "password"},
                    {"interactive": False},
                )["uid"],
                user.id,
            )
            # a salesperson sees the reminders of his own customers only
            histories = (
                self.env["account.relance.history"]
                .with_user(user)
                .with_company(self.company)
                .search([])
            )
            self.assertTrue(histories)
            self.assertEqual(histories.sudo().salesperson_id, user)

    def test_load_demo_twice(self):
        """Replaying the demo file (module update) creates nothing more."""
        partners = self.env["res.partner"].search_count([])
        self.assertFalse(self.env["account.relance.demo"]._load_demo())
        self.assertEqual(self.env["res.partner"].search_count([]), partners)

    # ------------------------------------------------------------------
    # Customers
    # ------------------------------------------------------------------

    def test_customers(self):
        customers = self.customers
        self.assertGreaterEqual(len(customers), 18)
        for customer in customers:
            self.assertEqual(customer.country_id.code, "FR", customer.name)
            self.assertRegex(customer.zip, r"^\d{5}$", customer.name)
            self.assertTrue(customer.street and customer.city, customer.name)
            self.assertEqual(customer.lang, "fr_FR", customer.name)
            self.assertIn(customer.user_id, self.salespeople, customer.name)
            if customer.email:
                self.assertRegex(customer.email, r"@[\w.-]+\.example$", customer.name)
            if customer.vat:
                self.assertTrue(stdnum_tva.is_valid(customer.vat), customer.name)
        # both salespeople have customers
        self.assertEqual(customers.user_id, self.salespeople)
        # legal forms
        for form in ("SAS", "SARL", "SCI"):
            self.assertTrue(
                customers.filtered(
                    lambda c, form=form: re.search(rf"\b{form}\b", c.name)
                ),
                form,
            )
        # profiles
        individuals = customers.filtered(
            lambda c: c.relance_customer_type == "individual" and not c.is_company
        )
        self.assertTrue(individuals)
        public = customers.filtered(lambda c: c.relance_customer_type == "public")
        self.assertTrue(public.filtered(lambda c: "Mairie" in c.name))
        key_accounts = customers.filtered(
            lambda c: c.relance_payer_profile == "key_account"
        )
        risky = customers.filtered(lambda c: c.relance_payer_profile == "risky")
        self.assertTrue(key_accounts)
        self.assertTrue(risky)
        ladders = self.env["account.relance.ladder"]._get_ladders_for_partners(
            key_accounts | risky, self.company
        )
        for partner in key_accounts:
            self.assertEqual(ladders[partner].rule_payer_profile, "key_account")
        for partner in risky:
            self.assertEqual(ladders[partner].rule_payer_profile, "risky")
        self.assertTrue(customers.filtered("relance_excluded"))
        self.assertTrue(customers.filtered(lambda c: not c.email))
        # a customer whose reminders go to its invoice-address contact
        with_invoice_contact = customers.filtered(
            lambda c: c.relance_contact_id != c
            and c.relance_contact_id.type == "invoice"
            and c.relance_contact_id.email
        )
        self.assertTrue(with_invoice_contact)
        # every customer has at least one invoice in the demo company
        self.assertEqual(self.invoices.commercial_partner_id, customers)

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------

    def test_invoices(self):
        invoices = self.invoices
        self.assertGreaterEqual(len(invoices), 20)
        sale_journal = self.env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "=", "sale")]
        )
        self.assertEqual(invoices.journal_id, sale_journal[:1])
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        self.assertEqual(invoices.currency_id.name, "EUR")
        self.assertLessEqual(invoices.invoice_user_id, self.salespeople)
        taxes = invoices.invoice_line_ids.tax_ids
        self.assertTrue(taxes)
        for tax in taxes:
            self.assertEqual(tax.amount, 20.0)
            self.assertEqual(tax.company_id, self.company)
        for line in invoices.invoice_line_ids:
            self.assertTrue(line.product_id)
            self.assertEqual(line.name, line.product_id.name)
        # past reminders are all sent, before the demo day
        histories = invoices.relance_history_ids
        self.assertTrue(histories)
        self.assertEqual(set(histories.mapped("state")), {"sent"})
        self.assertLess(max(histories.mapped("date")), self.demo_day)

    def test_invoice_stages(self):
        open_invoices = self.invoices.filtered(
            lambda move: move.payment_state in ("not_paid", "partial")
        )
        by_stage = {}
        for move in open_invoices:
            by_stage.setdefault(self._days_late(move), move)
        for key, days in STAGES.items():
            self.assertIn(days, by_stage, key)
            self.assertEqual(
                self._days_late(self._demo(f"account_move_{key}_demo")), days
            )
        # the history is consistent with the standard ladder: each late invoice
        # got the levels before its stage, one or more levels are still to come
        reached = {
            key: sorted(
                self._demo(f"account_move_{key}_demo").relance_history_ids.mapped(
                    "level_days"
                )
            )
            for key in STAGES
        }
        self.assertEqual(reached["due_in_5_days"], [])
        self.assertEqual(reached["late_1_day"], [])
        self.assertEqual(reached["late_10_days"], [1])
        self.assertEqual(reached["late_20_days"], [1, 8, 12])
        self.assertEqual(reached["late_45_days"], [1, 8, 12, 20])
        self.assertEqual(reached["late_90_days"], [1, 8, 12, 20, 30])
        for key in STAGES:
            move = self._demo(f"account_move_{key}_demo")
            for history in move.relance_history_ids:
                self.assertEqual(
                    history.ladder_id, self.company.relance_default_ladder_id
                )
                self.assertGreaterEqual(history.days_late, history.level_days)
                self.assertEqual(history.partner_id, move.commercial_partner_id)

    def test_payments_disputes_promises(self):
        partial = self._demo("account_move_partially_paid_demo")
        self.assertEqual(partial.payment_state, "partial")
        self.assertTrue(0 < partial.amount_residual < partial.amount_total)
        self.assertGreater(self._days_late(partial), 0)

        paid = self._demo("account_move_paid_after_reminders_demo")
        self.assertIn(paid.payment_state, ("paid", "in_payment"))
        self.assertGreater(paid.relance_count, 0)
        self.assertFalse(paid.relance_thanked)
        # the payment came after the last reminder
        payment_dates = [
            partial_line.max_date for partial_line in paid.line_ids.matched_credit_ids
        ]
        self.assertGreater(min(payment_dates), paid.relance_last_date)

        disputed = self.invoices.filtered("relance_dispute")
        self.assertTrue(disputed)
        self.assertIn("Livraison incomplète", disputed[0].relance_dispute_reason)
        self.assertGreater(self._days_late(disputed[0]), 0)
        # the disputed customer has another overdue invoice, still reminded
        other = self.invoices.filtered(
            lambda move: move.commercial_partner_id == disputed[0].commercial_partner_id
            and not move.relance_dispute
            and move.payment_state == "not_paid"
        )
        self.assertTrue(other)

        promised = self.invoices.filtered("relance_promise_date")
        self.assertTrue(promised)
        self.assertEqual(
            promised[0].relance_promise_date, self.demo_day + timedelta(days=4)
        )
        self.assertFalse(promised[0].relance_promise_broken)
        self.assertGreater(self._days_late(promised[0]), 0)

        instalments = self._demo("account_move_instalments_demo")
        term = instalments.invoice_payment_term_id
        self.assertEqual(term.line_ids.mapped("value_amount"), [30.0, 70.0])
        self.assertEqual(term.line_ids.mapped("nb_days"), [30, 60])
        receivables = instalments.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).sorted("date_maturity")
        self.assertEqual(len(receivables), 2)
        self.assertAlmostEqual(
            receivables[0].balance, instalments.amount_total * 0.3, 2
        )
        self.assertLess(receivables[0].date_maturity, self.demo_day)
        self.assertGreater(receivables[1].date_maturity, self.demo_day)

        self.assertTrue(
            self.invoices.filtered(
                lambda move: move.commercial_partner_id.relance_excluded
                and move.payment_state == "not_paid"
                and self._days_late(move) > 0
            )
        )

    def test_payer_ratings(self):
        """The demo rates its customers once, as the daily job does: the
        pharmacy paid 20 days late (an average payer), the customers who paid
        on time are good payers, those with nothing settled are not rated,
        and nobody's profile moved."""
        pharmacy = self._demo("res_partner_pharmacie_parc_demo")
        self.assertEqual(pharmacy.relance_payer_rating, "average")
        self.assertAlmostEqual(pharmacy.relance_rating_days_late, 20.0)
        self.assertEqual(pharmacy.relance_rating_paid_count, 1)
        self.assertEqual(pharmacy.relance_payer_profile, "standard")
        bakery = self._demo("res_partner_boulangerie_martin_demo")
        self.assertEqual(bakery.relance_payer_rating, "good")
        self.assertAlmostEqual(bakery.relance_rating_days_late, 0.0)
        unrated = self._demo("res_partner_hotel_tilleul_demo")
        self.assertFalse(unrated.relance_payer_rating)
        self.assertFalse(
            self.env["account.relance.profile.change"].search(
                [("partner_id", "in", self.customers.ids)]
            )
        )

    # ------------------------------------------------------------------
    # The first reminder run
    # ------------------------------------------------------------------

    def test_first_run(self):
        company = self.company
        company.write(
            {
                "relance_send_saturday": True,
                "relance_send_sunday": True,
                "relance_hour_from": 0.0,
                "relance_hour_to": 24.0,
                "relance_skip_holidays": False,
            }
        )
        # the other companies (core demo data) stay out of this run
        (self.env["res.company"].search([]) - company).write(
            {fname: False for fname in company._WEEKDAY_FIELDS}
        )
        History = self.env["account.relance.history"]
        before = History.search([("company_id", "=", company.id)])
        # as the scheduler runs it: its user's current company is the main
        # company, not the demo one; the engine must switch company by itself
        # (with_company(company) here would hide reminders signed by another
        # company)
        main_company = self.env.ref("base.main_company")
        self.assertNotEqual(main_company, company)
        run = self.env["account.relance.run"].with_company(main_company)
        with self._on_demo_day(), self.mock_mail_gateway():
            for _batch in range(10):
                if not run._cron_send_relances():
                    break
        new = History.search([("company_id", "=", company.id)]) - before
        self.assertTrue(new)

        def history_of(key):
            return new.filtered(
                lambda history: history.move_id
                == self._demo(f"account_move_{key}_demo")
            )

        # each stage gets its next level
        expected = {
            "due_in_5_days": (-5, "sent"),
            "late_1_day": (1, "sent"),
            "late_10_days": (8, "sent"),
            "late_20_days": (20, "sent"),
            "late_45_days": (30, "to_confirm"),
        }
        for key, (days, state) in expected.items():
            history = history_of(key)
            self.assertEqual(len(history), 1, key)
            self.assertEqual((history.level_days, history.state), (days, state), key)
        self.assertFalse(history_of("late_90_days"), "end of the ladder")
        self.assertTrue(history_of("late_20_days").letter_attachment_id)
        # paused: dispute, promise, excluded customer
        self.assertFalse(new.move_id.filtered("relance_dispute"))
        self.assertFalse(new.move_id.filtered("relance_promise_date"))
        self.assertFalse(new.partner_id.filtered("relance_excluded"))
        # the partially paid invoice: a call for its salesperson
        call = history_of("partially_paid")
        self.assertEqual(call.channel, "call")
        self.assertEqual(call.activity_id.user_id, call.move_id.invoice_user_id)
        # the customer without email: a failure and an activity for the accountant
        no_email = self._demo("res_partner_ebenisterie_rousseau_demo")
        failed = new.filtered(lambda history: history.partner_id == no_email)
        self.assertTrue(failed)
        self.assertEqual(set(failed.mapped("state")), {"failed"})
        self.assertTrue(failed[0].error)
        failure_type = self.env.ref(f"{MODULE}.mail_activity_type_relance_failure")
        activity = no_email.activity_ids.filtered(
            lambda activity: activity.activity_type_id == failure_type
        )
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, company.relance_accountant_id)
        # an email for every customer with an email that got a sent reminder
        emailed = new.filtered(
            lambda history: history.state == "sent" and "email" in history.channels
        )
        self.assertGreaterEqual(len(emailed.partner_id), 8)
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "in", emailed.mail_message_id.ids)])
        )
        for partner in emailed.partner_id:
            self.assertTrue(partner.relance_contact_id.email)
            self.assertTrue(
                mails.filtered(
                    lambda mail, partner=partner: partner.relance_contact_id
                    in mail.recipient_ids
                ),
                partner.name,
            )
        # sent by the demo company, with its name, IBAN and euros
        iban = company.partner_id.bank_ids.acc_number
        for mail in mails:
            self.assertTrue(
                mail.email_from.endswith("<comptabilite@atelier-duval.example>")
            )
            self.assertTrue(mail.subject.startswith("Atelier Duval SAS"), mail.subject)
            self.assertIn("Atelier Duval SAS", mail.body_html)
            self.assertNotIn(main_company.name, mail.body_html)
            if "Total" in mail.body_html:
                self.assertIn("€", mail.body_html)
                self.assertIn(iban, mail.body_html)
        # the invoice-address contact got the reminder of its company
        clinic = self._demo("res_partner_clinique_brotteaux_demo")
        contact = self._demo("res_partner_clinique_brotteaux_invoice_demo")
        self.assertEqual(
            new.filtered(lambda h: h.partner_id == clinic).contact_id, contact
        )
        # the invoice paid after reminders: a thank-you email
        paid = self._demo("account_move_paid_after_reminders_demo")
        self.assertTrue(paid.relance_thanked)
        thank_you = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "=", paid.commercial_partner_id.id),
                    ("id", "not in", mails.ids),
                ]
            )
        )
        self.assertTrue(thank_you)

    # ------------------------------------------------------------------
    # setup/demo_prepare.py
    # ------------------------------------------------------------------

    def _demo_prepare(self):
        spec = importlib.util.spec_from_file_location(
            "demo_prepare",
            Path(__file__).resolve().parent.parent / "setup" / "demo_prepare.py",
        )
        demo_prepare = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(demo_prepare)
        return demo_prepare

    def test_install_mails_nothing(self):
        """While installing, Odoo's own demo data (account, then
        l10n_fr_account for its French company) assigns activities to the
        admin and mails each assignment at once, in English. The install ran
        without a mail server (NO_SMTP_ARGS of setup/common.sh, the same
        unreachable port as setup/test's): none of them left. The demo's
        preparation cancels them with their notifications, so the demo
        mailbox gets this product's mails only."""
        Mail = self.env["mail.mail"].sudo()
        foreign = Mail.search(
            [
                ("mail_message_id.message_type", "=", "user_notification"),
                ("mail_message_id.model", "=", "account.move"),
                ("mail_message_id.record_company_id", "!=", self.company.id),
            ]
        )
        self.assertTrue(foreign, "Odoo's demo assigns activities to the admin")
        self.assertEqual(set(foreign.mapped("state")), {"exception"}, "none left")
        self.assertIn(self.admin.partner_id, foreign.recipient_ids)
        subjects = foreign.mapped("subject")
        for subject in subjects:
            self.assertIn("assigned to you", subject)
            self.assertEqual(subjects.count(subject), 2, "one per demo company")
        output = io.StringIO()
        with (
            patch.object(self.cr, "commit", lambda: None),
            contextlib.redirect_stdout(output),
        ):
            self._demo_prepare().drop_foreign_mail_queue(self.env)
        self.assertEqual(set(foreign.mapped("state")), {"cancel"})
        notifications = self.env["mail.notification"].search(
            [("mail_mail_id", "in", foreign.ids)]
        )
        self.assertTrue(notifications)
        self.assertEqual(set(notifications.mapped("notification_status")), {"canceled"})
        self.assertFalse(Mail.search([("state", "in", ("outgoing", "exception"))]))
        self.assertIn(
            f"demo: {len(foreign)} mail(s) of Odoo's demo data left unsent",
            output.getvalue(),
        )

    def test_demo_prepare_says_what_was_sent(self):
        """The demo's first run prints the counts of what it sent, and leaves
        Odoo's own queued demo mails out of the demo mailbox."""
        spec = importlib.util.spec_from_file_location(
            "demo_prepare",
            Path(__file__).resolve().parent.parent / "setup" / "demo_prepare.py",
        )
        demo_prepare = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(demo_prepare)
        company = self.company
        company.write(
            {
                "relance_send_saturday": True,
                "relance_send_sunday": True,
                "relance_hour_from": 0.0,
                "relance_hour_to": 24.0,
                "relance_skip_holidays": False,
            }
        )
        foreign = self.env["mail.mail"].create(
            {"subject": "Odoo demo notification", "email_to": "x@example.com"}
        )
        History = self.env["account.relance.history"]
        before = History.search([]).ids
        output = io.StringIO()
        # the script commits between its steps; the test keeps one transaction
        with (
            patch.object(self.cr, "commit", lambda: None),
            self._on_demo_day(),
            self.mock_mail_gateway(),
            contextlib.redirect_stdout(output),
        ):
            demo_prepare.drop_foreign_mail_queue(self.env)
            demo_prepare.run_reminder_job(self.env)
        self.assertEqual(foreign.state, "cancel")
        new = History.search([("id", "not in", before)])
        sent = new.filtered(lambda history: history.state == "sent")
        self.assertTrue(sent.mail_message_id)
        text = output.getvalue()
        self.assertIn("mail(s) of Odoo's demo data left unsent", text)
        self.assertIn(
            f"demo: reminder job sent {len(sent.mail_message_id)} email(s), ", text
        )
        self.assertIn(f"{len(sent.letter_attachment_id)} letter(s) to post", text)
        self.assertIn(f"{len(sent.activity_id)} call activity(ies)", text)
        to_approve = len(new.filtered(lambda history: history.state == "to_confirm"))
        self.assertIn(f"{to_approve} reminder(s) to approve", text)
