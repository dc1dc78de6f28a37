import base64
from datetime import timedelta

from odoo import api, models
from odoo.exceptions import UserError

from ..tools import START, LetterFormat, fr_siren
from ..tools.late_penalty import round_amount

# Top of the recipient block on the sheet, in mm: the window of a French DL
# envelope (110 × 220 mm, window 45 × 100 mm at 20 mm from the right and 15 mm
# from the bottom) shows the top third of an A4 folded in three from about
# 50 mm down.
WINDOW_TOP_MM = 50
# Debian's wkhtmltopdf 0.12.6 (unpatched Qt) ignores --dpi and --zoom and prints
# 1 CSS mm as 0.77 mm (measured). Placements and font sizes are divided by this
# factor; set the system parameter to 1.0 for a patched wkhtmltopdf.
DEFAULT_PRINT_SCALE = 0.77


class ReportRelanceFormalNotice(models.AbstractModel):
    """Values of the mise en demeure de payer, one letter per customer.

    The letter covers the instalments of the run (context
    ``relance_line_ids``) or, printed by hand, every overdue instalment of
    the customer. It is written in the language of the contact whose address
    it bears (``res.partner._get_relance_lang``), whoever prints it.
    """

    _name = "report.account_relance_fr.report_relance_formal_notice"
    _description = "Formal Notice to Pay"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        self._check_can_send(partners)
        letters = {
            partner.id: self._with_letter_lang(partner)._get_letter_values(partner)
            for partner in partners
        }
        # credits covering the claim, or a remainder within the tolerance:
        # nothing to put on notice
        empty = partners.filtered(
            lambda partner: not letters[partner.id]["rows"]
            or letters[partner.id]["settled"]
        )
        if empty:
            raise UserError(
                self.env._(
                    "Nothing overdue to claim from %(customers)s for %(company)s "
                    "(or their unapplied credits cover it): no formal notice to "
                    "print.",
                    customers=", ".join(empty.mapped("display_name")),
                    company=self.env.company.name,
                )
            )
        missing = sorted(
            {key for letter in letters.values() for key in letter["missing"]}
        )
        if missing:
            self.env["account.relance.rate"]._notify_missing(missing)
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "letters": letters,
            **self._get_print_layout_values(
                "account_relance_fr.report_relance_formal_notice"
            ),
        }

    @api.model
    def _with_letter_lang(self, partner):
        """This model in the language of ``partner``'s mise en demeure: the
        language of the contact whose address it bears."""
        return self.with_context(
            lang=partner._get_relance_lang(partner.relance_postal_contact_id)
        )

    @api.model
    def _get_letter_format(self):
        """Formats of amounts, dates and rates in the current language
        (``tools.LetterFormat``)."""
        lang = self.env.lang or "en_US"
        data = self.env["res.lang"]._get_data(code=lang)
        return LetterFormat(lang, data.date_format if data else None)

    @api.model
    def _get_print_layout_values(self, report_name):
        """``mm(real)``: the CSS length printing ``real`` millimetres, and the
        values placing the recipient in the envelope window."""
        param = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("account_relance_fr.print_scale")
        )
        try:
            scale = float(param) if param else DEFAULT_PRINT_SCALE
        except ValueError:
            scale = DEFAULT_PRINT_SCALE
        report = self.env["ir.actions.report"]._get_report(report_name)
        paperformat = report.get_paperformat()
        return {
            "scale": scale,
            "mm": lambda real: f"{real / scale:.1f}mm",
            "margin_top": paperformat.margin_top,
            "window_top": WINDOW_TOP_MM,
            "fr_siren": fr_siren,
        }

    # ------------------------------------------------------------------
    # CHECKS
    # ------------------------------------------------------------------

    @api.model
    def _get_partner_issues(self, partner):
        """What the customer's postal address lacks for a registered letter.

        The address is the first contact of the customer's recipient chain
        with a street (``res.partner.relance_postal_contact_id``).
        """
        address = partner.relance_postal_contact_id or partner.commercial_partner_id
        missing = []
        if not address.street:
            missing.append(self.env._("the street"))
        if not address.zip:
            missing.append(self.env._("the ZIP code"))
        if not address.city:
            missing.append(self.env._("the city"))
        return missing

    @api.model
    def _get_issues_message(self, partner, company):
        """The exact list of what to fill before the letter goes, or ''."""
        parts = []
        company_issues = company._get_relance_formal_notice_issues()
        if company_issues:
            parts.append(
                self.env._(
                    "on the company %(company)s: %(fields)s",
                    company=company.name,
                    fields=", ".join(company_issues),
                )
            )
        partner_issues = self._get_partner_issues(partner)
        if partner_issues:
            parts.append(
                self.env._(
                    "on the customer %(customer)s: %(fields)s",
                    customer=partner.commercial_partner_id.display_name,
                    fields=", ".join(partner_issues),
                )
            )
        if not parts:
            return ""
        return self.env._(
            "The formal notice to %(customer)s cannot be sent. Fill in %(what)s.",
            customer=partner.commercial_partner_id.display_name,
            what="; ".join(parts),
        )

    @api.model
    def _check_can_send(self, partners):
        messages = [
            message
            for message in (
                self._get_issues_message(partner, self._get_company(partner))
                for partner in partners
            )
            if message
        ]
        if messages:
            raise UserError("\n".join(messages))

    # ------------------------------------------------------------------
    # VALUES
    # ------------------------------------------------------------------

    @api.model
    def _get_company(self, partner):
        return partner.relance_company_id or self.env.company

    @api.model
    def _get_lines(self, partner, company):
        """Instalments claimed: those of the run, else every overdue one, of the
        company sending the letter only."""
        today = company._get_relance_today()
        lines = partner.relance_mail_line_ids.filtered(
            lambda line: line.company_id == company
        )
        if not self.env.context.get("relance_line_ids"):
            lines = lines.filtered(
                lambda line: line.date_maturity and line.date_maturity < today
            )
        return lines

    @api.model
    def _get_qr_data_uri(self, value):
        """PNG QR code of ``value`` as a data URI: wkhtmltopdf needs no server."""
        png = self.env["ir.actions.report"].barcode(
            "QR", value, width=240, height=240, barBorder=1, barLevel="M"
        )
        return "data:image/png;base64," + base64.b64encode(png).decode()

    @api.model
    def _get_letter_values(self, partner):
        """Values of ``partner``'s letter, texts in the current language.

        :return: dict; amounts per currency (``groups``), never added across
            currencies; the indemnity in the company's currency (euros)
        """
        company = self._get_company(partner)
        fmt = self._get_letter_format()
        today = company._get_relance_today()
        if not self.env.context.get("relance_line_ids"):
            # printed by hand: what is open now, not what an earlier computation
            # of this transaction saw
            partner.invalidate_recordset(["relance_mail_line_ids"])
        lines = self._get_lines(partner, company)
        moves = lines.move_id
        penalty_model = self.env["account.relance.penalty"].with_company(company)
        by_move = penalty_model._compute_moves(moves)
        regime = penalty_model._get_regime(partner)
        balance = (
            self.env["account.relance.balance"]
            .with_company(company)
            ._get_balance(partner, lines=lines, today=today)
        )
        rows = []
        for move in moves.sorted(lambda move: (move.invoice_date_due, move.name)):
            move_lines = lines.filtered(lambda line, move=move: line.move_id == move)
            data = by_move.get(move)
            remaining = sum(move_lines.mapped("amount_residual_currency"))
            rows.append(
                {
                    "move": move,
                    "currency": move.currency_id,
                    "date": move.invoice_date,
                    "due": min(move_lines.mapped("date_maturity")),
                    "amount": move.amount_total_in_currency_signed,
                    "paid": move.amount_total_in_currency_signed - move.amount_residual,
                    "remaining": remaining,
                    "days": data.days if data else 0,
                    # penalties on the invoice's own currency, indemnity in euros
                    "penalty": data.interest_unbilled_currency if data else 0.0,
                    "indemnity": data.indemnity_unbilled if data else 0.0,
                    "data": data,
                    "pay_url": move.relance_pay_url,
                }
            )
        missing = sorted({key for data in by_move.values() for key in data.missing})
        groups = self._get_currency_groups(rows, balance, company, bool(missing), fmt)
        indemnity = round_amount(sum(row["indemnity"] for row in rows))
        periods = [
            (row["move"], period)
            for row in rows
            if row["data"]
            for period in row["data"].periods_unbilled
        ]
        rates = {}
        for _move, period in periods:
            rates.setdefault(period.half_year, period.rate)
        method = START if regime == "public" else company.relance_penalty_period_rule
        level = self.env["account.relance.level"].browse(
            self.env.context.get("relance_level_id")
        )
        main = groups[0] if groups else {}
        # one QR code: the customer page lists and pays every invoice
        pay_url = (
            partner.commercial_partner_id._get_relance_portal_url(company)
            if any(row["pay_url"] for row in rows)
            else False
        )
        floors = penalty_model._get_floor_lines(company, regime, rates)
        return {
            "lang": self.env.lang,
            "fmt": fmt,
            "place_date": self.env[
                "report.account_relance_fr.report_relance_letter"
            ]._get_place_date(company, self.env.lang),
            "signed_for": self.env._("For %(company)s,", company=company.name),
            "company": company,
            "siren": company._get_relance_siren(),
            "customer_siren": fr_siren(partner._get_relance_siren()),
            "previous_reminders": self.env[
                "account.relance.history"
            ]._count_previous_reminders(moves, level=level),
            "bank": company.partner_id.bank_ids[:1],
            "regime": regime,
            "rows": rows,
            "periods": periods,
            "period_rows": self._get_period_rows(periods, fmt),
            "method": method,
            "base": company.relance_penalty_base,
            "penalty_mode": company.relance_penalty_mode,
            "contract_rate": company.relance_penalty_contract_rate,
            # per currency: amounts in different currencies are never added
            "groups": groups,
            "settled": balance.is_settled,
            "principal": main.get("principal", 0.0),
            "penalty": sum(group["penalty"] for group in groups),
            # the floor of each half-year the penalties use (L441-10 II)
            "floors": floors,
            "floors_text": self._get_floors_text(floors, fmt),
            "indemnity": indemnity,
            "indemnity_count": len([row for row in rows if row["indemnity"]]),
            "already_billed": any(
                row["data"] and row["data"].billed_to for row in rows
            ),
            "total": main.get("total", 0.0),
            # "la somme de 1 010,90 $ et de 40,00 €"
            "total_text": self._join_amounts([group["total_text"] for group in groups]),
            "total_words": self._join_amounts(
                [group["total_words"] for group in groups], words=True
            ),
            "missing": missing,
            "today": today,
            "deadline_days": company.relance_formal_notice_days,
            "deadline": today + timedelta(days=company.relance_formal_notice_days),
            "pay_codes": [(moves, pay_url, self._get_qr_data_uri(pay_url))]
            if pay_url
            else [],
            "recipient_contact": partner.relance_postal_contact_id,
        }

    @api.model
    def _get_currency_groups(self, rows, balance, company, rates_missing, fmt):
        """The claim per currency: principal, credits, net, penalties, total.

        The principal claimed is the net of the customer's unapplied credits
        in that currency (a mise en demeure never claims more than the net
        balance); penalties are on the invoice's own currency; the 40 €
        indemnity goes with the company's currency (euros). Missing rates:
        no penalty figure, only their principle.

        :param fmt: the letter's ``tools.LetterFormat`` (totals as text and
            in words, in the letter's language)
        :return: [dict] the company's currency first
        """
        main = company.currency_id
        by_currency = {item.currency: item for item in balance.currencies}
        currencies = [item.currency for item in balance.currencies]
        if any(row["indemnity"] for row in rows) and main not in currencies:
            currencies.append(main)  # the 40 € of invoices in other currencies
        groups = []
        for currency in currencies:
            item = by_currency.get(currency)
            currency_rows = [row for row in rows if row["currency"] == currency]
            principal = round_amount(sum(row["remaining"] for row in currency_rows))
            net = item.net if item else 0.0
            penalty = (
                0.0
                if rates_missing
                else round_amount(sum(row["penalty"] for row in currency_rows))
            )
            indemnity = (
                round_amount(sum(row["indemnity"] for row in rows))
                if currency == main
                else 0.0
            )
            total = round_amount(net + penalty + indemnity)
            groups.append(
                {
                    "currency": currency,
                    "rows": currency_rows,
                    "principal": principal,
                    "credits": [
                        (
                            self.env["account.relance.balance"]._get_credit_label(
                                credit
                            ),
                            credit.amount,
                        )
                        for credit in (item.credits if item else [])
                    ],
                    "net": net,
                    "penalty": penalty,
                    "indemnity": indemnity,
                    "total": total,
                    "total_text": fmt.amount(total, currency),
                    "total_words": fmt.words(total, currency.name),
                }
            )
        return groups

    @api.model
    def _join_amounts(self, texts, words=False):
        """Amounts in several currencies as one claim, in the current language:
        "1 010,90 $ et de 40,00 €" (``words``: "…, et de …")."""
        if not texts:
            return ""
        result = texts[0]
        for text in texts[1:]:
            if words:
                result = self.env._(
                    "%(amounts)s, and %(amount)s", amounts=result, amount=text
                )
            else:
                result = self.env._(
                    "%(amounts)s and %(amount)s", amounts=result, amount=text
                )
        return result

    @api.model
    def _get_period_rows(self, periods, fmt):
        """Rows of the penalty computation table: one per invoice and period.

        :param periods: [(account.move, period)] of ``tools.late_penalty``
        :return: [dict] with the period's label in the current language
        """
        return [
            {
                "move": move,
                "currency": move.currency_id,
                "label": self.env._(
                    "from %(start)s to %(end)s",
                    start=fmt.date_short(period.date_from),
                    end=fmt.date_short(period.date_to),
                ),
                "days": period.days,
                "base": period.base,
                "rate": period.rate,
                "interest": period.interest,
            }
            for move, period in periods
        ]

    @api.model
    def _get_floors_text(self, floors, fmt):
        """The legal floor of each half-year of the computation, as printed
        after a contractual rate: "2e semestre 2026 : 9,48 % (3 × 3,16 %) ;".

        :param floors: lines of ``account.relance.penalty._get_floor_lines``
        """
        texts = []
        for floor in floors:
            text = self.env._(
                "%(half_year)s: %(floor)s (3 × %(legal)s)",
                half_year=fmt.half_year(*floor["half_year"]),
                floor=fmt.rate(floor["floor"]),
                legal=fmt.rate(floor["legal"]),
            )
            if floor["applied"]:
                text = self.env._(
                    "%(floor)s, applied as it exceeds the contractual rate",
                    floor=text,
                )
            texts.append(text)
        if not texts:
            return ""
        result = texts[0]
        for text in texts[1:]:
            result = self.env._("%(floors)s; %(floor)s", floors=result, floor=text)
        # the clause ends the sentence's part: "… (3 × 3,71 %) ;"
        return self.env._("%(floors)s;", floors=result)
