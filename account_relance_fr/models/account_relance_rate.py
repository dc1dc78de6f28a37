from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import RateInfo, half_year_label, half_year_start, menu_path

OFFICIAL_SOURCES = (
    "ECB: key ECB interest rates, main refinancing operations "
    "(https://www.ecb.europa.eu); taux de l'intérêt légal: the arrêté published "
    "in the Journal officiel each June and December (https://www.legifrance.gouv.fr)"
)


class RateTable:
    """The rate table read once, for many computations.

    ``get(year, half)`` returns the rates of that half-year and whether they
    are known; a missing half-year gets the last known rates before it (or the
    first ones of the table for a half-year older than the table).
    """

    def __init__(self, rows):
        # rows: {(year, half): {"ecb_rate": …, "legal_rate_individual": …, …}}
        self.rows = rows
        self.keys = sorted(rows)

    def get(self, year, half):
        key = (year, half)
        if key in self.rows:
            return self.rows[key], True
        if not self.keys:
            return None, False
        earlier = [known for known in self.keys if known < key]
        fallback = earlier[-1] if earlier else self.keys[0]
        return self.rows[fallback], False

    def lookup(self, rate_of, note_of=None):
        """A ``(year, half) -> RateInfo`` callable for tools.late_penalty.

        :param rate_of: function of a row giving the annual rate in %
        :param note_of: function of a row giving how the rate was obtained
        """

        def _lookup(year, half):
            row, known = self.get(year, half)
            if row is None:
                return RateInfo(rate=0.0, known=False)
            return RateInfo(
                rate=rate_of(row), known=known, note=note_of(row) if note_of else ""
            )

        return _lookup


