"""Invented company names: a coined word (two made-up syllables), a trade word and a legal form."""

from __future__ import annotations

import random

from procrisk.sample.geo import LEGAL_FORMS

# Coined-word halves. Their combinations are not dictionary words; names are built only from them, so a
# match with a real company would be a coincidence.
HEADS = (
    "Zor",
    "Vex",
    "Quil",
    "Brax",
    "Tolv",
    "Karv",
    "Plon",
    "Drev",
    "Yal",
    "Wex",
    "Fyn",
    "Glim",
    "Strel",
    "Ovar",
    "Hask",
    "Jorv",
    "Lumb",
    "Merv",
    "Nask",
    "Pryd",
    "Rask",
    "Sarv",
    "Tusk",
    "Ulv",
    "Vorn",
    "Wymb",
    "Xal",
    "Yorv",
    "Zant",
    "Bryx",
    "Clov",
    "Dask",
    "Elv",
    "Frax",
    "Gorv",
    "Hyl",
    "Jax",
    "Kelv",
    "Lyx",
    "Mox",
)
TAILS = (
    "ane",
    "ex",
    "ora",
    "ik",
    "ent",
    "ium",
    "ova",
    "esk",
    "ar",
    "ond",
    "ith",
    "ela",
    "ux",
    "ay",
    "en",
    "is",
)

# Trade words by trade, in English; foreign-language trade words for EU suppliers.
TRADE_WORDS: dict[str, tuple[str, ...]] = {
    "software": ("Software", "Digital", "Data", "Cloud Systems"),
    "consultancy": ("Consulting", "Advisory", "Partners", "Associates"),
    "legal": ("Legal", "Law"),
    "training": ("Training", "Learning", "Academy"),
    "insurance": ("Insurance Brokers", "Risk Services"),
    "printing": ("Print", "Press", "Printers"),
    "office_supplies": ("Office Supplies", "Stationery"),
    "fleet": ("Motors", "Fleet Services", "Garage"),
    "cleaning": ("Cleaning", "Facilities", "Hygiene Services", "Property Care"),
    "security": ("Security", "Guarding", "Protection Services"),
    "catering": ("Catering", "Food Services", "Kitchens"),
    "construction": ("Construction", "Builders", "Civil Engineering", "Contractors", "Roofing"),
    "staffing": ("Recruitment", "Staffing", "Personnel", "Workforce Solutions"),
    "waste": ("Waste Management", "Environmental Services", "Recycling"),
    "care": ("Care", "Homecare", "Care Services", "Support Services"),
    "transport": ("Transport", "Travel", "Coaches", "Logistics"),
    "grounds": ("Grounds Maintenance", "Landscapes", "Horticulture"),
    "laundry": ("Laundry", "Linen Services"),
    "garments": ("Workwear", "Uniforms", "Apparel", "Garments", "Textiles"),
    "ppe": ("Safety", "PPE", "Gloves", "Medical Supplies"),
    "it_hardware": ("Computers", "IT Solutions", "Technology", "Electronics"),
    "solar": ("Solar", "Renewables", "Energy"),
    "furniture": ("Furniture", "Interiors", "Office Furniture"),
    "food": ("Foods", "Seafood", "Coffee", "Provisions", "Wholesale"),
    "building_materials": ("Building Supplies", "Brick", "Timber"),
}
FOREIGN_WORDS: dict[str, dict[str, str]] = {
    "DE": {
        "cleaning": "Gebäudereinigung",
        "software": "Software",
        "consultancy": "Beratung",
        "furniture": "Möbelwerk",
        "garments": "Berufskleidung",
        "it_hardware": "Computer",
    },
    "FR": {
        "cleaning": "Nettoyage",
        "software": "Logiciels",
        "consultancy": "Conseil",
        "furniture": "Mobilier",
        "garments": "Vêtements",
        "it_hardware": "Informatique",
    },
    "ES": {
        "cleaning": "Limpiezas",
        "software": "Software",
        "consultancy": "Consultoría",
        "furniture": "Muebles",
        "garments": "Confecciones",
        "it_hardware": "Informática",
    },
    "MX": {"software": "Software", "consultancy": "Consultoría"},
}


class NameMaker:
    """Hands out unique invented names; never the same coined word twice."""

    def __init__(self, rng: random.Random) -> None:
        """Shuffle every head-tail combination once so that names are drawn without replacement."""
        self._words = [h + t for h in HEADS for t in TAILS]
        rng.shuffle(self._words)
        self._rng = rng

    def coined(self) -> str:
        """A fresh coined word, e.g. "Zorvane"."""
        if not self._words:
            msg = "ran out of invented company names"
            raise RuntimeError(msg)
        return self._words.pop()

    def company(self, trade: str, country: str) -> str:
        """An invented company name for a trade and a country, e.g. "Braxora Cleaning Ltd"."""
        word = self.coined()
        local = FOREIGN_WORDS.get(country, {})
        trade_word = local.get(trade) or self._rng.choice(TRADE_WORDS[trade])
        form = self._rng.choice(LEGAL_FORMS.get(country, ("Ltd",)))
        if form == "PT":
            return f"PT {word} {trade_word}"
        if form == "plc":
            return f"{word} {trade_word} plc"
        return f"{word} {trade_word} {form}"


def name_variant(name: str, rng: random.Random) -> str:
    """Another spelling of a company name that a name-matching step should fold to the same key."""
    options = [name.upper(), name.replace("  ", " ") + "."]
    if name.endswith(" Ltd"):
        options += [name[:-4] + " Limited", name[:-4] + " LTD", name[:-4]]
    if name.endswith(" Limited"):
        options.append(name[:-8] + " Ltd")
    options.append(name.replace(" ", "  ", 1))
    return rng.choice(options)
