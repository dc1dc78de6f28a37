from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_amount

from ..models.res_partner import PAYER_PROFILES
from ..tools import collection_figures as figures
from .account_relance_analysis_item import AGEING_BUCKETS

TREND_MONTHS = 12
FORECAST_WEEKS = 8


class AccountRelanceAnalysisOverview(models.TransientModel):
    """The collection figures on one screen, for the filters chosen.

    Every figure is a handful of grouped queries on the SQL views
    ``account.relance.analysis.*``: nothing is read invoice by invoice. Amounts
    are in the currency of the current company. DSO, lateness, promises and
    reminders cover the period; ageing, disputes and the cash-in forecast are
    those of today.
    """

    _name = "account.relance.analysis.overview"
    _description = "Collection Figures"

    # ------------------------------------------------------------------
    # FILTERS
    # ------------------------------------------------------------------

    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        default=lambda self: self.env.companies,
        required=True,
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: self._default_date_from(),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    user_id = fields.Many2one("res.users", string="Salesperson")
    ladder_id = fields.Many2one("account.relance.ladder", string="Reminder Ladder")
    payer_profile = fields.Selection(PAYER_PROFILES)
    payer_rating = fields.Selection(figures.PAYER_RATINGS)
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )

    # ------------------------------------------------------------------
    # FIGURES
    # ------------------------------------------------------------------

    period_days = fields.Integer(
        string="Days in the Period", compute="_compute_figures"
    )
    receivables = fields.Monetary(
        string="Receivables at Period End", compute="_compute_figures"
    )
    credit_sales = fields.Monetary(
        string="Credit Sales of the Period", compute="_compute_figures"
    )
    dso = fields.Float(string="DSO", compute="_compute_figures")
    dso_countback = fields.Float(string="DSO (Countback)", compute="_compute_figures")
    dso_previous = fields.Float(
        string="DSO of the Previous Period", compute="_compute_figures"
    )
    dso_formula = fields.Char(string="DSO Formula", compute="_compute_figures")
    has_dso = fields.Boolean(string="DSO Known", compute="_compute_figures")
    paid_count = fields.Integer(string="Invoices Settled", compute="_compute_figures")
    avg_days_late = fields.Float(string="Average Days Late", compute="_compute_figures")
    avg_days_late_previous = fields.Float(
        string="Average Days Late, Previous Period",
        compute="_compute_figures",
    )
    late_share = fields.Float(string="Paid Late (%)", compute="_compute_figures")
    on_time_share = fields.Float(string="Paid on Time (%)", compute="_compute_figures")
    benchmark_days_late = fields.Float(
        string="French Average Delay",
        default=figures.BENCHMARK_AVG_DAYS_LATE,
        readonly=True,
    )
    benchmark_on_time = fields.Float(
        string="French Share Paid on Time (%)",
        default=figures.BENCHMARK_ON_TIME_SHARE,
        readonly=True,
    )
    overdue_amount = fields.Monetary(string="Overdue Today", compute="_compute_figures")
    reminder_count = fields.Integer(string="Reminders Sent", compute="_compute_figures")
    paid_7_share = fields.Float(
        string="Paid Within 7 Days (%)", compute="_compute_figures"
    )
    paid_30_share = fields.Float(
        string="Paid Within 30 Days (%)", compute="_compute_figures"
    )
    promise_kept_count = fields.Integer(
        string="Promises Kept", compute="_compute_figures"
    )
    promise_broken_count = fields.Integer(
        string="Promises Broken", compute="_compute_figures"
    )
    promise_pending_count = fields.Integer(
        string="Promises Running", compute="_compute_figures"
    )
    dispute_count = fields.Integer(string="Open Disputes", compute="_compute_figures")
    dispute_amount = fields.Monetary(
        string="Disputed Amount", compute="_compute_figures"
    )
    dispute_avg_age = fields.Float(
        string="Average Dispute Age (Days)", compute="_compute_figures"
    )
    formal_notice_count = fields.Integer(
        string="Formal Notices Sent", compute="_compute_figures"
    )
    formal_notice_amount = fields.Monetary(
        string="Amount Claimed by Formal Notice", compute="_compute_figures"
    )
    formal_notice_recovered = fields.Monetary(
        string="Recovered After Formal Notice", compute="_compute_figures"
    )
    forecast_total = fields.Monetary(
        string="Expected in 8 Weeks", compute="_compute_figures"
    )
    trend_html = fields.Html(
        string="Trend by Month", compute="_compute_figures", sanitize=False
    )
    ageing_html = fields.Html(
        string="Ageing Today", compute="_compute_figures", sanitize=False
    )
    effectiveness_html = fields.Html(
        string="Reminder Effectiveness by Level and Channel",
        compute="_compute_figures",
        sanitize=False,
    )
    forecast_html = fields.Html(
        string="Expected Cash-In by Week", compute="_compute_figures", sanitize=False
    )

    @api.model
    def _default_date_from(self):
        """First day of the month two months ago: about a quarter to date."""
        today = fields.Date.context_today(self)
        return figures.previous_month_start(figures.previous_month_start(today))

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        if any(overview.date_from > overview.date_to for overview in self):
            raise ValidationError(self.env._("The period must start before it ends."))

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends(
        "company_ids",
        "date_from",
        "date_to",
        "user_id",
        "ladder_id",
        "payer_profile",
        "payer_rating",
    )
    def _compute_figures(self):
        for overview in self:
            values = overview._get_figures()
            overview.update(values)

    def _get_figures(self):
        """All the figures of the screen, as field values.

        :return: dict of field values; empty figures when the period is invalid
        """
        self.ensure_one()
        empty = {name: False for name in self._get_figure_fields()}
        if not (self.date_from and self.date_to) or self.date_from > self.date_to:
            return empty
        screen = self._with_filter_companies()
        values = dict(empty)
        values.update(screen._get_dso_figures())
        values.update(screen._get_lateness_figures())
        values.update(screen._get_reminder_figures())
        values.update(screen._get_promise_and_dispute_figures())
        values["trend_html"] = screen._render_trend()
        values["effectiveness_html"] = screen._render_effectiveness()
        values["ageing_html"], values["overdue_amount"] = screen._render_ageing()
        values["forecast_html"], values["forecast_total"] = screen._render_forecast()
        return values

    @api.model
    def _get_figure_fields(self):
        return [
            name
            for name, field in self._fields.items()
            if field.compute == "_compute_figures"
        ]

    def _with_filter_companies(self):
        """This screen with the chosen companies as the allowed ones (the SQL
        views read those only)."""
        companies = self.company_ids & self.env.companies or self.env.company
        return self.with_context(allowed_company_ids=companies.ids)

    def _get_domain(self):
        """Domain of the filters on the ``account.relance.analysis.*`` views."""
        domain = [("company_id", "in", self.env.companies.ids)]
        if self.user_id:
            domain.append(("user_id", "=", self.user_id.id))
        if self.ladder_id:
            domain.append(("ladder_id", "=", self.ladder_id.id))
        if self.payer_profile:
            domain.append(("payer_profile", "=", self.payer_profile))
        if self.payer_rating:
            domain.append(("payer_rating", "=", self.payer_rating))
        return domain

    # ------------------------------------------------------------------
    # DSO
    # ------------------------------------------------------------------

    def _get_receivables_by_month(self, end):
        """Receivables at the end of each month up to ``end`` (cumulated)."""
        rows = self.env["account.relance.analysis.movement"]._read_group(
            self._get_domain() + [("date", "<=", end)],
            ["date:month"],
            ["amount:sum"],
            order="date:month",
        )
        running = 0.0
        result = {}
        for month, amount in rows:
            running += amount
            result[fields.Date.to_date(month)] = running
        return result

    def _get_receivables_at(self, by_month, day):
        """Receivables at ``day`` from :meth:`_get_receivables_by_month`, for
        ``day`` the end of its month or the end date of ``by_month``."""
        month = figures.month_start(day)
        known = [key for key in by_month if key <= month]
        return by_month[max(known)] if known else 0.0

    def _get_receivables(self, day):
        """Receivables at the end of ``day``."""
        rows = self.env["account.relance.analysis.movement"]._read_group(
            self._get_domain() + [("date", "<=", day)], [], ["amount:sum"]
        )
        return rows[0][0] or 0.0

    def _get_sales_by_month(self, start, end):
        """Credit sales (invoices less credit notes, taxes included) per month."""
        rows = self.env["account.relance.analysis.movement"]._read_group(
            self._get_domain()
            + [
                ("kind", "in", ("out_invoice", "out_refund")),
                ("date", ">=", start),
                ("date", "<=", end),
            ],
            ["date:month"],
            ["amount:sum"],
        )
        return {fields.Date.to_date(month): amount for month, amount in rows}

    def _get_sales(self, start, end):
        rows = self.env["account.relance.analysis.movement"]._read_group(
            self._get_domain()
            + [
                ("kind", "in", ("out_invoice", "out_refund")),
                ("date", ">=", start),
                ("date", "<=", end),
            ],
            [],
            ["amount:sum"],
        )
        return rows[0][0] or 0.0

    def _get_countback(self, receivables, sales_by_month, end):
        """Countback DSO at ``end`` from the monthly sales (latest first)."""
        months = figures.months_back(end, figures.COUNTBACK_MAX_MONTHS)[::-1]
        return figures.countback_dso(
            receivables,
            [
                (figures.days_between(first, last), sales_by_month.get(first, 0.0))
                for first, last in months
            ],
        )

    def _get_dso_figures(self):
        """DSO of the period by both methods, and that of the previous period."""
        days = figures.days_between(self.date_from, self.date_to)
        previous_end = self.date_from - timedelta(days=1)
        previous_start = previous_end - timedelta(days=days - 1)
        receivables = self._get_receivables(self.date_to)
        sales = self._get_sales(self.date_from, self.date_to)
        dso = figures.accounting_dso(receivables, sales, days)
        sales_by_month = self._get_sales_by_month(
            figures.months_back(self.date_to, figures.COUNTBACK_MAX_MONTHS)[0][0],
            self.date_to,
        )
        countback = self._get_countback(receivables, sales_by_month, self.date_to)
        previous = figures.accounting_dso(
            self._get_receivables(previous_end),
            self._get_sales(previous_start, previous_end),
            days,
        )
        return {
            "period_days": days,
            "receivables": receivables,
            "credit_sales": sales,
            "has_dso": dso is not None,
            "dso": dso or 0.0,
            "dso_countback": countback or 0.0,
            "dso_previous": previous or 0.0,
            "dso_formula": self.env._(
                "DSO = receivables at period end ÷ credit sales of the period × "
                "days of the period = %(receivables)s ÷ %(sales)s × %(days)s",
                receivables=self._format_amount(receivables),
                sales=self._format_amount(sales),
                days=days,
            ),
        }

    # ------------------------------------------------------------------
    # LATENESS, REMINDERS, PROMISES, DISPUTES
    # ------------------------------------------------------------------

    def _get_lateness(self, start, end):
        """(settled count, average days late, share paid late %) of the
        invoices settled from ``start`` to ``end``."""
        count, days, late = self.env["account.relance.analysis.item"]._read_group(
            self._get_domain()
            + [
                ("move_type", "=", "out_invoice"),
                ("settled_date", ">=", start),
                ("settled_date", "<=", end),
            ],
            [],
            ["__count", "paid_days_late:avg", "paid_late_rate:avg"],
        )[0]
        return count, days or 0.0, late or 0.0

    def _get_lateness_figures(self):
        count, days, late = self._get_lateness(self.date_from, self.date_to)
        length = figures.days_between(self.date_from, self.date_to)
        previous_end = self.date_from - timedelta(days=1)
        _count, previous_days, _late = self._get_lateness(
            previous_end - timedelta(days=length - 1), previous_end
        )
        return {
            "paid_count": count,
            "avg_days_late": days,
            "avg_days_late_previous": previous_days,
            "late_share": late if count else 0.0,
            "on_time_share": 100.0 - late if count else 0.0,
        }

    def _get_reminder_domain(self):
        return self._get_domain() + [
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
        ]

    def _get_reminder_figures(self):
        """Totals of the reminders of the period and of their formal notices."""
        Reminder = self.env["account.relance.analysis.reminder"]
        count, base_7, paid_7, base_30, paid_30 = Reminder._read_group(
            self._get_reminder_domain(),
            [],
            [
                "__count",
                "amount_base_7:sum",
                "amount_paid_7:sum",
                "amount_base_30:sum",
                "amount_paid_30:sum",
            ],
        )[0]
        notices = Reminder._read_group(
            self._get_reminder_domain() + [("is_formal_notice", "=", True)],
            ["partner_id", "date:day"],
            ["amount_reminded:sum", "amount_recovered:sum"],
        )
        return {
            "reminder_count": count,
            "paid_7_share": self._share(paid_7, base_7),
            "paid_30_share": self._share(paid_30, base_30),
            "formal_notice_count": len(notices),
            "formal_notice_amount": sum(row[2] for row in notices),
            "formal_notice_recovered": sum(row[3] for row in notices),
        }

    def _get_promise_and_dispute_figures(self):
        """Promises of the period by outcome; disputes open today and their age."""
        Item = self.env["account.relance.analysis.item"]
        promises = dict(
            Item._read_group(
                self._get_domain()
                + [
                    ("move_type", "=", "out_invoice"),
                    ("promise_date", ">=", self.date_from),
                    ("promise_date", "<=", self.date_to),
                ],
                ["promise_state"],
                ["move_id:count_distinct"],
            )
        )
        today = fields.Date.context_today(self)
        disputes = Item._read_group(
            self._get_domain()
            + [
                ("move_type", "=", "out_invoice"),
                ("in_dispute", "=", True),
                ("ageing_bucket", "!=", "settled"),
            ],
            ["dispute_date:day"],
            ["move_id:count_distinct", "residual:sum"],
        )
        count = sum(row[1] for row in disputes)
        age = sum(
            (today - fields.Date.to_date(day or today)).days * moves
            for day, moves, _residual in disputes
        )
        return {
            "promise_kept_count": promises.get("kept", 0),
            "promise_broken_count": promises.get("broken", 0),
            "promise_pending_count": promises.get("pending", 0),
            "dispute_count": count,
            "dispute_amount": sum(row[2] for row in disputes),
            "dispute_avg_age": age / count if count else 0.0,
        }

    def _get_effectiveness_rows(self):
        """Reminders of the period per level and channel.

        :return: list of dicts (ladder, level, channel, count, amounts, shares,
            median days to payment), ordered by ladder and level day
        """
        Reminder = self.env["account.relance.analysis.reminder"]
        groups = Reminder._read_group(
            self._get_reminder_domain(),
            ["level_id", "channel"],
            [
                "__count",
                "amount_reminded:sum",
                "amount_base_7:sum",
                "amount_paid_7:sum",
                "amount_base_30:sum",
                "amount_paid_30:sum",
            ],
        )
        medians = self._get_median_days_to_payment()
        channels = dict(Reminder._fields["channel"]._description_selection(self.env))
        rows = []
        for level, channel, count, reminded, base_7, paid_7, base_30, paid_30 in groups:
            rows.append(
                {
                    "ladder": level.ladder_id.display_name,
                    "level": level.display_name,
                    "days": level.days,
                    "sequence": level.ladder_id.sequence,
                    "channel": channels.get(channel, channel),
                    "count": count,
                    "reminded": reminded,
                    "paid_7": self._share(paid_7, base_7),
                    "paid_30": self._share(paid_30, base_30),
                    "median": medians.get((level.id, channel)),
                }
            )
        return sorted(
            rows,
            key=lambda row: (
                row["sequence"],
                row["ladder"],
                row["days"],
                row["channel"],
            ),
        )

    def _get_median_days_to_payment(self):
        """``{(level id, channel): median days}`` from the reminder to payment."""
        Reminder = self.env["account.relance.analysis.reminder"]
        query = Reminder._search(self._get_reminder_domain())
        query.order = None
        table = SQL.identifier(query.table)
        query.add_where(SQL("%s.days_to_payment IS NOT NULL", table))
        query.groupby = SQL(
            "%s, %s",
            SQL.identifier(query.table, "level_id"),
            SQL.identifier(query.table, "channel"),
        )
        rows = self.env.execute_query(
            query.select(
                SQL.identifier(query.table, "level_id"),
                SQL.identifier(query.table, "channel"),
                SQL(
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY %s.days_to_payment)",
                    table,
                ),
            )
        )
        return {(level_id, channel): median for level_id, channel, median in rows}

    # ------------------------------------------------------------------
    # TABLES
    # ------------------------------------------------------------------

    def _get_trend_rows(self):
        """The last 12 months up to the period end: DSO by both methods,
        lateness of the invoices settled in the month."""
        months = figures.months_back(self.date_to, TREND_MONTHS)
        by_month = self._get_receivables_by_month(self.date_to)
        sales_by_month = self._get_sales_by_month(
            figures.months_back(months[0][1], figures.COUNTBACK_MAX_MONTHS)[0][0],
            self.date_to,
        )
        lateness = {
            fields.Date.to_date(month): (count, days, late)
            for month, count, days, late in self.env[
                "account.relance.analysis.item"
            ]._read_group(
                self._get_domain()
                + [
                    ("move_type", "=", "out_invoice"),
                    ("settled_date", ">=", months[0][0]),
                    ("settled_date", "<=", self.date_to),
                ],
                ["settled_date:month"],
                ["__count", "paid_days_late:avg", "paid_late_rate:avg"],
            )
        }
        rows = []
        for first, last in months:
            receivables = self._get_receivables_at(by_month, last)
            sales = sales_by_month.get(first, 0.0)
            count, days, late = lateness.get(first, (0, None, None))
            rows.append(
                {
                    "month": first,
                    "receivables": receivables,
                    "sales": sales,
                    "dso": figures.accounting_dso(
                        receivables, sales, figures.days_between(first, last)
                    ),
                    "countback": self._get_countback(receivables, sales_by_month, last),
                    "count": count,
                    "days_late": days,
                    "late_share": late,
                }
            )
        return rows

    def _render_trend(self):
        rows = self._get_trend_rows()
        top = max([row["dso"] or 0.0 for row in rows] + [1.0])
        return self._render(
            "account_relance_fr.analysis_overview_trend",
            {"rows": rows, "top": top},
        )

    def _render_effectiveness(self):
        return self._render(
            "account_relance_fr.analysis_overview_effectiveness",
            {"rows": self._get_effectiveness_rows()},
        )

    def _render_ageing(self):
        """Ageing of the open items today: (HTML table, overdue amount)."""
        groups = dict(
            (bucket, (residual, moves))
            for bucket, residual, moves in self.env[
                "account.relance.analysis.item"
            ]._read_group(
                self._get_domain() + [("ageing_bucket", "!=", "settled")],
                ["ageing_bucket"],
                ["residual:sum", "move_id:count_distinct"],
            )
        )
        total = sum(residual for residual, _moves in groups.values())
        rows = [
            {
                "label": label,
                "amount": groups.get(code, (0.0, 0))[0],
                "count": groups.get(code, (0.0, 0))[1],
                "share": self._share(groups.get(code, (0.0, 0))[0], total),
            }
            for code, label in self._get_selection_labels(
                "account.relance.analysis.item", "ageing_bucket", AGEING_BUCKETS
            )
            if code != "settled"
        ]
        overdue = sum(
            groups.get(code, (0.0, 0))[0]
            for code in ("1_30", "31_60", "61_90", "over_90")
        )
        html = self._render(
            "account_relance_fr.analysis_overview_ageing",
            {"rows": rows, "total": total},
        )
        return html, overdue

    def _render_forecast(self):
        """Expected cash-in by week: (HTML table, total of the 8 weeks)."""
        today = fields.Date.context_today(self)
        monday = figures.week_start(today)
        groups = {
            bucket: (amount, count)
            for bucket, amount, count in self.env[
                "account.relance.analysis.forecast"
            ]._read_group(self._get_domain(), ["bucket"], ["amount:sum", "__count"])
        }
        labels = dict(
            self.env["account.relance.analysis.forecast"]
            ._fields["bucket"]
            ._description_selection(self.env)
        )
        weeks = [
            {
                "label": labels[f"week_{index}"],
                "monday": monday + timedelta(weeks=index - 1),
                "amount": groups.get(f"week_{index}", (0.0, 0))[0],
                "count": groups.get(f"week_{index}", (0.0, 0))[1],
            }
            for index in range(1, FORECAST_WEEKS + 1)
        ]
        others = [
            {
                "label": labels[code],
                "amount": groups.get(code, (0.0, 0))[0],
                "count": groups.get(code, (0.0, 0))[1],
            }
            for code in ("overdue", "later", "disputed")
        ]
        total = sum(week["amount"] for week in weeks)
        top = max([week["amount"] for week in weeks] + [1.0])
        html = self._render(
            "account_relance_fr.analysis_overview_forecast",
            {"weeks": weeks, "others": others, "total": total, "top": top},
        )
        return html, total

    def _render(self, template, values):
        return self.env["ir.qweb"]._render(
            template,
            dict(
                values,
                overview=self,
                currency=self.currency_id or self.env.company.currency_id,
            ),
        )

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def _get_analysis_action(self, xmlid, domain):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = self._with_filter_companies()._get_domain() + domain
        return action

    def action_open_items(self):
        """Ageing and lateness of the invoices, with the filters of the screen."""
        return self._get_analysis_action(
            "account_relance_fr.account_relance_analysis_item_action", []
        )

    def action_open_reminders(self):
        """The reminders of the period, with the filters of the screen."""
        return self._get_analysis_action(
            "account_relance_fr.account_relance_analysis_reminder_action",
            [("date", ">=", self.date_from), ("date", "<=", self.date_to)],
        )

    def action_open_forecast(self):
        """Expected cash-in of the open invoices, with the filters of the screen."""
        return self._get_analysis_action(
            "account_relance_fr.account_relance_analysis_forecast_action", []
        )

    def action_open_movements(self):
        """Credit sales and settlements up to the period end."""
        return self._get_analysis_action(
            "account_relance_fr.account_relance_analysis_movement_action",
            [("date", "<=", self.date_to)],
        )

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    @api.model
    def _share(self, part, whole):
        """``part`` as a percentage of ``whole``; 0 when ``whole`` is 0."""
        return 100.0 * part / whole if whole else 0.0

    def _format_amount(self, amount):
        currency = self.currency_id or self.env.company.currency_id
        return format_amount(self.env, amount, currency)

    def _get_selection_labels(self, model, fname, default):
        field = self.env[model]._fields[fname]
        return field._description_selection(self.env) or default
