"""pytest plugin loaded by setup/test (``-p pytest_relance``) next to pytest-odoo.

pytest-odoo turns Odoo's ``test_enable`` flag on only while tests run, but it
imports ``odoo.tests`` before that, and Odoo then logs "Importing test
framework" at ERROR level. setup/test fails on any ERROR line of Odoo's log, so
this plugin imports the test framework first, with the flag on, before Odoo's
configuration and logging are set up.
"""

from odoo.tools import config

_saved = config["test_enable"]
config["test_enable"] = True
try:
    import odoo.tests  # noqa: F401
finally:
    config["test_enable"] = _saved
