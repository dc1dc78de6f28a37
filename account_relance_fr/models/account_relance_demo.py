"""Demo data: a French company, its customers and invoices at every reminder stage.

Everything is dated relative to the day the demo is loaded, so that the first
run of the reminder job (``account.relance.run._cron_send_relances``) has
something to do at each level of the ladders: a préventive reminder, friendly
and firmer reminders, a call, a last reminder with its letter, a formal notice
waiting for approval, a failure (customer without email), a thank-you email...
"""

from datetime import timedelta

from odoo import Command, api, fields, models

MODULE = "account_relance_fr"
COMPANY_XMLID = f"{MODULE}.res_company_atelier_duval_demo"


# ----------------------------------------------------------------------
# French identifiers (pure functions)
# ----------------------------------------------------------------------


def luhn_check_digit(digits):
    """The digit that makes ``digits`` + it pass the Luhn check (SIREN, SIRET)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 0:  # doubled once the check digit is appended
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def french_siren(base):
    """A SIREN (9 digits) from its first 8 digits."""
    return base + luhn_check_digit(base)


def french_siret(siren, nic_base="0001"):
    """A SIRET (14 digits): the SIREN, 4 digits of NIC and a Luhn check digit."""
    return siren + nic_base + luhn_check_digit(siren + nic_base)


def french_vat(siren):
    """The intra-community VAT number of a SIREN: FR + key + SIREN."""
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def french_iban(bank_code, branch_code, account_number):
    """A French IBAN with its RIB key and check digits, printed by groups of 4.

    :param bank_code: 5 digits (code banque)
    :param branch_code: 5 digits (code guichet)
    :param account_number: 11 digits (numéro de compte, digits only)
    """
    rib_key = (
        97
        - (89 * int(bank_code) + 15 * int(branch_code) + 3 * int(account_number)) % 97
    )
    bban = f"{bank_code}{branch_code}{account_number}{rib_key:02d}"
    # check digits: BBAN + "FR00" with F=15, R=27
    check = 98 - int(f"{bban}152700") % 97
    iban = f"FR{check:02d}{bban}"
    return " ".join(iban[start : start + 4] for start in range(0, len(iban), 4))


# ----------------------------------------------------------------------
# The demo content
# ----------------------------------------------------------------------

COMPANY_SIREN = french_siren("81374259")  # 813742590

SALESPEOPLE = {
    "julien": {
        "name": "Julien Martin",
        "function": "Chargé d'affaires",
        "phone": "+33 6 12 48 73 15",
    },
    "sophie": {
        "name": "Sophie Bernard",
        "function": "Responsable grands comptes",
        "phone": "+33 6 27 91 54 02",
    },
}

# key: (xmlid suffix, product values); prices excl. VAT
PRODUCTS = {
    "assise": ("Réfection d'assise de chaise bistrot", "service", 85.0, "REF-ASS"),
    "fauteuil": (
        "Fauteuil club restauré, cuir pleine fleur",
        "consu",
        1450.0,
        "FAU-CLUB",
    ),
    "banquette": (
        "Banquette de restaurant sur mesure (mètre linéaire)",
        "consu",
        420.0,
        "BAN-ML",
    ),
    "rideaux": ("Rideaux occultants sur mesure (m²)", "consu", 65.0, "RID-M2"),
    "tissu": ("Tissu d'ameublement jacquard (mètre)", "consu", 48.0, "TIS-JAC"),
    "pose": ("Pose et installation sur site (heure)", "service", 55.0, "POSE-H"),
    "deplacement": ("Forfait déplacement Lyon Métropole", "service", 45.0, "DEPL"),
    "table": ("Table de réunion en chêne massif", "consu", 2300.0, "TAB-CHENE"),
    "tete_lit": ("Tête de lit capitonnée sur mesure", "consu", 690.0, "TDL-CAP"),
    "etude": ("Étude et conception d'agencement (jour)", "service", 650.0, "ETU-J"),
}

# Customers. ``siren``: first 8 digits of a made-up SIREN (company customers).
CUSTOMERS = {
    "boulangerie_martin": {
        "name": "Boulangerie Martin SARL",
        "street": "14 rue de la Charité",
        "zip": "69002",
        "city": "Lyon",
        "email": "contact@boulangerie-martin.example",
        "phone": "+33 4 78 37 21 56",
        "salesperson": "julien",
        "siren": "48215736",
    },
    "garage_dupont": {
        "name": "Garage Dupont & Fils SARL",
        "street": "87 cours Émile Zola",
        "zip": "69100",
        "city": "Villeurbanne",
        "email": "compta@garage-dupont.example",
        "phone": "+33 4 78 84 12 90",
        "salesperson": "julien",
        "siren": "39128457",
    },
    "menuiserie_lefevre": {
        "name": "Menuiserie Lefèvre SAS",
        "street": "5 chemin des Charmilles",
        "zip": "69130",
        "city": "Écully",
        "email": "administratif@menuiserie-lefevre.example",
        "phone": "+33 4 78 33 65 04",
        "salesperson": "julien",
        "siren": "52874193",
    },
    "hotel_tilleul": {
        "name": "Hôtel Le Grand Tilleul SAS",
        "street": "22 quai Saint-Antoine",
        "zip": "69002",
        "city": "Lyon",
        "email": "direction@hotel-grand-tilleul.example",
        "phone": "+33 4 72 41 88 10",
        "salesperson": "sophie",
        "siren": "79345218",
    },
    "restaurant_canuts": {
        "name": "Restaurant Les Canuts SARL",
        "street": "3 place de la Croix-Rousse",
        "zip": "69004",
        "city": "Lyon",
        "email": "gerant@restaurant-les-canuts.example",
        "phone": "+33 4 78 28 47 63",
        "salesperson": "julien",
        "siren": "81952463",
    },
    "sci_fourviere": {
        "name": "SCI Les Terrasses de Fourvière",
        "street": "9 montée Saint-Barthélemy",
        "zip": "69005",
        "city": "Lyon",
        "email": "gestion@sci-terrasses-fourviere.example",
        "phone": "+33 4 78 25 90 11",
        "salesperson": "julien",
        "siren": "44713826",
    },
    "cabinet_moreau": {
        "name": "Cabinet d'architectes Moreau SAS",
        "street": "41 rue Duguesclin",
        "zip": "69006",
        "city": "Lyon",
        "email": "comptabilite@moreau-architectes.example",
        "phone": "+33 4 72 74 30 58",
        "salesperson": "sophie",
        "siren": "53861942",
    },
    "pharmacie_parc": {
        "name": "Pharmacie du Parc SELARL",
        "street": "116 boulevard des Belges",
        "zip": "69006",
        "city": "Lyon",
        "email": "pharmacie@pharmacie-du-parc.example",
        "phone": "+33 4 78 89 54 27",
        "salesperson": "sophie",
        "siren": "75219384",
    },
    "transports_rhone": {
        "name": "Transports Rhône Express SAS",
        "street": "Zone industrielle Mi-Plaine, 18 rue du Progrès",
        "zip": "69800",
        "city": "Saint-Priest",
        "email": "factures@transports-rhone-express.example",
        "phone": "+33 4 72 23 61 70",
        "salesperson": "sophie",
        "siren": "42587613",
    },
    "imprimerie_girard": {
        "name": "Imprimerie Girard SARL",
        "street": "27 rue de Marseille",
        "zip": "69007",
        "city": "Lyon",
        "email": "contact@imprimerie-girard.example",
        "phone": "+33 4 78 72 18 39",
        "salesperson": "julien",
        "siren": "33648127",
    },
    "mairie_villefranche": {
        "name": "Mairie de Villefranche-sur-Saône",
        "street": "96 rue de la Sous-Préfecture",
        "zip": "69400",
        "city": "Villefranche-sur-Saône",
        "email": "services.techniques@mairie-villefranche.example",
        "phone": "+33 4 74 62 60 00",
        "salesperson": "sophie",
        "siren": "21690992",
        "customer_type": "public",
        "no_vat": True,
    },
    "paul_lambert": {
        "name": "Paul Lambert",
        "is_company": False,
        "street": "8 rue Sala",
        "zip": "69002",
        "city": "Lyon",
        "email": "paul.lambert@exemple-mail.example",
        "phone": "+33 6 45 12 87 33",
        "salesperson": "julien",
        "customer_type": "individual",
    },
    "ebenisterie_rousseau": {
        # an old-fashioned craftsman: no email, the reminder fails
        "name": "Ébénisterie Rousseau SARL",
        "street": "12 rue des Fossés",
        "zip": "69360",
        "city": "Saint-Symphorien-d'Ozon",
        "email": False,
        "phone": "+33 4 78 02 44 19",
        "salesperson": "julien",
        "siren": "38215974",
    },
    "maison_tradition": {
        # key account: a regional chain of home furnishing stores
        "name": "Maison & Tradition Rhône-Alpes SAS",
        "street": "Centre commercial Part-Dieu, 17 rue du Docteur Bouchut",
        "zip": "69003",
        "city": "Lyon",
        "email": "fournisseurs@maison-tradition.example",
        "phone": "+33 4 72 60 15 80",
        "salesperson": "sophie",
        "siren": "51237846",
        "payer_profile": "key_account",
    },
    "bati_renov": {
        # bad payer
        "name": "Bâti-Rénov Express SARL",
        "street": "230 route de Vienne",
        "zip": "69008",
        "city": "Lyon",
        "email": "contact@bati-renov-express.example",
        "phone": "+33 6 71 30 25 94",
        "salesperson": "julien",
        "siren": "87412569",
        "payer_profile": "risky",
    },
    "clinique_brotteaux": {
        # the reminders go to the invoice-address contact below
        "name": "Clinique vétérinaire des Brotteaux SAS",
        "street": "63 boulevard des Brotteaux",
        "zip": "69006",
        "city": "Lyon",
        "email": "accueil@clinique-brotteaux.example",
        "phone": "+33 4 78 52 36 47",
        "salesperson": "sophie",
        "siren": "49271538",
        "invoice_contact": {
            "name": "Service comptabilité",
            "email": "compta@clinique-brotteaux.example",
            "phone": "+33 4 78 52 36 40",
        },
    },
    "association_vieux_lyon": {
        # excluded from the reminders: a partner the company does not chase
        "name": "Association Les Amis du Vieux Lyon",
        "street": "4 rue de la Bombarde",
        "zip": "69005",
        "city": "Lyon",
        "email": "tresorerie@amis-vieux-lyon.example",
        "phone": "+33 4 78 42 06 75",
        "salesperson": "sophie",
        "no_vat": True,
        "excluded": True,
    },
    "bureau_fontaine": {
        "name": "Bureau d'études Fontaine SAS",
        "street": "10 avenue Jean Jaurès",
        "zip": "69007",
        "city": "Lyon",
        "email": "daf@be-fontaine.example",
        "phone": "+33 4 37 65 22 81",
        "salesperson": "sophie",
        "siren": "80532617",
    },
    "fleuriste_ainay": {
        "name": "Au Jardin d'Ainay SARL",
        "street": "31 rue Victor Hugo",
        "zip": "69002",
        "city": "Lyon",
        "email": "boutique@jardin-ainay.example",
        "phone": "+33 4 78 37 90 52",
        "salesperson": "julien",
        "siren": "45168293",
    },
    "librairie_passages": {
        "name": "Librairie Passages SARL",
        "street": "11 rue de Brest",
        "zip": "69002",
        "city": "Lyon",
        "email": "librairie@passages-lyon.example",
        "phone": "+33 4 72 56 34 84",
        "salesperson": "sophie",
        "siren": "36925184",
    },
    "cave_pentes": {
        "name": "La Cave des Pentes SAS",
        "street": "6 rue Burdeau",
        "zip": "69001",
        "city": "Lyon",
        "email": "cave@cave-des-pentes.example",
        "phone": "+33 4 78 39 71 26",
        "salesperson": "julien",
        "siren": "83746152",
    },
}

# Invoices. ``due``: days from today to the due date of the (first) instalment;
# ``term``: payment term key; ``history``: past reminders as (level days, days
# after the due date it was sent[, user key]); payments as (days from today,
# amount or None for the balance).
INVOICES = [
    # due in 5 days: the run sends the préventive reminder (J-5)
    {
        "key": "due_in_5_days",
        "partner": "boulangerie_martin",
        "due": 5,
        "lines": [("assise", 12), ("tissu", 8), ("deplacement", 1)],
    },
    {
        "key": "boulangerie_paid",
        "partner": "boulangerie_martin",
        "due": -40,
        "lines": [("rideaux", 6), ("pose", 3)],
        "payments": [(-42, None)],
    },
    # 1 day late: friendly reminder (J+1)
    {
        "key": "late_1_day",
        "partner": "garage_dupont",
        "due": -1,
        "lines": [("banquette", 3.5), ("pose", 6)],
        "ref": "BC 2024-118",
    },
    # 10 days late, J+1 sent: the run sends J+8 with the invoice PDF
    {
        "key": "late_10_days",
        "partner": "menuiserie_lefevre",
        "due": -10,
        "lines": [("tissu", 25), ("assise", 4)],
        "history": [(1, 1)],
    },
    # 20 days late, J+1, J+8 and the J+12 call done: the run sends J+20 (email + letter)
    {
        "key": "late_20_days",
        "partner": "hotel_tilleul",
        "due": -20,
        "lines": [("tete_lit", 6), ("rideaux", 24), ("pose", 12)],
        "ref": "Rénovation chambres 2e étage",
        "history": [(1, 1), (8, 8), (12, 12, "sophie")],
        "call_note": "Appel passé : le directeur attend le passage du comptable "
        "en fin de mois.",
    },
    # 45 days late, up to J+20: the run plans the formal notice (J+30, to confirm)
    {
        "key": "late_45_days",
        "partner": "restaurant_canuts",
        "due": -45,
        "lines": [("banquette", 9), ("assise", 20), ("pose", 16)],
        "history": [(1, 1), (8, 8), (12, 12, "julien"), (20, 20)],
        "call_note": "Messagerie du gérant : message laissé, pas de rappel.",
    },
    # 90 days late, formal notice sent two months ago: end of the ladder
    {
        "key": "late_90_days",
        "partner": "sci_fourviere",
        "due": -90,
        "lines": [("table", 1), ("fauteuil", 4), ("etude", 2)],
        "history": [(1, 1), (8, 8), (12, 12, "julien"), (20, 20), (30, 32, "admin")],
        "call_note": "Le gérant conteste le délai de paiement mais pas la "
        "prestation ; promet un virement « rapidement ».",
    },
    # partially paid, J+1 and J+8 sent: the run schedules the J+12 call
    {
        "key": "partially_paid",
        "partner": "cabinet_moreau",
        "due": -12,
        "lines": [("etude", 3), ("table", 1)],
        "history": [(1, 1), (8, 8)],
        "payments": [(-6, 1500.0)],
    },
    # paid after reminders: the run thanks the customer
    {
        "key": "paid_after_reminders",
        "partner": "pharmacie_parc",
        "due": -25,
        "lines": [("assise", 6), ("rideaux", 10), ("pose", 4)],
        "history": [(1, 1), (8, 8), (12, 12, "sophie")],
        "call_note": "Facture égarée, renvoyée par email ; règlement prévu "
        "sous huit jours.",
        "payments": [(-5, None)],
    },
    # disputed: no reminder for it, the customer's other invoice still gets one
    {
        "key": "disputed",
        "partner": "transports_rhone",
        "due": -15,
        "lines": [("tissu", 40), ("deplacement", 2)],
        "history": [(1, 1), (8, 8)],
        "dispute": (-5, "Livraison incomplète : 2 cartons manquants"),
    },
    {
        "key": "transports_late_2_days",
        "partner": "transports_rhone",
        "due": -2,
        "lines": [("assise", 10), ("pose", 2)],
    },
    # promise to pay in 4 days: reminders paused
    {
        "key": "promise",
        "partner": "imprimerie_girard",
        "due": -10,
        "lines": [("banquette", 2), ("tissu", 6)],
        "history": [(1, 1), (8, 8)],
        "promise": 4,
    },
    # 2 instalments (30 % at 30 days, balance at 60 days), the first one late
    {
        "key": "instalments",
        "partner": "bureau_fontaine",
        "due": -9,
        "term": "instalments",
        "lines": [("etude", 4), ("table", 2), ("fauteuil", 2)],
        "history": [(1, 1)],
    },
    # public body, 3 days late: friendly reminder
    {
        "key": "mairie_late",
        "partner": "mairie_villefranche",
        "due": -3,
        "lines": [("fauteuil", 2), ("tissu", 30), ("pose", 8)],
        "ref": "Bon de commande n° 2024-0457 - Salle du conseil",
    },
    # individual, paid on delivery expected: friendly reminder
    {
        "key": "individual_late",
        "partner": "paul_lambert",
        "due": -6,
        "term": "immediate",
        "lines": [("fauteuil", 1), ("deplacement", 1)],
    },
    # no email: the reminder fails, the accountant gets an activity
    {
        "key": "no_email_late",
        "partner": "ebenisterie_rousseau",
        "due": -4,
        "lines": [("tissu", 15), ("assise", 2)],
    },
    # key account: friendly reminder (J+3) signed by the salesperson
    {
        "key": "key_account_late",
        "partner": "maison_tradition",
        "due": -4,
        "term": "45days",
        "lines": [("fauteuil", 3), ("tete_lit", 4), ("table", 1)],
        "ref": "Commande magasin Part-Dieu PO-88231",
    },
    {
        "key": "key_account_upcoming",
        "partner": "maison_tradition",
        "due": 20,
        "term": "45days",
        "lines": [("rideaux", 40), ("pose", 10)],
        "ref": "Commande magasin Confluence PO-88410",
    },
    # risky payer, J+1 and J+4 call done: the run sends the last reminder (J+10)
    {
        "key": "risky_late",
        "partner": "bati_renov",
        "due": -12,
        "term": "15days",
        "lines": [("banquette", 4), ("pose", 10), ("deplacement", 1)],
        "history": [(1, 1), (4, 4, "julien")],
        "call_note": "Le gérant dit attendre le paiement de son propre client.",
    },
    # the reminder goes to the invoice-address contact
    {
        "key": "invoice_contact_late",
        "partner": "clinique_brotteaux",
        "due": -8,
        "lines": [("assise", 8), ("tissu", 12)],
        "history": [(1, 1)],
    },
    # excluded customer: nothing is ever sent
    {
        "key": "excluded_late",
        "partner": "association_vieux_lyon",
        "due": -30,
        "lines": [("rideaux", 12), ("pose", 4)],
    },
    # customers in good standing
    {
        "key": "fleuriste_paid",
        "partner": "fleuriste_ainay",
        "due": -20,
        "lines": [("assise", 2), ("tissu", 4)],
        "payments": [(-24, None)],
    },
    {
        "key": "fleuriste_upcoming",
        "partner": "fleuriste_ainay",
        "due": 12,
        "lines": [("rideaux", 8)],
    },
    {
        "key": "librairie_upcoming",
        "partner": "librairie_passages",
        "due": 25,
        "lines": [("table", 1), ("pose", 2)],
    },
    {
        "key": "cave_paid",
        "partner": "cave_pentes",
        "due": -60,
        "lines": [("banquette", 5), ("pose", 6)],
        "payments": [(-61, None)],
    },
    {
        "key": "cave_upcoming",
        "partner": "cave_pentes",
        "due": 15,
        "lines": [("fauteuil", 2)],
    },
]


class AccountRelanceDemo(models.AbstractModel):
    """Builds the demo data of the module (called from demo/relance_demo.xml)."""

    _name = "account.relance.demo"
    _description = "Customer Reminders Demo Data"

    @api.model
    def _load_demo(self):
        """Create the French demo company, its users, customers and invoices.

        Does nothing when the demo company already exists, so that a module
        update replaying the demo file changes nothing.
        """
        if self.env.ref(COMPANY_XMLID, raise_if_not_found=False):
            return False
        today = fields.Date.context_today(self)
        self._demo_activate_french()
        company = self._demo_create_company()
        users = self._demo_create_users(company)
        self._demo_set_admin(company)
        partners = self._demo_create_customers(users)
        products = self._demo_create_products(company)
        self._demo_create_invoices(company, users, partners, products, today)
        self._demo_rate_payers(partners)
        self._demo_quiet_other_companies(company)
        self._demo_setup_payment_providers(company)
        return True

    def _demo_rate_payers(self, partners):
        """Rate the demo's customers as the daily job will (their last 12
        months), so that the customer form, the collection figures and the
        expected cash-in show a payer rating and a usual delay from the start.
        No demo customer is a bad payer: no profile moves."""
        customers = self.env["res.partner"].union(*partners.values())
        self.env["account.relance.payer.rating"]._rate_payers(customers)

    def _demo_quiet_other_companies(self, company):
        """The demo tells Atelier Duval's story: Odoo's own demo companies
        (YourCompany, FR Company) keep their ladders archived, so the demo
        mailbox only holds Atelier Duval's reminders."""
        self.env["account.relance.ladder"].search(
            [("company_id", "!=", company.id)]
        ).write({"active": False})

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _demo_xmlid(self, name, record):
        """Give ``record`` the xmlid account_relance_fr.<name> (noupdate)."""
        self.env["ir.model.data"]._update_xmlids(
            [{"xml_id": f"{MODULE}.{name}", "record": record, "noupdate": True}]
        )

    def _demo_activate_french(self):
        """Activate fr_FR and load the French translations of the installed modules."""
        self.env["res.lang"]._activate_lang("fr_FR")
        modules = self.env["ir.module.module"].search([("state", "=", "installed")])
        modules |= self.env.ref(f"base.module_{MODULE}")
        modules._update_translations(["fr_FR"])

    def _demo_create_company(self):
        """Atelier Duval SAS, in Lyon, with the French chart of accounts."""
        france = self.env.ref("base.fr")
        euro = self.env.ref("base.EUR")
        euro.active = True
        # chart_template_load: no automatic install of the other French
        # localisation modules (account_peppol & co.), the chart is loaded below
        company = (
            self.env["res.company"]
            .with_context(chart_template_load=True)
            .create(
                {
                    "name": "Atelier Duval SAS",
                    "street": "12 rue des Tanneurs",
                    "zip": "69002",
                    "city": "Lyon",
                    "country_id": france.id,
                    "currency_id": euro.id,
                    "company_registry": " ".join(
                        COMPANY_SIREN[index : index + 3] for index in (0, 3, 6)
                    ),
                    "vat": french_vat(COMPANY_SIREN),
                    "email": "contact@atelier-duval.example",
                    "phone": "+33 4 78 42 17 30",
                    "website": "https://www.atelier-duval.example",
                }
            )
        )
        self._demo_xmlid("res_company_atelier_duval_demo", company)
        company.partner_id.write(
            {"siret": french_siret(COMPANY_SIREN), "tz": "Europe/Paris"}
        )
        # try_loading() warns when the registry is not fully loaded, which is
        # always the case while demo data loads; l10n_fr_account is a dependency
        # of this module, so its chart template is complete: load it directly.
        self.env["account.chart.template"]._load("fr", company, install_demo=False)
        company.write(
            {
                "relance_signatory_name": "Claire Duval",
                "relance_signatory_title": "Directrice administrative et financière",
                "relance_legal_form": "SAS",
                "relance_share_capital": 50000.0,
                "relance_rcs_city": "Lyon",
                "relance_sender_email": "comptabilite@atelier-duval.example",
                "relance_accountant_id": self.env.ref("base.user_admin").id,
            }
        )
        bank = self.env["res.bank"].create(
            {
                "name": "LCL - Le Crédit Lyonnais",
                "bic": "CRLYFRPP",
                "street": "18 rue de la République",
                "zip": "69002",
                "city": "Lyon",
                "country": france.id,
            }
        )
        bank_account = self.env["res.partner.bank"].create(
            {
                "acc_number": french_iban("30002", "00650", "00007341592"),
                "bank_id": bank.id,
                "partner_id": company.partner_id.id,
                "company_id": company.id,
                "allow_out_payment": True,
            }
        )
        self._demo_xmlid("res_partner_bank_atelier_duval_demo", bank_account)
        journal = self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
        )
        journal.bank_account_id = bank_account
        # structured creditor references (RF, ISO 11649) on the invoices: what a
        # transfer quotes so that it is matched without a doubt
        self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale")]
        ).write(
            {"invoice_reference_model": "euro", "invoice_reference_type": "invoice"}
        )
        return company

    @api.model
    def _demo_setup_payment_providers(self, company=None):
        """Pay the demo company's invoices online without internet.

        Odoo's demo card provider (payment_demo, test mode) and the wire
        transfer (payment_custom: the company's IBAN, the invoice's structured
        reference), each only when its module is installed: they are installed
        by setup/run and setup/test, never required by this module. Idempotent:
        setup/demo_prepare.py calls it again once every module is installed.

        :param company: default the demo company
        :return: the providers enabled for the company
        """
        company = company or self.env.ref(COMPANY_XMLID, raise_if_not_found=False)
        providers = self.env["payment.provider"].sudo()
        if not company:
            return providers
        codes = dict(providers._fields["code"].selection)
        for xmlid, code, state in (
            ("payment.payment_provider_demo", "demo", "test"),
            ("payment.payment_provider_transfer", "custom", "enabled"),
        ):
            base = self.sudo().env.ref(xmlid, raise_if_not_found=False)
            if code not in codes or not base or base.code != code:
                continue  # the provider's module is not installed
            provider = providers.search(
                [("code", "=", code), ("company_id", "=", company.id)], limit=1
            )
            if not provider:
                provider = base.sudo().copy(
                    {"company_id": company.id, "name": base.name}
                )
            provider.write({"state": state, "is_published": True})
            # the wire transfer method ships inactive; a copied provider already
            # enabled is not "activated" by the write above
            provider._activate_default_pms()
            if code == "custom":
                provider.action_recompute_pending_msg()
            providers |= provider
        return providers

    def _demo_create_users(self, company):
        """Two salespeople of the French company: they see their own reminders."""
        groups = self.env.ref("base.group_user")
        salesman = self.env.ref(
            "sales_team.group_sale_salesman", raise_if_not_found=False
        )
        if salesman:
            groups |= salesman
        users = {}
        for login, values in SALESPEOPLE.items():
            user = (
                self.env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": values["name"],
                        "login": login,
                        "password": login,
                        "email": f"{login}@atelier-duval.example",
                        "phone": values["phone"],
                        "function": values["function"],
                        "lang": "fr_FR",
                        "tz": "Europe/Paris",
                        "company_id": company.id,
                        "company_ids": [Command.set(company.ids)],
                        "groups_id": [Command.set(groups.ids)],
                    }
                )
            )
            self._demo_xmlid(f"res_users_{login}_demo", user)
            users[login] = user
        users["admin"] = self.env.ref("base.user_admin")
        return users

    def _demo_set_admin(self, company):
        """The demo opens on the French company, in French."""
        self.env.ref("base.user_admin").write(
            {
                "company_ids": [Command.link(company.id)],
                "company_id": company.id,
                "lang": "fr_FR",
                "tz": "Europe/Paris",
            }
        )

    def _demo_create_customers(self, users):
        """The customers, with their profiles, contacts and salespeople."""
        france = self.env.ref("base.fr")
        partners = {}
        for key, values in CUSTOMERS.items():
            is_company = values.get("is_company", True)
            vals = {
                "name": values["name"],
                "is_company": is_company,
                "street": values["street"],
                "zip": values["zip"],
                "city": values["city"],
                "country_id": france.id,
                "email": values["email"],
                "phone": values["phone"],
                "lang": "fr_FR",
                "tz": "Europe/Paris",
                "user_id": users[values["salesperson"]].id,
                "relance_customer_type": values.get(
                    "customer_type", "company" if is_company else "individual"
                ),
                "relance_payer_profile": values.get("payer_profile", "standard"),
                "relance_excluded": values.get("excluded", False),
            }
            if values.get("siren"):
                siren = french_siren(values["siren"])
                vals["siret"] = french_siret(siren)
                if not values.get("no_vat"):
                    vals["vat"] = french_vat(siren)
            partner = self.env["res.partner"].create(vals)
            self._demo_xmlid(f"res_partner_{key}_demo", partner)
            contact = values.get("invoice_contact")
            if contact:
                child = self.env["res.partner"].create(
                    {
                        **contact,
                        "type": "invoice",
                        "parent_id": partner.id,
                        "lang": "fr_FR",
                    }
                )
                self._demo_xmlid(f"res_partner_{key}_invoice_demo", child)
            partners[key] = partner
        return partners

    def _demo_create_products(self, company):
        """The workshop's products and services, with the French 20 % VAT."""
        chart = self.env["account.chart.template"].with_company(company)
        tax_goods = chart.ref("tva_normale")
        tax_services = chart.ref("tva_normale_encaissement")
        products = {}
        for key, (name, product_type, price, code) in PRODUCTS.items():
            tax = tax_services if product_type == "service" else tax_goods
            product = (
                self.env["product.product"]
                .with_company(company)
                .create(
                    {
                        "name": name,
                        "type": product_type,
                        "list_price": price,
                        "default_code": code,
                        "company_id": company.id,
                        "taxes_id": [Command.set(tax.ids)],
                    }
                )
            )
            self._demo_xmlid(f"product_product_{key}_demo", product)
            products[key] = product
        return products

    def _demo_payment_terms(self, company):
        """Payment terms by key: the shared ones and a 2-instalment term."""
        instalments = self.env["account.payment.term"].create(
            {
                "name": "30 % à 30 jours, solde à 60 jours",
                "company_id": company.id,
                "note": "Paiement en deux échéances : 30 % à 30 jours, le solde "
                "à 60 jours date de facture.",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 30.0, "nb_days": 30}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 70.0, "nb_days": 60}
                    ),
                ],
            }
        )
        self._demo_xmlid("account_payment_term_instalments_demo", instalments)
        return {
            "30days": (self.env.ref("account.account_payment_term_30days"), 30),
            "45days": (self.env.ref("account.account_payment_term_45days"), 45),
            "15days": (self.env.ref("account.account_payment_term_15days"), 15),
            "immediate": (self.env.ref("account.account_payment_term_immediate"), 0),
            "instalments": (instalments, 30),
        }

    def _demo_create_invoices(self, company, users, partners, products, today):
        """Post the invoices in date order, then replay their reminders and payments."""
        terms = self._demo_payment_terms(company)
        journal = self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
        )
        Move = self.env["account.move"].with_company(company)
        moves = {}
        for spec in INVOICES:
            partner = partners[spec["partner"]]
            term, term_days = terms[spec.get("term", "30days")]
            invoice_partner = (
                partner.child_ids.filtered(lambda child: child.type == "invoice")[:1]
                or partner
            )
            move = Move.create(
                {
                    "move_type": "out_invoice",
                    "journal_id": journal.id,
                    "partner_id": invoice_partner.id,
                    "invoice_date": today + timedelta(days=spec["due"] - term_days),
                    "invoice_payment_term_id": term.id,
                    "invoice_user_id": partner.user_id.id,
                    "ref": spec.get("ref", False),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": products[product_key].id,
                                "name": products[product_key].name,
                                "quantity": quantity,
                                "price_unit": products[product_key].list_price,
                            }
                        )
                        for product_key, quantity in spec["lines"]
                    ],
                }
            )
            moves[spec["key"]] = move
        # post in chronological order, so that the numbers follow the dates
        for move in sorted(
            moves.values(), key=lambda move: (move.invoice_date, move.id)
        ):
            move.action_post()
        for spec in INVOICES:
            move = moves[spec["key"]]
            self._demo_xmlid(f"account_move_{spec['key']}_demo", move)
            self._demo_replay(spec, move, users, today)

    def _demo_replay(self, spec, move, users, today):
        """Past reminders and payments of one invoice, in date order."""
        events = []
        first_due = min(move._get_relance_open_lines().mapped("date_maturity"))
        for history in spec.get("history", []):
            events.append((first_due + timedelta(days=history[1]), "history", history))
        for day, amount in spec.get("payments", []):
            events.append((today + timedelta(days=day), "payment", amount))
        for day, kind, value in sorted(events, key=lambda event: event[0]):
            if kind == "history":
                self._demo_create_history(spec, move, users, day, value)
            else:
                self._demo_pay(move, day, value)
        if spec.get("dispute"):
            day, reason = spec["dispute"]
            move.action_relance_set_dispute(reason)
            move.relance_dispute_date = today + timedelta(days=day)
        if spec.get("promise"):
            move.action_relance_set_promise(today + timedelta(days=spec["promise"]))

    def _demo_create_history(self, spec, move, users, day, history):
        """One reminder sent in the past, as the run would have recorded it."""
        partner = move.commercial_partner_id
        ladder = self.env["account.relance.ladder"]._get_ladders_for_partners(
            partner, move.company_id
        )[partner]
        level = ladder.level_ids.filtered(lambda level: level.days == history[0])
        line = move._get_relance_open_lines().sorted("date_maturity")[:1]
        channels = level._get_channels_for_partner(partner)
        user = users[history[2]] if len(history) > 2 else self.env.ref("base.user_root")
        self.env["account.relance.history"].create(
            {
                "move_line_id": line.id,
                "move_id": move.id,
                "company_id": move.company_id.id,
                "partner_id": partner.id,
                "contact_id": partner.relance_contact_id.id,
                "salesperson_id": partner.user_id.id,
                "level_id": level.id,
                "date": day,
                "channel": channels[0],
                "channels": ", ".join(channels),
                "user_id": user.id,
                "currency_id": line.currency_id.id,
                "amount_total": line.amount_currency,
                "amount_residual": line.amount_residual_currency,
                "days_late": (day - line.date_maturity).days,
                "state": "sent",
                "note": spec.get("call_note") if level.channel_call else False,
            }
        )

    def _demo_pay(self, move, day, amount):
        """Register a payment of ``amount`` (the balance when None) on ``day``."""
        wizard = (
            self.env["account.payment.register"]
            .with_company(move.company_id)
            .with_context(active_model="account.move", active_ids=move.ids)
            .create(
                {
                    "amount": amount or move.amount_residual,
                    "payment_date": day,
                }
            )
        )
        return wizard._create_payments()
