"""The fixed wording of reports: the review-not-proof warning, limitations and the methodology in brief."""

from __future__ import annotations

from typing import Any

REVIEW_NOT_PROOF = ("A flag is a reason to review, not proof: it says that the data shows a condition the cited "
                    "instruments associate with a higher risk of trafficking for labour exploitation, nothing more.")

LIMITATIONS = (
    REVIEW_NOT_PROOF,
    "Scores depend on the data supplied. A rule that could not be assessed (missing data) carries part of the risk "
    "of a flag instead of counting as clear; a low coverage means the score rests on little data.",
    "Rule weights, band cut-offs and the composite formula are procrisk defaults or the jurisdiction's settings "
    "(see Run manifest), not values taken from the OSCE Model Guidelines or any other instrument.",
    "Reference data (sector tiers, ILAB goods, TIP tiers) has the editions listed in the manifest; later editions "
    "may rate a country or good differently.",
    "Supplier matching across sources is automatic (procrisk.ml) and can link or split suppliers wrongly; check a "
    "supplier's identity before acting on its score.",
    "Values are compared in each contract's own currency; exposures in different currencies are not added up.",
    "Recommended actions are prompts for due diligence, to be carried out under the buyer's own procedures and law.",
)


def _number(value: Any, default: float) -> str:
    """A setting as short text (its default when missing)."""
    number = default if value is None else float(value)
    return f"{number:g}"


def methodology(settings: dict[str, Any]) -> list[str]:
    """How scores were computed, with the run's own settings filled in (docs/methodology.md in brief)."""
    bands = settings.get("bands") or {}
    comp = settings.get("composite") or {}
    unknown = _number(settings.get("default_unknown_risk"), 0.5)
    return [
        "Every contract and supplier is checked against a catalogue of cited rules (OSCE Model Guidelines on "
        "Government Measures to Prevent Trafficking for Labour Exploitation in Supply Chains, 2018, and the "
        "instruments behind them). Each (entity, rule) pair is flagged, clear, not assessed (data missing) or not "
        "applicable. Supplier-scope rules are read from the supplier's questionnaire answers and carried to its "
        "contracts.",
        f"A rule's risk is 1 when flagged, 0 when clear and its unknown risk (default {unknown}) when not assessed; "
        "not applicable rules are left out. Three sub-scores average the weighted risks of their rules: inherent "
        "risk (IR: sector, goods, countries), control gaps (CG: recruitment, transparency, due diligence, contract "
        "clauses) and process red flags (PR).",
        f"The contract score is IR x ({_number(comp.get('baseline'), 0.4)} + {_number(comp.get('amplifier'), 0.6)} "
        f"x M / 100), where M is the weighted mean of CG ({_number(comp.get('control_gaps'), 0.5)}) and PR "
        f"({_number(comp.get('process'), 0.5)}); a missing part is left out rather than guessed. Scores run from "
        "0 to 100.",
        f"Bands: medium from {_number(bands.get('medium'), 20)}, high from {_number(bands.get('high'), 40)}, "
        f"critical from {_number(bands.get('critical'), 60)}. A hard flag (for example a trafficking conviction, "
        "a debarment, or a good bought from an origin the ILAB list names for forced labour in it) makes a contract "
        "critical whatever its score.",
        "Coverage is the share of applicable rule weight that could be assessed; it is shown beside every score and "
        "never folded into it. Exposure is score / 100 x award value (or estimated value) and orders due diligence "
        "by what is at stake; rank 1 is the contract to look at first.",
    ]
