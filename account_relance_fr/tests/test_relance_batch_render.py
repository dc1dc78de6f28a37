from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import format_amount, format_date, safe_eval
from odoo.tools.rendering_tools import parse_inline_template

from .common import RelanceCommon

NBSP = "\N{NO-BREAK SPACE}"


@tagged("post_install", "-at_install")
class TestRelanceBatchRender(RelanceCommon):
    """The reminders of a batch of customers rendered together (template
    compiled once, amounts formatted with the language and currencies read
    once, layout rendered once per language and company) give each customer
    the very text Odoo's own rendering of that customer alone gives."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        for module in ("account", "account_relance_fr"):
            cls.env.ref(f"base.module_{module}")._update_translations(["fr_FR"])
        cls._setup_dollars()
        cls.level = cls.level_by_days[1]
        cls.level.include_pay_link = True

    def _customers(self, prefix, langs):
        return self.env["res.partner"].create(
            [
                {
                    "name": f"{prefix} {index}",
                    "is_company": True,
                    "email": f"{prefix.lower()}{index}@example.com",
                    "lang": lang,
                }
                for index, lang in enumerate(langs)
            ]
        )

    def _invoices(self, customers):
        """Two invoices per customer, one in euros and one in dollars, of
        amounts with thousands."""
        lines = self.env["account.move.line"]
        for index, customer in enumerate(customers):
            lines |= self._invoice(
                customer, 1234.5 * (index + 1), self.DUE
            )._get_relance_open_lines()
            lines |= self._invoice(
                customer,
                98765.43 + index,
                self.DUE - timedelta(days=3),
                currency_id=self.usd.id,
            )._get_relance_open_lines()
        return lines

    def _rendered_alone(self, template, customer, lang, lines):
        """(the customer's own lines of ``lines``, ``template`` in the context
        Odoo's own rendering of that customer alone gets)."""
        own = lines.filtered(lambda line: line.partner_id == customer)
        return own, template.with_context(
            lang=lang,
            relance_level_id=self.level.id,
            relance_line_ids=own.ids,
            relance_contact_id=customer.id,
        )

    def _posts(self, customers, lines):
        return [
            {
                "partner": customer,
                "template": self.level.mail_template_id,
                "contact": customer,
                "lines": lines.filtered(
                    lambda line, customer=customer: line.partner_id == customer
                ),
                "level": self.level,
            }
            for customer in customers
        ]

    def test_amount_formatter_same_as_odoo(self):
        """The amounts formatter of a batch gives Odoo's ``format_amount``
        text for both languages, currencies with the symbol before or after,
        without decimals or with three, negative and rounded amounts."""
        jpy = self.env.ref("base.JPY")
        kwd = self.env.ref("base.KWD")
        amounts = (
            0.0,
            -0.0,
            0.005,
            -0.004,
            7.0,
            999.995,
            -1234.5,
            1234567.891,
            -98765432.1,
        )
        for lang in ("fr_FR", "en_US"):
            template = self.env["mail.template"].with_context(lang=lang)
            formatter = template._get_batch_amount_formatter(
                template._render_eval_context()["format_amount"]
            )
            for currency in (self.env.ref("base.EUR"), self.usd, jpy, kwd):
                # twice: the texts kept for the amounts met again
                for amount in amounts * 2:
                    for lang_code in (False, "en_US", "fr_FR"):
                        with self.subTest(
                            lang=lang, currency=currency.name, amount=amount
                        ):
                            self.assertEqual(
                                formatter(amount, currency, lang_code=lang_code),
                                format_amount(
                                    template.env, amount, currency, lang_code
                                ),
                            )
        self.assertEqual(formatter(-1234.5, self.usd), f"${NBSP}-\ufeff1,234.50")
        french = self.env["mail.template"].with_context(lang="fr_FR")
        self.assertIn(
            "234,50",
            french._get_batch_amount_formatter(None)(1234.5, self.usd),
        )

    def test_date_formatter_same_as_odoo(self):
        """The dates formatter of the batches gives Odoo's ``format_date``
        text in both languages, with the language's format or a given one,
        for dates and datetimes; a language's date format changed between two
        batches of one cursor gives the new text."""
        day = self.DUE
        values = (day, day + timedelta(days=40), day, False)
        for lang in ("fr_FR", "en_US"):
            template = self.env["mail.template"].with_context(lang=lang)
            formatter = template._get_batch_date_formatter(
                template._render_eval_context()["format_date"]
            )
            for value in values:
                for date_format in (False, "MMMM y"):
                    for lang_code in (False, "en_US", "fr_FR"):
                        with self.subTest(lang=lang, value=value, format=date_format):
                            self.assertEqual(
                                formatter(value, date_format, lang_code),
                                format_date(
                                    template.env, value, lang_code, date_format
                                ),
                            )
        french = self.env["mail.template"].with_context(lang="fr_FR")
        formatter = french._get_batch_date_formatter(
            french._render_eval_context()["format_date"]
        )
        self.assertEqual(formatter(day), day.strftime("%d/%m/%Y"))
        self.assertEqual(formatter(day, "MMMM y"), "mars 2026")
        self.env["res.lang"]._lang_get("fr_FR").date_format = "%d.%m.%Y"
        formatter = french._get_batch_date_formatter(
            french._render_eval_context()["format_date"]
        )
        self.assertEqual(formatter(day), day.strftime("%d.%m.%Y"))

    @freeze_time("2026-03-17")
    def test_batch_same_as_one_by_one_two_languages_two_currencies(self):
        """French and English customers, each with invoices in euros and in
        dollars, rendered in one batch: each subject and body is the one of
        the template rendered for that customer alone, in its language."""
        customers = self._customers("Rendu", ["fr_FR", "en_US", "fr_FR", "en_US"])
        lines = self._invoices(customers)
        rendered = self.env["account.relance.run"]._render_posts(
            self._posts(customers, lines)
        )
        template = self.level.mail_template_id
        for customer, (lang, subject, body) in zip(customers, rendered, strict=True):
            self.assertEqual(lang, customer.lang)
            own, alone = self._rendered_alone(template, customer, lang, lines)
            self.assertEqual(
                subject, alone._render_field("subject", customer.ids)[customer.id]
            )
            self.assertEqual(
                body, alone._render_field("body_html", customer.ids)[customer.id]
            )
            for move in own.move_id:
                self.assertIn(move.name, subject)
                self.assertIn(move.name, body)
                self.assertIn(
                    format_amount(alone.env, move.amount_total, move.currency_id, lang),
                    body,
                )
            for move in (lines - own).move_id:
                self.assertNotIn(move.name, body)
        french, english = rendered[0][2], rendered[1][2]
        self.assertIn("$\xa098\xa0765,43", french)
        self.assertIn("$\xa098,766.43", english)
        self.assertIn("Madame, Monsieur", french)
        self.assertIn("Dear Sir or Madam", english)

    @freeze_time("2026-03-17")
    def test_batch_rendering_queries_do_not_grow(self):
        """Rendering the reminders of 6 customers takes the queries of 2."""
        customers = self._customers("Requêtes", ["fr_FR", "en_US"] * 3)
        lines = self._invoices(customers)
        run = self.env["account.relance.run"]

        def count(posts):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            rendered = run._render_posts(posts)
            self.assertEqual(len(rendered), len(posts))
            return self.cr.sql_log_count - before

        # the templates compiled and the customer pages created by a first
        # rendering
        count(self._posts(customers, lines))
        few = count(self._posts(customers[:2], lines))
        many = count(self._posts(customers, lines))
        self.assertEqual(many, few)

    @freeze_time("2026-03-17")
    def test_layout_once_per_language_same_emails(self):
        """The job's emails of French and English customers: the layout is
        rendered once per language (and once more on the second message, to
        check it reads nothing of the message), each email equal to the layout
        rendered for its message alone, with the French typography of its
        body."""
        customers = self._customers("Mise en page", ["fr_FR", "en_US"] * 2)
        control = self._customers("Témoin", ["en_US"])
        lines = self._invoices(customers | control)
        run = self.env["account.relance.run"]
        Run = type(run)
        original = Run._render_post_layout
        calls = []

        def counted(self, message, partner, lang):
            calls.append(lang)
            return original(self, message, partner, lang)

        with (
            self.mock_mail_gateway(),
            patch.object(Run, "_render_post_layout", counted),
        ):
            run._run_batch(partners=customers | control)
        self.assertEqual(sorted(calls), ["en_US", "en_US", "fr_FR", "fr_FR"])
        mails = self.env["mail.mail"].search(
            [("recipient_ids", "in", (customers | control).ids)]
        )
        self.assertEqual(mails.recipient_ids, customers | control)
        self.env.invalidate_all()
        for mail in mails:
            partner = mail.recipient_ids
            self.assertEqual(
                mail.body_html,
                str(original(run, mail.mail_message_id, partner, partner.lang)),
            )
            for move in lines.move_id:
                if move.partner_id == partner:
                    self.assertIn(move.name, mail.body_html)
                else:
                    self.assertNotIn(move.name, mail.body_html)
            if partner.lang == "fr_FR":
                self.assertIn("Madame, Monsieur", mail.body_html)
            else:
                self.assertIn("Dear Sir or Madam", mail.body_html)

    @freeze_time("2026-03-17")
    def test_layout_naming_the_customer_rendered_for_each(self):
        """A layout customised to name the customer renders differently for
        the second message: each email then gets its own layout, naming its
        own customer."""
        layout = self.env.ref("account_relance_fr.relance_mail_layout")
        layout.arch_db = layout.arch_db.replace(
            "<body>", '<body><p class="o-customer" t-out="record.name"/>', 1
        )
        customers = self._customers("Nommé", ["en_US"] * 3)
        self._invoices(customers)
        with self.mock_mail_gateway():
            self.env["account.relance.run"]._run_batch(partners=customers)
        mails = self.env["mail.mail"].search([("recipient_ids", "in", customers.ids)])
        self.assertEqual(mails.recipient_ids, customers)
        for mail in mails:
            self.assertIn(
                f'<p class="o-customer">{mail.recipient_ids.name}</p>', mail.body_html
            )

    @freeze_time("2026-03-17")
    def test_subject_expressions_checked_once(self):
        """The subject's expressions are checked and compiled once for a
        batch, whatever its number of customers; each subject names its
        customer's invoices only."""
        customers = self._customers("Objet", ["fr_FR", "fr_FR", "fr_FR"])
        lines = self._invoices(customers)
        run = self.env["account.relance.run"]
        checked = []
        original = safe_eval.test_expr

        def counted(expr, *args, **kwargs):
            checked.append(expr)
            return original(expr, *args, **kwargs)

        with patch.object(safe_eval, "test_expr", counted):
            rendered = run._render_posts(self._posts(customers, lines))
        subject_expressions = [
            expression
            for _text, expression, _default in parse_inline_template(
                self.level.mail_template_id.with_context(lang="fr_FR").subject
            )
            if expression
        ]
        self.assertTrue(subject_expressions)
        for expression in subject_expressions:
            self.assertEqual(checked.count(expression), 1, expression)
        for customer, (_lang, subject, _body) in zip(customers, rendered, strict=True):
            for move in lines.move_id:
                if move.partner_id == customer:
                    self.assertIn(move.name, subject)
                else:
                    self.assertNotIn(move.name, subject)

    @freeze_time("2026-03-17")
    def test_local_links_made_absolute_in_batch(self):
        """A body with a local link gets it absolute in a batch, as Odoo's
        rendering of each customer alone; a body without one is unchanged."""
        template = self.level.mail_template_id
        template.with_context(lang="en_US").body_html = (
            str(template.with_context(lang="en_US").body_html)
            + '<p><a href="/my/invoices">My invoices</a></p>'
            + '<div style="background-image: url(/web/image/1)">.</div>'
        )
        customers = self._customers("Liens", ["en_US", "en_US", "fr_FR"])
        lines = self._invoices(customers)
        rendered = self.env["account.relance.run"]._render_posts(
            self._posts(customers, lines)
        )
        base_url = customers[:1].get_base_url()
        for customer, (lang, _subject, body) in zip(customers, rendered, strict=True):
            _own, alone = self._rendered_alone(template, customer, lang, lines)
            self.assertEqual(
                body, alone._render_field("body_html", customer.ids)[customer.id]
            )
            if lang == "en_US":
                self.assertIn(f'href="{base_url}/my/invoices"', body)
                self.assertIn(f"url({base_url}/web/image/1)", body)
            else:
                self.assertNotIn("/my/invoices", body)
