from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountRelanceActionWizard(models.TransientModel):
    """Record a dispute, a promise to pay or a postponement on the selected
    invoices or customers.

    On customers, a dispute covers all their open invoices and a promise their
    overdue ones; on invoices, a postponement applies to their customers.
    """

    _name = "account.relance.action.wizard"
    _description = "Reminder Action"

    action_type = fields.Selection(
        [
            ("dispute", "Dispute"),
            ("promise", "Promise to Pay"),
            ("postpone", "Postpone Reminders"),
        ],
        string="Action",
        required=True,
        default="dispute",
    )
    move_ids = fields.Many2many("account.move", string="Invoices")
    partner_ids = fields.Many2many("res.partner", string="Customers")
    reason = fields.Char(string="Dispute Reason")
    date = fields.Date(
        help="The promised payment date, or the date until which reminders wait."
    )
    target_move_ids = fields.Many2many(
        "account.move",
        "account_relance_action_wizard_target_move_rel",
        string="Invoices Concerned",
        compute="_compute_target_move_ids",
    )

    @api.model
    def default_get(self, fields_list):
        """Take the invoices or customers the wizard was opened from."""
        values = super().default_get(fields_list)
        context = self.env.context
        active_model = context.get("active_model")
        active_ids = context.get("active_ids") or (
            [context["active_id"]] if context.get("active_id") else []
        )
        if active_model == "account.move" and "move_ids" in fields_list:
            values.setdefault("move_ids", [fields.Command.set(active_ids)])
        elif active_model == "res.partner" and "partner_ids" in fields_list:
            values.setdefault("partner_ids", [fields.Command.set(active_ids)])
        elif (
            active_model == "account.relance.followup" and "partner_ids" in fields_list
        ):
            followups = self.env[active_model].browse(active_ids)
            values.setdefault(
                "partner_ids", [fields.Command.set(followups.partner_id.ids)]
            )
        return values

    @api.depends("action_type", "move_ids", "partner_ids")
    def _compute_target_move_ids(self):
        for wizard in self:
            wizard.target_move_ids = (
                wizard._get_target_moves()
                if wizard.action_type != "postpone"
                else False
            )

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_target_moves(self):
        """Invoices the dispute or promise applies to."""
        self.ensure_one()
        moves = self.move_ids.filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "posted"
        )
        if self.partner_ids:
            domain = [
                (
                    "commercial_partner_id",
                    "in",
                    self.partner_ids.commercial_partner_id.ids,
                ),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("company_id", "in", self.env.companies.ids),
            ]
            if self.action_type == "promise":
                domain.append(
                    ("invoice_date_due", "<", self.env.company._get_relance_today())
                )
            moves |= self.env["account.move"].search(domain)
        return moves

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def action_confirm(self):
        """Apply the action through the invoice or customer methods."""
        self.ensure_one()
        if self.action_type == "postpone":
            partners = self.partner_ids | self.move_ids.commercial_partner_id
            if not partners:
                raise UserError(self.env._("Select the customers to postpone."))
            if not self.date or self.date <= self.env.company._get_relance_today():
                raise UserError(self.env._("Postpone the reminders to a future date."))
            partners.commercial_partner_id.action_relance_postpone(self.date)
            return {"type": "ir.actions.act_window_close"}
        moves = self._get_target_moves()
        if not moves:
            raise UserError(self.env._("No posted customer invoice is concerned."))
        if self.action_type == "dispute":
            moves.action_relance_set_dispute(self.reason)
        else:
            moves.action_relance_set_promise(self.date)
        return {"type": "ir.actions.act_window_close"}
