# shellcheck shell=bash
# Shared helpers of setup/run and setup/test. Source it, do not execute it.
#
# Exit codes (documented in README.rst and in --help):
#   0 success
#   1 other failure (lint, tests, ERROR log lines, module install, apt-get, pip)
#   2 unknown option or bad option value
#   3 Odoo source missing
#   4 Odoo source is not 18.0
#   5 PostgreSQL unreachable
#   6 port in use

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC="${ODOO_SRC:-/opt/odoo}"
VENV="$REPO_ROOT/.venv"
LOCAL_DIR="$REPO_ROOT/.local"
LOG_DIR="$LOCAL_DIR/logs"
MAILBOX_DIR="$LOCAL_DIR/mailbox"
SMS_DIR="$LOCAL_DIR/sms"
ADDONS="account_relance_fr,account_relance_fr_sms"
# Odoo's demo card provider and wire transfer: installed with the add-ons so that
# the customer page can be paid end to end without internet. Not dependencies of
# the add-ons: a real database chooses its own payment providers.
PAYMENT_ADDONS="payment_demo,payment_custom"
INSTALL_ADDONS="$ADDONS,$PAYMENT_ADDONS"

# Odoo's own demo data (account, then l10n_fr_account for its French company)
# assigns activities to the admin while installing, and Odoo mails each
# assignment at once, in English: installs and updates get an SMTP port where
# nothing listens, so these mails fail quietly instead of reaching the demo
# mailbox (setup/demo_prepare.py then cancels them). Only the served demo sends.
NO_SMTP_ARGS=(--smtp=127.0.0.1 --smtp-port=1)

DB_HOST=127.0.0.1
DB_PORT=5432
DB_USER=odoo
DB_PASSWORD=odoo

SYSTEM_PACKAGES=(postgresql wkhtmltopdf poppler-utils fonts-dejavu-core fonts-liberation2
    libldap2-dev libsasl2-dev libpq-dev gettext)
# To create .venv and build python-ldap, psycopg2 and cbor2 from source.
BUILD_PACKAGES=(python3 python3-venv python3-dev build-essential)
OPTIONAL_PACKAGES=(chromium)

export PGPASSWORD="$DB_PASSWORD"
# Where the add-ons' local transports may write (also set in the Odoo config files).
export RELANCE_MAILBOX_DIR="$MAILBOX_DIR" RELANCE_SMS_DIR="$SMS_DIR"

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { # die CODE MESSAGE: one line on stderr, then exit CODE
    local code="$1"
    shift
    printf 'error: %s\n' "$*" >&2
    exit "$code"
}

# Time a step: "timed LABEL cmd..." prints "LABEL: Ns" after it.
timed() {
    local label="$1" start=$SECONDS
    shift
    "$@"
    say "$label: $((SECONDS - start)) s"
}

# ---------------------------------------------------------------- Odoo source

odoo_source_missing_message() {
    printf '%s' "Odoo 18.0 source not found: ODOO_SRC=$ODOO_SRC holds no odoo-bin and cloning it" \
        " from GitHub failed or was skipped. Set ODOO_SRC to a folder holding odoo-bin of Odoo" \
        " 18.0 (ODOO_SRC=/path/to/odoo setup/run), or clone branch 18.0 of the official" \
        " repository there: git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git" \
        " $ODOO_SRC"
}

