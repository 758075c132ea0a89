"""Word lists the generators draw realistic values from. Made up; no real person or company."""

FIRST_NAMES = [
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "Lucas",
    "Mia", "Mateo", "Amelia", "Levi", "Harper", "Ethan", "Evelyn", "James", "Aria", "Leo",
    "Chloe", "Hugo", "Lena", "Jonas", "Clara", "Felix", "Ines", "Louis", "Alice", "Gabriel",
    "Yuki", "Haruto", "Sakura", "Ren", "Ana", "Pedro", "Beatriz", "Rafael", "Julia", "Daan",
    "Sanne", "Lars", "Freya", "Omar", "Layla", "Priya", "Arjun", "Zoe", "Samuel", "Grace",
]  # fmt: skip

LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez", "Lopez",
    "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Walker", "Hall", "Young",
    "Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Dubois", "Lefebvre", "Moreau", "Laurent", "Bernard",
    "Jansen", "DeVries", "Bakker", "Visser", "Fernandez", "Gonzalez", "Sanchez", "Romero", "Silva", "Santos",
    "Oliveira", "Costa", "Tanaka", "Suzuki", "Sato", "Watanabe", "Patel", "Khan", "Nguyen", "Kowalski",
]  # fmt: skip

EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example", "inbox.example"]

# country, calling code, weight, [(city, postal code prefix)]
COUNTRIES = [
    (
        "US",
        "1",
        30,
        [("New York", "100"), ("Chicago", "606"), ("Austin", "787"), ("Seattle", "981"), ("Denver", "802")],
    ),
    ("GB", "44", 12, [("London", "EC1"), ("Manchester", "M1"), ("Leeds", "LS1"), ("Bristol", "BS1")]),
    ("DE", "49", 12, [("Berlin", "101"), ("Munich", "803"), ("Hamburg", "203"), ("Cologne", "506")]),
    ("FR", "33", 9, [("Paris", "750"), ("Lyon", "690"), ("Marseille", "130"), ("Toulouse", "310")]),
    ("NL", "31", 6, [("Amsterdam", "101"), ("Rotterdam", "301"), ("Utrecht", "351")]),
    ("ES", "34", 6, [("Madrid", "280"), ("Barcelona", "080"), ("Valencia", "460")]),
    ("CA", "1", 8, [("Toronto", "M5V"), ("Vancouver", "V6B"), ("Montreal", "H2X")]),
    ("AU", "61", 6, [("Sydney", "200"), ("Melbourne", "300"), ("Brisbane", "400")]),
    ("JP", "81", 6, [("Tokyo", "100"), ("Osaka", "530"), ("Kyoto", "600")]),
    ("BR", "55", 5, [("Sao Paulo", "010"), ("Rio de Janeiro", "200"), ("Curitiba", "800")]),
]

CURRENCY_BY_COUNTRY = {"DE": "EUR", "FR": "EUR", "NL": "EUR", "ES": "EUR", "GB": "GBP"}

INTERESTS = [
    "analytics", "automation", "collaboration", "security", "integrations", "mobile", "reporting",
    "ai_assistants", "data_export", "compliance",
]  # fmt: skip

INTERACTION_TOPICS = [
    "pricing", "onboarding", "integration", "billing", "security", "renewal", "performance",
    "feature_request", "contract", "training",
]  # fmt: skip

COMPANIES = [
    "Northwind", "Contoso", "Fabrikam", "Tailspin", "Wingtip", "Litware", "Proseware", "Lucerne",
    "Alpine Ski House", "Blue Yonder", "Coho Vineyard", "Fourth Coffee", "Graphic Design Institute",
    "Humongous Insurance", "Margie's Travel", "Trey Research", "Woodgrove", "Adatum", "Relecloud", "VanArsdel",
]  # fmt: skip

COMPANY_SUFFIXES = ["Inc", "Ltd", "GmbH", "Group", "Labs", "BV", "SA", "KK"]

# feature key, product area, beta
FEATURES = [
    ("dashboard_builder", "dashboards", False), ("dashboard_sharing", "dashboards", False),
    ("custom_charts", "dashboards", False), ("ai_insights", "dashboards", True),
    ("scheduled_reports", "reports", False), ("report_export_pdf", "reports", False),
    ("report_templates", "reports", False), ("pivot_tables", "reports", False),
    ("slack_integration", "integrations", False), ("salesforce_sync", "integrations", False),
    ("webhooks", "integrations", False), ("warehouse_connector", "integrations", True),
    ("comments", "collaboration", False), ("mentions", "collaboration", False),
    ("shared_workspaces", "collaboration", False), ("live_cursors", "collaboration", True),
    ("sso_setup", "admin", False), ("audit_log", "admin", False), ("role_management", "admin", False),
    ("workflow_rules", "automation", False), ("alerts", "automation", False),
    ("natural_language_query", "automation", True),
]  # fmt: skip

CAMPAIGN_SEASONS = [
    "Spring",
    "Summer",
    "Autumn",
    "Winter",
    "Black Friday",
    "New Year",
    "Always-on",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
]
CAMPAIGN_THEMES = [
    "Launch",
    "Retargeting",
    "Brand",
    "Webinar",
    "Free Trial",
    "Upsell",
    "Reactivation",
    "Lookalike",
]

# chart of accounts: code, name, type
ACCOUNTS = [
    ("1000", "Cash", "asset"),
    ("1200", "Accounts receivable", "asset"),
    ("1500", "Accumulated depreciation", "asset"),
    ("2000", "Accounts payable", "liability"),
    ("2100", "Accrued liabilities", "liability"),
    ("2200", "Sales tax payable", "liability"),
    ("3000", "Retained earnings", "equity"),
    ("4000", "Product revenue", "revenue"),
    ("4100", "Services revenue", "revenue"),
    ("4200", "Subscription revenue", "revenue"),
    ("5000", "Cost of goods sold", "expense"),
    ("5100", "Hosting costs", "expense"),
    ("6000", "Salaries and wages", "expense"),
    ("6010", "Payroll taxes", "expense"),
    ("6020", "Employee benefits", "expense"),
    ("6200", "Rent", "expense"),
    ("6300", "Software subscriptions", "expense"),
    ("6400", "Marketing expenses", "expense"),
    ("6500", "Depreciation", "expense"),
    ("7000", "Travel", "expense"),
    ("8000", "Professional fees", "expense"),
]

# journal type, source system, weight, the account of the single line, its side, accounts of the other lines
JOURNAL_TEMPLATES = [
    ("sale", "billing", 35, "1200", "debit", ["4000", "4100", "4200", "2200"]),
    ("cash_receipt", "billing", 20, "1000", "debit", ["1200"]),
    (
        "supplier_invoice",
        "erp",
        25,
        "2000",
        "credit",
        ["5000", "5100", "6200", "6300", "6400", "7000", "8000"],
    ),
    ("payroll", "payroll", 10, "1000", "credit", ["6000", "6010", "6020"]),
    ("accrual", "manual", 6, "2100", "credit", ["6300", "8000", "5100"]),
    ("depreciation", "manual", 4, "1500", "credit", ["6500"]),
]

COST_CENTERS = ["CC-100", "CC-200", "CC-300", "CC-400", "CC-500"]
