"""The fast failure paths of setup/run and setup/test: each case takes seconds."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "setup" / "run"
TEST = REPO / "setup" / "test"


def run(cmd, **env):
    """Run a setup script with a clean, non-cloning environment."""
    full_env = dict(os.environ, RELANCE_NO_CLONE="1", CI="true")
    full_env.pop("PYTHONPATH", None)
    full_env.update(env)
    return subprocess.run(
        [str(c) for c in cmd],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_run_unknown_option():
    result = run([RUN, "--bogus"])
    assert result.returncode == 2, result.stderr
    assert "error: unknown option: --bogus" in result.stderr
    assert "usage: setup/run" in result.stderr


def test_test_unknown_option():
    result = run([TEST, "--bogus"])
    assert result.returncode == 2, result.stderr
    assert "error: unknown option: --bogus" in result.stderr
    assert "usage: setup/test" in result.stderr


def test_help_documents_exit_codes():
    for script in (RUN, TEST):
        result = run([script, "--help"])
        assert result.returncode == 0, result.stderr
        assert "Exit codes" in result.stdout
        assert "3 Odoo source missing" in result.stdout


def test_missing_odoo_source(tmp_path):
    empty = tmp_path / "odoo"
    empty.mkdir()
    result = run([RUN], ODOO_SRC=str(empty))
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: Odoo 18.0 source not found")
    assert f"ODOO_SRC={empty}" in lines[0]
    assert "clone branch 18.0" in lines[0]
    assert "https://github.com/odoo/odoo" in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_odoo_source_for_test_command(tmp_path):
    result = run([TEST, "--db", "relance_setup_never"], ODOO_SRC=str(tmp_path / "none"))
    assert result.returncode == 3, result.stderr
    assert "error: Odoo 18.0 source not found" in result.stderr


def test_wrong_odoo_version(tmp_path):
    (tmp_path / "odoo").mkdir()
    (tmp_path / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    (tmp_path / "odoo" / "release.py").write_text(
        "version_info = (17, 0, 0, FINAL, 0, '')\n"
    )
    result = run([RUN], ODOO_SRC=str(tmp_path))
    assert result.returncode == 4, result.stderr
    assert "error:" in result.stderr
    assert "Odoo 17.0" in result.stderr
    assert "need Odoo 18.0" in result.stderr


def test_port_in_use():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        result = run([RUN, "--port", port, "--db", "relance_setup_never"])
    assert result.returncode == 6, result.stderr
    assert f"error: port {port}" in result.stderr
    assert "in use" in result.stderr


def test_mailbox_port_in_use():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        result = run([RUN, "--mailbox-port", port, "--port", free_port()])
    assert result.returncode == 6, result.stderr
    assert f"error: port {port}" in result.stderr


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_background_run_stops_on_sigint_to_its_group(tmp_path):
    """Started in the background, bash inherits SIGINT ignored and could not
    trap it: setup/run restarts itself with the default dispositions
    (restore_default_signals), so a SIGINT to its process group reaches the
    trap that stops Odoo. Checked on a script using the same helper."""
    script = tmp_path / "serve"
    marker = tmp_path / "stopped"
    script.write_text(
        "#!/usr/bin/env bash\n"
        "set -euo pipefail\n"
        f"source {REPO / 'setup' / 'common.sh'}\n"
        'restore_default_signals "$0" "$@"\n'
        f"trap 'touch {marker}; exit 0' INT TERM\n"
        "sleep 60 &\n"
        "wait $!\n"
    )
    script.chmod(0o755)

    def ignore_sigint_in_new_group():
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as `cmd &` does
        os.setpgrp()

    env = dict(os.environ)
    env.pop("RELANCE_SIGNALS_RESTORED", None)
    proc = subprocess.Popen(
        [str(script)],
        env=env,
        preexec_fn=ignore_sigint_in_new_group,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        # wait until the restarted bash has set its trap
        while time.monotonic() < deadline:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
            if b"python3" not in cmdline and "SigCgt" in status:
                caught = int(status.split("SigCgt:")[1].split()[0], 16)
                if caught & (1 << (signal.SIGINT - 1)):
                    break
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert marker.exists()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_installs_have_no_mail_server():
    """Odoo's own demo data mails the admin while installing: every install
    and update of setup/run and setup/test runs with an SMTP port where
    nothing listens (NO_SMTP_ARGS), so that nothing reaches the demo mailbox."""
    common = (REPO / "setup" / "common.sh").read_text()
    assert "NO_SMTP_ARGS=(--smtp=127.0.0.1 --smtp-port=1)" in common
    for script in (RUN, TEST):
        commands = [
            line
            for line in script.read_text().splitlines()
            if "odoo_bin " in line and "--stop-after-init" in line
        ]
        assert commands, script
        for line in commands:
            assert '"${NO_SMTP_ARGS[@]}"' in line, line
