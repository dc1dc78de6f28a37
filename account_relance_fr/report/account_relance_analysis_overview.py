from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount

from ..models.res_partner import PAYER_PROFILES
from ..tools import collection_figures as figures
from .account_relance_analysis_item import AGEING_BUCKETS

TREND_MONTHS = 12
FORECAST_WEEKS = 8


class AccountRelanceAnalysisOverview(models.TransientModel):
    """The collection figures on one screen, for the filters chosen.

    Every figure is a handful of grouped queries on the SQL views
    ``account.relance.analysis.*``: nothing is read invoice by invoice. Amounts
    are in the currency of the current company. DSO, lateness, promises kept
    or broken and reminders cover the period; ageing, running promises,
    disputes and the cash-in forecast are those of today.
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
    has_dso_previous = fields.Boolean(
        string="DSO of the Previous Period Known", compute="_compute_figures"
    )
    paid_count = fields.Integer(string="Invoices Settled", compute="_compute_figures")
    avg_days_late = fields.Float(string="Average Days Late", compute="_compute_figures")
    avg_days_late_previous = fields.Float(
        string="Average Days Late, Previous Period",
        compute="_compute_figures",
    )
    late_share = fields.Float(string="Paid Late (%)", compute="_compute_figures")
    on_time_share = fields.Float(string="Paid on Time (%)", compute="_compute_figures")
    has_previous_lateness = fields.Boolean(
        string="Invoices Settled in the Previous Period", compute="_compute_figures"
    )
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
    has_paid_7 = fields.Boolean(
        string="Reminders 7 Days Old",
        compute="_compute_figures",
        help="A reminder of the period was sent 7 days ago or more: the share "
        "paid within 7 days can be measured.",
    )
    has_paid_30 = fields.Boolean(
        string="Reminders 30 Days Old", compute="_compute_figures"
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
    plan_running_count = fields.Integer(
        string="Payment Plans Running",
        compute="_compute_figures",
        help="Accepted payment plans with an instalment left to pay, today.",
    )
    plan_amount = fields.Monetary(
        string="Amount Under Payment Plan",
        compute="_compute_figures",
        help="What is left to pay on the running plans, today.",
    )
    plan_completed_count = fields.Integer(
        string="Plans Completed", compute="_compute_figures"
    )
    plan_broken_count = fields.Integer(
        string="Plans Broken", compute="_compute_figures"
    )
    has_plan_ended = fields.Boolean(
        string="Plans Ended in the Period", compute="_compute_figures"
    )
    plan_kept_share = fields.Float(
        string="Plans Kept (%)",
        compute="_compute_figures",
        help="Of the plans that ended in the period, the share paid to the end "
        "(completed) rather than broken.",
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

    def _compute_display_name(self):
        for overview in self:
            overview.display_name = self.env._("Collection Figures")

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
        Data = screen.env["account.relance.analysis.data"]
        filters = screen._get_filters()
        today = fields.Date.context_today(self)
        values = dict(empty)
        figures_values, trend, open_items, open_forecast = (
            screen._get_dso_and_lateness()
        )
        values.update(figures_values)
        groups = Data._get_reminder_groups(filters, self.date_from, self.date_to)
        values.update(screen._get_reminder_figures(groups))
        values.update(screen._get_promise_figures())
        values.update(screen._get_dispute_figures(open_items, today))
        values["trend_html"] = screen._render_trend(trend)
        values["effectiveness_html"] = screen._render_effectiveness(groups)
        values["ageing_html"], values["overdue_amount"] = screen._render_ageing(
            open_items
        )
        forecast = dict(open_forecast)
        extra, plan_count, plan_amount = Data._get_forecast_extra(filters, today)
        for bucket, (amount, count) in extra.items():
            known_amount, known_count = forecast.get(bucket, (0.0, 0))
            forecast[bucket] = (known_amount + amount, known_count + count)
        values.update(screen._get_plan_figures(plan_count, plan_amount))
        values["forecast_html"], values["forecast_total"] = screen._render_forecast(
            forecast
        )
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

    def _get_filters(self):
        """The filters of the screen for ``account.relance.analysis.data``."""
        return {
            "user_id": self.user_id.id,
            "ladder_id": self.ladder_id.id,
            "payer_profile": self.payer_profile,
            "payer_rating": self.payer_rating,
        }

    def _get_domain(self):
        """Domain of the filters on the ``account.relance.analysis.*`` views."""
        return self.env["account.relance.analysis.data"]._domain(self._get_filters())

    def _get_periods(self):
        """``(days, previous start, previous end, trend months, window start)``:
        the previous period has the length of the period; the window covers it
        and the 12 months of the trend."""
        days = figures.days_between(self.date_from, self.date_to)
        previous_end = self.date_from - timedelta(days=1)
        previous_start = previous_end - timedelta(days=days - 1)
        months = figures.months_back(self.date_to, TREND_MONTHS)
        return (
            days,
            previous_start,
            previous_end,
            months,
            min(months[0][0], previous_start),
        )

    # ------------------------------------------------------------------
    # FIGURES
    # ------------------------------------------------------------------

    def _get_dso_and_lateness(self):
        """DSO (both methods), lateness and the trend rows, from one receivable
        series and one settlement count over the window."""
        Data = self.env["account.relance.analysis.data"]
        filters = self._get_filters()
        days, previous_start, previous_end, months, start = self._get_periods()
        today = fields.Date.context_today(self)
        data = Data._get_receivable_figures(filters, start, self.date_to, today)
        series = figures.ReceivableSeries(
            data["open_before"] + data["settled_before"],
            data["sales_by_day"],
            data["settled_by_day"],
        )
        settled = data["lateness_by_day"]
        monthly = self._get_monthly_sales(series, start, data["sales_by_month"])
        receivables = series.at(self.date_to)
        sales = series.sales(self.date_from, self.date_to)
        dso = figures.accounting_dso(receivables, sales, days)
        previous = figures.accounting_dso(
            series.at(previous_end), series.sales(previous_start, previous_end), days
        )
        count, days_late, late_share = figures.lateness(
            settled, self.date_from, self.date_to
        )
        previous_count, previous_days_late, _late = figures.lateness(
            settled, previous_start, previous_end
        )
        values = {
            "period_days": days,
            "receivables": receivables,
            "credit_sales": sales,
            "has_dso": dso is not None,
            "dso": dso or 0.0,
            "dso_countback": self._get_countback(receivables, monthly, self.date_to)
            or 0.0,
            "dso_previous": previous or 0.0,
            "has_dso_previous": previous is not None,
            "dso_formula": self.env._(
                "DSO = receivables at period end ÷ credit sales of the period × "
                "days of the period = %(receivables)s ÷ %(sales)s × %(days)s",
                receivables=self._format_amount(receivables),
                sales=self._format_amount(sales),
                days=days,
            ),
            "paid_count": count,
            "avg_days_late": days_late or 0.0,
            "avg_days_late_previous": previous_days_late or 0.0,
            "has_previous_lateness": bool(previous_count),
            "late_share": late_share or 0.0,
            "on_time_share": 100.0 - late_share if count else 0.0,
        }
        trend = [
            self._get_trend_row(series, monthly, settled, first, last)
            for first, last in months
        ]
        return values, trend, data["open_items"], data["forecast"]

    def _get_monthly_sales(self, series, start, earlier):
        """Sales per month for the countback: the months of the window from
        the series, the months before it from ``earlier``."""
        monthly = dict(earlier)
        day = figures.month_start(start)
        while day <= self.date_to:
            monthly[day] = monthly.get(day, 0.0) + series.sales(
                max(day, start), figures.month_end(day)
            )
            day = figures.month_end(day) + timedelta(days=1)
        return monthly

    def _get_countback(self, receivables, monthly, end):
        """Countback DSO at ``end`` from the monthly sales (latest first)."""
        months = figures.months_back(end, figures.COUNTBACK_MAX_MONTHS)[::-1]
        return figures.countback_dso(
            receivables,
            [
                (figures.days_between(first, last), monthly.get(first, 0.0))
                for first, last in months
            ],
        )

    def _get_trend_row(self, series, monthly, settled, first, last):
        receivables = series.at(last)
        sales = series.sales(first, last)
        count, days_late, late_share = figures.lateness(settled, first, last)
        # a month without receivables nor sales has no DSO by either method
        idle = not receivables and not sales
        return {
            "month": first,
            "receivables": receivables,
            "sales": sales,
            "dso": figures.accounting_dso(
                receivables, sales, figures.days_between(first, last)
            ),
            "countback": None
            if idle
            else self._get_countback(receivables, monthly, last),
            "count": count,
            "days_late": days_late,
            "late_share": late_share,
        }

    def _get_reminder_figures(self, groups):
        """Totals of the reminders of the period and of their formal notices."""
        notices = [group for group in groups if group["formal_notice"]]
        return {
            "reminder_count": sum(group["count"] for group in groups),
            "has_paid_7": any(group["base_7"] for group in groups),
            "has_paid_30": any(group["base_30"] for group in groups),
            "paid_7_share": self._share(
                sum(group["paid_7"] for group in groups),
                sum(group["base_7"] for group in groups),
            ),
            "paid_30_share": self._share(
                sum(group["paid_30"] for group in groups),
                sum(group["base_30"] for group in groups),
            ),
            "formal_notice_count": sum(group["letters"] for group in notices),
            "formal_notice_amount": sum(group["reminded"] for group in notices),
            "formal_notice_recovered": sum(group["recovered"] for group in notices),
        }

    def _get_promise_figures(self):
        promises = self.env["account.relance.analysis.data"]._get_promises(
            self._get_filters(), self.date_from, self.date_to
        )
        return {
            "promise_kept_count": promises.get("kept", 0),
            "promise_broken_count": promises.get("broken", 0),
            "promise_pending_count": promises.get("pending", 0),
        }

    def _get_plan_figures(self, running, amount):
        """Payment plans: running today, left to pay on them, and the share of
        the plans ended in the period that were kept to the end.

        :param running: number of running plans with something left to pay
        :param amount: left to pay on them (company currency)
        """
        ended = self.env["account.relance.analysis.data"]._get_ended_plans(
            self._get_filters(), self.date_from, self.date_to
        )
        completed, broken = ended.get("completed", 0), ended.get("broken", 0)
        return {
            "plan_running_count": running,
            "plan_amount": amount,
            "plan_completed_count": completed,
            "plan_broken_count": broken,
            "has_plan_ended": bool(completed + broken),
            "plan_kept_share": self._share(completed, completed + broken),
        }

    def _get_dispute_figures(self, open_items, today):
        """Open disputes today: number, amount, average age in days."""
        disputed = [row for row in open_items if row[1]]
        count = sum(row[4] for row in disputed)
        age = sum((today - (row[2] or today)).days * row[4] for row in disputed)
        return {
            "dispute_count": count,
            "dispute_amount": sum(row[3] for row in disputed),
            "dispute_avg_age": age / count if count else 0.0,
        }

    def _get_effectiveness_rows(self, groups):
        """Reminders of the period per level and channel, ordered by ladder and
        level day."""
        channels = dict(
            self.env["account.relance.analysis.reminder"]
            ._fields["channel"]
            ._description_selection(self.env)
        )
        rows = [
            {
                "ladder": group["level"].ladder_id.display_name,
                "level": group["level"].display_name,
                "days": group["level"].days,
                "sequence": group["level"].ladder_id.sequence,
                "channel": channels.get(group["channel"], group["channel"]),
                "count": group["count"],
                "reminded": group["reminded"],
                "paid_7": self._share(group["paid_7"], group["base_7"])
                if group["base_7"]
                else None,
                "paid_30": self._share(group["paid_30"], group["base_30"])
                if group["base_30"]
                else None,
                "median": group["median"],
            }
            for group in groups
        ]
        return sorted(
            rows,
            key=lambda row: (
                row["sequence"],
                row["ladder"],
                row["days"],
                row["channel"],
            ),
        )

    # ------------------------------------------------------------------
    # TABLES
    # ------------------------------------------------------------------

    def _render_trend(self, rows):
        top = max([row["dso"] or 0.0 for row in rows] + [1.0])
        return self._render(
            "account_relance_fr.analysis_overview_trend",
            {"rows": rows, "top": top},
        )

    def _render_effectiveness(self, groups):
        return self._render(
            "account_relance_fr.analysis_overview_effectiveness",
            {"rows": self._get_effectiveness_rows(groups)},
        )

    def _render_ageing(self, open_items):
        """Ageing of the open items today: (HTML table, overdue amount).

        :param open_items: ``open_items`` of
            ``account.relance.analysis.data._get_receivable_figures``
        """
        groups = {}
        for bucket, _disputed, _date, residual, moves in open_items:
            amount, count = groups.get(bucket, (0.0, 0))
            groups[bucket] = (amount + residual, count + moves)
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

    def _render_forecast(self, groups):
        """Expected cash-in by week: (HTML table, total of the 8 weeks).

        :param groups: ``{bucket: (amount, count)}`` of the forecast
        """
        today = fields.Date.context_today(self)
        monday = figures.week_start(today)
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

    @api.model
    def action_open_overview(self):
        """Open the screen on a new record with the default filters (the menu).

        :return: the window action of the screen, on that record
        """
        overview = self.create({})
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.account_relance_analysis_overview_action"
        )
        action["res_id"] = overview.id
        return action

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
