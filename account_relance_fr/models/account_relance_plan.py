from datetime import date, timedelta

import pytz
from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount, format_date

PLAN_STATES = [
    ("draft", "Draft"),
    ("proposed", "Proposed"),
    ("accepted", "Accepted"),
    ("kept", "On Schedule"),
    ("broken", "Defaulted"),
    ("completed", "Completed"),
    ("cancelled", "Withdrawn"),
]
# states in which the covered invoices leave the reminder ladder
RUNNING_STATES = ("accepted", "kept")
# C. conso L312-4 5°: a free credit repaid within 3 months is not consumer credit
CONSUMER_FREE_MONTHS = 3


class AccountRelancePlan(models.Model):
    """A payment plan (échéancier) agreed with a customer.

    The plan covers invoices of one customer, company and currency; its
    instalments (``line_ids``) split the amount owed at creation. While the
    plan is accepted or kept, its invoices leave the reminder ladder (the
    engine skips them); each instalment gets its own reminders; a missed
    instalment past the grace period breaks the plan (déchéance du terme) and
    the ladder resumes with the remaining balance. The customer's acceptance
    is an acknowledgment of debt (C. civ. 2240) that interrupts prescription.
    """

    _name = "account.relance.plan"
    _description = "Payment Plan"
    _inherit = ["mail.thread", "mail.activity.mixin", "portal.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        domain="[('share', '=', False)]",
        help="Who follows the plan: the activities of the plan (accepted on the "
        "customer page, signed copy received, plan broken) go to this person, "
        "else to the company's reminder manager.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    date = fields.Date(
        string="Plan Date",
        required=True,
        default=lambda self: self.env.company._get_relance_today(),
        help="Day the plan is drawn up; the 3-month limit of consumers runs from it.",
    )
    scope = fields.Selection(
        [("overdue", "Whole Overdue Balance"), ("selection", "Selected Invoices")],
        required=True,
        default="overdue",
    )
    move_ids = fields.Many2many(
        "account.move",
        "account_relance_plan_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), "
        "('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial')), "
        "('currency_id', '=', currency_id)]",
    )
    amount_total = fields.Monetary(
        string="Amount Owed",
        compute="_compute_amount_total",
        store=True,
        readonly=False,
        help="Balance of the covered invoices when the plan was drawn up.",
    )
    split_mode = fields.Selection(
        [("equal", "Equal Instalments"), ("manual", "Amounts Typed")],
        string="Instalments",
        required=True,
        default="equal",
    )
    instalment_count = fields.Integer(string="Number of Instalments", default=3)
    period = fields.Selection(
        [("week", "Weekly"), ("month", "Monthly")],
        string="Every",
        required=True,
        default="month",
    )
    start_date = fields.Date(
        string="First Instalment",
        required=True,
        default=lambda self: self.env.company._get_relance_today(),
    )
    grace_days = fields.Integer(
        default=lambda self: self.env.company.relance_plan_grace_days,
        help="Days after an instalment date before the plan is broken.",
    )
    penalty_waived = fields.Boolean(
        string="Penalties Waived",
        help="Late-payment penalties are not claimed as long as the plan is kept.",
    )
    line_ids = fields.One2many(
        "account.relance.plan.line", "plan_id", string="Schedule", copy=True
    )
    state = fields.Selection(
        PLAN_STATES, default="draft", required=True, tracking=True, index=True
    )
    answer_id = fields.Many2one(
        "account.relance.answer", string="Customer Request", readonly=True
    )
    note = fields.Text()
    amount_paid = fields.Monetary(compute="_compute_amounts")
    amount_remaining = fields.Monetary(compute="_compute_amounts")
    next_line_id = fields.Many2one(
        "account.relance.plan.line",
        string="Next Instalment",
        compute="_compute_amounts",
    )
    last_date = fields.Date(string="Last Instalment", compute="_compute_last_date")
    legal_warning = fields.Char(compute="_compute_legal_warning")
    accepted_on = fields.Datetime(readonly=True, copy=False)
    accepted_ip = fields.Char(string="Accepted From IP", readonly=True, copy=False)
    accepted_by = fields.Char(
        readonly=True,
        copy=False,
        help="Name given by the customer when accepting on the customer page.",
    )
    broken_on = fields.Date(readonly=True, copy=False)
    completed_on = fields.Date(
        readonly=True,
        copy=False,
        help="Day the daily check found the plan paid to the end.",
    )
    signed_copy = fields.Binary(
        attachment=True,
        copy=False,
        help="The acknowledgment letter returned signed by the customer.",
    )
    signed_copy_name = fields.Char(string="Signed Copy File Name", copy=False)

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------

    @api.depends("partner_id", "date", "company_id.partner_id.lang")
    def _compute_name(self):
        # stored: in the company's language, whoever creates the plan (what
        # the customer reads is rendered in the customer's language)
        for plan in self:
            env = plan.with_context(lang=plan.company_id.partner_id.lang or "en_US").env
            plan.name = env._(
                "Payment plan %(customer)s %(date)s",
                customer=plan.partner_id.display_name or "",
                date=format_date(env, plan.date) if plan.date else "",
            )

    @api.depends("move_ids")
    def _compute_amount_total(self):
        # frozen once proposed: the invoices and amounts no longer change
        for plan in self.filtered(lambda plan: plan.state == "draft"):
            plan.amount_total = sum(plan.move_ids.mapped("amount_residual"))

    @api.depends("amount_total", "line_ids.amount", "move_ids.amount_residual", "state")
    def _compute_amounts(self):
        for plan in self:
            paid = plan._get_paid_amount()
            plan.amount_paid = paid
            plan.amount_remaining = max(plan.amount_total - paid, 0.0)
            plan.next_line_id = plan.line_ids._sorted_by_date().filtered(
                lambda line: line.state != "paid"
            )[:1]

    @api.depends("line_ids.date")
    def _compute_last_date(self):
        for plan in self:
            plan.last_date = max(plan.line_ids.mapped("date"), default=False)

    @api.depends("partner_id", "date", "line_ids.date", "company_id")
    def _compute_legal_warning(self):
        for plan in self:
            plan.legal_warning = (
                self.env._(
                    "This plan lasts more than 3 months for a consumer: it may fall "
                    "under the consumer-credit rules (Code de la consommation, "
                    "L312-4 5°)."
                )
                if plan._is_long_consumer_plan()
                else False
            )

    # ------------------------------------------------------------------
    # CONSTRAINTS AND ONCHANGES
    # ------------------------------------------------------------------

    @api.constrains("partner_id", "date", "line_ids", "company_id")
    def _check_consumer_duration(self):
        for plan in self:
            if (
                plan._is_long_consumer_plan()
                and not plan.company_id.relance_plan_allow_long_consumer
            ):
                raise ValidationError(
                    self.env._(
                        "A free payment plan granted to a consumer must end within 3 "
                        "months, by %(limit)s; the last instalment of this plan is on "
                        "%(last)s. Beyond that, it is a consumer credit (Code de la "
                        "consommation, L312-4 5°). Shorten the plan, or allow longer "
                        "plans in the settings.",
                        limit=format_date(self.env, plan._get_consumer_limit()),
                        last=format_date(self.env, plan.last_date),
                    )
                )

    @api.constrains("move_ids", "state")
    def _check_moves(self):
        for plan in self:
            if plan.move_ids.commercial_partner_id - plan.partner_id:
                raise ValidationError(
                    self.env._("A plan covers invoices of its own customer only.")
                )
            if len(plan.move_ids.currency_id) > 1:
                raise ValidationError(
                    self.env._("A plan covers invoices of one currency only.")
                )
            if plan.state not in ("draft", "cancelled", "broken", "completed"):
                others = self.search(
                    [
                        ("id", "!=", plan.id),
                        ("move_ids", "in", plan.move_ids.ids),
                        ("state", "in", ("proposed", *RUNNING_STATES)),
                    ],
                    limit=1,
                )
                if others:
                    raise ValidationError(
                        self.env._(
                            "Some invoices are already covered by another "
                            "payment plan: %(plan)s.",
                            plan=others.name,
                        )
                    )

    @api.onchange("partner_id", "scope", "currency_id", "date")
    def _onchange_scope(self):
        if self.scope == "overdue" and self.partner_id:
            self.move_ids = self._get_overdue_moves()

    @api.onchange(
        "split_mode",
        "instalment_count",
        "period",
        "start_date",
        "amount_total",
        "move_ids",
    )
    def _onchange_schedule(self):
        if self.split_mode == "equal" and self.state == "draft":
            self.line_ids = [fields.Command.clear()] + [
                fields.Command.create(values) for values in self._get_equal_schedule()
            ]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        plans = super().create(vals_list)
        for plan in plans:
            if plan.scope == "overdue" and not plan.move_ids:
                plan.move_ids = plan._get_overdue_moves()
            if plan.split_mode == "equal" and not plan.line_ids:
                plan.line_ids = [
                    fields.Command.create(values)
                    for values in plan._get_equal_schedule()
                ]
        return plans

    def write(self, vals):
        frozen = {"move_ids", "amount_total", "line_ids", "partner_id", "currency_id"}
        if frozen & set(vals) and self.filtered(
            lambda plan: plan.state not in ("draft", "proposed")
        ):
            raise UserError(
                self.env._(
                    "An accepted plan cannot be changed: cancel it and draw up a "
                    "new one."
                )
            )
        signed = self.browse()
        if vals.get("signed_copy"):
            # the responsible uploading it needs no reminder of it
            signed = self.filtered(
                lambda plan: plan.state in ("draft", "proposed")
                and plan._get_responsible() != self.env.user
            )
        result = super().write(vals)
        for plan in signed:
            plan._schedule_responsible_activity(
                lambda env: env._("Signed payment plan received"),
                lambda env, plan: env._(
                    "%(customer)s returned the payment plan signed: check the "
                    "signed copy and mark the plan as accepted.",
                    customer=plan.partner_id.display_name,
                ),
            )
        return result

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_compute_schedule(self):
        """Split the amount owed into equal instalments again (draft only)."""
        for plan in self.filtered(lambda plan: plan.state == "draft"):
            plan.line_ids = [fields.Command.clear()] + [
                fields.Command.create(values) for values in plan._get_equal_schedule()
            ]
        return True

    def action_propose(self):
        """Propose the plan to the customer: check the schedule, email the
        acknowledgment letter and the link of the acceptance page.

        :raise UserError: no invoice, no instalment, instalments not adding
            up to the amount owed
        """
        for plan in self:
            plan._check_schedule()
        self.write({"state": "proposed"})
        template = self.env.ref(
            "account_relance_fr.mail_template_relance_plan_proposed"
        )
        for plan in self:
            plan._ensure_access_token()
            plan._post_customer_template(template, attach_letter=True)
        # the accountant often proposes during a call: the email leaves now
        self.env["account.relance.run"]._trigger_mail_queue()
        return True

    def action_accept(self):
        """Record the plan as accepted by the customer (signed copy returned,
        or agreed by phone): its invoices leave the reminder ladder."""
        for plan in self:
            if plan.state not in ("draft", "proposed"):
                raise UserError(
                    self.env._("Only a draft or proposed plan can be accepted.")
                )
            plan._check_schedule()
        self.write({"state": "accepted"})
        return True

    def action_cancel(self):
        """Cancel the plan; its invoices return to the ladder where they stood."""
        self.filtered(lambda plan: plan.state not in ("completed",)).write(
            {"state": "cancelled"}
        )
        return True

    def action_draft(self):
        """Back to draft, to change a cancelled or proposed plan."""
        self.filtered(lambda plan: plan.state in ("proposed", "cancelled")).write(
            {"state": "draft", "accepted_on": False, "accepted_ip": False}
        )
        return True

    def action_print_letter(self):
        """The acknowledgment letter to print or send for signature."""
        return self.env.ref(
            "account_relance_fr.action_report_relance_plan"
        ).report_action(self)

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_overdue_moves(self):
        """The customer's posted invoices past due and unpaid, in the plan's
        currency and company."""
        self.ensure_one()
        if not self.partner_id:
            return self.env["account.move"]
        return self.env["account.move"].search(
            [
                (
                    "commercial_partner_id",
                    "=",
                    self.partner_id.commercial_partner_id.id,
                ),
                ("company_id", "=", self.company_id.id or self.env.company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("currency_id", "=", self.currency_id.id),
                (
                    "invoice_date_due",
                    "<",
                    self.date
                    or (self.company_id or self.env.company)._get_relance_today(),
                ),
            ]
        )

    def _get_equal_schedule(self):
        """[{date, amount}] of ``instalment_count`` equal instalments from
        ``start_date``, the rounding difference on the last one (currency of
        the plan)."""
        self.ensure_one()
        count = self.instalment_count
        if count < 1 or not self.start_date:
            return []
        currency = self.currency_id or self.env.company.currency_id
        share = currency.round(self.amount_total / count)
        step = (
            relativedelta(weeks=1) if self.period == "week" else relativedelta(months=1)
        )
        schedule = [
            {
                "sequence": index + 1,
                "date": self.start_date + step * index,
                "amount": share,
            }
            for index in range(count)
        ]
        schedule[-1]["amount"] = currency.round(self.amount_total - share * (count - 1))
        return schedule

    def _check_schedule(self):
        self.ensure_one()
        if not self.move_ids:
            raise UserError(self.env._("Choose the invoices the plan covers."))
        if not self.line_ids:
            raise UserError(self.env._("The plan has no instalment."))
        if any(
            self.currency_id.compare_amounts(line.amount, 0) <= 0
            for line in self.line_ids
        ):
            raise UserError(self.env._("Every instalment must be above zero."))
        total = sum(self.line_ids.mapped("amount"))
        if self.currency_id.compare_amounts(total, self.amount_total):
            raise UserError(
                self.env._(
                    "The instalments add up to %(total)s but the amount owed is "
                    "%(owed)s.",
                    total=format_amount(self.env, total, self.currency_id),
                    owed=format_amount(self.env, self.amount_total, self.currency_id),
                )
            )

    def _get_paid_amount(self):
        """Amount paid on the covered invoices since the plan was drawn up, in
        the plan's currency: the amount owed less their residual."""
        self.ensure_one()
        residual = sum(self.move_ids.mapped("amount_residual"))
        return min(max(self.amount_total - residual, 0.0), self.amount_total)

    def _get_paid_before_plan(self):
        """What the covered invoices had already been paid when the plan was
        drawn up: their totals less the amount owed of the plan (in the plan's
        currency), 0.0 when nothing was paid."""
        self.ensure_one()
        paid = sum(self.move_ids.mapped("amount_total")) - self.amount_total
        return paid if self.currency_id.compare_amounts(paid, 0) > 0 else 0.0

    def _get_consumer_limit(self):
        self.ensure_one()
        return self.date + relativedelta(months=CONSUMER_FREE_MONTHS)

    def _is_long_consumer_plan(self):
        """True for a consumer's plan whose last instalment is more than 3
        months after the plan date (C. conso L312-4 5°)."""
        self.ensure_one()
        if not (self.partner_id and self.date and self.last_date):
            return False
        regime = self.env["account.relance.penalty"]._get_regime(self.partner_id)
        return regime == "consumer" and self.last_date > self._get_consumer_limit()

    def _ensure_access_token(self):
        self._portal_ensure_token()
        return self.access_token

    def _get_acceptance_url(self):
        """Relative URL of the customer's acceptance page, with its token."""
        self.ensure_one()
        return f"/relance/plan/{self.id}?access_token={self._ensure_access_token()}"

    def _get_contact(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        return partner._get_relance_contact(self.move_ids) or partner

    def _post_customer_template(self, template, attach_letter=False):
        """Render ``template`` on the plan in the customer's language and post
        it, emailed to the reminder contact (an internal note without email)."""
        self.ensure_one()
        contact = self._get_contact()
        lang = self.partner_id._get_relance_lang(contact)
        plan = self.with_context(lang=lang)
        template = template.with_env(plan.env).sudo()
        subject = template._render_field("subject", plan.ids)[plan.id]
        body = template._render_field("body_html", plan.ids)[plan.id]
        attachments = self.env["ir.attachment"]
        if attach_letter:
            attachments = plan._create_letter_attachment()
        company = self.company_id
        thread = plan.sudo().with_context(
            mail_notify_force_send=False, mail_post_autofollow=False
        )
        if not contact.email:
            return thread.message_post(
                body=body,
                subject=subject,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                attachment_ids=attachments.ids,
            )
        return thread.message_post(
            body=body,
            subject=subject,
            author_id=company.partner_id.id,
            email_from=company._get_relance_sender(),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=contact.ids,
            attachment_ids=attachments.ids,
            email_layout_xmlid="account_relance_fr.relance_mail_layout",
        )

    def _create_letter_attachment(self):
        """The acknowledgment letter as a PDF attachment of the plan, in the
        language of the environment."""
        self.ensure_one()
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            "account_relance_fr.action_report_relance_plan", self.ids
        )
        return self.env["ir.attachment"].create(
            {
                "name": self.env._(
                    "Payment plan %(customer)s.pdf",
                    customer=self.partner_id.display_name,
                ),
                "raw": content,
                "mimetype": "application/pdf",
                "res_model": self._name,
                "res_id": self.id,
            }
        )

    def _get_acceptance_text(self):
        """One sentence recording the acceptance on the customer page, in the
        language of the environment (the letter's, the page's): the name
        typed, the date and time in the customer's time zone (Europe/Paris
        when none), the IP address."""
        self.ensure_one()
        if not self.accepted_on:
            return ""
        tz_name = self.partner_id.tz or "Europe/Paris"
        moment = pytz.utc.localize(self.accepted_on).astimezone(pytz.timezone(tz_name))
        return self.env._(
            "Accepted on the customer page by %(name)s on %(date)s at %(time)s "
            "(%(place)s time, IP address %(ip)s).",
            name=self.accepted_by or "",
            date=format_date(self.env, moment.date()),
            time=moment.strftime("%H:%M:%S"),
            place=tz_name.rsplit("/", 1)[-1].replace("_", " "),
            ip=self.accepted_ip or "",
        )

    def _get_acceptance_obstacle(self):
        """Why the customer can no longer accept the plan as it stands, in the
        language of the environment, else ``False``: an instalment still
        unpaid is past its last day to pay (the daily check would break the
        plan the day after its acceptance)."""
        self.ensure_one()
        today = self.company_id._get_relance_today()
        late = self.line_ids._sorted_by_date().filtered(
            lambda line: line.state != "paid" and line._is_past_grace(today)
        )[:1]
        if not late:
            return False
        return self.env._(
            "The instalment of %(date)s has passed: this payment plan can no "
            "longer be accepted as it stands. Please contact us to agree on new "
            "dates.",
            date=format_date(self.env, late.date),
        )

    def _accept_from_portal(self, name, ip_address):
        """Record the customer's acceptance from the acceptance page.

        :param name: the name the customer typed (who signs)
        :param ip_address: the request's remote address, kept as evidence
        :raise ValidationError: plan not proposed any more, or no name
        """
        self.ensure_one()
        name = (name or "").strip()[:128]
        if self.state != "proposed":
            raise ValidationError(
                self.env._("This payment plan can no longer be accepted.")
            )
        obstacle = self._get_acceptance_obstacle()
        if obstacle:
            raise ValidationError(obstacle)
        if not name:
            raise ValidationError(
                self.env._("Type your name to accept the payment plan.")
            )
        self.sudo().write(
            {
                "state": "accepted",
                "accepted_on": fields.Datetime.now(),
                "accepted_ip": ip_address,
                "accepted_by": name,
            }
        )
        accountant = self._get_responsible()
        env = self.with_context(lang=accountant.lang or self.env.lang).env
        self.sudo().message_post(
            body=Markup("<p>%s</p>")
            % env._(
                "Accepted on the customer page by %(name)s from %(ip)s.",
                name=name,
                ip=ip_address,
            ),
            author_id=self.partner_id.id,
            subtype_xmlid="mail.mt_note",
        )
        self._schedule_responsible_activity(
            lambda env: env._("Payment plan accepted by the customer"),
            lambda env, plan: env._(
                "%(customer)s accepted the payment plan of %(amount)s on the "
                "customer page (%(name)s): check the first instalment of "
                "%(date)s.",
                customer=plan.partner_id.display_name,
                amount=format_amount(env, plan.amount_total, plan.currency_id),
                name=name,
                date=format_date(env, plan.line_ids._sorted_by_date()[:1].date),
            ),
        )
        return True

    def _get_responsible(self):
        """Who gets the plan's activities: its responsible, else the company's
        reminder manager (res.users)."""
        self.ensure_one()
        return self.user_id or self.company_id._get_relance_accountant()

    def _schedule_responsible_activity(self, summary, note):
        """A to-do on the plan for its responsible, written in that person's
        language.

        :param summary: function(env) returning the summary
        :param note: function(env, plan) returning the note (plain text)
        """
        self.ensure_one()
        user = self._get_responsible()
        env = self.with_context(lang=user.lang or self.env.lang).env
        plan = self.with_env(env).sudo()
        return plan.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary(env),
            note=Markup("<p>%s</p>") % note(env, plan),
            user_id=user.id,
        )

    # ------------------------------------------------------------------
    # SQL OF THE SCREENS AND FIGURES
    # ------------------------------------------------------------------

    @api.model
    def _get_instalments_left_sql(self, where=None):
        """SQL rows of the instalments still to pay of the running plans
        (accepted or kept), as :meth:`AccountRelancePlanLine._compute_paid`
        allocates the payments: what the covered invoices lost of their
        balance since the plan was drawn up goes to the instalments in date
        order.

        :param where: optional ``SQL`` condition on the table ``plan``
            (``account_relance_plan``)
        :return: ``SQL`` with the columns ``line_id, plan_id, partner_id,
            company_id, currency_id, date, sequence, amount_left`` (in the
            plan's currency, above half its rounding)
        """
        return SQL(
            """
            SELECT line.id AS line_id, line.plan_id, plan.partner_id,
                   plan.company_id, plan.currency_id, line.date, line.sequence,
                   line.amount - LEAST(GREATEST(plan.paid - line.before, 0),
                                       line.amount) AS amount_left
              FROM (SELECT plan.id, plan.partner_id, plan.company_id,
                           plan.currency_id,
                           LEAST(GREATEST(COALESCE(plan.amount_total, 0)
                                          - COALESCE(SUM(move.amount_residual), 0),
                                          0),
                                 COALESCE(plan.amount_total, 0)) AS paid
                      FROM account_relance_plan plan
                 LEFT JOIN account_relance_plan_move_rel rel ON rel.plan_id = plan.id
                 LEFT JOIN account_move move ON move.id = rel.move_id
                     WHERE plan.state IN %(running)s AND %(where)s
                  GROUP BY plan.id) AS plan
              JOIN (SELECT line.id, line.plan_id, line.date, line.sequence,
                           line.amount,
                           SUM(line.amount) OVER (
                               PARTITION BY line.plan_id
                               ORDER BY line.date, line.sequence, line.id
                           ) - line.amount AS before
                      FROM account_relance_plan_line line) AS line
                ON line.plan_id = plan.id
              JOIN res_currency currency ON currency.id = plan.currency_id
             WHERE line.amount - LEAST(GREATEST(plan.paid - line.before, 0),
                                       line.amount) > currency.rounding / 2
            """,
            running=RUNNING_STATES,
            where=where or SQL("TRUE"),
        )

    @api.model
    def _flush_for_sql(self):
        """Flush what the SQL of :meth:`_get_instalments_left_sql` reads."""
        self.flush_model()
        self.env["account.relance.plan.line"].flush_model()
        self.env["account.move"].flush_model(["amount_residual"])

    @api.model
    def _get_next_instalments(self, partners):
        """The next instalment of each customer under a running plan.

        :param partners: commercial partners (``res.partner``)
        :return: ``{(partner id, company id): (plan id, date or None, amount
            left in the plan's currency or None, currency id)}``
        """
        if not partners:
            return {}
        self._flush_for_sql()
        rows = self.env.execute_query(
            self._get_next_instalment_sql(
                SQL("plan.partner_id = ANY(%s)", partners.ids)
            )
        )
        return {
            (partner_id, company_id): (plan_id, day, amount, currency_id)
            for partner_id, company_id, plan_id, day, amount, currency_id in rows
        }

    @api.model
    def _get_next_instalment_sql(self, where=None):
        """SQL rows of the customers under a running plan, one per customer
        and company: ``partner_id, company_id, plan_id`` (the plan of the next
        instalment, else one of the running plans), ``next_date``,
        ``next_amount`` (left to pay on the earliest instalment not fully
        paid, in the plan's currency), ``currency_id`` (the plan's).

        :param where: optional ``SQL`` condition on the table ``plan``
        """
        where = where or SQL("TRUE")
        return SQL(
            """
            SELECT plan.partner_id, plan.company_id,
                   COALESCE(next.plan_id, MIN(plan.id)) AS plan_id,
                   next.date AS next_date,
                   next.amount_left AS next_amount,
                   COALESCE(next.currency_id, MIN(plan.currency_id)) AS currency_id
              FROM account_relance_plan plan
         LEFT JOIN (SELECT DISTINCT ON (left_line.partner_id, left_line.company_id)
                           left_line.*
                      FROM (%(left)s) AS left_line
                  ORDER BY left_line.partner_id, left_line.company_id,
                           left_line.date, left_line.sequence, left_line.line_id
                   ) AS next
                ON next.partner_id = plan.partner_id
               AND next.company_id = plan.company_id
             WHERE plan.state IN %(running)s AND %(where)s
          GROUP BY plan.partner_id, plan.company_id, next.plan_id, next.date,
                   next.amount_left, next.currency_id
            """,
            left=self._get_instalments_left_sql(where),
            running=RUNNING_STATES,
            where=where,
        )

    # ------------------------------------------------------------------
    # DAILY CHECK
    # ------------------------------------------------------------------

    @api.model
    def _cron_check_plans(self):
        """Daily job: follow the running plans (accepted or kept).

        Per plan, from the covered invoices' residual (payments allocated to
        the instalments in order): all paid → completed; an instalment unpaid
        after its date plus the grace days → broken (déchéance du terme:
        activity for the accountant, email to the customer, the invoices return
        to the ladder where they stood); else kept once an instalment is paid.
        Then sends the instalment reminders (``_send_instalment_reminders``).

        :return: the plans broken
        """
        plans = self.search([("state", "in", RUNNING_STATES)])
        broken = self.browse()
        for company, company_plans in plans.grouped("company_id").items():
            today = company._get_relance_today()
            for plan in company_plans:
                plan_state = plan._get_follow_state(today)
                if plan_state == "broken":
                    broken |= plan
                elif plan_state == "completed":
                    plan.write({"state": "completed", "completed_on": today})
                elif plan_state != plan.state:
                    plan.state = plan_state
            running = (
                company_plans.filtered(lambda plan: plan.state in RUNNING_STATES)
                - broken
            )
            running._send_instalment_reminders(today)
        broken._break()
        return broken

    def _get_follow_state(self, today):
        """The state the plan should have on ``today``: completed, broken, kept
        or accepted."""
        self.ensure_one()
        lines = self.line_ids
        if all(line.state == "paid" for line in lines) or all(
            move.payment_state in ("paid", "in_payment", "reversed")
            for move in self.move_ids
        ):
            return "completed"
        if any(line.state != "paid" and line._is_past_grace(today) for line in lines):
            return "broken"
        return "kept" if any(line.paid_amount for line in lines) else self.state

    def _break(self):
        """Déchéance du terme: the plan ends, the accountant gets an activity,
        the customer an email; the invoices return to the ladder."""
        if not self:
            return
        today_by_company = {
            company: company._get_relance_today() for company in self.company_id
        }
        for plan in self:
            plan.write(
                {"state": "broken", "broken_on": today_by_company[plan.company_id]}
            )
        template = self.env.ref("account_relance_fr.mail_template_relance_plan_broken")
        for plan in self:
            # the customer first: the accountant then follows the plan
            plan._post_customer_template(template)
            accountant = plan._get_responsible()
            env = self.with_context(lang=accountant.lang or self.env.lang).env
            plan.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=env._("Payment plan broken"),
                note=env._(
                    "%(customer)s missed the instalment of %(date)s; the plan is "
                    "broken and the reminders resume for %(amount)s.",
                    customer=plan.partner_id.display_name,
                    date=format_date(env, plan.next_line_id.date),
                    amount=format_amount(env, plan.amount_remaining, plan.currency_id),
                ),
                user_id=accountant.id,
            )

    def _send_instalment_reminders(self, today):
        """Préventive a few days before each instalment, reminder the day after
        an instalment still unpaid (company settings), once each."""
        before = self.env.ref(
            "account_relance_fr.mail_template_relance_plan_instalment_before"
        )
        after = self.env.ref(
            "account_relance_fr.mail_template_relance_plan_instalment_after"
        )
        for plan in self:
            company = plan.company_id
            for line in plan.line_ids.filtered(lambda line: line.state != "paid"):
                days_to_go = (line.date - today).days
                if (
                    not line.preventive_sent
                    and 0 <= days_to_go <= company.relance_plan_days_before
                ):
                    line.preventive_sent = True
                    plan.with_context(
                        relance_plan_line_id=line.id
                    )._post_customer_template(before)
                elif (
                    not line.reminder_sent
                    and -days_to_go >= company.relance_plan_days_after
                ):
                    line.reminder_sent = True
                    plan.with_context(
                        relance_plan_line_id=line.id
                    )._post_customer_template(after)

    def _get_reminded_line(self):
        """The instalment a reminder email is about (from the context)."""
        self.ensure_one()
        line_id = self.env.context.get("relance_plan_line_id")
        return self.line_ids.filtered(lambda line: line.id == line_id)[:1]


