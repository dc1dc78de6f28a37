import io
import logging
import re
from collections import defaultdict
from datetime import datetime, time, timedelta

import lxml.html
import psycopg2
import pytz
from markupsafe import Markup, escape
from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, clean_context, format_date, is_html_empty
from odoo.tools.mail import generate_tracking_message_id
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

from odoo.addons.mail.models.mail_message import _image_dataurl

from ..tools import (
    nbsp_before_double_punctuation,
    next_window_opening,
    within_window,
)

_logger = logging.getLogger(__name__)

BATCH_SIZE = 50
# The crons of the daily job, one per cron worker: each active one sends its
# share of the customers (see _get_job_part).
JOB_CRONS = (
    "account_relance_fr.ir_cron_send_relances",
    "account_relance_fr.ir_cron_send_relances_second",
)
# customers planned together: the records read for them leave the cache before
# the next ones, so planning takes the same memory for any number of customers
PLAN_CHUNK = 200
# Minutes a plan is kept between the calls of one run (see _store_plan).
PLAN_TTL_MINUTES = 60
# {(database, cron id, companies and their days): (kept at, plan as ids)}: the
# rest of the plan of a run, kept by this process between the cron's calls.
_PLANS = {}
# Minutes before customers held by another transaction are tried again.
LOCK_RETRY_MINUTES = 5
# Errors of a transaction that met another one: the customer is left for a
# later call, in a new transaction, instead of failing the whole batch.
CONFLICT_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.LockNotAvailable,
    pg_errors.DeadlockDetected,
)
# How far before the due date a préventive level may reach.
MAX_PREVENTIVE_DAYS = 60
# Sending days the forecast of the next reminders simulates, at most.
MAX_FORECAST_STEPS = 100
# Invoices rendered by one wkhtmltopdf call, at most.
PDF_CHUNK = 100
# what the run reads of the instalments and their invoices (_fetch_relance_lines)
RELANCE_LINE_FIELDS = [
    "move_id",
    "company_id",
    "currency_id",
    "partner_id",
    "account_id",
    "amount_currency",
    "amount_residual",
    "amount_residual_currency",
    "balance",
    "date_maturity",
    "reconciled",
    "parent_state",
    "display_type",
]
RELANCE_MOVE_FIELDS = [
    "name",
    "state",
    "move_type",
    "company_id",
    "commercial_partner_id",
    "partner_id",
    "currency_id",
    "invoice_date",
    "invoice_user_id",
    "payment_state",
    "relance_dispute",
    "relance_excluded",
    "relance_promise_date",
    "relance_promise_broken",
    "relance_level_id",
    "relance_count",
    "relance_last_date",
]


class RelanceSendError(Exception):
    """A reminder could not go out for a reason a person must fix."""


class RelanceHeldError(Exception):
    """Another transaction holds the customer's invoices: try again later."""


# Where the body of each message goes in the layout of the reminders' emails,
# rendered once per language and company (see _get_post_layout_parts).
LAYOUT_BODY_SLOT = Markup("<relance-layout-body></relance-layout-body>")
# a tag opening or closing an element whose text the French typography of
# the layout leaves as it is (see tools.nbsp_before_double_punctuation)
_RAW_TEXT_TAG = re.compile(r"<\s*/?\s*(?:style|script)", re.IGNORECASE)


class LayoutMessage:
    """A posted message whose body is ``LAYOUT_BODY_SLOT``: the layout of the
    reminders' emails rendered once for the messages of one language and
    company, each body filled in afterwards."""

    body = LAYOUT_BODY_SLOT

    def __init__(self, message):
        self._message = message

    def __getattr__(self, name):
        return getattr(self._message, name)


class BalancesByCustomer:
    """{(company id, partner id): RelanceBalance} carried to the templates in
    the render context (``relance_balances``), so that they do not read the
    credits again: hashable and compared by identity, as context values."""

    def __init__(self, balances):
        self._balances = dict(balances)

    def get(self, key, default=None):
        """The RelanceBalance of ``key`` (company id, partner id), or default."""
        return self._balances.get(key, default)

    def items(self):
        """The (key, RelanceBalance) pairs."""
        return self._balances.items()


