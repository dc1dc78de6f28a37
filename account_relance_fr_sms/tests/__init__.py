from . import test_relance_sms
from . import test_relance_sms_holidays
from . import test_relance_sms_recipient
