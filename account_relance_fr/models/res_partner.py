from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools.collection_figures import PAYER_RATINGS

CUSTOMER_TYPES = [
    ("company", "Company"),
    ("individual", "Individual"),
    ("public", "Public Body"),
]
PAYER_PROFILES = [
    ("standard", "Standard"),
    ("key_account", "Key Account"),
    ("risky", "Risky Payer"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    relance_ladder_id = fields.Many2one(
        "account.relance.ladder",
        string="Reminder Ladder",
        company_dependent=True,
        help="Leave empty to apply the ladder chosen by the rules or the default.",
    )
    relance_customer_type = fields.Selection(
        CUSTOMER_TYPES,
        string="Customer Type",
        compute="_compute_relance_customer_type",
        store=True,
        readonly=False,
        help="Individuals never get the 40 € indemnity; public bodies have their "
        "own late-payment regime.",
    )
    relance_payer_profile = fields.Selection(
        PAYER_PROFILES, string="Payer Profile", default="standard", tracking=True
    )
    relance_channel_preference = fields.Selection(
        [("email", "Email"), ("letter", "Letter")],
        string="Preferred Reminder Channel",
        help="Goes first when the ladder's level uses it.",
    )
    relance_excluded = fields.Boolean(string="Excluded from Reminders", tracking=True)
    relance_postponed_until = fields.Date(
        string="Reminders Postponed Until", tracking=True
    )
    relance_contact_id = fields.Many2one(
        "res.partner",
        string="Reminder Contact",
        compute="_compute_relance_contact_id",
        help="The invoice-address contact with an email, else the customer.",
    )
    relance_history_ids = fields.One2many(
        "account.relance.history", "partner_id", string="Reminder History"
    )
    relance_amount_overdue = fields.Monetary(
        string="Overdue Amount",
        compute="_compute_relance_amounts",
        currency_field="relance_currency_id",
    )
    relance_amount_due = fields.Monetary(
        string="Amount Due",
        compute="_compute_relance_amounts",
        currency_field="relance_currency_id",
    )
    relance_oldest_days_late = fields.Integer(
        string="Oldest Days Late", compute="_compute_relance_amounts"
    )
    relance_next_action_date = fields.Date(
        string="Next Reminder", compute="_compute_relance_next_action_date"
    )
    relance_currency_id = fields.Many2one(
        "res.currency", compute="_compute_relance_currency_id"
    )
    # Values for the reminder templates, set by the run through the context.
    relance_mail_line_ids = fields.Many2many(
        "account.move.line",
        compute="_compute_relance_mail_values",
        string="Reminded Instalments",
    )
    relance_mail_level_id = fields.Many2one(
        "account.relance.level", compute="_compute_relance_mail_values"
    )
    relance_mail_total = fields.Monetary(
        compute="_compute_relance_mail_values", currency_field="relance_currency_id"
    )
    relance_company_id = fields.Many2one(
        "res.company",
        compute="_compute_relance_mail_values",
        help="The company sending the reminder.",
    )
    relance_paid_move_ids = fields.Many2many(
        "account.move", compute="_compute_relance_paid_move_ids"
    )
    relance_signatory_name = fields.Char(compute="_compute_relance_mail_values")
    relance_signatory_title = fields.Char(compute="_compute_relance_mail_values")
    relance_signatory_phone = fields.Char(compute="_compute_relance_mail_values")

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends("is_company")
    def _compute_relance_customer_type(self):
        for partner in self:
            if not partner.relance_customer_type:
                partner.relance_customer_type = (
                    "company" if partner.is_company else "individual"
                )

    @api.depends("child_ids.type", "child_ids.email", "email")
    def _compute_relance_contact_id(self):
        for partner in self:
            commercial = partner.commercial_partner_id
            invoice_contacts = commercial.child_ids.filtered(
                lambda child: child.type == "invoice" and child.email and child.active
            )
            partner.relance_contact_id = invoice_contacts[:1] or commercial

    def _compute_relance_currency_id(self):
        for partner in self:
            partner.relance_currency_id = self.env.company.currency_id

    def _compute_relance_amounts(self):
        today = fields.Date.context_today(self)
        lines = self.env["account.move.line"]._read_group(
            self._get_relance_open_lines_domain(),
            ["partner_id"],
            ["amount_residual:sum", "date_maturity:min"],
        )
        overdue = dict(
            self.env["account.move.line"]._read_group(
                self._get_relance_open_lines_domain() + [("date_maturity", "<", today)],
                ["partner_id"],
                ["amount_residual:sum"],
            )
        )
        totals = defaultdict(lambda: [0.0, 0.0, 0])
        for partner, amount, oldest in lines:
            total = totals[partner.commercial_partner_id]
            total[0] += amount
            total[1] += overdue.get(partner, 0.0)
            if oldest and oldest < today:
                total[2] = max(total[2], (today - oldest).days)
        for partner in self:
            due, late, days = totals[partner.commercial_partner_id]
            partner.relance_amount_due = due
            partner.relance_amount_overdue = late
            partner.relance_oldest_days_late = days

    def _compute_relance_next_action_date(self):
        moves = self.env["account.move"].search(
            [
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("company_id", "in", self.env.companies.ids),
            ]
        )
        by_partner = moves.grouped("commercial_partner_id")
        for partner in self:
            dates = [
                date
                for date in by_partner.get(
                    partner.commercial_partner_id, moves.browse()
                ).mapped("relance_next_date")
                if date
            ]
            next_date = min(dates, default=False)
            if next_date and partner.relance_postponed_until:
                next_date = max(next_date, partner.relance_postponed_until)
            partner.relance_next_action_date = next_date

    @api.depends_context("relance_line_ids", "relance_level_id", "company")
    def _compute_relance_mail_values(self):
        line_ids = self.env.context.get("relance_line_ids")
        level = self.env["account.relance.level"].browse(
            self.env.context.get("relance_level_id")
        )
        company = self.env.company
        if line_ids:
            all_lines = self.env["account.move.line"].browse(line_ids)
        else:  # a preview or printed letters: what may be reminded, one search
            all_lines = self.env["account.move.line"].search(
                self._get_relance_open_lines_domain()
                + [
                    ("move_id.relance_dispute", "=", False),
                    ("move_id.relance_excluded", "=", False),
                ]
            )
        lines_by_customer = all_lines.grouped(
            lambda line: line.move_id.commercial_partner_id
        )
        for partner in self:
            commercial = partner.commercial_partner_id
            lines = lines_by_customer.get(commercial, all_lines.browse()).sorted(
                lambda line: (line.date_maturity, line.move_id.name)
            )
            partner.relance_mail_line_ids = lines
            partner.relance_mail_level_id = level
            partner.relance_company_id = company
            partner.relance_mail_total = sum(lines.mapped("amount_residual"))
            salesperson = commercial.user_id
            if level.ladder_id.signatory == "salesperson" and salesperson:
                partner.relance_signatory_name = salesperson.name
                partner.relance_signatory_title = salesperson.partner_id.function
                partner.relance_signatory_phone = salesperson.phone or company.phone
            else:
                partner.relance_signatory_name = (
                    company.relance_signatory_name or company.name
                )
                partner.relance_signatory_title = company.relance_signatory_title
                partner.relance_signatory_phone = company.phone

    @api.depends_context("relance_paid_move_ids")
    def _compute_relance_paid_move_ids(self):
        moves = self.env["account.move"].browse(
            self.env.context.get("relance_paid_move_ids", [])
        )
        for partner in self:
            partner.relance_paid_move_ids = moves.filtered(
                lambda move, partner=partner: move.commercial_partner_id
                == partner.commercial_partner_id
            )

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_relance_open_lines_domain(self, partners=None):
        """Domain of the open receivable instalments of customer invoices."""
        partners = self if partners is None else partners
        return [
            ("partner_id", "child_of", partners.commercial_partner_id.ids),
            ("company_id", "in", self.env.companies.ids),
            ("parent_state", "=", "posted"),
            ("move_id.move_type", "=", "out_invoice"),
            ("account_id.account_type", "=", "asset_receivable"),
            ("reconciled", "=", False),
            ("amount_residual", ">", 0),
        ]

    def _get_relance_last_sent_dates(self, company):
        """Last date a reminder was sent to each of these customers, in one query."""
        if not self:
            return {}
        self.env["account.relance.history"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner_id, MAX(date)
                  FROM account_relance_history
                 WHERE partner_id IN %s AND company_id = %s AND state = 'sent'
              GROUP BY partner_id
                """,
                tuple(self.ids),
                company.id,
            )
        )
        return dict(rows)

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def action_relance_toggle_exclude(self):
        for partner in self:
            partner.relance_excluded = not partner.relance_excluded
        return True

    def action_relance_postpone(self, until):
        """Postpone every reminder of these customers until ``until``."""
        self.write({"relance_postponed_until": until})
        return True

    def action_relance_open_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.account_relance_history_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # LATE-PAYMENT PENALTIES
    # ------------------------------------------------------------------

    relance_penalty_total = fields.Monetary(
        string="Late Penalties to Date",
        compute="_compute_relance_penalty_totals",
        currency_field="relance_currency_id",
        help="Penalties of the open invoices not billed yet.",
    )
    relance_indemnity_total = fields.Monetary(
        string="Recovery Indemnities",
        compute="_compute_relance_penalty_totals",
        currency_field="relance_currency_id",
        help="40 € per open late invoice not billed yet (never for consumers).",
    )
    relance_penalty_provisional = fields.Boolean(
        string="Provisional Penalties", compute="_compute_relance_penalty_totals"
    )
    relance_penalty_missing = fields.Char(
        string="Rates to Enter", compute="_compute_relance_penalty_totals"
    )
    # The same for the reminded instalments (context of the run), for templates.
    relance_mail_penalty_amount = fields.Monetary(
        compute="_compute_relance_mail_penalty", currency_field="relance_currency_id"
    )
    relance_mail_indemnity_amount = fields.Monetary(
        compute="_compute_relance_mail_penalty", currency_field="relance_currency_id"
    )
    relance_mail_penalty_provisional = fields.Boolean(
        compute="_compute_relance_mail_penalty"
    )
    relance_mail_penalty_missing = fields.Char(compute="_compute_relance_mail_penalty")

    def _get_relance_penalty_totals(self, moves):
        """(penalties, indemnities, missing half-years label) not billed yet."""
        by_move = self.env["account.relance.penalty"]._compute_moves(moves)
        missing = sorted({key for data in by_move.values() for key in data.missing})
        return (
            sum(data.interest_unbilled for data in by_move.values()),
            sum(data.indemnity_unbilled for data in by_move.values()),
            ", ".join(f"H{half} {year}" for year, half in missing),
        )

    @api.depends_context("company")
    def _compute_relance_penalty_totals(self):
        lines = self.env["account.move.line"].search(
            self._get_relance_open_lines_domain()
            + [
                ("date_maturity", "<", fields.Date.context_today(self)),
                ("company_id", "=", self.env.company.id),
            ]
        )
        moves_by_partner = lines.move_id.grouped("commercial_partner_id")
        for partner in self:
            moves = moves_by_partner.get(
                partner.commercial_partner_id, self.env["account.move"]
            )
            penalty, indemnity, missing = partner._get_relance_penalty_totals(moves)
            partner.relance_penalty_total = penalty
            partner.relance_indemnity_total = indemnity
            partner.relance_penalty_provisional = bool(missing)
            partner.relance_penalty_missing = missing

    @api.depends_context("relance_line_ids", "relance_level_id", "company")
    def _compute_relance_mail_penalty(self):
        for partner in self:
            penalty, indemnity, missing = partner._get_relance_penalty_totals(
                partner.relance_mail_line_ids.move_id
            )
            partner.relance_mail_penalty_amount = penalty
            partner.relance_mail_indemnity_amount = indemnity
            partner.relance_mail_penalty_provisional = bool(missing)
            partner.relance_mail_penalty_missing = missing

    def action_relance_penalty_invoice(self):
        """Open the penalty invoice wizard for these customers."""
        return self.env["relance.penalty.invoice.wizard"]._action_open(
            self.commercial_partner_id
        )

    # ------------------------------------------------------------------
    # PAYER RATING (account.relance.payer.rating, daily)
    # ------------------------------------------------------------------

    relance_payer_rating = fields.Selection(
        PAYER_RATINGS,
        string="Payer Rating",
        readonly=True,
        help="From the last 12 months: average days late of the invoices settled "
        "and broken promises to pay, against the thresholds of the settings. "
        "Updated every day.",
    )
    relance_rating_days_late = fields.Float(
        string="Average Days Late (12 Months)", readonly=True, digits=(16, 1)
    )
    relance_rating_paid_count = fields.Integer(
        string="Invoices Settled (12 Months)", readonly=True
    )
    relance_rating_broken_promises = fields.Integer(
        string="Broken Promises (12 Months)", readonly=True
    )
    relance_rating_date = fields.Date(string="Rated On", readonly=True)
    relance_payer_profile_pinned = fields.Boolean(
        string="Profile Pinned",
        tracking=True,
        help="The daily rating never changes a pinned payer profile.",
    )
    relance_profile_change_ids = fields.One2many(
        "account.relance.profile.change", "partner_id", string="Profile Changes"
    )

    def action_relance_update_payer_rating(self):
        """Rate these customers now (the daily job does it for all).

        :raise AccessError: for a user who is not a reminder accountant
        """
        if not self.env.user.has_group("account_relance_fr.group_relance_manager"):
            raise AccessError(
                self.env._("Only the reminder accountants can update the rating.")
            )
        self.env["account.relance.payer.rating"]._rate_payers(
            self.commercial_partner_id
        )
        return True
