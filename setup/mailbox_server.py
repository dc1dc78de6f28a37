#!/usr/bin/env python3
"""Local SMTP server of the demo: every message it receives becomes a .eml file.

Usage: mailbox_server.py [--host 127.0.0.1] [--port 2525] [--dir .local/mailbox]

Files are named ``<UTC timestamp>-<counter>.eml`` and written atomically (a
temporary name, then a rename), so a reader never sees half a message. Two
headers are added on top: ``X-Mailbox-From`` and ``X-Mailbox-To``, the SMTP
envelope, which shows Bcc recipients. Stops cleanly on SIGINT or SIGTERM.
Prints ``mailbox: listening on HOST:PORT`` once it accepts connections.
"""

import argparse
import errno
import itertools
import os
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

from aiosmtpd.controller import Controller

EXIT_PORT_IN_USE = 6


class MailboxHandler:
    """aiosmtpd handler writing each message into a folder."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def _next_path(self):
        with self._lock:
            number = next(self._counter)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        return self.folder / f"{stamp}-{os.getpid()}-{number:05d}.eml"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        if not content.endswith(b"\n"):
            content += b"\r\n"
        header = (
            f"X-Mailbox-From: {envelope.mail_from}\r\n"
            f"X-Mailbox-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode("utf-8", "replace")
        path = self._next_path()
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(header + content)
        tmp.replace(path)
        print(f"mailbox: {path.name} to {', '.join(envelope.rcpt_tos)}", flush=True)
        return "250 Message accepted for delivery"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument(
        "--dir",
        default=str(Path(__file__).resolve().parent.parent / ".local" / "mailbox"),
        help="folder receiving the .eml files (default: .local/mailbox)",
    )
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    controller = Controller(
        MailboxHandler(args.dir),
        hostname=args.host,
        port=args.port,
        enable_SMTPUTF8=True,
    )
    try:
        controller.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(
                f"error: port {args.port} is already in use on {args.host}",
                file=sys.stderr,
            )
            return EXIT_PORT_IN_USE
        print(f"error: mailbox server cannot start: {exc}", file=sys.stderr)
        return 1
    print(
        f"mailbox: listening on {args.host}:{args.port}, writing to {args.dir}",
        flush=True,
    )
    try:
        while not stop.wait(1):
            pass
    finally:
        controller.stop()
    print("mailbox: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
