{
    "name": "Relances clients (France)",
    "summary": "Automated customer payment reminders up to the mise en demeure, "
    "French late-payment law included",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/relance-fr/account_relance_fr",
    "author": "Relance FR",
    "maintainers": ["relance-fr"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["account", "account_payment", "portal", "mail", "l10n_fr_account"],
    "external_dependencies": {"python": ["num2words"]},
    "data": [],
    "demo": [],
}
