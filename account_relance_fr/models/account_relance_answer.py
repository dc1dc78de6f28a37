from datetime import timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import email_normalize, format_amount, format_date

ANSWER_KINDS = [
    ("receipt", "Receipt Confirmed"),
    ("paid", "Already Paid"),
    ("dispute", "Dispute"),
    ("promise", "Promise to Pay"),
    ("plan", "Payment Plan Request"),
    ("contact", "Contact Correction"),
]
DISPUTE_REASONS = [
    ("not_received", "Goods or service not received"),
    ("defective", "Goods or service not compliant"),
    ("amount", "Wrong price or quantity"),
    ("duplicate", "Invoiced twice"),
    ("not_ordered", "Not ordered"),
    ("other", "Other reason"),
]
MAX_TEXT = 2000  # characters of a free text
MAX_CHAR = 128  # characters of a name, reference, email or phone
MAX_PAST_DAYS = 366  # a payment announced as made more than a year ago is absurd
PHONE_CHARS = set("0123456789+-. ()")


class AccountRelanceAnswer(models.Model):
    """What a customer answered from the customer page.

    Created by ``_create_from_portal`` only: it validates the input, applies
    the effect (postponement, dispute, promise), gives the right person an
    activity and confirms to the customer by email, the message staying in the
    customer's chatter.
    """

    _name = "account.relance.answer"
    _description = "Customer Answer"
    _order = "create_date desc, id desc"
    _check_company_auto = True
    _rec_name = "kind"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    kind = fields.Selection(ANSWER_KINDS, string="Answer", required=True, readonly=True)
    move_ids = fields.Many2many(
        "account.move", string="Invoices", readonly=True, check_company=True
    )
    date = fields.Date(
        readonly=True, help="Payment date (already paid) or promised date."
    )
    amount = fields.Monetary(readonly=True, help="Amount the customer says was paid.")
    currency_id = fields.Many2one("res.currency", readonly=True)
    reference = fields.Char(string="Payment Reference", readonly=True)
    reason = fields.Selection(DISPUTE_REASONS, string="Dispute Reason", readonly=True)
    note = fields.Text(string="Message", readonly=True)
    contact_name = fields.Char(readonly=True)
    contact_email = fields.Char(readonly=True)
    contact_phone = fields.Char(readonly=True)
    summary = fields.Char(compute="_compute_summary")
    activity_user_id = fields.Many2one("res.users", string="Assigned To", readonly=True)
    state = fields.Selection(
        [("new", "To Process"), ("done", "Processed")],
        default="new",
        required=True,
        index=True,
    )

    @api.depends("kind", "date", "amount", "reason", "move_ids", "contact_email")
    def _compute_summary(self):
        for answer in self:
            answer.summary = answer._get_summary()

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def action_done(self):
        """Mark the answers as processed."""
        self.write({"state": "done"})
        return True

    def action_create_plan(self):
        """Open a new payment plan prefilled from a "payment plan" answer:
        customer, company, the invoices named and the customer's message.

        :return: the form action of the draft plan created
        """
        self.ensure_one()
        moves = self.move_ids.filtered(
            lambda move: move.state == "posted"
            and move.payment_state in ("not_paid", "partial")
        )
        currency = moves.currency_id[:1] or self.company_id.currency_id
        plan = self.env["account.relance.plan"].create(
            {
                "partner_id": self.partner_id.commercial_partner_id.id,
                "company_id": self.company_id.id,
                "currency_id": currency.id,
                "scope": "selection" if moves else "overdue",
                "move_ids": [
                    fields.Command.set(
                        moves.filtered(lambda move: move.currency_id == currency).ids
                    )
                ],
                "answer_id": self.id,
                "note": self.note,
            }
        )
        self.action_done()
        return {
            "type": "ir.actions.act_window",
            "res_model": plan._name,
            "res_id": plan.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_open_customer(self):
        self.ensure_one()
        return self.partner_id._get_records_action()

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_summary(self):
        """One line telling the answer, in the language of the environment."""
        self.ensure_one()
        names = ", ".join(self.move_ids.mapped("name"))
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        kind = dict(self._fields["kind"]._description_selection(self.env))[self.kind]
        details = {
            "paid": lambda: self.env._(
                "%(amount)s on %(date)s, reference %(reference)s",
                amount=format_amount(self.env, self.amount, self.currency_id),
                date=format_date(self.env, self.date),
                reference=self.reference or "-",
            ),
            "dispute": lambda: self.env._(
                "%(label)s: %(detail)s",
                label=names,
                detail=reasons.get(self.reason, ""),
            ),
            "promise": lambda: self.env._(
                "%(invoices)s by %(date)s",
                invoices=names,
                date=format_date(self.env, self.date),
            ),
            "contact": lambda: " / ".join(
                value
                for value in (
                    self.contact_name,
                    self.contact_email,
                    self.contact_phone,
                )
                if value
            ),
        }
        detail = details.get(self.kind, lambda: names)()
        # French puts a space before the colon: "Réception confirmée : …"
        if not detail:
            return kind
        return self.env._("%(label)s: %(detail)s", label=kind, detail=detail)

    @api.model
    def _create_from_portal(self, access, kind, values):
        """Validate, record and apply one answer of the customer page.

        :param access: the account.relance.access of the page (customer and
            company)
        :param kind: a key of ANSWER_KINDS
        :param values: the submitted form, strings: ``invoice_ids`` (list),
            ``date``, ``amount``, ``reference``, ``reason``, ``note``,
            ``contact_name``, ``contact_email``, ``contact_phone``
        :return: the answer created (sudo)
        :raise ValidationError: with a message for the customer, in the
            language of the environment (the page sets the customer's), when
            the input is invalid or the hourly limit of answers is reached
        """
        if kind not in dict(ANSWER_KINDS):
            raise ValidationError(self.env._("This answer is not available."))
        access = access.sudo()
        self._check_rate_limit(access)
        vals = getattr(self, f"_prepare_{kind}_vals")(access, values)
        note = (values.get("note") or "").strip()
        if len(note) > MAX_TEXT:
            raise ValidationError(
                self.env._(
                    "Your message is too long: %(max)s characters at most.",
                    max=MAX_TEXT,
                )
            )
        answer = self.sudo().create(
            {
                "partner_id": access.partner_id.id,
                "company_id": access.company_id.id,
                "kind": kind,
                "note": note or False,
                **vals,
            }
        )
        # applied by the system, not by the public user of the page
        getattr(answer.with_user(SUPERUSER_ID), f"_apply_{kind}")()
        answer._confirm_to_customer()
        return answer

    def _check_rate_limit(self, access):
        """At most the company's number of answers per customer and hour."""
        since = fields.Datetime.now() - timedelta(hours=1)
        count = self.sudo().search_count(
            [
                ("partner_id", "=", access.partner_id.id),
                ("company_id", "=", access.company_id.id),
                ("create_date", ">=", since),
            ]
        )
        if count >= access.company_id.relance_portal_answer_limit:
            raise ValidationError(
                self.env._(
                    "You have sent many answers in a short time. Please try again "
                    "in an hour, or contact us directly."
                )
            )

    # validation helpers ------------------------------------------------

    def _parse_date(self, value, label):
        try:
            return fields.Date.to_date((value or "").strip() or None)
        except ValueError:
            raise ValidationError(
                self.env._("%(field)s: this is not a valid date.", field=label)
            ) from None

    def _parse_amount(self, value):
        text = (value or "").strip().replace("\u202f", "").replace(" ", "")
        text = text.replace(",", ".")
        try:
            amount = float(text)
        except ValueError:
            raise ValidationError(
                self.env._("Give the amount paid, for example 1250.00.")
            ) from None
        if amount != amount or amount in (float("inf"), float("-inf")):  # NaN, inf
            raise ValidationError(
                self.env._("Give the amount paid, for example 1250.00.")
            )
        return amount

    def _check_char(self, value, label, required=False):
        value = (value or "").strip()
        if required and not value:
            raise ValidationError(self.env._("%(field)s is required.", field=label))
        if len(value) > MAX_CHAR:
            raise ValidationError(
                self.env._(
                    "%(field)s is too long: %(max)s characters at most.",
                    field=label,
                    max=MAX_CHAR,
                )
            )
        return value or False

    def _get_moves(self, access, values, required=False, single=False):
        moves = access._get_selected_moves(values.get("invoice_ids"))
        if required and not moves:
            raise ValidationError(self.env._("Choose the invoice concerned."))
        if single and len(moves) > 1:
            raise ValidationError(self.env._("Choose one invoice only."))
        return moves

    # preparation per kind ------------------------------------------------

    def _prepare_receipt_vals(self, access, values):
        moves = self._get_moves(access, values) or access._get_open_moves()
        return {"move_ids": [fields.Command.set(moves.ids)]}

    def _prepare_paid_vals(self, access, values):
        today = access.company_id._get_relance_today()
        day = self._parse_date(values.get("date"), self.env._("Payment date"))
        if not day:
            raise ValidationError(self.env._("Give the date of your payment."))
        if day > today:
            raise ValidationError(
                self.env._("The payment date cannot be in the future.")
            )
        if day < today - timedelta(days=MAX_PAST_DAYS):
            raise ValidationError(
                self.env._("The payment date cannot be more than a year ago.")
            )
        moves = self._get_moves(access, values) or access._get_open_moves()
        if not moves:
            raise ValidationError(self.env._("You have no open invoice with us."))
        if len(moves.currency_id) > 1:
            raise ValidationError(
                self.env._("Choose invoices of one currency for one payment.")
            )
        amount = self._parse_amount(values.get("amount"))
        balance = sum(moves.mapped("amount_residual"))
        currency = moves.currency_id
        if currency.compare_amounts(amount, 0) <= 0:
            raise ValidationError(self.env._("The amount must be greater than zero."))
        if currency.compare_amounts(amount, balance) > 0:
            raise ValidationError(
                self.env._(
                    "The amount cannot exceed the balance of the invoices, "
                    "%(balance)s.",
                    balance=format_amount(self.env, balance, currency),
                )
            )
        return {
            "move_ids": [fields.Command.set(moves.ids)],
            "date": day,
            "amount": amount,
            "currency_id": currency.id,
            "reference": self._check_char(
                values.get("reference"), self.env._("Payment reference")
            ),
        }

    def _prepare_dispute_vals(self, access, values):
        moves = self._get_moves(access, values, required=True, single=True)
        reason = values.get("reason")
        if reason not in dict(DISPUTE_REASONS):
            raise ValidationError(self.env._("Choose the reason of the dispute."))
        if not (values.get("note") or "").strip():
            raise ValidationError(self.env._("Explain the problem in a few words."))
        return {"move_ids": [fields.Command.set(moves.ids)], "reason": reason}

    def _prepare_promise_vals(self, access, values):
        today = access.company_id._get_relance_today()
        day = self._parse_date(values.get("date"), self.env._("Payment date"))
        if not day:
            raise ValidationError(self.env._("Give the date of the payment."))
        if day < today:
            raise ValidationError(
                self.env._("The promised date cannot be in the past.")
            )
        horizon = access.company_id.relance_portal_promise_max_days
        if day > today + timedelta(days=horizon):
            raise ValidationError(
                self.env._(
                    "The promised date can be %(days)s days ahead at most, until "
                    "%(date)s. For a longer delay, ask for a payment plan.",
                    days=horizon,
                    date=format_date(self.env, today + timedelta(days=horizon)),
                )
            )
        moves = self._get_moves(access, values) or access._get_open_moves()
        if not moves:
            raise ValidationError(self.env._("You have no open invoice with us."))
        return {"move_ids": [fields.Command.set(moves.ids)], "date": day}

    def _prepare_plan_vals(self, access, values):
        if not (values.get("note") or "").strip():
            raise ValidationError(
                self.env._(
                    "Tell us the payment plan you propose (number of payments, "
                    "amounts, dates)."
                )
            )
        moves = self._get_moves(access, values) or access._get_open_moves()
        return {"move_ids": [fields.Command.set(moves.ids)]}

    def _prepare_contact_vals(self, access, values):
        name = self._check_char(values.get("contact_name"), self.env._("Name"))
        email = self._check_char(values.get("contact_email"), self.env._("Email"))
        phone = self._check_char(values.get("contact_phone"), self.env._("Phone"))
        if not (name or email or phone):
            raise ValidationError(
                self.env._("Give the name, email or phone of the right contact.")
            )
        if email and not email_normalize(email):
            raise ValidationError(self.env._("This email address is not valid."))
        if phone and (
            not set(phone) <= PHONE_CHARS or sum(map(str.isdigit, phone)) < 6
        ):
            raise ValidationError(self.env._("This phone number is not valid."))
        return {"contact_name": name, "contact_email": email, "contact_phone": phone}

    # effects per kind ----------------------------------------------------

    def _apply_receipt(self):
        return False

    def _apply_paid(self):
        """Pause the reminders, give the accountant the payment to find."""
        partner = self.partner_id
        until = self.company_id._get_relance_today() + timedelta(
            days=self.company_id.relance_portal_paid_days
        )
        if (
            not partner.relance_postponed_until
            or partner.relance_postponed_until < until
        ):
            partner.relance_postponed_until = until
        accountant = self.company_id._get_relance_accountant()
        return self._schedule_activity(
            partner,
            accountant,
            lambda env: env._("Find and match the payment announced by the customer"),
        )

    def _apply_dispute(self):
        """Dispute on that invoice only, an activity for its salesperson."""
        move = self.move_ids
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        move.action_relance_set_dispute(
            f"{reasons[self.reason]} - {self.note}"
            if self.note
            else reasons[self.reason]
        )
        user = (
            move.invoice_user_id
            or self.partner_id.user_id
            or self.company_id._get_relance_accountant()
        )
        return self._schedule_activity(
            move,
            user,
            lambda env: env._(
                "Dispute raised by the customer on %(invoice)s", invoice=move.name
            ),
        )

    def _apply_promise(self):
        self.move_ids.action_relance_set_promise(self.date)
        return False

    def _apply_plan(self):
        return self._schedule_activity(
            self.partner_id,
            self.company_id._get_relance_accountant(),
            lambda env: env._("Payment plan requested by the customer"),
        )

    def _apply_contact(self):
        """Never applied: a person checks the contact before using it."""
        return self._schedule_activity(
            self.partner_id,
            self.company_id._get_relance_accountant(),
            lambda env: env._("Review the reminder contact proposed by the customer"),
        )

    def _schedule_activity(self, record, user, summary):
        """An activity on ``record`` for ``user``, written in the user's language.

        :param summary: function(env) returning the summary
        """
        env = self.with_context(lang=user.lang or self.env.lang).env
        answer = self.with_env(env)
        note = Markup("<p>%s</p>") % answer._get_summary()
        if self.note:
            note += Markup("<p>%s</p>") % self.note
        self.activity_user_id = user
        return record.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary(env),
            note=note,
            user_id=user.id,
        )

    # confirmation --------------------------------------------------------

    def _confirm_to_customer(self):
        """Email the customer what was recorded; the message stays in the
        customer's chatter (an internal note when there is no email)."""
        self.ensure_one()
        partner = self.partner_id
        contact = partner.relance_contact_id
        lang = contact.lang or partner.lang or self.env.lang
        template = self.env.ref("account_relance_fr.mail_template_relance_answer")
        answer = self.with_context(lang=lang)
        template = template.with_env(answer.env).sudo()
        subject = template._render_field("subject", answer.ids)[answer.id]
        body = template._render_field("body_html", answer.ids)[answer.id]
        company = self.company_id
        author = company.partner_id
        thread = (
            partner.with_company(company)
            .sudo()
            .with_context(mail_notify_force_send=False, mail_post_autofollow=False)
        )
        if not contact.email:
            return thread.message_post(
                body=body,
                subject=subject,
                author_id=author.id,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return thread.message_post(
            body=body,
            subject=subject,
            author_id=author.id,
            email_from=company._get_relance_sender(),
            message_type="comment",
            # the customer only: followers (the salesperson) are not notified
            # of a message written to the customer
            subtype_xmlid="account_relance_fr.mail_message_subtype_relance",
            partner_ids=contact.ids,
            email_layout_xmlid="account_relance_fr.relance_mail_layout",
        )
