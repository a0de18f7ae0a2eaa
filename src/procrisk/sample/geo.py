"""Countries, their spellings in several languages, currencies and the risk sets the sample plants."""

from __future__ import annotations

# ISO 3166-1 alpha-2 -> English short name (as a UK officer would type it).
ENGLISH: dict[str, str] = {
    "GB": "United Kingdom",
    "IE": "Ireland",
    "DE": "Germany",
    "FR": "France",
    "ES": "Spain",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "IT": "Italy",
    "BE": "Belgium",
    "DK": "Denmark",
    "SE": "Sweden",
    "US": "United States",
    "MX": "Mexico",
    "CN": "China",
    "MY": "Malaysia",
    "BD": "Bangladesh",
    "IN": "India",
    "VN": "Vietnam",
    "TH": "Thailand",
    "PK": "Pakistan",
    "ID": "Indonesia",
    "GH": "Ghana",
    "BR": "Brazil",
    "NP": "Nepal",
    "CI": "Côte d'Ivoire",
    "PE": "Peru",
    "TM": "Turkmenistan",
    "KH": "Cambodia",
    "LK": "Sri Lanka",
}

# Other spellings an officer or a foreign supplier uses: ISO codes, French, Spanish and German names.
VARIANTS: dict[str, tuple[str, ...]] = {
    "GB": ("UK", "GB", "Great Britain", "Royaume-Uni", "Reino Unido", "Vereinigtes Königreich"),
    "IE": ("IE", "Irlande", "Irlanda", "Irland"),
    "DE": ("DE", "Allemagne", "Alemania", "Deutschland"),
    "FR": ("FR", "Frankreich", "Francia"),
    "ES": ("ES", "Espagne", "España", "Spanien"),
    "NL": ("NL", "Pays-Bas", "Países Bajos", "Niederlande", "Holland"),
    "PL": ("PL", "Pologne", "Polonia", "Polen"),
    "PT": ("PT", "Portugal"),
    "IT": ("IT", "Italie", "Italia", "Italien"),
    "BE": ("BE", "Belgique", "Bélgica", "Belgien"),
    "DK": ("DK", "Danemark", "Dinamarca", "Dänemark"),
    "SE": ("SE", "Suède", "Suecia", "Schweden"),
    "US": ("US", "USA", "États-Unis", "Estados Unidos"),
    "MX": ("MX", "México", "Mexique", "Mexiko"),
    "CN": ("CN", "Chine", "China"),
    "MY": ("MY", "Malaisie", "Malasia"),
    "BD": ("BD", "Bangladesh"),
    "IN": ("IN", "Inde", "Indien"),
    "VN": ("VN", "Viet Nam", "Viêt Nam"),
    "TH": ("TH", "Thaïlande", "Tailandia"),
    "PK": ("PK", "Pakistan"),
    "ID": ("ID", "Indonésie", "Indonesien"),
    "GH": ("GH", "Ghana"),
    "BR": ("BR", "Brésil", "Brasil", "Brasilien"),
    "NP": ("NP", "Népal"),
    "CI": ("CI", "Ivory Coast", "Costa de Marfil"),
    "PE": ("PE", "Pérou", "Perú"),
    "TM": ("TM", "Turkménistan", "Turkmenistán"),
    "KH": ("KH", "Cambodge", "Camboya", "Kambodscha"),
    "LK": ("LK", "Sri Lanka"),
}

# Countries whose goods the sample treats as low-risk origins (TIP Tier 1 in the 2015 tiers file, and not on
# the ILAB list for the goods bought here).
LOW_RISK_ORIGINS: tuple[str, ...] = ("GB", "IE", "DE", "FR", "ES", "NL", "PL", "PT", "IT", "BE", "DK", "SE")

# Tier 2 Watch List or Tier 3 in the US TIP Report tiers file shipped in shared/data/reference/tip
# (us-state-dept-tip-tiers_1999-2015.csv, year 2015). Origins in this set make a high-risk-sector good
# "high_risk_sector_and_origin".
HIGH_RISK_ORIGINS: frozenset[str] = frozenset(
    {"CN", "MY", "TH", "KH", "GH", "PK", "TM", "UZ", "LK", "QA", "RU", "KP", "ER", "MM"}
)

