from odoo import api, models


class ReportRelancePlan(models.AbstractModel):
    """Values of the payment plan letter (échéancier et reconnaissance de
    dette): the sheet of the reminder letters (sender with its legal
    mentions, recipient in the window of a DL envelope, place and date in the
    customer's language, pages numbered "1/2")."""

    _name = "report.account_relance_fr.report_relance_plan"
    _description = "Payment Plan Letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        letter = self.env["report.account_relance_fr.report_relance_letter"]
        return {
            "doc_ids": docids,
            "doc_model": "account.relance.plan",
            "docs": self.env["account.relance.plan"].browse(docids),
            "place_date": letter._get_place_date,
            **self.env[
                "report.account_relance_fr.report_relance_formal_notice"
            ]._get_print_layout_values("account_relance_fr.report_relance_plan"),
        }
