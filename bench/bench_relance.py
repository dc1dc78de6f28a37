"""Benchmark of the daily reminder job, run by ``bench/run`` inside
``odoo-bin shell`` (the variable ``env`` is Odoo's).

Builds a French company (French chart) with N customers x M posted invoices
whose due dates are spread over every stage of the ladder (10 days ahead to
120 days late), commits, then runs the job exactly as Odoo's cron runner does:
``_cron_send_relances`` called with the cron in the context, one commit after
each call, until nothing remains. Appends one JSON object per run to the file
named by RELANCE_BENCH_JSON. The data is built by one process
(RELANCE_BENCH_PHASE=build) and the job run by a fresh one (=run), so that
the peak memory measured is the job's.
"""

import cProfile
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

import odoo
from odoo import Command

CUSTOMERS = int(os.environ["RELANCE_BENCH_CUSTOMERS"])
INVOICES = int(os.environ["RELANCE_BENCH_INVOICES"])
LADDER = os.environ.get("RELANCE_BENCH_LADDER", "email")
OUTPUT = os.environ["RELANCE_BENCH_JSON"]
# "build" (the data) or "run" (the job and the screen), one process each;
# "worker": one of the job's other cron workers, started by "run"
PHASE = os.environ.get("RELANCE_BENCH_PHASE", "run")
STATE = os.environ["RELANCE_BENCH_STATE"]
# build the data and measure the follow-up screen only, without the job
NO_JOB = os.environ.get("RELANCE_BENCH_NO_JOB") == "1"
# copies of the customers and their invoices made in SQL after the build (the
# screen's volume without hours of invoice posting): 1 = none
CLONES = int(os.environ.get("RELANCE_BENCH_CLONES", "1"))
SCALE = os.environ.get("RELANCE_BENCH_SCALE", "1")
# this script, run again by the job's other workers (phase "worker")
SCRIPT = os.environ["RELANCE_BENCH_SCRIPT"]
# file where the cProfile statistics of the job are written (pstats), or ""
PROFILE = os.environ.get("RELANCE_BENCH_PROFILE", "")
# due dates from 10 days ahead (préventive) to 120 days late (every level)
EARLIEST, LATEST = -10, 120
CHUNK = 500


def build_company(env, tag):
    """A French company with the French chart, its ladders email-only unless
    RELANCE_BENCH_LADDER=standard, sending at any hour every day."""
    company = env["res.company"].create(
        {
            "name": f"Bench {tag}",
            "country_id": env.ref("base.fr").id,
            "currency_id": env.ref("base.EUR").id,
            "email": f"compta@bench-{tag}.example",
            "street": "1 rue du Banc",
            "zip": "75001",
            "city": "Paris",
            "company_registry": "334175221",
            "vat": "FR23334175221",
            "relance_send_saturday": True,
            "relance_send_sunday": True,
            "relance_hour_from": 0.0,
            "relance_hour_to": 24.0,
            "relance_skip_holidays": False,
        }
    )
    env.user.company_ids |= company
    env["account.chart.template"].try_loading("fr", company, install_demo=False)
    if LADDER == "email":
        levels = (
            env["account.relance.ladder"]
            .with_context(active_test=False)
            .search([("company_id", "=", company.id)])
            .level_ids
        )
        values = {
            "channel_email": True,
            "channel_letter": False,
            "channel_call": False,
            "attach_invoice_pdf": False,
            "attach_statement": False,
            "to_confirm": False,
        }
        if "channel_sms" in levels._fields:
            values["channel_sms"] = False
        levels.write(values)
    return company


def build_invoices(env, company, tag):
    """CUSTOMERS customers, INVOICES posted invoices each, committed."""
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    today = company._get_relance_today()
    partners = env["res.partner"].create(
        [
            {
                "name": f"Client {tag} {index:05d}",
                "is_company": True,
                "email": f"client{index:05d}@bench-{tag}.example",
                "street": f"{index} avenue des Tests",
                "zip": "69002",
                "city": "Lyon",
                "country_id": env.ref("base.fr").id,
            }
            for index in range(CUSTOMERS)
        ]
    )
    span = LATEST - EARLIEST + 1
    values = []
    for index, partner in enumerate(partners):
        for number in range(INVOICES):
            days_late = EARLIEST + (index * INVOICES + number) * 7 % span
            due = today - timedelta(days=days_late)
            values.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": due - timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Prestation", "price_unit": 120.0, "tax_ids": []}
                        )
                    ],
                }
            )
    for start in range(0, len(values), CHUNK):
        moves = env["account.move"].create(values[start : start + CHUNK])
        moves.action_post()
        env.cr.commit()
        env.invalidate_all()
    return partners


