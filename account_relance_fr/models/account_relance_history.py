from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountRelanceHistory(models.Model):
    """One reminder of one instalment (receivable journal item) at one level."""

    _name = "account.relance.history"
    _description = "Reminder History"
    _order = "date desc, id desc"
    _check_company_auto = True

    move_line_id = fields.Many2one(
        "account.move.line",
        string="Instalment",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True
    )
    contact_id = fields.Many2one("res.partner", string="Contact")
    salesperson_id = fields.Many2one(
        "res.users", string="Salesperson", help="The customer's salesperson."
    )
    level_id = fields.Many2one(
        "account.relance.level", required=True, ondelete="restrict", index=True
    )
    ladder_id = fields.Many2one(related="level_id.ladder_id", store=True)
    level_days = fields.Integer(related="level_id.days", store=True)
    date = fields.Date(
        required=True,
        default=lambda self: self.env.company._get_relance_today(),
        index=True,
    )
    channel = fields.Selection(
        [("email", "Email"), ("letter", "Letter"), ("call", "Call")],
        required=True,
        help="The first channel of the level used for this reminder.",
    )
    channels = fields.Char(
        string="All Channels", help="Every channel used for this reminder."
    )
    user_id = fields.Many2one(
        "res.users", string="Done By", default=lambda self: self.env.user
    )
    mail_message_id = fields.Many2one(
        "mail.message", string="Message", index="btree_not_null"
    )
    activity_id = fields.Many2one(
        "mail.activity", string="Activity", ondelete="set null"
    )
    letter_attachment_id = fields.Many2one("ir.attachment", string="Letter")
    currency_id = fields.Many2one("res.currency", required=True)
    amount_total = fields.Monetary(string="Amount")
    amount_residual = fields.Monetary(string="Remaining")
    days_late = fields.Integer()
    state = fields.Selection(
        [
            ("to_confirm", "To Confirm"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="sent",
        index=True,
    )
    error = fields.Text()
    retry_blocked = fields.Boolean(
        help="The mail server refused the address for good: no new attempt "
        "until the address of the contact is corrected.",
    )
    note = fields.Text(help="What happened, e.g. a channel fallback.")

    _sql_constraints = [
        (
            "one_per_instalment_and_level",
            "UNIQUE(move_line_id, level_id)",
            "An invoice instalment can be reminded only once at each level.",
        ),
    ]

    @api.depends("move_id", "level_id")
    def _compute_display_name(self):
        for history in self:
            history.display_name = f"{history.move_id.name} - {history.level_id.name}"

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _get_previous_reminders(self, moves, level=None):
        """Reminders the customer already received for ``moves``, in one query.

        A reminder counts when it was sent once the invoice was overdue (a
        préventive one is a courtesy, not a reminder of an unpaid invoice) and
        reached the customer: a level that only schedules a call activity is
        internal. The reminder being sent (``level``) does not count.

        :param level: the account.relance.level being sent, if any
        :return: {move id: {(level id, date)}} for the moves reminded before
        """
        if not moves:
            return {}
        domain = [
            ("move_id", "in", moves.ids),
            ("state", "=", "sent"),
            ("days_late", ">", 0),
            ("channel", "!=", "call"),
        ]
        if level:
            domain.append(("level_id", "!=", level.id))
        reminders = {}
        for history in self.sudo().search(domain):
            reminders.setdefault(history.move_id.id, set()).add(
                (history.level_id.id, history.date)
            )
        return reminders

    @api.model
    def _count_previous_reminders(self, moves, level=None, reminders=None):
        """Number of earlier reminders covering every one of ``moves``.

        A document may write "despite our previous reminders" only when the
        history shows them for each invoice it claims.

        :param reminders: the result of ``_get_previous_reminders`` for a
            superset of ``moves``, to share one query between customers
        :return: the number of distinct reminders (level and date) sent for
            these invoices; 0 when one of them was never reminded
        """
        if not moves:
            return 0
        if reminders is None:
            reminders = self._get_previous_reminders(moves, level=level)
        if any(move.id not in reminders for move in moves):
            return 0
        return len(set().union(*(reminders[move.id] for move in moves)))

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def action_approve(self):
        """Send the selected "to confirm" reminders now, one message per customer."""
        to_send = self.filtered(lambda history: history.state == "to_confirm")
        if not to_send:
            raise UserError(
                self.env._("Select reminders that are waiting for approval.")
            )
        return self.env["account.relance.run"]._send_approved(to_send)

    def action_cancel(self):
        """Cancel reminders that are waiting for approval or have failed."""
        if any(history.state == "sent" for history in self):
            raise UserError(self.env._("A reminder that was sent cannot be cancelled."))
        self.write({"state": "cancelled"})
        return True

    def action_open_move(self):
        self.ensure_one()
        return self.move_id._get_records_action()
