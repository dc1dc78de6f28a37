import logging
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from ..models import account_relance_run
from ..models.account_relance_run import _PLANS
from .common import RelanceCommon

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestRelancePerformance(RelanceCommon):
    def _customers_with_invoices(self, prefix, invoices_per_customer, count=5):
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"{prefix} {index}",
                    "is_company": True,  # the default ladder
                    "email": f"{prefix}{index}@example.com",
                }
                for index in range(count)
            ]
        )
        for customer in customers:
            for _index in range(invoices_per_customer):
                self._invoice(customer, 100.0, self.DUE - timedelta(days=1))
        self.env.flush_all()
        return customers

    def _count_batch_queries(self, customers):
        run = self.env["account.relance.run"]
        self.env.invalidate_all()
        with freeze_time(f"{self.DUE} 09:00:00"):
            before = self.cr.sql_log_count
            remaining = run._run_batch(partners=customers)
            self.env.flush_all()
            count = self.cr.sql_log_count - before
        self.assertEqual(remaining, 0)
        self.assertEqual(
            len(
                self.env["account.relance.history"]
                .search([("partner_id", "in", customers.ids)])
                .partner_id
            ),
            5,
        )
        return count

    def test_batch_queries_do_not_grow_with_invoices(self):
        """5 customers: 10 invoices or 100, the batch issues the same queries."""
        warmup = self._customers_with_invoices("warmup", 1)
        small = self._customers_with_invoices("small", 2)
        large = self._customers_with_invoices("large", 20)
        with self.mock_mail_gateway():
            self._count_batch_queries(warmup)
            queries_10 = self._count_batch_queries(small)
            queries_100 = self._count_batch_queries(large)
        _logger.info(
            "Reminder batch of 5 customers: %s queries for 10 invoices, %s for 100",
            queries_10,
            queries_100,
        )
        # a handful of queries of difference is prefetch chunking, not per invoice
        self.assertLessEqual(
            queries_100 - queries_10,
            10,
            f"{queries_10} queries for 10 invoices, {queries_100} for 100",
        )

    def test_plan_in_chunks_of_customers(self):
        """Planned two customers at a time (the records of a chunk leave the
        cache before the next), the plan is the one of all of them at once:
        same customers, same order, same instalments and levels."""
        customers = self._customers_with_invoices("chunk", 2)
        run = self.env["account.relance.run"]
        with freeze_time(f"{self.DUE} 09:00:00"):
            today = self.company._get_relance_today()
            whole = run._get_plan_ids(
                run._plan(self.company, today, partners=customers)
            )
            with patch.object(account_relance_run, "PLAN_CHUNK", 2):
                chunked = run._plan_in_chunks(self.company, today, partners=customers)
        self.assertEqual(len(whole), 5)
        self.assertEqual([len(items) for *_ids, items in whole], [2] * 5)
        self.assertEqual(chunked, whole)
        self.assertEqual([partner_id for _c, partner_id, _i in whole], customers.ids)

    def test_two_cron_workers_share_the_customers(self):
        """The job's two crons (one per cron worker of Odoo) each send their
        own customers (id modulo 2): together every customer once, each
        alone only its share; the second archived, the first sends all."""
        customers = self._customers_with_invoices("worker", 1, count=6)
        first = self.env.ref("account_relance_fr.ir_cron_send_relances")
        second = self.env.ref("account_relance_fr.ir_cron_send_relances_second")
        run = self.env["account.relance.run"]
        self.addCleanup(_PLANS.clear)

        def sent_to():
            return (
                self.env["account.relance.history"]
                .search([("partner_id", "in", customers.ids), ("state", "=", "sent")])
                .partner_id
            )

        with (
            self.mock_mail_gateway(),
            freeze_time(f"{self.DUE} 09:00:00"),
            self.capture_triggers(
                "account_relance_fr.ir_cron_send_relances_second"
            ) as second_triggers,
        ):
            while run.with_context(cron_id=first.id)._cron_send_relances(batch_size=2):
                pass
            even = customers.filtered(lambda customer: customer.id % 2 == 0)
            self.assertEqual(sent_to(), even)
            self.assertTrue(second_triggers.records, "the second worker is started")
            while run.with_context(cron_id=second.id)._cron_send_relances(batch_size=2):
                pass
        self.assertEqual(sent_to(), customers)
        histories = self.env["account.relance.history"].search(
            [("partner_id", "in", customers.ids)]
        )
        self.assertEqual(len(histories), 6, "each customer reminded once")
        self.assertEqual(len(histories.mail_message_id), 6)
        # the second worker archived: the first one sends everyone
        others = self._customers_with_invoices("alone", 1, count=4)
        second.active = False
        with self.mock_mail_gateway(), freeze_time(f"{self.DUE} 10:00:00"):
            while run.with_context(cron_id=first.id)._cron_send_relances(batch_size=2):
                pass
        self.assertEqual(
            self.env["account.relance.history"]
            .search([("partner_id", "in", others.ids), ("state", "=", "sent")])
            .partner_id,
            others,
        )

    def test_plan_once_per_run(self):
        """Under the cron runner the run plans once: the later batches take
        the rest of the same plan; every customer is sent once."""
        customers = self._customers_with_invoices("plan", 1)
        cron = self.env.ref("account_relance_fr.ir_cron_send_relances")
        run = self.env["account.relance.run"].with_context(cron_id=cron.id)
        self.addCleanup(_PLANS.clear)
        remaining = []
        kept = []
        with self.mock_mail_gateway(), freeze_time(f"{self.DUE} 09:00:00"):
            for _call in range(3):
                remaining.append(run._run_batch(batch_size=2, partners=customers))
                # the rest of the plan, kept for the next call
                kept.append(
                    {
                        partner_id
                        for _kept_at, entries in _PLANS.values()
                        for _company_id, partner_id, _items in entries
                    }
                )
        self.assertEqual(remaining, [3, 1, 0])
        self.assertEqual([len(partner_ids) for partner_ids in kept], [3, 1, 0])
        self.assertLessEqual(kept[1], kept[0])
        self.assertLessEqual(kept[0], set(customers.ids))
        histories = self.env["account.relance.history"].search(
            [("partner_id", "in", customers.ids)]
        )
        self.assertEqual(len(histories), 5)
        self.assertEqual(set(histories.mapped("state")), {"sent"})
        self.assertEqual(len(histories.mail_message_id), 5)
        self.assertFalse(_PLANS)

    def _count_run_queries(self, customers, day):
        """Queries of one call of the daily job for ``customers``, all in one
        batch, and the messages it posted."""
        run = self.env["account.relance.run"]
        self.env.invalidate_all()
        with freeze_time(f"{day} 09:00:00"):
            before = self.cr.sql_log_count
            remaining = run._run_batch(batch_size=100, partners=customers)
            self.env.flush_all()
            count = self.cr.sql_log_count - before
        self.assertEqual(remaining, 0)
        return count

    def test_batch_queries_per_customer(self):
        """One batch of the job costs at most 5 queries per customer plus a
        constant: N customers and 2N, each with 3 overdue invoices, every
        customer gets its email, history and invoice notes."""
        size = 8
        warmup = self._customers_with_invoices("qwarm", 1)
        small = self._customers_with_invoices("qsmall", 3, count=size)
        large = self._customers_with_invoices("qlarge", 3, count=2 * size)
        day = self.DUE + timedelta(days=1)
        with self.mock_mail_gateway():
            self._count_run_queries(warmup, day)
            queries_small = self._count_run_queries(small, day)
            queries_large = self._count_run_queries(large, day)
        _logger.info(
            "Reminder batch: %s queries for %s customers, %s for %s",
            queries_small,
            size,
            queries_large,
            2 * size,
        )
        for customers in (small, large):
            histories = self.env["account.relance.history"].search(
                [("partner_id", "in", customers.ids)]
            )
            self.assertEqual(len(histories), 3 * len(customers))
            self.assertEqual(set(histories.mapped("state")), {"sent"})
            messages = histories.mail_message_id
            self.assertEqual(len(messages), len(customers))
            self.assertEqual(set(messages.mapped("res_id")), set(customers.ids))
            # queued for the customer, in the reminders' layout
            mails = self.env["mail.mail"].search(
                [("mail_message_id", "in", messages.ids)]
            )
            self.assertEqual(mails.recipient_ids, customers)
            for mail in mails:
                self.assertIn("SIREN 552 100 554", mail.body_html)
                self.assertIn("mailto:compta@atelier.example", mail.body_html)
            # one note per invoice, linking the message sent
            for history in histories:
                self.assertIn(
                    f"/mail/message/{history.mail_message_id.id}",
                    history.move_id.message_ids[:1].body,
                )
        per_customer = (queries_large - queries_small) / size
        self.assertLessEqual(
            per_customer,
            5,
            f"{queries_small} queries for {size} customers, {queries_large} for "
            f"{2 * size}: {per_customer:.1f} per customer",
        )
        self.assertLessEqual(queries_small, 5 * size + 120)