ensure_odoo_source() {
    if [[ ! -f "$ODOO_SRC/odoo-bin" ]]; then
        if [[ "${RELANCE_NO_CLONE:-0}" != 1 ]] && command -v git >/dev/null; then
            local created=0
            [[ -e "$ODOO_SRC" ]] || created=1
            say "Odoo source not found at $ODOO_SRC, trying to clone Odoo 18.0 from GitHub"
            mkdir -p "$LOG_DIR"
            if ! GIT_TERMINAL_PROMPT=0 timeout "${RELANCE_CLONE_TIMEOUT:-30}" \
                git clone --quiet --depth 1 --branch 18.0 \
                https://github.com/odoo/odoo.git "$ODOO_SRC" >"$LOG_DIR/odoo-clone.log" 2>&1; then
                # remove only what the failed clone created
                if [[ $created == 1 && -d "$ODOO_SRC" && ! -f "$ODOO_SRC/odoo-bin" ]]; then
                    rm -rf -- "$ODOO_SRC"
                fi
            fi
        fi
        [[ -f "$ODOO_SRC/odoo-bin" ]] || die 3 "$(odoo_source_missing_message)"
    fi
    ODOO_SRC="$(cd "$ODOO_SRC" && pwd)"
    local release="$ODOO_SRC/odoo/release.py" line major minor
    line="$(grep -E '^version_info *= *\(' "$release" 2>/dev/null | head -n1 || true)"
    if [[ "$line" =~ \(\ *([0-9]+)\ *,\ *([0-9]+) ]]; then
        major="${BASH_REMATCH[1]}"
        minor="${BASH_REMATCH[2]}"
    else
        die 4 "cannot read version_info in $release: ODOO_SRC=$ODOO_SRC must hold Odoo 18.0 (branch 18.0 of https://github.com/odoo/odoo)"
    fi
    if [[ "$major.$minor" != "18.0" ]]; then
        die 4 "ODOO_SRC=$ODOO_SRC holds Odoo $major.$minor (odoo/release.py), these add-ons need Odoo 18.0: set ODOO_SRC to a folder holding odoo-bin of Odoo 18.0 (branch 18.0 of https://github.com/odoo/odoo)"
    fi
    ODOO_BIN="$ODOO_SRC/odoo-bin"
    export ODOO_SRC
}

# ---------------------------------------------------------------- ports

# port_free PORT: true when 127.0.0.1:PORT can be bound (what Odoo and the mailbox do).
port_free() {
    local port="$1" py
    py="$(command -v "$VENV/bin/python" python3 2>/dev/null | head -n1 || true)"
    if [[ -n "$py" ]]; then
        "$py" - "$port" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
    else
        ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

ensure_port_free() { # ensure_port_free PORT WHAT
    port_free "$1" || die 6 "port $1 ($2) is already in use on 127.0.0.1: stop what uses it or choose another port"
}

valid_port() { [[ "$1" =~ ^[0-9]+$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535)); }

# ---------------------------------------------------------------- system packages

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 126
    fi
}

missing_packages() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$pkg"
    done
}

APT_UPDATED=0
apt_install() {
    mkdir -p "$LOG_DIR"
    if [[ $APT_UPDATED == 0 ]]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$LOG_DIR/apt.log" 2>&1 || return 1
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
        >>"$LOG_DIR/apt.log" 2>&1
}

