import json
import os
import tempfile
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.account_relance_fr.tests.common import RelanceCommon
from odoo.addons.account_relance_fr.tools import within_window
from odoo.addons.sms.tests.common import SMSCommon

from ..tools import sms_info, to_gsm7

MOBILE = "+33612345678"


@tagged("post_install", "-at_install")
class TestRelanceSms(RelanceCommon, SMSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.france = cls.env.ref("base.fr")
        # a demo database uses the local transport: these tests use IAP's mock
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_relance_fr_sms.transport", "iap"
        )
        cls.company.write(
            {
                "name": "Atelier Duval SAS",
                # tests run at any frozen hour: the SMS window has its own tests
                "relance_sms_send_sunday": True,
                "relance_sms_hour_from": 0.0,
                "relance_sms_hour_to": 24.0,
                "relance_sms_skip_holidays": False,
            }
        )
        cls.sms_ladder = cls.env["account.relance.ladder"].search(
            [
                ("company_id", "=", cls.company.id),
                ("rule_customer_type", "=", "individual"),
            ]
        )
        cls.sms_levels = {level.days: level for level in cls.sms_ladder.level_ids}
        cls.person = cls.env["res.partner"].create(
            {
                "name": "Camille Durand",
                "is_company": False,
                "email": "camille.durand@example.com",
                "mobile": "06 12 34 56 78",
                "country_id": cls.france.id,
            }
        )
        cls.accountant = cls.env.user
        cls.company.relance_accountant_id = cls.accountant

    def _send_sms_queue(self):
        self.env["sms.sms"].sudo()._process_queue()

    def _sms_history(self, invoice):
        return self._histories(invoice).filtered(lambda history: history.sms_message_id)

    def _failure_activity(self, partner):
        return partner.activity_ids.filtered(
            lambda activity: activity.activity_type_id
            == self.env.ref("account_relance_fr.mail_activity_type_relance_failure")
        )

    # ------------------------------------------------------------------
    # Ladder and settings
    # ------------------------------------------------------------------

    def test_default_ladder_for_individuals(self):
        self.assertEqual(len(self.sms_ladder), 1)
        self.assertEqual(self.person.relance_customer_type, "individual")
        ladder = self.env["account.relance.ladder"]._get_ladders_for_partners(
            self.person, self.company
        )[self.person]
        self.assertEqual(ladder, self.sms_ladder)
        sms_days = sorted(
            level.days for level in self.sms_ladder.level_ids if level.channel_sms
        )
        self.assertEqual(sms_days, [3, 10])
        self.assertEqual(self.sms_levels[3]._get_channels(), ["sms"])
        self.assertEqual(self.sms_levels[10]._get_channels(), ["email", "sms"])
        for level in self.sms_ladder.level_ids:
            self.assertFalse(level.include_indemnity, "never the 40 € for consumers")
        # a new company gets its own copy
        company = self.env["res.company"].create({"name": "Nouvelle Société"})
        copied = self.env["account.relance.ladder"].search(
            [("company_id", "=", company.id), ("rule_customer_type", "=", "individual")]
        )
        self.assertEqual(len(copied), 1)
        self.assertEqual(
            sorted(copied.level_ids.filtered("channel_sms").mapped("days")), [3, 10]
        )

    def test_preferred_channel_sms_goes_first(self):
        level = self.sms_levels[10]
        self.assertEqual(level._get_channels_for_partner(self.person), ["email", "sms"])
        self.person.relance_channel_preference = "sms"
        self.assertEqual(level._get_channels_for_partner(self.person), ["sms", "email"])
        invoice = self._invoice(self.person, 300.0, self.DUE - timedelta(days=10))
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self.env["account.relance.run"]._send_now(
                self.person,
                invoice._get_relance_open_lines(),
                level,
                level._get_channels_for_partner(self.person),
            )
        history = self._histories(invoice)
        self.assertEqual(history.channel, "sms")
        self.assertEqual(history.channels, "sms, email")
        self.assertTrue(history.sms_message_id)
        self.assertTrue(history.mail_message_id)
        self.assertIn(("sms", "SMS"), history._fields["channel"].selection)

    def test_level_needs_a_channel(self):
        level = self.sms_levels[3]
        with self.assertRaises(ValidationError), self.cr.savepoint():
            level.channel_sms = False
        level.write({"channel_sms": False, "channel_email": True})
        self.assertEqual(level._get_channels(), ["email"])

    # ------------------------------------------------------------------
    # Content and length
    # ------------------------------------------------------------------

    def test_sms_content_and_length(self):
        invoice = self._invoice(self.person, 1234.56, self.DUE)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=3))
        history = self._histories(invoice)
        self.assertEqual(history.level_id, self.sms_levels[3])
        self.assertEqual((history.channel, history.channels), ("sms", "sms"))
        self.assertEqual(history.state, "sent")
        self.assertEqual(history.sms_state, "ready")
        self.assertEqual(history.sms_number, MOBILE)
        self.assertFalse(history.mail_message_id, "no email at this level")
        body = history.sms_body
        self.assertSMSOutgoing(self.person, MOBILE, content=body)
        tracker = (
            self.env["link.tracker"]
            .sudo()
            .search([("url", "=", invoice.relance_pay_url)])
        )
        self.assertEqual(len(tracker.code), 8, "a pay link code hard to guess")
        self.assertEqual(
            body,
            f"Atelier Duval SAS: unless we are mistaken, your invoice {invoice.name} "
            "of 1,234.56 € is 3 days overdue. If you have already paid, please "
            f"disregard this message. Pay online: {tracker.short_url}",
        )
        info = sms_info(body)
        self.assertEqual((info.encoding, info.segments), ("GSM-7", 2), info)
        # the SMS is logged on the customer's chatter
        message = history.sms_message_id
        self.assertEqual(message.message_type, "sms")
        self.assertEqual(
            (message.model, message.res_id), ("res.partner", self.person.id)
        )

    def test_french_sms_reads_right(self):
        """One invoice then two, as the French consumer reads them: courteous,
        singular or plural as the facts are, GSM-7, two SMS at most."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.ref("base.module_account_relance_fr_sms")._update_translations(
            ["fr_FR"]
        )
        self.person.lang = "fr_FR"
        self.company.currency_id = self.env.ref("base.EUR")
        self.company.name = "Ébénisterie Sœur"  # œ is not GSM-7
        first = self._invoice(self.person, 1234.56, self.DUE)
        second = self._invoice(self.person, 10.0, self.DUE + timedelta(days=7))
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=3))
            self._run(self.DUE + timedelta(days=17))
        friendly = self._sms_history(first).filtered(lambda h: h.level_days == 3)
        link = self.env["link.tracker"].sudo().search([("title", "=", first.name)])
        self.assertEqual(
            friendly.sms_body,
            f"Ébénisterie Soeur : sauf erreur de notre part, votre facture "
            f"{first.name} de 1 234,56 € est échue depuis 3 jours. Si vous avez "
            "déjà réglé, merci de ne pas tenir compte de ce message. Règlement en "
            f"ligne : {link.short_url}",
        )
        # J+10 for the first invoice, J+3 for the second: one SMS for both at
        # the most advanced level, with the link of the customer page that
        # lists and pays both
        reminder = self._sms_history(first + second).filtered(
            lambda h: h.level_days == 10
        )
        self.assertTrue(reminder)
        body = reminder[0].sms_body
        self.assertEqual(
            body,
            "Ébénisterie Soeur : rappel, vos 2 factures (1 244,56 € au total) "
            "restent impayées, la plus ancienne depuis 17 jours. Merci de régler "
            "ce montant dès que possible, ou de ne pas tenir compte de ce message "
            f"si c'est déjà fait. Règlement en ligne : {link.short_url}",
        )
        for sms in (friendly.sms_body, body):
            info = sms_info(sms)
            self.assertEqual(info.encoding, "GSM-7", sms)
            self.assertLessEqual(info.segments, 2, sms)
            self.assertNotIn("  ", sms)

    def test_gsm7_tools(self):
        self.assertEqual(sms_info("a" * 160).segments, 1)
        self.assertEqual(sms_info("a" * 161).segments, 2)
        self.assertEqual(sms_info("a" * 306).segments, 2)
        self.assertEqual(sms_info("a" * 307).segments, 3)
        # € and [ ] take two septets
        self.assertEqual(sms_info("€" * 80), (sms_info("€" * 80)[0], 160, 1, ""))
        self.assertEqual(sms_info("€" * 81).segments, 2)
        self.assertEqual(sms_info("éèàùìòÇÉ").encoding, "GSM-7")
        for char in ("ê", "ç", "â", "œ", "\xa0", "\u202f", "’"):
            info = sms_info(f"Relance {char}")
            self.assertEqual(info.encoding, "UCS-2", char)
            self.assertEqual(info.non_gsm_chars, char)
        self.assertEqual(sms_info("ê" * 70).segments, 1)
        self.assertEqual(sms_info("ê" * 71).segments, 2)
        self.assertEqual(sms_info("").segments, 0)
        self.assertEqual(
            to_gsm7("Fête «Noël» 1\u202f234,56\xa0€ – Ça’"),
            'Fete "Noel" 1 234,56 € - Ça\'',
        )
        self.assertEqual(sms_info(to_gsm7("çœ🙂")).encoding, "GSM-7")

    def test_template_form_warns(self):
        self._invoice(self.person, 250.0, self.DUE)
        links = self.env["link.tracker"].sudo().search_count([])
        with freeze_time(self.DUE + timedelta(days=3)):
            template = self.env.ref(
                "account_relance_fr_sms.sms_template_relance_friendly"
            )
            self.assertFalse(template.relance_sms_warning)
            self.assertIn("your invoice INV/", template.relance_sms_example)
            self.assertIn(
                " of 250.00 € is 3 days overdue.", template.relance_sms_example
            )
            self.assertIn("GSM-7, 2 SMS", template.relance_sms_example_info)
            self.assertEqual(
                self.env["link.tracker"].sudo().search_count([]),
                links,
                "the example creates no link",
            )
            form = Form(self.env["sms.template"])
            form.name = "Trop long"
            form.model_id = self.env.ref("base.model_res_partner")
            form.body = "Fête: {{ object.relance_sms_amount }} " + "x" * 150
            self.assertIn("UCS-2", form.relance_sms_warning)
            self.assertIn("'ê'", form.relance_sms_warning)
            self.assertIn("needs 3 SMS", form.relance_sms_warning)
            form.body = "{{ object.relance_sms_company_name }} " + "y" * 150
            self.assertFalse(form.relance_sms_warning, "two SMS: no warning")
            form.body = "{{ object.relance_sms_company_name }} " + "y" * 300
            self.assertNotIn("UCS-2", form.relance_sms_warning)
            self.assertIn("needs 3 SMS", form.relance_sms_warning)
            form.body = "{{ object.no_such_field }}"
            self.assertIn("could not be rendered", form.relance_sms_warning)

    def test_template_example_without_overdue_invoice(self):
        template = self.env.ref("account_relance_fr_sms.sms_template_relance_reminder")
        example = template.relance_sms_example
        self.assertIn("Atelier Duval SAS: reminder, your invoice INV/", example)
        self.assertIn("/r/XXXXXXXX", example)
        self.assertFalse(template.relance_sms_warning)

    # ------------------------------------------------------------------
    # Numbers
    # ------------------------------------------------------------------

    def test_number_formatting(self):
        run = self.env["account.relance.run"]
        partner = self.env["res.partner"].create(
            {"name": "Client", "country_id": self.france.id}
        )
        for raw in (
            "06 12 34 56 78",
            "06.12.34.56.78",
            "0612345678",
            "+33 6 12 34 56 78",
            "+33 (0)6 12 34 56 78",
            "0033612345678",
        ):
            partner.mobile = raw
            self.assertEqual(
                run._get_relance_sms_recipient(partner, partner),
                (MOBILE, partner, False),
                raw,
            )
        # a Belgian mobile of a Belgian customer
        partner.write(
            {"mobile": "0470 12 34 56", "country_id": self.env.ref("base.be").id}
        )
        self.assertEqual(
            run._get_relance_sms_recipient(partner, partner)[0], "+32470123456"
        )
        partner.country_id = self.france
        # the contact's mobile first, then the customer's
        contact = self.env["res.partner"].create(
            {
                "name": "Service compta",
                "parent_id": partner.id,
                "mobile": "07 81 22 33 44",
            }
        )
        self.assertEqual(
            run._get_relance_sms_recipient(partner, contact),
            ("+33781223344", contact, False),
        )
        contact.mobile = False
        partner.mobile = "06 12 34 56 78"
        self.assertEqual(run._get_relance_sms_recipient(partner, contact)[0], MOBILE)
        # a mobile number in the phone field counts, a landline does not
        partner.write({"mobile": False, "phone": "04 78 12 34 56"})
        self.assertEqual(
            run._get_relance_sms_recipient(partner, partner),
            (False, partner.browse(), "invalid"),
        )
        partner.phone = "06 12 34 56 78"
        self.assertEqual(run._get_relance_sms_recipient(partner, partner)[0], MOBILE)
        partner.phone = False
        self.assertEqual(run._get_relance_sms_recipient(partner, partner)[2], "missing")
        for bad in ("12345", "06 12 34", "+33 1 23", "not a number"):
            partner.mobile = bad
            self.assertEqual(
                run._get_relance_sms_recipient(partner, partner)[2], "invalid", bad
            )

    def test_fallback_missing_number(self):
        self.person.mobile = False
        invoice = self._invoice(self.person, 120.0, self.DUE)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=3))
        history = self._histories(invoice)
        self.assertEqual(history.state, "sent")
        self.assertEqual((history.channel, history.channels), ("email", "email"))
        self.assertEqual(history.sms_skip_reason, "missing")
        self.assertIn(
            "SMS not sent (No Mobile Number): sent by email instead.", history.note
        )
        self.assertFalse(history.sms_message_id)
        self.assertIn(invoice.name, history.mail_message_id.body)
        self.assertFalse(self._new_sms)
        self.assertMailMail(self.person, "outgoing")

    def test_fallback_invalid_number(self):
        self.person.mobile = "06 12"
        invoice = self._invoice(self.person, 120.0, self.DUE)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=3))
        history = self._histories(invoice)
        self.assertEqual(history.sms_skip_reason, "invalid")
        self.assertEqual(history.channel, "email")
        self.assertTrue(history.mail_message_id)
        self.assertFalse(self._new_sms)

    def test_fallback_on_sms_and_email_level_sends_one_email(self):
        self.person.mobile = False
        invoice = self._invoice(self.person, 120.0, self.DUE)
        level = self.sms_levels[10]
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self.env["account.relance.run"]._send_now(
                self.person, invoice._get_relance_open_lines(), level, ["sms", "email"]
            )
        history = self._histories(invoice)
        self.assertEqual(history.channels, "email")
        self.assertIn("the reminder goes by email", history.note)
        self.assertEqual(
            len(
                self._new_mails.filtered(lambda mail: self.person in mail.recipient_ids)
            ),
            1,
        )

    def test_fallback_without_email_fails(self):
        self.person.write({"mobile": False, "email": False})
        invoice = self._invoice(self.person, 120.0, self.DUE)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=3))
        history = self._histories(invoice)
        self.assertEqual(history.state, "failed")
        self.assertIn("SMS not sent (No Mobile Number)", history.error)
        self.assertIn("has no email address", history.error)
        self.assertEqual(self._failure_activity(self.person).user_id, self.accountant)

    def test_blacklisted_number_gets_no_sms(self):
        self.env["phone.blacklist"].sudo().add(MOBILE)
        invoice = self._invoice(self.person, 120.0, self.DUE)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=3))
        history = self._histories(invoice)
        self.assertEqual(history.sms_skip_reason, "blacklisted")
        self.assertEqual(history.channel, "email")
        self.assertFalse(self._new_sms)
        self.assertFalse(self._sms)
        # STOP on the number used: no SMS to another number of the customer
        self.person.phone = "07 81 22 33 44"
        self.assertEqual(
            self.env["account.relance.run"]._get_relance_sms_recipient(
                self.person, self.person
            )[2],
            "blacklisted",
        )
        # unblacklisted: the next level goes by SMS again
        self.env["phone.blacklist"].sudo().remove(MOBILE)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=10))
        self.assertTrue(self._sms_history(invoice))

    # ------------------------------------------------------------------
    # Sending window
    # ------------------------------------------------------------------

    def test_sms_window_defers_then_sends(self):
        self.company.write(
            {
                "relance_sms_send_sunday": False,
                "relance_sms_hour_from": 8.5,
                "relance_sms_hour_to": 20.0,
                "relance_sms_skip_holidays": True,
            }
        )
        self.assertEqual(
            self.company._get_relance_sms_window(),
            {
                "weekdays": {0, 1, 2, 3, 4, 5},
                "hour_from": 8.5,
                "hour_to": 20.0,
                "skip_holidays": True,
                "closed_days": self.company._get_relance_closed_days(),
            },
        )
        # due Thursday 2 April 2026: J+3 is Sunday 5 April, then Easter Monday
        invoice = self._invoice(self.person, 100.0, self.DUE + timedelta(days=17))
        company_invoice = self._invoice(
            self.customer, 100.0, self.DUE + timedelta(days=19)
        )
        no_mobile = self.env["res.partner"].create(
            {"name": "Jean Sansmobile", "email": "jean@example.com"}
        )
        no_mobile_invoice = self._invoice(
            no_mobile, 100.0, self.DUE + timedelta(days=17)
        )
        run = self.env["account.relance.run"]
        cron = "account_relance_fr.ir_cron_send_relances"
        with self.mockSMSGateway(), self.mock_mail_gateway():
            # Sunday 5 April, 10:00 Paris: no SMS on Sunday; the job comes back
            # on Tuesday 7 April at 8:30 Paris (6:30 UTC), Monday being Easter
            # Monday; one trigger however many runs and customers wait
            with (
                freeze_time("2026-04-05 08:00:00"),
                self.capture_triggers(cron) as capture,
            ):
                run._cron_send_relances()
                run._cron_send_relances()
            self.assertFalse(self._histories(invoice))
            self.assertTrue(
                self._histories(company_invoice), "email reminders are not held"
            )
            # no mobile number: its email replaces the SMS at once
            self.assertEqual(
                self._histories(no_mobile_invoice).sms_skip_reason, "missing"
            )
            at_sms_opening = capture.records.filtered(
                lambda trigger: trigger.call_at == datetime(2026, 4, 7, 6, 30)
            )
            self.assertEqual(len(at_sms_opening), 1)
            with freeze_time("2026-04-06 08:00:00"):
                run._cron_send_relances()
            self.assertFalse(self._histories(invoice), "Easter Monday")
            with freeze_time("2026-04-07 06:00:00"):  # 8:00 Paris
                run._cron_send_relances()
            self.assertFalse(self._histories(invoice))
            with freeze_time("2026-04-07 06:30:00"):  # 8:30 Paris
                run._cron_send_relances()
            self.assertSMSOutgoing(self.person, MOBILE)
        self.assertEqual(self._histories(invoice).channel, "sms")
        window = self.company._get_relance_sms_window()
        self.assertFalse(within_window(window, datetime(2026, 4, 7, 20, 0)))
        self.assertTrue(within_window(window, datetime(2026, 4, 11, 19, 59)))

    def test_manual_send_outside_window_goes_by_email(self):
        self.company.write({"relance_sms_hour_from": 8.0, "relance_sms_hour_to": 20.0})
        invoice = self._invoice(self.person, 100.0, self.DUE)
        with (
            self.mockSMSGateway(),
            self.mock_mail_gateway(),
            freeze_time("2026-03-19 21:00:00"),
        ):
            self.env["account.relance.run"]._send_now(
                self.person,
                invoice._get_relance_open_lines(),
                self.sms_levels[3],
                ["sms"],
            )
        history = self._histories(invoice)
        self.assertEqual(history.sms_skip_reason, "window")
        self.assertEqual(history.channel, "email")
        self.assertFalse(self._new_sms)

    # ------------------------------------------------------------------
    # Delivery states
    # ------------------------------------------------------------------

    def test_delivery_states_flow_back(self):
        invoice = self._invoice(self.person, 100.0, self.DUE)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=3))
            history = self._histories(invoice)
            self.assertEqual(history.sms_state, "ready")
            with freeze_time(self.DUE + timedelta(days=3)):
                self._send_sms_queue()
            self.assertSMSIapSent([MOBILE], content="If you have already paid")
            self.assertEqual(history.sms_state, "pending")
            self.assertEqual(history.sms_notification_id.notification_status, "pending")
            # the provider's delivery report
            tracker = (
                self.env["sms.tracker"]
                .sudo()
                .search([("mail_notification_id", "=", history.sms_notification_id.id)])
            )
            tracker._action_update_from_sms_state("sent")
        self.assertEqual(history.sms_state, "sent")
        self.assertEqual(history.state, "sent")
        self.assertFalse(self._failure_activity(self.person))

    def test_sms_error_fails_reminder_once_a_day(self):
        invoice = self._invoice(self.person, 100.0, self.DUE)
        day = self.DUE + timedelta(days=3)
        with (
            self.mockSMSGateway(sim_error="wrong_number_format"),
            self.mock_mail_gateway(),
        ):
            self._run(day)
            with freeze_time(day):
                self._send_sms_queue()
        history = self._histories(invoice)
        self.assertEqual(history.sms_state, "exception")
        self.assertEqual(history.state, "failed")
        self.assertIn(
            f"SMS to {MOBILE} not delivered: Wrong Number Format", history.error
        )
        activity = self._failure_activity(self.person)
        self.assertEqual(activity.user_id, self.accountant)
        self.assertIn("Wrong Number Format", activity.note)
        # not retried the same day
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(day)
            self.assertFalse(self._new_sms)
        # retried the next day, on the same history
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(day + timedelta(days=1))
            with freeze_time(day + timedelta(days=1)):
                self._send_sms_queue()
            self.assertEqual(len(self._new_sms), 1)
        self.assertEqual(self._histories(invoice), history)
        self.assertEqual((history.state, history.sms_state), ("sent", "pending"))
        self.assertFalse(history.error)

    def test_bounce_after_sending(self):
        """A bounce of the SMS of an SMS + email reminder keeps it sent."""
        sms_only = self._invoice(self.person, 100.0, self.DUE)
        other = self.env["res.partner"].create(
            {
                "name": "Lucie Martin",
                "mobile": "0611223344",
                "country_id": self.france.id,
                "email": "lucie@example.com",
            }
        )
        both = self._invoice(other, 100.0, self.DUE - timedelta(days=7))
        day = self.DUE + timedelta(days=3)
        level = self.sms_levels[10]
        run = self.env["account.relance.run"]
        with self.mockSMSGateway(), self.mock_mail_gateway(), freeze_time(day):
            for partner, invoice, level in (
                (self.person, sms_only, self.sms_levels[3]),
                (other, both, self.sms_levels[10]),
            ):
                run._send_now(
                    partner,
                    invoice._get_relance_open_lines(),
                    level,
                    level._get_channels_for_partner(partner),
                )
            self._send_sms_queue()
        sms_history = self._histories(sms_only)
        both_history = self._histories(both)
        self.assertEqual(both_history.channels, "email, sms")
        trackers = (
            self.env["sms.tracker"]
            .sudo()
            .search(
                [
                    (
                        "mail_notification_id",
                        "in",
                        (sms_history + both_history).sms_notification_id.ids,
                    )
                ]
            )
        )
        self.assertEqual(len(trackers), 2)
        trackers._action_update_from_provider_error("invalid_destination")
        self.assertEqual(
            (sms_history.sms_state, sms_history.state), ("bounce", "failed")
        )
        self.assertEqual(
            (both_history.sms_state, both_history.state), ("bounce", "sent")
        )
        self.assertIn("Invalid Destination", both_history.error)
        self.assertTrue(self._failure_activity(self.person))
        self.assertTrue(self._failure_activity(other))

    def test_rerun_same_day_sends_one_sms(self):
        invoice = self._invoice(self.person, 100.0, self.DUE)
        day = self.DUE + timedelta(days=3)
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self._run(day)
            self._run(day)
            with freeze_time(day):
                self._send_sms_queue()
            self._run(day)
            self.assertEqual(len(self._new_sms), 1)
        self.assertEqual(len(self._histories(invoice)), 1)
        self.assertEqual(len(self._sms), 1)

    def test_cron_wired_and_sms_queue_triggered(self):
        invoice = self._invoice(self.person, 100.0, self.DUE)
        with (
            self.mockSMSGateway(),
            self.mock_mail_gateway(),
            self.capture_triggers("sms.ir_cron_sms_scheduler_action") as capture,
            freeze_time(f"{self.DUE + timedelta(days=3)} 09:00"),
        ):
            self.env.ref(
                "account_relance_fr.ir_cron_send_relances"
            ).sudo().method_direct_trigger()
        self.assertTrue(self._sms_history(invoice))
        self.assertEqual(len(capture.records), 1)

    # ------------------------------------------------------------------
    # Local transport
    # ------------------------------------------------------------------

    def test_local_transport_writes_the_file(self):
        with tempfile.TemporaryDirectory() as folder:
            target = os.path.join(folder, "sms")
            params = self.env["ir.config_parameter"].sudo()
            params.set_param("account_relance_fr_sms.transport", "local")
            params.set_param("account_relance_fr_sms.local_folder", target)
            invoice = self._invoice(self.person, 100.0, self.DUE)
            day = self.DUE + timedelta(days=3)
            with self.mockSMSGateway(), self.mock_mail_gateway():
                self._run(day)
                with freeze_time(f"{day} 09:05:00"):
                    self._send_sms_queue()
                self.assertFalse(self._sms, "nothing went to IAP")
            history = self._histories(invoice)
            self.assertEqual(history.sms_state, "sent")
            files = os.listdir(target)
            self.assertEqual(len(files), 1)
            self.assertTrue(files[0].startswith("20260319-090500-+33612345678-"))
            with open(os.path.join(target, files[0]), encoding="utf-8") as file:
                content = json.load(file)
            self.assertEqual(content["number"], MOBILE)
            self.assertEqual(content["body"], history.sms_body)
            self.assertEqual(content["partner"], "Camille Durand")
            self.assertEqual((content["encoding"], content["segments"]), ("GSM-7", 2))
            self.assertEqual(content["date"], "2026-03-19 09:05:00")
        # the setting, Odoo IAP by default
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.relance_sms_transport, "local")
        settings.relance_sms_transport = "iap"
        settings.execute()
        self.assertEqual(self.env["sms.sms"]._get_relance_sms_transport(), "iap")

    def test_local_transport_unwritable_folder(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("account_relance_fr_sms.transport", "local")
        with tempfile.NamedTemporaryFile() as not_a_folder:
            params.set_param("account_relance_fr_sms.local_folder", not_a_folder.name)
            invoice = self._invoice(self.person, 100.0, self.DUE)
            day = self.DUE + timedelta(days=3)
            with (
                self.mockSMSGateway(),
                self.mock_mail_gateway(),
                mute_logger("odoo.addons.account_relance_fr_sms.models.sms_sms"),
            ):
                self._run(day)
                with freeze_time(day):
                    self._send_sms_queue()
        history = self._histories(invoice)
        self.assertEqual((history.sms_state, history.state), ("exception", "failed"))
        self.assertIn("Server Error", history.error)

    # ------------------------------------------------------------------
    # Manual sending
    # ------------------------------------------------------------------

    def test_send_wizard_offers_sms(self):
        invoice = self._invoice(self.person, 100.0, self.DUE)
        with freeze_time(self.DUE + timedelta(days=3)):
            form = Form(
                self.env["account.relance.send.wizard"].with_context(
                    default_partner_id=self.person.id
                )
            )
            self.assertEqual(form.level_id, self.sms_levels[3])
            self.assertTrue(form.channel_sms)
            self.assertFalse(form.channel_email)
            self.assertIn(f"To {MOBILE} (", form.preview_sms)
            self.assertIn("GSM-7, 2 SMS", form.preview_sms)
            self.assertIn("/r/XXXXXXXX", form.preview_sms)
            form.channel_email = True
            wizard = form.save()
            self.person.relance_channel_preference = "sms"
            self.assertEqual(wizard._get_selected_channels(), ["sms", "email"])
            with self.mockSMSGateway(), self.mock_mail_gateway():
                wizard.action_send()
                self.assertSMSOutgoing(self.person, MOBILE)
        history = self._histories(invoice)
        self.assertEqual(history.channels, "sms, email")
        # without a mobile the preview says the email goes instead
        self.person.mobile = False
        with freeze_time(self.DUE + timedelta(days=3)):
            form = Form(
                self.env["account.relance.send.wizard"].with_context(
                    default_partner_id=self.person.id
                )
            )
            form.level_id = self.sms_levels[10]
            self.assertIn("No SMS (No Mobile Number)", form.preview_sms)
