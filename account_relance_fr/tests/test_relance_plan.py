import base64
import re
from datetime import date, timedelta

from freezegun import freeze_time
from lxml import etree, html

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from .common import RelanceCommon, pdf_text


class RelancePlanCommon(RelanceCommon):
    PLAN_DATE = date(2026, 3, 20)
    FIRST = date(2026, 4, 15)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls.env["res.users"].create(
            {
                "name": "Nadia Compta",
                "login": "nadia.plan",
                "email": "nadia@atelier.example",
                "lang": "en_US",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set(cls.env.ref("account.group_account_invoice").ids)
                ],
            }
        )
        cls.company.write(
            {
                "relance_accountant_id": cls.accountant.id,
                "relance_plan_grace_days": 5,
                "relance_plan_days_before": 3,
                "relance_plan_days_after": 1,
                "street": "12 rue des Tanneurs",
                "zip": "69002",
                "city": "Lyon",
            }
        )
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])

    @classmethod
    def _plan(cls, partner, **values):
        """A draft plan of 3 monthly instalments from FIRST, dated PLAN_DATE."""
        return cls.env["account.relance.plan"].create(
            {
                "partner_id": partner.id,
                "date": cls.PLAN_DATE,
                "start_date": cls.FIRST,
                "instalment_count": 3,
                **values,
            }
        )

    def _check_plans(self, day):
        with freeze_time(f"{day} 08:00:00"):
            return self.env["account.relance.plan"]._cron_check_plans()

    def _plan_messages(self, plan, subject):
        return plan.message_ids.filtered(
            lambda message: subject in (message.subject or "")
        )


