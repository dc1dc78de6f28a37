"""Every mail, letter and PDF a customer receives, read as its recipient would.

Four customers (a French company, a French consumer, a French public body, an
English company), each with one invoice and with several: eight cases. Every
shipped mail template, the reminder letter, the relevé de compte, the payment
plan letter, the invoice PDF and (French customers only: another change makes
it follow the customer's language) the mise en demeure are rendered through
the entry points the product uses, and their text is checked: singular or
plural as the facts are, no double space, no internal note, the customer's
language only, the seller's legal mentions with its SIREN spaced.

The day is in the second half of 2026, whose rates are not entered: the case
where an internal note ("provisional", "rates to enter") used to reach
customers. Each PDF is rendered once, in ``setUpClass``.
"""

import re
import shutil
import unittest
from contextlib import contextmanager
from datetime import date, timedelta

from odoo import Command
from odoo.tests import tagged
from odoo.tests.common import freeze_time
from odoo.tools import mute_logger

from .common import RelanceCommon, pdf_text
from .test_relance_customer_documents import _text

TODAY = date(2026, 7, 20)
OVERDUE = date(2026, 6, 18)  # penalties straddle H1 and H2 2026
UPCOMING = date(2026, 7, 24)  # for the préventive reminder

# words that only the other language uses, as whole words
ENGLISH_WORDS = (
    "Dear",
    "invoice",
    "invoices",
    "Invoice",
    "Kind regards",
    "Unless",
    "payment",
    "Payment",
    "Amount",
    "Due date",
    "Total due",
    "Statement",
    "Subject",
    "Thank you",
    "your",
    "VAT",
    "the",
)
FRENCH_WORDS = (
    "Madame",
    "Monsieur",
    "Bonjour",
    "Cordialement",
    "facture",
    "factures",
    "Facture",
    "échéance",
    "Échéance",
    "Montant",
    "Relevé",
    "Objet",
    "règlement",
    "Règlement",
    "votre",
    "vos",
    "TVA",
    "le",
    "les",
)
# what agrees with one invoice only, or with several only
SINGULAR = {
    "fr": (
        "la facture ci-dessous",
        "son paiement",
        "Vous la trouverez",
        "cette facture",
        "votre facture",
        "la régler",
        "de la facture",
        "le numéro de facture",
    ),
    "en": (
        "the invoice below",
        "its payment",
        "find it attached",
        "this invoice",
        "your invoice",
        "invoice number.",
    ),
}
PLURAL = {
    "fr": (
        "les factures ci-dessous",
        "leur paiement",
        "Vous les trouverez",
        "ces factures",
        "vos factures",
        "les régler",
        "des factures",
        "les numéros de facture",
    ),
    "en": (
        "the invoices below",
        "their payment",
        "find them attached",
        "these invoices",
        "your invoices",
        "invoice numbers",
    ),
}
# notes for the accountant that a customer must never read
INTERNAL_NOTE = re.compile(
    r"provisoire|provisional|à saisir|to enter|to be entered|à actualiser|"
    r"taux du H|rates of H|H2 2026|Enter the rates",
    re.IGNORECASE,
)
HAS_PDF_TOOLS = bool(shutil.which("wkhtmltopdf") and shutil.which("pdftotext"))


def _word(text):
    """A regular expression matching ``text`` as whole words."""
    return rf"(?<![\w/-]){re.escape(text)}(?![\w-])"


