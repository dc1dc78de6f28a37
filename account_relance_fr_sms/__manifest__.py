{
    "name": "Relances clients (France) - SMS",
    "summary": "SMS payment reminders on the account_relance_fr ladders",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/relance-fr/account_relance_fr",
    "author": "Relance FR",
    "maintainers": ["relance-fr"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["account_relance_fr", "sms"],
    "data": [],
    "auto_install": True,
}
