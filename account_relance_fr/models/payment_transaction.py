import logging

from odoo import fields, models

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    relance_access_id = fields.Many2one(
        "account.relance.access",
        string="Customer Page",
        readonly=True,
        index="btree_not_null",
        help="The customer page the payment was made from.",
    )

    def _get_communication(self):
        """Override of payment_custom: a transfer paying several invoices quotes
        the customer's structured reference (RF creditor reference)."""
        self.ensure_one()
        invoices = self.invoice_ids
        if self.relance_access_id and len(invoices) > 1:
            return invoices[0]._get_invoice_reference_euro_partner()
        return super()._get_communication()

    def _create_payment(self, **extra_create_values):
        """Override of account_payment: a payment made from the customer page
        paid the invoices net of the customer's credits the page deducted;
        those credits (credit notes, payments not matched yet, in the
        transaction's currency) now settle what the payment left open on the
        paid invoices. A bank line not reconciled yet stays for the accountant.
        """
        payment = super()._create_payment(**extra_create_values)
        if self.relance_access_id and self.invoice_ids:
            self._relance_apply_credits()
        return payment

    def _relance_apply_credits(self):
        """Reconcile the customer's credits of the page with what stays open on
        the transaction's invoices (same receivable account)."""
        self.ensure_one()
        open_lines = self.invoice_ids.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
            and not line.reconciled
            and line.amount_residual > 0
        )
        if not open_lines:
            return
        access = self.relance_access_id.sudo().with_company(self.company_id)
        credit_lines = access._get_credit_lines(self.currency_id).filtered(
            lambda line: line.account_id in open_lines.account_id
            and not line.reconciled
        )
        for lines in (open_lines + credit_lines).grouped("account_id").values():
            if any(line.amount_residual < 0 for line in lines):
                lines.reconcile()

    def _post_process(self):
        """Override of account_payment: once a payment made from the customer page
        is reconciled, cancel the pending reminders of what it paid and thank
        the customer once."""
        result = super()._post_process()
        done = self.filtered(
            lambda tx: tx.state == "done" and tx.relance_access_id and tx.invoice_ids
        )
        if done:
            done._relance_after_payment()
        return result

    def _relance_after_payment(self):
        """Cancel the reminders waiting for approval or retry of the instalments
        now paid, and send one thank-you email per customer and company for the
        invoices fully paid (flagged so that the daily job does not thank again).
        """
        invoices = self.invoice_ids.filtered(
            lambda move: move.move_type == "out_invoice"
        )
        histories = (
            self.env["account.relance.history"]
            .sudo()
            .search(
                [
                    ("move_id", "in", invoices.ids),
                    ("state", "in", ("to_confirm", "failed")),
                ]
            )
        )
        histories.filtered(
            lambda history: history.move_line_id.reconciled
            or history.move_id.payment_state in ("paid", "in_payment")
        ).write(
            {
                "state": "cancelled",
                "note": self.env._("Paid online from the customer page."),
            }
        )
        paid = invoices.filtered(
            lambda move: move.payment_state in ("paid", "in_payment")
            and not move.relance_thanked
        )
        template = self.env.ref(
            "account_relance_fr.mail_template_relance_thank_you",
            raise_if_not_found=False,
        )
        thanked = False
        for (company, partner), moves in paid.grouped(
            lambda move: (move.company_id, move.commercial_partner_id)
        ).items():
            contact = partner.relance_contact_id
            if template and company.relance_thank_you and contact.email:
                accountant = company._get_relance_accountant()
                run = (
                    self.env["account.relance.run"]
                    .with_user(accountant)
                    .with_company(company)
                    .sudo()
                )
                run._post_template(
                    partner.with_user(accountant)
                    .with_company(company)
                    .sudo()
                    .with_context(relance_paid_move_ids=moves.ids),
                    template,
                    contact,
                )
                thanked = True
            moves.sudo().relance_thanked = True
        if thanked:
            # the customer just paid: the thank-you leaves now
            self.env["account.relance.run"]._trigger_mail_queue()
        return paid
