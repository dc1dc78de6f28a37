"""Screenshots of the browser tours, at desktop and phone widths.

A tour step calls ``relanceScreenshot(name)`` (static/tests/tours/
relance_screenshot.js): it logs ``relance-screenshot:<name>`` on the console
and waits. The test's browser then captures the page at the desktop width,
narrows the window to a phone's width, captures it again, restores the
desktop width and lets the tour go on.

The PNG files go to ``<screenshots>/tours/<tour>-<name>-desktop.png`` and
``-phone.png``, where ``<screenshots>`` is Odoo's ``screenshots`` option
(``setup/test`` sets it to the git-ignored ``.local/screenshots``).
"""

import base64
import json
import logging
import re
import threading
import time
from pathlib import Path

from odoo.tests.common import ChromeBrowser
from odoo.tools import config

_logger = logging.getLogger(__name__)

SIGNAL = "relance-screenshot:"
# width, height, mobile. A phone's width is enough for Odoo's small-screen
# layout; mobile emulation would leave the web client in its phone menus once
# back at the desktop width.
SIZES = {
    "desktop": (1366, 768, False),
    "phone": (390, 844, False),
}
# time for Odoo's UI to re-render after the window changes size (seconds)
RESIZE_DELAY = 1.0
# Odoo's navbar stays in its phone layout when the window widens again (its
# adapt() stops without the app sections of the desktop layout): the event of
# an app change makes it render again.
REDRAW_NAVBAR = "odoo.__WOWL_DEBUG__?.root.env.bus.trigger('MENUS:APP-CHANGED')"
# the element of the step's trigger, in view (the chatter is below the form on a phone)
SCROLL_TO_ANCHOR = "window.relanceScreenshotAnchor?.scrollIntoView({block: 'center'})"
# the boxes of the open dialog that scroll sideways (their content is wider
# than the window): the classes of each
WIDE_ELEMENTS = """JSON.stringify(
    [...document.querySelectorAll('.modal *')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1
            && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
        .map((el) => el.className)
)"""


def screenshot_dir():
    """Folder of the tours' screenshots (a ``pathlib.Path``, created)."""
    folder = Path(config["screenshots"]) / "tours"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class RelanceTourScreenshots:
    """Mixin of an ``HttpCase``: the tours it starts save their screenshots.

    ``self.screenshots`` lists the files written, in order;
    ``self.screenshot_wide`` maps each file's stem (``<tour>-<name>-<width>``)
    to the classes of the boxes of the open dialog that scrolled sideways.
    """

    def start_tour(self, url_path, tour_name, step_delay=None, **kwargs):
        """Start the tour as ``HttpCase.start_tour`` does, saving the
        screenshots its steps ask for under ``screenshot_dir()``."""
        self.screenshots = []
        self.screenshot_wide = {}
        test = self
        handle_console = ChromeBrowser._handle_console

        def _handle_console(browser, type, args=None, stackTrace=None, **kw):  # pylint: disable=redefined-builtin
            if type == "log" and args:
                message = str(browser._from_remoteobject(args[0]))
                if message.startswith(SIGNAL):
                    name = message[len(SIGNAL) :]
                    stem = re.sub(r"[^\w-]", "_", f"{tour_name}-{name}")
                    threading.Thread(
                        target=test._relance_capture,
                        args=(browser, stem, name),
                        name="relance tour screenshot",
                        daemon=True,
                    ).start()
            return handle_console(browser, type, args, stackTrace, **kw)

        self.patch(ChromeBrowser, "_handle_console", _handle_console)
        kwargs.setdefault("timeout", 240)
        return super().start_tour(url_path, tour_name, step_delay, **kwargs)

    def _relance_capture(self, browser, stem, name):
        """Capture the page at each width of ``SIZES``, then release the tour
        (``window.relanceScreenshotDone``). Runs in its own thread: the
        browser's websocket answers arrive meanwhile."""
        folder = screenshot_dir()
        try:
            for label, (width, height, mobile) in SIZES.items():
                self._relance_resize(browser, width, height, mobile)
                time.sleep(RESIZE_DELAY)
                browser._websocket_request(
                    "Runtime.evaluate",
                    params={"expression": SCROLL_TO_ANCHOR},
                )
                time.sleep(RESIZE_DELAY / 4)
                wide = browser._websocket_request(
                    "Runtime.evaluate",
                    params={"expression": WIDE_ELEMENTS, "returnByValue": True},
                )
                self.screenshot_wide[f"{stem}-{label}"] = json.loads(
                    wide["result"]["value"]
                )
                data = browser._websocket_request(
                    "Page.captureScreenshot", params={"format": "png"}, timeout=30
                )["data"]
                path = folder / f"{stem}-{label}.png"
                path.write_bytes(base64.b64decode(data))
                self.screenshots.append(path)
            width, height = (int(size) for size in self.browser_size.split(","))
            self._relance_resize(browser, width, height, False)
            time.sleep(RESIZE_DELAY / 2)
            browser._websocket_request(
                "Runtime.evaluate", params={"expression": REDRAW_NAVBAR}
            )
            time.sleep(RESIZE_DELAY / 2)
        except Exception:
            _logger.exception("screenshot %s failed", name)
            return
        browser._websocket_request(
            "Runtime.evaluate",
            params={"expression": f"window.relanceScreenshotDone = {json.dumps(name)}"},
        )

    def _relance_resize(self, browser, width, height, mobile):
        browser._websocket_request(
            "Emulation.setDeviceMetricsOverride",
            params={
                "width": width,
                "height": height,
                "mobile": mobile,
                "deviceScaleFactor": 1,
            },
        )
