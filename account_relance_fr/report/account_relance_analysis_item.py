from odoo import fields, models
from odoo.tools import SQL

AGEING_BUCKETS = [
    ("not_due", "Not Due"),
    ("1_30", "1-30 Days"),
    ("31_60", "31-60 Days"),
    ("61_90", "61-90 Days"),
    ("over_90", "Over 90 Days"),
    ("settled", "Settled"),
]


class AccountRelanceAnalysisItem(models.Model):
    """One receivable instalment of a customer invoice or credit note.

    Lateness and ageing: the days late of a settled instalment run from its due
    date to the date of its last payment (or credit note); those of an open one
    to today. The ageing bucket is that of today.
    """

    _name = "account.relance.analysis.item"
    _inherit = "account.relance.analysis.mixin"
    _description = "Collection Figures: Invoices"
    _auto = False
    _rec_name = "move_id"
    _order = "date_maturity desc, id desc"

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    move_type = fields.Selection(
        [("out_invoice", "Invoice"), ("out_refund", "Credit Note")],
        string="Type",
        readonly=True,
    )
    date = fields.Date(string="Accounting Date", readonly=True)
    invoice_date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    settled_date = fields.Date(
        string="Settlement Date",
        readonly=True,
        help="Date of the payment or credit note that settled the instalment.",
    )
    amount = fields.Monetary(readonly=True)
    residual = fields.Monetary(string="Open Amount", readonly=True)
    days_late = fields.Integer(
        readonly=True,
        aggregator="avg",
        help="Settled: from the due date to the settlement. Open: to today "
        "(negative before the due date).",
    )
    paid_days_late = fields.Float(
        string="Days Late When Paid",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Settled invoices only, zero when paid on time.",
    )
    paid_late_rate = fields.Float(
        string="Paid Late (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of the settled invoices paid after their due date.",
    )
    ageing_bucket = fields.Selection(AGEING_BUCKETS, string="Ageing", readonly=True)
    in_dispute = fields.Boolean(string="Disputed", readonly=True)
    dispute_date = fields.Date(readonly=True)
    promise_date = fields.Date(string="Promised Payment Date", readonly=True)
    promise_state = fields.Selection(
        [("pending", "Running"), ("kept", "Kept"), ("broken", "Broken")],
        string="Promise",
        readonly=True,
        help="Kept: the invoice was paid without the promise being broken.",
    )

    @property
    def _table_query(self):
        today = self._analysis_today()
        return SQL(
            """
            SELECT rl.line_id AS id,
                   rl.move_id, rl.move_type, rl.company_id, rl.currency_id,
                   rl.partner_id, rl.user_id, rl.ladder_id, rl.payer_profile,
                   rl.payer_rating, rl.date, rl.invoice_date, rl.date_maturity,
                   rl.settled_date, rl.balance AS amount, rl.residual,
                   rl.in_dispute, rl.dispute_date, rl.promise_date,
                   CASE WHEN rl.promise_date IS NULL
                          OR rl.payment_state = 'reversed' THEN NULL
                        WHEN rl.promise_broken THEN 'broken'
                        WHEN rl.payment_state IN ('paid', 'in_payment') THEN 'kept'
                        ELSE 'pending'
                   END AS promise_state,
                   CASE WHEN rl.reconciled THEN rl.settled_date - rl.date_maturity
                        ELSE %(today)s::date - rl.date_maturity
                   END AS days_late,
                   CASE WHEN rl.reconciled AND rl.move_type = 'out_invoice'
                        THEN GREATEST(rl.settled_date - rl.date_maturity, 0)::float
                   END AS paid_days_late,
                   CASE WHEN rl.reconciled AND rl.move_type = 'out_invoice'
                        THEN CASE WHEN rl.settled_date > rl.date_maturity
                                  THEN 100.0 ELSE 0.0 END
                   END AS paid_late_rate,
                   CASE WHEN rl.reconciled THEN 'settled'
                        WHEN rl.date_maturity >= %(today)s::date THEN 'not_due'
                        WHEN %(today)s::date - rl.date_maturity <= 30 THEN '1_30'
                        WHEN %(today)s::date - rl.date_maturity <= 60 THEN '31_60'
                        WHEN %(today)s::date - rl.date_maturity <= 90 THEN '61_90'
                        ELSE 'over_90'
                   END AS ageing_bucket
              FROM (%(lines)s) AS rl
            """,
            today=today,
            lines=self._analysis_lines(),
        )
