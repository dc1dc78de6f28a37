from collections import Counter, defaultdict
from dataclasses import dataclass, field

from odoo import api, models
from odoo.tools import SQL, format_amount, format_date

from ..tools.late_penalty import round_amount


@dataclass
class RelanceCredit:
    """An unapplied credit of a customer with the company.

    ``amount`` is positive, in ``currency``; ``amount_company`` in the
    company's currency.
    """

    kind: str  # credit_note, payment, bank (statement line), other
    record: object  # account.move.line or account.bank.statement.line
    name: str
    date: object
    currency: object
    amount: float
    amount_company: float


@dataclass
class RelanceCurrencyBalance:
    """What a customer owes in one currency: instalments claimed, credits, net.

    Amounts in ``currency`` unless suffixed ``_company`` (company currency).
    """

    currency: object
    lines: object  # account.move.line: the instalments claimed
    credits: list = field(default_factory=list)
    due: float = 0.0
    due_company: float = 0.0

    @property
    def credit(self):
        return round_amount(sum(credit.amount for credit in self.credits))

    @property
    def credit_company(self):
        return round_amount(sum(credit.amount_company for credit in self.credits))

    @property
    def net(self):
        """Amount claimed: the instalments less the credits, never below zero."""
        return max(round_amount(self.due - self.credit), 0.0)

    @property
    def not_yet_due(self):
        """Part of ``due`` of the instalments not yet due (due after today,
        in the company's day), "non échues": listed with overdue ones only by
        a reminder a person sends (the run's reminders after the due date
        claim overdue instalments only, see ``_select_items``). An instalment
        due today is due ("échue"), though not late yet."""
        return round_amount(
            sum(
                line.amount_residual_currency
                for line in self.lines
                if line.relance_days_late < 0
            )
        )

    @property
    def net_company(self):
        if self.credit >= self.due:
            return 0.0
        return max(round_amount(self.due_company - self.credit_company), 0.0)


@dataclass
class RelanceBalance:
    """A customer's balance with one company, per currency (see
    ``account.relance.balance._get_balances``)."""

    company: object
    partner: object
    tolerance: float  # company currency
    currencies: list = field(default_factory=list)  # [RelanceCurrencyBalance]

    @property
    def lines(self):
        lines = self.partner.env["account.move.line"]
        for balance in self.currencies:
            lines |= balance.lines
        return lines

    @property
    def credits(self):
        return [credit for balance in self.currencies for credit in balance.credits]

    @property
    def net_company(self):
        """Net amount claimed, all currencies, in the company's currency."""
        return round_amount(sum(balance.net_company for balance in self.currencies))

    @property
    def has_credits(self):
        return bool(self.credits)

    @property
    def is_settled(self):
        """Nothing worth claiming: every currency's net is within the tolerance."""
        return all(balance.net_company <= self.tolerance for balance in self.currencies)

    @property
    def is_covered(self):
        """The customer's credits cover what the instalments claim: reconcile,
        do not remind."""
        return self.has_credits and self.is_settled


