"""PostgreSQL triggers marking the follow-up rows to compute again.

The follow-up screen (``account.relance.followup``) stores one row per customer
and company. Any change to the data a row is computed from appends a mark
``(customer, company)`` to the table ``account_relance_followup_mark``: a
customer in every company when the company is NULL, every customer of a
company when the customer is NULL, everyone when both are. The screen
computes the marked rows again before it reads
(``account.relance.followup._refresh_stale_rows``).

Triggers catch every change, made through the ORM or not, at the statement
that makes it (the same transaction sees its own marks). Row triggers with a
``WHEN`` clause cost nothing on the updates that change no column the screen
reads; marks are only appended (no unique key): concurrent transactions never
wait on each other for them. The tables the run writes in bulk have one
trigger per statement instead, reading the rows it changed (transition
tables): one mark per customer and company, not one per row.
"""

from odoo.tools import SQL

MARK_TABLE = "account_relance_followup_mark"
# trigger and function names: prefix, event, table (at most 63 characters)
FUNCTION_PREFIX = "relance_fu_"


def _changed(*columns):
    """WHEN condition: one of ``columns`` changed."""
    return " OR ".join(
        f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns
    )


_ANY_CHANGE = "OLD.* IS DISTINCT FROM NEW.*"
ALL_EVENTS = {"INSERT": None, "UPDATE": _ANY_CHANGE, "DELETE": None}
# customer and company of a plan, a ladder's company (%(row)s: NEW or OLD)
_PLAN = (
    "(SELECT p.partner_id FROM account_relance_plan p WHERE p.id = %(row)s.plan_id)",
    "(SELECT p.company_id FROM account_relance_plan p WHERE p.id = %(row)s.plan_id)",
)


def _ladder_company(column):
    return (
        "(SELECT l.company_id FROM account_relance_ladder l "
        f"WHERE l.id = %(row)s.{column})"
    )


# table: ({event: WHEN condition or None}, [(customer, company) SQL of a row])
TRIGGERS = {
    "account_move_line": (
        {
            "INSERT": "NEW.parent_state = 'posted'",
            "UPDATE": _changed(
                "parent_state",
                "move_id",
                "company_id",
                "account_id",
                "partner_id",
                "reconciled",
                "amount_residual",
                "amount_residual_currency",
                "date_maturity",
            ),
            "DELETE": "OLD.parent_state = 'posted'",
        },
        [
            (
                "(SELECT m.commercial_partner_id FROM account_move m "
                "WHERE m.id = %(row)s.move_id)",
                "%(row)s.company_id",
            ),
            ("%(row)s.partner_id", "%(row)s.company_id"),
        ],
    ),
    "account_move": (
        {
            "INSERT": "NEW.state = 'posted'",
            "UPDATE": _changed(
                "state",
                "move_type",
                "payment_state",
                "commercial_partner_id",
                "company_id",
                "amount_residual",
                # not relance_level_id: it only changes with the invoice's
                # histories, whose own triggers mark the same customer
                "relance_dispute",
                "relance_excluded",
                "relance_promise_date",
                "relance_promise_broken",
            ),
            "DELETE": "OLD.state = 'posted'",
        },
        [("%(row)s.commercial_partner_id", "%(row)s.company_id")],
    ),
    "account_relance_history": (
        ALL_EVENTS,
        [("%(row)s.partner_id", "%(row)s.company_id")],
    ),
    "account_relance_plan": (
        ALL_EVENTS,
        [("%(row)s.partner_id", "%(row)s.company_id")],
    ),
    "account_relance_plan_line": (ALL_EVENTS, [_PLAN]),
    "account_relance_plan_move_rel": (ALL_EVENTS, [_PLAN]),
    "res_partner": (
        {"UPDATE": _ANY_CHANGE},
        [("%(row)s.commercial_partner_id", "NULL"), ("%(row)s.id", "NULL")],
    ),
    "res_partner_res_partner_category_rel": (
        ALL_EVENTS,
        [("%(row)s.partner_id", "NULL")],
    ),
    "res_company": ({"UPDATE": _ANY_CHANGE}, [("NULL", "%(row)s.id")]),
    "account_relance_ladder": (ALL_EVENTS, [("NULL", "%(row)s.company_id")]),
    "account_relance_level": (ALL_EVENTS, [("NULL", _ladder_company("ladder_id"))]),
    "account_relance_ladder_res_partner_category_rel": (
        ALL_EVENTS,
        [("NULL", _ladder_company("account_relance_ladder_id"))],
    ),
    "resource_calendar_leaves": (ALL_EVENTS, [("NULL", "%(row)s.company_id")]),
    "account_account": (
        {"UPDATE": _changed("account_type")},
        [("NULL", "NULL")],
    ),
}
_ROWS = {"INSERT": ("NEW",), "UPDATE": ("NEW", "OLD"), "DELETE": ("OLD",)}
# tables the run writes in bulk (their events must be ALL_EVENTS): triggers
# for each statement, reading its transition tables
STATEMENT_TABLES = {"account_relance_history"}
# per event of a statement trigger: its transition tables, the rows read from
# them and the FROM clause reading them
_STATEMENT_ROWS = {
    "INSERT": (
        "REFERENCING NEW TABLE AS relance_new",
        ("new_row",),
        "FROM relance_new AS new_row",
    ),
    "UPDATE": (
        "REFERENCING OLD TABLE AS relance_old NEW TABLE AS relance_new",
        ("new_row", "old_row"),
        "FROM relance_new AS new_row "
        "JOIN relance_old AS old_row ON old_row.id = new_row.id "
        "WHERE old_row IS DISTINCT FROM new_row",
    ),
    "DELETE": (
        "REFERENCING OLD TABLE AS relance_old",
        ("old_row",),
        "FROM relance_old AS old_row",
    ),
}


