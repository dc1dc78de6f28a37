from .gsm7 import sms_info, to_gsm7
