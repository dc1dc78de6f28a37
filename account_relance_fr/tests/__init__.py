from . import test_relance_run
