import subprocess
import tempfile
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.base.tests.test_ir_cron import CronMixinCase
from odoo.addons.mail.tests.common import MailCommon


def _pdftotext(pdf):
    """The text of a real PDF (bytes) as pdftotext lays it out."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return subprocess.run(
            ["pdftotext", "-layout", file.name, "-"],
            capture_output=True,
            check=True,
            text=True,
            timeout=60,
        ).stdout


def pdf_pages(pdf):
    """Text of each page of a real PDF (bytes) read by pdftotext, whitespace
    and no-break spaces collapsed to single spaces."""
    text = _pdftotext(pdf)
    return [" ".join(page.replace("\u00a0", " ").split()) for page in text.split("\f")]


def pdf_lines(pdf):
    """The lines of a real PDF (bytes) as printed, without their indentation:
    where the text wraps."""
    return [line.strip() for line in _pdftotext(pdf).splitlines() if line.strip()]


def pdf_text(pdf):
    """Text of a real PDF (bytes) read by pdftotext, whitespace and no-break
    spaces collapsed to single spaces, pages joined."""
    return " ".join(page for page in pdf_pages(pdf) if page)


class RelanceCommon(AccountTestInvoicingCommon, MailCommon, CronMixinCase):
    """Customers, invoices and helpers shared by the reminder tests."""

    DUE = date(2026, 3, 16)  # a Monday

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        # a French company keeps its books in euros
        cls.env.ref("base.EUR").active = True
        cls.company.write(
            {
                "currency_id": cls.env.ref("base.EUR").id,
                "email": "compta@atelier.example",
                "company_registry": "552100554",
                "vat": "FR44552100554",
                # tests run at any frozen hour: the window has its own test
                "relance_send_saturday": True,
                "relance_send_sunday": True,
                "relance_hour_from": 0.0,
                "relance_hour_to": 24.0,
                "relance_skip_holidays": False,
                "relance_signatory_name": "Claire Duval",
                "relance_signatory_title": "Directrice financière",
            }
        )
        cls.ladder = cls.env["account.relance.ladder"].search(
            [("company_id", "=", cls.company.id), ("is_default", "=", True)]
        )
        cls.levels = cls.ladder.level_ids.sorted("days")
        cls.level_by_days = {level.days: level for level in cls.levels}
        cls.salesperson = cls.env["res.users"].create(
            {
                "name": "Julien Martin",
                "login": "julien.relance",
                "email": "julien@atelier.example",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [Command.set(cls.env.ref("base.group_user").ids)],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Boulangerie Martin",
                "is_company": True,
                "email": "compta@boulangerie-martin.example",
                "street": "3 rue de la Paix",
                "zip": "69002",
                "city": "Lyon",
                "user_id": cls.salesperson.id,
            }
        )
        cls.customer_2 = cls.env["res.partner"].create(
            {
                "name": "Garage Dupont",
                "is_company": True,
                "email": "contact@garage-dupont.example",
            }
        )

    @classmethod
    def _setup_dollars(cls):
        """The company in Lyon; ``cls.usd`` active at 1.25 $ for 1 € (the
        only rate of the dollar)."""
        cls.company.write(
            {"street": "12 quai Saint-Vincent", "zip": "69001", "city": "Lyon"}
        )
        cls.usd = cls.env.ref("base.USD")
        cls.usd.active = True
        cls.env["res.currency.rate"].search([("currency_id", "=", cls.usd.id)]).unlink()
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.usd.id,
                "name": "2025-01-01",
                "rate": 1.25,
                "company_id": cls.company.id,
            }
        )

    @classmethod
    def _create_individual_and_public_body(cls):
        """A consumer and a public buyer, both with a postal address."""
        cls.individual = cls.env["res.partner"].create(
            {
                "name": "Jeanne Petit",
                "is_company": False,
                "email": "jeanne@example.com",
                "street": "8 rue Mercière",
                "zip": "69002",
                "city": "Lyon",
            }
        )
        cls.public_body = cls.env["res.partner"].create(
            {
                "name": "Mairie de Villeurbanne",
                "is_company": True,
                "relance_customer_type": "public",
                "street": "Place Lazare-Goujon",
                "zip": "69100",
                "city": "Villeurbanne",
            }
        )

    def _render_real_pdf(self, report_ref, res_ids):
        """A real PDF (bytes) of the report ``report_ref`` for ``res_ids``,
        printed by wkhtmltopdf. Test mode: the server answering wkhtmltopdf's
        requests for the stylesheets uses the test's cursor instead of
        waiting for it; Debian's wkhtmltopdf warns about the switches it
        ignores (muted)."""
        with (
            self.enter_test_mode(),
            mute_logger("odoo.addons.base.models.ir_actions_report"),
        ):
            return (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(report_ref, res_ids)[0]
            )

    @classmethod
    def _invoice(
        cls, partner, amount, due_date, invoice_date=None, post=True, **values
    ):
        """A posted customer invoice of ``amount`` (no tax) due on ``due_date``."""
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date or due_date - timedelta(days=30),
                "invoice_date_due": due_date,
                "invoice_user_id": cls.salesperson.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Prestation",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
                **values,
            }
        )
        if post:
            move.action_post()
        return move

    def _run(self, day):
        """Run the daily job on ``day`` until it has nothing left to do."""
        with freeze_time(f"{day} 09:00:00"):
            while self.env["account.relance.run"]._cron_send_relances():
                pass

    def _pay(self, move, amount=None, day=None):
        day = day or self.DUE
        with freeze_time(day):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=move.ids
            ).create(
                {"amount": amount or move.amount_residual, "payment_date": day}
            )._create_payments()

    def _histories(self, moves):
        return self.env["account.relance.history"].search(
            [("move_id", "in", moves.ids)], order="date, level_days, id"
        )
