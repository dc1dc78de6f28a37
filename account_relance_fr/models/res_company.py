import pytz

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools.misc import formatLang

from ..tools import (
    ClosedDays,
    fr_siren,
    half_year_label,
    local_date_ranges,
    region_from_address,
)

HOLIDAY_REGIONS = [
    ("metropole", "Metropolitan France"),
    ("57", "Moselle (57)"),
    ("67", "Bas-Rhin (67)"),
    ("68", "Haut-Rhin (68)"),
    ("971", "Guadeloupe (971)"),
    ("972", "Martinique (972)"),
    ("973", "French Guiana (973)"),
    ("974", "Réunion (974)"),
    ("975", "Saint Pierre and Miquelon (975)"),
    ("976", "Mayotte (976)"),
    ("977", "Saint Barthélemy (977)"),
    ("978", "Saint Martin (978)"),
    ("986", "Wallis and Futuna (986)"),
    ("987", "French Polynesia (987)"),
    ("988", "New Caledonia (988)"),
]

# Deadline of a mise en demeure, in days: accepted range, and the usual one
# (domain reference §5: "usually 8 to 15 days (up to 30)").
FORMAL_NOTICE_MIN_DAYS = 8
FORMAL_NOTICE_MAX_DAYS = 30
FORMAL_NOTICE_USUAL_MAX_DAYS = 15