@tagged("post_install", "-at_install")
class TestRelancePlan(RelancePlanCommon):
    def test_form_whole_overdue_balance_equal_instalments(self):
        """The form takes the customer's overdue invoices and splits the
        balance into equal instalments, the rounding on the last one."""
        inv_1 = self._invoice(self.customer, 600.0, self.DUE)
        inv_2 = self._invoice(self.customer, 400.0, self.DUE)
        not_due = self._invoice(self.customer, 99.0, self.PLAN_DATE + timedelta(days=9))
        self._invoice(self.customer_2, 500.0, self.DUE)
        form = Form(self.env["account.relance.plan"])
        form.partner_id = self.customer
        form.date = self.PLAN_DATE
        form.start_date = self.FIRST
        form.instalment_count = 3
        plan = form.save()
        self.assertEqual(plan.move_ids, inv_1 | inv_2)
        self.assertNotIn(not_due, plan.move_ids)
        self.assertEqual(plan.amount_total, 1000.0)
        self.assertEqual(plan.line_ids.mapped("amount"), [333.33, 333.33, 333.34])
        self.assertEqual(
            plan.line_ids.mapped("date"),
            [date(2026, 4, 15), date(2026, 5, 15), date(2026, 6, 15)],
        )
        self.assertEqual(plan.state, "draft")
        # amounts typed: they must add up to the amount owed
        with Form(plan) as edit:
            edit.split_mode = "manual"
            with edit.line_ids.edit(2) as line:
                line.amount = 300.0
        with self.assertRaisesRegex(UserError, "add up to"):
            plan.action_accept()
        with Form(plan) as edit:
            with edit.line_ids.new() as line:
                line.date = date(2026, 7, 15)
                line.amount = 33.34
        plan.action_accept()
        self.assertEqual(plan.state, "accepted")
        # an accepted plan is not changed any more
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            plan.move_ids = inv_1

    def test_selection_and_customer_action(self):
        """From the customer: the plans button opens the plans with the
        customer by default; a selection covers the chosen invoices only."""
        inv_1 = self._invoice(self.customer, 600.0, self.DUE)
        self._invoice(self.customer, 400.0, self.DUE)
        action = self.customer.action_relance_open_plans()
        form = Form(self.env["account.relance.plan"].with_context(**action["context"]))
        self.assertEqual(form.partner_id, self.customer)
        form.date = self.PLAN_DATE
        form.scope = "selection"
        form.move_ids.clear()
        form.move_ids.add(inv_1)
        form.start_date = self.FIRST
        form.instalment_count = 2
        plan = form.save()
        self.assertEqual(plan.amount_total, 600.0)
        self.assertEqual(plan.line_ids.mapped("amount"), [300.0, 300.0])
        self.assertEqual(self.customer.relance_plan_count, 1)

    def test_consumer_limit(self):
        """A free plan granted to a consumer longer than 3 months is refused
        with the reason; allowed by the setting, it shows a warning."""
        self._create_individual_and_public_body()
        self._invoice(self.individual, 900.0, self.DUE)
        with self.assertRaisesRegex(ValidationError, "L312-4") as error:
            self._plan(self.individual, instalment_count=4)
        self.assertIn("consumer", str(error.exception))
        # 3 instalments end on 15 June, within 3 months of 20 March
        plan = self._plan(self.individual)
        self.assertFalse(plan.legal_warning)
        # a company customer has no such limit
        self._invoice(self.customer, 900.0, self.DUE)
        self.assertFalse(self._plan(self.customer, instalment_count=6).legal_warning)
        self.company.relance_plan_allow_long_consumer = True
        long_plan = self._plan(self.individual, instalment_count=4)
        self.assertIn("L312-4", long_plan.legal_warning)
        # the French reason, for a French accountant
        self.company.relance_plan_allow_long_consumer = False
        with self.assertRaisesRegex(ValidationError, "crédit à la consommation"):
            long_plan.with_context(lang="fr_FR")._check_consumer_duration()

    def test_invoice_in_two_plans_refused(self):
        """A second plan drafted on an invoice already proposed to the
        customer (e.g. from a call) cannot be proposed too: the French message
        names the other plan once."""
        self._invoice(self.customer, 900.0, self.DUE)
        first = self._plan(self.customer)
        with self.mock_mail_gateway():
            first.action_propose()
        second = self._plan(self.customer)
        french = second.with_context(lang="fr_FR")
        with self.assertRaises(ValidationError) as error:
            with self.mock_mail_gateway():
                french.action_propose()
        self.assertEqual(
            error.exception.args[0],
            "Certaines factures relèvent déjà d'un autre échéancier : "
            f"{first.name}.",
        )
        self.assertEqual(second.state, "draft")

    def test_answer_creates_prefilled_plan(self):
        """A "payment plan" answer of the customer page opens a draft plan
        with the customer, the invoices named and the message."""
        inv_1 = self._invoice(self.customer, 600.0, self.DUE)
        self._invoice(self.customer, 400.0, self.DUE)
        # answers are created by the customer page, as the system
        answer = (
            self.env["account.relance.answer"]
            .sudo()
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "kind": "plan",
                    "move_ids": [Command.set(inv_1.ids)],
                    "note": "Trois versements mensuels",
                }
            )
        )
        answer = answer.with_env(self.env)
        action = answer.action_create_plan()
        plan = self.env["account.relance.plan"].browse(action["res_id"])
        self.assertEqual(plan.partner_id, self.customer)
        self.assertEqual(plan.move_ids, inv_1)
        self.assertEqual(plan.amount_total, 600.0)
        self.assertEqual(plan.note, "Trois versements mensuels")
        self.assertEqual(plan.answer_id, answer)
        self.assertEqual(answer.state, "done")