class AccountRelanceRate(models.Model):
    """Rates of one half-year: ECB main refinancing rate and taux légal.

    Updated twice a year: the ECB rate in force on 1 January / 1 July
    (L441-10 II C. com.) and the two taux de l'intérêt légal set by arrêté
    for the half-year (L313-2 and D313-1-A CMF).
    """

    _name = "account.relance.rate"
    _description = "Late-Payment Rates of a Half-Year"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "year desc, half desc"
    _rec_name = "name"

    name = fields.Char(compute="_compute_name", store=True)
    year = fields.Integer(required=True)
    half = fields.Selection(
        [("1", "H1 (1 January - 30 June)"), ("2", "H2 (1 July - 31 December)")],
        string="Half-Year",
        required=True,
    )
    date_start = fields.Date(
        string="First Day", compute="_compute_date_start", store=True
    )
    ecb_rate = fields.Float(
        string="ECB Main Refinancing Rate (%)",
        digits=(5, 2),
        required=True,
        tracking=True,
        help="Rate of the ECB's main refinancing operations in force on the "
        "first day of the half-year.",
    )
    legal_rate_individual = fields.Float(
        string="Taux Légal, Creditor Individual (%)",
        digits=(5, 2),
        required=True,
        tracking=True,
        help="Taux de l'intérêt légal when the creditor is an individual not "
        "acting for professional needs.",
    )
    legal_rate_other = fields.Float(
        string="Taux Légal, Other Cases (%)",
        digits=(5, 2),
        required=True,
        tracking=True,
        help="Taux de l'intérêt légal in all other cases, e.g. a company "
        "creditor: the rate of the contractual floor (3 ×) and of the interest "
        "owed by consumers after a formal notice.",
    )
    default_rate = fields.Float(
        string="Default B2B Rate (%)",
        digits=(5, 2),
        compute="_compute_derived_rates",
        help="ECB rate + 10 points (L441-10 II C. com.).",
    )
    floor_rate = fields.Float(
        string="Contractual Floor (%)",
        digits=(5, 2),
        compute="_compute_derived_rates",
        help="Three times the taux légal (other cases): no contractual rate may "
        "be lower.",
    )
    public_rate = fields.Float(
        string="Public Buyers Rate (%)",
        digits=(5, 2),
        compute="_compute_derived_rates",
        help="ECB rate + 8 points (R2192-31 Code de la commande publique).",
    )
    source_note = fields.Text(
        string="Sources", help="Where the rates come from: ECB decision, arrêté."
    )

    _sql_constraints = [
        (
            "half_year_unique",
            "UNIQUE(year, half)",
            "The rates of a half-year can be entered only once.",
        ),
        ("year_check", "CHECK(year BETWEEN 1999 AND 2999)", "Enter a valid year."),
    ]

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends("year", "half")
    def _compute_name(self):
        for rate in self:
            rate.name = (
                half_year_label(rate.year, int(rate.half))
                if rate.year and rate.half
                else False
            )

    @api.depends("year", "half")
    def _compute_date_start(self):
        for rate in self:
            rate.date_start = (
                half_year_start(rate.year, int(rate.half))
                if rate.year and rate.half
                else False
            )

    @api.depends("ecb_rate", "legal_rate_other")
    def _compute_derived_rates(self):
        for rate in self:
            rate.default_rate = rate.ecb_rate + 10.0
            rate.floor_rate = 3.0 * rate.legal_rate_other
            rate.public_rate = rate.ecb_rate + 8.0

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        rates = super().create(vals_list)
        rates._close_missing_activities()
        return rates

    def write(self, vals):
        res = super().write(vals)
        if "year" in vals or "half" in vals:
            self._close_missing_activities()
        return res

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _get_table(self):
        """The whole table as a RateTable (a few dozen rows at most)."""
        rows = {}
        for rate in self.sudo().search_read(
            [],
            ["year", "half", "ecb_rate", "legal_rate_individual", "legal_rate_other"],
        ):
            rows[rate["year"], int(rate["half"])] = rate
        return RateTable(rows)

    @api.model
    def _get_missing_message(self, half_years):
        """What to fill in, and where to find it, for these (year, half)."""
        return self.env._(
            "The late-payment rates of %(half_years)s are not in the rate table "
            "(%(menu)s). Enter them from the official sources: %(sources)s.",
            half_years=", ".join(half_year_label(*key) for key in half_years),
            menu=menu_path(self.env, "account_relance_fr.account_relance_rate_menu"),
            sources=OFFICIAL_SOURCES,
        )

    @api.model
    def _check_known(self, half_years):
        """Refuse what must not rest on guessed rates (e.g. a penalty invoice)."""
        if half_years:
            self._notify_missing(half_years)
            raise UserError(self._get_missing_message(half_years))

    @api.model
    def _notify_missing(self, half_years):
        """One activity for the administrator per missing half-year.

        The activity sits on the last rate row entered and closes itself when
        the rates of its half-year are entered.
        """
        anchor = self.sudo().search([], limit=1)
        if not anchor or not half_years:
            return self.env["mail.activity"]
        activity_type = self.env.ref(
            "account_relance_fr.mail_activity_type_relance_rate_missing"
        )
        existing = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
        )
        admin = self.env.ref("base.user_admin", raise_if_not_found=False)
        # written for the administrator who reads it, in their language
        reader = self.with_context(lang=(admin or self.env.user).lang or self.env.lang)
        activities = self.env["mail.activity"]
        for key in sorted(set(half_years)):
            label = half_year_label(*key)
            if any(label in (activity.summary or "") for activity in existing):
                continue
            activities |= anchor.activity_schedule(
                activity_type_id=activity_type.id,
                summary=reader.env._(
                    "Enter the rates of %(half_year)s", half_year=label
                ),
                note=reader._get_missing_message([key]),
                user_id=(admin or self.env.user).id,
            )
        return activities

    def _close_missing_activities(self):
        """The rates of these half-years are in: their activities are done."""
        activity_type = self.env.ref(
            "account_relance_fr.mail_activity_type_relance_rate_missing",
            raise_if_not_found=False,
        )
        if not activity_type:
            return
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
        )
        labels = set(self.mapped("name"))
        done = activities.filtered(
            lambda activity: any(label in (activity.summary or "") for label in labels)
        )
        if done:
            done.action_feedback(feedback=self.env._("Rates entered."))

    @api.model
    def _cron_check_missing_rates(self):
        """Daily: warn as soon as the current half-year is missing."""
        today = self.env.company._get_relance_today()
        key = (today.year, 1 if today.month <= 6 else 2)
        if not self._get_table().get(*key)[1]:
            self._notify_missing([key])
