from odoo import fields, models
from odoo.tools import SQL


class AccountRelanceAnalysisMovement(models.Model):
    """What makes the customer receivables move: invoices up, settlements down.

    One row per receivable instalment of a customer invoice or credit note (its
    amount, on its accounting date) and one row per payment or credit note
    matched with it (the amount matched, negative for an invoice, on the date
    of the match). The receivables at a date are the sum of the rows up to that
    date; the credit sales of a period are the invoice and credit-note rows of
    the period. Payments not matched with an invoice are not counted, so the
    figures can be split by salesperson, ladder or profile.
    """

    _name = "account.relance.analysis.movement"
    _inherit = "account.relance.analysis.mixin"
    _description = "Collection Figures: Receivable Movements"
    _auto = False
    _rec_name = "move_id"
    _order = "date desc, id desc"

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    kind = fields.Selection(
        [
            ("out_invoice", "Invoice"),
            ("out_refund", "Credit Note"),
            ("settlement", "Settlement"),
        ],
        readonly=True,
    )
    date = fields.Date(readonly=True)
    amount = fields.Monetary(
        readonly=True, help="Positive for what the customers owe more."
    )

    @property
    def _table_query(self):
        columns = SQL(
            "rl.move_id, rl.company_id, rl.currency_id, rl.partner_id, rl.user_id, "
            "rl.ladder_id, rl.payer_profile, rl.payer_rating"
        )
        return SQL(
            """
            SELECT rl.line_id * 3 AS id, %(columns)s, rl.move_type AS kind,
                   rl.date, rl.balance AS amount
              FROM (%(lines)s) AS rl
             UNION ALL
            SELECT partial.id * 3 + 1, %(columns)s, 'settlement', partial.max_date,
                   -partial.amount * rl.rate
              FROM (%(lines)s) AS rl
              JOIN account_partial_reconcile partial
                ON partial.debit_move_id = rl.line_id
             UNION ALL
            SELECT partial.id * 3 + 2, %(columns)s, 'settlement', partial.max_date,
                   partial.amount * rl.rate
              FROM (%(lines)s) AS rl
              JOIN account_partial_reconcile partial
                ON partial.credit_move_id = rl.line_id
            """,
            columns=columns,
            lines=self._analysis_lines(),
        )
