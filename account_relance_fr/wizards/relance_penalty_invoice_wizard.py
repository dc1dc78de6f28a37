from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..tools import half_year_label, menu_path


class RelancePenaltyInvoiceWizard(models.TransientModel):
    """Bill the late-payment penalties and indemnities of customers.

    One invoice per customer, outside the scope of VAT, payable on receipt,
    linked to the late invoices it covers. Amounts are computed again when
    posting, from the day after the last period already billed: confirming
    twice bills nothing twice.
    """

    _name = "relance.penalty.invoice.wizard"
    _description = "Invoice Late Penalties"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_ids = fields.Many2many("res.partner", string="Customers")
    line_ids = fields.One2many(
        "relance.penalty.invoice.wizard.line", "wizard_id", string="Late Invoices"
    )
    amount_total = fields.Monetary(compute="_compute_amount_total", string="Total")
    provisional = fields.Boolean(compute="_compute_amount_total")
    missing_note = fields.Char(compute="_compute_amount_total")
    has_disputed = fields.Boolean(compute="_compute_has_disputed")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        active_ids = context.get("active_ids") or []
        model = context.get("active_model")
        partners = self.env["res.partner"]
        if model == "res.partner":
            partners = partners.browse(active_ids)
        elif model == "account.move":
            partners = self.env["account.move"].browse(active_ids).commercial_partner_id
        elif model == "account.relance.followup":
            rows = self.env["account.relance.followup"].browse(active_ids)
            partners = rows.partner_id
            if rows.company_id[:1] and "company_id" in fields_list:
                values["company_id"] = rows.company_id[:1].id
        if "partner_ids" in fields_list and partners:
            values["partner_ids"] = [Command.set(partners.commercial_partner_id.ids)]
        if "line_ids" in fields_list and partners:
            company = self.env["res.company"].browse(
                values.get("company_id") or self.env.company.id
            )
            moves = (
                self.env["account.move"].browse(active_ids)
                if model == "account.move"
                else None
            )
            line_values = self.with_company(company)._prepare_line_values(
                partners.commercial_partner_id, moves=moves
            )
            if not line_values:
                raise UserError(
                    self.with_company(company)._get_nothing_to_bill_message(
                        partners.commercial_partner_id, moves=moves
                    )
                )
            values["line_ids"] = [Command.create(vals) for vals in line_values]
        return values

    @api.depends("line_ids.amount_total", "line_ids.include", "line_ids.missing")
    def _compute_amount_total(self):
        for wizard in self:
            lines = wizard.line_ids.filtered("include")
            wizard.amount_total = sum(lines.mapped("amount_total"))
            wizard.provisional = any(lines.mapped("missing"))
            wizard.missing_note = ", ".join(
                sorted(
                    {
                        label
                        for line in lines
                        if line.missing
                        for label in line.missing.split(", ")
                    }
                )
            )

    @api.depends("line_ids.disputed")
    def _compute_has_disputed(self):
        for wizard in self:
            wizard.has_disputed = any(wizard.line_ids.mapped("disputed"))

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _get_candidate_moves(self, partners):
        """Posted customer invoices of these customers that fell due: open
        ones, and those paid late whose penalties may not be billed yet."""
        today = self.env.company._get_relance_today()
        return self.env["account.move"].search(
            [
                ("commercial_partner_id", "in", partners.ids),
                ("company_id", "=", self.env.company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("relance_is_penalty_invoice", "=", False),
                ("invoice_date_due", "<", today),
                # five years: the prescription of claims between merchants
                ("invoice_date_due", ">=", today.replace(year=today.year - 5)),
            ],
            order="invoice_date_due, name",
        )

    @api.model
    def _prepare_line_values(self, partners, moves=None):
        """Line values of the late invoices with something left to bill.

        A disputed invoice is listed but not ticked: nothing is claimed on it
        while the dispute lasts, unless a person ticks it.
        """
        moves = moves if moves is not None else self._get_candidate_moves(partners)
        by_move = self.env["account.relance.penalty"]._compute_moves(moves)
        missing = sorted({key for data in by_move.values() for key in data.missing})
        if missing:
            # the activity is kept even when posting is refused later
            self.env["account.relance.rate"]._notify_missing(missing)
        values = []
        for move, data in by_move.items():
            if data.total_unbilled <= 0:
                continue
            values.append(
                {
                    "include": not move.relance_dispute,
                    "move_id": move.id,
                    "partner_id": move.commercial_partner_id.id,
                    "date_from": data.periods_unbilled[0].date_from
                    if data.periods_unbilled
                    else False,
                    "date_to": data.end_date,
                    "days": sum(period.days for period in data.periods_unbilled),
                    "penalty_amount": data.interest_unbilled,
                    "indemnity_amount": data.indemnity_unbilled,
                    "missing": data.missing_label,
                }
            )
        return values

    @api.model
    def _get_claimable_partners(self, partners):
        """The customers among ``partners`` with something legally claimable
        not billed yet: penalties or 40 € indemnities for a business, public
        buyer interest and indemnities, and for a consumer only interest at
        the legal rate from the formal notice (never the 40 €, article L111-8
        of the French Code of Civil Enforcement Procedures).

        :param partners: res.partner (commercial partners)
        :return: res.partner, the claimable ones
        """
        by_move = self.env["account.relance.penalty"]._compute_moves(
            self._get_candidate_moves(partners)
        )
        return self.env["res.partner"].union(
            *(
                move.commercial_partner_id
                for move, data in by_move.items()
                if data.total_unbilled > 0
            )
        )

    @api.model
    def _get_nothing_to_bill_message(self, partners, moves=None):
        """Why nothing can be billed to ``partners``, in the user's language:
        a consumer without formal notice owes nothing yet, else the penalties
        were already billed up to today (or nothing is late)."""
        consumers = partners.filtered(
            lambda partner: self.env["account.relance.penalty"]._get_regime(partner)
            == "consumer"
        )
        moves = moves if moves is not None else self._get_candidate_moves(partners)
        notices = self.env["account.relance.penalty"]._get_formal_notice_dates(moves)
        if consumers == partners and not notices:
            return self.env._(
                "Nothing can be billed to %(customers)s: a consumer never owes the "
                "40 € flat indemnity nor recovery fees (article L111-8 of the "
                "French Code of Civil Enforcement Procedures), and interest at the "
                "legal rate only runs from the formal notice (articles 1231-6 and "
                "1344-1 of the French Civil Code), which was not sent.",
                customers=", ".join(partners.mapped("display_name")),
            )
        return self.env._(
            "Nothing to bill to %(customers)s: no late invoice, or their "
            "penalties were already invoiced up to today.",
            customers=", ".join(partners.mapped("display_name")),
        )

    @api.model
    def _action_open(self, partners, moves=None):
        """The wizard for these customers (and only these invoices if given)."""
        context = {
            "active_model": "account.move" if moves else "res.partner",
            "active_ids": moves.ids if moves else partners.ids,
        }
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Invoice Late Penalties"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    def action_post(self):
        """Create and post one penalty invoice per customer.

        :return: an action showing the invoices created
        """
        self.ensure_one()
        company = self.company_id
        selected = self.line_ids.filtered("include").move_id
        if not selected:
            raise UserError(self.env._("Select the late invoices to bill."))
        # another user billing the same invoices waits here, then finds them billed
        self.env["res.company"]._with_locked_records(selected)
        selected.invalidate_recordset()
        self.env["account.relance.penalty.line"].invalidate_model()
        penalty_model = self.env["account.relance.penalty"].with_company(company)
        by_move = penalty_model._compute_moves(selected)
        missing = sorted({key for data in by_move.values() for key in data.missing})
        self.env["account.relance.rate"]._check_known(missing)
        invoices = self.env["account.move"]
        for partner, moves in selected.grouped("commercial_partner_id").items():
            items = [
                by_move[move]
                for move in moves
                if move in by_move and by_move[move].total_unbilled > 0
            ]
            if items:
                invoices |= self.with_company(company)._create_penalty_invoice(
                    partner, items
                )
        if not invoices:
            raise UserError(
                self.env._(
                    "Nothing left to bill: the penalties of these invoices were "
                    "already invoiced up to today."
                )
            )
        return invoices._get_records_action(
            name=self.env._("Penalty Invoices"), context={}
        )

    def _get_penalty_line_name(self, data, lang):
        """Label of the interest of one late invoice, in the customer's
        language, with the rates, their basis and the legal text of the
        customer's regime (public buyers: Code de la commande publique)."""
        env = self.with_context(lang=lang).env
        penalty = env["account.relance.penalty"]
        move = data.move
        periods = data.periods_unbilled
        values = {
            "invoice": move.name,
            "due": format_date(env, move.invoice_date_due),
            "date_from": format_date(env, periods[0].date_from),
            "date_to": format_date(env, periods[-1].date_to),
            "days": sum(period.days for period in periods),
            "rates": penalty._get_rates_text(
                move.company_id,
                data.regime,
                {period.half_year for period in periods},
            ),
        }
        if data.regime == "public":
            return env._(
                "Late-payment interest (intérêts moratoires), invoice %(invoice)s "
                "due %(due)s: %(date_from)s to %(date_to)s, %(days)s days at "
                "%(rates)s (articles L2192-13 and R2192-31 of the French Public "
                "Procurement Code)",
                **values,
            )
        if data.regime == "consumer":
            return env._(
                "Interest at the legal rate, invoice %(invoice)s due %(due)s: "
                "%(date_from)s to %(date_to)s, %(days)s days at %(rates)s "
                "(articles 1231-6 and 1344-1 of the French Civil Code)",
                **values,
            )
        return env._(
            "Late-payment penalties, invoice %(invoice)s due %(due)s: "
            "%(date_from)s to %(date_to)s, %(days)s days at %(rates)s "
            "(article L441-10 of the French Commercial Code)",
            **values,
        )

    def _get_indemnity_line_name(self, data, lang):
        """Label of the 40 € indemnity of one late invoice, in the customer's
        language, citing the text of the customer's regime."""
        env = self.with_context(lang=lang).env
        if data.regime == "public":
            return env._(
                "Flat indemnity for recovery costs, invoice %(invoice)s (article "
                "D2192-35 of the French Public Procurement Code)",
                invoice=data.move.name,
            )
        return env._(
            "Flat indemnity for recovery costs, invoice %(invoice)s (article "
            "D441-5 of the French Commercial Code)",
            invoice=data.move.name,
        )

    def _create_penalty_invoice(self, partner, items):
        """Post the penalty invoice of one customer for ``items`` (MovePenalty)."""
        company = self.env.company
        lang = partner.lang or self.env.lang
        env = self.with_context(lang=lang).env
        product = company._get_relance_penalty_product()
        account = company._get_relance_penalty_account()
        if not account:
            raise UserError(
                self.env._(
                    "Choose the penalty income account in the settings (%(menu)s, "
                    "section Customer Reminders).",
                    menu=menu_path(self.env, "account.menu_account_config"),
                )
            )
        today = self.env.company._get_relance_today()
        base_line = {
            "product_id": product.id if product else False,
            "quantity": 1.0,
            "account_id": account.id,
            "tax_ids": [Command.clear()],
        }
        invoice_lines = []
        for data in items:
            if data.interest_unbilled > 0:
                invoice_lines.append(
                    Command.create(
                        dict(
                            base_line,
                            name=self._get_penalty_line_name(data, lang),
                            price_unit=data.interest_unbilled,
                        )
                    )
                )
            if data.indemnity_unbilled > 0:
                invoice_lines.append(
                    Command.create(
                        dict(
                            base_line,
                            name=self._get_indemnity_line_name(data, lang),
                            price_unit=data.indemnity_unbilled,
                        )
                    )
                )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": company.id,
                "invoice_date": today,
                "invoice_date_due": today,
                "invoice_payment_term_id": False,
                "currency_id": company.currency_id.id,
                "relance_is_penalty_invoice": True,
                "invoice_origin": ", ".join(data.move.name for data in items),
                "narration": env._(
                    "Late-payment interest (intérêts moratoires) and flat "
                    "indemnities for recovery costs are outside the scope of VAT. "
                    "Payable on receipt."
                )
                if items[0].regime == "public"
                else env._(
                    "Late-payment penalties and flat indemnities for recovery costs "
                    "are outside the scope of VAT. Payable on receipt."
                ),
                "invoice_line_ids": invoice_lines,
            }
        )
        invoice.action_post()
        self.env["account.relance.penalty.line"].create(
            [
                {
                    "penalty_move_id": invoice.id,
                    "move_id": data.move.id,
                    "date_from": data.periods_unbilled[0].date_from
                    if data.periods_unbilled
                    else False,
                    # the next bill starts the day after
                    "date_to": data.end_date or today,
                    "days": sum(period.days for period in data.periods_unbilled),
                    "penalty_amount": data.interest_unbilled,
                    "indemnity_amount": data.indemnity_unbilled,
                    "detail": "\n".join(
                        f"{period.date_from} - {period.date_to}: {period.days} d × "
                        f"{period.base:.2f} × {period.rate:.2f} % "
                        f"({half_year_label(*period.half_year)})"
                        for period in data.periods_unbilled
                    ),
                }
                for data in items
            ]
        )
        for data in items:
            data.move.message_post(
                body=self.env._(
                    "Late penalties billed by %(invoice)s.",
                    invoice=invoice._get_html_link(),
                )
            )
        return invoice


