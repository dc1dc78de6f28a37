from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL, format_date, plaintext2html

from ..report.report_relance_statement import AGEING_BUCKETS
from ..tools.late_penalty import half_year_label, round_amount


class AccountRelanceFollowup(models.Model):
    """Follow-up screen: one read-only row per customer and company with open
    receivable instalments of posted customer invoices.

    The rows come from SQL (``_table_query``) so the screen can filter, sort and
    group on amounts, delays and reminder states without computing anything per
    customer; today's date is each company's own (its time zone, see
    ``res.company._get_relance_today``), joined as a small table of values so
    it follows frozen time in tests.
    """

    _name = "account.relance.followup"
    _description = "Customer Reminder Follow-up"
    _auto = False
    _order = "priority desc, amount_overdue desc, id"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
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
        compute="_compute_next_action",
        search="_search_action_due",
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

    _depends = {
        "account.move": [
            "state",
            "move_type",
            "payment_state",
            "commercial_partner_id",
            "relance_level_id",
            "relance_dispute",
            "relance_excluded",
            "relance_promise_date",
            "relance_promise_broken",
        ],
        "account.move.line": [
            "move_id",
            "company_id",
            "account_id",
            "reconciled",
            "amount_residual",
            "date_maturity",
        ],
        "account.account": ["account_type"],
        "account.relance.history": [
            "state",
            "date",
            "partner_id",
            "company_id",
            "move_line_id",
        ],
        "account.relance.level": ["days"],
        "res.partner": [
            "user_id",
            "relance_excluded",
            "relance_postponed_until",
            "relance_ladder_id",
            "relance_customer_type",
            "relance_payer_profile",
            "category_id",
        ],
        "res.company": ["currency_id", "relance_promise_grace_days"],
    }

    # ------------------------------------------------------------------
    # SQL
    # ------------------------------------------------------------------

    @property
    def _table_query(self):
        return self._add_plan_columns(
            SQL(
                "%s %s %s %s",
                self._select(),
                self._from(),
                self._where(),
                self._group_by(),
            )
        )

    def _get_today(self):
        """SQL expression of the date today of the row's company."""
        return SQL("relance_today.day")

    @api.model
    def _get_today_table(self):
        """``(VALUES (company id, date today), ...)``: each company's own day."""
        companies = self.env["res.company"].sudo().search([])
        return SQL(
            "(VALUES %s)",
            SQL(", ").join(
                SQL("(%s, %s::date)", company.id, company._get_relance_today())
                for company in companies
            ),
        )

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
                MIN(aml.id) AS id,
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
                RANK() OVER (
                    PARTITION BY aml.company_id
                    ORDER BY ROUND(%(overdue)s * (1 + %(days_late)s / 30.0)) DESC
                ) AS priority_rank
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
    def _from(self):
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
                 WHERE state IN ('to_confirm', 'failed')
              GROUP BY move_line_id
            ) hist ON hist.move_line_id = aml.id
            LEFT JOIN (
                SELECT partner_id, company_id, MAX(date) AS last_date
                  FROM account_relance_history
                 WHERE state = 'sent'
              GROUP BY partner_id, company_id
            ) sent ON sent.partner_id = move.commercial_partner_id
                  AND sent.company_id = aml.company_id
            """,
            today_table=self._get_today_table(),
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

    def _compute_next_action(self):
        """Today's action (fix, approve, or the levels the ladder plans today,
        as the daily job would send them), else the day of the next planned
        reminder: the stored next actions of the rows' customers
        (``account.relance.next.action``, computed again only for the
        customers whose data changed), a handful of queries per page.

        Read as superuser, like the amounts: a salesperson sees the next
        action of the rows the record rules show them."""
        next_action = self.env["account.relance.next.action"].sudo()
        for company, followups in self.grouped("company_id").items():
            actions = next_action._get_next_actions(company, followups.partner_id)
            today = company._get_relance_today()
            for followup in followups:
                day, levels = actions.get(followup.partner_id.id, (False, None))
                if followup.failed_count:
                    action = self.env._("Fix the failed reminder")
                elif followup.to_confirm_count:
                    action = self.env._("Approve the reminder")
                elif levels:
                    action = ", ".join(levels.sorted("days").mapped("name"))
                else:
                    action = False
                followup.action_due = bool(action)
                if action:
                    followup.next_action = action
                    followup.next_action_date = today
                    continue
                followup.next_action = day and self.env._("Next reminder")
                followup.next_action_date = day

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

    def _search_action_due(self, operator, value):
        """Rows with an action today: a reminder failed or waits for
        approval, or the ladder plans a reminder today."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on “To Do Today”."))
        domains = [[("failed_count", ">", 0)], [("to_confirm_count", ">", 0)]]
        next_action = self.env["account.relance.next.action"]
        for company in self.env.companies:
            partner_ids = [
                partner_id
                for partner_id, (_day, levels) in next_action._get_next_actions(
                    company
                ).items()
                if levels
            ]
            if partner_ids:
                domains.append(
                    [("company_id", "=", company.id), ("partner_id", "in", partner_ids)]
                )
        domain = expression.OR(domains)
        if (operator == "=") != value:
            domain = ["!", *expression.normalize_domain(domain)]
        return domain

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

    # the plans' tables, flushed before the screen reads its rows
    _depends = {
        **_depends,
        "account.relance.plan": [
            "state",
            "partner_id",
            "company_id",
            "currency_id",
            "amount_total",
            "move_ids",
        ],
        "account.relance.plan.line": ["plan_id", "date", "sequence", "amount"],
        "account.move": [*_depends["account.move"], "amount_residual"],
    }

    @api.model
    def _add_plan_columns(self, query):
        """``query`` (the rows of the screen) with the columns of the running
        payment plans of each row's customer and company: ``under_plan``,
        ``plan_state``, ``plan_id``, ``plan_next_date``, ``plan_next_amount``,
        ``plan_currency_id``. One grouped join, no query per row."""
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
            plans=self.env["account.relance.plan"]._get_next_instalment_sql(),
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
