"""Read access of salespeople to their customers' invoices.

Salespeople have no access to the invoicing (account.move): from their
customer's follow-up form they open the invoice PDF through this route, which
checks the invoice is one of their own customers' (see
``account.relance.followup._get_salesperson_invoice``).
"""

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request


class RelanceSalespersonInvoice(http.Controller):
    @http.route(
        "/relance/invoice/<int:move_id>/pdf",
        type="http",
        auth="user",
        methods=["GET"],
        sitemap=False,
    )
    def relance_invoice_pdf(self, move_id, **kwargs):
        """The PDF of a posted customer invoice or credit note of one of the
        user's customers; 404 for any other, alike."""
        try:
            move = request.env["account.relance.followup"]._get_salesperson_invoice(
                move_id
            )
        except AccessError as error:
            raise NotFound() from error
        content, report_type = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(move.company_id)
            ._render_qweb_pdf("account.account_invoices", move.ids)
        )
        filename = move._get_invoice_report_filename()
        return request.make_response(
            content,
            headers=[
                (
                    "Content-Type",
                    "application/pdf" if report_type == "pdf" else "text/html",
                ),
                ("Content-Length", len(content)),
                ("Content-Disposition", http.content_disposition(filename, "inline")),
            ],
        )