def run_job(env):
    """The daily job as Odoo's cron workers run it: each active cron of the
    job (one per cron worker) called until nothing remains, one commit after
    each call; the crons after the first in processes of their own started
    before the clock (as Odoo's cron worker processes are), all from the same
    instant.

    The clock stops at the last commit of the last worker to finish: the
    other workers' processes then exit (closing Odoo, about 0.4 s), which is
    no work of the job (Odoo's cron workers go on running).

    :return: dict: wall seconds until the last worker is done, queries and
        calls of all the workers, the CPU seconds and peak memory (kB) of the
        other workers
    """
    crons = env["account.relance.run"]._get_job_crons()
    env.cr.commit()
    with tempfile.TemporaryDirectory() as folder:
        workers = [start_worker(env, cron, folder) for cron in crons[1:]]
        while not all(os.path.exists(worker["ready"]) for worker in workers):
            if any(worker["process"].poll() is not None for worker in workers):
                raise RuntimeError("a job worker of the benchmark stopped")
            time.sleep(0.01)
        queries = env.cr.sql_log_count
        start = time.clock_gettime(time.CLOCK_MONOTONIC)
        with open(os.path.join(folder, "go"), "w", encoding="ascii"):
            pass
        calls = call_until_done(env, crons[:1])
        end = time.clock_gettime(time.CLOCK_MONOTONIC)
        queries = env.cr.sql_log_count - queries
        others = []
        for worker in workers:
            worker["process"].wait()
            with open(worker["result"], encoding="utf-8") as handle:
                others.append(json.load(handle))
        # CLOCK_MONOTONIC is the machine's: the workers' ends compare with it
        seconds = max([end] + [other["end"] for other in others]) - start
    return {
        "seconds": seconds,
        "queries": queries + sum(other["queries"] for other in others),
        "calls": calls + sum(other["calls"] for other in others),
        "workers": len(crons),
        "other_cpu_seconds": sum(other["cpu_seconds"] for other in others),
        "other_peak_kb": max([other["peak_kb"] for other in others], default=0),
    }


def call_until_done(env, cron):
    """Call the job as ``cron`` until nothing remains; the number of calls."""
    run = env["account.relance.run"].with_context(cron_id=cron.id)
    calls = 0
    while True:
        remaining = run._cron_send_relances()
        env.cr.commit()
        calls += 1
        if not remaining or calls >= 10000:
            return calls


