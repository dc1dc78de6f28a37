from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date


class AccountMove(models.Model):
    _inherit = "account.move"

    relance_history_ids = fields.One2many(
        "account.relance.history", "move_id", string="Reminders"
    )
    relance_level_id = fields.Many2one(
        "account.relance.level",
        string="Reminder Level",
        compute="_compute_relance_progress",
        store=True,
        help="The most advanced reminder level sent for this invoice.",
    )
    relance_last_date = fields.Date(
        string="Last Reminder", compute="_compute_relance_progress", store=True
    )
    relance_count = fields.Integer(
        string="Reminders Sent", compute="_compute_relance_progress", store=True
    )
    relance_next_date = fields.Date(
        string="Next Reminder", compute="_compute_relance_next_date"
    )
    relance_excluded = fields.Boolean(
        string="Excluded from Reminders", copy=False, tracking=True
    )
    relance_dispute = fields.Boolean(
        string="Disputed",
        copy=False,
        tracking=True,
        help="A disputed invoice gets no reminder; the customer's other invoices "
        "still do.",
    )
    relance_dispute_reason = fields.Char(string="Dispute Reason", copy=False)
    relance_dispute_date = fields.Date(string="Dispute Date", copy=False)
    relance_promise_date = fields.Date(
        string="Promised Payment Date",
        copy=False,
        tracking=True,
        help="Reminders pause until this date plus the grace days of the settings.",
    )
    relance_promise_broken = fields.Boolean(
        string="Broken Promise", copy=False, tracking=True
    )
    relance_thanked = fields.Boolean(copy=False)
    relance_pay_url = fields.Char(
        string="Pay Link",
        compute="_compute_relance_pay_url",
        help="Portal link opening the payment form of the invoice.",
    )

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends(
        "relance_history_ids.state",
        "relance_history_ids.level_id",
        "relance_history_ids.date",
    )
    def _compute_relance_progress(self):
        for move in self:
            sent = move.relance_history_ids.filtered(
                lambda history: history.state == "sent"
            )
            move.relance_count = len(sent)
            move.relance_last_date = max(sent.mapped("date"), default=False)
            move.relance_level_id = (
                sent.level_id.sorted(lambda level: level.days)[-1:] or False
            )

    @api.depends(
        "relance_history_ids.state",
        "relance_history_ids.level_id",
        "invoice_date_due",
        "payment_state",
        "partner_id",
        "relance_dispute",
        "relance_excluded",
        "relance_promise_date",
    )
    def _compute_relance_next_date(self):
        """The day the daily job will next remind the invoice: the engine's
        forecast (``account.relance.run._get_next_dates``)."""
        self.relance_next_date = False
        remindable = self.filtered(
            lambda move: move.move_type == "out_invoice"
            and move.state == "posted"
            and move.payment_state in ("not_paid", "partial")
        )
        run = self.env["account.relance.run"]
        for company, moves in remindable.grouped("company_id").items():
            forecast = run._get_next_dates(company, moves.commercial_partner_id)
            for move in moves:
                line_dates = forecast.get(move.commercial_partner_id, (False, {}))[1]
                dates = [
                    line_dates[line.id]
                    for line in move.line_ids
                    if line.id in line_dates
                ]
                move.relance_next_date = min(dates, default=False)

    def _compute_relance_pay_url(self):
        payable = self.filtered(
            lambda move: move.state == "posted" and move.is_invoice()
        )
        (self - payable).relance_pay_url = False
        access_model = self.env["account.relance.access"]
        for company, moves in payable.grouped("company_id").items():
            accesses = access_model._get_for(moves.commercial_partner_id, company)
            # one link per customer page, shared by all its invoices
            urls = {
                customer: access._get_url() for customer, access in accesses.items()
            }
            for move in moves:
                move.relance_pay_url = urls[move.commercial_partner_id]

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _update_relance_progress(self):
        """Store the reminder progress of these invoices from their histories
        in one UPDATE, as ``_compute_relance_progress`` computes it: the
        number of reminders sent, the date of the last one, the most advanced
        level sent (on equal days, the level whose latest reminder is the
        oldest, as the computation's stable sort keeps). Only the invoices
        whose values change are written, with their write date.

        For histories written in SQL (``account.relance.history.
        _create_in_bulk``), which the ORM does not see.
        """
        if not self:
            return
        self.flush_model(["relance_count", "relance_last_date", "relance_level_id"])
        self.env.cr.execute(
            SQL(
                """
                WITH sent AS (
                    SELECT history.move_id, history.level_id, history.date,
                           level.days,
                           row_number() OVER (
                               PARTITION BY history.move_id
                               ORDER BY history.date DESC, history.id DESC
                           ) AS position
                      FROM account_relance_history history
                      JOIN account_relance_level level
                        ON level.id = history.level_id
                     WHERE history.state = 'sent'
                       AND history.move_id = ANY(%(ids)s)
                ), totals AS (
                    SELECT move_id, count(*) AS count, max(date) AS last_date
                      FROM sent
                     GROUP BY move_id
                ), top_level AS (
                    SELECT DISTINCT ON (move_id) move_id, level_id
                      FROM (
                          SELECT move_id, level_id, days, min(position) AS first
                            FROM sent
                           GROUP BY move_id, level_id, days
                      ) AS levels
                     ORDER BY move_id, days DESC, first DESC
                ), progress AS (
                    SELECT target.id, COALESCE(totals.count, 0) AS count,
                           totals.last_date, top_level.level_id
                      FROM unnest(%(ids)s::int[]) AS target(id)
                      LEFT JOIN totals ON totals.move_id = target.id
                      LEFT JOIN top_level ON top_level.move_id = target.id
                )
                UPDATE account_move move
                   SET relance_count = progress.count,
                       relance_last_date = progress.last_date,
                       relance_level_id = progress.level_id,
                       write_uid = %(uid)s,
                       write_date = %(now)s
                  FROM progress
                 WHERE move.id = progress.id
                   AND (move.relance_count, move.relance_last_date,
                        move.relance_level_id)
                       IS DISTINCT FROM
                       (progress.count, progress.last_date, progress.level_id)
                """,
                ids=list(self.ids),
                uid=self.env.uid,
                now=self.env.cr.now(),
            )
        )
        self.invalidate_recordset(
            [
                "relance_history_ids",
                "relance_count",
                "relance_last_date",
                "relance_level_id",
                "relance_next_date",
                "write_uid",
                "write_date",
            ]
        )

    def _get_relance_company_today(self):
        """The date today of these invoices' company (the first one's), in its
        time zone; the current company's when there is no invoice."""
        return (self.company_id[:1] or self.env.company)._get_relance_today()

    def _get_relance_open_lines(self):
        """Receivable journal items (one per instalment) still to be paid; a
        remainder within the company's tolerance counts as paid."""
        balance_model = self.env["account.relance.balance"]
        return self.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
            and not line.reconciled
            and line.amount_residual > 0
            and line.date_maturity
            and not balance_model._is_settled_remainder(line)
        )

    def _get_relance_pay_url(self):
        """Absolute link of the customer page where this invoice is paid.

        The page of the customer with the invoice's company
        (``res.partner._get_relance_portal_url``): it lists every open invoice
        of the customer, so all the invoices of a reminder share one link.
        """
        self.ensure_one()
        return self.commercial_partner_id._get_relance_portal_url(self.company_id)

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def action_relance_set_dispute(self, reason):
        """Mark the invoices as disputed: only they stop being reminded."""
        if not reason:
            raise UserError(self.env._("Give the reason of the dispute."))
        self.write(
            {
                "relance_dispute": True,
                "relance_dispute_reason": reason,
                "relance_dispute_date": self._get_relance_company_today(),
            }
        )
        for move in self:
            move.message_post(
                body=self.env._("Dispute recorded: %(reason)s", reason=reason)
            )
        return True

    def action_relance_resolve_dispute(self):
        """End the dispute: the invoices go back into their ladder."""
        self.write({"relance_dispute": False})
        for move in self:
            move.message_post(body=self.env._("Dispute resolved."))
        return True

    def action_relance_set_promise(self, promise_date):
        """Record a promise to pay: reminders pause until the date plus grace."""
        if not promise_date:
            raise UserError(self.env._("Give the promised payment date."))
        promise_date = fields.Date.to_date(promise_date)
        if promise_date < self._get_relance_company_today():
            raise UserError(
                self.env._("A promised payment date cannot be in the past.")
            )
        self.write(
            {"relance_promise_date": promise_date, "relance_promise_broken": False}
        )
        for move in self:
            move.message_post(
                body=self.env._(
                    "Promise to pay recorded for %(date)s.",
                    date=format_date(self.env, promise_date),
                )
            )
        return True

    def action_relance_toggle_exclude(self):
        for move in self:
            move.relance_excluded = not move.relance_excluded
        return True

    # ------------------------------------------------------------------
    # LATE-PAYMENT PENALTIES (computed by account.relance.penalty)
    # ------------------------------------------------------------------

    relance_is_penalty_invoice = fields.Boolean(
        string="Penalty Invoice",
        copy=False,
        readonly=True,
        help="Bills late-payment penalties: bears no penalty itself (no interest "
        "on interest, C. civ. 1343-2).",
    )
    relance_penalty_source_ids = fields.One2many(
        "account.relance.penalty.line",
        "penalty_move_id",
        string="Late Invoices Billed",
    )
    relance_penalty_line_ids = fields.One2many(
        "account.relance.penalty.line", "move_id", string="Penalties Billed"
    )
    relance_penalty_days = fields.Integer(
        string="Days Late (Penalties)", compute="_compute_relance_penalty"
    )
    relance_penalty_amount = fields.Monetary(
        string="Late Penalties",
        compute="_compute_relance_penalty",
        currency_field="company_currency_id",
        help="Interest to date under L441-10 C. com. (consumers: taux légal from "
        "the formal notice).",
    )
    relance_indemnity_amount = fields.Monetary(
        string="Recovery Indemnity",
        compute="_compute_relance_penalty",
        currency_field="company_currency_id",
        help="40 € per invoice not paid by its due date (D441-5 C. com.); never for "
        "consumers.",
    )
    relance_penalty_to_invoice = fields.Monetary(
        string="Penalties to Invoice",
        compute="_compute_relance_penalty",
        currency_field="company_currency_id",
        help="Penalties and indemnity not billed by a penalty invoice yet.",
    )
    relance_penalty_provisional = fields.Boolean(
        string="Provisional Penalties", compute="_compute_relance_penalty"
    )
    relance_penalty_missing = fields.Char(
        string="Rates to Enter",
        compute="_compute_relance_penalty",
        help="Half-years missing from the rate table.",
    )
    relance_penalty_detail = fields.Html(
        string="Penalty Computation", compute="_compute_relance_penalty", sanitize=False
    )

    @api.depends_context("company")
    @api.depends("payment_state", "invoice_date_due", "amount_residual", "state")
    def _compute_relance_penalty(self):
        by_move = self.env["account.relance.penalty"]._compute_moves(self)
        penalty = self.env["account.relance.penalty"]
        for move in self:
            data = by_move.get(move)
            move.relance_penalty_days = data.days if data else 0
            move.relance_penalty_amount = data.interest if data else 0.0
            move.relance_indemnity_amount = data.indemnity if data else 0.0
            move.relance_penalty_to_invoice = data.total_unbilled if data else 0.0
            move.relance_penalty_provisional = data.provisional if data else False
            move.relance_penalty_missing = data.missing_label if data else False
            move.relance_penalty_detail = (
                penalty._get_detail_html(data) if data and data.days else False
            )

    def action_relance_penalty_invoice(self):
        """Open the penalty invoice wizard for the customers of these invoices."""
        return self.env["relance.penalty.invoice.wizard"]._action_open(
            self.commercial_partner_id, moves=self
        )

    # ------------------------------------------------------------------
    # PAYMENT PLANS
    # ------------------------------------------------------------------

    relance_plan_ids = fields.Many2many(
        "account.relance.plan",
        "account_relance_plan_move_rel",
        "move_id",
        "plan_id",
        string="Payment Plans",
        readonly=True,
        copy=False,
    )
    relance_plan_id = fields.Many2one(
        "account.relance.plan",
        string="Payment Plan",
        compute="_compute_relance_plan_id",
        help="The accepted plan covering the invoice: it gets no ladder reminder "
        "while the plan is kept.",
    )

    @api.depends("relance_plan_ids.state")
    def _compute_relance_plan_id(self):
        for move in self:
            move.relance_plan_id = move.relance_plan_ids.filtered(
                lambda plan: plan.state in ("accepted", "kept")
            )[:1]

    relance_plan_next_line_id = fields.Many2one(
        "account.relance.plan.line",
        string="Next Instalment",
        compute="_compute_relance_plan_next_line_id",
        help="The plan's next instalment not fully paid; payments on the "
        "plan's invoices go to its instalments in date order.",
    )

    @api.depends("relance_plan_ids.state", "amount_residual")
    def _compute_relance_plan_next_line_id(self):
        for move in self:
            move.relance_plan_next_line_id = move.relance_plan_id.next_line_id

    def _relance_penalty_waived(self):
        """True when a plan accepted, kept or completed waives the
        late-payment penalties of this invoice (not once the plan is broken)."""
        self.ensure_one()
        return any(
            plan.penalty_waived and plan.state in ("accepted", "kept", "completed")
            for plan in self.relance_plan_ids
        )
