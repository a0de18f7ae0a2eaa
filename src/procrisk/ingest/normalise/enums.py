"""Enumerated columns, questionnaire answers and booleans, from spellings in English, French, Spanish, German.

Matching is exact after folding (case, accents, punctuation and spacing ignored): a value that is not a
known spelling is left empty with ``enum.unknown`` (``answer.unknown``, ``bool.unknown``), never guessed.

Decisions: "competitive dialogue", "prequalification" and negotiation *with* a prior call for competition
are ``selective`` (only invited or qualified suppliers tender); negotiation *without* publication is
``limited``. "Goods and Services" (Toronto's category) names two contract types, so it is left empty with a
note rather than flagged or guessed. Red / amber / green risk ratings map to high / medium / low.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from procrisk.ingest.normalise.result import Normalised
from procrisk.ingest.normalise.series import (
    distinct,
    distinct_problems,
    is_missing_token,
    problem_series,
    text_result,
)
from procrisk.schema.columns import Column

_PUNCT = re.compile(r"[\s_\-/.,;:'’()\[\]\"«»]+")


def fold(text: str) -> str:
    """Fold a cell for matching: accents, case, punctuation and spacing ignored; & read as 'and'."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace("&", " and ")
    return _PUNCT.sub(" ", plain).strip()


def _table(spec: dict[str, str]) -> dict[str, str]:
    """Expand {'canonical': 'spelling | spelling | ...'} into {folded spelling: canonical}."""
    out: dict[str, str] = {}
    for canonical, spellings in spec.items():
        for spelling in [canonical, *spellings.split("|")]:
            out[fold(spelling)] = canonical
    return out


YES = ("yes | y | oui | o | si | sí | ja | j | true | t | 1 | 1.0 | x | ✓ | ✔ | ☑ | vrai | verdadero | "
       "wahr | yes fully | in place | present | done")
NO = "no | n | non | nein | false | f | 0 | 0.0 | ✗ | ✘ | ☐ | faux | falso | falsch | not in place | absent"
PARTLY = ("partly | partially | partial | part | in part | some | partiellement | en partie | partiel | "
          "parcialmente | en parte | parcial | teilweise | zum teil | teils")

ANSWERS = _table({"yes": YES, "no": NO, "partly": PARTLY})
BOOLS = _table({"true": YES, "false": NO})
_PARTLY = frozenset(k for k, v in ANSWERS.items() if v == "partly")

