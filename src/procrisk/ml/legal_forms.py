"""Word lists for supplier-name keys: legal forms in many languages, country qualifiers, abbreviations, letters.

Every spelling is written as a register might print it; ``procrisk.ml.normalise`` folds each one with the same
steps it applies to names (case, accents, dots, "&" to "and"), so "S.A. de C.V." and "SA DE CV" are one entry.
Legal forms are removed only at the end of a name (and the few prefix forms only at its start), so a word such
as "Company" inside "East India Company Trading" stays.
"""

from __future__ import annotations

# Legal forms removed from the end of a name, grouped by language or jurisdiction (spellings as printed).
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "en": (
        "Limited", "Ltd", "Ltd.", "Ltda", "PLC", "P.L.C.", "Public Limited Company", "LLC", "L.L.C.", "LLP",
        "L.L.P.", "LP", "L.P.", "LLLP", "PLLC", "P.C.", "Inc", "Inc.", "Incorporated", "Corp", "Corp.",
        "Corporation", "Co", "Co.", "Company", "& Co", "& Co.", "and Company", "Co Ltd", "Co., Ltd.",
        "Company Limited", "Pty", "Pty Ltd", "Proprietary Limited", "Pte", "Pte Ltd", "Pvt Ltd",
        "Private Limited", "Sdn Bhd", "Bhd", "Berhad", "CIC", "CIO", "Unlimited", "Ulc", "Limited Partnership",
    ),
    "de": (
        "GmbH", "mbH", "AG", "KG", "OHG", "GbR", "KGaA", "SE", "e.K.", "e.V.", "UG", "UG (haftungsbeschränkt)",
        "GmbH & Co. KG", "GmbH & Co KG", "AG & Co. KG", "Gesellschaft mbH", "Aktiengesellschaft",
    ),
    "fr": (
        "SA", "S.A.", "SAS", "S.A.S.", "SASU", "SARL", "S.A.R.L.", "EURL", "SCA", "SNC", "SCI", "SCOP",
        "Société Anonyme", "Société par actions simplifiée", "et Cie", "& Cie",
    ),
    "es": (
        "S.A. de C.V.", "SA de CV", "S.A.B. de C.V.", "S.A.P.I. de C.V.", "S. de R.L.", "S. de R.L. de C.V.",
        "S.C.", "S.L.", "SL", "S.L.U.", "SLU", "S.R.L.", "SRL", "S.A.C.", "SAC", "S.A.A.", "E.I.R.L.", "EIRL",
        "Sociedad Anónima", "Sociedad Limitada", "Sociedad Civil", "y Cía", "y Compañía", "Cía", "Cia Ltda",
        "S.A.S.", "A.C.", "S.C. de R.L.",
    ),
    "pt": ("Ltda.", "Lda", "Lda.", "S/A", "EIRELI", "Sociedade Anónima"),
    "it": ("S.p.A.", "SpA", "S.r.l.", "Srl", "S.r.l.s.", "S.a.s.", "S.n.c.", "Scarl", "S.c.r.l.", "Società per azioni"),
    "nl": ("B.V.", "BV", "N.V.", "NV", "V.O.F.", "C.V.", "BVBA", "SPRL", "CVBA", "SA/NV", "NV/SA"),
    "nordic": ("AB", "A/S", "AS", "ASA", "ApS", "Oy", "Oyj", "hf", "ehf", "I/S", "K/S", "publ", "AB (publ)"),
    "pl-cz-sk": (
        "Sp. z o.o.", "Sp z oo", "S.A.", "sp.k.", "sp. j.", "s.r.o.", "spol. s r.o.", "a.s.", "k.s.", "v.o.s.",
    ),
    "hu-ro-tr-gr": ("Kft", "Kft.", "Zrt", "Zrt.", "Nyrt", "Bt", "Kkt", "SRL", "A.Ş.", "Ltd. Şti.", "Şti",
                    "A.E.", "E.P.E.", "IKE", "O.E."),
    "asia-other": ("K.K.", "KK", "Kabushiki Kaisha", "G.K.", "Y.K.", "Tbk", "Ltd Sti", "JSC", "PJSC", "OJSC",
                   "CJSC", "FZE", "FZCO", "FZ-LLC", "WLL", "W.L.L.", "SAOG", "SAOC", "PSC", "QSC"),
}

# Long legal-form words recognised even when misspelt by a typo ("Limted", "Coporation").
LONG_FORM_WORDS: tuple[str, ...] = (
    "limited", "corporation", "incorporated", "company", "partnership", "proprietary", "gesellschaft",
    "aktiengesellschaft", "berhad", "sociedad", "societe", "anonyme", "anonima", "limitada",
)

# Legal forms written before the name (Indonesia, Russia, Ukraine, Lithuania), as printed or transliterated;
# short ones that are also initials of real names (AO, CV, IP, AS) are left out.
PREFIX_FORMS: tuple[str, ...] = (
    "PT", "PT.", "Kabushiki Kaisha", "OOO", "ООО", "OAO", "ОАО", "ZAO", "ЗАО", "PAO", "ПАО", "TOV", "ТОВ", "UAB",
)

# Country qualifiers dropped from the end of a name ("Acme Ltd (UK)" is "Acme Ltd").
COUNTRY_QUALIFIERS: tuple[str, ...] = (
    "UK", "U.K.", "GB", "Great Britain", "United Kingdom", "USA", "U.S.A.", "US", "U.S.",
)

# Words never kept in a key: articles and the "and" that "&" becomes.
DROPPED_WORDS: frozenset[str] = frozenset({"the", "and", "und", "et", "y", "e"})

# Abbreviations written out, so "Intl" and "International" give one key (both sides as folded words).
ABBREVIATIONS: dict[str, str] = {
    "intl": "international", "int'l": "international", "natl": "national", "svcs": "services",
    "svc": "services", "srvcs": "services", "mgmt": "management", "mgt": "management", "assoc": "associates",
    "assocs": "associates", "bros": "brothers", "mfg": "manufacturing", "mfrs": "manufacturers",
    "engg": "engineering", "eng": "engineering", "grp": "group", "hldgs": "holdings", "hldg": "holding",
    "ctr": "center", "centre": "center", "dept": "department", "univ": "university", "tech": "technology",
    "techs": "technology", "technologies": "technology", "sys": "systems", "solns": "solutions", "dev": "development",
    "devel": "development", "constr": "construction", "corp": "corporation", "st": "saint", "ste": "sainte",
    "mt": "mount", "ft": "fort", "labs": "laboratories", "lab": "laboratory",
}

# Letters that Unicode decomposition does not reduce to ASCII, and Cyrillic and Greek (ISO 9 / ELOT simplified).
TRANSLITERATION: dict[str, str] = {
    "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h",
    "ŧ": "t", "ŋ": "ng", "ĸ": "k", "ſ": "s",
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia", "є": "ie", "і": "i", "ї": "i", "ґ": "g", "ў": "u",
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i", "κ": "k",
    "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t",
    "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}