@tagged("post_install", "-at_install")
class TestRelancePlanFollow(RelancePlanCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_1 = cls._invoice(cls.customer, 600.0, cls.DUE)
        cls.inv_2 = cls._invoice(cls.customer, 400.0, cls.DUE)
        cls.control = cls._invoice(cls.customer_2, 500.0, cls.DUE)

    def test_plan_kept_to_the_end(self):
        """Accepted plan: no ladder reminder for its invoices meanwhile (the
        control customer gets them), kept, then completed once all is paid."""
        plan = self._plan(self.customer)
        plan.action_accept()
        with self.mock_mail_gateway():
            for day in (
                date(2026, 3, 25),
                date(2026, 4, 2),
                date(2026, 5, 20),
                date(2026, 6, 10),
            ):
                self._run(day)
            self.assertFalse(self._histories(self.inv_1 | self.inv_2))
            self.assertTrue(self._histories(self.control))
            self._pay(self.inv_1, 333.33, date(2026, 4, 14))
            self._check_plans(date(2026, 4, 16))
            self.assertEqual(plan.state, "kept")
            self.assertEqual(plan.line_ids[0].state, "paid")
            self.assertEqual(plan.next_line_id, plan.line_ids[1])
            self._pay(self.inv_1, None, date(2026, 5, 15))
            self._pay(self.inv_2, 66.66, date(2026, 5, 15))
            self._check_plans(date(2026, 5, 25))
            self.assertEqual(plan.state, "kept")
            self._pay(self.inv_2, None, date(2026, 6, 15))
            self._check_plans(date(2026, 6, 16))
        self.assertEqual(plan.state, "completed")
        self.assertEqual(plan.amount_remaining, 0.0)
        self.assertEqual(set(plan.line_ids.mapped("state")), {"paid"})
        self.assertFalse(self._histories(self.inv_1 | self.inv_2))

    def test_payments_allocated_in_order(self):
        """A payment fills the first instalment, then the next ones."""
        plan = self._plan(self.customer)
        plan.action_accept()
        self._pay(self.inv_2, 400.0, date(2026, 4, 10))
        self.assertEqual(plan.amount_paid, 400.0)
        self.assertEqual(plan.line_ids.mapped("paid_amount"), [333.33, 66.67, 0.0])
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "partial", "due"])
        self.assertEqual(plan.next_line_id, plan.line_ids[1])
        self.assertEqual(plan.amount_remaining, 600.0)

    def test_plan_broken_ladder_resumes(self):
        """An instalment unpaid after its date and the grace days breaks the
        plan: activity for the accountant, email to the customer, and the
        ladder resumes where it stood, for the remaining balance."""
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        friendly = self._histories(self.inv_1 | self.inv_2)
        self.assertEqual(friendly.level_id, self.level_by_days[1])
        plan = self._plan(self.customer)
        plan.action_accept()
        self._pay(self.inv_1, 100.0, date(2026, 4, 10))
        with self.mock_mail_gateway():
            # 20 April = 15 April + 5 grace days: still on time
            self.assertFalse(self._check_plans(date(2026, 4, 20)))
            self.assertEqual(plan.state, "kept")
            broken = self._check_plans(date(2026, 4, 21))
        self.assertEqual(broken, plan)
        self.assertEqual(plan.state, "broken")
        self.assertEqual(plan.broken_on, date(2026, 4, 21))
        activity = plan.activity_ids
        self.assertEqual(activity.user_id, self.accountant)
        self.assertEqual(activity.summary, "Payment plan broken")
        self.assertIn("900.00", activity.note)
        message = self._plan_messages(plan, "End of your payment plan")
        self.assertEqual(message.partner_ids, self.customer)
        self.assertIn("900.00", message.body)
        self.assertIn("04/15/2026", message.body)
        mail = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )
        self.assertEqual(mail.recipient_ids, self.customer)
        # the ladder resumes at the step after the friendly reminder
        with self.mock_mail_gateway():
            self._run(date(2026, 4, 22))
        resumed = self._histories(self.inv_1 | self.inv_2) - friendly
        self.assertEqual(resumed.level_id, self.level_by_days[8])
        self.assertEqual(resumed.move_id, self.inv_1 | self.inv_2)
        self.assertIn("500.00", resumed[0].mail_message_id.body)
        # the plans' list hides the "next instalment" of a plan that ended
        arch = etree.fromstring(
            plan.get_views([(False, "list")])["views"]["list"]["arch"]
        )
        (column,) = arch.xpath("//field[@name='next_line_id']")
        self.assertIn(
            "'broken'", column.get("column_invisible") or column.get("invisible")
        )
        self.assertEqual(plan.next_line_id.date, date(2026, 4, 15))

    def test_penalties_waived_while_kept(self):
        """Penalties waived by the plan are not claimed while it runs (the
        control customer's are); once the plan is broken they are due again,
        from the due date."""
        plan = self._plan(self.customer, penalty_waived=True)
        plan.action_accept()
        self.assertEqual(self.inv_1.relance_plan_id, plan)
        with freeze_time("2026-04-10"):
            moves = self.inv_1 | self.control
            moves.invalidate_recordset()
            self.assertEqual(self.inv_1.relance_penalty_amount, 0.0)
            self.assertEqual(self.inv_1.relance_indemnity_amount, 0.0)
            self.assertGreater(self.control.relance_penalty_amount, 0.0)
            self.assertEqual(self.control.relance_indemnity_amount, 40.0)
            waived_control = self.control.relance_penalty_amount
        with self.mock_mail_gateway():
            self._check_plans(date(2026, 4, 21))
        self.assertEqual(plan.state, "broken")
        self.assertFalse(self.inv_1.relance_plan_id)
        with freeze_time("2026-04-10"):
            self.inv_1.invalidate_recordset()
            # 600 € at the rate of 500 € of the control, same days
            self.assertAlmostEqual(
                self.inv_1.relance_penalty_amount,
                waived_control * 600 / 500,
                delta=0.02,
            )
            self.assertEqual(self.inv_1.relance_indemnity_amount, 40.0)

    def test_instalment_reminders(self):
        """A notice 3 days before each instalment, a reminder the day after
        one left unpaid, once each, in the customer's language."""
        self.customer.lang = "fr_FR"
        plan = self._plan(self.customer)
        plan.action_accept()
        with self.mock_mail_gateway():
            self._check_plans(date(2026, 4, 11))
            self.assertFalse(plan.line_ids[0].preventive_sent)
            self._check_plans(date(2026, 4, 12))
            self._check_plans(date(2026, 4, 13))
            before = self._plan_messages(plan, "Prochaine échéance")
            self.assertEqual(len(before), 1)
            self.assertIn("333,33", before.body)
            self.assertIn("15/04/2026", before.body)
            self.assertEqual(before.partner_ids, self.customer)
            self._check_plans(date(2026, 4, 16))
            self._check_plans(date(2026, 4, 17))
            after = self._plan_messages(plan, "impayée")
            self.assertEqual(len(after), 1)
            self.assertIn("333,33", after.body)
            # the last day to pay, not a count of days to add up: 15/04 + 5
            after_text = " ".join(html.fromstring(after.body).text_content().split())
            self.assertIn(
                "Nous vous remercions de la régler au plus tard le 20/04/2026 : "
                "passé ce délai, l'échéancier prendra fin",
                after_text,
            )
            # paid: the next notice only
            self._pay(self.inv_1, 333.33, date(2026, 4, 18))
            self._check_plans(date(2026, 5, 13))
        self.assertEqual(len(self._plan_messages(plan, "Prochaine échéance")), 2)
        self.assertEqual(len(self._plan_messages(plan, "impayée")), 1)
        self.assertEqual(plan.state, "kept")

    def test_cron_record_wired(self):
        """The daily job record calls the plan check."""
        plan = self._plan(self.customer)
        plan.action_accept()
        with freeze_time("2026-05-01 08:00:00"), self.mock_mail_gateway():
            self.env.ref(
                "account_relance_fr.ir_cron_check_plans"
            ).method_direct_trigger()
        self.assertEqual(plan.state, "broken")


