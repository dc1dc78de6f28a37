"""Benchmark of the collection figures on 100 000 customer invoices.

Run it in a scratch copy of a database where account_relance_fr is installed,
with Odoo's shell (the script reads ``env`` from it)::

    createdb -h 127.0.0.1 -U odoo -T relance_test relance_bench
    .venv/bin/python /opt/odoo/odoo-bin shell -c .local/odoo-test.cfg \\
        -d relance_bench --log-level=warn < bench/analysis_bench.py
    dropdb -h 127.0.0.1 -U odoo relance_bench

It builds a company's 100 000 posted invoices over two years (one ORM invoice
and payment copied by SQL: 70 % paid, from 10 days early to 50 days late;
30 % reminded once or twice), commits them, runs VACUUM ANALYZE as a live
database would have, then measures the server time of the overview screen
(``account.relance.analysis.overview``: every figure and table) and of the
daily payer rating. The invoices stay in the scratch database: drop it
afterwards. It refuses a database whose name lacks "bench". Environment:
BENCH_INVOICES (default 100000), BENCH_CUSTOMERS (default 2000), BENCH_RUNS
(default 5), BENCH_PAID_PERCENT (default 70); BENCH_REUSE=1 measures again the
invoices an earlier run built in the database, without building more.
"""

import os
import statistics
import time
from datetime import timedelta

import psycopg2

from odoo import Command, fields
from odoo.sql_db import connection_info_for
from odoo.tools import SQL

INVOICES = int(os.environ.get("BENCH_INVOICES", "100000"))
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "2000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PAID_PERCENT = int(os.environ.get("BENCH_PAID_PERCENT", "70"))
TEMPLATE_AMOUNT = 100.0


def columns(env, table):
    rows = env.execute_query(
        SQL(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
            table,
        )
    )
    return [row[0] for row in rows]


def copy_rows(env, table, source_where, overrides, series_where="TRUE", copies=None):
    """INSERT copies of the rows of ``table`` matching ``source_where``, one
    per ``g`` of ``copies`` (default: generate_series(1, INVOICES) AS g), with
    ``overrides`` (column -> SQL expression using ``t`` for the template row
    and ``g``)."""
    names = columns(env, table)
    exprs = [overrides.get(name, SQL.identifier("t", name)) for name in names]
    env.execute_query(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s AS t, %s WHERE %s AND %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(name) for name in names),
            SQL(", ").join(exprs),
            SQL.identifier(table),
            copies or SQL("generate_series(1, %s) AS g", INVOICES),
            source_where,
            SQL(series_where) if isinstance(series_where, str) else series_where,
        )
    )