class RelancePenaltyInvoiceWizardLine(models.TransientModel):
    _name = "relance.penalty.invoice.wizard.line"
    _description = "Late Invoice to Bill Penalties For"

    wizard_id = fields.Many2one(
        "relance.penalty.invoice.wizard", required=True, ondelete="cascade"
    )
    include = fields.Boolean(default=True)
    move_id = fields.Many2one("account.move", string="Invoice", required=True)
    disputed = fields.Boolean(
        string="Under Dispute",
        related="move_id.relance_dispute",
        help="Nothing is claimed on a disputed invoice unless it is ticked.",
    )
    dispute_reason = fields.Char(
        string="Reason for Dispute", related="move_id.relance_dispute_reason"
    )
    partner_id = fields.Many2one("res.partner", string="Customer")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    invoice_date_due = fields.Date(related="move_id.invoice_date_due")
    payment_state = fields.Selection(related="move_id.payment_state")
    date_from = fields.Date(string="From")
    date_to = fields.Date(string="Until")
    days = fields.Integer()
    penalty_amount = fields.Monetary(string="Penalties")
    indemnity_amount = fields.Monetary(string="Indemnity")
    amount_total = fields.Monetary(compute="_compute_amount_total", string="Total")
    missing = fields.Char(string="Rates Missing")

    @api.depends("penalty_amount", "indemnity_amount")
    def _compute_amount_total(self):
        for line in self:
            line.amount_total = line.penalty_amount + line.indemnity_amount
