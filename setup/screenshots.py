#!/usr/bin/env python3
"""The README's screenshots, from the demo database of setup/run.

Run by setup/screenshots with the virtualenv's Python and PYTHONPATH=$ODOO_SRC:

    screenshots.py -c .local/odoo.cfg -d relance_demo --mailbox .local/mailbox \
        --out docs/screenshots [--logfile .local/logs/screenshots-relance_demo.log]

Writes four small PNG files into --out:

- ``followup.png``: the accountant's follow-up screen (admin / admin), all
  the customers (the default "To Do Today" filter removed), desktop width;
- ``analysis.png``: the manager's collection figures (admin / admin): the
  filters and the headline cards of the overview, desktop width;
- ``reminder-mail.png``: a reminder of the demo as its customer reads it: the
  newest reminder .eml of the mailbox with an invoice table, rendered in
  Chromium under its From / To / Subject headers;
- ``formal-notice.png``: the first page of the demo's mise en demeure (the
  formal notice waiting for approval, else the newest one sent), rendered
  as the reminder job renders the letter, converted with pdftoppm.

Needs Odoo serving the database at its ``web.base.url`` (wkhtmltopdf loads the
letter's styles from there, the browser logs in there): the server of
``setup/run`` when it runs, else one started here for the time of the
screenshots. Nothing is written into the database.
"""

import argparse
import base64
import email
import email.utils
import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from email.policy import default as default_policy
from pathlib import Path

# tall enough for the rows the README describes (the payment plan badge)
DESKTOP = (1440, 900)
MAIL_WIDTH = 760
LOGIN = PASSWORD = "admin"
FOLLOWUP_ACTION = "account_relance_fr.account_relance_followup_action"
ANALYSIS_ACTION = "account_relance_fr.account_relance_analysis_overview_action_open"
ANALYSIS_HEIGHT = 1100  # the filters and the headline cards
DEMO_COMPANY = "account_relance_fr.res_company_atelier_duval_demo"
# a reminder, not a thank-you or a payment plan: it lists the invoices claimed
REMINDER_MARKERS = ("<table", "€")


class ScreenshotError(Exception):
    """A screenshot could not be taken: the message says why."""


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Take the README's screenshots.")
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--mailbox", required=True, help="folder of the demo's .eml")
    parser.add_argument("--out", required=True, help="folder of the PNG files")
    parser.add_argument("--logfile", help="Odoo log file (default: the config's)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    return parser.parse_args(argv)


# ---------------------------------------------------------------- images


def optimise_png(path, max_width=None):
    """Rewrite the PNG at ``path`` small: at most ``max_width`` pixels wide,
    256 colours, zlib level 9.

    :return: the size of the file, bytes
    """
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        if max_width and image.width > max_width:
            height = round(image.height * max_width / image.width)
            image = image.resize((max_width, height), Image.LANCZOS)
        image = image.quantize(colors=256, method=Image.MEDIANCUT, dither=Image.NONE)
        image.save(path, optimize=True)
    return path.stat().st_size


# ---------------------------------------------------------------- mails


def find_reminder_eml(folder, company_name):
    """The newest reminder .eml of ``company_name`` in ``folder``: sent by
    the company (its name starts the subject) with a table of invoices.

    :raise ScreenshotError: when the mailbox holds none
    """
    for path in sorted(Path(folder).glob("*.eml"), reverse=True):
        message = read_eml(path)
        if not str(message["Subject"] or "").startswith(company_name):
            continue
        body = message.get_body(preferencelist=("html",))
        if body and all(marker in body.get_content() for marker in REMINDER_MARKERS):
            return path
    raise ScreenshotError(
        f"no reminder of {company_name} in {folder}: run setup/run first, it "
        "sends the demo's reminders into the mailbox"
    )


def read_eml(path):
    with open(path, "rb") as handle:
        return email.message_from_binary_file(handle, policy=default_policy)


def french_date(value):
    """A mail's Date header as a French mail client shows it: 29/11/2026 09:05."""
    if not value:
        return ""
    try:
        moment = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return str(value)
    return moment.astimezone().strftime("%d/%m/%Y %H:%M")


def eml_to_html(message):
    """A page showing the mail as a mail client does: its headers, then its
    HTML body, the inline images (``cid:``) embedded.

    :param message: an ``email.message.EmailMessage``
    :return: the page, str
    """
    body = message.get_body(preferencelist=("html", "plain"))
    content = body.get_content()
    if body.get_content_type() == "text/plain":
        content = f"<pre>{html.escape(content)}</pre>"
    for part in message.walk():
        content_id = (part["Content-ID"] or "").strip("<>")
        if content_id and not part.is_multipart():
            data = base64.b64encode(part.get_payload(decode=True)).decode()
            uri = f"data:{part.get_content_type()};base64,{data}"
            content = content.replace(f"cid:{content_id}", uri)
    attachments = [
        part.get_filename()
        for part in message.iter_attachments()
        if part.get_filename() and not part["Content-ID"]
    ]
    rows = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(value))}</td></tr>"
        for label, value in (
            ("De", message["From"]),
            ("À", message["To"]),
            ("Date", french_date(message["Date"])),
            ("Objet", message["Subject"]),
            ("Pièces jointes", ", ".join(attachments)),
        )
        if value
    )
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        "<style>body{margin:0;font-family:sans-serif;background:#fff}"
        ".headers{width:100%;background:#f3f4f6;border-bottom:1px solid #d1d5db;"
        "padding:12px 16px}"
        ".headers th{text-align:right;color:#6b7280;font-weight:normal;"
        "padding:2px 8px 2px 0;vertical-align:top}.headers td{padding:2px 0}"
        ".body{padding:16px}</style></head><body>"
        f'<table class="headers">{rows}</table><div class="body">{content}</div>'
        "</body></html>"
    )


