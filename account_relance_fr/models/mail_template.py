import ast
import datetime

from lxml import html
from markupsafe import Markup

from odoo import api, models
from odoo.tools import float_round, get_lang, safe_eval
from odoo.tools.rendering_tools import parse_inline_template

from odoo.addons.base.models.res_lang import intersperse


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(
        self, template_src, model, res_ids, add_context=None, options=None
    ):
        """Render the QWeb ``template_src`` for several records, compiled once.

        Odoo compiles a template given as source again for each record; the
        reminders render one template for a whole batch of customers
        (context ``relance_render_batch``): compiled once, then run for each
        record with the values Odoo gives it (``object``, the rendering
        context). A template an unrestricted user may not run, or one that
        raises, goes through Odoo's own rendering, which checks and reports it.

        :return: {res_id: Markup}, as Odoo's
        """
        return self._render_relance_batch(
            template_src,
            res_ids,
            lambda: self._has_unsafe_expression_template_qweb(template_src, model),
            lambda: self._render_template_qweb_compiled_once(
                template_src, model, res_ids, add_context, options
            ),
            lambda: super(MailTemplate, self)._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            ),
        )

    @api.model
    def _render_template_inline_template(
        self, template_txt, model, res_ids, add_context=None, options=None
    ):
        """Render the inline template ``template_txt`` (e.g. a subject) for
        several records, each expression checked and compiled once.

        Odoo checks and compiles each ``{{ expression }}`` again for each
        record; for the reminders of a batch (context
        ``relance_render_batch``) each one is checked by ``safe_eval``'s own
        ``test_expr`` once, then evaluated for each record in ``safe_eval``'s
        sandbox (its builtins, a copy of the values). A template an
        unrestricted user may not run, or one that raises, goes through
        Odoo's own rendering, which checks and reports it.

        :return: {res_id: str}, as Odoo's
        """
        return self._render_relance_batch(
            template_txt,
            res_ids,
            lambda: self._has_unsafe_expression_template_inline_template(
                str(template_txt), model
            ),
            lambda: self._render_inline_template_compiled_once(
                str(template_txt), model, res_ids, add_context
            ),
            lambda: super(MailTemplate, self)._render_template_inline_template(
                template_txt, model, res_ids, add_context=add_context, options=options
            ),
        )

    @api.model
    def _render_relance_batch(
        self, source, res_ids, has_expression, render_once, render_odoo
    ):
        """The rendering of ``source`` for ``res_ids``: ``render_once()``
        (compiled once for all of them) for the reminders of a batch (context
        ``relance_render_batch``) of several records, when the current user
        may run any expression and ``has_expression()``; else, or when it
        raises, ``render_odoo()`` (Odoo's own rendering, which checks and
        reports the error).

        :return: {res_id: rendered}, as Odoo's
        """
        if (
            not self.env.context.get("relance_render_batch")
            or len(res_ids) < 2
            or not source
            or not self._is_relance_render_unrestricted()
            or not has_expression()
        ):
            return render_odoo()
        try:
            return render_once()
        except Exception:  # noqa: BLE001 - Odoo's rendering reports the error
            return render_odoo()

    @api.model
    def _render_inline_template_compiled_once(
        self, template_txt, model, res_ids, add_context
    ):
        """{res_id: str}: ``template_txt`` with its expressions compiled once
        and evaluated for each record of ``res_ids`` with the values of
        Odoo's ``_render_template_inline_template`` (``object``, the
        rendering context), as ``render_inline_template`` joins them: the
        value, else the default, as text, nothing when empty."""
        instructions = [
            (
                text,
                expression
                and safe_eval.test_expr(
                    expression, safe_eval._SAFE_OPCODES, mode="eval"
                ),
                default,
            )
            for text, expression, default in parse_inline_template(template_txt)
        ]
        variables = self._get_batch_render_values(add_context)
        safe_eval.check_values(variables)
        results = {}
        for record in self.env[model].browse(res_ids):
            parts = []
            for text, code, default in instructions:
                parts.append(text)
                if code:
                    values = dict(
                        variables,
                        object=record,
                        __builtins__=dict(safe_eval._BUILTINS),
                    )
                    result = safe_eval.unsafe_eval(code, values) or default
                    if result:
                        parts.append(str(result))
            results[record.id] = "".join(parts)
        return results

    @api.model
    def _render_template_postprocess(self, model, rendered):
        """Odoo's post-processing (local links made absolute) of the bodies of
        a batch of reminders (context ``relance_render_batch``), leaving as
        they are those without any local link, which Odoo's
        ``_replace_local_links`` would not change: its patterns all need
        ``="/`` (``src``, ``href``, ``background``) or ``url(`` (styles).
        The base URL is then not read for each customer.

        :return: ``rendered``, {res_id: rendered text}, updated
        """
        if not self.env.context.get("relance_render_batch"):
            return super()._render_template_postprocess(model, rendered)
        linked = {
            res_id: text
            for res_id, text in rendered.items()
            if text and ('="/' in text or "url(" in text)
        }
        if linked:
            rendered.update(super()._render_template_postprocess(model, linked))
        return rendered

    @api.model
    def _is_relance_render_unrestricted(self):
        """True when the current user may run any template expression (as
        ``_render_template_qweb`` decides)."""
        return (
            self._unrestricted_rendering
            or self.env.is_admin()
            or self.env.user.has_group("mail.group_mail_template_editor")
        )

    @api.model
    def _render_template_qweb_compiled_once(
        self, template_src, model, res_ids, add_context, options
    ):
        """{res_id: Markup}: ``template_src`` compiled once and rendered for
        each record of ``res_ids``, with the values of Odoo's
        ``_render_template_qweb`` and ``ir.qweb._render``."""
        variables = self._get_batch_render_values(add_context)
        records = self.env[model].browse(res_ids)
        variables["object"] = records[:1]
        qweb = self.env["ir.qweb"].with_context(**(options or {}))
        qweb = qweb._prepare_environment(variables)
        safe_eval.check_values(variables)
        functions, def_name = qweb._compile(
            html.fragment_fromstring(template_src, create_parent="div")
        )
        render = functions[def_name]
        results = {}
        for record in records:
            values = dict(variables, object=record)
            rendered = Markup("".join(render(qweb, values)))
            # without the <div> wrapping the template's nodes, as Odoo's
            results[record.id] = rendered[5:-6]
        return results

    @api.model
    def _get_batch_render_values(self, add_context):
        """The values of Odoo's rendering context (``_render_eval_context``
        and ``add_context``) for a batch: dates and amounts formatted by the
        batch's formatters, the same text as Odoo's read once (the same dates
        come back on many lines; the language and currencies are resolved
        once).

        :return: dict of the rendering values
        """
        variables = self._render_eval_context()
        if add_context:
            variables.update(**add_context)
        variables["format_date"] = self._get_batch_date_formatter(
            variables["format_date"]
        )
        variables["format_amount"] = self._get_batch_amount_formatter(
            variables["format_amount"]
        )
        return variables

    @api.model
    def _get_batch_amount_formatter(self, format_amount):
        """``format_amount(amount, currency, lang_code=False)`` of the
        rendering context, giving the text of ``odoo.tools.format_amount``
        (grouping and separators of the language, decimals, rounding, symbol
        and its position of the currency, no-break spaces, the zero-width
        no-break space after a minus sign) with the language and each currency
        read once for the batch instead of at each call.

        :param format_amount: Odoo's ``format_amount`` of the rendering
            context, used for what is not one currency record
        :return: function of (amount: float in ``currency``, currency:
            res.currency, lang_code: str or False) returning a str
        """
        specs = {}
        texts = {}

        def batch_format_amount(amount, currency, lang_code=False):
            if not isinstance(currency, models.BaseModel) or len(currency) != 1:
                return format_amount(amount, currency, lang_code)
            key = (currency.id, lang_code)
            if not amount or not isinstance(amount, float):
                # 0.0 and -0.0 are one key but two texts
                return format_with(amount, key, currency)
            # the same amounts come back (amount and remaining, totals)
            text = texts.get((amount, key))
            if text is None:
                text = texts[amount, key] = format_with(amount, key, currency)
            return text

        def format_with(amount, key, currency):
            spec = specs.get(key)
            if spec is None:
                spec = specs[key] = self._get_amount_format_spec(currency, key[1])
            fmt, rounding, grouping, thousands_sep, decimal_point, pre, post = spec
            parts = (fmt % float_round(amount, precision_rounding=rounding)).split(".")
            parts[0] = intersperse(parts[0], grouping, thousands_sep)[0]
            formatted = (
                decimal_point.join(parts)
                .replace(" ", "\N{NO-BREAK SPACE}")
                .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
            )
            return f"{pre}{formatted}{post}"

        return batch_format_amount

    @api.model
    def _get_amount_format_spec(self, currency, lang_code):
        """What ``odoo.tools.format_amount`` reads to format an amount of
        ``currency`` in ``lang_code`` (else the context's language): the
        number format, the rounding, the language's grouping, thousands
        separator and decimal point, the text before and after the number."""
        lang = get_lang(self.env, lang_code)
        symbol = currency.symbol or ""
        before = currency.position == "before"
        return (
            f"%.{currency.decimal_places}f",
            currency.rounding,
            ast.literal_eval(lang.grouping),
            lang.thousands_sep or "",
            lang.decimal_point,
            f"{symbol}\N{NO-BREAK SPACE}" if before else "",
            "" if before else f"\N{NO-BREAK SPACE}{symbol}",
        )

    @api.model
    def _get_batch_date_formatter(self, format_date):
        """``format_date(value, date_format=False, lang_code=False)`` of the
        rendering context, each date's text computed once for the cursor (one
        run of the daily job, one request): the same due dates and invoice
        dates come back on the lines of many customers and batches. Only the
        dates are kept (a datetime's text depends on the time zone), by date,
        format, language and the language's date format when the batch starts.

        :param format_date: Odoo's ``format_date`` of the rendering context
        :return: function of (value: date, date_format: str or False,
            lang_code: str or False) returning a str
        """
        texts = self.env.cr.cache.setdefault("relance_format_date", {})
        lang_formats = {}

        def batch_format_date(value, date_format=False, lang_code=False):
            if type(value) is not datetime.date:
                return format_date(value, date_format, lang_code)
            code = lang_code or self.env.lang
            lang_format = lang_formats.get(code)
            if lang_format is None:
                lang_format = lang_formats[code] = get_lang(self.env, code).date_format
            key = (value, date_format, code, lang_format)
            text = texts.get(key)
            if text is None:
                text = texts[key] = format_date(value, date_format, lang_code)
            return text

        return batch_format_date
