from collections import defaultdict

from stdnum.fr import siren as fr_siren

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.collection_figures import PAYER_RATINGS
from ..tools.late_penalty import round_amount

# the invoice numbers a reminder's subject lists (relance_mail_invoice_refs)
SUBJECT_INVOICES = 3

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
        store=True,
        readonly=False,
        help="Who gets the reminders; by default the invoice-address contact with "
        "an email, else the customer. When it has no email (no street for a "
        "letter, no mobile for an SMS), the reminder goes to the contact the "
        "invoice was addressed to, else an invoice-address contact, else the "
        "customer itself.",
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
        compute="_compute_relance_mail_amounts",
        currency_field="relance_currency_id",
        help="Net amount claimed, all currencies, in the company's currency.",
    )
    relance_mail_summary = fields.Json(
        compute="_compute_relance_mail_amounts",
        help="Per currency: total of the instalments, unapplied credits and net "
        "amount claimed, formatted (account.relance.balance).",
    )
    relance_mail_total_text = fields.Char(
        compute="_compute_relance_mail_amounts",
        help='Net amount claimed per currency, e.g. "1 000,00 $ and 500,00 €".',
    )
    relance_mail_has_credits = fields.Boolean(compute="_compute_relance_mail_amounts")
    relance_company_id = fields.Many2one(
        "res.company",
        compute="_compute_relance_mail_values",
        help="The company sending the reminder.",
    )
    relance_paid_move_ids = fields.Many2many(
        "account.move", compute="_compute_relance_paid_move_ids"
    )
    relance_postal_contact_id = fields.Many2one(
        "res.partner",
        string="Postal Contact",
        compute="_compute_relance_postal_contact_id",
        help="Whose address a printed reminder bears: the first contact of the "
        "recipient chain with a street.",
    )
    relance_mail_reminded_count = fields.Integer(
        compute="_compute_relance_mail_reminded_count",
        help="Earlier reminders sent for every reminded invoice; 0 when one of "
        "them was never reminded.",
    )
    relance_signatory_name = fields.Char(compute="_compute_relance_mail_values")
    relance_signatory_title = fields.Char(compute="_compute_relance_mail_values")
    relance_signatory_phone = fields.Char(compute="_compute_relance_mail_values")
    relance_mail_contact_id = fields.Many2one(
        "res.partner",
        compute="_compute_relance_mail_salutation",
        help="The contact the reminder is addressed to (set by the run through "
        "the context), else the customer.",
    )
    relance_mail_salutation = fields.Char(
        compute="_compute_relance_mail_salutation",
        help='Opening of the reminder in its language, e.g. "Madame Moreau,".',
    )
    relance_mail_invoice_refs = fields.Char(
        compute="_compute_relance_mail_invoice_refs",
        string="Invoice Numbers for the Subject",
        help="Numbers of the reminded invoices for a subject: all of them up to "
        'four, else the first three and how many others, e.g. "F1, F2, F3 and '
        '7 others".',
    )

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

    @api.depends(
        "is_company", "parent_id", "child_ids.type", "child_ids.email", "email"
    )
    def _compute_relance_contact_id(self):
        for partner in self:
            commercial = partner.commercial_partner_id
            if partner != commercial:
                # only the customer's own value is read (the chain starts there)
                partner.relance_contact_id = False
                continue
            current = partner.relance_contact_id
            if (
                current
                and current != commercial
                and current.commercial_partner_id == commercial
            ):
                continue  # a contact chosen by a person stays
            invoice_contacts = commercial.child_ids.filtered(
                lambda child: child.type == "invoice" and child.email and child.active
            )
            partner.relance_contact_id = invoice_contacts[:1] or commercial

    def _compute_relance_currency_id(self):
        for partner in self:
            partner.relance_currency_id = self.env.company.currency_id

    def _compute_relance_amounts(self):
        today = self.env.company._get_relance_today()
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
        """The day the daily job will next remind the customer, in any of the
        current companies: the engine's forecast
        (``account.relance.run._get_next_dates``)."""
        run = self.env["account.relance.run"]
        customers = self.commercial_partner_id
        dates = defaultdict(list)
        for company in self.env.companies:
            for customer, (date, _lines) in run._get_next_dates(
                company, customers
            ).items():
                if date:
                    dates[customer].append(date)
        for partner in self:
            partner.relance_next_action_date = min(
                dates[partner.commercial_partner_id], default=False
            )

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
            balance_model = self.env["account.relance.balance"]
            all_lines = all_lines.filtered(
                lambda line: not balance_model._is_settled_remainder(line)
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

    @api.depends_context("relance_line_ids", "company")
    def _compute_relance_postal_contact_id(self):
        for partner in self:
            moves = partner.relance_mail_line_ids.move_id
            partner.relance_postal_contact_id = (
                partner._get_relance_contact(moves, "street")
                or partner._get_relance_recipient_chain(moves)[-1:]
            )

    @api.depends_context("relance_line_ids", "relance_level_id", "company", "lang")
    def _compute_relance_mail_amounts(self):
        """Amounts claimed by the reminder of the instalments of the run, net of
        the customers' credits, per currency (one credit query for all)."""
        balance_model = self.env["account.relance.balance"]
        # the run passes the balances it read (``relance_balances``)
        balances = self.env.context.get("relance_balances")
        if balances is None:
            balances = balance_model._get_balances(
                self, lines=self.relance_mail_line_ids
            )
        company = self.env.company
        # the language and currencies read once for all the customers
        formatter = balance_model._get_formatter()
        for partner in self:
            commercial = partner.commercial_partner_id
            balance = balances.get((company.id, commercial.id)) or next(
                (
                    value
                    for (_company_id, partner_id), value in balances.items()
                    if partner_id == commercial.id and value.currencies
                ),
                None,
            )
            if balance is None:
                partner.relance_mail_total = 0.0
                partner.relance_mail_summary = []
                partner.relance_mail_total_text = ""
                partner.relance_mail_has_credits = False
                continue
            partner.relance_mail_total = balance.net_company
            partner.relance_mail_summary = balance_model._get_summary(
                balance, formatter
            )
            partner.relance_mail_total_text = balance_model._format_totals(
                [(item.net, item.currency) for item in balance.currencies], formatter
            )
            partner.relance_mail_has_credits = balance.has_credits

    @api.depends_context("relance_line_ids", "relance_level_id", "company")
    def _compute_relance_mail_reminded_count(self):
        history = self.env["account.relance.history"]
        level = self.env["account.relance.level"].browse(
            self.env.context.get("relance_level_id")
        )
        reminders = history._get_previous_reminders(
            self.relance_mail_line_ids.move_id, level=level
        )
        for partner in self:
            partner.relance_mail_reminded_count = history._count_previous_reminders(
                partner.relance_mail_line_ids.move_id, reminders=reminders
            )

    @api.depends_context("relance_line_ids", "relance_level_id", "company", "lang")
    def _compute_relance_mail_invoice_refs(self):
        # a subject is cut after about 40 characters on a phone: the numbers
        # of a long list are in the body's table
        for partner in self:
            names = partner.relance_mail_line_ids.move_id.mapped("name")
            # "and 1 other" would say less than the fourth number
            if len(names) <= SUBJECT_INVOICES + 1:
                partner.relance_mail_invoice_refs = ", ".join(names)
            else:
                partner.relance_mail_invoice_refs = self.env._(
                    "%(invoices)s and %(count)s others",
                    invoices=", ".join(names[:SUBJECT_INVOICES]),
                    count=len(names) - SUBJECT_INVOICES,
                )

    @api.depends_context("relance_contact_id", "relance_contact_map", "lang")
    def _compute_relance_mail_salutation(self):
        # relance_contact_map: ((customer id, contact id), ...) of a rendering
        # for several customers; relance_contact_id: the contact of one
        contact = self.browse(self.env.context.get("relance_contact_id"))
        contacts = dict(self.env.context.get("relance_contact_map") or ())
        for partner in self:
            recipient = (
                self.browse(contacts[partner.id])
                if partner.id in contacts
                else contact or partner.commercial_partner_id
            )
            partner.relance_mail_contact_id = recipient
            partner.relance_mail_salutation = partner._get_relance_salutation(recipient)

    @api.depends_context("relance_paid_move_ids")
    def _compute_relance_paid_move_ids(self):
        moves = self.env["account.move"].browse(
            self.env.context.get("relance_paid_move_ids", [])
        )
        # the paid invoices of several customers (a batch of thank-yous)
        by_customer = moves.grouped("commercial_partner_id")
        for partner in self:
            partner.relance_paid_move_ids = by_customer.get(
                partner.commercial_partner_id, moves.browse()
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    def write(self, vals):
        """A corrected address lifts the block a permanent refusal of the mail
        server put on this contact's reminders (see ``mail.mail``)."""
        result = super().write(vals)
        if "email" in vals or "relance_contact_id" in vals:
            self._unblock_relance_retries()
        return result

    def _unblock_relance_retries(self):
        """Reminders refused for good to these contacts (or to the contacts of
        these customers) are tried again at the next run."""
        blocked = (
            self.env["account.relance.history"]
            .sudo()
            .search(
                [
                    ("retry_blocked", "=", True),
                    "|",
                    ("contact_id", "in", self.ids),
                    ("partner_id", "in", self.ids),
                ]
            )
        )
        if blocked:
            blocked.retry_blocked = False
        return blocked

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_relance_recipient_chain(self, moves=None):
        """Contacts that may receive this customer's reminders, in order.

        1. the customer's reminder contact (``relance_contact_id``);
        2. the contacts the invoices ``moves`` are addressed to (their
           ``partner_id`` when it is a contact of the customer);
        3. the customer's invoice-address contacts;
        4. the customer itself.

        Archived contacts are left out. A channel takes the first contact
        having what it needs (email, street, mobile): see
        ``_get_relance_contact``.

        :param moves: the reminded invoices (account.move), or None
        :return: res.partner recordset in that order, without duplicates
        """
        self.ensure_one()
        commercial = self.commercial_partner_id
        addressed = (moves.partner_id if moves else self.browse()).filtered(
            lambda contact: contact != commercial
            and contact.commercial_partner_id == commercial
        )
        invoice_contacts = commercial.child_ids.filtered(
            lambda child: child.type == "invoice"
        )
        chain = (commercial.relance_contact_id | addressed | invoice_contacts).filtered(
            lambda contact: contact.active
            and contact.commercial_partner_id == commercial
        )
        return chain | commercial

    def _get_relance_lang(self, contact=None):
        """Language of what this customer receives, whoever runs the job.

        The recipient's (``contact``), else the customer's, else the sending
        company's; the current language only when none is set.

        :param contact: the res.partner the document is addressed to, or None
        :return: a language code, e.g. ``"fr_FR"``
        """
        self.ensure_one()
        return (
            (contact and contact.lang)
            or self.commercial_partner_id.lang
            or self.env.company.partner_id.lang
            or self.env.lang
        )

    def _get_relance_salutation(self, contact=None):
        """Opening line of a reminder to ``contact``, in the current language.

        A person with a title is greeted by title and surname ("Madame
        Moreau,"; the surname is the name without its first word); a private
        customer without a title by name, gender-neutral ("Bonjour Jeanne
        Petit,"); a company, or a contact of a company without a title, by
        "Madame, Monsieur,".

        :param contact: the res.partner addressed, default the customer
        :return: the salutation, ending with a comma
        """
        self.ensure_one()
        contact = (contact or self.commercial_partner_id).with_env(self.env)
        name = (contact.name or "").strip()
        if contact.is_company or not name:
            return self.env._("Dear Sir or Madam,")
        if contact.title:
            words = name.split()
            return self.env._(
                "Dear %(title_short)s %(surname)s,",
                title=contact.title.name,
                title_short=contact.title.shortcut or contact.title.name,
                surname=" ".join(words[1:]) if len(words) > 1 else name,
            )
        if contact.parent_id:
            return self.env._("Dear Sir or Madam,")
        return self.env._("Dear %(name)s,", name=name)

    def _get_relance_contact(self, moves=None, fname="email"):
        """First contact of the recipient chain whose ``fname`` is filled.

        :param moves: the reminded invoices (account.move), or None
        :param fname: ``email`` for an email, ``street`` for a letter
        :return: one res.partner, or an empty recordset when nobody of the
            chain has it
        """
        self.ensure_one()
        return self._get_relance_recipient_chain(moves).filtered(fname)[:1]

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

    def _get_relance_siren(self):
        """SIREN of the customer (its commercial entity), or "" when unknown.

        Read from the company registry (a SIREN, or the 14-digit SIRET whose
        first 9 digits are the SIREN), the SIRET of the French localisation,
        else the French VAT number (FR, a 2-character key, the SIREN). Only a
        valid SIREN is returned: a foreign registry number is not one.
        """
        self.ensure_one()
        commercial = self.commercial_partner_id
        candidates = [
            commercial.company_registry,
            getattr(commercial, "siret", False),
        ]
        vat = (commercial.vat or "").replace(" ", "").upper()
        if vat.startswith("FR") and len(vat) == 13:
            candidates.append(vat[4:])
        for value in candidates:
            digits = (value or "").replace(" ", "").replace(".", "")
            if len(digits) == 14:
                digits = digits[:9]
            if fr_siren.is_valid(digits):
                return digits
        return ""

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

    def action_relance_open_followup(self):
        """Open the customer's follow-up form (contacts, notes, ageing,
        penalties, history, next action) in the current company; the reminder
        history when the customer has no open invoice there.

        For a salesperson, the record rules show only their own customers'
        rows: another customer gets the message below.

        :raise UserError: when a salesperson opens a customer with no open
            invoice they may see
        """
        self.ensure_one()
        row = self.env["account.relance.followup"].search(
            [
                ("partner_id", "=", self.commercial_partner_id.id),
                ("company_id", "=", self.env.company.id),
            ],
            limit=1,
        )
        if row:
            return {
                "type": "ir.actions.act_window",
                "name": row.partner_id.display_name,
                "res_model": "account.relance.followup",
                "res_id": row.id,
                "view_mode": "form",
                "views": [(False, "form")],
                "target": "current",
            }
        if not self.env.user.has_group("account_relance_fr.group_relance_manager"):
            raise UserError(
                self.env._(
                    "%(customer)s has no open invoice among your customers.",
                    customer=self.commercial_partner_id.display_name,
                )
            )
        return self.action_relance_open_history()

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
    relance_penalty_claimable = fields.Boolean(
        string="Claimable Penalties",
        compute="_compute_relance_penalty_claimable",
        help="Something legally claimable is not billed yet: late penalties or "
        "40 € indemnities of a business, interest from the formal notice of a "
        "consumer.",
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
    relance_mail_penalty_text = fields.Char(
        compute="_compute_relance_mail_penalty",
        help="Penalties to date per currency, on each invoice's own currency.",
    )
    relance_mail_penalty_provisional = fields.Boolean(
        compute="_compute_relance_mail_penalty"
    )
    relance_mail_penalty_missing = fields.Char(compute="_compute_relance_mail_penalty")
    relance_mail_penalty_rate = fields.Char(
        compute="_compute_relance_mail_penalty",
        help="The penalty rates of the reminded invoices with their basis, in the "
        "customer's language; known rates only.",
    )

    def _get_relance_penalty_totals(self, moves, by_move=None):
        """(penalties, indemnities, missing half-years label) not billed yet,
        in the company's currency.

        :param by_move: the result of account.relance.penalty._compute_moves
            for ``moves`` when the caller has it already
        """
        if by_move is None:
            by_move = self.env["account.relance.penalty"]._compute_moves(moves)
        missing = sorted({key for data in by_move.values() for key in data.missing})
        return (
            sum(data.interest_unbilled for data in by_move.values()),
            sum(data.indemnity_unbilled for data in by_move.values()),
            ", ".join(f"H{half} {year}" for year, half in missing),
        )

    @api.depends_context("company")
    def _compute_relance_penalty_totals(self):
        # a disputed invoice is not claimed: its penalties are not the
        # customer's while the dispute lasts
        lines = self.env["account.move.line"].search(
            self._get_relance_open_lines_domain()
            + [
                ("date_maturity", "<", self.env.company._get_relance_today()),
                ("company_id", "=", self.env.company.id),
                ("move_id.relance_dispute", "=", False),
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

    @api.depends_context("company")
    def _compute_relance_penalty_claimable(self):
        claimable = self.env["relance.penalty.invoice.wizard"]._get_claimable_partners(
            self.filtered("id").commercial_partner_id
        )
        for partner in self:
            partner.relance_penalty_claimable = (
                partner.commercial_partner_id in claimable
            )

    @api.depends_context("relance_line_ids", "relance_level_id", "company", "lang")
    def _compute_relance_mail_penalty(self):
        penalty_model = self.env["account.relance.penalty"]
        balance_model = self.env["account.relance.balance"]
        company = self.env.company
        for partner in self:
            moves = partner.relance_mail_line_ids.move_id
            by_move = penalty_model._compute_moves(moves)
            penalty, indemnity, missing = partner._get_relance_penalty_totals(
                moves, by_move=by_move
            )
            per_currency = defaultdict(float)
            for data in by_move.values():
                per_currency[data.currency] += data.interest_unbilled_currency
            partner.relance_mail_penalty_text = balance_model._format_totals(
                [
                    (round_amount(amount), currency)
                    for currency, amount in sorted(
                        per_currency.items(), key=lambda item: item[0].name
                    )
                    if amount
                ]
            )
            partner.relance_mail_penalty_amount = penalty
            partner.relance_mail_indemnity_amount = indemnity
            partner.relance_mail_penalty_provisional = bool(missing)
            partner.relance_mail_penalty_missing = missing
            regime = penalty_model._get_regime(partner)
            partner.relance_mail_penalty_rate = penalty_model._get_rates_text(
                company,
                regime,
                penalty_model._get_claim_half_years(by_move.values(), company),
            ) or penalty_model._get_rate_basis_text(company, regime)

    def action_relance_penalty_invoice(self):
        """Open the penalty invoice wizard for these customers."""
        return self.env["relance.penalty.invoice.wizard"]._action_open(
            self.commercial_partner_id
        )

    # ------------------------------------------------------------------
    # CUSTOMER PAGE
    # ------------------------------------------------------------------

    relance_portal_url = fields.Char(
        string="Customer Page",
        compute="_compute_relance_portal_url",
        help="Link of the customer page (open invoices, payment, answers) that "
        "every reminder of the current company carries.",
    )
    relance_access_ids = fields.One2many(
        "account.relance.access", "partner_id", string="Customer Pages"
    )
    relance_answer_ids = fields.One2many(
        "account.relance.answer", "partner_id", string="Customer Answers"
    )

    @api.depends_context("company")
    def _compute_relance_portal_url(self):
        company = self.env.company
        accesses = self.env["account.relance.access"]._get_for(
            self.filtered("id"), company
        )
        for partner in self:
            access = accesses.get(partner.commercial_partner_id)
            partner.relance_portal_url = access._get_url() if access else False

    def _get_relance_portal_url(self, company=None):
        """Absolute link of the customer page of this customer with ``company``.

        The one link of every reminder: emails, letters, formal notice and
        statement QR codes, SMS. The page shows all the open invoices of the
        customer (commercial partner) with that company.

        :param company: res.company (default: the current company)
        :return: URL with the page's access token, created when missing
        """
        self.ensure_one()
        company = company or self.env.company
        access = self.env["account.relance.access"]._get_for(self, company)
        return access[self.commercial_partner_id]._get_url()

    def action_relance_revoke_portal_access(self):
        """Revoke the customer page links of these customers (all companies)."""
        accesses = (
            self.env["account.relance.access"]
            .sudo()
            .search([("partner_id", "in", self.commercial_partner_id.ids)])
        )
        accesses.action_revoke()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._(
                    "The links to the customer page sent so far no longer work; "
                    "the next reminder carries a new link."
                ),
                "type": "success",
                "sticky": False,
            },
        }

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

    # ------------------------------------------------------------------
    # PAYMENT PLANS
    # ------------------------------------------------------------------

    relance_plan_ids = fields.One2many(
        "account.relance.plan", "partner_id", string="Payment Plans"
    )
    relance_plan_count = fields.Integer(compute="_compute_relance_plan_count")

    @api.depends("relance_plan_ids")
    def _compute_relance_plan_count(self):
        counts = dict(
            self.env["account.relance.plan"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.relance_plan_count = counts.get(partner.commercial_partner_id, 0)

    relance_plan_id = fields.Many2one(
        "account.relance.plan",
        string="Running Payment Plan",
        compute="_compute_relance_plan_next",
        help="The accepted plan of the customer's next instalment.",
    )
    relance_plan_next_date = fields.Date(
        string="Next Instalment On", compute="_compute_relance_plan_next"
    )
    relance_plan_currency_id = fields.Many2one(
        "res.currency",
        string="Payment Plan Currency",
        compute="_compute_relance_plan_next",
    )
    relance_plan_next_amount = fields.Monetary(
        string="Next Instalment",
        currency_field="relance_plan_currency_id",
        compute="_compute_relance_plan_next",
        help="What is left to pay on the next instalment of the running plan.",
    )

    @api.depends_context("company")
    def _compute_relance_plan_next(self):
        """The next instalment of the running plans of the customer in the
        current company: one query for all the partners."""
        Plan = self.env["account.relance.plan"]
        nexts = Plan.sudo()._get_next_instalments(self.commercial_partner_id)
        company = self.env.company
        for partner in self:
            plan_id, day, amount, currency_id = nexts.get(
                (partner.commercial_partner_id.id, company.id), (False,) * 4
            )
            partner.relance_plan_id = Plan.browse(plan_id or [])
            partner.relance_plan_next_date = day
            partner.relance_plan_next_amount = amount or 0.0
            partner.relance_plan_currency_id = currency_id

    def action_relance_open_plans(self):
        """The customer's payment plans; a new one is drawn up for the customer
        with the whole overdue balance."""
        self.ensure_one()
        partner = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance_fr.account_relance_plan_action"
        )
        action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = {"default_partner_id": partner.id}
        return action
