import logging

from odoo import api, fields, models

from odoo.addons.account_relance_fr.models.account_relance_run import RelanceSendError
from odoo.addons.account_relance_fr.tools import within_window

try:
    import phonenumbers
except ImportError:  # pragma: no cover - a manifest external dependency
    phonenumbers = None

_logger = logging.getLogger(__name__)


class AccountRelanceRun(models.AbstractModel):
    _inherit = "account.relance.run"

    # ------------------------------------------------------------------
    # PLAN
    # ------------------------------------------------------------------

    def _is_customer_sendable_now(self, company, partner, items):
        """Outside the SMS hours, a reminder whose level sends an SMS waits.

        The cron is triggered again when the SMS window opens. A level waiting
        for approval is recorded at once: only its sending waits.
        """
        sendable = super()._is_customer_sendable_now(company, partner, items)
        if not sendable:
            return sendable
        level = max((level for _line, level in items), key=lambda level: level.days)
        if level.to_confirm or "sms" not in level._get_channels_for_partner(partner):
            return True
        moves = self._get_items_moves(items)
        if not self._get_relance_sms_recipient(partner, moves=moves)[0]:
            return True  # no SMS possible: its email goes now
        local_now = self._get_relance_local_now(company)
        window = company._get_relance_sms_window()
        if within_window(window, local_now):
            return True
        self._trigger_at_window_opening(company, window, local_now)
        return False

    # ------------------------------------------------------------------
    # RECORD
    # ------------------------------------------------------------------

    def _prepare_history_vals(self, partner, contact, line, level, channels, today):
        """A new attempt starts without the SMS values of a previous one."""
        vals = super()._prepare_history_vals(
            partner, contact, line, level, channels, today
        )
        vals.update(
            {
                "sms_message_id": False,
                "sms_notification_id": False,
                "sms_number": False,
                "sms_body": False,
                "sms_state": False,
                "sms_skip_reason": False,
            }
        )
        return vals

    # ------------------------------------------------------------------
    # CHANNELS
    # ------------------------------------------------------------------

    def _relance_send_sms(self, histories, level, partner, contact):
        """Queue the level's SMS to the customer's mobile, or fall back to email.

        No SMS goes to a missing, invalid or blacklisted number, nor outside
        the SMS hours (a reminder sent by hand): the level's email goes
        instead, and the history says why.

        :return: the mail.message of the SMS, or of the fallback email
        """
        number, recipient, skip_reason = self._get_relance_sms_recipient(
            partner, contact, moves=histories.move_id
        )
        company = histories.company_id[:1] or self.env.company
        if not skip_reason and not self._is_relance_sms_window_open(company):
            skip_reason = "window"
        if skip_reason:
            return self._relance_sms_fallback(
                histories, level, partner, contact, skip_reason
            )
        template = level.sms_template_id
        if not template:
            raise RelanceSendError(
                self._with_accountant_lang().env._(
                    "Level %(level)s has no SMS template: choose one on the level.",
                    level=level.name,
                )
            )
        lang = partner._get_relance_lang(recipient)
        # the run's environment: its company fills the company name and currency
        record = partner.with_env(self.env).with_context(
            lang=lang,
            relance_line_ids=histories.move_line_id.ids,
            relance_level_id=level.id,
        )
        body = self._render_relance_sms(template, record)
        message = record.with_context(mail_post_autofollow=False)._message_sms(
            body,
            partner_ids=recipient.ids,
            sms_pid_to_number={recipient.id: number},
            subtype_id=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            put_in_queue=True,
        )
        notification = (
            self.env["mail.notification"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "=", message.id),
                    ("notification_type", "=", "sms"),
                ],
                limit=1,
            )
        )
        if not notification:
            # never a "sent" history without its queued SMS
            raise RelanceSendError(
                self._with_accountant_lang().env._(
                    "No SMS could be queued for %(contact)s (%(number)s): check "
                    "that the contact is active and its mobile number valid.",
                    contact=recipient.display_name,
                    number=number,
                )
            )
        histories.write(
            {
                "sms_message_id": message.id,
                "sms_notification_id": notification.id,
                "sms_number": number,
                "sms_body": body,
                "sms_state": notification.notification_status or "ready",
            }
        )
        self._trigger_sms_queue()
        return message

    @api.model
    def _trigger_sms_queue(self):
        """The SMS queue runs hourly: have it run once this transaction is done."""
        cron = self.env.ref(
            "sms.ir_cron_sms_scheduler_action", raise_if_not_found=False
        )
        if not cron:
            return
        pending = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search_count(
                [("cron_id", "=", cron.id), ("call_at", "<=", fields.Datetime.now())],
                limit=1,
            )
        )
        if not pending:
            cron.sudo()._trigger()

    def _render_relance_sms(self, template, record):
        """Plain text of ``template`` for the customer ``record``, trimmed."""
        template = template.with_env(record.env)
        body = template._render_field("body", record.ids)[record.id]
        return " ".join((body or "").split())

    def _relance_sms_fallback(self, histories, level, partner, contact, skip_reason):
        """Send the level's email instead of the SMS, and record why."""
        channels = [
            channel.strip() for channel in (histories[:1].channels or "").split(",")
        ]
        # the note and the failure are read by the accountant: in their language
        run = self._with_accountant_lang()
        reason = dict(
            histories._fields["sms_skip_reason"]._description_selection(run.env)
        )[skip_reason]
        message = self.env["mail.message"]
        if "email" in channels:
            note = run.env._(
                "SMS not sent (%(reason)s): the reminder goes by email.", reason=reason
            )
        else:
            try:
                message = self._relance_send_email(histories, level, partner, contact)
            except RelanceSendError as error:
                raise RelanceSendError(
                    run.env._(
                        "SMS not sent (%(reason)s), and the email sent instead "
                        "failed. %(error)s",
                        reason=reason,
                        error=error,
                    )
                ) from error
            note = run.env._(
                "SMS not sent (%(reason)s): sent by email instead.", reason=reason
            )
        used = []
        for channel in channels:
            channel = "email" if channel == "sms" else channel
            if channel not in used:
                used.append(channel)
        histories.write(
            {
                "channel": used[0],
                "channels": ", ".join(used),
                "sms_skip_reason": skip_reason,
                "note": note,
            }
        )
        return message

    @api.model
    def _is_relance_sms_window_open(self, company):
        """True when ``company`` may send SMS now."""
        return within_window(
            company._get_relance_sms_window(), self._get_relance_local_now(company)
        )

    def _get_relance_sms_recipient(self, partner, contact=None, moves=None):
        """``(number, recipient, skip_reason)`` of the reminder SMS.

        The mobiles of the customer's recipient chain in its order (reminder
        contact, contacts the invoices ``moves`` are addressed to,
        invoice-address contacts, the customer: see
        ``res.partner._get_relance_recipient_chain``), then their phones; a
        phone number counts when it is a mobile one. The first valid mobile
        number is used, in international format (E.164, +33…). A blacklisted
        number (STOP answer) is never replaced by another one of the same
        customer.

        :param contact: a contact to try first (e.g. chosen by a person)
        :param moves: the reminded invoices (account.move), or None
        :return: the number and the partner it belongs to, or a skip reason
            (``missing``, ``invalid``, ``blacklisted``) and no number
        """
        people = partner._get_relance_recipient_chain(moves)
        if contact and contact not in people:
            people = contact | people
        candidates = []
        for fname in ("mobile", "phone"):
            for person in people:
                if person[fname] and (person[fname], person) not in candidates:
                    candidates.append((person[fname], person))
        if not candidates:
            return False, partner.browse(), "missing"
        for raw_number, person in candidates:
            number = person._phone_format(number=raw_number, force_format="E164")
            if not number or not self._is_relance_mobile_number(number):
                continue
            blacklisted = (
                self.env["phone.blacklist"]
                .sudo()
                .search_count([("number", "=", number), ("active", "=", True)], limit=1)
            )
            if blacklisted:
                return False, partner.browse(), "blacklisted"
            return number, person, False
        return False, partner.browse(), "invalid"

    @api.model
    def _is_relance_mobile_number(self, number):
        """True when the E.164 ``number`` can receive an SMS (not a landline)."""
        if phonenumbers is None:
            return True
        try:
            parsed = phonenumbers.parse(number)
        except phonenumbers.NumberParseException:
            return False
        return phonenumbers.number_type(parsed) in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
