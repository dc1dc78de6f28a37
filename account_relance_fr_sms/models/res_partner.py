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
    relance_sms_invoice_count = fields.Integer(
        string="Invoices (SMS)", compute="_compute_relance_sms_values"
    )
    relance_sms_facts = fields.Char(
        string="Facts (SMS)",
        compute="_compute_relance_sms_values",
        help='"your invoice INV/2026/00012 of 250.00 € is 3 days overdue", or for '
        'several: "your 2 invoices (1,250.00 € in total) are overdue, the oldest '
        'by 17 days"; singular or plural as the facts are.',
    )
    relance_sms_facts_unpaid = fields.Char(
        string="Facts, Still Unpaid (SMS)",
        compute="_compute_relance_sms_values",
        help='"your invoice INV/2026/00012 of 250.00 € is still unpaid, 10 days '
        'after its due date", or its plural, for the later reminders.',
    )
    relance_sms_pay_text = fields.Char(
        string="Pay Sentence (SMS)",
        compute="_compute_relance_sms_values",
        help='"Pay online: <link>"; empty when the level has no pay link.',
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
            days = max(
                (
                    (today - line.date_maturity).days
                    for line in lines
                    if line.date_maturity
                ),
                default=0,
            )
            # net of the customer's credits, per currency (never added across)
            partner._set_relance_sms_values(
                company.name,
                moves.name if len(moves) == 1 else "",
                len(moves),
                partner.relance_mail_total_text,
                days,
                partner._get_relance_sms_pay_url(moves),
            )

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
        amount = format_amount(self.env, SAMPLE_AMOUNT, company.currency_id)
        url = self._get_relance_sms_placeholder_url()
        for partner in self:
            partner._set_relance_sms_values(
                company.name, sample_name, 1, amount, SAMPLE_DAYS_LATE, url
            )

    def _set_relance_sms_values(self, company_name, name, count, amount, days, url):
        """Fill the relance_sms_* values, GSM-7 safe, in the language of the
        context, singular or plural as the number of invoices is.

        :param company_name: the sending company's name
        :param name: the invoice number when there is one invoice
        :param count: number of reminded invoices
        :param amount: the amount claimed, formatted per currency (text)
        :param days: days since the oldest due date
        :param url: the short pay link, or False
        """
        self.ensure_one()
        if count == 1:
            reference = self.env._("invoice %(name)s", name=name)
            if days == 1:
                facts = self.env._(
                    "your invoice %(name)s of %(amount)s is 1 day overdue",
                    name=name,
                    amount=amount,
                )
                unpaid = self.env._(
                    "your invoice %(name)s of %(amount)s is still unpaid, 1 day "
                    "after its due date",
                    name=name,
                    amount=amount,
                )
            else:
                facts = self.env._(
                    "your invoice %(name)s of %(amount)s is %(days)s days overdue",
                    name=name,
                    amount=amount,
                    days=days,
                )
                unpaid = self.env._(
                    "your invoice %(name)s of %(amount)s is still unpaid, %(days)s "
                    "days after its due date",
                    name=name,
                    amount=amount,
                    days=days,
                )
        else:
            reference = self.env._("%(count)s invoices", count=count)
            if days == 1:
                facts = self.env._(
                    "your %(count)s invoices (%(amount)s in total) are 1 day "
                    "overdue",
                    count=count,
                    amount=amount,
                )
                unpaid = self.env._(
                    "your %(count)s invoices (%(amount)s in total) are still "
                    "unpaid, 1 day after their due date",
                    count=count,
                    amount=amount,
                )
            else:
                facts = self.env._(
                    "your %(count)s invoices (%(amount)s in total) are overdue, "
                    "the oldest by %(days)s days",
                    count=count,
                    amount=amount,
                    days=days,
                )
                unpaid = self.env._(
                    "your %(count)s invoices (%(amount)s in total) are still "
                    "unpaid, the oldest for %(days)s days",
                    count=count,
                    amount=amount,
                    days=days,
                )
        self.relance_sms_company_name = to_gsm7(company_name)
        self.relance_sms_reference = to_gsm7(reference)
        self.relance_sms_amount = to_gsm7(amount)
        self.relance_sms_days_late = days
        self.relance_sms_invoice_count = count
        self.relance_sms_facts = to_gsm7(facts)
        self.relance_sms_facts_unpaid = to_gsm7(unpaid)
        self.relance_sms_pay_url = url
        self.relance_sms_pay_text = (
            to_gsm7(self.env._("Pay online: %(url)s", url=url)) if url else ""
        )

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