# ---------------------------------------------------------------- Odoo server


def answers(base_url, database=None):
    """True when an Odoo server answers at ``base_url`` (for ``database``)."""
    try:
        with urllib.request.urlopen(f"{base_url}/web/health", timeout=3) as response:
            if response.status != 200:
                return False
    except OSError:
        return False
    if not database:
        return True
    try:
        session = OdooSession(base_url, database)
        session.authenticate(LOGIN, PASSWORD)
    except (OSError, ScreenshotError):
        return False
    return True


def port_free(host, port):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def start_odoo(args, base_url):
    """Start Odoo for ``args.database`` at ``base_url`` (its port), no cron.

    :return: the process
    :raise ScreenshotError: when the port is taken or Odoo does not answer
    """
    url = urllib.parse.urlsplit(base_url)
    port = url.port or 80
    if not port_free("127.0.0.1", port):
        raise ScreenshotError(
            f"port {port} of web.base.url ({base_url}) is taken by something that "
            f"does not serve {args.database}: stop it, or start setup/run"
        )
    command = [
        sys.executable,
        os.path.join(os.environ["ODOO_SRC"], "odoo-bin"),
        "-c",
        args.config,
        "-d",
        args.database,
        "--db-filter",
        f"^{re.escape(args.database)}$",
        "--http-port",
        str(port),
        "--max-cron-threads",
        "0",
    ]
    if args.logfile:
        command.append(f"--logfile={args.logfile}")
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ScreenshotError(f"Odoo stopped at once (see {args.logfile})")
        if answers(base_url):
            return process
        time.sleep(0.5)
    stop_odoo(process)
    raise ScreenshotError(f"Odoo did not answer at {base_url} within 2 minutes")


def stop_odoo(process):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class OdooSession:
    """A logged-in JSON-RPC session of the web client."""

    def __init__(self, base_url, database):
        self.base_url = base_url
        self.database = database
        self.session_id = None

    def call(self, path, params):
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            data=json.dumps({"jsonrpc": "2.0", "params": params}).encode(),
            headers={"Content-Type": "application/json"},
        )
        if self.session_id:
            request.add_header("Cookie", f"session_id={self.session_id}")
        with urllib.request.urlopen(request, timeout=60) as response:
            for header in response.headers.get_all("Set-Cookie") or []:
                match = re.match(r"session_id=([^;]+)", header)
                if match:
                    self.session_id = match.group(1)
            answer = json.loads(response.read())
        if answer.get("error"):
            raise ScreenshotError(answer["error"]["data"]["message"])
        return answer["result"]

    def authenticate(self, login, password):
        self.call(
            "/web/session/authenticate",
            {"db": self.database, "login": login, "password": password},
        )


