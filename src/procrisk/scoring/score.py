"""Contract scores from the outcome matrix: sub-scores, composite, coverage, hard flags and bands (docs/methodology.md).

Per rule, r = 1 flagged, 0 clear, ``unknown_risk`` not_assessed; not_applicable leaves the denominator.
Sub-score = 100 x sum(w x r) / sum(w) over the applicable rules of its pillars; empty (NaN) when none applies.
overall = IR x (baseline + amplifier x M / 100), M = weighted mean of the non-empty CG and PR; an empty factor is
left out (no M: overall = IR; no IR: overall = M; neither: 0). coverage = assessed weight / applicable weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from procrisk.rules.catalogue import Catalogue
from procrisk.rules.engine import Outcomes
from procrisk.rules.model import Rule
from procrisk.rules.outcomes import CLEAR, FLAGGED, NOT_APPLICABLE, NOT_ASSESSED
from procrisk.rules.parallel import default_workers, ordered_map
from procrisk.rules.settings import Composite, Settings
from procrisk.scoring.bands import band_codes, band_series
from procrisk.scoring.exposure import BASIS_NAMES, exposure_rank, exposure_values

SUBSCORES: dict[str, tuple[str, ...]] = {
    "inherent": ("inherent",),
    "control_gaps": ("recruitment", "transparency", "due_diligence", "contract"),
    "process": ("process",),
}
GROUPS = tuple(SUBSCORES)
CHUNK_ROWS = 1 << 18


@dataclass(frozen=True)
class RuleVectors:
    """Per-rule scoring arrays in outcome-matrix column order."""

    codes: tuple[str, ...]
    weights: np.ndarray  # (R,) float
    unknown: np.ndarray  # (R,) effective unknown_risk
    group: np.ndarray  # (R,) index into GROUPS
    hard: np.ndarray  # (R,) bool

    @classmethod
    def build(cls, rules: Sequence[Rule], codes: Sequence[str], default_unknown: float) -> RuleVectors:
        """Vectors for the matrix columns ``codes`` from the (settings-adjusted) rules."""
        by_code = {r.code: r for r in rules}
        missing = [c for c in codes if c not in by_code]
        if missing:
            msg = f"the outcome matrix has rules the catalogue lacks: {', '.join(missing)}"
            raise ValueError(msg)
        pillar_group = {p: i for i, g in enumerate(GROUPS) for p in SUBSCORES[g]}
        picked = [by_code[c] for c in codes]
        return cls(
            codes=tuple(codes),
            weights=np.array([r.weight for r in picked], dtype=np.float64),
            unknown=np.array([r.effective_unknown_risk(default_unknown) for r in picked], dtype=np.float64),
            group=np.array([pillar_group[r.pillar] for r in picked], dtype=np.int64),
            hard=np.array([r.hard_flag for r in picked], dtype=bool),
        )


def _classes(vec: RuleVectors) -> list[tuple[int, float, float, np.ndarray]]:
    """Rules grouped by (sub-score, weight, unknown risk): outcomes are counted per class, weighted once."""
    triples = zip(vec.group, vec.weights, vec.unknown, strict=True)
    keys = sorted({(int(g), float(w), float(u)) for g, w, u in triples})
    return [(g, w, u, np.flatnonzero((vec.group == g) & (vec.weights == w) & (vec.unknown == u)))
            for g, w, u in keys]


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (one pass, no temporaries for the masked rows)."""
    num = np.asarray(num, dtype=np.float64)
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=np.asarray(den) > 0)


def composite(ir: np.ndarray, cg: np.ndarray, pr: np.ndarray, weights: Composite) -> np.ndarray:
    """overall = IR x (baseline + amplifier x M / 100), M = weighted mean of the non-empty CG, PR (NaN = empty)."""
    has_cg, has_pr = ~np.isnan(cg), ~np.isnan(pr)
    num = np.where(has_cg, cg * weights.control_gaps, 0.0) + np.where(has_pr, pr * weights.process, 0.0)
    den = has_cg * weights.control_gaps + has_pr * weights.process
    m = _divide(num, den)
    has_ir, has_m = ~np.isnan(ir), ~np.isnan(m)
    both = np.where(has_ir & has_m, ir * (weights.baseline + weights.amplifier * m / 100.0), np.nan)
    out = np.where(has_ir & has_m, both, np.where(has_ir, ir, np.where(has_m, m, 0.0)))
    return np.clip(out, 0.0, 100.0)