# Good -> countries with forced_labor=Yes, copied from shared/data/reference/ilab/
# ilab_goods_child_forced_labor.csv (US DOL ILAB List of Goods, 2022 edition data). Only the goods used here.
ILAB_FORCED_LABOUR: dict[str, frozenset[str]] = {
    "Garments": frozenset({"AR", "BD", "BR", "CN", "IN", "MY", "TH", "VN"}),
    "Cotton": frozenset({"BJ", "BF", "CN", "KZ", "PK", "TJ", "TM"}),
    "Textiles": frozenset({"CN", "KP"}),
    "Gloves": frozenset({"CN"}),
    "Rubber Gloves": frozenset({"MY"}),
    "Polysilicon": frozenset({"CN"}),
    "Electronics": frozenset({"CN", "MY"}),
    "Fish": frozenset({"CN", "GH", "ID", "TW", "TH"}),
    "Bricks": frozenset({"AF", "MM", "KH", "CN", "IN", "NP", "KP", "PK", "RU"}),
    "Coffee": frozenset({"BR", "CI"}),
    "Footwear": frozenset({"CN"}),
    "Timber": frozenset({"BR", "KP", "PE", "RU"}),
}

# Currency a supplier reports its turnover in.
CURRENCY: dict[str, str] = {
    "GB": "GBP",
    "US": "USD",
    "MX": "MXN",
    "CN": "CNY",
    "MY": "MYR",
    "BD": "BDT",
    "IN": "INR",
    "VN": "VND",
    "TH": "THB",
    "PK": "PKR",
    "ID": "IDR",
    "GH": "GHS",
    "BR": "BRL",
    "DK": "DKK",
    "SE": "SEK",
    "PL": "PLN",
}
EUR_COUNTRIES = frozenset({"IE", "DE", "FR", "ES", "NL", "PT", "IT", "BE"})

# Approximate GBP per unit (2024 averages, rounded); only used to keep turnovers clear of the £36m line.
GBP_PER_UNIT: dict[str, float] = {
    "GBP": 1.0,
    "EUR": 0.85,
    "USD": 0.79,
    "MXN": 0.043,
    "CNY": 0.11,
    "MYR": 0.17,
    "BDT": 0.0067,
    "INR": 0.0095,
    "VND": 0.000031,
    "THB": 0.022,
    "PKR": 0.0028,
    "IDR": 0.000049,
    "GHS": 0.055,
    "BRL": 0.15,
    "DKK": 0.11,
    "SEK": 0.075,
    "PLN": 0.2,
}

# Company-register identifier schemes (org-id.guide prefixes) by country; None: no scheme given.
ID_SCHEME: dict[str, str] = {
    "GB": "GB-COH",
    "IE": "IE-CRO",
    "DE": "DE-CR",
    "FR": "FR-RCS",
    "ES": "ES-RMC",
    "NL": "NL-KVK",
    "CN": "CN-SAIC",
    "MY": "MY-SSM",
    "IN": "IN-MCA",
    "MX": "MX-RFC",
    "US": "US-EIN",
}

# Legal-form suffixes by country.
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "GB": ("Ltd", "Ltd", "Ltd", "Limited", "Services Ltd", "UK Ltd", "Group Ltd", "plc"),
    "IE": ("Ltd", "DAC", "Teoranta"),
    "DE": ("GmbH", "GmbH", "AG"),
    "FR": ("SAS", "SARL", "SA"),
    "ES": ("S.L.", "S.A."),
    "NL": ("B.V.",),
    "PL": ("Sp. z o.o.",),
    "PT": ("Lda",),
    "IT": ("S.r.l.", "S.p.A."),
    "BE": ("SRL", "BV"),
    "DK": ("ApS",),
    "SE": ("AB",),
    "US": ("Inc.", "LLC"),
    "MX": ("S.A. de C.V.",),
    "CN": ("Co. Ltd",),
    "MY": ("Sdn Bhd",),
    "BD": ("Ltd",),
    "IN": ("Pvt Ltd",),
    "VN": ("JSC", "Co. Ltd"),
    "TH": ("Co. Ltd",),
    "PK": ("(Pvt) Ltd",),
    "ID": ("PT",),
    "GH": ("Ltd",),
    "BR": ("Ltda",),
}
