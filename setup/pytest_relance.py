"""pytest plugin loaded by setup/test (``-p pytest_relance``) next to pytest-odoo.

pytest-odoo turns Odoo's ``test_enable`` flag on only while tests run, but it
imports ``odoo.tests`` before that, and Odoo then logs "Importing test
framework" at ERROR level. setup/test fails on any ERROR line of Odoo's log, so
this plugin imports the test framework first, with the flag on, before Odoo's
configuration and logging are set up. It also reads the add-ons' manifests
before the first test (see ``relance_read_manifests_once``).
"""

import pytest

from odoo.tools import config

_saved = config["test_enable"]
config["test_enable"] = True
try:
    import odoo.tests  # noqa: F401
finally:
    config["test_enable"] = _saved


@pytest.fixture(scope="session", autouse=True)
def relance_read_manifests_once(load_http):
    """Read every add-on's manifest once, in this thread, before the tests.

    Odoo's HTTP server reads them on its first static request, in whichever
    request threads the browser of a tour opens first. CPython 3.11.7 may then
    fail to parse one ("SystemError: AST constructor recursion depth
    mismatch", CPython issue 106905): the AST constructor's recursion count is
    shared by the threads parsing at once. The error line in Odoo's log would
    fail the run although every test passed.
    """
    from odoo.http import root

    root.statics  # noqa: B018 - computed once, then kept by Odoo
    yield
