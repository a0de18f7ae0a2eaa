"""The canonical data model: every table's columns, declared once with type, meaning, allowed values and synonyms.

Validation, column mapping, the Parquet schema, the docs (docs/data-model.md is generated from this module)
and the dashboard all read these declarations; no other module spells a canonical column name as a literal
without importing it from here first.

Kinds:
  text      free text (kept as given, whitespace trimmed)
  code      an identifier or code kept as text (ids, CPV codes, registration numbers)
  enum      one of ``allowed`` (normalised from many spellings by the ingest normalisers)
  answer    a questionnaire answer: yes / partly / no; an unanswered question stays null, never "no"
  bool      true / false; null when not known
  int       whole number (nullable)
  float     decimal number (nullable); money is always a float in the row's currency
  share     a proportion 0..1 (inputs such as "35 %" or 35 are read as 0.35)
  date      calendar date (timezone-free)
  country   ISO 3166-1 alpha-2 code
  currency  ISO 4217 code
  list      list of text values (stored as a Parquet list<string>)
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = (
    "text", "code", "enum", "answer", "bool", "int", "float", "share", "date", "country", "currency", "list",
)
ANSWERS = ("yes", "partly", "no")


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, kind, meaning, allowed values and the header words that map to it."""

    name: str
    kind: str
    meaning: str
    allowed: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    required: bool = False
    derived: bool = False  # computed by procrisk, never mapped from an input column
    group: str = ""

    def __post_init__(self) -> None:
        """Reject a declaration that names an unknown kind (a programming error, caught at import)."""
        if self.kind not in KINDS:
            msg = f"column {self.name}: unknown kind {self.kind!r}"
            raise ValueError(msg)
        if self.kind == "answer" and not self.allowed:
            object.__setattr__(self, "allowed", ANSWERS)