def _insert_marks(marks, rows, source=None):
    """SQL inserting the marks of the rows ``rows`` (NEW, OLD: the row
    variables, or aliases of ``source``, the FROM clause reading a statement's
    transition tables); a mark with neither customer nor company (an entry
    without partner) is dropped."""
    selects = SQL(" UNION ").join(
        SQL(
            "SELECT (%s)::integer, (%s)::integer %s",
            SQL(partner, row=SQL(row)),
            SQL(company, row=SQL(row)),
            source or SQL(),
        )
        for row in rows
        for partner, company in marks
    )
    return SQL(
        """
        INSERT INTO %(table)s (partner_id, company_id)
        SELECT DISTINCT marks.partner_id, marks.company_id
          FROM (%(selects)s) AS marks(partner_id, company_id)
         WHERE marks.partner_id IS NOT NULL OR marks.company_id IS NOT NULL;
        """,
        table=SQL.identifier(MARK_TABLE),
        selects=selects,
    )


def install_marks(cr):
    """Create the marks table, its trigger functions and triggers
    (idempotent; tables not installed are skipped), and mark every row: after
    an install or an upgrade, the next read computes them all."""
    cr.execute(
        SQL(
            """
            CREATE TABLE IF NOT EXISTS %s (
                id BIGSERIAL PRIMARY KEY,
                partner_id INTEGER,
                company_id INTEGER
            )
            """,
            SQL.identifier(MARK_TABLE),
        )
    )
    for table, (events, marks) in TRIGGERS.items():
        cr.execute(SQL("SELECT to_regclass(%s)", table))
        if not cr.fetchone()[0]:
            continue
        for event, condition in events.items():
            name = SQL.identifier(f"{FUNCTION_PREFIX}{event[:3].lower()}_{table}")
            if table in STATEMENT_TABLES:
                referencing, rows, source = _STATEMENT_ROWS[event]
                body = _insert_marks(marks, rows, SQL(source))
                level = SQL("%s FOR EACH STATEMENT", SQL(referencing))
            else:
                body = _insert_marks(marks, _ROWS[event])
                level = SQL(
                    "FOR EACH ROW %s",
                    SQL("WHEN (%s)", SQL(condition)) if condition else SQL(),
                )
            cr.execute(
                SQL(
                    """
                    CREATE OR REPLACE FUNCTION %(name)s() RETURNS trigger
                    LANGUAGE plpgsql AS $body$
                    BEGIN
                        %(body)s
                        RETURN NULL;
                    END
                    $body$;
                    DROP TRIGGER IF EXISTS %(name)s ON %(table)s;
                    CREATE TRIGGER %(name)s AFTER %(event)s ON %(table)s
                        %(level)s EXECUTE FUNCTION %(name)s();
                    """,
                    name=name,
                    body=body,
                    table=SQL.identifier(table),
                    event=SQL(event),
                    level=level,
                )
            )
    cr.execute(
        SQL(
            "INSERT INTO %s (partner_id, company_id) VALUES (NULL, NULL)",
            SQL.identifier(MARK_TABLE),
        )
    )


def uninstall_marks(cr):
    """Drop the triggers, their functions and the marks table."""
    cr.execute(
        SQL(
            """
            SELECT proname FROM pg_proc
             WHERE starts_with(proname, %s)
               AND pronamespace = current_schema()::regnamespace
            """,
            FUNCTION_PREFIX,
        )
    )
    for (name,) in cr.fetchall():
        cr.execute(SQL("DROP FUNCTION IF EXISTS %s() CASCADE", SQL.identifier(name)))
    cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(MARK_TABLE)))