# ---------------------------------------------------------------- Chromium


class Chromium:
    """Headless Chromium driven through the DevTools protocol."""

    def __init__(self, binary):
        import websocket

        self.profile = tempfile.mkdtemp(prefix="relance-screenshots-")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--mute-audio",
                "--lang=fr-FR",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise ScreenshotError(f"{binary} did not start")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
            pages = [
                page for page in json.loads(response.read()) if page["type"] == "page"
            ]
        self.ws = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
        )
        self._ids = iter(range(1, 1 << 30))
        self._lock = threading.Lock()
        self.send("Page.enable")

    def send(self, method, **params):
        """Send a DevTools command and return its result (events are skipped)."""
        with self._lock:
            request_id = next(self._ids)
            self.ws.send(
                json.dumps({"id": request_id, "method": method, "params": params})
            )
            while True:
                answer = json.loads(self.ws.recv())
                if answer.get("id") == request_id:
                    if "error" in answer:
                        raise ScreenshotError(f"{method}: {answer['error']}")
                    return answer.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True
        )
        return result.get("result", {}).get("value")

    def open(self, url, width, height, ready="true", timeout=60):
        """Load ``url`` at ``width`` x ``height`` and wait until the JavaScript
        expression ``ready`` is true and the page is still for a moment."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Page.navigate", url=url)
        self.wait(f"document.readyState === 'complete' && !!({ready})", timeout)

    def wait(self, ready, timeout=60):
        """Wait until the JavaScript expression ``ready`` is true, then let
        the page settle (fonts, images, the last renderings)."""
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"!!({ready})"):
            if time.monotonic() > deadline:
                raise ScreenshotError(
                    f"the page was not ready ({ready}) in {timeout} s"
                )
            time.sleep(0.25)
        time.sleep(1.5)

    def screenshot(self, path, full_page=False):
        """Save the page as PNG at ``path``, the whole page when ``full_page``."""
        params = {"format": "png"}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": metrics["width"],
                "height": metrics["height"],
                "scale": 1,
            }
        data = self.send("Page.captureScreenshot", **params)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def set_cookie(self, base_url, name, value):
        self.send("Network.setCookie", name=name, value=value, url=base_url, path="/")

    def close(self):
        if getattr(self, "ws", None):
            self.ws.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


# ---------------------------------------------------------------- the shots


def shoot_followup(chromium, session, out):
    """The follow-up screen of the accountant (admin): every customer."""
    chromium.set_cookie(session.base_url, "session_id", session.session_id)
    chromium.open(
        f"{session.base_url}/odoo/action-{FOLLOWUP_ACTION}",
        *DESKTOP,
        ready="document.querySelector('.o_list_view .o_data_row')",
    )
    # the default filter shows today's work only: show the whole list
    chromium.evaluate(
        "document.querySelectorAll('.o_searchview_facet .o_facet_remove')"
        ".forEach((button) => button.click())"
    )
    chromium.wait(
        "!document.querySelector('.o_searchview_facet')"
        " && document.querySelectorAll('.o_data_row').length > 2"
    )
    path = out / "followup.png"
    chromium.screenshot(path)
    return path


def shoot_analysis(chromium, session, out):
    """The collection figures (admin): the filters and the headline cards of
    the overview for its default period."""
    chromium.set_cookie(session.base_url, "session_id", session.session_id)
    chromium.open(
        f"{session.base_url}/odoo/action-{ANALYSIS_ACTION}",
        DESKTOP[0],
        ANALYSIS_HEIGHT,
        ready="document.querySelector('.o_relance_overview .o_relance_trend')",
    )
    path = out / "analysis.png"
    chromium.screenshot(path)
    return path


def shoot_mail(chromium, eml, out):
    """The reminder ``eml`` as its customer reads it."""
    with tempfile.TemporaryDirectory(prefix="relance-mail-") as folder:
        page = Path(folder) / "mail.html"
        page.write_text(eml_to_html(read_eml(eml)), encoding="utf-8")
        chromium.open(page.as_uri(), MAIL_WIDTH, 600)
        path = out / "reminder-mail.png"
        chromium.screenshot(path, full_page=True)
    return path


def formal_notice_pdf(env):
    """The PDF of the demo's formal notice, rendered as the reminder job
    renders the letter (``account.relance.run._get_letter_report`` and its
    context), without writing anything.

    :return: (PDF bytes, customer name)
    :raise ScreenshotError: when the demo holds no formal notice
    """
    histories = env["account.relance.history"].search(
        [
            ("level_id.is_formal_notice", "=", True),
            ("state", "in", ("to_confirm", "sent")),
        ],
        order="state desc, date desc, id desc",
    )
    if not histories:
        raise ScreenshotError("the demo holds no formal notice: run setup/run first")
    first = histories[0]
    histories = histories.filtered(
        lambda history: history.partner_id == first.partner_id
        and history.level_id == first.level_id
        and history.state == first.state
        and history.date == first.date
    )
    if first.state == "sent" and first.letter_attachment_id:
        return first.letter_attachment_id.raw, first.partner_id.display_name
    run = env["account.relance.run"].with_company(first.company_id)
    report = run._get_letter_report(first.level_id)
    partner = first.partner_id.commercial_partner_id
    content, _kind = (
        env["ir.actions.report"]
        .with_company(first.company_id)
        .with_context(
            lang=partner.lang,
            relance_line_ids=histories.move_line_id.ids,
            relance_level_id=first.level_id.id,
        )
        ._render_qweb_pdf(report, partner.ids)
    )
    if content[:4] != b"%PDF":
        raise ScreenshotError("the formal notice did not render as a PDF")
    return content, partner.display_name


def shoot_formal_notice(env, out):
    """First page of the formal notice, as PNG (pdftoppm, 80 dpi)."""
    content, _customer = formal_notice_pdf(env)
    with tempfile.TemporaryDirectory(prefix="relance-pdf-") as folder:
        source = Path(folder) / "formal-notice.pdf"
        source.write_bytes(content)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(source),
                str(Path(folder) / "page"),
            ],
            check=True,
            timeout=120,
        )
        path = out / "formal-notice.png"
        shutil.copyfile(Path(folder) / "page.png", path)
    return path


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import odoo
    from odoo.tools import config

    odoo_args = ["-c", args.config, "-d", args.database, "--no-http"]
    if args.logfile:
        odoo_args.append(f"--logfile={args.logfile}")
    config.parse_config(odoo_args, setup_logging=True)
    threading.current_thread().dbname = args.database
    registry = odoo.modules.registry.Registry(args.database)

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        base_url = env["ir.config_parameter"].get_param("web.base.url").rstrip("/")
        company = env.ref(DEMO_COMPANY, raise_if_not_found=False)
        if not company:
            raise ScreenshotError(
                f"{args.database} has no demo company: create it with setup/run"
            )
        company_name = company.name
        cr.rollback()
    eml = find_reminder_eml(args.mailbox, company_name)

    server = None
    if not answers(base_url, args.database):
        print(
            f"screenshots: starting Odoo at {base_url} for the time of the screenshots"
        )
        server = start_odoo(args, base_url)
    chromium = None
    written = []
    try:
        session = OdooSession(base_url, args.database)
        session.authenticate(LOGIN, PASSWORD)
        chromium = Chromium(args.chromium)
        written.append((shoot_followup(chromium, session, out), None))
        written.append((shoot_analysis(chromium, session, out), None))
        written.append((shoot_mail(chromium, eml, out), None))
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            written.append((shoot_formal_notice(env, out), 620))
            cr.rollback()  # nothing of the rendering is kept
    finally:
        if chromium:
            chromium.close()
        if server:
            stop_odoo(server)
    for path, max_width in written:
        size = optimise_png(path, max_width)
        print(f"screenshots: {path} ({size // 1024} KB)")
    print(f"screenshots: reminder mail from {eml.name}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ScreenshotError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
