from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

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
    partner_count = fields.Integer(
        string="Customers",
        compute="_compute_partner_count",
        help="Customers of the company this ladder applies to: assigned to it, "
        "selected by its rules, or left to it as the default ladder.",
    )

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    def _compute_partner_count(self):
        """Customers each ladder effectively applies to (one query per company)."""
        self._flush_partner_ladder()
        counts = {}
        for company in self.company_id:
            partner = SQL.identifier("partner")
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT ladder_id, COUNT(*) FROM (
                        SELECT %(ladder)s AS ladder_id
                          FROM res_partner partner
                         WHERE partner.active
                           AND partner.customer_rank > 0
                           AND partner.parent_id IS NULL
                           AND (partner.company_id IS NULL
                                OR partner.company_id = %(company)s)
                    ) applied
                    GROUP BY ladder_id
                    """,
                    ladder=self._get_partner_ladder_sql(partner, SQL("%s", company.id)),
                    company=company.id,
                )
            )
            counts.update(dict(rows))
        for ladder in self:
            ladder.partner_count = counts.get(ladder.id, 0)

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

    @api.model
    def _flush_partner_ladder(self):
        """Write pending changes the ladder SQL reads to the database."""
        self.env["res.partner"].flush_model(
            [
                "relance_ladder_id",
                "relance_customer_type",
                "relance_payer_profile",
                "category_id",
                "customer_rank",
                "active",
                "parent_id",
                "company_id",
            ]
        )
        self.flush_model()

    @api.model
    def _get_partner_ladder_sql(self, partner, company):
        """SQL expression of the ladder of a commercial partner in a company,
        the same choice as ``_get_ladders_for_partners``: the ladder assigned
        to the partner in the company (a company-dependent field), else the
        first whose rules match (by sequence), else the company's default.

        :param partner: SQL of the res_partner table alias
        :param company: SQL expression of the company id
        :return: SQL of an account_relance_ladder id (NULL when none)
        """
        return SQL(
            """COALESCE(
                (SELECT l.id FROM account_relance_ladder l
                  WHERE l.id = (%(partner)s.relance_ladder_id
                                ->> (%(company)s)::text)::integer
                    AND l.company_id = %(company)s AND l.active),
                (SELECT l.id FROM account_relance_ladder l
                  WHERE l.company_id = %(company)s AND l.active
                    AND (l.rule_customer_type IS NOT NULL
                         OR l.rule_payer_profile IS NOT NULL
                         OR EXISTS (SELECT 1 FROM %(rel)s r
                                     WHERE r.account_relance_ladder_id = l.id))
                    AND (l.rule_customer_type IS NULL
                         OR l.rule_customer_type = %(partner)s.relance_customer_type)
                    AND (l.rule_payer_profile IS NULL
                         OR l.rule_payer_profile = %(partner)s.relance_payer_profile)
                    AND (NOT EXISTS (SELECT 1 FROM %(rel)s r
                                      WHERE r.account_relance_ladder_id = l.id)
                         OR EXISTS (
                            SELECT 1 FROM %(rel)s r
                              JOIN res_partner_res_partner_category_rel tag
                                ON tag.category_id = r.res_partner_category_id
                             WHERE r.account_relance_ladder_id = l.id
                               AND tag.partner_id = %(partner)s.id))
                  ORDER BY l.sequence, l.id LIMIT 1),
                (SELECT l.id FROM account_relance_ladder l
                  WHERE l.company_id = %(company)s AND l.active AND l.is_default
                  ORDER BY l.sequence, l.id LIMIT 1)
            )""",
            partner=partner,
            company=company,
            rel=SQL.identifier(self._fields["rule_category_ids"].relation),
        )

    def action_view_partners(self):
        """The customers this ladder applies to (``partner_count``)."""
        self.ensure_one()
        self._flush_partner_ladder()
        partner = SQL.identifier("partner")
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT partner.id FROM res_partner partner
                     WHERE partner.active
                       AND partner.customer_rank > 0
                       AND partner.parent_id IS NULL
                       AND (partner.company_id IS NULL
                            OR partner.company_id = %(company)s)
                       AND %(ladder)s = %(ladder_id)s
                    """,
                    company=self.company_id.id,
                    ladder=self._get_partner_ladder_sql(
                        partner, SQL("%s", self.company_id.id)
                    ),
                    ladder_id=self.id,
                )
            )
        ]
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", ids)],
        }
