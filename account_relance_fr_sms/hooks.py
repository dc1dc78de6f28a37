LADDER_XMLID = "account_relance_fr_sms.ladder_individual"
PARAMS = ("account_relance_fr_sms.transport", "account_relance_fr_sms.local_folder")


def post_init_hook(env):
    """Companies that already exist get the "Private Individuals" ladder too.

    The shipped ladder belongs to the main company; new companies get their
    copy from res.company._relance_install_default_ladders.
    """
    shipped = env.ref(LADDER_XMLID, raise_if_not_found=False)
    if not shipped:
        return
    ladders = env["account.relance.ladder"].sudo().with_context(active_test=False)
    for company in env["res.company"].search([]) - shipped.company_id:
        if not ladders.search_count([("company_id", "=", company.id)]):
            company._relance_install_default_ladders()
        elif not ladders.search_count(
            [("company_id", "=", company.id), ("rule_customer_type", "=", "individual")]
        ):
            shipped.sudo().copy({"company_id": company.id})


def uninstall_hook(env):
    """Keep the reminders working and their history once SMS is gone.

    Levels that only sent an SMS send their email instead; the shipped ladder
    and its levels stay as the company's own data (the reminder history points
    to them); the transport settings go.
    """
    levels = (
        env["account.relance.level"]
        .sudo()
        .with_context(active_test=False)
        .search([("channel_sms", "=", True)])
    )
    levels.filtered(lambda level: level._get_channels() == ["sms"]).write(
        {"channel_email": True}
    )
    env["ir.model.data"].sudo().search(
        [
            ("module", "=", "account_relance_fr_sms"),
            ("model", "in", ("account.relance.ladder", "account.relance.level")),
        ]
    ).unlink()
    env["ir.config_parameter"].sudo().search([("key", "in", PARAMS)]).unlink()
