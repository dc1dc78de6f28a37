from . import test_relance_sms
