import base64
import re
from datetime import date, timedelta

from lxml import html

from odoo import Command
from odoo.tests import Form, HttpCase, tagged

from .test_relance_plan import RelancePlanCommon


def _text(body):
    """The words of an HTML body, whitespace collapsed."""
    tree = html.fromstring(body)
    for script in tree.xpath("//script"):
        script.drop_tree()
    return re.sub(r"\s+", " ", tree.text_content())


class RelancePlanFollowupCommon(RelancePlanCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        bank = cls.env["res.bank"].create({"name": "Banque de Lyon", "bic": "BDLYFRPP"})
        cls.env["res.partner.bank"].create(
            {
                "partner_id": cls.company.partner_id.id,
                "acc_number": "FR76 3000 4000 0312 3456 7890 143",
                "bank_id": bank.id,
            }
        )
        cls.responsible = cls.env["res.users"].create(
            {
                "name": "Luc Recouvrement",
                "login": "luc.plan",
                "email": "luc@atelier.example",
                "lang": "fr_FR",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set(cls.env.ref("account.group_account_invoice").ids)
                ],
            }
        )


@tagged("post_install", "-at_install")
class TestRelancePlanMails(RelancePlanFollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_1 = cls._invoice(cls.customer, 600.0, cls.DUE)
        cls.inv_2 = cls._invoice(cls.customer, 400.0, cls.DUE)
        cls.single = cls._invoice(cls.customer_2, 500.0, cls.DUE)

    def _assert_how_to_pay(self, message, plural=True):
        """Bank details, the reference to quote and the customer page link."""
        text = _text(message.body)
        self.assertIn(
            "Virement bancaire : IBAN FR76 3000 4000 0312 3456 7890 143 - BIC BDLYFRPP",
            text,
        )
        if plural:
            self.assertIn("en rappelant les numéros de facture.", text)
            self.assertIn(
                f"Factures concernées par l'échéancier : {self.inv_1.name}, "
                f"{self.inv_2.name}",
                text,
            )
            self.assertIn("Consulter et régler vos factures", text)
        else:
            self.assertIn("en rappelant le numéro de facture.", text)
            self.assertIn(
                f"Facture concernée par l'échéancier : {self.single.name}", text
            )
            self.assertIn("Consulter et régler votre facture", text)
        partner = message.partner_ids.commercial_partner_id
        link = html.fromstring(message.body).xpath(
            "//a[contains(@href, '/relance/')]/@href"
        )
        self.assertEqual(link, [partner._get_relance_portal_url(self.company)])

    def test_instalment_mails_say_how_to_pay(self):
        """The notice before an instalment, the reminder after it and the end
        of the plan give the instalment's amount and date, the bank details
        with the invoice numbers to quote and the customer page, in the
        customer's language and in the number of the invoices."""
        self.customer.lang = "fr_FR"
        self.customer_2.lang = "fr_FR"
        plan = self._plan(self.customer)
        plan.action_accept()
        single = self._plan(self.customer_2, instalment_count=2)
        single.action_accept()
        with self.mock_mail_gateway():
            self._check_plans(date(2026, 4, 13))
            before = self._plan_messages(plan, "Prochaine échéance")
            self.assertIn("333,33", before.body)
            self.assertIn("15/04/2026", before.body)
            self._assert_how_to_pay(before)
            self._assert_how_to_pay(
                self._plan_messages(single, "Prochaine échéance"), plural=False
            )
            self._check_plans(date(2026, 4, 16))
            after = self._plan_messages(plan, "impayée")
            self.assertIn("333,33", after.body)
            self.assertIn("20/04/2026", after.body)
            self._assert_how_to_pay(after)
            self._check_plans(date(2026, 4, 21))
        self.assertEqual(plan.state, "broken")
        broken = self._plan_messages(plan, "Fin de votre échéancier")
        self.assertIn("1 000,00", _text(broken.body))
        self.assertIn("15/04/2026", broken.body)
        self._assert_how_to_pay(broken)
        self._assert_how_to_pay(
            self._plan_messages(single, "Fin de votre échéancier"), plural=False
        )

    def test_signed_copy_gives_activity(self):
        """A signed copy uploaded on a proposed plan gives its responsible a
        to-do in French; the responsible uploading it gets none."""
        plan = self._plan(self.customer, user_id=self.responsible.id)
        other = self._plan(self.customer_2, user_id=self.responsible.id)
        with self.mock_mail_gateway():
            (plan | other).action_propose()
        with Form(plan) as edit:
            edit.signed_copy = base64.b64encode(b"%PDF-1.4 signed")
        activity = plan.activity_ids
        self.assertEqual(activity.user_id, self.responsible)
        self.assertEqual(activity.summary, "Échéancier signé reçu")
        self.assertIn("a retourné l'échéancier signé", activity.note)
        with Form(other.with_user(self.responsible)) as edit:
            edit.signed_copy = base64.b64encode(b"%PDF-1.4 signed")
        self.assertFalse(other.activity_ids)

    def test_name_in_company_language(self):
        """The plan's name is in the company's language whoever creates it;
        what the customer reads is in the customer's language."""
        self.company.partner_id.lang = "fr_FR"
        self.customer.lang = "en_US"
        plan = self._plan(self.customer).with_context(lang="en_US")
        plan.invalidate_recordset(["name"])
        self.assertEqual(plan.name, "Échéancier Boulangerie Martin 20/03/2026")
        with self.mock_mail_gateway():
            plan.action_propose()
        message = self._plan_messages(plan, "Your payment plan")
        self.assertIn("in 3 instalments", message.body)
        self.assertEqual(
            message.attachment_ids.name, "Payment plan Boulangerie Martin.pdf"
        )
        # an English company, a French user: the name stays English
        self.company.partner_id.lang = "en_US"
        created = (
            self.env["account.relance.plan"]
            .with_context(lang="fr_FR")
            .create(
                {
                    "partner_id": self.customer_2.id,
                    "date": self.PLAN_DATE,
                    "start_date": self.FIRST,
                }
            )
        )
        self.assertEqual(created.name, "Payment plan Garage Dupont 03/20/2026")


@tagged("post_install", "-at_install")
class TestRelancePlanPortalFollowups(RelancePlanFollowupCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", cls.base_url())
        today = cls.company._get_relance_today()
        cls.invoice = cls._invoice(cls.customer, 900.0, today - timedelta(days=20))
        cls.plan = cls._plan(
            cls.customer,
            date=today,
            start_date=today + timedelta(days=10),
            user_id=cls.responsible.id,
        )

    def test_acceptance_gives_activity(self):
        """Accepted on the customer page: the plan's responsible gets a to-do
        in French with the plan; without one, the reminder manager does."""
        with self.mock_mail_gateway():
            self.plan.action_propose()
        page = self.url_open(self.plan._get_acceptance_url())
        csrf = html.fromstring(page.content).xpath(
            "//input[@name='csrf_token']/@value"
        )[0]
        response = self.url_open(
            f"/relance/plan/{self.plan.id}/accept",
            data={
                "access_token": self.plan.access_token,
                "csrf_token": csrf,
                "name": "Paul Martin",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.plan.invalidate_recordset()
        activity = self.plan.activity_ids
        self.assertEqual(activity.user_id, self.responsible)
        self.assertEqual(activity.res_id, self.plan.id)
        self.assertEqual(activity.summary, "Échéancier accepté par le client")
        self.assertIn("Paul Martin", activity.note)
        self.assertIn("900,00", activity.note)
        # no responsible: the company's reminder manager
        self.plan.user_id = False
        self.assertEqual(self.plan._get_responsible(), self.accountant)

    def test_customer_page_number_of_invoices(self):
        """The customer page speaks of the invoice for one invoice, of the
        invoices for several: the number to quote, the receipt to confirm,
        the invoice not due yet."""
        self.customer.lang = "fr_FR"
        url = self.customer._get_relance_portal_url(self.company)
        text = _text(self.url_open(url).content)
        self.assertIn("en rappelant le numéro de facture.", text)
        self.assertIn("Confirmer la bonne réception de votre facture", text)
        self._invoice(
            self.customer, 100.0, self.company._get_relance_today() - timedelta(days=5)
        )
        text = _text(self.url_open(url).content)
        self.assertIn("en rappelant les numéros de facture.", text)
        self.assertIn("Confirmer la bonne réception de vos factures", text)
        # one invoice not due yet
        self.customer_2.lang = "fr_FR"
        self._invoice(
            self.customer_2,
            200.0,
            self.company._get_relance_today() + timedelta(days=10),
        )
        text = _text(
            self.url_open(self.customer_2._get_relance_portal_url(self.company)).content
        )
        self.assertIn("Votre facture n'est pas encore échue.", text)
        self.assertIn("vérifier que vous l'avez bien reçue", text)
