"""The customer page: what a customer reached from a reminder sees and does.

Every route takes the page (``account.relance.access``) id and its
``access_token``. A wrong, revoked or missing token and an unknown id get the
same 404; a page never shows another customer's or another company's data.
Payments go through Odoo's payment providers with account_payment's flow: one
``payment.transaction`` linked to the selected invoices (``invoice_ids``).
"""

import re
from datetime import timedelta

from werkzeug.exceptions import NotFound
from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.http import request
from odoo.tools import format_amount

from odoo.addons.account_payment.controllers.payment import PaymentPortal
from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.controllers.post_processing import PaymentPostProcessing

ROUTE_OPTIONS = {
    "auth": "public",
    "website": True,
    "multilang": False,
    "sitemap": False,
}
ANSWER_FIELDS = (
    "date",
    "amount",
    "reference",
    "reason",
    "note",
    "contact_name",
    "contact_email",
    "contact_phone",
)


class RelanceCustomerPortal(PaymentPortal):
    # ------------------------------------------------------------------
    # ACCESS
    # ------------------------------------------------------------------

    def _relance_get_access(self, access_id, access_token):
        """The page's access record, in the customer's language and company.

        :raise NotFound: unknown page or wrong token, alike
        """
        access = request.env["account.relance.access"].sudo().browse(access_id).exists()
        if not access or not access._check_token(access_token):
            raise NotFound()
        lang = access._get_lang()
        request.update_context(lang=lang)
        if request.future_response:
            # the payment status pages that follow speak the same language
            request.future_response.set_cookie("frontend_lang", lang)
        return access.with_context(lang=lang).with_company(access.company_id)

    def _relance_page_url(self, access, **params):
        query = url_encode({"access_token": access.access_token, **params})
        return f"/relance/{access.id}?{query}"

    # ------------------------------------------------------------------
    # PAGE
    # ------------------------------------------------------------------

    @http.route(
        "/relance/<int:access_id>", type="http", methods=["GET"], **ROUTE_OPTIONS
    )
    def relance_page(self, access_id, access_token=None, **kwargs):
        """The customer page: open invoices per currency, payment, answers."""
        access = self._relance_get_access(access_id, access_token)
        return self._relance_render_page(access, **kwargs)

    def _relance_render_page(
        self, access, error=None, answer_kind=None, values=None, **kwargs
    ):
        done = kwargs.get("done")
        transaction = request.env["payment.transaction"]
        if kwargs.get("paid"):
            # back from the payment: the transaction this browser just made
            tx_id = request.session.get(PaymentPostProcessing.MONITORED_TX_ID_KEY)
            transaction = (
                request.env["payment.transaction"]
                .sudo()
                .search(
                    [("id", "=", tx_id or 0), ("relance_access_id", "=", access.id)]
                )
            )
        groups = access._get_invoice_rows()
        company = access.company_id
        penalty_regime = request.env["account.relance.penalty"]._get_regime(
            access.partner_id
        )
        rows = [row for group in groups for row in group["rows"]]
        response = request.render(
            "account_relance_fr.relance_portal_page",
            {
                "show_penalty": penalty_regime != "consumer"
                and any(row["penalty"] for row in rows),
                "not_due": bool(rows) and all(not row["days_late"] for row in rows),
                "bank": company.partner_id.bank_ids[:1],
                "access": access,
                "partner": access.partner_id,
                "company": company,
                "groups": groups,
                "moves": access._get_open_moves(),
                "today": company._get_relance_today(),
                "access_token": access.access_token,
                "regime": penalty_regime,
                "error": error,
                "answer_kind": answer_kind,
                "values": values or {},
                "done": done,
                "tx": transaction,
                "reasons": request.env["account.relance.answer"]
                ._fields["reason"]
                ._description_selection(request.env),
                "promise_max": company._get_relance_today()
                + timedelta(days=company.relance_portal_promise_max_days),
            },
        )
        if error:
            response.status_code = 400
        return response

    # ------------------------------------------------------------------
    # DOCUMENTS
    # ------------------------------------------------------------------

    @http.route(
        "/relance/<int:access_id>/invoice/<int:move_id>",
        type="http",
        methods=["GET"],
        **ROUTE_OPTIONS,
    )
    def relance_invoice_pdf(self, access_id, move_id, access_token=None, **kwargs):
        """PDF of one open invoice of the page."""
        access = self._relance_get_access(access_id, access_token)
        move = access._get_selected_moves([move_id])
        if not move:
            raise NotFound()
        return self._show_report(
            model=move.with_context(lang=access._get_lang()),
            report_type="pdf",
            report_ref="account.account_invoices",
            download=True,
        )

    @http.route(
        "/relance/<int:access_id>/statement",
        type="http",
        methods=["GET"],
        **ROUTE_OPTIONS,
    )
    def relance_statement_pdf(self, access_id, access_token=None, **kwargs):
        """The relevé de compte of the customer with the page's company."""
        access = self._relance_get_access(access_id, access_token)
        partner = access.partner_id
        content, _type = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(access.company_id)
            .with_context(lang=access._get_lang())
            ._render_qweb_pdf(
                "account_relance_fr.report_relance_statement", partner.ids
            )
        )
        filename = request.env._(
            "Account statement %(customer)s.pdf", customer=partner.name
        )
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(content)),
                ("Content-Disposition", http.content_disposition(filename)),
            ],
        )

    # ------------------------------------------------------------------
    # PAYMENT
    # ------------------------------------------------------------------

    def _relance_check_payment(self, access, move_ids, amount=None):
        """The invoices to pay and the amount, checked.

        :param move_ids: the selected invoice ids (strings or ints)
        :param amount: the amount typed, empty for the whole balance
        :return: (moves, currency, amount)
        :raise ValidationError: a message for the customer
        """
        moves = access._get_selected_moves(move_ids)
        if not moves:
            raise ValidationError(request.env._("Select the invoices to pay."))
        currency = moves.currency_id
        if len(currency) > 1:
            raise ValidationError(
                request.env._("Pay the invoices of each currency separately.")
            )
        balance, payable = self._relance_payable(access, moves, currency)
        if currency.compare_amounts(payable, 0) <= 0:
            raise ValidationError(
                request.env._(
                    "Your credits with us already cover these invoices: there is "
                    "nothing to pay."
                )
            )
        if amount in (None, "", False):
            return moves, currency, payable
        try:
            # "1 130,00" as the page shows it (narrow no-break space in French)
            value = float(re.sub(r"\s", "", str(amount)).replace(",", "."))
        except ValueError:
            raise ValidationError(
                request.env._("The amount to pay is not a number.")
            ) from None
        value = currency.round(value)
        if currency.compare_amounts(value, 0) <= 0:
            raise ValidationError(
                request.env._("The amount to pay must be greater than zero.")
            )
        if currency.compare_amounts(value, balance) > 0:
            raise ValidationError(
                request.env._(
                    "The amount to pay cannot exceed the balance of the selected "
                    "invoices."
                )
            )
        if currency.compare_amounts(value, payable) > 0:
            raise ValidationError(
                request.env._(
                    "The amount to pay cannot exceed what you owe once your credits "
                    "are deducted: %(amount)s.",
                    amount=format_amount(
                        access.env, payable, currency, lang_code=access.env.lang
                    ),
                )
            )
        return moves, currency, value

    def _relance_payable(self, access, moves, currency):
        """What the selected invoices of one currency let the customer pay.

        :return: (balance of the selected invoices, the most the customer may
            pay: that balance, at most the net of the currency once the
            customer's credits are deducted), both in ``currency``
        """
        balance = currency.round(sum(moves.mapped("amount_residual")))
        return balance, min(balance, access._get_net_amount(currency))

    def _relance_payment_token(self, access, selection, amount):
        """Signs what the payment form may pay: page, invoices and amount."""
        return payment_utils.generate_access_token(
            access.id, access.access_token, selection, float(amount)
        )

    @http.route(
        "/relance/<int:access_id>/pay", type="http", methods=["GET"], **ROUTE_OPTIONS
    )
    def relance_pay(
        self, access_id, access_token=None, invoice_ids=None, amount=None, **kwargs
    ):
        """Payment form of the selected invoices (one currency), Odoo's providers."""
        access = self._relance_get_access(access_id, access_token)
        move_ids = request.httprequest.args.getlist("invoice_ids")
        try:
            moves, currency, amount = self._relance_check_payment(
                access, move_ids, amount
            )
        except ValidationError as error:
            return self._relance_render_page(
                access, error=error.args[0], answer_kind="pay"
            )
        partner = access.partner_id
        company = access.company_id
        availability_report = {}
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id,
                partner.id,
                amount,
                currency_id=currency.id,
                report=availability_report,
            )
        )
        payment_methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids,
                partner.id,
                currency_id=currency.id,
                report=availability_report,
            )
        )
        selection = "-".join(str(move_id) for move_id in sorted(moves.ids))
        balance, payable = self._relance_payable(access, moves, currency)
        values = {
            # the credits that make the proposed amount smaller than the balance
            "credit_deducted": currency.round(balance - payable)
            if not currency.compare_amounts(amount, payable)
            else 0.0,
            "access": access,
            "partner": partner,
            "company": company,
            "moves": moves,
            "access_token": access.access_token,
            # the payment form (payment.form)
            "amount": amount,
            "currency": currency,
            "partner_id": partner.id,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": payment_methods_sudo,
            # no saved card on a page opened from a link
            "tokens_sudo": request.env["payment.token"],
            "show_tokenize_input_mapping": dict.fromkeys(providers_sudo.ids, False),
            "availability_report": availability_report,
            "transaction_route": f"/relance/{access.id}/transaction/{selection}",
            "landing_route": self._relance_page_url(access, paid=1),
            "payment_access_token": self._relance_payment_token(
                access, selection, amount
            ),
            "reference_prefix": None,
        }
        return request.render("account_relance_fr.relance_portal_pay", values)

    @http.route(
        "/relance/<int:access_id>/transaction/<string:selection>",
        type="json",
        auth="public",
    )
    def relance_transaction(
        self, access_id, selection, access_token=None, amount=None, **kwargs
    ):
        """Create the transaction of the payment form; account_payment reconciles
        it with the invoices once confirmed.

        :return: the processing values of the transaction
        :raise ValidationError: forged token, invoices no longer payable, amount
            above the balance, provider of another company
        """
        access = request.env["account.relance.access"].sudo().browse(access_id).exists()
        try:
            amount = float(amount)
        except (TypeError, ValueError):
            amount = None
        if (
            not access
            or not access.access_token
            or amount is None
            or not payment_utils.check_access_token(
                access_token, access.id, access.access_token, selection, amount
            )
        ):
            raise ValidationError(request.env._("The access token is invalid."))
        lang = access._get_lang()
        request.update_context(lang=lang)
        access = access.with_context(lang=lang).with_company(access.company_id)
        moves, currency, amount = self._relance_check_payment(
            access, selection.split("-"), amount
        )
        if "-".join(str(move_id) for move_id in sorted(moves.ids)) != selection:
            raise ValidationError(
                request.env._(
                    "These invoices were paid or changed meanwhile: reload the page."
                )
            )
        provider = (
            request.env["payment.provider"]
            .sudo()
            .browse(int(kwargs.get("provider_id") or 0))
        )
        if (
            not provider.exists()
            or provider.company_id != access.company_id
            or provider.state == "disabled"
            or kwargs.get("flow") == "token"
            or kwargs.get("is_validation")
        ):
            raise ValidationError(
                request.env._("This payment method is not available.")
            )
        self._validate_transaction_kwargs(kwargs)
        kwargs.pop("is_validation", None)
        tx_sudo = self._create_transaction(
            amount=amount,
            currency_id=currency.id,
            partner_id=access.partner_id.id,
            custom_create_values={
                "invoice_ids": [Command.set(moves.ids)],
                "relance_access_id": access.id,
            },
            **kwargs,
        )
        return tx_sudo._get_processing_values()

    # ------------------------------------------------------------------
    # ANSWERS
    # ------------------------------------------------------------------

    @http.route(
        "/relance/<int:access_id>/answer/<string:kind>",
        type="http",
        methods=["POST"],
        **ROUTE_OPTIONS,
    )
    def relance_answer(self, access_id, kind, access_token=None, **post):
        """Record an answer of the customer (form with Odoo's CSRF token)."""
        access = self._relance_get_access(access_id, access_token)
        values = {name: post.get(name, "") for name in ANSWER_FIELDS}
        values["invoice_ids"] = request.httprequest.form.getlist("invoice_ids")
        try:
            request.env["account.relance.answer"]._create_from_portal(
                access, kind, values
            )
        except ValidationError as error:
            return self._relance_render_page(
                access, error=error.args[0], answer_kind=kind, values=values
            )
        return request.redirect(self._relance_page_url(access, done=kind) + "#answers")


class RelancePaymentStatus(PaymentPostProcessing):
    @http.route()
    def display_status(self, **kwargs):
        """Override of payment: a payment made from the customer page waits on
        a page of the seller's identity, in the customer's language."""
        transaction = self._get_monitored_transaction()
        access = transaction.sudo().relance_access_id if transaction else None
        if not access:
            return super().display_status(**kwargs)
        lang = access._get_lang()
        request.update_context(lang=lang)
        access = access.with_context(lang=lang)
        return request.render(
            "account_relance_fr.relance_portal_status",
            {"tx": transaction, "access": access, "company": access.company_id},
        )