class AccountRelanceRun(models.AbstractModel):
    """The reminder engine: plan → check → send → record.

    A channel ``code`` of a level is sent by ``_relance_send_<code>(histories,
    level, partner, contact)``; another add-on adds a channel by adding that
    method (see account_relance_fr_sms).
    """

    _name = "account.relance.run"
    _description = "Reminder Run"

    # ------------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_relances(self, batch_size=BATCH_SIZE):
        """Daily job. Sends one batch of customers and reports the progress.

        Odoo's cron runner commits after each call and calls again while work
        remains; the job also re-triggers itself at the next sending window.

        :return: the number of customers still to process
        """
        return self._run_batch(batch_size=batch_size)

    @api.model
    def _run_batch(self, batch_size=BATCH_SIZE, partners=None, part=None):
        """Plan, check, send and record one batch of customers.

        :param partners: only these customers (e.g. selected in the follow-up
            screen); all of them when None
        :param part: (rank, count): only the customers whose id modulo
            ``count`` is ``rank``; by default the share of the cron running
            the call (``_get_job_part``), all of ``partners`` when given
        :return: the number of customers still to process
        """
        companies = self.env["res.company"].search([])
        open_companies = self._get_companies_in_window(companies)
        if part is None:
            part = self._get_job_part() if partners is None else (0, 1)
        plan_key = self._get_plan_key(open_companies, partners, part)
        plan = self._get_stored_plan(plan_key)
        if plan is None:
            # once per run: the batches after the first reuse the plan
            if part[0] == 0:
                # the job's other cron workers start their share now too (a
                # run started by hand or at a window opening)
                for cron in self._get_job_crons()[1:]:
                    cron._trigger()
                for today, day_companies in self._group_companies_by_today(
                    companies
                ).items():
                    self._check_broken_promises(day_companies, today, partners=partners)
                self._send_thank_you(companies, partners=partners)
            plan = []
            for today, day_companies in self._group_companies_by_today(
                open_companies
            ).items():
                plan += self._plan_in_chunks(
                    day_companies, today, partners=partners, part=part
                )
            _logger.info(
                "Reminder run, part %s of %s: %s customers planned",
                part[0] + 1,
                part[1],
                len(plan),
            )
        done, skipped, rest = self._process_plan(plan, batch_size)
        self._store_plan(plan_key, rest)
        # the next call reads its own customers: the records of this batch are
        # not kept in the transaction's cache (Odoo's cron runner calls again
        # with the same environment), so the memory is that of one batch
        # whatever the size of the run
        self.env.flush_all()
        self.env.invalidate_all()
        remaining = len(rest)
        # the customers another transaction holds are not done: they count as
        # remaining and are tried again (first) at the next call
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        cron = self._get_current_job_cron()
        if remaining and done:
            cron._trigger()
        elif remaining:
            # only held customers are left: try them again a little later
            # rather than loop on them (the cron runner stops on done=0)
            cron._trigger(fields.Datetime.now() + timedelta(minutes=LOCK_RETRY_MINUTES))
        elif partners is None:
            # the run is over: bring the follow-up screen's next actions up to date
            self.env["account.relance.next.action"]._trigger_refresh()
        _logger.info(
            "Reminder run: %s customers processed, %s held by another "
            "transaction, %s remaining",
            done,
            skipped,
            remaining,
        )
        return remaining

    def _process_plan(self, plan, batch_size):
        """Process the customers of ``plan`` until ``batch_size`` of them are
        done, set-based (see ``_process_customers``); a customer another
        transaction holds is skipped and the next ones are taken instead.

        Only the customers taken are read (``_read_plan_entries``): a call
        costs the same at the start and at the end of a long run.

        :param plan: [(company id, partner id, [(line id, level id)])] (see
            ``_get_plan_ids``)
        :return: (done, skipped, rest): the numbers of customers processed and
            skipped because held, and the plan's entries not processed (the
            skipped ones first)
        """
        done = skipped = 0
        held = []
        position = 0
        while done < batch_size and position < len(plan):
            chunk = plan[position : position + batch_size - done]
            position += len(chunk)
            entries = self._read_plan_entries(chunk)
            for company, company_entries in self._group_plan_by_company(
                entries
            ).items():
                results = self.with_company(company)._process_customers(
                    [(partner, items) for _company, partner, items in company_entries],
                    company._get_relance_today(),
                )
                for company_id, partner_id, items in chunk:
                    if company_id != company.id or partner_id not in results:
                        continue
                    if results[partner_id] is None:
                        skipped += 1
                        held.append((company_id, partner_id, items))
                    else:
                        done += 1
        return done, skipped, held + plan[position:]

    @api.model
    def _group_plan_by_company(self, plan):
        """{company: [(company, partner, items)]} of ``plan``, in its order."""
        groups = defaultdict(list)
        for entry in plan:
            groups[entry[0]].append(entry)
        return groups

    # ------------------------------------------------------------------
    # PLAN KEPT BETWEEN THE BATCHES OF A RUN
    # ------------------------------------------------------------------

    @api.model
    def _get_job_crons(self):
        """The active crons of the daily job (``JOB_CRONS``), in that order."""
        crons = self.env["ir.cron"].sudo()
        for xmlid in JOB_CRONS:
            crons |= self.env.ref(xmlid, raise_if_not_found=False) or crons
        return crons.filtered("active")

    @api.model
    def _get_current_job_cron(self):
        """The job's cron running this call (Odoo's cron runner puts it in the
        context), else the first one."""
        crons = self._get_job_crons()
        current = crons.filtered(
            lambda cron: cron.id == self.env.context.get("cron_id")
        )
        return current or crons[:1] or self.env.ref(JOB_CRONS[0])

    @api.model
    def _get_job_part(self):
        """(rank, count): the share of the customers this call of the job
        sends. Each active cron of the job (``JOB_CRONS``, one per cron worker
        of Odoo) takes the customers whose id modulo the number of active
        crons is its rank: Odoo's cron workers send at the same time, each its
        own customers. Archiving one gives its share to the others at their
        next call. A call outside these crons (a person, a script) takes all.
        """
        crons = self._get_job_crons()
        cron_id = self.env.context.get("cron_id")
        if cron_id not in crons.ids:
            return (0, 1)
        return (crons.ids.index(cron_id), len(crons))

    def _get_plan_key(self, companies, partners, part=(0, 1)):
        """Key of the plan kept between the calls of one cron run: the
        database, the cron, the companies in their window and their days, the
        chosen customers if any; None (no plan kept) outside Odoo's cron
        runner."""
        cron_id = self.env.context.get("cron_id")
        if not cron_id or not companies:
            return None
        days = tuple(
            sorted(
                (company.id, company._get_relance_today().isoformat())
                for company in companies
            )
        )
        chosen = partners is not None and tuple(sorted(partners.ids))
        return (self.env.cr.dbname, cron_id, days, chosen, part)

    def _plan_in_chunks(self, companies, today, partners=None, part=(0, 1)):
        """``_plan`` as ids (see ``_get_plan_ids``), ``PLAN_CHUNK`` customers
        at a time, in the order of ``_plan``: what is read for a chunk leaves
        the cache before the next one.

        :param partners: restrict to these commercial partners
        :param part: (rank, count): only the customers whose id modulo
            ``count`` is ``rank`` (see ``_get_job_part``)
        :return: [(company id, partner id, [(line id, level id)])]
        """
        if not companies:
            return []
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT commercial_partner_id FROM (%s) AS candidates",
                self._get_candidate_lines_query(companies, today, partners=partners),
            )
        )
        rank, count = part
        partner_ids = sorted(
            partner_id for (partner_id,) in rows if partner_id % count == rank
        )
        plan = []
        for start in range(0, len(partner_ids), PLAN_CHUNK):
            chunk = self.env["res.partner"].browse(
                partner_ids[start : start + PLAN_CHUNK]
            )
            plan += self._get_plan_ids(self._plan(companies, today, partners=chunk))
            self.env.flush_all()
            self.env.invalidate_all()
        return plan

    def _get_stored_plan(self, key):
        """The rest of the plan kept by an earlier call of this run (see
        ``_get_plan_ids``), or None when there is none (or it is older than
        ``PLAN_TTL_MINUTES``): plan again.

        Only ids are kept; each customer is read and checked again before
        sending (``_read_plan_entries``, ``_check_items``).
        """
        stored = key and _PLANS.get(key)
        if not stored:
            return None
        kept_at, entries = stored
        if datetime.now() - kept_at > timedelta(minutes=PLAN_TTL_MINUTES):
            _PLANS.pop(key, None)
            return None
        return entries

    @api.model
    def _get_plan_ids(self, plan):
        """``plan`` [(company, partner, [(line, level)])] as ids:
        [(company id, partner id, [(line id, level id)])]."""
        return [
            (
                company.id,
                partner.id,
                [(line.id, level.id) for line, level in items],
            )
            for company, partner, items in plan
        ]

    def _read_plan_entries(self, entries):
        """The records of plan ``entries`` (see ``_get_plan_ids``), for this
        transaction: [(company, partner, [(line, level)])], in one prefetch set.

        Instalments deleted meanwhile are dropped, and a customer left
        without any.
        """
        # one prefetch set for all the lines and levels: no query per line
        lines = (
            self.env["account.move.line"]
            .browse([line_id for *_ids, items in entries for line_id, _level in items])
            .exists()
        )
        self._fetch_relance_lines(lines)
        line_by_id = {line.id: line for line in lines}
        levels = self.env["account.relance.level"].browse(
            list({level_id for *_ids, items in entries for _line, level_id in items})
        )
        level_by_id = {level.id: level for level in levels}
        plan = []
        for company_id, partner_id, items in entries:
            records = [
                (line_by_id[line_id], level_by_id[level_id])
                for line_id, level_id in items
                if line_id in line_by_id
            ]
            if records:
                plan.append(
                    (
                        self.env["res.company"].browse(company_id),
                        self.env["res.partner"].browse(partner_id),
                        records,
                    )
                )
        return plan

    @api.model
    def _fetch_relance_lines(self, lines):
        """Read what the run reads of the instalments ``lines``
        (account.move.line) and of their invoices, one query each: the first
        access to another field reads every column of the table (about 130
        for both) for all the records read together. When the user may not
        read some of them (another company's), each field is read as Odoo
        reads it, for the records the user may read."""
        try:
            lines.fetch(RELANCE_LINE_FIELDS)
            lines.move_id.fetch(RELANCE_MOVE_FIELDS)
        except AccessError:
            _logger.debug(
                "Some instalments of the run are another company's: read as "
                "Odoo reads them"
            )

    def _store_plan(self, key, plan):
        """Keep the rest of ``plan`` for the next call of the run, as ids.

        A rollback of this transaction forgets it: the next call plans again,
        so that no customer is lost for the day.
        """
        if not key:
            return
        now = datetime.now()
        for old_key, (kept_at, _entries) in list(_PLANS.items()):
            if now - kept_at > timedelta(minutes=PLAN_TTL_MINUTES):
                _PLANS.pop(old_key, None)
        if not plan:
            _PLANS.pop(key, None)
            return
        _PLANS[key] = (now, plan)
        self.env.cr.postrollback.add(lambda: _PLANS.pop(key, None))

    # ------------------------------------------------------------------
    # PLAN
    # ------------------------------------------------------------------

    def _get_companies_in_window(self, companies):
        """Companies whose sending window is open now; the job is triggered
        again when the window of each of the others opens."""
        open_companies = companies.browse()
        for company in companies:
            local_now = self._get_relance_local_now(company)
            window = company._get_relance_window()
            if within_window(window, local_now):
                open_companies |= company
            else:
                self._trigger_at_window_opening(company, window, local_now)
        return open_companies

    @api.model
    def _get_relance_local_now(self, company):
        """Naive wall-clock time of ``company`` now."""
        return company._get_relance_now()

    @api.model
    def _group_companies_by_today(self, companies):
        """{date: companies} of ``companies`` by their own date today.

        Two companies may be on different days (Nouméa and Paris): each one's
        reminders follow its own day.
        """
        return companies.grouped(lambda company: company._get_relance_today())

    def _trigger_at_window_opening(self, company, window, local_now):
        """Run the reminder job again when ``window`` of ``company`` opens."""
        opening = next_window_opening(window, local_now)
        if not opening:
            return
        tz = pytz.timezone(company._get_relance_tz())
        call_at = tz.localize(opening).astimezone(pytz.utc).replace(tzinfo=None)
        for cron in self._get_job_crons():
            # one trigger per opening, however many batches or customers wait
            already = (
                self.env["ir.cron.trigger"]
                .sudo()
                .search_count(
                    [("cron_id", "=", cron.id), ("call_at", "=", call_at)], limit=1
                )
            )
            if not already:
                cron._trigger(call_at)

    def _get_candidate_lines_query(self, companies, today, partners=None):
        """Open receivable instalments that may need a reminder, set-based."""
        partner_filter = (
            SQL("AND move.commercial_partner_id IN %s", tuple(partners.ids))
            if partners
            else SQL()
        )
        return SQL(
            """
            SELECT aml.id, move.commercial_partner_id, aml.company_id,
                   %(today)s - aml.date_maturity AS days_late
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account account ON account.id = aml.account_id
              JOIN res_partner partner ON partner.id = move.commercial_partner_id
              JOIN res_company company ON company.id = aml.company_id
             WHERE aml.company_id IN %(companies)s
               AND account.account_type = 'asset_receivable'
               AND %(remindable)s
               AND aml.date_maturity <= %(horizon)s
               -- covered by a running payment plan: the plan reminds instead
               AND NOT EXISTS (
                   SELECT 1
                     FROM account_relance_plan_move_rel plan_rel
                     JOIN account_relance_plan plan ON plan.id = plan_rel.plan_id
                    WHERE plan_rel.move_id = move.id
                      AND plan.state IN ('accepted', 'kept'))
               -- refused for good by the mail server: wait for a new address
               AND NOT EXISTS (
                   SELECT 1
                     FROM account_relance_history blocked
                    WHERE blocked.move_line_id = aml.id
                      AND blocked.state = 'failed'
                      AND blocked.retry_blocked)
               %(partner_filter)s
          ORDER BY move.commercial_partner_id, aml.date_maturity, aml.id
            """,
            today=today,
            companies=tuple(companies.ids),
            remindable=self._get_remindable_condition(today),
            horizon=today + timedelta(days=MAX_PREVENTIVE_DAYS),
            partner_filter=partner_filter,
        )

    def _get_histories_by_line(self, line_ids):
        """{line id: {level id: (state, date)}} for these instalments, in one query."""
        by_line = defaultdict(dict)
        if not line_ids:
            return by_line
        self.env["account.relance.history"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT move_line_id, level_id, state, date
                  FROM account_relance_history
                 WHERE move_line_id IN %s
                """,
                tuple(line_ids),
            )
        )
        for line_id, level_id, state, date in rows:
            by_line[line_id][level_id] = (state, date)
        return by_line

    @api.model
    def _upcoming_level(self, levels, days_late, reached):
        """The next level of a line's ladder, whether or not its day has come.

        :param levels: the ladder's levels sorted by days
        :param days_late: days since the due date (negative before it)
        :param reached: {level: (state, date)} of the line's history
        One step at a time: the first level after the most advanced one reached
        (a failed level is not reached). Préventive levels no longer apply once
        the invoice is due.
        """
        done_days = max(
            (
                level.days
                for level, (state, _date) in reached.items()
                if state != "failed"
            ),
            default=None,
        )
        for level in levels:
            if done_days is not None and level.days <= done_days:
                continue
            if level.days < 0 <= days_late:
                continue
            return level
        return None

    @api.model
    def _next_level(self, levels, days_late, reached):
        """The level a line should get now (its day has come), or None.

        See ``_upcoming_level`` for the parameters; a level failed today is
        not retried before tomorrow (the plan leaves such lines out).
        """
        level = self._upcoming_level(levels, days_late, reached)
        return level if level and level.days <= days_late else None

    def _plan(self, companies, today, partners=None):
        """List of (company, customer, [(line, level)]) that need a reminder now.

        :param partners: restrict to these commercial partners
        """
        if not companies:
            return []
        self.env.flush_all()
        rows = self.env.execute_query(
            self._get_candidate_lines_query(companies, today, partners=partners)
        )
        if not rows:
            return []
        lines = self.env["account.move.line"].browse([row[0] for row in rows])
        self._fetch_relance_lines(lines)
        # records from iterating share one prefetch set: no query per line
        line_by_id = {line.id: line for line in lines}
        histories = self._get_histories_by_line(lines.ids)
        level_model = self.env["account.relance.level"]
        partners_by_company = defaultdict(set)
        for _line_id, partner_id, company_id, _days in rows:
            partners_by_company[company_id].add(partner_id)
        ladders = {}
        last_sent = {}
        for company_id, partner_ids in partners_by_company.items():
            company = self.env["res.company"].browse(company_id)
            partners = self.env["res.partner"].browse(list(partner_ids))
            for partner, ladder in (
                self.env["account.relance.ladder"]
                ._get_ladders_for_partners(partners, company)
                .items()
            ):
                ladders[company_id, partner.id] = ladder
            for partner_id, date in partners._get_relance_last_sent_dates(
                company
            ).items():
                last_sent[company_id, partner_id] = date

        candidates_by_customer = defaultdict(list)
        for line_id, partner_id, company_id, _days_late in rows:
            ladder = ladders.get((company_id, partner_id))
            if not ladder:
                continue
            reached = {
                level_model.browse(level_id): value
                for level_id, value in histories[line_id].items()
            }
            if self._failed_on(reached, today):
                continue
            candidates_by_customer[company_id, partner_id].append(
                (line_by_id[line_id], reached)
            )

        due = {}
        for key, candidates in candidates_by_customer.items():
            items = self._select_items(
                ladders[key], candidates, today, last_sent.get(key)
            )
            if items:
                due[key] = items
        return self._plan_amounts(due, ladders, today)

    def _plan_amounts(self, items_by_customer, ladders, today):
        """Keep the customers whose net amount is worth a reminder.

        Customers whose credits cover the claim get an activity to reconcile
        instead; a net amount within the tolerance or below the ladder's
        minimum is not reminded.

        :param items_by_customer: {(company id, partner id): [(line, level)]}
        :param ladders: {(company id, partner id): ladder}
        :return: [(company, partner, items)]
        """
        due = items_by_customer
        balances = self._get_plan_balances(due, today)
        plan = []
        covered = []
        for (company_id, partner_id), items in due.items():
            balance = balances[company_id, partner_id]
            if balance.is_covered:
                covered.append(balance)
                continue
            # the amount claimed (net of credits) decides, not the gross one
            if balance.is_settled or (
                balance.net_company < ladders[company_id, partner_id].min_amount
            ):
                continue
            company = self.env["res.company"].browse(company_id)
            partner = self.env["res.partner"].browse(partner_id)
            if not self._is_customer_sendable_now(company, partner, items):
                continue
            plan.append((company, partner, items))
        self._schedule_reconcile_activities(covered)
        return plan

    @api.model
    def _failed_on(self, reached, day):
        """True when a reminder of the line failed on ``day``: it is retried
        the next day, not the same one.

        :param reached: {level: (state, date)} of the line's history
        """
        return any(
            state == "failed" and date == day for state, date in reached.values()
        )

    @api.model
    def _select_items(self, ladder, candidates, day, last_sent):
        """What the engine sends one customer on ``day``: the rule shared by the
        daily plan and the forecast of the next dates.

        Each candidate instalment takes its next level whose day has come
        (``_next_level``); nothing goes when the last reminder is more recent
        than the ladder's minimum interval (``_get_min_days_between``), or when
        the amount of the instalments due is below the ladder's minimum amount.
        A reminder after the due date never lists an instalment at a level up
        to its due date (not yet overdue): that one waits for its own level.

        :param ladder: the customer's account.relance.ladder
        :param candidates: [(line, reached)]: the instalments that may be
            reminded on ``day`` and their history {level: (state, date)}
        :param day: the date of the run (the company's)
        :param last_sent: date of the customer's last reminder sent, or None
        :return: [(line, level)], empty when nothing goes that day
        """
        if last_sent and (day - last_sent).days < ladder._get_min_days_between():
            return []
        levels = ladder.level_ids.sorted("days")
        items = []
        for line, reached in candidates:
            level = self._next_level(levels, (day - line.date_maturity).days, reached)
            if level:
                items.append((line, level))
        if any(level.days > 0 for _line, level in items):
            # a reminder after the due date claims what is overdue: an
            # instalment at a level up to its due date (a courtesy reminder)
            # does not join it, nor its amount the sum it asks for
            items = [(line, level) for line, level in items if level.days > 0]
        total_due = sum(line.amount_residual for line, _level in items)
        if not items or total_due < ladder.min_amount:
            return []
        return items

    def _get_plan_balances(self, items_by_customer, today):
        """{(company id, partner id): RelanceBalance} of the planned instalments,
        credits of all the customers read in one query."""
        lines = self.env["account.move.line"].browse(
            [line.id for items in items_by_customer.values() for line, _level in items]
        )
        partners = self.env["res.partner"].browse(
            [partner_id for _company_id, partner_id in items_by_customer]
        )
        return self.env["account.relance.balance"]._get_balances(
            partners, lines=lines, today=today
        )

    def _schedule_reconcile_activities(self, balances):
        """Customers whose credits cover the claim get no reminder: one open
        activity per customer asks the accountant to reconcile, updated on
        later runs, never duplicated.

        :param balances: [RelanceBalance] of the covered customers
        """
        activity_type = self.env.ref(
            "account_relance_fr.mail_activity_type_relance_reconcile",
            raise_if_not_found=False,
        )
        if not balances or not activity_type:
            return self.env["mail.activity"]
        partners = self.env["res.partner"].browse([b.partner.id for b in balances])
        existing = {
            activity.res_id: activity
            for activity in partners.activity_ids
            if activity.activity_type_id == activity_type
        }
        activities = self.env["mail.activity"]
        for balance in balances:
            company = balance.company
            accountant = company._get_relance_accountant()
            run = self.with_company(company).with_context(
                lang=accountant.lang or self.env.lang
            )
            note = run._get_reconcile_note(balance)
            activity = existing.get(balance.partner.id)
            if activity:
                if activity.note != note:
                    activity.note = note
                activities |= activity
                continue
            activities |= balance.partner.with_company(company).activity_schedule(
                activity_type_id=activity_type.id,
                summary=run.env._("Reconcile the customer's credits"),
                note=note,
                user_id=accountant.id,
            )
        return activities

    def _get_reconcile_note(self, balance):
        """Note of the reconcile activity: overdue invoices and credits."""
        summary = self.env["account.relance.balance"]._get_summary(balance)
        return self.env["ir.qweb"]._render(
            "account_relance_fr.relance_reconcile_note",
            {"balance": balance, "summary": summary},
        )

    def _is_customer_sendable_now(self, company, partner, items):
        """Hook: False leaves this customer's reminder for a later run.

        The engine sends whatever is planned; a channel with its own sending
        hours (SMS) defers the customers it cannot reach now.

        :param items: the customer's planned [(line, level)]
        """
        return True

    # ------------------------------------------------------------------
    # FORECAST OF THE NEXT REMINDERS
    # ------------------------------------------------------------------

    @api.model
    def _get_next_dates(self, company, partners):
        """The days the daily job will next remind these customers in ``company``.

        The job's own rule (``_select_items``, as in ``_plan``) is applied to
        the coming days of the company's sending window (weekdays, French
        public holidays, the company's time zone): the ladder's levels one step
        at a time, its minimum interval between two reminders and minimum
        amount, promises to pay plus the grace days, postponements, disputed
        and excluded invoices and customers. A level waiting for approval
        counts on the day it is queued for approval. Invoices, payments and
        approvals still to come are not known: the forecast holds until they
        happen.

        :param company: the res.company sending the reminders
        :param partners: commercial res.partner records
        :return: {partner: (date, {move line id: date})}: the customer's next
            reminder and each open instalment's (``datetime.date``, the
            company's days); False and no instalment when none is planned
        """
        result = {partner: (False, {}) for partner in partners}
        start = self._get_forecast_start(company)
        partners = partners.filtered(lambda partner: partner.id)
        if not start or not partners:
            return result
        lines = self.env["account.move.line"].search(
            self._get_forecast_lines_domain(company, partners)
        )
        if not lines:
            return result
        histories = self._get_histories_by_line(lines.ids)
        ladders = self.env["account.relance.ladder"]._get_ladders_for_partners(
            partners, company
        )
        last_sent = partners._get_relance_last_sent_dates(company)
        level_model = self.env["account.relance.level"]
        for partner, partner_lines in lines.grouped(
            lambda line: line.move_id.commercial_partner_id
        ).items():
            ladder = ladders.get(partner)
            if partner not in result or not ladder or partner.relance_excluded:
                continue
            reached = {
                line: {
                    level_model.browse(level_id): value
                    for level_id, value in histories[line.id].items()
                }
                for line in partner_lines
            }
            line_dates = self._forecast_customer(
                ladder,
                reached,
                start,
                last_sent.get(partner.id),
                partner.relance_postponed_until,
            )
            result[partner] = (
                min(line_dates.values(), default=False),
                {line.id: date for line, date in line_dates.items()},
            )
        return result

    @api.model
    def _get_forecast_start(self, company):
        """The first day the daily job may still send for ``company``: today
        while its sending window is open or still to open today, else the
        window's next open day; None when the window never opens."""
        opening = next_window_opening(
            company._get_relance_window(), company._get_relance_now()
        )
        return opening and opening.date()

    @api.model
    def _get_forecast_lines_domain(self, company, partners):
        """Open instalments of ``partners`` the job may remind, in ``company``."""
        return [
            ("move_id.commercial_partner_id", "in", partners.ids),
            ("company_id", "=", company.id),
            ("parent_state", "=", "posted"),
            ("move_id.move_type", "=", "out_invoice"),
            ("move_id.payment_state", "in", ("not_paid", "partial")),
            ("account_id.account_type", "=", "asset_receivable"),
            ("reconciled", "=", False),
            ("amount_residual", ">", 0),
            ("date_maturity", "!=", False),
            ("move_id.relance_excluded", "=", False),
            ("move_id.relance_dispute", "=", False),
            # covered by a running payment plan: the plan reminds instead
            (
                "move_id.relance_plan_ids",
                "not any",
                [("state", "in", ("accepted", "kept"))],
            ),
        ]

    @api.model
    def _forecast_customer(self, ladder, reached, start, last_sent, postponed_until):
        """{line: day of its next reminder} for one customer's instalments.

        Runs ``_select_items`` on the sending days from ``start`` on, jumping
        from one day where something changes to the next
        (``_get_next_forecast_day``); each simulated reminder moves its
        instalments one level up, as the job records it.

        :param reached: {line: {level: (state, date)}}; not modified
        :param last_sent: date of the customer's last reminder sent, or None
        :param postponed_until: the customer's postponement date, or None
        :return: the instalments the job will remind, with their day
        """
        reached = {line: dict(line_reached) for line, line_reached in reached.items()}
        window = ladder.company_id._get_relance_window()
        grace = timedelta(days=ladder.company_id.relance_promise_grace_days)
        dates = {}
        day = start
        for _step in range(MAX_FORECAST_STEPS):
            day = day and self._get_next_open_day(window, day)
            if not day or len(dates) == len(reached):
                break
            candidates = []
            if not postponed_until or postponed_until <= day:
                candidates = [
                    (line, line_reached)
                    for line, line_reached in reached.items()
                    if self._is_line_open_on(line, line_reached, day, grace)
                ]
            items = self._select_items(ladder, candidates, day, last_sent)
            if not items:
                day = self._get_next_forecast_day(
                    ladder, reached, day, last_sent, postponed_until, grace
                )
                continue
            message_level = max(
                (level for _line, level in items), key=lambda level: level.days
            )
            state = "to_confirm" if message_level.to_confirm else "sent"
            for line, level in items:
                dates.setdefault(line, day)
                reached[line][level] = (state, day)
            if state == "sent":
                last_sent = day
            day += timedelta(days=1)
        return dates

    @api.model
    def _is_line_open_on(self, line, reached, day, grace):
        """True when nothing keeps the instalment out of the job's plan on
        ``day``: the préventive horizon, a promise running (promise date plus
        ``grace``), a failure that same day (see ``_get_candidate_lines_query``
        and ``_get_remindable_line_ids``)."""
        promise = line.move_id.relance_promise_date
        return (
            line.date_maturity <= day + timedelta(days=MAX_PREVENTIVE_DAYS)
            and not (promise and promise + grace >= day)
            and not self._failed_on(reached, day)
        )

    @api.model
    def _get_next_forecast_day(
        self, ladder, reached, day, last_sent, postponed_until, grace
    ):
        """The first day after ``day`` when the job's decision may change, or
        None: a level's day, the due date (préventive levels end), the
        préventive horizon, the end of the minimum interval, of a promise's
        grace or of a postponement, the day after a failure."""
        levels = ladder.level_ids.sorted("days")
        events = []
        if any(self._failed_on(line_reached, day) for line_reached in reached.values()):
            events.append(day + timedelta(days=1))
        if last_sent:
            events.append(last_sent + timedelta(days=ladder._get_min_days_between()))
        if postponed_until:
            events.append(postponed_until)
        for line, line_reached in reached.items():
            due = line.date_maturity
            level = self._upcoming_level(levels, (day - due).days, line_reached)
            if level:
                events.append(due + timedelta(days=level.days))
            events += [due, due - timedelta(days=MAX_PREVENTIVE_DAYS)]
            promise = line.move_id.relance_promise_date
            if promise:
                events.append(promise + grace + timedelta(days=1))
        return min((event for event in events if event > day), default=None)

    @api.model
    def _get_next_open_day(self, window, day):
        """The first day at or after ``day`` on which ``window`` opens, or None."""
        opening = next_window_opening(window, datetime.combine(day, time.min))
        return opening and opening.date()

    # ------------------------------------------------------------------
    # CHECK, SEND, RECORD
    # ------------------------------------------------------------------

    def _process_customer(
        self, partner, items, today, force_channels=None, approved=False
    ):
        """Send one customer's reminder for ``items`` [(line, level)].

        :return: the account.relance.history records written; none when
            another transaction holds the customer's invoices (see
            ``_process_customers``)
        """
        histories = self._process_customer_or_skip(
            partner, items, today, force_channels=force_channels, approved=approved
        )
        return histories or self.env["account.relance.history"]

    def _process_customer_or_skip(
        self, partner, items, today, force_channels=None, approved=False
    ):
        """Send one customer's reminder, or leave it when another transaction
        holds its invoices (see ``_process_customers``).

        Asked by a person (the follow-up screen, the send wizard, an
        approval), it runs as superuser once the person is known to run the
        reminders: a reminder is the company's, written on the customer's
        chatter even by an accountant who may not edit contacts; the person
        stays its author.

        :return: the account.relance.history records written, or None when
            the customer was skipped and must be tried again later
        :raise AccessError: for a user who does not run the reminders
        """
        if not self.env.su and not self.env.user.has_group(
            "account_relance_fr.group_relance_manager"
        ):
            raise AccessError(
                self.env._("Only the accountants running the reminders can do this.")
            )
        items = [(line.sudo(), level.sudo()) for line, level in items]
        histories = self.sudo()._process_customers(
            [(partner.sudo(), items)],
            today,
            force_channels=force_channels,
            approved=approved,
        )[partner.id]
        return histories if histories is None else histories.sudo(self.env.su)

    def _process_customers(self, entries, today, force_channels=None, approved=False):
        """Check, send and record the reminders of several customers of the
        current company, set-based.

        1. the invoices of all of them are locked at once, without waiting
           (``_lock_customers``): a customer another transaction holds, or
           whose invoices changed since this transaction started, is left for
           a later call;
        2. each customer is checked again (``_prepare_sends``): what is paid,
           disputed, postponed meanwhile is dropped; a customer whose credits
           cover the claim gets a reconcile activity, a reminder waiting for
           approval is recorded so;
        3. the others are sent together (``_send_customers``).

        Whatever is written for a customer is undone for that customer only
        when it meets another transaction: the rest of the batch commits.

        :param entries: [(partner, items)]: one entry per commercial
            res.partner, items being [(account.move.line,
            account.relance.level)]
        :param today: the company's date of the run (``datetime.date``)
        :param force_channels: channel codes chosen by a person, or None for
            the level's
        :param approved: True when a person approved or chose these reminders
        :return: {partner id: account.relance.history written (maybe none), or
            None when the customer was skipped and must be tried again later}
        """
        results = dict.fromkeys([partner.id for partner, _items in entries])
        locked = self._lock_customers(entries)
        if not locked:
            return results
        sends = self._prepare_sends(
            locked, today, force_channels=force_channels, approved=approved
        )
        by_kind = defaultdict(list)
        for send in sends:
            by_kind[send["kind"]].append(send)
        History = self.env["account.relance.history"]
        for send in by_kind["none"]:
            results[send["partner"].id] = History
        results.update(self._run_isolated(by_kind["covered"], self._record_covered))
        results.update(
            self._run_isolated(
                by_kind["to_confirm"],
                lambda units: self._upsert_histories_batch(
                    units, today, {"state": "to_confirm"}
                ),
            )
        )
        results.update(self._send_customers(by_kind["send"], today))
        if by_kind["send"]:
            self._trigger_mail_queue()
        return results

    @api.model
    def _trigger_mail_queue(self):
        """Have Odoo's mail queue send the emails just queued as soon as a cron
        thread is free (once this transaction commits), not at its next
        hourly run: a reminder leaves with its run, or when a person sends it.
        """
        queue = self.env.ref(
            "mail.ir_cron_mail_scheduler_action", raise_if_not_found=False
        )
        if queue:
            queue.sudo()._trigger()

    def _run_isolated(self, units, method, one=None):
        """Run ``method(units)`` in one savepoint; when it raises, run each
        unit alone in its own savepoint, so that an error or a conflict with
        another transaction affects its customer only.

        :param units: [dict] with at least ``partner``
        :param method: callable(units) -> {partner id: result}
        :param one: callable(unit) -> result, for a unit alone (default:
            ``method([unit])``); it may record the unit's failure itself
        :return: {partner id: result, or None when the customer met another
            transaction and must be tried again later}
        """
        if not units:
            return {}
        if len(units) > 1:
            try:
                with self.env.cr.savepoint():
                    return method(units)
            except Exception as error:  # noqa: BLE001 - retried one by one below
                _logger.info(
                    "Reminder batch of %s customers sent one by one: %s",
                    len(units),
                    error.__class__.__name__,
                )
        one = one or (lambda unit: method([unit])[unit["partner"].id])
        results = {}
        for unit in units:
            partner = unit["partner"]
            try:
                with self.env.cr.savepoint():
                    results[partner.id] = one(unit)
            except (RelanceHeldError, *CONFLICT_ERRORS) as error:
                _logger.info(
                    "Reminder to customer %s left for later: %s",
                    partner.id,
                    error.__class__.__name__,
                )
                results[partner.id] = None
        return results

    def _lock_customers(self, entries):
        """Lock the invoices of the customers of ``entries`` for this
        transaction, without waiting: one query for all of them.

        A customer of which another transaction holds one invoice is left out,
        and the locks of its other invoices released. When an invoice changed
        since this transaction started (a conflict), each customer is locked
        in its own savepoint instead, to leave out that customer only.

        :param entries: [(partner, items)]
        :return: the entries whose invoices are all locked by this transaction
        """
        moves = {partner.id: self._get_items_moves(items) for partner, items in entries}
        candidates = entries
        for _attempt in range(3):
            wanted = self.env["account.move"].union(
                *(moves[partner.id] for partner, _items in candidates)
            )
            complete = candidates
            try:
                with self.env.cr.savepoint(flush=False):
                    locked = self._lock_move_ids(wanted)
                    complete = [
                        (partner, items)
                        for partner, items in candidates
                        if set(moves[partner.id].ids) <= locked
                    ]
                    if len(complete) == len(candidates):
                        return candidates
                    # undo the partial locks before locking the complete ones
                    raise RelanceHeldError()
            except RelanceHeldError:
                candidates = complete
                if not candidates:
                    return []
            except CONFLICT_ERRORS:
                break
        return self._lock_customers_one_by_one(candidates, moves)

    def _lock_customers_one_by_one(self, entries, moves):
        """The entries whose invoices (``moves`` {partner id: account.move})
        this transaction locks, each customer in its own savepoint."""
        locked = []
        for partner, items in entries:
            try:
                with self.env.cr.savepoint(flush=False):
                    if not self._lock_moves(moves[partner.id]):
                        raise RelanceHeldError()
                locked.append((partner, items))
            except (RelanceHeldError, *CONFLICT_ERRORS) as error:
                _logger.info(
                    "Reminder to customer %s left for later: %s",
                    partner.id,
                    error.__class__.__name__,
                )
        return locked

    def _lock_moves(self, moves):
        """Lock ``moves`` for this transaction, without waiting.

        :return: True when all of them are locked, False when another
            transaction holds one of them
        :raise psycopg2.errors.SerializationFailure: when one of them changed
            since this transaction started (not logged as an error: the
            caller leaves the customer for a later call)
        """
        return len(self._lock_move_ids(moves)) == len(moves)

    def _lock_move_ids(self, moves):
        """Lock what it can of ``moves`` without waiting, in one query.

        :return: the set of the ids locked by this transaction
        :raise psycopg2.errors.SerializationFailure: see ``_lock_moves``
        """
        if not moves:
            return set()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM account_move WHERE id IN %s FOR UPDATE SKIP LOCKED",
                tuple(moves.ids),
            ),
            log_exceptions=False,
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _prepare_sends(self, entries, today, force_channels=None, approved=False):
        """Check the locked customers again and decide what each one gets.

        No re-read of the invoices: in this transaction (repeatable read) the
        lock succeeds only on the version it already sees.

        :param entries: [(partner, items)] whose invoices are locked
        :return: [dict]: ``kind`` (``none``: nothing to send any more;
            ``covered``: credits cover the claim; ``to_confirm``: waits for
            approval; ``send``), ``partner``, ``items`` still to remind,
            ``level`` of the message (the most advanced), ``channels``,
            ``contact``, ``balance`` (RelanceBalance of the items, net of the
            credits) and ``had_failed`` (a failed reminder is sent again)
        """
        # one prefetch set for all the customers: no query per customer
        partners = self.env["res.partner"].browse(
            [partner.id for partner, _items in entries]
        )
        all_lines = self.env["account.move.line"].union(
            *(line for _partner, items in entries for line, _level in items)
        )
        existing = self._get_histories_by_line(all_lines.ids)
        remindable = self._get_remindable_line_ids(all_lines.ids, today)
        checked = []
        for partner, (_planned, items) in zip(partners, entries, strict=True):
            kept = self._check_items(
                items,
                today,
                approved=approved,
                existing=existing,
                remindable=remindable,
            )
            checked.append((partner, kept))
        balances = self.env["account.relance.balance"]._get_balances(
            partners,
            lines=self.env["account.move.line"].union(
                *(line for _partner, items in checked for line, _level in items)
            ),
            today=today,
        )
        company = self.env.company
        sends = []
        for partner, items in checked:
            send = {"kind": "none", "partner": partner, "items": items}
            sends.append(send)
            if not items:
                continue
            level = max((level for _line, level in items), key=lambda lvl: lvl.days)
            balance = balances[company.id, partner.commercial_partner_id.id]
            channels = force_channels or level._get_channels_for_partner(partner)
            send.update(
                level=level,
                balance=balance,
                channels=channels,
                had_failed=any(
                    existing[line.id].get(lvl.id, (None,))[0] == "failed"
                    for line, lvl in items
                ),
            )
            if balance.is_covered:
                send["kind"] = "covered"
                continue
            if balance.is_settled:
                continue
            if not approved and (
                level.to_confirm
                or (balance.has_credits and company.relance_credit_to_confirm)
            ):
                send["kind"] = "to_confirm"
                send["channels"] = level._get_channels_for_partner(partner)
            else:
                send["kind"] = "send"
            send["contact"] = self._get_relance_recipient(
                partner, self._get_items_moves(items), send["channels"]
            )
        return sends

    def _record_covered(self, sends):
        """The reconcile activities of the customers whose credits cover the
        claim (see ``_schedule_reconcile_activities``).

        :return: {partner id: no history}
        """
        self._schedule_reconcile_activities([send["balance"] for send in sends])
        return dict.fromkeys(
            [send["partner"].id for send in sends],
            self.env["account.relance.history"],
        )

    def _send_customers(self, sends, today):
        """Send the reminders of ``sends`` (see ``_prepare_sends``) together.

        Those a check stops before sending (formal notice lacking a legal
        mention, no email address, no template, archived contact) go one by
        one; when the batch raises, each customer is sent again alone
        (``_send_one``).

        :return: {partner id: histories written, or None when held}
        """
        together, alone = [], []
        # the checks read each contact's users: one query for all of them
        self.env["res.partner"].union(
            *(send["contact"] for send in sends if "email" in send["channels"])
        ).mapped("user_ids")
        for send in sends:
            if self._get_send_issue(send):
                alone.append(send)
            else:
                together.append(send)
        self._prepare_invoice_pdfs(together)
        results = self._run_isolated(
            together,
            lambda units: self._send_batch(units, today),
            lambda unit: self._send_one(unit, today),
        )
        for send in alone:
            results.update(
                self._run_isolated(
                    [send],
                    lambda units: self._send_batch(units, today),
                    lambda unit: self._send_one(unit, today),
                )
            )
        return results

    def _prepare_invoice_pdfs(self, sends):
        """Render and store the missing invoice PDFs of the email reminders
        of ``sends`` that attach them, all together and before the batch: a
        batch sent again one customer at a time reuses them. A rendering that
        fails is left to the sending of each customer, which records it.
        """
        documents = [
            (
                send["partner"]._get_relance_lang(send["contact"]),
                self._get_items_moves(send["items"]),
            )
            for send in sends
            if "email" in send["channels"] and send["level"].attach_invoice_pdf
        ]
        if not documents:
            return
        try:
            with self.env.cr.savepoint():
                self._get_invoice_pdfs(documents)
        except Exception:  # noqa: BLE001 - each customer records its own failure
            _logger.warning("Invoice PDFs of the reminders not rendered", exc_info=True)

    def _get_reminder_followed_partner_ids(self, partners):
        """Ids of ``partners`` having a follower of the reminders' subtype, in
        one query: their reminders go through ``message_post``, which notifies
        those followers too (see ``_post_templates``)."""
        if not partners:
            return set()
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "account_relance_fr.mail_message_subtype_relance"
        )
        followers = (
            self.env["mail.followers"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", [partner.id for partner in partners]),
                    ("subtype_ids", "in", subtype_id),
                ]
            )
        )
        return set(followers.mapped("res_id"))

    def _get_send_issue(self, send):
        """The RelanceSendError that stops ``send`` before sending, or None."""
        try:
            self._check_before_send(send["partner"], send["level"], send["channels"])
            if "email" in send["channels"]:
                self._check_email_sendable(
                    send["partner"], send["level"], send["contact"]
                )
        except RelanceSendError as error:
            return error
        return None

    def _send_one(self, send, today):
        """Send one customer's reminder alone; a failure is recorded on its
        histories with an activity for the accountant.

        :return: the histories written
        :raise: the conflicts with another transaction (the caller leaves the
            customer for later)
        """
        partner, contact = send["partner"], send["contact"]
        items, channels = send["items"], send["channels"]
        try:
            with self.env.cr.savepoint():
                return self._send_batch([send], today)[partner.id]
        except CONFLICT_ERRORS:
            raise  # the whole customer is tried again later
        except psycopg2.IntegrityError:
            # Another transaction recorded the same reminder first: nothing to do.
            return self.env["account.relance.history"]
        except (RelanceSendError, UserError) as error:
            return self._record_failure(partner, contact, items, channels, today, error)
        except Exception as error:  # noqa: BLE001 - a template error may raise anything
            _logger.warning(
                "Reminder to %s failed", partner.display_name, exc_info=True
            )
            return self._record_failure(
                partner,
                contact,
                items,
                channels,
                today,
                self._get_unexpected_failure_message(send["level"], error),
            )

    def _send_batch(self, sends, today):
        """Send and record the reminders of ``sends`` together: the emails of
        all of them at once (``_post_relance_emails``), then the histories in
        bulk, linked to their email, the other channels customer by customer,
        the notes on the invoices in one go. Raises on the first error (see
        ``_send_one``).

        :return: {partner id: histories written}
        """
        for send in sends:
            self._check_before_send(send["partner"], send["level"], send["channels"])
        emails = [send for send in sends if "email" in send["channels"]]
        messages = self._post_relance_emails(
            [
                (
                    self._get_items_lines(send["items"]),
                    send["level"],
                    send["partner"],
                    send["contact"],
                    send["balance"],
                )
                for send in emails
            ]
        )
        histories = self._upsert_histories_batch(
            sends,
            today,
            {"state": "sent"},
            message_ids={
                send["partner"].id: message.id
                for send, message in zip(emails, messages, strict=True)
            },
        )
        for send in sends:
            for channel in send["channels"]:
                if channel != "email":
                    getattr(self, f"_relance_send_{channel}")(
                        histories[send["partner"].id],
                        send["level"],
                        send["partner"],
                        send["contact"],
                    )
        self.env["account.relance.history"].union(
            *histories.values()
        )._log_on_invoices()
        self._close_failure_activities(
            self.env["res.partner"].union(
                *(send["partner"] for send in sends if send["had_failed"])
            ),
            today,
        )
        return histories

    @api.model
    def _get_items_lines(self, items):
        """The instalments (account.move.line) of ``items`` [(line, level)],
        in their order, read together with the lines they were read with."""
        lines = [line for line, _level in items]
        if not lines:
            return self.env["account.move.line"]
        return (
            lines[0]
            .browse(list(dict.fromkeys(line.id for line in lines)))
            .with_prefetch(lines[0]._prefetch_ids)
        )

    @api.model
    def _get_items_moves(self, items):
        """The invoices (account.move) of ``items`` [(line, level)]."""
        return self._get_items_lines(items).move_id

    @api.model
    def _get_relance_recipient(self, partner, moves, channels):
        """The contact a reminder of ``moves`` on ``channels`` is sent to.

        The first contact of the customer's recipient chain
        (``res.partner._get_relance_recipient_chain``) with an email, or with a
        street when the first channel is a letter. When nobody has one, the
        chain's first contact: the channel then records the failure.

        :return: one res.partner
        """
        fname = "street" if channels and channels[0] == "letter" else "email"
        return (
            partner._get_relance_contact(moves, fname)
            or partner._get_relance_recipient_chain(moves)[:1]
        )

    def _check_items(
        self, items, today, approved=False, existing=None, remindable=None
    ):
        """Drop what must not be reminded any more, re-read right before sending.

        :param existing: the result of ``_get_histories_by_line`` for the
            items' lines, when already read
        :param remindable: the result of ``_get_remindable_line_ids`` for the
            items' lines, when already read
        """
        if existing is None:
            existing = self._get_histories_by_line([line.id for line, _level in items])
        if remindable is None:
            remindable = self._get_remindable_line_ids(
                [line.id for line, _level in items], today
            )
        kept = []
        for line, level in items:
            state = existing[line.id].get(level.id, (None, None))[0]
            if state == "sent" or state == "cancelled":
                continue
            if state == "to_confirm" and not approved:
                continue
            if line.id in remindable:
                kept.append((line, level))
        return kept

    def _get_remindable_line_ids(self, line_ids, today):
        """Ids of the instalments of ``line_ids`` nothing forbids reminding
        today, in one query: a posted customer invoice still unpaid, not
        settled within the company's tolerance, neither excluded nor disputed,
        without a promise running (promise date plus the grace days of the
        company), of a customer neither excluded nor postponed past ``today``.

        :param today: the company's date of the run (``datetime.date``)
        :return: set of account.move.line ids
        """
        if not line_ids:
            return set()
        self.env["account.move.line"].flush_model(
            ["move_id", "reconciled", "amount_residual", "balance", "company_id"]
        )
        self.env["account.move"].flush_model(
            [
                "state",
                "move_type",
                "payment_state",
                "commercial_partner_id",
                "relance_excluded",
                "relance_dispute",
                "relance_promise_date",
            ]
        )
        self.env["res.partner"].flush_model(
            ["relance_excluded", "relance_postponed_until"]
        )
        self.env["res.company"].flush_model(
            ["relance_tolerance", "relance_promise_grace_days"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT aml.id
                  FROM account_move_line aml
                  JOIN account_move move ON move.id = aml.move_id
                  JOIN res_partner partner ON partner.id = move.commercial_partner_id
                  JOIN res_company company ON company.id = aml.company_id
                 WHERE aml.id IN %s AND %s
                """,
                tuple(line_ids),
                self._get_remindable_condition(today),
            )
        )
        return {line_id for (line_id,) in rows}

    @api.model
    def _get_remindable_condition(self, today):
        """SQL condition of an instalment nothing forbids reminding on
        ``today`` (see ``_get_remindable_line_ids``), on the aliases ``aml``
        (account_move_line), ``move`` (its account_move), ``partner`` (the
        commercial res_partner) and ``company`` (res_company)."""
        return SQL(
            """
            move.state = 'posted'
            AND move.move_type = 'out_invoice'
            AND move.payment_state IN ('not_paid', 'partial')
            AND NOT aml.reconciled
            AND aml.amount_residual > 0
            -- a remainder within the tolerance after a payment is settled
            AND NOT (aml.amount_residual < aml.balance
                     AND aml.amount_residual
                         <= COALESCE(company.relance_tolerance, 0))
            AND NOT COALESCE(move.relance_excluded, FALSE)
            AND NOT COALESCE(move.relance_dispute, FALSE)
            AND (move.relance_promise_date IS NULL
                 OR move.relance_promise_date
                    + COALESCE(company.relance_promise_grace_days, 0)
                    < %(today)s)
            AND NOT COALESCE(partner.relance_excluded, FALSE)
            AND (partner.relance_postponed_until IS NULL
                 OR partner.relance_postponed_until <= %(today)s)
            """,
            today=today,
        )

    def _prepare_history_vals(self, partner, contact, line, level, channels, today):
        """Values of the history of one instalment at one level."""
        return {
            "move_line_id": line.id,
            "move_id": line.move_id.id,
            "company_id": line.company_id.id,
            "partner_id": partner.id,
            "contact_id": contact.id,
            "salesperson_id": partner.user_id.id,
            "level_id": level.id,
            "date": today,
            "channel": channels[0] if channels else "email",
            "channels": ", ".join(channels),
            "user_id": self.env.user.id,
            "currency_id": line.currency_id.id,
            "amount_total": line.amount_currency,
            "amount_residual": line.amount_residual_currency,
            "days_late": (today - line.date_maturity).days,
            "error": False,
        }

    def _upsert_histories(self, partner, contact, items, channels, today, extra_vals):
        """Create the histories of ``items``, or reuse failed / to-confirm ones."""
        send = {
            "partner": partner,
            "contact": contact,
            "items": items,
            "channels": channels,
        }
        return self._upsert_histories_batch([send], today, extra_vals)[partner.id]

    def _upsert_histories_batch(self, sends, today, extra_vals, message_ids=None):
        """Create the histories of several customers' items in bulk, or reuse
        their failed / to-confirm ones.

        :param sends: [dict] with ``partner``, ``contact``, ``items`` and
            ``channels`` (see ``_prepare_sends``)
        :param extra_vals: values written on all of them (e.g. the state)
        :param message_ids: {partner id: mail.message id}: the email that
            sent each customer's reminder, stored with its histories
        :return: {partner id: account.relance.history}
        """
        message_ids = message_ids or {}
        History = self.env["account.relance.history"]
        existing = History.search(
            [
                (
                    "move_line_id",
                    "in",
                    [line.id for send in sends for line, _level in send["items"]],
                ),
                (
                    "level_id",
                    "in",
                    list(
                        {level.id for send in sends for _line, level in send["items"]}
                    ),
                ),
            ]
        )
        existing_by_key = {(h.move_line_id.id, h.level_id.id): h for h in existing}
        histories = {send["partner"].id: History for send in sends}
        to_create = []
        owners = []
        for send in sends:
            partner = send["partner"]
            for line, level in send["items"]:
                vals = dict(
                    self._prepare_history_vals(
                        partner, send["contact"], line, level, send["channels"], today
                    ),
                    **extra_vals,
                )
                if partner.id in message_ids:
                    vals["mail_message_id"] = message_ids[partner.id]
                history = existing_by_key.get((line.id, level.id))
                if history:
                    history.write(vals)
                    histories[partner.id] |= history
                else:
                    to_create.append(vals)
                    owners.append(partner.id)
        created = History._create_in_bulk(to_create)
        for partner_id, history in zip(owners, created, strict=True):
            histories[partner_id] |= history
        # one prefetch set: the customers' histories are read together
        everything = History.union(*histories.values())
        return {
            partner_id: records.with_prefetch(everything._ids)
            for partner_id, records in histories.items()
        }

    def _record_sent(self, partner, contact, items, channels, today):
        return self._upsert_histories(
            partner, contact, items, channels, today, {"state": "sent"}
        )

    def _record_to_confirm(self, partner, items, message_level, today):
        channels = message_level._get_channels_for_partner(partner)
        moves = self._get_items_moves(items)
        return self._upsert_histories(
            partner,
            self._get_relance_recipient(partner, moves, channels),
            items,
            channels,
            today,
            {"state": "to_confirm"},
        )

    def _record_failure(self, partner, contact, items, channels, today, error):
        """Keep the failure on the history and give a person an activity."""
        message = str(error) or error.__class__.__name__
        histories = self._upsert_histories(
            partner,
            contact,
            items,
            channels,
            today,
            {"state": "failed", "error": message},
        )
        self._schedule_failure_activity(partner, message)
        return histories

    def _with_accountant_lang(self):
        """This run in the language of the company's accountant, who reads the
        failures and their activities."""
        accountant = self.env.company._get_relance_accountant()
        return self.with_context(lang=accountant.lang or self.env.lang)

    def _schedule_failure_activity(self, partner, message):
        """One open activity per customer for the accountant, updated each time."""
        accountant = self.env.company._get_relance_accountant()
        run = self._with_accountant_lang()
        activity_type = self.env.ref(
            "account_relance_fr.mail_activity_type_relance_failure"
        )
        note = run.env._("The reminder could not be sent. %(error)s", error=message)
        existing = partner.activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
        )
        if existing:
            existing[:1].write({"note": note})
            return existing[:1]
        return partner.activity_schedule(
            activity_type_id=activity_type.id,
            summary=run.env._("Reminder failed"),
            note=note,
            user_id=accountant.id,
        )

    def _get_unexpected_failure_message(self, level, error):
        """The sentence recorded when preparing ``level`` raised an unexpected
        error (a template or document that does not render), in the
        accountant's language."""
        return self._with_accountant_lang().env._(
            "The reminder of level %(level)s could not be prepared. Check the "
            "level's email template and documents: the reminder is tried again "
            "the next sending day. Details: “%(error)s”.",
            level=level.name,
            error=str(error) or error.__class__.__name__,
        )

    def _close_failure_activities(self, partners, today):
        """Mark done the accountant's "reminder failed" activities of
        ``partners`` (res.partner) none of whose reminders in the current
        company is failed any more; two queries for all of them.

        :return: the mail.activity records closed
        """
        Activity = self.env["mail.activity"]
        if not partners:
            return Activity
        activity_type = self.env.ref(
            "account_relance_fr.mail_activity_type_relance_failure"
        )
        failed = {
            partner.id
            for (partner,) in self.env["account.relance.history"]._read_group(
                [
                    ("partner_id", "in", partners.ids),
                    ("company_id", "=", self.env.company.id),
                    ("state", "=", "failed"),
                ],
                groupby=["partner_id"],
            )
        }
        done = [partner.id for partner in partners if partner.id not in failed]
        if not done:
            return Activity
        activities = Activity.search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", done),
                ("activity_type_id", "=", activity_type.id),
            ]
        )
        if activities:
            run = self._with_accountant_lang()
            activities.action_feedback(
                feedback=run.env._(
                    "The reminder was sent on %(date)s.",
                    date=format_date(run.env, today),
                )
            )
        return activities

    def _get_refusal_message(self, contact, failure_reason, failure_type, permanent):
        """The sentence recorded when the mail server did not deliver a
        reminder to ``contact``, naming what to fix, in this run's language
        (the accountant's: see ``_with_accountant_lang``).

        :param failure_reason: the server's answer (text) or False
        :param failure_type: ``mail.mail`` failure_type
        :param permanent: True when no new attempt is made until the address
            is corrected
        """
        _ = self.env._
        reason = failure_reason or dict(
            self.env["mail.mail"]
            ._fields["failure_type"]
            ._description_selection(self.env)
        ).get(failure_type, failure_type)
        values = {
            "contact": contact.display_name,
            "email": contact.email or "",
            "reason": reason,
        }
        if failure_type == "mail_email_missing":
            return _(
                "%(contact)s has no email address. Add one on the contact: the "
                "reminder is sent again the next sending day.",
                **values,
            )
        if failure_type == "mail_email_invalid":
            return _(
                "The email address %(email)s of %(contact)s is not valid. Correct "
                "it on the contact: the reminder is sent again the next sending "
                "day after the correction.",
                **values,
            )
        if failure_type == "mail_bl":
            return _(
                "The email address %(email)s of %(contact)s is on the blacklist. "
                "Give the contact another address: the reminder is sent again the "
                "next sending day after the correction.",
                **values,
            )
        if failure_type in ("mail_from_invalid", "mail_from_missing"):
            return _(
                "The sender address of the reminders is missing or not valid. "
                "Correct the company's email address or the reminders' sender in "
                "the settings: the reminder is tried again the next sending day. "
                "Details: “%(reason)s”.",
                **values,
            )
        if permanent:
            return _(
                "The mail server refused the address %(email)s of %(contact)s for "
                "good. Correct the contact's email address: no reminder is sent to "
                "it until then. Server's answer: “%(reason)s”.",
                **values,
            )
        if failure_type == "mail_smtp":
            return _(
                "The outgoing mail server could not be reached. The reminder is "
                "tried again the next sending day; if this persists, check the "
                "outgoing mail server in the settings. Details: “%(reason)s”.",
                **values,
            )
        return _(
            "The mail server did not accept the reminder to %(email)s for now. "
            "It is tried again the next sending day; if this persists, check the "
            "address of %(contact)s and the outgoing mail server. Server's "
            "answer: “%(reason)s”.",
            **values,
        )

    # ------------------------------------------------------------------
    # CHANNELS
    # ------------------------------------------------------------------

    def _relance_send_email(self, histories, level, partner, contact):
        """Post the level's template on the customer, queued for the
        recipient, and link ``histories`` to it.

        :return: the mail.message posted
        :raise RelanceSendError: see ``_check_email_sendable``
        """
        (message,) = self._post_relance_emails(
            [(histories.move_line_id, level, partner, contact, None)]
        )
        self.env["account.relance.history"]._link_messages([(histories, message)])
        return message

    def _post_relance_emails(self, entries):
        """Post the level's template on several customers at once, each email
        queued for its recipient, with the level's attachments.

        :param entries: [(lines, level, partner, contact, balance)]: lines
            are the reminded instalments (account.move.line), balance their
            RelanceBalance (net of the credits, read once by the run), or None
            to read it
        :return: [mail.message], one per entry
        :raise RelanceSendError: see ``_check_email_sendable``
        """
        if not entries:
            return []
        for _lines, level, partner, contact, _balance in entries:
            self._check_email_sendable(partner, level, contact)
        attachments = self._get_emails_attachments(
            [
                (partner, contact, lines.move_id, level)
                for lines, level, partner, contact, _balance in entries
            ]
        )
        return self._post_templates(
            [
                {
                    "partner": partner,
                    "template": level.mail_template_id,
                    "contact": contact,
                    "attachments": entry_attachments,
                    "lines": lines,
                    "level": level,
                    "balance": balance,
                }
                for (
                    lines,
                    level,
                    partner,
                    contact,
                    balance,
                ), entry_attachments in zip(entries, attachments, strict=True)
            ]
        )

    def _check_email_sendable(self, partner, level, contact):
        """Stop an email reminder that cannot be queued for ``contact``.

        :raise RelanceSendError: no email address, no template on ``level``,
            an archived customer or contact, a contact notified in Odoo's
            inbox instead of by email; in the accountant's language
        """
        if not contact.email:
            raise RelanceSendError(
                self._with_accountant_lang().env._(
                    "%(customer)s has no email address: none on its reminder "
                    "contact, on the contacts its invoices are addressed to, on "
                    "its invoice-address contacts, nor on the customer itself.",
                    customer=partner.commercial_partner_id.display_name,
                )
            )
        if not level.mail_template_id:
            raise RelanceSendError(
                self._with_accountant_lang().env._(
                    "Level %(level)s has no email template: choose one on the "
                    "level.",
                    level=level.name,
                )
            )
        self._check_recipient_active(partner, contact)
        if contact.user_ids.filtered(
            lambda user: not user.share and user.notification_type == "inbox"
        ):
            raise RelanceSendError(
                self._with_accountant_lang().env._(
                    "No email could be queued for %(contact)s (%(email)s): check "
                    "that the contact is active and its address valid.",
                    contact=contact.display_name,
                    email=contact.email,
                )
            )

    def _check_recipient_active(self, partner, contact):
        """Stop a reminder to an archived customer or contact: no email would
        be queued for it.

        :raise RelanceSendError: naming the archived record, in the
            accountant's language
        """
        archived = (partner.commercial_partner_id | contact).filtered(
            lambda record: not record.active
        )
        if archived:
            raise RelanceSendError(
                self._with_accountant_lang().env._(
                    "%(contact)s is archived: no reminder can be sent to it. "
                    "Restore it, or choose another reminder contact for "
                    "%(customer)s.",
                    contact=archived[0].display_name,
                    customer=partner.commercial_partner_id.display_name,
                )
            )

    def _post_template(self, partner, template, contact, attachments=None):
        """Render ``template`` in the contact's language and post it on the
        customer (see ``_post_templates``); ``partner`` carries the render
        context (e.g. ``relance_paid_move_ids`` of a thank-you).

        :return: the mail.message posted
        """
        return self._post_templates(
            [
                {
                    "partner": partner,
                    "template": template,
                    "contact": contact,
                    "attachments": attachments,
                }
            ]
        )[0]

    def _post_templates(self, posts):
        """Render templates and post them on their customers, in bulk: what
        ``message_post`` does for each, with one rendering per template,
        level and language, and the messages, emails and notifications created
        together.

        Each message is a comment of the subtype "Payment Reminder" in the
        customer's chatter, notifying its contact (and, through
        ``message_post``, the followers of that subtype if someone chose it);
        its email goes through the mail queue (sent after commit) in the
        reminders' layout (``relance_mail_layout``), in the contact's language.
        Rendering first makes a template error raise here instead of reaching
        the customer.

        :param posts: [dict]: ``partner`` (res.partner of the current company,
            its context passed to the rendering), ``template``
            (mail.template), ``contact`` (res.partner notified), optional
            ``attachments`` (ir.attachment), ``lines`` (account.move.line) and
            ``level`` (account.relance.level) of the reminder, ``balance``
            (RelanceBalance of these lines, not read again)
        :return: [mail.message], one per post, in order
        :raise UserError: no sender address (see ``_get_relance_sender``)
        """
        if not posts:
            return []
        followed = self._get_reminder_followed_partner_ids(
            [post["partner"] for post in posts]
        )
        if followed:
            # their followers of the reminders are notified by message_post
            messages = {}
            others = []
            for index, post in enumerate(posts):
                if post["partner"].id in followed:
                    messages[index] = self._message_post_template(post)
                else:
                    others.append(index)
            for index, message in zip(
                others,
                self._post_templates([posts[index] for index in others]),
                strict=True,
            ):
                messages[index] = message
            return [messages[index] for index in range(len(posts))]
        rendered = self._render_posts(posts)
        Partner = self.env["res.partner"]
        company = self.env.company
        author_id, email_from = Partner._message_compute_author(
            None, company._get_relance_sender(), raise_on_email=True
        )
        partners = Partner.browse([post["partner"].id for post in posts])
        alias_domains = partners.sudo()._mail_get_alias_domains(default_company=company)
        companies = partners._mail_get_companies(default=company)
        reply_to = partners._notify_get_reply_to(default=email_from)
        parents = self._get_thread_parent_ids(partners)
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "account_relance_fr.mail_message_subtype_relance"
        )
        bodies = [escape(body) for _lang, _subject, body in rendered]
        # stored after, each sanitized once (see _store_message_bodies)
        deferred = not any(_image_dataurl.search(body) for body in bodies)
        messages = Partner._message_create(
            [
                {
                    "author_id": author_id,
                    "author_guest_id": False,
                    "email_from": email_from,
                    "model": partner._name,
                    "res_id": partner.id,
                    "body": "" if deferred else body,
                    "message_type": "comment",
                    "parent_id": parents.get(partner.id, False),
                    "subject": subject or False,
                    "subtype_id": subtype_id,
                    "partner_ids": post["contact"].ids,
                    "email_add_signature": True,
                    "record_name": partner.sudo().display_name,
                    "record_alias_domain_id": alias_domains[partner.id].id,
                    "record_company_id": companies[partner.id].id,
                    "reply_to": reply_to[partner.id],
                    "attachment_ids": [
                        Command.link(attachment_id)
                        for attachment_id in (
                            post.get("attachments") or self.env["ir.attachment"]
                        ).ids
                    ],
                    "email_layout_xmlid": "account_relance_fr.relance_mail_layout",
                }
                for post, partner, (_lang, subject, _body), body in zip(
                    posts, partners, rendered, bodies, strict=True
                )
            ]
        )
        if deferred:
            self._store_message_bodies(messages, bodies)
        self._subscribe_post_author(partners, author_id)
        self._create_post_emails(
            posts, partners, messages, [lang for lang, *_rest in rendered]
        )
        return list(messages)

    def _message_post_template(self, post):
        """Render and post one template with ``message_post`` (see
        ``_post_templates`` for ``post``), which notifies the followers of the
        reminders' subtype as well as the contact.

        :return: the mail.message posted
        """
        ((lang, subject, body),) = self._render_posts([post])
        contact = post["contact"]
        return (
            post["partner"]
            .with_context(
                lang=lang, mail_notify_force_send=False, mail_post_autofollow=False
            )
            .message_post(
                body=body,
                subject=subject,
                message_type="comment",
                subtype_xmlid="account_relance_fr.mail_message_subtype_relance",
                partner_ids=contact.ids,
                attachment_ids=(
                    post.get("attachments") or self.env["ir.attachment"]
                ).ids,
                email_from=self.env.company._get_relance_sender(),
                email_layout_xmlid="account_relance_fr.relance_mail_layout",
            )
        )

    def _render_posts(self, posts):
        """[(lang, subject, body)] of ``posts`` (see ``_post_templates``):
        one rendering of the subject and one of the body per template, level,
        language and context, for all their customers.

        The language is the contact's (``res.partner._get_relance_lang``); the
        customers' instalments, level, contact and balance go to the template
        through the context (``relance_line_ids``, ``relance_level_id``,
        ``relance_contact_map``, ``relance_balances``).
        """
        groups = defaultdict(list)
        for index, post in enumerate(posts):
            partner = post["partner"]
            lang = partner._get_relance_lang(post["contact"])
            level = post.get("level")
            groups[post["template"], lang, level and level.id, id(partner.env)].append(
                index
            )
        rendered = [None] * len(posts)
        for (template, lang, level_id, _env), indexes in groups.items():
            group = [posts[index] for index in indexes]
            context = {
                "lang": lang,
                # the template compiled once for the group (mail.template)
                "relance_render_batch": True,
                "relance_contact_id": group[0]["contact"].id,
                "relance_contact_map": tuple(
                    (post["partner"].id, post["contact"].id) for post in group
                ),
            }
            if level_id:
                context["relance_level_id"] = level_id
                context["relance_line_ids"] = [
                    line_id for post in group for line_id in post["lines"].ids
                ]
            if all(post.get("balance") for post in group):
                context["relance_balances"] = BalancesByCustomer(
                    {
                        (
                            self.env.company.id,
                            post["partner"].commercial_partner_id.id,
                        ): post["balance"]
                        for post in group
                    }
                )
            records = (
                group[0]["partner"]
                .browse([post["partner"].id for post in group])
                .with_context(**context)
            )
            # the template renders the customers in the template's environment
            template = template.with_env(records.env)
            subjects = template._render_field("subject", records.ids)
            bodies = template._render_field("body_html", records.ids)
            for index, record in zip(indexes, records, strict=True):
                rendered[index] = (lang, subjects[record.id], bodies[record.id])
        return rendered

    @api.model
    def _store_message_bodies(self, messages, bodies):
        """Store ``bodies`` on ``messages`` created without one, in one query.

        Each distinct body is sanitized once, by the body field's own
        sanitizer with its own options (what the ORM stores), instead of twice
        per message as ``create`` does (once for the column, once for the
        cache). A body holding a base64 image (turned into an attachment by
        ``mail.message.create``) must go through ``create`` instead.

        :param messages: mail.message, just created, with an empty body
        :param bodies: [str or Markup], one per message, in order
        """
        if not messages:
            return messages
        field = messages._fields["body"]
        sanitized = {}
        rows = []
        for message, body in zip(messages, bodies, strict=True):
            if body not in sanitized:
                sanitized[body] = field.convert_to_column(body, message)
            value = sanitized[body]
            rows.append(
                SQL("(%s, %s)", message.id, None if value is None else str(value))
            )
        messages.flush_recordset(["body"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE mail_message
                   SET body = data.body
                  FROM (VALUES %s) AS data(id, body)
                 WHERE mail_message.id = data.id
                """,
                SQL(", ").join(rows),
            )
        )
        messages.invalidate_recordset(["body"])
        return messages

    @api.model
    def _insert_notes(self, records, bodies):
        """Log an internal note on each of ``records`` in one INSERT, with the
        values ``mail.thread._message_log_batch`` gives (author the current
        user, subtype Note, internal, type notification, one message id for
        the batch, no record name, the defaults and access fields of
        ``create``); each distinct body sanitized once by the body field's
        own sanitizer (what the ORM stores).

        Nothing else of ``mail.message.create`` applies to such a note: no
        recipient so no notification nor bus message, no attachment, no
        tracking value, no base64 image (the bodies are the run's own text).

        :param records: mail.thread records of one model
        :param bodies: {record id: str or Markup}, one body per record
        :return: the mail.message created, in the order of ``records``
        """
        # as mail.thread._message_create: superuser, no default from the context
        Message = self.env(context=clean_context(self.env.context), su=True)[
            "mail.message"
        ]
        if not records:
            return Message
        author_id, email_from = records._message_compute_author(
            None, None, raise_on_email=False
        )
        values = Message._prepare_create_values(
            [
                {
                    "author_id": author_id,
                    "email_from": email_from,
                    "model": records._name,
                    "record_alias_domain_id": False,
                    "record_company_id": False,
                    "record_name": False,
                    "message_type": "notification",
                    "is_internal": True,
                    "subject": False,
                    "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id(
                        "mail.mt_note"
                    ),
                    "email_add_signature": False,
                    "message_id": generate_tracking_message_id("message-notify"),
                    "reply_to": self.env["mail.thread"]._notify_get_reply_to(
                        default=email_from
                    )[False],
                }
            ]
        )[0]
        constants = []
        for fname, value in values.items():
            field = Message._fields[fname]
            if field.store and field.column_type and fname not in ("res_id", "body"):
                constants.append(
                    (
                        SQL.identifier(fname),
                        SQL(
                            "%s::%s",
                            field.convert_to_column_insert(value, Message, values),
                            SQL(field.column_type[1]),
                        ),
                    )
                )
        body_field = Message._fields["body"]
        texts, text_index, res_ids, indexes = [], {}, [], []
        for record in records:
            body = escape(bodies.get(record.id, ""))
            if body not in text_index:
                text_index[body] = len(texts) + 1
                value = body_field.convert_to_column_insert(body, Message, values)
                texts.append(None if value is None else str(value))
            res_ids.append(record.id)
            indexes.append(text_index[body])
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO mail_message (%(columns)s, res_id, body)
                SELECT %(values)s, data.res_id, (%(texts)s::text[])[data.body]
                  FROM unnest(%(res_ids)s::int[], %(indexes)s::int[])
                       WITH ORDINALITY AS data(res_id, body, position)
                 ORDER BY data.position
             RETURNING id, res_id
                """,
                columns=SQL(", ").join(column for column, _value in constants),
                values=SQL(", ").join(value for _column, value in constants),
                texts=texts,
                res_ids=res_ids,
                indexes=indexes,
            )
        )
        message_ids = {res_id: message_id for message_id, res_id in rows}
        # what mail.message.create invalidates on the documents
        records.invalidate_recordset(
            [
                fname
                for fname, field in records._fields.items()
                if field.type == "one2many" and field.comodel_name == "mail.message"
            ]
            + ["message_needaction", "message_needaction_counter"]
        )
        return Message.browse([message_ids[record.id] for record in records])

    def _get_thread_parent_ids(self, partners):
        """{partner id: id of the first message of its chatter}, the parent
        ``message_post`` gives a new message of a flat thread; one query."""
        if not partners:
            return {}
        self.env["mail.message"].flush_model(["model", "res_id", "message_type"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT res_id, MIN(id)
                  FROM mail_message
                 WHERE model = %s AND res_id IN %s
                   AND message_type != 'user_notification'
                 GROUP BY res_id
                """,
                partners._name,
                tuple(partners.ids),
            )
        )
        return dict(rows)

    def _subscribe_post_author(self, partners, author_id):
        """The author of the messages follows the customers, as after
        ``message_post``: the current user when active, else the author."""
        if self.env.context.get("mail_create_nosubscribe"):
            return
        user = self.env.user
        author = (
            user.partner_id
            if user.active
            else self.env["res.partner"].browse(author_id).filtered("active")
        )
        if author:
            partners._message_subscribe(partner_ids=author.ids)

    def _create_post_emails(self, posts, partners, messages, langs):
        """The queued emails (mail.mail, in the reminders' layout) and email
        notifications of the posted ``messages``, in bulk.

        :raise RelanceSendError: when a contact is the author himself (no email
            would be sent to him)
        """
        company = self.env.company
        references = self._get_mail_references(messages)
        companies = partners._mail_get_companies(default=company)
        mail_vals = []
        notification_vals = []
        layouts = {}
        for post, partner, message, lang in zip(
            posts, partners, messages, langs, strict=True
        ):
            contact = post["contact"]
            if contact == message.author_id:
                raise RelanceSendError(
                    self._with_accountant_lang().env._(
                        "No email could be queued for %(contact)s (%(email)s): "
                        "check that the contact is active and its address valid.",
                        contact=contact.display_name,
                        email=contact.email,
                    )
                )
            headers = {}
            bounce = (
                message.sudo().record_alias_domain_id.bounce_email
                or companies[partner.id].bounce_email
            )
            if bounce:
                headers["Return-Path"] = bounce
            headers["X-Odoo-Objects"] = f"{partner._name}-{partner.id}"
            values = {
                "mail_message_id": message.id,
                "references": references.get(message.id) or message.message_id,
                "auto_delete": True,
                "body_html": self._fill_post_layout(message, partner, lang, layouts),
                "recipient_ids": [Command.link(contact.id)],
                "headers": repr(headers),
            }
            subject = " ".join(
                (message.subject or message.record_name or "").splitlines()
            )
            if subject != message.subject:
                values["subject"] = subject
            mail_vals.append(values)
        # no default_* key of the caller's context reaches these records
        clean_env = self.env(context=clean_context(self.env.context), su=True)
        mails = clean_env["mail.mail"].create(mail_vals)
        for post, message, mail in zip(posts, messages, mails, strict=True):
            notification_vals.append(
                {
                    "author_id": message.author_id.id,
                    "is_read": True,
                    "mail_mail_id": mail.id,
                    "mail_message_id": message.id,
                    "notification_status": "ready",
                    "notification_type": "email",
                    "res_partner_id": post["contact"].id,
                }
            )
        clean_env["mail.notification"].create(notification_vals)
        return mails

    def _fill_post_layout(self, message, partner, lang, layouts):
        """The email of ``message`` in the reminders' layout, in ``lang``: the
        text of ``_render_post_layout``, from the layout rendered once per
        language and company (kept in ``layouts``) with the message's body
        put in its place.

        The layout reads nothing of the message but its body. Its French
        typography (no-break space before ``:``, ``;``...) reads each text
        between two tags alone: a body whose first and last non-blank
        characters open and close a tag, with no ``style`` or ``script``
        element, in a layout with only blanks around it, gets the same
        spaces alone as inside the layout. Any other body (empty, plain
        text) goes through ``_render_post_layout``.

        A layout that reads the message or the customer (a customised one
        naming the customer) renders differently for the second message of
        the batch: from then on each message gets its own rendering.

        :param layouts: {(lang, company id): [(text before, text after the
            body) or None, checked on a second message]}, filled by the
            calls of one batch
        :return: Markup
        """
        body = str(message.body or "")
        edges = body.strip()
        if not (
            edges.startswith("<")
            and edges.endswith(">")
            and not _RAW_TEXT_TAG.search(body)
        ):
            return self._render_post_layout(message, partner, lang)
        key = (lang, (partner.company_id or self.env.company).id)
        if key not in layouts:
            layouts[key] = [self._get_post_layout_parts(message, partner, lang), False]
        elif layouts[key][0] is not None and not layouts[key][1]:
            layouts[key][1] = True
            if self._get_post_layout_parts(message, partner, lang) != layouts[key][0]:
                layouts[key][0] = None
        parts = layouts[key][0]
        if parts is None:
            return self._render_post_layout(message, partner, lang)
        before, after = parts
        return Markup(before + nbsp_before_double_punctuation(body) + after)

    def _get_post_layout_parts(self, message, partner, lang):
        """(text before, text after) the body in the reminders' layout of
        ``partner``'s company in ``lang`` (``_render_post_layout`` with the
        body slot for body), or None when the layout does not hold the body
        once, between blanks, outside any ``style`` or ``script`` element
        (the layout's own style sheet, closed before the body, is kept as it
        is by the French typography, whatever follows it)."""
        rendered = str(self._render_post_layout(LayoutMessage(message), partner, lang))
        slot = str(LAYOUT_BODY_SLOT)
        if rendered.count(slot) != 1:
            return None
        before, after = rendered.split(slot)
        raw_tags = _RAW_TEXT_TAG.findall(before)
        if (
            (raw_tags and "/" not in raw_tags[-1])
            or before.rpartition(">")[2].strip()
            or after.partition("<")[0].strip()
        ):
            return None
        return before, after

    def _render_post_layout(self, message, partner, lang):
        """The email of ``message`` in the reminders' layout, in ``lang``."""
        company = partner.company_id.sudo() or self.env.company
        record_name = message.record_name
        return self.env["ir.qweb"]._render(
            "account_relance_fr.relance_mail_layout",
            {
                "message": message,
                "subtype": message.subtype_id,
                "record": partner.with_context(lang=lang),
                "record_name": record_name,
                "subtitles": [record_name],
                "model_description": partner.with_context(
                    lang=lang
                )._get_model_description(partner._name),
                "company": company,
                "lang": lang,
                "author_user": False,
                "signature": "",
                "email_add_signature": False,
                "website_url": company.website or False,
                "tracking_values": [],
                "is_discussion": False,
                "is_html_empty": is_html_empty,
                "has_button_access": False,
                "button_access": {},
                "actions": [],
                "email_notification_force_header": False,
                "email_notification_force_footer": False,
                "email_notification_allow_header": True,
                "email_notification_allow_footer": False,
            },
            minimal_qcontext=True,
            raise_if_not_found=False,
            lang=lang,
        )

    def _get_mail_references(self, messages):
        """{message id: References header}: up to 3 earlier public messages of
        the same chatter, then the message, as ``message_post`` threads its
        emails; one query."""
        if not messages:
            return {}
        self.env["mail.message"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT res_id, message_id
                  FROM (SELECT recent.*,
                               ROW_NUMBER() OVER (
                                   PARTITION BY recent.res_id
                                   ORDER BY recent.public DESC,
                                            recent.outgoing DESC,
                                            recent.id DESC) AS rank
                          FROM (SELECT msg.id, msg.res_id, msg.message_id,
                                       NOT COALESCE(msg.is_internal, FALSE)
                                       AND NOT COALESCE(subtype.internal, FALSE)
                                           AS public,
                                       msg.message_type IN %(outgoing)s AS outgoing,
                                       ROW_NUMBER() OVER (
                                           PARTITION BY msg.res_id
                                           ORDER BY msg.id DESC) AS age
                                  FROM mail_message msg
                                  JOIN mail_message_subtype subtype
                                    ON subtype.id = msg.subtype_id
                                 WHERE msg.model = %(model)s
                                   AND msg.res_id IN %(res_ids)s
                                   AND msg.id NOT IN %(ids)s
                                   AND msg.message_id IS NOT NULL) recent
                         WHERE recent.age <= 32) ranked
                 WHERE rank <= 3
                 ORDER BY res_id, id
                """,
                outgoing=("comment", "auto_comment", "email", "email_outgoing"),
                model=messages[:1].model,
                res_ids=tuple(set(messages.mapped("res_id"))),
                ids=tuple(messages.ids),
            )
        )
        ancestors = defaultdict(list)
        for res_id, message_id in rows:
            ancestors[res_id].append(message_id)
        return {
            message.id: " ".join([*ancestors[message.res_id], message.message_id])
            for message in messages
        }

    def _with_customer_lang(self, partner, contact=None):
        """This run in the language of what ``partner`` receives (see
        ``res.partner._get_relance_lang``): documents and file names."""
        return self.with_context(lang=partner._get_relance_lang(contact))

    def _get_emails_attachments(self, entries):
        """The attachments of several email reminders (see
        ``_get_email_attachments``); the invoices' PDFs of all of them are
        rendered together when missing (``_get_invoice_pdfs``).

        :param entries: [(partner, contact, moves, level)], one per customer:
            the customer, the recipient, the reminded invoices
        :return: [ir.attachment], one per entry, in order
        """
        pdfs = self._get_invoice_pdfs(
            [
                self._get_invoice_pdfs_request(partner, contact, moves)
                for partner, contact, moves, level in entries
                if level.attach_invoice_pdf
            ]
        )
        statements = self._get_statement_attachments(
            [
                (partner._get_relance_lang(contact), partner)
                for partner, contact, _moves, level in entries
                if level.attach_statement
            ]
        )
        return [
            self._get_email_attachments(
                partner, contact, moves, level, pdfs=pdfs, statements=statements
            )
            for partner, contact, moves, level in entries
        ]

    def _get_email_attachments(
        self, partner, contact, moves, level, pdfs=None, statements=None
    ):
        """Invoice PDFs and statement of the reminded invoices ``moves`` of
        ``partner`` when the level asks for them; the statement rendered and
        named in the language of the customer and its recipient ``contact``,
        each invoice's PDF as issued (``_get_invoice_pdfs``).

        :param pdfs: {move id: ir.attachment} of the invoices, when known
        :param statements: {partner id: ir.attachment} of the statements,
            when known (``_get_statement_attachments``)
        :return: ir.attachment of the customer, to attach to its message
        """
        run = self._with_customer_lang(partner, contact)
        attachments = run.env["ir.attachment"]
        if level.attach_statement:
            statement = (statements or {}).get(partner.id)
            attachments |= statement or run._get_statement_attachment(partner)
        if not level.attach_invoice_pdf:
            return attachments
        if pdfs is None:
            pdfs = self._get_invoice_pdfs(
                [self._get_invoice_pdfs_request(partner, contact, moves)]
            )
        invoice_pdfs = self.env["ir.attachment"].union(
            *(pdfs[move.id] for move in moves)
        )
        # the message's attachments belong to the customer it is posted on
        return attachments | invoice_pdfs.copy(
            {"res_model": "res.partner", "res_id": partner.id}
        )

    def _get_invoice_pdfs_request(self, partner, contact, moves):
        """(language, invoices) of the PDFs a reminder of ``moves`` attaches:
        the language of its customer and recipient ``contact``."""
        return partner._get_relance_lang(contact), moves

    def _get_invoice_pdfs(self, requests):
        """{move id: ir.attachment}: the PDF of each invoice of ``requests``,
        the invoice as issued.

        An invoice's PDF is Odoo's stored one (``invoice_pdf_report_id``, kept
        when the invoice was sent, in the language it was sent in; detached
        by Odoo when the invoice is reset to draft). The missing ones are
        rendered once, in the language of their customer (see
        ``res.partner._get_relance_lang``) with the seller's identity
        (report_invoice_seller), in one wkhtmltopdf call per language and
        ``PDF_CHUNK`` invoices, and stored as the invoices' PDF: the later
        reminders attach the same document.

        :param requests: [(language code, account.move)], one per customer
        """
        moves = self.env["account.move"].union(*(moves for _lang, moves in requests))
        pdfs = {move.id: move.invoice_pdf_report_id for move in moves}
        missing = defaultdict(dict)
        for lang, request_moves in requests:
            for move in request_moves:
                if not pdfs[move.id]:
                    missing[lang][move.id] = True
        for lang, move_ids in missing.items():
            move_ids = list(move_ids)
            for start in range(0, len(move_ids), PDF_CHUNK):
                chunk = moves.browse(move_ids[start : start + PDF_CHUNK])
                pdfs.update(self.with_context(lang=lang)._render_invoice_pdfs(chunk))
        return pdfs

    def _render_invoice_pdfs(self, moves):
        """Render the PDFs of ``moves``, in this run's language with the
        seller's identity, and store each one as its invoice's PDF
        (``invoice_pdf_report_file``), as Odoo does when it sends an invoice.

        :return: {move id: ir.attachment}
        """
        content_by_id = self._render_invoices_content(moves)
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": move._get_invoice_report_filename(),
                    "raw": content_by_id[move.id],
                    "mimetype": "application/pdf",
                    "res_model": move._name,
                    "res_id": move.id,
                    "res_field": "invoice_pdf_report_file",
                }
                for move in moves
            ]
        )
        moves.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        return {attachment.res_id: attachment for attachment in attachments}

    def _render_invoices_content(self, moves):
        """{move id: content} of the invoice report of ``moves``: one
        wkhtmltopdf call for all of them (``_render_invoices_one_document``)
        when it can tell them apart, else one call per invoice (the HTML
        wkhtmltopdf would print, in tests)."""
        report_name = "account.account_invoices"
        # the seller's identity in the page body (report_invoice_seller)
        reports = self.env["ir.actions.report"].with_context(relance_seller_block=True)
        content_by_id = None
        if len(moves) > 1 and self._renders_real_pdf():
            content_by_id = self._render_invoices_one_document(moves)
        if content_by_id is None and not self._renders_real_pdf():
            # tests: the HTML of all of them at once
            content, report_type = reports._pre_render_qweb_pdf(report_name, moves.ids)
            content_by_id = reports._get_splitted_report(
                report_name, content, report_type
            )
        if content_by_id is None or set(content_by_id) != set(moves.ids):
            content_by_id = {}
            for move in moves:
                content, report_type = reports._pre_render_qweb_pdf(
                    report_name, move.ids
                )
                content_by_id.update(
                    reports._get_splitted_report(report_name, content, report_type)
                )
        return content_by_id

    def _renders_real_pdf(self):
        """False in tests, where Odoo renders the HTML wkhtmltopdf would print
        unless the context asks ``force_report_rendering``."""
        testing = tools.config["test_enable"] or tools.config["test_file"]
        return not testing or bool(self.env.context.get("force_report_rendering"))

    def _render_invoices_one_document(self, moves):
        """{move id: PDF bytes} of the invoices ``moves`` printed by one
        wkhtmltopdf call: their pages in one HTML document (the wkhtmltopdf of
        the distributions takes one input document only), each invoice on a
        new page, then the PDF split at its top-level outlines (one per
        invoice title). None when the invoices cannot be told apart.
        """
        report_name = "account.account_invoices"
        reports, (bodies, html_ids, header, footer, paperformat_args) = (
            self._prepare_report_html(report_name, moves, relance_seller_block=True)
        )
        if len(bodies) != len(moves) or set(html_ids) != set(moves.ids):
            return None
        document = lxml.html.fromstring(bodies[0])
        articles = document.xpath(
            "//div[contains(concat(' ', @class, ' '), ' article ')]"
        )
        if len(articles) != 1:
            return None
        anchor = articles[0]
        for body in bodies[1:]:
            (article,) = lxml.html.fromstring(body).xpath(
                "//div[contains(concat(' ', @class, ' '), ' article ')]"
            )
            article.set(
                "style", f"page-break-before: always; {article.get('style') or ''}"
            )
            anchor.addnext(article)
            anchor = article
        merged = lxml.html.tostring(
            document, encoding="unicode", doctype="<!DOCTYPE html>"
        )
        pdf_content = reports._run_wkhtmltopdf(
            [merged],
            report_ref=report_name,
            header=header,
            footer=footer,
            specific_paperformat_args=paperformat_args,
        )
        parts = self._split_pdf_at_outlines(pdf_content, len(moves))
        return parts and dict(zip(html_ids, parts, strict=True))

    def _prepare_report_html(self, report_name, records, **context):
        """The HTML wkhtmltopdf would print for the report ``report_name`` of
        ``records``, as Odoo prepares it (``_prepare_html``), with ``context``.

        :return: (ir.actions.report in that context, (bodies, record ids,
            header, footer, paper format arguments))
        """
        reports = self.env["ir.actions.report"].with_context(
            debug=False, webp_as_jpg=True, **context
        )
        report = reports._get_report(report_name)
        html_content = reports._render_qweb_html(
            report_name, records.ids, data={"report_type": "pdf", "debug": False}
        )[0]
        return reports, report._prepare_html(html_content, report_model=report.model)

    @api.model
    def _split_pdf_at_outlines(self, content, count):
        """The PDF ``content`` of ``count`` documents, each starting on a new
        page, cut into one PDF per document as Odoo cuts a report of several
        records: one page each when it has ``count`` pages, else before each
        of its top-level outlines (the documents' titles) when there are
        ``count`` of them, the first one on the first page; None otherwise.

        :return: [PDF bytes] or None
        """
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        if reader.numPages == count:
            starts = list(range(count))
        else:
            root = reader.trailer["/Root"]
            if "/Outlines" not in root or "/First" not in root["/Outlines"]:
                return None
            starts = []
            node = root["/Outlines"]["/First"]
            while True:
                starts.append(root["/Dests"][node["/Dest"]][0])
                if "/Next" not in node:
                    break
                node = node["/Next"]
            starts = sorted(set(starts))
            if len(starts) != count or starts[0] != 0:
                return None
        parts = []
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else reader.numPages
            writer = PdfFileWriter()
            for page in range(start, end):
                writer.addPage(reader.getPage(page))
            stream = io.BytesIO()
            writer.write(stream)
            parts.append(stream.getvalue())
        return parts

    def _relance_send_letter(self, histories, level, partner, contact):
        """Render the printed letter and keep it on the history and the customer.

        The letter and its file name are in the language of the contact whose
        address it bears (``res.partner.relance_postal_contact_id``).
        """
        report = self._get_letter_report(level)
        lines = histories.move_line_id
        postal = partner.with_context(
            relance_line_ids=lines.ids
        ).relance_postal_contact_id
        run = self._with_customer_lang(partner, postal)
        content, _type = (
            run.env["ir.actions.report"]
            .with_context(relance_line_ids=lines.ids, relance_level_id=level.id)
            ._render_qweb_pdf(report, partner.ids)
        )
        values = {
            "customer": partner.display_name,
            "date": fields.Date.to_string(histories[:1].date),
        }
        name = (
            run.env._("Formal notice %(customer)s %(date)s.pdf", **values)
            if level.is_formal_notice
            else run.env._("Reminder letter %(customer)s %(date)s.pdf", **values)
        )
        attachment = run._create_pdf_attachment(name, content, partner)
        histories.letter_attachment_id = attachment
        return attachment

    def _get_letter_report(self, level):
        """The QWeb report printed for a letter of ``level``."""
        if level.is_formal_notice:
            return "account_relance_fr.report_relance_formal_notice"
        return "account_relance_fr.report_relance_letter"

    def _relance_send_call(self, histories, level, partner, contact):
        """Schedule the call for the salesperson, with the script and invoices."""
        lines = histories.move_line_id
        user = level._get_activity_user(lines)
        # the activity is read by its assignee: write it in their language
        run = self.with_context(lang=user.lang or self.env.lang)
        # amounts per currency, net of the customer's credits (never added
        # across currencies), in the assignee's language
        amounts = partner.with_env(run.env).with_context(
            relance_line_ids=lines.ids, relance_level_id=level.id
        )
        note = run.env["ir.qweb"]._render(
            "account_relance_fr.relance_call_note",
            {
                "level": level.with_env(run.env),
                "lines": lines.with_env(run.env),
                "partner": partner,
                "contact": contact,
                "summary": amounts.relance_mail_summary,
            },
        )
        activity = partner.activity_schedule(
            activity_type_id=(
                level.activity_type_id
                or self.env.ref("account_relance_fr.mail_activity_type_relance_call")
            ).id,
            date_deadline=self.env.company._get_relance_today(),
            summary=run.env._(
                "Call %(customer)s: %(amount)s overdue",
                customer=partner.display_name,
                amount=amounts.relance_mail_total_text,
            ),
            note=note,
            user_id=user.id,
        )
        histories.activity_id = activity
        return activity

    # ------------------------------------------------------------------
    # APPROVAL, PROMISES, THANK-YOU
    # ------------------------------------------------------------------

    def _send_approved(self, histories):
        """Send reminders approved from the follow-up screen, per customer."""
        sent = self.env["account.relance.history"]
        for (company, partner), group in histories.grouped(
            lambda history: (history.company_id, history.partner_id)
        ).items():
            items = [(history.move_line_id, history.level_id) for history in group]
            written = self.with_company(company)._process_customer_or_skip(
                partner, items, company._get_relance_today(), approved=True
            )
            if written is None:
                # never cancel what another process is sending right now
                raise UserError(
                    self.env._(
                        "The reminders of %(customer)s are being sent by another "
                        "process. Try again in a moment.",
                        customer=partner.display_name,
                    )
                )
            sent |= written
        # What can no longer be sent (paid meanwhile) is cancelled.
        histories.filtered(lambda history: history.state == "to_confirm").write(
            {
                "state": "cancelled",
                "note": self.env._("Not needed any more when approved."),
            }
        )
        return sent

    def _check_broken_promises(self, companies, today, partners=None):
        """Flag promises past their grace period and alert the salesperson."""
        moves = self.env["account.move"].search(
            self._partner_domain(partners)
            + [
                ("company_id", "in", companies.ids),
                ("relance_promise_date", "!=", False),
                ("relance_promise_broken", "=", False),
                ("payment_state", "in", ("not_paid", "partial")),
                ("state", "=", "posted"),
            ]
        )
        broken = moves.filtered(
            lambda move: move.relance_promise_date
            + timedelta(days=move.company_id.relance_promise_grace_days)
            < today
        )
        if not broken:
            return broken
        try:
            with self.env.cr.savepoint():
                broken.write({"relance_promise_broken": True})
                self._schedule_broken_promise_activities(broken)
        except CONFLICT_ERRORS:
            # an invoice changed meanwhile: flagged at a later call
            _logger.info("Broken promises left for later: %s", broken.ids)
            return broken.browse()
        return broken

    def _schedule_broken_promise_activities(self, broken):
        """Tell each salesperson (else the accountant) that the promise to pay
        of these invoices is broken, in their language: one activity per
        invoice, all created together."""
        activity_type = self.env.ref(
            "account_relance_fr.mail_activity_type_relance_promise"
        )
        values = []
        for move in broken:
            user = move.invoice_user_id or move.company_id._get_relance_accountant()
            run = self.with_context(lang=user.lang or self.env.lang)
            values.append(
                {
                    "activity_type_id": activity_type.id,
                    "summary": run.env._("Broken promise to pay"),
                    "note": run.env._(
                        "%(customer)s promised to pay %(invoice)s by %(date)s; "
                        "the payment has not arrived and the reminders resume.",
                        customer=move.commercial_partner_id.display_name,
                        invoice=move.name,
                        date=format_date(run.env, move.relance_promise_date),
                    ),
                    "user_id": user.id,
                }
            )
        self._schedule_activities(broken, values)
        return broken

    @api.model
    def _schedule_activities(self, records, values_list):
        """Schedule one activity on each of ``records`` with its own values
        (type, summary, note, user), as ``activity_schedule`` does for one
        record, all in one ``create``.

        :param values_list: [dict] of mail.activity values, one per record
        :return: the mail.activity records created
        """
        if not records or self.env.context.get("mail_activity_automation_skip"):
            return self.env["mail.activity"]
        model_id = self.env["ir.model"]._get(records._name).id
        today = fields.Date.context_today(records)
        return self.env["mail.activity"].create(
            [
                {
                    "automated": True,
                    "date_deadline": today,
                    "res_model_id": model_id,
                    "res_id": record.id,
                    **values,
                }
                for record, values in zip(records, values_list, strict=True)
            ]
        )

    def _send_thank_you(self, companies, partners=None):
        """One thank-you email per customer for invoices paid after a reminder,
        rendered and posted for all the customers of a company together (see
        ``_thank_customers``)."""
        template = self.env.ref(
            "account_relance_fr.mail_template_relance_thank_you",
            raise_if_not_found=False,
        )
        moves = self.env["account.move"].search(
            self._partner_domain(partners)
            + [
                ("company_id", "in", companies.filtered("relance_thank_you").ids),
                ("move_type", "=", "out_invoice"),
                ("payment_state", "in", ("paid", "in_payment")),
                ("relance_count", ">", 0),
                ("relance_thanked", "=", False),
            ]
        )
        if not moves or not template:
            return moves
        for company, company_moves in moves.grouped("company_id").items():
            run = self.with_company(company)
            # the paid invoices of all of them: each customer's are its own
            customers = run.env["res.partner"].with_context(
                relance_paid_move_ids=company_moves.ids
            )
            units = [
                {
                    "partner": partner.with_env(customers.env),
                    "moves": partner_moves,
                    "template": template,
                    "contact": partner._get_relance_contact(partner_moves),
                }
                for partner, partner_moves in company_moves.grouped(
                    "commercial_partner_id"
                ).items()
            ]
            run._run_isolated(units, run._thank_customers, one=run._thank_customer)
        return moves

    def _thank_customers(self, units):
        """Post the thank-you of each customer of ``units`` having an email
        contact (one rendering per language, see ``_post_templates``) and mark
        their invoices thanked.

        :param units: [dict]: ``partner``, ``moves`` paid (account.move),
            ``template`` and ``contact`` (res.partner, maybe empty)
        :return: {partner id: True}
        """
        self._post_templates([unit for unit in units if unit["contact"]])
        self.env["account.move"].union(
            *(unit["moves"] for unit in units)
        ).relance_thanked = True
        return dict.fromkeys([unit["partner"].id for unit in units], True)

    def _thank_customer(self, unit):
        """The thank-you of one customer alone (see ``_thank_customers``): a
        failure is logged and leaves its invoices to thank at a later run.

        :return: True when done, False when it failed
        :raise: the conflicts with another transaction (left for later)
        """
        try:
            with self.env.cr.savepoint():
                return self._thank_customers([unit])[unit["partner"].id]
        except CONFLICT_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - a thank-you must not stop the run
            _logger.warning(
                "Thank-you email to %s failed",
                unit["partner"].display_name,
                exc_info=True,
            )
            return False

    @api.model
    def _partner_domain(self, partners):
        if partners is None:
            return []
        return [("commercial_partner_id", "in", partners.commercial_partner_id.ids)]

    # ------------------------------------------------------------------
    # MANUAL SENDING
    # ------------------------------------------------------------------

    @api.model
    def _send_now(self, partner, lines, level, channels):
        """Send a reminder chosen by a person, whatever the ladder's timing.

        :return: the histories written
        """
        today = self.env.company._get_relance_today()
        items = [(line, level) for line in lines]
        return self._process_customer(
            partner, items, today, force_channels=channels, approved=True
        )

    # ------------------------------------------------------------------
    # FORMAL NOTICE AND STATEMENT
    # ------------------------------------------------------------------

    def _check_before_send(self, partner, level, channels):
        """Stop a formal notice whose letter would lack a legal mention.

        :raise RelanceSendError: with the exact list of what to fill (company
            SIREN and address; customer address for a letter), before anything
            is sent
        """
        if not level.is_formal_notice:
            return
        report = self.env["report.account_relance_fr.report_relance_formal_notice"]
        company = self.env.company
        if "letter" in channels:
            message = report._get_issues_message(partner, company)
        else:
            issues = company._get_relance_formal_notice_issues()
            message = issues and self._with_accountant_lang().env._(
                "The formal notice to %(customer)s cannot be sent. Fill in on the "
                "company %(company)s: %(fields)s.",
                customer=partner.display_name,
                company=company.name,
                fields=", ".join(issues),
            )
        if message:
            raise RelanceSendError(message)

    def _get_statement_attachments(self, requests):
        """{partner id: ir.attachment}: the account statements of several
        customers, rendered in one wkhtmltopdf call per language (see
        ``_render_statements_content``), each named in its language.

        :param requests: [(language code, res.partner)], one per customer
        """
        by_lang = defaultdict(dict)
        for lang, partner in requests:
            by_lang[lang][partner.id] = True
        attachments = {}
        for lang, partner_ids in by_lang.items():
            run = self.with_context(lang=lang)
            partners = run.env["res.partner"].browse(list(partner_ids))
            content_by_id = run._render_statements_content(partners)
            created = run.env["ir.attachment"].create(
                [
                    run._prepare_pdf_attachment_vals(
                        run._get_statement_file_name(partner),
                        content_by_id[partner.id],
                        partner,
                    )
                    for partner in partners
                ]
            )
            attachments.update(zip(partners.ids, created, strict=True))
        return attachments

    def _render_statements_content(self, partners):
        """{partner id: PDF bytes} of the statements of ``partners``, in this
        run's language: all of them in one wkhtmltopdf call when its PDF can
        be cut into one statement per customer (``_split_pdf_at_outlines``),
        each one's pages numbered from 1; else one call per customer (the
        HTML wkhtmltopdf would print, in tests)."""
        report_name = "account_relance_fr.report_relance_statement"
        reports = self.env["ir.actions.report"]
        content_by_id = None
        if len(partners) > 1 and self._renders_real_pdf():
            content_by_id = self._render_statements_one_document(partners)
        if content_by_id is None:
            content_by_id = {
                partner.id: reports._render_qweb_pdf(report_name, partner.ids)[0]
                for partner in partners
            }
        return content_by_id

    def _render_statements_one_document(self, partners):
        """{partner id: PDF bytes} of the statements of ``partners`` printed
        by one wkhtmltopdf call (the report puts each customer on a new page
        of one document, titled once), the PDF cut at its top-level outlines;
        None when the customers cannot be told apart."""
        report_name = "account_relance_fr.report_relance_statement"
        reports, (bodies, _ids, header, footer, paperformat_args) = (
            self._prepare_report_html(report_name, partners)
        )
        if len(bodies) != 1:
            return None
        content = reports._run_wkhtmltopdf(
            bodies,
            report_ref=report_name,
            header=header,
            footer=footer,
            specific_paperformat_args=paperformat_args,
        )
        parts = self._split_pdf_at_outlines(content, len(partners))
        if not parts:
            return None
        return {
            partner_id: reports._relance_number_pages(part)
            for partner_id, part in zip(partners.ids, parts, strict=True)
        }

    def _get_statement_file_name(self, partner):
        """File name of the statement of ``partner``, in this run's language."""
        return self.env._(
            "Account statement %(customer)s.pdf", customer=partner.display_name
        )

    def _get_statement_attachment(self, partner):
        """The customer's account statement as a PDF attachment."""
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            "account_relance_fr.report_relance_statement", partner.ids
        )
        return self._create_pdf_attachment(
            self._get_statement_file_name(partner), content, partner
        )

    def _create_pdf_attachment(self, name, content, record):
        """Keep a rendered PDF as an attachment of ``record``."""
        return self.env["ir.attachment"].create(
            self._prepare_pdf_attachment_vals(name, content, record)
        )

    @api.model
    def _prepare_pdf_attachment_vals(self, name, content, record):
        """Values of the attachment of ``record`` keeping a rendered PDF."""
        return {
            "name": name,
            "raw": content,
            "mimetype": "application/pdf",
            "res_model": record._name,
            "res_id": record.id,
        }