class ResCompany(models.Model):
    _inherit = "res.company"

    relance_default_ladder_id = fields.Many2one(
        "account.relance.ladder",
        string="Default Reminder Ladder",
        compute="_compute_relance_default_ladder_id",
        inverse="_inverse_relance_default_ladder_id",
    )
    relance_send_monday = fields.Boolean(string="Monday", default=True)
    relance_send_tuesday = fields.Boolean(string="Tuesday", default=True)
    relance_send_wednesday = fields.Boolean(string="Wednesday", default=True)
    relance_send_thursday = fields.Boolean(string="Thursday", default=True)
    relance_send_friday = fields.Boolean(string="Friday", default=True)
    relance_send_saturday = fields.Boolean(string="Saturday")
    relance_send_sunday = fields.Boolean(string="Sunday")
    relance_hour_from = fields.Float(string="Send From", default=8.0)
    relance_hour_to = fields.Float(string="Send Until", default=18.0)
    relance_skip_holidays = fields.Boolean(
        string="Skip Public Holidays and Closing Days",
        default=True,
        help="No reminder on the public holidays of the company's region nor on "
        "the closing days of its working calendar.",
    )
    relance_holiday_region = fields.Selection(
        [("auto", "Automatic (from the address)"), *HOLIDAY_REGIONS],
        string="Public Holidays Of",
        default="auto",
        required=True,
        help="Whose public holidays the reminders skip. Automatic: the "
        "department of the company's ZIP code (Alsace-Moselle, the overseas "
        "departments and the overseas collectivities have days of their own), "
        "else metropolitan France.",
    )
    relance_holiday_region_applied = fields.Selection(
        HOLIDAY_REGIONS,
        string="Public Holidays Applied",
        compute="_compute_relance_holiday_region_applied",
    )
    relance_min_days_between = fields.Integer(
        string="Days Between Two Reminders", default=3
    )
    relance_promise_grace_days = fields.Integer(
        string="Promise Grace Days",
        default=2,
        help="Days after a promised date before the promise counts as broken.",
    )
    relance_sender_email = fields.Char(
        string="Reminder Sender",
        help="From address of the reminders, e.g. comptabilite@example.com. "
        "Empty: the company's email.",
    )
    relance_legal_form = fields.Char(
        string="Legal Form",
        help="Printed with the company's identity on every letter, PDF and email "
        "a customer receives, e.g. SAS, SARL, EURL.",
    )
    relance_share_capital = fields.Monetary(
        string="Share Capital",
        currency_field="currency_id",
        help='Printed after the legal form ("SAS au capital de 10 000 €"); '
        "empty: not printed.",
    )
    relance_rcs_city = fields.Char(
        string="RCS City",
        help="City of the trade and companies register (RCS) where the company is "
        "registered, e.g. Lyon.",
    )
    relance_signatory_name = fields.Char(string="Signatory")
    relance_signatory_title = fields.Char(string="Signatory Title")
    relance_accountant_id = fields.Many2one(
        "res.users",
        string="Accountant",
        help="Gets the activities nobody else is assigned to, such as failed "
        "reminders.",
    )
    relance_thank_you = fields.Boolean(
        string="Thank-you Email",
        default=True,
        help="One short email when an invoice that got a reminder is fully paid.",
    )

    _WEEKDAY_FIELDS = (
        "relance_send_monday",
        "relance_send_tuesday",
        "relance_send_wednesday",
        "relance_send_thursday",
        "relance_send_friday",
        "relance_send_saturday",
        "relance_send_sunday",
    )

    def _compute_relance_default_ladder_id(self):
        ladders = self.env["account.relance.ladder"].search(
            [("company_id", "in", self.ids), ("is_default", "=", True)]
        )
        by_company = ladders.grouped("company_id")
        for company in self:
            company.relance_default_ladder_id = by_company.get(
                company, ladders.browse()
            )[:1]

    @api.depends("relance_holiday_region", "country_id", "zip")
    def _compute_relance_holiday_region_applied(self):
        for company in self:
            company.relance_holiday_region_applied = (
                company._get_relance_holiday_region()
            )

    def _inverse_relance_default_ladder_id(self):
        for company in self:
            ladders = self.env["account.relance.ladder"].search(
                [("company_id", "=", company.id), ("is_default", "=", True)]
            )
            new = company.relance_default_ladder_id
            (ladders - new).write({"is_default": False})
            if new and not new.is_default:
                new.is_default = True

    @api.constrains("relance_hour_from", "relance_hour_to")
    def _check_relance_hours(self):
        for company in self:
            if not 0 <= company.relance_hour_from < company.relance_hour_to <= 24:
                raise ValidationError(
                    self.env._(
                        "The reminder sending hours must run from 0:00 to 24:00, "
                        "the start before the end."
                    )
                )

    @api.constrains("relance_min_days_between", "relance_promise_grace_days")
    def _check_relance_days(self):
        for company in self:
            if (
                company.relance_min_days_between < 0
                or company.relance_promise_grace_days < 0
            ):
                raise ValidationError(
                    self.env._("Reminder day counts cannot be negative.")
                )

    def _get_relance_window(self):
        """The email sending window of the company, for tools.sending_window."""
        self.ensure_one()
        return {
            "weekdays": {
                index for index, fname in enumerate(self._WEEKDAY_FIELDS) if self[fname]
            },
            "hour_from": self.relance_hour_from,
            "hour_to": self.relance_hour_to,
            **self._get_relance_holiday_window_values(self.relance_skip_holidays),
        }

    def _get_relance_holiday_window_values(self, skip_holidays):
        """The holiday part of a sending window (tools.sending_window)."""
        self.ensure_one()
        values = {"skip_holidays": skip_holidays}
        if skip_holidays:
            values["closed_days"] = self._get_relance_closed_days()
        return values

    def _get_relance_holiday_region(self):
        """Holiday region of the company: the setting, or found from its
        address (``tools.french_calendar.region_from_address``).

        :return: a key of ``tools.french_calendar.REGION_SUBDIVISIONS``
        """
        self.ensure_one()
        if self.relance_holiday_region and self.relance_holiday_region != "auto":
            return self.relance_holiday_region
        return region_from_address(self.country_id.code, self.zip)

    def _get_relance_closed_days(self):
        """The days the company sends no reminder and plans no step: the
        public holidays of its region (``holidays`` library: C. trav. L3133-1,
        L3134-13 for Alsace-Moselle, loi n° 83-550 of 30 June 1983 for the
        abolition of slavery overseas) and the closing days of its working
        calendar.

        Every sending window (email, SMS) and every next date use it.

        :return: a ``tools.ClosedDays``, a container of dates (``day in it``)
        """
        self.ensure_one()
        return ClosedDays(
            self._get_relance_holiday_region(),
            self._get_relance_closing_ranges(
                self.resource_calendar_id.id, self._get_relance_tz()
            ),
        )

    @tools.ormcache("self.id", "calendar_id", "tz_name")
    def _get_relance_closing_ranges(self, calendar_id, tz_name):
        """Closing days of the company's working calendar, in its time zone.

        They are the time off without an employee (``resource.calendar.leaves``
        without ``resource_id``) of the calendar ``calendar_id`` or of all the
        company's calendars. A day counts when the time off covers part of it.
        Cached until such time off changes (``resource.calendar.leaves``).

        :return: a tuple of ``(first_day, last_day)`` date pairs, both included
        """
        scope = [("calendar_id", "=", False), ("company_id", "=", self.id)]
        if calendar_id:
            scope = expression.OR([scope, [("calendar_id", "=", calendar_id)]])
        leaves = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .search(
                expression.AND(
                    [[("resource_id", "=", False), ("time_type", "=", "leave")], scope]
                )
            )
        )
        tz = pytz.timezone(tz_name)

        def local(value):
            return pytz.utc.localize(value).astimezone(tz).replace(tzinfo=None)

        return tuple(
            local_date_ranges(
                (local(leave.date_from), local(leave.date_to)) for leave in leaves
            )
        )

    def _get_relance_tz(self):
        """Time zone of the company's reminders: its address's, else Paris.

        :return: a pytz time zone name, e.g. ``"Pacific/Noumea"``
        """
        self.ensure_one()
        return self.partner_id.tz or "Europe/Paris"

    def _get_relance_now(self):
        """The company's wall-clock time now, as a naive datetime.

        Every reminder date (today, days late, sending window, dates printed)
        is the company's, whatever the server's or the user's time zone.
        """
        self.ensure_one()
        tz = pytz.timezone(self._get_relance_tz())
        return (
            pytz.utc.localize(fields.Datetime.now()).astimezone(tz).replace(tzinfo=None)
        )

    def _get_relance_today(self):
        """The company's date today (``datetime.date``), in its time zone.

        Use it instead of ``fields.Date.context_today`` wherever a reminder,
        a delay or a printed date depends on "today".
        """
        self.ensure_one()
        return self._get_relance_now().date()

    def _get_relance_sender(self):
        self.ensure_one()
        email = self.relance_sender_email or self.email
        return f'"{self.name}" <{email}>' if email else False

    def _get_relance_accountant(self):
        """The person who handles failures: the setting, else an administrator."""
        self.ensure_one()
        return self.relance_accountant_id or self.env.ref("base.user_admin")

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._relance_install_default_ladders()
        return companies

    @api.model
    def _relance_get_default_ladder_xmlids(self):
        """XML ids of the shipped ladders copied into each new company."""
        return [
            "account_relance_fr.ladder_standard",
            "account_relance_fr.ladder_risky",
            "account_relance_fr.ladder_key_account",
        ]

    def _relance_install_default_ladders(self):
        """Give each company without a ladder a copy of the shipped ladders,
        their names in every installed language (``copy`` carries the
        translations of the fields it is not given)."""
        shipped = self.env["account.relance.ladder"]
        for xmlid in self._relance_get_default_ladder_xmlids():
            shipped |= self.env.ref(xmlid, raise_if_not_found=False) or shipped.browse()
        shipped = shipped.sudo().with_context(active_test=False)
        for company in self:
            has_ladder = shipped.search_count([("company_id", "=", company.id)])
            if has_ladder or not shipped:
                continue
            for ladder in shipped:
                ladder.copy(
                    {
                        "company_id": company.id,
                        "is_default": ladder.is_default,
                        "active": True,
                    }
                )

    # ------------------------------------------------------------------
    # LATE-PAYMENT PENALTIES (L441-10 and D441-5 C. com.)
    # ------------------------------------------------------------------

    relance_penalty_mode = fields.Selection(
        [
            ("ecb", "ECB Rate + 10 Points"),
            ("contract", "Contractual Rate"),
        ],
        string="Penalty Rate",
        default="ecb",
        required=True,
        help="The legal default is the ECB main refinancing rate in force on the "
        "first day of the half-year plus 10 points. A contractual rate (stated in "
        "your terms and conditions) may not be below three times the taux légal.",
    )
    relance_penalty_contract_rate = fields.Float(
        string="Contractual Penalty Rate (%)", digits=(5, 2)
    )
    relance_indemnity_enabled = fields.Boolean(
        string="40 € Recovery Indemnity",
        default=True,
        help="Claim the flat indemnity for recovery costs (D441-5 C. com.) per "
        "invoice not paid by its due date, from professional and public customers "
        "only.",
    )
    relance_penalty_period_rule = fields.Selection(
        [
            ("split", "Split the Days per Half-Year"),
            ("start", "One Rate for the Whole Delay"),
        ],
        string="Half-Year Rule",
        default="split",
        required=True,
        help="Delay spanning 1 January or 1 July: each part at the rate of its own "
        "half-year, or the whole delay at the rate of the half-year in which it "
        "began. The law does not settle it; the method is printed with the "
        "amounts. Public buyers always use the rate of the half-year in which "
        "interest started.",
    )
    relance_penalty_base = fields.Selection(
        [("total", "Tax Included"), ("untaxed", "Tax Excluded")],
        string="Penalty Base",
        default="total",
        required=True,
    )
    relance_formal_notice_days = fields.Integer(
        string="Formal Notice Deadline (Days)",
        default=8,
        help="Days given to pay in a mise en demeure: 8 to 30, usually 8 to 15.",
    )
    relance_penalty_product_id = fields.Many2one(
        "product.product",
        string="Penalty Product",
        help="Product of the penalty invoice lines. Empty: the one shipped.",
    )
    relance_penalty_account_id = fields.Many2one(
        "account.account",
        string="Penalty Income Account",
        check_company=True,
        help="Empty: 7631 of the French chart when present, else the product's "
        "income account.",
    )

    @api.constrains("relance_penalty_mode", "relance_penalty_contract_rate")
    def _check_relance_penalty_contract_rate(self):
        """A contractual rate below 3 × the taux légal is refused (L441-10 II)."""
        table = self.env["account.relance.rate"]._get_table()
        for company in self.filtered(
            lambda company: company.relance_penalty_mode == "contract"
        ):
            if company.relance_penalty_contract_rate <= 0:
                raise ValidationError(self.env._("Enter the contractual penalty rate."))
            # the half-year of the company's day (Paris), not the server's
            today = company._get_relance_today()
            key = (today.year, 1 if today.month <= 6 else 2)
            row, known = table.get(*key)
            if not row:
                continue
            floor = 3.0 * row["legal_rate_other"]
            if company.relance_penalty_contract_rate < floor:
                raise ValidationError(
                    self.env._(
                        "A contractual penalty rate of %(rate).2f %% is below the "
                        "legal floor of %(floor).2f %% for %(half_year)s: three "
                        "times the taux légal (%(legal).2f %%), article L441-10 of "
                        "the French Commercial Code. Enter at least %(floor).2f %% "
                        "or use the ECB rate + 10 points.%(provisional)s",
                        rate=company.relance_penalty_contract_rate,
                        floor=floor,
                        legal=row["legal_rate_other"],
                        half_year=half_year_label(*key),
                        provisional=""
                        if known
                        else self.env._(
                            " (The rates of %(half_year)s are not in the table "
                            "yet: the last known taux légal was used.)",
                            half_year=half_year_label(*key),
                        ),
                    )
                )

    @api.constrains("relance_formal_notice_days")
    def _check_relance_formal_notice_days(self):
        """The deadline of a mise en demeure: 8 to 30 days.

        Practice gives 8 to 15 days, up to 30 (domain reference §5): a shorter
        one may not be the "délai raisonnable" of C. civ. 1231, a longer one
        delays the procedure it announces.
        """
        for company in self:
            days = company.relance_formal_notice_days
            if not FORMAL_NOTICE_MIN_DAYS <= days <= FORMAL_NOTICE_MAX_DAYS:
                raise ValidationError(
                    self.env._(
                        "The deadline of a formal notice must be between %(min)s and "
                        "%(max)s days (%(days)s entered for %(company)s); 8 to 15 "
                        "days is the usual practice.",
                        min=FORMAL_NOTICE_MIN_DAYS,
                        max=FORMAL_NOTICE_MAX_DAYS,
                        days=days,
                        company=company.name,
                    )
                )

    def _get_relance_rate_lookup(self, regime, table=None):
        """``(year, half) -> RateInfo`` of the penalty rate for a regime.

        :param regime: ``b2b`` (L441-10: ECB + 10 or the contractual rate, never
            below 3 × taux légal), ``public`` (ECB + 8, R2192-31 CCP) or
            ``consumer`` (taux légal "autres cas": the creditor is a company)
        :param table: a RateTable, read when not given
        """
        self.ensure_one()
        table = table or self.env["account.relance.rate"]._get_table()
        fmt = self.env["account.relance.penalty"]._format_rate
        if regime == "public":
            return table.lookup(
                lambda row: row["ecb_rate"] + 8.0,
                lambda row: self.env._(
                    "ECB rate %(ecb)s + 8 points", ecb=fmt(row["ecb_rate"])
                ),
            )
        if regime == "consumer":
            return table.lookup(
                lambda row: row["legal_rate_other"],
                lambda row: self.env._("legal interest rate"),
            )
        if self.relance_penalty_mode == "contract":
            contract = self.relance_penalty_contract_rate

            def note(row):
                if contract < 3.0 * row["legal_rate_other"]:
                    return self.env._(
                        "legal floor, 3 × legal interest rate %(legal)s",
                        legal=fmt(row["legal_rate_other"]),
                    )
                return self.env._("contractual rate")

            return table.lookup(
                lambda row: max(contract, 3.0 * row["legal_rate_other"]), note
            )
        return table.lookup(
            lambda row: row["ecb_rate"] + 10.0,
            lambda row: self.env._(
                "ECB rate %(ecb)s + 10 points", ecb=fmt(row["ecb_rate"])
            ),
        )

    def _get_relance_penalty_product(self):
        self.ensure_one()
        return self.relance_penalty_product_id or self.env.ref(
            "account_relance_fr.product_relance_penalty", raise_if_not_found=False
        )

    def _get_relance_penalty_account(self):
        """Income account of penalties: the setting, 7631 of the French chart, or
        the product's."""
        self.ensure_one()
        if self.relance_penalty_account_id:
            return self.relance_penalty_account_id
        account = (
            self.env["account.chart.template"]
            .with_company(self)
            .ref("pcg_7631", raise_if_not_found=False)
        )
        if account:
            return account
        product = self._get_relance_penalty_product()
        if product:
            return product.with_company(self).product_tmpl_id._get_product_accounts()[
                "income"
            ]
        return self.env["account.account"]

    def _get_relance_formal_notice_issues(self):
        """What the company must fill before a mise en demeure can go out."""
        self.ensure_one()
        missing = []
        if not self.company_registry and not getattr(self, "siret", False):
            missing.append(self.env._("the SIREN (company registry)"))
        if not self.street:
            missing.append(self.env._("the street"))
        if not self.zip:
            missing.append(self.env._("the ZIP code"))
        if not self.city:
            missing.append(self.env._("the city"))
        return missing

    def _get_relance_siren_text(self):
        """The company's SIREN as printed on French documents ("813 742 590"),
        or '' when the company has none; see ``tools.fr_siren``."""
        self.ensure_one()
        return fr_siren(self._get_relance_siren())

    def _get_relance_legal_lines(self):
        """The company's legal mentions, in the current language: what every
        letter, PDF and email a customer receives prints under its name (Code
        de commerce R123-237: legal form and capital, SIREN and RCS city; the
        VAT number, CGI art. 242 nonies A).

        :return: list of str, each one line, only the facts that are known,
            e.g. ["SAS au capital de 10 000 €", "SIREN 813 742 590 - RCS Lyon",
            "TVA FR12813742590"]
        """
        self.ensure_one()
        lines = []
        form = (self.relance_legal_form or "").strip()
        if self.relance_share_capital:
            # "10 000 €": no cents for a round capital
            number = formatLang(
                self.env,
                self.relance_share_capital,
                digits=0 if self.relance_share_capital.is_integer() else 2,
            )
            symbol = self.currency_id.symbol or self.currency_id.name
            capital = (
                f"{symbol}\N{NO-BREAK SPACE}{number}"
                if self.currency_id.position == "before"
                else f"{number}\N{NO-BREAK SPACE}{symbol}"
            )
            if form:
                lines.append(
                    self.env._(
                        "%(form)s with a share capital of %(capital)s",
                        form=form,
                        capital=capital,
                    )
                )
            else:
                lines.append(self.env._("Share capital %(capital)s", capital=capital))
        elif form:
            lines.append(form)
        siren = self._get_relance_siren_text()
        rcs = (self.relance_rcs_city or "").strip()
        if siren and rcs:
            lines.append(
                self.env._("SIREN %(siren)s - RCS %(city)s", siren=siren, city=rcs)
            )
        elif siren:
            lines.append(self.env._("SIREN %(siren)s", siren=siren))
        elif rcs:
            lines.append(self.env._("RCS %(city)s", city=rcs))
        if self.vat:
            lines.append(self.env._("VAT %(vat)s", vat=self.vat))
        return lines

    def _get_relance_siren(self):
        """SIREN of the company: the registry number or the first 9 digits of the
        SIRET."""
        self.ensure_one()
        registry = (self.company_registry or getattr(self, "siret", "") or "").replace(
            " ", ""
        )
        return registry[:9] if registry.isdigit() and len(registry) == 14 else registry

    # ------------------------------------------------------------------
    # AMOUNT CLAIMED (account.relance.balance)
    # ------------------------------------------------------------------

    relance_tolerance = fields.Monetary(
        string="Remainder Tolerance",
        currency_field="currency_id",
        default=5.0,
        help="A remaining amount at or below this, left after a payment, counts as "
        "settled: it is neither reminded nor charged penalties or the 40 € "
        "indemnity after that payment. A customer whose net amount to claim is at "
        "or below it gets no reminder.",
    )
    relance_credit_to_confirm = fields.Boolean(
        string="Confirm Reminders Netted with Credits",
        help="A reminder whose amount is reduced by the customer's unapplied "
        "credits (credit notes, payments, bank transfers) waits for approval in "
        "the follow-up screen instead of going out.",
    )

    @api.constrains("relance_tolerance")
    def _check_relance_tolerance(self):
        if any(company.relance_tolerance < 0 for company in self):
            raise ValidationError(
                self.env._("The remainder tolerance cannot be negative.")
            )

    # ------------------------------------------------------------------
    # CUSTOMER PAGE
    # ------------------------------------------------------------------

    relance_portal_paid_days = fields.Integer(
        string="Pause After 'Already Paid'",
        default=10,
        help="Days the reminders of a customer pause when the customer says on "
        "the customer page that the payment was made, the time to find it.",
    )
    relance_portal_promise_max_days = fields.Integer(
        string="Promise at Most",
        default=30,
        help="How many days ahead a customer may promise to pay from the "
        "customer page.",
    )
    relance_portal_answer_limit = fields.Integer(
        string="Answers per Hour",
        default=10,
        help="Most answers a customer may send from the customer page in one hour.",
    )

    @api.constrains(
        "relance_portal_paid_days",
        "relance_portal_promise_max_days",
        "relance_portal_answer_limit",
    )
    def _check_relance_portal_settings(self):
        for company in self:
            if (
                company.relance_portal_paid_days < 0
                or company.relance_portal_promise_max_days < 1
                or company.relance_portal_answer_limit < 1
            ):
                raise ValidationError(
                    self.env._(
                        "Customer page settings: the pause cannot be negative, the "
                        "promise horizon and the answers per hour must be at least 1."
                    )
                )

    # ------------------------------------------------------------------
    # PAYER RATING (account.relance.payer.rating)
    # ------------------------------------------------------------------

    relance_rating_good_days = fields.Integer(
        string="Good Payer: Average Delay Up To (Days)",
        default=7,
        help="A customer paying on average this many days late or less over the "
        "last 12 months, with no broken promise, is a good payer.",
    )
    relance_rating_bad_days = fields.Integer(
        string="Bad Payer: Average Delay Over (Days)",
        default=30,
        help="A customer paying on average more days late than this over the "
        "last 12 months is a bad payer.",
    )
    relance_rating_bad_promises = fields.Integer(
        string="Bad Payer: Broken Promises From",
        default=2,
        help="A customer who broke this many promises to pay in the last 12 "
        "months is a bad payer.",
    )
    relance_rating_auto_profile = fields.Boolean(
        string="Move Payer Profiles Automatically",
        default=True,
        help="Every day, a bad payer becomes a risky payer (and gets the ladder "
        "of risky payers); a risky payer who pays better becomes standard again. "
        "Pinned profiles and key accounts are never moved.",
    )

    @api.constrains(
        "relance_rating_good_days",
        "relance_rating_bad_days",
        "relance_rating_bad_promises",
    )
    def _check_relance_rating_thresholds(self):
        for company in self:
            if not (
                0 <= company.relance_rating_good_days < company.relance_rating_bad_days
            ):
                raise ValidationError(
                    self.env._(
                        "The average delay of a good payer must be zero or more and "
                        "below that of a bad payer."
                    )
                )
            if company.relance_rating_bad_promises < 1:
                raise ValidationError(
                    self.env._(
                        "A bad payer has broken at least one promise: enter 1 or "
                        "more."
                    )
                )

    # ------------------------------------------------------------------
    # PAYMENT PLANS
    # ------------------------------------------------------------------

    relance_plan_grace_days = fields.Integer(
        string="Plan Grace Days",
        default=5,
        help="Days after an instalment date before an unpaid plan is broken.",
    )
    relance_plan_days_before = fields.Integer(
        string="Instalment Notice Days",
        default=3,
        help="Days before an instalment when the customer is reminded of it.",
    )
    relance_plan_days_after = fields.Integer(
        string="Instalment Reminder Days",
        default=1,
        help="Days after an unpaid instalment when the customer is reminded.",
    )
    relance_plan_allow_long_consumer = fields.Boolean(
        string="Allow Consumer Plans Beyond 3 Months",
        help="A free plan granted to a consumer for more than 3 months may fall "
        "under the consumer-credit rules (Code de la consommation, L312-4 5°). "
        "When allowed, such plans only show a warning.",
    )

    @api.constrains(
        "relance_plan_grace_days", "relance_plan_days_before", "relance_plan_days_after"
    )
    def _check_relance_plan_days(self):
        for company in self:
            if (
                company.relance_plan_grace_days < 0
                or company.relance_plan_days_before < 0
                or company.relance_plan_days_after < 1
            ):
                raise ValidationError(
                    self.env._(
                        "Payment plans: the grace days and the notice days must be "
                        "zero or more, the reminder at least 1 day after the "
                        "instalment."
                    )
                )
