"""The customer's follow-up form: what an accountant works from.

Hand-computed case, today 15 April 2026 (H1 2026: ECB 2.15 % + 10 points =
12.15 %), a B2B customer with, all without tax:

- A 1 000,00 € due 5 April (10 days late, 1-30)
- B   500,00 € due 14 February (60 days late, 31-60)
- D   300,00 € due 5 January (100 days late, over 90)
- E   400,00 € due 1 March (45 days late, 31-60), disputed
- C   200,00 € due 15 May (not due)
- F   100,00 $ due 30 April (not due)
- an open credit note of 150,00 €

Penalties (base × 12.15 % × days / 365, rounded per invoice):
A 3.33, B 9.99, D 9.99 = 23.31 €; the disputed E claims none. Indemnities
40 € × 3 (A, B, D) = 120 €.
"""

from datetime import date

from freezegun import freeze_time
from lxml import html

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import RelanceCommon

TODAY = "2026-04-15 10:00:00"


@tagged("post_install", "-at_install")
class TestRelanceFollowupForm(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.setup_other_currency("USD", rounding=0.01)
        cls.customer.phone = "+33 4 78 00 00 01"
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Claire Moreau",
                "parent_id": cls.customer.id,
                "type": "invoice",
                "function": "Comptable",
                "email": "claire.moreau@boulangerie-martin.example",
                "phone": "+33 4 78 00 00 02",
            }
        )
        cls.move_a = cls._invoice(cls.customer, 1000.0, date(2026, 4, 5))
        cls.move_b = cls._invoice(cls.customer, 500.0, date(2026, 2, 14))
        cls.move_d = cls._invoice(cls.customer, 300.0, date(2026, 1, 5))
        cls.move_e = cls._invoice(cls.customer, 400.0, date(2026, 3, 1))
        cls.move_e.relance_dispute = True
        cls.move_c = cls._invoice(cls.customer, 200.0, date(2026, 5, 15))
        cls.move_f = cls._invoice(
            cls.customer, 100.0, date(2026, 4, 30), currency_id=cls.usd.id
        )
        refund = cls.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": cls.customer.id,
                "invoice_date": date(2026, 4, 1),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Avoir",
                            "quantity": 1,
                            "price_unit": 150.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        # the control customer, on another row
        cls.other = cls._invoice(cls.customer_2, 90.0, date(2026, 4, 1))

    def _row(self, partner=None):
        followup = self.env["account.relance.followup"]
        followup.invalidate_model()
        return followup.search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("company_id", "=", self.company.id),
            ]
        )

    def _ageing(self, row):
        """{currency name: {bucket: text}} read from the form's ageing table."""
        tree = html.fromstring(str(row.ageing_html))
        result = {}
        for tr in tree.xpath("//tbody/tr"):
            cells = tr.xpath("./td")
            result[cells[0].text_content()] = {
                cell.get("data-bucket"): cell.text_content().strip()
                for cell in cells[1:]
            }
        return result

    def _money(self, amount, currency=None):
        return (currency or self.company.currency_id).format(amount)

    @freeze_time(TODAY)
    def test_partner_button_opens_the_form(self):
        row = self._row()
        action = self.customer.action_relance_open_followup()
        self.assertEqual(action["res_model"], "account.relance.followup")
        self.assertEqual(action["res_id"], row.id)
        # from a contact too: the customer's row
        self.assertEqual(self.contact.action_relance_open_followup()["res_id"], row.id)

    @freeze_time(TODAY)
    def test_ageing_per_currency(self):
        form = Form(self._row())
        row = self._row()
        self.assertIn("o_relance_ageing", form.ageing_html)
        ageing = self._ageing(row)
        self.assertEqual(set(ageing), {"EUR", "USD"})
        self.assertEqual(
            ageing["EUR"],
            {
                "not_due": self._money(200.0),
                "1_30": self._money(1000.0),
                "31_60": self._money(900.0),  # B 500 + disputed E 400
                "61_90": "",
                "over_90": self._money(300.0),
                "total": self._money(2400.0),
            },
        )
        self.assertEqual(ageing["USD"]["not_due"], self._money(100.0, self.usd))
        self.assertEqual(ageing["USD"]["total"], self._money(100.0, self.usd))
        self.assertEqual(ageing["USD"]["1_30"], "")
        # the company's currency first
        self.assertLess(row.ageing_html.index(">EUR<"), row.ageing_html.index(">USD<"))
        self.assertNotIn(self.other.name, row.ageing_html)
        self.assertEqual(
            self._ageing(self._row(self.customer_2))["EUR"]["1_30"], self._money(90.0)
        )

    @freeze_time(TODAY)
    def test_penalties_credits_and_net(self):
        form = Form(self._row())
        self.assertEqual(form.penalty_amount, 23.31)
        self.assertEqual(form.indemnity_amount, 120.0)
        self.assertFalse(form.penalty_missing)
        self.assertFalse(form.penalty_regime_consumer)
        row = self._row()
        self.assertEqual(row.amount_overdue, 2200.0)  # A + B + D + E
        self.assertEqual(row.amount_credit, 150.0)
        self.assertIn(self._money(150.0), row.credit_text)
        # the disputed invoice is not claimed: A + B + D - 150
        self.assertEqual(row.amount_claimed, 1650.0)
        self.assertIn(self._money(1650.0), row.claimed_text)

    def test_penalties_hidden_when_rates_missing(self):
        # H2 2026 is not in the shipped table: no figure, the half-year named
        with freeze_time("2026-08-03 10:00:00"):
            row = self._row()
            self.assertEqual(row.penalty_missing, "H2 2026")
            self.assertEqual(row.penalty_amount, 0.0)
            self.assertEqual(row.indemnity_amount, 0.0)

    @freeze_time(TODAY)
    def test_consumer_has_no_penalty(self):
        self.customer.write(
            {"is_company": False, "relance_customer_type": "individual"}
        )
        row = self._row()
        self.assertTrue(row.penalty_regime_consumer)
        self.assertEqual(row.penalty_amount, 0.0)
        self.assertEqual(row.indemnity_amount, 0.0)

    @freeze_time(TODAY)
    def test_contacts_and_notes(self):
        row = self._row()
        self.assertEqual(row.contact_ids, self.customer | self.contact)
        self.assertEqual(
            set(row.contact_ids.mapped("phone")),
            {"+33 4 78 00 00 01", "+33 4 78 00 00 02"},
        )
        self.customer.message_post(
            body="Ancienne note", subtype_xmlid="mail.mt_note", message_type="comment"
        )
        # an automatic log (creation, tracking) and a message to the
        # customer are not notes
        self.customer._message_log(body="Journal automatique")
        self.customer.message_post(
            body="Message au client", subtype_xmlid="mail.mt_comment"
        )
        form = Form(row)
        form.new_note = "Rappeler lundi : le gérant valide les paiements."
        form.save()
        row = self._row()
        notes = row.note_ids
        self.assertEqual(len(notes), 2)
        # newest first
        self.assertIn("le gérant valide les paiements", notes[0].body)
        self.assertIn("Ancienne note", notes[1].body)
        self.assertEqual(notes[0].subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(notes[0].model, "res.partner")
        self.assertEqual(notes[0].res_id, self.customer.id)
        self.assertFalse(self._row(self.customer_2).note_ids)
        self.assertTrue(row.action_add_note())

    def _call_activities(self, partner=None):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", (partner or self.customer).id),
                (
                    "activity_type_id",
                    "=",
                    self.env.ref(
                        "account_relance_fr.mail_activity_type_relance_call"
                    ).id,
                ),
            ]
        )

    @freeze_time(TODAY)
    def test_log_a_call(self):
        row = self._row()
        messages = self.customer.message_ids
        action = row.action_log_call()
        self.assertEqual(action["res_model"], "account.relance.call.outcome.wizard")
        # nothing is scheduled before the outcome is recorded
        self.assertFalse(self._call_activities())
        wizard = Form(
            self.env["account.relance.call.outcome.wizard"].with_context(
                **action["context"]
            )
        )
        self.assertEqual(wizard.partner_id, self.customer)
        self.assertIn(self.move_a.name, wizard.invoice_summary)
        wizard.outcome = "promise"
        wizard.promise_date = date(2026, 4, 24)
        wizard.feedback = "Virement prévu après la réunion de vendredi."
        wizard.save().action_confirm()
        self.assertEqual(self.move_a.relance_promise_date, date(2026, 4, 24))
        # the call was done at once: no call left open
        self.assertFalse(self._call_activities())
        notes = self._row().note_ids
        self.assertIn("Virement prévu après la réunion de vendredi.", notes[0].body)
        self.assertIn("Call logged from the follow-up", notes[0].body)
        self.assertEqual(notes[0].subtype_id, self.env.ref("mail.mt_activities"))
        self.assertEqual(len(self.customer.message_ids - messages), 1)

    @freeze_time(TODAY)
    def test_log_a_call_discarded_leaves_nothing(self):
        """ "Log a Call" then "Discard": no call activity, no message, the
        invoices as they were."""
        row = self._row()
        messages = self.customer.message_ids
        action = row.action_log_call()
        wizard = Form(
            self.env["account.relance.call.outcome.wizard"].with_context(
                **action["context"]
            )
        )
        wizard.outcome = "promise"
        wizard.promise_date = date(2026, 4, 24)
        # the dialog is discarded: the form is never saved
        del wizard
        self.assertFalse(self._call_activities())
        self.assertFalse(
            self.env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
            )
        )
        self.assertEqual(self.customer.message_ids, messages)
        self.assertFalse(self.move_a.relance_promise_date)

    @freeze_time(TODAY)
    def test_log_a_call_no_answer_keeps_the_call(self):
        """No answer: the logged call stays open, two working days later."""
        action = self._row().action_log_call()
        wizard = Form(
            self.env["account.relance.call.outcome.wizard"].with_context(
                **action["context"]
            )
        )
        wizard.outcome = "no_answer"
        wizard.save().action_confirm()
        call = self._call_activities()
        self.assertEqual(len(call), 1)
        self.assertEqual(call.user_id, self.env.user)
        # Wednesday 15 April + 2 working days
        self.assertEqual(call.date_deadline, date(2026, 4, 17))
        self.assertFalse(self._call_activities(self.customer_2))

    @freeze_time(TODAY)
    def test_next_action_history_and_buttons(self):
        with self.mock_mail_gateway():
            self._run(date(2026, 4, 15))
        row = self._row()
        # the same method as the screen's column
        self.assertTrue(row.history_ids)
        self.assertEqual(row.history_ids.partner_id, self.customer)
        # sent today: the next reminder the ladder plans comes later
        self.assertEqual(row.last_reminder_date, date(2026, 4, 15))
        self.assertEqual(row.next_action, "Next reminder")
        self.assertGreater(row.next_action_date, date(2026, 4, 15))
        self.assertEqual(
            row.action_send_now()["res_model"], "account.relance.send.wizard"
        )
        self.assertEqual(
            row.action_postpone()["context"]["default_partner_ids"], self.customer.ids
        )
        printed = row.action_print_statement()
        self.assertEqual(
            printed["report_name"], "account_relance_fr.report_relance_statement"
        )
        self.assertEqual(printed["context"]["active_ids"], self.customer.ids)
        arch = row.get_views([(False, "form")])["views"]["form"]["arch"]
        for name in (
            "action_send_now",
            "action_send_statement",
            "action_print_statement",
            "action_log_call",
            "action_postpone",
            "ageing_html",
            "contact_ids",
            "note_ids",
            "new_note",
            "history_ids",
            "next_action_date",
            "penalty_amount",
        ):
            self.assertIn(f'name="{name}"', arch)