@dataclass(frozen=True)
class Table:
    """A canonical table: its name, grain and ordered columns."""

    name: str
    grain: str
    columns: tuple[Column, ...]
    key: str = ""
    by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Index the columns by name and reject duplicates."""
        index: dict[str, Column] = {}
        for col in self.columns:
            if col.name in index:
                msg = f"table {self.name}: column {col.name} declared twice"
                raise ValueError(msg)
            index[col.name] = col
        object.__setattr__(self, "by_name", index)

    @property
    def names(self) -> list[str]:
        """The column names in declared order."""
        return [c.name for c in self.columns]

    def __getitem__(self, name: str) -> Column:
        """Return the column called ``name``."""
        return self.by_name[name]

    def __contains__(self, name: object) -> bool:
        """Whether the table declares a column called ``name``."""
        return name in self.by_name

    @property
    def mappable(self) -> list[Column]:
        """Columns that an input column may be mapped to (not derived, not provenance)."""
        return [c for c in self.columns if not c.derived and c.group != "provenance"]


C = Column

# Provenance columns, added by the ingest pipeline to every stored row of every table.
PROVENANCE = (
    C("batch_id", "code", "Workspace batch the row was stored in.", group="provenance", derived=True),
    C("source_file", "text", "Name of the input file the row came from.", group="provenance", derived=True),
    C("source_sheet", "text", "Sheet name for spreadsheets; empty for CSV and OCDS.", group="provenance",
      derived=True),
    C("source_row", "int", "Row number as the source shows it (Excel row, CSV line, OCDS release index).",
      group="provenance", derived=True),
    C("extras", "text", "Input columns with no canonical meaning, kept as a JSON object {header: value}.",
      group="provenance", derived=True),
)

# Columns added from shipped reference data before rules run (procrisk.reference.enrich); never mapped.
TIERS = ("high", "medium", "low")
ENRICHMENT_CONTRACTS = (
    C("sector_tier", "enum", "Inherent labour-exploitation risk tier of what is bought (CPV division/group, "
      "UNSPSC segment or NAICS sector to tier, reference/data/sector_tiers).", allowed=TIERS,
      group="enrichment", derived=True),
    C("sector_label", "text", "The reference sector the tier comes from.", group="enrichment", derived=True),
    C("ilab_goods", "list", "ILAB-listed goods this contract buys (CPV crosswalk or title/description terms).",
      group="enrichment", derived=True),
    C("ilab_good_listed", "bool", "At least one ILAB-listed good is bought (any origin).", group="enrichment",
      derived=True),
    C("ilab_forced_labour_pair", "bool", "A bought good is ILAB-listed with forced labour for origin_country "
      "(null when the origin is unknown).", group="enrichment", derived=True),
    C("ilab_child_labour_pair", "bool", "A bought good is ILAB-listed with child labour for origin_country "
      "(null when the origin is unknown).", group="enrichment", derived=True),
    C("supplier_country_tier", "enum", "US TIP Report tier of supplier_country (latest year shipped).",
      allowed=("tier_1", "tier_2", "tier_2_watch_list", "tier_3", "special_case"), group="enrichment",
      derived=True),
    C("origin_country_tier", "enum", "US TIP Report tier of origin_country.",
      allowed=("tier_1", "tier_2", "tier_2_watch_list", "tier_3", "special_case"), group="enrichment",
      derived=True),
    C("delivery_country_tier", "enum", "US TIP Report tier of delivery_country.",
      allowed=("tier_1", "tier_2", "tier_2_watch_list", "tier_3", "special_case"), group="enrichment",
      derived=True),
    C("tip_year", "int", "Year of the TIP Report the tiers come from.", group="enrichment", derived=True),
)

# Columns added by the scikit-learn estimators (procrisk.ml) before rules run; rules read them like any other.
ML_CONTRACTS = (
    C("supplier_key", "code", "Resolved supplier entity: one key for every spelling and id of one supplier, "
      "stable when unrelated data is added (procrisk.ml.resolver).", group="ml", derived=True),
    C("cpv_division_inferred", "code", "CPV division predicted from title and description when the code is "
      "missing (procrisk.ml.category).", group="ml", derived=True),
    C("cpv_group_inferred", "code", "CPV group (3 digits) predicted when confident.", group="ml", derived=True),
    C("category_probability", "float", "Probability of cpv_division_inferred (0..1).", group="ml", derived=True),
    C("price_peer_ratio", "float", "Award value / median award of comparable contracts (same CPV group, "
      "country and year, or a coarser fallback group).", group="ml", derived=True),
    C("price_peer_median", "float", "Median award value of the peer group.", group="ml", derived=True),
    C("price_peer_count", "int", "Number of comparable contracts in the peer group.", group="ml", derived=True),
    C("price_peer_group", "text", "Description of the peer group, e.g. 'CPV 909 cleaning services, GB, 2024'.",
      group="ml", derived=True),
    C("price_anomaly_score", "float", "Robust low-price anomaly score (higher = more abnormally low).",
      group="ml", derived=True),
    C("price_estimate_ratio", "float", "Award value / the buyer's estimated value.", group="ml", derived=True),
)

CONTRACT_TYPES = ("goods", "services", "works")
PROCUREMENT_METHODS = ("open", "selective", "limited", "direct")
RISK_RATINGS = ("high", "medium", "low")
AWARD_BASES = ("price_only", "price_quality")

CONTRACTS = Table(
    name="contracts",
    grain="one row per contract or award per supplier; a tender with no award yet is one row with no supplier",
    key="contract_id",
    columns=(
        # identity
        C("contract_id", "code", "The buyer's contract or award reference; generated from file and row when "
          "absent.", required=True, group="identity",
          synonyms=("contract id", "contract number", "contract no", "contract reference", "reference",
                    "award id", "id", "document number", "reference number", "ref", "numéro de marché",
                    "référence", "numero de contrato", "número de contrato", "expediente", "vertragsnummer",
                    "aktenzeichen", "vergabenummer", "piid", "subaward number")),
        C("ocid", "code", "Open Contracting ID of the procurement process (OCDS).", group="identity",
          synonyms=("ocid", "open contracting id", "process id", "procedure id", "tender id",
                    "numéro de procédure", "id de licitación", "verfahrens id")),
        C("source", "code", "Publisher or register the row came from (file stem for spreadsheets).",
          group="identity", synonyms=("source", "publisher", "register", "fuente", "quelle")),
        # buyer
        C("buyer_id", "code", "Identifier of the contracting authority.", group="buyer",
          synonyms=("buyer id", "authority id", "agency code", "department code", "prime awarding agency code",
                    "code acheteur", "código comprador", "auftraggeber id")),
        C("buyer_name", "text", "Name of the contracting authority (the buyer).", group="buyer",
          synonyms=("buyer", "buyer name", "contracting authority", "authority", "department", "agency",
                    "division", "purchaser", "prime awarding agency name", "acheteur", "pouvoir adjudicateur",
                    "comprador", "entidad contratante", "organismo", "auftraggeber", "vergabestelle",
                    "öffentlicher auftraggeber")),
        C("buyer_country", "country", "Country of the buyer (ISO 3166-1 alpha-2).", group="buyer",
          synonyms=("buyer country", "authority country", "pays acheteur", "país comprador",
                    "land auftraggeber")),
        # supplier
        C("supplier_id", "code", "Supplier identifier, scheme-qualified where known (e.g. GB-COH-01234567).",
          group="supplier",
          synonyms=("supplier id", "vendor id", "vendor number", "supplier number", "company number",
                    "registration number", "duns", "subawardee duns", "tax id", "vat number", "rfc", "ruc",
                    "siret", "siren", "numéro fournisseur", "nif", "cif", "id proveedor",
                    "lieferantennummer", "handelsregisternummer", "ust id")),
        C("supplier_name", "text", "Name of the supplier (one per row; several in one cell are split).",
          group="supplier",
          synonyms=("supplier", "supplier name", "successful supplier", "vendor", "vendor name", "contractor",
                    "awardee", "winner", "company", "subawardee name", "recipient", "titulaire", "fournisseur",
                    "attributaire", "prestataire", "adjudicatario", "proveedor", "contratista",
                    "empresa adjudicataria", "auftragnehmer", "lieferant", "bieter", "firma")),
        C("supplier_country", "country", "Country where the supplier is registered (ISO alpha-2).",
          group="supplier",
          synonyms=("supplier country", "vendor country", "contractor country", "country of supplier",
                    "subawardee country code", "pays du fournisseur", "pays fournisseur",
                    "país del proveedor", "país proveedor", "land des auftragnehmers", "land lieferant")),
        C("supplier_name_key", "code", "Normalised supplier name (case, accents, punctuation, legal form "
          "folded) used to group spellings of one supplier.", group="supplier", derived=True),
        # object of the contract
        C("title", "text", "Short title of the contract or lot.", group="object",
          synonyms=("title", "contract title", "subject", "object", "lot title", "name of contract",
                    "objet", "objet du marché", "intitulé", "objeto", "objeto del contrato", "título",
                    "titel", "bezeichnung", "gegenstand", "auftragsgegenstand")),
        C("description", "text", "Longer description of what is bought.", group="object",
          synonyms=("description", "details", "scope", "solicitation document description",
                    "subaward description", "descriptif", "descripción", "beschreibung",
                    "leistungsbeschreibung")),
        C("classification_scheme", "enum", "Scheme of classification_code: CPV, UNSPSC, NAICS or another "
          "scheme as given.", group="object",
          synonyms=("classification scheme", "scheme", "code scheme", "nomenclature", "esquema")),
        C("classification_code", "code", "Main classification code (CPV 2008 codes are validated including "
          "the check digit and stored as 12345678-9).", group="object",
          synonyms=("cpv", "cpv code", "main cpv", "cpv main", "classification", "classification code",
                    "unspsc", "unspsc code", "naics", "naics code", "subaward naics code", "code cpv",
                    "código cpv", "cpv-code", "cpv nummer", "category code")),
        C("cpv_division", "code", "Two-digit CPV 2008 division derived from a valid CPV code.",
          group="object", derived=True),
        C("category", "text", "The buyer's own category label (e.g. 'Construction Services').",
          group="object",
          synonyms=("category", "high level category", "procurement category", "commodity",
                    "naics description", "subaward naics description", "catégorie", "categoría",
                    "kategorie", "warengruppe")),
        C("contract_type", "enum", "Goods, services or works.", allowed=CONTRACT_TYPES, group="object",
          synonyms=("contract type", "type", "type of contract", "main procurement category", "nature",
                    "type de marché", "tipo de contrato", "auftragsart", "vertragsart")),
        # procedure
        C("procurement_method", "enum", "Procedure type: open, selective, limited or direct (OCDS codes and "
          "common wording mapped).", allowed=PROCUREMENT_METHODS, group="procedure",
          synonyms=("procurement method", "procedure", "procedure type", "method", "award procedure",
                    "rfx (solicitation) type", "solicitation type", "type de procédure", "procédure",
                    "procedimiento", "tipo de procedimiento", "verfahrensart", "vergabeart")),
        C("procurement_method_details", "text", "Procedure as the publisher names it, kept verbatim.",
          group="procedure", synonyms=("procurement method details", "procedure details")),
        C("tender_status", "code", "Status of the tender as published (e.g. OCDS active, complete, "
          "cancelled).", group="procedure", synonyms=("tender status", "status", "statut", "estado")),
        C("number_of_tenderers", "int", "Number of tenderers or bids received.", group="procedure",
          synonyms=("number of tenderers", "number of bids", "bids received", "no of bids", "tenderers",
                    "offers received", "nombre d'offres", "nombre de soumissionnaires", "número de ofertas",
                    "número de licitadores", "anzahl angebote", "anzahl der angebote", "anzahl bieter")),
        C("tender_start", "date", "Start of the submission period (publication of the call).",
          group="procedure",
          synonyms=("tender start", "publication date", "call published", "date published",
                    "tender period start", "date de publication", "fecha de publicación",
                    "veröffentlichungsdatum", "bekanntmachung")),
        C("tender_end", "date", "Deadline for submitting tenders.", group="procedure",
          synonyms=("tender end", "deadline", "submission deadline", "closing date", "tender deadline",
                    "date limite", "date limite de remise des offres", "fecha límite",
                    "plazo de presentación", "angebotsfrist", "schlusstermin")),
        C("submission_period_days", "int", "Whole days between tender_start and tender_end (OCDS: instants "
          "with offsets, truncated toward zero as OCP Cardinal does; spreadsheets: calendar days).",
          group="procedure", derived=True),
        C("estimated_value", "float", "Buyer's estimated value, in the row's currency.", group="value",
          synonyms=("estimated value", "estimate", "budget", "estimated amount", "tender value",
                    "valeur estimée", "montant estimé", "valor estimado", "presupuesto",
                    "geschätzter wert", "auftragswert geschätzt", "schätzwert")),
        C("award_value", "float", "Awarded value, in the row's currency.", group="value",
          synonyms=("award value", "awarded amount", "contract value", "value", "amount", "price",
                    "total value", "subaward amount", "montant", "montant attribué", "valeur",
                    "montant du marché", "importe", "importe adjudicado", "valor", "monto", "auftragswert",
                    "betrag", "wert", "zuschlagswert")),
        C("currency", "currency", "ISO 4217 currency of the row's values.", group="value",
          synonyms=("currency", "devise", "monnaie", "moneda", "divisa", "währung")),
        C("lowest_other_bid_value", "float", "Lowest valid bid from a tenderer other than the winner (OCDS "
          "bids, or a register column).", group="value",
          synonyms=("second lowest bid", "lowest other bid", "runner up bid", "next lowest bid")),
        C("runner_up_price_gap", "float", "(lowest other valid bid - winning bid) / winning bid: OCP "
          "Cardinal's R024/R058 ratio.", group="value", derived=True),
        C("award_date", "date", "Date of the award decision.", group="dates",
          synonyms=("award date", "date of award", "decision date", "subaward action date",
                    "date d'attribution", "fecha de adjudicación", "zuschlagsdatum", "vergabedatum")),
        C("contract_start", "date", "Start of the contract period.", group="dates",
          synonyms=("contract start", "start date", "period start", "date de début", "fecha de inicio",
                    "vertragsbeginn", "beginn")),
        C("contract_end", "date", "End of the contract period.", group="dates",
          synonyms=("contract end", "end date", "period end", "expiry date", "date de fin",
                    "fecha de fin", "fecha de finalización", "vertragsende", "ende", "laufzeitende")),
        # geography of performance
        C("delivery_country", "country", "Country where the work is performed or goods delivered.",
          group="geography",
          synonyms=("delivery country", "place of performance", "country of performance",
                    "place of performance country", "lieu d'exécution", "pays d'exécution",
                    "lugar de ejecución", "país de ejecución", "erfüllungsort", "leistungsort")),
        C("origin_country", "country", "Country of origin of the goods (production site).",
          group="geography",
          synonyms=("origin country", "country of origin", "origin", "made in", "production country",
                    "pays d'origine", "origine", "país de origen", "origen", "ursprungsland", "herkunftsland")),
        # subcontracting
        C("subcontracting_share", "share", "Share of the contract value subcontracted (0..1).",
          group="subcontracting",
          synonyms=("subcontracting share", "subcontracted share", "subcontracting %", "share subcontracted",
                    "part sous-traitée", "sous-traitance %", "porcentaje subcontratado",
                    "subcontratación %", "unterauftragsanteil", "anteil unteraufträge")),
        C("subcontractors", "list", "Named subcontractors (a free-text cell is split on ; , / and new lines).",
          group="subcontracting",
          synonyms=("subcontractors", "subcontractor", "sub-contractors", "named subcontractors",
                    "sous-traitants", "sous traitants", "subcontratistas", "nachunternehmer",
                    "unterauftragnehmer", "subunternehmer")),
        C("subcontracting_declared", "bool", "Whether the tender declared any subcontracting.",
          group="subcontracting", synonyms=("subcontracting declared", "subcontracting", "sous-traitance",
                                            "subcontratación", "unteraufträge")),
        # buyer-side labour controls (domain.md §4, buyer-side fields)
        C("ms_risk_assessment_done", "bool", "A modern-slavery risk assessment was done before tender.",
          group="controls", synonyms=("risk assessment done", "modern slavery risk assessment",
                                      "ms risk assessment", "slavery risk assessed")),
        C("ms_risk_rating", "enum", "The buyer's own modern-slavery risk rating of the procurement.",
          allowed=RISK_RATINGS, group="controls",
          synonyms=("ms risk rating", "modern slavery risk rating", "risk rating")),
        C("has_ms_selection_questions", "bool", "Tender asked modern-slavery selection questions.",
          group="controls", synonyms=("ms selection questions", "modern slavery questions",
                                      "selection questions")),
        C("social_criteria_weight", "share", "Weight of social or labour award criteria (0..1).",
          group="controls", synonyms=("social criteria weight", "social value weight", "social weighting")),
        C("award_basis", "enum", "Award on price only or on best price-quality ratio.", allowed=AWARD_BASES,
          group="controls", synonyms=("award basis", "award criteria", "award criterion",
                                      "critère d'attribution", "criterio de adjudicación",
                                      "zuschlagskriterium")),
        C("abnormal_low_explanation_requested", "bool", "The buyer asked the winner to explain an apparently "
          "abnormally low price (Directive 2014/24/EU art. 69).", group="controls",
          synonyms=("abnormally low explanation requested", "low price explanation requested",
                    "art 69 explanation")),
        C("has_anti_trafficking_clause", "bool", "The contract has an anti-trafficking / forced-labour clause.",
          group="clauses", synonyms=("anti trafficking clause", "modern slavery clause", "forced labour clause",
                                     "ms clause", "anti-slavery clause")),
        C("clause_recruitment_fee_ban", "bool", "The clause bans recruitment fees charged to workers.",
          group="clauses", synonyms=("recruitment fee ban clause", "no fees clause")),
        C("clause_flow_down", "bool", "The clause flows down to subcontracts and agents.", group="clauses",
          synonyms=("flow down clause", "flow-down", "clause flow down")),
        C("clause_notification", "bool", "The clause obliges the supplier to report credible information.",
          group="clauses", synonyms=("notification clause", "reporting clause")),
        C("clause_audit_rights", "enum", "Audit rights in the contract: none, announced or full (unannounced, "
          "with worker interviews).", allowed=("none", "announced", "full"), group="clauses",
          synonyms=("audit rights", "audit clause", "clause audit rights")),
        C("clause_remediation_plan", "bool", "The contract provides graduated remedies with a remediation "
          "plan, not termination alone.", group="clauses",
          synonyms=("remediation clause", "remediation plan clause", "remedies clause")),
        C("clause_supply_chain_updates", "bool", "The supplier must keep its supply-chain disclosure current.",
          group="clauses", synonyms=("supply chain updates clause", "supply chain disclosure clause")),
        C("last_ms_review_date", "date", "Last modern-slavery monitoring review of the contract.",
          group="monitoring", synonyms=("last monitoring date", "last ms review", "last review date",
                                        "monitoring date")),
        C("ms_findings_open", "int", "Open modern-slavery findings on the contract.", group="monitoring",
          synonyms=("open findings", "ms findings open", "open ms findings")),
        C("ms_finding_substantiated", "bool", "A substantiated forced-labour finding is not remediated.",
          group="monitoring", synonyms=("substantiated finding", "unremediated finding")),
        C("overseas_portion_value", "float", "Value of the part supplied or performed abroad (FAR 52.222-50(h)).",
          group="value", synonyms=("overseas portion value", "portion outside us", "foreign portion value")),
        C("urgency_flag", "bool", "Emergency or urgent procedure.", group="procedure",
          synonyms=("urgency", "emergency", "urgent", "urgence", "urgencia", "dringlichkeit")),
        C("hotline_posted", "bool", "Worker hotline information posted at the delivery site.",
          group="monitoring", synonyms=("hotline posted", "worker hotline")),
        *ENRICHMENT_CONTRACTS,
        *ML_CONTRACTS,
    ),
)

SUPPLIERS = Table(
    name="suppliers",
    grain="one row per supplier (per source); questionnaire answers where the supplier gave them",
    key="supplier_id",
    columns=(
        C("supplier_id", "code", "Supplier identifier (generated from the name when absent).", required=True,
          group="identity", synonyms=(*CONTRACTS["supplier_id"].synonyms, "id")),
        C("supplier_name", "text", "Legal name of the supplier.", group="identity",
          synonyms=(*CONTRACTS["supplier_name"].synonyms, "legal name", "name", "company name", "raison sociale",
                    "razón social", "nombre", "unternehmen")),
        C("supplier_name_key", "code", "Normalised supplier name used to group spellings.", group="identity",
          derived=True),
        C("supplier_key", "code", "Resolved supplier entity key (procrisk.ml.resolver).", group="identity",
          derived=True),
        C("registration_ids", "list", "Scheme-qualified registration ids (e.g. GB-COH-01234567, MX-RFC-...).",
          group="identity", synonyms=("registration ids", "identifiers", "additional identifiers",
                                      "company numbers")),
        C("supplier_country", "country", "Country of registration.", group="identity",
          synonyms=(*CONTRACTS["supplier_country"].synonyms, "country", "pays", "país", "land")),
        C("source", "code", "Publisher or file the row came from.", group="identity", synonyms=("source",)),
        C("annual_turnover", "float", "Annual turnover (A2).", group="identity",
          synonyms=("annual turnover", "turnover", "revenue", "annual revenue", "chiffre d'affaires",
                    "facturación", "volumen de negocio", "umsatz", "jahresumsatz")),
        C("turnover_currency", "currency", "Currency of annual_turnover.", group="identity",
          synonyms=("turnover currency", "currency", "devise", "moneda", "währung")),
        C("employees", "int", "Number of direct employees (A4).", group="identity",
          synonyms=("employees", "headcount", "staff", "number of employees", "effectif", "empleados",
                    "mitarbeiter", "beschäftigte")),
        C("jurisdictions", "list", "Jurisdictions with transparency laws where it does business (A3).",
          group="identity", synonyms=("jurisdictions", "countries of operation")),
        C("response_date", "date", "Date the questionnaire answers were given (as_of_date).",
          group="identity", synonyms=("response date", "as of date", "date of response", "submitted",
                                      "questionnaire date", "date de réponse", "fecha de respuesta")),
        # B. exclusion declarations
        C("thb_conviction", "answer", "Conviction for trafficking, forced or child labour in the last 5 "
          "years (B1).", group="exclusion",
          synonyms=("thb conviction", "trafficking conviction", "convictions", "forced labour conviction")),
        C("debarred", "answer", "Currently debarred or excluded from public contracts (B4).", group="exclusion",
          synonyms=("debarred", "debarment", "excluded", "suspended")),
        C("labour_violations", "enum", "Labour-law breaches or inspection findings in the last 3 years (B2).",
          allowed=("none", "minor", "serious"), group="exclusion",
          synonyms=("labour violations", "labor violations", "labour law breaches", "inspection findings")),
        C("self_cleaning_evidence", "answer", "Self-cleaning measures evidenced (B3).", group="exclusion",
          synonyms=("self cleaning", "self-cleaning evidence", "remedial measures")),
        C("open_allegations", "answer", "Open credible allegations, import bans or withhold-release orders "
          "(B4).", group="exclusion", synonyms=("open allegations", "allegations", "import ban",
                                                "withhold release order")),
        # C. supply chain
        C("production_countries", "list", "Countries of production or service-delivery sites (C1), ISO codes.",
          group="supply_chain", synonyms=("production countries", "site countries", "countries of production",
                                          "production sites countries")),
        C("origin_countries", "list", "Countries of origin of goods and main raw materials (C2), ISO codes.",
          group="supply_chain", synonyms=("origin countries", "raw material origins", "countries of origin")),
        C("tier1_list_provided", "answer", "Tier-1 supplier list provided for the contract (C3).",
          group="supply_chain", synonyms=("tier 1 list provided", "tier1 list", "supplier list provided")),
        C("tier2plus_mapped", "share", "Share of tier-2+ supply chain mapped (C3).", group="supply_chain",
          synonyms=("tier 2 mapped", "tier2plus mapped", "tier 2+ mapped %")),
        # D. workforce
        C("share_migrant_workers", "share", "Share of migrant workers (D1).", group="workforce",
          synonyms=("migrant workers %", "share migrant workers", "migrant workers share", "migrant share")),
        C("share_agency_workers", "share", "Share of agency or temporary workers (D1).", group="workforce",
          synonyms=("agency workers %", "share agency workers", "temporary workers %")),
        C("share_seasonal_workers", "share", "Share of seasonal workers (D1).", group="workforce",
          synonyms=("seasonal workers %", "share seasonal workers")),
        C("employer_housing", "answer", "Workers housed by the employer (D2).", group="workforce",
          synonyms=("employer housing", "employer provided housing", "housing provided")),
        C("housing_inspected_date", "date", "Last inspection of employer housing (D2).", group="workforce",
          synonyms=("housing inspected date", "housing inspection date")),
        C("housing_deductions_above_cost", "answer", "Housing deductions above cost, or failed housing "
          "inspection (D2).", group="workforce", synonyms=("housing deductions above cost",
                                                           "housing charges above cost")),
        C("max_weekly_hours", "float", "Maximum weekly working hours (D3).", group="workforce",
          synonyms=("max weekly hours", "maximum weekly hours", "max hours per week")),
        C("overtime_voluntary", "answer", "Overtime is voluntary (D3).", group="workforce",
          synonyms=("overtime voluntary", "voluntary overtime")),
        C("wage_payment_frequency", "enum", "How often wages are paid (D4).",
          allowed=("weekly", "fortnightly", "monthly", "less_often"), group="workforce",
          synonyms=("wage payment frequency", "pay frequency", "payment frequency")),
        C("paid_to_worker_account", "answer", "Wages paid into the worker's own account (D4).",
          group="workforce", synonyms=("paid to worker account", "wages to own account")),
        # E. recruitment
        C("uses_labour_recruiters", "answer", "Uses labour recruiters or agencies (E1).", group="recruitment",
          synonyms=("uses labour recruiters", "uses recruiters", "labour recruiters", "recruitment agencies used",
                    "uses labor recruiters")),
        C("recruiters_licensed", "answer", "All recruiters are licensed and vetted (E1).", group="recruitment",
          synonyms=("recruiters licensed", "recruiters licenced", "licensed recruiters")),
        C("recruiter_names_disclosed", "answer", "Recruiters named with licence numbers (E1).",
          group="recruitment", synonyms=("recruiter names disclosed", "recruiters named",
                                         "recruiter list provided")),
        C("recruitment_fee_payer", "enum", "Who pays recruitment fees and related costs (E2).",
          allowed=("employer", "shared", "worker"), group="recruitment",
          synonyms=("recruitment fee payer", "who pays recruitment fees", "recruitment fees paid by",
                    "fees paid by")),
        C("fee_policy_covers_related_costs", "answer", "The employer-pays policy covers related costs (ILO "
          "2019 definition) (E2).", group="recruitment",
          synonyms=("fee policy covers related costs", "related costs covered")),
        C("fee_reimbursement_policy", "answer", "Policy to repay fees found to have been paid (E3).",
          group="recruitment", synonyms=("fee reimbursement policy", "fee repayment policy")),
        C("written_contracts", "answer", "Workers get written contracts (E4).", group="recruitment",
          synonyms=("written contracts", "written employment contracts")),
        C("contract_in_worker_language", "answer", "Contracts are in a language the worker understands (E4).",
          group="recruitment", synonyms=("contract in worker language", "contracts in workers language",
                                         "contract language understood")),
        C("contract_before_departure", "answer", "Contract given before departure or deployment (E4).",
          group="recruitment", synonyms=("contract before departure", "contract before deployment")),
        C("pre_hire_disclosure", "answer", "Wage, location, housing, costs and hazards disclosed before hiring "
          "(E5).", group="recruitment", synonyms=("pre hire disclosure", "job terms disclosed")),
        C("retains_identity_documents", "answer", "Employer or agent holds workers' identity documents (E6).",
          group="recruitment",
          synonyms=("retains identity documents", "holds worker documents", "passport retention",
                    "holds passports", "identity documents retained")),
        C("deposits_required", "answer", "Deposits, bonds or recruitment-related deductions (E7).",
          group="recruitment", synonyms=("deposits required", "deposits or bonds", "recruitment deductions")),
        C("return_transport_paid", "answer", "Return transport paid at the end of the contract (E8).",
          group="recruitment", synonyms=("return transport paid", "return travel paid")),
        C("permission_to_change_employer", "answer", "Workers need permission to leave or change employer "
          "(E8).", group="recruitment", synonyms=("permission needed to change employer",
                                                  "permission to change employer", "exit permission")),
        # F. policies, due diligence, remedy
        C("forced_labour_policy_url", "text", "URL of the forced-labour / anti-trafficking policy (F1).",
          group="due_diligence", synonyms=("forced labour policy url", "policy url", "anti trafficking policy",
                                           "forced labor policy url")),
        C("policy_flows_down", "answer", "The policy flows down to subcontractors and agents (F1).",
          group="due_diligence", synonyms=("policy flows down", "flow down policy")),
        C("last_risk_assessment_date", "date", "Last human-rights / forced-labour risk assessment (F2).",
          group="due_diligence", synonyms=("last risk assessment date", "risk assessment date",
                                           "hrdd assessment date")),
        C("last_audit_date", "date", "Last social audit of high-risk sites (F3).", group="due_diligence",
          synonyms=("last audit date", "audit date", "social audit date")),
        C("audit_unannounced", "answer", "Audits are unannounced with worker interviews (F3).",
          group="due_diligence", synonyms=("audit unannounced", "unannounced audits")),
        C("open_critical_findings", "int", "Open critical audit findings (F3).", group="due_diligence",
          synonyms=("open critical findings", "critical findings open")),
        C("grievance_mechanism", "enum", "Grievance channel: none, partial, or full (anonymous, multilingual, "
          "open to agency and subcontracted workers) (F4).", allowed=("none", "partial", "full"),
          group="due_diligence", synonyms=("grievance mechanism", "grievance channel", "whistleblowing")),
        C("remediation_procedure", "enum", "Remediation procedure: none, generic, or with a victim referral "
          "route (F5).", allowed=("none", "generic", "with_referral"), group="due_diligence",
          synonyms=("remediation procedure", "remediation")),
        C("training_coverage", "share", "Share of procurement and HR staff trained (F6).", group="due_diligence",
          synonyms=("training coverage", "staff trained %", "training coverage %")),
        C("msat_completed", "answer", "UK Modern Slavery Assessment Tool or equivalent completed (F7).",
          group="due_diligence", synonyms=("msat completed", "msat", "self assessment completed")),
        C("compliance_plan", "answer", "Anti-trafficking compliance plan in place (FAR 52.222-50(h)) (F8).",
          group="due_diligence", synonyms=("compliance plan", "anti trafficking compliance plan")),
        C("eo13126_certification", "answer", "EO 13126 good-faith certification for listed products (F9).",
          group="due_diligence", synonyms=("eo13126 certification", "eo 13126 certification")),
        # G. transparency
        C("modern_slavery_statement_url", "text", "URL of the modern-slavery / TISC statement (G1).",
          group="transparency", synonyms=("modern slavery statement url", "statement url", "ms statement url",
                                          "modern slavery statement", "statement_url")),
        C("statement_period_end", "date", "End of the period the latest statement covers (G1).",
          group="transparency", synonyms=("statement period end", "statement year end", "reporting period end")),
        C("statement_approved_by_board", "answer", "Statement approved by the board (G1).",
          group="transparency", synonyms=("statement approved by board", "approved by board",
                                          "approved_by_board")),
        C("statement_signed_by_director", "answer", "Statement signed by a director (G1).",
          group="transparency", synonyms=("statement signed by director", "signed by director",
                                          "signed_by_director")),
        C("statement_registry_id", "code", "Id in the UK statement registry or the AU register (G2).",
          group="transparency", synonyms=("registry id", "statement registry id", "register id")),
        C("kpis_reported", "answer", "KPIs and outcomes reported (cases found, remediated, fees repaid) (G3).",
          group="transparency", synonyms=("kpis reported", "kpi reporting")),
        C("beneficial_owners_disclosed", "answer", "Beneficial owners disclosed (A4).", group="transparency",
          synonyms=("beneficial owners disclosed", "beneficial ownership disclosed", "ubo disclosed")),
        C("supplier_country_tier", "enum", "US TIP Report tier of supplier_country (reference.enrich).",
          allowed=("tier_1", "tier_2", "tier_2_watch_list", "tier_3", "special_case"), group="enrichment",
          derived=True),
        C("production_countries_worst_tier", "enum", "Worst US TIP Report tier over production_countries.",
          allowed=("tier_1", "tier_2", "tier_2_watch_list", "tier_3", "special_case"), group="enrichment",
          derived=True),
    ),
)

TABLES: dict[str, Table] = {CONTRACTS.name: CONTRACTS, SUPPLIERS.name: SUPPLIERS}

# The issues table: one row per data problem found while reading, mapping or normalising.
ISSUE_COLUMNS = (
    C("source_file", "text", "File the problem was found in."),
    C("source_sheet", "text", "Sheet, for spreadsheets."),
    C("source_row", "int", "Row as the source shows it (Excel row number, CSV line, OCDS release index)."),
    C("column", "text", "Input column header (or OCDS path) the problem is in."),
    C("value", "text", "The offending value, as read (truncated to 200 characters)."),
    C("problem", "text", "What is wrong."),
    C("fix", "text", "How to fix it."),
    C("severity", "enum", "error quarantines the row; warning keeps it.", allowed=("error", "warning")),
    C("table", "text", "Canonical table the row belongs to."),
    C("code", "code", "Stable problem code, e.g. number.unparseable, date.ambiguous, cpv.check_digit."),
)
ISSUE_NAMES = tuple(c.name for c in ISSUE_COLUMNS)
