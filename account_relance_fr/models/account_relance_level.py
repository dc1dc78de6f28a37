from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Channels of the engine. Another add-on adds its own with selection_add on
# account.relance.history.channel, a boolean ``channel_<code>`` here and a
# ``_relance_send_<code>`` method on account.relance.run.
ENGINE_CHANNELS = ("email", "letter", "call")


class AccountRelanceLevel(models.Model):
    """One step of a ladder, placed relative to the due date."""

    _name = "account.relance.level"
    _description = "Reminder Level"
    _order = "ladder_id, days, sequence, id"
    _check_company_auto = True

    ladder_id = fields.Many2one(
        "account.relance.ladder", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="ladder_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    days = fields.Integer(
        string="Days After Due Date",
        required=True,
        help="Negative for a préventive reminder before the due date: -5 sends it "
        "five days before, 1 the day after the due date.",
    )
    channel_email = fields.Boolean(string="Email", default=True)
    channel_letter = fields.Boolean(
        string="Printed Letter",
        help="Generates the reminder letter as a PDF on the reminder history, to "
        "print and post.",
    )
    channel_call = fields.Boolean(
        string="Call Activity", help="Schedules a phone call for a person."
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "res.partner")],
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity Type",
        default=lambda self: self.env.ref(
            "account_relance_fr.mail_activity_type_relance_call",
            raise_if_not_found=False,
        ),
    )
    activity_user_mode = fields.Selection(
        [
            ("invoice_salesperson", "Invoice's Salesperson"),
            ("customer_salesperson", "Customer's Salesperson"),
            ("fixed", "Fixed User"),
        ],
        string="Assign Activity To",
        default="invoice_salesperson",
        required=True,
        help="Falls back on the company's accountant when nobody is found.",
    )
    activity_user_id = fields.Many2one("res.users", string="Activity User")
    activity_note = fields.Html(
        string="Call Script", translate=True, sanitize_style=True
    )
    attach_invoice_pdf = fields.Boolean(string="Attach Invoice PDFs")
    include_pay_link = fields.Boolean(default=True)
    to_confirm = fields.Boolean(
        help="A person approves the reminder in the follow-up screen before it goes.",
    )
    is_formal_notice = fields.Boolean(
        string="Formal Notice", help="Mise en demeure de payer."
    )
    include_penalties = fields.Boolean(
        string="Claim Late Penalties",
        help="The reminder states the late-payment penalties (L441-10).",
    )
    include_indemnity = fields.Boolean(
        string="Claim 40 € Indemnity",
        help="The reminder states the flat recovery indemnity (D441-5), for "
        "professional customers only.",
    )
    attach_statement = fields.Boolean(
        string="Attach Account Statement",
        help="Attaches the customer's account statement (open items, ageing, "
        "penalties to date) as a PDF to the email.",
    )

    _sql_constraints = [
        (
            "days_unique_per_ladder",
            "UNIQUE(ladder_id, days)",
            "Two levels of a ladder cannot fall on the same day.",
        ),
    ]

    # ------------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------------

    @api.depends("name", "ladder_id.name")
    @api.depends_context("relance_level_with_ladder")
    def _compute_display_name(self):
        """The level's name; with the context key ``relance_level_with_ladder``
        (the reminder analysis) preceded by its ladder's, so that the levels of
        two ladders that share a name ("Reminder") stay apart in a pivot."""
        if not self.env.context.get("relance_level_with_ladder"):
            return super()._compute_display_name()
        for level in self:
            level.display_name = (
                f"{level.ladder_id.name} / {level.name}"
                if level.ladder_id
                else level.name
            )

    @api.constrains("activity_user_mode", "activity_user_id")
    def _check_activity_user(self):
        for level in self:
            if level.activity_user_mode == "fixed" and not level.activity_user_id:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s assigns its activity to a fixed user: "
                        "choose the user.",
                        level=level.name,
                    )
                )

    @api.constrains(*(f"channel_{code}" for code in ENGINE_CHANNELS))
    def _check_has_channel(self):
        for level in self:
            if not level._get_channels():
                raise ValidationError(
                    self.env._(
                        "Level %(level)s needs at least one channel.", level=level.name
                    )
                )

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_channels(self):
        """Codes of the channels this level uses, in sending order."""
        self.ensure_one()
        return [code for code in ENGINE_CHANNELS if self[f"channel_{code}"]]

    def _get_channels_for_partner(self, partner):
        """Channels for ``partner``: the preferred channel moves first."""
        channels = self._get_channels()
        preferred = partner.relance_channel_preference
        if preferred in channels:
            channels.remove(preferred)
            channels.insert(0, preferred)
        return channels

    def _get_activity_user(self, lines):
        """The user who gets this level's activity for the receivable ``lines``."""
        self.ensure_one()
        partner = lines.partner_id.commercial_partner_id[:1]
        if self.activity_user_mode == "invoice_salesperson":
            user = lines.move_id.invoice_user_id[:1]
        elif self.activity_user_mode == "customer_salesperson":
            user = partner.user_id
        else:
            user = self.activity_user_id
        if not user or not user.active:
            user = self.company_id.relance_accountant_id or self.env.user
        return user
