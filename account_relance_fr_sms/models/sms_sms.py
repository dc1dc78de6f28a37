import json
import logging
import os
import re

from odoo import api, fields, models, tools

from ..tools import sms_info

_logger = logging.getLogger(__name__)

TRANSPORT_PARAM = "account_relance_fr_sms.transport"
LOCAL_FOLDER_PARAM = "account_relance_fr_sms.local_folder"
# Option of the Odoo configuration file that setup/run writes.
LOCAL_FOLDER_OPTION = "relance_sms_dir"
TRANSPORTS = [("iap", "Odoo IAP"), ("local", "Local Folder")]


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """Send through the transport of the settings: Odoo IAP or a local folder."""
        if self._get_relance_sms_transport() != "local":
            return super()._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        return self._send_to_local_folder(
            unlink_failed=unlink_failed, unlink_sent=unlink_sent
        )

    @api.model
    def _get_relance_sms_transport(self):
        """``iap`` (default) or ``local``, from the system parameter."""
        value = self.env["ir.config_parameter"].sudo().get_param(TRANSPORT_PARAM)
        return "local" if value == "local" else "iap"

    @api.model
    def _get_relance_sms_local_folder(self):
        """The folder of the local transport: parameter, config option, data dir."""
        folder = self.env["ir.config_parameter"].sudo().get_param(LOCAL_FOLDER_PARAM)
        folder = folder or tools.config.get(LOCAL_FOLDER_OPTION)
        return folder or os.path.join(tools.config["data_dir"], "relance_sms")

    def _send_to_local_folder(self, unlink_failed=False, unlink_sent=True):
        """Write each SMS as a JSON file and mark it delivered.

        The file is the SMS as a provider would get it (number, text) plus what
        helps reading it (date, encoding, segments). Nothing leaves the server.
        """
        folder = self._get_relance_sms_local_folder()
        delivered = failed = self.browse()
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError:
            _logger.warning("Cannot create the SMS folder %s", folder, exc_info=True)
            folder = None
        for sms in self:
            if folder and sms._write_local_sms_file(folder):
                delivered |= sms
            else:
                failed |= sms
        if delivered:
            delivered.sudo().with_context(
                sms_skip_msg_notification=True
            )._update_sms_state_and_trackers("sent")
            if unlink_sent:
                delivered.sudo().to_delete = True
        if failed:
            failed.sudo().with_context(
                sms_skip_msg_notification=True
            )._update_sms_state_and_trackers("error", failure_type="sms_server")
            if unlink_failed:
                failed.sudo().to_delete = True
        _logger.info(
            "Local SMS transport: %s written to %s, %s failed",
            len(delivered),
            folder,
            len(failed),
        )
        self.sudo().mail_message_id._notify_message_notification_update()
        return True

    def _write_local_sms_file(self, folder):
        """Write this SMS in ``folder``; False when it cannot be written."""
        self.ensure_one()
        now = fields.Datetime.now()
        info = sms_info(self.body)
        number = re.sub(r"[^0-9+]", "", self.number or "") or "no-number"
        path = os.path.join(
            folder, f"{now:%Y%m%d-%H%M%S}-{number}-{self.uuid[:8]}.json"
        )
        content = {
            "uuid": self.uuid,
            "date": fields.Datetime.to_string(now),
            "number": self.number,
            "partner": self.partner_id.display_name or False,
            "body": self.body,
            "encoding": info.encoding,
            "length": info.length,
            "segments": info.segments,
        }
        try:
            with open(path, "w", encoding="utf-8") as file:
                json.dump(content, file, ensure_ascii=False, indent=2)
                file.write("\n")
        except OSError:
            _logger.warning("Cannot write the SMS file %s", path, exc_info=True)
            return False
        return True
