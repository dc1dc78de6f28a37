from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.collection_figures import week_start

FORECAST_BUCKETS = [
    ("overdue", "Expected Before Today"),
    *((f"week_{index}", f"Week {index}") for index in range(1, 9)),
    ("later", "Later"),
    ("disputed", "Disputed"),
]


class AccountRelanceAnalysisForecast(models.Model):
    """Expected cash-in of the open customer invoices.

    Each open instalment is expected on its due date shifted by the customer's
    average delay over the last 12 months (the days late of its invoices
    settled in that time, on-time ones counting zero, as computed by the daily
    payer rating), or on the promised payment date when a promise is running.
    Week 1 is the current week, Monday to Sunday; instalments expected before
    today (later than usual already) and disputed ones are kept apart.

    Payment plans: an add-on adds its instalments with
    :meth:`_get_forecast_extra_rows` and leaves out the invoices a plan
    replaces with :meth:`_get_forecast_invoice_condition`.
    """

    _name = "account.relance.analysis.forecast"
    _inherit = "account.relance.analysis.mixin"
    _description = "Collection Figures: Expected Cash-In"
    _auto = False
    _rec_name = "move_id"
    _order = "expected_date, id"

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    source = fields.Selection(
        selection="_selection_source",
        readonly=True,
        help="Due date shifted by the customer's usual delay, or the date the "
        "customer promised.",
    )
    date_maturity = fields.Date(string="Due Date", readonly=True)
    delay_days = fields.Integer(
        string="Usual Delay (Days)",
        readonly=True,
        aggregator="avg",
        help="The customer's average days late over the last 12 months, from the "
        "daily payer rating.",
    )
    expected_date = fields.Date(readonly=True)
    week_date = fields.Date(
        string="Week", readonly=True, help="Monday of the expected week."
    )
    bucket = fields.Selection(FORECAST_BUCKETS, string="Expected", readonly=True)
    amount = fields.Monetary(string="Expected Amount", readonly=True)

    @api.model
    def _selection_source(self):
        return [
            ("invoice", self.env._("Due Date + Usual Delay")),
            ("promise", self.env._("Promise to Pay")),
            ("plan", self.env._("Payment Plan Instalment")),
        ]

    @property
    def _table_query(self):
        today = self._analysis_today()
        rows = [self._get_forecast_invoice_rows(today)]
        rows += self._get_forecast_extra_rows(today)
        return SQL(
            """
            SELECT forecast.*,
                   (forecast.expected_date
                    - EXTRACT(ISODOW FROM forecast.expected_date)::int + 1
                   ) AS week_date,
                   %(bucket)s AS bucket
              FROM (%(rows)s) AS forecast
            """,
            bucket=self._get_bucket_sql(
                SQL("forecast.expected_date"), SQL("forecast.in_dispute"), today
            ),
            rows=SQL(" UNION ALL ").join(SQL("(%s)", row) for row in rows),
        )

    @api.model
    def _get_bucket_sql(self, expected_date, in_dispute, today):
        """SQL of the bucket (``FORECAST_BUCKETS``) of an expected date."""
        monday = week_start(today)
        return SQL(
            """
            CASE WHEN %(in_dispute)s THEN 'disputed'
                 WHEN %(expected)s < %(today)s::date THEN 'overdue'
                 WHEN %(expected)s >= %(monday)s::date + 56 THEN 'later'
                 ELSE 'week_' || ((%(expected)s - %(monday)s::date) / 7 + 1)::text
            END
            """,
            in_dispute=in_dispute,
            expected=expected_date,
            today=today,
            monday=monday,
        )

    @api.model
    def _get_expected_date_sql(self, alias="rl"):
        """SQL of the expected payment date of an open instalment (columns of
        ``_analysis_lines`` under ``alias``): the promised date while a promise
        runs, else the due date plus the customer's usual delay."""

        def column(name):
            return SQL.identifier(alias, name)

        return SQL(
            "CASE WHEN %s IS NOT NULL AND NOT %s THEN %s ELSE %s + %s END",
            column("promise_date"),
            column("promise_broken"),
            column("promise_date"),
            column("date_maturity"),
            column("payer_days_late"),
        )

    @api.model
    def _get_forecast_invoice_rows(self, today):
        """Open instalments of customer invoices, with their expected date.

        Columns of every forecast row source: ``id, move_id, company_id,
        currency_id, partner_id, user_id, ladder_id, payer_profile,
        payer_rating, source, date_maturity, delay_days, expected_date,
        amount, in_dispute``.
        """
        return SQL(
            """
            SELECT rl.line_id * 2 AS id, rl.move_id, rl.company_id, rl.currency_id,
                   rl.partner_id, rl.user_id, rl.ladder_id, rl.payer_profile,
                   rl.payer_rating,
                   CASE WHEN %(promise)s THEN 'promise' ELSE 'invoice' END AS source,
                   rl.date_maturity,
                   rl.payer_days_late AS delay_days,
                   %(expected)s AS expected_date,
                   rl.residual AS amount,
                   rl.in_dispute
              FROM (%(open_lines)s) AS rl
             WHERE rl.move_type = 'out_invoice'
               AND rl.residual > 0
               AND %(condition)s
            """,
            open_lines=self._analysis_lines(where=SQL("line.reconciled IS NOT TRUE")),
            promise=SQL("rl.promise_date IS NOT NULL AND NOT rl.promise_broken"),
            expected=self._get_expected_date_sql(),
            condition=self._get_forecast_invoice_condition(),
        )

    @api.model
    def _get_forecast_invoice_condition(self):
        """SQL condition on ``rl`` (an open instalment) to forecast it.

        Hook: a payment-plan add-on returns a condition leaving out the
        instalments its plan replaces.
        """
        return SQL("TRUE")

    @api.model
    def _get_forecast_extra_rows(self, today):
        """More forecast rows, e.g. payment plan instalments (``source`` "plan").

        Hook returning a list of ``SQL`` selects with the columns of
        :meth:`_get_forecast_invoice_rows`; an ``id`` odd number keeps the ids
        apart from the invoice rows (even). Nothing here: payment plans do not
        exist yet.
        """
        return []
