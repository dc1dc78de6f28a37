"""The payment plan page: the customer reads the plan and accepts it.

The page takes the plan id and its ``access_token``; a wrong or missing token
and an unknown id get the same 404. Accepting records the date, time and IP
address on the plan as evidence of the acknowledgment of debt.
"""

from werkzeug.exceptions import NotFound
from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request
from odoo.tools import consteq

ROUTE_OPTIONS = {
    "auth": "public",
    "website": True,
    "multilang": False,
    "sitemap": False,
}


class RelancePlanPortal(http.Controller):
    def _relance_get_plan(self, plan_id, access_token):
        """The plan, in the customer's language, or 404."""
        plan = request.env["account.relance.plan"].sudo().browse(plan_id).exists()
        if (
            not plan
            or not plan.access_token
            or not access_token
            or not consteq(plan.access_token, access_token)
            or plan.state == "draft"
        ):
            raise NotFound()
        lang = plan.partner_id._get_relance_lang(plan._get_contact())
        request.update_context(lang=lang)
        return plan.with_context(lang=lang).with_company(plan.company_id)

    def _relance_render_plan(self, plan, error=None, done=False):
        response = request.render(
            "account_relance_fr.relance_plan_portal_page",
            {
                "plan": plan,
                "company": plan.company_id,
                "access_token": plan.access_token,
                "error": error,
                "done": done,
            },
        )
        if error:
            response.status_code = 400
        return response

    @http.route(
        "/relance/plan/<int:plan_id>", type="http", methods=["GET"], **ROUTE_OPTIONS
    )
    def relance_plan_page(self, plan_id, access_token=None, **kwargs):
        """The plan: debt, schedule, clauses, and the "I accept" button."""
        plan = self._relance_get_plan(plan_id, access_token)
        return self._relance_render_plan(plan, done=bool(kwargs.get("done")))

    @http.route(
        "/relance/plan/<int:plan_id>/accept",
        type="http",
        methods=["POST"],
        **ROUTE_OPTIONS,
    )
    def relance_plan_accept(self, plan_id, access_token=None, **post):
        """Accept the plan (form with Odoo's CSRF token): records the name
        typed, the date, time and IP address."""
        plan = self._relance_get_plan(plan_id, access_token)
        try:
            plan._accept_from_portal(
                post.get("name", ""), request.httprequest.remote_addr
            )
        except ValidationError as error:
            return self._relance_render_plan(plan, error=error.args[0])
        query = url_encode({"access_token": access_token, "done": 1})
        return request.redirect(f"/relance/plan/{plan.id}?{query}")
