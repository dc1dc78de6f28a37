from odoo import api, fields, models
from odoo.tools import SQL


class AccountRelanceAnalysisReminder(models.Model):
    """One reminder sent (history in state "sent") and what was paid after it.

    The reminded amount is what remained due on the instalment on the day of
    the reminder. The amounts paid within 7 and 30 days count the payments (and
    credit notes) matched from the day of the reminder to 7 or 30 days after
    it, never more than the reminded amount; they and their base are zero while
    the 7 or 30 days have not passed yet, so that recent reminders do not lower
    the shares.
    """

    _name = "account.relance.analysis.reminder"
    _inherit = "account.relance.analysis.mixin"
    _description = "Collection Figures: Reminders"
    _auto = False
    _rec_name = "move_id"
    _order = "date desc, id desc"
    _depends = {
        "account.relance.history": [
            "state",
            "move_line_id",
            "level_id",
            "ladder_id",
            "channel",
            "date",
        ],
    }

    history_id = fields.Many2one(
        "account.relance.history", string="Reminder", readonly=True
    )
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    level_id = fields.Many2one("account.relance.level", string="Level", readonly=True)
    level_days = fields.Integer(
        string="Level Day", readonly=True, aggregator=None, help="Days after due."
    )
    channel = fields.Selection(selection="_selection_channel", readonly=True)
    is_formal_notice = fields.Boolean(string="Formal Notice", readonly=True)
    date = fields.Date(string="Reminder Date", readonly=True)
    amount_reminded = fields.Monetary(string="Reminded Amount", readonly=True)
    amount_base_7 = fields.Monetary(
        string="Reminded, 7 Days Passed",
        readonly=True,
        help="Reminded amount of the reminders sent 7 days ago or more.",
    )
    amount_paid_7 = fields.Monetary(string="Paid Within 7 Days", readonly=True)
    amount_base_30 = fields.Monetary(
        string="Reminded, 30 Days Passed",
        readonly=True,
        help="Reminded amount of the reminders sent 30 days ago or more.",
    )
    amount_paid_30 = fields.Monetary(string="Paid Within 30 Days", readonly=True)
    amount_recovered = fields.Monetary(
        string="Recovered Since",
        readonly=True,
        help="Paid from the day of the reminder until today.",
    )
    days_to_payment = fields.Float(
        string="Days to Payment",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="From the reminder to the settlement of the instalment, for the "
        "instalments settled since.",
    )

    @api.model
    def _selection_channel(self):
        """The channels of the reminder history, those of other add-ons too."""
        field = self.env["account.relance.history"]._fields["channel"]
        return field._description_selection(self.env)

    @property
    def _table_query(self):
        today = self._analysis_today()
        return SQL(
            """
            SELECT history.id, history.id AS history_id, rl.move_id,
                   rl.company_id, rl.currency_id, rl.partner_id, rl.user_id,
                   history.ladder_id, rl.payer_profile, rl.payer_rating,
                   history.level_id, level.days AS level_days, history.channel,
                   COALESCE(level.is_formal_notice, FALSE) AS is_formal_notice,
                   history.date,
                   reminded.amount AS amount_reminded,
                   CASE WHEN history.date + 7 <= %(today)s::date
                        THEN reminded.amount ELSE 0 END AS amount_base_7,
                   CASE WHEN history.date + 7 <= %(today)s::date
                        THEN LEAST(paid.within_7, reminded.amount) ELSE 0
                   END AS amount_paid_7,
                   CASE WHEN history.date + 30 <= %(today)s::date
                        THEN reminded.amount ELSE 0 END AS amount_base_30,
                   CASE WHEN history.date + 30 <= %(today)s::date
                        THEN LEAST(paid.within_30, reminded.amount) ELSE 0
                   END AS amount_paid_30,
                   LEAST(paid.since, reminded.amount) AS amount_recovered,
                   CASE WHEN rl.reconciled AND paid.last_date >= history.date
                        THEN (paid.last_date - history.date)::float
                   END AS days_to_payment
              FROM account_relance_history history
        CROSS JOIN LATERAL (%(lines)s) AS rl
              JOIN account_relance_level level ON level.id = history.level_id
         LEFT JOIN LATERAL (
                   SELECT COALESCE(SUM(partial.amount)
                              FILTER (WHERE partial.max_date < history.date), 0)
                              * rl.rate AS before,
                          COALESCE(SUM(partial.amount)
                              FILTER (WHERE partial.max_date >= history.date
                                        AND partial.max_date <= history.date + 7), 0)
                              * rl.rate AS within_7,
                          COALESCE(SUM(partial.amount)
                              FILTER (WHERE partial.max_date >= history.date
                                        AND partial.max_date <= history.date + 30), 0)
                              * rl.rate AS within_30,
                          COALESCE(SUM(partial.amount)
                              FILTER (WHERE partial.max_date >= history.date), 0)
                              * rl.rate AS since,
                          -- the settlement date of a settled instalment, read
                          -- with its payments rather than once more
                          MAX(partial.max_date) AS last_date
                     FROM account_partial_reconcile partial
                    WHERE partial.debit_move_id = rl.line_id
                   ) paid ON TRUE
             CROSS JOIN LATERAL (
                   SELECT GREATEST(rl.balance - paid.before, 0) AS amount
                   ) reminded
             WHERE history.state = 'sent'
               AND rl.move_type = 'out_invoice'
            """,
            today=today,
            # one instalment per reminder, read through its primary key
            lines=self._analysis_lines(SQL("line.id = history.move_line_id")),
        )
