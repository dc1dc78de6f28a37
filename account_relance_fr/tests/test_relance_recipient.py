import html
from datetime import timedelta

from odoo import Command
from odoo.tests import Form, tagged

from .common import RelanceCommon


@tagged("post_install", "-at_install")
class TestRelanceRecipient(RelanceCommon):
    """Who gets a reminder: the chain reminder contact → contact the invoice is
    addressed to → invoice-address contact → the customer, on email and on
    the letters' postal address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        # the job runs in English, the accountant reads French
        cls.env.user.lang = "en_US"
        cls.accountant = cls.env["res.users"].create(
            {
                "name": "Sophie Comptable",
                "login": "sophie.relance",
                "email": "sophie@atelier.example",
                "lang": "fr_FR",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set(cls.env.ref("account.group_account_manager").ids)
                ],
            }
        )
        cls.company.write(
            {
                "relance_accountant_id": cls.accountant.id,
                "street": "1 place Bellecour",
                "zip": "69002",
                "city": "Lyon",
            }
        )
        cls.menuiserie = cls.env["res.partner"].create(
            {
                "name": "Menuiserie Leroy",
                "is_company": True,
                "street": "5 rue des Tanneurs",
                "zip": "69007",
                "city": "Lyon",
            }
        )
        cls.paul = cls.env["res.partner"].create(
            {
                "name": "Paul Leroy",
                "parent_id": cls.menuiserie.id,
                "type": "contact",
                "email": "paul@menuiserie-leroy.example",
            }
        )

    def _mail_of(self, history):
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "=", history.mail_message_id.id)])
        )

    def _failure_activity(self, partner):
        return partner.activity_ids.filtered(
            lambda activity: activity.activity_type_id
            == self.env.ref("account_relance_fr.mail_activity_type_relance_failure")
        )

    def test_invoice_contact_gets_reminder_of_company_without_email(self):
        """The issue's case: no email on the company, no invoice-address
        contact, the invoice addressed to a contact who has one."""
        self.assertEqual(self.menuiserie.relance_contact_id, self.menuiserie)
        invoice = self._invoice(self.paul, 1000.0, self.DUE)
        self.assertEqual(invoice.commercial_partner_id, self.menuiserie)
        control = self._invoice(self.customer_2, 100.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        history = self._histories(invoice)
        self.assertEqual(history.state, "sent")
        self.assertEqual(history.partner_id, self.menuiserie)
        self.assertEqual(history.contact_id, self.paul)
        mail = self._mail_of(history)
        self.assertEqual(mail.recipient_ids, self.paul)
        self.assertIn(invoice.name, mail.body_html)
        self.assertFalse(self._failure_activity(self.menuiserie))
        self.assertEqual(self._histories(control).state, "sent")

    def test_chain_order_through_the_daily_job(self):
        """Each customer's reminder goes to the first of the chain with an
        email; the failure only when nobody has one."""
        partner = self.env["res.partner"]
        # explicit reminder contact first, even when the invoice names another
        scierie = partner.create(
            {"name": "Scierie Martin", "is_company": True, "email": "s@ex.example"}
        )
        anne, bruno = partner.create(
            [
                {"name": "Anne", "parent_id": scierie.id, "email": "anne@ex.example"},
                {"name": "Bruno", "parent_id": scierie.id, "email": "b@ex.example"},
            ]
        )
        with Form(scierie) as form:
            form.relance_contact_id = anne
        self.assertEqual(scierie.relance_contact_id, anne)
        # a chosen contact stays when an invoice address is added later
        partner.create(
            {
                "name": "Factures Scierie",
                "parent_id": scierie.id,
                "type": "invoice",
                "email": "factures@scierie.example",
            }
        )
        self.assertEqual(scierie.relance_contact_id, anne)
        # the chosen contact lost its email: the invoice's contact, before the
        # invoice-address contact and the company
        charpente = partner.create({"name": "Charpente Roux", "is_company": True})
        claire, facturation = partner.create(
            [
                {"name": "Claire", "parent_id": charpente.id},
                {
                    "name": "Facturation Roux",
                    "parent_id": charpente.id,
                    "type": "invoice",
                    "email": "factu@roux.example",
                },
            ]
        )
        denis = partner.create(
            {"name": "Denis", "parent_id": charpente.id, "email": "denis@roux.example"}
        )
        self.assertEqual(charpente.relance_contact_id, facturation, "default")
        charpente.relance_contact_id = claire
        # invoice to the company itself: the invoice-address contact
        couverture = partner.create({"name": "Couverture Blanc", "is_company": True})
        factures_blanc = partner.create(
            {
                "name": "Factures Blanc",
                "parent_id": couverture.id,
                "type": "invoice",
                "email": "factures@blanc.example",
            }
        )
        # nobody has an email: the failure, in the accountant's French
        toiture = partner.create({"name": "Toiture Noir", "is_company": True})
        eric = partner.create({"name": "Eric", "parent_id": toiture.id})
        invoices = {
            anne: self._invoice(bruno, 100.0, self.DUE),
            denis: self._invoice(denis, 200.0, self.DUE),
            factures_blanc: self._invoice(couverture, 300.0, self.DUE),
        }
        no_email = self._invoice(eric, 400.0, self.DUE)
        with self.mock_mail_gateway():
            self._run(self.DUE + timedelta(days=1))
        for contact, invoice in invoices.items():
            history = self._histories(invoice)
            self.assertEqual(history.state, "sent", contact.name)
            self.assertEqual(history.contact_id, contact)
            self.assertEqual(self._mail_of(history).recipient_ids, contact)
        failed = self._histories(no_email)
        self.assertEqual(failed.state, "failed")
        expected = (
            "Toiture Noir n'a aucune adresse e-mail : ni sur son contact de "
            "relance, ni sur les contacts à qui ses factures sont adressées, ni "
            "sur ses contacts d'adresse de facturation, ni sur la fiche du client."
        )
        self.assertEqual(failed.error, expected)
        activity = self._failure_activity(toiture)
        self.assertEqual(activity.user_id, self.accountant)
        note = html.unescape(str(activity.note))
        # two sentences: no capital after a colon
        self.assertIn(f"La relance n'a pas pu être envoyée. {expected}", note)

    def test_letter_goes_to_the_invoice_address(self):
        """A customer without a street: the letters bear the address of its
        invoice-address contact, and the mise en demeure can go."""
        ferronnerie = self.env["res.partner"].create(
            {"name": "Ferronnerie Petit", "is_company": True, "lang": "fr_FR"}
        )
        compta = self.env["res.partner"].create(
            {
                "name": "Comptabilité Ferronnerie",
                "lang": "fr_FR",
                "parent_id": ferronnerie.id,
                "type": "invoice",
                "street": "12 quai Saint-Vincent",
                "zip": "69001",
                "city": "Lyon",
                "email": "compta@ferronnerie.example",
            }
        )
        invoice = self._invoice(ferronnerie, 1500.0, self.DUE)
        lines = invoice._get_relance_open_lines()
        run = self.env["account.relance.run"]
        with self.mock_mail_gateway():
            last, formal = (
                run._send_now(ferronnerie, lines, self.level_by_days[days], ["letter"])
                for days in (20, 30)
            )
        for history in (last, formal):
            self.assertEqual(history.state, "sent", history.error)
            self.assertEqual(history.contact_id, compta)
            html = history.letter_attachment_id.raw.decode()
            self.assertIn("12 quai Saint-Vincent", html)
            self.assertIn("69001", html)
            self.assertIn("Comptabilité Ferronnerie", html)
        self.assertIn(
            "À l'attention de Comptabilité Ferronnerie",
            formal.letter_attachment_id.raw.decode(),
        )
        # without the contact's street the mise en demeure is stopped
        compta.street = False
        other = self._invoice(ferronnerie, 700.0, self.DUE)
        with self.mock_mail_gateway():
            stopped = run._send_now(
                ferronnerie,
                other._get_relance_open_lines(),
                self.level_by_days[30],
                ["letter"],
            )
        self.assertEqual(stopped.state, "failed")
        self.assertIn("the street", stopped.error)
