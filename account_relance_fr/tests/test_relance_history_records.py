from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceHistoryRecords(RelanceCommon):
    """The histories the job writes in bulk are the records ``create``
    writes, and their invoices show the progress of their reminders."""

    def _row(self, table, record_id, skip=()):
        """The stored columns of one row of ``table``, but ``skip`` and the
        access fields."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT * FROM %s WHERE id = %s", SQL.identifier(table), record_id)
        )
        columns = [column.name for column in self.env.cr.description]
        row = dict(zip(columns, self.env.cr.fetchone(), strict=True))
        for column in ("id", "create_date", "write_date", *skip):
            row.pop(column)
        return row

    def test_histories_fields_after_run(self):
        """Each instalment reminded gets its history with every field set,
        the level's ladder and days included, linked to the message sent."""
        first = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=1))
        second = self._invoice(self.customer, 300.0, self.DUE - timedelta(days=3))
        other = self._invoice(self.customer_2, 200.0, self.DUE - timedelta(days=1))
        with self.mock_mail_gateway():
            self._run(self.DUE)
        level = self.level_by_days[1]
        for invoice, days_late in ((first, 1), (second, 3), (other, 1)):
            history = self._histories(invoice)
            self.assertEqual(len(history), 1, invoice.name)
            line = invoice.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )
            self.assertEqual(history.move_line_id, line)
            self.assertEqual(history.move_id, invoice)
            self.assertEqual(history.company_id, self.company)
            self.assertEqual(history.partner_id, invoice.partner_id)
            self.assertEqual(history.contact_id, invoice.partner_id.relance_contact_id)
            self.assertEqual(history.salesperson_id, invoice.partner_id.user_id)
            self.assertEqual(history.level_id, level)
            self.assertEqual(history.ladder_id, level.ladder_id)
            self.assertEqual(history.level_days, 1)
            self.assertEqual(history.date, self.DUE)
            self.assertEqual(history.channel, "email")
            self.assertEqual(history.channels, "email")
            self.assertEqual(history.user_id, self.env.user)
            self.assertEqual(history.create_uid, self.env.user)
            self.assertEqual(history.currency_id, invoice.currency_id)
            self.assertEqual(history.amount_total, invoice.amount_total)
            self.assertEqual(history.amount_residual, invoice.amount_residual)
            self.assertEqual(history.days_late, days_late)
            self.assertEqual(history.state, "sent")
            self.assertFalse(history.postal_state)
            self.assertFalse(history.error)
            self.assertFalse(history.retry_blocked)
            message = history.mail_message_id
            self.assertEqual(message.model, "res.partner")
            self.assertEqual(message.res_id, invoice.partner_id.id)
            self.assertIn(history, invoice.relance_history_ids)
            self.assertIn(history, invoice.partner_id.relance_history_ids)
        self.assertEqual(
            self._histories(first).mail_message_id,
            self._histories(second).mail_message_id,
            "one message for the customer's invoices",
        )
        self.assertNotEqual(
            self._histories(first).mail_message_id,
            self._histories(other).mail_message_id,
        )
        # the same history through the ORM: the same row
        history = self._histories(first)
        message = history.mail_message_id
        expected = self._row("account_relance_history", history.id)
        vals = {
            fname: history[fname]
            for fname, field in history._fields.items()
            # the job gives no empty value but its own (none is boolean)
            if history[fname]
            and field.store
            and field.column_type
            and not field.compute
            and fname
            not in ("id", "create_uid", "create_date", "write_uid", "write_date")
        }
        vals = history._convert_to_write(vals)
        history.sudo().unlink()
        again = self.env["account.relance.history"].sudo().create(vals)
        self.assertEqual(again.mail_message_id, message)
        self.assertEqual(self._row("account_relance_history", again.id), expected)

    def test_bulk_histories_check_the_instalment_company(self):
        """A history of an instalment of another company is refused in bulk
        as ``create`` refuses it, with Odoo's message; the histories of the
        instalment's own company are written."""
        invoice = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=1))
        line = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        other_company = self.env["res.company"].create({"name": "Autre Société"})
        History = self.env["account.relance.history"]
        vals = {
            "move_line_id": line.id,
            "move_id": invoice.id,
            "partner_id": self.customer.id,
            "level_id": self.level_by_days[1].id,
            "date": self.DUE,
            "channel": "email",
            "currency_id": invoice.currency_id.id,
        }
        with self.assertRaises(UserError) as caught:
            with self.env.cr.savepoint():
                History._create_in_bulk([dict(vals, company_id=other_company.id)])
        self.assertIn("Autre Société", str(caught.exception))
        self.assertFalse(self._histories(invoice))
        history = History._create_in_bulk([dict(vals, company_id=self.company.id)])
        self.assertEqual(history.move_line_id, line)
        self.assertEqual(invoice.relance_count, 1)

    def test_invoices_progress_after_runs(self):
        """An invoice's count of reminders, last reminder date and level
        follow each run; a reminder waiting for approval is not counted
        until approved and sent."""
        level_1, level_8 = self.level_by_days[1], self.level_by_days[8]
        customer_3 = self.customer_2.copy({"name": "Fromagerie Blanc"})
        old = self._invoice(self.customer, 700.0, self.DUE - timedelta(days=1))
        other = self._invoice(self.customer_2, 200.0, self.DUE - timedelta(days=1))
        for invoice in old | other:
            self.assertEqual(invoice.relance_count, 0)
            self.assertFalse(invoice.relance_last_date)
            self.assertFalse(invoice.relance_level_id)
        with self.mock_mail_gateway():
            self._run(self.DUE)
        for invoice in old | other:
            self.assertEqual(invoice.relance_count, 1, invoice.name)
            self.assertEqual(invoice.relance_last_date, self.DUE)
            self.assertEqual(invoice.relance_level_id, level_1)
        second_day = self.DUE + timedelta(days=7)
        new = self._invoice(customer_3, 300.0, second_day - timedelta(days=1))
        level_8.to_confirm = True
        with self.mock_mail_gateway():
            self._run(second_day)
        # the second level of "old" and "other" waits for approval
        for invoice in old | other:
            self.assertEqual(self._histories(invoice)[-1].state, "to_confirm")
            self.assertEqual(
                (
                    invoice.relance_count,
                    invoice.relance_last_date,
                    invoice.relance_level_id,
                ),
                (1, self.DUE, level_1),
            )
        self.assertEqual(self._histories(new).state, "sent")
        self.assertEqual(
            (new.relance_count, new.relance_last_date, new.relance_level_id),
            (1, second_day, level_1),
        )
        with self.mock_mail_gateway(), freeze_time(f"{second_day} 10:00:00"):
            self._histories(old)[-1].action_approve()
        self.assertEqual(self._histories(old).mapped("state"), ["sent", "sent"])
        self.assertEqual(
            (old.relance_count, old.relance_last_date, old.relance_level_id),
            (2, second_day, level_8),
        )
        self.assertEqual(
            (other.relance_count, other.relance_last_date, other.relance_level_id),
            (1, self.DUE, level_1),
        )
        # what the ORM computes from the histories
        moves = old | new | other
        stored = [
            (move.relance_count, move.relance_last_date, move.relance_level_id)
            for move in moves
        ]
        moves.invalidate_recordset()
        moves._compute_relance_progress()
        self.assertEqual(
            [
                (move.relance_count, move.relance_last_date, move.relance_level_id)
                for move in moves
            ],
            stored,
        )

    def _count_record_queries(self, invoices_per_customer):
        """Queries writing the histories and the invoice notes of 3 customers'
        reminders, sent by the daily job."""
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"Client {invoices_per_customer} {index}",
                    "is_company": True,
                    "email": f"client{invoices_per_customer}.{index}@example.com",
                }
                for index in range(3)
            ]
        )
        for customer in customers:
            for _index in range(invoices_per_customer):
                self._invoice(customer, 100.0, self.DUE - timedelta(days=1))
        run = self.env["account.relance.run"]
        History = type(self.env["account.relance.history"])
        counts = []
        originals = {
            "_create_in_bulk": History._create_in_bulk,
            "_log_on_invoices": History._log_on_invoices,
        }

        def counted(name):
            def method(records, *args, **kwargs):
                before = self.cr.sql_log_count
                result = originals[name](records, *args, **kwargs)
                records.env.flush_all()
                counts.append(self.cr.sql_log_count - before)
                return result

            return method

        self.env.flush_all()
        self.env.invalidate_all()
        with (
            self.mock_mail_gateway(),
            freeze_time(f"{self.DUE} 09:00:00"),
            patch.object(History, "_create_in_bulk", counted("_create_in_bulk")),
            patch.object(History, "_log_on_invoices", counted("_log_on_invoices")),
        ):
            run._run_batch(partners=customers)
        histories = self.env["account.relance.history"].search(
            [("partner_id", "in", customers.ids)]
        )
        self.assertEqual(len(histories), 3 * invoices_per_customer)
        self.assertEqual(set(histories.mapped("state")), {"sent"})
        self.assertEqual(len(histories.mail_message_id), 3)
        for history in histories:
            self.assertEqual(history.move_id.relance_count, 1)
            self.assertIn(
                f"/mail/message/{history.mail_message_id.id}",
                history.move_id.message_ids[:1].body,
            )
        self.assertEqual(len(counts), 2, "one call of each for the batch")
        return sum(counts)

    def test_record_queries_do_not_grow_with_invoices(self):
        """Histories, their messages and the invoice notes of a batch: the
        same queries for 3 invoices and for 30."""
        self._count_record_queries(1)  # warm-up
        small = self._count_record_queries(1)
        large = self._count_record_queries(10)
        self.assertEqual(
            small, large, f"{small} queries for 3 invoices, {large} for 30"
        )