def build(env):
    """The template invoice and payment, then the copies; returns the company."""
    company = env.company
    partners = env["res.partner"].create(
        [
            {"name": f"Bench customer {index}", "is_company": True}
            for index in range(CUSTOMERS)
        ]
    )
    today = fields.Date.context_today(env["res.partner"])
    template = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partners[0].id,
            "invoice_date": today,
            "invoice_date_due": today + timedelta(days=30),
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Bench",
                        "quantity": 1,
                        "price_unit": TEMPLATE_AMOUNT,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
    template.action_post()
    payment = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=template.ids)
        .create({"payment_date": today})
        ._create_payments()
    )
    env.flush_all()
    partner_ids = SQL("((%s)::int[])", partners.ids)
    g_date = SQL("(%s::date - mod(g, 730))", today)
    factor = SQL("((100 + mod(g * 37, 900)) / %s)", TEMPLATE_AMOUNT)
    paid = SQL("(mod(g, 100) < %s)", PAID_PERCENT)
    paid_date = SQL("(%s + 30 + mod(g * 13, 60) - 10)", g_date)
    partner = SQL("%s[1 + mod(g, %s)]", partner_ids, len(partners))
    amount = lambda column: SQL("t.%s * %s", SQL.identifier(column), factor)  # noqa: E731
    # invoices
    copy_rows(
        env,
        "account_move",
        SQL("t.id = %s", template.id),
        {
            "name": SQL("'BENCH/' || g"),
            "sequence_prefix": SQL("'BENCH/'"),
            "sequence_number": SQL("g"),
            "date": g_date,
            "invoice_date": g_date,
            "invoice_date_due": SQL("%s + 30", g_date),
            "partner_id": partner,
            "commercial_partner_id": partner,
            "access_token": SQL("NULL"),
            "payment_state": SQL("CASE WHEN %s THEN 'paid' ELSE 'not_paid' END", paid),
            "amount_residual": SQL(
                "CASE WHEN %s THEN 0 ELSE t.amount_total * %s END", paid, factor
            ),
            "amount_residual_signed": SQL(
                "CASE WHEN %s THEN 0 ELSE t.amount_total_signed * %s END", paid, factor
            ),
            **{
                column: amount(column)
                for column in (
                    "amount_untaxed",
                    "amount_total",
                    "amount_untaxed_signed",
                    "amount_untaxed_in_currency_signed",
                    "amount_total_signed",
                    "amount_total_in_currency_signed",
                )
            },
        },
    )
    env.execute_query(
        SQL(
            "CREATE TEMP TABLE bench_move AS "
            "SELECT id, substring(name from 7)::int AS g "
            "FROM account_move WHERE left(name, 6) = 'BENCH/'"
        )
    )
    # payments of the paid ones
    copy_rows(
        env,
        "account_move",
        SQL("t.id = %s", payment.move_id.id),
        {
            "name": SQL("'BENCHPAY/' || g"),
            "sequence_prefix": SQL("'BENCHPAY/'"),
            "sequence_number": SQL("g"),
            "date": paid_date,
            "partner_id": partner,
            "commercial_partner_id": partner,
            "origin_payment_id": SQL("NULL"),
            "access_token": SQL("NULL"),
            **{
                column: amount(column)
                for column in (
                    "amount_total",
                    "amount_total_signed",
                    "amount_total_in_currency_signed",
                )
            },
        },
        series_where=paid,
    )
    env.execute_query(
        SQL(
            "CREATE TEMP TABLE bench_pay AS "
            "SELECT id, substring(name from 10)::int AS g "
            "FROM account_move WHERE left(name, 9) = 'BENCHPAY/'"
        )
    )
    receivable_id = template.line_ids.filtered(
        lambda line: line.account_id.account_type == "asset_receivable"
    ).account_id.id
    line_overrides = {
        "full_reconcile_id": SQL("NULL"),
        "matching_number": SQL("NULL"),
        "payment_id": SQL("NULL"),
        **{
            column: amount(column)
            for column in (
                "debit",
                "credit",
                "balance",
                "amount_currency",
                "price_unit",
                "price_subtotal",
                "price_total",
            )
        },
    }
    for moves, template_move, date_expr, is_invoice in (
        ("bench_move", template, g_date, True),
        ("bench_pay", payment.move_id, paid_date, False),
    ):
        copy_rows(
            env,
            "account_move_line",
            SQL("t.move_id = %s", template_move.id),
            copies=SQL("%s AS copy", SQL.identifier(moves)),
            overrides={
                **line_overrides,
                "move_id": SQL("copy.id"),
                "move_name": SQL("%s || g", "BENCH/" if is_invoice else "BENCHPAY/"),
                "date": date_expr,
                "invoice_date": g_date if is_invoice else SQL("t.invoice_date"),
                "date_maturity": SQL("%s + 30", g_date) if is_invoice else date_expr,
                "partner_id": partner,
                "reconciled": SQL("t.account_id = %s AND %s", receivable_id, paid),
                "amount_residual": SQL(
                    "CASE WHEN t.account_id != %s THEN t.amount_residual * %s "
                    "WHEN %s THEN 0 ELSE t.balance * %s END",
                    receivable_id,
                    factor,
                    paid,
                    factor,
                ),
                "amount_residual_currency": SQL(
                    "CASE WHEN t.account_id != %s THEN t.amount_residual_currency * %s "
                    "WHEN %s THEN 0 ELSE t.amount_currency * %s END",
                    receivable_id,
                    factor,
                    paid,
                    factor,
                ),
            },
        )
    receivable = template.line_ids.filtered(
        lambda line: line.account_id.account_type == "asset_receivable"
    )
    env.execute_query(
        SQL(
            """
            INSERT INTO account_partial_reconcile
                   (debit_move_id, credit_move_id, amount, debit_amount_currency,
                    credit_amount_currency, debit_currency_id, credit_currency_id,
                    company_id, max_date,
                    create_uid, write_uid, create_date, write_date)
            SELECT inv.id, pay.id, inv.balance, inv.balance, inv.balance,
                   inv.currency_id, pay.currency_id, inv.company_id,
                   GREATEST(inv.date, pay.date), 1, 1, now(), now()
              FROM bench_move bm
              JOIN account_move_line inv
                ON inv.move_id = bm.id AND inv.account_id = %(account)s
              JOIN bench_pay bp ON bp.g = bm.g
              JOIN account_move_line pay
                ON pay.move_id = bp.id AND pay.account_id = %(account)s
            """,
            account=receivable.account_id.id,
        )
    )
    # reminders: 30 % of the invoices once, 15 % twice
    ladder = env["account.relance.ladder"].search(
        [("company_id", "=", company.id)], order="is_default desc, sequence", limit=1
    )
    levels = ladder.level_ids.filtered(lambda level: level.days > 0).sorted("days")[:2]
    for rank, level in enumerate(levels):
        env.execute_query(
            SQL(
                """
                INSERT INTO account_relance_history
                       (move_line_id, move_id, company_id, partner_id, level_id,
                        ladder_id, level_days, date, channel, currency_id,
                        amount_total, amount_residual, days_late, state,
                        create_uid, write_uid, create_date, write_date)
                SELECT line.id, line.move_id, line.company_id, line.partner_id,
                       %(level)s,
                       %(ladder)s, %(days)s, line.date_maturity + %(days)s, 'email',
                       line.currency_id, line.balance, line.balance, %(days)s, 'sent',
                       1, 1, now(), now()
                  FROM bench_move bm
                  JOIN account_move_line line
                    ON line.move_id = bm.id AND line.account_id = %(account)s
                 WHERE mod(bm.g, 20) < %(share)s
                """,
                level=level.id,
                ladder=ladder.id,
                days=level.days,
                account=receivable.account_id.id,
                share=6 if rank == 0 else 3,
            )
        )
    env.execute_query(
        SQL(
            "UPDATE account_move SET relance_level_id = %s "
            "WHERE id IN (SELECT id FROM bench_move WHERE mod(g, 20) < 6)",
            levels[:1].id,
        )
    )
    env.invalidate_all()
    return company