@tagged("post_install", "-at_install")
@freeze_time("2026-07-20 09:00:00")
class TestRelanceEveryDocument(RelanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_relance_fr")._update_translations(["fr_FR"])
        cls.company.write(
            {
                "street": "12 rue des Tanneurs",
                "zip": "69002",
                "city": "Lyon",
                "phone": "+33 4 78 42 17 30",
                "relance_legal_form": "SAS",
                "relance_share_capital": 10000.0,
                "relance_rcs_city": "Lyon",
            }
        )
        cls.company.partner_id.bank_ids = [
            Command.create({"acc_number": "FR7630002006500000734159232"})
        ]
        madam = cls.env.ref("base.res_partner_title_madam")
        specs = (
            # key, name, company?, type, lang, title
            ("company", "Boulangerie Martin", True, "company", "fr_FR", False),
            ("consumer", "Jeanne Petit", False, "individual", "fr_FR", False),
            ("public", "Mairie de Villeurbanne", True, "public", "fr_FR", False),
            ("english", "Harbour Trading Ltd", True, "company", "en_US", False),
        )
        cls.cases = []
        for key, name, is_company, kind, lang, title in specs:
            for count in (1, 2):
                partner = cls.env["res.partner"].create(
                    {
                        "name": name if count == 1 else f"{name} ({count})",
                        "is_company": is_company,
                        "relance_customer_type": kind,
                        "lang": lang,
                        "title": title and madam.id,
                        "email": f"{key}{count}@customer.example",
                        "street": "3 rue de la Paix",
                        "zip": "69002",
                        "city": "Lyon",
                    }
                )
                overdue = cls.env["account.move"].union(
                    *(
                        cls._invoice(partner, 400.0 + 100 * index, OVERDUE)
                        for index in range(count)
                    )
                )
                upcoming = cls.env["account.move"].union(
                    *(
                        cls._invoice(partner, 90.0 + index, UPCOMING)
                        for index in range(count)
                    )
                )
                cls.cases.append(
                    {
                        "key": f"{key}-{count}",
                        "partner": partner,
                        "lang": lang[:2],
                        "several": count > 1,
                        "overdue": overdue,
                        "upcoming": upcoming,
                    }
                )
        cls.pdfs = cls._render_pdfs() if HAS_PDF_TOOLS else {}

    @classmethod
    def _render_pdfs(cls):
        """Every PDF of every case, rendered once: {(case key, document): text}.

        The relevé de compte, the reminder letter and the mise en demeure are
        letters of the whole account: they are rendered for the customers with
        only their overdue invoices open.
        """
        pdfs = {}
        report = cls.env["ir.actions.report"].with_context(force_report_rendering=True)
        with (
            cls.enter_registry_test_mode_cls(),
            mute_logger("odoo.addons.base.models.ir_actions_report"),
        ):
            for case in cls.cases:
                partner = case["partner"]
                # the job's letter of the last reminder (J+20)
                histories = (
                    cls.env["account.relance.run"]
                    .with_context(force_report_rendering=True)
                    ._send_now(
                        partner,
                        case["overdue"]._get_relance_open_lines(),
                        cls.level_by_days[20],
                        ["letter"],
                    )
                )
                pdfs[case["key"], "letter"] = histories.letter_attachment_id.raw
                # the mails test sends this level again the same day
                histories.sudo().unlink()
                pdfs[case["key"], "statement"] = report._render_qweb_pdf(
                    "account_relance_fr.report_relance_statement", partner.ids
                )[0]
                if case["lang"] == "fr":
                    # printed by hand: every overdue invoice of the customer
                    pdfs[case["key"], "formal notice"] = report._render_qweb_pdf(
                        "account_relance_fr.report_relance_formal_notice",
                        partner.ids,
                    )[0]
                if case["several"]:
                    plan = cls._make_plan(case)
                    pdfs[case["key"], "plan"] = report._render_qweb_pdf(
                        "account_relance_fr.action_report_relance_plan", plan.ids
                    )[0]
                else:
                    invoice = case["overdue"].with_context(
                        lang=partner.lang, relance_seller_block=True
                    )
                    pdfs[case["key"], "invoice"] = report.with_context(
                        relance_seller_block=True
                    )._render_qweb_pdf("account.account_invoices", invoice.ids)[0]
        return {key: pdf_text(content) for key, content in pdfs.items()}

    @classmethod
    @contextmanager
    def enter_registry_test_mode_cls(cls):
        """New cursors (wkhtmltopdf's assets) reuse the test's, as
        ``enter_test_mode`` does for a test method."""
        cls.env.registry.enter_test_mode(cls.env.cr)
        try:
            yield
        finally:
            cls.env.registry.leave_test_mode()

    @classmethod
    def _make_plan(cls, case):
        plan = cls.env["account.relance.plan"].create(
            {
                "partner_id": case["partner"].id,
                "date": TODAY,
                "start_date": TODAY + timedelta(days=10),
                "instalment_count": 2,
                "move_ids": [Command.set(case["overdue"].ids)],
            }
        )
        plan.action_compute_schedule()
        return plan

    # ------------------------------------------------------------------
    # CHECKS
    # ------------------------------------------------------------------

    def _legal_lines(self, lang):
        """The seller's legal mentions as the customer reads them."""
        lines = self.company.with_context(
            lang=f"{lang}_{'FR' if lang == 'fr' else 'US'}"
        )._get_relance_legal_lines()
        return [" ".join(line.split()) for line in lines]

    def _assert_reads_right(
        self, case, text, where, legal=True, language=True, agreement=True
    ):
        """``text`` (visible text, one line) as ``case``'s customer reads it.

        :param agreement: check singular/plural against the number of
            invoices (not for what is about instalments)
        """
        lang = case["lang"]
        self.assertNotRegex(text, INTERNAL_NOTE, where)
        if language:
            for word in ENGLISH_WORDS if lang == "fr" else FRENCH_WORDS:
                self.assertNotRegex(text, _word(word), f"{where}: {word}")
        if agreement:
            for phrase in (SINGULAR if case["several"] else PLURAL)[lang]:
                self.assertNotRegex(text, _word(phrase), f"{where}: {phrase}")
        self.assertIn("SIREN 552 100 554", text, where)
        if legal:
            for line in self._legal_lines(lang):
                self.assertIn(line, text, where)

    def _assert_our_layout(self, mail, where):
        """The company's own mail layout, not Odoo's generic one."""
        text = _text(mail.body_html)
        for generic in ("Odoo", "Votre Contact", "Your Contact", "Powered by"):
            self.assertNotIn(generic, text, where)
        self.assertIn("compta@atelier.example", text, where)

    def _case(self, key):
        return next(case for case in self.cases if case["key"] == key)

    def _sent_mail(self, message):
        mail = self._new_mails.filtered(lambda m: m.mail_message_id == message)
        self.assertEqual(len(mail), 1)
        return mail

    # ------------------------------------------------------------------
    # MAILS
    # ------------------------------------------------------------------

    def test_reminder_mails(self):
        """Préventive, friendly, reminder, last reminder and the email
        covering the mise en demeure, in the eight cases."""
        formal = self.level_by_days[30]
        formal.write(
            {
                "channel_email": True,
                "mail_template_id": self.env.ref(
                    "account_relance_fr.mail_template_relance_formal_notice"
                ).id,
            }
        )
        steps = [(-5, "upcoming"), (1, "overdue"), (8, "overdue"), (20, "overdue")]
        steps.append((30, "overdue"))
        for case in self.cases:
            for days, which in steps:
                where = f"{case['key']} J{days:+d}"
                with self.mock_mail_gateway():
                    histories = self.env["account.relance.run"]._send_now(
                        case["partner"],
                        case[which]._get_relance_open_lines(),
                        self.level_by_days[days] if days != 30 else formal,
                        ["email"],
                    )
                    self.assertEqual(set(histories.mapped("state")), {"sent"}, where)
                    message = histories.mail_message_id
                    mail = self._sent_mail(message)
                    self.assertNotIn("  ", message.subject, where)
                    self.assertNotRegex(message.subject, INTERNAL_NOTE, where)
                    for move in case[which]:
                        self.assertIn(move.name, message.subject, where)
                    self._assert_reads_right(case, _text(mail.body_html), where)
                    self._assert_our_layout(mail, where)
                    self._assert_salutation(case, _text(message.body), where)

    def _assert_salutation(self, case, body, where):
        """A company or public body by "Madame, Monsieur,", a consumer by
        name; English "Dear …"."""
        partner = case["partner"]
        if case["lang"] == "en":
            expected = "Dear Sir or Madam,"
        elif partner.is_company:
            expected = "Madame, Monsieur,"
        else:
            expected = f"Bonjour {partner.name},"
        self.assertTrue(body.startswith(expected), f"{where}: {body[:60]}")

    def test_thank_you_mails(self):
        for case in self.cases:
            where = f"{case['key']} thank you"
            self.env["account.relance.run"]._send_now(
                case["partner"],
                case["overdue"]._get_relance_open_lines(),
                self.level_by_days[1],
                ["email"],
            )
            for move in case["overdue"]:
                self._pay(move, day=TODAY)
            with self.mock_mail_gateway():
                self.env["account.relance.run"]._send_thank_you(
                    self.company, partners=case["partner"]
                )
            mail = self._new_mails.filtered(
                lambda m, partner=case["partner"]: m.recipient_ids == partner
            )
            self.assertEqual(len(mail), 1, where)
            self.assertNotIn("  ", mail.subject, where)
            text = _text(mail.body_html)
            self._assert_reads_right(case, text, where)
            self._assert_our_layout(mail, where)
            self._assert_salutation(case, _text(mail.mail_message_id.body), where)
            for move in case["overdue"]:
                self.assertIn(move.name, text, where)

    def test_answer_confirmations(self):
        """The confirmation of an answer on the customer page: our layout,
        never Odoo's light one."""
        access_model = self.env["account.relance.access"]
        for case in self.cases:
            partner = case["partner"]
            access = access_model._get_for(partner, self.company)[partner]
            for kind, values in (
                ("receipt", {"invoice_ids": [str(i) for i in case["overdue"].ids]}),
                (
                    "promise",
                    {
                        "date": str(TODAY + timedelta(days=7)),
                        "invoice_ids": [str(i) for i in case["overdue"].ids],
                    },
                ),
            ):
                where = f"{case['key']} answer {kind}"
                with self.mock_mail_gateway():
                    answer = (
                        self.env["account.relance.answer"]
                        .with_context(lang=partner.lang)
                        ._create_from_portal(access, kind, values)
                    )
                    message = answer.partner_id.message_ids[:1]
                    mail = self._sent_mail(message)
                    text = _text(mail.body_html)
                    self._assert_our_layout(mail, where)
                    self._assert_reads_right(case, text, where)
                    self._assert_salutation(case, _text(message.body), where)

    def test_plan_mails(self):
        """Proposal, instalment reminders before and after, broken plan."""
        templates = [
            self.env.ref(f"account_relance_fr.mail_template_relance_plan_{name}")
            for name in ("instalment_before", "instalment_after", "broken")
        ]
        for case in self.cases:
            plan = self._make_plan(case)
            with self.mock_mail_gateway():
                plan.action_propose()
                self._check_plan_mail(case, plan, "proposed")
            for template in templates:
                where = f"{case['key']} {template.name}"
                with self.mock_mail_gateway():
                    plan.with_context(
                        relance_plan_line_id=plan.line_ids[:1].id
                    )._post_customer_template(template)
                    self._check_plan_mail(case, plan, where)

    def _check_plan_mail(self, case, plan, where):
        message = plan.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
        mail = self._sent_mail(message)
        text = _text(mail.body_html)
        self._assert_our_layout(mail, where)
        # about the plan and its instalments: "la régler" is the instalment
        self._assert_reads_right(case, text, where, agreement=False)
        self._assert_salutation(case, _text(message.body), where)

    # ------------------------------------------------------------------
    # LETTERS AND PDFS
    # ------------------------------------------------------------------

    @unittest.skipUnless(HAS_PDF_TOOLS, "needs wkhtmltopdf and pdftotext")
    def test_letters_statements_and_pdfs(self):
        """Real PDFs, read by pdftotext: the letter of the job, the relevé de
        compte, the payment plan letter, the invoice with its seller block
        and, for French customers, the mise en demeure."""
        self.assertTrue(self.pdfs)
        for (key, document), text in self.pdfs.items():
            case = self._case(key)
            if document == "statement":
                # all the open invoices, the upcoming ones too: always several
                case = dict(case, several=True)
            where = f"{key} {document}"
            self.assertNotIn("  ", text.replace("\n", " "), where)
            self._assert_reads_right(
                case,
                text,
                where,
                # the invoice's own lines are the seller's data
                language=document != "invoice",
            )
            if document in ("letter", "statement"):
                self.assertIn(
                    "Lyon, le 20 juillet 2026"
                    if case["lang"] == "fr"
                    else "Lyon, July 20, 2026",
                    text,
                    where,
                )
            for move in case["overdue"]:
                if document != "plan":
                    self.assertIn(move.name, text, where)