ensure_system_packages() {
    command -v dpkg-query >/dev/null || {
        warn "dpkg-query not found: not a Debian system, skipping system packages (need: ${SYSTEM_PACKAGES[*]})"
        return 0
    }
    local missing optional
    mapfile -t missing < <(missing_packages "${SYSTEM_PACKAGES[@]}" "${BUILD_PACKAGES[@]}")
    if ((${#missing[@]})); then
        say "Installing system packages: ${missing[*]} (log: .local/logs/apt.log)"
        apt_install "${missing[@]}" ||
            die 1 "could not install ${missing[*]} with apt-get (needs root or passwordless sudo; see .local/logs/apt.log)"
    fi
    mapfile -t optional < <(missing_packages "${OPTIONAL_PACKAGES[@]}")
    if ((${#optional[@]})); then
        say "Installing optional packages: ${optional[*]}"
        apt_install "${optional[@]}" || warn "could not install ${optional[*]} (optional, used for screenshots and browser tests)"
    fi
}

# ---------------------------------------------------------------- PostgreSQL

pg_ready() { pg_isready -q -h "$DB_HOST" -p "$DB_PORT" -t 2 >/dev/null 2>&1; }

psql_odoo() { psql -X -q -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres "$@"; }

psql_admin() { # run psql as the postgres superuser (peer auth on the local socket)
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- psql -X -q -p "$DB_PORT" "$@"
    else
        sudo -n -u postgres psql -X -q -p "$DB_PORT" "$@"
    fi
}

ensure_postgres() {
    command -v pg_isready >/dev/null || die 5 "PostgreSQL client tools not found (install the postgresql package)"
    if ! pg_ready && command -v pg_lsclusters >/dev/null; then
        local ver name port status
        while read -r ver name port status _; do
            if [[ "$port" == "$DB_PORT" && "$status" == down* ]]; then
                say "Starting PostgreSQL cluster $ver $name"
                as_root pg_ctlcluster "$ver" "$name" start >/dev/null 2>&1 || true
            fi
        done < <(pg_lsclusters --no-header 2>/dev/null)
        local i
        for ((i = 0; i < 30; i++)); do
            pg_ready && break
            sleep 1
        done
    fi
    pg_ready || die 5 "PostgreSQL is not answering on $DB_HOST:$DB_PORT (check 'pg_lsclusters' and 'pg_ctlcluster 15 main start')"
    if ! psql_odoo -tAc 'SELECT 1' >/dev/null 2>&1; then
        say "Creating PostgreSQL role $DB_USER"
        psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'" 2>/dev/null | grep -q 1 ||
            psql_admin -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" >/dev/null 2>&1 || true
        psql_odoo -tAc 'SELECT 1' >/dev/null 2>&1 ||
            die 5 "cannot connect to PostgreSQL on $DB_HOST:$DB_PORT as $DB_USER/$DB_PASSWORD (role $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD' is needed)"
    fi
}

db_exists() {
    [[ "$(psql_odoo -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'" 2>/dev/null)" == 1 ]]
}

drop_db() {
    psql_odoo -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null ||
        die 1 "could not drop database $1"
    rm -rf -- "$LOCAL_DIR/data/filestore/$1"
}

valid_db_name() { [[ "$1" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]]; }

# ---------------------------------------------------------------- virtualenv

ensure_venv() {
    local stamp="$VENV/.requirements.sha256" want
    if [[ ! -x "$VENV/bin/python" ]]; then
        local py="${PYTHON:-python3}"
        command -v "$py" >/dev/null || die 1 "$py not found: install Python 3.10 to 3.12 or set PYTHON"
        "$py" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))' ||
            die 1 "Odoo 18.0 needs Python 3.10 to 3.12, $py is $("$py" -V 2>&1): set PYTHON to another interpreter"
        say "Creating the virtualenv .venv with $("$py" -V 2>&1)"
        "$py" -m venv "$VENV" || die 1 "could not create .venv (on Debian: apt-get install python3-venv)"
    fi
    want="$(sha256sum "$REPO_ROOT/requirements.txt" | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    mkdir -p "$LOG_DIR"
    local constraints="$LOCAL_DIR/pip-constraints.txt"
    # cbor2 builds from source and needs pkg_resources, gone from setuptools 81.
    printf 'setuptools<81\n' >"$constraints"
    say "Installing requirements.txt into .venv (log: .local/logs/pip.log)"
    if ! PIP_CONSTRAINT="$constraints" PIP_BUILD_CONSTRAINT="$constraints" \
        "$VENV/bin/python" -m pip install --disable-pip-version-check -r "$REPO_ROOT/requirements.txt" \
        >"$LOG_DIR/pip.log" 2>&1; then
        tail -n 20 "$LOG_DIR/pip.log" >&2
        die 1 "pip install -r requirements.txt failed (see .local/logs/pip.log)"
    fi
    printf '%s\n' "$want" >"$stamp"
}

# ---------------------------------------------------------------- Odoo config

# write_config FILE [key = value lines...]: the Odoo config, rewritten at each run.
write_config() {
    local file="$1" addons_path="$ODOO_SRC/odoo/addons"
    shift
    [[ -d "$ODOO_SRC/addons" ]] && addons_path="$addons_path,$ODOO_SRC/addons"
    addons_path="$addons_path,$REPO_ROOT"
    mkdir -p "$LOCAL_DIR/data" "$LOG_DIR" "$MAILBOX_DIR" "$SMS_DIR"
    local passwd_file="$LOCAL_DIR/admin_passwd"
    if [[ ! -s "$passwd_file" ]]; then
        (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$passwd_file")
    fi
    {
        printf '[options]\n'
        printf 'addons_path = %s\n' "$addons_path"
        printf 'data_dir = %s\n' "$LOCAL_DIR/data"
        printf 'admin_passwd = %s\n' "$(cat "$passwd_file")"
        printf 'db_host = %s\ndb_port = %s\ndb_user = %s\ndb_password = %s\n' \
            "$DB_HOST" "$DB_PORT" "$DB_USER" "$DB_PASSWORD"
        printf 'without_demo = False\n'
        printf 'http_interface = 127.0.0.1\n'
        printf 'list_db = False\n'
        printf 'relance_mailbox_dir = %s\n' "$MAILBOX_DIR"
        printf 'relance_sms_dir = %s\n' "$SMS_DIR"
        local line
        for line in "$@"; do printf '%s\n' "$line"; done
    } >"$file.tmp.$$"
    mv -f "$file.tmp.$$" "$file"
}

odoo_bin() { "$VENV/bin/python" "$ODOO_BIN" "$@"; }

# restore_default_signals SCRIPT ARGS...: started in the background
# (`setup/run &`), bash inherits SIGINT ignored and cannot trap it. Restart the
# script once with SIGINT and SIGTERM at their defaults, so Ctrl-C or a signal
# to the process group reaches its traps (and stops Odoo, freeing the port).
restore_default_signals() {
    [[ -z "${RELANCE_SIGNALS_RESTORED:-}" ]] || return 0
    command -v python3 >/dev/null || return 0
    export RELANCE_SIGNALS_RESTORED=1
    exec python3 -c 'import os, signal, sys
for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$@"
}

# addons_hash: one sha256 over the add-ons' files, to notice code changes.
addons_hash() {
    (cd "$REPO_ROOT" && find account_relance_fr account_relance_fr_sms -type f \
        ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum |
        sha256sum | cut -d' ' -f1)
}

# error_lines LOGFILE...: Odoo log lines at level ERROR or CRITICAL.
error_lines() {
    grep -hE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$@" 2>/dev/null || true
}
