from werkzeug.exceptions import NotFound

from odoo import models
from odoo.http import Response, request

# The customer page and its documents (controllers/portal.py, plan_portal.py)
RELANCE_PATH_PREFIX = "/relance/"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _handle_error(cls, exception):
        """A wrong, revoked or unknown link of the customer page gets a page
        of ours, not Odoo's website 404 ("Your logo", "YourCompany", English).

        It names no seller and no customer: a wrong token looks exactly like a
        customer that does not exist. It speaks the browser's language among
        the installed ones.

        :return: the 404 response, or Odoo's handling for anything else
        """
        if (
            isinstance(exception, NotFound)
            and request
            and request.httprequest.path.startswith(RELANCE_PATH_PREFIX)
        ):
            request.env.cr.rollback()
            lang = request.best_lang or "en_US"
            html = (
                request.env["ir.qweb"]
                .with_context(lang=lang)
                ._render(
                    "account_relance_fr.relance_portal_not_found",
                    {"html_lang": lang.replace("_", "-")},
                )
            )
            return Response(html, status=404, content_type="text/html;charset=utf-8")
        return super()._handle_error(exception)
