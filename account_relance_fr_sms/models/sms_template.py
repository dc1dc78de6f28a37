import logging

from odoo import api, fields, models

from ..tools import sms_info

_logger = logging.getLogger(__name__)

# SMS a reminder may take before the template form warns: a courteous French
# text with the invoice, the amount and the pay link needs two.
MAX_SEGMENTS = 2


class SmsTemplate(models.Model):
    _inherit = "sms.template"

    relance_sms_example = fields.Text(
        string="Example",
        compute="_compute_relance_sms_example",
        help="The template rendered for a customer with overdue invoices, or with "
        "sample values when there is none.",
    )
    relance_sms_example_info = fields.Char(
        string="Example Size", compute="_compute_relance_sms_example"
    )
    relance_sms_warning = fields.Char(
        string="Length Warning", compute="_compute_relance_sms_example"
    )

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends("body", "model")
    @api.depends_context("lang", "company")
    def _compute_relance_sms_example(self):
        for template in self:
            template.relance_sms_example = False
            template.relance_sms_example_info = False
            template.relance_sms_warning = False
            if template.model != "res.partner" or not template.body:
                continue
            try:
                example = template._render_relance_sms_example()
            except Exception as error:  # noqa: BLE001 - the user is typing the template
                _logger.debug("SMS template example failed", exc_info=True)
                template.relance_sms_warning = self.env._(
                    "The example could not be rendered: %(error)s", error=error
                )
                continue
            info = sms_info(example)
            template.relance_sms_example = example
            template.relance_sms_example_info = self.env._(
                "%(length)s characters, %(encoding)s, %(segments)s SMS",
                length=info.length,
                encoding=info.encoding,
                segments=info.segments,
            )
            template.relance_sms_warning = self._get_relance_sms_warning(info)

    @api.model
    def _get_relance_sms_warning(self, info):
        """Warning text for an example of ``info`` (tools.sms_info), or False."""
        warnings = []
        if info.non_gsm_chars:
            warnings.append(
                self.env._(
                    "Characters outside the GSM-7 alphabet (%(chars)s) make every "
                    "SMS use UCS-2: 70 characters per SMS instead of 160.",
                    chars=" ".join(repr(char) for char in info.non_gsm_chars),
                )
            )
        # a courteous reminder takes two SMS: more is a template to shorten
        if info.segments > MAX_SEGMENTS:
            warnings.append(
                self.env._(
                    "The example needs %(segments)s SMS: each one is paid.",
                    segments=info.segments,
                )
            )
        return " ".join(warnings) or False

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _render_relance_sms_example(self):
        """Render the body being edited for an example customer, writing nothing.

        The example customer is the one with the oldest overdue instalment of
        the company, rendered at the level that uses this template; without
        overdue invoices, sample values (tools: relance_sms_* fields) are used.
        """
        self.ensure_one()
        line = self.env["account.move.line"].search(
            [
                ("company_id", "=", self.env.company.id),
                ("parent_state", "=", "posted"),
                ("move_id.move_type", "=", "out_invoice"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("amount_residual", ">", 0),
                ("date_maturity", "<", self.env.company._get_relance_today()),
            ],
            order="date_maturity, id",
            limit=1,
        )
        level = self.env["account.relance.level"]
        if self._origin.id:
            level = level.search([("sms_template_id", "=", self._origin.id)], limit=1)
        context = {"relance_sms_preview": True, "relance_level_id": level.id}
        partner = line.move_id.commercial_partner_id
        if not partner:
            partner = self.env.company.partner_id
            context["relance_sms_sample"] = True
        body = self.with_context(**context)._render_template(
            self.body, "res.partner", partner.ids
        )[partner.id]
        return " ".join((body or "").split())
