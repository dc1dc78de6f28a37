from odoo import api, fields, models
from odoo.tools import SQL

from ..models.res_partner import PAYER_PROFILES
from ..tools.collection_figures import PAYER_RATINGS


class AccountRelanceAnalysisMixin(models.AbstractModel):
    """Dimensions and base rows shared by the collection-figure SQL views.

    Every view is a ``_table_query`` recomputed at each read: its "today" is
    the user's today (``context_today``, frozen in tests), never PostgreSQL's
    clock. Amounts are in the currency of the current company, converted like
    Odoo's invoice analysis (``res.currency._get_simple_currency_table``), and
    only the companies selected in the switcher are read.

    Dimensions: company, customer (commercial entity), salesperson of the
    invoice, ladder of the last reminder sent for the invoice, the customer's
    payer profile and payer rating.
    """

    _name = "account.relance.analysis.mixin"
    _description = "Collection Figures: Shared Dimensions"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    ladder_id = fields.Many2one(
        "account.relance.ladder",
        string="Reminder Ladder",
        readonly=True,
        help="Ladder of the last reminder sent for the invoice; empty when the "
        "invoice was never reminded.",
    )
    payer_profile = fields.Selection(PAYER_PROFILES, readonly=True)
    payer_rating = fields.Selection(PAYER_RATINGS, readonly=True)

    _depends = {
        "account.move": [
            "state",
            "move_type",
            "commercial_partner_id",
            "invoice_user_id",
            "invoice_date",
            "relance_level_id",
            "relance_dispute",
            "relance_dispute_date",
            "relance_promise_date",
            "relance_promise_broken",
            "payment_state",
        ],
        "account.move.line": [
            "move_id",
            "account_id",
            "company_id",
            "date",
            "date_maturity",
            "balance",
            "amount_residual",
            "reconciled",
        ],
        "account.partial.reconcile": [
            "debit_move_id",
            "credit_move_id",
            "amount",
            "max_date",
        ],
        "account.relance.level": ["ladder_id", "is_formal_notice"],
        "res.partner": [
            "relance_payer_profile",
            "relance_payer_rating",
            "relance_rating_days_late",
        ],
    }

    @api.model
    def _read_group_orderby(self, order, groupby_terms, query):
        """Groups of a selection field in the order of its selection (ageing
        from "Not Due" to "Over 90 Days", forecast weeks 1 to 8), not in the
        alphabetical order of its codes, in the pivot, graph and list views."""
        terms = dict(groupby_terms)
        for spec, sql in groupby_terms.items():
            field = self._fields.get(spec)
            if field and field.type == "selection":
                terms[spec] = SQL(
                    "array_position(%s::varchar[], %s::varchar)",
                    field.get_values(self.env),
                    sql,
                )
        return super()._read_group_orderby(order, terms, query)

    @api.model
    def _analysis_today(self):
        return fields.Date.context_today(self)

    @api.model
    def _analysis_lines(self, where=None):
        """Receivable instalments of posted customer invoices and credit notes.

        :param where: an ``SQL`` condition on the tables ``line``, ``move``,
            ``partner`` and ``level``, to let PostgreSQL use the indexes of
            ``account_move_line`` (e.g. only the open ones)

        The instalments are the ``payment_term`` lines: Odoo requires them,
        and only them, on the receivable account of a sale document
        (``account.move.line._check_payable_receivable``), so no account list
        is needed and the covering indexes of ``account.relance.analysis.data``
        serve.

        Columns: ``line_id, move_id, move_type, company_id, currency_id,
        partner_id, user_id, ladder_id, payer_profile, payer_rating,
        payer_days_late (the customer's average delay of the last 12 months,
        from the daily payer rating, in whole days), date,
        invoice_date, date_maturity, balance, residual, rate, reconciled,
        settled_date, in_dispute, dispute_date, promise_date, payment_state,
        promise_broken``. ``balance`` and ``residual`` are converted;
        ``settled_date`` is the date of the last payment or credit note of a
        settled instalment (an index lookup, made only when read).
        """
        return SQL(
            """
            SELECT line.id AS line_id,
                   line.move_id,
                   move.move_type,
                   line.company_id,
                   %(currency_id)s AS currency_id,
                   move.commercial_partner_id AS partner_id,
                   move.invoice_user_id AS user_id,
                   level.ladder_id,
                   partner.relance_payer_profile AS payer_profile,
                   partner.relance_payer_rating AS payer_rating,
                   COALESCE(ROUND(partner.relance_rating_days_late), 0)::int
                       AS payer_days_late,
                   line.date,
                   move.invoice_date,
                   COALESCE(line.date_maturity, line.date) AS date_maturity,
                   line.balance * rate_table.rate AS balance,
                   line.amount_residual * rate_table.rate AS residual,
                   rate_table.rate,
                   COALESCE(line.reconciled, FALSE) AS reconciled,
                   CASE WHEN NOT line.reconciled THEN NULL
                        WHEN line.balance >= 0 THEN (
                            SELECT MAX(partial.max_date)
                              FROM account_partial_reconcile partial
                             WHERE partial.debit_move_id = line.id)
                        ELSE (
                            SELECT MAX(partial.max_date)
                              FROM account_partial_reconcile partial
                             WHERE partial.credit_move_id = line.id)
                   END AS settled_date,
                   COALESCE(move.relance_dispute, FALSE) AS in_dispute,
                   move.relance_dispute_date AS dispute_date,
                   move.relance_promise_date AS promise_date,
                   move.payment_state,
                   COALESCE(move.relance_promise_broken, FALSE) AS promise_broken
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
         LEFT JOIN res_partner partner ON partner.id = move.commercial_partner_id
              JOIN %(rate_table)s ON rate_table.company_id = line.company_id
         LEFT JOIN account_relance_level level ON level.id = move.relance_level_id
             WHERE line.parent_state = 'posted'
               AND line.display_type = 'payment_term'
               AND move.state = 'posted'
               AND move.move_type IN ('out_invoice', 'out_refund')
               AND %(where)s
            """,
            currency_id=self.env.company.currency_id.id,
            rate_table=self._analysis_rate_table(),
            where=where or SQL("TRUE"),
        )

    @api.model
    def _analysis_settlements(self, start, end=None):
        """``(line_id, settled_date)`` of the lines whose last payment or credit
        note is dated from ``start`` to ``end`` (open-ended when None).

        Reads the matchings of those dates only, not every instalment; the
        lines may be any, join them with :meth:`_analysis_lines` (and keep the
        reconciled ones) to get the settled instalments of the period.
        """
        return SQL(
            """
            SELECT matched.line_id, MAX(matched.max_date) AS settled_date
              FROM (SELECT debit_move_id AS line_id, max_date
                      FROM account_partial_reconcile WHERE max_date >= %(start)s
                     UNION ALL
                    SELECT credit_move_id, max_date
                      FROM account_partial_reconcile WHERE max_date >= %(start)s
                   ) AS matched
          GROUP BY matched.line_id
            HAVING %(end)s::date IS NULL OR MAX(matched.max_date) <= %(end)s::date
            """,
            start=start,
            end=end,
        )

    @api.model
    def _analysis_rate_table(self):
        """``rate_table(company_id, rate)`` of the companies selected."""
        currency_table = self.env["res.currency"]._get_simple_currency_table(
            self.env.companies
        )
        return SQL("(SELECT company_id, rate FROM %s) AS rate_table", currency_table)