def _count(block: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, how many of the columns are flagged, not assessed and not applicable (int8, 1-byte operations)."""
    n = block.shape[0]
    flagged = np.zeros(n, dtype=np.int8)
    unknown = np.zeros(n, dtype=np.int8)
    excluded = np.zeros(n, dtype=np.int8)
    hit = np.empty(n, dtype=bool)
    for j in cols:
        col = block[:, j]
        np.equal(col, FLAGGED, out=hit)
        flagged += hit.view(np.int8)
        np.equal(col, NOT_ASSESSED, out=hit)
        unknown += hit.view(np.int8)
        np.equal(col, NOT_APPLICABLE, out=hit)
        excluded += hit.view(np.int8)
    return flagged, unknown, excluded


def _hard_bits(block: np.ndarray, hard_cols: np.ndarray) -> np.ndarray:
    """Per row, a bit per hard-flag rule that is flagged."""
    bits = np.zeros(block.shape[0], dtype=np.int64)
    for k, j in enumerate(hard_cols):
        bits |= (block[:, j] == FLAGGED).astype(np.int64) << k
    return bits


def _score_block(block: np.ndarray, classes: list[tuple[int, float, float, np.ndarray]], hard_cols: np.ndarray,
                 out: dict[str, np.ndarray]) -> None:
    """Scores of one row block, written into ``out`` (views of the result arrays for these rows)."""
    m = block.shape[0]
    flag_w = np.zeros((len(GROUPS), m), dtype=np.int16)  # weights are whole numbers 1..5: exact sums
    app_w = np.zeros((len(GROUPS), m), dtype=np.int16)
    unk_w: dict[tuple[int, float], np.ndarray] = {}  # per (sub-score, unknown risk)
    total = np.zeros((3, m), dtype=np.int16)
    for g, w, u, cols in classes:
        flagged, unknown, excluded = _count(block, cols)
        wi = np.int16(w)
        applicable = np.int16(len(cols)) - excluded.astype(np.int16)
        flag_w[g] += wi * flagged
        app_w[g] += wi * applicable
        key = (g, u)
        unk_w[key] = unk_w.get(key, np.zeros(m, dtype=np.int16)) + wi * unknown
        total[0] += flagged
        total[1] += unknown
        total[2] += applicable
    all_app = app_w.sum(axis=0, dtype=np.float64)
    all_unk = np.zeros(m, dtype=np.float64)
    for g, name in enumerate(GROUPS):
        risk = flag_w[g].astype(np.float64)
        unassessed = np.zeros(m, dtype=np.float64)
        for (gg, u), weight in unk_w.items():
            if gg == g:
                risk += u * weight
                unassessed += weight
        all_unk += unassessed
        out[name][:] = 100.0 * _divide(risk, app_w[g])
        out[f"{name}_coverage"][:] = _divide(app_w[g] - unassessed, app_w[g])
    out["coverage"][:] = _divide(all_app - all_unk, all_app)
    out["flagged"][:], out["not_assessed"][:], out["applicable"][:] = total
    out["hard_bits"][:] = _hard_bits(block, hard_cols)


def score_values(values: np.ndarray, vec: RuleVectors, settings: Settings, chunk_rows: int = CHUNK_ROWS,
                 workers: int | None = None) -> dict[str, np.ndarray]:
    """Scores of every row of an outcome matrix (n x R int8): sub-scores, coverage, score, hard flags, band.

    Rows are scored in blocks of ``chunk_rows`` on ``workers`` threads (every value depends on its own row only,
    so the result does not depend on either).
    """
    n = values.shape[0]
    out = {k: np.empty(n, dtype=np.float64) for k in (*GROUPS, *(f"{g}_coverage" for g in GROUPS), "coverage",
                                                       "score")}
    out.update({k: np.empty(n, dtype=np.int16) for k in ("flagged", "not_assessed", "applicable")})
    out["hard_bits"] = np.zeros(n, dtype=np.int64)
    out["band"] = np.empty(n, dtype=np.int8)
    hard_cols = np.flatnonzero(vec.hard)
    classes = _classes(vec)

    def run(start: int) -> None:
        sl = slice(start, start + chunk_rows)
        part = {k: a[sl] for k, a in out.items()}
        _score_block(values[sl], classes, hard_cols, part)
        part["score"][:] = composite(part["inherent"], part["control_gaps"], part["process"], settings.composite)
        part["band"][:] = band_codes(part["score"], part["hard_bits"] != 0, settings.bands)

    for _ in ordered_map(run, range(0, n, chunk_rows), workers or default_workers()):
        pass
    out["hard_flag"] = out["hard_bits"] != 0
    return out


def _hard_flag_codes(bits: np.ndarray, vec: RuleVectors) -> pd.Categorical:
    """``;``-joined codes of the hard-flag rules flagged on each row ("" when none), as a categorical."""
    hard_codes = [vec.codes[j] for j in np.flatnonzero(vec.hard)]
    few_rows = len(bits) < (1 << min(len(hard_codes), 20))
    present = np.unique(bits) if few_rows or len(hard_codes) > 16 else np.arange(1 << len(hard_codes))
    names = [";".join(c for k, c in enumerate(hard_codes) if (int(b) >> k) & 1) for b in present]
    index = np.searchsorted(present, bits)
    return pd.Categorical.from_codes(index, categories=names) if len(set(names)) == len(names) else \
        pd.Categorical(np.asarray(names, dtype=object)[index])


def _score_columns(s: dict[str, np.ndarray], vec: RuleVectors) -> dict[str, object]:
    """The score table's columns from ``score_values``, in their documented order."""
    return {
        "score": s["score"], "band": band_series(s["band"]), "hard_flag": s["hard_flag"],
        "hard_flags": _hard_flag_codes(s["hard_bits"], vec),
        **{g: s[g] for g in GROUPS}, "coverage": s["coverage"], **{f"{g}_coverage": s[f"{g}_coverage"] for g in GROUPS},
        "flagged": s["flagged"], "not_assessed": s["not_assessed"], "applicable": s["applicable"],
    }


def score_outcomes(values: np.ndarray, rules: Sequence[Rule], codes: Sequence[str],
                   settings: Settings | None = None) -> pd.DataFrame:
    """Score an outcome matrix without ids (the building block of score_contracts and the property tests)."""
    settings = settings or Settings()
    vec = RuleVectors.build(rules, codes, settings.default_unknown_risk)
    return pd.DataFrame(_score_columns(score_values(values, vec, settings), vec), copy=False)


def score_contracts(catalogue: Catalogue, outcomes: Outcomes) -> pd.DataFrame:
    """One row per contract, in table order: ids, score, band, sub-scores, coverage, hard flags, exposure.

    Columns: contract_id, supplier_id, supplier_name, score (0..100), band, hard_flag, hard_flags (codes),
    inherent, control_gaps, process (sub-scores 0..100, NaN when no rule of that part applies), coverage and
    one coverage per sub-score (0..1), flagged / not_assessed / applicable (rule counts), exposure
    (score / 100 x award_value, else x estimated_value), exposure_basis, exposure_rank (1 = look first),
    supplier_row (position in the suppliers outcomes, -1 none).
    """
    settings = catalogue.settings
    vec = RuleVectors.build(catalogue.rules, outcomes.codes, settings.default_unknown_risk)
    s = score_values(outcomes.values, vec, settings)
    keys = outcomes.keys
    exposure, basis = exposure_values(s["score"], keys.get("award_value"), keys.get("estimated_value"))
    columns: dict[str, object] = {
        c: keys[c].reset_index(drop=True) for c in ("contract_id", "supplier_id", "supplier_key", "supplier_name",
                                                     "supplier_name_key", "award_value", "currency")
        if c in keys.columns}
    columns.update(_score_columns(s, vec))
    columns["exposure"] = exposure
    columns["exposure_basis"] = pd.Categorical.from_codes(basis, categories=list(BASIS_NAMES))
    columns["exposure_rank"] = exposure_rank(exposure, s["score"])
    if outcomes.supplier_rows is not None:
        columns["supplier_row"] = outcomes.supplier_rows
    return pd.DataFrame(columns, copy=False)  # no copy into 2-D blocks: the columns are fresh arrays


__all__ = ["CLEAR", "GROUPS", "SUBSCORES", "RuleVectors", "composite", "score_contracts", "score_outcomes",
           "score_values"]
