import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from freezegun import freeze_time
from lxml import html

from odoo import Command, fields
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import format_date, mute_logger

from .common import RelanceCommon

THANK_YOU = "Thank you for your payment"


@tagged("post_install", "-at_install")
class TestRelancePortal(RelanceCommon, HttpCase):
    """The customer page through its HTTP routes, as a browser without login."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.company._get_relance_today()
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", cls.base_url())
        cls._ensure_rates(cls.today)
        cls.company.write(
            {"street": "12 rue des Tanneurs", "zip": "69002", "city": "Lyon"}
        )
        cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR7630002006500000734159232",
                "partner_id": cls.company.partner_id.id,
                "company_id": cls.company.id,
            }
        )
        cls.customer.write({"ref": "C-0042"})
        # activities are written in the language of their assignee
        cls.accountant = cls.env["res.users"].create(
            {
                "name": "Nadia Compta",
                "login": "nadia.relance",
                "email": "nadia@atelier.example",
                "lang": "en_US",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set(cls.env.ref("account.group_account_invoice").ids)
                ],
            }
        )
        cls.company.relance_accountant_id = cls.accountant
        cls.old = cls._invoice(cls.customer, 1200.0, cls.today - timedelta(days=40))
        cls.recent = cls._invoice(cls.customer, 300.0, cls.today - timedelta(days=5))
        cls.not_due = cls._invoice(cls.customer, 80.0, cls.today + timedelta(days=10))
        cls.other = cls._invoice(cls.customer_2, 555.0, cls.today - timedelta(days=3))
        cls.company_b = cls.setup_other_company(name="Duval Export SAS")["company"]
        cls.foreign = (
            cls.env["account.move"]
            .with_company(cls.company_b)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.customer.id,
                    "invoice_date": cls.today - timedelta(days=38),
                    "invoice_date_due": cls.today - timedelta(days=8),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Export", "quantity": 1, "price_unit": 777.0}
                        )
                    ],
                }
            )
        )
        cls.foreign.action_post()
        cls.providers = cls.env["account.relance.demo"]._demo_setup_payment_providers(
            cls.company
        )
        cls.demo_provider = cls.providers.filtered(lambda p: p.code == "demo")
        cls.access = cls._access(cls.customer)
        cls.access_2 = cls._access(cls.customer_2)
        cls.access_b = cls._access(cls.customer, cls.company_b)

    @classmethod
    def _ensure_rates(cls, day):
        """Rates of every half-year up to ``day``, so that penalties are known."""
        Rate = cls.env["account.relance.rate"]
        for year in range(2023, day.year + 1):
            for half in ("1", "2"):
                if (year, half) > (day.year, "1" if day.month <= 6 else "2"):
                    continue
                if not Rate.search_count([("year", "=", year), ("half", "=", half)]):
                    Rate.create(
                        {
                            "year": year,
                            "half": half,
                            "ecb_rate": 2.15,
                            "legal_rate_individual": 6.67,
                            "legal_rate_other": 2.62,
                        }
                    )

    @classmethod
    def _access(cls, partner, company=None):
        company = company or cls.company
        return cls.env["account.relance.access"]._get_for(partner, company)[partner]

    def _path(self, access, suffix="", token=None, **params):
        token = access.access_token if token is None else token
        query = "&".join(
            [f"access_token={token}"]
            + [f"{key}={value}" for key, value in params.items()]
        )
        return f"/relance/{access.id}{suffix}?{query}"

    def _get(self, path, lang="en-US", **kwargs):
        return self.url_open(path, headers={"Accept-Language": lang}, **kwargs)

    def _text(self, response):
        tree = html.fromstring(response.content)
        for script in tree.xpath("//script"):
            script.drop_tree()
        return re.sub(r"\s+", " ", tree.text_content())

    def _csrf(self, access):
        page = self._get(self._path(access))
        return html.fromstring(page.content).xpath(
            "//input[@name='csrf_token']/@value"
        )[0]

    def _answer(self, access, kind, csrf=True, **values):
        data = {"access_token": access.access_token, **values}
        if csrf:
            data["csrf_token"] = self._csrf(access)
        return self.url_open(f"/relance/{access.id}/answer/{kind}", data=data)

    def _activate_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])

    # ------------------------------------------------------------------
    # The page
    # ------------------------------------------------------------------

    def test_page_lists_open_invoices_with_seller_identity(self):
        self.recent.action_relance_set_dispute("Livraison incomplète")
        response = self._get(self._path(self.access))
        self.assertEqual(response.status_code, 200)
        text = self._text(response)
        tree = html.fromstring(response.content)
        # the seller, never Odoo's placeholders
        seller = tree.xpath("//header[@id='relance_seller']")[0].text_content()
        self.assertIn(self.company.name, seller)
        self.assertIn("12 rue des Tanneurs", seller)
        self.assertIn("SIREN 552 100 554", text)
        self.assertIn("VAT FR44552100554", text)
        for placeholder in ("Your logo", "YourCompany", "My Company"):
            self.assertNotIn(placeholder, text)
        # the open invoices of this customer with this company only
        rows = tree.xpath("//table[hasclass('o_relance_invoices')]/tbody/tr")
        self.assertEqual(
            [row.get("id") for row in rows],
            [f"invoice-{move.id}" for move in self.old + self.recent + self.not_due],
        )
        for move in (self.other, self.foreign):
            self.assertNotIn(f"invoice-{move.id}", response.text)
            self.assertNotIn(f"/invoice/{move.id}?", response.text)
        old_row = self._text_of(rows[0])
        self.assertIn("40", old_row)  # days late
        self.assertIn("1,200.00", old_row)
        # penalties to date and the 40 € indemnity of a business customer
        penalty = self.env["account.relance.penalty"]._compute_moves(self.old)[self.old]
        self.assertFalse(penalty.missing)
        expected = penalty.interest_unbilled + 40.0
        self.assertIn(f"{expected:,.2f}", old_row)
        self.assertIn("40 €", text)
        # the disputed invoice is marked and not selected for payment
        self.assertIn("Disputed", self._text_of(rows[1]))
        self.assertFalse(rows[1].xpath(".//input[@name='invoice_ids']/@checked"))
        self.assertTrue(rows[0].xpath(".//input[@name='invoice_ids']/@checked"))
        self.assertIn("Not due", self._text_of(rows[2]))
        # the total of the currency
        total = tree.xpath("//td[hasclass('o_relance_total')]")[0].text_content()
        self.assertIn("1,580.00", total)
        self.assertIn("FR76 3000 2006 5000 0073 4159 232", text)

    def _text_of(self, element):
        return re.sub(r"\s+", " ", element.text_content())

    def test_totals_per_currency(self):
        usd = self.setup_other_currency("USD")
        self._invoice(
            self.customer, 250.0, self.today - timedelta(days=2), currency_id=usd.id
        )
        tree = html.fromstring(self._get(self._path(self.access)).content)
        forms = tree.xpath("//form[hasclass('o_relance_currency')]")
        self.assertEqual([form.get("data-currency") for form in forms], ["EUR", "USD"])
        totals = [
            form.xpath(".//td[hasclass('o_relance_total')]")[0].text_content()
            for form in forms
        ]
        self.assertIn("1,580.00", totals[0])
        self.assertIn("250.00", totals[1])

    def test_consumer_sees_no_penalty(self):
        self._create_individual_and_public_body()
        self._invoice(self.individual, 500.0, self.today - timedelta(days=60))
        access = self._access(self.individual)
        text = self._text(self._get(self._path(access)))
        self.assertIn("500.00", text)
        self.assertNotIn("Penalties and indemnity", text)
        self.assertNotIn("40 €", text)

    def test_penalty_notice_of_each_regime(self):
        """A business customer reads the Commercial Code, a public buyer the
        Public Procurement Code; both for invoices not paid by their due date."""
        self._create_individual_and_public_body()
        self._invoice(self.public_body, 500.0, self.today - timedelta(days=60))
        self._activate_french()
        self.customer.lang = "fr_FR"
        self.public_body.lang = "fr_FR"
        business = self._text(self._get(self._path(self.access)))
        public = self._text(self._get(self._path(self._access(self.public_body))))
        self.assertIn(
            "40 € par facture non réglée à son échéance sont dues de plein droit "
            "(articles L441-10 et D441-5 du Code de commerce)",
            business,
        )
        self.assertIn(
            "Les intérêts moratoires et l'indemnité forfaitaire de 40 € par facture "
            "non réglée à son échéance sont dus de plein droit (articles L2192-13 et "
            "D2192-35 du Code de la commande publique)",
            public,
        )
        self.assertNotIn("L441-10", public)
        self.assertNotIn("payée en retard", business + public)

    def test_penalties_never_provisional(self):
        """A half-year without its rates: no figure, the page says nothing false."""
        with freeze_time(f"{self.today.year + 3}-09-15"):
            rows = self.access._get_invoice_rows()[0]["rows"]
        old = next(row for row in rows if row["move"] == self.old)
        self.assertIsNone(old["penalty"])
        self.assertTrue(old["penalty_missing"])

    def test_page_in_the_customer_language(self):
        self._activate_french()
        self.customer.lang = "fr_FR"
        french = self._text(self._get(self._path(self.access), lang="en-US"))
        self.assertIn("Votre compte client", french)
        self.assertIn("Tout régler", french)
        self.assertIn("J'ai déjà payé", french)
        self.assertIn("Contester une facture", french)
        self.assertIn("1 200,00", french)
        self.assertNotIn("Pay all", french)
        self.customer_2.lang = "en_US"
        english = self._text(self._get(self._path(self.access_2), lang="fr-FR"))
        self.assertIn("Your customer account", english)
        self.assertIn("Pay all", english)
        self.assertNotIn("Tout régler", english)

    # ------------------------------------------------------------------
    # Security
    # ------------------------------------------------------------------

    @mute_logger("odoo.http")
    def test_wrong_link_page(self):
        """A wrong link gets a page of ours in the browser's language: no
        seller, no customer, none of Odoo's website placeholders."""
        self._activate_french()
        forged = "0" * 36
        for lang, expected in (
            ("en-US", "This link is not valid"),
            ("fr-FR", "Ce lien n'est pas valable"),
        ):
            response = self._get(self._path(self.access, token=forged), lang=lang)
            self.assertEqual(response.status_code, 404)
            text = self._text(response)
            self.assertIn(expected, text)
            for leak in ("Your logo", "YourCompany", self.company.name):
                self.assertNotIn(leak, text)
            tree = html.fromstring(response.content)
            self.assertEqual(tree.get("lang"), lang)
        page = self._get(self._path(self.access), lang="en-US")
        self.assertEqual(html.fromstring(page.content).get("lang"), "en-US")

    def test_every_route_refuses_a_wrong_token(self):
        """Forged, missing, revoked, another customer's or company's token: 404."""
        routes = [
            ("", {}),
            ("/pay", {"invoice_ids": self.old.id}),
            (f"/invoice/{self.old.id}", {}),
            ("/statement", {}),
        ]
        forged = "0" * 36
        for suffix, params in routes:
            ok = self._get(self._path(self.access, suffix, **params))
            self.assertEqual(ok.status_code, 200, suffix)
            for token in (
                forged,
                "",
                self.access_2.access_token,
                self.access_b.access_token,
            ):
                response = self._get(
                    self._path(self.access, suffix, token=token, **params)
                )
                self.assertEqual(response.status_code, 404, (suffix, token))
                self.assertNotIn(self.customer.name, response.text)
            # an unknown page looks the same as a wrong token
            unknown = self._get(f"/relance/999999{suffix}?access_token={forged}")
            self.assertEqual(unknown.status_code, 404)
            self.assertEqual(self._text(unknown), self._text(response))
        # a valid page never opens another customer's or company's invoice
        for move in (self.other, self.foreign):
            response = self._get(self._path(self.access, f"/invoice/{move.id}"))
            self.assertEqual(response.status_code, 404)
        # the answers too
        response = self.url_open(
            f"/relance/{self.access.id}/answer/receipt",
            data={"access_token": forged, "csrf_token": self._csrf(self.access)},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.env["account.relance.answer"].search([]))
        # revoked from the customer form: the old link dies, a new one works
        old_path = self._path(self.access)
        self.customer.action_relance_revoke_portal_access()
        self.assertEqual(self._get(old_path).status_code, 404)
        new_url = self.customer._get_relance_portal_url(self.company)
        self.assertNotIn(urlsplit(old_path).query, new_url)
        self.assertEqual(self._get(new_url).status_code, 200)
        self.assertIn("revoked", self.customer.message_ids[:1].body)

    def test_documents_are_the_customer_own(self):
        pdf = self._get(self._path(self.access, f"/invoice/{self.old.id}"))
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        statement = self._get(self._path(self.access, "/statement"))
        self.assertEqual(statement.status_code, 200)
        self.assertEqual(statement.headers["Content-Type"], "application/pdf")
        self.assertIn("Account%20statement", statement.headers["Content-Disposition"])

    @mute_logger("odoo.http")
    def test_answer_needs_the_csrf_token(self):
        response = self._answer(self.access, "receipt", csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["account.relance.answer"].search([]))
        response = self._answer(self.access, "receipt")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self.env["account.relance.answer"].search([])), 1)

    # ------------------------------------------------------------------
    # Payment
    # ------------------------------------------------------------------

    def _pay_page(self, access, moves, amount=None):
        params = "&".join(f"invoice_ids={move.id}" for move in moves)
        if amount is not None:
            params += f"&amount={amount}"
        return self._get(self._path(access, "/pay") + "&" + params)

    def _pay(self, access, moves, amount=None, transfer=False):
        """What the browser does: payment form, transaction, demo card (or wire
        transfer), status."""
        page = self._pay_page(access, moves, amount)
        self.assertEqual(page.status_code, 200, self._text(page)[:500])
        form = html.fromstring(page.content).xpath("//form[@id='o_payment_form']")[0]
        if transfer:
            provider = self.providers.filtered(lambda p: p.code == "custom")
            method = self.env.ref("payment_custom.payment_method_wire_transfer")
        else:
            provider = self.demo_provider
            method = self.env.ref("payment_demo.payment_method_demo")
        values = self.make_jsonrpc_request(
            form.get("data-transaction-route"),
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "token_id": None,
                "amount": float(form.get("data-amount")),
                "flow": "redirect" if transfer else "direct",
                "tokenization_requested": False,
                "landing_route": form.get("data-landing-route"),
                "is_validation": False,
                "access_token": form.get("data-access-token"),
            },
        )
        if transfer:
            self.url_open(
                "/payment/custom/process", data={"reference": values["reference"]}
            )
        else:
            self.make_jsonrpc_request(
                "/payment/demo/simulate_payment",
                {
                    "reference": values["reference"],
                    "payment_details": "4242",
                    "simulated_state": "done",
                },
            )
        result = self.make_jsonrpc_request("/payment/status/poll", {})
        self.assertEqual(result["state"], "pending" if transfer else "done")
        self.env.invalidate_all()
        return self.env["payment.transaction"].search(
            [("reference", "=", values["reference"])]
        ), result["landing_route"]

    def _queued(self, subject):
        """Emails to the customer waiting in the mail queue with this subject."""
        return (
            self.env["mail.mail"]
            .sudo()
            .search_count(
                [("recipient_ids", "in", self.customer.ids), ("subject", "=", subject)]
            )
        )

    def _thank_you_count(self):
        return self.env["mail.message"].search_count(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("subject", "ilike", THANK_YOU),
            ]
        )

    def test_pay_all_with_the_demo_provider(self):
        """Tout régler: one transaction, invoices paid, pending reminders
        cancelled, exactly one thank-you email."""
        level = self.levels.filtered("to_confirm")[:1] or self.levels[-1]
        pending = self.env["account.relance.history"].create(
            [
                {
                    "move_line_id": move._get_relance_open_lines().id,
                    "move_id": move.id,
                    "company_id": self.company.id,
                    "partner_id": self.customer.id,
                    "level_id": level.id,
                    "channel": "email",
                    "currency_id": move.currency_id.id,
                    "state": "to_confirm",
                }
                for move in self.old + self.recent
            ]
        )
        moves = self.old + self.recent + self.not_due
        queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        triggers = self.env["ir.cron.trigger"].sudo()
        queue_calls = triggers.search_count([("cron_id", "=", queue.id)])
        with self.mock_mail_gateway():
            tx, landing = self._pay(self.access, moves)
            self.assertEqual(tx.amount, 1580.0)
            self.assertEqual(tx.invoice_ids, moves)
            self.assertEqual(tx.relance_access_id, self.access)
            for move in moves:
                self.assertIn(move.payment_state, ("paid", "in_payment"), move.name)
            self.assertEqual(set(pending.mapped("state")), {"cancelled"})
            self.assertEqual(self._thank_you_count(), 1)
            self.assertEqual(self._queued(f"{self.company.name} - {THANK_YOU}"), 1)
            # the thank-you leaves at once, not at the queue's next hourly run
            self.assertGreater(
                triggers.search_count([("cron_id", "=", queue.id)]), queue_calls
            )
            # the daily job does not thank a second time
            self.env["account.relance.run"]._cron_send_relances()
            self.assertEqual(self._thank_you_count(), 1)
        # the landing page confirms the payment and has nothing left to pay
        text = self._text(self._get(landing))
        self.assertIn("You have no open invoice with us", text)
        self.assertIn(tx.reference, tx.payment_id.memo)
        # the control customer's invoice is untouched
        self.assertEqual(self.other.payment_state, "not_paid")

    def test_pay_one_invoice_partially(self):
        with self.mock_mail_gateway():
            tx, _landing = self._pay(self.access, self.old, amount="500,00")
        self.assertEqual(tx.amount, 500.0)
        self.assertEqual(tx.invoice_ids, self.old)
        self.assertEqual(self.old.payment_state, "partial")
        self.assertEqual(self.old.amount_residual, 700.0)
        self.assertEqual(self._thank_you_count(), 0)
        self.assertEqual(self.recent.payment_state, "not_paid")

    def test_pay_by_wire_transfer(self):
        """The transfer waits for the bank: the page gives the IBAN and the
        customer's structured reference; nothing is reconciled or thanked yet."""
        with self.mock_mail_gateway():
            tx, landing = self._pay(self.access, self.old + self.recent, transfer=True)
        self.assertEqual(tx.state, "pending")
        self.assertEqual(tx.amount, 1500.0)
        reference = tx._get_communication()
        self.assertTrue(reference.startswith("RF"))
        self.assertIn("0042", reference.replace(" ", ""))  # the customer's ref
        text = self._text(self._get(landing))
        self.assertIn("FR76 3000 2006 5000 0073 4159 232", text)
        self.assertIn(reference, text)
        self.assertEqual(self.old.payment_state, "not_paid")
        self.assertEqual(self._thank_you_count(), 0)

    def test_payment_input_is_checked(self):
        self._activate_french()
        self.customer.lang = "fr_FR"
        usd = self.setup_other_currency("USD")
        dollars = self._invoice(
            self.customer, 10.0, self.today - timedelta(days=2), currency_id=usd.id
        )
        cases = [
            (self.old, "5000", "ne peut pas dépasser le solde"),
            (self.old, "0", "doit être supérieur à zéro"),
            (self.old, "-3", "doit être supérieur à zéro"),
            (self.old, "abc", "n'est pas un nombre"),
            (self.old + dollars, None, "séparément les factures de chaque devise"),
            (self.other, None, "Sélectionnez les factures à régler"),
        ]
        for moves, amount, message in cases:
            response = self._pay_page(self.access, moves, amount)
            self.assertEqual(response.status_code, 400, message)
            self.assertIn(message, self._text(response))
        self.assertFalse(
            self.env["payment.transaction"].search([]).invoice_ids & self.old
        )

    def test_transaction_route_checks_its_signature(self):
        page = self._pay_page(self.access, self.old)
        form = html.fromstring(page.content).xpath("//form[@id='o_payment_form']")[0]
        params = {
            "provider_id": self.demo_provider.id,
            "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
            "token_id": None,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "/",
            "is_validation": False,
            "access_token": form.get("data-access-token"),
        }
        route = form.get("data-transaction-route")
        with mute_logger("odoo.http"):
            # a bigger amount, another invoice, a forged token
            for tampered_route, amount, token in (
                (route, 5000.0, params["access_token"]),
                (
                    f"/relance/{self.access.id}/transaction/{self.other.id}",
                    1200.0,
                    params["access_token"],
                ),
                (route, 1200.0, "forged"),
            ):
                with self.assertRaises(JsonRpcException):
                    self.make_jsonrpc_request(
                        tampered_route,
                        {**params, "amount": amount, "access_token": token},
                    )
        self.assertFalse(
            self.env["payment.transaction"].search(
                [("invoice_ids", "in", self.old.ids)]
            )
        )

    # ------------------------------------------------------------------
    # Answers
    # ------------------------------------------------------------------

    def _answers(self, kind):
        return self.env["account.relance.answer"].search(
            [("partner_id", "=", self.customer.id), ("kind", "=", kind)]
        )

    def _assert_confirmed(self, response, answer):
        self.assertEqual(response.status_code, 200)
        self.assertIn("your message has been recorded", self._text(response))
        message = self.customer.message_ids.filtered(
            lambda message: "We have received your message" in (message.subject or "")
        )[:1]
        self.assertTrue(message)
        self.assertIn(answer.summary.split(":")[0], message.body)
        self.assertGreaterEqual(
            self._queued(f"{self.company.name} - We have received your message"), 1
        )

    def test_answer_dated_on_the_company_day(self):
        """At 23:30 UTC on 31 December it is already 1 January in Paris: a
        customer who paid that morning (Paris time) may say so, and the
        reminders pause from the company's day, not the server's."""
        paris_day = date(self.today.year + 1, 1, 1)
        with freeze_time(f"{self.today.year}-12-31 23:30:00"):
            self.assertEqual(self.company._get_relance_today(), paris_day)
            response = self._answer(
                self.access,
                "paid",
                invoice_ids=str(self.old.id),
                date=fields.Date.to_string(paris_day),
                amount="1200",
                reference="VIR NOUVEL AN",
            )
        self.assertEqual(response.status_code, 200, self._text(response))
        answer = self._answers("paid")
        self.assertEqual(answer.reference, "VIR NOUVEL AN")
        self.assertEqual(
            self.customer.relance_postponed_until,
            paris_day + timedelta(days=self.company.relance_portal_paid_days),
        )

    def test_answer_already_paid(self):
        payment_day = self.today - timedelta(days=2)
        # the salesperson follows the customer: the confirmation is not for them
        self.customer.message_subscribe(self.salesperson.partner_id.ids)
        with self.mock_mail_gateway():
            response = self._answer(
                self.access,
                "paid",
                invoice_ids=str(self.old.id),
                date=fields.Date.to_string(payment_day),
                amount="1200",
                reference="VIR 2026-118",
            )
            answer = self._answers("paid")
            self._assert_confirmed(response, answer)
        confirmation = self.customer.message_ids.filtered(
            lambda message: "We have received your message" in (message.subject or "")
        )[:1]
        self.assertEqual(
            confirmation.notified_partner_ids, self.customer.relance_contact_id
        )
        self.assertEqual((answer.amount, answer.reference), (1200.0, "VIR 2026-118"))
        self.assertEqual(answer.move_ids, self.old)
        self.assertEqual(
            self.customer.relance_postponed_until,
            self.today + timedelta(days=self.company.relance_portal_paid_days),
        )
        activity = self.customer.activity_ids
        self.assertEqual(activity.user_id, self.accountant)
        self.assertIn("payment", activity.summary)
        self.assertIn("VIR 2026-118", activity.note)
        # the postponed customer gets no reminder, the control customer does
        with self.mock_mail_gateway():
            self.env["account.relance.run"]._cron_send_relances()
        self.assertFalse(
            self._histories(self.old + self.recent).filtered(
                lambda h: h.state == "sent"
            )
        )
        self.assertTrue(self._histories(self.other))

    def test_answer_dispute_one_invoice(self):
        with self.mock_mail_gateway():
            response = self._answer(
                self.access,
                "dispute",
                invoice_ids=str(self.recent.id),
                reason="defective",
                note="Deux chaises livrées cassées.",
            )
            answer = self._answers("dispute")
            self._assert_confirmed(response, answer)
        self.assertTrue(self.recent.relance_dispute)
        self.assertIn("Deux chaises", self.recent.relance_dispute_reason)
        self.assertFalse(self.old.relance_dispute, "that invoice only")
        activity = self.recent.activity_ids
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertIn(self.recent.name, activity.summary)

    def test_answer_promise_plan_contact_receipt(self):
        promised = self.today + timedelta(days=12)
        with self.mock_mail_gateway():
            self._answer(self.access, "promise", date=fields.Date.to_string(promised))
            self._answer(
                self.access, "plan", note="3 x 500 € les 5 des trois prochains mois"
            )
            self._answer(
                self.access,
                "contact",
                contact_name="Sophie Bernard",
                contact_email="compta@boulangerie.example",
                contact_phone="+33 4 72 00 00 00",
            )
            self._answer(self.access, "receipt", note="Bien reçues, merci.")
        promise = self._answers("promise")
        self.assertEqual(promise.date, promised)
        self.assertEqual(promise.move_ids, self.old + self.recent + self.not_due)
        self.assertEqual(
            set(promise.move_ids.mapped("relance_promise_date")), {promised}
        )
        plan = self._answers("plan")
        contact = self._answers("contact")
        summaries = self.customer.activity_ids.mapped("summary")
        self.assertIn("Payment plan requested by the customer", summaries)
        self.assertIn("Review the reminder contact proposed by the customer", summaries)
        self.assertIn("3 x 500", plan.note)
        # a correction is never applied blindly
        self.assertEqual(contact.contact_email, "compta@boulangerie.example")
        self.assertEqual(self.customer.email, "compta@boulangerie-martin.example")
        self.assertEqual(self._answers("receipt").note, "Bien reçues, merci.")
        self.assertEqual(len(self.customer.relance_answer_ids), 4)
        # the follow-up screen shows them
        followup = self.env["account.relance.followup"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("company_id", "=", self.company.id),
            ]
        )
        self.assertEqual(followup.answer_ids, self.customer.relance_answer_ids)

    def test_answers_are_validated(self):
        self._activate_french()
        self.customer.lang = "fr_FR"
        day = fields.Date.to_string
        cases = [
            (
                "paid",
                {"date": day(self.today + timedelta(days=1)), "amount": "10"},
                "ne peut pas être dans le futur",
            ),
            (
                "paid",
                {"date": day(self.today - timedelta(days=800)), "amount": "10"},
                "plus d'un an",
            ),
            ("paid", {"date": "31/02/2026", "amount": "10"}, "pas une date valide"),
            ("paid", {"date": day(self.today), "amount": "0"}, "supérieur à zéro"),
            (
                "paid",
                {"date": day(self.today), "amount": "99999"},
                "ne peut pas dépasser le solde",
            ),
            ("dispute", {"invoice_ids": str(self.old.id), "note": "x"}, "motif"),
            (
                "dispute",
                {"invoice_ids": str(self.other.id), "reason": "other", "note": "x"},
                "Choisissez la facture",
            ),
            (
                "promise",
                {"date": day(self.today - timedelta(days=1))},
                "ne peut pas être dans le passé",
            ),
            ("promise", {"date": day(self.today + timedelta(days=400))}, "au plus"),
            ("plan", {"note": "x" * 2001}, "trop long"),
            (
                "contact",
                {"contact_email": "pas-un-email"},
                "adresse e-mail n'est pas valide",
            ),
            ("contact", {"contact_name": "x" * 200}, "trop long"),
        ]
        for kind, values, message in cases:
            response = self._answer(self.access, kind, **values)
            self.assertEqual(response.status_code, 400, (kind, values))
            self.assertIn(message, self._text(response), (kind, values))
        self.assertFalse(self.env["account.relance.answer"].search([]))
        self.assertFalse(self.old.relance_dispute)
        self.assertFalse(self.customer.relance_postponed_until)

    def test_answers_are_rate_limited(self):
        self._activate_french()
        self.customer.lang = "fr_FR"
        self.company.relance_portal_answer_limit = 2
        with self.mock_mail_gateway():
            for _index in range(2):
                self.assertEqual(self._answer(self.access, "receipt").status_code, 200)
            refused = self._answer(self.access, "receipt")
            self.assertEqual(refused.status_code, 400)
            self.assertIn("réessayer dans une heure", self._text(refused))
            # another customer is not limited
            self.assertEqual(self._answer(self.access_2, "receipt").status_code, 200)
        self.assertEqual(len(self._answers("receipt")), 2)
        self.assertEqual(
            len(
                self.env["account.relance.answer"].search(
                    [("partner_id", "=", self.customer_2.id)]
                )
            ),
            1,
        )

    # ------------------------------------------------------------------
    # Every reminder links to the page
    # ------------------------------------------------------------------

    def test_reminders_link_to_the_page(self):
        url = self.customer._get_relance_portal_url(self.company)
        self.assertEqual(self.old.relance_pay_url, url)
        self.assertEqual(self.recent._get_relance_pay_url(), url)
        self.assertTrue(
            url.startswith(f"{self.base_url()}/relance/{self.access.id}?access_token=")
        )
        statement = self.env["report.account_relance_fr.report_relance_statement"]
        values = statement.with_company(self.company)._get_statement_values(
            self.customer
        )
        self.assertEqual(values["pay_url"], url)
        self.assertTrue(values["pay_qr"].startswith("data:image/png;base64,"))
        notice = self.env["report.account_relance_fr.report_relance_formal_notice"]
        letter = notice.with_company(self.company)._get_letter_values(self.customer)
        self.assertEqual([code[1] for code in letter["pay_codes"]], [url])
        # the email of a level with the pay link
        with self.mock_mail_gateway():
            self._run(self.today)
        message = (
            self._histories(self.old)
            .filtered(lambda h: h.state == "sent")[:1]
            .mail_message_id
        )
        self.assertIn(f"/relance/{self.access.id}?access_token=", message.body)

    def test_tour_customer_pays_everything_from_the_mail(self):
        """The browser opens the link of a received reminder and pays all."""
        with self.mock_mail_gateway():
            self._run(self.today)
        message = (
            self._histories(self.old)
            .filtered(lambda h: h.state == "sent")[:1]
            .mail_message_id
        )
        link = html.fromstring(message.body).xpath(
            "//a[contains(@href, '/relance/')]/@href"
        )[0]
        path = link.replace(self.base_url(), "")
        self.start_tour(path, "relance_portal_pay_all")
        for move in self.old + self.recent + self.not_due:
            self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._thank_you_count(), 1)

    def test_preventive_reminder_invites_to_the_page(self):
        """Before the due date the customer is asked to confirm receipt or raise
        a problem on the page, so that disputes surface early."""
        newcomer = self.env["res.partner"].create(
            {
                "name": "Fromagerie Vidal",
                "is_company": True,
                "email": "vidal@example.com",
            }
        )
        invoice = self._invoice(newcomer, 640.0, self.today + timedelta(days=10))
        with self.mock_mail_gateway():
            self._run(invoice.invoice_date_due - timedelta(days=5))
        history = self._histories(invoice).filtered(lambda h: h.state == "sent")
        self.assertLess(history.level_days, 0)
        body = history.mail_message_id.body
        self.assertIn("confirm its receipt or tell us about any problem", body)
        access = self._access(newcomer)
        self.assertIn(f"/relance/{access.id}?access_token=", body)
        # the page says the same, only when nothing is due yet
        self.assertIn(
            "Your invoice is not due yet", self._text(self._get(self._path(access)))
        )
        self.assertNotIn("not due yet", self._text(self._get(self._path(self.access))))

    # ------------------------------------------------------------------
    # Credits: the page claims the net and never makes the customer overpay
    # ------------------------------------------------------------------

    def _credit_note(self, partner, amount, days_ago=3, **values):
        day = self.today - timedelta(days=days_ago)
        return self._invoice(
            partner, amount, day, invoice_date=day, move_type="out_refund", **values
        )

    def _unmatched_payment(self, partner, amount, day):
        """A customer payment on the bank journal, matched to no invoice."""
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": amount,
                "date": day,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        return payment

    def _eur_form(self, response):
        tree = html.fromstring(response.content)
        return tree.xpath(
            "//form[hasclass('o_relance_currency')][@data-currency='EUR']"
        )[0]

    def test_credit_note_netted_on_page_and_in_payment(self):
        credit_note = self._credit_note(self.customer, 300.0)
        self._credit_note(self.customer_2, 50.0)  # another customer's: not shown
        other_company = (  # the customer's credit with another company: neither
            self.env["account.move"]
            .with_company(self.company_b)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.customer.id,
                    "invoice_date": self.today - timedelta(days=1),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Retour", "quantity": 1, "price_unit": 70.0}
                        )
                    ],
                }
            )
        )
        other_company.action_post()
        page = self._get(self._path(self.access))
        form = self._eur_form(page)
        credits = [
            self._text_of(row)
            for row in form.xpath(".//tr[hasclass('o_relance_credit')]")
        ]
        day = format_date(self.env, credit_note.invoice_date)
        self.assertEqual(len(credits), 1)
        self.assertNotIn("70.00", self._text_of(form))
        self.assertIn(f"Credit note {credit_note.name} of {day}", credits[0])
        self.assertIn("-300.00", credits[0].replace("\ufeff", ""))
        net = form.xpath(".//td[hasclass('o_relance_net')]")[0].text_content()
        self.assertIn("1,280.00", net)
        self.assertIn("Net amount due, your credits deducted", self._text(page))
        self.assertEqual(
            form.xpath(".//input[@name='amount']/@placeholder"), ["1280.00"]
        )
        # the payment form proposes the net, never more
        moves = self.old + self.recent + self.not_due
        pay_page = self._pay_page(self.access, moves)
        tree = html.fromstring(pay_page.content)
        self.assertIn(
            "1,280.00", tree.xpath("//li[@id='relance_pay_amount']")[0].text_content()
        )
        self.assertIn(
            "300.00", tree.xpath("//li[@id='relance_pay_credit']")[0].text_content()
        )
        self.assertEqual(
            float(tree.xpath("//form[@id='o_payment_form']/@data-amount")[0]), 1280.0
        )
        refused = self._pay_page(self.access, moves, amount="1300")
        self.assertEqual(refused.status_code, 400)
        refused_text = self._text(refused)
        self.assertIn("once your credits are deducted: 1,280.00", refused_text)
        # one invoice alone: its own balance, the credit is left for the others
        alone = html.fromstring(self._pay_page(self.access, self.old).content)
        self.assertIn(
            "1,200.00", alone.xpath("//li[@id='relance_pay_amount']")[0].text_content()
        )
        self.assertFalse(alone.xpath("//li[@id='relance_pay_credit']"))
        # paying the net settles every invoice with the credit note
        with self.mock_mail_gateway():
            tx, landing = self._pay(self.access, moves)
        self.assertEqual(tx.amount, 1280.0)
        for move in moves:
            # paid by the transaction, or by the credit note ("reversed")
            self.assertEqual(move.amount_residual, 0.0, move.name)
            self.assertIn(move.payment_state, ("paid", "in_payment", "reversed"))
        self.assertEqual(credit_note.amount_residual, 0.0)
        self.assertEqual(self._thank_you_count(), 1)
        text = self._text(self._get(landing))
        self.assertIn("You have no open invoice with us", text)
        self.assertNotIn(credit_note.name, text)
        # the control customer's invoice and credit note are untouched
        self.assertEqual(self.other.payment_state, "not_paid")
        self.assertTrue(self._access(self.customer_2)._get_credit_rows())

    def test_payment_received_not_matched_is_shown(self):
        payment_day = self.today - timedelta(days=2)
        payment = self._unmatched_payment(self.customer, 200.0, payment_day)
        bank_day = self.today - timedelta(days=1)
        self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.company_data["default_journal_bank"].id,
                "date": bank_day,
                "payment_ref": "VIR BOULANGERIE",
                "partner_id": self.customer.id,
                "amount": 100.0,
            }
        )
        form = self._eur_form(self._get(self._path(self.access)))
        credits = [
            self._text_of(row)
            for row in form.xpath(".//tr[hasclass('o_relance_credit')]")
        ]
        self.assertEqual(len(credits), 2)
        for day, amount, credit in zip(
            (payment_day, bank_day), ("200.00", "100.00"), credits, strict=True
        ):
            self.assertIn(
                f"Payment received on {format_date(self.env, day)}, being applied",
                credit,
            )
            self.assertIn(amount, credit)
        net = form.xpath(".//td[hasclass('o_relance_net')]")[0].text_content()
        self.assertIn("1,280.00", net)
        moves = self.old + self.recent + self.not_due
        pay = html.fromstring(self._pay_page(self.access, moves).content)
        self.assertIn(
            "1,280.00", pay.xpath("//li[@id='relance_pay_amount']")[0].text_content()
        )
        # paying the net matches the payment received; the bank line waits for
        # the accountant and covers what stays open: nothing more to pay
        with self.mock_mail_gateway():
            tx, landing = self._pay(self.access, moves)
        self.assertEqual(tx.amount, 1280.0)
        self.assertEqual(payment.move_id.line_ids.filtered("credit").reconciled, True)
        self.assertEqual(sum(moves.mapped("amount_residual")), 100.0)
        after = self._eur_form(self._get(landing))
        self.assertTrue(after.xpath(".//div[hasclass('o_relance_covered')]"))
        self.assertFalse(after.xpath(".//button[@name='relance_pay']"))
        self.assertEqual(len(after.xpath(".//tr[hasclass('o_relance_credit')]")), 1)

    def test_covered_balance_offers_no_payment(self):
        self._credit_note(self.customer, 2000.0)
        usd = self.setup_other_currency("USD")
        dollars = self._invoice(
            self.customer, 250.0, self.today - timedelta(days=2), currency_id=usd.id
        )
        response = self._get(self._path(self.access))
        tree = html.fromstring(response.content)
        form = self._eur_form(response)
        self.assertIn(
            "Your credits cover your open invoices: there is nothing to pay.",
            self._text_of(form),
        )
        self.assertFalse(form.xpath(".//button[@name='relance_pay']"))
        self.assertIn(
            "0.00", form.xpath(".//td[hasclass('o_relance_net')]")[0].text_content()
        )
        # a credit in euros does not pay the dollars
        usd_form = tree.xpath("//form[@data-currency='USD']")[0]
        self.assertTrue(usd_form.xpath(".//button[@name='relance_pay']"))
        self.assertFalse(usd_form.xpath(".//tr[hasclass('o_relance_credit')]"))
        # asking anyway is refused, nothing is created
        refused = self._pay_page(self.access, self.old)
        self.assertEqual(refused.status_code, 400)
        self.assertIn("already cover these invoices", self._text(refused))
        self.assertFalse(
            self.env["payment.transaction"].search(
                [("invoice_ids", "in", self.old.ids)]
            )
        )
        self.assertEqual(self._pay_page(self.access, dollars).status_code, 200)
        # the control customer can pay
        control = html.fromstring(self._get(self._path(self.access_2)).content)
        self.assertTrue(control.xpath("//button[@name='relance_pay']"))

    def test_credit_without_invoice_in_its_currency(self):
        usd = self.setup_other_currency("USD")
        self._credit_note(self.customer, 40.0, currency_id=usd.id)
        tree = html.fromstring(self._get(self._path(self.access)).content)
        usd_form = tree.xpath("//form[@data-currency='USD']")[0]
        self.assertIn("Your credits with us (USD)", self._text_of(usd_form))
        self.assertIn("No invoice is open in this currency", self._text_of(usd_form))
        self.assertFalse(usd_form.xpath(".//button[@name='relance_pay']"))

    def test_credits_in_french(self):
        self._activate_french()
        self.customer.lang = "fr_FR"
        credit_note = self._credit_note(self.customer, 300.0)
        payment_day = self.today - timedelta(days=2)
        self._unmatched_payment(self.customer, 100.0, payment_day)
        french_env = self.env(context={"lang": "fr_FR"})
        text = self._text(self._get(self._path(self.access), lang="en-US"))
        day = format_date(french_env, credit_note.invoice_date)
        self.assertIn(f"Avoir {credit_note.name} du {day}", text)
        self.assertIn(
            f"Paiement reçu le {format_date(french_env, payment_day)}, "
            "en cours d'affectation",
            text,
        )
        self.assertIn("Solde net dû, déduction faite de vos avoirs et paiements", text)
        self.assertIn("1 180,00", text)
        self.assertNotIn("being applied", text)
        pay = self._text(
            self._pay_page(self.access, self.old + self.recent + self.not_due)
        )
        self.assertIn("Déduction de vos avoirs et paiements -\ufeff400,00", pay)
        self.assertIn("Montant à régler 1 180,00", pay)
        typed = self._pay_page(self.access, self.old, amount="1\u202f000,00")
        self.assertIn("Montant à régler 1 000,00", self._text(typed))
        refused = self._pay_page(self.access, self.old + self.recent, amount="1500")
        self.assertIn(
            "ne peut pas dépasser le solde dû après déduction de vos avoirs et "
            "paiements : 1 180,00",
            self._text(refused).replace("\xa0", " ").replace("\u202f", " "),
        )
        self._credit_note(self.customer, 5000.0)
        usd = self.setup_other_currency("USD")
        self._credit_note(self.customer, 40.0, currency_id=usd.id)
        covered = self._text(self._get(self._path(self.access), lang="en-US"))
        self.assertIn("Vos avoirs et paiements couvrent vos factures ouvertes", covered)
        self.assertIn("Sommes en votre faveur (USD)", covered)
        self.assertIn("Aucune facture n'est ouverte dans cette devise", covered)
        self.assertNotIn("Tout régler", covered)
