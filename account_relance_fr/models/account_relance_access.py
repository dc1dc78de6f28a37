import uuid
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import consteq, format_date

DISPLAYED_STATES = ("not_paid", "partial")


class AccountRelanceAccess(models.Model):
    """The link of one customer with one company to its customer page.

    Every reminder of the company sends the customer to ``/relance/<id>`` with
    the ``access_token`` of this record (Odoo's portal mixin). The token is
    compared with ``consteq``; revoking it (``action_revoke``) kills every link
    sent so far, the next reminder gets a new one.
    """

    _name = "account.relance.access"
    _inherit = ["portal.mixin"]
    _description = "Customer Page Access"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("parent_id", "=", False)],
    )
    company_id = fields.Many2one(
        "res.company", required=True, ondelete="cascade", index=True
    )
    revoked_date = fields.Datetime(
        string="Links Revoked On", readonly=True, help="Last revocation of the links."
    )

    _sql_constraints = [
        (
            "one_per_customer_and_company",
            "UNIQUE(partner_id, company_id)",
            "A customer has one customer page per company.",
        ),
    ]

    def _compute_access_url(self):
        for access in self:
            access.access_url = f"/relance/{access.id}"

    @api.depends("partner_id", "company_id")
    def _compute_display_name(self):
        for access in self:
            access.display_name = (
                f"{access.partner_id.display_name} - {access.company_id.name}"
            )

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _get_for(self, partners, company):
        """{commercial partner: access} of ``partners`` with ``company``, created
        when missing, in two queries whatever the number of customers.

        :param partners: res.partner records (contacts are replaced by their
            commercial partner)
        :param company: the res.company sending the reminders
        """
        commercials = partners.commercial_partner_id
        model = self.sudo()
        accesses = model.search(
            [("partner_id", "in", commercials.ids), ("company_id", "=", company.id)]
        )
        for access in accesses.filtered(lambda access: not access.access_token):
            access.access_token = str(uuid.uuid4())  # revoked: a new link
        missing = commercials - accesses.partner_id
        if missing:
            accesses |= model.create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "access_token": str(uuid.uuid4()),
                    }
                    for partner in missing
                ]
            )
        return {access.partner_id: access for access in accesses}

    def _get_url(self):
        """Absolute URL of the customer page, with its access token."""
        self.ensure_one()
        return self.get_base_url() + self.sudo()._get_share_url()

    def _check_token(self, token):
        """True when ``token`` opens this page (constant-time comparison)."""
        self.ensure_one()
        return bool(
            token
            and isinstance(token, str)
            and self.access_token
            and self.partner_id.active
            and consteq(self.access_token, token)
        )

    def _get_lang(self):
        """The customer's language if installed, else the company's, else English."""
        self.ensure_one()
        installed = dict(self.env["res.lang"].get_installed())
        for lang in (self.partner_id.lang, self.company_id.partner_id.lang):
            if lang in installed:
                return lang
        return "en_US"

    def _get_open_moves(self):
        """Open posted customer invoices of the customer with this company."""
        self.ensure_one()
        return (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", self.partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", DISPLAYED_STATES),
                    ("amount_residual", ">", 0),
                ],
                order="invoice_date_due, name, id",
            )
        )

    def _get_invoice_rows(self, moves=None):
        """What the page shows of each open invoice, grouped by currency.

        :return: [{"currency", "rows": [dict], "total", "penalty", "credits",
            "credit", "net"}] sorted by currency name, one per currency with
            open invoices or credits; "credits" as ``_get_credit_rows``, "credit"
            their total, "net" the total less the credits, never below zero, and
            "payable" what "Pay all" proposes for the invoices selected by
            default (not disputed), at most the net (all in the currency);
            each row holds the move, its dates, days late, remaining amount (in
            the invoice currency), disputed flag and penalties plus indemnity to
            date (company currency) or None when not shown: consumers, or rates
            of a half-year not entered yet (never a provisional figure)
        """
        self.ensure_one()
        moves = self._get_open_moves() if moves is None else moves
        today = self.company_id._get_relance_today()
        penalty_model = (
            self.env["account.relance.penalty"].sudo().with_company(self.company_id)
        )
        regime = penalty_model._get_regime(self.partner_id)
        by_move = penalty_model._compute_moves(moves) if regime != "consumer" else {}
        groups = defaultdict(list)
        for move in moves:
            lines = move._get_relance_open_lines()
            due = min(lines.mapped("date_maturity"), default=move.invoice_date_due)
            data = by_move.get(move)
            penalty = None
            if data and data.days and not data.missing:
                penalty = data.interest_unbilled + data.indemnity_unbilled
            groups[move.currency_id].append(
                {
                    "move": move,
                    "date": move.invoice_date,
                    "due": due,
                    "days_late": max((today - due).days, 0) if due else 0,
                    "residual": move.amount_residual,
                    "disputed": move.relance_dispute,
                    "penalty": penalty,
                    "penalty_missing": bool(data and data.days and data.missing),
                }
            )
        credits = self._get_credit_rows()
        result = []
        for currency in sorted(set(groups) | set(credits), key=lambda cur: cur.name):
            rows = groups.get(currency, [])
            total = currency.round(sum(row["residual"] for row in rows))
            credit = currency.round(
                sum(row["amount"] for row in credits.get(currency, []))
            )
            net = max(currency.round(total - credit), 0.0)
            selected = sum(row["residual"] for row in rows if not row["disputed"])
            result.append(
                {
                    "currency": currency,
                    "rows": rows,
                    "total": total,
                    "penalty": sum(row["penalty"] or 0.0 for row in rows),
                    "credits": credits.get(currency, []),
                    "credit": credit,
                    "net": net,
                    "payable": min(currency.round(selected), net),
                }
            )
        return result

    def _get_credit_rows(self):
        """The customer's unapplied credits with this company, per currency, as
        the page shows them (``account.relance.balance._get_credits``: open
        credit notes, payments not matched to an invoice, bank transfers
        attributed to the customer and not reconciled).

        :return: {res.currency: [{"credit": RelanceCredit, "label": text in the
            language of the context, "amount": positive, in that currency}]}
        """
        self.ensure_one()
        balance_model = (
            self.env["account.relance.balance"].sudo().with_company(self.company_id)
        )
        today = self.company_id._get_relance_today()
        found = balance_model._get_credits(self.partner_id, self.company_id, today)
        rows = defaultdict(list)
        for credit in found.get((self.company_id.id, self.partner_id.id), []):
            rows[credit.currency].append(
                {
                    "credit": credit,
                    "label": self._get_credit_label(credit),
                    "amount": credit.amount,
                }
            )
        return rows

    def _get_credit_label(self, credit):
        """How the page names a credit, in the language of the context."""
        values = {"name": credit.name, "date": format_date(self.env, credit.date)}
        if credit.kind == "credit_note":
            return self.env._("Credit note %(name)s of %(date)s", **values)
        if credit.kind in ("payment", "bank"):
            return self.env._("Payment received on %(date)s, being applied", **values)
        return self.env._("Credit %(name)s of %(date)s", **values)

    def _get_net_amount(self, currency):
        """What the customer owes in ``currency``: the open invoices of the page
        in that currency less the customer's credits in it, never below zero.

        :return: float, in ``currency``
        """
        self.ensure_one()
        moves = self._get_open_moves().filtered(
            lambda move: move.currency_id == currency
        )
        total = sum(moves.mapped("amount_residual"))
        credit = sum(row["amount"] for row in self._get_credit_rows().get(currency, []))
        return max(currency.round(total - credit), 0.0)

    def _get_credit_lines(self, currency):
        """The journal items of the credits of ``currency`` that can be matched
        with invoices (credit notes, payments, other credits; a bank line still
        needs the accountant's reconciliation).

        :return: account.move.line
        """
        self.ensure_one()
        lines = self.env["account.move.line"]
        for row in self._get_credit_rows().get(currency, []):
            if row["credit"].kind != "bank":
                lines |= row["credit"].record
        return lines

    def _get_selected_moves(self, move_ids):
        """The open invoices of this page among ``move_ids`` (ints or strings).

        Unknown ids, other customers' or other companies' invoices are dropped.
        """
        self.ensure_one()
        wanted = set()
        for move_id in move_ids or []:
            try:
                wanted.add(int(move_id))
            except (TypeError, ValueError):
                continue
        return self._get_open_moves().filtered(lambda move: move.id in wanted)

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def action_revoke(self):
        """Kill every link sent so far; the next reminder carries a new one."""
        self.sudo().write(
            {"access_token": False, "revoked_date": fields.Datetime.now()}
        )
        for partner in self.partner_id:
            partner.message_post(
                body=self.env._(
                    "The links to the customer page sent so far were revoked by "
                    "%(user)s.",
                    user=self.env.user.name,
                )
            )
        return True