@tagged("post_install", "-at_install")
class TestRelancePlanLetter(RelancePlanCommon):
    def test_acknowledgment_letter_text(self):
        """The letter: debt and origin, schedule, déchéance du terme, the
        acknowledgment of debt and room for the signature, in French."""
        self.customer.lang = "fr_FR"
        invoice = self._invoice(self.customer, 1000.0, self.DUE)
        plan = self._plan(self.customer, penalty_waived=True)
        content = self.env["ir.actions.report"]._render_qweb_html(
            "account_relance_fr.report_relance_plan", plan.ids
        )[0]
        text = " ".join(html.fromstring(content).text_content().split())
        self.assertIn("Échéancier et reconnaissance de dette", text)
        self.assertIn(invoice.name, text)
        self.assertIn("1 000,00", text)
        self.assertIn("au titre de la facture ci-dessous", text)
        self.assertIn("15/04/2026", text)
        self.assertIn("333,34", text)
        self.assertIn("Déchéance du terme", text)
        self.assertIn("reste impayée 5 jours après sa date, l'échéancier", text)
        self.assertIn("article 2240 du Code civil", text)
        self.assertIn("Bon pour reconnaissance de dette", text)
        self.assertIn("Claire Duval", text)
        self.assertIn("ne sont pas réclamées", text)

    def test_forfeiture_delay_agrees_with_the_grace_period(self):
        """The déchéance du terme reads "un jour" for one day of grace and
        drops the delay for none; the PDF is named in the customer's
        language."""
        self.customer.lang = "fr_FR"
        self._invoice(self.customer, 1000.0, self.DUE)
        plan = self._plan(self.customer)
        report = self.env["ir.actions.report"]
        for days, expected in (
            (1, "reste impayée un jour après sa date, l'échéancier"),
            (0, "reste impayée après sa date, l'échéancier"),
        ):
            plan.grace_days = days
            content = report._render_qweb_html(
                "account_relance_fr.report_relance_plan", plan.ids
            )[0]
            text = " ".join(html.fromstring(content).text_content().split())
            self.assertIn(expected, text)
        action = self.env.ref("account_relance_fr.action_report_relance_plan")
        self.assertEqual(
            safe_eval(action.print_report_name, {"object": plan}),
            f"Échéancier - {self.customer.name}",
        )
        self.customer.lang = "en_US"
        self.assertEqual(
            safe_eval(action.print_report_name, {"object": plan}),
            f"Payment plan - {self.customer.name}",
        )

    def test_letter_of_invoice_partly_paid(self):
        """An invoice partly paid before the plan: the PDF letter shows its
        total, what was already paid and the balance owed, which is the sum
        acknowledged and split into instalments."""
        self.customer.lang = "fr_FR"
        invoice = self._invoice(self.customer, 5100.0, self.DUE)
        self._pay(invoice, 1500.0)
        plan = self._plan(self.customer)
        self.assertEqual(plan.amount_total, 3600.0)
        content = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account_relance_fr.report_relance_plan", plan.ids)[0]
        )
        text = pdf_text(content)
        self.assertIn("la somme de 3 600,00 € au titre de la facture", text)
        self.assertIn(f"{invoice.name} 14/02/2026 16/03/2026 5 100,00 €", text)
        self.assertIn("Déjà réglé 1 500,00 € Reste dû 3 600,00 €", text)
        self.assertIn("1 200,00 €", text)
        # nothing paid before the plan: no such lines
        self._invoice(self.customer_2, 900.0, self.DUE)
        unpaid = self._plan(self.customer_2)
        content = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account_relance_fr.report_relance_plan", unpaid.ids)[0]
        )
        self.assertNotIn("Already paid", pdf_text(content))
        self.assertNotIn("Déjà réglé", pdf_text(content))

    def test_letter_records_acceptance_in_french(self):
        """Accepted on the customer page: the letter's signature box gives the
        name, the date and the time in Paris (UTC+2 in April) and the IP
        address, in French."""
        self.customer.lang = "fr_FR"
        self._invoice(self.customer, 1000.0, self.DUE)
        plan = self._plan(self.customer)
        with self.mock_mail_gateway():
            plan.action_propose()
        with freeze_time("2026-04-20 08:15:30"):
            plan._accept_from_portal("Sylvie Garnier, gérante", "203.0.113.7")
        content = self.env["ir.actions.report"]._render_qweb_html(
            "account_relance_fr.report_relance_plan", plan.ids
        )[0]
        box = html.fromstring(content).xpath("//td[@name='signature']")[0]
        self.assertEqual(
            " ".join(box.text_content().split()),
            "Accepté sur l'espace client par Sylvie Garnier, gérante le "
            "20/04/2026 à 10:15:30 (heure de Paris, adresse IP 203.0.113.7).",
        )

    def test_signed_copy_returned(self):
        """The letter returned signed is kept on the plan, which the
        accountant then marks as accepted."""
        self._invoice(self.customer, 1000.0, self.DUE)
        plan = self._plan(self.customer)
        with self.mock_mail_gateway():
            plan.action_propose()
        with Form(plan) as edit:
            edit.signed_copy = base64.b64encode(b"%PDF-1.4 signed")
        plan.action_accept()
        self.assertEqual(plan.state, "accepted")
        attachment = self.env["ir.attachment"].search(
            [
                ("res_model", "=", plan._name),
                ("res_id", "=", plan.id),
                ("res_field", "=", "signed_copy"),
            ]
        )
        self.assertEqual(attachment.raw, b"%PDF-1.4 signed")

    def test_propose_sends_letter_and_link(self):
        """Proposing emails the plan, its letter as PDF and the acceptance
        link to the customer."""
        self.customer.lang = "fr_FR"
        self._invoice(self.customer, 1000.0, self.DUE)
        plan = self._plan(self.customer)
        with (
            self.mock_mail_gateway(),
            self.capture_triggers("mail.ir_cron_mail_scheduler_action") as queue,
        ):
            plan.action_propose()
        self.assertEqual(plan.state, "proposed")
        # the email leaves at once, not at the queue's next hourly run
        self.assertEqual(len(queue.records), 1)
        self.assertLessEqual(queue.records.call_at, fields.Datetime.now())
        message = self._plan_messages(plan, "Votre échéancier")
        self.assertEqual(message.partner_ids, self.customer)
        self.assertIn(plan._get_acceptance_url(), message.body)
        self.assertEqual(message.attachment_ids.mimetype, "application/pdf")
        self.assertEqual(
            message.attachment_ids.name, "Échéancier Boulangerie Martin.pdf"
        )
        self.assertIn("en 3 échéances", message.body)
        self.assertIn("333,34", message.body)
        self.assertIn("cliquez sur", message.body)
        # one instalment: the singular
        self._invoice(self.customer_2, 500.0, self.DUE)
        single = self._plan(self.customer_2, instalment_count=1)
        with self.mock_mail_gateway():
            single.action_propose()
        body = self._plan_messages(single, "Your payment plan").body
        self.assertIn("in one instalment", body)


