from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_partner import CUSTOMER_TYPES, PAYER_PROFILES


class AccountRelanceLadder(models.Model):
    """An escalation ladder: the ordered reminder levels applied to a customer."""

    _name = "account.relance.ladder"
    _description = "Reminder Ladder"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    is_default = fields.Boolean(
        string="Default Ladder",
        help="Used for the customers of the company that no other ladder matches.",
    )
    level_ids = fields.One2many("account.relance.level", "ladder_id", copy=True)
    rule_customer_type = fields.Selection(
        CUSTOMER_TYPES,
        string="Customer Type",
        help="Applies automatically to the customers of this type.",
    )
    rule_payer_profile = fields.Selection(
        PAYER_PROFILES,
        string="Payer Profile",
        help="Applies automatically to the customers with this payer profile.",
    )
    rule_category_ids = fields.Many2many(
        "res.partner.category",
        string="Customer Tags",
        help="Applies automatically to the customers having one of these tags.",
    )
    min_amount = fields.Monetary(
        string="Minimum Amount",
        currency_field="currency_id",
        help="No reminder for a customer whose amount due is below this amount.",
    )
    min_days_between = fields.Integer(
        string="Days Between Reminders",
        help="Minimum number of days between two reminders to the same customer. "
        "Zero uses the company setting.",
    )
    signatory = fields.Selection(
        [("company", "Company Signatory"), ("salesperson", "Customer's Salesperson")],
        default="company",
        required=True,
        help="Who signs the reminders of this ladder.",
    )
    partner_count = fields.Integer(compute="_compute_partner_count")

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("relance_ladder_id", "in", self.ids)],
                ["relance_ladder_id"],
                ["__count"],
            )
        )
        for ladder in self:
            ladder.partner_count = counts.get(ladder, 0)

    # ------------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------------

    @api.constrains("is_default", "company_id", "active")
    def _check_single_default(self):
        for ladder in self.filtered(lambda ladder: ladder.is_default and ladder.active):
            others = self.search_count(
                [
                    ("id", "!=", ladder.id),
                    ("company_id", "=", ladder.company_id.id),
                    ("is_default", "=", True),
                ]
            )
            if others:
                raise ValidationError(
                    self.env._(
                        "The company %(company)s already has a default reminder "
                        "ladder.",
                        company=ladder.company_id.name,
                    )
                )

    @api.constrains("min_amount", "min_days_between")
    def _check_positive(self):
        if any(ladder.min_amount < 0 or ladder.min_days_between < 0 for ladder in self):
            raise ValidationError(
                self.env._(
                    "Minimum amount and days between reminders cannot be negative."
                )
            )

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _matches_partner(self, partner):
        """True when the ladder's assignment rules select ``partner``."""
        self.ensure_one()
        if not (
            self.rule_customer_type or self.rule_payer_profile or self.rule_category_ids
        ):
            return False
        if (
            self.rule_customer_type
            and partner.relance_customer_type != self.rule_customer_type
        ):
            return False
        if (
            self.rule_payer_profile
            and partner.relance_payer_profile != self.rule_payer_profile
        ):
            return False
        return not (
            self.rule_category_ids
            and not (self.rule_category_ids & partner.category_id)
        )

    @api.model
    def _get_ladders_for_partners(self, partners, company):
        """Map each commercial partner to its ladder in ``company``.

        Explicit assignment first, then the first ladder whose rules match (by
        sequence), then the company default. One search for all the partners.
        """
        ladders = self.search([("company_id", "=", company.id)])
        ruled = ladders.filtered(
            lambda ladder: ladder.rule_customer_type
            or ladder.rule_payer_profile
            or ladder.rule_category_ids
        )
        default = ladders.filtered("is_default")[:1]
        result = {}
        for partner in partners:
            explicit = partner.relance_ladder_id
            if explicit and explicit.company_id == company and explicit.active:
                result[partner] = explicit
                continue
            result[partner] = next(
                (ladder for ladder in ruled if ladder._matches_partner(partner)),
                default,
            )
        return result

    def _get_min_days_between(self):
        self.ensure_one()
        return self.min_days_between or self.company_id.relance_min_days_between

    def action_view_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("relance_ladder_id", "=", self.id)],
        }
