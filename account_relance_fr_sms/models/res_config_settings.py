from odoo import fields, models

from .sms_sms import LOCAL_FOLDER_PARAM, TRANSPORT_PARAM, TRANSPORTS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    relance_sms_send_monday = fields.Boolean(
        related="company_id.relance_sms_send_monday", readonly=False
    )
    relance_sms_send_tuesday = fields.Boolean(
        related="company_id.relance_sms_send_tuesday", readonly=False
    )
    relance_sms_send_wednesday = fields.Boolean(
        related="company_id.relance_sms_send_wednesday", readonly=False
    )
    relance_sms_send_thursday = fields.Boolean(
        related="company_id.relance_sms_send_thursday", readonly=False
    )
    relance_sms_send_friday = fields.Boolean(
        related="company_id.relance_sms_send_friday", readonly=False
    )
    relance_sms_send_saturday = fields.Boolean(
        related="company_id.relance_sms_send_saturday", readonly=False
    )
    relance_sms_send_sunday = fields.Boolean(
        related="company_id.relance_sms_send_sunday", readonly=False
    )
    relance_sms_hour_from = fields.Float(
        related="company_id.relance_sms_hour_from", readonly=False
    )
    relance_sms_hour_to = fields.Float(
        related="company_id.relance_sms_hour_to", readonly=False
    )
    relance_sms_skip_holidays = fields.Boolean(
        related="company_id.relance_sms_skip_holidays", readonly=False
    )
    relance_sms_transport = fields.Selection(
        TRANSPORTS,
        string="SMS Transport",
        default="iap",
        config_parameter=TRANSPORT_PARAM,
        help="Odoo IAP sends real SMS (paid credits, internet access). The local "
        "folder writes each SMS to a file instead: for demonstrations and tests.",
    )
    relance_sms_local_folder = fields.Char(
        string="SMS Folder",
        config_parameter=LOCAL_FOLDER_PARAM,
        help="Where the local transport writes the SMS. Empty: the relance_sms_dir "
        "option of the Odoo configuration file, else the relance_sms folder of "
        "Odoo's data directory.",
    )
