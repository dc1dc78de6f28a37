import logging
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from ..models.account_relance_run import _PLANS
from .common import RelanceCommon

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestRelancePerformance(RelanceCommon):
    def _customers_with_invoices(self, prefix, invoices_per_customer):
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"{prefix} {index}",
                    "is_company": True,  # the default ladder
                    "email": f"{prefix}{index}@example.com",
                }
                for index in range(5)
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
