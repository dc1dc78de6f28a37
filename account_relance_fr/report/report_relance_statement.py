from odoo import api, fields, models

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
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
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
        company = partner.relance_company_id or self.env.company
        today = fields.Date.context_today(self)
        items = self._get_open_items(partner, company)
        penalty_model = self.env["account.relance.penalty"].with_company(company)
        by_move = penalty_model._compute_moves(items.move_id)
        buckets = dict.fromkeys((key for key, _low, _high in AGEING_BUCKETS), 0.0)
        rows = []
        counted = set()
        for line in items:
            due = line.date_maturity or line.date
            days = (today - due).days
            buckets[self._get_bucket(days)] += line.amount_residual
            data = by_move.get(line.move_id)
            first = data and line.move_id.id not in counted
            counted.add(line.move_id.id)
            rows.append(
                {
                    "line": line,
                    "move": line.move_id,
                    "date": line.move_id.invoice_date or line.date,
                    "due": due,
                    "amount": line.balance,
                    "residual": line.amount_residual,
                    "days": max(days, 0),
                    # penalties are per invoice: shown on its first instalment
                    "penalty": data.interest_unbilled if first else 0.0,
                    "pay_url": line.move_id.relance_pay_url
                    if line.move_id.is_invoice() and line.amount_residual > 0
                    else False,
                }
            )
        penalty = round_amount(sum(data.interest_unbilled for data in by_move.values()))
        indemnity = round_amount(
            sum(data.indemnity_unbilled for data in by_move.values())
        )
        missing = sorted({key for data in by_move.values() for key in data.missing})
        balance = round_amount(sum(items.mapped("amount_residual")))
        pay_moves = items.filtered(
            lambda line: line.amount_residual > 0 and line.move_id.is_invoice()
        ).move_id
        # one link for everything: the customer page of this company
        pay_url = (
            partner.commercial_partner_id._get_relance_portal_url(company)
            if pay_moves
            else False
        )
        return {
            "company": company,
            "today": today,
            "rows": rows,
            "buckets": buckets,
            "balance": balance,
            "overdue": round_amount(balance - buckets["not_due"]),
            "penalty": penalty,
            "indemnity": indemnity,
            "missing": ", ".join(f"H{half} {year}" for year, half in missing),
            "total": round_amount(balance + penalty + indemnity),
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