@tagged("post_install", "-at_install")
class TestRelanceFollowupStatementMail(RelanceCommon):
    """The account statement sent from the form, in the customer's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        cls.customer.lang = "fr_FR"
        cls.move = cls._invoice(cls.customer, 1000.0, date(2026, 4, 5))
        cls._invoice(cls.customer_2, 90.0, date(2026, 4, 1))

    @freeze_time(TODAY)
    def test_send_statement(self):
        row = self.env["account.relance.followup"].search(
            [("partner_id", "=", self.customer.id)]
        )
        action = row.action_send_statement()
        self.assertEqual(action["res_model"], "mail.compose.message")
        composer = Form(
            self.env["mail.compose.message"].with_context(**action["context"])
        )
        # the user works in English; the customer reads French
        self.assertEqual(self.env.user.lang, "en_US")
        self.assertIn("Relevé de compte", composer.subject)
        self.assertIn("relevé de votre compte", composer.body)
        self.assertEqual(composer.partner_ids[:], self.customer)
        composer = composer.save()
        self.assertEqual(len(composer.attachment_ids), 1)
        with self.mock_mail_gateway():
            composer.action_send_mail()
        message = self.customer.message_ids[0]
        self.assertIn("relevé de votre compte", message.body)
        self.assertEqual(message.attachment_ids, composer.attachment_ids)
        self.assertIn("Relevé de compte", message.attachment_ids.name)
        # the control customer got nothing
        self.assertFalse(
            self.customer_2.message_ids.filtered(
                lambda msg: "relevé de votre compte" in (msg.body or "")
            )
        )

    @freeze_time(TODAY)
    def test_send_statement_without_email(self):
        self.customer.email = False
        row = self.env["account.relance.followup"].search(
            [("partner_id", "=", self.customer.id)]
        )
        with self.assertRaisesRegex(UserError, "email address"):
            row.action_send_statement()