def start_worker(env, cron, folder):
    """An ``odoo-bin shell`` process running this script's phase "worker"
    (``work``) as ``cron``, from the moment the file ``go`` appears in
    ``folder``."""
    odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
    process = subprocess.Popen(
        [
            sys.executable,
            odoo_bin,
            "shell",
            "-c",
            odoo.tools.config.rcfile,
            "-d",
            env.cr.dbname,
            "--no-http",
            "--log-level=warn",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=dict(
            os.environ,
            RELANCE_BENCH_PHASE="worker",
            RELANCE_BENCH_CRON=str(cron.id),
            RELANCE_BENCH_FOLDER=folder,
        ),
        text=True,
    )
    with open(SCRIPT, encoding="utf-8") as script:
        process.stdin.write(script.read())
    process.stdin.close()
    return {
        "process": process,
        "ready": os.path.join(folder, f"ready-{cron.id}"),
        "result": os.path.join(folder, f"result-{cron.id}.json"),
    }


def work(env):
    """Phase "worker" (a process of ``start_worker``): the job as the cron
    RELANCE_BENCH_CRON from the moment the file ``go`` appears in the folder
    RELANCE_BENCH_FOLDER; its queries, calls, CPU time, end (the machine's
    CLOCK_MONOTONIC at its last commit) and peak memory in the file
    ``result-<cron id>.json`` there."""
    cron = env["ir.cron"].browse(int(os.environ["RELANCE_BENCH_CRON"]))
    folder = os.environ["RELANCE_BENCH_FOLDER"]
    with open(os.path.join(folder, f"ready-{cron.id}"), "w", encoding="ascii"):
        pass
    while not os.path.exists(os.path.join(folder, "go")):
        time.sleep(0.005)
    queries, cpu = env.cr.sql_log_count, time.process_time()
    calls = call_until_done(env, cron)
    with open(
        os.path.join(folder, f"result-{cron.id}.json"), "w", encoding="utf-8"
    ) as handle:
        json.dump(
            {
                "queries": env.cr.sql_log_count - queries,
                "calls": calls,
                "cpu_seconds": time.process_time() - cpu,
                "end": time.clock_gettime(time.CLOCK_MONOTONIC),
                "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            },
            handle,
        )


def backend_cpu(env):
    """CPU seconds used so far by this connection's PostgreSQL backend (from
    /proc: the server runs on this machine), 0 when unreadable."""
    env.cr.execute("SELECT pg_backend_pid()")
    pid = env.cr.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            values = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(values[11]) + int(values[12])) / os.sysconf("SC_CLK_TCK")


def followup_first_page(env, company, domain=()):
    """Server time and queries of the follow-up screen's first page (list
    view fields, 80 rows, with its count), cache cold: (wall seconds, server
    CPU seconds: Odoo's process and its PostgreSQL backend, which the other
    processes of a shared machine do not inflate, queries, rows in all)."""
    followup = env["account.relance.followup"].with_context(
        allowed_company_ids=[company.id]
    )
    arch = followup.get_views([(False, "list")])["views"]["list"]["arch"]
    list_arch = arch.split("<list", 1)[1].split("</list>", 1)[0]
    names = set(re.findall(r'<field name="(\w+)"', list_arch)) & set(followup._fields)
    specification = {
        name: (
            {"fields": {"display_name": {}}}
            if followup._fields[name].type == "many2one"
            else {}
        )
        for name in names
    }
    env.invalidate_all()
    cpu = time.process_time(), backend_cpu(env)
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    page = followup.web_search_read(
        [("company_id", "=", company.id), *domain], specification, limit=80
    )
    seconds = time.perf_counter() - start
    queries = env.cr.sql_log_count - queries
    cpu = time.process_time() - cpu[0] + backend_cpu(env) - cpu[1]
    return seconds, cpu, queries, page["length"]


def followup_pages(env, company):
    """The follow-up screen's first page as the menu opens it (filter "To Do
    Today"), and without the filter: {key: value} for the results."""
    result = {}
    for key, domain in (
        ("followup_first_page", [("action_due", "=", True)]),
        ("followup_all_first_page", []),
    ):
        seconds, cpu, queries, rows = followup_first_page(env, company, domain)
        result[f"{key}_seconds"] = round(seconds, 3)
        result[f"{key}_cpu_seconds"] = round(cpu, 3)
        result[f"{key}_queries"] = queries
        result[f"{key}_rows"] = rows
    return result


def _columns(env, table):
    """The columns of ``table`` but its id, as SQL identifiers."""
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id' AND is_generated = 'NEVER' "
        "ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in env.cr.fetchall()]


def clone(env, partners, copies):
    """``copies - 1`` copies of ``partners`` and of their posted invoices
    (moves and lines), made in SQL: the same data under new customers, for
    the follow-up screen's volume. Returns the ids of all the customers."""
    cr = env.cr
    all_ids = list(partners.ids)
    moves = env["account.move"].search([("partner_id", "in", partners.ids)])
    for copy in range(1, copies):
        cr.execute(
            "CREATE TEMP TABLE pmap ON COMMIT DROP AS SELECT id AS old, "
            "nextval('res_partner_id_seq') AS new FROM res_partner WHERE id = ANY(%s)",
            [partners.ids],
        )
        cr.execute(
            "CREATE TEMP TABLE mmap ON COMMIT DROP AS SELECT id AS old, "
            "nextval('account_move_id_seq') AS new FROM account_move "
            "WHERE id = ANY(%s)",
            [moves.ids],
        )
        cr.execute(
            "CREATE TEMP TABLE lmap ON COMMIT DROP AS SELECT id AS old, "
            "nextval('account_move_line_id_seq') AS new FROM account_move_line "
            "WHERE move_id = ANY(%s)",
            [moves.ids],
        )
        columns = _columns(env, "res_partner")
        names = ", ".join(f'"{c}"' for c in columns)
        values = ", ".join(
            {
                "name": f"p.name || ' #{copy}'",
                "complete_name": f"p.complete_name || ' #{copy}'",
                "commercial_partner_id": "pmap.new",
            }.get(c, f'p."{c}"')
            for c in columns
        )
        cr.execute(
            f"INSERT INTO res_partner (id, {names}) SELECT pmap.new, {values} "
            "FROM res_partner p JOIN pmap ON pmap.old = p.id"
        )
        columns = _columns(env, "account_move")
        names = ", ".join(f'"{c}"' for c in columns)
        values = ", ".join(
            {
                "name": f"m.name || '-{copy}'",
                "partner_id": "pmap.new",
                "commercial_partner_id": "pmap.new",
            }.get(c, f'm."{c}"')
            for c in columns
        )
        cr.execute(
            f"INSERT INTO account_move (id, {names}) SELECT mmap.new, {values} "
            "FROM account_move m JOIN mmap ON mmap.old = m.id "
            "JOIN pmap ON pmap.old = m.partner_id"
        )
        columns = _columns(env, "account_move_line")
        names = ", ".join(f'"{c}"' for c in columns)
        values = ", ".join(
            {
                "move_id": "mmap.new",
                "partner_id": "COALESCE(pmap.new, l.partner_id)",
                "move_name": f"l.move_name || '-{copy}'",
            }.get(c, f'l."{c}"')
            for c in columns
        )
        cr.execute(
            f"INSERT INTO account_move_line (id, {names}) SELECT lmap.new, {values} "
            "FROM account_move_line l JOIN lmap ON lmap.old = l.id "
            "JOIN mmap ON mmap.old = l.move_id "
            "LEFT JOIN pmap ON pmap.old = l.partner_id"
        )
        cr.execute("SELECT new FROM pmap")
        all_ids += [row[0] for row in cr.fetchall()]
        env.cr.commit()
    env.invalidate_all()
    return all_ids


def build(env):
    """Phase 1 (its own process): build and commit the data; keep the
    company, the customers and the build time in the state file."""
    tag = f"{int(time.time())}"
    build_start = time.perf_counter()
    company = build_company(env, tag)
    env.cr.commit()
    partners = build_invoices(env, company, tag)
    partner_ids = clone(env, partners, CLONES) if CLONES > 1 else partners.ids
    with open(STATE, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "company": company.id,
                "partners": partner_ids,
                "build_seconds": round(time.perf_counter() - build_start, 1),
            },
            handle,
        )


