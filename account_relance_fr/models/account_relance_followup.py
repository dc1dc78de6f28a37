import json
from collections import defaultdict

import psycopg2
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, drop_view_if_exists, format_date, plaintext2html

from ..report.report_relance_statement import AGEING_BUCKETS
from ..tools.followup_marks import MARK_TABLE, install_marks
from ..tools.late_penalty import half_year_label, round_amount

# the columns of a row computed in SQL (``_get_rows_query``)
_ROW_COLUMNS = (
    "partner_id",
    "company_id",
    "currency_id",
    "user_id",
    "ladder_id",
    "excluded",
    "postponed_until",
    "amount_due",
    "amount_overdue",
    "oldest_days_late",
    "invoice_count",
    "level_id",
    "last_reminder_date",
    "to_confirm_count",
    "failed_count",
    "disputed",
    "promised",
    "broken_promise",
    "followup_state",
    "priority",
    "action_due",
    "under_plan",
    "plan_state",
    "plan_id",
    "plan_next_date",
    "plan_next_amount",
    "plan_currency_id",
)


def _read_write(method):
    """Run ``method`` in a read/write transaction when the web client calls
    it: Odoo runs the methods decorated ``api.readonly`` in a read-only one,
    and reading the follow-up rows may store rows computed again."""
    method._readonly = False
    return method


