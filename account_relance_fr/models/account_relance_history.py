from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_repr, float_round, pdf

from ..wizards.relance_call_outcome_wizard import OUTCOMES


class AccountRelanceHistory(models.Model):
    """One reminder of one instalment (receivable journal item) at one level."""

    _name = "account.relance.history"
    _description = "Reminder History"
    _order = "date desc, id desc"
    _check_company_auto = True

    move_line_id = fields.Many2one(
        "account.move.line",
        string="Instalment",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True
    )
    contact_id = fields.Many2one("res.partner", string="Contact")
    salesperson_id = fields.Many2one(
        "res.users", string="Salesperson", help="The customer's salesperson."
    )
    level_id = fields.Many2one(
        "account.relance.level", required=True, ondelete="restrict", index=True
    )
    ladder_id = fields.Many2one(related="level_id.ladder_id", store=True)
    level_days = fields.Integer(related="level_id.days", store=True, aggregator=None)
    date = fields.Date(
        required=True,
        default=lambda self: self.env.company._get_relance_today(),
        index=True,
    )
    channel = fields.Selection(
        [("email", "Email"), ("letter", "Letter"), ("call", "Call")],
        required=True,
        help="The first channel of the level used for this reminder.",
    )
    channels = fields.Char(
        string="All Channels", help="Every channel used for this reminder."
    )
    channels_label = fields.Char(
        string="Channels",
        compute="_compute_channels_label",
        help="Every channel used for this reminder, by its name in the reader's "
        "language.",
    )
    user_id = fields.Many2one(
        "res.users", string="Done By", default=lambda self: self.env.user
    )
    mail_message_id = fields.Many2one(
        "mail.message", string="Message", index="btree_not_null"
    )
    activity_id = fields.Many2one(
        "mail.activity", string="Activity", ondelete="set null"
    )
    letter_attachment_id = fields.Many2one("ir.attachment", string="Letter")
    currency_id = fields.Many2one("res.currency", required=True)
    # not additive: an invoice reminded at several levels has several rows
    amount_total = fields.Monetary(string="Amount", aggregator=None)
    amount_residual = fields.Monetary(string="Remaining", aggregator=None)
    days_late = fields.Integer(aggregator=None)
    state = fields.Selection(
        [
            ("to_confirm", "To Confirm"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="sent",
        index=True,
    )
    # Registered letter (lettre recommandée avec accusé de réception): the
    # evidence of a mise en demeure for an injonction de payer.
    postal_state = fields.Selection(
        [
            ("to_post", "To Post"),
            ("posted", "Posted"),
            ("delivered", "Delivered"),
            ("returned", "Returned"),
        ],
        string="Postal Status",
        compute="_compute_postal_state",
        store=True,
        readonly=False,
        index="btree_not_null",
        help="A letter sent is to post until marked posted; then its "
        "acknowledgment of receipt says it was delivered, or it came back "
        "(refused, not claimed).",
    )
    lrar_number = fields.Char(
        string="Registered Letter Number",
        help="The number of the registered letter with acknowledgment of "
        "receipt (LRAR).",
    )
    posted_date = fields.Date(string="Posted On")
    ack_date = fields.Date(
        string="Acknowledged On",
        help="Date of delivery (or of first presentation) on the "
        "acknowledgment of receipt.",
    )
    ack_scan = fields.Binary(string="Acknowledgment Scan", attachment=True, copy=False)
    ack_scan_name = fields.Char(string="Acknowledgment File Name")
    call_outcome = fields.Selection(
        OUTCOMES, help="How the reminder call went, as recorded by its caller."
    )
    call_date = fields.Date(string="Call Recorded On")
    call_user_id = fields.Many2one("res.users", string="Called By")
    call_note = fields.Text(help="The outcome and what the customer said.")
    error = fields.Text()
    retry_blocked = fields.Boolean(
        help="The mail server refused the address for good: no new attempt "
        "until the address of the contact is corrected.",
    )
    note = fields.Text(help="What happened, e.g. a channel fallback.")

    _sql_constraints = [
        (
            "one_per_instalment_and_level",
            "UNIQUE(move_line_id, level_id)",
            "An invoice instalment can be reminded only once at each level.",
        ),
    ]

    @api.depends("channels")
    @api.depends_context("lang")
    def _compute_channels_label(self):
        labels = dict(self._fields["channel"]._description_selection(self.env))
        for history in self:
            keys = [key.strip() for key in (history.channels or "").split(",")]
            history.channels_label = ", ".join(
                labels.get(key, key) for key in keys if key
            )

    @api.depends("letter_attachment_id", "state")
    def _compute_postal_state(self):
        """A letter sent goes to the "to post" queue; the tracking set by
        hand afterwards is kept."""
        for history in self:
            if history.state == "sent" and history.letter_attachment_id:
                history.postal_state = history.postal_state or "to_post"
            elif not history.letter_attachment_id:
                history.postal_state = False

    @api.depends("move_id", "level_id")
    def _compute_display_name(self):
        for history in self:
            history.display_name = f"{history.move_id.name} - {history.level_id.name}"

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _get_previous_reminders(self, moves, level=None):
        """Reminders the customer already received for ``moves``, in one query.

        A reminder counts when it was sent once the invoice was overdue (a
        préventive one is a courtesy, not a reminder of an unpaid invoice) and
        reached the customer: a level that only schedules a call activity is
        internal. The reminder being sent (``level``) does not count.

        :param level: the account.relance.level being sent, if any
        :return: {move id: {(level id, date)}} for the moves reminded before
        """
        if not moves:
            return {}
        domain = [
            ("move_id", "in", moves.ids),
            ("state", "=", "sent"),
            ("days_late", ">", 0),
            ("channel", "!=", "call"),
        ]
        if level:
            domain.append(("level_id", "!=", level.id))
        reminders = {}
        for history in self.sudo().search(domain):
            reminders.setdefault(history.move_id.id, set()).add(
                (history.level_id.id, history.date)
            )
        return reminders

    @api.model
    def _count_previous_reminders(self, moves, level=None, reminders=None):
        """Number of earlier reminders covering every one of ``moves``.

        A document may write "despite our previous reminders" only when the
        history shows them for each invoice it claims.

        :param reminders: the result of ``_get_previous_reminders`` for a
            superset of ``moves``, to share one query between customers
        :return: the number of distinct reminders (level and date) sent for
            these invoices; 0 when one of them was never reminded
        """
        if not moves:
            return 0
        if reminders is None:
            reminders = self._get_previous_reminders(moves, level=level)
        if any(move.id not in reminders for move in moves):
            return 0
        return len(set().union(*(reminders[move.id] for move in moves)))

    @api.model
    def _create_in_bulk(self, vals_list):
        """Create histories in one INSERT, with what ``create`` stores: the
        defaults, the access fields, the stored related fields (``ladder_id``,
        ``level_days``) and ``postal_state`` set in the same statement; then
        the reminder progress of their invoices (``relance_count``,
        ``relance_last_date``, ``relance_level_id``) in one UPDATE
        (``account.move._update_relance_progress``).

        The follow-up rows are marked by the database's triggers, as for any
        insert. A history already recorded for an instalment at a level
        raises ``psycopg2.IntegrityError``, an instalment of another company
        a ``UserError``, as ``create`` does.

        :param vals_list: [dict] of stored fields, ``move_id`` and
            ``level_id`` always given, as for ``create``
        :return: the account.relance.history created, in order
        """
        if not vals_list:
            return self.browse()
        self.check_access("create")
        defaults = self._prepare_create_values([{}])[0]
        levels = self.env["account.relance.level"].browse(
            {vals["level_id"] for vals in vals_list}
        )
        related = {
            level.id: {"ladder_id": level.ladder_id.id, "level_days": level.days}
            for level in levels
        }
        rows = []
        for vals in vals_list:
            row = dict(defaults, **vals, **related[vals["level_id"]])
            row["postal_state"] = self._get_new_postal_state(row)
            rows.append(row)
        columns = sorted(
            {
                fname
                for row in rows
                for fname in row
                if self._fields[fname].store and self._fields[fname].column_type
            }
        )
        # {currency id: (rounding, decimal places)}: the amounts as stored
        currencies = {
            currency.id: (currency.rounding, currency.decimal_places)
            for currency in self.env["res.currency"].browse(
                {row["currency_id"] for row in rows}
            )
        }
        self.flush_model()
        # one array per column (a few parameters, not one per value)
        arrays = zip(
            *(self._convert_to_column(row, columns, currencies) for row in rows),
            strict=True,
        )
        inserted = self.env.execute_query(
            SQL(
                """
                INSERT INTO account_relance_history (%(columns)s)
                SELECT * FROM unnest(%(arrays)s)
                RETURNING move_line_id, level_id, id
                """,
                columns=SQL(", ").join(map(SQL.identifier, columns)),
                arrays=SQL(", ").join(
                    SQL(
                        "%s::%s[]",
                        list(values),
                        SQL(self._fields[fname].column_type[1]),
                    )
                    for fname, values in zip(columns, arrays, strict=True)
                ),
            )
        )
        # an instalment has one history per level (unique constraint)
        ids = {
            (line_id, level_id): history_id
            for line_id, level_id, history_id in inserted
        }
        histories = self.browse(
            [ids[row["move_line_id"], row["level_id"]] for row in rows]
        )
        histories._check_instalment_company(rows)
        # from the values: reading the new rows would read all their columns
        self.env["account.move"].browse(
            list({row["move_id"]: True for row in rows})
        )._update_relance_progress()
        self.env["res.partner"].browse(
            list({row["partner_id"]: True for row in rows})
        ).invalidate_recordset(["relance_history_ids"])
        return histories

    def _check_instalment_company(self, rows):
        """The company check of ``create`` (``_check_company``) on these
        histories, just inserted with the values ``rows``, set-based: an
        instalment must belong to the history's company (or to none). Only
        the histories failing it go through ``_check_company``, which raises
        Odoo's own message; it reads each record one by one.

        :param rows: [dict] of the stored values, one per history, in order
        :raise UserError: an instalment of another company
        """
        lines = (
            self.env["account.move.line"]
            .sudo()
            .browse([row["move_line_id"] for row in rows])
        )
        companies = {line.id: line.company_id.id for line in lines}
        self.browse(
            [
                history_id
                for history_id, row in zip(self.ids, rows, strict=True)
                if companies[row["move_line_id"]] not in (row["company_id"], False)
            ]
        )._check_company()

    @api.model
    def _link_messages(self, links):
        """Link histories to the message that sent them, in one UPDATE.

        :param links: [(account.relance.history, mail.message)]
        """
        rows = [
            SQL("(%s, %s)", history.id, message.id)
            for histories, message in links
            for history in histories
        ]
        if not rows:
            return
        histories = self.union(*(histories for histories, _message in links))
        histories.flush_recordset(["mail_message_id"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_relance_history history
                   SET mail_message_id = data.message_id,
                       write_uid = %s,
                       write_date = %s
                  FROM (VALUES %s) AS data(id, message_id)
                 WHERE history.id = data.id
                """,
                self.env.uid,
                self.env.cr.now(),
                SQL(", ").join(rows),
            )
        )
        histories.invalidate_recordset(["mail_message_id", "write_uid", "write_date"])

    @api.model
    def _get_new_postal_state(self, vals):
        """``postal_state`` of a history created with ``vals`` (see
        ``_compute_postal_state``)."""
        if not vals.get("letter_attachment_id"):
            return False
        if vals.get("state") == "sent":
            return vals.get("postal_state") or "to_post"
        return vals.get("postal_state") or False

    @api.model
    def _convert_to_column(self, vals, columns, currencies):
        """The values of ``columns`` in ``vals`` as ``create`` inserts them:
        links as ids or NULL, amounts rounded to the history's currency
        (``currencies``: {currency id: (rounding, decimal places)}), the
        others by their field.
        """
        values = []
        for fname in columns:
            field = self._fields[fname]
            value = vals.get(fname)
            if field.type == "many2one":
                values.append(value or None)
            elif fname not in vals:
                values.append(None)
            elif field.type == "monetary":
                rounding, digits = currencies[vals["currency_id"]]
                values.append(
                    float_repr(
                        float_round(float(value or 0.0), precision_rounding=rounding),
                        digits,
                    )
                )
            else:
                values.append(field.convert_to_column_insert(value, self, vals))
        return values

    def _log_on_invoices(self):
        """Log the reminder on the chatter of every invoice it covered: an
        internal note (nobody is notified, no mail per invoice) linking the
        message sent to the customer, the letter or the call scheduled."""
        bodies = {}
        labels = dict(self._fields["channel"]._description_selection(self.env))
        # one query for all
        self.fetch(
            [
                "move_id",
                "mail_message_id",
                "letter_attachment_id",
                "activity_id",
                "level_id",
                "channel",
                "channels",
                "contact_id",
                "partner_id",
            ]
        )
        # one body per reminder: the invoices of one reminder share it
        notes = {}
        for move, histories in self.grouped("move_id").items():
            # iterated, not indexed: the record keeps the prefetch of all
            history = next(iter(histories))
            key = (
                history.mail_message_id.id,
                history.letter_attachment_id.id,
                history.activity_id.id,
                history.level_id.id,
                history.channels or history.channel,
                (history.contact_id or history.partner_id).id,
            )
            if key not in notes:
                notes[key] = history._get_invoice_note(labels)
            bodies[move.id] = notes[key]
        if not bodies:
            return
        moves = self.env["account.move"].browse(list(bodies)).sudo()
        # one INSERT, each distinct body sanitized once
        self.env["account.relance.run"]._insert_notes(moves, bodies)

    def _get_invoice_note(self, labels):
        """Body of the note of this reminder on its invoices (Markup).

        :param labels: {channel code: its label in the reader's language}
        """
        self.ensure_one()
        links = []
        if self.mail_message_id:
            links.append(
                Markup('<a href="/mail/message/%s">%s</a>')
                % (self.mail_message_id.id, self.env._("the message sent"))
            )
        if self.letter_attachment_id:
            links.append(
                Markup('<a href="/web/content/%s?download=true">%s</a>')
                % (self.letter_attachment_id.id, self.env._("the letter"))
            )
        if self.activity_id:
            links.append(
                self.env._(
                    "a call for %(user)s",
                    user=self.activity_id.user_id.display_name,
                )
            )
        return Markup("%s %s") % (
            self.env._(
                "Reminder “%(level)s” (%(channels)s) to %(contact)s:",
                level=self.level_id.name,
                channels=", ".join(
                    labels.get(code.strip(), code.strip())
                    for code in (self.channels or self.channel).split(",")
                ),
                contact=(self.contact_id or self.partner_id).display_name,
            ),
            Markup(", ").join(links) if links else "",
        )

    # ------------------------------------------------------------------
    # PUBLIC ACTIONS
    # ------------------------------------------------------------------

    def action_approve(self):
        """Send the selected "to confirm" reminders now, one message per customer.

        :return: a notification of what was sent, then the letters to post
            when some were printed (else the screen reloads)
        :raise UserError: when none of the selection waits for approval
        """
        to_send = self.filtered(lambda history: history.state == "to_confirm")
        if not to_send:
            raise UserError(
                self.env._("Select reminders that are waiting for approval.")
            )
        sent = self.env["account.relance.run"]._send_approved(to_send)
        return self._notify_sent(sent, to_send)

    def _notify_sent(self, done, approved):
        """Notification summing up approved reminders: emails sent, letters
        to post, calls scheduled, failures, cancelled (paid meanwhile).

        :param done: the histories the approval wrote
        :param approved: the histories that were approved
        """
        sent = done.filtered(lambda history: history.state == "sent")
        failed = done.filtered(lambda history: history.state == "failed")
        cancelled = approved.filtered(lambda history: history.state == "cancelled")
        letters = sent.filtered(lambda history: history.postal_state == "to_post")
        parts = [
            self.env._("Customers: %(customers)s.", customers=len(approved.partner_id))
        ]
        if sent.mail_message_id:
            parts.append(
                self.env._("Emails sent: %(count)s.", count=len(sent.mail_message_id))
            )
        if letters:
            parts.append(
                self.env._(
                    "Letters to post by registered mail: %(count)s.",
                    count=len(letters.letter_attachment_id),
                )
            )
        if sent.activity_id:
            parts.append(
                self.env._("Calls scheduled: %(count)s.", count=len(sent.activity_id))
            )
        if failed:
            parts.append(self.env._("Failed: %(count)s.", count=len(failed)))
        if cancelled:
            parts.append(
                self.env._(
                    "Not needed any more (paid meanwhile): %(count)s.",
                    count=len(cancelled),
                )
            )
        params = {
            "title": self.env._("Reminders approved"),
            "message": " ".join(parts),
            "type": "warning" if failed else "success",
            # never sticky: a notice left open hides the right-hand columns
            # of the screen under it; failures stay on the rows and in an
            # activity, the letters are shown next
            "sticky": False,
            "next": {"type": "ir.actions.client", "tag": "soft_reload"},
        }
        if letters:
            # the next thing to do: print and post the letters
            params["next"] = self.env["ir.actions.act_window"]._for_xml_id(
                "account_relance_fr.account_relance_history_to_post_action"
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": params,
        }

    def action_print_letters(self):
        """One PDF of the selected letters (the ones to post when none is),
        for printing and posting together.

        :return: an URL action downloading the merged PDF
        :raise UserError: when no selected reminder has a letter
        """
        letters = self.letter_attachment_id
        if not letters:
            raise UserError(self.env._("None of these reminders has a letter."))
        content = pdf.merge_pdf([letter.raw for letter in letters.sorted("id")])
        attachment = self.env["ir.attachment"].create(
            {
                "name": self.env._(
                    "Letters to post %(date)s.pdf",
                    date=fields.Date.to_string(self.env.company._get_relance_today()),
                ),
                "raw": content,
                "mimetype": "application/pdf",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    def action_mark_posted(self):
        """Mark the selected letters as posted today (a registered letter
        number typed on the line is kept).

        :raise UserError: when a selected reminder has no letter
        """
        if not self or any(not history.letter_attachment_id for history in self):
            raise UserError(self.env._("Only letters can be marked as posted."))
        today = self.env.company._get_relance_today()
        # one letter covers several invoices: its lines are posted together
        same_letters = self.search(
            [("letter_attachment_id", "in", self.letter_attachment_id.ids)]
        )
        for _letter, histories in same_letters.grouped("letter_attachment_id").items():
            histories.write(
                {
                    "postal_state": "posted",
                    "posted_date": histories[0].posted_date or today,
                    "lrar_number": next(
                        iter(filter(None, histories.mapped("lrar_number"))), False
                    ),
                }
            )
        return True

    def action_cancel(self):
        """Cancel reminders that are waiting for approval or have failed."""
        if any(history.state == "sent" for history in self):
            raise UserError(self.env._("A reminder that was sent cannot be cancelled."))
        self.write({"state": "cancelled"})
        return True

    def action_open_move(self):
        self.ensure_one()
        return self.move_id._get_records_action()