def vacuum(env):
    """Commit and VACUUM ANALYZE the tables read, as autovacuum would."""
    env.cr.commit()  # scratch database, see the module docstring
    connection = psycopg2.connect(**connection_info_for(env.cr.dbname)[1])
    connection.autocommit = True
    with connection.cursor() as cursor:
        for table in (
            "account_move",
            "account_move_line",
            "account_partial_reconcile",
            "account_relance_history",
            "res_partner",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    connection.close()


def measure(label, function):
    timings = []
    for _run in range(RUNS):
        env.invalidate_all()  # noqa: F821
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    print(
        f"{label}: median {statistics.median(timings) * 1000:.0f} ms, "
        f"min {min(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms "
        f"({RUNS} runs)"
    )


def backend_cpu(env):
    """CPU seconds used so far by this connection's PostgreSQL backend (from
    /proc: the server runs on this machine), 0 when unreadable."""
    pid = env.execute_query(SQL("SELECT pg_backend_pid()"))[0][0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields_ = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")


def measure_cpu(label, function):
    """CPU time of the server (Odoo's process + its PostgreSQL backend, without
    parallel workers), which the other processes of a loaded machine do not
    inflate as they do the wall time."""
    env.execute_query(SQL("SET max_parallel_workers_per_gather = 0"))  # noqa: F821
    timings = []
    for _run in range(RUNS):
        env.invalidate_all()  # noqa: F821
        start = time.process_time(), backend_cpu(env)  # noqa: F821
        function()
        timings.append(
            time.process_time() - start[0] + backend_cpu(env) - start[1]  # noqa: F821
        )
    env.execute_query(SQL("RESET max_parallel_workers_per_gather"))  # noqa: F821
    print(
        f"{label}: median {statistics.median(timings) * 1000:.0f} ms CPU, "
        f"min {min(timings) * 1000:.0f} ms ({RUNS} runs, no parallel worker)"
    )


def main(env):
    if "bench" not in env.cr.dbname:
        raise SystemExit("Run the benchmark in a scratch database named *bench*.")
    started = time.perf_counter()
    built = env["account.move"].search_count([("name", "=like", "BENCH/%")])
    if built and os.environ.get("BENCH_REUSE"):
        company = env["account.move"].search([("name", "=like", "BENCH/%")], limit=1)
        company = company.company_id
    else:
        company = build(env)
        vacuum(env)
    count = env["account.relance.analysis.item"].search_count(
        [("company_id", "=", company.id), ("move_id.name", "=like", "BENCH/%")]
    )
    print(f"built {count} invoices in {time.perf_counter() - started:.0f} s")
    overview = env["account.relance.analysis.overview"].with_company(company)

    def figures():
        screen = overview.new({"company_ids": [Command.set(company.ids)]})
        screen._get_figures()

    screen = overview.new({"company_ids": [Command.set(company.ids)]})
    values = screen._get_figures()
    print(
        "figures: "
        + ", ".join(
            f"{name} {values[name]:.1f}"
            for name in (
                "dso",
                "dso_countback",
                "avg_days_late",
                "late_share",
                "reminder_count",
                "paid_7_share",
                "overdue_amount",
                "forecast_total",
            )
        )
    )
    queries = env.cr.sql_log_count
    figures()
    print(f"overview queries: {env.cr.sql_log_count - queries}")
    measure("overview, all figures", figures)
    measure_cpu("overview, all figures, server CPU", figures)
    print(f"machine load: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    measure(
        "payer rating of every customer",
        lambda: env["account.relance.payer.rating"]._rate_payers(),
    )
    env.cr.rollback()  # the rating's writes: the timings only matter


main(env)  # noqa: F821
