from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

# also the selection of account.relance.history.call_outcome
OUTCOMES = [
    ("promise", "Promise to Pay"),
    ("dispute", "Dispute"),
    ("paid", "Says It Is Paid"),
    ("plan", "Payment Plan Requested"),
    ("no_answer", "No Answer"),
    ("wrong_contact", "Wrong Contact"),
]
# Days before calling again a customer who did not answer.
NO_ANSWER_DELAY = 2


def add_working_days(day, count, closed_days=()):
    """``day`` plus ``count`` working days: Monday to Friday, except the dates
    in ``closed_days`` (``res.company._get_relance_closed_days()``; none when
    empty)."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in closed_days:
            count -= 1
    return day


class AccountRelanceCallOutcomeWizard(models.TransientModel):
    """Record how a reminder call went and what follows: a promise pauses the
    invoices, a dispute stops them, a payment plan request drafts a plan of
    the invoices of the call, the accountant checks a payment or fixes a
    contact, no answer calls again two working days later.

    Salespeople without accounting rights use it for their own calls: the
    wizard checks the call is theirs, then writes with superuser rights.
    """

    _name = "account.relance.call.outcome.wizard"
    _description = "Reminder Call Outcome"

    activity_id = fields.Many2one("mail.activity", string="Call", ondelete="cascade")
    # "Log a Call" of the follow-up: the call activity is created only when
    # the outcome is recorded, so that "Discard" leaves nothing behind
    logged_partner_id = fields.Many2one("res.partner", string="Logged Customer")
    logged_company_id = fields.Many2one("res.company", string="Logged Company")
    activity_summary = fields.Char(related="activity_id.summary", string="Summary")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", compute="_compute_partner_id"
    )
    invoice_summary = fields.Html(
        string="Invoices", compute="_compute_invoice_summary", sanitize=False
    )
    outcome = fields.Selection(OUTCOMES, required=True, default="promise")
    promise_date = fields.Date(string="Promised Payment Date")
    dispute_reason = fields.Char()
    plan_instalment_count = fields.Integer(
        string="Instalments Asked For",
        default=3,
        help="Number of monthly instalments the customer asks for; the plan "
        "is drafted with equal instalments, the accountant can change it.",
    )
    plan_start_date = fields.Date(
        string="First Instalment On",
        default=lambda self: self._default_plan_start_date(),
    )
    feedback = fields.Text(help="What the customer said, for the chatter.")

    @api.model
    def _default_plan_start_date(self):
        """A month after today (the company's day)."""
        return self.env.company._get_relance_today() + relativedelta(months=1)

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends("activity_id", "logged_partner_id")
    def _compute_partner_id(self):
        for wizard in self:
            wizard.partner_id = wizard._get_partner()

    @api.depends("activity_id", "logged_partner_id")
    def _compute_invoice_summary(self):
        for wizard in self:
            moves = (
                wizard._get_moves()
                if wizard.activity_id or wizard.logged_partner_id
                else False
            )
            if not moves:
                wizard.invoice_summary = False
                continue
            items = Markup("").join(
                Markup("<li>%s: %s (%s)</li>")
                % (
                    move.name,
                    move.currency_id.format(move.amount_residual),
                    self.env._(
                        "due %(date)s",
                        date=format_date(self.env, move.invoice_date_due),
                    ),
                )
                for move in moves
            )
            wizard.invoice_summary = Markup("<ul>%s</ul>") % items

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_partner(self):
        """The customer (commercial partner) the call is about."""
        self.ensure_one()
        if not self.activity_id and self.logged_partner_id:
            return self.logged_partner_id.commercial_partner_id
        activity = self.activity_id.sudo()
        if not activity.res_model or not activity.res_id:
            return self.env["res.partner"]
        record = self.env[activity.res_model].sudo().browse(activity.res_id)
        if activity.res_model == "res.partner":
            partner = record
        elif "commercial_partner_id" in record._fields:
            partner = record.commercial_partner_id
        else:
            partner = record["partner_id"] if "partner_id" in record._fields else None
        return (partner or self.env["res.partner"]).commercial_partner_id.sudo(False)

    def _get_histories(self):
        if not self.activity_id:
            return self.env["account.relance.history"].sudo()
        return (
            self.env["account.relance.history"]
            .sudo()
            .search([("activity_id", "=", self.activity_id.id)])
        )

    def _get_moves(self):
        """Open overdue invoices the call was about (sudo): those of the
        reminders that scheduled it, else all the customer's overdue ones."""
        self.ensure_one()
        today = self.env.company._get_relance_today()
        Move = self.env["account.move"].sudo()

        def is_open_overdue(move):
            return (
                move.state == "posted"
                and move.move_type == "out_invoice"
                and move.payment_state in ("not_paid", "partial")
                and move.invoice_date_due
                and move.invoice_date_due < today
            )

        moves = self._get_histories().move_id.sudo().filtered(is_open_overdue)
        if moves:
            return moves
        activity = self.activity_id.sudo()
        if activity.res_model == "account.move":
            moves = Move.browse(activity.res_id).filtered(is_open_overdue)
            if moves:
                return moves
        partner = self._get_partner()
        if not partner:
            return Move
        return Move.search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", today),
            ],
            order="invoice_date_due, name",
        )

    def _get_company(self):
        histories = self._get_histories()
        return (
            self.logged_company_id
            or histories.company_id[:1]
            or self._get_moves().company_id[:1]
            or self.env.company
        )

    def _check_can_record(self):
        """The call must be the user's own, unless the user is a reminder manager."""
        self.ensure_one()
        activity = self.activity_id.sudo()
        if not activity or not activity.exists():
            raise UserError(self.env._("This call activity no longer exists."))
        if activity.user_id != self.env.user and not self.env.user.has_group(
            "account_relance_fr.group_relance_manager"
        ):
            raise AccessError(
                self.env._("You can only record the outcome of your own calls.")
            )

    def _schedule_accountant_activity(self, summary, note):
        """A to-do for the accountant on the customer."""
        company = self._get_company()
        return (
            self._get_partner()
            .sudo()
            .activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=note,
                user_id=company._get_relance_accountant().id,
            )
        )

    def _get_feedback(self):
        """The text posted on the chatter when the call is marked done."""
        self.ensure_one()
        label = dict(self._fields["outcome"]._description_selection(self.env))[
            self.outcome
        ]
        details = {
            "promise": self.promise_date
            and self.env._(
                "payment promised for %(date)s",
                date=format_date(self.env, self.promise_date),
            ),
            "dispute": self.dispute_reason,
            "plan": self.plan_start_date
            and self.env._(
                "instalments: %(count)s, the first on %(date)s",
                count=self.plan_instalment_count,
                date=format_date(self.env, self.plan_start_date),
            ),
        }.get(self.outcome)
        parts = [label + (f" ({details})" if details else "")]
        if self.feedback:
            parts.append(self.feedback)
        return "\n".join(parts)

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def _create_logged_call(self):
        """The call activity of a call logged from the follow-up, for the
        current user, due today; created when its outcome is recorded."""
        self.ensure_one()
        company = self._get_company()
        self.activity_id = (
            self.logged_partner_id.with_company(company)
            .activity_schedule(
                "account_relance_fr.mail_activity_type_relance_call",
                date_deadline=company._get_relance_today(),
                summary=self.env._("Call logged from the follow-up"),
                user_id=self.env.user.id,
            )
            .id
        )

    def action_confirm(self):
        """Apply the outcome, then close the call (or move it for no answer).

        A call logged from the follow-up gets its activity now: done at once,
        or kept two working days later when nobody answered.

        :raise UserError: a detail of the outcome missing, or no call to record
        """
        self.ensure_one()
        if not self.activity_id and self.logged_partner_id:
            self._create_logged_call()
        self._check_can_record()
        activity = self.activity_id.sudo()
        partner = self._get_partner().sudo()
        moves = self._get_moves()
        if self.outcome == "promise":
            if not self.promise_date:
                raise UserError(self.env._("Give the promised payment date."))
            if not moves:
                raise UserError(
                    self.env._("The customer has no overdue invoice to promise for.")
                )
            moves.action_relance_set_promise(self.promise_date)
        elif self.outcome == "dispute":
            if not self.dispute_reason:
                raise UserError(self.env._("Give the reason of the dispute."))
            if not moves:
                raise UserError(
                    self.env._("The customer has no overdue invoice to dispute.")
                )
            moves.action_relance_set_dispute(self.dispute_reason)
        elif self.outcome == "plan":
            plan = self._create_plan(moves)
            # read before the call closes: closing it deletes this wizard
            feedback = self.feedback or ""
            self._write_history()
            activity.with_context(relance_call_outcome_recorded=True).action_feedback(
                feedback=self._get_feedback()
            )
            return self._plan_action(plan, feedback)
        elif self.outcome == "paid":
            self._schedule_accountant_activity(
                self.env._("Check a payment"),
                self.env._(
                    "%(customer)s says the invoices %(invoices)s are paid: check the "
                    "bank statements and reconcile. %(feedback)s",
                    customer=partner.display_name,
                    invoices=", ".join(moves.mapped("name")) or "-",
                    feedback=self.feedback or "",
                ),
            )
        elif self.outcome == "wrong_contact":
            self._schedule_accountant_activity(
                self.env._("Fix the reminder contact"),
                self.env._(
                    "The reminder call to %(customer)s reached the wrong person: "
                    "update the invoicing contact. %(feedback)s",
                    customer=partner.display_name,
                    feedback=self.feedback or "",
                ),
            )
        elif self.outcome == "no_answer":
            company = self._get_company()
            new_date = add_working_days(
                self.env.company._get_relance_today(),
                NO_ANSWER_DELAY,
                closed_days=company._get_relance_closed_days()
                if company.relance_skip_holidays
                else (),
            )
            activity.write({"date_deadline": new_date})
            self._write_history()
            partner.message_post(
                body=self.env._(
                    "Reminder call: no answer. Next attempt on %(date)s. %(feedback)s",
                    date=format_date(self.env, new_date),
                    feedback=self.feedback or "",
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
            return self._reload_action()
        self._write_history()
        activity.with_context(relance_call_outcome_recorded=True).action_feedback(
            feedback=self._get_feedback()
        )
        return self._reload_action()

    def _create_plan(self, moves):
        """A draft payment plan of the call's invoices (those of the currency
        of the oldest one), in equal monthly instalments, with what the
        customer said; written as superuser for the salespeople.

        :raise UserError: no overdue invoice, no instalment or no date
        :raise ValidationError: a consumer's plan beyond 3 months (see
            ``account.relance.plan._check_consumer_duration``)
        """
        self.ensure_one()
        if not moves:
            raise UserError(
                self.env._("The customer has no overdue invoice to spread out.")
            )
        if self.plan_instalment_count < 1 or not self.plan_start_date:
            raise UserError(
                self.env._(
                    "Give the number of instalments and the date of the first one."
                )
            )
        company = self._get_company()
        currency = moves.sorted(lambda move: (move.invoice_date_due, move.id))[
            :1
        ].currency_id
        return (
            self.env["account.relance.plan"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "partner_id": self._get_partner().id,
                    "company_id": company.id,
                    "currency_id": currency.id,
                    "date": company._get_relance_today(),
                    "scope": "selection",
                    "move_ids": [
                        Command.set(
                            moves.filtered(
                                lambda move: move.currency_id == currency
                            ).ids
                        )
                    ],
                    "split_mode": "equal",
                    "period": "month",
                    "instalment_count": self.plan_instalment_count,
                    "start_date": self.plan_start_date,
                    "note": self.feedback or False,
                }
            )
        )

    @api.model
    def _plan_action(self, plan, feedback):
        """The plan's form for a reminder accountant; for a salesperson, a
        to-do for the accountant on the plan and the dialog closes.

        :param feedback: what the customer said, for the accountant
        """
        if self.env.user.has_group("account_relance_fr.group_relance_manager"):
            return {
                "type": "ir.actions.act_window",
                "res_model": plan._name,
                "res_id": plan.id,
                "view_mode": "form",
                "views": [(False, "form")],
            }
        accountant = plan.company_id._get_relance_accountant()
        env = self.with_context(lang=accountant.lang or self.env.lang).env
        plan.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=env._("Payment plan requested during a call"),
            note=env._(
                "%(user)s drafted this plan during a reminder call: check it and "
                "propose it to the customer. %(feedback)s",
                user=self.env.user.name,
                feedback=feedback,
            ),
            user_id=accountant.id,
        )
        return self._reload_action()

    def _write_history(self):
        """The outcome and its note on the reminders that scheduled the call,
        as evidence of the exchange with the customer."""
        self._get_histories().write(
            {
                "call_outcome": self.outcome,
                "call_date": self.env.company._get_relance_today(),
                "call_user_id": self.env.user.id,
                "call_note": self._get_feedback(),
            }
        )

    def _reload_action(self):
        """Close the wizard: the screen that opened it (the chatter's "Done",
        the activity form) reloads itself when the dialog closes."""
        return {"type": "ir.actions.act_window_close"}
