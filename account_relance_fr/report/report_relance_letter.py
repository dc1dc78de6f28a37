from babel.dates import format_date

from odoo import api, models

from ..tools import fr_date


class ReportRelanceLetter(models.AbstractModel):
    """Values of the printed reminder letter, one letter per customer.

    Same sheet as the mise en demeure and the relevé de compte (paper format
    ``paperformat_relance_letter``, recipient in the window of a French DL
    envelope, inline styles only): what the daily job prints without any
    HTTP access reads like what a button prints.
    """

    _name = "report.account_relance_fr.report_relance_letter"
    _description = "Reminder Letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "place_date": self._get_place_date,
            "long_date": self._get_long_date,
            **self.env[
                "report.account_relance_fr.report_relance_formal_notice"
            ]._get_print_layout_values("account_relance_fr.report_relance_letter"),
        }

    @api.model
    def _get_long_date(self, day, lang):
        """``day`` written out in ``lang``, as in the date line of a letter.

        :param day: a date
        :param lang: language code of the document, e.g. ``"fr_FR"``
        :return: e.g. "29 novembre 2026" (the place line adds "le") or
            "November 29, 2026"
        """
        if (lang or "").startswith("fr"):
            return fr_date(day)
        return format_date(day, "long", locale=lang or "en_US")

    @api.model
    def _get_place_date(self, company, lang):
        """Place and date of a letter, as written in ``lang``.

        :param company: the sending res.company (its city and its today)
        :param lang: language code of the letter, e.g. ``"fr_FR"``
        :return: e.g. "Lyon, le 29 novembre 2026" or "Lyon, November 29, 2026"
        """
        day = self._get_long_date(company._get_relance_today(), lang)
        reader = self.with_context(lang=lang)
        if not company.city:
            return day
        return reader.env._("%(city)s, %(date)s", city=company.city, date=day)
