from odoo import api, fields, models
from odoo.tools import SQL

from ..models.account_relance_plan import RUNNING_STATES
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

    Payment plans: the instalments still to pay of the running plans
    (accepted or kept) are expected on their own date
    (:meth:`_get_forecast_extra_rows`), and the invoices such a plan covers are
    left out (:meth:`_get_forecast_invoice_condition`), so nothing is counted
    twice. A broken or cancelled plan gives its invoices back to the forecast.
    """

    _name = "account.relance.analysis.forecast"
    _inherit = "account.relance.analysis.mixin"
    _description = "Collection Figures: Expected Cash-In"
    _auto = False
    _rec_name = "move_id"
    _order = "expected_date, id"

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        readonly=True,
        help="For a plan instalment, the oldest invoice of the plan.",
    )
    plan_id = fields.Many2one(
        "account.relance.plan", string="Payment Plan", readonly=True
    )
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
        amount, in_dispute, plan_id``.
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
                   rl.in_dispute,
                   NULL::int AS plan_id
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
        """SQL condition on ``rl`` (an open instalment) to forecast it: not
        when its invoice is covered by a running payment plan, whose
        instalments are forecast instead."""
        return SQL(
            """
            NOT EXISTS (
                SELECT 1
                  FROM account_relance_plan_move_rel plan_rel
                  JOIN account_relance_plan plan ON plan.id = plan_rel.plan_id
                 WHERE plan_rel.move_id = rl.move_id
                   AND plan.state IN %s)
            """,
            RUNNING_STATES,
        )

    @api.model
    def _get_forecast_extra_rows(self, today):
        """More forecast rows: the instalments still to pay of the running
        payment plans (``source`` "plan"), expected on their date.

        Returns a list of ``SQL`` selects with the columns of
        :meth:`_get_forecast_invoice_rows`; an ``id`` odd number keeps the ids
        apart from the invoice rows (even). The amount left on an instalment
        (plan currency) is converted at the rate of the plan's invoices, then
        into the current company's currency like the invoice rows.
        """
        Plan = self.env["account.relance.plan"]
        Plan._flush_for_sql()
        return [
            SQL(
                """
                SELECT left_line.line_id * 2 + 1 AS id, dims.move_id,
                       dims.company_id, %(currency_id)s AS currency_id,
                       dims.partner_id, dims.user_id, dims.ladder_id,
                       dims.payer_profile, dims.payer_rating,
                       'plan' AS source, left_line.date AS date_maturity,
                       0 AS delay_days, left_line.date AS expected_date,
                       left_line.amount_left * dims.rate * rate_table.rate
                           AS amount,
                       FALSE AS in_dispute,
                       left_line.plan_id
                  FROM (%(left)s) AS left_line
                  JOIN (%(dims)s) AS dims ON dims.plan_id = left_line.plan_id
                  JOIN %(rate_table)s ON rate_table.company_id = dims.company_id
                """,
                currency_id=self.env.company.currency_id.id,
                left=Plan._get_instalments_left_sql(
                    SQL("plan.company_id = ANY(%s)", self.env.companies.ids)
                ),
                dims=self._get_plan_dimensions_sql(),
                rate_table=self._analysis_rate_table(),
            )
        ]

    @api.model
    def _get_plan_dimensions_sql(self):
        """SQL rows of the dimensions of each payment plan, as the invoice
        rows have them: ``plan_id, company_id, partner_id, move_id`` (the
        oldest invoice covered), ``user_id`` and ``ladder_id`` (those of that
        invoice), ``payer_profile, payer_rating`` (the customer's) and
        ``rate``: company currency per unit of the plan's currency, from the
        totals of its invoices (1 for a plan in the company's currency)."""
        return SQL(
            """
            SELECT plan.id AS plan_id, plan.company_id, plan.partner_id,
                   (ARRAY_AGG(move.id ORDER BY move.invoice_date_due, move.id))[1]
                       AS move_id,
                   (ARRAY_AGG(move.invoice_user_id
                              ORDER BY move.invoice_date_due, move.id))[1]
                       AS user_id,
                   (ARRAY_AGG(level.ladder_id
                              ORDER BY move.invoice_date_due, move.id))[1]
                       AS ladder_id,
                   partner.relance_payer_profile AS payer_profile,
                   partner.relance_payer_rating AS payer_rating,
                   COALESCE(SUM(move.amount_total_signed)
                            / NULLIF(SUM(move.amount_total), 0), 1) AS rate
              FROM account_relance_plan plan
              JOIN res_partner partner ON partner.id = plan.partner_id
              JOIN account_relance_plan_move_rel plan_rel
                ON plan_rel.plan_id = plan.id
              JOIN account_move move ON move.id = plan_rel.move_id
         LEFT JOIN account_relance_level level ON level.id = move.relance_level_id
             WHERE plan.company_id = ANY(%(companies)s)
          GROUP BY plan.id, partner.id
            """,
            companies=self.env.companies.ids,
        )