class AccountRelancePlanLine(models.Model):
    """One instalment of a payment plan. Its paid amount comes from the
    payments on the plan's invoices, allocated to the instalments in date
    order."""

    _name = "account.relance.plan.line"
    _description = "Payment Plan Instalment"
    _order = "plan_id, date, sequence, id"

    plan_id = fields.Many2one(
        "account.relance.plan", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=1)
    date = fields.Date(required=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    amount = fields.Monetary(required=True)
    paid_amount = fields.Monetary(compute="_compute_paid")
    state = fields.Selection(
        [("due", "To Pay"), ("partial", "Partially Paid"), ("paid", "Paid")],
        compute="_compute_paid",
    )
    preventive_sent = fields.Boolean(readonly=True, copy=False)
    reminder_sent = fields.Boolean(readonly=True, copy=False)

    @api.depends(
        "amount", "date", "plan_id.amount_total", "plan_id.move_ids.amount_residual"
    )
    def _compute_paid(self):
        for plan, lines in self.grouped("plan_id").items():
            left = plan._get_paid_amount() if plan.state != "draft" else 0.0
            currency = plan.currency_id
            for line in plan.line_ids._sorted_by_date():
                if line not in lines:
                    left -= min(left, line.amount)
                    continue
                paid = min(left, line.amount)
                left -= paid
                line.paid_amount = paid
                line.state = (
                    "paid"
                    if not currency.compare_amounts(paid, line.amount)
                    else ("partial" if currency.compare_amounts(paid, 0) > 0 else "due")
                )
        for line in self.filtered(lambda line: not line.plan_id):
            line.paid_amount = 0.0
            line.state = "due"

    @api.depends("date", "amount", "paid_amount")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for line in self:
            if not line.date:
                line.display_name = False
                continue
            values = {
                "amount": format_amount(self.env, line.amount, line.currency_id),
                "date": format_date(self.env, line.date),
            }
            if line.state == "partial":
                line.display_name = self.env._(
                    "%(amount)s on %(date)s (%(left)s left)",
                    left=format_amount(
                        self.env, line.amount - line.paid_amount, line.currency_id
                    ),
                    **values,
                )
            else:
                line.display_name = self.env._("%(amount)s on %(date)s", **values)

    def _sorted_by_date(self):
        """The instalments in payment order: date, sequence (a new line
        without date comes last)."""
        return self.sorted(
            lambda line: (line.date or date.max, line.sequence, line.id or 0)
        )

    def _get_last_pay_date(self):
        """The last day to pay the instalment before the plan is broken: its
        date plus the plan's grace days (``datetime.date``)."""
        self.ensure_one()
        return self.date + timedelta(days=self.plan_id.grace_days)

    def _is_past_grace(self, today):
        """True when ``today`` is after the instalment date plus the grace days."""
        self.ensure_one()
        return today > self._get_last_pay_date()