SYNONYMS: dict[str, dict[str, str]] = {
    "procurement_method": _table({
        "open": "open tender | open tendering | open procedure | open competition | open bidding | "
                "rfp | rfq | rft | itt | rfi | request for proposal | request for proposals | "
                "request for quotation | "
                "request for quotations | request for quote | request for tender | request for tenders | "
                "invitation to tender | invitation to bid | itb | competitive | competitive tender | "
                "competitive bidding | public tender | national competitive bidding | ncb | "
                "international competitive bidding | icb | national open tender | "
                "international open tender | "
                "appel d'offres ouvert | appel d'offres | procédure ouverte | licitación pública | "
                "licitación abierta | procedimiento abierto | licitación pública nacional | "
                "licitación pública internacional | concurso público | offenes verfahren | "
                "öffentliche ausschreibung | oeffentliche ausschreibung",
        "selective": "restricted | restricted procedure | restricted tender | rfsq | "
                     "request for supplier qualification | prequalification | pre qualification | "
                     "pre-qualified | prequalified | competitive dialogue | innovation partnership | "
                     "competitive procedure with negotiation | negotiated with prior publication | "
                     "negotiated procedure with prior publication | negotiated with publication | "
                     "procédure restreinte | appel d'offres restreint | dialogue compétitif | "
                     "procédure concurrentielle avec négociation | invitación restringida | "
                     "invitación a cuando menos tres personas | invitacion a cuando menos 3 personas | "
                     "procedimiento restringido | licitación restringida | diálogo competitivo | "
                     "nicht offenes verfahren | beschränkte ausschreibung | beschraenkte ausschreibung | "
                     "wettbewerblicher dialog | verhandlungsverfahren mit teilnahmewettbewerb",
        "limited": "negotiated | negotiated procedure | negotiated without publication | "
                   "negotiated procedure without publication | "
                   "negotiated procedure without prior publication | "
                   "negotiated without prior publication | limited tender | limited tendering | "
                   "limited competition | procédure négociée | procédure négociée sans publicité | "
                   "marché négocié | procedimiento negociado | procedimiento negociado sin publicidad | "
                   "verhandlungsverfahren | verhandlungsvergabe | "
                   "verhandlungsverfahren ohne teilnahmewettbewerb",
        "direct": "direct award | direct contract | direct contracting | direct purchase | "
                  "direct procurement | sole source | sole-source | single source | single-source | "
                  "non competitive | "
                  "non-competitive | noncompetitive | emergency direct | emergency direct award | "
                  "gré à gré | marché de gré à gré | entente directe | attribution directe | "
                  "adjudicación directa | contratación directa | compra directa | freihändige vergabe | "
                  "freihaendige vergabe | direktvergabe | direktauftrag",
    }),
    "contract_type": _table({
        "goods": "good | supplies | supply | products | product | goods only | purchase of goods | "
                 "fournitures | fourniture | achats de fournitures | suministros | suministro | bienes | "
                 "adquisición de bienes | lieferung | lieferungen | lieferleistung | lieferleistungen | "
                 "lieferauftrag | waren",
        "services": "service | professional services | consulting services | consultancy | "
                    "prestations de services | prestation de services | servicios | servicio | "
                    "dienstleistung | dienstleistungen | dienstleistungsauftrag",
        "works": "work | construction | construction services | construction works | public works | "
                 "building works | travaux | marché de travaux | obras | obra | obra pública | "
                 "obras públicas | "
                 "bauleistung | bauleistungen | bauauftrag | bauarbeiten",
    }),
    "ms_risk_rating": _table({
        "high": "h | high risk | very high | red | élevé | eleve | haut | alto | alta | hoch",
        "medium": "m | med | medium risk | moderate | amber | moyen | medio | media | mittel",
        "low": "l | low risk | very low | green | faible | bas | bajo | baja | niedrig | gering",
    }),
    "award_basis": _table({
        "price_only": "price only | lowest price | price | lowest cost | cost only | lowest bid | "
                      "lowest evaluated price | priceonly | costonly | lowestcost | prix le plus bas | "
                      "prix seul | precio más bajo | precio | niedrigster preis | preis",
        "price_quality": "price quality | price and quality | quality and price | meat | mieux disant | "
                         "most economically advantageous tender | most economically advantageous | "
                         "best price quality ratio | best price-quality ratio | bpqr | best value | "
                         "best value for money | ratedcriteria | rated criteria | bestproposal | "
                         "bestvaluetogovernment | offre économiquement la plus avantageuse | "
                         "oferta económicamente más ventajosa | mejor relación calidad precio | "
                         "wirtschaftlichstes angebot | bestes preis leistungs verhältnis",
    }),
    "recruitment_fee_payer": _table({
        "employer": "employer pays | the employer | company | company pays | employer paid | "
                    "paid by employer | employer only | employeur | empleador | arbeitgeber",
        "worker": "workers | worker pays | workers pay | employee | employees | candidate | paid by worker | "
                  "paid by workers | travailleur | travailleurs | trabajador | trabajadores | arbeitnehmer",
        "shared": "both | split | employer and worker | employer and workers | worker and employer | "
                  "partly worker | partly employer | partagé | compartido | geteilt",
    }),
    "labour_violations": _table({
        "none": "no | nil | no violations | no findings | aucune | ninguna | keine",
        "minor": "minor violations | low | minor findings | mineure | menor | geringfügig",
        "serious": "major | severe | critical | serious violations | grave | graves | schwer | schwerwiegend",
    }),
    "grievance_mechanism": _table({
        "none": "no | no mechanism | aucun | ninguno | keine | kein",
        "partial": "partly | partially | basic | limited | partiel | parcial | teilweise",
        "full": "yes fully | comprehensive | complete | complet | completo | vollständig",
    }),
    "remediation_procedure": _table({
        "none": "no | no procedure | aucune | ninguno | keine",
        "generic": "general | generic procedure | standard | générique | genérico | allgemein",
        "with_referral": "with referral | referral | victim referral | with victim referral | "
                         "with referral route | avec orientation | con derivación | mit weiterleitung",
    }),
    "wage_payment_frequency": _table({
        "weekly": "every week | per week | once a week | hebdomadaire | semanal | wöchentlich",
        "fortnightly": "biweekly | bi weekly | every two weeks | every 2 weeks | semi monthly | "
                       "semimonthly | twice a month | bimensuel | quinzaine | quincenal | catorcenal | "
                       "zweiwöchentlich",
        "monthly": "every month | per month | once a month | mensuel | mensual | monatlich",
        "less_often": "less often | quarterly | annually | yearly | irregular | irregularly | "
                      "at end of contract | moins souvent | trimestriel | menos frecuente | trimestral | "
                      "seltener",
    }),
    "clause_audit_rights": _table({
        "none": "no | no audit rights | aucun | ninguno | keine",
        "announced": "announced audits | announced only | annoncé | anunciado | angekündigt",
        "full": "unannounced | unannounced audits | full audit rights | complet | completo | vollständig",
    }),
}
_TIERS = _table({
    "tier_1": "tier 1 | 1",
    "tier_2": "tier 2 | 2",
    "tier_2_watch_list": "tier 2 watch list | tier 2 watchlist | watch list | watchlist | 2wl | tier 2wl",
    "tier_3": "tier 3 | 3",
    "special_case": "special case | special",
})
for _name in ("supplier_country_tier", "origin_country_tier", "delivery_country_tier"):
    SYNONYMS[_name] = _TIERS

