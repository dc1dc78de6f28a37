import json
import logging

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class AccountRelanceNextAction(models.Model):
    """What the daily job will do next for a customer in a company, kept for
    the follow-up screen: the levels it plans today, else the day of its next
    reminder.

    A row is the engine's own answer (``account.relance.followup.
    _get_planned_levels`` and ``account.relance.run._get_next_dates``), stored
    with a key of everything it was computed from (``_get_keys``): the
    customer's open receivable lines and invoices, its reminder history,
    payment plans and settings, its ladder, the ladders' levels, the
    company's settings and closing days. Any change to one of them (made
    through the ORM or not: the key sums PostgreSQL's row versions) changes
    the key and the row is computed again when it is next read, so the screen
    always states what the job will do. The rows are also refreshed after
    each run of the job (``_cron_refresh``), so that the screen rarely has to.
    """

    _name = "account.relance.next.action"
    _description = "Customer's Next Reminder Action"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    key = fields.Char(
        string="Data Digest",
        required=True,
        help="Digest of the data the row was computed from.",
    )
    start = fields.Date(
        string="Computed For",
        help="First day the job could still send when the row was computed "
        "(the company's day).",
    )
    next_date = fields.Date(
        string="Next Reminder",
        help="The customer's next reminder; empty when none is planned.",
    )
    level_ids = fields.Json(
        string="Planned Today",
        help="The levels the job sends on the day the row was computed for.",
    )

    _sql_constraints = [
        (
            "partner_company_uniq",
            "UNIQUE(partner_id, company_id)",
            "One next action per customer and company.",
        )
    ]

    # ------------------------------------------------------------------
    # KEYS
    # ------------------------------------------------------------------

    @api.model
    def _get_keys(self, company, partner_ids=None):
        """Digest of everything the next action of each customer depends on.

        :param company: a res.company
        :param partner_ids: commercial partner ids; None for every customer
            with open receivable lines in ``company``
        :return: {partner id: digest (str)}, one query
        """
        if partner_ids is not None and not partner_ids:
            return {}
        self.env.flush_all()
        # receivable lines carry the commercial partner (invoices, payments,
        # credit notes): aml.partner_id is indexed, the screen's rows are read
        # in a few milliseconds
        partner_filter = (
            SQL("AND aml.partner_id IN %s", tuple(partner_ids))
            if partner_ids
            else SQL()
        )
        # Each part sums PostgreSQL's row versions (xmin: any change committed
        # by another transaction, made through the ORM or not) and a hash of
        # the values the engine reads (a change made earlier in this same
        # transaction, whose row version is this transaction's).
        rows = self.env.execute_query(
            SQL(
                """
                WITH lines AS (
                    SELECT aml.partner_id,
                           COUNT(*) AS count,
                           SUM(aml.xmin::text::bigint + move.xmin::text::bigint)
                               AS versions,
                           SUM(hashtext(CONCAT_WS(
                               ':', aml.id, aml.amount_residual, aml.date_maturity,
                               move.payment_state, move.relance_promise_date,
                               move.relance_promise_broken, move.relance_dispute,
                               move.relance_excluded))) AS vals
                      FROM account_move_line aml
                      JOIN account_move move ON move.id = aml.move_id
                      JOIN account_account account ON account.id = aml.account_id
                     WHERE aml.company_id = %(company)s
                       AND move.state = 'posted'
                       AND account.account_type = 'asset_receivable'
                       AND NOT aml.reconciled
                       AND aml.amount_residual != 0
                       AND aml.partner_id IS NOT NULL
                       %(partner_filter)s
                  GROUP BY aml.partner_id
                ),
                settings AS (
                    SELECT CONCAT_WS(
                        ':',
                        (SELECT hashtext(company::text) FROM res_company company
                          WHERE company.id = %(company)s),
                        (SELECT SUM(hashtext(ladder::text)) || '/' || COUNT(*)
                           FROM account_relance_ladder ladder
                          WHERE ladder.company_id = %(company)s),
                        (SELECT SUM(hashtext(level::text)) || '/' || COUNT(*)
                           FROM account_relance_level level
                           JOIN account_relance_ladder ladder
                                ON ladder.id = level.ladder_id
                          WHERE ladder.company_id = %(company)s),
                        (SELECT SUM(hashtext(leave::text)) || '/' || COUNT(*)
                           FROM resource_calendar_leaves leave
                          WHERE leave.company_id IS NULL
                             OR leave.company_id = %(company)s)
                    ) AS value
                )
                SELECT lines.partner_id,
                       MD5(CONCAT_WS(
                           ':',
                           lines.count, lines.versions, lines.vals,
                           hashtext(partner::text),
                           %(ladder)s,
                           (SELECT SUM(hist.xmin::text::bigint) || '/'
                                   || SUM(hashtext(CONCAT_WS(
                                       ':', hist.id, hist.state, hist.date,
                                       hist.level_id, hist.move_line_id,
                                       hist.retry_blocked)))
                              FROM account_relance_history hist
                             WHERE hist.partner_id = lines.partner_id
                               AND hist.company_id = %(company)s),
                           (SELECT SUM(hashtext(plan::text)) || '/' || COUNT(*)
                              FROM account_relance_plan plan
                             WHERE plan.partner_id = lines.partner_id),
                           settings.value
                       ))
                  FROM lines
                  JOIN res_partner partner ON partner.id = lines.partner_id
                 CROSS JOIN settings
                """,
                company=company.id,
                partner_filter=partner_filter,
                ladder=self.env["account.relance.ladder"]._get_partner_ladder_sql(
                    SQL.identifier("partner"), SQL("%s", company.id)
                ),
            )
        )
        keys = dict(rows)
        # a customer of the screen without such a line (an unusual entry) is
        # still computed, under a key of its own
        for partner_id in partner_ids or ():
            keys.setdefault(partner_id, "no-line")
        return keys

    # ------------------------------------------------------------------
    # READ AND REFRESH
    # ------------------------------------------------------------------

    @api.model
    def _get_next_actions(self, company, partners=None):
        """The next action of these customers in ``company``: the stored rows
        still true, the others computed again (set-based) and stored.

        :param partners: commercial res.partner records; None for every
            customer with open receivable lines in the company
        :return: {partner id: (date or False, account.relance.level records
            planned today)}
        """
        keys = self._get_keys(company, partners.ids if partners is not None else None)
        if not keys:
            return {}
        start = (
            self.env["account.relance.run"].sudo()._get_forecast_start(company) or False
        )
        # one plain query: at 10 000 customers, records would cost seconds
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner_id, key, start, next_date, level_ids
                  FROM account_relance_next_action
                 WHERE company_id = %s AND partner_id IN %s
                """,
                company.id,
                tuple(keys),
            )
        )
        level_model = self.env["account.relance.level"]
        result = {
            partner_id: (next_date or False, level_model.browse(level_ids or []))
            for partner_id, key, row_start, next_date, level_ids in rows
            if self._is_valid(
                row_start, next_date, level_ids, key, keys[partner_id], start
            )
        }
        stale = [partner_id for partner_id in keys if partner_id not in result]
        if stale:
            result.update(self._refresh(company, stale, keys, start))
        return result

    @api.model
    def _is_valid(self, row_start, next_date, level_ids, row_key, key, start):
        """True when a stored row still states what the job will do: nothing
        it depends on changed (``row_key`` is ``key``), and either it was
        computed for the same start day or nothing is planned before the new
        start day (the job's forecast from a later day goes on as it was).

        :param row_start, next_date, level_ids, row_key: the stored row's
        :param key: the digest of the data now (``_get_keys``)
        :param start: the company's forecast start day now, or False
        """
        if row_key != key or key == "no-line":
            return False
        if (row_start or False) == start:
            return True
        return bool(start and not level_ids and (not next_date or next_date > start))

    @api.model
    def _refresh(self, company, partner_ids, keys, start):
        """Compute and store the next action of ``partner_ids`` in
        ``company``: one plan and one forecast for all of them.

        :param keys: {partner id: digest}, as returned by ``_get_keys``
        :param start: the company's forecast start day, or False
        :return: {partner id: (date or False, levels planned today)}
        """
        partners = self.env["res.partner"].browse(partner_ids)
        planned = self.env["account.relance.followup"]._get_planned_levels(
            company, partners
        )
        forecast = (
            self.env["account.relance.run"].sudo()._get_next_dates(company, partners)
        )
        result = {
            partner.id: (
                forecast.get(partner, (False, {}))[0],
                planned.get(partner.id, self.env["account.relance.level"]),
            )
            for partner in partners
        }
        self._store(company, keys, start, result)
        return result

    @api.model
    def _store(self, company, keys, start, actions):
        """Insert or replace the rows of ``actions`` {partner id: (date,
        levels)}; left unstored when another transaction writes the same
        rows at the same moment (the next read computes them again)."""
        values = [
            SQL(
                "(%s, %s, %s, %s, %s, %s::jsonb)",
                partner_id,
                company.id,
                keys[partner_id],
                start or None,
                date or None,
                json.dumps(levels.ids),
            )
            for partner_id, (date, levels) in actions.items()
        ]
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL(
                        """
                        INSERT INTO account_relance_next_action
                               (partner_id, company_id, key, start, next_date,
                                level_ids)
                        VALUES %s
                        ON CONFLICT (partner_id, company_id) DO UPDATE
                           SET key = EXCLUDED.key,
                               start = EXCLUDED.start,
                               next_date = EXCLUDED.next_date,
                               level_ids = EXCLUDED.level_ids
                        """,
                        SQL(", ").join(values),
                    ),
                    log_exceptions=False,
                )
        except (psycopg2.errors.SerializationFailure, psycopg2.IntegrityError):
            _logger.info("Next reminder actions stored by another transaction")
        self.invalidate_model()

    @api.model
    def _trigger_refresh(self):
        """Run ``_cron_refresh`` now, in its own cron job (after the reminder
        job's run: its time is not the run's)."""
        cron = self.env.ref(
            "account_relance_fr.ir_cron_refresh_next_actions", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _cron_refresh(self):
        """Bring every customer's next action up to date (after the reminder
        job's run), and the follow-up rows (``account.relance.followup.
        _refresh_stale_rows``): the follow-up screen then reads stored rows
        only."""
        self.env["account.relance.followup"]._refresh_stale_rows()
        for company in self.env["res.company"].sudo().search([]):
            self.sudo()._get_next_actions(company)