class AccountRelanceFollowup(models.Model):
    """Follow-up screen: one read-only row per customer and company with open
    receivable instalments of posted customer invoices.

    The rows are stored, so the screen filters, sorts, groups and counts them
    in a few milliseconds whatever the number of invoices. They are never
    stale: PostgreSQL triggers mark the customers whose data changed
    (``tools/followup_marks.py``), and every read (``_search``) first
    computes again, set-based, the marked rows, and all the rows of a company
    whose day (its time zone, ``res.company._get_relance_today``) or first
    sending day changed since they were computed (days late, overdue amounts,
    priority and next actions depend on the date).
    """

    _name = "account.relance.followup"
    _description = "Customer Reminder Follow-up"
    _log_access = False
    _order = "priority desc, amount_overdue desc, id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", readonly=True, ondelete="cascade")
    currency_id = fields.Many2one("res.currency", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        help="The customer's salesperson.",
    )
    amount_due = fields.Monetary(
        string="Amount Due (Company Currency)",
        readonly=True,
        help="Everything left to pay on the open invoices, in the company's "
        "currency, before the customer's unapplied credits.",
    )
    amount_overdue = fields.Monetary(
        string="Overdue (Company Currency)",
        readonly=True,
        help="What is past its due date, in the company's currency, before the "
        "customer's unapplied credits.",
    )
    # the engine's amounts (account.relance.balance), so the screen states what
    # the reminders claim
    amount_credit = fields.Monetary(
        string="Unapplied Credits (Company Currency)",
        compute="_compute_claimed",
        help="Open credit notes, payments not matched to an invoice and bank "
        "transfers of the customer not reconciled, netted from what is claimed.",
    )
    amount_claimed = fields.Monetary(
        string="Net Claimed (Company Currency)",
        compute="_compute_claimed",
        help="The overdue invoices a reminder may claim, less the unapplied "
        "credits, in the company's currency.",
    )
    claimed_text = fields.Char(
        string="Net Claimed",
        compute="_compute_claimed",
        help="What the reminders claim, per currency, net of the unapplied "
        "credits of the same currency.",
    )
    credit_text = fields.Char(
        string="Unapplied Credits",
        compute="_compute_claimed",
        help="The customer's unapplied credits, per currency.",
    )
    oldest_days_late = fields.Integer(
        readonly=True,
        aggregator="max",
        help="Days since the due date of the oldest unpaid instalment.",
    )
    invoice_count = fields.Integer(string="Open Invoices", readonly=True)
    level_id = fields.Many2one(
        "account.relance.level",
        string="Reminder Level",
        readonly=True,
        help="The most advanced reminder level sent for the open invoices.",
    )
    ladder_id = fields.Many2one(
        "account.relance.ladder",
        string="Ladder",
        readonly=True,
        help="The ladder that applies to the customer in the company.",
    )
    last_reminder_date = fields.Date(string="Last Reminder", readonly=True)
    to_confirm_count = fields.Integer(
        string="To Confirm",
        readonly=True,
        help="Reminders of open invoices waiting for approval.",
    )
    failed_count = fields.Integer(
        string="Failed",
        readonly=True,
        help="Reminders of open invoices that could not be sent.",
    )
    disputed = fields.Boolean(readonly=True, help="An open invoice is disputed.")
    promised = fields.Boolean(
        readonly=True,
        help="The customer promised to pay an open invoice by a date to come.",
    )
    broken_promise = fields.Boolean(
        readonly=True, help="A promise to pay an open invoice was not kept."
    )
    excluded = fields.Boolean(readonly=True, help="The customer gets no reminder.")
    postponed_until = fields.Date(readonly=True)
    action_due = fields.Boolean(
        string="To Do Today",
        readonly=True,
        help="Something is to be done today: reminders wait for approval or "
        "failed, or the ladder plans a reminder today (as the daily job does).",
    )
    followup_state = fields.Selection(
        [
            ("failed", "Failed"),
            ("to_confirm", "To Confirm"),
            ("disputed", "Disputed"),
            ("promised", "Promised"),
            ("broken_promise", "Broken Promise"),
            ("excluded", "Excluded"),
            ("ok", "Following"),
        ],
        string="Status",
        readonly=True,
        help="What needs attention first: a failed reminder, then one waiting "
        "for approval, a dispute, a promise, an exclusion.",
    )
    priority = fields.Integer(
        readonly=True,
        aggregator=None,
        help="Overdue amount weighted by the delay: overdue amount × (1 + days "
        "late of the oldest instalment / 30), rounded. 1 000 overdue for 30 days "
        "scores 2 000, for 90 days 4 000.",
    )
    priority_rank = fields.Integer(
        string="Rank",
        readonly=True,
        aggregator=None,
        help="1 = the most urgent customer of the company. Customers are ranked "
        "by overdue amount × (1 + days late of the oldest instalment / 30): "
        "1 000 € overdue for 30 days weigh as much as 2 000 € just due.",
    )
    next_action = fields.Char(
        compute="_compute_next_action",
        help="What comes next for the customer: approve or fix a reminder, or "
        "the reminder level the ladder plans.",
    )
    next_action_date = fields.Date(
        string="Next Action On",
        compute="_compute_next_action",
        help="Date of the customer's next action: today when something is to "
        "do today, else the next reminder the ladder plans.",
    )
    invoice_summary = fields.Html(
        string="Open Invoices Summary",
        compute="_compute_invoice_summary",
        sanitize=False,
        help="The customer's open invoices, read only, for the salespeople who "
        "have no access to the invoicing.",
    )
    move_ids = fields.Many2many(
        "account.move", string="Open Invoices List", compute="_compute_move_ids"
    )
    history_ids = fields.Many2many(
        "account.relance.history",
        string="Reminder History",
        compute="_compute_history_ids",
    )

    # what the row was computed for, and the next action it stores
    day = fields.Date(
        string="Computed On",
        readonly=True,
        help="The company's day the row was computed for.",
    )
    forecast_start = fields.Date(
        string="First Sending Day",
        readonly=True,
        help="The first day the daily job could still send when the row was "
        "computed.",
    )
    next_date = fields.Date(
        string="Next Planned Reminder",
        readonly=True,
        help="The next reminder the ladder plans; empty when none.",
    )
    planned_levels = fields.Json(
        readonly=True,
        help="Ids of the reminder levels the ladder plans today.",
    )

    _sql_constraints = [
        (
            "partner_company_uniq",
            "UNIQUE(partner_id, company_id)",
            "One follow-up row per customer and company.",
        )
    ]

    # ------------------------------------------------------------------
    # STORED ROWS
    # ------------------------------------------------------------------

    def _auto_init(self):
        # the rows were an SQL view before they were stored
        self.env.cr.execute(
            SQL("SELECT relkind FROM pg_class WHERE relname = %s", self._table)
        )
        row = self.env.cr.fetchone()
        if row and row[0] == "v":
            drop_view_if_exists(self.env.cr, self._table)
        return super()._auto_init()

    def init(self):
        """Install the triggers marking the rows to compute again, and mark
        every row (install, upgrade): the next read computes them all. The
        triggers go once every model's table exists (some are this add-on's).

        An index of the posted customer invoices by customer lets the rows of
        a few customers be computed without reading every invoice."""
        self.pool.post_init(install_marks, self.env.cr)
        self.env.cr.execute(
            SQL(
                """
                CREATE INDEX IF NOT EXISTS account_move_relance_followup_index
                    ON account_move (commercial_partner_id, company_id)
                 WHERE state = 'posted' AND move_type = 'out_invoice'
                """
            )
        )

    # the web client's read methods: read/write (see ``_read_write``)

    @api.model
    @_read_write
    def search_count(self, *args, **kwargs):
        """``search_count``, in a read/write transaction."""
        return super().search_count(*args, **kwargs)

    @api.model
    @_read_write
    def search(self, *args, **kwargs):
        """``search``, in a read/write transaction."""
        return super().search(*args, **kwargs)

    @api.model
    @_read_write
    def search_fetch(self, *args, **kwargs):
        """``search_fetch``, in a read/write transaction."""
        return super().search_fetch(*args, **kwargs)

    @api.model
    @_read_write
    def name_search(self, *args, **kwargs):
        """``name_search``, in a read/write transaction."""
        return super().name_search(*args, **kwargs)

    @api.model
    @_read_write
    def read_group(self, *args, **kwargs):
        """``read_group``, in a read/write transaction."""
        return super().read_group(*args, **kwargs)

    @_read_write
    def read(self, *args, **kwargs):
        """``read``, in a read/write transaction."""
        return super().read(*args, **kwargs)

    @api.model
    @_read_write
    def search_read(self, *args, **kwargs):
        """``search_read``, in a read/write transaction."""
        return super().search_read(*args, **kwargs)

    @api.model
    @_read_write
    def web_search_read(self, *args, **kwargs):
        """``web_search_read``, in a read/write transaction."""
        return super().web_search_read(*args, **kwargs)

    @_read_write
    def web_read(self, *args, **kwargs):
        """``web_read``, in a read/write transaction."""
        return super().web_read(*args, **kwargs)

    @api.model
    @_read_write
    def web_read_group(self, *args, **kwargs):
        """``web_read_group``, in a read/write transaction."""
        return super().web_read_group(*args, **kwargs)

    @api.model
    @_read_write
    def read_progress_bar(self, *args, **kwargs):
        """``read_progress_bar``, in a read/write transaction."""
        return super().read_progress_bar(*args, **kwargs)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        # every search, count, group and read of stored fields goes through
        # here: the rows it reads are the data's as of now
        self._refresh_stale_rows()
        return super()._search(domain, offset=offset, limit=limit, order=order)

    @api.model
    def _refresh_stale_rows(self):
        """Compute again the rows the data changed since they were stored:
        the customers marked by the triggers, every row of a company whose day
        changed, and the next actions a new first sending day makes stale (the
        sending window closed for the day). A few queries when nothing
        changed; set-based otherwise (one query for the rows of a company,
        one for their next actions, one for the ranks).

        Runs as superuser, whoever reads: the rows are the same for everyone
        (record rules filter them on read).
        """
        if self.env.context.get("relance_followup_refreshing"):
            return
        followup = self.sudo().with_context(relance_followup_refreshing=True)
        followup.env.flush_all()
        companies = followup.env["res.company"].search([])
        run = followup.env["account.relance.run"]
        states = {
            company.id: (
                company._get_relance_today(),
                run._get_forecast_start(company) or None,
            )
            for company in companies
        }
        marks = followup.env.execute_query(
            SQL(
                "SELECT id, partner_id, company_id FROM %s",
                SQL.identifier(MARK_TABLE),
            )
        )
        full, restarted, partial = followup._get_stale_scopes(marks, states)
        if (full or restarted or marks) and followup.env.cr.readonly:
            # another route read the rows in a read-only transaction: Odoo
            # runs the request again with a read/write one
            raise psycopg2.errors.ReadOnlySqlTransaction(
                "The follow-up rows are to compute again"
            )
        refreshed = []
        for company in companies:
            if company.id in full:
                partner_ids = None
            else:
                if company.id in restarted:
                    followup._restart_next_actions(company, states[company.id][1])
                    refreshed.append(company.id)
                if not partial.get(company.id):
                    continue
                partner_ids = sorted(partial[company.id])
            followup._refresh_company(company, partner_ids, *states[company.id])
            refreshed.append(company.id)
        if marks:
            followup.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE id = ANY(%s)",
                    SQL.identifier(MARK_TABLE),
                    [mark_id for mark_id, _partner, _company in marks],
                )
            )
        if refreshed:
            followup._rank(sorted(set(refreshed)))
            self.invalidate_model()

    @api.model
    def _restart_next_actions(self, company, start):
        """The first sending day of ``company`` moved to ``start`` (its
        sending window closed for the day): compute again the next actions
        the move makes stale (a level planned for the old day, a reminder
        planned before the new one), as ``account.relance.next.action.
        _is_valid`` tells; the other rows only take the new day.

        :param start: the new first sending day, or None (the window never
            opens)
        """
        partner_ids = [
            partner_id
            for partner_id, stale in self.env.execute_query(
                SQL(
                    """
                    UPDATE account_relance_followup followup
                       SET forecast_start = %(start)s
                     WHERE company_id = %(company)s
                       AND forecast_start IS DISTINCT FROM %(start)s
                 RETURNING partner_id,
                           %(start)s::date IS NULL
                           OR COALESCE(jsonb_array_length(planned_levels), 0) > 0
                           OR next_date <= %(start)s::date
                    """,
                    start=start,
                    company=company.id,
                )
            )
            if stale
        ]
        if partner_ids:
            self._store_next_actions(company, partner_ids)

    @api.model
    def _get_stale_scopes(self, marks, states):
        """What to compute again.

        :param marks: [(mark id, customer id or None, company id or None)]
        :param states: {company id: (its day, its first sending day or None)}
        :return: (company ids whose rows are all to compute again (the day
            changed, or a company's settings), company ids whose first
            sending day only changed, {company id: customer ids to compute
            again})
        """
        stale = self.env.execute_query(
            SQL(
                """
                SELECT followup.company_id,
                       BOOL_OR(followup.day IS DISTINCT FROM state.day)
                  FROM account_relance_followup followup
             LEFT JOIN (VALUES %s) AS state(company_id, day, start)
                    ON state.company_id = followup.company_id
                 WHERE followup.day IS DISTINCT FROM state.day
                    OR followup.forecast_start IS DISTINCT FROM state.start
              GROUP BY followup.company_id
                """,
                SQL(", ").join(
                    SQL("(%s, %s::date, %s::date)", company_id, day, start)
                    for company_id, (day, start) in states.items()
                ),
            )
        )
        full = {company_id for company_id, new_day in stale if new_day}
        restarted = {company_id for company_id, new_day in stale if not new_day}
        partial = defaultdict(set)
        anywhere = set()
        for _mark_id, partner_id, company_id in marks:
            if partner_id is None and company_id is None:
                full |= set(states)
            elif partner_id is None:
                full.add(company_id)
            elif company_id is None:
                anywhere.add(partner_id)
            else:
                partial[company_id].add(partner_id)
        if anywhere:
            for company_id in states:
                partial[company_id] |= anywhere
        return full, restarted - full, partial

    @api.model
    def _refresh_company(self, company, partner_ids, day, start):
        """Store the rows of ``company`` (of ``partner_ids`` only, unless
        None) as the data states them on ``day``: insert, update, delete,
        then their next actions (``account.relance.next.action``).

        :param day: the company's day (``datetime.date``)
        :param start: its first sending day, or None
        """
        rows = self._get_rows_query(company, day, partner_ids)
        scope = SQL("followup.company_id = %s", company.id)
        if partner_ids is not None:
            scope = SQL("%s AND followup.partner_id = ANY(%s)", scope, partner_ids)
        columns = SQL(", ").join(SQL.identifier(name) for name in _ROW_COLUMNS)
        self.env.cr.execute(
            SQL(
                """
                WITH fresh AS (%(rows)s),
                stored AS (
                    INSERT INTO account_relance_followup
                           (%(columns)s, day, forecast_start, priority_rank)
                    SELECT %(columns)s, %(day)s, %(start)s, 0 FROM fresh
                    ON CONFLICT (partner_id, company_id) DO UPDATE
                       SET %(updates)s, day = EXCLUDED.day,
                           forecast_start = EXCLUDED.forecast_start
                )
                DELETE FROM account_relance_followup followup
                 WHERE %(scope)s
                   AND NOT EXISTS (SELECT 1 FROM fresh
                                    WHERE fresh.partner_id = followup.partner_id)
                """,
                rows=rows,
                columns=columns,
                day=day,
                start=start,
                updates=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", SQL.identifier(name), SQL.identifier(name))
                    for name in _ROW_COLUMNS
                ),
                scope=scope,
            )
        )
        partner_ids = [
            partner_id
            for (partner_id,) in self.env.execute_query(
                SQL(
                    "SELECT partner_id FROM account_relance_followup followup "
                    "WHERE %s",
                    scope,
                )
            )
        ]
        if partner_ids:
            self._store_next_actions(company, partner_ids)

    @api.model
    def _store_next_actions(self, company, partner_ids):
        """Store the next action of these rows of ``company``: the day of the
        next reminder, the levels planned today, "to do today" (a failed
        reminder, one waiting for approval, or a level planned today).

        :param partner_ids: customer ids of rows of ``company``
        """
        actions = self.env["account.relance.next.action"]._get_next_actions(
            company, self.env["res.partner"].browse(partner_ids)
        )
        values = SQL(", ").join(
            SQL(
                "(%s, %s::date, %s::jsonb)",
                partner_id,
                next_date or None,
                json.dumps(sorted(levels.ids)),
            )
            for partner_id, (next_date, levels) in actions.items()
        )
        if not actions:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_relance_followup followup
                   SET next_date = action.next_date,
                       planned_levels = action.levels,
                       action_due = followup.failed_count > 0
                                    OR followup.to_confirm_count > 0
                                    OR jsonb_array_length(action.levels) > 0
                  FROM (VALUES %s) AS action(partner_id, next_date, levels)
                 WHERE followup.company_id = %s
                   AND followup.partner_id = action.partner_id
                """,
                values,
                company.id,
            )
        )

    @api.model
    def _rank(self, company_ids):
        """Rank the rows of these companies by priority (1 = the most
        urgent); only the ranks that changed are written."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_relance_followup followup
                   SET priority_rank = ranked.rank
                  FROM (SELECT id,
                               RANK() OVER (PARTITION BY company_id
                                            ORDER BY priority DESC) AS rank
                          FROM account_relance_followup
                         WHERE company_id = ANY(%s)) AS ranked
                 WHERE ranked.id = followup.id
                   AND followup.priority_rank IS DISTINCT FROM ranked.rank
                """,
                company_ids,
            )
        )

    # ------------------------------------------------------------------
    # SQL OF THE ROWS
    # ------------------------------------------------------------------

    @api.model
    def _get_rows_query(self, company, day, partner_ids=None):
        """SQL of the rows of ``company`` on ``day`` (of ``partner_ids``
        only, unless None), with the columns ``_ROW_COLUMNS``."""
        where = SQL("%s AND aml.company_id = %s", self._where(), company.id)
        if partner_ids is not None:
            where = SQL(
                "%s AND move.commercial_partner_id = ANY(%s)", where, partner_ids
            )
        return self._add_plan_columns(
            SQL(
                "%s %s %s %s",
                self._select(),
                self._from(
                    SQL("(VALUES (%s, %s::date))", company.id, day), partner_ids
                ),
                where,
                self._group_by(),
            ),
            company,
        )

    def _get_today(self):
        """SQL expression of the date today of the row's company."""
        return SQL("relance_today.day")

    @api.model
    def _select(self):
        today = self._get_today()
        overdue = SQL(
            "COALESCE(SUM(aml.amount_residual) FILTER "
            "(WHERE aml.date_maturity < %(today)s), 0)",
            today=today,
        )
        days_late = SQL(
            "COALESCE(MAX(%(today)s - aml.date_maturity) FILTER "
            "(WHERE aml.date_maturity < %(today)s), 0)",
            today=today,
        )
        to_confirm = SQL("COALESCE(SUM(hist.to_confirm_count), 0)")
        failed = SQL("COALESCE(SUM(hist.failed_count), 0)")
        last_sent = SQL("MAX(sent.last_date)")
        return SQL(
            """
            SELECT
                move.commercial_partner_id AS partner_id,
                aml.company_id AS company_id,
                company.currency_id AS currency_id,
                partner.user_id AS user_id,
                %(ladder)s AS ladder_id,
                COALESCE(partner.relance_excluded, FALSE) AS excluded,
                partner.relance_postponed_until AS postponed_until,
                SUM(aml.amount_residual) AS amount_due,
                %(overdue)s AS amount_overdue,
                %(days_late)s AS oldest_days_late,
                COUNT(DISTINCT aml.move_id) AS invoice_count,
                (ARRAY_AGG(move.relance_level_id ORDER BY level.days DESC)
                    FILTER (WHERE move.relance_level_id IS NOT NULL))[1] AS level_id,
                %(last_sent)s AS last_reminder_date,
                %(to_confirm)s AS to_confirm_count,
                %(failed)s AS failed_count,
                COALESCE(BOOL_OR(move.relance_dispute), FALSE) AS disputed,
                COALESCE(BOOL_OR(move.relance_promise_date >= %(today)s), FALSE)
                    AS promised,
                COALESCE(BOOL_OR(move.relance_promise_broken), FALSE)
                    AS broken_promise,
                CASE
                    WHEN %(failed)s > 0 THEN 'failed'
                    WHEN %(to_confirm)s > 0 THEN 'to_confirm'
                    WHEN COALESCE(partner.relance_excluded, FALSE) THEN 'excluded'
                    WHEN COALESCE(BOOL_OR(move.relance_promise_broken), FALSE)
                        THEN 'broken_promise'
                    WHEN COALESCE(BOOL_OR(move.relance_dispute), FALSE)
                        THEN 'disputed'
                    WHEN COALESCE(BOOL_OR(move.relance_promise_date >= %(today)s),
                                  FALSE)
                        THEN 'promised'
                    ELSE 'ok'
                END AS followup_state,
                ROUND(%(overdue)s * (1 + %(days_late)s / 30.0))::integer AS priority,
                %(failed)s > 0 OR %(to_confirm)s > 0 AS action_due
            """,
            today=today,
            overdue=overdue,
            days_late=days_late,
            to_confirm=to_confirm,
            failed=failed,
            last_sent=last_sent,
            # once per row (customer and company), not per invoice line
            ladder=self.env["account.relance.ladder"]._get_partner_ladder_sql(
                SQL.identifier("partner"), SQL("aml.company_id")
            ),
        )

    @api.model
    def _from(self, today_table, partner_ids=None):
        """:param today_table: SQL of ``(VALUES (company id, its day), ...)``
        :param partner_ids: when not None, the histories of these customers
            only are read (the rows of these customers are computed)"""
        histories = (
            SQL("AND partner_id = ANY(%s)", partner_ids)
            if partner_ids is not None
            else SQL()
        )
        return SQL(
            """
            FROM account_move_line aml
            JOIN account_move move ON move.id = aml.move_id
            JOIN account_account account ON account.id = aml.account_id
            JOIN res_partner partner ON partner.id = move.commercial_partner_id
            JOIN res_company company ON company.id = aml.company_id
            JOIN %(today_table)s AS relance_today(company_id, day)
                 ON relance_today.company_id = aml.company_id
            LEFT JOIN account_relance_level level ON level.id = move.relance_level_id
            LEFT JOIN (
                SELECT move_line_id,
                       COUNT(*) FILTER (WHERE state = 'to_confirm') AS to_confirm_count,
                       COUNT(*) FILTER (WHERE state = 'failed') AS failed_count
                  FROM account_relance_history
                 WHERE state IN ('to_confirm', 'failed') %(histories)s
              GROUP BY move_line_id
            ) hist ON hist.move_line_id = aml.id
            LEFT JOIN (
                SELECT partner_id, company_id, MAX(date) AS last_date
                  FROM account_relance_history
                 WHERE state = 'sent' %(histories)s
              GROUP BY partner_id, company_id
            ) sent ON sent.partner_id = move.commercial_partner_id
                  AND sent.company_id = aml.company_id
            """,
            today_table=today_table,
            histories=histories,
        )

    @api.model
    def _where(self):
        return SQL(
            """
            WHERE move.state = 'posted'
              AND move.move_type = 'out_invoice'
              AND move.payment_state IN ('not_paid', 'partial')
              AND account.account_type = 'asset_receivable'
              AND NOT aml.reconciled
              AND aml.amount_residual > 0
            """
        )

    @api.model
    def _group_by(self):
        return SQL(
            """
            GROUP BY move.commercial_partner_id,
                     aml.company_id,
                     company.currency_id,
                     partner.user_id,
                     partner.id,
                     partner.relance_excluded,
                     partner.relance_postponed_until,
                     relance_today.day
            """
        )

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends("partner_id", "company_id")
    def _compute_display_name(self):
        for followup in self:
            followup.display_name = followup.partner_id.display_name

    @api.depends(
        "failed_count", "to_confirm_count", "planned_levels", "next_date", "day"
    )
    def _compute_next_action(self):
        """Today's action (fix, approve, or the levels the ladder plans today,
        as the daily job would send them), else the day of the next planned
        reminder: from the row's stored next action (``_store_next_actions``),
        no query but the levels' names."""
        level_ids = {
            level_id for followup in self for level_id in followup.planned_levels or ()
        }
        levels = self.env["account.relance.level"].browse(level_ids)
        for followup in self:
            planned = levels.filtered(
                lambda level, ids=followup.planned_levels or (): level.id in ids
            )
            if followup.failed_count:
                action = self.env._("Fix the failed reminder")
            elif followup.to_confirm_count:
                action = self.env._("Approve the reminder")
            elif planned:
                action = ", ".join(planned.sorted("days").mapped("name"))
            else:
                action = False
            if action:
                followup.next_action = action
                followup.next_action_date = followup.day
                continue
            followup.next_action = followup.next_date and self.env._("Next reminder")
            followup.next_action_date = followup.next_date

    @api.model
    def _get_planned_levels(self, company, partners=None):
        """Levels the ladders plan today in ``company``, as the daily job's
        plan (``account.relance.run._plan``) reads them, when its sending
        window still opens today.

        :param partners: restrict to these commercial partners (all when None)
        :return: {partner id: account.relance.level records}
        """
        run = self.env["account.relance.run"].sudo().with_company(company)
        today = company._get_relance_today()
        planned = defaultdict(lambda: self.env["account.relance.level"])
        if run._get_forecast_start(company) != today:
            # the sending window does not open again today (weekend, holiday,
            # evening): the job sends on its next open day, not today
            return planned
        for _company, partner, items in run._plan(company, today, partners=partners):
            for _line, level in items:
                planned[partner.id] |= level.sudo(False)
        return planned

    def _compute_claimed(self):
        """Net amount claimed and credits, from the engine's balance: one
        computation per company for all the rows.

        Read as superuser: a salesperson sees the row's amounts without any
        access to the accounting."""
        balance_model = self.env["account.relance.balance"].sudo()
        for company, followups in self.grouped("company_id").items():
            balances = balance_model.with_company(company)._get_balances(
                followups.partner_id
            )
            for followup in followups:
                balance = balances.get((company.id, followup.partner_id.id))
                currencies = balance.currencies if balance else []
                followup.amount_credit = sum(item.credit_company for item in currencies)
                followup.amount_claimed = balance.net_company if balance else 0.0
                followup.claimed_text = balance_model._format_totals(
                    [(item.net, item.currency) for item in currencies]
                )
                followup.credit_text = balance_model._format_totals(
                    [(item.credit, item.currency) for item in currencies if item.credit]
                )

    def _compute_invoice_summary(self):
        """A read-only table of the row's open invoices (number, due date,
        days late, amount left, dispute or promise), read as superuser: the
        salesperson sees the row's customer only (record rule), not the
        invoicing."""
        today_by_company = {}
        moves = (
            self.env["account.move"]
            .sudo()
            .search(self._get_open_moves_domain(), order="invoice_date_due, name")
        )
        by_key = defaultdict(lambda: moves.browse())
        for move in moves:
            by_key[move.commercial_partner_id, move.company_id] |= move
        head = Markup("").join(
            Markup("<th>%s</th>") % label
            for label in (
                self.env._("Invoice"),
                self.env._("Due Date"),
                self.env._("Days Late"),
                self.env._("Amount Due"),
                self.env._("Status"),
            )
        )
        for followup in self:
            company = followup.company_id
            today = today_by_company.setdefault(
                company, company._get_relance_today() if company else False
            )
            rows = Markup("").join(
                Markup(
                    "<tr><td>%s</td><td>%s</td><td>%s</td>"
                    '<td class="text-end">%s</td><td>%s</td></tr>'
                )
                % (
                    Markup('<a href="/relance/invoice/%s/pdf" target="_blank">%s</a>')
                    % (move.id, move.name),
                    format_date(self.env, move.invoice_date_due),
                    max((today - move.invoice_date_due).days, 0)
                    if today and move.invoice_date_due
                    else "",
                    move.currency_id.format(move.amount_residual),
                    self._get_move_status(move),
                )
                for move in by_key[followup.partner_id.sudo(), company.sudo()]
            )
            followup.invoice_summary = (
                Markup(
                    '<table class="table table-sm"><thead><tr>%s</tr></thead>'
                    "<tbody>%s</tbody></table>"
                )
                % (head, rows)
                if rows
                else False
            )

    def _get_move_status(self, move):
        """Dispute or promise of an open invoice, for the summary."""
        if move.relance_dispute:
            return self.env._("Disputed")
        if move.relance_promise_date:
            return self.env._(
                "Promised for %(date)s",
                date=format_date(self.env, move.relance_promise_date),
            )
        return ""

    def _compute_move_ids(self):
        moves = self.env["account.move"].search(
            self._get_open_moves_domain(), order="invoice_date_due, name"
        )
        by_key = defaultdict(lambda: moves.browse())
        for move in moves:
            by_key[move.commercial_partner_id, move.company_id] |= move
        for followup in self:
            followup.move_ids = by_key[followup.partner_id, followup.company_id]

    def _compute_history_ids(self):
        histories = self.env["account.relance.history"].search(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("company_id", "in", self.company_id.ids),
            ]
        )
        by_key = defaultdict(lambda: histories.browse())
        for history in histories:
            by_key[history.partner_id, history.company_id] |= history
        for followup in self:
            followup.history_ids = by_key[followup.partner_id, followup.company_id]

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_open_moves_domain(self):
        """Domain of the open customer invoices of these rows."""
        return [
            ("commercial_partner_id", "in", self.partner_id.ids),
            ("company_id", "in", self.company_id.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ]

    def _get_open_lines(self):
        """Open receivable instalments of these rows (customer and company)."""
        lines = self.env["account.move.line"].search(
            [
                ("move_id.commercial_partner_id", "in", self.partner_id.ids),
                ("company_id", "in", self.company_id.ids),
                ("parent_state", "=", "posted"),
                ("move_id.move_type", "=", "out_invoice"),
                ("move_id.payment_state", "in", ("not_paid", "partial")),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("amount_residual", ">", 0),
            ]
        )
        keys = {(row.partner_id, row.company_id) for row in self}
        return lines.filtered(
            lambda line: (line.move_id.commercial_partner_id, line.company_id) in keys
        )

    def _get_to_confirm_histories(self):
        """Reminders of these rows' open instalments waiting for approval."""
        return self.env["account.relance.history"].search(
            [
                ("move_line_id", "in", self._get_open_lines().ids),
                ("state", "=", "to_confirm"),
            ]
        )

    def _notify(self, message, notif_type="success", reload=True):
        """Client notification, then reload the screen the rows came from."""
        params = {"message": message, "type": notif_type, "sticky": False}
        if reload:
            params["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": params,
        }

    def _notify_result(self, histories, customer_count):
        """Notification summing up the reminders just processed."""
        counts = defaultdict(int)
        for history in histories:
            counts[history.state] += 1
        message = self.env._(
            "Customers processed: %(customers)s. Reminders sent: %(sent)s, to "
            "confirm: %(to_confirm)s, failed: %(failed)s.",
            customers=customer_count,
            sent=counts["sent"],
            to_confirm=counts["to_confirm"],
            failed=counts["failed"],
        )
        return self._notify(
            message, notif_type="warning" if counts["failed"] else "success"
        )

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def action_open_customer(self):
        """Open the customer's form (its chatter holds the reminders sent)."""
        self.ensure_one()
        return self.partner_id._get_records_action()

    def action_open_history(self):
        """Reminder history of the customer."""
        self.ensure_one()
        action = self.partner_id.action_relance_open_history()
        action["domain"] = [
            ("partner_id", "=", self.partner_id.id),
            ("company_id", "=", self.company_id.id),
        ]
        return action

    def action_send_now(self):
        """Open the wizard sending a reminder to this customer now."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.relance_send_wizard_action"
        )
        action["context"] = {
            "default_partner_id": self.partner_id.id,
            "default_company_id": self.company_id.id,
        }
        return action

    def action_approve(self):
        """Send every reminder of these customers that waits for approval."""
        histories = self._get_to_confirm_histories()
        if not histories:
            raise UserError(
                self.env._("No reminder of these customers waits for approval.")
            )
        return histories.action_approve()

    def action_postpone(self):
        """Open the wizard postponing the reminders of these customers."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.relance_action_wizard_action"
        )
        action["context"] = {
            "default_action_type": "postpone",
            "default_partner_ids": self.partner_id.ids,
        }
        return action

    def action_print_letter(self):
        """Print the reminder letter listing the open invoices of these customers."""
        # config=False: the letter does not use the company's document layout,
        # no need to open the layout configurator first
        return self.env.ref(
            "account_relance_fr.report_relance_letter_action"
        ).report_action(self.partner_id, config=False)

    def action_toggle_exclude(self):
        """Exclude the customers from the reminders, or include them back.

        :raise AccessError: for a user who does not run the reminders
        """
        self._check_relance_manager()
        self.partner_id.action_relance_toggle_exclude()
        return self._notify(self.env._("Reminder exclusion updated."))

    def action_process(self):
        """Send what the ladders plan today for these customers, now.

        The same plan as the daily run, restricted to the selected customers and
        regardless of the sending window: a level waiting for approval is
        queued as "to confirm", the others go.

        :raise AccessError: for a user who does not run the reminders
        """
        self._check_relance_manager()
        run = self.env["account.relance.run"]
        histories = self.env["account.relance.history"]
        planned_customers = 0
        for company, followups in self.grouped("company_id").items():
            today = company._get_relance_today()
            plan = run.with_company(company)._plan(
                company, today, partners=followups.partner_id
            )
            planned_customers += len(plan)
            for plan_company, partner, items in plan:
                histories |= run.with_company(plan_company)._process_customer(
                    partner, items, today
                )
        if not planned_customers:
            return self._notify(
                self.env._("The ladders plan no reminder today for these customers."),
                notif_type="info",
                reload=False,
            )
        return self._notify_result(histories, planned_customers)

    # ------------------------------------------------------------------
    # CUSTOMER PAGE
    # ------------------------------------------------------------------

    answer_ids = fields.Many2many(
        "account.relance.answer",
        string="Customer Answers",
        compute="_compute_answer_ids",
    )

    def _compute_answer_ids(self):
        answers = self.env["account.relance.answer"].search(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("company_id", "in", self.company_id.ids),
            ]
        )
        by_key = defaultdict(lambda: answers.browse())
        for answer in answers:
            by_key[answer.partner_id, answer.company_id] |= answer
        for followup in self:
            followup.answer_ids = by_key[followup.partner_id, followup.company_id]

    # ------------------------------------------------------------------
    # PAYMENT PLANS
    # ------------------------------------------------------------------

    under_plan = fields.Boolean(
        string="Under Payment Plan",
        readonly=True,
        help="The customer has an accepted payment plan running: its invoices "
        "get the plan's instalment reminders instead of the ladder.",
    )
    plan_state = fields.Selection(
        [("running", "Payment Plan")],
        string="Plan",
        readonly=True,
        help="Shown when an accepted payment plan is running for the customer.",
    )
    plan_id = fields.Many2one(
        "account.relance.plan",
        string="Payment Plan",
        readonly=True,
        help="The running plan of the next instalment.",
    )
    plan_next_date = fields.Date(
        string="Next Instalment On",
        readonly=True,
        help="Date of the earliest instalment not fully paid of the running plans.",
    )
    plan_currency_id = fields.Many2one(
        "res.currency", string="Payment Plan Currency", readonly=True
    )
    plan_next_amount = fields.Monetary(
        string="Next Instalment",
        currency_field="plan_currency_id",
        readonly=True,
        aggregator=None,
        help="What is left to pay on that instalment, in the plan's currency "
        "(payments go to the instalments in date order).",
    )

    @api.model
    def _add_plan_columns(self, query, company=None):
        """``query`` (the rows of the screen) with the columns of the running
        payment plans of each row's customer and company: ``under_plan``,
        ``plan_state``, ``plan_id``, ``plan_next_date``, ``plan_next_amount``,
        ``plan_currency_id``. One grouped join, no query per row.

        :param company: when given, the plans of this company only"""
        return SQL(
            """
            SELECT followup.*,
                   plans.partner_id IS NOT NULL AS under_plan,
                   CASE WHEN plans.partner_id IS NOT NULL THEN 'running' END
                       AS plan_state,
                   plans.plan_id,
                   plans.next_date AS plan_next_date,
                   plans.next_amount AS plan_next_amount,
                   plans.currency_id AS plan_currency_id
              FROM (%(query)s) AS followup
         LEFT JOIN (%(plans)s) AS plans
                ON plans.partner_id = followup.partner_id
               AND plans.company_id = followup.company_id
            """,
            query=query,
            plans=self.env["account.relance.plan"]._get_next_instalment_sql(
                SQL("plan.company_id = %s", company.id) if company else None
            ),
        )

    def action_open_plans(self):
        """The customer's payment plans."""
        self.ensure_one()
        return self.partner_id.action_relance_open_plans()

    # ------------------------------------------------------------------
    # CUSTOMER FORM: what the accountant works from
    # ------------------------------------------------------------------

    contact_ids = fields.Many2many(
        "res.partner",
        string="Contacts",
        compute="_compute_contact_ids",
        help="The customer and its active contacts, with their phone and email.",
    )
    note_ids = fields.Many2many(
        "mail.message",
        string="Notes",
        compute="_compute_note_ids",
        help="Internal notes and done activities (calls) of the customer's "
        "chatter, newest first.",
    )
    new_note = fields.Text(
        compute="_compute_new_note",
        inverse="_inverse_new_note",
        help="Posted as an internal note on the customer's chatter when the form "
        "is saved.",
    )
    ageing_html = fields.Html(
        string="Ageing",
        compute="_compute_ageing_html",
        sanitize=False,
        help="What is left to pay on the open invoices by days past the due "
        "date, per currency (amounts in each invoice's currency).",
    )
    penalty_regime_consumer = fields.Boolean(compute="_compute_penalties")
    penalty_claimable = fields.Boolean(
        string="Claimable Penalties",
        compute="_compute_penalty_claimable",
        help="Something legally claimable is not billed yet: late penalties or "
        "40 € indemnities of a business, interest from the formal notice of a "
        "consumer.",
    )
    penalty_amount = fields.Monetary(
        string="Late Penalties to Date",
        compute="_compute_penalties",
        help="Late-payment penalties of the overdue invoices not billed yet, in "
        "the company's currency (article L441-10 of the French Commercial "
        "Code). Disputed invoices claim none. Shown only when the rates of "
        "every half-year concerned are entered.",
    )
    indemnity_amount = fields.Monetary(
        string="Recovery Indemnities to Date",
        compute="_compute_penalties",
        help="40 € per overdue invoice not billed yet (article D441-5 of the "
        "French Commercial Code); never for consumers.",
    )
    penalty_missing = fields.Char(
        string="Rates to Enter",
        compute="_compute_penalties",
        help="Half-years whose rates are missing: no penalty figure is shown "
        "until they are entered.",
    )

    def _compute_contact_ids(self):
        contacts = (
            self.env["res.partner"]
            .sudo()
            .search([("id", "child_of", self.partner_id.ids)], order="type, name")
        )
        by_customer = contacts.grouped("commercial_partner_id")
        for followup in self:
            found = by_customer.get(followup.partner_id.sudo(), contacts.browse())
            followup.contact_ids = found.sudo(False)

    def _compute_note_ids(self):
        # a note typed by someone ("Log note", the form's note) or a done
        # activity; not the automatic notifications (creation, tracking)
        messages = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "in", self.partner_id.ids),
                "|",
                "&",
                ("message_type", "=", "comment"),
                ("subtype_id", "=", self.env.ref("mail.mt_note").id),
                ("subtype_id", "=", self.env.ref("mail.mt_activities").id),
            ],
            order="date desc, id desc",
        )
        by_partner = defaultdict(lambda: messages.browse())
        for message in messages:
            by_partner[message.res_id] |= message
        for followup in self:
            followup.note_ids = by_partner[followup.partner_id.id]

    def _compute_new_note(self):
        self.new_note = False

    def _inverse_new_note(self):
        for followup in self.filtered(lambda row: (row.new_note or "").strip()):
            followup.partner_id.message_post(
                body=plaintext2html(followup.new_note.strip()),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )

    def action_add_note(self):
        """The form's "Add Note": the web client saves the typed note first
        (``new_note``, posted on the customer's chatter by its inverse), then
        reloads the form, the note on top of the log.

        :return: True (the form reloads)
        """
        self.ensure_one()
        return True

    @api.model
    def _get_ageing_buckets(self):
        """[(key, label)] of the ageing columns, as on the account statement."""
        labels = {
            "not_due": self.env._("Not Due"),
            "1_30": self.env._("1-30 Days"),
            "31_60": self.env._("31-60 Days"),
            "61_90": self.env._("61-90 Days"),
            "over_90": self.env._("Over 90 Days"),
        }
        return [(key, labels[key]) for key, _low, _high in AGEING_BUCKETS]

    def _get_ageing(self):
        """Ageing of the rows' open instalments, one search for all the rows.

        :return: {(partner id, company id): {res.currency: {bucket key: amount
            left to pay, in that currency}}}; bucket keys as
            ``AGEING_BUCKETS`` of the account statement (days past the due
            date on the company's today: not due, 1-30, 31-60, 61-90, over 90)
        """
        statement = self.env["report.account_relance_fr.report_relance_statement"]
        today_by_company = {
            company: company._get_relance_today() for company in self.company_id
        }
        result = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
        for line in self.sudo()._get_open_lines():
            today = today_by_company[line.company_id.sudo(False)]
            key = (line.move_id.commercial_partner_id.id, line.company_id.id)
            bucket = statement._get_bucket((today - line.date_maturity).days)
            result[key][line.currency_id.sudo(False)][bucket] += (
                line.amount_residual_currency
            )
        return result

    def _compute_ageing_html(self):
        ageing = self._get_ageing()
        buckets = self._get_ageing_buckets()
        head = Markup("<th>%s</th>") % self.env._("Currency") + Markup("").join(
            Markup('<th class="text-end">%s</th>') % label
            for label in [label for _key, label in buckets] + [self.env._("Total")]
        )
        for followup in self:
            by_currency = ageing.get((followup.partner_id.id, followup.company_id.id))
            if not by_currency:
                followup.ageing_html = False
                continue
            # the company's currency first
            rows = Markup("").join(
                self._get_ageing_row_html(currency, amounts, buckets)
                for currency, amounts in sorted(
                    by_currency.items(),
                    key=lambda item, main=followup.currency_id: (
                        item[0] != main,
                        item[0].name,
                    ),
                )
            )
            followup.ageing_html = Markup(
                '<table class="table table-sm o_relance_ageing"><thead><tr>%s</tr>'
                "</thead><tbody>%s</tbody></table>"
            ) % (head, rows)

    @api.model
    def _get_ageing_row_html(self, currency, amounts, buckets):
        """One currency's row of the ageing table: an amount per bucket (empty
        when nothing), then the total."""
        cell = Markup('<td class="text-end text-nowrap" data-bucket="%s">%s</td>')
        cells = Markup("").join(
            cell % (key, currency.format(amounts[key]) if amounts[key] else "")
            for key, _label in buckets
        )
        total = Markup(
            '<td class="text-end text-nowrap fw-bold" data-bucket="total">%s</td>'
        ) % currency.format(sum(amounts.values()))
        return Markup("<tr><td>%s</td>%s%s</tr>") % (currency.name, cells, total)

    def _compute_penalties(self):
        """Penalties and indemnities to date of the rows' overdue invoices not
        disputed: one penalty computation per company for all the rows. Read
        as superuser, so a salesperson sees the figures of the rows the record
        rules show them."""
        penalty_model = self.env["account.relance.penalty"].sudo()
        self.penalty_amount = self.indemnity_amount = 0.0
        self.penalty_missing = False
        self.penalty_regime_consumer = False
        for company, followups in self.grouped("company_id").items():
            today = company._get_relance_today()
            lines = (
                followups.sudo()
                ._get_open_lines()
                .filtered(
                    lambda line, day=today: line.date_maturity < day
                    and not line.move_id.relance_dispute
                )
            )
            by_move = penalty_model.with_company(company)._compute_moves(
                lines.move_id, today=today
            )
            by_partner = defaultdict(list)
            for move, data in by_move.items():
                by_partner[move.commercial_partner_id.id].append(data)
            for followup in followups:
                # a consumer: interest from the formal notice only, no 40 €
                # (the engine computes neither before the notice)
                followup.penalty_regime_consumer = (
                    penalty_model._get_regime(followup.partner_id.sudo()) == "consumer"
                )
                datas = by_partner[followup.partner_id.id]
                missing = sorted({key for data in datas for key in data.missing})
                if missing:
                    followup.penalty_missing = ", ".join(
                        half_year_label(*key) for key in missing
                    )
                    continue
                followup.penalty_amount = round_amount(
                    sum(data.interest_unbilled for data in datas)
                )
                followup.indemnity_amount = round_amount(
                    sum(data.indemnity_unbilled for data in datas)
                )

    def _compute_penalty_claimable(self):
        """What the penalty wizard would list, read as superuser (the figures
        of the rows a salesperson sees); one computation per company."""
        wizard = self.env["relance.penalty.invoice.wizard"].sudo()
        self.penalty_claimable = False
        for company, followups in self.grouped("company_id").items():
            claimable = wizard.with_company(company)._get_claimable_partners(
                followups.partner_id.sudo()
            )
            for followup in followups:
                followup.penalty_claimable = followup.partner_id in claimable

    def action_print_statement(self):
        """Print the account statement (relevé de compte) of the customer:
        open items, ageing, penalties, in the customer's language."""
        self.ensure_one()
        return (
            self.env.ref("account_relance_fr.report_relance_statement_action")
            .with_company(self.company_id)
            .report_action(self.partner_id, config=False)
        )

    def action_send_statement(self):
        """Open the mail composer sending the account statement (PDF attached)
        to the customer's reminder contact, in the customer's language.

        :raise UserError: when no contact of the customer has an email
        """
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        contact = partner._get_relance_contact()
        if not contact:
            raise UserError(
                self.env._(
                    "No contact of %(customer)s has an email address: add one "
                    "before sending the account statement.",
                    customer=partner.display_name,
                )
            )
        template = self.env.ref("account_relance_fr.mail_template_relance_statement")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send the Account Statement"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "res.partner",
                "default_res_ids": partner.ids,
                "default_composition_mode": "comment",
                "default_template_id": template.id,
                "default_partner_ids": contact.ids,
                "allowed_company_ids": [self.company_id.id]
                + [cid for cid in self.env.companies.ids if cid != self.company_id.id],
            },
        }

    def action_log_call(self):
        """Log a call with the customer now: the outcome wizard (promise,
        dispute, paid, no answer, wrong contact), which writes the outcome to
        the customer's chatter. The call activity (current user, due today)
        is created only when the outcome is recorded: discarding the wizard
        leaves nothing.

        :return: the window action of the outcome wizard
        """
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.relance_call_outcome_wizard_action"
        )
        action["context"] = {
            "default_logged_partner_id": self.partner_id.id,
            "default_logged_company_id": self.company_id.id,
        }
        return action

    # ------------------------------------------------------------------
    # SALESPEOPLE: read access to their customers' invoices
    # ------------------------------------------------------------------

    def _check_relance_manager(self):
        """Salespeople read their rows; only the reminder managers act on them.

        :raise AccessError: when the user is not a reminder manager
        """
        if not self.env.user.has_group("account_relance_fr.group_relance_manager"):
            raise AccessError(
                self.env._("Only the accountants running the reminders can do this.")
            )

    @api.model
    def _get_salesperson_invoice(self, move_id):
        """The posted customer invoice or credit note ``move_id`` (as
        superuser) when the current user may read it: through the invoicing
        rights, or as the salesperson of its customer or of the invoice, in
        one of the user's companies (the rule of the reminder history).

        :param move_id: id of an account.move
        :return: the account.move, sudo
        :raise AccessError: unknown record, not a posted customer document, or
            not one of the user's customers
        """
        move = self.env["account.move"].sudo().browse(move_id).exists()
        user = self.env.user
        allowed = (
            move
            and move.state == "posted"
            and move.move_type in ("out_invoice", "out_refund")
            and move.company_id in user.company_ids
            and (
                move.sudo(False).has_access("read")
                or user in (move.commercial_partner_id.user_id, move.invoice_user_id)
            )
        )
        if not allowed:
            raise AccessError(
                self.env._("This invoice is not one of your customers' invoices.")
            )
        return move
