from odoo import api, models

from ..tools import fr_siren
from ..tools.late_penalty import round_amount

# (key, first day late, last day late); None: no bound
AGEING_BUCKETS = (
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("over_90", 91, None),
)


class ReportRelanceStatement(models.AbstractModel):
    """Values of the account statement (relevé de compte) of customers."""

    _name = "report.account_relance_fr.report_relance_statement"
    _description = "Customer Account Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        letter = self.env["report.account_relance_fr.report_relance_letter"]
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "place_date": letter._get_place_date,
            "long_date": letter._get_long_date,
            "statements": {
                partner.id: self._get_statement_values(partner) for partner in partners
            },
            **self.env[
                "report.account_relance_fr.report_relance_formal_notice"
            ]._get_print_layout_values("account_relance_fr.report_relance_statement"),
        }

    @api.model
    def _get_open_items(self, partner, company):
        """Open receivable items: invoices, credit notes and unapplied payments."""
        return self.env["account.move.line"].search(
            [
                ("partner_id", "child_of", partner.commercial_partner_id.id),
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("amount_residual", "!=", 0),
            ],
            order="date_maturity, date, id",
        )

    @api.model
    def _get_bucket(self, days_late):
        for key, low, high in AGEING_BUCKETS:
            if (low is None or days_late >= low) and (
                high is None or days_late <= high
            ):
                return key
        return AGEING_BUCKETS[-1][0]

    @api.model
    def _get_statement_values(self, partner):
        """Values of one customer's statement.

        Disputed invoices are listed, marked, but claim nothing: no penalty,
        no indemnity, and their remaining amount is taken out of the total.
        When a half-year's rates are missing, no penalty figure is printed or
        totalled (a guessed figure never reaches the customer), as in the
        mise en demeure.
        """
        company = partner.relance_company_id or self.env.company
        today = company._get_relance_today()
        items = self._get_open_items(partner, company)
        disputed_moves = items.move_id.filtered("relance_dispute")
        penalty_model = self.env["account.relance.penalty"].with_company(company)
        by_move = penalty_model._compute_moves(items.move_id - disputed_moves)
        missing = sorted({key for data in by_move.values() for key in data.missing})
        rows = []
        counted = set()
        for line in items:
            due = line.date_maturity or line.date
            days = (today - due).days
            data = by_move.get(line.move_id)
            first = data and not missing and line.move_id.id not in counted
            counted.add(line.move_id.id)
            rows.append(
                {
                    "line": line,
                    "name": line.move_id.name,
                    "currency": line.currency_id,
                    "date": line.move_id.invoice_date or line.date,
                    "due": due,
                    "amount": line.amount_currency,
                    "residual": line.amount_residual_currency,
                    # a credit is not late
                    "days": max(days, 0) if line.amount_residual > 0 else 0,
                    "bucket": self._get_bucket(days),
                    # penalties are per invoice, on its own currency: shown on
                    # its first instalment
                    "penalty": data.interest_unbilled_currency if first else 0.0,
                    "disputed": line.move_id in disputed_moves,
                    "pay_url": line.move_id.relance_pay_url
                    if line.move_id.is_invoice()
                    and line.amount_residual > 0
                    and line.move_id not in disputed_moves
                    else False,
                }
            )
        rows += self._get_bank_rows(partner, company, today)
        pay_moves = (
            items.filtered(
                lambda line: line.amount_residual > 0 and line.move_id.is_invoice()
            ).move_id
            - disputed_moves
        )
        # one link for everything: the customer page of this company
        pay_url = (
            partner.commercial_partner_id._get_relance_portal_url(company)
            if pay_moves
            else False
        )
        currencies = self._get_currency_totals(rows, by_move, company)
        main = currencies[0] if currencies else {}
        return {
            "company": company,
            "today": today,
            "rows": rows,
            # per currency: amounts in different currencies are never added
            "currencies": currencies,
            "buckets": main.get("buckets", {}),
            "balance": main.get("balance", 0.0),
            "overdue": main.get("overdue", 0.0),
            "penalty": main.get("penalty", 0.0),
            "penalty_withheld": bool(missing),
            "indemnity": round_amount(
                sum(data.indemnity_unbilled for data in by_move.values())
            ),
            "disputed": main.get("disputed", 0.0),
            "missing": ", ".join(f"H{half} {year}" for year, half in missing),
            "total": main.get("total", 0.0),
            "customer_siren": fr_siren(partner._get_relance_siren()),
            "regime": penalty_model._get_regime(partner),
            "pay_url": pay_url,
            "pay_qr": self.env[
                "report.account_relance_fr.report_relance_formal_notice"
            ]._get_qr_data_uri(pay_url)
            if pay_url
            else False,
            "bank": company.partner_id.bank_ids[:1],
            "currency": company.currency_id,
        }

    @api.model
    def _get_bank_rows(self, partner, company, today):
        """Bank transfers received from the customer and not reconciled yet:
        credits of the account (account.relance.balance), listed as such."""
        credits = self.env["account.relance.balance"]._get_credits(
            partner.commercial_partner_id, company, today
        )
        # the statement is printed in the customer's language
        lang = partner._get_relance_lang(partner.relance_postal_contact_id)
        label = self.with_context(lang=lang).env._("Bank transfer received")
        return [
            {
                "line": credit.record,
                "name": label,
                "currency": credit.currency,
                "date": credit.date,
                "due": credit.date,
                "amount": -credit.amount,
                "residual": -credit.amount,
                "days": 0,
                "bucket": "not_due",
                "penalty": 0.0,
                "disputed": False,
                "pay_url": False,
            }
            for credit in credits.get(
                (company.id, partner.commercial_partner_id.id), []
            )
            if credit.kind == "bank"
        ]

    @api.model
    def _get_currency_totals(self, rows, by_move, company):
        """Ageing, balance, penalties and total of each currency of ``rows``,
        the company's currency first; the 40 € indemnity goes with it.

        :return: [dict]
        """
        main = company.currency_id
        currencies = sorted(
            {row["currency"] for row in rows}, key=lambda c: (c != main, c.name)
        )
        indemnity = round_amount(
            sum(data.indemnity_unbilled for data in by_move.values())
        )
        if indemnity and main not in currencies:
            currencies.insert(0, main)
        totals = []
        for currency in currencies:
            currency_rows = [row for row in rows if row["currency"] == currency]
            buckets = dict.fromkeys((key for key, _low, _high in AGEING_BUCKETS), 0.0)
            for row in currency_rows:
                buckets[row["bucket"]] = round_amount(
                    buckets[row["bucket"]] + row["residual"]
                )
            balance = round_amount(sum(row["residual"] for row in currency_rows))
            penalty = round_amount(sum(row["penalty"] for row in currency_rows))
            # a disputed invoice is listed but claims nothing
            disputed = round_amount(
                sum(row["residual"] for row in currency_rows if row.get("disputed"))
            )
            currency_indemnity = indemnity if currency == main else 0.0
            totals.append(
                {
                    "currency": currency,
                    "buckets": buckets,
                    "balance": balance,
                    "overdue": round_amount(balance - buckets["not_due"]),
                    "penalty": penalty,
                    "indemnity": currency_indemnity,
                    "disputed": disputed,
                    "total": round_amount(
                        balance - disputed + penalty + currency_indemnity
                    ),
                }
            )
        return totals