@tagged("post_install", "-at_install")
class TestRelancePlanPortal(RelancePlanCommon, HttpCase):
    """The acceptance page through its HTTP routes, without login."""

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
        )

    def _text(self, response):
        tree = html.fromstring(response.content)
        for script in tree.xpath("//script"):
            script.drop_tree()
        return re.sub(r"\s+", " ", tree.text_content())

    def test_forfeiture_of_one_day_on_the_customer_page(self):
        self.plan.grace_days = 1
        with self.mock_mail_gateway():
            self.plan.action_propose()
        text = self._text(self.url_open(self.plan._get_acceptance_url()))
        self.assertIn("remains unpaid one day after its date, the schedule ends", text)

    def test_accept_on_the_customer_page(self):
        """The customer reads the plan and accepts it: date, time, IP and name
        are recorded; a wrong token gets a 404; a second acceptance is refused."""
        with self.mock_mail_gateway():
            self.plan.action_propose()
        url = self.plan._get_acceptance_url()
        self.assertEqual(
            self.url_open(
                f"/relance/plan/{self.plan.id}?access_token=wrong"
            ).status_code,
            404,
        )
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        text = self._text(page)
        self.assertIn("Your payment plan", text)
        self.assertIn(self.invoice.name, text)
        self.assertIn("300.00", text)
        self.assertIn("2240", text)
        self.assertIn("I accept", text)
        csrf = html.fromstring(page.content).xpath(
            "//input[@name='csrf_token']/@value"
        )[0]
        data = {"access_token": self.plan.access_token, "csrf_token": csrf}
        # the name is required
        refused = self.url_open(f"/relance/plan/{self.plan.id}/accept", data=data)
        self.assertEqual(refused.status_code, 400)
        self.assertIn("Type your name", self._text(refused))
        self.assertEqual(self.plan.state, "proposed")
        response = self.url_open(
            f"/relance/plan/{self.plan.id}/accept",
            data={**data, "name": "Paul Martin"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "Accepted on the customer page by Paul Martin", self._text(response)
        )
        self.assertNotIn("I accept", self._text(response))
        self.plan.invalidate_recordset()
        self.assertEqual(self.plan.state, "accepted")
        self.assertEqual(self.plan.accepted_by, "Paul Martin")
        self.assertEqual(self.plan.accepted_ip, "127.0.0.1")
        self.assertTrue(self.plan.accepted_on)
        self.assertIn(
            "127.0.0.1",
            self.plan.message_ids.filtered(
                lambda message: "Paul Martin" in message.body
            ).body,
        )
        # the letter now carries the acceptance as evidence
        letter = self.env["ir.actions.report"]._render_qweb_html(
            "account_relance_fr.report_relance_plan", self.plan.ids
        )[0]
        self.assertIn("127.0.0.1", html.fromstring(letter).text_content())
        again = self.url_open(
            f"/relance/plan/{self.plan.id}/accept",
            data={**data, "name": "Paul Martin"},
        )
        self.assertEqual(again.status_code, 400)
        self.assertIn("can no longer be accepted", self._text(again))

    def test_draft_plan_not_shown(self):
        """A draft plan has no page, even with its token."""
        token = self.plan._ensure_access_token()
        response = self.url_open(f"/relance/plan/{self.plan.id}?access_token={token}")
        self.assertEqual(response.status_code, 404)
        # the control: a proposed plan is shown
        with self.mock_mail_gateway():
            self.plan.action_propose()
        self.assertEqual(
            self.url_open(self.plan._get_acceptance_url()).status_code, 200
        )

    def test_late_acceptance_refused_in_french(self):
        """The customer opens the page after an instalment's last day to pay
        (date + 5 grace days): the page says so in French instead of the "I
        accept" button, and a posted acceptance is refused, since the daily
        check would break the plan at once. The control plan, on time, can
        still be accepted."""
        today = self.company._get_relance_today()
        self.customer_2.lang = "fr_FR"
        self._invoice(self.customer_2, 600.0, today - timedelta(days=40))
        late = self._plan(
            self.customer_2,
            date=today - timedelta(days=20),
            start_date=today - timedelta(days=6),
            instalment_count=2,
        )
        with self.mock_mail_gateway():
            (late | self.plan).action_propose()
        expected = (
            f"L'échéance du {(today - timedelta(days=6)).strftime('%d/%m/%Y')} "
            "est passée : cet échéancier ne peut plus être accepté en l'état. "
            "Merci de nous contacter pour convenir de nouvelles dates."
        )
        page = self.url_open(late._get_acceptance_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn(expected, self._text(page))
        self.assertNotIn("J'accepte", self._text(page))
        csrf = html.fromstring(page.content).xpath("//input[@name='csrf_token']/@value")
        # no form on the page: post with the token of the control's page
        control_page = self.url_open(self.plan._get_acceptance_url())
        self.assertIn("I accept", self._text(control_page))
        self.assertFalse(csrf)
        csrf = html.fromstring(control_page.content).xpath(
            "//input[@name='csrf_token']/@value"
        )[0]
        refused = self.url_open(
            f"/relance/plan/{late.id}/accept",
            data={
                "access_token": late.access_token,
                "csrf_token": csrf,
                "name": "Jeanne Roux",
            },
        )
        self.assertEqual(refused.status_code, 400)
        self.assertIn(expected, self._text(refused))
        late.invalidate_recordset()
        self.assertEqual(late.state, "proposed")
        self.assertFalse(late.accepted_on)
