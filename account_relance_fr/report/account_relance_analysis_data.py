from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

from ..tools import collection_figures as figures


class AccountRelanceAnalysisData(models.AbstractModel):
    """The grouped queries behind the collection-figures screen.

    Each method is one query that reads only what its figure needs: the open
    instalments through the index of the unreconciled journal items, the
    instalments and matchings of the dates asked for through the date
    indexes. Amounts are in the currency of the current company (see
    ``account.relance.analysis.mixin``); the companies read are those of the
    environment.

    ``filters`` is a dict with the optional keys ``user_id``, ``ladder_id``
    (ids), ``payer_profile`` and ``payer_rating`` (selection values).
    """

    _name = "account.relance.analysis.data"
    _description = "Collection Figures: Queries"

    def init(self):
        """Two covering indexes, so that the screen reads indexes about a
        tenth of the tables' size instead of the tables (index-only scans):

        - the posted customer invoices and credit notes: their totals by day,
          and their dimensions joined to the open instalments;
        - the posted instalments (``payment_term`` lines, the only lines of a
          sale document on a receivable account): the open ones, and those
          of the matchings of the period.
        """
        self.env.cr.execute(
            SQL(
                """
                CREATE INDEX IF NOT EXISTS account_move_line_relance_analysis_index
                    ON account_move_line (id)
                   INCLUDE (move_id, account_id, company_id, date, date_maturity,
                            balance, amount_residual, reconciled)
                 WHERE parent_state = 'posted' AND display_type = 'payment_term'
                """
            )
        )
        self.env.cr.execute(
            SQL(
                """
                CREATE INDEX IF NOT EXISTS account_move_relance_analysis_index
                    ON account_move (date)
                   INCLUDE (id, move_type, company_id, commercial_partner_id,
                            invoice_user_id, relance_level_id,
                            amount_total_signed, amount_residual_signed,
                            relance_dispute, relance_dispute_date,
                            relance_promise_date, relance_promise_broken,
                            payment_state)
                 WHERE state = 'posted'
                   AND move_type IN ('out_invoice', 'out_refund')
                """
            )
        )

    # ------------------------------------------------------------------
    # FILTERS
    # ------------------------------------------------------------------

    @api.model
    def _lines(self, where=None):
        return self.env["account.relance.analysis.mixin"]._analysis_lines(where)

    @api.model
    def _condition(self, filters, alias="rl"):
        """SQL condition of the filters on the columns of ``_analysis_lines``."""
        conditions = [
            SQL(
                "%s = ANY(%s)",
                SQL.identifier(alias, "company_id"),
                self.env.companies.ids,
            )
        ]
        for key in ("user_id", "ladder_id", "payer_profile", "payer_rating"):
            if filters.get(key):
                conditions.append(
                    SQL("%s = %s", SQL.identifier(alias, key), filters[key])
                )
        return SQL(" AND ").join(conditions)

    @api.model
    def _domain(self, filters):
        """Domain of the filters on the ``account.relance.analysis.*`` views."""
        domain = [("company_id", "in", self.env.companies.ids)]
        for key in ("user_id", "ladder_id", "payer_profile", "payer_rating"):
            if filters.get(key):
                domain.append((key, "=", filters[key]))
        return domain

    # ------------------------------------------------------------------
    # RECEIVABLES, SALES, SETTLEMENTS
    # ------------------------------------------------------------------

    @api.model
    def _get_receivable_figures(self, filters, start, end, today):
        """Everything the screen needs from the invoices, their instalments
        and their matchings, in one statement of three lean passes: one over
        the invoices (their totals and balances are those of their receivable
        instalments), one over the open instalments (through the index of the
        unreconciled journal items), one over the matchings dated from
        ``start`` on. Nothing is materialised invoice by invoice.

        :param start: first day of the window (trend and previous period)
        :param end: last day of the period
        :param today: the day of the ageing and of the forecast
        :return: dict with

            - ``sales_by_day``: ``{date: amount}`` from ``start`` to ``end``,
              invoices less credit notes by accounting date;
            - ``sales_by_month``: ``{first day: amount}`` of the 24 months
              before ``start`` (for the countback DSO);
            - ``open_before``: what is open today of the instalments dated
              before ``start``;
            - ``settled_before``: what was matched from ``start`` on with the
              instalments dated before ``start``;
            - ``settled_by_day``: ``{date: amount}`` matched from ``start`` to
              ``end`` (negative for credit notes);
            - ``lateness_by_day``: ``{date: (count, days late summed, count
              paid late)}`` of the customer invoices settled from ``start`` to
              ``end``, an invoice paid on time counting zero days;
            - ``open_items``: rows ``(ageing bucket, disputed, dispute date,
              open amount, number of invoices)`` of today;
            - ``forecast``: ``{bucket: (amount, number of instalments)}`` as
              the expected cash-in view computes them (without the rows other
              add-ons add).
        """
        before_start = figures.months_back(
            start - timedelta(days=1), figures.COUNTBACK_MAX_MONTHS
        )[0][0]
        condition = self._condition(filters)
        rows = self.env.execute_query(
            SQL(
                """
                WITH ol AS MATERIALIZED (
                    SELECT rl.move_id, rl.move_type, rl.residual,
                           rl.date_maturity, rl.in_dispute, rl.dispute_date,
                           rl.promise_date, rl.promise_broken, rl.payer_days_late
                      FROM (%(open_lines)s) AS rl
                     WHERE %(condition)s
                ),
                p AS MATERIALIZED (%(matched)s)
                %(branches)s
                """,
                open_lines=self._lines(where=SQL("line.reconciled IS NOT TRUE")),
                condition=condition,
                matched=self._get_matched_sql(start, condition),
                branches=self._get_branches_sql(filters, end, today, before_start),
            )
        )
        return self._read_receivable_rows(rows, start, end, before_start)

    @api.model
    def _get_moves_sql(self):
        """Posted customer invoices and credit notes with the dimensions of
        ``_analysis_lines`` and, converted, ``total`` (their receivable
        instalments' balance: ``amount_total_signed``) and ``residual``
        (``amount_residual_signed``), so the totals by day need no journal
        item."""
        return SQL(
            """
            SELECT move.id AS move_id, move.date, move.company_id,
                   move.commercial_partner_id AS partner_id,
                   move.invoice_user_id AS user_id,
                   level.ladder_id,
                   partner.relance_payer_profile AS payer_profile,
                   partner.relance_payer_rating AS payer_rating,
                   move.amount_total_signed * rate_table.rate AS total,
                   move.amount_residual_signed * rate_table.rate AS residual
              FROM account_move move
         LEFT JOIN res_partner partner ON partner.id = move.commercial_partner_id
              JOIN %(rate_table)s ON rate_table.company_id = move.company_id
         LEFT JOIN account_relance_level level ON level.id = move.relance_level_id
             WHERE move.state = 'posted'
               AND move.move_type IN ('out_invoice', 'out_refund')
            """,
            rate_table=self.env[
                "account.relance.analysis.mixin"
            ]._analysis_rate_table(),
        )

    @api.model
    def _get_matched_sql(self, start, condition):
        """Matchings from ``start`` on of the instalments matching
        ``condition`` (on ``rl``): invoices on their debit, credit notes on
        their credit (negative)."""
        return SQL(" UNION ALL ").join(
            SQL(
                """
                SELECT partial.max_date AS day, %(sign)s * partial.amount * rl.rate
                       AS amount, rl.line_id, rl.date < %(start)s AS before,
                       rl.reconciled, rl.move_type, rl.date_maturity
                  FROM account_partial_reconcile partial
                  JOIN (%(lines)s) AS rl ON rl.line_id = partial.%(side)s
                 WHERE partial.max_date >= %(start)s AND rl.move_type = %(move_type)s
                   AND %(condition)s
                """,
                sign=sign,
                start=start,
                side=SQL.identifier(side),
                move_type=move_type,
                lines=self._lines(),
                condition=condition,
            )
            for side, sign, move_type in (
                ("debit_move_id", 1, "out_invoice"),
                ("credit_move_id", -1, "out_refund"),
            )
        )

    @api.model
    def _get_branches_sql(self, filters, end, today, before_start):
        """The grouped selects over the invoices, ``ol`` (open instalments)
        and ``p`` (matchings), with the columns ``kind, day, label, flag,
        other_date, amount, amount_2, number, number_2``. The invoices dated
        before ``before_start`` count on one day, the day before it (only
        their open balance matters)."""
        Forecast = self.env["account.relance.analysis.forecast"]
        return SQL(
            """
            SELECT 'day', GREATEST(rm.date, %(before_start)s::date - 1),
                   NULL::text, FALSE, NULL::date,
                   SUM(rm.total), SUM(rm.residual), 0, 0
              FROM (%(moves)s) AS rm
             WHERE rm.date <= %(end)s AND %(moves_condition)s
          GROUP BY 2
         UNION ALL
            SELECT 'open', NULL, %(ageing)s, ol.in_dispute, ol.dispute_date,
                   SUM(ol.residual), 0, COUNT(DISTINCT ol.move_id), 0
              FROM ol
          GROUP BY 3, 4, 5
         UNION ALL
            SELECT 'forecast', NULL, %(bucket)s, FALSE, NULL,
                   SUM(rl.residual), 0, COUNT(*), 0
              FROM ol AS rl
             WHERE rl.move_type = 'out_invoice' AND rl.residual > 0
               AND %(forecast_condition)s
          GROUP BY 3
         UNION ALL
            SELECT 'matched', p.day, NULL, p.before, NULL, SUM(p.amount), 0, 0, 0
              FROM p
          GROUP BY p.day, p.before
         UNION ALL
            SELECT 'settled', s.day, NULL, FALSE, NULL,
                   SUM(GREATEST(s.day - s.due, 0)), 0, COUNT(*),
                   COUNT(*) FILTER (WHERE s.day > s.due)
              FROM (SELECT p.line_id, MAX(p.day) AS day, MIN(p.date_maturity) AS due
                      FROM p
                     WHERE p.reconciled AND p.move_type = 'out_invoice'
                  GROUP BY p.line_id) AS s
             WHERE s.day <= %(end)s
          GROUP BY s.day
            """,
            end=end,
            before_start=before_start,
            moves=self._get_moves_sql(),
            moves_condition=self._condition(filters, alias="rm"),
            ageing=self._get_ageing_sql(SQL("ol.date_maturity"), today),
            bucket=Forecast._get_bucket_sql(
                Forecast._get_expected_date_sql(), SQL("rl.in_dispute"), today
            ),
            forecast_condition=Forecast._get_forecast_invoice_condition(),
        )

    @api.model
    def _get_ageing_sql(self, due_date, today):
        """SQL of the ageing bucket of an open instalment due on ``due_date``."""
        return SQL(
            """
            CASE WHEN %(due)s >= %(today)s::date THEN 'not_due'
                 WHEN %(today)s::date - %(due)s <= 30 THEN '1_30'
                 WHEN %(today)s::date - %(due)s <= 60 THEN '31_60'
                 WHEN %(today)s::date - %(due)s <= 90 THEN '61_90'
                 ELSE 'over_90'
            END
            """,
            due=due_date,
            today=today,
        )

    @api.model
    def _read_receivable_rows(self, rows, start, end, before_start):
        """Sort the rows of :meth:`_get_receivable_figures` into its dict."""
        result = {
            "sales_by_day": {},
            "sales_by_month": defaultdict(float),
            "open_before": 0.0,
            "settled_before": 0.0,
            "settled_by_day": defaultdict(float),
            "lateness_by_day": {},
            "open_items": [],
            "forecast": {},
        }
        for (
            kind,
            day,
            label,
            flag,
            other_date,
            amount,
            amount_2,
            number,
            number_2,
        ) in rows:
            if kind == "day":
                if day >= start:
                    result["sales_by_day"][day] = amount
                    continue
                result["open_before"] += amount_2
                if day >= before_start:
                    result["sales_by_month"][day.replace(day=1)] += amount
            elif kind == "open":
                result["open_items"].append((label, flag, other_date, amount, number))
            elif kind == "forecast":
                result["forecast"][label] = (amount, number)
            elif kind == "settled":
                result["lateness_by_day"][day] = (number, amount, number_2)
            else:  # matched
                if flag:
                    result["settled_before"] += amount
                if day <= end:
                    result["settled_by_day"][day] += amount
        result["sales_by_month"] = dict(result["sales_by_month"])
        result["settled_by_day"] = dict(result["settled_by_day"])
        return result

    # ------------------------------------------------------------------
    # OPEN ITEMS, PROMISES, REMINDERS, FORECAST
    # ------------------------------------------------------------------

    @api.model
    def _get_promises(self, filters, start, end):
        """Promises to pay: kept or broken among those whose promised date
        falls from ``start`` to ``end``; running today, whatever their date (a
        promise made today for next week runs already).

        :return: ``{"kept" | "broken" | "pending": number of invoices}``
        """
        return dict(
            self.env["account.relance.analysis.item"]._read_group(
                self._domain(filters)
                + [("move_type", "=", "out_invoice")]
                + expression.OR(
                    [
                        [("promise_date", ">=", start), ("promise_date", "<=", end)],
                        [("promise_state", "=", "pending")],
                    ]
                ),
                ["promise_state"],
                ["move_id:count_distinct"],
            )
        )

    @api.model
    def _get_reminder_groups(self, filters, start, end):
        """Reminders sent from ``start`` to ``end`` per level and channel.

        :return: list of dicts: ``level`` (record), ``channel``,
            ``formal_notice``, ``count``, ``reminded``, ``base_7``, ``paid_7``,
            ``base_30``, ``paid_30``, ``recovered`` (amounts), ``median`` (days
            from the reminder to the settlement, None without any) and
            ``letters`` (formal notices: customers sent one on a day; 0 for
            the other levels)
        """
        Reminder = self.env["account.relance.analysis.reminder"]
        query = Reminder._search(
            self._domain(filters) + [("date", ">=", start), ("date", "<=", end)]
        )
        query.order = None
        table = SQL.identifier(query.table)

        def column(name):
            return SQL.identifier(query.table, name)

        query.groupby = SQL(
            "%s, %s, %s",
            column("level_id"),
            column("channel"),
            column("is_formal_notice"),
        )
        sums = [
            SQL("SUM(%s)", column(name))
            for name in (
                "amount_reminded",
                "amount_base_7",
                "amount_paid_7",
                "amount_base_30",
                "amount_paid_30",
                "amount_recovered",
            )
        ]
        rows = self.env.execute_query(
            query.select(
                column("level_id"),
                column("channel"),
                column("is_formal_notice"),
                SQL("COUNT(*)"),
                *sums,
                SQL(
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY %s.days_to_payment)",
                    table,
                ),
                # letters: formal notices only, the other groups skip the sort
                SQL(
                    "COUNT(DISTINCT (%s, %s)) FILTER (WHERE %s)",
                    column("partner_id"),
                    column("date"),
                    column("is_formal_notice"),
                ),
            )
        )
        levels = self.env["account.relance.level"].browse({row[0] for row in rows})
        keys = (
            "channel",
            "formal_notice",
            "count",
            "reminded",
            "base_7",
            "paid_7",
            "base_30",
            "paid_30",
            "recovered",
            "median",
            "letters",
        )
        return [
            dict(zip(keys, row[1:], strict=True), level=levels.browse(row[0]))
            for row in rows
        ]

    @api.model
    def _get_forecast_extra(self, filters, today):
        """Expected cash-in of the extra forecast rows (the instalments of the
        running payment plans), in one grouped query on those rows only.

        :return: ``(forecast, plans, amount)``: ``{bucket: (amount, number of
            rows)}``, the number of running plans with something left to pay
            and what is left on them (company currency)
        """
        Forecast = self.env["account.relance.analysis.forecast"]
        sources = Forecast._get_forecast_extra_rows(today)
        if not sources:
            return {}, 0, 0.0
        rows = self.env.execute_query(
            SQL(
                """
                SELECT extra.bucket, SUM(extra.amount), COUNT(*),
                       COUNT(DISTINCT extra.plan_id)
                  FROM (SELECT %(bucket)s AS bucket, rows.amount, rows.plan_id
                          FROM (%(rows)s) AS rows
                         WHERE %(condition)s) AS extra
              GROUP BY GROUPING SETS ((extra.bucket), ())
                """,
                bucket=Forecast._get_bucket_sql(
                    SQL("rows.expected_date"), SQL("rows.in_dispute"), today
                ),
                rows=SQL(" UNION ALL ").join(SQL("(%s)", row) for row in sources),
                condition=self._condition(filters, alias="rows"),
            )
        )
        forecast = {
            bucket: (amount, count)
            for bucket, amount, count, _plans in rows
            if bucket is not None
        }
        totals = [
            (plans, amount) for bucket, amount, _c, plans in rows if bucket is None
        ]
        plans, amount = totals[0] if totals else (0, 0.0)
        return forecast, plans, amount or 0.0

    @api.model
    def _get_ended_plans(self, filters, start, end):
        """Payment plans completed or broken from ``start`` to ``end``.

        :return: ``{"completed" | "broken": number of plans}``
        """
        dims = self.env["account.relance.analysis.forecast"]._get_plan_dimensions_sql()
        return dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT plan.state, COUNT(*)
                      FROM account_relance_plan plan
                      JOIN (%(dims)s) AS dims ON dims.plan_id = plan.id
                     WHERE %(condition)s
                       AND ((plan.state = 'completed'
                             AND plan.completed_on BETWEEN %(start)s AND %(end)s)
                         OR (plan.state = 'broken'
                             AND plan.broken_on BETWEEN %(start)s AND %(end)s))
                  GROUP BY plan.state
                    """,
                    dims=dims,
                    condition=self._condition(filters, alias="dims"),
                    start=start,
                    end=end,
                )
            )
        )

    @api.model
    def _today(self):
        return fields.Date.context_today(self)
