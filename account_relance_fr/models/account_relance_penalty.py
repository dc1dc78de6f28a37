from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from odoo import api, models
from odoo.tools import format_amount, format_date
from odoo.tools.misc import formatLang

from ..tools import SPLIT, START, compute_late_interest, half_year_label, menu_path
from ..tools.late_penalty import round_amount

INDEMNITY_AMOUNT = 40.0  # D441-5 C. com.; D2192-35 CCP for public buyers


@dataclass
class MovePenalty:
    """Late-payment claim of one invoice on a day, ready to display or bill.

    ``*_unbilled`` leave out what penalty invoices already billed: the periods
    up to ``billed_to`` and the indemnity once billed.

    Interest runs on the invoice's own currency: ``interest_currency``,
    ``interest_unbilled_currency`` and the periods' bases are in ``currency``;
    ``interest`` and ``interest_unbilled`` are their value in the company's
    currency on the computation date. The 40 € indemnity is in the company's
    currency.
    """

    move: object
    regime: str  # b2b, public, consumer
    method: str  # split, start
    currency: object = None
    days: int = 0
    interest: float = 0.0
    interest_unbilled: float = 0.0
    interest_currency: float = 0.0
    interest_unbilled_currency: float = 0.0
    indemnity: float = 0.0
    indemnity_unbilled: float = 0.0
    periods: list = field(default_factory=list)
    periods_unbilled: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    billed_to: date = None
    start_date: date = None  # first day of interest
    end_date: date = None  # last day of interest
    formal_notice_date: date = None

    @property
    def provisional(self):
        return bool(self.missing)

    @property
    def total_unbilled(self):
        return round_amount(self.interest_unbilled + self.indemnity_unbilled)

    @property
    def missing_label(self):
        return ", ".join(half_year_label(*key) for key in self.missing)


