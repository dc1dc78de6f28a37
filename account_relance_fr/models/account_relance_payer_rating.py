from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, models
from odoo.tools import SQL, formatLang

RATING_ORDER = {"good": 0, "average": 1, "bad": 2}
# Payer profiles the rating may change; a key account is a commercial choice.
AUTO_PROFILES = ("standard", "risky")


class AccountRelancePayerRating(models.AbstractModel):
    """Daily payer rating of the customers and the profile moves it causes.

    A customer is rated in each company from its last 12 months: the average
    days late of its invoices settled in that time (on-time ones count zero)
    and its broken promises to pay. Thresholds are company settings. The
    customer's rating is its worst rating in any company. A bad payer whose
    profile is "Standard" becomes "Risky Payer", so the ladder rules give it
    the ladder of risky payers; an average or good payer goes back from "Risky
    Payer" to "Standard". Pinned profiles, key accounts and customers without
    any figure in 12 months are never moved; companies can turn the moves off.
    """

    _name = "account.relance.payer.rating"
    _description = "Payer Rating"

    @api.model
    def _cron_rate_payers(self):
        """Daily job: rate every customer and move the profiles that changed.

        :return: the customers whose payer profile changed
        """
        return self._rate_payers()

    @api.model
    def _rate_payers(self, partners=None):
        """Rate customers and move their payer profile, set-based.

        :param partners: commercial partners to rate; every customer when None
        :return: the customers whose payer profile changed
        """
        companies = self.env["res.company"].sudo().search([])
        rating = self.sudo().with_context(allowed_company_ids=companies.ids)
        today = self.env.company._get_relance_today()
        stats = rating._get_payer_stats(companies, today, partners)
        ratings = rating._rate_partners(stats)
        rating._store_ratings(ratings, today, partners)
        return rating._move_profiles(ratings, today)

    @api.model
    def _get_payer_stats(self, companies, today, partners=None):
        """Figures of the last 12 months per customer and company.

        :return: ``{(partner, company): [days_late_sum, settled_count,
            broken_promises]}``; days late are whole days, on-time invoices
            count zero
        """
        since = today - relativedelta(months=12)
        stats = defaultdict(lambda: [0.0, 0, 0])
        rows = self._get_settled_stats(since + relativedelta(days=1), today, partners)
        # one recordset, so that reading the customers prefetches them together
        customers = {
            partner.id: partner
            for partner in self.env["res.partner"].browse({row[0] for row in rows})
        }
        for partner_id, company_id, days, count in rows:
            company = companies.browse(company_id)
            stats[customers[partner_id], company][:2] = [days or 0.0, count]
        move_domain = (
            [("commercial_partner_id", "in", partners.ids)]
            if partners is not None
            else []
        )
        broken = self.env["account.move"]._read_group(
            move_domain
            + [
                ("company_id", "in", companies.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("relance_promise_broken", "=", True),
                ("relance_promise_date", ">", since),
                ("relance_promise_date", "<=", today),
            ],
            ["commercial_partner_id", "company_id"],
            ["__count"],
        )
        for partner, company, count in broken:
            stats[partner, company][2] = count
        return stats

    @api.model
    def _get_settled_stats(self, start, end, partners=None):
        """Invoices settled from ``start`` to ``end`` per customer and company.

        :return: rows ``(partner id, company id, days late summed, count)``;
            an invoice paid on time counts zero days
        """
        Mixin = self.env["account.relance.analysis.mixin"]
        scope = (
            SQL("AND rl.partner_id = ANY(%s)", partners.ids)
            if partners is not None
            else SQL()
        )
        return self.env.execute_query(
            SQL(
                """
                SELECT rl.partner_id, rl.company_id,
                       SUM(GREATEST(settled.settled_date - rl.date_maturity, 0)),
                       COUNT(*)
                  FROM (%s) AS settled
                  JOIN (%s) AS rl ON rl.line_id = settled.line_id
                 WHERE rl.reconciled AND rl.move_type = 'out_invoice' %s
              GROUP BY rl.partner_id, rl.company_id
                """,
                Mixin._analysis_settlements(start, end),
                Mixin._analysis_lines(),
                scope,
            )
        )

    @api.model
    def _rate(self, company, days_late, count, broken):
        """Rating in ``company`` of ``count`` settled invoices, ``days_late`` on
        average, and ``broken`` broken promises; False without any figure."""
        if broken >= company.relance_rating_bad_promises or (
            count and days_late > company.relance_rating_bad_days
        ):
            return "bad"
        if count and days_late <= company.relance_rating_good_days and not broken:
            return "good"
        return "average" if count or broken else False

    @api.model
    def _rate_partners(self, stats):
        """Combine the figures of each customer over its companies.

        :return: ``{partner: {"rating", "auto_rating", "days_late", "count",
            "broken", "companies"}}``: ``rating`` is the worst of the companies,
            ``auto_rating`` the worst of those that move profiles automatically
        """
        result = {}
        for (partner, company), (days_sum, count, broken) in stats.items():
            rated = self._rate(
                company, days_sum / count if count else 0.0, count, broken
            )
            data = result.setdefault(
                partner,
                {
                    "rating": False,
                    "auto_rating": False,
                    "days_sum": 0.0,
                    "count": 0,
                    "broken": 0,
                    "companies": company.browse(),
                },
            )
            data["days_sum"] += days_sum
            data["count"] += count
            data["broken"] += broken
            data["companies"] |= company
            data["rating"] = self._worst(data["rating"], rated)
            if company.relance_rating_auto_profile:
                data["auto_rating"] = self._worst(data["auto_rating"], rated)
        for data in result.values():
            data["days_late"] = (
                round(data["days_sum"] / data["count"], 1) if data["count"] else 0.0
            )
        return result

    @api.model
    def _worst(self, first, second):
        if not first or not second:
            return first or second
        return max(first, second, key=RATING_ORDER.get)

    @api.model
    def _store_ratings(self, ratings, today, partners=None):
        """Write the ratings in two queries; clear those of unrated customers."""
        fnames = [
            "relance_payer_rating",
            "relance_rating_days_late",
            "relance_rating_paid_count",
            "relance_rating_broken_promises",
            "relance_rating_date",
        ]
        Partner = self.env["res.partner"]
        Partner.flush_model(fnames)
        if ratings:
            values = SQL(", ").join(
                SQL(
                    "(%s, %s, %s::float, %s::int, %s::int)",
                    partner.id,
                    data["rating"],
                    data["days_late"],
                    data["count"],
                    data["broken"],
                )
                for partner, data in ratings.items()
            )
            self.env.execute_query(
                SQL(
                    """
                    UPDATE res_partner AS partner
                       SET relance_payer_rating = rated.rating,
                           relance_rating_days_late = rated.days_late,
                           relance_rating_paid_count = rated.paid_count,
                           relance_rating_broken_promises = rated.broken,
                           relance_rating_date = %s
                      FROM (VALUES %s)
                           AS rated(id, rating, days_late, paid_count, broken)
                     WHERE partner.id = rated.id
                    """,
                    today,
                    values,
                )
            )
        scope = SQL("AND id = ANY(%s)", partners.ids) if partners is not None else SQL()
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner
                   SET relance_payer_rating = NULL,
                       relance_rating_days_late = 0,
                       relance_rating_paid_count = 0,
                       relance_rating_broken_promises = 0,
                       relance_rating_date = %s
                 WHERE relance_rating_date IS NOT NULL
                   AND NOT (id = ANY(%s))
                   %s
                """,
                today,
                [partner.id for partner in ratings],
                scope,
            )
        )
        Partner.invalidate_model(fnames)

    @api.model
    def _move_profiles(self, ratings, today):
        """Move the unpinned customers whose rating calls for another profile.

        :return: the customers moved
        """
        targets = {"risky": [], "standard": []}
        for partner, data in ratings.items():
            if partner.relance_payer_profile_pinned:
                continue
            new = self._get_target_profile(
                partner.relance_payer_profile, data["auto_rating"]
            )
            if new:
                targets[new].append(partner)
        moved = self.env["res.partner"]
        changes = []
        for profile, partners in targets.items():
            partners = moved.browse([partner.id for partner in partners])
            for partner in partners:
                changes.append((partner, partner.relance_payer_profile, profile))
            partners.with_context(mail_notrack=True).write(
                {"relance_payer_profile": profile}
            )
            moved |= partners
        if changes:
            self._log_changes(changes, ratings, today)
        return moved

    @api.model
    def _get_target_profile(self, profile, rating):
        """The profile a rating calls for, or False to keep ``profile``."""
        if profile not in AUTO_PROFILES or not rating:
            return False
        new = "risky" if rating == "bad" else "standard"
        return new if new != profile else False

    @api.model
    def _log_changes(self, changes, ratings, today):
        """One history line and one chatter note per customer moved.

        :param changes: ``[(partner, old_profile, new_profile), ...]``
        """
        ladders = {
            partner: self._get_ladder_names(partner, ratings[partner]["companies"])
            for partner, _old, _new in changes
        }
        self.env["account.relance.profile.change"].create(
            [
                {
                    "partner_id": partner.id,
                    "date": today,
                    "old_profile": old,
                    "new_profile": new,
                    "rating": ratings[partner]["rating"],
                    "days_late": ratings[partner]["days_late"],
                    "paid_count": ratings[partner]["count"],
                    "broken_promises": ratings[partner]["broken"],
                    "ladder_names": ladders[partner],
                }
                for partner, old, new in changes
            ]
        )
        by_lang = defaultdict(dict)
        for partner, old, new in changes:
            company = (
                partner.company_id
                or ratings[partner]["companies"][:1]
                or self.env.company
            )
            lang = company._get_relance_accountant().lang or "en_US"
            by_lang[lang][partner] = (old, new)
        for lang, partner_changes in by_lang.items():
            rating = self.with_context(lang=lang)
            partners = self.env["res.partner"].browse(
                [partner.id for partner in partner_changes]
            )
            partners._message_log_batch(
                bodies={
                    partner.id: rating._get_change_note(
                        old, new, ratings[partner], ladders[partner]
                    )
                    for partner, (old, new) in partner_changes.items()
                }
            )

    @api.model
    def _get_ladder_names(self, partner, companies):
        """Names of the ladders ``partner`` gets in ``companies``, comma-separated."""
        Ladder = self.env["account.relance.ladder"]
        names = []
        for company in companies:
            ladder = Ladder._get_ladders_for_partners(partner, company).get(partner)
            if ladder and ladder.name not in names:
                names.append(ladder.name)
        return ", ".join(names)

    @api.model
    def _get_change_note(self, old, new, data, ladders):
        """Chatter note of a profile change, in the language of the context."""
        Partner = self.env["res.partner"]
        profiles = dict(
            Partner._fields["relance_payer_profile"]._description_selection(self.env)
        )
        ratings = dict(
            Partner._fields["relance_payer_rating"]._description_selection(self.env)
        )
        return Markup("<p>%s</p>") % self.env._(
            "Payer profile changed from %(old)s to %(new)s by the daily rating "
            "(%(rating)s). Last 12 months: average days late: %(days)s; invoices "
            "settled: %(count)s; broken promises: %(broken)s. Reminder ladder: "
            "%(ladders)s.",
            old=profiles.get(old, old or ""),
            new=profiles.get(new, new),
            rating=ratings.get(data["rating"], ""),
            days=formatLang(self.env, data["days_late"], digits=1),
            count=data["count"],
            broken=data["broken"],
            ladders=ladders or "-",
        )