class AccountRelanceBalance(models.AbstractModel):
    """The amount a reminder claims: instalments net of the customer's credits.

    One set-based computation shared by the engine, the emails, the letters,
    the mise en demeure, the account statement, the call note and the
    follow-up screen, so that they all state the same amounts.

    Credits are what the customer already holds with the company and that no
    invoice absorbed yet: open credit notes, customer payments not matched
    to an invoice (receivable credit lines not reconciled) and bank
    statement lines attributed to the customer and not reconciled. They are
    netted per currency: a credit in euros does not reduce a claim in
    dollars.
    """

    _name = "account.relance.balance"
    _description = "Reminder Amount Claimed"

    # ------------------------------------------------------------------
    # API
    # ------------------------------------------------------------------

    @api.model
    def _get_balances(self, partners, lines=None, today=None):
        """Per customer and currency: the instalments claimed, credits and net.

        :param partners: customers (their commercial partners are used)
        :param lines: account.move.line, the receivable instalments claimed;
            when None, every overdue instalment the engine may remind (not
            disputed, not excluded, not a settled remainder) of the current
            company
        :param today: the date of the computation (default: today)
        :return: {(company id, commercial partner id): RelanceBalance}; a
            customer with nothing claimed has a balance with no currency.
            Amounts in each instalment's own currency, ``*_company`` in the
            company's currency. Two queries whatever the number of customers:
            the instalments (when not given) and the credits.
        """
        today = today or self.env.company._get_relance_today()
        commercials = partners.commercial_partner_id
        if lines is None:
            lines = self._get_overdue_lines(commercials, today)
        companies = lines.company_id | self.env.company
        balances = {
            (company.id, partner.id): RelanceBalance(
                company=company,
                partner=partner,
                tolerance=company.relance_tolerance,
            )
            for company in companies
            for partner in commercials
        }
        by_currency = {}
        # the lines of each currency balance, made a recordset once at the end
        lines_of = defaultdict(list)
        for line in lines:
            key = (line.company_id.id, line.move_id.commercial_partner_id.id)
            balance = balances.get(key)
            if balance is None:
                continue
            currency_balance = by_currency.get((key, line.currency_id))
            if currency_balance is None:
                currency_balance = RelanceCurrencyBalance(
                    currency=line.currency_id, lines=line.browse()
                )
                by_currency[key, line.currency_id] = currency_balance
                balance.currencies.append(currency_balance)
            lines_of[key, line.currency_id].append(line)
            currency_balance.due = round_amount(
                currency_balance.due + line.amount_residual_currency
            )
            currency_balance.due_company = round_amount(
                currency_balance.due_company + line.amount_residual
            )
        for key, credits in self._get_credits(commercials, companies, today).items():
            for credit in credits:
                currency_balance = by_currency.get((key, credit.currency))
                if currency_balance:
                    currency_balance.credits.append(credit)
        for balance in balances.values():
            if len(balance.currencies) < 2:
                continue
            company_currency = balance.company.currency_id
            balance.currencies.sort(
                key=lambda item, main=company_currency: (
                    item.currency != main,
                    item.currency.name,
                )
            )
        for (key, currency), currency_lines in lines_of.items():
            currency_lines.sort(
                key=lambda line: (line.date_maturity, line.move_id.name or "", line.id)
            )
            by_currency[key, currency].lines = lines.browse(
                list(dict.fromkeys(line.id for line in currency_lines))
            ).with_prefetch(lines._prefetch_ids)
        return balances

    @api.model
    def _get_balance(self, partner, lines=None, today=None):
        """The RelanceBalance of one customer with the current company."""
        balances = self._get_balances(partner, lines=lines, today=today)
        return balances[self.env.company.id, partner.commercial_partner_id.id]

    # ------------------------------------------------------------------
    # INSTALMENTS
    # ------------------------------------------------------------------

    @api.model
    def _get_overdue_lines(self, partners, today):
        """Overdue instalments of ``partners`` the engine may claim, current
        company: one search."""
        lines = self.env["account.move.line"].search(
            [
                ("move_id.commercial_partner_id", "in", partners.ids),
                ("company_id", "=", self.env.company.id),
                ("parent_state", "=", "posted"),
                ("move_id.move_type", "=", "out_invoice"),
                ("move_id.relance_dispute", "=", False),
                ("move_id.relance_excluded", "=", False),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("amount_residual", ">", 0),
                ("date_maturity", "<", today),
            ]
        )
        return lines.filtered(lambda line: not self._is_settled_remainder(line))

    @api.model
    def _is_settled_remainder(self, line):
        """True for an instalment partly paid whose remainder, in company
        currency, is within the company's tolerance: it counts as settled."""
        return (
            0 < line.amount_residual < line.balance
            and line.amount_residual <= line.company_id.relance_tolerance
        )

    # ------------------------------------------------------------------
    # CREDITS
    # ------------------------------------------------------------------

    @api.model
    def _get_credits_query(self, partners, companies):
        """Unapplied credits of ``partners`` with ``companies``, one row each.

        Columns: source ('line' or 'bank'), id, commercial partner id, company
        id, currency id, amount in that currency, amount in company currency
        (NULL for a bank line), date, entry name, move type, payment id, and
        whether that payment is matched with the bank.
        """
        return SQL(
            """
            SELECT 'line', aml.id, move.commercial_partner_id, aml.company_id,
                   aml.currency_id, -aml.amount_residual_currency,
                   -aml.amount_residual, aml.date, move.name, move.move_type,
                   aml.payment_id, COALESCE(pay.is_matched, TRUE)
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account account ON account.id = aml.account_id
         LEFT JOIN account_payment pay ON pay.id = aml.payment_id
             WHERE move.commercial_partner_id IN %(partners)s
               AND aml.company_id IN %(companies)s
               AND move.state = 'posted'
               AND account.account_type = 'asset_receivable'
               AND NOT aml.reconciled
               AND aml.amount_residual < 0
         UNION ALL
            SELECT 'bank', st.id, partner.commercial_partner_id, st.company_id,
                   COALESCE(st.foreign_currency_id, st.currency_id),
                   -st.amount_residual, NULL, move.date, move.name, NULL, NULL,
                   NULL
              FROM account_bank_statement_line st
              JOIN account_move move ON move.id = st.move_id
              JOIN res_partner partner ON partner.id = st.partner_id
             WHERE partner.commercial_partner_id IN %(partners)s
               AND st.company_id IN %(companies)s
               AND move.state = 'posted'
               AND st.amount > 0
               AND NOT COALESCE(st.is_reconciled, FALSE)
               AND st.amount_residual < 0
          ORDER BY 8, 2
            """,
            partners=tuple(partners.ids),
            companies=tuple(companies.ids),
        )

    @api.model
    def _get_credits(self, partners, companies, today):
        """{(company id, commercial partner id): [RelanceCredit]}, one query.

        A bank statement line of the same amount as a payment of the customer
        not matched with the bank yet is that payment's money arriving: it is
        counted once, as the payment.
        """
        if not partners or not companies:
            return {}
        for model in ("account.move.line", "account.bank.statement.line"):
            self.env[model].flush_model()
        self.env["account.payment"].flush_model(["is_matched"])
        rows = self.env.execute_query(self._get_credits_query(partners, companies))
        unmatched = Counter(
            (row[3], row[2], row[4], round_amount(row[5]))
            for row in rows
            if row[0] == "line" and row[10] and not row[11]
        )
        company_by_id = {company.id: company for company in companies}
        credits = defaultdict(list)
        for row in rows:
            source, record_id, partner_id, company_id, currency_id, amount = row[:6]
            amount_company, day, name, move_type, payment_id, _matched = row[6:]
            company = company_by_id[company_id]
            currency = self.env["res.currency"].browse(currency_id)
            if source == "bank":
                same_money = (company_id, partner_id, currency_id, round_amount(amount))
                if unmatched[same_money]:
                    unmatched[same_money] -= 1
                    continue
                kind = "bank"
                record = self.env["account.bank.statement.line"].browse(record_id)
                amount_company = (
                    amount
                    if currency == company.currency_id
                    else currency._convert(amount, company.currency_id, company, today)
                )
            else:
                kind = (
                    "credit_note"
                    if move_type == "out_refund"
                    else "payment"
                    if payment_id
                    else "other"
                )
                record = self.env["account.move.line"].browse(record_id)
            credits[company_id, partner_id].append(
                RelanceCredit(
                    kind=kind,
                    record=record,
                    name=name,
                    date=day,
                    currency=currency,
                    amount=round_amount(amount),
                    amount_company=round_amount(amount_company),
                )
            )
        return credits

    # ------------------------------------------------------------------
    # WORDING
    # ------------------------------------------------------------------

    @api.model
    def _get_credit_label(self, credit):
        """How a document names the credit, in the language of the context."""
        values = {
            "name": credit.name,
            "date": format_date(self.env, credit.date),
        }
        if credit.kind == "credit_note":
            return self.env._("Credit note %(name)s of %(date)s", **values)
        if credit.kind == "payment":
            return self.env._("Payment %(name)s of %(date)s, not applied", **values)
        if credit.kind == "bank":
            return self.env._(
                "Bank transfer received on %(date)s, not applied", **values
            )
        return self.env._("Credit %(name)s of %(date)s", **values)

    @api.model
    def _format(self, amount, currency, formatter=None):
        """``amount`` (float, in ``currency``) as Odoo's ``format_amount``
        writes it in the language of the context, by ``formatter`` when given
        (see ``_get_formatter``)."""
        if formatter:
            return formatter(amount, currency, self.env.lang)
        return format_amount(self.env, amount, currency, lang_code=self.env.lang)

    @api.model
    def _get_formatter(self):
        """A ``format_amount(amount, currency, lang_code)`` giving Odoo's text
        with the language and each currency read once, for the amounts of
        many customers (``mail.template._get_batch_amount_formatter``)."""
        return self.env["mail.template"]._get_batch_amount_formatter(
            lambda amount, currency, lang_code=False: format_amount(
                self.env, amount, currency, lang_code
            )
        )

    @api.model
    def _format_totals(self, amounts, formatter=None):
        """``[(amount, currency)]`` as "1 000,00 $ and 500,00 €", language of
        the context; amounts in different currencies are never added.

        :param formatter: optional, see ``_format``
        """
        texts = [
            self._format(amount, currency, formatter) for amount, currency in amounts
        ]
        if len(texts) <= 1:
            return "".join(texts)
        return self.env._(
            "%(amounts)s and %(last)s", amounts=", ".join(texts[:-1]), last=texts[-1]
        )

    @api.model
    def _get_summary(self, balance, formatter=None):
        """The balance as plain values for templates: per currency, the total
        of the instalments, each credit and the net, formatted in the language
        of the context.

        :param formatter: optional, see ``_format``
        :return: list of dicts (currency name, due, its part not yet overdue
            (``not_yet_due``, empty when none), credits [{label, amount}],
            net, as text; has_credits, all_not_yet_due: nothing overdue)
        """
        summary = []
        for item in balance.currencies:
            summary.append(
                {
                    "currency": item.currency.name,
                    "due": self._format(item.due, item.currency, formatter),
                    "not_yet_due": (
                        item.not_yet_due
                        and self._format(item.not_yet_due, item.currency, formatter)
                    )
                    or "",
                    "all_not_yet_due": bool(item.due) and item.not_yet_due >= item.due,
                    "credits": [
                        {
                            "label": self._get_credit_label(credit),
                            "amount": self._format(
                                -credit.amount, credit.currency, formatter
                            ),
                        }
                        for credit in item.credits
                    ],
                    "net": self._format(item.net, item.currency, formatter),
                    "has_credits": bool(item.credits),
                }
            )
        return summary
