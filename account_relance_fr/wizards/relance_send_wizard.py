import re

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.account_relance_level import ENGINE_CHANNELS

TABLE_TAG = re.compile(r"<(/?)table\b[^>]*>", re.IGNORECASE)


def wrap_tables(body):
    """``body`` (Markup) with each outer table in a box that scrolls sideways
    on its own: on a phone the text keeps the screen's width and only the
    table scrolls."""
    parts = []
    depth = position = 0
    for match in TABLE_TAG.finditer(body):
        if not match.group(1):
            if not depth:
                parts.append(body[position : match.start()])
                parts.append('<div class="o_relance_table_scroll overflow-x-auto">')
                position = match.start()
            depth += 1
        elif depth:
            depth -= 1
            if not depth:
                parts.append(body[position : match.end()])
                parts.append("</div>")
                position = match.end()
    parts.append(body[position:])
    return Markup("".join(parts))


class AccountRelanceSendWizard(models.TransientModel):
    """Send one customer a reminder now, at a chosen level and through chosen
    channels, whatever the ladder's timing."""

    _name = "account.relance.send.wizard"
    _description = "Send a Payment Reminder"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        domain=[("parent_id", "=", False)],
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    available_line_ids = fields.Many2many(
        "account.move.line",
        "account_relance_send_wizard_available_line_rel",
        compute="_compute_available_line_ids",
        string="Open Instalments",
    )
    disputed_line_ids = fields.Many2many(
        "account.move.line",
        "account_relance_send_wizard_disputed_line_rel",
        compute="_compute_available_line_ids",
        string="Disputed Instalments",
        help="Open instalments of disputed invoices: not ticked, a reminder "
        "never claims an invoice in dispute.",
    )
    line_ids = fields.Many2many(
        "account.move.line",
        "account_relance_send_wizard_line_rel",
        string="Instalments",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
        help="The open instalments the reminder lists; by default the overdue "
        "ones, except those of disputed invoices.",
    )
    ladder_id = fields.Many2one("account.relance.ladder", compute="_compute_ladder_id")
    level_id = fields.Many2one(
        "account.relance.level",
        compute="_compute_level_id",
        store=True,
        readonly=False,
        check_company=True,
        domain="[('company_id', '=', company_id)]",
        help="By default the next step of the most advanced instalment.",
    )
    channel_email = fields.Boolean(
        string="Email", compute="_compute_channels", store=True, readonly=False
    )
    channel_letter = fields.Boolean(
        string="Letter", compute="_compute_channels", store=True, readonly=False
    )
    channel_call = fields.Boolean(
        string="Call Activity", compute="_compute_channels", store=True, readonly=False
    )
    amount_selected = fields.Monetary(
        string="Amount Reminded", compute="_compute_amount_selected"
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Sent To",
        compute="_compute_contact_id",
        help="The first contact of the customer's recipient chain with an email "
        "(with a street when the letter is ticked and the email is not).",
    )
    preview_subject = fields.Char(string="Subject", compute="_compute_preview")
    preview_body = fields.Html(
        string="Preview", compute="_compute_preview", sanitize=False
    )

    @api.model
    def default_get(self, fields_list):
        """The level the daily job would send today, before the wizard is
        created (the plan reads the database)."""
        values = super().default_get(fields_list)
        if (
            "level_id" in fields_list
            and values.get("partner_id")
            and not values.get("level_id")
        ):
            wizard = self.new(values)
            values["level_id"] = wizard._get_default_level().id
        return values

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends("partner_id", "company_id")
    def _compute_available_line_ids(self):
        for wizard in self:
            lines = wizard._get_open_lines()
            wizard.available_line_ids = lines
            wizard.disputed_line_ids = lines.filtered("move_id.relance_dispute")

    @api.depends("partner_id", "company_id")
    def _compute_line_ids(self):
        today = self.env.company._get_relance_today()
        for wizard in self:
            wizard.line_ids = wizard._get_open_lines().filtered(
                lambda line: line.date_maturity < today
                and not line.move_id.relance_dispute
            )

    @api.depends("partner_id", "company_id")
    def _compute_ladder_id(self):
        for wizard in self:
            wizard.ladder_id = wizard._get_ladder()

    @api.depends("partner_id", "company_id")
    def _compute_level_id(self):
        for wizard in self:
            # the job's plan reads the database (flush): only for a wizard
            # being edited, not while one is created (default_get gives it)
            wizard.level_id = wizard._get_default_level(use_plan=not wizard.id)

    @api.depends("level_id")
    def _compute_channels(self):
        for wizard in self:
            channels = wizard.level_id._get_channels() if wizard.level_id else []
            for code in wizard._get_channel_codes():
                wizard[f"channel_{code}"] = code in channels

    @api.depends("partner_id", "line_ids", "channel_email", "channel_letter")
    def _compute_contact_id(self):
        run = self.env["account.relance.run"]
        for wizard in self:
            if not wizard.partner_id:
                wizard.contact_id = False
                continue
            wizard.contact_id = run._get_relance_recipient(
                wizard.partner_id.commercial_partner_id,
                wizard.line_ids.move_id,
                wizard._get_selected_channels(),
            )

    @api.depends("line_ids")
    def _compute_amount_selected(self):
        for wizard in self:
            wizard.amount_selected = sum(wizard.line_ids.mapped("amount_residual"))

    @api.depends(
        "partner_id", "line_ids", "level_id", "channel_email", "channel_letter"
    )
    def _compute_preview(self):
        for wizard in self:
            wizard.preview_subject, wizard.preview_body = wizard._render_preview()

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _get_channel_codes(self):
        """Codes of the channels the wizard offers, each a ``channel_<code>``
        boolean. Another add-on (SMS) appends its code and adds the field."""
        return list(ENGINE_CHANNELS)

    def _get_selected_channels(self):
        """Codes of the ticked channels, in the engine's sending order."""
        self.ensure_one()
        return [code for code in self._get_channel_codes() if self[f"channel_{code}"]]

    def _get_open_lines(self):
        """Open receivable instalments of the customer's posted invoices."""
        self.ensure_one()
        if not self.partner_id:
            return self.env["account.move.line"]
        partner = self.partner_id.commercial_partner_id
        domain = partner.with_context(
            allowed_company_ids=self.company_id.ids
        )._get_relance_open_lines_domain()
        return self.env["account.move.line"].search(
            domain + [("move_id.payment_state", "in", ("not_paid", "partial"))],
            order="date_maturity, id",
        )

    def _get_ladder(self):
        self.ensure_one()
        if not self.partner_id or not self.company_id:
            return self.env["account.relance.ladder"]
        partner = self.partner_id.commercial_partner_id
        return self.env["account.relance.ladder"]._get_ladders_for_partners(
            partner, self.company_id
        )[partner]

    def _get_planned_level(self):
        """The level the daily job would send the customer today (the most
        advanced of its plan, as ``_process_customer`` picks the message's
        level), or an empty recordset when it plans nothing today."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        today = self.company_id._get_relance_today()
        plan = (
            self.env["account.relance.run"]
            .with_company(self.company_id)
            ._plan(self.company_id, today, partners=partner)
        )
        levels = self.env["account.relance.level"].union(
            *(level for _company, _partner, items in plan for _line, level in items)
        )
        return levels.sorted("days")[-1:]

    def _get_default_level(self, use_plan=True):
        """The level the daily job would send today, else the next step of
        the most advanced remindable instalment (the engine's rule), else the
        first step not reached yet, else the ladder's first level."""
        self.ensure_one()
        ladder = self._get_ladder()
        levels = ladder.level_ids.sorted("days")
        if not levels:
            return self.env["account.relance.level"]
        planned = self._get_planned_level() if use_plan else None
        if planned:
            return planned
        # from the customer's open instalments, not the selection: unticking an
        # instalment must not change the level the user chose; a disputed
        # invoice is never reminded
        lines = self._get_open_lines().filtered(
            lambda line: not line.move_id.relance_dispute
        )
        if not lines:
            return levels[:1]
        oldest = max(lines, key=lambda line: line.relance_days_late)
        reached = {
            history.level_id: (history.state, history.date)
            for history in oldest.relance_history_ids
        }
        run = self.env["account.relance.run"]
        level = run._next_level(levels, oldest.relance_days_late, reached)
        if level:
            return level
        done_days = max(
            (lvl.days for lvl, (state, _date) in reached.items() if state != "failed"),
            default=None,
        )
        if done_days is None:
            return levels.filtered(lambda lvl: lvl.days >= 0)[:1] or levels[:1]
        return levels.filtered(lambda lvl: lvl.days > done_days)[:1] or levels[-1:]

    def _render_preview(self):
        """(subject, body) of the email the customer would get, exactly as
        sent; nothing internal (the call script goes to the salesperson's
        activity, not to the customer)."""
        self.ensure_one()
        level = self.level_id
        if not self.partner_id or not level:
            return False, False
        partner = self.partner_id.commercial_partner_id
        parts = []
        subject = False
        template = level.mail_template_id
        if template and self.line_ids:
            contact = self.contact_id
            lang = partner._get_relance_lang(contact)
            record = partner.with_company(self.company_id).with_context(
                lang=lang,
                relance_line_ids=self.line_ids.ids,
                relance_level_id=level.id,
            )
            template = template.with_company(self.company_id).with_context(
                lang=lang,
                relance_line_ids=self.line_ids.ids,
                relance_level_id=level.id,
            )
            subject = template._render_field("subject", record.ids)[record.id]
            parts.append(template._render_field("body_html", record.ids)[record.id])
        elif not template:
            parts.append(
                Markup("<p><em>%s</em></p>")
                % self.env._("This level has no email template.")
            )
        if self.channel_letter:
            parts.append(
                Markup('<hr/><p class="text-muted"><em>%s</em></p>')
                % self.env._(
                    "The customer also receives this reminder as a printed letter."
                )
            )
        return subject, wrap_tables(
            Markup("").join(
                part if isinstance(part, Markup) else escape(part) for part in parts
            )
        )

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def _check_not_covered(self, partner):
        """Refuse a reminder that the customer's unapplied credits cover.

        :raise UserError: listing the credits, to reconcile instead
        """
        balance_model = self.env["account.relance.balance"].with_company(
            self.company_id
        )
        balance = balance_model._get_balance(partner, lines=self.line_ids)
        if balance.is_covered:
            raise UserError(
                self.env._(
                    "The unapplied credits of %(customer)s (%(credits)s) cover the "
                    "selected invoices: reconcile them instead of sending a "
                    "reminder.",
                    customer=partner.display_name,
                    credits=balance_model._format_totals(
                        [
                            (item.credit, item.currency)
                            for item in balance.currencies
                            if item.credit
                        ]
                    ),
                )
            )

    def _check_lines_for_level(self):
        """The selection must suit the level's text.

        A formal notice (mise en demeure) claims invoices the customer failed
        to pay by their due date (articles 1231 and 1344 of the Civil Code):
        none not overdue yet. A level after the due date asks to pay what is
        due: at least one invoice must be due (today or earlier).

        :raise UserError: naming the instalments to untick, or asking for
            another level
        """
        level = self.level_id
        if level.days > 0 and all(line.relance_days_late < 0 for line in self.line_ids):
            raise UserError(
                self.env._(
                    "None of the selected invoices is due yet, and level "
                    "%(level)s is sent after the due date. Choose a level sent "
                    "before the due date, or select an invoice that is due.",
                    level=level.name,
                )
            )
        not_late = self.line_ids.filtered(lambda line: line.relance_days_late <= 0)
        if not level.is_formal_notice or not not_late:
            return
        names = ", ".join(not_late.move_id.mapped("name"))
        if len(not_late.move_id) > 1:
            message = self.env._(
                "A formal notice claims overdue invoices only: invoices %(invoices)s "
                "are not overdue yet. Untick them to send the formal notice.",
                invoices=names,
            )
        else:
            message = self.env._(
                "A formal notice claims overdue invoices only: invoice %(invoices)s "
                "is not overdue yet. Untick it to send the formal notice.",
                invoices=names,
            )
        raise UserError(message)

    def action_send(self):
        """Send the reminder now and tell the user what happened."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(self.env._("Select at least one instalment to remind."))
        if not self.level_id:
            raise UserError(self.env._("Choose the reminder level."))
        channels = self._get_selected_channels()
        if not channels:
            raise UserError(self.env._("Choose at least one channel."))
        if self.channel_email and not self.level_id.mail_template_id:
            raise UserError(
                self.env._(
                    "Level %(level)s has no email template: untick Email or choose "
                    "another level.",
                    level=self.level_id.name,
                )
            )
        self._check_lines_for_level()
        partner = self.partner_id.commercial_partner_id
        self._check_not_covered(partner)
        histories = (
            self.env["account.relance.run"]
            .with_company(self.company_id)
            ._send_now(partner, self.line_ids, self.level_id, channels)
        )
        if not histories:
            raise UserError(
                self.env._(
                    "Nothing was sent: the selected instalments already got level "
                    "%(level)s, or can no longer be reminded (paid, disputed, "
                    "excluded or under a promise).",
                    level=self.level_id.name,
                )
            )
        failed = histories.filtered(lambda history: history.state == "failed")
        if failed:
            message = self.env._(
                "The reminder to %(customer)s failed. %(error)s",
                customer=partner.display_name,
                error=failed[0].error,
            )
            notif_type = "danger"
        else:
            message = self.env._(
                "%(level)s sent to %(customer)s (instalments: %(count)s).",
                level=self.level_id.name,
                customer=partner.display_name,
                count=len(histories),
            )
            notif_type = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": notif_type,
                "sticky": bool(failed),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