# Values that name more than one allowed value: left empty with a note, not flagged as unknown.
_SEVERAL = {"contract_type": frozenset({fold("goods and services"), fold("goods & services"),
                                        fold("goods services"), fold("works and services")})}


def _lookup_table(column: Column) -> dict[str, str]:
    """Folded spelling -> allowed value for one column (allowed values themselves included)."""
    table = {fold(v.replace("_", " ")): v for v in column.allowed}
    table.update(SYNONYMS.get(column.name, {}))
    return table


def _lookup(values: pd.Series, table: dict[str, str], unknown: str, *, several: frozenset[str] = frozenset(),
            partly: str | None = None) -> tuple[np.ndarray, list[str | None], list[str | None], list[str]]:
    """Look each distinct value up once; returns (codes, result per distinct value, problem per distinct
    value, notes)."""
    codes, uniques = distinct(values)
    results: list[str | None] = []
    problems: list[str | None] = []
    several_found: list[str] = []
    for value in uniques:
        text = str(value)
        key = fold(text)
        if key in table:
            results.append(table[key])
            problems.append(None)
        elif is_missing_token(text) or not key:
            results.append(None)
            problems.append(None)
        elif key in several:
            results.append(None)
            problems.append(None)
            several_found.append(text.strip())
        else:
            results.append(None)
            problems.append(partly if partly and key in _PARTLY else unknown)
    notes = [f"{', '.join(repr(s) for s in several_found)} name several allowed values; left empty"
             ] if several_found else []
    return codes, results, problems, notes


def _apply(values: pd.Series, table: dict[str, str], unknown: str, *, several: frozenset[str] = frozenset(),
           partly: str | None = None) -> Normalised:
    """Look each distinct value up once; the values found, with their problems and notes."""
    codes, results, problems, notes = _lookup(values, table, unknown, several=several, partly=partly)
    return text_result(results, codes, values.index, distinct_problems(problems, codes, values.index), notes)


def parse_enum(values: pd.Series, column: Column) -> Normalised:
    """Map each value of an enum column to one of ``column.allowed`` (unknown: empty + ``enum.unknown``)."""
    return _apply(values, _lookup_table(column), "enum.unknown", several=_SEVERAL.get(column.name, frozenset()))


def parse_answers(values: pd.Series) -> Normalised:
    """Map questionnaire answers to yes / partly / no (unanswered stays empty, never 'no')."""
    return _apply(values, ANSWERS, "answer.unknown")


def parse_bools(values: pd.Series) -> Normalised:
    """Map yes/no, true/false, 1/0, x and their translations to a nullable boolean; 'partly' is flagged."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return Normalised(values.astype("boolean"), problem_series(None, values.index), [])
    codes, results, problems, notes = _lookup(values, BOOLS, "bool.unknown", partly="bool.partly")
    truth = np.array([r == "true" for r in results] + [False], dtype=bool)
    unknown = np.array([r is None for r in results] + [True], dtype=bool)
    typed = pd.arrays.BooleanArray(truth[codes], unknown[codes])
    return Normalised(pd.Series(typed, index=values.index), distinct_problems(problems, codes, values.index),
                      notes)
