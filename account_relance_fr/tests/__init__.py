from . import test_relance_run
from . import test_relance_concurrency
from . import test_relance_performance
from . import test_relance_access
from . import test_relance_mail_fr
from . import test_relance_penalty
from . import test_relance_followup
from . import test_relance_formal_notice