def measure(env):
    """Phase 2 (a fresh process, so that its peak memory is the job's): run
    the job, time the follow-up screen, append the results."""
    with open(STATE, encoding="utf-8") as handle:
        state = json.load(handle)
    company = env["res.company"].browse(state["company"])
    partners = env["res.partner"].browse(state["partners"])
    attachments_before = env["ir.attachment"].search_count(
        [("mimetype", "=", "application/pdf")]
    )
    cpu_start = time.process_time()
    if NO_JOB:
        job = {"seconds": 0.0, "queries": 0, "calls": 0, "workers": 0}
        job.update(other_cpu_seconds=0.0, other_peak_kb=0)
    elif PROFILE:
        profile = cProfile.Profile()
        job = profile.runcall(run_job, env)
        profile.dump_stats(PROFILE)
    else:
        job = run_job(env)
    seconds, queries, calls = job["seconds"], job["queries"], job["calls"]
    # the CPU time of all the workers: the job's work, wherever it ran
    cpu_seconds = time.process_time() - cpu_start + job["other_cpu_seconds"]
    memory_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, job["other_peak_kb"]
    )
    # the refresh of the follow-up's next actions the job's end triggers
    refresh_queries = env.cr.sql_log_count
    refresh_start = time.perf_counter()
    env["account.relance.next.action"]._cron_refresh()
    env.cr.commit()
    refresh_seconds = time.perf_counter() - refresh_start
    refresh_queries = env.cr.sql_log_count - refresh_queries
    histories = env["account.relance.history"].search([("company_id", "=", company.id)])
    pages = followup_pages(env, company)
    result = {
        "scale": SCALE,
        "customers": CUSTOMERS * CLONES,
        "invoices_per_customer": INVOICES,
        "ladder": LADDER,
        "build_seconds": state["build_seconds"],
        "job_seconds": round(seconds, 2),
        "job_cpu_seconds": round(cpu_seconds, 2),
        "load_average": round(os.getloadavg()[0], 2),
        "job_calls": calls,
        "job_workers": job["workers"],
        "queries": queries,
        "queries_per_customer": round(queries / (CUSTOMERS * CLONES), 1),
        "customers_reminded": len(histories.partner_id),
        "histories": len(histories),
        "histories_sent": len(histories.filtered(lambda h: h.state == "sent")),
        "histories_failed": len(histories.filtered(lambda h: h.state == "failed")),
        "mails": env["mail.mail"]
        .sudo()
        .search_count([("recipient_ids", "in", partners.ids)]),
        "activities": env["mail.activity"].search_count(
            [("res_model", "=", "res.partner"), ("res_id", "in", partners.ids)]
        ),
        "pdfs": env["ir.attachment"].search_count(
            [("mimetype", "=", "application/pdf")]
        )
        - attachments_before,
        "peak_memory_mb": round(memory_kb / 1024, 1),
        "refresh_seconds": round(refresh_seconds, 2),
        "refresh_queries": refresh_queries,
        "open_invoices": env["account.move"].search_count(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("state", "=", "posted"),
            ]
        ),
        **pages,
    }
    with open(OUTPUT, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(result) + "\n")
    print("BENCH", json.dumps(result))


if PHASE == "build":
    build(env)  # noqa: F821 - odoo-bin shell provides env
elif PHASE == "worker":
    work(env)  # noqa: F821
else:
    measure(env)  # noqa: F821