class AccountRelancePenalty(models.AbstractModel):
    """Late-payment penalties of customer invoices, read from the accounting.

    The arithmetic lives in tools/late_penalty.py; this service gathers what
    it needs (due dates, payments, regime of the customer, rates, what was
    already billed) and formats the result.
    """

    _name = "account.relance.penalty"
    _description = "Late-Payment Penalties"

    @api.model
    def _get_regime(self, partner):
        """``consumer`` for individuals, ``public`` for public bodies, else
        ``b2b``."""
        customer_type = partner.commercial_partner_id.relance_customer_type
        if customer_type == "individual":
            return "consumer"
        if customer_type == "public":
            return "public"
        return "b2b"

    @api.model
    def _is_eligible(self, move):
        return (
            move.move_type == "out_invoice"
            and move.state == "posted"
            and not move.relance_is_penalty_invoice
            and not move._relance_penalty_waived()
        )

    @api.model
    def _get_formal_notice_dates(self, moves):
        """{move id: date of the first formal notice sent for it}."""
        histories = (
            self.env["account.relance.history"]
            .sudo()
            .search(
                [
                    ("move_id", "in", moves.ids),
                    ("state", "=", "sent"),
                    ("level_id.is_formal_notice", "=", True),
                ]
            )
        )
        dates = {}
        for history in histories:
            current = dates.get(history.move_id.id)
            dates[history.move_id.id] = (
                min(current, history.date) if current else history.date
            )
        return dates

    @api.model
    def _get_billed(self, moves):
        """{move id: (last day billed, indemnity billed)} by live penalty invoices."""
        lines = (
            self.env["account.relance.penalty.line"]
            .sudo()
            .search(
                [
                    ("move_id", "in", moves.ids),
                    ("penalty_move_id.state", "!=", "cancel"),
                ]
            )
        )
        billed = {}
        for line in lines:
            last, indemnity = billed.get(line.move_id.id, (None, False))
            billed[line.move_id.id] = (
                max(last, line.date_to) if last else line.date_to,
                indemnity or line.indemnity_amount > 0,
            )
        return billed

    @api.model
    def _get_line_payments(self, line, ratio):
        """[(date, amount)] that reduced this receivable line: the date the
        payment (or credit note) is booked, i.e. when the funds reached us.
        Amounts in the line's own currency."""
        return [
            (partial.credit_move_id.date, partial.debit_amount_currency * ratio)
            for partial in line.matched_credit_ids
        ]

    @api.model
    def _get_company_rate(self, currency, company, day, rates):
        """Rate from ``currency`` to the company's on ``day``, memoised in
        ``rates`` (one lookup per currency, not per invoice)."""
        if currency == company.currency_id:
            return 1.0
        key = (currency.id, company.id)
        if key not in rates:
            rates[key] = self.env["res.currency"]._get_conversion_rate(
                currency, company.currency_id, company, day
            )
        return rates[key]

    @api.model
    def _compute_moves(self, moves, today=None):
        """{move: MovePenalty} for the eligible invoices among ``moves``.

        :param today: the computation date (default: today)
        """
        today = today or self.env.company._get_relance_today()
        moves = moves.filtered(self._is_eligible)
        if not moves:
            return {}
        table = self.env["account.relance.rate"]._get_table()
        notices = self._get_formal_notice_dates(moves)
        billed = self._get_billed(moves)
        lookups = {}
        rates = {}
        balance_model = self.env["account.relance.balance"]
        result = {}
        for move in moves:
            company = move.company_id
            regime = self._get_regime(move.partner_id)
            method = (
                START if regime == "public" else company.relance_penalty_period_rule
            )
            if (company, regime) not in lookups:
                lookups[company, regime] = company._get_relance_rate_lookup(
                    regime, table=table
                )
            lookup = lookups[company, regime]
            billed_to, indemnity_billed = billed.get(move.id, (None, False))
            data = MovePenalty(
                move=move,
                regime=regime,
                method=method,
                currency=move.currency_id,
                billed_to=billed_to,
                formal_notice_date=notices.get(move.id),
            )
            ratio = 1.0
            if company.relance_penalty_base == "untaxed" and move.amount_total:
                ratio = move.amount_untaxed / move.amount_total
            unrounded = unrounded_unbilled = 0.0
            late = False
            missing = set()
            for line in move.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
                and line.date_maturity
                and line.balance > 0
            ):
                payments = self._get_line_payments(line, ratio)
                # a remainder within the tolerance counts as settled
                if (
                    line.reconciled
                    or company.currency_id.is_zero(line.amount_residual)
                    or balance_model._is_settled_remainder(line)
                ):
                    end = max((day for day, _amount in payments), default=today)
                else:
                    end = today
                end = min(end, today)
                if end > line.date_maturity:
                    late = True
                    data.days = max(data.days, (end - line.date_maturity).days)
                # consumers owe interest only from the formal notice (C. civ.
                # 1231-6, 1344-1): it stands in for the due date
                interest_due = line.date_maturity
                if regime == "consumer":
                    if not data.formal_notice_date:
                        continue
                    interest_due = max(interest_due, data.formal_notice_date)
                for start_after, target in ((None, "all"), (billed_to, "unbilled")):
                    res = compute_late_interest(
                        interest_due,
                        end,
                        line.amount_currency * ratio,
                        lookup,
                        payments=payments,
                        method=method if method in (SPLIT, START) else SPLIT,
                        start_after=start_after,
                    )
                    if target == "all":
                        unrounded += sum(period.interest for period in res.periods)
                        data.periods += res.periods
                        missing.update(res.missing_half_years)
                    else:
                        unrounded_unbilled += sum(
                            period.interest for period in res.periods
                        )
                        data.periods_unbilled += res.periods
            rate = self._get_company_rate(move.currency_id, company, today, rates)
            data.interest_currency = round_amount(unrounded)
            data.interest_unbilled_currency = round_amount(unrounded_unbilled)
            data.interest = round_amount(unrounded * rate)
            data.interest_unbilled = round_amount(unrounded_unbilled * rate)
            data.missing = sorted(missing)
            data.periods.sort(key=lambda period: period.date_from)
            data.periods_unbilled.sort(key=lambda period: period.date_from)
            if data.periods:
                data.start_date = data.periods[0].date_from
                data.end_date = max(period.date_to for period in data.periods)
            if late and regime != "consumer" and company.relance_indemnity_enabled:
                data.indemnity = INDEMNITY_AMOUNT
                data.indemnity_unbilled = 0.0 if indemnity_billed else INDEMNITY_AMOUNT
            result[move] = data
        return result

    # ------------------------------------------------------------------
    # WORDING
    # ------------------------------------------------------------------

    @api.model
    def _get_method_label(self, method, regime=None):
        if regime == "public":
            return self.env._(
                "rate of the half-year in which interest started (public buyers, "
                "R2192-31 Code de la commande publique)"
            )
        if method == START:
            return self.env._(
                "one rate for the whole delay: that of the half-year in which it began"
            )
        return self.env._(
            "days split per half-year, each at the rate in force on its first day"
        )

    @api.model
    def _get_regime_label(self, regime):
        return {
            "b2b": self.env._("professional customer: L441-10 and D441-5 C. com."),
            "public": self.env._(
                "public buyer: L2192-13, R2192-31 and D2192-35 Code de la commande "
                "publique"
            ),
            "consumer": self.env._(
                "consumer: interest at the taux légal from the formal notice only "
                "(C. civ. 1231-6, 1344-1), no recovery indemnity"
            ),
        }[regime]

    @api.model
    def _format_rate(self, rate):
        return f"{formatLang(self.env, rate, digits=2)} %"

    @api.model
    def _get_half_year_text(self, key):
        """Label of the half-year ``key`` (year, half) for customers, in the
        environment's language."""
        year, half = key
        if half == 1:
            return self.env._("H1 %(year)s", year=year)
        return self.env._("H2 %(year)s", year=year)

    @api.model
    def _get_rate_basis_text(self, company, regime):
        """The basis of the rate without a figure, in the environment's
        language: what a document says when no half-year's rate is known."""
        if regime == "public":
            return self.env._("ECB main refinancing rate + 8 points")
        if regime == "consumer":
            return self.env._("legal interest rate")
        if company.relance_penalty_mode == "contract":
            return self.env._(
                "contractual rate of %(rate)s, never below three times the legal "
                "interest rate",
                rate=self._format_rate(company.relance_penalty_contract_rate),
            )
        return self.env._("ECB main refinancing rate + 10 points")

    @api.model
    def _get_rates_text(self, company, regime, half_years, table=None):
        """The annual rates a claim uses, each with its basis, for customers.

        E.g. ``12.15 % (ECB rate 2.15 % + 10 points)``; with a contractual rate
        below the legal floor of a half-year (three times the taux légal,
        L441-10 II C. com.): ``15.21 % (H1 2024: legal floor, 3 × legal
        interest rate 5.07 %)``. Half-years missing from the rate table are
        left out: a guessed rate is never printed.

        :param half_years: the (year, half) the computation uses
        :return: the text in the environment's language, '' when no rate of
            these half-years is known
        """
        table = table or self.env["account.relance.rate"]._get_table()
        lookup = company.with_env(self.env)._get_relance_rate_lookup(
            regime, table=table
        )
        floors = {
            line["half_year"]
            for line in self._get_floor_lines(company, regime, half_years, table)
            if line["applied"]
        }
        entries = {}
        complete = True
        for key in sorted(set(half_years)):
            info = lookup(*key)
            if info.known:
                entries.setdefault((round(info.rate, 2), info.note), []).append(key)
            else:
                complete = False
        parts = []
        for (rate, note), keys in entries.items():
            # a rate alone is the rate of the whole claim: name its half-years
            # when it is not
            if len(entries) == 1 and complete and not floors.intersection(keys):
                parts.append(
                    self.env._(
                        "%(rate)s (%(basis)s)", rate=self._format_rate(rate), basis=note
                    )
                )
                continue
            parts.append(
                self.env._(
                    "%(rate)s (%(half_years)s: %(basis)s)",
                    rate=self._format_rate(rate),
                    half_years=", ".join(self._get_half_year_text(key) for key in keys),
                    basis=note,
                )
            )
        return ", ".join(parts)

    @api.model
    def _get_floor_lines(
        self, company, regime, half_years, table=None, contract_rate=None
    ):
        """The legal floor of a contractual rate in each half-year used.

        A contractual rate may not be below three times the taux légal
        ("autres cas") of the half-year (L441-10 II C. com.); the computation
        then applies the floor (``_get_relance_rate_lookup``).

        :param half_years: the (year, half) the computation uses
        :param contract_rate: the rate to check (%), default the company's
            when it charges a contractual rate
        :return: [{"half_year", "legal", "floor", "applied"}] in percent, sorted,
            for the half-years whose rates are known; [] unless a professional
            customer is charged a contractual rate
        """
        if contract_rate is None:
            if company.relance_penalty_mode != "contract":
                return []
            contract_rate = company.relance_penalty_contract_rate
        if regime != "b2b":
            return []
        table = table or self.env["account.relance.rate"]._get_table()
        contract = contract_rate
        lines = []
        for key in sorted(set(half_years)):
            row, known = table.get(*key)
            if not known:
                continue
            floor = 3.0 * row["legal_rate_other"]
            lines.append(
                {
                    "half_year": key,
                    "legal": row["legal_rate_other"],
                    "floor": floor,
                    "applied": contract < floor,
                }
            )
        return lines

    @api.model
    def _get_claim_half_years(self, datas, company, today=None):
        """Half-years of the periods still to claim of ``datas`` (MovePenalty);
        the current half-year when they have none (nothing late yet)."""
        keys = {period.half_year for data in datas for period in data.periods_unbilled}
        if not keys:
            today = today or company._get_relance_today()
            keys = {(today.year, 1 if today.month <= 6 else 2)}
        return keys

    @api.model
    def _get_detail_html(self, data):
        """Periods, bases, rates and method of one invoice, as HTML."""
        currency = data.currency or data.move.currency_id
        rows = Markup()
        for period in data.periods:
            billed = data.billed_to and period.date_to <= data.billed_to
            rows += Markup(
                "<tr><td>%s – %s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td><td>%s%s</td>"
                "<td class='text-end'>%s</td><td>%s</td></tr>"
            ) % (
                format_date(self.env, period.date_from),
                format_date(self.env, period.date_to),
                period.days,
                format_amount(self.env, period.base, currency),
                self._format_rate(period.rate),
                f" ({period.note})" if period.note else "",
                format_amount(self.env, round_amount(period.interest), currency),
                self.env._("invoiced")
                if billed
                else (
                    self.env._(
                        "provisional: %(half_year)s missing",
                        half_year=half_year_label(*period.half_year),
                    )
                    if not period.known
                    else ""
                ),
            )
        parts = Markup("<p>%s<br/>%s</p>") % (
            self._get_regime_label(data.regime),
            self.env._(
                "Method: %(method)s.",
                method=self._get_method_label(data.method, data.regime),
            ),
        )
        if data.regime == "consumer" and not data.formal_notice_date:
            parts += Markup("<p>%s</p>") % self.env._(
                "No formal notice sent yet: no interest runs."
            )
        if rows:
            parts += Markup(
                "<table class='table table-sm o_relance_penalty_detail'><thead><tr>"
                "<th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th>"
                "<th>%s</th><th class='text-end'>%s</th><th/></tr></thead>"
                "<tbody>%s</tbody></table>"
            ) % (
                self.env._("Period"),
                self.env._("Days"),
                self.env._("Base"),
                self.env._("Annual rate"),
                self.env._("Interest"),
                rows,
            )
        if data.provisional:
            parts += Markup("<p><strong>%s</strong></p>") % self._get_provisional_text(
                data.missing
            )
        return parts

    @api.model
    def _get_provisional_text(self, missing):
        return self.env._(
            "Provisional: the rates of %(half_years)s are not in the rate table; "
            "the last known rates were used. Enter them in %(menu)s.",
            half_years=", ".join(half_year_label(*key) for key in missing),
            menu=menu_path(self.env, "account_relance_fr.account_relance_rate_menu"),
        )
