import secrets
import string

from odoo import api, fields, models
from odoo.tools import format_amount

from ..tools import to_gsm7

# Length of the random code of the pay links: link_tracker's own codes start at
# three characters, too easy to guess for a link that opens an invoice.
PAY_LINK_CODE_LENGTH = 8
SAMPLE_AMOUNT = 1234.56
SAMPLE_DAYS_LATE = 12


class ResPartner(models.Model):
    _inherit = "res.partner"

    relance_channel_preference = fields.Selection(
        selection_add=[("sms", "SMS")], ondelete={"sms": "set null"}
    )
    # Values for the SMS templates, GSM-7 safe, filled like relance_mail_*
    # through the context of the run.
    relance_sms_company_name = fields.Char(
        string="Company Name (SMS)", compute="_compute_relance_sms_values"
    )
    relance_sms_reference = fields.Char(
        string="Invoice Reference (SMS)",
        compute="_compute_relance_sms_values",
        help='"invoice INV/2026/00012", or "3 invoices" when there are several.',
    )
    relance_sms_amount = fields.Char(
        string="Amount Due (SMS)", compute="_compute_relance_sms_values"
    )
    relance_sms_days_late = fields.Integer(
        string="Days Late (SMS)",
        compute="_compute_relance_sms_values",
        help="Days since the oldest due date of the reminded invoices.",
    )
    relance_sms_pay_url = fields.Char(
        string="Pay Link (SMS)",
        compute="_compute_relance_sms_values",
        help="Short link to the customer page, when the level includes the pay "
        "link.",
    )

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends_context(
        "relance_line_ids",
        "relance_level_id",
        "company",
        "lang",
        "relance_sms_preview",
        "relance_sms_sample",
    )
    def _compute_relance_sms_values(self):
        if self.env.context.get("relance_sms_sample"):
            self._compute_relance_sms_sample_values()
            return
        for partner in self:
            lines = partner.relance_mail_line_ids
            company = partner.relance_company_id or self.env.company
            today = company._get_relance_today()
            moves = lines.move_id
            partner.relance_sms_company_name = to_gsm7(company.name)
            partner.relance_sms_reference = to_gsm7(
                self.env._("invoice %(name)s", name=moves.name)
                if len(moves) == 1
                else self.env._("%(count)s invoices", count=len(moves))
            )
            # net of the customer's credits, per currency (never added across)
            partner.relance_sms_amount = to_gsm7(partner.relance_mail_total_text)
            partner.relance_sms_days_late = max(
                (
                    (today - line.date_maturity).days
                    for line in lines
                    if line.date_maturity
                ),
                default=0,
            )
            partner.relance_sms_pay_url = partner._get_relance_sms_pay_url(moves)

    def _compute_relance_sms_sample_values(self):
        """Likely values, to measure a template when no invoice is overdue."""
        company = self.env.company
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        year = self.env.company._get_relance_today().year
        sample_name = f"{journal.code or 'INV'}/{year}/00042"
        for partner in self:
            partner.relance_sms_company_name = to_gsm7(company.name)
            partner.relance_sms_reference = to_gsm7(
                self.env._("invoice %(name)s", name=sample_name)
            )
            partner.relance_sms_amount = to_gsm7(
                format_amount(self.env, SAMPLE_AMOUNT, company.currency_id)
            )
            partner.relance_sms_days_late = SAMPLE_DAYS_LATE
            partner.relance_sms_pay_url = self._get_relance_sms_placeholder_url()

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_relance_sms_pay_url(self, moves):
        """Short link of the customer page where ``moves`` are paid, or False.

        The page lists every open invoice of the customer with the company, so
        one link serves one invoice or several. A preview (context
        ``relance_sms_preview``) must not write: it gets a placeholder of the
        same length instead of a new link tracker.
        """
        self.ensure_one()
        level = self.relance_mail_level_id
        if not moves or (level and not level.include_pay_link):
            return False
        if self.env.context.get("relance_sms_preview"):
            return self._get_relance_sms_placeholder_url()
        company = self.relance_company_id or self.env.company
        url = self.commercial_partner_id._get_relance_portal_url(company)
        title = moves.name if len(moves) == 1 else self.commercial_partner_id.name
        return self._get_relance_sms_short_url(url, title)

    @api.model
    def _get_relance_sms_placeholder_url(self):
        return f"{self.get_base_url()}/r/{'X' * PAY_LINK_CODE_LENGTH}"

    @api.model
    def _get_relance_sms_short_url(self, url, title):
        """Short link through Odoo's link tracker, with a code hard to guess."""
        tracker = (
            self.env["link.tracker"]
            .sudo()
            .search_or_create([{"url": url, "title": title}])
        )
        if len(tracker.code or "") < PAY_LINK_CODE_LENGTH:
            alphabet = string.ascii_letters + string.digits
            codes = self.env["link.tracker.code"].sudo()
            while True:
                code = "".join(
                    secrets.choice(alphabet) for _index in range(PAY_LINK_CODE_LENGTH)
                )
                if not codes.search_count([("code", "=", code)], limit=1):
                    break
            tracker.code = code
        return tracker.short_url
