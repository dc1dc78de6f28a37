import io
import logging
import shutil
import unittest
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL, mute_logger
from odoo.tools.pdf import PdfFileReader

from .common import RelanceCommon, pdf_pages, pdf_text

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestRelanceBatchVolume(RelanceCommon):
    """What the daily job does for many customers at once (thank-you emails,
    broken promises, statements, messages and invoice notes) is done for all
    of them together: the same queries for N customers or 2N, each customer
    still getting its own document."""

    def _customers(self, prefix, count, **values):
        return self.env["res.partner"].create(
            [
                {
                    "name": f"{prefix} {index}",
                    "is_company": True,
                    "email": f"{prefix.lower()}{index}@example.com",
                    **values,
                }
                for index in range(count)
            ]
        )

    def _count_queries(self, method):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        method()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def _write_template_body(self, template, body):
        """Store ``body`` as the template's English body as it is, unsanitized
        (as saved by a user allowed to bypass the sanitizer, or in SQL)."""
        template.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE mail_template SET body_html = jsonb_build_object('en_US', %s)"
                " WHERE id = %s",
                str(body),
                template.id,
            )
        )
        template.invalidate_recordset(["body_html"])

    # ------------------------------------------------------------------
    # thank-you emails
    # ------------------------------------------------------------------

    def _paid_after_reminder(self, prefix, count):
        """``count`` customers, each with one invoice reminded then paid."""
        customers = self._customers(prefix, count)
        invoices = self.env["account.move"]
        for customer in customers:
            invoices |= self._invoice(customer, 100.0, self.DUE)
        with self.mock_mail_gateway():
            with freeze_time(f"{self.DUE + timedelta(days=1)} 09:00:00"):
                self.env["account.relance.run"]._run_batch(partners=customers)
        self.assertTrue(all(invoices.mapped("relance_count")))
        for invoice in invoices:
            self._pay(invoice, day=self.DUE + timedelta(days=2))
        return customers, invoices

    def _thank(self, customers):
        with self.mock_mail_gateway(), freeze_time(f"{self.DUE + timedelta(days=3)}"):
            return self._count_queries(
                lambda: self.env["account.relance.run"]._send_thank_you(
                    self.company, partners=customers
                )
            )

    def test_thank_you_batch(self):
        """Thank-you emails of 4 customers or 8: the same queries (one
        rendering per language for all of them); each customer thanked once,
        for its own invoice only."""
        warmup, _invoices = self._paid_after_reminder("Warm", 2)
        small, small_invoices = self._paid_after_reminder("Small", 4)
        large, large_invoices = self._paid_after_reminder("Large", 8)
        self._thank(warmup)
        queries_small = self._thank(small)
        queries_large = self._thank(large)
        _logger.info(
            "Thank-you emails: %s queries for 4 customers, %s for 8",
            queries_small,
            queries_large,
        )
        self.assertLessEqual(
            queries_large - queries_small,
            4,
            f"{queries_small} queries for 4 customers, {queries_large} for 8",
        )
        invoices = small_invoices | large_invoices
        self.assertTrue(all(invoices.mapped("relance_thanked")))
        for customer in small | large:
            invoice = invoices.filtered(
                lambda move, customer=customer: move.partner_id == customer
            )
            thanks = customer.message_ids.filtered(
                lambda message: message.subject and "Thank you" in message.subject
            )
            self.assertEqual(len(thanks), 1, customer.name)
            self.assertIn(invoice.name, thanks.body)
            for other in invoices - invoice:
                self.assertNotIn(other.name, thanks.body)
            mail = self.env["mail.mail"].search([("mail_message_id", "=", thanks.id)])
            self.assertEqual(mail.recipient_ids, customer)
        # a second run thanks nobody again
        self._thank(small)
        for customer in small:
            self.assertEqual(
                len(
                    customer.message_ids.filtered(
                        lambda message: message.subject
                        and "Thank you" in message.subject
                    )
                ),
                1,
            )

    def test_thank_you_failure_affects_its_customer_only(self):
        """A thank-you whose template fails for one customer is left for a
        later run; the others of the batch are thanked."""
        customers, invoices = self._paid_after_reminder("Thanks", 3)
        broken = customers[1]
        template = self.env.ref("account_relance_fr.mail_template_relance_thank_you")
        # a template error for that customer only
        self._write_template_body(
            template,
            f'<t t-out="1 / (0 if object.id == {broken.id} else 1)"/>'
            + str(template.body_html),
        )
        with mute_logger(
            "odoo.addons.account_relance_fr.models.account_relance_run",
            "odoo.addons.mail.models.mail_render_mixin",
        ):
            self._thank(customers)
        thanked = invoices.filtered("relance_thanked")
        self.assertEqual(thanked.partner_id, customers - broken)
        for customer in customers:
            thanks = customer.message_ids.filtered(
                lambda message: message.subject and "Thank you" in message.subject
            )
            self.assertEqual(len(thanks), 0 if customer == broken else 1)

    # ------------------------------------------------------------------
    # broken promises
    # ------------------------------------------------------------------

    def _promised(self, prefix, count):
        customers = self._customers(prefix, count)
        invoices = self.env["account.move"]
        for customer in customers:
            invoices |= self._invoice(customer, 300.0, self.DUE - timedelta(days=1))
        with freeze_time(self.DUE):
            for invoice in invoices:
                invoice.action_relance_set_promise(self.DUE + timedelta(days=2))
        return customers, invoices

    def _check_broken(self, customers, notify=False):
        # the "assigned to you" email Odoo sends for each activity assigned to
        # someone else (one message per invoice) is counted apart
        run = self.env["account.relance.run"].with_context(
            mail_activity_quick_update=not notify
        )
        with freeze_time(f"{self.DUE + timedelta(days=8)} 09:00:00"):
            return self._count_queries(
                lambda: run._check_broken_promises(
                    self.company, self.DUE + timedelta(days=8), partners=customers
                )
            )

    def test_broken_promises_batch(self):
        """Broken promises of 4 invoices or 8: the same queries; each invoice
        flagged, with its own activity naming it, for its salesperson."""
        warmup, _invoices = self._promised("Early", 2)
        small, small_invoices = self._promised("Few", 4)
        large, large_invoices = self._promised("Many", 8)
        self._check_broken(warmup)
        queries_small = self._check_broken(small)
        queries_large = self._check_broken(large)
        _logger.info(
            "Broken promises: %s queries for 4 invoices, %s for 8",
            queries_small,
            queries_large,
        )
        self.assertLessEqual(
            queries_large - queries_small,
            4,
            f"{queries_small} queries for 4 invoices, {queries_large} for 8",
        )
        promise_type = self.env.ref(
            "account_relance_fr.mail_activity_type_relance_promise"
        )
        for invoice in small_invoices | large_invoices:
            self.assertTrue(invoice.relance_promise_broken)
            activity = invoice.activity_ids.filtered(
                lambda activity: activity.activity_type_id == promise_type
            )
            self.assertEqual(len(activity), 1)
            self.assertEqual(activity.user_id, self.salesperson)
            self.assertEqual(activity.summary, "Broken promise to pay")
            self.assertIn(invoice.name, activity.note)
            self.assertIn(invoice.partner_id.name, activity.note)
            self.assertEqual(activity.date_deadline, self.DUE + timedelta(days=8))
        # a control invoice without a promise gets no such activity
        control = self._invoice(self.customer, 50.0, self.DUE)
        self.assertFalse(control.activity_ids)
        # the salesperson is told of each one by Odoo's assignment email
        _customers, notified = self._promised("Told", 2)
        with self.mock_mail_gateway():
            self._check_broken(_customers, notify=True)
        for invoice in notified:
            self.assertEqual(
                self.env["mail.message"].search_count(
                    [
                        ("model", "=", "account.move"),
                        ("res_id", "=", invoice.id),
                        ("message_type", "=", "user_notification"),
                        ("partner_ids", "in", self.salesperson.partner_id.ids),
                    ]
                ),
                1,
            )

    # ------------------------------------------------------------------
    # messages and invoice notes: sanitized as the ORM does
    # ------------------------------------------------------------------

    def test_message_and_notes_sanitized(self):
        """The bodies stored once per batch are the sanitized ones: a level
        name and a contact name carrying HTML are escaped, a script written in
        the template is removed; every invoice gets its note."""
        level = self.level_by_days[1]
        level.name = "Relance <b>amicale</b>"
        template = level.mail_template_id
        self._write_template_body(
            template,
            str(template.body_html)
            + '<script>alert("x")</script><p onclick="steal()">Fin</p>',
        )
        customers = self._customers("Client <i>HTML</i>", 3)
        invoices = self.env["account.move"]
        for customer in customers:
            invoices |= self._invoice(customer, 100.0, self.DUE)
            invoices |= self._invoice(customer, 200.0, self.DUE)
        with self.mock_mail_gateway():
            with freeze_time(f"{self.DUE + timedelta(days=1)} 09:00:00"):
                self.env["account.relance.run"]._run_batch(partners=customers)
        histories = self.env["account.relance.history"].search(
            [("partner_id", "in", customers.ids)]
        )
        self.assertEqual(len(histories), 6)
        messages = histories.mail_message_id
        self.assertEqual(len(messages), 3)
        self.env.invalidate_all()
        for message in messages:
            self.assertNotIn("<script", message.body)
            self.assertNotIn("onclick", message.body)
            self.assertIn("Fin", message.body)
            mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
            self.assertNotIn("<script", mail.body_html)
            self.assertIn("Fin", mail.body_html)
        for invoice in invoices:
            note = invoice.message_ids[:1]
            history = histories.filtered(
                lambda h, invoice=invoice: h.move_id == invoice
            )
            self.assertIn("Relance &lt;b&gt;amicale&lt;/b&gt;", note.body)
            self.assertIn("Client &lt;i&gt;HTML&lt;/i&gt;", note.body)
            self.assertIn(f"/mail/message/{history.mail_message_id.id}", note.body)
            self.assertEqual(note.message_type, "notification")
            self.assertTrue(note.is_internal)

    def test_batch_rendering_same_as_one_by_one(self):
        """A template compiled once for a batch renders each customer as
        Odoo's own rendering of that customer alone does."""
        customers = self._customers("Rendu", 3)
        lines = self.env["account.move.line"]
        for index, customer in enumerate(customers):
            lines |= self._invoice(
                customer, 100.0 * (index + 1), self.DUE
            )._get_relance_open_lines()
        level = self.level_by_days[1]
        template = level.mail_template_id.with_context(
            relance_level_id=level.id, relance_line_ids=lines.ids
        )
        alone = {
            customer.id: template._render_field("body_html", customer.ids)[customer.id]
            for customer in customers
        }
        together = template.with_context(relance_render_batch=True)._render_field(
            "body_html", customers.ids
        )
        for customer in customers:
            self.assertEqual(together[customer.id], alone[customer.id])
            own = lines.filtered(
                lambda line, customer=customer: line.partner_id == customer
            )
            self.assertIn(own.move_id.name, str(together[customer.id]))
            for other in (lines - own).move_id:
                self.assertNotIn(other.name, str(together[customer.id]))
        self.assertEqual(len(set(together.values())), 3)

    # ------------------------------------------------------------------
    # statements
    # ------------------------------------------------------------------

    @unittest.skipUnless(
        shutil.which("wkhtmltopdf") and shutil.which("pdftotext"),
        "needs wkhtmltopdf and pdftotext",
    )
    @freeze_time("2026-04-15")
    def test_real_statements_one_call_split(self):
        """The statements of a batch are printed by one wkhtmltopdf call per
        language and cut into one PDF per customer: each one names its
        customer and its invoices only, in the customer's language."""
        level = self.level_by_days[8]
        level.write({"attach_statement": True, "attach_invoice_pdf": False})
        customers = self._customers(
            "Relevé", 3, street="1 rue du Port", zip="13002", city="Marseille"
        )
        customers[0].lang = "fr_FR"
        invoices = {}
        for index, customer in enumerate(customers):
            invoices[customer] = self._invoice(
                customer, 100.0 * (index + 1), self.DUE - timedelta(days=10)
            )
        run = self.env["account.relance.run"].with_context(force_report_rendering=True)
        calls = []
        original = type(self.env["ir.actions.report"])._run_wkhtmltopdf

        def counted(reports, bodies, *args, **kwargs):
            calls.append(kwargs.get("report_ref"))
            return original(reports, bodies, *args, **kwargs)

        with (
            self.enter_test_mode(),
            mute_logger("odoo.addons.base.models.ir_actions_report"),
            self.mock_mail_gateway(),
            patch.object(
                type(self.env["ir.actions.report"]), "_run_wkhtmltopdf", counted
            ),
        ):
            sends = [
                (
                    customer,
                    [
                        (line, level)
                        for line in invoices[customer]._get_relance_open_lines()
                    ],
                )
                for customer in customers
            ]
            results = run._process_customers(sends, self.DUE + timedelta(days=10))
        # one call for the French customer, one for the two English ones
        self.assertEqual(
            calls.count("account_relance_fr.report_relance_statement"), 2, calls
        )
        for customer in customers:
            histories = results[customer.id]
            self.assertEqual(set(histories.mapped("state")), {"sent"})
            (statement,) = histories.mail_message_id.attachment_ids.filtered(
                lambda attachment: "statement" in attachment.name.lower()
                or "relevé" in attachment.name.lower()
            )
            self.assertTrue(statement.raw.startswith(b"%PDF"))
            text = pdf_text(statement.raw)
            self.assertIn(customer.name, text)
            self.assertIn(invoices[customer].name, text)
            for other in customers - customer:
                self.assertNotIn(other.name, text)
                self.assertNotIn(invoices[other].name, text)
            # one page each, as the statement of one invoice printed alone
            self.assertEqual(PdfFileReader(io.BytesIO(statement.raw)).numPages, 1)
            self.assertIn(customer.name, pdf_pages(statement.raw)[0])
        french = results[customers[0].id].mail_message_id.attachment_ids
        self.assertIn("Relevé de compte Relevé 0.pdf", french.mapped("name"))
        statement = french.filtered(lambda a: a.name.startswith("Relevé de compte"))
        self.assertIn("Relevé de compte", pdf_text(statement.raw))
        english = results[customers[1].id].mail_message_id.attachment_ids
        self.assertIn("Account statement Relevé 1.pdf", english.mapped("name"))
